/* The one parameter check of a network (core/validate.c), through the file
 * loader and the network-message decoder: the reproducers of issue 14 (item
 * 2: out-of-range and degenerate parameters that ran silently to NaN or
 * infinity; items 9 and 10: model blocks a worker accepted, population
 * names that broke the outputs, a delay limit that depended on the seed). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "mapping.h"
#include "netmsg.h"
#include "validate.h"

#define NET(sim, pops, rest)                                                                    \
    "{\"simulation\": {" sim "}, \"populations\": [" pops "]" rest "}"

/* The message a network text is refused with ("" if it loads). */
static const char *s_refusal(const char *text, sm_error_t *err)
{
    sm_net_t *net = t_net_json_try(text, "v.json", T_DATA_DIR, err);
    if (net) {
        sm_net_destroy(&net);
        return "";
    }
    return err->msg;
}

static void s_expect_refused(const char *text, const char *const *want)
{
    sm_error_t err;
    const char *msg = s_refusal(text, &err);
    cr_expect(!strncmp(msg, "v.json: ", 8), "not refused with the file named: \"%s\" for %s", msg,
              text);
    for (; *want; want++)
        cr_expect(strstr(msg, *want), "\"%s\" lacks \"%s\"", msg, *want);
}

#define WANT(...) ((const char *const[]){__VA_ARGS__, NULL})

Test(validate, out_of_range_parameters_are_refused_naming_field_and_value)
{
    /* threshold or bias 1e39: beyond float32, they ran as infinity. */
    s_expect_refused(NET("\"ticks\": 10", "{\"name\": \"a\", \"size\": 2, \"model\": \"lif\", "
                                          "\"params\": {\"beta\": 0.9, \"threshold\": 1e39}}", ""),
                     WANT("populations[0].params.threshold", "float32", "1e+39"));
    s_expect_refused(NET("\"ticks\": 10", "{\"name\": \"a\", \"size\": 2, \"model\": \"iaf\", "
                                          "\"params\": {\"bias\": 1e39}}", ""),
                     WANT("populations[0].params.bias", "float32", "1e+39"));
    /* v_rest 1e78 reached an undefined float-to-integer cast. */
    s_expect_refused(NET("\"ticks\": 10, \"dt\": 0.1",
                         "{\"name\": \"a\", \"size\": 2, \"model\": \"cuba_lif\", \"params\": "
                         "{\"style\": \"exact\", \"v_rest\": 1e78, \"v_thresh\": 2e78}}", ""),
                     WANT("populations[0].params.v_rest", "float32", "1e+78"));
}

Test(validate, degenerate_derived_constants_are_refused)
{
    /* An exact-style tau_m of 1e-4 ms at dt 0.1: the propagator was NaN. */
    s_expect_refused(NET("\"ticks\": 10, \"dt\": 0.1",
                         "{\"name\": \"a\", \"size\": 2, \"model\": \"cuba_lif\", \"params\": "
                         "{\"style\": \"exact\", \"tau_m\": 1e-4, \"i_offset\": 1}}", ""),
                     WANT("populations[0].params", "p21e", "tau_m", "nan"));
    /* Lapicque R = C = 1e-300: both round to 0 in float32, 1/RC is inf. */
    s_expect_refused(NET("\"ticks\": 10", "{\"name\": \"a\", \"size\": 2, \"model\": \"lapicque\", "
                                          "\"params\": {\"R\": 1e-300, \"C\": 1e-300}}", ""),
                     WANT("populations[0].params", "R, C", "R=0", "1/(R*C)=inf"));
    /* Bias 3e38 plus a current of 3e38: inf in float32. */
    s_expect_refused(NET("\"ticks\": 10", "{\"name\": \"a\", \"size\": 2, \"model\": \"lif\", "
                                          "\"params\": {\"beta\": 0.9, \"bias\": 3e38, "
                                          "\"threshold\": 1e38}}",
                         ", \"currents\": [{\"target\": \"a\", \"amplitude\": 3e38}]"),
                     WANT("populations[0].params.bias", "3e+38", "currents", "inf"));
    /* A bias whose fixed point leaves float32: 3e38 / (1 - 0.9). */
    s_expect_refused(NET("\"ticks\": 10", "{\"name\": \"a\", \"size\": 2, \"model\": \"lif\", "
                                          "\"params\": {\"beta\": 0.9, \"bias\": 3e38}}", ""),
                     WANT("populations[0].params.bias", "3e+39", "beyond float32"));
    /* Per-neuron parameters name the neuron. */
    s_expect_refused(NET("\"ticks\": 10, \"dt\": 0.1",
                         "{\"name\": \"a\", \"size\": 2, \"model\": \"cuba_lif\", \"params\": "
                         "{\"style\": \"exact\", \"tau_m\": [10, 1e-4]}}", ""),
                     WANT("populations[0].params (neuron 1)", "p21e"));
    /* Near the edges, still fine. */
    sm_error_t err;
    cr_expect_str_empty(s_refusal(NET("\"ticks\": 10", "{\"name\": \"a\", \"size\": 2, \"model\": "
                                      "\"lif\", \"params\": {\"beta\": 0.9, \"bias\": 3e37, "
                                      "\"threshold\": 3.4e38}}", ""), &err));
    cr_expect_str_empty(s_refusal(NET("\"ticks\": 10, \"dt\": 0.1",
                                      "{\"name\": \"a\", \"size\": 2, \"model\": \"cuba_lif\", "
                                      "\"params\": {\"style\": \"exact\", \"tau_m\": 0.01}}", ""),
                                  &err));
}

/* issue 14, item 10: the 511-tick limit was met by the drawn delays, so a
 * file passed or failed by its seed. It is judged by the distribution. */
Test(validate, delay_limit_does_not_depend_on_the_seed)
{
    char text[1024];
    for (int seed = 1; seed <= 40; seed++) {
        /* One synapse, its delay uniform in [1, 600]: most seeds draw <= 511. */
        snprintf(text, sizeof text,
                 NET("\"ticks\": 10, \"seed\": %d",
                     "{\"name\": \"s\", \"size\": 1, \"source\": {\"kind\": \"spike_times\", "
                     "\"times\": [[1]]}}, {\"name\": \"a\", \"size\": 1, \"model\": \"lif\", "
                     "\"params\": {\"beta\": 0.9}}",
                     ", \"projections\": [{\"source\": \"s\", \"target\": \"a\", "
                     "\"connectivity\": {\"kind\": \"all_to_all\"}, \"weight\": 1, "
                     "\"delay\": {\"uniform\": [1, 600]}}]"),
                 seed);
        s_expect_refused(text, WANT("projections[0].delay", "600", "511"));
    }
    s_expect_refused(NET("\"ticks\": 10",
                         "{\"name\": \"a\", \"size\": 2, \"model\": \"lif\", \"params\": {\"beta\": "
                         "0.9}}",
                         ", \"projections\": [{\"source\": \"a\", \"target\": \"a\", "
                         "\"connectivity\": {\"kind\": \"list\", \"connections\": [[0, 1, 1, 3], "
                         "[1, 0, 1, 512]]}}]"),
                     WANT("projections[0].delay", "512", "511"));
    sm_error_t err;
    cr_expect_str_empty(s_refusal(
        NET("\"ticks\": 10",
            "{\"name\": \"a\", \"size\": 2, \"model\": \"lif\", \"params\": {\"beta\": 0.9}}",
            ", \"projections\": [{\"source\": \"a\", \"target\": \"a\", \"connectivity\": "
            "{\"kind\": \"all_to_all\"}, \"weight\": 1, \"delay\": {\"uniform\": [1, 511]}}]"),
        &err));
}

/* issue 14, item 10: commas, quotes or invalid UTF-8 in a name broke the CSV
 * and JSON outputs. They are refused at load, the value shown escaped. */
Test(validate, unsafe_population_names_are_refused)
{
#define NAMED(n) NET("\"ticks\": 10", "{\"name\": \"" n "\", \"size\": 1, \"model\": \"lif\", " \
                     "\"params\": {\"beta\": 0.9}}", "")
    s_expect_refused(NAMED("a,b"), WANT("populations[0].name", "','", "a,b"));
    s_expect_refused(NAMED("a\\\"b"), WANT("populations[0].name", "'\"'"));
    s_expect_refused(NAMED("a\xff" "b"), WANT("populations[0].name", "UTF-8", "a\\xffb"));
    s_expect_refused(NAMED("a\xc0\xaf"), WANT("populations[0].name", "UTF-8"));   /* overlong */
    s_expect_refused(NAMED("a\xed\xa0\x80"), WANT("populations[0].name", "UTF-8")); /* surrogate */
    s_expect_refused(NAMED("a\\u0007b"), WANT("populations[0].name", "control", "a\\x07b"));
    s_expect_refused(NAMED("a\x7f"), WANT("populations[0].name", "control"));
    sm_error_t err;
    cr_expect_str_empty(s_refusal(NAMED("V1 \xc3\xa9t\xc3\xa9 \xe2\x86\x92 L2/3; x_y-z.1"), &err),
                        "%s", err.msg);
#undef NAMED
    char why[160];
    cr_expect_eq(sm_pop_name_check("ok", why, sizeof why), 0);
    cr_expect_eq(sm_pop_name_check("", why, sizeof why), -1);
}

/* ---- the same check, the same words, in a worker ---------------------- */

static const char s_full[] = T_DATA_DIR "/full.json";

/* Packs net and unpacks it as a worker would; returns the message ("" if
 * accepted). */
static const char *s_worker_refusal(const sm_net_t *net, sm_error_t *err)
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
    sm_error_clear(err);
    int rc = sm_netmsg_unpack(buf, len, &back, &ticks, &dense, &bm, err);
    free(buf);
    sm_net_destroy(&back);
    sm_mapping_destroy(&bm);
    sm_mapping_destroy(&map);
    return rc ? err->msg : "";
}

static sm_model_t *s_model_of(sm_net_t *net, const char *pop)
{
    int p = sm_net_find_pop(net, pop);
    cr_assert_geq(p, 0, "no population %s", pop);
    return &net->pops[p].models[0];
}

/* A parameter block changed after loading, as a peer could send it: the
 * local check and the worker's decoder refuse it with the same message. */
static void s_same_words(void (*edit)(sm_net_t *), const char *want)
{
    sm_net_t *net = t_load_net(s_full);
    edit(net);
    sm_error_t local, remote;
    cr_assert_eq(sm_net_check(net, &local), -1, "%s: the local check passed it", want);
    cr_expect(strstr(local.msg, want), "\"%s\" lacks \"%s\"", local.msg, want);
    char expected[1200];
    snprintf(expected, sizeof expected, "network message: %s: %s", s_full, local.msg);
    cr_expect_str_eq(s_worker_refusal(net, &remote), expected);
    sm_net_destroy(&net);
}

static void ed_threshold_inf(sm_net_t *net)
{
    sm_model_t *m = s_model_of(net, "exc");
    m->threshold = INFINITY;
    sm_model_prepare(m);
}
static void ed_nan_table(sm_net_t *net)
{
    s_model_of(net, "exc")->closed.sseg[0][0][3] = NAN;
}
static void ed_nan_beta(sm_net_t *net)
{
    sm_model_t *m = s_model_of(net, "exc");
    m->beta = NAN;
    sm_model_prepare(m);
}
static void ed_delay(sm_net_t *net)
{
    net->projs[0].delay.kind = SM_DIST_UNIFORM;
    net->projs[0].delay.a = 1;
    net->projs[0].delay.b = 1000;
    sm_net_finish(net, NULL);
}
static void ed_name(sm_net_t *net)
{
    strcpy(net->pops[0].name, "a,b");
}

Test(validate, worker_and_loader_refuse_with_the_same_words)
{
    s_same_words(ed_threshold_inf, "populations[");
    s_same_words(ed_nan_table, "closed-form tables: NaN");
    s_same_words(ed_nan_beta, "beta: nan");
    s_same_words(ed_delay, "projections[0].delay: uniform up to 1000 ticks");
    s_same_words(ed_name, "populations[0].name");
}

/* issue 14, item 9: a worker accepted model blocks that lead to undefined
 * behaviour: NaN tables, a negative sinabs threshold (its MultiSpike count
 * casts a negative float to an integer); tables that do not belong to the
 * parameters are rebuilt. */
Test(validate, worker_refuses_model_blocks_that_lead_to_undefined_behaviour)
{
    static const char sinabs[] = NET(
        "\"ticks\": 10", "{\"name\": \"s\", \"size\": 1, \"source\": {\"kind\": \"poisson\", "
                         "\"rate_hz\": 100}}, {\"name\": \"m\", \"size\": 2, \"model\": \"iaf\", "
                         "\"params\": {\"spike_threshold\": 1}}",
        ", \"projections\": [{\"source\": \"s\", \"target\": \"m\", \"connectivity\": {\"kind\": "
        "\"all_to_all\"}, \"weight\": 2}]");
    sm_net_t *net = t_net_json(sinabs, "sinabs.json", T_DATA_DIR);
    sm_error_t err;
    cr_assert_str_empty(s_worker_refusal(net, &err));
    sm_model_t *m = s_model_of(net, "m");
    m->threshold = -1.0f;
    sm_model_prepare(m);
    const char *msg = s_worker_refusal(net, &err);
    cr_expect(strstr(msg, "network message: sinabs.json: populations[1].params: threshold: must "
                          "be > 0, got -1"),
              "%s", msg);
    /* Parameters fine, tables from other parameters: the worker rebuilds
     * them from the parameters it got. */
    m->threshold = 1.0f;
    m->beta = 0.5f;
    sm_mapping_t *map = sm_mapping_sequential(net, 0, 0, 64, &err);
    uint8_t *buf;
    size_t len;
    cr_assert_eq(sm_netmsg_pack(net, 10, 0, map, &buf, &len, &err), 0, "%s", err.msg);
    sm_net_t *back = NULL;
    sm_mapping_t *bm = NULL;
    uint32_t ticks;
    int dense;
    cr_assert_eq(sm_netmsg_unpack(buf, len, &back, &ticks, &dense, &bm, &err), 0, "%s", err.msg);
    sm_model_prepare(m);
    cr_expect_eq(memcmp(&back->pops[1].models[0].closed, &m->closed, sizeof m->closed), 0,
                 "the worker kept tables that are not its parameters'");
    free(buf);
    sm_net_destroy(&back);
    sm_mapping_destroy(&bm);
    sm_mapping_destroy(&map);
    sm_net_destroy(&net);
}
