/* The benchmark suite's building blocks: the limit kernel computes the right
 * sums, and the workload networks have the shape the suite reports. No
 * timing is asserted here. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "bench.h"
#include "commands.h"
#include "net.h"

Test(bench, limit_kernel_sums)
{
    /* Three rows by hand: 0 -> {1, 2}, 1 -> {}, 2 -> {0, 2, 2}. */
    sm_bench_syn_t syn[] = {{1, 0.5f}, {2, 0.25f}, {0, 1.0f}, {2, 2.0f}, {2, 4.0f}};
    uint64_t off[] = {0, 2, 2, 5};
    sm_bench_csr_t c = {.n_rows = 3, .n_tgt = 3, .off = off, .syn = syn};
    uint32_t rows[] = {0, 2, 1, 0};
    float state[3] = {0};
    cr_assert_eq(sm_bench_limit_kernel(&c, rows, 4, state), 7);
    cr_assert_float_eq(state[0], 1.0f, 0.0f);
    cr_assert_float_eq(state[1], 1.0f, 0.0f);
    cr_assert_float_eq(state[2], 6.5f, 0.0f);
}

Test(bench, limit_csr_shape_and_rate)
{
    sm_bench_csr_t c;
    cr_assert_eq(sm_bench_csr_init(&c, 50, 100, 64, 7), 0);
    cr_assert_eq(c.off[50], 5000);
    for (uint64_t i = 0; i < c.off[50]; i++) {
        cr_assert_lt(c.syn[i].tgt, 64u);
        cr_assert(c.syn[i].w >= 0.0f && c.syn[i].w < 1.0f);
    }
    cr_assert_gt(sm_bench_limit(&c, 0.001, 1), 0.0);
    sm_bench_csr_fini(&c);
    cr_assert_null(c.syn);
}

static int s_count(void *ctx, uint32_t src, uint32_t dst, float w, uint32_t delay)
{
    (void)src;
    (void)dst;
    (void)w;
    (void)delay;
    (*(uint64_t *)ctx)++;
    return 0;
}

Test(bench, scaling_net_has_100_synapses_per_neuron)
{
    sm_error_t err;
    sm_error_clear(&err);
    sm_net_t *net = sm_bench_scaling_net(2000, 10, 1, &err);
    cr_assert_not_null(net, "%s", err.msg);
    int p = sm_net_find_pop(net, "net");
    cr_assert_eq(p, 0, "the model population comes first");
    cr_assert_eq(net->pops[p].size, 2000);
    cr_assert_eq(net->pops[sm_net_find_pop(net, "ext")].size, 200);
    cr_assert_eq(net->pops[sm_net_find_pop(net, "ext")].kind, SM_POP_POISSON);
    uint64_t n = 0;
    for (uint32_t j = 0; j < net->n_projs; j++) {
        cr_assert_eq(net->projs[j].dst_pop, (uint32_t)p);
        cr_assert_eq(sm_proj_generate(net, &net->projs[j], s_count, &n), 0);
    }
    cr_assert_eq(SM_BENCH_K, 100u);
    cr_assert_eq(n, 2000u * SM_BENCH_K);
    cr_assert_eq(net->ticks, 10);
    cr_assert_float_eq(net->dt_ms, 1.0, 1e-12);
    sm_net_destroy(&net);
}

Test(bench, activity_net_and_rates)
{
    sm_error_t err;
    sm_error_clear(&err);
    double hz = sm_bench_rate_for_activity(0.5, 100, 1.0);
    /* 1 - (1 - p)^100 = 0.5 at p = hz / 1000. */
    cr_assert_float_eq(1.0 - pow(1.0 - hz / 1000.0, 100), 0.5, 1e-9);
    cr_assert_float_eq(sm_bench_rate_for_activity(0.001, 1, 1.0), 1.0, 1e-9);
    cr_assert_eq(sm_bench_rate_for_activity(0.0, 100, 1.0), 0.0);

    sm_net_t *net = sm_bench_activity_net(1000, 100, 10, hz, 5, 3, &err);
    cr_assert_not_null(net, "%s", err.msg);
    cr_assert_eq(net->n_projs, 1);
    cr_assert_eq(net->pops[0].size, 1000);
    cr_assert_eq(net->pops[1].kind, SM_POP_POISSON);
    cr_assert_float_eq(net->pops[1].rate_hz, hz, 1e-9);
    uint64_t n = 0;
    cr_assert_eq(sm_proj_generate(net, &net->projs[0], s_count, &n), 0);
    cr_assert_eq(n, 10000u);
    sm_net_destroy(&net);
}

Test(bench, workload_names)
{
    cr_assert(sm_bench_is_workload("limit"));
    cr_assert(sm_bench_is_workload("build"));
    cr_assert_not(sm_bench_is_workload("nope"));
}

/* issue 14, item 9: a negative --repeat dereferenced NULL. */
Test(bench, repeat_must_be_a_whole_number_in_range)
{
    static const char *const bad[] = {"-1", "0", "33", "x", "", "-", "1.5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *argv[] = {"bench", "--repeat", (char *)bad[i], NULL};
        cr_expect_eq(sm_cmd_bench(3, argv), 2, "--repeat '%s'", bad[i]);
    }
    char *none[] = {"bench", "--repeat", NULL};
    cr_expect_eq(sm_cmd_bench(2, none), 2);
}
