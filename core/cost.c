#include "cost.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ncore.h"
#include "result.h"
#include "syntab.h"
#include "validate.h"

/* Bytes per neuron of the engine, besides its input rings: the cell, its
 * gid, local index, core (the default mapping's), emission count, the
 * synapse table's row and fan-out offsets, and the build's count and
 * cursor; on a swept core its state arrays too (sm_core_seal: counted for
 * every neuron, an upper bound), and its row-event flag. */
#define S_NEURON_FIXED \
    (sizeof(sm_cell_t) + 4 + 4 + 4 + 4 + 8 + 8 + 4 + 8 + sizeof(sm_nstate_t) + 1)
/* Per core: the calendar (256 buckets) and the core itself. */
#define S_CORE_FIXED (256 * 4 + sizeof(sm_core_t))
/* Per synapse while the table is built: the synapse and its delay/port. */
#define S_SYN_BYTES (sizeof(sm_syn_t) + 2)
/* Per synapse of the longest row: the sort keys and copies of pass 3. */
#define S_ROW_SCRATCH (8 + sizeof(sm_syn_t) + 2)
/* The mapper's graph (tools/map/mgraph.c): an 8-byte key per synapse, in an
 * array grown by doubling and sorted through a copy, then 12 bytes per
 * distinct pair; per neuron its offsets, rate, population and fill. */
#define S_MAP_PER_SYN 28.0
#define S_MAP_PER_NEURON 64.0

typedef struct {
    double syn, steps, fan, row;
} s_proj_cost_t;

/* Along one axis of a distance projection: the sum over target indices of
 * the source indices whose offset (target - source position) lies in
 * [lo, hi], each count widened by `widen` (the generator's margin). */
static double s_axis_pairs(const sm_grid2d_t *tg, const sm_grid2d_t *sg, int row, double lo,
                           double hi, double extent, double widen)
{
    const double t0 = row ? tg->row0 : tg->col0, ts = row ? tg->row_step : tg->col_step;
    const double s0 = row ? sg->row0 : sg->col0, ss = row ? sg->row_step : sg->col_step;
    const uint32_t tn = row ? tg->rows : tg->cols, sn = row ? sg->rows : sg->cols;
    if (extent > 0) {
        /* On a torus every target sees the same window. */
        lo = fmax(lo, -extent / 2);
        hi = fmin(hi, extent / 2);
        double k = lo > hi ? 0 : fmin(sn, floor((hi - lo) / ss) + 1 + 3 * widen);
        return k * tn;
    }
    double sum = 0;
    for (uint32_t i = 0; i < tn; i++) {
        double t = t0 + i * ts;
        double a = fmax(0.0, ceil((t - s0 - hi) / ss) - widen);
        double b = fmin(sn - 1.0, floor((t - s0 - lo) / ss) + widen);
        if (b >= a)
            sum += b - a + 1;
    }
    return sum;
}

/* Candidate pairs of a distance projection (the mask's bounding box, per
 * target), widened or not. */
static double s_distance_pairs(const sm_distance_t *d, double widen)
{
    const bool circle = d->mask == SM_MASK_CIRCLE;
    const double rl = circle ? -d->radius : d->row_lo, rh = circle ? d->radius : d->row_hi;
    const double cl = circle ? -d->radius : d->col_lo, ch = circle ? d->radius : d->col_hi;
    return s_axis_pairs(&d->dst, &d->src, 1, rl, rh, d->periodic ? d->extent_rows : 0, widen) *
           s_axis_pairs(&d->dst, &d->src, 0, cl, ch, d->periodic ? d->extent_cols : 0, widen);
}

/* Expected synapses, generator steps, fan-out entries and longest row of
 * one projection. */
static void s_proj(const sm_net_t *net, const sm_proj_t *pr, double npc, s_proj_cost_t *k)
{
    const double n_src = net->pops[pr->src_pop].size, n_dst = net->pops[pr->dst_pop].size;
    const bool self = pr->src_pop == pr->dst_pop && !pr->allow_self;
    const double pairs = n_src * n_dst - (self ? fmin(n_src, n_dst) : 0.0);
    double p = pr->p > 0 ? (pr->p < 1 ? pr->p : 1.0) : 0.0;
    switch (pr->conn) {
    case SM_CONN_FIXED_PROB:
        k->syn = p * pairs;
        k->steps = k->syn + n_dst;
        break;
    case SM_CONN_FIXED_FAN_IN: {
        double kk = fmin(pr->k, self ? n_src - 1 : n_src);
        k->syn = kk * n_dst;
        k->steps = 2.0 * k->syn + n_dst;
        break;
    }
    case SM_CONN_MATRIX: {
        double nz = 0;
        for (size_t i = 0; pr->matrix && i < (size_t)n_src * (size_t)n_dst; i++)
            nz += pr->matrix[i] != 0.0f;
        k->syn = nz;
        k->steps = n_src * n_dst;
        break;
    }
    case SM_CONN_DISTANCE: {
        /* The generator examines each target's window of source rows and
         * columns, one wider at both ends; the mask's box holds at most
         * every synapse (a circle and sigma only take some away). */
        double bound = sm_proj_max_synapses(net, pr);
        k->syn = p * fmin(bound, s_distance_pairs(&pr->dist, 0));
        k->steps = fmin(bound, s_distance_pairs(&pr->dist, 1)) + n_dst;
        break;
    }
    case SM_CONN_ALL_TO_ALL:
        k->syn = pairs;
        k->steps = pairs;
        break;
    default: /* one_to_one, list, conv2d: the bound is the count */
        k->syn = sm_proj_max_synapses(net, pr);
        k->steps = k->syn + n_dst;
        break;
    }
    /* A source has one fan-out entry per core holding its targets: at most
     * its synapses, at most the cores the target population spans. */
    k->fan = fmin(k->syn, n_src * ceil(n_dst / npc));
    k->row = n_src > 0 ? ceil(k->syn / n_src) : 0;
    if (pr->conn == SM_CONN_LIST || pr->conn == SM_CONN_MATRIX)
        k->row = fmin(k->syn, n_dst);
}

void sm_cost_estimate(const sm_net_t *net, uint32_t ticks, uint32_t neurons_per_core,
                      sm_cost_t *c)
{
    const double npc = neurons_per_core ? neurons_per_core : 256;
    const double T = ticks ? ticks : net->ticks;
    *c = (sm_cost_t){.neurons = net->n_neurons};
    double fan = 0, row = 0;
    for (uint32_t j = 0; j < net->n_projs; j++) {
        const sm_proj_t *pr = &net->projs[j];
        if (pr->src_pop >= net->n_pops || pr->dst_pop >= net->n_pops)
            continue;
        s_proj_cost_t k;
        s_proj(net, pr, npc, &k);
        c->synapses += k.syn;
        c->steps += k.steps;
        fan += k.fan;
        row = fmax(row, k.row);
        double d = sm_proj_delay_bound(pr);
        if (d > c->max_delay)
            c->max_delay = d >= SM_MAX_DELAY ? SM_MAX_DELAY : (uint32_t)d;
    }
    c->ring = 1; /* as the engine sizes it (engine.c) */
    while (c->ring < c->max_delay)
        c->ring *= 2;

    c->syn_bytes = c->synapses * S_SYN_BYTES + fan * sizeof(sm_fan_t) + row * S_ROW_SCRATCH;
    /* Rings: two floats a port and slot, a touched bit, a touched index. */
    const double per_neuron = S_NEURON_FIXED + c->ring * (2.0 * sizeof(float) + 1.0 / 8) + 4;
    double models = 0;
    for (uint32_t p = 0; p < net->n_pops; p++)
        if (net->pops[p].kind == SM_POP_NEURONS)
            models += net->pops[p].n_models;
    c->neuron_bytes = c->neurons * per_neuron + models * sizeof(sm_model_t) +
                      ceil(c->neurons / npc) * (S_CORE_FIXED + c->ring * sizeof(sm_u32vec_t));
    /* Traces: the engine's buffer and the result's, three floats each, one
     * row per sampled tick. */
    const double every = net->trace_every > 1 ? net->trace_every : 1;
    const double rows = ceil(T / every);
    c->trace_bytes = 2.0 * rows * net->n_probes * 3 * sizeof(float);
    /* The series lives once: the engine's shards add into the result's. */
    c->tick_bytes = T * (double)SM_TICK_BYTES;
    c->run_bytes = c->syn_bytes + c->neuron_bytes + c->trace_bytes + c->tick_bytes;
    c->map_bytes = c->synapses * S_MAP_PER_SYN + c->neurons * S_MAP_PER_NEURON;

    /* traces.csv: "tick,population,index,v,syn_exc,syn_inh", each value
     * %.9g (at most 15 characters). */
    double rows_bytes = 0;
    for (uint32_t i = 0; i < net->n_probes; i++) {
        const sm_probe_t *pb = &net->probes[i];
        if (pb->pop < net->n_pops)
            rows_bytes += 10 + 1 + (double)strnlen(net->pops[pb->pop].name, SM_NAME_MAX) + 1 +
                          10 + 1 + 3 * 15 + 2 + 1;
    }
    c->traces_csv_bytes = 40 + rows * rows_bytes;
}

void sm_cost_bytes_text(double bytes, char *buf, size_t cap)
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int u = 0;
    while (bytes >= 1024.0 && u < 6) {
        bytes /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, cap, "%.0f B", bytes);
    else
        snprintf(buf, cap, "%.3g %s", bytes, unit[u]);
}

void sm_cost_describe(const sm_cost_t *c, int map, char *buf, size_t cap)
{
    char a[32], b[32], t[32], k[32];
    if (map) {
        sm_cost_bytes_text(c->map_bytes, a, sizeof a);
        snprintf(buf, cap, "%.3g neurons and %.3g synapses (the mapper's graph of them: %s)",
                 c->neurons, c->synapses, a);
        return;
    }
    sm_cost_bytes_text(c->syn_bytes, a, sizeof a);
    sm_cost_bytes_text(c->neuron_bytes, b, sizeof b);
    sm_cost_bytes_text(c->trace_bytes, t, sizeof t);
    sm_cost_bytes_text(c->tick_bytes, k, sizeof k);
    snprintf(buf, cap,
             "%.3g neurons and %.3g synapses (synapse table %s, neurons %s, traces %s, per-tick "
             "series %s)",
             c->neurons, c->synapses, a, b, t, k);
}
