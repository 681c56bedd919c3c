/* mapper: the strategies and their driver (limits and packing:
 * mapper_load.c, repairs of cut parts: mapper_tidy.c, placement:
 * mapper_place.c, cost and report: mapper_cost.c). */
#define _POSIX_C_SOURCE 200809L
#include "mapper_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rng.h"

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
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
                           "can hold it",
                           chip->name, p->name, v - p->first, (unsigned long long)g->syn_in[v],
                           (unsigned long long)(g->syn_in[v] - lim->synapses),
                           sm_map_lim_names[SM_LIM_SYNAPSES], (unsigned long long)lim->synapses);
        if (lim->axons && ax > lim->axons)
            return sm_fail(err, SM_ETOOBIG,
                           "does not fit chip '%s': population '%s' neuron %u receives from "
                           "%llu distinct source neurons, %llu over the %s limit of %u; no "
                           "number of cores can hold it",
                           chip->name, p->name, v - p->first, (unsigned long long)ax,
                           (unsigned long long)(ax - lim->axons), sm_map_lim_names[SM_LIM_AXONS],
                           lim->axons);
        /* its targets fill at least this many cores, each a fan-out entry */
        uint64_t nt = g->out_off[v + 1] - g->out_off[v];
        uint64_t tc = (nt + lim->neurons - 1) / lim->neurons;
        if (lim->fanout && tc > lim->fanout)
            return sm_fail(err, SM_ETOOBIG,
                           "does not fit chip '%s': population '%s' neuron %u sends to %llu "
                           "distinct neurons, which fill at least %llu cores of %u, %llu over the "
                           "%s limit of %u; no number of cores can hold it",
                           chip->name, p->name, v - p->first, (unsigned long long)nt,
                           (unsigned long long)tc, lim->neurons,
                           (unsigned long long)(tc - lim->fanout), sm_map_lim_names[SM_LIM_FANOUT],
                           lim->fanout);
    }
    return 0;
}


/* Explains why `parts` cores (what `how` fills) do not fit on the chip's
 * grid; seq_parts: what filling in gid order needs, the fewest known. */
static int s_too_big(const sm_net_t *net, const sm_chip_t *chip, const sm_mgraph_t *g,
                     uint32_t parts, uint32_t seq_parts, const uint64_t *closed_by,
                     uint32_t first_over, const char *how, sm_error_t *err)
{
    const sm_chip_limits_t *lim = &chip->limits;
    uint32_t cores = sm_chip_cores(chip);
    uint64_t total_syn = 0;
    for (uint32_t v = 0; v < g->n; v++)
        total_syn += g->syn_in[v];
    uint64_t lb_n = (g->n + (uint64_t)lim->neurons - 1) / lim->neurons;
    uint64_t lb_s = lim->synapses ? (total_syn + lim->synapses - 1) / lim->synapses : 0;
    int which = SM_LIM_NEURONS;
    if (lb_n > cores || lb_s > cores) {
        which = lb_s > lb_n ? SM_LIM_SYNAPSES : SM_LIM_NEURONS;
    } else {
        uint64_t best = 0;
        for (int l = 0; l < SM_LIM_N; l++)
            if (closed_by[l] > best) {
                best = closed_by[l];
                which = l;
            }
    }
    uint64_t lb = lb_n > lb_s ? lb_n : lb_s;
    const sm_pop_t *p = first_over != SM_MAP_NONE ? &net->pops[g->pop_of[first_over]] : NULL;
    char over[200];
    if (which == SM_LIM_NEURONS && lb_n > cores)
        snprintf(over, sizeof over, "%u neurons need at least %llu cores of %u, %llu neurons more "
                 "than the chip holds", g->n, (unsigned long long)lb_n, lim->neurons,
                 (unsigned long long)(g->n - (uint64_t)cores * lim->neurons));
    else if (which == SM_LIM_SYNAPSES && lb_s > cores)
        snprintf(over, sizeof over, "%llu synapses need at least %llu cores of %llu, %llu "
                 "synapses more than the chip holds", (unsigned long long)total_syn,
                 (unsigned long long)lb_s, (unsigned long long)lim->synapses,
                 (unsigned long long)(total_syn - (uint64_t)cores * lim->synapses));
    else
        snprintf(over, sizeof over, "it closed %llu of the %u cores %s fills, %u more than the "
                 "chip has", (unsigned long long)closed_by[which], parts, how, parts - cores);
    /* Filling in gid order is a packing that works, so it bounds the
     * fewest cores from above; only when it meets the count bound is it
     * the fewest. */
    char fewest[160];
    if (seq_parts <= lb)
        snprintf(fewest, sizeof fewest, "the fewest cores that would fit it: %u", seq_parts);
    else if (seq_parts <= cores)
        snprintf(fewest, sizeof fewest, "filled in gid order it fits this chip in %u cores",
                 seq_parts);
    else
        snprintf(fewest, sizeof fewest, "filled in gid order it would fit %u cores", seq_parts);
    return sm_fail(err, SM_ETOOBIG,
                   "does not fit chip '%s' (%u cores): the cores run out in population '%s' "
                   "(neuron %u); limit: %s (%llu): %s; %s (at least %llu by neuron and synapse "
                   "counts)",
                   chip->name, cores, p ? p->name : "?", p ? first_over - p->first : 0,
                   sm_map_lim_names[which],
                   which == SM_LIM_NEURONS ? (unsigned long long)lim->neurons
                   : which == SM_LIM_SYNAPSES ? (unsigned long long)lim->synapses
                   : which == SM_LIM_AXONS ? (unsigned long long)lim->axons
                                          : (unsigned long long)lim->fanout,
                   over, fewest, (unsigned long long)lb);
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

/* Expected packets per tick between parts (a spike makes one per distinct
 * target part): what a cut costs before it is placed. -1 out of memory. */
static double s_packets(const sm_mgraph_t *g, const uint32_t *part_of, uint32_t k)
{
    uint32_t *pst = malloc((k ? k : 1) * sizeof *pst);
    if (!pst)
        return -1;
    for (uint32_t p = 0; p < k; p++)
        pst[p] = SM_MAP_NONE;
    double packets = 0;
    for (uint32_t u = 0; u < g->n; u++)
        for (size_t e = g->out_off[u]; e < g->out_off[u + 1]; e++) {
            uint32_t q = part_of[g->out_dst[e]];
            if (pst[q] != u) {
                pst[q] = u;
                packets += g->rate[u];
            }
        }
    free(pst);
    return packets;
}

/* Parts that the axon limit (TrueNorth's 256) asks of a cut: METIS
 * balances neurons and synapses, not the distinct sources a core takes. 0
 * out of memory. */
static uint64_t s_axon_parts(const sm_mgraph_t *g, const sm_chip_limits_t *lim,
                             const uint32_t *part_of, uint32_t k)
{
    sm_map_load_t *ld = malloc((k ? k : 1) * sizeof *ld);
    if (!ld || sm_map_loads(g, part_of, k, ld, 0) < 0) {
        free(ld);
        return 0;
    }
    uint64_t need = 0;
    for (uint32_t p = 0; p < k; p++)
        need += ld[p].axons > lim->axons ? (ld[p].axons + lim->axons - 1) / lim->axons : 1;
    free(ld);
    return need;
}

#define S_RECUTS 4
#define S_RECUT_MIN 8 /* neurons a part of a cut again holds on average, at least */

/* METIS parts that fit the cores. When a cut breaks the axon limit, a cut
 * into as many parts as the limit asks for often keeps neighbours together
 * better than repairing the first, and may break it less. Of up to
 * S_RECUTS + 1 cuts, each repaired, the one with the fewest packets between
 * parts is kept (then the fewest parts). Returns the part count, or 0 with
 * err filled. */
static uint32_t s_metis_parts(const sm_mgraph_t *g, const sm_chip_t *chip, uint64_t seed,
                              uint32_t *part_of, sm_error_t *err)
{
    const sm_chip_limits_t *lim = &chip->limits;
    uint32_t cores = sm_chip_cores(chip);
    uint64_t total_syn = 0;
    for (uint32_t v = 0; v < g->n; v++)
        total_syn += g->syn_in[v];
    /* Parts a little under the limits, so METIS's imbalance rarely spills. */
    double fill = chip->energy.static_core_w > 0 ? 1.0 : 0.95;
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
    uint32_t *cut = malloc((g->n ? g->n : 1) * sizeof *cut);
    uint32_t best_k = 0;
    double best_packets = INFINITY;
    if (!cut) {
        sm_fail(err, SM_ENOMEM, "mapper: out of memory");
        return 0;
    }
    for (int round = 0; round <= S_RECUTS; round++) {
        uint32_t nparts = sm_map_metis_parts(g, chip, (uint32_t)k, seed, cut, err);
        if (!nparts) {
            if (round == 0 || err->code == SM_ENOMEM)
                best_k = 0;
            break; /* a failed cut again leaves the best so far */
        }
        uint64_t need = lim->axons ? s_axon_parts(g, lim, cut, nparts) : nparts;
        uint32_t kt = sm_map_tidy(g, lim, cut, nparts);
        double packets = kt ? s_packets(g, cut, kt) : -1;
        if (!need || packets < 0) {
            sm_fail(err, SM_ENOMEM, "mapper: out of memory");
            best_k = 0;
            break;
        }
        if (packets < best_packets || (packets == best_packets && kt < best_k)) {
            best_packets = packets;
            best_k = kt;
            memcpy(part_of, cut, (size_t)g->n * sizeof *part_of);
        }
        /* parts of a few neurons each: METIS is slow there and its cut
         * hardly better than the repair */
        if (need <= nparts || need > cores || need * S_RECUT_MIN > g->n)
            break;
        k = need;
    }
    free(cut);
    return best_k;
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
        sm_map_load_t *ld = malloc((k ? k : 1) * sizeof *ld);
        if (!ld || sm_map_loads(g, part_of, k, ld, 1) < 0) {
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

/* The mapping that puts part p on core core_of_part[p] (NULL: core p). */
static sm_mapping_t *s_mapping(const sm_chip_t *chip, uint32_t n, const uint32_t *part_of,
                               const uint32_t *core_of_part, sm_error_t *err)
{
    sm_mapping_t *m = sm_mapping_new(chip->width, chip->height, n, err);
    if (m)
        for (uint32_t v = 0; v < n; v++)
            m->core_of[v] = core_of_part ? core_of_part[part_of[v]] : part_of[v];
    return m;
}

/* Parts placed by the annealing (static chip power priced in). */
static sm_mapping_t *s_placed(const sm_mgraph_t *g, const sm_chip_t *chip, const uint32_t *part_of,
                              uint32_t k, uint64_t seed, const sm_progress_t *progress,
                              const char *phase, sm_error_t *err)
{
    uint32_t *core_of_part = malloc((k ? k : 1) * sizeof *core_of_part);
    if (!core_of_part) {
        sm_fail(err, SM_ENOMEM, "mapper: out of memory");
        return NULL;
    }
    double chip_pj = sm_map_static_chip_pj(chip, sm_map_tick_ns(g, chip, part_of, k));
    sm_mapping_t *m = NULL;
    sm_progress(progress, phase, 0, 0, 0);
    if (sm_map_place(g, chip, part_of, k, seed, chip_pj, progress, phase, core_of_part, err) == 0)
        m = s_mapping(chip, g->n, part_of, core_of_part, err);
    free(core_of_part);
    return m;
}

/* Parts of the random strategy on cores at seeded random places. */
static sm_mapping_t *s_scattered(const sm_chip_t *chip, uint32_t n, const uint32_t *part_of,
                                 sm_rng_t *rng, sm_error_t *err)
{
    uint32_t cores = sm_chip_cores(chip);
    uint32_t *cs = malloc(cores * sizeof *cs);
    if (!cs) {
        sm_fail(err, SM_ENOMEM, "mapper: out of memory");
        return NULL;
    }
    for (uint32_t c = 0; c < cores; c++)
        cs[c] = c;
    for (uint32_t i = cores; i > 1; i--) {
        uint32_t j = sm_rng_below(rng, i);
        uint32_t t = cs[i - 1];
        cs[i - 1] = cs[j];
        cs[j] = t;
    }
    sm_mapping_t *m = s_mapping(chip, n, part_of, cs, err);
    free(cs);
    return m;
}

static int s_no_worse(double a, double b)
{
    return a <= b + 1e-9 * fabs(b) + 1e-12;
}

static void s_estimate(sm_map_estimate_t *e, const char *name, const sm_map_report_t *r)
{
    memset(e, 0, sizeof *e);
    snprintf(e->name, sizeof e->name, "%s", name);
    e->energy_pj_per_tick = r->energy_pj_per_tick;
    e->hops_per_tick = r->hops_per_tick;
    e->packets_per_tick = r->packets_per_tick;
    e->cores_used = r->cores_used;
    e->chips_used = r->chips_used;
}

/* metis: its own cut, the sequential cores placed, and plain sequential,
 * each measured; keeps the cheapest that is no worse than sequential on
 * energy or on hops. seq_part holds the sequential cores (k_seq, at most
 * the chip's cores: s_fix_fanout stops there). */
static sm_mapping_t *s_metis(const sm_net_t *net, const sm_chip_t *chip, const sm_mgraph_t *g,
                             uint32_t *seq_part, uint32_t k_seq, uint64_t seed,
                             const sm_progress_t *progress, sm_map_report_t *rep,
                             sm_error_t *err)
{
    static const char *const names[SM_MAP_MAX_CANDIDATES] = {"metis", "sequential cores, placed",
                                                             "sequential"};
    enum { A, B, C };
    uint32_t n = g->n, cores = sm_chip_cores(chip);
    sm_mapping_t *m[SM_MAP_MAX_CANDIDATES] = {NULL, NULL, NULL};
    sm_map_report_t r[SM_MAP_MAX_CANDIDATES];
    uint32_t *part_of = malloc((n ? n : 1) * sizeof *part_of);
    uint32_t *order = malloc((n ? n : 1) * sizeof *order);
    uint32_t *stamp = malloc((n ? n : 1) * sizeof *stamp);
    sm_mapping_t *kept = NULL;
    if (!part_of || !order || !stamp) {
        sm_fail(err, SM_ENOMEM, "mapper: out of memory");
        goto done;
    }
    /* C first: the one every other is held to, and the fallback. When it
     * breaks a limit (fan-out splits that outgrew the grid), its error is
     * kept for the case that no other candidate fits either. */
    sm_error_t c_err, e2;
    sm_error_clear(&c_err);
    if (!(m[C] = s_mapping(chip, n, seq_part, NULL, err)))
        goto done;
    r[C] = *rep;
    if (sm_map_measure(net, chip, g, m[C], &r[C], &c_err) < 0)
        sm_mapping_destroy(&m[C]);
    sm_error_clear(&e2);
    m[B] = s_placed(g, chip, seq_part, k_seq, seed, progress,
                    "mapping: placing the sequential cores", &e2);
    if (m[B]) {
        r[B] = *rep;
        if (sm_map_measure(net, chip, g, m[B], &r[B], &e2) < 0)
            sm_mapping_destroy(&m[B]);
    } else if (e2.code == SM_ENOMEM) {
        *err = e2;
        goto done;
    }
    sm_progress(progress, "mapping: cutting with METIS", 0, 0, 0);
    sm_error_clear(&e2);
    uint32_t km = s_metis_parts(g, chip, seed, part_of, &e2);
    if (km == 0 && e2.code != SM_EUNSUPPORTED) {
        *err = e2;
        goto done;
    }
    if (km == 0 || km > cores) {
        /* No METIS, or its parts split past the grid: fill in
         * breadth-first order, which still keeps neighbours together. */
        if (s_bfs_order(g, order) < 0) {
            sm_fail(err, SM_ENOMEM, "mapper: out of memory");
            goto done;
        }
        for (uint32_t v = 0; v < n; v++)
            stamp[v] = SM_MAP_NONE;
        km = 0;
        sm_map_pack(g, &chip->limits, order, n, &km, part_of, stamp, NULL, 0, NULL);
    }
    if (km <= cores) {
        uint32_t before = km;
        s_fix_fanout(g, chip, part_of, &km);
        if (km != before && km <= cores && !(km = sm_map_tidy(g, &chip->limits, part_of, km))) {
            sm_fail(err, SM_ENOMEM, "mapper: out of memory");
            goto done;
        }
        sm_error_clear(&e2);
        if (km <= cores && (m[A] = s_placed(g, chip, part_of, km, seed, progress,
                                              "mapping: placing the METIS parts", &e2))) {
            r[A] = *rep;
            if (sm_map_measure(net, chip, g, m[A], &r[A], &e2) < 0)
                sm_mapping_destroy(&m[A]);
        } else if (e2.code == SM_ENOMEM) {
            *err = e2;
            goto done;
        }
    }
    /* A and B in turn replace the best so far only when strictly cheaper
     * (energy, then hops), and only when no worse than C on either. */
    uint32_t best = m[C] ? C : SM_MAP_NONE;
    for (uint32_t i = A; i < C; i++) {
        if (!m[i])
            continue;
        if (m[C] && !(s_no_worse(r[i].energy_pj_per_tick, r[C].energy_pj_per_tick) &&
                      s_no_worse(r[i].hops_per_tick, r[C].hops_per_tick)))
            continue;
        if (best == SM_MAP_NONE ||
            !s_no_worse(r[best].energy_pj_per_tick, r[i].energy_pj_per_tick) ||
            (s_no_worse(r[i].energy_pj_per_tick, r[best].energy_pj_per_tick) &&
             !s_no_worse(r[best].hops_per_tick, r[i].hops_per_tick)))
            best = i;
    }
    if (best == SM_MAP_NONE) {
        *err = c_err;
        goto done;
    }
    *rep = r[best];
    rep->n_candidates = 0;
    for (uint32_t i = 0; i < SM_MAP_MAX_CANDIDATES; i++)
        if (m[i]) {
            if (i == best)
                rep->kept = rep->n_candidates;
            s_estimate(&rep->candidates[rep->n_candidates++], names[i], &r[i]);
        }
    kept = m[best];
    m[best] = NULL;
done:
    for (uint32_t i = 0; i < SM_MAP_MAX_CANDIDATES; i++)
        sm_mapping_destroy(&m[i]);
    free(part_of);
    free(order);
    free(stamp);
    return kept;
}

sm_mapping_t *sm_map_with(const sm_net_t *net, const sm_chip_t *chip, const sm_map_opts_t *o,
                          sm_map_report_t *rep, sm_error_t *err)
{
    double t0 = s_now();
    const char *strategy = o && o->strategy ? o->strategy : "metis";
    uint64_t seed = o ? o->seed : 1;
    const sm_progress_t *progress = o ? o->progress : NULL;
    if (!s_strategy_ok(strategy)) {
        sm_fail(err, SM_EINVAL, "unknown mapping strategy '%s' (sequential, random, metis)",
                strategy);
        return NULL;
    }
    sm_progress(progress, "mapping: building the neuron graph", 0, 0, 0);
    sm_mgraph_t g;
    if (sm_mgraph_build(net, &g, err) < 0)
        return NULL;
    if (o && o->rates)
        for (uint32_t v = 0; v < g.n; v++)
            if (!isnan(o->rates[v]))
                g.rate[v] = o->rates[v];
    uint32_t n = g.n, cores = sm_chip_cores(chip);
    sm_mapping_t *m = NULL;
    uint32_t *order = malloc((n ? n : 1) * sizeof *order);
    uint32_t *part_of = malloc((n ? n : 1) * sizeof *part_of);
    uint32_t *stamp = malloc((n ? n : 1) * sizeof *stamp);
    sm_map_report_t r;
    memset(&r, 0, sizeof r);
    snprintf(r.strategy, sizeof r.strategy, "%s", strategy);
    r.seed = seed;
    if (o && o->rates && o->rates_from)
        snprintf(r.rates, sizeof r.rates, "%s", o->rates_from);
    if (!order || !part_of || !stamp) {
        sm_fail(err, SM_ENOMEM, "mapper: out of memory");
        goto done;
    }
    if (s_check_single(net, chip, &g, err) < 0)
        goto done;
    for (uint32_t v = 0; v < n; v++) {
        order[v] = v;
        stamp[v] = SM_MAP_NONE;
    }
    /* Sequential packing first, whatever the strategy: it decides whether the
     * network fits at all and, if not, which population and limit overflow. */
    uint64_t closed_by[SM_LIM_N] = {0};
    uint32_t k = 0, first_over = SM_MAP_NONE;
    sm_map_pack(&g, &chip->limits, order, n, &k, part_of, stamp, closed_by, cores, &first_over);
    if (k > cores) {
        s_too_big(net, chip, &g, k, k, closed_by, first_over, "sequential packing", err);
        goto done;
    }
    sm_rng_t rng = sm_rng_stream(seed, 0x6d6170, 1);
    if (!strcmp(strategy, "random")) {
        uint32_t k_seq = k;
        for (uint32_t i = n; i > 1; i--) {
            uint32_t j = sm_rng_below(&rng, i);
            uint32_t t = order[i - 1];
            order[i - 1] = order[j];
            order[j] = t;
        }
        for (uint32_t v = 0; v < n; v++)
            stamp[v] = SM_MAP_NONE;
        uint64_t cb[SM_LIM_N] = {0};
        uint32_t fo = SM_MAP_NONE;
        k = 0;
        sm_map_pack(&g, &chip->limits, order, n, &k, part_of, stamp, cb, cores, &fo);
        if (k > cores) {
            s_too_big(net, chip, &g, k, k_seq, cb, fo, "random-order packing", err);
            goto done;
        }
    }
    /* if this gives up, the check below names the core that is over */
    s_fix_fanout(&g, chip, part_of, &k);
    if (!strcmp(strategy, "metis"))
        m = s_metis(net, chip, &g, part_of, k, seed, progress, &r, err);
    else if (!strcmp(strategy, "random"))
        m = s_scattered(chip, n, part_of, &rng, err);
    else
        m = s_mapping(chip, n, part_of, NULL, err);
    if (!m)
        goto done;
    if (strcmp(strategy, "metis") && sm_map_measure(net, chip, &g, m, &r, err) < 0) {
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
    sm_mgraph_free(&g);
    return m;
}

sm_mapping_t *sm_map(const sm_net_t *net, const sm_chip_t *chip, const char *strategy,
                     uint64_t seed, sm_map_report_t *rep, sm_error_t *err)
{
    const sm_map_opts_t o = {.strategy = strategy, .seed = seed};
    return sm_map_with(net, chip, &o, rep, err);
}
