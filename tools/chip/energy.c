/* energy: pricing a run's counters with a chip profile (model in energy.h). */
#include "energy.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const sm_energy_category[SM_ENERGY_N] = {"synaptic", "neuron_update", "spike",
                                                      "routing", "static"};

#define S_PJ 1e-12

/* A chip that steps a fixed tick cannot run a network of another dt any
 * faster or slower: each network tick takes one chip tick. The run is still
 * priced (that is what the chip would do), but never silently. */
static void s_tick_warning(const sm_chip_t *chip, const sm_result_t *res, double tick_ns,
                           sm_energy_t *out)
{
    double dt_ns = res->dt_ms * 1e6;
    if (fabs(dt_ns - chip->timing.tick) <= 1e-9 * chip->timing.tick)
        return;
    double net_s = res->ticks * dt_ns * 1e-9, chip_s = res->ticks * tick_ns * 1e-9;
    snprintf(out->warning, sizeof out->warning,
             "chip '%s' steps a fixed %g ms tick but the network's dt is %g ms: each of the "
             "%u network ticks is priced as one chip tick, so %g s of network time take %g s "
             "on the chip (real-time factor %g)",
             chip->name, chip->timing.tick * 1e-6, res->dt_ms, res->ticks, net_s, chip_s,
             chip_s > 0 ? net_s / chip_s : 0.0);
}

int sm_energy_compute(const sm_chip_t *chip, const sm_result_t *res, sm_energy_t *out,
                      sm_error_t *err)
{
    memset(out, 0, sizeof *out);
    if (res->width != chip->width || res->height != chip->height)
        return sm_fail(err, SM_EINVAL,
                       "energy: the run used a %u x %u grid, chip '%s' is %u x %u (run with "
                       "--chip to map onto it)",
                       res->width, res->height, chip->name, chip->width, chip->height);
    uint32_t n = res->width * res->height;
    out->cores = calloc(n ? n : 1, sizeof *out->cores);
    if (!out->cores)
        return sm_fail(err, SM_ENOMEM, "energy: out of memory");
    out->n_cores = n;
    snprintf(out->chip, sizeof out->chip, "%s", chip->name);
    out->ticks = res->ticks;
    out->dt_ms = res->dt_ms;
    const sm_chip_energy_t *E = &chip->energy;
    const sm_chip_timing_t *T = &chip->timing;
    double ticks = res->ticks ? res->ticks : 1;

    /* event energies and busy time per core */
    uint32_t nchips = chip->chips_x * chip->chips_y;
    uint32_t *chip_cores = calloc(nchips, sizeof *chip_cores);
    if (!chip_cores) {
        sm_energy_fini(out);
        return sm_fail(err, SM_ENOMEM, "energy: out of memory");
    }
    double busiest = 0;
    for (uint32_t c = 0; c < n; c++) {
        const sm_core_stats_t *cs = &res->cores[c];
        sm_energy_core_t *ec = &out->cores[c];
        ec->x = c % res->width;
        ec->y = c / res->width;
        const sm_counters_t *k = &cs->c;
        /* Active by the chip rule (input or a spike), the rest of the
         * neuron-ticks idle: the engine's own update count plays no part. */
        uint64_t idle = k->dense_updates > k->active_updates ? k->dense_updates - k->active_updates
                                                             : 0;
        ec->joules[SM_ENERGY_SYNAPTIC] = k->synaptic_events * E->syn_op * S_PJ;
        ec->joules[SM_ENERGY_UPDATE] =
            (k->active_updates * E->update_active + idle * E->update_inactive) * S_PJ;
        ec->joules[SM_ENERGY_SPIKE] = k->spikes * E->spike * S_PJ;
        ec->joules[SM_ENERGY_ROUTING] =
            (k->packets_out * E->packet_send + k->events_received * E->packet_recv) * S_PJ;
        ec->busy_ns = k->synaptic_events * T->syn_op + k->active_updates * T->update_active +
                      idle * T->update_inactive + k->spikes * T->spike;
        if (ec->busy_ns > busiest)
            busiest = ec->busy_ns;
        if (cs->neurons > 0) {
            out->cores_used++;
            uint32_t ch = (ec->y / chip->chip_h) * chip->chips_x + ec->x / chip->chip_w;
            if (chip_cores[ch]++ == 0)
                out->chips_used++;
        }
    }

    /* hops from the per-link counts, priced by the kind of hop a link is (a
     * one-hop route on the chip); a link's energy is charged to the core that
     * sends on it */
    double link_sum = 0, hop_lat_sum = 0;
    uint64_t hops = 0;
    for (uint32_t i = 0; i < res->n_links; i++) {
        const sm_link_stats_t *l = &res->links[i];
        uint32_t ew = 0, ns = 0, ch = 0;
        if (l->from_x < res->width && l->from_y < res->height && l->to_x < res->width &&
            l->to_y < res->height)
            sm_chip_route(chip, l->from_y * res->width + l->from_x,
                          l->to_y * res->width + l->to_x, &ew, &ns, &ch);
        if (ew + ns + ch != 1) {
            free(chip_cores);
            sm_energy_fini(out);
            return sm_fail(err, SM_EINVAL,
                           "energy: link (%u,%u)->(%u,%u) does not join two neighbouring cores "
                           "of the %u x %u grid",
                           l->from_x, l->from_y, l->to_x, l->to_y, res->width, res->height);
        }
        double pj, lat;
        if (ch) {
            pj = E->hop_chip;
            lat = T->hop_chip;
            out->hops_chip += l->packets;
        } else if (ew) {
            pj = E->hop_ew;
            lat = T->hop_ew;
            out->hops_ew += l->packets;
        } else {
            pj = E->hop_ns;
            lat = T->hop_ns;
            out->hops_ns += l->packets;
        }
        hops += l->packets;
        hop_lat_sum += l->packets * lat;
        out->cores[l->from_y * res->width + l->from_x].joules[SM_ENERGY_ROUTING] +=
            l->packets * pj * S_PJ;
        double per_tick = l->packets / ticks;
        link_sum += per_tick;
        if (per_tick > out->link_max_per_tick)
            out->link_max_per_tick = per_tick;
        /* keep the hottest links, in descending order */
        uint32_t pos = out->n_hot_links;
        while (pos > 0 && out->hot_links[pos - 1].per_tick < per_tick)
            pos--;
        if (pos < SM_ENERGY_HOT) {
            uint32_t last = out->n_hot_links < SM_ENERGY_HOT ? out->n_hot_links : SM_ENERGY_HOT - 1;
            memmove(&out->hot_links[pos + 1], &out->hot_links[pos],
                    (last - pos) * sizeof out->hot_links[0]);
            out->hot_links[pos] = (sm_energy_link_t){l->from_x, l->from_y, l->to_x, l->to_y,
                                                     per_tick};
            if (out->n_hot_links < SM_ENERGY_HOT)
                out->n_hot_links++;
        }
    }
    out->link_mean_per_tick = res->n_links ? link_sum / res->n_links : 0;
    out->hop_pj_mean = hops ? (out->hops_ew * E->hop_ew + out->hops_ns * E->hop_ns +
                               out->hops_chip * E->hop_chip) / (double)hops
                            : 0.0;
    out->models = (double)res->totals.dense_updates / ticks;

    /* time per tick */
    out->busy_ns_per_tick = busiest / ticks;
    double packets = (double)res->totals.packets_out;
    double mean_hop_lat = hops ? hop_lat_sum / hops : 0.5 * (T->hop_ew + T->hop_ns);
    double max_lat = T->hop_ew > T->hop_ns ? T->hop_ew : T->hop_ns;
    out->router_ns_per_tick = (packets > 0 ? (double)hops / packets * mean_hop_lat : 0) +
                              out->link_max_per_tick * max_lat;
    out->hop_ns_mean = mean_hop_lat;
    out->hop_ns_max = max_lat;
    out->barrier_ns = T->barrier;
    out->compute_ns_per_tick = out->busy_ns_per_tick + out->router_ns_per_tick + T->barrier;
    out->fixed_tick = T->tick > 0;
    double tick_ns;
    if (out->fixed_tick) {
        tick_ns = out->compute_ns_per_tick > T->tick ? out->compute_ns_per_tick : T->tick;
        out->tick_load = out->compute_ns_per_tick / T->tick;
        s_tick_warning(chip, res, tick_ns, out);
    } else {
        tick_ns = out->compute_ns_per_tick;
    }
    out->realtime_factor = tick_ns > 0 ? res->dt_ms * 1e6 / tick_ns : INFINITY;
    out->chip_seconds_per_tick = tick_ns * 1e-9;

    /* static power over the emulated chip time */
    double seconds = out->chip_seconds_per_tick * res->ticks;
    for (uint32_t c = 0; c < n; c++) {
        sm_energy_core_t *ec = &out->cores[c];
        if (res->cores[c].neurons == 0)
            continue;
        uint32_t ch = (ec->y / chip->chip_h) * chip->chips_x + ec->x / chip->chip_w;
        ec->joules[SM_ENERGY_STATIC] =
            (E->static_core_w + E->static_chip_w / chip_cores[ch]) * seconds;
        out->static_w += E->static_core_w + E->static_chip_w / chip_cores[ch];
    }
    free(chip_cores);
    for (uint32_t c = 0; c < n; c++) {
        sm_energy_core_t *ec = &out->cores[c];
        for (int k = 0; k < SM_ENERGY_N; k++) {
            ec->total += ec->joules[k];
            out->joules[k] += ec->joules[k];
        }
        out->total_joules += ec->total;
        uint32_t pos = out->n_hot_cores;
        while (pos > 0 && out->cores[out->hot_cores[pos - 1]].total < ec->total)
            pos--;
        if (pos < SM_ENERGY_HOT && ec->total > 0) {
            uint32_t last = out->n_hot_cores < SM_ENERGY_HOT ? out->n_hot_cores : SM_ENERGY_HOT - 1;
            memmove(&out->hot_cores[pos + 1], &out->hot_cores[pos],
                    (last - pos) * sizeof out->hot_cores[0]);
            out->hot_cores[pos] = c;
            if (out->n_hot_cores < SM_ENERGY_HOT)
                out->n_hot_cores++;
        }
    }
    return 0;
}

void sm_energy_tick_ns(const sm_chip_t *chip, double ns[4])
{
    ns[0] = chip->timing.syn_op;
    ns[1] = chip->timing.update_active;
    ns[2] = chip->timing.update_inactive;
    ns[3] = chip->timing.spike;
}

void sm_energy_tick(const sm_chip_t *chip, const sm_energy_t *e, const sm_result_t *res,
                    uint32_t tick, double joules[SM_ENERGY_N], double *chip_ns)
{
    const sm_chip_energy_t *E = &chip->energy;
    const sm_chip_timing_t *T = &chip->timing;
    const uint64_t *row = &res->tick_cnt[(size_t)tick * SM_TICK_N];
    double act = (double)row[SM_TICK_ACTIVE], pk = (double)row[SM_TICK_PACKETS];
    double idle = e->models > act ? e->models - act : 0.0;
    joules[SM_ENERGY_SYNAPTIC] = row[SM_TICK_SYNAPTIC] * E->syn_op * S_PJ;
    joules[SM_ENERGY_UPDATE] = (act * E->update_active + idle * E->update_inactive) * S_PJ;
    joules[SM_ENERGY_SPIKE] = row[SM_TICK_SPIKES] * E->spike * S_PJ;
    joules[SM_ENERGY_ROUTING] =
        (pk * (E->packet_send + E->packet_recv) + row[SM_TICK_HOPS] * e->hop_pj_mean) * S_PJ;
    double mean_pk = (double)res->totals.packets_out / (res->ticks ? res->ticks : 1);
    double router = pk > 0 ? row[SM_TICK_HOPS] / pk * e->hop_ns_mean +
                                 e->link_max_per_tick * e->hop_ns_max * (pk / mean_pk)
                           : 0.0;
    double ns = (res->tick_busy_ns ? res->tick_busy_ns[tick] : 0.0) + router + T->barrier;
    if (T->tick > 0 && ns < T->tick)
        ns = T->tick;
    joules[SM_ENERGY_STATIC] = e->static_w * ns * 1e-9;
    *chip_ns = ns;
}

void sm_energy_fini(sm_energy_t *e)
{
    if (!e)
        return;
    free(e->cores);
    e->cores = NULL;
    e->n_cores = 0;
}

static void s_joules(FILE *f, double j)
{
    if (j == 0)
        fprintf(f, "0 J");
    else if (fabs(j) < 1e-6)
        fprintf(f, "%.3f nJ", j * 1e9);
    else if (fabs(j) < 1e-3)
        fprintf(f, "%.3f uJ", j * 1e6);
    else if (fabs(j) < 1)
        fprintf(f, "%.3f mJ", j * 1e3);
    else
        fprintf(f, "%.3f J", j);
}

void sm_energy_print(FILE *f, const sm_energy_t *e)
{
    fprintf(f, "energy on %s over %u ticks: ", e->chip, e->ticks);
    s_joules(f, e->total_joules);
    fprintf(f, " (%u cores on %u chip%s)\n", e->cores_used, e->chips_used,
            e->chips_used == 1 ? "" : "s");
    for (int k = 0; k < SM_ENERGY_N; k++) {
        fprintf(f, "  %-14s ", sm_energy_category[k]);
        s_joules(f, e->joules[k]);
        fprintf(f, " (%.1f%%)\n", e->total_joules > 0 ? 100 * e->joules[k] / e->total_joules : 0.0);
    }
    fprintf(f, "  hops: %llu east-west, %llu north-south, %llu between chips\n",
            (unsigned long long)e->hops_ew, (unsigned long long)e->hops_ns,
            (unsigned long long)e->hops_chip);
    fprintf(f, "  time per tick: busiest core %.1f ns + router %.1f ns + barrier %.1f ns = %.1f ns\n",
            e->busy_ns_per_tick, e->router_ns_per_tick, e->barrier_ns, e->compute_ns_per_tick);
    if (e->fixed_tick) {
        fprintf(f, "  fixed tick: %.3g ms per tick, the work takes %.3g of it%s; real-time factor "
                   "%.3g at dt %g ms\n",
                e->chip_seconds_per_tick * 1e3, e->tick_load,
                e->tick_load > 1 ? " (the chip overruns its tick)" : "", e->realtime_factor,
                e->dt_ms);
        if (e->warning[0])
            fprintf(f, "  WARNING: %s\n", e->warning);
    } else
        fprintf(f, "  chip time %.3g s per tick; %.3g x faster than real time at dt %g ms\n",
                e->chip_seconds_per_tick, e->realtime_factor, e->dt_ms);
    fprintf(f, "  link load per tick: max %.2f, mean %.2f packets\n", e->link_max_per_tick,
            e->link_mean_per_tick);
    if (e->n_hot_links) {
        fprintf(f, "  hottest links:");
        for (uint32_t i = 0; i < e->n_hot_links; i++)
            fprintf(f, " (%u,%u)->(%u,%u) %.2f/tick", e->hot_links[i].x0, e->hot_links[i].y0,
                    e->hot_links[i].x1, e->hot_links[i].y1, e->hot_links[i].per_tick);
        fprintf(f, "\n");
    }
    if (e->n_hot_cores) {
        fprintf(f, "  hottest cores:");
        for (uint32_t i = 0; i < e->n_hot_cores; i++) {
            const sm_energy_core_t *c = &e->cores[e->hot_cores[i]];
            fprintf(f, " (%u,%u) ", c->x, c->y);
            s_joules(f, c->total);
        }
        fprintf(f, "\n");
    }
}

/* cJSON cannot hold an infinity; a chip doing no work has none to report */
static double s_finite(double v)
{
    return isfinite(v) ? v : 0.0;
}

int sm_energy_to_json(const sm_energy_t *e, cJSON *stats)
{
    if (!stats || !cJSON_IsObject(stats))
        return -1;
    cJSON *totals = cJSON_GetObjectItemCaseSensitive(stats, "totals");
    if (!totals)
        totals = cJSON_AddObjectToObject(stats, "totals");
    if (!cJSON_IsObject(totals))
        return -1;
    cJSON_DeleteItemFromObjectCaseSensitive(totals, "energy_joules");
    cJSON_AddNumberToObject(totals, "energy_joules", e->total_joules);
    cJSON_DeleteItemFromObjectCaseSensitive(stats, "energy");
    cJSON_DeleteItemFromObjectCaseSensitive(stats, "chip_seconds_per_tick");
    cJSON *en = cJSON_AddObjectToObject(stats, "energy");
    if (!en)
        return -1;
    cJSON_AddStringToObject(en, "chip", e->chip);
    for (int k = 0; k < SM_ENERGY_N; k++)
        cJSON_AddNumberToObject(en, sm_energy_category[k], e->joules[k]);
    cJSON_AddNumberToObject(en, "total", e->total_joules);
    cJSON_AddNumberToObject(en, "hops_east_west", (double)e->hops_ew);
    cJSON_AddNumberToObject(en, "hops_north_south", (double)e->hops_ns);
    cJSON_AddNumberToObject(en, "hops_inter_chip", (double)e->hops_chip);
    cJSON_AddNumberToObject(en, "busy_ns_per_tick", e->busy_ns_per_tick);
    cJSON_AddNumberToObject(en, "router_ns_per_tick", e->router_ns_per_tick);
    cJSON_AddNumberToObject(en, "barrier_ns", e->barrier_ns);
    cJSON_AddBoolToObject(en, "fixed_tick", e->fixed_tick);
    cJSON_AddNumberToObject(en, "realtime_factor", s_finite(e->realtime_factor));
    if (e->fixed_tick)
        cJSON_AddNumberToObject(en, "tick_load", e->tick_load);
    if (e->warning[0])
        cJSON_AddStringToObject(en, "warning", e->warning);
    cJSON_AddNumberToObject(en, "link_max_per_tick", e->link_max_per_tick);
    cJSON_AddNumberToObject(en, "link_mean_per_tick", e->link_mean_per_tick);
    cJSON *hl = cJSON_AddArrayToObject(en, "hottest_links");
    for (uint32_t i = 0; hl && i < e->n_hot_links; i++) {
        cJSON *o = cJSON_CreateObject();
        const int fr[2] = {(int)e->hot_links[i].x0, (int)e->hot_links[i].y0};
        const int to[2] = {(int)e->hot_links[i].x1, (int)e->hot_links[i].y1};
        cJSON_AddItemToObject(o, "from", cJSON_CreateIntArray(fr, 2));
        cJSON_AddItemToObject(o, "to", cJSON_CreateIntArray(to, 2));
        cJSON_AddNumberToObject(o, "per_tick", e->hot_links[i].per_tick);
        cJSON_AddItemToArray(hl, o);
    }
    cJSON *cores = cJSON_AddArrayToObject(en, "cores");
    for (uint32_t c = 0; cores && c < e->n_cores; c++) {
        const sm_energy_core_t *ec = &e->cores[c];
        if (ec->total <= 0)
            continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "x", ec->x);
        cJSON_AddNumberToObject(o, "y", ec->y);
        cJSON_AddNumberToObject(o, "joules", ec->total);
        for (int k = 0; k < SM_ENERGY_N; k++)
            cJSON_AddNumberToObject(o, sm_energy_category[k], ec->joules[k]);
        cJSON_AddItemToArray(cores, o);
    }
    cJSON_AddNumberToObject(stats, "chip_seconds_per_tick", e->chip_seconds_per_tick);
    return 0;
}
