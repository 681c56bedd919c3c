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
#include <sys/stat.h>
#include <unistd.h>

#include "csv.h"
#include "helpers.h"
#include "json.h"
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
     {"populations[0].model", "must be one of", "got \"lfi\"", "did you mean \"lif\""}},
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
     {"bad.json: populations[0].size: missing"}},
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
     {"projections[0].delay: must be an integer", "got 1.5"}},
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
     {"bad.json: projections[0].weight: missing"}},
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
    {"missing simulation", "{" AB "}", NULL, {"bad.json: simulation: missing"}},
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

/* ------------------------------------------------------------ json kit */

/* One message shape and one code per kind of mistake, for every loader. */
static void json_expect(int rc, const sm_error_t *err, sm_err_t code, const char *msg)
{
    cr_expect_lt(rc, 0, "accepted; wanted \"%s\"", msg);
    cr_expect_eq(err->code, code, "code %d for \"%s\"", (int)err->code, err->msg);
    cr_expect_str_eq(err->msg, msg);
}

Test(json, documents_are_strict)
{
    static const struct {
        const char *text, *msg;
        sm_err_t code;
    } bad[] = {
        {"{\"a\": {\"b\": 1, \"b\": 2}}", "x.json: a: key \"b\" given twice", SM_EPARSE},
        {"{\"a\": [1, 1e999]}", "x.json: a[1]: number beyond the range of a double", SM_ERANGE},
        {"{\"a\": 1} {}", "x.json:1:10: malformed JSON near '{}'", SM_EPARSE},
        {"{\"a\": 1,\n \"b\": }", "x.json:2:7: malformed JSON near '}'", SM_EPARSE},
        {"[1, 2", "x.json:1:6: malformed JSON: unexpected end of file", SM_EPARSE},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sm_error_t err = {0};
        cJSON *doc = sm_json_parse(bad[i].text, strlen(bad[i].text), "x.json", &err);
        cJSON_Delete(doc);
        json_expect(doc ? 0 : -1, &err, bad[i].code, bad[i].msg);
    }
    sm_error_t err = {0};
    cJSON *doc = sm_json_parse("{\"a\": 1}\0x", 10, "x.json", &err);
    json_expect(doc ? 0 : -1, &err, SM_EPARSE, "x.json:1:9: NUL byte: not a text file");
    cJSON_Delete(doc);

    t_mkdtemp(s_tmp, sizeof s_tmp, "netfile");
    char path[512], want[700];
    t_write_in(path, sizeof path, s_tmp, "big.json", "{\"a\": [1, 2, 3, 4, 5, 6, 7, 8, 9]}");
    doc = sm_json_read(path, 16, &err);
    snprintf(want, sizeof want, "%s: larger than the limit of 16 bytes", path);
    json_expect(doc ? 0 : -1, &err, SM_ERANGE, want);
    cJSON_Delete(doc);
    doc = sm_json_read(path, 1024, &err);
    cr_expect_not_null(doc, "%s", err.msg);
    cJSON_Delete(doc);
    cr_assert_eq(t_rmtree(s_tmp), 0);
}

Test(json, accessors_name_file_path_and_value)
{
    static const char *text =
        "{\"p\": {\"beta\": 1.5, \"n\": 2.5, \"s\": 3, \"k\": \"lfi\", \"arr\": [1, 2, 3],"
        " \"b\": 1, \"nul\": null, \"big\": 1e39, \"seed\": 1e16}}";
    sm_error_t err = {0};
    cJSON *doc = sm_json_parse(text, strlen(text), "f.json", &err);
    cr_assert_not_null(doc, "%s", err.msg);
    const sm_json_t j = {"f.json", &err};
    const cJSON *p = sm_json_get(doc, "p", 0), *v = NULL;
    const sm_json_range_t unit = {0, 1, false, false}, pos = {0, INFINITY, true, true};
    static const char *const names[] = {"lif", "iaf", NULL};
    static const char *const known[] = {"beta", "n", NULL};
    double x;
    uint32_t u;
    uint64_t u64;
    bool b;
    const char *s;
    int k;

    json_expect(sm_json_get_num(&j, p, "p", "beta", 0, &unit, &x), &err, SM_ERANGE,
                "f.json: p.beta: must be in [0, 1], got 1.5");
    cr_expect_eq(sm_json_get_num(&j, p, "p", "beta", 0, &pos, &x), 1);
    cr_expect_eq(x, 1.5);
    json_expect(sm_json_get_u32(&j, p, "p", "n", 0, 0, 9, &u), &err, SM_EPARSE,
                "f.json: p.n: must be an integer, got 2.5");
    json_expect(sm_json_get_u32(&j, p, "p", "s", 0, 0, 2, &u), &err, SM_ERANGE,
                "f.json: p.s: must be an integer in [0, 2], got 3");
    json_expect(sm_json_get_u64(&j, p, "p", "seed", 0, 0, UINT64_MAX, &u64), &err, SM_ERANGE,
                "f.json: p.seed: must be an integer in [0, 9007199254740992], got 1e+16");
    json_expect(sm_json_get_str(&j, p, "p", "s", 0, &s), &err, SM_EPARSE,
                "f.json: p.s: must be a string, got 3");
    json_expect(sm_json_get_enum(&j, p, "p", "k", 0, names, &k), &err, SM_EPARSE,
                "f.json: p.k: must be one of \"lif\", \"iaf\", got \"lfi\" (did you mean \"lif\"?)");
    json_expect(sm_json_get_array(&j, p, "p", "arr", 0, 2, 2, &v), &err, SM_EPARSE,
                "f.json: p.arr: must have 2 values, got 3");
    json_expect(sm_json_get_bool(&j, p, "p", "b", 0, &b), &err, SM_EPARSE,
                "f.json: p.b: must be true or false, got 1");
    json_expect(sm_json_get_num(&j, p, "p", "zz", SM_JSON_REQUIRED, NULL, &x), &err, SM_EPARSE,
                "f.json: p.zz: missing");
    cr_expect_eq(sm_json_get_num(&j, p, "p", "zz", SM_JSON_OPTIONAL, NULL, &x), 0);
    cr_expect_eq(sm_json_get_num(&j, p, "p", "nul", SM_JSON_NULL, NULL, &x), 0);
    json_expect(sm_json_get_num(&j, p, "p", "nul", 0, NULL, &x), &err, SM_EPARSE,
                "f.json: p.nul: must be a number, got null");
    json_expect(sm_json_float(&j, sm_json_get(p, "big", 0), "p.big", &x), &err, SM_ERANGE,
                "f.json: p.big: " SM_JSON_FLOAT_MSG ", got 1e+39");
    json_expect(sm_json_keys(&j, p, "p", known, NULL, "a test"), &err, SM_EPARSE,
                "f.json: p: unknown key \"s\" for a test; allowed keys: beta, n");
    json_expect(sm_json_object(&j, sm_json_get(p, "arr", 0), ""), &err, SM_EPARSE,
                "f.json: (top level): must be an object, got [1,2,3]");
    /* Without a file, messages start with the path: the caller adds it. */
    const sm_json_t nofile = {NULL, &err};
    json_expect(sm_json_get_str(&nofile, p, "p", "arr", 0, &s), &err, SM_EPARSE,
                "p.arr: must be a string, got [1,2,3]");
    cJSON_Delete(doc);
}

/* ------------------------------------------------- conv2d and distance */

#include "mapping.h"
#include "netmsg.h"

/* a: 25 neurons (1 x 5 x 5), b: 9 (1 x 3 x 3). */
#define CONV_AB "\"populations\": [{\"name\": \"a\", \"size\": 25, \"source\": {\"kind\": \"poisson\", \"rate_hz\": 10}}, " \
                "{\"name\": \"b\", \"size\": 9, \"model\": \"lif\", \"params\": {\"beta\": 0.9}}]"
#define CONV(body) "{" SIM CONV_AB ", \"projections\": [{\"source\": \"a\", \"target\": \"b\", " \
                   "\"connectivity\": {\"kind\": \"conv2d\", " body "}}]}"
#define K33 "\"kernel\": [[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]"
#define DIST(body, rest) PROJ("{\"source\": \"a\", \"target\": \"b\", \"connectivity\": {\"kind\": \"distance\", " \
                              body "}" rest "}")
#define G13 "\"source_grid\": {\"shape\": [1, 3]}"

static const bad_t s_bad_conn[] = {
    {"conv2d output size", CONV("\"input_shape\": [1, 5, 5], \"output_shape\": [1, 4, 4], " K33), NULL,
     {"projections[0].connectivity.output_shape", "gives (1, 3, 3)", "got [1,4,4]"}},
    {"conv2d target size",
     CONV("\"input_shape\": [1, 5, 5], \"padding\": 1, " K33), NULL,
     {"projections[0].connectivity", "output (1, 5, 5) holds 25 neurons", "\"b\" has 9"}},
    {"conv2d input size", CONV("\"input_shape\": [1, 4, 4], " K33), NULL,
     {"projections[0].connectivity.input_shape", "holds 16 neurons", "\"a\" has 25", "got [1,4,4]"}},
    {"conv2d stride 0", CONV("\"input_shape\": [1, 5, 5], \"stride\": 0, " K33), NULL,
     {"projections[0].connectivity.stride", "got 0"}},
    {"conv2d dilation", CONV("\"input_shape\": [1, 5, 5], \"dilation\": [1, 1.5], " K33), NULL,
     {"projections[0].connectivity.dilation[1]", "integer", "got 1.5"}},
    {"conv2d ragged kernel",
     CONV("\"input_shape\": [1, 5, 5], \"kernel\": [[[[1, 2, 3], [4, 5], [7, 8, 9]]]]"), NULL,
     {"projections[0].connectivity.kernel[0][0][1]", "list of 3 weights"}},
    {"conv2d kernel weight",
     CONV("\"input_shape\": [1, 5, 5], \"kernel\": [[[[1, \"x\", 3], [4, 5, 6], [7, 8, 9]]]]"), NULL,
     {"projections[0].connectivity.kernel[0][0][0][1]", "got \"x\""}},
    {"conv2d kernel depth", CONV("\"input_shape\": [1, 5, 5], \"kernel\": [[[1, 2, 3]]]"), NULL,
     {"projections[0].connectivity.kernel", "4-level list"}},
    {"conv2d kernel channels",
     CONV("\"input_shape\": [1, 5, 5], \"kernel\": [[[[1]], [[2]]]]"), NULL,
     {"projections[0].connectivity.kernel", "2 input channels", "1 channels"}},
    {"conv2d groups", CONV("\"input_shape\": [1, 5, 5], \"groups\": 2, " K33), NULL,
     {"projections[0].connectivity.groups", "divide the 1 input channels", "got 2"}},
    {"conv2d same with stride",
     CONV("\"input_shape\": [1, 5, 5], \"stride\": 2, \"padding\": \"same\", " K33), NULL,
     {"projections[0].connectivity.padding", "stride 1", "got \"same\""}},
    {"conv2d padding word", CONV("\"input_shape\": [1, 5, 5], \"padding\": \"full\", " K33), NULL,
     {"projections[0].connectivity.padding", "\"valid\" or \"same\"", "got \"full\""}},
    {"conv2d kernel too large", CONV("\"input_shape\": [1, 5, 5], \"dilation\": 3, " K33), NULL,
     {"projections[0].connectivity", "does not fit the input", "dilation 3 x 3"}},
    {"conv2d with weight",
     "{" SIM CONV_AB ", \"projections\": [{\"source\": \"a\", \"target\": \"b\", \"weight\": 1, "
     "\"connectivity\": {\"kind\": \"conv2d\", \"input_shape\": [1, 5, 5], " K33 "}}]}", NULL,
     {"projections[0].weight", "from the kernel"}},
    {"conv2d key typo", CONV("\"input_shape\": [1, 5, 5], \"strides\": 1, " K33), NULL,
     {"projections[0].connectivity", "unknown key \"strides\"", "did you mean \"stride\""}},
    {"distance grid size", DIST("\"source_grid\": {\"shape\": [2, 2]}, \"mask\": {\"circular\": {\"radius\": 1}}", ", \"weight\": 1"),
     NULL, {"projections[0].connectivity.source_grid.shape", "holds 4 neurons", "\"a\" has 3", "got [2,2]"}},
    {"distance target grid size",
     DIST(G13 ", \"target_grid\": {\"shape\": [3, 3]}, \"mask\": {\"circular\": {\"radius\": 1}}", ", \"weight\": 1"),
     NULL, {"projections[0].connectivity.target_grid.shape", "holds 9 neurons", "\"b\" has 3"}},
    {"distance radius", DIST(G13 ", \"mask\": {\"circular\": {\"radius\": -1}}", ", \"weight\": 1"), NULL,
     {"projections[0].connectivity.mask.circular.radius", "got -1"}},
    {"distance mask kind", DIST(G13 ", \"mask\": {\"circlar\": {\"radius\": 1}}", ", \"weight\": 1"), NULL,
     {"projections[0].connectivity.mask", "unknown key \"circlar\"", "did you mean \"circular\""}},
    {"distance rectangle",
     DIST(G13 ", \"mask\": {\"rectangular\": {\"rows\": [1, 0], \"cols\": [0, 1]}}", ", \"weight\": 1"), NULL,
     {"projections[0].connectivity.mask.rectangular.rows", "lo must be <= hi", "got [1,0]"}},
    {"distance p", DIST(G13 ", \"mask\": {\"circular\": {\"radius\": 1}}, \"p\": 2", ", \"weight\": 1"), NULL,
     {"projections[0].connectivity.p", "[0, 1]", "got 2"}},
    {"distance spacing",
     DIST("\"source_grid\": {\"shape\": [1, 3], \"spacing\": [1, 0]}, \"mask\": {\"circular\": {\"radius\": 1}}", ", \"weight\": 1"),
     NULL, {"projections[0].connectivity.source_grid.spacing[1]", "> 0", "got 0"}},
    {"distance periodic extent",
     DIST(G13 ", \"mask\": {\"circular\": {\"radius\": 1}}, \"periodic\": [1, 2]", ", \"weight\": 1"), NULL,
     {"projections[0].connectivity", "columns [0, 2]", "within the extent [0, 1) x [0, 2)"}},
    {"distance without weight", DIST(G13 ", \"mask\": {\"circular\": {\"radius\": 1}}", ""), NULL,
     {"projections[0].weight", "missing"}},
    {"distance absurd size",
     "{" SIM "\"populations\": [{\"name\": \"a\", \"size\": 200000, \"model\": \"lif\", \"params\": {\"beta\": 0.9}}], "
     "\"projections\": [{\"source\": \"a\", \"target\": \"a\", \"weight\": 1, \"connectivity\": {\"kind\": \"distance\", "
     "\"source_grid\": {\"shape\": [1, 200000]}, \"mask\": {\"circular\": {\"radius\": 1e9}}}}]}", NULL,
     {"projections[0].connectivity", "4e+10 synapses", "more than the 4294967296"}},
};

Test(netfile, bad_connectors_are_refused_with_path_and_value)
{
    t_mkdtemp(s_tmp, sizeof s_tmp, "netfile");
    for (size_t i = 0; i < sizeof s_bad_conn / sizeof s_bad_conn[0]; i++) {
        const bad_t *b = &s_bad_conn[i];
        char path[512];
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
    }
    cr_assert_eq(t_rmtree(s_tmp), 0);
}

static sm_net_t *load_structured(sm_error_t *err)
{
    return sm_net_load(T_DATA_DIR "/structured.json", err);
}

Test(netfile, conv2d_and_distance_land_in_the_struct)
{
    sm_error_t err = {0};
    sm_net_t *net = load_structured(&err);
    cr_assert_not_null(net, "%s", err.msg);
    const sm_conv2d_t *c = &net->projs[0].conv;
    cr_assert_eq(net->projs[0].conn, SM_CONN_CONV2D);
    cr_assert(c->in_c == 2 && c->in_h == 4 && c->in_w == 6 && c->out_c == 2 && c->out_h == 4 &&
              c->out_w == 6 && c->k_h == 3 && c->k_w == 3 && c->groups == 2);
    cr_assert(c->pad_top == 1 && c->pad_bottom == 1 && c->pad_left == 1 && c->pad_right == 1);
    cr_assert(c->stride_h == 1 && c->dil_w == 1);
    cr_assert_float_eq(c->kernel[2], -0.25f, 0);
    cr_assert_float_eq(c->kernel[13], 0.0f, 0);
    cr_assert_eq(net->projs[0].min_delay, 1);
    cr_assert_eq(net->projs[0].max_delay, 3);
    c = &net->projs[1].conv;
    cr_assert(c->out_c == 3 && c->out_h == 1 && c->out_w == 5 && c->k_h == 2 && c->k_w == 2);
    cr_assert(c->stride_h == 1 && c->stride_w == 2 && c->dil_h == 3 && c->dil_w == 1);
    cr_assert(c->pad_top == 0 && c->pad_bottom == 0 && c->pad_left == 2 && c->pad_right == 2);
    cr_assert_float_eq(c->kernel[23], 9.0f, 0);
    const sm_distance_t *d = &net->projs[2].dist;
    cr_assert_eq(net->projs[2].conn, SM_CONN_DISTANCE);
    cr_assert(d->src.rows == 6 && d->src.cols == 10 && d->dst.rows == 6 && d->dst.cols == 10);
    cr_assert(d->mask == SM_MASK_CIRCLE && d->radius == 1.5 && d->periodic);
    cr_assert(d->extent_rows == 6 && d->extent_cols == 10 && d->sigma == 2);
    cr_assert(net->projs[2].p == 0.5 && !net->projs[2].allow_self);
    d = &net->projs[3].dist;
    cr_assert(net->projs[3].p == 1 && net->projs[3].allow_self && !d->periodic);
    cr_assert(d->src.row_step == 0.5 && d->src.col_step == 0.5);
    cr_assert(d->dst.row0 == 0.25 && d->dst.col0 == 0.25 && d->dst.rows == 3);
    cr_assert(d->mask == SM_MASK_RECT && d->row_lo == -0.5 && d->col_hi == 0);
    /* Every projection makes synapses; the conv's zero weights make none. */
    digest_t g = {0, 0};
    cr_assert_eq(sm_proj_generate(net, &net->projs[0], digest, &g), 0);
    cr_assert_lt(g.n, (uint64_t)48 * 9);
    cr_assert_gt(g.n, 0);
    for (uint32_t j = 1; j < net->n_projs; j++) {
        g.n = 0;
        cr_assert_eq(sm_proj_generate(net, &net->projs[j], digest, &g), 0);
        cr_assert_gt(g.n, 0, "projections[%u] made no synapse", j);
    }
    sm_net_destroy(&net);
}

static sm_net_t *pack_unpack(const sm_net_t *net, sm_error_t *err)
{
    sm_mapping_t *map = sm_mapping_sequential(net, 0, 0, 64, err);
    cr_assert(map, "%s", err->msg);
    uint8_t *buf;
    size_t len;
    cr_assert_eq(sm_netmsg_pack(net, 10, 0, map, &buf, &len, err), 0, "%s", err->msg);
    sm_net_t *back = NULL;
    sm_mapping_t *bm = NULL;
    uint32_t ticks;
    int dense;
    sm_netmsg_unpack(buf, len, &back, &ticks, &dense, &bm, err);
    free(buf);
    sm_mapping_destroy(&bm);
    sm_mapping_destroy(&map);
    return back;
}

Test(netfile, conv2d_and_distance_travel_to_workers)
{
    sm_error_t err = {0};
    sm_net_t *net = load_structured(&err);
    cr_assert_not_null(net, "%s", err.msg);
    sm_net_t *back = pack_unpack(net, &err);
    cr_assert_not_null(back, "%s", err.msg);
    cr_assert_eq(back->n_projs, net->n_projs);
    for (uint32_t j = 0; j < net->n_projs; j++) {
        const sm_proj_t *a = &net->projs[j], *b = &back->projs[j];
        cr_assert_eq(a->conn, b->conn);
        if (a->conn == SM_CONN_CONV2D) {
            sm_conv2d_t x = a->conv, y = b->conv;
            size_t n = (size_t)x.out_c * (x.in_c / x.groups) * x.k_h * x.k_w;
            cr_assert(!memcmp(x.kernel, y.kernel, n * sizeof *x.kernel));
            x.kernel = y.kernel = NULL;
            cr_assert(!memcmp(&x, &y, sizeof x), "projections[%u]: conv2d differs", j);
        } else {
            cr_assert(!memcmp(&a->dist, &b->dist, sizeof a->dist), "projections[%u]: distance differs", j);
            cr_assert_eq(a->p, b->p);
            cr_assert_eq(a->allow_self, b->allow_self);
        }
        digest_t da = {0, 0}, db = {0, 0};
        cr_assert_eq(sm_proj_generate(net, a, digest, &da), 0);
        cr_assert_eq(sm_proj_generate(back, b, digest, &db), 0);
        cr_assert(da.n == db.n && da.hash == db.hash, "projections[%u]: other synapses", j);
    }
    sm_net_destroy(&back);

    /* A worker refuses what a file may not hold. */
    net->projs[0].conv.out_w = 5;
    back = pack_unpack(net, &err);
    cr_assert_null(back);
    cr_assert(strstr(err.msg, "network message: bad conv2d parameters"), "%s", err.msg);
    net->projs[0].conv.out_w = 6;
    net->projs[2].dist.radius = NAN;
    back = pack_unpack(net, &err);
    cr_assert_null(back);
    cr_assert(strstr(err.msg, "network message: bad distance parameters"), "%s", err.msg);
    net->projs[2].dist.radius = 1.5;
    net->projs[3].dist.dst.rows = 4;
    back = pack_unpack(net, &err);
    cr_assert_null(back);
    cr_assert(strstr(err.msg, "network message: bad distance parameters"), "%s", err.msg);
    net->projs[3].dist.dst.rows = 3;
    net->projs[1].conv.kernel[3] = INFINITY;
    back = pack_unpack(net, &err);
    cr_assert_null(back);
    cr_assert(strstr(err.msg, "not finite"), "%s", err.msg);
    sm_net_destroy(&net);
}

Test(netfile, examples_use_the_connectors)
{
    /* The examples' former synapse lists: conv 193,024 rows, sheet 47,876. */
    const char *const files[] = {SM_EXAMPLES_DIR "/conv.json", SM_EXAMPLES_DIR "/sheet.json"};
    const uint64_t want[] = {4 * 900 * 9 + 16 * 784 * 9, 47876 + 16 * 256};
    for (int i = 0; i < 2; i++) {
        sm_error_t err = {0};
        sm_net_t *net = sm_net_load(files[i], &err);
        cr_assert_not_null(net, "%s", err.msg);
        digest_t g = {0, 0};
        for (uint32_t j = 0; j < net->n_projs; j++)
            cr_assert_eq(sm_proj_generate(net, &net->projs[j], digest, &g), 0);
        cr_assert_eq(g.n, want[i], "%s: %llu synapses", files[i], (unsigned long long)g.n);
        sm_net_destroy(&net);
    }
}

/* issue 14, item 10: an input that is not a regular file hung (a FIFO
 * blocks its open, /dev/urandom never ends). It is refused at once. */
Test(netfile, inputs_that_are_not_regular_files_are_refused, .timeout = 20)
{
    t_mkdtemp(s_tmp, sizeof s_tmp, "infile");
    char fifo[512], net[512];
    t_join(fifo, sizeof fifo, s_tmp, "fifo.json");
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    sm_error_t err = {0};
    sm_net_t *n = sm_net_load(fifo, &err);
    cr_expect_null(n);
    cr_expect(strstr(err.msg, fifo) && strstr(err.msg, "is a FIFO"), "%s", err.msg);
    if (access("/dev/urandom", R_OK) == 0) {
        n = sm_net_load("/dev/urandom", &err);
        cr_expect_null(n);
        cr_expect(strstr(err.msg, "/dev/urandom: is a character device"), "%s", err.msg);
    }
    n = sm_net_load(s_tmp, &err);
    cr_expect_null(n);
    cr_expect(strstr(err.msg, "is a directory"), "%s", err.msg);
    /* A connection list through a FIFO: the CSV reader too. */
    char csv[512];
    t_join(csv, sizeof csv, s_tmp, "conn.csv");
    cr_assert_eq(mkfifo(csv, 0600), 0);
    t_write_in(net, sizeof net, s_tmp, "net.json",
               PROJ("{\"source\": \"a\", \"target\": \"b\", \"connectivity\": {\"kind\": \"list\", "
                    "\"file\": \"conn.csv\"}}"));
    n = sm_net_load(net, &err);
    cr_expect_null(n);
    cr_expect(strstr(err.msg, "conn.csv: is a FIFO"), "%s", err.msg);
    sm_error_clear(&err);
    cr_expect_null(sm_file_read(csv, NULL, &err));
    cr_expect(strstr(err.msg, "is a FIFO"), "%s", err.msg);
    cr_assert_eq(t_rmtree(s_tmp), 0);
}
