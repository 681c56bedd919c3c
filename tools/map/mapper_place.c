/* mapper_place: putting parts on the core grid so that busy pairs of parts
 * sit close together.
 *
 * Cost of a placement = sum over pairs of parts (a, b) of traffic(a, b) x
 * route cost between their cores, where traffic(a, b) is the expected number
 * of packets per tick between them (a spike makes one packet per distinct
 * target part) and the route cost prices each hop with the chip's energy per
 * direction. A greedy pass builds a compact placement: the part with the
 * most traffic to parts already placed goes to the free core, next to the
 * placed ones, where it costs least. Simulated annealing then proposes moves
 * and swaps between nearby cores, seeded, so the result is deterministic.
 *
 * On a board of several chips with static power per chip, every chip that
 * holds a part adds that power over a tick to the cost: parts crowd onto as
 * few chips as hold them before traffic spreads them out. The annealing's
 * temperature is set by route costs alone, so a static price far above them
 * (SpiNNaker's 0.36 W per chip) acts as a rule, not as noise. */
#include "mapper_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

#define S_NONE SM_MAP_NONE

/* The grid as the annealing prices it, many million routes a run: each
 * core's coordinates and chip, and the chip's hop prices, so that a route
 * costs what sm_chip_route_cost says without a call or a division. */
typedef struct {
    uint32_t x, y, cx, cy;
} s_xy_t;

typedef struct {
    const sm_chip_t *chip;
    s_xy_t *at;               /* by core */
    double cew, cns, cch;
} s_geo_t;

static int s_geo_init(s_geo_t *geo, const sm_chip_t *chip)
{
    uint32_t cores = sm_chip_cores(chip);
    geo->chip = chip;
    geo->at = malloc(cores * sizeof *geo->at);
    if (!geo->at)
        return -1;
    for (uint32_t c = 0; c < cores; c++) {
        uint32_t x = c % chip->width, y = c / chip->width;
        geo->at[c] = (s_xy_t){x, y, x / chip->chip_w, y / chip->chip_h};
    }
    sm_chip_hop_prices(chip, &geo->cew, &geo->cns, &geo->cch);
    return 0;
}

static uint32_t s_dist(uint32_t a, uint32_t b)
{
    return a > b ? a - b : b - a;
}

/* sm_chip_route_cost(chip, a, b), the same arithmetic in the same order. */
static double s_route_cost(const s_geo_t *geo, uint32_t a, uint32_t b)
{
    s_xy_t p = geo->at[a], q = geo->at[b];
    uint32_t cx = s_dist(p.cx, q.cx), cy = s_dist(p.cy, q.cy);
    uint32_t ew = s_dist(p.x, q.x) - cx, ns = s_dist(p.y, q.y) - cy, ch = cx + cy;
    return ew * geo->cew + ns * geo->cns + ch * geo->cch;
}

static uint32_t s_chip_of(const s_geo_t *geo, uint32_t core)
{
    return geo->at[core].cy * geo->chip->chips_x + geo->at[core].cx;
}

/* Change in static cost if the part on core `from` moves to the free core
 * `to`, with on_chip counting the parts on each chip (a swap leaves every
 * count as it was). */
static double s_static_delta(const s_geo_t *geo, const uint32_t *on_chip, double chip_pj,
                             uint32_t from, uint32_t to)
{
    if (chip_pj <= 0)
        return 0;
    uint32_t a = s_chip_of(geo, from), b = s_chip_of(geo, to);
    if (a == b)
        return 0;
    return chip_pj * ((on_chip[b] == 0) - (on_chip[a] == 1));
}

/* Cost of part a sitting on core c against its neighbours' current cores,
 * leaving out neighbour `skip`. */
static double s_cost_at(const s_geo_t *geo, const sm_map_pgraph_t *pg, const uint32_t *pos,
                        uint32_t a, uint32_t c, uint32_t skip)
{
    double s = 0;
    for (size_t e = pg->off[a]; e < pg->off[a + 1]; e++) {
        uint32_t b = pg->nb[e];
        if (b == skip || pos[b] == S_NONE)
            continue;
        s += pg->w[e] * s_route_cost(geo, c, pos[b]);
    }
    return s;
}

static void s_greedy(const s_geo_t *geo, const sm_map_pgraph_t *pg, uint32_t *pos, uint32_t *occ,
                     double *conn, uint8_t *frontier, uint32_t *on_chip, double chip_pj)
{
    const sm_chip_t *chip = geo->chip;
    uint32_t k = pg->k, W = chip->width, H = chip->height, cores = W * H;
    uint32_t center = (H / 2) * W + W / 2;
    for (uint32_t step = 0; step < k; step++) {
        /* the unplaced part most tied to the placed ones (first on ties) */
        uint32_t a = S_NONE;
        double best = -1;
        for (uint32_t p = 0; p < k; p++) {
            if (pos[p] != S_NONE)
                continue;
            double tot = conn[p];
            if (step == 0)
                for (size_t e = pg->off[p]; e < pg->off[p + 1]; e++)
                    tot += pg->w[e];
            if (tot > best) {
                best = tot;
                a = p;
            }
        }
        uint32_t where = S_NONE;
        if (step == 0) {
            where = center;
        } else {
            double bc = INFINITY;
            for (uint32_t c = 0; c < cores; c++) {
                if (!frontier[c] || occ[c] != S_NONE)
                    continue;
                double cost = s_cost_at(geo, pg, pos, a, c, S_NONE);
                if (chip_pj > 0 && on_chip[s_chip_of(geo, c)] == 0)
                    cost += chip_pj;
                /* stay compact around the centre when costs tie */
                cost += 1e-9 * s_route_cost(geo, c, center);
                if (cost < bc) {
                    bc = cost;
                    where = c;
                }
            }
            if (where == S_NONE) /* grid full around: any free core */
                for (uint32_t c = 0; c < cores && where == S_NONE; c++)
                    if (occ[c] == S_NONE)
                        where = c;
        }
        pos[a] = where;
        occ[where] = a;
        on_chip[s_chip_of(geo, where)]++;
        uint32_t x = where % W, y = where / W;
        if (x > 0)
            frontier[where - 1] = 1;
        if (x + 1 < W)
            frontier[where + 1] = 1;
        if (y > 0)
            frontier[where - W] = 1;
        if (y + 1 < H)
            frontier[where + W] = 1;
        for (size_t e = pg->off[a]; e < pg->off[a + 1]; e++)
            conn[pg->nb[e]] += pg->w[e];
    }
}

static double s_total(const s_geo_t *geo, const sm_map_pgraph_t *pg, const uint32_t *pos,
                      const uint32_t *on_chip, double chip_pj)
{
    const sm_chip_t *chip = geo->chip;
    double s = 0;
    for (uint32_t a = 0; a < pg->k; a++)
        s += s_cost_at(geo, pg, pos, a, pos[a], S_NONE);
    s /= 2;
    if (chip_pj > 0)
        for (uint32_t c = 0; c < chip->chips_x * chip->chips_y; c++)
            s += chip_pj * (on_chip[c] > 0);
    return s;
}

/* Change of total cost if part a moves to core c, swapping with its
 * occupant b (S_NONE if free). */
static double s_delta(const s_geo_t *geo, const sm_map_pgraph_t *pg, const uint32_t *pos,
                      uint32_t a, uint32_t c, uint32_t b)
{
    uint32_t pa = pos[a];
    double d = s_cost_at(geo, pg, pos, a, c, b) - s_cost_at(geo, pg, pos, a, pa, b);
    if (b != S_NONE)
        d += s_cost_at(geo, pg, pos, b, pa, a) - s_cost_at(geo, pg, pos, b, c, a);
    return d;
}

static uint32_t s_propose(const sm_chip_t *chip, sm_rng_t *r, uint32_t from, uint32_t radius)
{
    int W = (int)chip->width, H = (int)chip->height;
    int x = (int)(from % chip->width), y = (int)(from / chip->width);
    int dx = (int)sm_rng_below(r, 2 * radius + 1) - (int)radius;
    int dy = (int)sm_rng_below(r, 2 * radius + 1) - (int)radius;
    x += dx;
    y += dy;
    x = x < 0 ? 0 : (x >= W ? W - 1 : x);
    y = y < 0 ? 0 : (y >= H ? H - 1 : y);
    return (uint32_t)(y * W + x);
}

int sm_map_place(const sm_mgraph_t *g, const sm_chip_t *chip, const uint32_t *part_of,
                 uint32_t k, uint64_t seed, double chip_pj, const sm_progress_t *progress,
                 const char *phase, uint32_t *core_of_part, sm_error_t *err)
{
    uint32_t cores = sm_chip_cores(chip), nchips = chip->chips_x * chip->chips_y;
    if (k > cores)
        return sm_fail(err, SM_ETOOBIG, "mapper: %u parts for %u cores", k, cores);
    if (nchips < 2)
        chip_pj = 0;
    sm_map_pgraph_t pg;
    s_geo_t geo;
    if (s_geo_init(&geo, chip) < 0)
        return sm_fail(err, SM_ENOMEM, "mapper: out of memory placing %u parts", k);
    if (sm_map_pgraph_build(g, part_of, k, &pg) < 0) {
        free(geo.at);
        return sm_fail(err, SM_ENOMEM, "mapper: out of memory placing %u parts", k);
    }
    uint32_t *pos = malloc((k ? k : 1) * sizeof *pos);
    uint32_t *best = malloc((k ? k : 1) * sizeof *best);
    uint32_t *occ = malloc(cores * sizeof *occ);
    uint32_t *on_chip = calloc(nchips, sizeof *on_chip);
    double *conn = calloc(k ? k : 1, sizeof *conn);
    uint8_t *frontier = calloc(cores, 1);
    if (!pos || !best || !occ || !on_chip || !conn || !frontier) {
        free(pos);
        free(best);
        free(occ);
        free(on_chip);
        free(conn);
        free(frontier);
        free(geo.at);
        sm_map_pgraph_free(&pg);
        return sm_fail(err, SM_ENOMEM, "mapper: out of memory placing %u parts", k);
    }
    for (uint32_t p = 0; p < k; p++)
        pos[p] = S_NONE;
    for (uint32_t c = 0; c < cores; c++)
        occ[c] = S_NONE;
    s_greedy(&geo, &pg, pos, occ, conn, frontier, on_chip, chip_pj);

    double cost = s_total(&geo, &pg, pos, on_chip, chip_pj), best_cost = cost;
    memcpy(best, pos, k * sizeof *pos);
    if (k > 1 && pg.off[k] > 0 && cost > 0) {
        sm_rng_t r = sm_rng_stream(seed, 0x706c6163, k);
        uint32_t span = chip->width > chip->height ? chip->width : chip->height;
        uint32_t radius = span / 4 > 2 ? span / 4 : 2;
        /* starting temperature: the mean uphill step of random proposals,
         * in route cost only (see the top of the file) */
        double up = 0;
        uint32_t n_up = 0;
        for (int i = 0; i < 200; i++) {
            uint32_t a = sm_rng_below(&r, k);
            uint32_t c = s_propose(chip, &r, pos[a], radius);
            if (c == pos[a])
                continue;
            double d = s_delta(&geo, &pg, pos, a, c, occ[c]);
            if (d > 0) {
                up += d;
                n_up++;
            }
        }
        double t = n_up ? up / n_up : cost / k;
        double t_end = t * 1e-4;
        uint64_t iters = 200ULL * k;
        iters = iters < 20000 ? 20000 : (iters > 2000000 ? 2000000 : iters);
        double alpha = pow(t_end / t, 1.0 / (double)iters);
        for (uint64_t it = 0; it < iters; it++, t *= alpha) {
            if ((it & 0xffff) == 0)
                sm_progress(progress, phase, it, iters, 0);
            /* moves shrink from a quarter of the grid to neighbours */
            uint32_t rad = 1 + (uint32_t)((radius - 1) * (1.0 - (double)it / iters));
            uint32_t a = sm_rng_below(&r, k);
            uint32_t c = s_propose(chip, &r, pos[a], rad);
            if (c == pos[a])
                continue;
            uint32_t b = occ[c];
            double d = s_delta(&geo, &pg, pos, a, c, b);
            if (b == S_NONE)
                d += s_static_delta(&geo, on_chip, chip_pj, pos[a], c);
            if (d > 0 && sm_rng_uniform(&r) >= exp(-d / t))
                continue;
            uint32_t pa = pos[a];
            pos[a] = c;
            occ[c] = a;
            occ[pa] = b;
            if (b != S_NONE) {
                pos[b] = pa;
            } else if (chip_pj > 0) {
                on_chip[s_chip_of(&geo, pa)]--;
                on_chip[s_chip_of(&geo, c)]++;
            }
            cost += d;
            /* snapshot now and then: copying on every improvement would
             * cost k per step early on, when nearly every step improves */
            if ((it & 1023) == 1023 && cost < best_cost - 1e-12) {
                best_cost = cost;
                memcpy(best, pos, k * sizeof *pos);
            }
        }
    }
    if (cost < best_cost)
        memcpy(best, pos, k * sizeof *pos);
    memcpy(core_of_part, best, k * sizeof *best);
    free(pos);
    free(best);
    free(occ);
    free(on_chip);
    free(conn);
    free(frontier);
    free(geo.at);
    sm_map_pgraph_free(&pg);
    return 0;
}
