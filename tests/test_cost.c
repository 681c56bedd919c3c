/* The cost estimate (core/cost.c) and the limits that hold runs and maps to
 * it (tools/io/budget.c): issue 14, items 3 and 4. The estimate must count
 * what the generators make, cover what the engine allocates, and come before
 * either: a 300-byte file asking for 2^54 synapses is refused in
 * microseconds. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "budget.h"
#include "cost.h"
#include "engine.h"
#include "helpers.h"
#include "mapping.h"
#include "report.h"
#include "syntab.h"

static int s_count(void *ctx, uint32_t s, uint32_t t, float w, uint32_t d)
{
    (void)s, (void)t, (void)w, (void)d;
    ++*(uint64_t *)ctx;
    return 0;
}

static uint64_t s_generated(const sm_net_t *net)
{
    uint64_t n = 0;
    for (uint32_t j = 0; j < net->n_projs; j++)
        cr_assert_eq(sm_proj_generate(net, &net->projs[j], s_count, &n), 0);
    return n;
}

#define POPS(n)                                                                                  \
    "{\"simulation\": {\"ticks\": 20}, \"populations\": [{\"name\": \"a\", \"size\": " #n         \
    ", \"model\": \"lif\", \"params\": {\"beta\": 0.9}}, {\"name\": \"b\", \"size\": " #n         \
    ", \"model\": \"lif\", \"params\": {\"beta\": 0.9}}], \"projections\": [{\"source\": \"a\", " \
    "\"target\": \"b\", "
#define W "\"weight\": 0.5, \"connectivity\": "
#define C "\"connectivity\": "

Test(cost, synapse_counts_match_the_generators)
{
    static const struct {
        const char *text;
        double rel; /* 0: exact; else the relative error allowed */
    } cases[] = {
        {POPS(300) W "{\"kind\": \"all_to_all\"}}]}", 0},
        {POPS(300) W "{\"kind\": \"one_to_one\"}}]}", 0},
        {POPS(300) W "{\"kind\": \"fixed_fan_in\", \"k\": 17}}]}", 0},
        {POPS(300) W "{\"kind\": \"fixed_probability\", \"p\": 0.1}}]}", 0.05},
        {POPS(3) C "{\"kind\": \"list\", \"connections\": [[0, 1, 1], [2, 2, 1], [1, 0, 1]]}}]}", 0},
        {POPS(2) C "{\"kind\": \"matrix\", \"weights\": [[1, 0], [0.5, 2]]}}]}", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sm_net_t *net = t_net_json(cases[i].text, "cost.json", ".");
        sm_cost_t c;
        sm_cost_estimate(net, 0, 0, &c);
        double got = (double)s_generated(net);
        if (cases[i].rel == 0)
            cr_expect_eq(c.synapses, got, "case %zu: estimate %g, generated %g", i, c.synapses, got);
        else
            cr_expect(fabs(c.synapses - got) <= cases[i].rel * got, "case %zu: estimate %g, got %g",
                      i, c.synapses, got);
        sm_net_destroy(&net);
    }
}

/* The structured connectors: the estimate is at least what is made. */
Test(cost, structured_connectors_are_not_underestimated)
{
    sm_net_t *net = t_load_net(T_DATA_DIR "/structured.json");
    sm_cost_t c;
    sm_cost_estimate(net, 0, 0, &c);
    double got = (double)s_generated(net);
    cr_expect_geq(c.synapses, got, "estimate %g, generated %g", c.synapses, got);
    cr_expect_gt(c.steps, 0);
    sm_net_destroy(&net);
}

/* What the engine really allocates for the synapse table stays within the
 * estimate, for every example. */
Test(cost, estimate_covers_the_synapse_table)
{
    static const char *const ex[] = {"synfire", "feedforward", "cuba", "sheet", "conv"};
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s.json", T_EXAMPLES_DIR, ex[i]);
        sm_net_t *net = t_load_net(path);
        sm_error_t err;
        sm_mapping_t *map = sm_mapping_sequential(net, 0, 0, 256, &err);
        cr_assert_not_null(map, "%s", err.msg);
        uint32_t *local = malloc(((size_t)net->n_neurons + 1) * sizeof *local);
        uint32_t *fill = calloc((size_t)map->width * map->height, sizeof *fill);
        for (uint32_t g = 0; g < net->n_neurons; g++)
            local[g] = fill[map->core_of[g]]++;
        sm_syntab_t t;
        cr_assert_eq(sm_syntab_build(&t, net, map->core_of, local, NULL, &err), 0, "%s", err.msg);
        sm_cost_t c;
        sm_cost_estimate(net, 0, 256, &c);
        double table = (double)t.n_syn * sizeof(sm_syn_t) + (double)t.n_fan * sizeof(sm_fan_t);
        cr_expect_geq(c.syn_bytes, table, "%s: estimate %g bytes, table %g", ex[i], c.syn_bytes,
                      table);
        cr_expect_leq(c.syn_bytes, 4 * table + 1e6, "%s: estimate %g bytes, table %g", ex[i],
                      c.syn_bytes, table);
        cr_expect_eq(c.max_delay, t.max_delay, "%s", ex[i]);
        sm_syntab_fini(&t);
        free(local);
        free(fill);
        sm_mapping_destroy(&map);
        sm_net_destroy(&net);
    }
}

/* The reproducers of item 3, as networks in memory: refused by the limits
 * in well under a millisecond each, run and map alike. */
Test(cost, huge_networks_are_refused_before_anything_is_built)
{
    static const char *const texts[] = {
        POPS(134217728) W "{\"kind\": \"all_to_all\"}}]}", /* 2^54 synapses */
        POPS(100000) W "{\"kind\": \"all_to_all\"}}]}",    /* 1e10 synapses */
    };
    sm_limits_t lim;
    sm_limits_default(&lim);
    lim.max_memory = 8.0 * 1024 * 1024 * 1024;
    for (size_t i = 0; i < 2; i++) {
        sm_net_t *net = t_net_json(texts[i], "huge.json", ".");
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        sm_cost_t c;
        sm_error_t run, map;
        sm_cost_estimate(net, 0, 0, &c);
        int r1 = sm_limits_check_cost(&c, 0, &lim, &run);
        int r2 = sm_limits_check_cost(&c, 1, &lim, &map);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
        cr_expect_eq(r1, -1);
        cr_expect_eq(r2, -1);
        cr_expect_eq(run.code, SM_ETOOBIG);
        cr_expect_lt(secs, 0.01, "estimate took %g s", secs);
        cr_expect(strstr(run.msg, "synapses") && strstr(run.msg, "8 GiB"), "%s", run.msg);
        cr_expect(strstr(map.msg, "synapses"), "%s", map.msg);
        sm_net_destroy(&net);
    }
    /* A small network fits. */
    sm_net_t *net = t_load_net(T_EXAMPLES_DIR "/feedforward.json");
    sm_cost_t c;
    sm_error_t err;
    sm_cost_estimate(net, 0, 0, &c);
    cr_expect_eq(sm_limits_check_cost(&c, 1, &lim, &err), 0, "%s", err.msg);
    sm_net_destroy(&net);
}

/* traces.csv is bounded before the run by what the run writes. */
Test(cost, traces_estimate_bounds_the_file)
{
    sm_net_t *net = t_load_net(T_EXAMPLES_DIR "/feedforward.json");
    cr_assert_gt(net->n_probes, 0);
    sm_run_opts_t o;
    sm_run_opts_default(&o);
    o.threads = 1;
    sm_error_t err;
    sm_result_t *r = sm_engine_run(net, &o, &err);
    cr_assert_not_null(r, "%s", err.msg);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    sm_report_traces(f, net, r);
    fclose(f);
    sm_cost_t c;
    sm_cost_estimate(net, 0, 0, &c);
    cr_expect_geq(c.traces_csv_bytes, (double)len);
    cr_expect_leq(c.traces_csv_bytes, 4.0 * (double)len);
    free(buf);
    /* spikes.csv's size is exact. */
    f = open_memstream(&buf, &len);
    sm_report_spikes(f, net, r);
    fclose(f);
    cr_expect_eq(sm_report_spikes_bytes(net, r), (double)len);
    free(buf);
    sm_result_destroy(&r);
    sm_net_destroy(&net);
}

/* Item 4: counts per neuron and tick, and the saturated MultiSpike count. */
Test(cost, spike_counts_are_held_to_the_limit)
{
    sm_net_t *net = t_load_net(T_EXAMPLES_DIR "/feedforward.json");
    sm_result_t *r = sm_result_alloc(10, 1.0, 0, 1, 1);
    sm_spike_t s[] = {{1, 0, 1}, {2, net->pops[1].first + 3, 70000}};
    cr_assert_eq(sm_result_add_spikes(r, s, 2), 0);
    sm_limits_t lim;
    sm_limits_default(&lim);
    sm_error_t err;
    cr_expect_eq(sm_limits_check_spikes(net, r, &lim, &err), -1);
    char want[200];
    snprintf(want, sizeof want, "populations[1] \"%s\" neuron 3 fired 70000 spikes at tick 2",
             net->pops[1].name);
    cr_expect(strstr(err.msg, want) && strstr(err.msg, "65536"), "%s", err.msg);
    lim.max_spikes_per_tick = 70000;
    cr_expect_eq(sm_limits_check_spikes(net, r, &lim, &err), 0);
    r->spikes[1].count = SM_SATURATED_SPIKES;
    lim.max_spikes_per_tick = SM_SATURATED_SPIKES - 1;
    cr_expect_eq(sm_limits_check_spikes(net, r, &lim, &err), -1);
    cr_expect(strstr(err.msg, "saturated"), "%s", err.msg);
    sm_result_destroy(&r);
    sm_net_destroy(&net);
}

Test(cost, limit_options_parse_bytes)
{
    sm_limits_t l;
    sm_limits_default(&l);
    cr_expect_eq(sm_limits_option(&l, "run", "--max-memory", "8G"), 1);
    cr_expect_eq(l.max_memory, 8.0 * 1024 * 1024 * 1024);
    cr_expect_eq(sm_limits_option(&l, "run", "--max-memory", "512MiB"), 1);
    cr_expect_eq(l.max_memory, 512.0 * 1024 * 1024);
    cr_expect_eq(sm_limits_option(&l, "run", "--max-output", "1000"), 1);
    cr_expect_eq(l.max_output, 1000.0);
    cr_expect_eq(sm_limits_option(&l, "run", "--max-spikes-per-tick", "3"), 1);
    cr_expect_eq(l.max_spikes_per_tick, 3);
    cr_expect_eq(sm_limits_option(&l, "run", "--ticks", "3"), 0);
    static const char *const bad[] = {"-1", "0", "lots", "8X", "", "--quiet"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_eq(sm_limits_option(&l, "run", "--max-memory", bad[i]), -1, "'%s'", bad[i]);
    cr_expect_eq(sm_limits_option(&l, "run", "--max-memory", NULL), -1);
    cr_expect_eq(sm_limits_option(&l, "run", "--max-spikes-per-tick", "4294967040"), -1);
    const char *src = NULL;
    cr_expect_gt(sm_mem_available(&src), 0.0);
    cr_expect_not_null(src);
}
