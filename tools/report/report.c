#include "report.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decimal.h"
#include "output.h"
#include "ticks.h"

uint32_t sm_net_pop_of(const sm_net_t *net, uint32_t gid)
{
    uint32_t lo = 0, hi = net->n_pops;
    while (hi - lo > 1) {
        uint32_t mid = (lo + hi) / 2;
        if (net->pops[mid].first <= gid)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static void s_pop_spikes(const sm_net_t *net, const sm_result_t *r, uint64_t *per_pop)
{
    for (size_t i = 0; i < r->n_spikes; i++)
        per_pop[sm_net_pop_of(net, r->spikes[i].gid)] += r->spikes[i].count;
}

static double s_rate(const sm_net_t *net, const sm_result_t *r, uint32_t p, uint64_t spikes)
{
    double secs = (double)r->ticks * net->dt_ms * 1e-3;
    return secs > 0 ? (double)spikes / ((double)net->pops[p].size * secs) : 0.0;
}

/* Every counter of the list; the totals call packets_out "packets". */
static void s_counters(cJSON *o, const sm_counters_t *c, int totals)
{
    uint64_t v[SM_N_COUNTERS];
    sm_counters_to_array(c, v);
    for (int i = 0; i < SM_N_COUNTERS; i++) {
        const char *name = sm_counter_names[i];
        if (totals && i == SM_COUNTER_packets_out)
            name = "packets";
        cJSON_AddNumberToObject(o, name, (double)v[i]);
    }
}

cJSON *sm_report_stats(const sm_net_t *net, const sm_result_t *r, int dense)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddNumberToObject(doc, "ticks", r->ticks);
    cJSON_AddNumberToObject(doc, "dt_ms", r->dt_ms);
    cJSON_AddStringToObject(doc, "engine", dense ? "dense" : "event");
    cJSON *mesh = cJSON_AddObjectToObject(doc, "mesh");
    cJSON_AddNumberToObject(mesh, "width", r->width);
    cJSON_AddNumberToObject(mesh, "height", r->height);
    cJSON *tot = cJSON_AddObjectToObject(doc, "totals");
    s_counters(tot, &r->totals, 1);
    cJSON *cores = cJSON_AddArrayToObject(doc, "cores");
    for (uint32_t c = 0; c < r->width * r->height; c++) {
        const sm_core_stats_t *cs = &r->cores[c];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "x", cs->x);
        cJSON_AddNumberToObject(o, "y", cs->y);
        cJSON_AddNumberToObject(o, "neurons", cs->neurons);
        s_counters(o, &cs->c, 0);
        cJSON_AddItemToArray(cores, o);
    }
    cJSON *links = cJSON_AddArrayToObject(doc, "links");
    for (uint32_t i = 0; i < r->n_links; i++) {
        const sm_link_stats_t *L = &r->links[i];
        cJSON *o = cJSON_CreateObject();
        int from[2] = {(int)L->from_x, (int)L->from_y}, to[2] = {(int)L->to_x, (int)L->to_y};
        cJSON_AddItemToObject(o, "from", cJSON_CreateIntArray(from, 2));
        cJSON_AddItemToObject(o, "to", cJSON_CreateIntArray(to, 2));
        cJSON_AddNumberToObject(o, "packets", (double)L->packets);
        cJSON_AddItemToArray(links, o);
    }
    uint64_t *per_pop = calloc(net->n_pops + 1, sizeof *per_pop);
    if (per_pop)
        s_pop_spikes(net, r, per_pop);
    cJSON *pops = cJSON_AddArrayToObject(doc, "populations");
    for (uint32_t p = 0; p < net->n_pops; p++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", net->pops[p].name);
        cJSON_AddNumberToObject(o, "size", net->pops[p].size);
        cJSON_AddBoolToObject(o, "recorded", net->pops[p].record_spikes);
        if (net->pops[p].record_spikes && per_pop) {
            cJSON_AddNumberToObject(o, "spikes", (double)per_pop[p]);
            cJSON_AddNumberToObject(o, "rate_hz", s_rate(net, r, p, per_pop[p]));
        }
        cJSON_AddItemToArray(pops, o);
    }
    free(per_pop);
    cJSON_AddNumberToObject(doc, "wall_seconds", r->wall_seconds);
    if (!r->workers)
        cJSON_AddNumberToObject(doc, "run_cpu_seconds", r->cpu_seconds);
    /* Also a timing, not a count: summed over shards, per tick. */
    cJSON_AddNumberToObject(doc, "sync_wait_seconds_per_tick", r->ticks ? r->wait_seconds / r->ticks : 0.0);
    return doc;
}

/* A row "tick,population,index\n" without printf: a run's spikes are most of
 * what it writes. */
static void s_spike_row(FILE *f, uint32_t tick, const char *name, size_t name_len, uint32_t index)
{
    char buf[SM_NAME_MAX + 32], num[12];
    char *t = sm_dec_u64(num + sizeof num, tick);
    size_t n = (size_t)(num + sizeof num - t);
    memcpy(buf, t, n);
    buf[n++] = ',';
    memcpy(buf + n, name, name_len);
    n += name_len;
    buf[n++] = ',';
    t = sm_dec_u64(num + sizeof num, index);
    memcpy(buf + n, t, (size_t)(num + sizeof num - t));
    n += (size_t)(num + sizeof num - t);
    buf[n++] = '\n';
    fwrite(buf, 1, n, f);
}

void sm_report_spikes(FILE *f, const sm_net_t *net, const sm_result_t *r)
{
    fputs("tick,population,index\n", f);
    for (size_t i = 0; i < r->n_spikes; i++) {
        const sm_spike_t *s = &r->spikes[i];
        const sm_pop_t *p = &net->pops[sm_net_pop_of(net, s->gid)];
        const size_t len = strnlen(p->name, SM_NAME_MAX - 1);
        /* A MultiSpike count of n is n rows: each is one spike. */
        for (uint32_t k = 0; k < s->count; k++)
            s_spike_row(f, s->tick, p->name, len, s->gid - p->first);
    }
}

double sm_report_spikes_bytes(const sm_net_t *net, const sm_result_t *r)
{
    double bytes = strlen("tick,population,index\n");
    for (size_t i = 0; i < r->n_spikes; i++) {
        const sm_spike_t *s = &r->spikes[i];
        const sm_pop_t *p = &net->pops[sm_net_pop_of(net, s->gid)];
        bytes += (double)s->count *
                 (sm_dec_digits(s->tick) + 1 + (double)strlen(p->name) + 1 + sm_dec_digits(s->gid - p->first) + 1);
    }
    return bytes;
}

double sm_report_stats_bytes(const sm_net_t *net, const sm_result_t *r)
{
    /* Printed with indentation: a core's object (with its energy) is under
     * 1000 bytes, a link's under 100, a population's under 200. */
    return 4096.0 + 1000.0 * r->width * r->height + 100.0 * r->n_links + 200.0 * net->n_pops;
}

void sm_report_traces(FILE *f, const sm_net_t *net, const sm_result_t *r)
{
    fputs("tick,population,index,v,syn_exc,syn_inh\n", f);
    for (uint32_t t = 0; t < r->trace_rows; t++)
        for (uint32_t p = 0; p < r->n_probes; p++) {
            const float *v = &r->trace[((size_t)t * r->n_probes + p) * 3];
            const sm_probe_t *pr = &net->probes[p];
            fprintf(f, "%u,%s,%u,%.9g,%.9g,%.9g\n", t * r->trace_every, net->pops[pr->pop].name, pr->index,
                    (double)v[0], (double)v[1], (double)v[2]);
        }
}

/* Every file is written to a temporary first, in one private directory,
 * and renamed only when all are complete. DIR/INCOMPLETE goes in before the
 * first rename and comes out after the last, so that a process killed
 * between renames leaves DIR marked as mixing two runs' files. With ticks,
 * ticks.csv is the fourth file. */
static int s_write_set(const sm_net_t *net, const sm_result_t *r, cJSON *stats, int ticks,
                       const sm_chip_t *chip, const sm_energy_t *e, const char *dir,
                       sm_error_t *err)
{
    static const char *const names[4] = {"spikes.csv", "traces.csv", "stats.json", "ticks.csv"};
    const int n = ticks ? 4 : 3;
    if (ticks && sm_ticks_check(chip, e, r, dir, err))
        return -1;
    sm_out_t o[4], mark;
    memset(o, 0, sizeof o);
    memset(&mark, 0, sizeof mark);
    sm_outdir_t d;
    int rc = 0, opened = 0;
    char *json = cJSON_Print(stats);
    if (!json)
        return sm_fail(err, SM_ENOMEM, "%s/stats.json: out of memory", dir);
    if (sm_outdir_open(&d, dir, err)) {
        free(json);
        return -1;
    }
    for (int i = 0; i < n && !rc; i++) {
        if (sm_out_open_in(&o[i], &d, names[i], err)) {
            rc = -1;
            break;
        }
        opened = i + 1;
        if (i == 0)
            sm_report_spikes(o[i].f, net, r);
        else if (i == 1)
            sm_report_traces(o[i].f, net, r);
        else if (i == 2)
            fprintf(o[i].f, "%s\n", json);
        else
            sm_ticks_csv(o[i].f, chip, e, r); /* a failed write shows in sm_out_finish */
        if (sm_out_finish(&o[i], err))
            rc = -1;
    }
    free(json);
    if (!rc && sm_out_open_in(&mark, &d, "INCOMPLETE", err) == 0) {
        fprintf(mark.f, "A run of %s into this directory was replacing its files here and did not\n"
                        "finish: %s may come from different runs.\n",
                net->path ? net->path : "a network",
                ticks ? "spikes.csv, traces.csv, stats.json and ticks.csv"
                      : "spikes.csv, traces.csv and stats.json");
        rc = sm_out_commit(&mark, err);
    } else if (!rc) {
        rc = -1;
    }
    for (int i = 0; i < n && !rc; i++)
        if (sm_out_rename(&o[i], err))
            rc = -1;
    if (rc) {
        for (int i = 0; i < opened; i++)
            sm_out_abort(&o[i]);
        sm_outdir_close(&d);
        return -1;
    }
    /* Every file is this run's now; a mark that cannot go (ENOENT aside) is
     * a false alarm, never a lie about the files. */
    char path[SM_OUT_PATH + 16];
    snprintf(path, sizeof path, "%s/INCOMPLETE", dir);
    unlink(path);
    sm_outdir_close(&d);
    return 0;
}

int sm_report_write_all(const sm_net_t *net, const sm_result_t *r, cJSON *stats,
                        const char *dir, sm_error_t *err)
{
    return s_write_set(net, r, stats, 0, NULL, NULL, dir, err);
}

int sm_report_write_run(const sm_net_t *net, const sm_result_t *r, cJSON *stats,
                        const sm_chip_t *chip, const sm_energy_t *e, const char *dir,
                        sm_error_t *err)
{
    return s_write_set(net, r, stats, 1, chip, e, dir, err);
}

void sm_report_summary(FILE *f, const sm_net_t *net, const sm_result_t *r, int dense)
{
    const sm_counters_t *c = &r->totals;
    if (r->workers)
        fprintf(f, "spikemesh: %u ticks of %g ms on a %u x %u mesh, %s engine, %u worker processes\n",
                r->ticks, r->dt_ms, r->width, r->height, dense ? "dense" : "event", r->workers);
    else
        fprintf(f, "spikemesh: %u ticks of %g ms on a %u x %u mesh, %s engine, %u thread%s\n",
                r->ticks, r->dt_ms, r->width, r->height, dense ? "dense" : "event", r->threads,
                r->threads == 1 ? "" : "s");
    uint64_t *per_pop = calloc(net->n_pops + 1, sizeof *per_pop);
    if (per_pop) {
        s_pop_spikes(net, r, per_pop);
        for (uint32_t p = 0; p < net->n_pops; p++)
            if (net->pops[p].record_spikes)
                fprintf(f, "  %-16s %8u neurons %10llu spikes %10.3f Hz\n", net->pops[p].name,
                        net->pops[p].size, (unsigned long long)per_pop[p],
                        s_rate(net, r, p, per_pop[p]));
        free(per_pop);
    }
    fprintf(f, "  spikes %llu, synaptic events %llu, packets %llu, hops %llu\n",
            (unsigned long long)c->spikes, (unsigned long long)c->synaptic_events,
            (unsigned long long)c->packets_out, (unsigned long long)c->hops);
    fprintf(f, "  neuron updates %llu of %llu dense (ratio %.4f); active by the chip rule %llu\n",
            (unsigned long long)c->neuron_updates, (unsigned long long)c->dense_updates,
            c->dense_updates ? (double)c->neuron_updates / (double)c->dense_updates : 0.0,
            (unsigned long long)c->active_updates);
    fprintf(f, "  wall time %.3f s (%.3g synaptic events/s); waiting on other shards %.1f us/tick\n",
            r->wall_seconds, r->wall_seconds > 0 ? (double)c->synaptic_events / r->wall_seconds : 0.0,
            r->ticks ? 1e6 * r->wait_seconds / r->ticks : 0.0);
}
