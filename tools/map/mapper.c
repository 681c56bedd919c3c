/* mapper: neuron graph, per-core limits, the sequential and random
 * strategies, the driver for metis, the report and mapping files. */
#define _POSIX_C_SOURCE 200809L
#include "mapper.h"
#include "mgraph.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rng.h"

#define S_NONE UINT32_MAX

enum { S_LIM_NEURONS = 0, S_LIM_SYNAPSES, S_LIM_AXONS, S_LIM_FANOUT, S_LIM_N };

static const char *const s_lim_names[S_LIM_N] = {
    "neurons per core", "synapses (fan-in) per core", "distinct input axons per core",
    "fan-out (distinct target cores) per core"};

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---- loads of parts ------------------------------------------------------ */

typedef struct {
    uint32_t neurons;
    uint64_t syn;
    uint32_t axons;
    uint32_t fanout;
} s_load_t;

/* Loads of k parts under `part_of` (entries >= k are ignored). */
static int s_loads(const sm_mgraph_t *g, const uint32_t *part_of, uint32_t k, s_load_t *ld,
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
        stamp[v] = S_NONE;
    for (uint32_t p = 0; p < k; p++)
        pst[p] = S_NONE;
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

static int s_over(const sm_chip_limits_t *lim, const s_load_t *l)
{
    if (l->neurons > lim->neurons)
        return S_LIM_NEURONS;
    if (lim->synapses && l->syn > lim->synapses)
        return S_LIM_SYNAPSES;
    if (lim->axons && l->axons > lim->axons)
        return S_LIM_AXONS;
    if (lim->fanout && l->fanout > lim->fanout)
        return S_LIM_FANOUT;
    return -1;
}

/* ---- greedy packing ------------------------------------------------------ */

typedef struct {
    uint32_t neurons;
    uint64_t syn;
    uint32_t axons;
    uint32_t id;              /* part id being filled                           */
} s_pack_t;

/* Adds neurons in `order` to parts numbered from *next_part, opening a new
 * part when the next neuron would break a limit. stamp (n entries, S_NONE or
 * ids of earlier parts) marks the sources already counted as axons of the
 * part being filled. closed_by[lim] counts the parts each limit closed.
 * at_part: if not NULL, receives for part number `watch` the first neuron
 * placed in it (S_NONE if none). */
static void s_pack(const sm_mgraph_t *g, const sm_chip_limits_t *lim, const uint32_t *order,
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
            why = S_LIM_NEURONS;
        else if (lim->synapses && cur.syn + g->syn_in[v] > lim->synapses)
            why = S_LIM_SYNAPSES;
        else if (lim->axons && cur.axons + fresh > lim->axons)
            why = S_LIM_AXONS;
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
        if (at_part && cur.id == watch && *at_part == S_NONE)
            *at_part = v;
        part_of[v] = cur.id;
        cur.neurons++;
        cur.syn += g->syn_in[v];
        cur.axons += fresh;
    }
    *next_part = n_order ? cur.id + 1 : cur.id;
}

/* A neuron that breaks a limit alone fits no core at all. */
static int s_check_single(const sm_net_t *net, const sm_chip_t *chip, const sm_mgraph_t *g,
                          sm_error_t *err)
{
    const sm_chip_limits_t *lim = &chip->limits;
    for (uint32_t v = 0; v < g->n; v++) {
        const sm_pop_t *p = &net->pops[g->pop_of[v]];
        uint64_t ax = g->in_off[v + 1] - g->in_off[v];
        if (lim->synapses && g->syn_in[v] > lim->synapses)
            return sm_fail(err, SM_ETOOBIG,
                           "does not fit chip '%s': population '%s' neuron %u has a fan-in of "
                           "%llu synapses, %llu over the %s limit of %llu; no number of cores "
                           "holds it",
                           chip->name, p->name, v - p->first, (unsigned long long)g->syn_in[v],
                           (unsigned long long)(g->syn_in[v] - lim->synapses),
                           s_lim_names[S_LIM_SYNAPSES], (unsigned long long)lim->synapses);
        if (lim->axons && ax > lim->axons)
            return sm_fail(err, SM_ETOOBIG,
                           "does not fit chip '%s': population '%s' neuron %u receives from "
                           "%llu distinct source neurons, %llu over the %s limit of %u; no "
                           "number of cores holds it",
                           chip->name, p->name, v - p->first, (unsigned long long)ax,
                           (unsigned long long)(ax - lim->axons), s_lim_names[S_LIM_AXONS],
                           lim->axons);
    }
    return 0;
}

/* Explains why `parts` cores do not fit on the chip's grid. */
static int s_too_big(const sm_net_t *net, const sm_chip_t *chip, const sm_mgraph_t *g,
                     uint32_t parts, const uint64_t *closed_by, uint32_t first_over,
                     const char *how, sm_error_t *err)
{
    const sm_chip_limits_t *lim = &chip->limits;
    uint32_t cores = sm_chip_cores(chip);
    uint64_t total_syn = 0;
    for (uint32_t v = 0; v < g->n; v++)
        total_syn += g->syn_in[v];
    uint64_t lb_n = (g->n + (uint64_t)lim->neurons - 1) / lim->neurons;
    uint64_t lb_s = lim->synapses ? (total_syn + lim->synapses - 1) / lim->synapses : 0;
    int which = S_LIM_NEURONS;
    if (lb_n > cores || lb_s > cores) {
        which = lb_s > lb_n ? S_LIM_SYNAPSES : S_LIM_NEURONS;
    } else {
        uint64_t best = 0;
        for (int l = 0; l < S_LIM_N; l++)
            if (closed_by[l] > best) {
                best = closed_by[l];
                which = l;
            }
    }
    uint64_t lb = lb_n > lb_s ? lb_n : lb_s;
    const sm_pop_t *p = first_over != S_NONE ? &net->pops[g->pop_of[first_over]] : NULL;
    char over[200];
    if (which == S_LIM_NEURONS && lb_n > cores)
        snprintf(over, sizeof over, "%u neurons need at least %llu cores of %u, %llu neurons more "
                 "than the chip holds", g->n, (unsigned long long)lb_n, lim->neurons,
                 (unsigned long long)(g->n - (uint64_t)cores * lim->neurons));
    else if (which == S_LIM_SYNAPSES && lb_s > cores)
        snprintf(over, sizeof over, "%llu synapses need at least %llu cores of %llu, %llu "
                 "synapses more than the chip holds", (unsigned long long)total_syn,
                 (unsigned long long)lb_s, (unsigned long long)lim->synapses,
                 (unsigned long long)(total_syn - (uint64_t)cores * lim->synapses));
    else
        snprintf(over, sizeof over, "it closed %llu of the %u cores %s fills, %u more than the "
                 "chip has", (unsigned long long)closed_by[which], parts, how, parts - cores);
    return sm_fail(err, SM_ETOOBIG,
                   "does not fit chip '%s' (%u cores): the cores run out in population '%s' "
                   "(neuron %u); limit: %s (%llu): %s; the fewest cores that would fit it: "
                   "%u (at least %llu by neuron and synapse counts)",
                   chip->name, cores, p ? p->name : "?", p ? first_over - p->first : 0,
                   s_lim_names[which],
                   which == S_LIM_NEURONS ? (unsigned long long)lim->neurons
                   : which == S_LIM_SYNAPSES ? (unsigned long long)lim->synapses
                   : which == S_LIM_AXONS ? (unsigned long long)lim->axons
                                          : (unsigned long long)lim->fanout,
                   over, parts, (unsigned long long)lb);
}

/* ---- report and check ---------------------------------------------------- */

static void s_use(sm_map_use_t *u, uint64_t limit, const s_load_t *ld, uint32_t k, int which)
{
    memset(u, 0, sizeof *u);
    u->limit = limit;
    double sum = 0;
    uint32_t used = 0;
    for (uint32_t c = 0; c < k; c++) {
        if (!ld[c].neurons)
            continue;
        uint64_t v = which == S_LIM_NEURONS ? ld[c].neurons
                   : which == S_LIM_SYNAPSES ? ld[c].syn
                   : which == S_LIM_AXONS ? ld[c].axons
                                          : ld[c].fanout;
        if (v > u->max || used == 0) {
            u->max = v;
            u->max_core = c;
        }
        sum += (double)v;
        used++;
    }
    u->mean = used ? sum / used : 0;
}

static int s_measure(const sm_net_t *net, const sm_chip_t *chip, const sm_mgraph_t *gp,
                     const sm_mapping_t *m, sm_map_report_t *rep, sm_error_t *err)
{
    uint32_t cores = sm_chip_cores(chip);
    if (m->width != chip->width || m->height != chip->height)
        return sm_fail(err, SM_EINVAL, "mapping is for a %u x %u grid, chip '%s' is %u x %u",
                       m->width, m->height, chip->name, chip->width, chip->height);
    if (m->n_gids != net->n_neurons)
        return sm_fail(err, SM_EINVAL, "mapping has %u neurons, the network %u", m->n_gids,
                       net->n_neurons);
    for (uint32_t v = 0; v < m->n_gids; v++)
        if (m->core_of[v] >= cores)
            return sm_fail(err, SM_EINVAL, "mapping puts neuron %u on core %u, the chip has %u",
                           v, m->core_of[v], cores);
    const sm_mgraph_t g = *gp;
    s_load_t *ld = malloc(cores * sizeof *ld);
    uint32_t *cst = malloc(cores * sizeof *cst);
    if (!ld || !cst || s_loads(&g, m->core_of, cores, ld, 1) < 0) {
        free(ld);
        free(cst);
        return sm_fail(err, SM_ENOMEM, "mapper: out of memory measuring a mapping");
    }
    sm_map_report_t r;
    memset(&r, 0, sizeof r);
    if (rep)
        r = *rep;
    snprintf(r.chip, sizeof r.chip, "%s", chip->name);
    r.width = chip->width;
    r.height = chip->height;
    r.cores_total = cores;
    r.n_gids = g.n;
    r.n_synapses = g.n_syn;
    r.cores_used = 0;
    for (uint32_t c = 0; c < cores; c++)
        r.cores_used += ld[c].neurons > 0;
    s_use(&r.neurons, chip->limits.neurons, ld, cores, S_LIM_NEURONS);
    s_use(&r.synapses, chip->limits.synapses, ld, cores, S_LIM_SYNAPSES);
    s_use(&r.axons, chip->limits.axons, ld, cores, S_LIM_AXONS);
    s_use(&r.fanout, chip->limits.fanout, ld, cores, S_LIM_FANOUT);
    r.edge_cut = 0;
    r.spikes_per_tick = r.packets_per_tick = r.hops_per_tick = r.chip_hops_per_tick = 0;
    r.routing_pj_per_tick = 0;
    for (uint32_t c = 0; c < cores; c++)
        cst[c] = S_NONE;
    for (uint32_t u = 0; u < g.n; u++) {
        uint32_t cu = m->core_of[u];
        double rate = g.rate[u];
        r.spikes_per_tick += rate;
        for (size_t e = g.out_off[u]; e < g.out_off[u + 1]; e++) {
            uint32_t cv = m->core_of[g.out_dst[e]];
            if (cv != cu)
                r.edge_cut += g.out_w[e];
            if (cst[cv] == u)
                continue;
            cst[cv] = u;
            uint32_t ew, ns, ch;
            sm_chip_route(chip, cu, cv, &ew, &ns, &ch);
            r.packets_per_tick += rate;
            r.hops_per_tick += rate * (ew + ns + ch);
            r.chip_hops_per_tick += rate * ch;
            r.routing_pj_per_tick += rate * sm_chip_packet_pj(chip, cu, cv);
        }
    }
    int rc = 0;
    for (uint32_t c = 0; c < cores && rc == 0; c++) {
        int why = s_over(&chip->limits, &ld[c]);
        if (why < 0)
            continue;
        /* name the population holding most of the core's neurons */
        uint32_t best = 0, bestn = 0;
        for (uint32_t p = 0; p < net->n_pops; p++) {
            uint32_t cnt = 0;
            for (uint32_t i = 0; i < net->pops[p].size; i++)
                cnt += m->core_of[net->pops[p].first + i] == c;
            if (cnt > bestn) {
                bestn = cnt;
                best = p;
            }
        }
        uint64_t v = why == S_LIM_NEURONS ? ld[c].neurons
                   : why == S_LIM_SYNAPSES ? ld[c].syn
                   : why == S_LIM_AXONS ? ld[c].axons
                                        : ld[c].fanout;
        uint64_t l = why == S_LIM_NEURONS ? chip->limits.neurons
                   : why == S_LIM_SYNAPSES ? chip->limits.synapses
                   : why == S_LIM_AXONS ? chip->limits.axons
                                        : chip->limits.fanout;
        rc = sm_fail(err, SM_ETOOBIG,
                     "does not fit chip '%s': core (%u,%u), mostly population '%s' (%u of its "
                     "%u neurons), has %llu against the %s limit of %llu, %llu over",
                     chip->name, c % chip->width, c / chip->width, net->pops[best].name, bestn,
                     ld[c].neurons, (unsigned long long)v, s_lim_names[why],
                     (unsigned long long)l, (unsigned long long)(v - l));
    }
    if (rep)
        *rep = r;
    free(ld);
    free(cst);
    return rc;
}

int sm_map_check(const sm_net_t *net, const sm_chip_t *chip, const sm_mapping_t *m,
                 sm_map_report_t *rep, sm_error_t *err)
{
    if (m->n_gids != net->n_neurons)
        return sm_fail(err, SM_EINVAL, "mapping has %u neurons, the network %u", m->n_gids,
                       net->n_neurons);
    sm_mgraph_t g;
    if (sm_mgraph_build(net, &g, err) < 0)
        return -1;
    int rc = s_measure(net, chip, &g, m, rep, err);
    sm_mgraph_free(&g);
    return rc;
}

/* ---- strategies ---------------------------------------------------------- */

/* Neurons in breadth-first order over the undirected graph: a
 * locality-keeping order for packing when METIS is not there. */
static int s_bfs_order(const sm_mgraph_t *g, uint32_t *order)
{
    uint8_t *seen = calloc(g->n ? g->n : 1, 1);
    if (!seen)
        return -1;
    uint32_t head = 0, tail = 0;
    for (uint32_t s = 0; s < g->n; s++) {
        if (seen[s])
            continue;
        seen[s] = 1;
        order[tail++] = s;
        while (head < tail) {
            uint32_t v = order[head++];
            for (size_t e = g->out_off[v]; e < g->out_off[v + 1]; e++)
                if (!seen[g->out_dst[e]]) {
                    seen[g->out_dst[e]] = 1;
                    order[tail++] = g->out_dst[e];
                }
            for (size_t e = g->in_off[v]; e < g->in_off[v + 1]; e++)
                if (!seen[g->in_src[e]]) {
                    seen[g->in_src[e]] = 1;
                    order[tail++] = g->in_src[e];
                }
        }
    }
    free(seen);
    return 0;
}

/* METIS parts, then every part over a limit is re-packed in gid order into
 * as many parts as it needs. Returns the part count or 0. */
static uint32_t s_metis_parts(const sm_mgraph_t *g, const sm_chip_t *chip, uint64_t seed,
                              uint32_t *part_of, uint32_t *stamp, sm_error_t *err)
{
    const sm_chip_limits_t *lim = &chip->limits;
    uint32_t cores = sm_chip_cores(chip);
    uint64_t total_syn = 0;
    for (uint32_t v = 0; v < g->n; v++)
        total_syn += g->syn_in[v];
    /* Parts a little under the limits, so METIS's imbalance rarely spills. */
    double fill = 0.95;
    uint64_t k = (uint64_t)ceil(g->n / (lim->neurons * fill));
    if (lim->synapses) {
        uint64_t ks = (uint64_t)ceil((double)total_syn / (lim->synapses * fill));
        if (ks > k)
            k = ks;
    }
    if (k < 1)
        k = 1;
    if (k > cores)
        k = cores;
    uint32_t nparts = sm_map_metis_parts(g, chip, (uint32_t)k, seed, part_of, err);
    if (!nparts)
        return 0;
    s_load_t *ld = malloc(nparts * sizeof *ld);
    uint32_t *members = malloc((g->n ? g->n : 1) * sizeof *members);
    if (!ld || !members || s_loads(g, part_of, nparts, ld, 0) < 0) {
        free(ld);
        free(members);
        sm_fail(err, SM_ENOMEM, "mapper: out of memory");
        return 0;
    }
    uint32_t next = nparts;
    for (uint32_t p = 0; p < nparts; p++) {
        if (s_over(lim, &ld[p]) < 0)
            continue;
        uint32_t m = 0;
        for (uint32_t v = 0; v < g->n; v++)
            if (part_of[v] == p)
                members[m++] = v;
        s_pack(g, lim, members, m, &next, part_of, stamp, NULL, 0, NULL);
    }
    free(ld);
    free(members);
    /* renumber densely: split parts left their old number empty */
    uint32_t *newid = malloc((size_t)next * sizeof *newid);
    if (!newid) {
        sm_fail(err, SM_ENOMEM, "mapper: out of memory");
        return 0;
    }
    for (uint32_t p = 0; p < next; p++)
        newid[p] = S_NONE;
    uint32_t k2 = 0;
    for (uint32_t v = 0; v < g->n; v++) {
        if (newid[part_of[v]] == S_NONE)
            newid[part_of[v]] = k2++;
        part_of[v] = newid[part_of[v]];
    }
    free(newid);
    return k2;
}

/* Fan-out depends on where the targets went, so it is only known once all
 * parts exist. A part over the fan-out limit is cut in two (members in gid
 * order), which narrows the set of cores each half sends to; cutting can
 * widen other parts' fan-out, so this repeats until nothing is over, the
 * parts outgrow the grid, or a single neuron alone is over (then nothing
 * helps). *k_p is updated; returns 0, or -1 if it gave up (parts stay
 * consistent either way). */
static int s_fix_fanout(const sm_mgraph_t *g, const sm_chip_t *chip, uint32_t *part_of,
                        uint32_t *k_p)
{
    const sm_chip_limits_t *lim = &chip->limits;
    uint32_t cores = sm_chip_cores(chip), k = *k_p;
    if (!lim->fanout)
        return 0;
    for (int round = 0; round < 64; round++) {
        s_load_t *ld = malloc((k ? k : 1) * sizeof *ld);
        if (!ld || s_loads(g, part_of, k, ld, 1) < 0) {
            free(ld);
            return -1;
        }
        uint32_t kk = k;
        int over = 0;
        for (uint32_t p = 0; p < k; p++) {
            if (ld[p].fanout <= lim->fanout)
                continue;
            over = 1;
            if (ld[p].neurons < 2 || kk >= cores)
                break;
            uint32_t half = ld[p].neurons / 2, seen = 0;
            for (uint32_t v = 0; v < g->n; v++)
                if (part_of[v] == p && seen++ >= half)
                    part_of[v] = kk;
            kk++;
        }
        free(ld);
        int stuck = kk == k;
        *k_p = k = kk;
        if (!over)
            return 0;
        if (stuck)
            return -1;
    }
    return -1;
}

static int s_strategy_ok(const char *s)
{
    return !strcmp(s, "sequential") || !strcmp(s, "random") || !strcmp(s, "metis");
}

sm_mapping_t *sm_map(const sm_net_t *net, const sm_chip_t *chip, const char *strategy,
                     uint64_t seed, sm_map_report_t *rep, sm_error_t *err)
{
    double t0 = s_now();
    if (!strategy)
        strategy = "metis";
    if (!s_strategy_ok(strategy)) {
        sm_fail(err, SM_EINVAL, "unknown mapping strategy '%s' (sequential, random, metis)",
                strategy);
        return NULL;
    }
    sm_mgraph_t g;
    if (sm_mgraph_build(net, &g, err) < 0)
        return NULL;
    uint32_t n = g.n, cores = sm_chip_cores(chip);
    sm_mapping_t *m = NULL;
    uint32_t *order = malloc((n ? n : 1) * sizeof *order);
    uint32_t *part_of = malloc((n ? n : 1) * sizeof *part_of);
    uint32_t *stamp = malloc((n ? n : 1) * sizeof *stamp);
    uint32_t *core_of_part = NULL;
    if (!order || !part_of || !stamp) {
        sm_fail(err, SM_ENOMEM, "mapper: out of memory");
        goto done;
    }
    if (s_check_single(net, chip, &g, err) < 0)
        goto done;
    for (uint32_t v = 0; v < n; v++) {
        order[v] = v;
        stamp[v] = S_NONE;
    }
    /* Sequential packing first, whatever the strategy: it decides whether the
     * network fits at all and, if not, which population and limit overflow. */
    uint64_t closed_by[S_LIM_N] = {0};
    uint32_t k = 0, first_over = S_NONE;
    s_pack(&g, &chip->limits, order, n, &k, part_of, stamp, closed_by, cores, &first_over);
    if (k > cores) {
        s_too_big(net, chip, &g, k, closed_by, first_over, "sequential packing", err);
        goto done;
    }
    sm_rng_t rng = sm_rng_stream(seed, 0x6d6170, 1);
    if (!strcmp(strategy, "random")) {
        for (uint32_t i = n; i > 1; i--) {
            uint32_t j = sm_rng_below(&rng, i);
            uint32_t t = order[i - 1];
            order[i - 1] = order[j];
            order[j] = t;
        }
        for (uint32_t v = 0; v < n; v++)
            stamp[v] = S_NONE;
        uint64_t cb[S_LIM_N] = {0};
        uint32_t fo = S_NONE;
        k = 0;
        s_pack(&g, &chip->limits, order, n, &k, part_of, stamp, cb, cores, &fo);
        if (k > cores) {
            s_too_big(net, chip, &g, k, cb, fo, "random-order packing", err);
            goto done;
        }
    } else if (!strcmp(strategy, "metis")) {
        for (uint32_t v = 0; v < n; v++)
            stamp[v] = S_NONE;
        sm_error_t e2;
        sm_error_clear(&e2);
        uint32_t km = s_metis_parts(&g, chip, seed, part_of, stamp, &e2);
        if (km == 0 && e2.code != SM_EUNSUPPORTED) {
            sm_fail(err, e2.code, "%s", e2.msg);
            goto done;
        }
        if (km == 0 || km > cores) {
            /* No METIS, or its parts split past the grid: pack in
             * breadth-first order, which still keeps neighbours together. */
            if (s_bfs_order(&g, order) < 0) {
                sm_fail(err, SM_ENOMEM, "mapper: out of memory");
                goto done;
            }
            for (uint32_t v = 0; v < n; v++)
                stamp[v] = S_NONE;
            uint64_t cb[S_LIM_N] = {0};
            uint32_t fo = S_NONE;
            km = 0;
            s_pack(&g, &chip->limits, order, n, &km, part_of, stamp, cb, cores, &fo);
            if (km > cores) {
                /* the sequential packing fitted: keep it */
                for (uint32_t v = 0; v < n; v++)
                    order[v] = v, stamp[v] = S_NONE;
                km = 0;
                s_pack(&g, &chip->limits, order, n, &km, part_of, stamp, NULL, 0, NULL);
            }
        }
        k = km;
    }
    /* if this gives up, the check below names the core that is over */
    s_fix_fanout(&g, chip, part_of, &k);
    core_of_part = malloc((k ? k : 1) * sizeof *core_of_part);
    if (!core_of_part) {
        sm_fail(err, SM_ENOMEM, "mapper: out of memory");
        goto done;
    }
    if (!strcmp(strategy, "sequential")) {
        for (uint32_t p = 0; p < k; p++)
            core_of_part[p] = p;
    } else if (!strcmp(strategy, "random")) {
        uint32_t *cs = malloc(cores * sizeof *cs);
        if (!cs) {
            sm_fail(err, SM_ENOMEM, "mapper: out of memory");
            goto done;
        }
        for (uint32_t c = 0; c < cores; c++)
            cs[c] = c;
        for (uint32_t i = cores; i > 1; i--) {
            uint32_t j = sm_rng_below(&rng, i);
            uint32_t t = cs[i - 1];
            cs[i - 1] = cs[j];
            cs[j] = t;
        }
        memcpy(core_of_part, cs, k * sizeof *cs);
        free(cs);
    } else if (sm_map_place(&g, chip, part_of, k, seed, core_of_part, err) < 0) {
        goto done;
    }
    m = sm_mapping_new(chip->width, chip->height, n, err);
    if (!m)
        goto done;
    for (uint32_t v = 0; v < n; v++)
        m->core_of[v] = core_of_part[part_of[v]];
    sm_map_report_t r;
    memset(&r, 0, sizeof r);
    snprintf(r.strategy, sizeof r.strategy, "%s", strategy);
    r.seed = seed;
    if (s_measure(net, chip, &g, m, &r, err) < 0) {
        sm_mapping_destroy(&m);
        goto done;
    }
    r.seconds = s_now() - t0;
    if (rep)
        *rep = r;
done:
    free(order);
    free(part_of);
    free(stamp);
    free(core_of_part);
    sm_mgraph_free(&g);
    return m;
}

/* ---- report -------------------------------------------------------------- */

static void s_print_use(FILE *f, const char *what, const sm_map_use_t *u)
{
    if (u->limit)
        fprintf(f, "  %-22s max %8llu (%5.1f%%)  mean %10.1f (%5.1f%%)  of %llu\n", what,
                (unsigned long long)u->max, 100.0 * (double)u->max / (double)u->limit, u->mean,
                100.0 * u->mean / (double)u->limit, (unsigned long long)u->limit);
    else
        fprintf(f, "  %-22s max %8llu           mean %10.1f           (not limited)\n", what,
                (unsigned long long)u->max, u->mean);
}

void sm_map_report_print(FILE *f, const sm_map_report_t *r)
{
    fprintf(f, "mapping onto %s (%u x %u cores), strategy %s, seed %llu\n", r->chip, r->width,
            r->height, r->strategy[0] ? r->strategy : "(loaded)", (unsigned long long)r->seed);
    fprintf(f, "  neurons %u, synapses %llu, cores used %u of %u (%.1f%%)\n", r->n_gids,
            (unsigned long long)r->n_synapses, r->cores_used, r->cores_total,
            r->cores_total ? 100.0 * r->cores_used / r->cores_total : 0.0);
    fprintf(f, "  per-core use of the limits (over used cores):\n");
    s_print_use(f, "neurons", &r->neurons);
    s_print_use(f, "synapses (fan-in)", &r->synapses);
    s_print_use(f, "input axons", &r->axons);
    s_print_use(f, "fan-out cores", &r->fanout);
    fprintf(f, "  edge cut: %llu synapses cross cores (%.1f%%)\n",
            (unsigned long long)r->edge_cut,
            r->n_synapses ? 100.0 * (double)r->edge_cut / (double)r->n_synapses : 0.0);
    fprintf(f, "  estimated per tick (model neurons assumed at %g Hz): %.2f spikes, "
               "%.2f packets, %.2f hops (%.2f between chips), routing %.1f pJ\n",
            SM_MAP_DEFAULT_RATE_HZ, r->spikes_per_tick, r->packets_per_tick, r->hops_per_tick,
            r->chip_hops_per_tick, r->routing_pj_per_tick);
    if (r->seconds > 0)
        fprintf(f, "  mapped in %.3f s\n", r->seconds);
}

