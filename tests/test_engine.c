/* The engine against its references: the dense engine, itself under other
 * thread counts and mappings, and Brian2's published CUBA rate. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "helpers.h"
#include "net.h"
#include "rng.h"
#include "netfile.h"

static sm_net_t *s_load(const char *name)
{
    char path[1024];
    return t_load_net(t_join(path, sizeof path, T_EXAMPLES_DIR, name));
}

static sm_result_t *s_run(const sm_net_t *net, int dense, uint32_t threads, uint32_t per_core,
                          const sm_mapping_t *map)
{
    sm_run_opts_t o;
    sm_run_opts_default(&o);
    o.dense = dense;
    o.threads = threads;
    o.neurons_per_core = per_core;
    o.mapping = map;
    sm_error_t err;
    sm_result_t *r = sm_engine_run(net, &o, &err);
    cr_assert_not_null(r, "%s", err.msg);
    return r;
}

static void s_same_spikes(const sm_result_t *a, const sm_result_t *b, const char *what)
{
    cr_assert_eq(a->n_spikes, b->n_spikes, "%s: %zu vs %zu spikes", what, a->n_spikes, b->n_spikes);
    for (size_t i = 0; i < a->n_spikes; i++)
        cr_assert(a->spikes[i].tick == b->spikes[i].tick && a->spikes[i].gid == b->spikes[i].gid &&
                      a->spikes[i].count == b->spikes[i].count,
                  "%s: spike %zu differs: (%u, %u) vs (%u, %u)", what, i, a->spikes[i].tick,
                  a->spikes[i].gid, b->spikes[i].tick, b->spikes[i].gid);
}

static void s_close_traces(const sm_result_t *a, const sm_result_t *b, double tol)
{
    size_t n = (size_t)a->ticks * a->n_probes * 3;
    for (size_t i = 0; i < n; i++) {
        double x = a->trace[i], y = b->trace[i];
        cr_assert(fabs(x - y) <= tol * fmax(1.0, fabs(y)), "trace %zu: %.9g vs %.9g", i, x, y);
    }
}

static void s_same_totals(const sm_result_t *a, const sm_result_t *b)
{
    cr_assert_eq(memcmp(&a->totals, &b->totals, sizeof a->totals), 0,
                 "totals differ: updates %llu vs %llu, syn %llu vs %llu",
                 (unsigned long long)a->totals.neuron_updates,
                 (unsigned long long)b->totals.neuron_updates,
                 (unsigned long long)a->totals.synaptic_events,
                 (unsigned long long)b->totals.synaptic_events);
}

static void s_event_vs_dense(const char *file, double max_ratio)
{
    sm_net_t *net = s_load(file);
    sm_result_t *ev = s_run(net, 0, 1, 0, NULL);
    sm_result_t *de = s_run(net, 1, 1, 0, NULL);
    cr_assert_gt(ev->n_spikes, 100, "%s: too few spikes to compare (%zu)", file, ev->n_spikes);
    s_same_spikes(ev, de, file);
    s_close_traces(ev, de, 1e-5);
    cr_assert_eq(ev->totals.synaptic_events, de->totals.synaptic_events);
    cr_assert_eq(de->totals.neuron_updates, de->totals.dense_updates);
    double ratio = (double)ev->totals.neuron_updates / (double)de->totals.neuron_updates;
    cr_assert_lt(ratio, max_ratio, "%s: event/dense update ratio %.3f", file, ratio);
    sm_result_destroy(&ev);
    sm_result_destroy(&de);
    sm_net_destroy(&net);
}

Test(engine, synfire_event_equals_dense, .timeout = 300)
{
    s_event_vs_dense("synfire.json", 0.2);
}

Test(engine, feedforward_event_equals_dense, .timeout = 300)
{
    s_event_vs_dense("feedforward.json", 0.9);
}

static void s_threads_and_mappings(const char *file)
{
    sm_net_t *net = s_load(file);
    sm_result_t *ref = s_run(net, 0, 1, 16, NULL);
    for (uint32_t th = 2; th <= 4; th *= 2) {
        sm_result_t *r = s_run(net, 0, th, 16, NULL);
        cr_assert_eq(r->threads, th);
        s_same_spikes(ref, r, "threads");
        s_same_totals(ref, r);
        cr_assert_eq(memcmp(ref->trace, r->trace, (size_t)ref->ticks * ref->n_probes * 3 * sizeof(float)), 0);
        for (uint32_t c = 0; c < ref->width * ref->height; c++)
            cr_assert_eq(memcmp(&ref->cores[c], &r->cores[c], sizeof r->cores[c]), 0, "core %u", c);
        cr_assert_eq(ref->n_links, r->n_links);
        cr_assert_eq(memcmp(ref->links, r->links, r->n_links * sizeof *r->links), 0);
        sm_result_destroy(&r);
    }
    /* Other assignments of neurons to cores: bigger cores, and a scrambled
     * mapping where no population is contiguous. */
    sm_result_t *big = s_run(net, 0, 2, 64, NULL);
    s_same_spikes(ref, big, "64 per core");
    cr_assert_eq(ref->totals.synaptic_events, big->totals.synaptic_events);
    cr_assert_eq(ref->totals.neuron_updates, big->totals.neuron_updates);
    cr_assert_eq(memcmp(ref->trace, big->trace, (size_t)ref->ticks * ref->n_probes * 3 * sizeof(float)), 0);
    sm_mapping_t m = {.width = 5, .height = 4, .n_gids = net->n_neurons};
    m.core_of = malloc(net->n_neurons * sizeof *m.core_of);
    sm_rng_t rng = sm_rng_stream(99, 0, 0);
    for (uint32_t g = 0; g < net->n_neurons; g++)
        m.core_of[g] = sm_rng_below(&rng, 20);
    sm_result_t *scr = s_run(net, 0, 3, 0, &m);
    s_same_spikes(ref, scr, "scrambled mapping");
    cr_assert_eq(ref->totals.neuron_updates, scr->totals.neuron_updates);
    cr_assert_eq(memcmp(ref->trace, scr->trace, (size_t)ref->ticks * ref->n_probes * 3 * sizeof(float)), 0);
    cr_assert_neq(ref->totals.hops, scr->totals.hops, "hops should depend on the mapping");
    free(m.core_of);
    sm_result_destroy(&scr);
    sm_result_destroy(&big);
    sm_result_destroy(&ref);
    sm_net_destroy(&net);
}

Test(engine, synfire_deterministic_across_threads_and_mappings, .timeout = 300)
{
    s_threads_and_mappings("synfire.json");
}

Test(engine, feedforward_deterministic_across_threads_and_mappings, .timeout = 300)
{
    s_threads_and_mappings("feedforward.json");
}

static double s_mean_rate(const sm_net_t *net, const sm_result_t *r)
{
    uint64_t n = 0;
    for (size_t i = 0; i < r->n_spikes; i++)
        n += r->spikes[i].count;
    return (double)n / (net->n_neurons * r->ticks * net->dt_ms * 1e-3);
}

/* CUBA is chaotic: one rounding apart, spike trains diverge. Its neurons
 * rest above threshold (self-driven), so the event engine steps them every
 * tick as the dense one does: the same spikes, bit for bit, and the rate
 * against Brian2's. */
Test(engine, cuba_event_equals_dense, .timeout = 600)
{
    sm_net_t *net = s_load("cuba.json");
    sm_result_t *ev = s_run(net, 0, 2, 0, NULL);
    sm_result_t *de = s_run(net, 1, 2, 0, NULL);
    s_same_spikes(ev, de, "cuba event vs dense");
    s_same_totals(ev, de);
    double re = s_mean_rate(net, ev);
    /* Brian2 2.5, same model: 5.71 Hz mean over 10 realisations (sd 0.21). */
    cr_assert(fabs(re - 5.71) <= 0.1 * 5.71, "CUBA rate %.3f Hz, Brian2 5.71 Hz", re);
    sm_result_destroy(&ev);
    sm_result_destroy(&de);
    sm_net_destroy(&net);
}

/* Gives every neuron of net's one-model populations a model of its own (the
 * same parameters): no population kernel, so never swept or laned. */
static void s_one_model_per_neuron(sm_net_t *net)
{
    for (uint32_t p = 0; p < net->n_pops; p++) {
        sm_pop_t *pop = &net->pops[p];
        cr_assert_eq(pop->n_models, 1);
        sm_model_t *each = malloc(pop->size * sizeof *each);
        cr_assert_not_null(each);
        for (uint32_t i = 0; i < pop->size; i++)
            each[i] = pop->models[0];
        free(pop->models);
        pop->models = each;
        pop->n_models = pop->size;
    }
}

/* The sweep's vector lanes (ncore_sweep.c) against the scalar step: a
 * population with one model per neuron has no kernel, so its neurons go
 * through sm_model_step one by one; the same parameters as one model go
 * eight or four to a vector (AVX-512, AVX2: SPIKEMESH_LANES caps the
 * width), or through the kernel's scalar step (width 1). Spikes and traces
 * must not differ in any bit. */
Test(engine, cuba_sweep_lanes_equal_scalar_steps, .timeout = 600)
{
    sm_net_t *net = s_load("cuba.json");
    net->ticks = 3000;
    net->probes = malloc(64 * sizeof *net->probes);
    cr_assert_not_null(net->probes);
    net->n_probes = 64;
    for (uint32_t i = 0; i < 64; i++)
        net->probes[i] = (sm_probe_t){.pop = i % 2, .index = (37 * i) % net->pops[i % 2].size};
    sm_result_t *lanes = s_run(net, 1, 1, 0, NULL);
    const size_t tr = (size_t)lanes->ticks * lanes->n_probes * 3 * sizeof(float);
    for (const char *w = "4"; w; w = *w == '4' ? "1" : NULL) {
        setenv("SPIKEMESH_LANES", w, 1);
        sm_result_t *narrow = s_run(net, 0, 1, 0, NULL);
        unsetenv("SPIKEMESH_LANES");
        s_same_spikes(lanes, narrow, w);
        cr_assert_eq(memcmp(lanes->trace, narrow->trace, tr), 0, "width %s: traces differ", w);
        sm_result_destroy(&narrow);
    }
    s_one_model_per_neuron(net);
    sm_result_t *scalar = s_run(net, 1, 1, 0, NULL);
    cr_assert_gt(lanes->n_spikes, 1000);
    s_same_spikes(lanes, scalar, "lanes vs scalar");
    cr_assert_eq(memcmp(lanes->trace, scalar->trace, tr), 0);
    sm_result_destroy(&lanes);
    sm_result_destroy(&scalar);
    sm_net_destroy(&net);
}

/* A swept core keeps refractory counts in a byte (ncore.h, sm_soa_t): a
 * refractory period longer than that must leave the core unswept, stepped
 * through its cells, and give what one model per neuron (never swept)
 * gives in the dense engine. A count cut to its low byte would shorten every refractory
 * period (300 ticks to 44) and change the spikes. */
Test(engine, refractory_longer_than_a_byte_not_swept, .timeout = 600)
{
    sm_net_t *net = s_load("cuba.json");
    net->ticks = 2000;
    for (uint32_t p = 0; p < net->n_pops; p++) {
        sm_pop_t *pop = &net->pops[p];
        cr_assert_eq(pop->n_models, 1);
        cr_assert_lt(pop->models[0].refractory_ticks, 256u);
        pop->models[0].refractory_ticks = 300;
    }
    sm_result_t *one = s_run(net, 0, 1, 0, NULL);
    s_one_model_per_neuron(net);
    sm_result_t *each = s_run(net, 1, 1, 0, NULL);
    cr_assert_gt(one->n_spikes, 500);
    s_same_spikes(one, each, "refractory 300 ticks: one model vs one per neuron");
    sm_result_destroy(&one);
    sm_result_destroy(&each);
    sm_net_destroy(&net);
}
