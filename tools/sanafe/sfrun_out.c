/* sfrun_out: sanafe.json and ticks.csv. */
#include "sfrun_out.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "sm_sha256.h"

#ifndef SM_VERSION
#define SM_VERSION "?"
#endif

void sm_sfrun_totals(const sm_sfrun_result_t *r, sm_sfrun_totals_t *t)
{
    memset(t, 0, sizeof *t);
    for (uint32_t i = 0; i < r->steps; i++) {
        t->fired += r->fired[i];
        t->updated += r->updated[i];
        t->synaptic_events += r->synaptic_events[i];
        t->packets += r->packets[i];
        t->hops += r->hops[i];
        t->sim_time += r->sim_time[i];
        t->e_total += r->e_total[i];
        t->e_synapse += r->e_synapse[i];
        t->e_dendrite += r->e_dendrite[i];
        t->e_soma += r->e_soma[i];
        t->e_network += r->e_network[i];
    }
}

/* The shortest %g that reads back to x, with a '.' or exponent so that it
 * reads as a float (as Python writes it). */
static void s_fmt(char *buf, size_t size, double x)
{
    if (!isfinite(x)) {
        snprintf(buf, size, "null");
        return;
    }
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, size, "%.*g", p, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    if (!strpbrk(buf, ".en"))
        strncat(buf, ".0", size - strlen(buf) - 1);
}

static cJSON *s_num(double x)
{
    char buf[40];
    s_fmt(buf, sizeof buf, x);
    return cJSON_CreateRaw(buf);
}

static cJSON *s_int(uint64_t x)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRIu64, x);
    return cJSON_CreateRaw(buf);
}

static cJSON *s_ints(const uint64_t *v, uint32_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (uint32_t i = 0; a && i < n; i++)
        if (!cJSON_AddItemToArray(a, s_int(v[i]))) {
            cJSON_Delete(a);
            return NULL;
        }
    return a;
}

static cJSON *s_nums(const double *v, uint32_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (uint32_t i = 0; a && i < n; i++)
        if (!cJSON_AddItemToArray(a, s_num(v[i]))) {
            cJSON_Delete(a);
            return NULL;
        }
    return a;
}

static int s_add(cJSON *o, const char *k, cJSON *v)
{
    if (!v)
        return -1;
    if (!cJSON_AddItemToObject(o, k, v)) {
        cJSON_Delete(v);
        return -1;
    }
    return 0;
}

static cJSON *s_str(const char *s)
{
    return cJSON_CreateString(s ? s : "");
}

static cJSON *s_printed(const sm_sfrun_totals_t *t)
{
    cJSON *o = cJSON_CreateObject(), *e = cJSON_CreateObject();
    if (!o || !e) {
        cJSON_Delete(o);
        cJSON_Delete(e);
        return NULL;
    }
    char b[64];
    int bad = 0;
    const uint64_t iv[] = {t->fired, t->updated, t->synaptic_events, t->packets};
    const char *const ik[] = {"total_neurons_fired", "total_neurons_updated",
                              "total_spikes (= synaptic events)", "total_messages_sent"};
    for (int i = 0; i < 4; i++) {
        snprintf(b, sizeof b, "%" PRIu64, iv[i]);
        bad |= s_add(o, ik[i], s_str(b));
    }
    snprintf(b, sizeof b, "%e", t->sim_time); /* std::scientific */
    bad |= s_add(o, "sim_time", s_str(b));
    const double ev[] = {t->e_synapse, t->e_dendrite, t->e_soma, t->e_network, t->e_total};
    const char *const ek[] = {"synapse", "dendrite", "soma", "network", "total"};
    for (int i = 0; i < 5; i++) {
        snprintf(b, sizeof b, "%e", ev[i]);
        bad |= s_add(e, ek[i], s_str(b));
    }
    bad |= s_add(o, "energy", e);
    if (bad) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

cJSON *sm_sfrun_json(const sm_sfrun_meta_t *m, const sm_sfrun_result_t *r, sm_error_t *err)
{
    sm_sfrun_totals_t t;
    sm_sfrun_totals(r, &t);
    cJSON *d = cJSON_CreateObject();
    cJSON *tot = cJSON_CreateObject(), *en = cJSON_CreateObject(), *der = cJSON_CreateObject();
    cJSON *ps = cJSON_CreateObject(), *sp = cJSON_CreateObject();
    int bad = !d || !tot || !en || !der || !ps || !sp;
    if (bad) {
        cJSON_Delete(d);
        cJSON_Delete(tot);
        cJSON_Delete(en);
        cJSON_Delete(der);
        cJSON_Delete(ps);
        cJSON_Delete(sp);
        sm_fail(err, SM_ENOMEM, "out of memory writing sanafe.json");
        return NULL;
    }
    bad |= s_add(tot, "fired", s_int(t.fired));
    bad |= s_add(tot, "updated", s_int(t.updated));
    bad |= s_add(tot, "synaptic_events", s_int(t.synaptic_events));
    bad |= s_add(tot, "packets", s_int(t.packets));
    bad |= s_add(tot, "hops", s_int(t.hops));
    bad |= s_add(tot, "sim_time", s_num(t.sim_time));
    bad |= s_add(en, "total", s_num(t.e_total));
    bad |= s_add(en, "synapse", s_num(t.e_synapse));
    bad |= s_add(en, "dendrite", s_num(t.e_dendrite));
    bad |= s_add(en, "soma", s_num(t.e_soma));
    bad |= s_add(en, "network", s_num(t.e_network));
    bad |= s_add(tot, "energy", en);
    double steps = (double)r->steps;
    bad |= s_add(der, "energy_per_step_mean", s_num(r->steps ? t.e_total / steps : 0.0));
    bad |= s_add(der, "sim_time_per_step_mean", s_num(r->steps ? t.sim_time / steps : 0.0));
    bad |= s_add(der, "average_power_W", s_num(t.sim_time > 0.0 ? t.e_total / t.sim_time : 0.0));
    bad |= s_add(ps, "fired", s_ints(r->fired, r->steps));
    bad |= s_add(ps, "updated", s_ints(r->updated, r->steps));
    bad |= s_add(ps, "synaptic_events", s_ints(r->synaptic_events, r->steps));
    bad |= s_add(ps, "packets", s_ints(r->packets, r->steps));
    bad |= s_add(ps, "hops", s_ints(r->hops, r->steps));
    bad |= s_add(ps, "sim_time", s_nums(r->sim_time, r->steps));
    bad |= s_add(ps, "energy_total", s_nums(r->e_total, r->steps));
    bad |= s_add(ps, "energy_synapse", s_nums(r->e_synapse, r->steps));
    bad |= s_add(ps, "energy_dendrite", s_nums(r->e_dendrite, r->steps));
    bad |= s_add(ps, "energy_soma", s_nums(r->e_soma, r->steps));
    bad |= s_add(ps, "energy_network", s_nums(r->e_network, r->steps));
    char hex[65];
    sm_sha256_hex(r->digest, hex);
    bad |= s_add(sp, "logged_total", s_int(r->logged_total));
    bad |= s_add(sp, "logged_per_step", s_ints(r->logged, r->steps));
    bad |= s_add(sp, "all_fired_neurons_logged", cJSON_CreateBool(r->logged_total == t.fired));
    bad |= s_add(sp, "digest_sha256", s_str(hex));
    bad |= s_add(sp, "digest_format",
                 s_str("sha256 over lines \"step,group,neuron\\n\" (decimal integers, group name "
                       "verbatim), sorted by (step int, group bytes, neuron int), UTF-8, no header; "
                       "only neurons with log_spikes true"));
    bad |= s_add(d, "schema", s_str("sanafe-acceptance/1"));
    bad |= s_add(d, "name", s_str(m->name));
    bad |= s_add(d, "sanafe_commit", s_str("8951ab0711676a773261284d2e8c9d995156cb3d"));
    bad |= s_add(d, "sanafe_version", s_str("2.2.1 semantics, reproduced by spikemesh " SM_VERSION));
    bad |= s_add(d, "arch", s_str(m->arch));
    bad |= s_add(d, "snn", s_str(m->snn));
    bad |= s_add(d, "snn_format", s_str(m->snn_format));
    bad |= s_add(d, "timing_model", s_str(m->timing == SM_SFRUN_SIMPLE ? "simple" : "detailed"));
    bad |= s_add(d, "steps", s_int(r->steps));
    bad |= s_add(d, "command", s_str(m->command));
    bad |= s_add(d, "cwd", s_str("spikemesh"));
    bad |= s_add(d, "environment", s_str(""));
    bad |= s_add(d, "totals", tot);
    bad |= s_add(d, "totals_as_printed_by_stock_build", s_printed(&t));
    bad |= s_add(d, "derived", der);
    bad |= s_add(d, "per_step", ps);
    bad |= s_add(d, "spikes", sp);
    bad |= s_add(d, "checks", cJSON_CreateArray());
    bad |= s_add(d, "notes", s_str("written by spikemesh run"));
    if (bad) {
        cJSON_Delete(d);
        sm_fail(err, SM_ENOMEM, "out of memory writing sanafe.json");
        return NULL;
    }
    return d;
}

static int s_ticks(sm_out_t *o, const sm_sfrun_result_t *r)
{
    if (fprintf(o->f, "tick,spikes,synaptic_events,updates,packets,hops,energy_synapse_j,"
                      "energy_dendrite_j,energy_soma_j,energy_network_j,energy_total_j,chip_time_s\n") < 0)
        return -1;
    for (uint32_t i = 0; i < r->steps; i++) {
        char v[6][40];
        s_fmt(v[0], sizeof v[0], r->e_synapse[i]);
        s_fmt(v[1], sizeof v[1], r->e_dendrite[i]);
        s_fmt(v[2], sizeof v[2], r->e_soma[i]);
        s_fmt(v[3], sizeof v[3], r->e_network[i]);
        s_fmt(v[4], sizeof v[4], r->e_total[i]);
        s_fmt(v[5], sizeof v[5], r->sim_time[i]);
        if (fprintf(o->f, "%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%s,%s,%s,%s,%s,%s\n",
                    i + 1, r->fired[i], r->synaptic_events[i], r->updated[i], r->packets[i], r->hops[i],
                    v[0], v[1], v[2], v[3], v[4], v[5]) < 0)
            return -1;
    }
    return 0;
}

int sm_sfrun_write(const char *dir, const cJSON *json, const sm_sfrun_result_t *res, sm_error_t *err)
{
    char path[4200];
    char *text = cJSON_Print(json);
    if (!text)
        return sm_fail(err, SM_ENOMEM, "out of memory writing sanafe.json");
    snprintf(path, sizeof path, "%s/sanafe.json", dir);
    size_t n = strlen(text);
    char *t2 = realloc(text, n + 2);
    if (!t2) {
        free(text);
        return sm_fail(err, SM_ENOMEM, "out of memory writing sanafe.json");
    }
    t2[n] = '\n';
    t2[n + 1] = 0;
    int rc = sm_write_file(path, t2, err);
    free(t2);
    if (rc)
        return -1;
    sm_out_t o;
    snprintf(path, sizeof path, "%s/ticks.csv", dir);
    if (sm_out_open(&o, path, err))
        return -1;
    if (s_ticks(&o, res)) {
        sm_out_abort(&o);
        return sm_fail(err, SM_EIO, "%s: write failed", path);
    }
    return sm_out_commit(&o, err);
}
