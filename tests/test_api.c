/* The embedding API (tools/api/spikemesh.h): loading and its errors, inputs
 * of spike sources, options, and a run read back against the engine's own. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "helpers.h"
#include "nir_compile.h"
#include "spikemesh.h"

#define FEEDFORWARD T_EXAMPLES_DIR "/feedforward.json"

/* A source of 3 neurons into 3 neurons that fire on any input. */
static const char *s_small =
    "{\"simulation\": {\"ticks\": 20, \"seed\": 1},"
    " \"populations\": ["
    "  {\"name\": \"in\", \"size\": 3, \"source\": {\"kind\": \"spike_times\","
    "   \"times\": [[1], [], [5]]}},"
    "  {\"name\": \"out\", \"size\": 3, \"model\": \"lif\","
    "   \"params\": {\"beta\": 0.5, \"threshold\": 1.0}}],"
    " \"projections\": [{\"source\": \"in\", \"target\": \"out\","
    "  \"connectivity\": {\"kind\": \"one_to_one\"}, \"weight\": 2.0, \"delay\": 1}]}";

static char s_dir[4096], s_path[4200];

static void s_setup(void)
{
    t_mkdtemp(s_dir, sizeof s_dir, "api");
    t_write_in(s_path, sizeof s_path, s_dir, "small.json", s_small);
}

static void s_teardown(void)
{
    t_rmtree(s_dir);
}

TestSuite(api, .init = s_setup, .fini = s_teardown);

Test(api, load_errors_carry_the_file)
{
    spikemesh_error_t err;
    char missing[4200];
    t_join(missing, sizeof missing, s_dir, "missing.json");
    cr_assert_null(spikemesh_net_load(missing, &err));
    cr_assert_neq(err.code, SPIKEMESH_OK);
    cr_assert(strstr(err.msg, missing), "message names the file: %s", err.msg);

    char bad[4200];
    t_write_in(bad, sizeof bad, s_dir, "bad.json", "{\"populations\": [{\"name\": \"a\"}]");
    cr_assert_null(spikemesh_net_load(bad, &err));
    cr_assert_eq(err.code, SPIKEMESH_EPARSE, "%s", err.msg);
    cr_assert(strstr(err.msg, bad), "%s", err.msg);

    cr_assert_null(spikemesh_net_load(T_EXAMPLES_DIR "/model.nir", &err));
    cr_assert_eq(err.code, SPIKEMESH_EINVAL);
    cr_assert(strstr(err.msg, "model.nir") && strstr(err.msg, "flavor"), "%s", err.msg);
    cr_assert_null(spikemesh_net_load(missing, NULL), "err may be NULL");
    cr_assert_str_eq(spikemesh_strerror(SPIKEMESH_EPARSE), "malformed input");
}

Test(api, network_description)
{
    spikemesh_error_t err;
    spikemesh_net_t *net = spikemesh_net_load(FEEDFORWARD, &err);
    cr_assert_not_null(net, "%s", err.msg);
    cr_assert_eq(err.code, SPIKEMESH_OK);
    cr_assert_str_eq(err.msg, "");
    cr_assert_eq(spikemesh_net_n_pops(net), 4);
    cr_assert_str_eq(spikemesh_net_pop_name(net, 1), "hidden1");
    cr_assert_str_eq(spikemesh_net_pop_kind(net, 0), "poisson");
    cr_assert_str_eq(spikemesh_net_pop_kind(net, 1), "neurons");
    cr_assert_eq(spikemesh_net_pop_first(net, 2), 300);
    cr_assert_eq(spikemesh_net_pop_size(net, 3), 10);
    cr_assert_null(spikemesh_net_pop_name(net, 4));
    cr_assert_eq(spikemesh_net_find_pop(net, "readout"), 3);
    cr_assert_eq(spikemesh_net_find_pop(net, "nope"), -1);
    cr_assert_eq(spikemesh_net_n_neurons(net), 410);
    cr_assert_eq(spikemesh_net_ticks(net), 2000);
    cr_assert_eq(spikemesh_net_n_probes(net), 3);
    uint32_t pop, index;
    cr_assert_eq(spikemesh_net_probe(net, 2, &pop, &index), 0);
    cr_assert_eq(pop, 2);
    cr_assert_eq(index, 0);
    cr_assert_eq(spikemesh_net_probe(net, 3, &pop, &index), -1);
    spikemesh_net_destroy(&net);
    cr_assert_null(net);
    spikemesh_net_destroy(&net);
}

Test(api, set_input_refuses_what_cannot_be_a_spike_train)
{
    spikemesh_error_t err;
    spikemesh_net_t *net = spikemesh_net_load(s_path, &err);
    cr_assert_not_null(net, "%s", err.msg);
    const uint32_t ok[] = {0, 3};
    cr_assert_eq(spikemesh_net_set_input(net, "out", ok, 1, &err), -1);
    cr_assert_eq(err.code, SPIKEMESH_EINVAL);
    cr_assert(strstr(err.msg, "\"out\"") && strstr(err.msg, "model neurons"), "%s", err.msg);
    cr_assert_eq(spikemesh_net_set_input(net, "nope", ok, 1, &err), -1);
    cr_assert(strstr(err.msg, "no population named \"nope\""), "%s", err.msg);
    const uint32_t range[] = {0, 3, 3, 4};
    cr_assert_eq(spikemesh_net_set_input(net, "in", range, 2, &err), -1);
    cr_assert_eq(err.code, SPIKEMESH_ERANGE);
    cr_assert(strstr(err.msg, "pair 1: neuron 3 out of range"), "%s", err.msg);
    const uint32_t twice[] = {2, 7, 2, 7};
    cr_assert_eq(spikemesh_net_set_input(net, "in", twice, 2, &err), -1);
    cr_assert(strstr(err.msg, "neuron 2 is given tick 7 twice"), "%s", err.msg);
    cr_assert(strstr(err.msg, s_path), "names the network: %s", err.msg);

    /* failures left the file's spikes in place: 1 and 5 in, 2 and 6 out */
    spikemesh_result_t *res = spikemesh_run(net, NULL, &err);
    cr_assert_not_null(res, "%s", err.msg);
    cr_assert_eq(spikemesh_result_n_spikes(res), 4);
    spikemesh_result_destroy(&res);
    spikemesh_net_destroy(&net);
}

Test(api, set_input_replaces_the_spike_trains)
{
    spikemesh_error_t err;
    spikemesh_net_t *net = spikemesh_net_load(s_path, &err);
    cr_assert_not_null(net, "%s", err.msg);
    const uint32_t pairs[] = {1, 9, 0, 3, 1, 4}; /* any order */
    cr_assert_eq(spikemesh_net_set_input(net, "in", pairs, 3, &err), 0, "%s", err.msg);
    spikemesh_opts_t *o = spikemesh_opts_new();
    spikemesh_opts_set_threads(o, 1);
    spikemesh_result_t *res = spikemesh_run(net, o, &err);
    cr_assert_not_null(res, "%s", err.msg);
    /* (tick, gid, count): the sources at their ticks, the targets a tick later */
    const uint32_t want[][3] = {{3, 0, 1}, {4, 1, 1}, {4, 3, 1}, {5, 4, 1}, {9, 1, 1}, {10, 4, 1}};
    cr_assert_eq(spikemesh_result_n_spikes(res), 6);
    cr_assert_arr_eq(spikemesh_result_spikes(res), want, sizeof want);
    spikemesh_result_destroy(&res);

    cr_assert_eq(spikemesh_net_set_input(net, "in", NULL, 0, &err), 0, "%s", err.msg);
    res = spikemesh_run(net, o, &err);
    cr_assert_not_null(res, "%s", err.msg);
    cr_assert_eq(spikemesh_result_n_spikes(res), 0, "no input, no spikes");
    cr_assert_null(spikemesh_result_spikes(res));
    spikemesh_result_destroy(&res);
    spikemesh_opts_destroy(&o);
    cr_assert_null(o);
    spikemesh_net_destroy(&net);
}

Test(api, options_are_checked)
{
    spikemesh_error_t err;
    spikemesh_net_t *net = spikemesh_net_load(s_path, &err);
    spikemesh_opts_t *o = spikemesh_opts_new();
    cr_assert_eq(spikemesh_opts_set_engine(o, "fast", &err), -1);
    cr_assert(strstr(err.msg, "\"fast\""), "%s", err.msg);
    cr_assert_eq(spikemesh_opts_set_chip(o, "nosuchchip", &err), 0);
    cr_assert_null(spikemesh_run(net, o, &err));
    cr_assert(strstr(err.msg, "nosuchchip"), "%s", err.msg);
    cr_assert_eq(spikemesh_opts_set_chip(o, "loihi", &err), 0);
    cr_assert_eq(spikemesh_opts_set_strategy(o, "best", &err), 0);
    cr_assert_null(spikemesh_run(net, o, &err));
    cr_assert(strstr(err.msg, "best"), "%s", err.msg);
    spikemesh_opts_set_ticks(o, 0);
    spikemesh_opts_destroy(&o);
    spikemesh_net_destroy(&net);
}

/* As `spikemesh run` does: options that only mean something together are
 * refused with the option in the message, not ignored. */
Test(api, conflicting_options_are_refused)
{
    spikemesh_error_t err;
    spikemesh_net_t *net = spikemesh_net_load(s_path, &err);
    cr_assert_not_null(net, "%s", err.msg);
    spikemesh_opts_t *o = spikemesh_opts_new();
    cr_assert_eq(spikemesh_opts_set_strategy(o, "sequential", &err), 0);
    cr_assert_null(spikemesh_run(net, o, &err), "a strategy without a chip");
    cr_assert_eq(err.code, SPIKEMESH_EINVAL);
    cr_assert(strstr(err.msg, "--strategy: needs --chip"), "%s", err.msg);
    cr_assert(strstr(err.msg, s_path), "names the network: %s", err.msg);
    cr_assert_eq(spikemesh_opts_set_strategy(o, NULL, &err), 0);
    spikemesh_result_t *res = spikemesh_run(net, o, &err);
    cr_assert_not_null(res, "%s", err.msg);
    spikemesh_result_destroy(&res);
    spikemesh_opts_destroy(&o);

    o = spikemesh_opts_new();
    spikemesh_opts_set_seed(o, 4);
    cr_assert_null(spikemesh_run(net, o, &err), "a seed without a chip");
    cr_assert(strstr(err.msg, "--seed: needs --chip"), "%s", err.msg);
    cr_assert_eq(spikemesh_opts_set_chip(o, "loihi", &err), 0);
    res = spikemesh_run(net, o, &err);
    cr_assert_not_null(res, "a seed with a chip: %s", err.msg);
    spikemesh_result_destroy(&res);
    spikemesh_opts_set_mesh(o, 2, 2);
    cr_assert_null(spikemesh_run(net, o, &err), "a mesh with a chip");
    cr_assert(strstr(err.msg, "--mesh: not with --chip"), "%s", err.msg);
    spikemesh_opts_destroy(&o);
    spikemesh_net_destroy(&net);
}

/* The API's run against the engine's, on the same network and chip-free
 * default mapping: same spikes, traces and counters. */
Test(api, run_matches_the_engine)
{
    spikemesh_error_t err;
    spikemesh_net_t *net = spikemesh_net_load(FEEDFORWARD, &err);
    cr_assert_not_null(net, "%s", err.msg);
    spikemesh_opts_t *o = spikemesh_opts_new();
    spikemesh_opts_set_ticks(o, 300);
    spikemesh_opts_set_threads(o, 2);
    spikemesh_result_t *res = spikemesh_run(net, o, &err);
    cr_assert_not_null(res, "%s", err.msg);

    sm_net_t *ref_net = t_load_net(FEEDFORWARD);
    sm_run_opts_t ro;
    sm_run_opts_default(&ro);
    ro.ticks = 300;
    ro.threads = 1;
    sm_error_t e;
    sm_result_t *ref = sm_engine_run(ref_net, &ro, &e);
    cr_assert_not_null(ref, "%s", e.msg);

    cr_assert_eq(spikemesh_result_ticks(res), 300);
    cr_assert_eq(spikemesh_result_n_spikes(res), ref->n_spikes);
    cr_assert_arr_eq(spikemesh_result_spikes(res), ref->spikes, ref->n_spikes * sizeof *ref->spikes);
    cr_assert_eq(spikemesh_result_n_probes(res), 3);
    cr_assert_arr_eq(spikemesh_result_traces(res), ref->trace, 300 * 3 * 3 * sizeof(float));
    uint32_t nc = spikemesh_n_counters();
    uint64_t tot[32];
    cr_assert_leq(nc, 32);
    spikemesh_result_totals(res, tot);
    cr_assert_str_eq(spikemesh_counter_name(0), "spikes");
    cr_assert_eq(tot[0], ref->totals.spikes);
    cr_assert_eq(spikemesh_result_width(res), ref->width);
    uint32_t n_cores = ref->width * ref->height;
    uint32_t *cores = calloc(n_cores * 3, sizeof *cores);
    uint64_t *cc = calloc((size_t)n_cores * nc, sizeof *cc);
    spikemesh_result_cores(res, cores, cc);
    for (uint32_t c = 0; c < n_cores; c++) {
        cr_assert_eq(cores[3 * c], ref->cores[c].x);
        cr_assert_eq(cores[3 * c + 2], ref->cores[c].neurons);
        cr_assert_eq(cc[(size_t)c * nc + 1], ref->cores[c].c.synaptic_events);
    }
    free(cores);
    free(cc);
    /* The per-tick series, without a chip: the count columns, each adding
     * up to its total, and the engine's own rows with 2 threads as with 1. */
    static const char *const cols[] = {"spikes", "synaptic_events", "neuron_updates",
                                       "active_updates", "inactive_updates", "packets", "hops"};
    const uint32_t ns = spikemesh_result_n_tick_series(res);
    cr_assert_eq(ns, 7);
    for (uint32_t i = 0; i < ns; i++)
        cr_assert_str_eq(spikemesh_result_tick_series_name(res, i), cols[i]);
    cr_assert_null(spikemesh_result_tick_series_name(res, ns));
    double *series = calloc((size_t)300 * ns, sizeof *series);
    cr_assert_eq(spikemesh_result_tick_series(res, series), 0);
    double sum[7] = {0};
    for (uint32_t t = 0; t < 300; t++) {
        const uint64_t *row = &ref->tick_cnt[(size_t)t * SM_TICK_N];
        cr_assert_eq(series[t * ns + 0], (double)row[SM_TICK_SPIKES], "tick %u", t);
        cr_assert_eq(series[t * ns + 2], (double)row[SM_TICK_UPDATES], "tick %u", t);
        cr_assert_eq(series[t * ns + 6], (double)row[SM_TICK_HOPS], "tick %u", t);
        for (uint32_t i = 0; i < ns; i++)
            sum[i] += series[t * ns + i];
    }
    free(series);
    cr_assert_eq(sum[0], (double)ref->totals.spikes);
    cr_assert_eq(sum[1], (double)ref->totals.synaptic_events);
    cr_assert_eq(sum[2], (double)ref->totals.neuron_updates);
    cr_assert_eq(sum[3], (double)ref->totals.active_updates);
    cr_assert_eq(sum[3] + sum[4], (double)ref->totals.dense_updates);
    cr_assert_eq(sum[5], (double)ref->totals.packets_out);
    cr_assert_eq(sum[6], (double)ref->totals.hops);
    cr_assert_gt(sum[6], 0, "feedforward crosses cores");
    cr_assert_null(ref->tick_busy_ns, "no chip, no busiest core");
    cr_assert_null(spikemesh_result_chip(res));
    cr_assert_null(spikemesh_result_energy_item(res, 0, NULL), "no chip, no energy");
    double j[5];
    cr_assert_eq(spikemesh_result_core_energy(res, j, NULL), -1);
    sm_result_destroy(&ref);
    sm_net_destroy(&ref_net);
    spikemesh_result_destroy(&res);
    spikemesh_opts_destroy(&o);
    spikemesh_net_destroy(&net);
}

Test(api, energy_on_a_chip)
{
    spikemesh_error_t err;
    spikemesh_net_t *net = spikemesh_net_load(FEEDFORWARD, &err);
    spikemesh_opts_t *o = spikemesh_opts_new();
    spikemesh_opts_set_ticks(o, 200);
    cr_assert_eq(spikemesh_opts_set_chip(o, "loihi", &err), 0);
    spikemesh_result_t *res = spikemesh_run(net, o, &err);
    cr_assert_not_null(res, "%s", err.msg);
    cr_assert_str_eq(spikemesh_result_chip(res), "loihi");
    double v, total = -1, sum = 0;
    const char *name;
    uint32_t n = 0;
    for (; (name = spikemesh_result_energy_item(res, n, &v)); n++) {
        if (n < spikemesh_energy_n_categories()) {
            cr_assert_str_eq(name, spikemesh_energy_category(n));
            sum += v;
        }
        if (!strcmp(name, "total"))
            total = v;
    }
    cr_assert_gt(n, spikemesh_energy_n_categories());
    cr_assert_gt(total, 0);
    cr_assert_float_eq(sum, total, 1e-12 * total + 1e-30);

    char *json = spikemesh_result_stats_json(res, &err);
    cr_assert_not_null(json, "%s", err.msg);
    cJSON *doc = cJSON_Parse(json);
    cr_assert_not_null(doc);
    const cJSON *en = cJSON_GetObjectItem(doc, "energy");
    cr_assert_not_null(en);
    /* cJSON prints 15 digits when they read back within its epsilon */
    cr_assert_float_eq(cJSON_GetObjectItem(en, "total")->valuedouble, total, 1e-14 * total);
    cr_assert_eq(cJSON_GetObjectItem(doc, "ticks")->valuedouble, 200);
    cJSON_Delete(doc);
    spikemesh_free(json);

    uint32_t n_cores = spikemesh_result_width(res) * spikemesh_result_height(res);
    double *j = calloc((size_t)n_cores * spikemesh_energy_n_categories(), sizeof *j);
    cr_assert_eq(spikemesh_result_core_energy(res, j, NULL), 0);
    double cores_sum = 0;
    for (size_t i = 0; i < (size_t)n_cores * spikemesh_energy_n_categories(); i++)
        cores_sum += j[i];
    cr_assert_gt(cores_sum, 0);
    free(j);
    /* On a chip the series adds the energy and times after the counts. */
    const uint32_t ns = spikemesh_result_n_tick_series(res);
    cr_assert_eq(ns, 15);
    cr_assert_str_eq(spikemesh_result_tick_series_name(res, 12), "energy_total_j");
    cr_assert_str_eq(spikemesh_result_tick_series_name(res, 14), "chip_ns");
    double *series = calloc((size_t)200 * ns, sizeof *series);
    cr_assert_eq(spikemesh_result_tick_series(res, series), 0);
    double e_sum = 0;
    for (uint32_t t = 0; t < 200; t++) {
        e_sum += series[t * ns + 12];
        cr_assert_geq(series[t * ns + 14], series[t * ns + 13], "chip time >= busiest core");
        cr_assert_gt(series[t * ns + 13], 0, "tick %u: a busiest core", t);
    }
    free(series);
    cr_assert_float_eq(e_sum, total, 1e-6 * total);
    spikemesh_result_destroy(&res);
    spikemesh_opts_destroy(&o);
    spikemesh_net_destroy(&net);
}

/* ---- NIR graphs ---------------------------------------------------------- */

#define FF2 T_DATA_DIR "/nir/snn_ff2_leaky_subtract"
#define FF2_T 40u
#define FF2_B 3u
#define FF2_F 20u

/* A Bernoulli(0.2) tensor [T, B, F] as bytes, the same every time. */
static void s_tensor(uint8_t *x)
{
    uint64_t st = 12345;
    for (size_t i = 0; i < (size_t)FF2_T * FF2_B * FF2_F; i++) {
        st = st * 6364136223846793005ull + 1442695040888963407ull;
        x[i] = (st >> 33) % 5 == 0;
    }
}

Test(api, nir_load_and_refusals)
{
    spikemesh_error_t err;
    cr_assert_null(spikemesh_net_load(FF2 ".nir", &err));
    cr_assert(strstr(err.msg, "flavor") && strstr(err.msg, "conventions"), "%s", err.msg);
    cr_assert_null(spikemesh_net_load_nir(T_DATA_DIR "/nir/missing.nir", "snntorch", NULL, &err));
    cr_assert(strstr(err.msg, "missing.nir"), "%s", err.msg);
    cr_assert_null(spikemesh_net_load_nir(FF2 ".nir", "sinabs", FF2 ".side.json", &err));
    cr_assert(strstr(err.msg, "snntorch"), "flavors that disagree: %s", err.msg);

    spikemesh_net_t *net = spikemesh_net_load_nir(FF2 ".nir", NULL, FF2 ".side.json", &err);
    cr_assert_not_null(net, "%s", err.msg);
    cr_assert_str_eq(spikemesh_net_nir_flavor(net), "snntorch");
    cr_assert_eq(spikemesh_net_nir_n_layers(net), 2);
    int spikes = -1;
    int l0 = spikemesh_net_nir_layer(net, 0, &spikes);
    cr_assert_str_eq(spikemesh_net_pop_name(net, (uint32_t)l0), "1");
    cr_assert_eq(spikes, 1);
    cr_assert_eq(spikemesh_net_nir_layer(net, 2, NULL), -1);
    cr_assert_str_eq(spikemesh_net_pop_name(net, (uint32_t)spikemesh_net_nir_output(net)), "3");
    int in = spikemesh_net_nir_input(net);
    cr_assert_eq(spikemesh_net_pop_size(net, (uint32_t)in), FF2_F);
    cr_assert_eq(spikemesh_net_n_samples(net), 0);

    cr_assert_null(spikemesh_run(net, NULL, &err), "no input yet");
    cr_assert(strstr(err.msg, "set_batch"), "%s", err.msg);
    uint32_t pair[2] = {0, 1};
    cr_assert_eq(spikemesh_net_set_input(net, spikemesh_net_pop_name(net, (uint32_t)in), pair, 1,
                                         &err), -1);
    cr_assert(strstr(err.msg, "set_batch"), "%s", err.msg);
    /* room for the wrong shape too: the data are read as the shape says */
    uint8_t x[FF2_T * FF2_B * (FF2_F + 1)] = {0};
    uint64_t bad_shape[3] = {FF2_T, FF2_B, FF2_F + 1};
    cr_assert_eq(spikemesh_net_set_batch(net, x, "uint8", 3, bad_shape, &err), -1);
    cr_assert(strstr(err.msg, "expected [T, B, 20]"), "%s", err.msg);
    uint64_t shape[3] = {FF2_T, FF2_B, FF2_F};
    cr_assert_eq(spikemesh_net_set_batch(net, x, "float16", 3, shape, &err), -1);
    cr_assert(strstr(err.msg, "float16"), "%s", err.msg);
    float f[2 * FF2_F] = {0};
    f[3] = 0.5f;
    uint64_t fshape[2] = {2, FF2_F};
    cr_assert_eq(spikemesh_net_set_batch(net, f, "float32", 2, fshape, &err), -1);
    cr_assert(strstr(err.msg, "whole"), "%s", err.msg);
    cr_assert_eq(spikemesh_net_n_samples(net), 0, "refused tensors leave none");

    spikemesh_net_t *file = spikemesh_net_load(s_path, &err);
    cr_assert_eq(spikemesh_net_record_v(file, 1, &err), -1);
    cr_assert(strstr(err.msg, "record.traces"), "%s", err.msg);
    cr_assert_eq(spikemesh_net_set_batch(file, x, "uint8", 3, shape, &err), -1);
    cr_assert_null(spikemesh_net_nir_flavor(file));
    cr_assert_eq(spikemesh_net_nir_output(file), -1);
    cr_assert_eq(spikemesh_net_n_samples(file), 1);
    spikemesh_net_destroy(&file);
    spikemesh_net_destroy(&net);
}

/* A batch through the API: each sample as the engine runs that sample
 * alone, from the initial state, spikes and membranes bit for bit. */
Test(api, nir_batch_matches_the_engine_sample_by_sample)
{
    spikemesh_error_t err;
    spikemesh_net_t *net = spikemesh_net_load_nir(FF2 ".nir", "snntorch", FF2 ".side.json", &err);
    cr_assert_not_null(net, "%s", err.msg);
    static uint8_t x[FF2_T * FF2_B * FF2_F];
    s_tensor(x);
    uint64_t shape[3] = {FF2_T, FF2_B, FF2_F};
    cr_assert_eq(spikemesh_net_set_batch(net, x, "uint8", 3, shape, &err), 0, "%s", err.msg);
    cr_assert_eq(spikemesh_net_n_samples(net), FF2_B);
    cr_assert_eq(spikemesh_net_ticks(net), FF2_T);
    cr_assert_eq(spikemesh_net_record_v(net, 1, &err), 0, "%s", err.msg);
    cr_assert_eq(spikemesh_net_n_probes(net), 16 + 6);
    spikemesh_opts_t *o = spikemesh_opts_new();
    spikemesh_opts_set_threads(o, 1);
    spikemesh_result_t *res = spikemesh_run(net, o, &err);
    cr_assert_not_null(res, "%s", err.msg);
    cr_assert_eq(spikemesh_result_samples(res), FF2_B);
    cr_assert_eq(spikemesh_result_sample_ticks(res), FF2_T);
    cr_assert_eq(spikemesh_result_ticks(res), FF2_T * FF2_B);
    uint32_t np = spikemesh_result_n_probes(res);
    cr_assert_eq(np, 22);
    const uint32_t *sp = spikemesh_result_spikes(res);
    size_t ns = spikemesh_result_n_spikes(res);
    const float *tr = spikemesh_result_traces(res);
    const uint32_t nts = spikemesh_result_n_tick_series(res);
    cr_assert_eq(nts, 7);
    double *series = calloc((size_t)FF2_T * FF2_B * nts, sizeof *series);
    cr_assert_eq(spikemesh_result_tick_series(res, series), 0);

    /* The engine's own run of each sample alone. */
    sm_error_t e;
    sm_nir_net_t *nn = sm_nir_net_load(FF2 ".nir", FF2 ".side.json", NULL, &e);
    cr_assert_not_null(nn, "%s", e.msg);
    cr_assert_eq(sm_nir_net_probe_all(nn, &e), 0);
    sm_npy_t *a = sm_npy_from("uint8", 3, shape, x, "x", &e);
    cr_assert_not_null(a, "%s", e.msg);
    sm_nir_input_t in;
    cr_assert_eq(sm_nir_input_check(nn, a, "x", &in, &e), 0, "%s", e.msg);
    nn->net->ticks = FF2_T;
    sm_run_opts_t ro;
    sm_run_opts_default(&ro);
    ro.threads = 1;
    ro.dense = 1;
    size_t at = 0, total = 0;
    for (uint32_t b = 0; b < FF2_B; b++) {
        cr_assert_eq(sm_nir_net_set_input(nn, &in, b, FF2_T, &e), 0, "%s", e.msg);
        sm_result_t *ref = sm_engine_run(nn->net, &ro, &e);
        cr_assert_not_null(ref, "%s", e.msg);
        total += ref->n_spikes;
        for (size_t i = 0; i < ref->n_spikes; i++, at++) {
            cr_assert_lt(at, ns);
            cr_assert_eq(sp[3 * at], ref->spikes[i].tick + b * FF2_T, "sample %u spike %zu", b, i);
            cr_assert_eq(sp[3 * at + 1], ref->spikes[i].gid);
            cr_assert_eq(sp[3 * at + 2], ref->spikes[i].count);
        }
        cr_assert_arr_eq(tr + (size_t)b * FF2_T * np * 3, ref->trace,
                         (size_t)FF2_T * np * 3 * sizeof(float), "sample %u's membranes", b);
        /* the batch's series holds each sample's, end to end */
        for (uint32_t t = 0; t < FF2_T; t++) {
            const double *row = &series[((size_t)b * FF2_T + t) * nts];
            const uint64_t *want = &ref->tick_cnt[(size_t)t * SM_TICK_N];
            cr_assert_eq(row[0], (double)want[SM_TICK_SPIKES], "sample %u tick %u", b, t);
            cr_assert_eq(row[1], (double)want[SM_TICK_SYNAPTIC], "sample %u tick %u", b, t);
            cr_assert_eq(row[2], (double)want[SM_TICK_UPDATES], "sample %u tick %u", b, t);
        }
        sm_result_destroy(&ref);
    }
    cr_assert_eq(ns, total);
    cr_assert_gt(total, 50, "the tensor makes the graph spike");
    free(series);

    char *json = spikemesh_result_stats_json(res, &err);
    cJSON *doc = cJSON_Parse(json);
    const cJSON *nir = cJSON_GetObjectItem(doc, "nir");
    cr_assert_not_null(nir);
    cr_assert_eq(cJSON_GetObjectItem(nir, "samples")->valuedouble, FF2_B);
    cr_assert_str_eq(cJSON_GetObjectItem(nir, "output_layer")->valuestring, "3");
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(nir, "predictions")), FF2_B);
    cr_assert_str_eq(cJSON_GetObjectItem(doc, "engine")->valuestring, "dense",
                     "a NIR graph runs dense unless told");
    cJSON_Delete(doc);
    spikemesh_free(json);

    /* Fewer ticks than the tensor's: each sample cut short. */
    spikemesh_opts_set_ticks(o, 10);
    spikemesh_result_t *short_r = spikemesh_run(net, o, &err);
    cr_assert_not_null(short_r, "%s", err.msg);
    cr_assert_eq(spikemesh_result_ticks(short_r), 10 * FF2_B);
    cr_assert_eq(spikemesh_net_ticks(net), FF2_T, "the network keeps its tensor's ticks");
    spikemesh_result_destroy(&short_r);

    cr_assert_eq(spikemesh_net_record_v(net, 0, &err), 0);
    cr_assert_eq(spikemesh_net_n_probes(net), 0);
    sm_npy_destroy(&a);
    sm_nir_net_destroy(&nn);
    spikemesh_result_destroy(&res);
    spikemesh_opts_destroy(&o);
    spikemesh_net_destroy(&net);
}

/* On a fixed-point chip a NIR graph runs quantised, as `run MODEL.nir
 * --chip loihi` does, and is priced. */
Test(api, nir_on_loihi_is_quantised)
{
    spikemesh_error_t err;
    spikemesh_net_t *net = spikemesh_net_load_nir(FF2 ".nir", NULL, FF2 ".side.json", &err);
    static uint8_t x[FF2_T * FF2_B * FF2_F];
    s_tensor(x);
    uint64_t shape[3] = {FF2_T, FF2_B, FF2_F};
    cr_assert_eq(spikemesh_net_set_batch(net, x, "uint8", 3, shape, &err), 0, "%s", err.msg);
    spikemesh_opts_t *o = spikemesh_opts_new();
    cr_assert_eq(spikemesh_opts_set_chip(o, "loihi", &err), 0);
    spikemesh_result_t *res = spikemesh_run(net, o, &err);
    cr_assert_not_null(res, "%s", err.msg);
    cr_assert_str_eq(spikemesh_result_chip(res), "loihi");
    char *json = spikemesh_result_stats_json(res, &err);
    cJSON *doc = cJSON_Parse(json);
    const cJSON *q = cJSON_GetObjectItem(doc, "quantisation");
    cr_assert_not_null(q, "stats.json has the quantisation report");
    const cJSON *pops = cJSON_GetObjectItem(q, "populations");
    cr_assert_eq(cJSON_GetArraySize(pops), 2);
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetArrayItem(pops, 0), "quantised")));
    cr_assert_not_null(cJSON_GetObjectItem(doc, "nir"));
    cr_assert_gt(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "energy"), "total")->valuedouble, 0);
    cJSON_Delete(doc);
    spikemesh_free(json);
    spikemesh_result_destroy(&res);
    cr_assert_eq(spikemesh_opts_set_chip(o, NULL, &err), 0);
    cr_assert_null(spikemesh_run(net, o, &err), "quantised for loihi, not for a float run");
    cr_assert(strstr(err.msg, "quantised for chip loihi"), "%s", err.msg);
    spikemesh_opts_destroy(&o);
    spikemesh_net_destroy(&net);
}
