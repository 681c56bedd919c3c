/* The golden loader's validation and the conform command in process. */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "golden.h"
#include "helpers.h"

static char s_dir[256];

static void s_setup(void)
{
    t_mkdtemp(s_dir, sizeof s_dir, "conform");
}

static void s_teardown(void)
{
    cr_expect_eq(t_rmtree(s_dir), 0);
}

static const char *s_write(const char *name, const char *text)
{
    static char path[512];
    return t_write_in(path, sizeof path, s_dir, name, text);
}

/* A valid 2-step, 2-neuron Leaky case, with `patch` replacing `what`. */
static const char *s_case(const char *name, const char *what, const char *patch)
{
    static const char *base =
        "{\"format_version\": 1, \"name\": \"tiny\", \"class\": \"snntorch.Leaky\","
        " \"kind\": \"population\", \"params\": {\"beta\": 0.5}, \"steps\": 2, \"neurons\": 2,"
        " \"input\": [[0.5, 2.0], [0.5, 0.0]],"
        " \"expected\": {\"spk\": [[0, 1], [0, 0]], \"mem\": [[0.5, 2.0], [0.75, 0.0]]}}";
    static char buf[1024];
    const char *at = what ? strstr(base, what) : NULL;
    if (!at) {
        snprintf(buf, sizeof buf, "%s", base);
    } else {
        snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - base), base, patch, at + strlen(what));
    }
    return s_write(name, buf);
}

static void s_refused(const char *path, const char *n1, const char *n2)
{
    sm_error_t err;
    sm_error_clear(&err);
    sm_golden_t *g = sm_golden_load(path, &err);
    cr_assert_null(g, "%s accepted", path);
    cr_expect(strstr(err.msg, path), "file not named: %s", err.msg);
    cr_expect(strstr(err.msg, n1), "'%s' not in: %s", n1, err.msg);
    if (n2)
        cr_expect(strstr(err.msg, n2), "'%s' not in: %s", n2, err.msg);
}

TestSuite(conform, .init = s_setup, .fini = s_teardown);

Test(conform, tiny_case_passes)
{
    sm_error_t err;
    sm_error_clear(&err);
    const char *p = s_case("ok.json", NULL, NULL);
    sm_golden_t *g = sm_golden_load(p, &err);
    cr_assert_not_null(g, "%s", err.msg);
    sm_gcheck_t chk;
    sm_gcheck_init(&chk);
    cr_assert_eq(sm_golden_run_population(g, false, &chk, NULL, &err), 0, "%s", err.msg);
    /* t=1, n=1: r = 1 (2.0 > 1), mem = 0.5*2 + 0 - 1 = 0. */
    cr_expect_eq(chk.mismatches, 0, "%s", chk.first);
    sm_golden_destroy(&g);
}

Test(conform, malformed_files_are_named)
{
    s_refused(s_write("broken.json", "{\"format_version\": 1,\n \"name\": [\n"), "malformed JSON",
              "broken.json:3:1");
    s_refused(s_case("nomem.json", "\"mem\"", "\"mam\""), "expected.mem", "missing");
    s_refused(s_case("noinput.json", "\"input\"", "\"inputs\""), "input", "missing");
    s_refused(s_case("rows.json", "[[0.5, 2.0], [0.5, 0.0]]", "[[0.5, 2.0]]"), "input: ",
              "must have 2 values, got 1");
    s_refused(s_case("cols.json", "[[0.5, 2.0], [0.5, 0.0]]", "[[0.5, 2.0], [0.5]]"), "input[1]",
              "must have 2 values, got 1");
    s_refused(s_case("nan.json", "[[0.5, 2.0], [0.5, 0.0]]", "[[0.5, \"x\"], [0.5, 0.0]]"),
              "input[0][1]", "must be a number");
    s_refused(s_case("steps.json", "\"steps\": 2", "\"steps\": -2"), "steps: ", "got -2");
    s_refused(s_case("kind.json", "\"population\"", "\"pop\""), "kind", "pop");
    s_refused(s_case("version.json", "\"format_version\": 1", "\"format_version\": 7"),
              "format_version", NULL);
    s_refused(s_write("missing.json", "{}"), "format_version", "missing");
}

Test(conform, unknown_class_fails)
{
    sm_error_t err;
    sm_error_clear(&err);
    const char *p = s_case("cls.json", "snntorch.Leaky", "snntorch.Bogus");
    sm_golden_t *g = sm_golden_load(p, &err);
    cr_assert_not_null(g, "%s", err.msg);
    sm_gcheck_t chk;
    sm_gcheck_init(&chk);
    cr_expect_eq(sm_golden_run_population(g, false, &chk, NULL, &err), -1);
    cr_expect(strstr(err.msg, "snntorch.Bogus"), "%s", err.msg);
    sm_golden_destroy(&g);
}

Test(conform, mismatch_is_reported)
{
    const char *p = s_case("bad.json", "[[0.5, 2.0], [0.75, 0.0]]", "[[0.5, 2.0], [0.76, 0.0]]");
    sm_error_t err;
    sm_error_clear(&err);
    sm_golden_t *g = sm_golden_load(p, &err);
    cr_assert_not_null(g, "%s", err.msg);
    sm_gcheck_t chk;
    sm_gcheck_init(&chk);
    cr_assert_eq(sm_golden_run_population(g, false, &chk, NULL, &err), 0);
    cr_expect_eq(chk.mismatches, 1);
    cr_expect(strstr(chk.first, "mem[t=1][n=0]"), "%s", chk.first);
    sm_golden_destroy(&g);
}

/* The command on the golden folder and on the failing cases above. */
Test(conform, command_exit_status)
{
    char *ok[] = {"conform", T_GOLDEN_DIR, NULL};
    cr_expect_eq(sm_cmd_conform(2, ok), 0);
    char *adv[] = {"conform", "--advance", T_GOLDEN_DIR, NULL};
    cr_expect_eq(sm_cmd_conform(3, adv), 0);
    const char *bad = s_case("bad.json", "[[0.5, 2.0], [0.75, 0.0]]", "[[0.5, 2.0], [0.76, 0.0]]");
    char *badv[] = {"conform", (char *)bad, NULL};
    cr_expect_eq(sm_cmd_conform(2, badv), 1);
    char *none[] = {"conform", NULL};
    cr_expect_eq(sm_cmd_conform(1, none), 2);
    char *opt[] = {"conform", "--frobnicate", T_GOLDEN_DIR, NULL};
    cr_expect_eq(sm_cmd_conform(3, opt), 2);
}

/* A golden case without the synaptic trace of a model that has one: it
 * used to pass on the membrane alone (issue 14, item 9). */
static const char *s_without(const char *golden, const char *drop, const char *name)
{
    char src[512];
    snprintf(src, sizeof src, "%s/%s", T_GOLDEN_DIR, golden);
    char *text = t_read(src, NULL);
    cJSON *doc = cJSON_Parse(text);
    free(text);
    cr_assert_not_null(doc, "%s does not parse", src);
    cJSON *ex = cJSON_GetObjectItemCaseSensitive(doc, "expected");
    cr_assert_not_null(cJSON_GetObjectItemCaseSensitive(ex, drop), "%s has no %s", src, drop);
    cJSON_DeleteItemFromObjectCaseSensitive(ex, drop);
    char *out = cJSON_PrintUnformatted(doc);
    const char *p = s_write(name, out);
    cJSON_free(out);
    cJSON_Delete(doc);
    return p;
}

Test(conform, missing_synaptic_trace_fails)
{
    static const struct {
        const char *golden, *drop;
    } cases[] = {
        {"snn_synaptic_subtract_pulses.json", "syn"},
        {"norse_lif_nondefault_uniform.json", "syn"},
        {"sinabs_lif_syn_single_reset.json", "syn"},
        {"snn_alpha_zero_const.json", "syn_inh"},
        {"snn_alpha_zero_const.json", "syn_exc"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "nosyn%zu.json", i);
        const char *p = s_without(cases[i].golden, cases[i].drop, name);
        sm_error_t err;
        sm_error_clear(&err);
        sm_golden_t *g = sm_golden_load(p, &err);
        cr_assert_not_null(g, "%s", err.msg);
        sm_gcheck_t chk;
        sm_gcheck_init(&chk);
        cr_expect_eq(sm_golden_run_population(g, false, &chk, NULL, &err), -1,
                     "%s without %s passed", cases[i].golden, cases[i].drop);
        char want[32];
        snprintf(want, sizeof want, "expected.%s: missing", cases[i].drop);
        cr_expect(strstr(err.msg, p) && strstr(err.msg, want), "%s", err.msg);
        sm_golden_destroy(&g);
        /* A malformed case is refused: bad input, exit 2 (1 is for cases that ran). */
        char *argv[] = {"conform", (char *)p, NULL};
        cr_expect_eq(sm_cmd_conform(2, argv), 2, "%s", p);
    }
}
