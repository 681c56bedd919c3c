/* tools/io/runspikes and tools/report/compare: run directories written by
 * hand, read back and compared; the numbers worked out by hand. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <string.h>
#include <sys/stat.h>

#include "compare.h"
#include "helpers.h"
#include "runspikes.h"

static char s_root[512];

static void s_setup(void) { t_mkdtemp(s_root, sizeof s_root, "cmp"); }
static void s_teardown(void) { t_rmtree(s_root); }

/* A run directory `name` with stats.json (two populations a:2 and b:3 over
 * `ticks` ticks of 1 ms; `nir` an extra member or "") and spikes.csv. */
static const char *s_run(const char *name, uint32_t ticks, const char *nir, const char *csv)
{
    static char dirs[4][600];
    static int k;
    char *dir = dirs[k++ % 4];
    t_join(dir, 600, s_root, name);
    mkdir(dir, 0700);
    char stats[1024], path[700];
    snprintf(stats, sizeof stats,
             "{\"ticks\": %u, \"dt_ms\": 1, \"populations\": [{\"name\": \"a\", \"size\": 2}, "
             "{\"name\": \"b\", \"size\": 3, \"recorded\": true}]%s}", ticks, nir);
    t_write_in(path, sizeof path, dir, "stats.json", stats);
    t_write_in(path, sizeof path, dir, "spikes.csv", csv);
    return dir;
}

TestSuite(compare, .init = s_setup, .fini = s_teardown);

Test(compare, counts_shared_distance_rates_first_tick)
{
    sm_error_t err;
    const char *fa = s_run("f", 10, "", "tick,population,index\n1,a,0\n1,a,0\n3,b,2\n5,a,1\n7,b,0\n");
    /* a: (1,0) once of twice, (5,1) kept, (6,1) new; b: (3,2) moved to 4 */
    const char *fb = s_run("c", 10, "", "tick,population,index\n1,a,0\n4,b,2\n5,a,1\n6,a,1\n7,b,0\n");
    sm_runspikes_t *a = sm_runspikes_read(fa, &err), *b = sm_runspikes_read(fb, &err);
    cr_assert(a && b, "%s", err.msg);
    cr_expect_eq(a->n_spikes, 5);
    sm_cmp_t cmp;
    cr_assert_eq(sm_compare(a, b, &cmp, &err), 0, "%s", err.msg);
    const sm_cmp_stats_t *A = &cmp.pops[0].s, *B = &cmp.pops[1].s;
    cr_expect_eq(A->spikes_a, 3);
    cr_expect_eq(A->spikes_b, 3);
    cr_expect_eq(A->shared, 2);
    cr_expect_eq(A->only_a, 1);
    cr_expect_eq(A->only_b, 1);
    cr_expect(A->diverged && A->first_t == 1);
    /* neuron 0: 2 against 1, neuron 1: 1 against 2, over 10 ms: (1 + 1) / 2 / 0.01 */
    cr_expect_float_eq(A->neuron_rate_diff_hz, 100.0, 1e-9);
    cr_expect_float_eq(A->rate_a_hz, 150.0, 1e-9);
    cr_expect_eq(B->shared, 1);
    cr_expect_eq(B->only_a + B->only_b, 2);
    cr_expect(B->diverged && B->first_t == 3);
    cr_expect_eq(cmp.total.spikes_a, 5);
    cr_expect_eq(cmp.total.shared, 3);
    cr_expect_eq(cmp.total.first_t, 1);
    cJSON *o = cJSON_CreateObject();
    sm_compare_stats_to_json(&cmp, B, "float", "chip", o);
    cr_expect_eq(cJSON_GetObjectItem(o, "distance")->valuedouble, 2);
    cr_expect_float_eq(cJSON_GetObjectItem(o, "normalised_distance")->valuedouble, 0.5, 1e-12);
    cr_expect_eq(cJSON_GetObjectItem(o, "first_divergence_tick")->valuedouble, 3);
    cr_expect_null(cJSON_GetObjectItem(o, "first_divergence_sample"));
    cJSON_Delete(o);
    sm_compare_fini(&cmp);
    sm_runspikes_destroy(&a);
    sm_runspikes_destroy(&b);
    cr_expect_null(a);
}

Test(compare, identical_runs_never_diverge)
{
    sm_error_t err;
    const char *csv = "tick,population,index\n0,b,1\n2,a,0\n";
    sm_runspikes_t *a = sm_runspikes_read(s_run("f", 4, "", csv), &err);
    sm_runspikes_t *b = sm_runspikes_read(s_run("c", 4, "", csv), &err);
    cr_assert(a && b, "%s", err.msg);
    sm_cmp_t cmp;
    cr_assert_eq(sm_compare(a, b, &cmp, &err), 0, "%s", err.msg);
    cr_expect(!cmp.total.diverged);
    cr_expect_eq(cmp.total.only_a + cmp.total.only_b, 0);
    cr_expect_eq(cmp.total.shared, 2);
    sm_compare_fini(&cmp);
    sm_runspikes_destroy(&a);
    sm_runspikes_destroy(&b);
}

Test(compare, batches_name_the_sample_and_agreement)
{
    sm_error_t err;
    const char *nir = ", \"nir\": {\"samples\": 2, \"ticks_per_sample\": 5, \"predictions\": [1, 0], "
                      "\"correct\": 1}";
    const char *nir2 = ", \"nir\": {\"samples\": 2, \"ticks_per_sample\": 5, \"predictions\": [1, 2], "
                       "\"correct\": 0}";
    sm_runspikes_t *a = sm_runspikes_read(
        s_run("f", 10, nir, "sample,tick,population,index\n0,1,a,0\n1,2,b,1\n"), &err);
    sm_runspikes_t *b = sm_runspikes_read(
        s_run("c", 10, nir2, "sample,tick,population,index\n0,1,a,0\n1,3,b,1\n"), &err);
    cr_assert(a && b, "%s", err.msg);
    cr_expect(a->labelled && a->accuracy == 0.5 && b->accuracy == 0.0);
    sm_cmp_t cmp;
    cr_assert_eq(sm_compare(a, b, &cmp, &err), 0, "%s", err.msg);
    cr_expect(cmp.classified);
    cr_expect_eq(cmp.agreeing, 1);
    cr_expect_eq(cmp.total.first_t, 7);  /* sample 1, tick 2 */
    cJSON *o = cJSON_CreateObject();
    sm_compare_stats_to_json(&cmp, &cmp.total, "float", "chip", o);
    cr_expect_eq(cJSON_GetObjectItem(o, "first_divergence_tick")->valuedouble, 2);
    cr_expect_eq(cJSON_GetObjectItem(o, "first_divergence_sample")->valuedouble, 1);
    cJSON_Delete(o);
    sm_compare_fini(&cmp);
    sm_runspikes_destroy(&a);
    sm_runspikes_destroy(&b);
}

Test(compare, refusals_name_the_file_and_line)
{
    sm_error_t err;
    cr_expect_null(sm_runspikes_read(s_run("x", 4, "", "tick,population,index\n0,c,0\n"), &err));
    cr_expect(strstr(err.msg, "spikes.csv:2:"), "%s", err.msg);
    cr_expect_null(sm_runspikes_read(s_run("y", 4, "", "tick,population,index\n0,b,3\n"), &err));
    cr_expect(strstr(err.msg, "spikes.csv:2:"), "%s", err.msg);
    cr_expect_null(sm_runspikes_read(s_run("z", 4, "", "tick,population,index\n4,b,0\n"), &err));
    cr_expect(strstr(err.msg, "within its ticks"), "%s", err.msg);
    cr_expect_null(sm_runspikes_read(s_run("w", 4, "", "t,p,i\n"), &err));
    cr_expect(strstr(err.msg, "header"), "%s", err.msg);
    /* runs of two networks */
    sm_runspikes_t *a = sm_runspikes_read(s_run("f", 4, "", "tick,population,index\n"), &err);
    sm_runspikes_t *b = sm_runspikes_read(s_run("c", 5, "", "tick,population,index\n"), &err);
    cr_assert(a && b, "%s", err.msg);
    sm_cmp_t cmp;
    cr_expect_eq(sm_compare(a, b, &cmp, &err), -1);
    cr_expect(strstr(err.msg, "4 and 5 ticks"), "%s", err.msg);
    sm_runspikes_destroy(&a);
    sm_runspikes_destroy(&b);
}
