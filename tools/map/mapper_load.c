/* mapper_load: what parts hold against the per-core limits, and the
 * greedy packing every strategy starts from. */
#include "mapper_int.h"

#include <stdlib.h>
#include <string.h>

const char *const sm_map_lim_names[SM_LIM_N] = {
    "neurons per core", "synapses (fan-in) per core", "distinct input axons per core",
    "fan-out (distinct target cores) per core"};

int sm_map_loads(const sm_mgraph_t *g, const uint32_t *part_of, uint32_t k, sm_map_load_t *ld,
                 int want_fanout)
{
    uint32_t n = g->n;
    uint32_t *off = calloc((size_t)k + 1, sizeof *off);
    uint32_t *order = malloc((n ? n : 1) * sizeof *order);
    uint32_t *stamp = malloc((n ? n : 1) * sizeof *stamp);
    uint32_t *pst = malloc((k ? k : 1) * sizeof *pst);
    if (!off || !order || !stamp || !pst) {
        free(off);
        free(order);
        free(stamp);
        free(pst);
        return -1;
    }
    memset(ld, 0, k * sizeof *ld);
    for (uint32_t v = 0; v < n; v++)
        if (part_of[v] < k)
            off[part_of[v] + 1]++;
    for (uint32_t p = 0; p < k; p++)
        off[p + 1] += off[p];
    {
        uint32_t *f = malloc(((size_t)k + 1) * sizeof *f);
        if (!f) {
            free(off);
            free(order);
            free(stamp);
            free(pst);
            return -1;
        }
        memcpy(f, off, ((size_t)k + 1) * sizeof *f);
        for (uint32_t v = 0; v < n; v++)
            if (part_of[v] < k)
                order[f[part_of[v]]++] = v;
        free(f);
    }
    for (uint32_t v = 0; v < n; v++)
        stamp[v] = SM_MAP_NONE;
    for (uint32_t p = 0; p < k; p++)
        pst[p] = SM_MAP_NONE;
    for (uint32_t p = 0; p < k; p++) {
        for (uint32_t i = off[p]; i < off[p + 1]; i++) {
            uint32_t v = order[i];
            ld[p].neurons++;
            ld[p].syn += g->syn_in[v];
            for (size_t e = g->in_off[v]; e < g->in_off[v + 1]; e++)
                if (stamp[g->in_src[e]] != p) {
                    stamp[g->in_src[e]] = p;
                    ld[p].axons++;
                }
            if (want_fanout)
                for (size_t e = g->out_off[v]; e < g->out_off[v + 1]; e++) {
                    uint32_t q = part_of[g->out_dst[e]];
                    if (q < k && pst[q] != p) {
                        pst[q] = p;
                        ld[p].fanout++;
                    }
                }
        }
    }
    free(off);
    free(order);
    free(stamp);
    free(pst);
    return 0;
}

int sm_map_over(const sm_chip_limits_t *lim, const sm_map_load_t *l)
{
    if (l->neurons > lim->neurons)
        return SM_LIM_NEURONS;
    if (lim->synapses && l->syn > lim->synapses)
        return SM_LIM_SYNAPSES;
    if (lim->axons && l->axons > lim->axons)
        return SM_LIM_AXONS;
    if (lim->fanout && l->fanout > lim->fanout)
        return SM_LIM_FANOUT;
    return -1;
}

typedef struct {
    uint32_t neurons;
    uint64_t syn;
    uint32_t axons;
    uint32_t id;              /* part id being filled                           */
} s_pack_t;

void sm_map_pack(const sm_mgraph_t *g, const sm_chip_limits_t *lim, const uint32_t *order,
                 uint32_t n_order, uint32_t *next_part, uint32_t *part_of, uint32_t *stamp,
                 uint64_t *closed_by, uint32_t watch, uint32_t *at_part)
{
    s_pack_t cur = {0, 0, 0, *next_part};
    for (uint32_t i = 0; i < n_order; i++) {
        uint32_t v = order[i];
        uint32_t fresh = 0;
        for (size_t e = g->in_off[v]; e < g->in_off[v + 1]; e++)
            fresh += stamp[g->in_src[e]] != cur.id;
        int why = -1;
        if (cur.neurons + 1 > lim->neurons)
            why = SM_LIM_NEURONS;
        else if (lim->synapses && cur.syn + g->syn_in[v] > lim->synapses)
            why = SM_LIM_SYNAPSES;
        else if (lim->axons && cur.axons + fresh > lim->axons)
            why = SM_LIM_AXONS;
        if (why >= 0 && cur.neurons > 0) {
            if (closed_by)
                closed_by[why]++;
            cur.id++;
            cur.neurons = 0;
            cur.syn = 0;
            cur.axons = 0;
            fresh = (uint32_t)(g->in_off[v + 1] - g->in_off[v]);
        }
        for (size_t e = g->in_off[v]; e < g->in_off[v + 1]; e++)
            stamp[g->in_src[e]] = cur.id;
        if (at_part && cur.id == watch && *at_part == SM_MAP_NONE)
            *at_part = v;
        part_of[v] = cur.id;
        cur.neurons++;
        cur.syn += g->syn_in[v];
        cur.axons += fresh;
    }
    *next_part = n_order ? cur.id + 1 : cur.id;
}
