/* loihi_lif in the engine: random networks give the same spikes and the
 * same integer u and v on the event engine as on the dense one (and across
 * threads and mappings), exponent groups get their accumulators, a binary
 * Dense counts a graded payload as 1, and the fixed-point checks refuse what
 * the engine could not sum exactly. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "helpers.h"
#include "net.h"
#include "rng.h"

static sm_result_t *s_run(const sm_net_t *net, int dense, uint32_t threads, uint32_t per_core)
{
    sm_run_opts_t o;
    sm_run_opts_default(&o);
    o.dense = dense;
    o.threads = threads;
    o.neurons_per_core = per_core;
    sm_error_t err;
    sm_result_t *r = sm_engine_run(net, &o, &err);
    cr_assert_not_null(r, "%s", err.msg);
    return r;
}

static void s_same(const sm_result_t *a, const sm_result_t *b, const char *what)
{
    cr_assert_eq(a->n_spikes, b->n_spikes, "%s: %zu vs %zu spikes", what, a->n_spikes, b->n_spikes);
    for (size_t i = 0; i < a->n_spikes; i++)
        cr_assert(a->spikes[i].tick == b->spikes[i].tick && a->spikes[i].gid == b->spikes[i].gid &&
                      a->spikes[i].count == b->spikes[i].count,
                  "%s: spike %zu: (%u, %u) vs (%u, %u)", what, i, a->spikes[i].tick,
                  a->spikes[i].gid, b->spikes[i].tick, b->spikes[i].gid);
    cr_assert_eq(a->n_probes, b->n_probes);
    cr_assert_eq(memcmp(a->trace, b->trace, (size_t)a->ticks * a->n_probes * 3 * sizeof(float)), 0,
                 "%s: u, v traces differ", what);
}

/* ---- random networks ---------------------------------------------------- */

static int32_t s_pick(sm_rng_t *r, int32_t lo, int32_t hi)
{
    return lo + (int32_t)sm_rng_below(r, (uint32_t)(hi - lo + 1));
}

static int s_decay(sm_rng_t *r)
{
    static const int d[] = {0, 1, 7, 100, 1000, 3000, 4000, 4095};
    return d[sm_rng_below(r, 8)];
}

/* Appends a loihi_lif population's JSON: shared du, dv, vth; a per-neuron
 * bias half the time; initial u and v now and then. */
static size_t s_pop(char *b, size_t cap, sm_rng_t *r, const char *name, int n)
{
    size_t o = (size_t)snprintf(b, cap,
                                "{\"name\": \"%s\", \"size\": %d, \"model\": \"loihi_lif\", "
                                "\"params\": {\"du\": %d, \"dv\": %d, \"vth\": %d",
                                name, n, s_decay(r), s_decay(r), s_pick(r, 0, 400));
    if (sm_rng_below(r, 2)) {
        o += (size_t)snprintf(b + o, cap - o, ", \"bias_mant\": [");
        for (int i = 0; i < n; i++)
            o += (size_t)snprintf(b + o, cap - o, "%s%d", i ? ", " : "", s_pick(r, -60, 120));
        o += (size_t)snprintf(b + o, cap - o, "], \"bias_exp\": %d", s_pick(r, -3, 3));
    }
    o += (size_t)snprintf(b + o, cap - o, "}");
    if (sm_rng_below(r, 3) == 0) {
        o += (size_t)snprintf(b + o, cap - o, ", \"initial\": {\"u\": [");
        for (int i = 0; i < n; i++)
            o += (size_t)snprintf(b + o, cap - o, "%s%d", i ? ", " : "",
                                  sm_rng_below(r, 4) ? 0 : s_pick(r, -200000, 8388608));
        o += (size_t)snprintf(b + o, cap - o, "], \"v\": %d}", s_pick(r, -1000, 1000));
    }
    return o + (size_t)snprintf(b + o, cap - o, "}");
}

static size_t s_proj(char *b, size_t cap, sm_rng_t *r, const char *src, const char *dst,
                     int graded)
{
    static const int exps[] = {-5, -3, -1, 0, 0, 1, 3};
    static const char *const signs[] = {"", ", \"sign_mode\": \"MIXED\"",
                                        ", \"sign_mode\": \"EXCITATORY\"",
                                        ", \"sign_mode\": \"INHIBITORY\""};
    int lo = sm_rng_below(r, 3) == 0 ? 0 : -300, hi = sm_rng_below(r, 4) == 0 ? 0 : 300;
    return (size_t)snprintf(
        b, cap,
        "{\"source\": \"%s\", \"target\": \"%s\", \"connectivity\": {\"kind\": "
        "\"fixed_probability\", \"p\": 0.4, \"allow_self\": true}, \"weight\": %d, "
        "\"weight_exp\": %d, \"num_weight_bits\": %d%s%s, \"delay\": %d}",
        src, dst, s_pick(r, lo, hi), exps[sm_rng_below(r, 7)], s_pick(r, 5, 8),
        signs[sm_rng_below(r, 4)], graded ? ", \"num_message_bits\": 8" : "",
        s_pick(r, 1, 3));
}

/* Two loihi_lif layers and a recurrent one fed by a Poisson source and a
 * graded spike source; every neuron traced. */
static sm_net_t *s_random_net(uint64_t seed, uint32_t ticks)
{
    sm_rng_t r = sm_rng_stream(seed, 0x10141, 0);
    static char b[1 << 16];
    size_t o = 0, cap = sizeof b;
    const int n[3] = {s_pick(&r, 3, 12), s_pick(&r, 3, 12), s_pick(&r, 2, 8)};
    o += (size_t)snprintf(b + o, cap - o,
                          "{\"simulation\": {\"ticks\": %u, \"seed\": %llu}, \"populations\": ["
                          "{\"name\": \"poi\", \"size\": 6, \"source\": {\"kind\": \"poisson\", "
                          "\"rate_hz\": %d}}, "
                          "{\"name\": \"gr\", \"size\": 3, \"source\": {\"kind\": \"spike_times\", "
                          "\"times\": [[3, 40, 41, 300], [10], [5, 6, 7]], \"payloads\": "
                          "[[1, 200, 7, 3], [90], [2, 250, 1]]}}, ",
                          ticks, (unsigned long long)seed, s_pick(&r, 5, 80));
    const char *names[3] = {"a", "b", "c"};
    for (int k = 0; k < 3; k++) {
        o += s_pop(b + o, cap - o, &r, names[k], n[k]);
        o += (size_t)snprintf(b + o, cap - o, k < 2 ? ", " : "], \"projections\": [");
    }
    o += s_proj(b + o, cap - o, &r, "poi", "a", 0);
    o += (size_t)snprintf(b + o, cap - o, ", ");
    o += s_proj(b + o, cap - o, &r, "gr", "a", 1);
    o += (size_t)snprintf(b + o, cap - o, ", ");
    /* Binary from the graded source: payloads count as 1. */
    o += s_proj(b + o, cap - o, &r, "gr", "b", 0);
    o += (size_t)snprintf(b + o, cap - o, ", ");
    o += s_proj(b + o, cap - o, &r, "a", "b", 0);
    o += (size_t)snprintf(b + o, cap - o, ", ");
    o += s_proj(b + o, cap - o, &r, "b", "c", 0);
    o += (size_t)snprintf(b + o, cap - o, ", ");
    o += s_proj(b + o, cap - o, &r, "c", "c", 0);
    o += (size_t)snprintf(b + o, cap - o, "], \"record\": {\"traces\": [");
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < n[k]; i++)
            o += (size_t)snprintf(b + o, cap - o, "%s{\"population\": \"%s\", \"index\": %d}",
                                  k || i ? ", " : "", names[k], i);
    snprintf(b + o, cap - o, "]}}");
    cr_assert(o < cap - 8);
    sm_error_t err;
    sm_net_t *net = t_net_json_try(b, "random.json", ".", &err);
    cr_assert_not_null(net, "seed %llu: %s\n%s", (unsigned long long)seed, err.msg, b);
    return net;
}

Test(loihi_engine, random_networks_event_equals_dense, .timeout = 300)
{
    uint64_t spikes = 0;
    for (uint64_t seed = 1; seed <= 40; seed++) {
        sm_net_t *net = s_random_net(seed, 600);
        sm_result_t *ev = s_run(net, 0, 1, 0), *de = s_run(net, 1, 1, 0);
        char what[64];
        snprintf(what, sizeof what, "seed %llu event vs dense", (unsigned long long)seed);
        s_same(ev, de, what);
        /* The event engine skips: it must do fewer updates, never more. */
        cr_assert(ev->totals.neuron_updates <= de->totals.neuron_updates);
        spikes += ev->n_spikes;
        if (seed % 8 == 0) {
            sm_result_t *t2 = s_run(net, 0, 2, 3);
            snprintf(what, sizeof what, "seed %llu 2 threads, 3 per core", (unsigned long long)seed);
            s_same(ev, t2, what);
            sm_result_destroy(&t2);
        }
        sm_result_destroy(&ev);
        sm_result_destroy(&de);
        sm_net_destroy(&net);
    }
    cr_assert(spikes > 100, "the random networks hardly spike (%llu)", (unsigned long long)spikes);
}

/* Sparse input into bias-free populations, as the benchmark's: the event
 * engine catches the neurons with input at a tick up together
 * (sm_core_catch_up_inputs, lanes of sm_loihi_advance_many), excitatory and
 * inhibitory, and the result is the dense engine's, u and v of every neuron
 * at every tick. */
Test(loihi_engine, sparse_batches_event_equals_dense, .timeout = 120)
{
    static char text[4096];
    static const int du[] = {1024, 0, 4000}, dv[] = {123, 1, 300};
    for (int c = 0; c < 3; c++) {
        snprintf(text, sizeof text,
                 "{\"simulation\": {\"ticks\": 1500, \"seed\": %d}, \"populations\": ["
                 "{\"name\": \"in\", \"size\": 200, \"source\": {\"kind\": \"poisson\", "
                 "\"rate_hz\": 2}},"
                 "{\"name\": \"inh\", \"size\": 100, \"source\": {\"kind\": \"poisson\", "
                 "\"rate_hz\": 3}},"
                 "{\"name\": \"E\", \"size\": 300, \"model\": \"loihi_lif\", \"params\": "
                 "{\"du\": %d, \"dv\": %d, \"vth\": 400}},"
                 "{\"name\": \"I\", \"size\": 300, \"model\": \"loihi_lif\", \"params\": "
                 "{\"du\": %d, \"dv\": %d, \"vth\": 300}}], \"projections\": ["
                 "{\"source\": \"in\", \"target\": \"E\", \"connectivity\": {\"kind\": "
                 "\"fixed_fan_in\", \"k\": 20}, \"weight\": 60},"
                 "{\"source\": \"in\", \"target\": \"I\", \"connectivity\": {\"kind\": "
                 "\"fixed_fan_in\", \"k\": 20}, \"weight\": 40},"
                 "{\"source\": \"inh\", \"target\": \"I\", \"connectivity\": {\"kind\": "
                 "\"fixed_fan_in\", \"k\": 10}, \"weight\": -90},"
                 "{\"source\": \"E\", \"target\": \"I\", \"connectivity\": {\"kind\": "
                 "\"fixed_fan_in\", \"k\": 5}, \"weight\": 50, \"delay\": 2}],"
                 "\"record\": {\"traces\": [{\"population\": \"E\"}, {\"population\": \"I\"}]}}",
                 c + 1, du[c], dv[c], du[c], dv[c]);
        sm_net_t *net = t_net_json(text, "sparse.json", ".");
        sm_result_t *ev = s_run(net, 0, 1, 0), *de = s_run(net, 1, 1, 0);
        char what[64];
        snprintf(what, sizeof what, "du %d dv %d event vs dense", du[c], dv[c]);
        s_same(ev, de, what);
        cr_assert_gt(ev->n_spikes, 0, "%s: no spikes (%llu counted)", what, (unsigned long long)ev->totals.spikes);
        cr_assert_leq(ev->totals.neuron_updates, de->totals.neuron_updates, "%s", what);
        sm_result_t *t2 = s_run(net, 0, 2, 64);
        snprintf(what, sizeof what, "du %d dv %d 2 threads", du[c], dv[c]);
        s_same(ev, t2, what);
        sm_result_destroy(&t2);
        sm_result_destroy(&ev);
        sm_result_destroy(&de);
        sm_net_destroy(&net);
    }
}

/* ---- accumulators, payloads ------------------------------------------------ */

#define S_HEAD                                                                                    \
    "{\"simulation\": {\"ticks\": 12}, \"populations\": ["                                       \
    "{\"name\": \"in\", \"size\": 2, \"source\": {\"kind\": \"spike_times\", \"times\": [[2], "   \
    "[2]], \"payloads\": [[5], [3]]}},"                                                          \
    "{\"name\": \"L\", \"size\": 1, \"model\": \"loihi_lif\", \"params\": {\"du\": 4095, "       \
    "\"vth\": 100000}}], "

static const char *s_to_l(char *b, size_t cap, int w, int e, int graded)
{
    snprintf(b, cap,
             "{\"source\": \"in\", \"target\": \"L\", \"connectivity\": {\"kind\": \"all_to_all\"}, "
             "\"weight\": %d, \"weight_exp\": %d%s}",
             w, e, graded ? ", \"num_message_bits\": 8" : "");
    return b;
}

/* u after tick 3 (du = 4095: u is 64 * a of that tick, no memory). */
static int32_t s_u3(const char *projs)
{
    char text[2048];
    snprintf(text, sizeof text,
             S_HEAD "\"projections\": [%s], \"record\": {\"traces\": [{\"population\": \"L\", "
                    "\"index\": 0}]}}",
             projs);
    sm_net_t *net = t_net_json(text, "acc.json", ".");
    sm_result_t *r = s_run(net, 0, 1, 0);
    int32_t u = (int32_t)r->trace[(3 * r->n_probes + 0) * 3 + 1];
    sm_result_destroy(&r);
    sm_net_destroy(&net);
    return u;
}

Test(loihi_engine, payloads_and_exponents)
{
    char p1[256], p2[256], both[600];
    /* Graded: (5 + 3) * 10 = 80 -> u = 64 * 80. Binary: 2 * 10. */
    cr_assert_eq(s_u3(s_to_l(p1, sizeof p1, 10, 0, 1)), 64 * 80);
    cr_assert_eq(s_u3(s_to_l(p1, sizeof p1, 10, 0, 0)), 64 * 20);
    /* A negative exponent floors the Dense's summed input, once:
     * floor((5 + 3) * 3 / 8) = 3, where flooring per synapse would give
     * floor(15 / 8) + floor(9 / 8) = 2. */
    cr_assert_eq(s_u3(s_to_l(p1, sizeof p1, 3, -3, 1)), 64 * 3);
    /* Two Dense with negative exponents get an accumulator each:
     * floor(8 * 3 / 4) + floor(8 * 5 / 8) = 6 + 5. */
    snprintf(both, sizeof both, "%s, %s", s_to_l(p1, sizeof p1, 3, -2, 1),
             s_to_l(p2, sizeof p2, 5, -3, 1));
    cr_assert_eq(s_u3(both), 64 * 11);
    /* A positive exponent is folded into a negative one's accumulator
     * exactly: 8 * 3 * 2 + floor(8 * 5 / 8). */
    snprintf(both, sizeof both, "%s, %s", s_to_l(p1, sizeof p1, 3, 1, 1),
             s_to_l(p2, sizeof p2, 5, -3, 1));
    cr_assert_eq(s_u3(both), 64 * 53);
    /* Two Dense of opposite signs (INHIBITORY and EXCITATORY, 8 bits keep
     * every bit) share an accumulator at exponent 0. */
    snprintf(both, sizeof both, "%s, %s", s_to_l(p1, sizeof p1, -4, 0, 1),
             s_to_l(p2, sizeof p2, 7, 0, 1));
    cr_assert_eq(s_u3(both), 64 * (8 * -4 + 8 * 7));
}

Test(loihi_engine, accumulators_assigned)
{
    char p1[256], p2[256], p3[256], text[2048];
    snprintf(text, sizeof text, S_HEAD "\"projections\": [%s, %s, %s]}",
             s_to_l(p1, sizeof p1, 3, 2, 0), s_to_l(p2, sizeof p2, 3, -1, 0),
             s_to_l(p3, sizeof p3, 3, -4, 0));
    sm_net_t *net = t_net_json(text, "acc.json", ".");
    const sm_model_t *m = &net->pops[1].models[0];
    cr_assert_eq(m->in_exp[0], -1);
    cr_assert_eq(m->in_exp[1], -4);
    cr_assert_eq(net->projs[1].port, SM_PORT_EXC);
    cr_assert_eq(net->projs[2].port, SM_PORT_INH);
    /* The exponent 2 joins the accumulator of -1: folded by 2^3. */
    cr_assert_eq(net->projs[0].port, SM_PORT_EXC);
    cr_assert_eq(net->projs[0].fold, 3u);
    /* Binary, from a source whose payloads exceed 1: its synapses count 1. */
    cr_assert(net->projs[0].fixed && net->projs[0].clamp);
    sm_net_destroy(&net);

    /* A third negative exponent: refused, naming the projections. */
    char p4[256];
    snprintf(text, sizeof text, S_HEAD "\"projections\": [%s, %s, %s, %s]}",
             s_to_l(p1, sizeof p1, 3, 2, 0), s_to_l(p2, sizeof p2, 3, -1, 0),
             s_to_l(p3, sizeof p3, 3, -4, 0), s_to_l(p4, sizeof p4, 3, -2, 0));
    sm_error_t err;
    cr_assert_null(t_net_json_try(text, "acc.json", ".", &err));
    cr_assert(strstr(err.msg, "projections[3]") && strstr(err.msg, "projections[1] and [2]"),
              "%s", err.msg);
}

Test(loihi_engine, exactness_bound)
{
    /* 2 sources x 255 x payload 2^16 > 2^24: refused before anything runs. */
    const char *text =
        "{\"simulation\": {\"ticks\": 5}, \"populations\": ["
        "{\"name\": \"in\", \"size\": 2, \"source\": {\"kind\": \"spike_times\", \"times\": [[1], "
        "[1]], \"payloads\": [[65536], [65536]]}},"
        "{\"name\": \"L\", \"size\": 1, \"model\": \"loihi_lif\"}], \"projections\": ["
        "{\"source\": \"in\", \"target\": \"L\", \"connectivity\": {\"kind\": \"all_to_all\"}, "
        "\"weight\": 255, \"num_message_bits\": 24}]}";
    sm_error_t err;
    cr_assert_null(t_net_json_try(text, "big.json", ".", &err));
    cr_assert(strstr(err.msg, "big.json") && strstr(err.msg, "2^24") && strstr(err.msg, "\"L\""),
              "%s", err.msg);
}

/* The bound without the synapses (one synapse per source of a
 * fixed_probability Dense: 255 x 70000 > 2^24) is only a shortcut: the
 * synapses drawn (about 70 per target) decide, and pass; all of them
 * (all_to_all) are refused. */
Test(loihi_engine, exactness_bound_from_the_synapses)
{
    static char text[1024];
    const char *conn[2] = {"{\"kind\": \"fixed_probability\", \"p\": 0.001}",
                           "{\"kind\": \"all_to_all\"}"};
    for (int c = 0; c < 2; c++) {
        snprintf(text, sizeof text,
                 "{\"simulation\": {\"ticks\": 5}, \"populations\": ["
                 "{\"name\": \"in\", \"size\": 70000, \"source\": {\"kind\": \"poisson\", "
                 "\"rate_hz\": 1}},"
                 "{\"name\": \"L\", \"size\": 3, \"model\": \"loihi_lif\"}], \"projections\": "
                 "[{\"source\": \"in\", \"target\": \"L\", \"connectivity\": %s, "
                 "\"weight\": 255}]}",
                 conn[c]);
        sm_error_t err;
        sm_net_t *net = t_net_json_try(text, "wide.json", ".", &err);
        if (c == 0) {
            cr_assert_not_null(net, "%s", err.msg);
            sm_net_destroy(&net);
        } else {
            cr_assert_null(net);
            cr_assert(strstr(err.msg, "2^24"), "%s", err.msg);
        }
    }
}

/* A silent neuron settles and costs nothing: after its input stops, the
 * event engine does not update it again. */
Test(loihi_engine, silent_neurons_cost_nothing)
{
    const char *text =
        "{\"simulation\": {\"ticks\": 20000}, \"populations\": ["
        "{\"name\": \"in\", \"size\": 1, \"source\": {\"kind\": \"spike_times\", \"times\": [[1, "
        "2, 3]]}},"
        "{\"name\": \"L\", \"size\": 100, \"model\": \"loihi_lif\", \"params\": {\"du\": 100, "
        "\"dv\": 100, \"vth\": 100000, \"bias_mant\": -1}}], \"projections\": ["
        "{\"source\": \"in\", \"target\": \"L\", \"connectivity\": {\"kind\": \"all_to_all\"}, "
        "\"weight\": 200}], \"record\": {\"traces\": [{\"population\": \"L\", \"index\": 7}]}}";
    sm_net_t *net = t_net_json(text, "quiet.json", ".");
    sm_result_t *ev = s_run(net, 0, 1, 0), *de = s_run(net, 1, 1, 0);
    s_same(ev, de, "quiet network");
    /* Three input ticks per neuron, then a wake-up every calendar horizon
     * while u and v decay (next_spike looks 255 ticks ahead), and none once
     * they are at their fixed point. */
    cr_assert_leq(ev->totals.neuron_updates, 3 * 100 + 4 * 100, "%llu updates",
                  (unsigned long long)ev->totals.neuron_updates);
    cr_assert_eq(de->totals.neuron_updates, 20000ull * 100);
    sm_result_destroy(&ev);
    sm_result_destroy(&de);
    sm_net_destroy(&net);
}

/* ---- negative graded payloads ---------------------------------------------- */

/* A source whose payloads are signed (Lava's Dense takes any integer
 * payload: acc = W . p, as sigma-delta neurons send), into a loihi_lif
 * through a graded Dense, and the same input split into its positive part
 * and its magnitude-of-negative part through the negated weights: with
 * weight_exp >= 0 both give the same u and v. */
static sm_net_t *s_signed_net(int split, int graded, const char *exp)
{
    char text[3000];
    const char *src = split
        ? "{\"name\": \"pos\", \"size\": 2, \"source\": {\"kind\": \"spike_times\", \"times\": "
          "[[1, 4, 9], [2, 5]], \"payloads\": [[7, 100, 3], [20, 9]]}},"
          "{\"name\": \"neg\", \"size\": 2, \"source\": {\"kind\": \"spike_times\", \"times\": "
          "[[2, 6], [1, 4, 8]], \"payloads\": [[5, 60], [2, 11, 40]]}},"
        : "{\"name\": \"pos\", \"size\": 2, \"source\": {\"kind\": \"spike_times\", \"times\": "
          "[[1, 2, 4, 6, 9], [1, 2, 4, 5, 8]], \"payloads\": [[7, -5, 100, -60, 3], "
          "[-2, 20, -11, 9, -40]]}},";
    char projs[1200];
    snprintf(projs, sizeof projs,
             "{\"source\": \"pos\", \"target\": \"L\", \"connectivity\": {\"kind\": \"matrix\", "
             "\"weights\": [[4, -2], [2, 6]]}, \"weight_exp\": %s%s}%s",
             exp, graded ? ", \"num_message_bits\": 8" : "",
             split ? ", {\"source\": \"neg\", \"target\": \"L\", \"connectivity\": {\"kind\": "
                     "\"matrix\", \"weights\": [[-4, 2], [-2, -6]]}, \"num_message_bits\": 8, "
                     "\"weight_exp\": 0}"
                   : "");
    snprintf(text, sizeof text,
             "{\"simulation\": {\"ticks\": 20}, \"populations\": [%s"
             "{\"name\": \"L\", \"size\": 2, \"model\": \"loihi_lif\", \"params\": {\"du\": 1000, "
             "\"dv\": 300, \"vth\": 200}}], \"projections\": [%s], \"record\": {\"traces\": ["
             "{\"population\": \"L\", \"index\": 0}, {\"population\": \"L\", \"index\": 1}]}}",
             src, projs);
    return t_net_json(text, "signed.json", ".");
}

Test(loihi_engine, negative_payloads)
{
    sm_net_t *a = s_signed_net(0, 1, "0"), *b = s_signed_net(1, 1, "0");
    sm_result_t *ra = s_run(a, 0, 1, 0), *rb = s_run(b, 0, 1, 0);
    cr_assert_eq(memcmp(ra->trace, rb->trace, (size_t)ra->ticks * ra->n_probes * 3 * sizeof(float)),
                 0, "signed payloads differ from their split into two sources");
    /* u at tick 2 (the Dense adds a step: tick 1's payloads 7 and -2); even
     * weights, which a MIXED 8-bit Dense keeps (and so their negations). */
    cr_expect_eq((int32_t)ra->trace[(2 * ra->n_probes + 0) * 3 + 1], 64 * (4 * 7 + -2 * -2));
    cr_expect_eq((int32_t)ra->trace[(2 * ra->n_probes + 1) * 3 + 1], 64 * (2 * 7 + 6 * -2));
    /* the event engine equals the dense one, and spikes count magnitudes */
    sm_result_t *rd = s_run(a, 1, 2, 1);
    s_same(ra, rd, "signed payloads, event vs dense");
    uint64_t src = 0;
    for (size_t i = 0; i < ra->n_spikes; i++)
        if (ra->spikes[i].gid < 2)
            src += ra->spikes[i].count;
    cr_expect_eq(src, 7 + 5 + 100 + 60 + 3 + 2 + 20 + 11 + 9 + 40);
    sm_result_destroy(&ra);
    sm_result_destroy(&rb);
    sm_result_destroy(&rd);
    sm_net_destroy(&b);
    /* A binary Dense counts a negative payload as a spike, as Lava's
     * astype(bool). */
    sm_net_t *c = s_signed_net(0, 0, "0");
    sm_result_t *rc = s_run(c, 0, 1, 0);
    cr_expect_eq((int32_t)rc->trace[(2 * rc->n_probes + 1) * 3 + 1], 64 * (2 + 6));
    sm_result_destroy(&rc);
    sm_net_destroy(&c);
    sm_net_destroy(&a);
    /* Into a float model a negative payload is refused, saying why. */
    sm_error_t err;
    sm_net_t *bad = t_net_json_try(
        "{\"simulation\": {\"ticks\": 5}, \"populations\": [{\"name\": \"in\", \"size\": 1, "
        "\"source\": {\"kind\": \"spike_times\", \"times\": [[1]], \"payloads\": [[-3]]}}, "
        "{\"name\": \"f\", \"size\": 1, \"model\": \"lif\", \"params\": {\"beta\": 0.9}}], "
        "\"projections\": [{\"source\": \"in\", \"target\": \"f\", \"connectivity\": {\"kind\": "
        "\"one_to_one\"}, \"weight\": 1}]}", "neg.json", ".", &err);
    cr_expect_null(bad);
    cr_expect(strstr(err.msg, "negative graded payloads") && strstr(err.msg, "\"f\""), "%s", err.msg);
    sm_net_destroy(&bad);
    bad = t_net_json_try(
        "{\"simulation\": {\"ticks\": 5}, \"populations\": [{\"name\": \"in\", \"size\": 1, "
        "\"source\": {\"kind\": \"spike_times\", \"times\": [[1]], \"payloads\": [[0]]}}]}",
        "zero.json", ".", &err);
    cr_expect_null(bad);
    cr_expect(strstr(err.msg, "payloads[0][0]") && strstr(err.msg, "must not be 0"), "%s", err.msg);
    sm_net_destroy(&bad);
}
