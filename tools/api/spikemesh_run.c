/* spikemesh_run: the embedding API's runs and what they leave (spikemesh.h),
 * assembled as `spikemesh run` assembles them: the shared set-up
 * (run_setup.h), the engine, the stats document and the energy report. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nir_batch.h"
#include "report.h"
#include "quantise.h"
#include "run_setup.h"
#include "spikemesh_int.h"
#include "ticks.h"

/* Spikes go out as the engine holds them: three uint32 per row. */
_Static_assert(sizeof(sm_spike_t) == 3 * sizeof(uint32_t), "sm_spike_t is three uint32");

/* After the per-category joules, in this order; names as in stats.json. */
static const char *const s_energy_extra[] = {
    "total", "hops_east_west", "hops_north_south", "hops_inter_chip", "busy_ns_per_tick",
    "router_ns_per_tick", "barrier_ns", "compute_ns_per_tick", "fixed_tick", "realtime_factor",
    "link_max_per_tick", "link_mean_per_tick", "chip_seconds_per_tick", "cores_used",
    "chips_used"};
#define S_N_EXTRA (sizeof s_energy_extra / sizeof s_energy_extra[0])
_Static_assert(S_N_EXTRA <= SM_API_ENERGY_EXTRA, "room for every energy figure");

static void s_energy_items(const sm_energy_t *en, double *v)
{
    for (int k = 0; k < SM_ENERGY_N; k++)
        *v++ = en->joules[k];
    const double extra[S_N_EXTRA] = {
        en->total_joules, (double)en->hops_ew, (double)en->hops_ns, (double)en->hops_chip,
        en->busy_ns_per_tick, en->router_ns_per_tick, en->barrier_ns, en->compute_ns_per_tick,
        en->fixed_tick ? 1.0 : 0.0,
        /* as stats.json has it: an infinite factor (no compute) is 0 */
        isfinite(en->realtime_factor) ? en->realtime_factor : 0.0, en->link_max_per_tick,
        en->link_mean_per_tick, en->chip_seconds_per_tick, en->cores_used, en->chips_used};
    memcpy(v, extra, sizeof extra);
}

void spikemesh_result_destroy(spikemesh_result_t **r_p)
{
    if (!r_p || !*r_p)
        return;
    spikemesh_result_t *res = *r_p;
    sm_result_destroy(&res->r);
    cJSON_Delete(res->stats);
    if (res->have_energy)
        sm_energy_fini(&res->energy);
    free(res);
    *r_p = NULL;
}

/* The stats document and, on a chip, the energy report. */
static int s_price(spikemesh_result_t *res, const sm_net_t *net, const sm_chip_t *chip,
                   int dense, sm_error_t *err)
{
    if (!(res->stats = sm_report_stats(net, res->r, dense)))
        return sm_fail(err, SM_ENOMEM, "%s: stats: out of memory", net->path);
    if (!chip)
        return 0;
    if (sm_energy_compute(chip, res->r, &res->energy, err)) {
        sm_error_prefix(err, "energy report: ");
        return -1;
    }
    res->have_energy = 1;
    res->chip = *chip;
    s_energy_items(&res->energy, res->energy_items);
    if (sm_energy_to_json(&res->energy, res->stats))
        return sm_fail(err, SM_ENOMEM, "%s: stats: out of memory", net->path);
    return 0;
}

/* A NIR graph's batch, every sample traced as the network's probes say,
 * for the ticks asked or the tensor's; res takes the whole run's result. */
static int s_run_nir(const spikemesh_net_t *h, const sm_run_opts_t *o, spikemesh_result_t *res,
                     sm_nir_batch_t *batch, sm_error_t *err)
{
    sm_net_t *net = h->net;
    net->ticks = o->ticks ? o->ticks : (uint32_t)h->in.T;
    const sm_nir_batch_opts_t bo = {.keep_traces = true};
    int rc = sm_nir_batch_run(h->nir, &h->in, o, &bo, batch, err);
    net->ticks = (uint32_t)h->in.T;
    if (rc)
        return -1;
    res->r = batch->all;
    batch->all = NULL;
    res->samples = batch->samples;
    res->sample_ticks = batch->ticks;
    return 0;
}

spikemesh_result_t *spikemesh_run(const spikemesh_net_t *h, const spikemesh_opts_t *opts,
                                  spikemesh_error_t *e)
{
    sm_error_t err;
    sm_error_clear(&err);
    if (!h) {
        sm_api_report(e, &err, sm_fail(&err, SM_EINVAL, "spikemesh_run: no network"));
        return NULL;
    }
    sm_net_t *net = h->net;
    spikemesh_opts_t *own = NULL;
    if (!opts && !(opts = own = spikemesh_opts_new())) {
        sm_api_report(e, &err, sm_fail(&err, SM_ENOMEM, "%s: out of memory", net->path));
        return NULL;
    }
    sm_run_opts_t o = opts->run;
    o.progress = 0;
    if (sm_run_conflicts(opts->chip, opts->mapping, opts->strategy, opts->seed_given, o.mesh_w,
                         o.neurons_per_core, &err)) {
        sm_error_prefix(&err, "%s: ", net->path);
        spikemesh_opts_destroy(&own);
        sm_api_report(e, &err, -1);
        return NULL;
    }
    sm_chip_t *chip = NULL;
    sm_mapping_t *map = NULL;
    spikemesh_result_t *res = NULL;
    sm_qreport_t qrep;
    memset(&qrep, 0, sizeof qrep);
    if (h->nir && !h->batch) {
        sm_fail(&err, SM_EINVAL, "%s: a NIR graph runs on a spike tensor for its Input node "
                "'%s': spikemesh_net_set_batch (Python: set_batch) first", net->path,
                net->pops[h->nir->input_pop].name);
        goto out;
    }
    if (h->nir && !opts->engine_given)
        o.dense = 1;
    if (opts->chip && !(chip = sm_chip_load(opts->chip, &err)))
        goto out;
    const char *qchip = chip && chip->arith == SM_ARITH_FIXED ? chip->name : "";
    if (h->quantised_for[0] && strcmp(h->quantised_for, qchip)) {
        sm_fail(&err, SM_EINVAL,
                "%s: this network was quantised for chip %s by an earlier run; load it again to "
                "run it on %s", net->path, h->quantised_for, qchip[0] ? qchip : "no fixed-point chip");
        goto out;
    }
    if (qchip[0] && !h->quantised_for[0]) {
        if (sm_quantise(net, chip, &qrep, &err))
            goto out;
        snprintf(((spikemesh_net_t *)h)->quantised_for, sizeof h->quantised_for, "%s", qchip);
    }
    if (sm_run_place(net, chip, opts->mapping, opts->strategy, opts->seed, NULL, NULL, &map,
                     &err))
        goto out;
    if (!(res = calloc(1, sizeof *res))) {
        sm_fail(&err, SM_ENOMEM, "%s: out of memory", net->path);
        goto out;
    }
    o.mapping = map;
    double tick_ns[4];
    if (chip) {
        sm_energy_tick_ns(chip, tick_ns);
        o.tick_ns = tick_ns;
    }
    sm_nir_batch_t batch;
    memset(&batch, 0, sizeof batch);
    if (h->nir ? s_run_nir(h, &o, res, &batch, &err)
               : !(res->r = sm_engine_run(net, &o, &err))) {
        sm_error_prefix(&err, "%s: ", net->path);
        spikemesh_result_destroy(&res);
        goto out;
    }
    if (!h->nir) {
        res->samples = 1;
        res->sample_ticks = res->r->ticks;
    }
    if (s_price(res, net, chip, o.dense, &err))
        spikemesh_result_destroy(&res);
    if (res && qrep.chip[0])
        sm_qreport_to_json(net, &qrep, res->stats);
    if (res && h->nir && sm_nir_batch_stats(h->nir, &batch, net->path, NULL, res->stats)) {
        sm_fail(&err, SM_ENOMEM, "%s: stats: out of memory", net->path);
        spikemesh_result_destroy(&res);
    }
    sm_nir_batch_fini(&batch);
out:
    sm_qreport_fini(&qrep);
    sm_mapping_destroy(&map);
    sm_chip_destroy(&chip);
    spikemesh_opts_destroy(&own);
    sm_api_report(e, &err, res ? 0 : -1);
    return res;
}

uint32_t spikemesh_result_ticks(const spikemesh_result_t *res)
{
    return res->r->ticks;
}

uint64_t spikemesh_result_samples(const spikemesh_result_t *res)
{
    return res->samples;
}

uint32_t spikemesh_result_sample_ticks(const spikemesh_result_t *res)
{
    return res->sample_ticks;
}

double spikemesh_result_dt_ms(const spikemesh_result_t *res)
{
    return res->r->dt_ms;
}

uint32_t spikemesh_result_threads(const spikemesh_result_t *res)
{
    return res->r->threads;
}

double spikemesh_result_wall_seconds(const spikemesh_result_t *res)
{
    return res->r->wall_seconds;
}

size_t spikemesh_result_n_spikes(const spikemesh_result_t *res)
{
    return res->r->n_spikes;
}

const uint32_t *spikemesh_result_spikes(const spikemesh_result_t *res)
{
    return res->r->n_spikes ? &res->r->spikes[0].tick : NULL;
}

uint32_t spikemesh_result_n_probes(const spikemesh_result_t *res)
{
    return res->r->n_probes;
}

const float *spikemesh_result_traces(const spikemesh_result_t *res)
{
    return res->r->n_probes ? res->r->trace : NULL;
}

uint32_t spikemesh_n_counters(void)
{
    return SM_N_COUNTERS;
}

const char *spikemesh_counter_name(uint32_t i)
{
    return i < SM_N_COUNTERS ? sm_counter_names[i] : NULL;
}

void spikemesh_result_totals(const spikemesh_result_t *res, uint64_t *counters)
{
    sm_counters_to_array(&res->r->totals, counters);
}

uint32_t spikemesh_result_width(const spikemesh_result_t *res)
{
    return res->r->width;
}

uint32_t spikemesh_result_height(const spikemesh_result_t *res)
{
    return res->r->height;
}

void spikemesh_result_cores(const spikemesh_result_t *res, uint32_t *cores, uint64_t *counters)
{
    uint32_t n = res->r->width * res->r->height;
    for (uint32_t c = 0; c < n; c++) {
        const sm_core_stats_t *cs = &res->r->cores[c];
        if (cores) {
            cores[3 * c] = cs->x;
            cores[3 * c + 1] = cs->y;
            cores[3 * c + 2] = cs->neurons;
        }
        if (counters)
            sm_counters_to_array(&cs->c, counters + (size_t)c * SM_N_COUNTERS);
    }
}

uint32_t spikemesh_result_n_links(const spikemesh_result_t *res)
{
    return res->r->n_links;
}

void spikemesh_result_links(const spikemesh_result_t *res, uint32_t *ends, uint64_t *packets)
{
    for (uint32_t i = 0; i < res->r->n_links; i++) {
        const sm_link_stats_t *L = &res->r->links[i];
        if (ends) {
            ends[4 * i] = L->from_x;
            ends[4 * i + 1] = L->from_y;
            ends[4 * i + 2] = L->to_x;
            ends[4 * i + 3] = L->to_y;
        }
        if (packets)
            packets[i] = L->packets;
    }
}

const char *spikemesh_result_chip(const spikemesh_result_t *res)
{
    return res->have_energy ? res->energy.chip : NULL;
}

const char *spikemesh_result_energy_item(const spikemesh_result_t *res, uint32_t i,
                                         double *value)
{
    if (!res->have_energy || i >= SM_ENERGY_N + S_N_EXTRA)
        return NULL;
    if (value)
        *value = res->energy_items[i];
    return i < SM_ENERGY_N ? sm_energy_category[i] : s_energy_extra[i - SM_ENERGY_N];
}

uint32_t spikemesh_energy_n_categories(void)
{
    return SM_ENERGY_N;
}

const char *spikemesh_energy_category(uint32_t i)
{
    return i < SM_ENERGY_N ? sm_energy_category[i] : NULL;
}

int spikemesh_result_core_energy(const spikemesh_result_t *res, double *joules, double *busy_ns)
{
    if (!res->have_energy)
        return -1;
    for (uint32_t c = 0; c < res->energy.n_cores; c++) {
        const sm_energy_core_t *ec = &res->energy.cores[c];
        if (joules)
            memcpy(joules + (size_t)c * SM_ENERGY_N, ec->joules, sizeof ec->joules);
        if (busy_ns)
            busy_ns[c] = ec->busy_ns;
    }
    return 0;
}

char *spikemesh_result_stats_json(const spikemesh_result_t *res, spikemesh_error_t *e)
{
    sm_error_t err;
    sm_error_clear(&err);
    char *text = cJSON_Print(res->stats);
    if (!text)
        sm_fail(&err, SM_ENOMEM, "stats.json: out of memory");
    sm_api_report(e, &err, text ? 0 : -1);
    return text;
}

void spikemesh_free(void *p)
{
    free(p);
}

uint32_t spikemesh_result_n_tick_series(const spikemesh_result_t *res)
{
    return res->r->tick_cnt ? sm_ticks_n_columns(res->have_energy) : 0;
}

const char *spikemesh_result_tick_series_name(const spikemesh_result_t *res, uint32_t i)
{
    return i < spikemesh_result_n_tick_series(res) ? sm_ticks_column(i) : NULL;
}

int spikemesh_result_tick_series(const spikemesh_result_t *res, double *values)
{
    const uint32_t n = spikemesh_result_n_tick_series(res);
    if (!n)
        return -1;
    const sm_chip_t *chip = res->have_energy ? &res->chip : NULL;
    const sm_energy_t *en = res->have_energy ? &res->energy : NULL;
    for (uint32_t t = 0; t < res->r->ticks; t++)
        sm_ticks_row(chip, en, res->r, t, values + (size_t)t * n);
    return 0;
}
