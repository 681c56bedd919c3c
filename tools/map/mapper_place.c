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
 * and swaps between nearby cores, seeded, so the result is deterministic. */
#include "mapper.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

#define S_NONE UINT32_MAX

typedef struct {
    uint64_t key;             /* a << 32 | b, a < b */
    double w;
} s_pair_t;

static int s_pair_cmp(const void *x, const void *y)
{
    uint64_t a = ((const s_pair_t *)x)->key, b = ((const s_pair_t *)y)->key;
    return a < b ? -1 : a > b;
}

/* Sorts pairs by key and sums the weights of equal keys; returns the count. */
static size_t s_merge_pairs(s_pair_t *pairs, size_t np)
{
    qsort(pairs, np, sizeof *pairs, s_pair_cmp);
    size_t m = 0;
    for (size_t i = 0; i < np; i++) {
        if (m && pairs[m - 1].key == pairs[i].key)
            pairs[m - 1].w += pairs[i].w;
        else
            pairs[m++] = pairs[i];
    }
    return m;
}

typedef struct {
    uint32_t k;
    size_t *off;
    uint32_t *nb;
    double *w;
} s_pgraph_t;

static void s_pgraph_free(s_pgraph_t *pg)
{
    free(pg->off);
    free(pg->nb);
    free(pg->w);
}

static int s_pgraph_build(const sm_mgraph_t *g, const uint32_t *part_of, uint32_t k,
                          s_pgraph_t *pg)
{
    memset(pg, 0, sizeof *pg);
    pg->k = k;
    uint32_t *pst = malloc((k ? k : 1) * sizeof *pst);
    size_t cap = 1024, np = 0;
    s_pair_t *pairs = malloc(cap * sizeof *pairs);
    if (!pst || !pairs)
        goto oom;
    for (uint32_t p = 0; p < k; p++)
        pst[p] = S_NONE;
    for (uint32_t u = 0; u < g->n; u++) {
        uint32_t a = part_of[u];
        for (size_t e = g->out_off[u]; e < g->out_off[u + 1]; e++) {
            uint32_t b = part_of[g->out_dst[e]];
            if (b == a || pst[b] == u)
                continue;
            pst[b] = u;
            if (np == cap) {
                s_pair_t *t = realloc(pairs, 2 * cap * sizeof *t);
                if (!t)
                    goto oom;
                pairs = t;
                cap *= 2;
            }
            uint32_t lo = a < b ? a : b, hi = a < b ? b : a;
            pairs[np].key = ((uint64_t)lo << 32) | hi;
            pairs[np].w = g->rate[u];
            np++;
        }
        /* merge now and then so the list stays near the number of pairs */
        if (np > (1u << 22)) {
            np = s_merge_pairs(pairs, np);
        }
    }
    np = s_merge_pairs(pairs, np);
    pg->off = calloc((size_t)k + 1, sizeof *pg->off);
    pg->nb = malloc((np ? 2 * np : 1) * sizeof *pg->nb);
    pg->w = malloc((np ? 2 * np : 1) * sizeof *pg->w);
    if (!pg->off || !pg->nb || !pg->w)
        goto oom;
    for (size_t i = 0; i < np; i++) {
        pg->off[(pairs[i].key >> 32) + 1]++;
        pg->off[(uint32_t)pairs[i].key + 1]++;
    }
    for (uint32_t p = 0; p < k; p++)
        pg->off[p + 1] += pg->off[p];
    size_t *fill = malloc(((size_t)k + 1) * sizeof *fill);
    if (!fill)
        goto oom;
    memcpy(fill, pg->off, ((size_t)k + 1) * sizeof *fill);
    for (size_t i = 0; i < np; i++) {
        uint32_t a = (uint32_t)(pairs[i].key >> 32), b = (uint32_t)pairs[i].key;
        pg->nb[fill[a]] = b;
        pg->w[fill[a]++] = pairs[i].w;
        pg->nb[fill[b]] = a;
        pg->w[fill[b]++] = pairs[i].w;
    }
    free(fill);
    free(pst);
    free(pairs);
    return 0;
oom:
    free(pst);
    free(pairs);
    s_pgraph_free(pg);
    return -1;
}

/* Cost of part a sitting on core c against its neighbours' current cores,
 * leaving out neighbour `skip`. */
static double s_cost_at(const sm_chip_t *chip, const s_pgraph_t *pg, const uint32_t *pos,
                        uint32_t a, uint32_t c, uint32_t skip)
{
    double s = 0;
    for (size_t e = pg->off[a]; e < pg->off[a + 1]; e++) {
        uint32_t b = pg->nb[e];
        if (b == skip || pos[b] == S_NONE)
            continue;
        s += pg->w[e] * sm_chip_route_cost(chip, c, pos[b]);
    }
    return s;
}

static void s_greedy(const sm_chip_t *chip, const s_pgraph_t *pg, uint32_t *pos, uint32_t *occ,
                     double *conn, uint8_t *frontier)
{
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
                double cost = s_cost_at(chip, pg, pos, a, c, S_NONE);
                /* stay compact around the centre when costs tie */
                cost += 1e-9 * sm_chip_route_cost(chip, c, center);
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

static double s_total(const sm_chip_t *chip, const s_pgraph_t *pg, const uint32_t *pos)
{
    double s = 0;
    for (uint32_t a = 0; a < pg->k; a++)
        s += s_cost_at(chip, pg, pos, a, pos[a], S_NONE);
    return s / 2;
}

/* Change of total cost if part a moves to core c, swapping with its
 * occupant b (S_NONE if free). */
static double s_delta(const sm_chip_t *chip, const s_pgraph_t *pg, const uint32_t *pos,
                      uint32_t a, uint32_t c, uint32_t b)
{
    uint32_t pa = pos[a];
    double d = s_cost_at(chip, pg, pos, a, c, b) - s_cost_at(chip, pg, pos, a, pa, b);
    if (b != S_NONE)
        d += s_cost_at(chip, pg, pos, b, pa, a) - s_cost_at(chip, pg, pos, b, c, a);
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
                 uint32_t k, uint64_t seed, uint32_t *core_of_part, sm_error_t *err)
{
    uint32_t cores = sm_chip_cores(chip);
    if (k > cores)
        return sm_fail(err, SM_ETOOBIG, "mapper: %u parts for %u cores", k, cores);
    s_pgraph_t pg;
    if (s_pgraph_build(g, part_of, k, &pg) < 0)
        return sm_fail(err, SM_ENOMEM, "mapper: out of memory placing %u parts", k);
    uint32_t *pos = malloc((k ? k : 1) * sizeof *pos);
    uint32_t *best = malloc((k ? k : 1) * sizeof *best);
    uint32_t *occ = malloc(cores * sizeof *occ);
    double *conn = calloc(k ? k : 1, sizeof *conn);
    uint8_t *frontier = calloc(cores, 1);
    if (!pos || !best || !occ || !conn || !frontier) {
        free(pos);
        free(best);
        free(occ);
        free(conn);
        free(frontier);
        s_pgraph_free(&pg);
        return sm_fail(err, SM_ENOMEM, "mapper: out of memory placing %u parts", k);
    }
    for (uint32_t p = 0; p < k; p++)
        pos[p] = S_NONE;
    for (uint32_t c = 0; c < cores; c++)
        occ[c] = S_NONE;
    s_greedy(chip, &pg, pos, occ, conn, frontier);

    double cost = s_total(chip, &pg, pos), best_cost = cost;
    memcpy(best, pos, k * sizeof *pos);
    if (k > 1 && pg.off[k] > 0 && cost > 0) {
        sm_rng_t r = sm_rng_stream(seed, 0x706c6163, k);
        uint32_t span = chip->width > chip->height ? chip->width : chip->height;
        uint32_t radius = span / 4 > 2 ? span / 4 : 2;
        /* starting temperature: the mean uphill step of random proposals */
        double up = 0;
        uint32_t n_up = 0;
        for (int i = 0; i < 200; i++) {
            uint32_t a = sm_rng_below(&r, k);
            uint32_t c = s_propose(chip, &r, pos[a], radius);
            if (c == pos[a])
                continue;
            double d = s_delta(chip, &pg, pos, a, c, occ[c]);
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
            /* moves shrink from a quarter of the grid to neighbours */
            uint32_t rad = 1 + (uint32_t)((radius - 1) * (1.0 - (double)it / iters));
            uint32_t a = sm_rng_below(&r, k);
            uint32_t c = s_propose(chip, &r, pos[a], rad);
            if (c == pos[a])
                continue;
            uint32_t b = occ[c];
            double d = s_delta(chip, &pg, pos, a, c, b);
            if (d > 0 && sm_rng_uniform(&r) >= exp(-d / t))
                continue;
            uint32_t pa = pos[a];
            pos[a] = c;
            occ[c] = a;
            occ[pa] = b;
            if (b != S_NONE)
                pos[b] = pa;
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
    free(conn);
    free(frontier);
    s_pgraph_free(&pg);
    return 0;
}
