/* The network file loader: a complete example lands field by field in the
 * struct; bad files are refused with messages that name the file, the JSON
 * path and the value. */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "helpers.h"
#include "net.h"
#include "netfile.h"

static char s_tmp[256];

/* ------------------------------------------------------- complete example */

Test(netfile, full_example_lands_in_struct)
{
    sm_error_t err = {0};
    sm_net_t *net = sm_net_load(T_DATA_DIR "/full.json", &err);
    cr_assert_not_null(net, "%s", err.msg);

    cr_assert_str_eq(net->path, T_DATA_DIR "/full.json");
    cr_assert_eq(net->dt_ms, 0.5);
    cr_assert_eq(net->ticks, 500);
    cr_assert_eq(net->seed, 42);
    cr_assert_eq(net->n_pops, 6);
    cr_assert_eq(net->n_neurons, 50 + 3 + 4 + 8 + 4 + 2);

    const sm_pop_t *noise = &net->pops[0], *cue = &net->pops[1], *replay = &net->pops[2];
    const sm_pop_t *exc = &net->pops[3], *inh = &net->pops[4], *out = &net->pops[5];
    cr_assert_str_eq(noise->name, "noise");
    cr_assert_eq(noise->kind, SM_POP_POISSON);
    cr_assert_eq(noise->size, 50);
    cr_assert_eq(noise->first, 0);
    cr_assert_eq(noise->rate_hz, 20.0);
    cr_assert_eq(noise->start_tick, 10);
    cr_assert_eq(noise->stop_tick, 400);
    cr_assert_null(noise->models);

    cr_assert_eq(cue->kind, SM_POP_SPIKE_TIMES);
    cr_assert_eq(cue->first, 50);
    uint32_t cue_off[] = {0, 3, 3, 4}, cue_ticks[] = {5, 10, 30, 15};
    cr_assert(!memcmp(cue->st_off, cue_off, sizeof cue_off));
    cr_assert(!memcmp(cue->st_ticks, cue_ticks, sizeof cue_ticks));

    cr_assert_eq(replay->kind, SM_POP_SPIKE_TIMES);
    uint32_t rp_off[] = {0, 2, 2, 3, 4}, rp_ticks[] = {3, 5, 7, 100};
    cr_assert(!memcmp(replay->st_off, rp_off, sizeof rp_off));
    cr_assert(!memcmp(replay->st_ticks, rp_ticks, sizeof rp_ticks));

    cr_assert_eq(exc->kind, SM_POP_NEURONS);
    cr_assert_eq(exc->first, 57);
    cr_assert_eq(exc->n_models, 1);
    cr_assert_eq(exc->models[0].kind, SM_MODEL_LIF);
    cr_assert_float_eq(exc->models[0].beta, 0.9f, 1e-7);
    cr_assert_not_null(exc->v_init);
    for (uint32_t i = 0; i < 8; i++)
        cr_assert(exc->v_init[i] >= 0.0f && exc->v_init[i] < 0.5f);
    cr_assert_neq(exc->v_init[0], exc->v_init[1]);

    cr_assert_eq(inh->n_models, 4);
    float betas[] = {0.8f, 0.85f, 0.9f, 0.95f};
    for (uint32_t i = 0; i < 4; i++) {
        cr_assert_float_eq(sm_pop_model(inh, i)->beta, betas[i], 1e-7);
        cr_assert_float_eq(inh->models[i].threshold, 1.0f, 1e-7);
        cr_assert(fabsf(inh->v_init[i] - 0.2f) < 0.3f);
    }
    cr_assert_eq(out->v_init[0], 0.0f);
    cr_assert_eq(out->v_init[1], 0.5f);
    cr_assert_eq(out->first, 69);

    /* record: the population's own "record" wins over the list. */
    cr_assert(noise->record_spikes);
    cr_assert(!cue->record_spikes);
    cr_assert(!replay->record_spikes);
    cr_assert(exc->record_spikes);
    cr_assert(inh->record_spikes);
    cr_assert(!out->record_spikes);

    /* Stages follow the delay-0 projections: cue -> exc -> out, replay -> inh. */
    cr_assert_eq(noise->stage, 0);
    cr_assert_eq(cue->stage, 0);
    cr_assert_eq(replay->stage, 0);
    cr_assert_eq(exc->stage, 1);
    cr_assert_eq(inh->stage, 1);
    cr_assert_eq(out->stage, 2);
    cr_assert_eq(net->n_stages, 3);

    cr_assert_eq(net->n_projs, 8);
    const sm_proj_t *p = net->projs;
    cr_assert(p[0].src_pop == 0 && p[0].dst_pop == 3 && p[0].port == SM_PORT_EXC);
    cr_assert_eq(p[0].conn, SM_CONN_FIXED_PROB);
    cr_assert_eq(p[0].p, 0.2);
    cr_assert(p[0].weight.kind == SM_DIST_UNIFORM && p[0].weight.a == 0.1 && p[0].weight.b == 0.3);
    cr_assert(p[0].delay.kind == SM_DIST_UNIFORM && p[0].delay.a == 1 && p[0].delay.b == 5);
    cr_assert(p[0].min_delay == 1 && p[0].max_delay == 5);
    cr_assert_eq(p[0].seed, 42);

    cr_assert(p[1].conn == SM_CONN_ALL_TO_ALL && p[1].weight.kind == SM_DIST_CONST);
    cr_assert(p[1].weight.a == 0.5 && p[1].min_delay == 0 && p[1].max_delay == 0);

    cr_assert(p[2].conn == SM_CONN_FIXED_FAN_IN && p[2].k == 3 && !p[2].allow_self);
    cr_assert(p[2].weight.kind == SM_DIST_NORMAL && p[2].weight.a == 0.1 && p[2].weight.b == 0.02);
    cr_assert(p[2].weight.has_bounds && p[2].weight.lo == 0.0 && p[2].weight.hi == 0.2);
    cr_assert(p[2].min_delay == 2 && p[2].seed == 7);

    cr_assert(p[3].conn == SM_CONN_LIST && p[3].n_list == 2);
    cr_assert(p[3].l_src[0] == 0 && p[3].l_dst[0] == 0 && p[3].l_weight[0] == 0.25f && p[3].l_delay[0] == 1);
    cr_assert(p[3].l_src[1] == 7 && p[3].l_dst[1] == 3 && p[3].l_weight[1] == 0.5f && p[3].l_delay[1] == 4);
    cr_assert(p[3].min_delay == 1 && p[3].max_delay == 4);

    cr_assert(p[4].port == SM_PORT_INH && p[4].n_list == 3);
    cr_assert(p[4].l_weight[0] == -0.5f && p[4].l_delay[1] == 2);
    cr_assert(p[4].l_src[2] == 2 && p[4].l_dst[2] == 2);
    cr_assert(p[4].l_weight[2] == -0.1f && p[4].l_delay[2] == 3);

    cr_assert(p[5].conn == SM_CONN_MATRIX && p[5].matrix_delay == 0 && p[5].min_delay == 0);
    cr_assert(p[5].matrix[7] == 0.2f && p[5].matrix[8 + 2] == 0.3f && p[5].matrix[1] == 0.0f);
    cr_assert(p[6].matrix[3] == 0.5f && p[6].matrix[4 + 2] == 2.0f && p[6].matrix_delay == 4);
    cr_assert(p[7].conn == SM_CONN_ONE_TO_ONE && p[7].weight.a == 1.5);

    cr_assert_eq(net->n_currents, 2);
    cr_assert(net->currents[0].pop == 3 && net->currents[0].amplitude == 0.05);
    cr_assert(net->currents[1].pop == 5 && net->currents[1].amplitude == -0.01);
    cr_assert_eq(net->n_probes, 2);
    cr_assert(net->probes[0].pop == 5 && net->probes[0].index == 1);
    cr_assert(net->probes[1].pop == 3 && net->probes[1].index == 0);

    /* Initial values and Poisson seeds come from the seed: reloading gives
     * the same numbers. */
    sm_net_t *again = sm_net_load(T_DATA_DIR "/full.json", &err);
    cr_assert_not_null(again, "%s", err.msg);
    cr_assert(!memcmp(again->pops[3].v_init, exc->v_init, 8 * sizeof(float)));
    cr_assert_eq(again->pops[0].seed, noise->seed);
    sm_net_destroy(&again);
    sm_net_destroy(&net);
    cr_assert_null(net);
}

Test(netfile, defaults_and_seeds)
{
    const char *text =
        "{\"simulation\": {\"ticks\": 100},"
        " \"populations\": ["
        "  {\"name\": \"p1\", \"size\": 5, \"source\": {\"kind\": \"poisson\", \"rate_hz\": 5}},"
        "  {\"name\": \"p2\", \"size\": 5, \"source\": {\"kind\": \"poisson\", \"rate_hz\": 5, \"seed\": 99}},"
        "  {\"name\": \"n\", \"size\": 5, \"model\": \"iaf\"}],"
        " \"projections\": [{\"source\": \"p1\", \"target\": \"n\","
        "  \"connectivity\": {\"kind\": \"all_to_all\"}, \"weight\": 1}]}";
    cJSON *doc = cJSON_Parse(text);
    cr_assert_not_null(doc);
    sm_error_t err = {0};
    sm_net_t *net = sm_net_from_json(doc, "inline", NULL, &err);
    cJSON_Delete(doc);
    cr_assert_not_null(net, "%s", err.msg);
    cr_assert_eq(net->dt_ms, 1.0);
    cr_assert_eq(net->seed, 0);
    cr_assert_eq(net->pops[0].start_tick, 0);
    cr_assert_eq(net->pops[0].stop_tick, 100);
    cr_assert_neq(net->pops[0].seed, net->pops[1].seed);
    cr_assert_eq(net->pops[1].seed, 99);
    cr_assert(net->pops[0].record_spikes && net->pops[2].record_spikes);
    cr_assert_null(net->pops[2].v_init);
    cr_assert_eq(net->pops[2].n_models, 1);
    cr_assert_eq(net->projs[0].port, SM_PORT_EXC);
    cr_assert_eq(net->projs[0].min_delay, 1);   /* default delay: one tick */
    cr_assert(!net->projs[0].allow_self);
    cr_assert_eq(net->n_stages, 1);
    sm_net_destroy(&net);
}

/* ---------------------------------------------------------------- bad files */

typedef struct {
    const char *what;
    const char *json;
    const char *csv;     /* written as conn.csv beside the file, or NULL */
    const char *want[4]; /* substrings the message must contain */
} bad_t;

#define SIM "\"simulation\": {\"ticks\": 10}, "
#define AB "\"populations\": [{\"name\": \"a\", \"size\": 3, \"model\": \"lif\", \"params\": {\"beta\": 0.9}}, " \
           "{\"name\": \"b\", \"size\": 3, \"model\": \"lif\", \"params\": {\"beta\": 0.9}}]"
#define PROJ(body) "{" SIM AB ", \"projections\": [" body "]}"
#define A2A "\"connectivity\": {\"kind\": \"all_to_all\"}"

static const bad_t s_bad[] = {
    {"malformed JSON", "{\"simulation\": {\"ticks\": 10},\n  \"populations\": [{\"name\": \"a\" \"size\": 3}]}",
     NULL, {"bad.json:2:", "malformed JSON", "\"size\""}},
    {"empty file", "", NULL, {"bad.json:1:1", "malformed JSON"}},
    {"trailing garbage", "{" SIM AB "} x", NULL, {"bad.json:1:", "malformed JSON"}},
    {"unknown model",
     "{" SIM "\"populations\": [{\"name\": \"a\", \"size\": 3, \"model\": \"lfi\"}]}", NULL,
     {"populations[0].model", "unknown model", "\"lfi\"", "did you mean \"lif\""}},
    {"unknown key",
     "{" SIM "\"populations\": [{\"name\": \"a\", \"szie\": 3, \"model\": \"lif\", \"params\": {\"beta\": 0.9}}]}", NULL,
     {"populations[0]", "unknown key \"szie\"", "did you mean \"size\""}},
    {"unknown top-level key", "{" SIM AB ", \"projection\": []}", NULL,
     {"(top level)", "unknown key \"projection\"", "did you mean \"projections\""}},
    {"p out of range",
     PROJ("{\"source\": \"a\", \"target\": \"b\", \"connectivity\": {\"kind\": \"fixed_probability\", \"p\": 1.5}, \"weight\": 1}"),
     NULL, {"bad.json: projections[0].connectivity.p: must be in [0, 1], got 1.5"}},
    {"size 0",
     "{" SIM "\"populations\": [{\"name\": \"a\", \"size\": 0, \"model\": \"lif\", \"params\": {\"beta\": 0.9}}]}", NULL,
     {"populations[0].size", "got 0"}},
    {"missing size",
     "{" SIM "\"populations\": [{\"name\": \"a\", \"model\": \"lif\", \"params\": {\"beta\": 0.9}}]}", NULL,
     {"populations[0]", "missing required key \"size\""}},
    {"duplicate population",
     "{" SIM "\"populations\": [{\"name\": \"a\", \"size\": 3, \"model\": \"lif\", \"params\": {\"beta\": 0.9}}, "
     "{\"name\": \"a\", \"size\": 2, \"model\": \"lif\", \"params\": {\"beta\": 0.9}}]}", NULL,
     {"populations[1].name", "\"a\" is already defined by populations[0]"}},
    {"unknown source population",
     PROJ("{\"source\": \"aa\", \"target\": \"b\", " A2A ", \"weight\": 1}"), NULL,
     {"projections[0].source", "unknown population \"aa\"", "did you mean \"a\""}},
    {"delay-0 cycle",
     PROJ("{\"source\": \"a\", \"target\": \"b\", " A2A ", \"weight\": 1, \"delay\": 0},"
          "{\"source\": \"b\", \"target\": \"a\", " A2A ", \"weight\": 1, \"delay\": 0}"), NULL,
     {"bad.json: projections: delay-0 cycle a -> b -> a"}},
    {"delay-0 self cycle",
     PROJ("{\"source\": \"b\", \"target\": \"b\", " A2A ", \"weight\": 1, \"delay\": 0}"), NULL,
     {"delay-0 cycle b -> b"}},
    {"negative delay",
     PROJ("{\"source\": \"a\", \"target\": \"b\", " A2A ", \"weight\": 1, \"delay\": -1}"), NULL,
     {"projections[0].delay", "got -1"}},
    {"non-integer delay",
     PROJ("{\"source\": \"a\", \"target\": \"b\", " A2A ", \"weight\": 1, \"delay\": 1.5}"), NULL,
     {"projections[0].delay", "integer number of ticks", "got 1.5"}},
    {"non-integer delay range",
     PROJ("{\"source\": \"a\", \"target\": \"b\", " A2A ", \"weight\": 1, \"delay\": {\"uniform\": [1, 2.5]}}"),
     NULL, {"projections[0].delay.uniform[1]", "got 2.5"}},
    {"list index out of range",
     PROJ("{\"source\": \"a\", \"target\": \"b\", \"connectivity\": {\"kind\": \"list\", "
          "\"connections\": [[0, 1, 0.5, 1], [1, 7, 0.5, 1]]}}"), NULL,
     {"projections[0].connectivity.connections[1][1]", "[0, 3)", "got 7"}},
    {"bad CSV line",
     PROJ("{\"source\": \"a\", \"target\": \"b\", \"connectivity\": {\"kind\": \"list\", \"file\": \"conn.csv\"}}"),
     "src,dst,weight,delay\n0,1,0.5,1\n0,x,0.5,1\n",
     {"projections[0].connectivity.file", "conn.csv:3:", "field 2", "\"x\""}},
    {"CSV index out of range",
     PROJ("{\"source\": \"a\", \"target\": \"b\", \"connectivity\": {\"kind\": \"list\", \"file\": \"conn.csv\"}}"),
     "0,1,0.5,1\n\n3,1,0.5,1\n", {"conn.csv:3:", "source index", "got 3"}},
    {"CSV ragged row",
     PROJ("{\"source\": \"a\", \"target\": \"b\", \"connectivity\": {\"kind\": \"list\", \"file\": \"conn.csv\"}}"),
     "0,1,0.5,1\n1,1,0.5\n", {"conn.csv:2:", "expected 4 fields, got 3"}},
    {"CSV header swapped",
     PROJ("{\"source\": \"a\", \"target\": \"b\", \"connectivity\": {\"kind\": \"list\", \"file\": \"conn.csv\"}}"),
     "dst,src,weight,delay\n0,1,0.5,1\n", {"conn.csv:1:", "\"dst\"", "expected \"src\""}},
    {"CSV missing",
     PROJ("{\"source\": \"a\", \"target\": \"b\", \"connectivity\": {\"kind\": \"list\", \"file\": \"nope.csv\"}}"),
     NULL, {"projections[0].connectivity.file", "nope.csv", "cannot open"}},
    {"matrix rows",
     PROJ("{\"source\": \"a\", \"target\": \"b\", \"connectivity\": {\"kind\": \"matrix\", \"file\": \"conn.csv\"}}"),
     "1,0,0\n0,1,0\n", {"conn.csv: has 2 rows, expected 3"}},
    {"matrix columns",
     PROJ("{\"source\": \"a\", \"target\": \"b\", \"connectivity\": {\"kind\": \"matrix\", "
          "\"weights\": [[1, 0, 0], [0, 1], [0, 0, 1]]}}"), NULL,
     {"projections[0].connectivity.weights[1]", "3 weights"}},
    {"trace out of range",
     "{" SIM AB ", \"record\": {\"traces\": [{\"population\": \"b\", \"index\": 5}]}}", NULL,
     {"record.traces[0].index", "[0, 3)", "got 5"}},
    {"one_to_one sizes",
     "{" SIM "\"populations\": [{\"name\": \"a\", \"size\": 3, \"model\": \"lif\", \"params\": {\"beta\": 0.9}}, "
     "{\"name\": \"b\", \"size\": 4, \"model\": \"lif\", \"params\": {\"beta\": 0.9}}], \"projections\": [{\"source\": \"a\", "
     "\"target\": \"b\", \"connectivity\": {\"kind\": \"one_to_one\"}, \"weight\": 1}]}", NULL,
     {"projections[0].connectivity", "equal size", "has 3", "has 4"}},
    {"fan-in too large",
     PROJ("{\"source\": \"b\", \"target\": \"b\", \"connectivity\": {\"kind\": \"fixed_fan_in\", \"k\": 3}, \"weight\": 1}"),
     NULL, {"projections[0].connectivity.k", "at most 2", "got 3"}},
    {"source as target",
     "{" SIM "\"populations\": [{\"name\": \"s\", \"size\": 1, \"source\": {\"kind\": \"poisson\", "
     "\"rate_hz\": 1}}], \"projections\": [{\"source\": \"s\", \"target\": \"s\", " A2A ", \"weight\": 1}]}",
     NULL, {"projections[0].target", "spike source", "\"s\""}},
    {"missing weight", PROJ("{\"source\": \"a\", \"target\": \"b\", " A2A "}"), NULL,
     {"projections[0]", "missing required key \"weight\""}},
    {"unknown connectivity",
     PROJ("{\"source\": \"a\", \"target\": \"b\", \"connectivity\": {\"kind\": \"all_to_al\"}, \"weight\": 1}"),
     NULL, {"projections[0].connectivity.kind", "\"all_to_al\"", "did you mean \"all_to_all\""}},
    {"bad port",
     PROJ("{\"source\": \"a\", \"target\": \"b\", " A2A ", \"weight\": 1, \"port\": \"inhibitory\"}"),
     NULL, {"projections[0].port", "\"inhibitory\""}},
    {"bounds without mass",
     PROJ("{\"source\": \"a\", \"target\": \"b\", " A2A ", \"weight\": {\"normal\": [0, 1], \"bounds\": [10, 11]}}"),
     NULL, {"projections[0].weight.bounds", "[10,11]"}},
    {"per-neuron list length",
     "{" SIM "\"populations\": [{\"name\": \"a\", \"size\": 3, \"model\": \"lif\", "
     "\"params\": {\"beta\": [0.9, 0.8]}}]}", NULL,
     {"populations[0].params.beta", "needs 3 values", "got 2"}},
    {"initial distribution",
     "{" SIM "\"populations\": [{\"name\": \"a\", \"size\": 3, \"model\": \"lif\", "
     "\"params\": {\"beta\": 0.9}, \"initial\": {\"v\": {\"uniform\": [1, 0]}}}]}", NULL,
     {"populations[0].initial.v.uniform", "lo must be <= hi", "[1,0]"}},
    {"duplicate key",
     "{" SIM "\"populations\": [{\"name\": \"a\", \"size\": 3, \"size\": 4, \"model\": \"lif\", \"params\": {\"beta\": 0.9}}]}", NULL,
     {"populations[0]", "key \"size\" given twice"}},
    {"missing simulation", "{" AB "}", NULL, {"missing required key \"simulation\""}},
    {"negative ticks", "{\"simulation\": {\"ticks\": -3}, " AB "}", NULL,
     {"simulation.ticks", "got -3"}},
    {"spike tick twice",
     "{" SIM "\"populations\": [{\"name\": \"s\", \"size\": 2, \"source\": {\"kind\": \"spike_times\", "
     "\"times\": [[1, 2], [4, 3, 4]]}}]}", NULL,
     {"populations[0].source.times", "neuron 1", "tick 4 twice"}},
    {"spike times per neuron",
     "{" SIM "\"populations\": [{\"name\": \"s\", \"size\": 2, \"source\": {\"kind\": \"spike_times\", "
     "\"times\": [[1, 2]]}}]}", NULL,
     {"populations[0].source.times", "2, got 1"}},
    {"unknown current target",
     "{" SIM AB ", \"currents\": [{\"target\": \"c\", \"amplitude\": 1}]}", NULL,
     {"currents[0].target", "unknown population \"c\""}},
    {"string for number",
     PROJ("{\"source\": \"a\", \"target\": \"b\", " A2A ", \"weight\": \"1.0\"}"), NULL,
     {"projections[0].weight", "got \"1.0\""}},
};

Test(netfile, bad_files_are_refused_with_path_and_value)
{
    t_mkdtemp(s_tmp, sizeof s_tmp, "netfile");
    for (size_t i = 0; i < sizeof s_bad / sizeof s_bad[0]; i++) {
        const bad_t *b = &s_bad[i];
        char path[512], csv[512];
        if (b->csv)
            t_write_in(csv, sizeof csv, s_tmp, "conn.csv", b->csv);
        t_write_in(path, sizeof path, s_tmp, "bad.json", b->json);
        sm_error_t err = {0};
        sm_net_t *net = sm_net_load(path, &err);
        cr_expect_null(net, "%s: loaded a bad file", b->what);
        sm_net_destroy(&net);
        cr_expect_neq(err.code, SM_OK, "%s: no error code", b->what);
        cr_expect(!strncmp(err.msg, path, strlen(path)), "%s: message does not start with the file: %s",
                  b->what, err.msg);
        for (int k = 0; k < 4 && b->want[k]; k++)
            cr_expect(strstr(err.msg, b->want[k]), "%s: message lacks '%s': %s", b->what,
                      b->want[k], err.msg);
        if (b->csv)
            unlink(csv);
    }
    cr_assert_eq(t_rmtree(s_tmp), 0);
}

Test(netfile, missing_file)
{
    sm_error_t err = {0};
    sm_net_t *net = sm_net_load("/nonexistent/net.json", &err);
    cr_assert_null(net);
    cr_assert_eq(err.code, SM_EIO);
    cr_assert(strstr(err.msg, "/nonexistent/net.json"), "%s", err.msg);
}

typedef struct {
    uint64_t n, hash;
} digest_t;

static int digest(void *ctx, uint32_t src, uint32_t dst, float w, uint32_t delay)
{
    digest_t *d = ctx;
    uint32_t wb;
    memcpy(&wb, &w, sizeof wb);
    d->n++;
    d->hash = (d->hash ^ src ^ ((uint64_t)dst << 20) ^ ((uint64_t)delay << 40) ^ wb) *
              0x100000001b3ULL;
    return 0;
}

Test(netfile, generation_follows_the_file_seed)
{
    const char *fmt =
        "{\"simulation\": {\"ticks\": 10, \"seed\": %d},"
        " \"populations\": [{\"name\": \"a\", \"size\": 200, \"model\": \"lif\", \"params\": {\"beta\": 0.9}}],"
        " \"projections\": [{\"source\": \"a\", \"target\": \"a\","
        "  \"connectivity\": {\"kind\": \"fixed_probability\", \"p\": 0.1},"
        "  \"weight\": {\"normal\": [1, 0.1]}, \"delay\": {\"uniform\": [1, 3]}}]}";
    digest_t d[3] = {{0, 0}, {0, 0}, {0, 0}};
    int seeds[3] = {1, 1, 2};
    for (int i = 0; i < 3; i++) {
        char text[1024];
        snprintf(text, sizeof text, fmt, seeds[i]);
        cJSON *doc = cJSON_Parse(text);
        cr_assert_not_null(doc);
        sm_error_t err = {0};
        sm_net_t *net = sm_net_from_json(doc, "seeded", NULL, &err);
        cJSON_Delete(doc);
        cr_assert_not_null(net, "%s", err.msg);
        cr_assert_eq(net->projs[0].min_delay, 1);
        cr_assert_eq(net->projs[0].max_delay, 3);
        cr_assert_eq(net->n_stages, 1);
        cr_assert_eq(sm_proj_generate(net, &net->projs[0], digest, &d[i]), 0);
        sm_net_destroy(&net);
    }
    cr_assert(d[0].n > 3000 && d[0].n < 5000, "%llu synapses", (unsigned long long)d[0].n);
    cr_assert(d[0].n == d[1].n && d[0].hash == d[1].hash, "same seed, different synapses");
    cr_assert(d[0].hash != d[2].hash, "different seeds, same synapses");
}

/* ------------------------------------------------------------------ csv */

typedef struct {
    double v[16];
    size_t n, rows;
    char header[64];
} csv_rows_t;

static int csv_row(void *ctx, const double *v, size_t n, sm_error_t *err)
{
    csv_rows_t *r = ctx;
    (void)err;
    for (size_t i = 0; i < n && r->n < 16; i++)
        r->v[r->n++] = v[i];
    r->rows++;
    return 0;
}

static int csv_header(void *ctx, const char *const *names, size_t n, sm_error_t *err)
{
    csv_rows_t *r = ctx;
    (void)err;
    snprintf(r->header, sizeof r->header, "%s|%s", names[0], n > 1 ? names[1] : "");
    return 0;
}

static int csv_refuse(void *ctx, const double *v, size_t n, sm_error_t *err)
{
    (void)ctx;
    (void)n;
    return v[0] > 1 ? sm_fail(err, SM_ERANGE, "too big, got %g", v[0]) : 0;
}

Test(csv, strict_reader)
{
    t_mkdtemp(s_tmp, sizeof s_tmp, "netfile");
    char path[512];
    sm_error_t err = {0};
    csv_rows_t r;
    memset(&r, 0, sizeof r);
    sm_csv_handler_t h = {csv_header, csv_row, &r};

    t_write_in(path, sizeof path, s_tmp, "m.csv", "\xEF\xBB\xBF# comment\n a , b\n 1 , 2.5e0\r\n\n-3,4");
    cr_assert_eq(sm_csv_read(path, "m.csv", &h, &err), 0, "%s", err.msg);
    cr_assert_str_eq(r.header, "a|b");
    cr_assert_eq(r.rows, 2);
    cr_assert(r.v[0] == 1 && r.v[1] == 2.5 && r.v[2] == -3 && r.v[3] == 4);

    sm_csv_handler_t nohead = {NULL, csv_row, &r};
    cr_assert_eq(sm_csv_read(path, "m.csv", &nohead, &err), -1);
    cr_assert(strstr(err.msg, "m.csv:2:"), "%s", err.msg);

    static const char *const bad[][2] = {
        {"1,2\n3,,4\n", "m.csv:2: expected 2 fields, got 3"},
        {"1,2\n3,\n", "m.csv:2: field 2 is not a number, got \"\""},
        {"1,2\n3,0x10\n", "field 2 is not a number, got \"0x10\""},
        {"1,2\n3,inf\n", "\"inf\""},
        {"1,2\n3,nan\n", "\"nan\""},
        {"1,2\n3,1e999\n", "\"1e999\""},
        {"a,b\nc,d\n", "m.csv:2: field 1 is not a number"},
        {"1,2\na,b\n", "m.csv:2: field 1 is not a number"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        t_write_in(path, sizeof path, s_tmp, "m.csv", bad[i][0]);
        memset(&r, 0, sizeof r);
        cr_expect_eq(sm_csv_read(path, "m.csv", &h, &err), -1, "%s", bad[i][0]);
        cr_expect(strstr(err.msg, bad[i][1]), "want '%s', got '%s'", bad[i][1], err.msg);
    }

    t_write_in(path, sizeof path, s_tmp, "m.csv", "1\n1\n5\n");
    sm_csv_handler_t refuse = {NULL, csv_refuse, NULL};
    cr_assert_eq(sm_csv_read(path, "m.csv", &refuse, &err), -1);
    cr_assert_str_eq(err.msg, "m.csv:3: too big, got 5");
    cr_assert_eq(t_rmtree(s_tmp), 0);
}

/* -------------------------------------------------------- model time step */

static sm_net_t *load_text(const char *text, sm_error_t *err)
{
    cJSON *doc = cJSON_Parse(text);
    cr_assert_not_null(doc, "test JSON does not parse: %s", text);
    sm_net_t *net = sm_net_from_json(doc, "dt.json", NULL, err);
    cJSON_Delete(doc);
    return net;
}

Test(netfile, models_take_the_simulation_dt)
{
    sm_error_t err = {0};
    /* Physical models get simulation.dt in their own unit: ms for the exact
     * (NEST-like) style, seconds for norse. */
    sm_net_t *net = load_text(
        "{\"simulation\": {\"ticks\": 10, \"dt\": 0.5},"
        " \"populations\": ["
        "  {\"name\": \"x\", \"size\": 2, \"model\": \"cuba_lif\", \"params\": {\"tau_m\": 10}},"
        "  {\"name\": \"n\", \"size\": 1, \"model\": \"li\", \"params\": {\"tau_mem_inv\": 100}},"
        "  {\"name\": \"g\", \"size\": 3, \"model\": \"cuba_lif\","
        "   \"params\": {\"tau_m\": [10, 20, 40], \"v_thresh\": -50}}]}",
        &err);
    cr_assert_not_null(net, "%s", err.msg);
    cr_assert_eq(net->pops[0].models[0].style, SM_STYLE_EXACT);
    cr_assert_float_eq(net->pops[0].models[0].dt_ms, 0.5f, 1e-6);
    cr_assert_float_eq(net->pops[1].models[0].dt_ms, 0.5f, 1e-6);
    cr_assert_eq(net->pops[2].n_models, 3);
    for (int i = 0; i < 3; i++)
        cr_assert_float_eq(net->pops[2].models[i].dt_ms, 0.5f, 1e-6);
    /* Longer membrane time constants decay less per tick. */
    cr_assert_lt(net->pops[2].models[0].p22, net->pops[2].models[1].p22);
    cr_assert_lt(net->pops[2].models[1].p22, net->pops[2].models[2].p22);
    sm_net_destroy(&net);

    /* Giving the same dt is fine; a different one would run the population
     * at another speed than the rest. */
    net = load_text("{\"simulation\": {\"ticks\": 10, \"dt\": 0.5}, \"populations\": ["
                    "{\"name\": \"x\", \"size\": 2, \"model\": \"cuba_lif\","
                    " \"params\": {\"tau_m\": 10, \"dt\": 0.5}}]}", &err);
    cr_assert_not_null(net, "%s", err.msg);
    sm_net_destroy(&net);
    net = load_text("{\"simulation\": {\"ticks\": 10, \"dt\": 0.5}, \"populations\": ["
                    "{\"name\": \"x\", \"size\": 2, \"model\": \"cuba_lif\","
                    " \"params\": {\"tau_m\": 10, \"dt\": 0.1}}]}", &err);
    cr_assert_null(net);
    cr_assert(strstr(err.msg, "dt.json: populations[0].params.dt: must match simulation.dt"),
              "%s", err.msg);
    cr_assert(strstr(err.msg, "got 0.1"), "%s", err.msg);

    /* A model error in a per-neuron list names the neuron. */
    net = load_text("{\"simulation\": {\"ticks\": 10}, \"populations\": ["
                    "{\"name\": \"x\", \"size\": 3, \"model\": \"lif\","
                    " \"params\": {\"beta\": [0.9, 0.8, 1.7]}}]}", &err);
    cr_assert_null(net);
    cr_assert(strstr(err.msg, "dt.json: populations[0].params.beta"), "%s", err.msg);
    cr_assert(strstr(err.msg, "neuron 2"), "%s", err.msg);
}
