/* sfrun_delay: the delay each synapse gets on an accumulator_with_delay
 * dendrite, as SANA-FE 2.2.1 stores and looks it up.
 *
 * SANA-FE keeps a connection's delay in its target's dendrite unit, indexed
 * by the connection's address in its *synapse* unit (models.cpp:128-148,
 * mapped.cpp:58-84): addresses count a synapse unit's connections in mapping
 * order (pipeline.cpp:60-78; groups by name, neurons by offset, each
 * neuron's edges in creation order: chip.cpp:336-372). A dendrite unit fed by
 * two synapse units so sees two connections under one address, and the one
 * mapped last that carries a delay sets it for both. A connection without a
 * delay attribute keeps what an earlier one set there, or 0. This file
 * replays that: addresses in mapping order, one table per dendrite unit. */
#include <stdlib.h>
#include <string.h>

#include "sfrun_int.h"

static int s_oom(sm_error_t *err)
{
    return sm_fail(err, SM_ENOMEM, "out of memory preparing accumulator_with_delay dendrites");
}

/* The edge synapse i belongs to (edge_first is ascending). */
static uint32_t s_edge_of(const sm_sanafe_syn_t *syn, uint32_t n_edges, uint64_t i)
{
    uint32_t lo = 0, hi = n_edges;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (syn->edge_first[mid] <= i)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Neurons on delay dendrites, in run order. Returns their count, -1 on
 * failure. */
static int64_t s_lines(sm_sfrun_t *r, const sm_sanafe_bound_t *b, sm_error_t *err)
{
    uint32_t n = 0;
    for (uint32_t k = 0; k < r->n_neurons; k++) {
        uint32_t id = r->nid[k];
        const sfr_unit_t *d = &r->units[r->cores[b->core[id]].unit_first + b->dendrite[id]];
        n += d->model == SM_SF_ACCUMULATOR_WITH_DELAY;
    }
    if (!n)
        return 0;
    r->dl = calloc(n, sizeof *r->dl);
    r->dl_of = malloc((size_t)r->n_neurons * sizeof *r->dl_of);
    if (!r->dl || !r->dl_of)
        return s_oom(err);
    uint32_t j = 0;
    for (uint32_t k = 0; k < r->n_neurons; k++) {
        uint32_t id = r->nid[k];
        const sfr_unit_t *d = &r->units[r->cores[b->core[id]].unit_first + b->dendrite[id]];
        if (d->model != SM_SF_ACCUMULATOR_WITH_DELAY) {
            r->dl_of[k] = UINT32_MAX;
            continue;
        }
        r->dl_of[k] = j++;
    }
    r->n_dl = n;
    return n;
}

int sfr_delays_build(sm_sfrun_t *r, const sm_sanafe_bound_t *b, const sm_sanafe_syn_t *syn,
                     uint8_t **dly, sm_error_t *err)
{
    *dly = NULL;
    int64_t nl = s_lines(r, b, err);
    if (nl <= 0)
        return (int)nl;
    const sm_sanafe_snn_t *s = r->snn;
    uint64_t n = syn->n;
    int rc = -1;
    uint32_t *pos = NULL, *first = NULL, *order = NULL, *addr = NULL, *cnt = NULL;
    int64_t *tab_at = NULL;
    int8_t *tab = NULL;
    uint8_t *out = NULL;
    if (!(pos = malloc(((size_t)s->n_neurons + 1) * sizeof *pos)) ||
        !(first = calloc((size_t)s->n_neurons + 1, sizeof *first)) ||
        !(order = malloc((size_t)(n ? n : 1) * sizeof *order)) ||
        !(addr = malloc((size_t)(n ? n : 1) * sizeof *addr)) ||
        !(cnt = calloc(r->n_units ? r->n_units : 1, sizeof *cnt)) ||
        !(tab_at = malloc((size_t)(r->n_units ? r->n_units : 1) * sizeof *tab_at)) ||
        !(out = calloc((size_t)(n ? n : 1), 1))) {
        s_oom(err);
        goto done;
    }
    /* source neurons in mapping order of their connections: groups by name,
     * neurons by offset; a stable counting sort keeps each one's edges in
     * creation order */
    uint32_t at = 0;
    for (uint32_t gi = 0; gi < s->n_groups; gi++) {
        const sm_sanafe_group_t *g = &s->groups[s->by_name[gi]];
        for (uint32_t o = 0; o < g->n; o++)
            pos[g->first + o] = at++;
    }
    for (uint64_t i = 0; i < n; i++)
        first[pos[syn->pre[i]] + 1]++;
    for (uint32_t k = 0; k < s->n_neurons; k++)
        first[k + 1] += first[k];
    for (uint64_t i = 0; i < n; i++)
        order[first[pos[syn->pre[i]]]++] = (uint32_t)i;
    /* addresses in each synapse unit, in that order */
    for (uint64_t q = 0; q < n; q++) {
        uint32_t i = order[q], post = syn->post[i];
        addr[i] = cnt[r->cores[b->core[post]].unit_first + b->synapse[post]]++;
    }
    /* a table per delay dendrite in use, as long as the longest synapse unit
     * of its core: -1 = never set */
    int64_t tab_n = 0;
    for (uint32_t c = 0; c < r->n_cores; c++) {
        const sfr_core_t *k = &r->cores[c];
        uint32_t end = c + 1 < r->n_cores ? r->cores[c + 1].unit_first : r->n_units;
        uint32_t longest = 0;
        for (uint32_t u = k->unit_first; u < end; u++)
            if (r->units[u].role == SM_SF_ROLE_SYNAPSE && cnt[u] > longest)
                longest = cnt[u];
        for (uint32_t u = k->unit_first; u < end; u++) {
            tab_at[u] = -1;
            if (r->units[u].model == SM_SF_ACCUMULATOR_WITH_DELAY && r->units[u].used) {
                tab_at[u] = tab_n;
                tab_n += longest;
            }
        }
    }
    if (!(tab = malloc((size_t)(tab_n ? tab_n : 1)))) {
        s_oom(err);
        goto done;
    }
    memset(tab, -1, (size_t)(tab_n ? tab_n : 1));
    /* each connection that carries a delay sets it at its address, in
     * mapping order (the last one wins) */
    for (uint64_t q = 0; q < n; q++) {
        uint32_t i = order[q], post = syn->post[i];
        const sfr_core_t *k = &r->cores[b->core[post]];
        int64_t t = tab_at[k->unit_first + b->dendrite[post]];
        if (t < 0)
            continue;
        const sm_sanafe_edge_t *e = &s->edges[s_edge_of(syn, s->n_edges, i)];
        if (e->delay == UINT32_MAX)
            continue;
        int32_t d = s->delays[e->delay + syn->aidx[i]];
        if (d < 0 || d > 5) { /* placed networks never hold these (sanafe_bind.c) */
            sm_fail(err, SM_EINVAL, "%s:%u: delay: %d is outside accumulator_with_delay's 0..5",
                    s->file, e->line, d);
            goto done;
        }
        tab[t + addr[i]] = (int8_t)d;
    }
    for (uint64_t i = 0; i < n; i++) {
        uint32_t post = syn->post[i];
        int64_t t = tab_at[r->cores[b->core[post]].unit_first + b->dendrite[post]];
        out[i] = (uint8_t)(t >= 0 && tab[t + addr[i]] > 0 ? tab[t + addr[i]] : 0);
    }
    /* an input from a buffer before the dendrite comes without a synapse
     * address, and takes address 0's delay (models.cpp:118-123) */
    for (uint32_t k = 0; k < r->n_neurons; k++) {
        if (r->dl_of[k] == UINT32_MAX)
            continue;
        uint32_t id = r->nid[k];
        uint32_t c = b->core[id], u = r->cores[c].unit_first + b->dendrite[id];
        uint32_t end = c + 1 < r->n_cores ? r->cores[c + 1].unit_first : r->n_units;
        uint32_t longest = 0;
        for (uint32_t v = r->cores[c].unit_first; v < end; v++)
            if (r->units[v].role == SM_SF_ROLE_SYNAPSE && cnt[v] > longest)
                longest = cnt[v];
        int64_t t = tab_at[u];
        r->dl[r->dl_of[k]].d0 = (uint8_t)(t >= 0 && longest > 0 && tab[t] > 0 ? tab[t] : 0);
    }
    *dly = out;
    out = NULL;
    rc = 0;
done:
    free(pos);
    free(first);
    free(order);
    free(addr);
    free(cnt);
    free(tab_at);
    free(tab);
    free(out);
    return rc;
}
