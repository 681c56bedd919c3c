#include "mesh.h"

#include <stdlib.h>

int sm_mesh_init(sm_mesh_t *m, uint32_t width, uint32_t height)
{
    m->width = width;
    m->height = height;
    m->chip_w = m->chip_h = 0;
    m->link = calloc((size_t)width * height * SM_DIRS, sizeof *m->link);
    return m->link ? 0 : -1;
}

void sm_mesh_fini(sm_mesh_t *m)
{
    free(m->link);
    m->link = NULL;
}

static uint32_t s_dist(uint32_t a, uint32_t b)
{
    return a > b ? a - b : b - a;
}

uint32_t sm_mesh_route(sm_mesh_t *m, uint32_t from, uint32_t to, uint64_t packets,
                       sm_route_t *r)
{
    uint32_t w = m->width;
    uint32_t x = from % w, y = from / w;
    uint32_t tx = to % w, ty = to / w;
    /* The counts do not depend on the order of the axes, only the links do:
     * they come from the coordinates, so that a caller who only measures
     * (placement tries many routes) pays no walk. Along one axis a route
     * crosses every chip boundary between its two ends once. */
    if (r) {
        uint32_t cw = m->chip_w ? m->chip_w : w, ch = m->chip_h ? m->chip_h : m->height;
        *r = (sm_route_t){s_dist(x, tx), s_dist(y, ty), s_dist(x / cw, tx / cw),
                          s_dist(y / ch, ty / ch)};
    }
    uint32_t hops = s_dist(x, tx) + s_dist(y, ty);
    if (!m->link)
        return hops;
    while (x != tx) {
        int east = tx > x;
        m->link[((size_t)y * w + x) * SM_DIRS + (east ? SM_DIR_EAST : SM_DIR_WEST)] += packets;
        x = east ? x + 1 : x - 1;
    }
    /* North is +y: row 0 is the bottom row of the chip. */
    while (y != ty) {
        int north = ty > y;
        m->link[((size_t)y * w + x) * SM_DIRS + (north ? SM_DIR_NORTH : SM_DIR_SOUTH)] += packets;
        y = north ? y + 1 : y - 1;
    }
    return hops;
}
