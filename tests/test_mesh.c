/* Dimension-order routing on the mesh: hop counts, link loads, chip crossings. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "chip.h"
#include "mesh.h"

static uint32_t s_dist(uint32_t a, uint32_t b)
{
    return a > b ? a - b : b - a;
}

static uint64_t s_load(const sm_mesh_t *m, uint32_t x, uint32_t y, int dir)
{
    return m->link[((size_t)y * m->width + x) * SM_DIRS + dir];
}

static uint64_t s_total(const sm_mesh_t *m)
{
    uint64_t s = 0;
    for (size_t i = 0; i < (size_t)m->width * m->height * SM_DIRS; i++)
        s += m->link[i];
    return s;
}

Test(mesh, one_core)
{
    sm_mesh_t m;
    cr_assert_eq(sm_mesh_init(&m, 1, 1), 0);
    sm_route_t r = {9, 9, 9, 9};
    cr_expect_eq(sm_mesh_route(&m, 0, 0, 5, &r), 0);
    cr_expect(r.x == 0 && r.y == 0 && r.cross_x == 0 && r.cross_y == 0);
    cr_expect_eq(s_total(&m), 0);
    sm_mesh_fini(&m);
    cr_expect_null(m.link);
}

Test(mesh, same_core_is_no_hop)
{
    sm_mesh_t m;
    cr_assert_eq(sm_mesh_init(&m, 5, 3), 0);
    m.chip_w = 2;
    m.chip_h = 2;
    for (uint32_t c = 0; c < 15; c++) {
        sm_route_t r;
        cr_expect_eq(sm_mesh_route(&m, c, c, 7, &r), 0, "core %u", c);
        cr_expect(r.x == 0 && r.y == 0 && r.cross_x == 0 && r.cross_y == 0);
    }
    cr_expect_eq(s_total(&m), 0);
    sm_mesh_fini(&m);
}

Test(mesh, one_column)
{
    /* 1 x 6: every route is north or south */
    sm_mesh_t m;
    cr_assert_eq(sm_mesh_init(&m, 1, 6), 0);
    sm_route_t r;
    cr_expect_eq(sm_mesh_route(&m, 0, 5, 2, &r), 5);
    cr_expect(r.x == 0 && r.y == 5);
    for (uint32_t y = 0; y < 5; y++) {
        cr_expect_eq(s_load(&m, 0, y, SM_DIR_NORTH), 2, "row %u", y);
        cr_expect_eq(s_load(&m, 0, y, SM_DIR_SOUTH), 0);
    }
    cr_expect_eq(s_load(&m, 0, 5, SM_DIR_NORTH), 0);
    cr_expect_eq(sm_mesh_route(&m, 4, 1, 3, &r), 3);
    for (uint32_t y = 2; y <= 4; y++)
        cr_expect_eq(s_load(&m, 0, y, SM_DIR_SOUTH), 3, "row %u", y);
    cr_expect_eq(s_total(&m), 5 * 2 + 3 * 3);
    sm_mesh_fini(&m);
}

Test(mesh, one_row)
{
    /* 6 x 1: every route is east or west */
    sm_mesh_t m;
    cr_assert_eq(sm_mesh_init(&m, 6, 1), 0);
    sm_route_t r;
    cr_expect_eq(sm_mesh_route(&m, 0, 5, 1, &r), 5);
    cr_expect(r.x == 5 && r.y == 0);
    for (uint32_t x = 0; x < 5; x++)
        cr_expect_eq(s_load(&m, x, 0, SM_DIR_EAST), 1, "column %u", x);
    cr_expect_eq(sm_mesh_route(&m, 5, 0, 4, NULL), 5);
    for (uint32_t x = 1; x <= 5; x++)
        cr_expect_eq(s_load(&m, x, 0, SM_DIR_WEST), 4, "column %u", x);
    cr_expect_eq(s_total(&m), 5 * 1 + 5 * 4);
    sm_mesh_fini(&m);
}

Test(mesh, corners_of_a_grid)
{
    const uint32_t W = 7, H = 4;
    sm_mesh_t m = {.width = W, .height = H};
    const uint32_t corner[4] = {0, W - 1, (H - 1) * W, W * H - 1};
    for (int a = 0; a < 4; a++)
        for (int b = 0; b < 4; b++) {
            sm_route_t r;
            uint32_t hops = sm_mesh_route(&m, corner[a], corner[b], 1, &r);
            uint32_t dx = s_dist(corner[a] % W, corner[b] % W);
            uint32_t dy = s_dist(corner[a] / W, corner[b] / W);
            cr_expect_eq(hops, dx + dy, "corner %d -> %d", a, b);
            cr_expect(r.x == dx && r.y == dy);
        }
    sm_route_t r;
    cr_expect_eq(sm_mesh_route(&m, 0, W * H - 1, 1, &r), (W - 1) + (H - 1));
    cr_expect_eq(sm_mesh_route(&m, W - 1, (H - 1) * W, 1, &r), (W - 1) + (H - 1));
}

Test(mesh, links_follow_x_then_y)
{
    /* 4 x 3, (3,0) -> (1,2): west along row 0, then north up column 1 */
    sm_mesh_t m;
    cr_assert_eq(sm_mesh_init(&m, 4, 3), 0);
    cr_expect_eq(sm_mesh_route(&m, 3, 2 * 4 + 1, 10, NULL), 4);
    cr_expect_eq(s_load(&m, 3, 0, SM_DIR_WEST), 10);
    cr_expect_eq(s_load(&m, 2, 0, SM_DIR_WEST), 10);
    cr_expect_eq(s_load(&m, 1, 0, SM_DIR_NORTH), 10);
    cr_expect_eq(s_load(&m, 1, 1, SM_DIR_NORTH), 10);
    cr_expect_eq(s_total(&m), 40);
    /* back again: east along row 2, then south down column 3; loads add up */
    cr_expect_eq(sm_mesh_route(&m, 2 * 4 + 1, 3, 1, NULL), 4);
    cr_expect_eq(s_load(&m, 1, 2, SM_DIR_EAST), 1);
    cr_expect_eq(s_load(&m, 2, 2, SM_DIR_EAST), 1);
    cr_expect_eq(s_load(&m, 3, 2, SM_DIR_SOUTH), 1);
    cr_expect_eq(s_load(&m, 3, 1, SM_DIR_SOUTH), 1);
    cr_expect_eq(s_load(&m, 3, 0, SM_DIR_WEST), 10);
    cr_expect_eq(s_total(&m), 44);
    sm_mesh_fini(&m);
}

/* A 2 x 2 board of 4 x 4-core chips. */
static sm_mesh_t s_board(void)
{
    return (sm_mesh_t){.width = 8, .height = 8, .chip_w = 4, .chip_h = 4};
}

Test(mesh, chip_crossings_on_a_board)
{
    sm_mesh_t m = s_board();
    sm_route_t r;
    cr_expect_eq(sm_mesh_route(&m, 0, 63, 1, &r), 14); /* (0,0) -> (7,7) */
    cr_expect(r.x == 7 && r.y == 7 && r.cross_x == 1 && r.cross_y == 1);
    sm_mesh_route(&m, 3 * 8 + 3, 4 * 8 + 4, 1, &r); /* (3,3) -> (4,4): one step over each */
    cr_expect(r.x == 1 && r.y == 1 && r.cross_x == 1 && r.cross_y == 1);
    sm_mesh_route(&m, 1 * 8 + 1, 2 * 8 + 2, 1, &r); /* inside the first chip */
    cr_expect(r.x == 1 && r.y == 1 && r.cross_x == 0 && r.cross_y == 0);
    sm_mesh_route(&m, 4, 7 * 8 + 7, 1, &r); /* (4,0) -> (7,7): north only crosses */
    cr_expect(r.x == 3 && r.y == 7 && r.cross_x == 0 && r.cross_y == 1);
    sm_mesh_route(&m, 7 * 8 + 7, 7 * 8, 1, &r); /* (7,7) -> (0,7): west only crosses */
    cr_expect(r.x == 7 && r.y == 0 && r.cross_x == 1 && r.cross_y == 0);
    /* no tiling: the grid is one chip */
    m.chip_w = m.chip_h = 0;
    sm_mesh_route(&m, 0, 63, 1, &r);
    cr_expect(r.x == 7 && r.y == 7 && r.cross_x == 0 && r.cross_y == 0);
}

Test(mesh, hops_are_the_manhattan_distance_and_crossings_the_walked_links)
{
    sm_mesh_t m = s_board();
    m.link = calloc(64 * SM_DIRS, sizeof *m.link);
    cr_assert_not_null(m.link);
    static const int dx[SM_DIRS] = {1, -1, 0, 0}, dy[SM_DIRS] = {0, 0, 1, -1};
    for (uint32_t a = 0; a < 64; a++)
        for (uint32_t b = 0; b < 64; b++) {
            for (size_t i = 0; i < 64 * SM_DIRS; i++)
                m.link[i] = 0;
            sm_route_t r;
            uint32_t hops = sm_mesh_route(&m, a, b, 1, &r);
            uint32_t mx = s_dist(a % 8, b % 8), my = s_dist(a / 8, b / 8);
            cr_assert_eq(hops, mx + my, "%u -> %u", a, b);
            cr_assert(r.x == mx && r.y == my, "%u -> %u", a, b);
            /* the links the walk loaded: one packet per hop, the chip
             * crossings among them as reported */
            uint32_t n = 0, cx = 0, cy = 0;
            for (uint32_t c = 0; c < 64; c++)
                for (int d = 0; d < SM_DIRS; d++) {
                    if (!s_load(&m, c % 8, c / 8, d))
                        continue;
                    cr_assert_eq(s_load(&m, c % 8, c / 8, d), 1);
                    n++;
                    uint32_t x = c % 8, y = c / 8;
                    uint32_t nx = (uint32_t)((int)x + dx[d]), ny = (uint32_t)((int)y + dy[d]);
                    cx += x / 4 != nx / 4;
                    cy += y / 4 != ny / 4;
                }
            cr_assert_eq(n, hops, "%u -> %u", a, b);
            cr_assert(r.cross_x == cx && r.cross_y == cy, "%u -> %u", a, b);
        }
    free(m.link);
}

Test(mesh, chip_sees_the_same_route)
{
    /* the chip cost model counts a route as the router does */
    sm_error_t err;
    sm_error_clear(&err);
    sm_chip_t *c = sm_chip_load(SM_SOURCE_DIR "/tools/chip/profiles/mini_board.json", &err);
    cr_assert_not_null(c, "%s", err.msg);
    sm_mesh_t m = s_board();
    for (uint32_t a = 0; a < 64; a++)
        for (uint32_t b = 0; b < 64; b++) {
            sm_route_t r;
            uint32_t ew, ns, ch;
            sm_mesh_route(&m, a, b, 1, &r);
            sm_chip_route(c, a, b, &ew, &ns, &ch);
            cr_assert(ew == r.x - r.cross_x && ns == r.y - r.cross_y &&
                          ch == r.cross_x + r.cross_y,
                      "%u -> %u", a, b);
        }
    sm_chip_destroy(&c);
}
