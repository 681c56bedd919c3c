/* mapper_pgraph: the traffic between parts, which placement minimises and
 * merging takes off the mesh. */
#include "mapper_int.h"

#include <stdlib.h>
#include <string.h>

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

void sm_map_pgraph_free(sm_map_pgraph_t *pg)
{
    free(pg->off);
    free(pg->nb);
    free(pg->w);
    memset(pg, 0, sizeof *pg);
}

int sm_map_pgraph_build(const sm_mgraph_t *g, const uint32_t *part_of, uint32_t k,
                        sm_map_pgraph_t *pg)
{
    memset(pg, 0, sizeof *pg);
    pg->k = k;
    uint32_t *pst = malloc((k ? k : 1) * sizeof *pst);
    size_t cap = 1024, np = 0;
    s_pair_t *pairs = malloc(cap * sizeof *pairs);
    if (!pst || !pairs)
        goto oom;
    for (uint32_t p = 0; p < k; p++)
        pst[p] = SM_MAP_NONE;
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
    sm_map_pgraph_free(pg);
    return -1;
}
