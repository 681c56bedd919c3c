/* sfrun_build: the run's compact arrays from the placed network. */
#include <stdlib.h>
#include <string.h>

#include "sfrun_int.h"

#define S_ALLOC(p, n) ((p) = calloc((size_t)(n) ? (size_t)(n) : 1, sizeof *(p)))

static int s_oom(sm_error_t *err)
{
    return sm_fail(err, SM_ENOMEM, "out of memory preparing the SANA-FE run");
}

/* The seqsum for price e (a handful of distinct prices per chip). */
static int s_sum_for(sm_sfrun_t *r, double e, uint32_t *out, sm_error_t *err)
{
    for (uint32_t i = 0; i < r->n_sums; i++)
        if (memcmp(&r->sums[i].e, &e, sizeof e) == 0) {
            *out = i;
            return 0;
        }
    sfr_seqsum_t *p = realloc(r->sums, ((size_t)r->n_sums + 1) * sizeof *p);
    if (!p)
        return s_oom(err);
    r->sums = p;
    memset(&p[r->n_sums], 0, sizeof *p);
    p[r->n_sums].e = e;
    *out = r->n_sums++;
    return 0;
}

int sfr_seqsum(sm_sfrun_t *r, uint32_t i, uint64_t n, double *out, sm_error_t *err)
{
    sfr_seqsum_t *s = &r->sums[i];
    if (n >= s->n) {
        if (n >= s->cap) {
            uint64_t cap = s->cap ? s->cap : 1024;
            while (cap <= n)
                cap *= 2;
            double *p = realloc(s->sum, (size_t)cap * sizeof *p);
            if (!p)
                return s_oom(err);
            s->sum = p;
            s->cap = cap;
        }
        if (!s->n) {
            s->sum[0] = 0.0;
            s->n = 1;
        }
        /* unit.energy += e, once per event, from 0 (pipeline.cpp:87-104) */
        for (uint64_t k = s->n; k <= n; k++)
            s->sum[k] = s->sum[k - 1] + s->e;
        s->n = n + 1;
    }
    *out = s->sum[n];
    return 0;
}

/* What the run supports of the chip's pipeline, for the units in use. */
static int s_check_chip(const sm_sanafe_arch_t *a, const sm_sanafe_bound_t *b, sm_error_t *err)
{
    for (uint32_t c = 0; c < a->n_cores; c++) {
        if (b->core_first[c + 1] == b->core_first[c])
            continue;
        const sm_sanafe_ctype_t *t = sm_sanafe_core_type(a, c);
        /* With the buffer inside the soma or before axon_out, SANA-FE puts the
         * soma in the message pipeline (mapped.cpp:27-57): its LIF then throws
         * at a neuron's second update in a step, and before axon_out no
         * neuron is updated at all (mapped.cpp:168-188). */
        if (t->buffer_position == SM_SF_BUFFER_AXON_OUT)
            return sm_fail(err, SM_EUNSUPPORTED,
                           "%s:%u: buffer_position: axon_out (core type %s) is not supported: "
                           "SANA-FE 2.2.1 then never updates a neuron in neuron processing, and "
                           "its built-in soma models fail on synaptic input there",
                           a->file, t->line, t->name);
        if (t->buffer_position == SM_SF_BUFFER_SOMA && t->buffer_inside_unit)
            return sm_fail(err, SM_EUNSUPPORTED,
                           "%s:%u: buffer_inside_unit: true with buffer_position: soma (core type "
                           "%s) is not supported: SANA-FE 2.2.1 then updates the soma on every "
                           "synaptic input, and its LIF model stops at a neuron's second update "
                           "in a step",
                           a->file, t->line, t->name);
    }
    return 0;
}

static int s_neurons(sm_sfrun_t *r, const sm_sanafe_bound_t *b, sm_error_t *err)
{
    const sm_sanafe_snn_t *s = r->snn;
    uint32_t n = r->n_neurons;
    if (!S_ALLOC(r->nid, n) || !S_ALLOC(r->nr, n) || !S_ALLOC(r->lif, n) || !S_ALLOC(r->grank, n) ||
        !S_ALLOC(r->goff, n) || !S_ALLOC(r->core_first, r->n_cores + 1))
        return s_oom(err);
    uint32_t *rank = calloc(s->n_groups ? s->n_groups : 1, sizeof *rank);
    if (!rank)
        return s_oom(err);
    for (uint32_t i = 0; i < s->n_groups; i++)
        rank[s->by_name[i]] = i;
    memcpy(r->core_first, b->core_first, ((size_t)r->n_cores + 1) * sizeof *r->core_first);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t id = b->order[k], c = b->core[id];
        const sm_sanafe_nconf_t *conf = &s->confs[s->nconf[id]];
        uint32_t g = sm_sanafe_group_of(s, id);
        r->nid[k] = id;
        r->grank[k] = rank[g];
        r->goff[k] = id - s->groups[g].first;
        r->nr[k].logs = conf->log_spikes == 1;
        r->nr[k].soma = r->cores[c].unit_first + b->soma[id];
        r->nr[k].dend = r->cores[c].unit_first + b->dendrite[id];
        const sfr_unit_t *su = &r->units[r->nr[k].soma];
        r->nr[k].kind = su->model == SM_SF_INPUT ? SFR_INPUT : SFR_LIF;
        if (r->nr[k].kind == SFR_LIF) {
            sm_sanafe_lif_t p;
            sm_sanafe_lif_params(conf, &p);
            sfr_lif_t *l = &r->lif[k];
            l->threshold = p.threshold;
            l->reverse_threshold = p.reverse_threshold;
            l->reset = p.reset;
            l->reverse_reset = p.reverse_reset;
            l->leak_decay = p.leak_decay;
            l->input_decay = p.input_decay;
            l->bias = p.bias;
            l->reset_mode = (uint8_t)p.reset_mode;
            l->reverse_reset_mode = (uint8_t)p.reverse_reset_mode;
            l->force_update = (uint8_t)(p.force_update != 0);
            l->refractory_delay = p.refractory_delay;
            r->nr[k].v = p.potential;
        }
    }
    free(rank);
    return 0;
}

static int s_units(sm_sfrun_t *r, const sm_sanafe_bound_t *b, sm_error_t *err)
{
    const sm_sanafe_arch_t *a = r->arch;
    uint32_t total = 0, used = 0;
    for (uint32_t c = 0; c < a->n_cores; c++)
        total += sm_sanafe_core_type(a, c)->n_units;
    r->n_units = total;
    if (!S_ALLOC(r->units, total) || !S_ALLOC(r->unit_sum, total) || !S_ALLOC(r->cores, a->n_cores) ||
        !S_ALLOC(r->tiles, a->n_tiles) || !S_ALLOC(r->out_sum, a->n_cores))
        return s_oom(err);
    for (uint32_t i = 0; i < total; i++)
        used += b->unit_use[i] != 0;
    if (!S_ALLOC(r->used, used))
        return s_oom(err);
    uint32_t g = 0, u_at = 0, n_input = 0;
    for (uint32_t t = 0; t < a->n_tiles; t++) {
        const sm_sanafe_tile_t *x = &a->tiles[t];
        r->tiles[t] = (sfr_tile_t){x->energy_north_hop, x->energy_east_hop, x->energy_south_hop,
                                   x->energy_west_hop, x->first_core, x->n_cores};
    }
    for (uint32_t c = 0; c < a->n_cores; c++) {
        const sm_sanafe_ctype_t *t = sm_sanafe_core_type(a, c);
        sfr_core_t *k = &r->cores[c];
        k->tile = a->cores[c].tile;
        k->offset = a->cores[c].offset;
        k->x = a->tiles[k->tile].x;
        k->y = a->tiles[k->tile].y;
        k->pos = t->buffer_position == SM_SF_BUFFER_DENDRITE
                     ? (t->buffer_inside_unit ? SFR_POS_INSIDE_DENDRITE : SFR_POS_BEFORE_DENDRITE)
                     : SFR_POS_BEFORE_SOMA;
        /* Messages enter axon_in 0 and leave by axon_out 0 (message.cpp:58,
         * core.cpp:147); the energy loop keeps the last unit's energy. */
        const sm_sanafe_axon_t *in = &a->axons[t->first_in], *out = &a->axons[t->first_out];
        k->e_in = in->energy;
        k->l_in = in->latency;
        k->e_out = out->energy;
        k->l_out = out->latency;
        k->several_in = t->n_in > 1;
        k->several_out = t->n_out > 1;
        k->unit_first = g;
        k->used_first = u_at;
        if (s_sum_for(r, k->e_out, &r->out_sum[c], err))
            return -1;
        for (uint32_t u = 0; u < t->n_units; u++, g++) {
            const sm_sanafe_unit_t *x = &a->units[t->first_unit + u];
            sfr_unit_t *y = &r->units[g];
            y->role = (uint8_t)x->role;
            y->model = (uint8_t)x->model;
            y->input = UINT32_MAX;
            y->noise = UINT32_MAX;
            if (x->model == SM_SF_INPUT)
                n_input++; /* SANA-FE seeds each input unit's generator by its instance count */
            if (!b->unit_use[g])
                continue;
            y->used = 1;
            r->used[u_at++] = g;
            if (x->role == SM_SF_ROLE_SYNAPSE) {
                y->e_event = x->energy_process_spike;
                y->l_event = x->latency_process_spike;
            } else if (x->role == SM_SF_ROLE_DENDRITE) {
                y->e_event = x->energy_update;
                y->l_event = x->latency_update;
            } else {
                y->e_access = x->energy_access_neuron;
                y->e_update = x->energy_update_neuron;
                y->e_spike = x->energy_spike_out;
                y->l_access = x->latency_access_neuron;
                y->l_update = x->latency_update_neuron;
                y->l_spike = x->latency_spike_out;
            }
            if (x->role != SM_SF_ROLE_SOMA && s_sum_for(r, y->e_event, &r->unit_sum[g], err))
                return -1;
            if (x->noise && sfr_noise_load(r, x, &y->noise, err))
                return -1;
            if (x->model == SM_SF_INPUT) {
                sfr_input_t *p = realloc(r->inputs, ((size_t)r->n_inputs + 1) * sizeof *p);
                if (!p)
                    return s_oom(err);
                r->inputs = p;
                memset(&p[r->n_inputs], 0, sizeof *p);
                p[r->n_inputs].seed = n_input;
                y->input = r->n_inputs++;
            }
        }
        k->used_end = u_at;
    }
    return 0;
}

/* Input units take the settings of the neurons mapped to them in mapping
 * order, each spikes / rate / poisson replacing the last (models.cpp:834-853). */
static void s_inputs(sm_sfrun_t *r, const sm_sanafe_bound_t *b)
{
    const sm_sanafe_snn_t *s = r->snn;
    for (uint32_t mi = 0; mi < s->n_maps; mi++) {
        const sm_sanafe_map_t *m = &s->maps[mi];
        for (uint32_t i = m->first; i <= m->last; i++) {
            uint32_t id = s->groups[m->group].first + i;
            const sfr_unit_t *y = &r->units[r->cores[b->core[id]].unit_first + b->soma[id]];
            if (y->input == UINT32_MAX)
                continue;
            sfr_input_t *in = &r->inputs[y->input];
            sm_sanafe_input_t p;
            sm_sanafe_input_params(s, &s->confs[s->nconf[id]], &p);
            if (p.has_spikes) {
                in->train = p.spikes;
                in->len = p.n_spikes;
                in->at = 0;
            }
            if (p.has_rate)
                in->rate = p.rate;
            if (p.has_poisson) {
                in->poisson = p.poisson;
                in->has_poisson = 1;
            }
        }
    }
    for (uint32_t i = 0; i < r->n_inputs; i++)
        if (r->inputs[i].has_poisson)
            sm_mt19937_seed(&r->inputs[i].gen, r->inputs[i].seed);
}

/* The links a message from core sc to core dc passes, in the order of
 * SANA-FE's route walk (schedule.cpp:478-611): X first on the source row,
 * the first x-hop on the core's injection link, the Y leg indexed by the
 * previous direction, and an entry at the destination router. */
static uint32_t s_route(const sm_sfrun_t *r, uint32_t sc, uint32_t dc, uint32_t *out)
{
    const sfr_core_t *s = &r->cores[sc], *d = &r->cores[dc];
    const uint32_t H = r->height, L = r->links_per_router;
#define S_IDX(x, y, l) ((uint32_t)((x) * H * L + (y) * L + (l)))
    enum { NORTH = 0, EAST = 1, SOUTH = 2, WEST = 3 };
    uint32_t n = 0, inject = 4 + s->offset, prev = inject;
    int xi = s->x < d->x ? 1 : -1, yi = s->y < d->y ? 1 : -1;
    for (uint32_t x = s->x; x != d->x; x = (uint32_t)((int64_t)x + xi)) {
        uint32_t dir = xi > 0 ? EAST : WEST;
        out[n++] = x == s->x ? S_IDX(x, s->y, inject) : S_IDX(x, s->y, dir);
        prev = dir;
    }
    for (uint32_t y = s->y; y != d->y; y = (uint32_t)((int64_t)y + yi)) {
        uint32_t dir = yi > 0 ? NORTH : SOUTH;
        out[n++] = (s->x == d->x && y == s->y) ? S_IDX(d->x, y, inject) : S_IDX(d->x, y, prev);
        prev = dir;
    }
    out[n++] = (s->x == d->x && s->y == d->y) ? S_IDX(d->x, d->y, inject) : S_IDX(d->x, d->y, prev);
#undef S_IDX
    return n;
}

typedef struct {
    uint32_t post, core; /* run index; its core */
    double w;
} s_rec_t;

/* Synapses grouped by source neuron (run order), then destination core,
 * then creation order; one axon per (source, destination core). A counting
 * sort by source moves each synapse once; each source's few destination
 * cores are then put in order within its block. */
static int s_axons(sm_sfrun_t *r, const sm_sanafe_bound_t *b, const sm_sanafe_syn_t *syn,
                   const uint8_t *dly, sm_error_t *err)
{
    const sm_sanafe_snn_t *s = r->snn;
    uint64_t n = syn->n;
    int rc = -1;
    uint32_t *rix = NULL, *pos = NULL, *cnt = NULL, *touched = NULL, *ccnt = NULL, *cores = NULL;
    s_rec_t *rec = NULL;
    uint8_t *rdly = NULL; /* the delays, in rec's order */
    if (!S_ALLOC(rix, r->n_neurons) || !S_ALLOC(pos, (size_t)r->n_neurons + 1) || !S_ALLOC(rec, n) ||
        !S_ALLOC(ccnt, r->n_cores) || !S_ALLOC(cores, r->n_cores) || (dly && !S_ALLOC(rdly, n))) {
        s_oom(err);
        goto out;
    }
    for (uint32_t k = 0; k < r->n_neurons; k++)
        rix[r->nid[k]] = k;
    for (uint64_t i = 0; i < n; i++)
        pos[rix[syn->pre[i]] + 1]++;
    for (uint32_t k = 0; k < r->n_neurons; k++)
        pos[k + 1] += pos[k];
    for (uint32_t e = 0; e < s->n_edges; e++) {
        const double *ew = s->weights + s->edges[e].weight;
        for (uint64_t i = syn->edge_first[e]; i < syn->edge_first[e + 1]; i++) {
            uint32_t post = syn->post[i];
            uint32_t at = pos[rix[syn->pre[i]]]++;
            s_rec_t *x = &rec[at];
            if (dly)
                rdly[at] = dly[i];
            x->post = rix[post];
            x->core = b->core[post];
            x->w = ew[syn->aidx[i]];
        }
    }
    /* pos[k] is now the end of source k's block; count the axons */
    uint32_t n_ax = 0;
    for (uint32_t k = 0, lo = 0; k < r->n_neurons; lo = pos[k++]) {
        uint32_t nc = 0;
        for (uint32_t i = lo; i < pos[k]; i++)
            if (!ccnt[rec[i].core]++)
                cores[nc++] = rec[i].core;
        n_ax += nc;
        for (uint32_t j = 0; j < nc; j++)
            ccnt[cores[j]] = 0;
    }
    r->n_axons = n_ax;
    r->n_syn = n;
    if (!S_ALLOC(r->axon_first, r->n_neurons + 1) || !S_ALLOC(r->ax, (size_t)n_ax + 1) ||
        !S_ALLOC(r->syn_post, n) || !S_ALLOC(r->syn_w, n) || !S_ALLOC(cnt, r->n_units) ||
        !S_ALLOC(touched, r->n_units) || (dly && !S_ALLOC(r->syn_dly, n))) {
        s_oom(err);
        goto out;
    }
    uint32_t a = 0;
    for (uint32_t k = 0, lo = 0; k < r->n_neurons; lo = pos[k++]) {
        r->axon_first[k] = a;
        uint32_t nc = 0;
        for (uint32_t i = lo; i < pos[k]; i++)
            if (!ccnt[rec[i].core]++)
                cores[nc++] = rec[i].core;
        /* destination cores ascending: SANA-FE's std::set<Core *>, whose
         * pointer order is core order (docs/sanafe.md) */
        for (uint32_t j = 1; j < nc; j++)
            for (uint32_t q = j; q > 0 && cores[q - 1] > cores[q]; q--) {
                uint32_t t = cores[q];
                cores[q] = cores[q - 1];
                cores[q - 1] = t;
            }
        uint32_t at = lo;
        for (uint32_t j = 0; j < nc; j++) {
            uint32_t c = cores[j];
            r->ax[a].core = c;
            r->ax[a++].syn = at;
            uint32_t size = ccnt[c];
            ccnt[c] = at; /* where this core's synapses go */
            at += size;
        }
        for (uint32_t i = lo; i < pos[k]; i++) {
            uint32_t to = ccnt[rec[i].core]++;
            r->syn_post[to] = rec[i].post;
            r->syn_w[to] = rec[i].w;
            if (dly)
                r->syn_dly[to] = rdly[i];
        }
        for (uint32_t j = 0; j < nc; j++)
            ccnt[cores[j]] = 0;
    }
    r->axon_first[r->n_neurons] = a;
    r->ax[n_ax].syn = (uint32_t)n;
    free(rec);
    rec = NULL;
    free(rdly);
    rdly = NULL;
    /* an axon with a target on a delay dendrite takes the slow path */
    if (r->dl_of)
        for (uint32_t x = 0; x < n_ax; x++)
            for (uint32_t i = r->ax[x].syn; i < r->ax[x + 1].syn && !r->ax[x].slow; i++)
                r->ax[x].slow = r->dl_of[r->syn_post[i]] != UINT32_MAX;
    /* per axon: processing delay, (unit, events) pairs, hops, route */
    uint64_t n_eu = 0, n_route = 0;
    uint32_t *eu_u = NULL, *eu_c = NULL, *route = NULL;
    uint64_t cap_eu = 0, cap_route = 0;
    for (uint32_t k = 0; k < r->n_neurons; k++) {
        uint32_t sc = b->core[r->nid[k]];
        const sfr_core_t *src = &r->cores[sc];
        const sm_sanafe_tile_t *st = &r->arch->tiles[src->tile];
        for (uint32_t ax = r->axon_first[k]; ax < r->axon_first[k + 1]; ax++) {
            uint32_t dc = r->ax[ax].core;
            const sfr_core_t *dst = &r->cores[dc];
            /* processing: axon_in, then per synapse (0 + synapse) + dendrite
             * (chip.cpp:738-764, 778-800) */
            double proc = dst->l_in;
            uint32_t nt = 0;
            /* with the buffer before the dendrite, a message goes through the
             * synapse unit only (mapped.cpp:27-57) */
            int dend = dst->pos != SFR_POS_BEFORE_DENDRITE;
            for (uint32_t i = r->ax[ax].syn; i < r->ax[ax + 1].syn; i++) {
                uint32_t post = r->nid[r->syn_post[i]];
                uint32_t su = dst->unit_first + b->synapse[post], du = dst->unit_first + b->dendrite[post];
                if (dend)
                    proc += (0.0 + r->units[su].l_event) + r->units[du].l_event;
                else
                    proc += 0.0 + r->units[su].l_event;
                if (!cnt[su]++)
                    touched[nt++] = su;
                if (dend && !cnt[du]++)
                    touched[nt++] = du;
            }
            if (dst->pos != SFR_POS_BEFORE_SOMA)
                r->ax[ax].slow = 1;
            r->ax[ax].proc = 0.0 + proc;
            if (n_eu + nt > cap_eu) {
                uint64_t c2 = cap_eu ? cap_eu * 2 : 1024;
                while (c2 < n_eu + nt)
                    c2 *= 2;
                uint32_t *pu = realloc(eu_u, (size_t)c2 * sizeof *pu);
                if (pu)
                    eu_u = pu;
                uint32_t *pc = realloc(eu_c, (size_t)c2 * sizeof *pc);
                if (pc)
                    eu_c = pc;
                if (!pu || !pc) {
                    free(eu_u);
                    free(eu_c);
                    free(route);
                    s_oom(err);
                    goto out;
                }
                cap_eu = c2;
            }
            r->ax[ax].eu = (uint32_t)n_eu;
            for (uint32_t j = 0; j < nt; j++) {
                eu_u[n_eu] = touched[j];
                eu_c[n_eu++] = cnt[touched[j]];
                cnt[touched[j]] = 0;
            }
            /* hops and the minimum hop latency from the source tile
             * (chip.cpp:1127-1169) */
            uint32_t xh = src->x > dst->x ? src->x - dst->x : dst->x - src->x;
            uint32_t yh = src->y > dst->y ? src->y - dst->y : dst->y - src->y;
            double lat = 0.0;
            uint8_t dir = 0;
            if (src->x < dst->x) {
                dir |= 1;
                lat += (double)xh * st->latency_east_hop;
            } else {
                lat += (double)xh * st->latency_west_hop;
            }
            if (src->y < dst->y) {
                dir |= 2;
                lat += (double)yh * st->latency_north_hop;
            } else {
                lat += (double)yh * st->latency_south_hop;
            }
            r->ax[ax].hop_lat = lat;
            r->ax[ax].dir = dir;
            r->ax[ax].xh = (uint16_t)xh;
            r->ax[ax].yh = (uint16_t)yh;
            r->ax[ax].hops = xh + yh;
            if (n_route + xh + yh + 1 > cap_route) {
                uint64_t c2 = cap_route ? cap_route * 2 : 1024;
                while (c2 < n_route + xh + yh + 1)
                    c2 *= 2;
                uint32_t *p = realloc(route, (size_t)c2 * sizeof *p);
                if (!p) {
                    free(eu_u);
                    free(eu_c);
                    free(route);
                    s_oom(err);
                    goto out;
                }
                route = p;
                cap_route = c2;
            }
            r->ax[ax].route = (uint32_t)n_route;
            n_route += s_route(r, sc, dc, route + n_route);
        }
    }
    r->ax[n_ax].eu = (uint32_t)n_eu;
    r->ax[n_ax].route = (uint32_t)n_route;
    r->eu_unit = eu_u;
    r->eu_count = eu_c;
    r->route = route;
    if (!r->eu_unit && !S_ALLOC(r->eu_unit, 1)) {
        s_oom(err);
        goto out;
    }
    if (!r->eu_count && !S_ALLOC(r->eu_count, 1)) {
        s_oom(err);
        goto out;
    }
    if (!r->route && !S_ALLOC(r->route, 1)) {
        s_oom(err);
        goto out;
    }
    rc = 0;
out:
    free(rix);
    free(pos);
    free(rec);
    free(rdly);
    free(ccnt);
    free(cores);
    free(cnt);
    free(touched);
    return rc;
}

static int s_scratch(sm_sfrun_t *r, sm_error_t *err)
{
    r->cap_msg = r->n_axons + r->n_cores;
    if (!S_ALLOC(r->msg_axon, r->cap_msg) || !S_ALLOC(r->msg_core, r->cap_msg) ||
        !S_ALLOC(r->msg_gen, r->cap_msg) || !S_ALLOC(r->core_msg, r->n_cores + 1) ||
        !S_ALLOC(r->core_in, r->n_cores) || !S_ALLOC(r->core_out, r->n_cores) ||
        !S_ALLOC(r->tile_hops, r->n_tiles))
        return s_oom(err);
    return sfr_sched_init(r, err);
}

sm_sfrun_t *sm_sfrun_new(const sm_sanafe_arch_t *arch, const sm_sanafe_snn_t *snn,
                         const sm_sanafe_bound_t *bound, const sm_sanafe_syn_t *syn, sm_error_t *err)
{
    if (s_check_chip(arch, bound, err))
        return NULL;
    if (syn->n >= UINT32_MAX) {
        sm_fail(err, SM_ETOOBIG, "%s: %llu synapses, over the run's 2^32", snn->file,
                (unsigned long long)syn->n);
        return NULL;
    }
    sm_sfrun_t *r = calloc(1, sizeof *r);
    if (!r) {
        s_oom(err);
        return NULL;
    }
    r->arch = arch;
    r->snn = snn;
    r->n_neurons = snn->n_neurons;
    r->n_cores = arch->n_cores;
    r->n_tiles = arch->n_tiles;
    r->sync_latency = bound->sync_latency;
    r->width = arch->width;
    r->height = arch->height;
    r->links_per_router = 4 + arch->max_cores_per_tile;
    r->buffer_size = arch->link_buffer_size;
    sm_sha256_init(&r->sha);
    uint8_t *dly = NULL;
    if (s_units(r, bound, err) || s_neurons(r, bound, err) ||
        sfr_delays_build(r, bound, syn, &dly, err) || s_axons(r, bound, syn, dly, err) ||
        s_scratch(r, err)) {
        free(dly);
        sm_sfrun_destroy(&r);
        return NULL;
    }
    free(dly);
    s_inputs(r, bound);
    return r;
}

void sm_sfrun_destroy(sm_sfrun_t **rp)
{
    if (!rp || !*rp)
        return;
    sm_sfrun_t *r = *rp;
    void *all[] = {r->core_first, r->nid, r->nr, r->lif, r->grank, r->goff, r->axon_first, r->ax,
                   r->eu_unit, r->eu_count, r->route, r->syn_post, r->syn_w, r->units,
                   r->used, r->cores, r->tiles, r->inputs, r->unit_sum, r->out_sum, r->msg_axon,
                   r->msg_core, r->msg_gen, r->core_msg, r->core_in, r->core_out, r->tile_hops, r->m_sent, r->m_recv, r->heap,
                   r->density, r->busy, r->fifo_min, r->fifo_n, r->fifo_head, r->fifo_unordered, r->fifo_cap, r->fifo_bits, r->qpos,
                   r->spk, r->dl, r->dl_of, r->syn_dly};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free(all[i]);
    for (uint32_t i = 0; i < r->n_sums; i++)
        free(r->sums[i].sum);
    for (uint32_t i = 0; i < r->n_noise; i++)
        free(r->noise[i].v);
    free(r->noise);
    free(r->sums);
    if (r->fifo)
        for (uint32_t c = 0; c < r->n_cores; c++)
            free(r->fifo[c]);
    free(r->fifo);
    free(r);
    *rp = NULL;
}

void sm_sfrun_size(const sm_sfrun_t *r, uint64_t *neurons, uint64_t *synapses, uint64_t *axons,
                   uint64_t *bytes)
{
    *neurons = r->n_neurons;
    *synapses = r->n_syn;
    *axons = r->n_axons;
    *bytes = r->n_syn * (sizeof *r->syn_post + sizeof *r->syn_w) +
             (uint64_t)r->n_axons * 64 + (uint64_t)r->n_neurons * (sizeof(sfr_lif_t) + 64) +
             (uint64_t)r->n_units * sizeof(sfr_unit_t);
}
