/* The embedding API (tools/api/spikemesh.h): loading and its errors, inputs
 * of spike sources, options, and a run read back against the engine's own. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "helpers.h"
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
    cr_assert_eq(err.code, SPIKEMESH_EUNSUPPORTED);
    cr_assert(strstr(err.msg, "model.nir"), "%s", err.msg);
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
    spikemesh_result_destroy(&res);
    spikemesh_opts_destroy(&o);
    spikemesh_net_destroy(&net);
}
