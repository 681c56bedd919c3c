/* mapper_cost: what a mapping is expected to cost on its chip (traffic,
 * routing and static energy, the chip time of a tick), the check of a
 * mapping against the limits, and the report. */
#include "mapper_int.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#define S_NONE SM_MAP_NONE

static uint32_t s_chip_of(const sm_chip_t *chip, uint32_t core)
{
    uint32_t x = core % chip->width, y = core / chip->width;
    return (y / chip->chip_h) * chip->chips_x + x / chip->chip_w;
}

double sm_map_static_chip_pj(const sm_chip_t *chip, double tick_ns)
{
    if (chip->chips_x * chip->chips_y < 2 || chip->energy.static_chip_w <= 0)
        return 0;
    return chip->energy.static_chip_w * tick_ns * 1e3; /* W x ns = 1e3 pJ */
}

double sm_map_tick_ns(const sm_mgraph_t *g, const sm_chip_t *chip, const uint32_t *part_of,
                      uint32_t k)
{
    /* A core's work in a tick, as the energy report times it: synaptic
     * events, spikes, and (approximately) one update of each neuron. */
    const sm_chip_timing_t *T = &chip->timing;
    double busiest = 0;
    if (T->syn_op > 0 || T->spike > 0 || T->update_inactive > 0) {
        double *busy = calloc(k ? k : 1, sizeof *busy);
        if (busy) {
            for (uint32_t u = 0; u < g->n; u++) {
                busy[part_of[u]] += g->rate[u] * T->spike + T->update_inactive;
                for (size_t e = g->out_off[u]; e < g->out_off[u + 1]; e++)
                    busy[part_of[g->out_dst[e]]] += g->rate[u] * g->out_w[e] * T->syn_op;
            }
            for (uint32_t p = 0; p < k; p++)
                if (busy[p] > busiest)
                    busiest = busy[p];
            free(busy);
        }
    }
    double compute = T->barrier + busiest;
    return compute > T->tick ? compute : T->tick;
}

static void s_use(sm_map_use_t *u, uint64_t limit, const sm_map_load_t *ld, uint32_t k, int which)
{
    memset(u, 0, sizeof *u);
    u->limit = limit;
    double sum = 0;
    uint32_t used = 0;
    for (uint32_t c = 0; c < k; c++) {
        if (!ld[c].neurons)
            continue;
        uint64_t v = which == SM_LIM_NEURONS ? ld[c].neurons
                   : which == SM_LIM_SYNAPSES ? ld[c].syn
                   : which == SM_LIM_AXONS ? ld[c].axons
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

/* The first core over a limit, named with the population holding most of
 * its neurons; 0 if none. */
static int s_over_core(const sm_net_t *net, const sm_chip_t *chip, const sm_mapping_t *m,
                       const sm_map_load_t *ld, uint32_t cores, sm_error_t *err)
{
    for (uint32_t c = 0; c < cores; c++) {
        int why = sm_map_over(&chip->limits, &ld[c]);
        if (why < 0)
            continue;
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
        uint64_t v = why == SM_LIM_NEURONS ? ld[c].neurons
                   : why == SM_LIM_SYNAPSES ? ld[c].syn
                   : why == SM_LIM_AXONS ? ld[c].axons
                                         : ld[c].fanout;
        uint64_t l = why == SM_LIM_NEURONS ? chip->limits.neurons
                   : why == SM_LIM_SYNAPSES ? chip->limits.synapses
                   : why == SM_LIM_AXONS ? chip->limits.axons
                                         : chip->limits.fanout;
        return sm_fail(err, SM_ETOOBIG,
                       "does not fit chip '%s': core (%u,%u), mostly population '%s' (%u of its "
                       "%u neurons), has %llu against the %s limit of %llu, %llu over",
                       chip->name, c % chip->width, c / chip->width, net->pops[best].name, bestn,
                       ld[c].neurons, (unsigned long long)v, sm_map_lim_names[why],
                       (unsigned long long)l, (unsigned long long)(v - l));
    }
    return 0;
}

int sm_map_measure(const sm_net_t *net, const sm_chip_t *chip, const sm_mgraph_t *g,
                   const sm_mapping_t *m, sm_map_report_t *rep, sm_error_t *err)
{
    uint32_t cores = sm_chip_cores(chip), nchips = chip->chips_x * chip->chips_y;
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
    sm_map_load_t *ld = malloc(cores * sizeof *ld);
    uint32_t *cst = malloc(cores * sizeof *cst);
    uint8_t *chip_used = calloc(nchips, 1);
    if (!ld || !cst || !chip_used || sm_map_loads(g, m->core_of, cores, ld, 1) < 0) {
        free(ld);
        free(cst);
        free(chip_used);
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
    r.n_gids = g->n;
    r.n_synapses = g->n_syn;
    r.cores_used = r.chips_used = 0;
    for (uint32_t c = 0; c < cores; c++)
        if (ld[c].neurons > 0) {
            r.cores_used++;
            uint32_t ch = s_chip_of(chip, c);
            r.chips_used += !chip_used[ch];
            chip_used[ch] = 1;
        }
    s_use(&r.neurons, chip->limits.neurons, ld, cores, SM_LIM_NEURONS);
    s_use(&r.synapses, chip->limits.synapses, ld, cores, SM_LIM_SYNAPSES);
    s_use(&r.axons, chip->limits.axons, ld, cores, SM_LIM_AXONS);
    s_use(&r.fanout, chip->limits.fanout, ld, cores, SM_LIM_FANOUT);
    r.edge_cut = 0;
    r.spikes_per_tick = r.packets_per_tick = r.hops_per_tick = r.chip_hops_per_tick = 0;
    r.routing_pj_per_tick = 0;
    for (uint32_t c = 0; c < cores; c++)
        cst[c] = S_NONE;
    for (uint32_t u = 0; u < g->n; u++) {
        uint32_t cu = m->core_of[u];
        double rate = g->rate[u];
        r.spikes_per_tick += rate;
        for (size_t e = g->out_off[u]; e < g->out_off[u + 1]; e++) {
            uint32_t cv = m->core_of[g->out_dst[e]];
            if (cv != cu)
                r.edge_cut += g->out_w[e];
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
    r.tick_ns = sm_map_tick_ns(g, chip, m->core_of, cores);
    r.static_pj_per_tick = (r.cores_used * chip->energy.static_core_w +
                            r.chips_used * chip->energy.static_chip_w) * r.tick_ns * 1e3;
    r.energy_pj_per_tick = r.routing_pj_per_tick + r.static_pj_per_tick;
    int rc = s_over_core(net, chip, m, ld, cores, err);
    if (rep)
        *rep = r;
    free(ld);
    free(cst);
    free(chip_used);
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
    int rc = sm_map_measure(net, chip, &g, m, rep, err);
    sm_mgraph_free(&g);
    return rc;
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
    char rates[200];
    if (r->rates[0])
        snprintf(rates, sizeof rates, "rates measured in %s", r->rates);
    else
        snprintf(rates, sizeof rates, "model neurons assumed at %g Hz", SM_MAP_DEFAULT_RATE_HZ);
    fprintf(f, "  estimated per tick (%s): %.2f spikes, %.2f packets, %.2f hops (%.2f between "
               "chips), routing %.1f pJ",
            rates, r->spikes_per_tick, r->packets_per_tick, r->hops_per_tick,
            r->chip_hops_per_tick, r->routing_pj_per_tick);
    if (r->static_pj_per_tick > 0)
        fprintf(f, ", static %.4g pJ (%u chips)", r->static_pj_per_tick, r->chips_used);
    fprintf(f, "\n");
    if (r->n_candidates) {
        fprintf(f, "  weighed on the chip's cost per tick (kept: the cheapest no worse than "
                   "sequential):\n");
        for (uint32_t i = 0; i < r->n_candidates; i++) {
            const sm_map_estimate_t *c = &r->candidates[i];
            fprintf(f, "    %-26s %12.5g pJ %10.2f hops %10.2f packets %6u cores%s\n", c->name,
                    c->energy_pj_per_tick, c->hops_per_tick, c->packets_per_tick, c->cores_used,
                    i == r->kept ? "  <- kept" : "");
        }
    }
    if (r->seconds > 0)
        fprintf(f, "  mapped in %.3f s\n", r->seconds);
}

static cJSON *s_estimate_json(const sm_map_estimate_t *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", c->name);
    cJSON_AddNumberToObject(o, "energy_pj_per_tick", c->energy_pj_per_tick);
    cJSON_AddNumberToObject(o, "hops_per_tick", c->hops_per_tick);
    cJSON_AddNumberToObject(o, "packets_per_tick", c->packets_per_tick);
    cJSON_AddNumberToObject(o, "cores_used", c->cores_used);
    cJSON_AddNumberToObject(o, "chips_used", c->chips_used);
    return o;
}

void sm_map_report_to_json(const sm_map_report_t *r, cJSON *stats)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "chip", r->chip);
    cJSON_AddStringToObject(o, "strategy", r->strategy[0] ? r->strategy : "mapping file");
    cJSON_AddNumberToObject(o, "seed", (double)r->seed);
    cJSON_AddStringToObject(o, "rates", r->rates[0] ? r->rates : "assumed");
    cJSON_AddNumberToObject(o, "cores_used", r->cores_used);
    cJSON_AddNumberToObject(o, "chips_used", r->chips_used);
    cJSON_AddNumberToObject(o, "edge_cut", (double)r->edge_cut);
    cJSON *est = cJSON_AddObjectToObject(o, "estimated_per_tick");
    cJSON_AddNumberToObject(est, "spikes", r->spikes_per_tick);
    cJSON_AddNumberToObject(est, "packets", r->packets_per_tick);
    cJSON_AddNumberToObject(est, "hops", r->hops_per_tick);
    cJSON_AddNumberToObject(est, "hops_between_chips", r->chip_hops_per_tick);
    cJSON_AddNumberToObject(est, "routing_pj", r->routing_pj_per_tick);
    cJSON_AddNumberToObject(est, "static_pj", r->static_pj_per_tick);
    cJSON_AddNumberToObject(est, "energy_pj", r->energy_pj_per_tick);
    if (r->n_candidates) {
        cJSON_AddStringToObject(o, "kept", r->candidates[r->kept].name);
        cJSON *arr = cJSON_AddArrayToObject(o, "candidates");
        for (uint32_t i = 0; i < r->n_candidates; i++)
            cJSON_AddItemToArray(arr, s_estimate_json(&r->candidates[i]));
    }
    cJSON_AddItemToObject(stats, "mapping", o);
}
