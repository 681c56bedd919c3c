/* Atomic output (tools/io/output): a file is replaced only by a complete new
 * one; a failed write keeps the old file and leaves no temporary behind; a
 * run's three files are all written before any is renamed; a failed run
 * marks its output folder INCOMPLETE and a good one clears the mark. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "output.h"
#include "report.h"
#include "result.h"

static char s_dir[256];

static void s_setup(void)
{
    t_mkdtemp(s_dir, sizeof s_dir, "output");
}

static void s_teardown(void)
{
    chmod(s_dir, 0700);
    cr_expect_eq(t_rmtree(s_dir), 0);
}

TestSuite(output, .init = s_setup, .fini = s_teardown);

/* dir/name holds exactly text. */
static void s_expect_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    char *got = t_read_or_null(t_join(path, sizeof path, dir, name), NULL);
    cr_expect_not_null(got, "%s missing", path);
    if (got)
        cr_expect_str_eq(got, text, "%s", path);
    free(got);
}

Test(output, write_file_replaces_whole_and_leaves_no_temporary)
{
    char path[512];
    sm_error_t err;
    t_join(path, sizeof path, s_dir, "a.txt");
    cr_assert_eq(sm_write_file(path, "first\n", &err), 0, "%s", err.msg);
    s_expect_file(s_dir, "a.txt", "first\n");
    cr_assert_eq(sm_write_file(path, "second, longer\n", &err), 0, "%s", err.msg);
    s_expect_file(s_dir, "a.txt", "second, longer\n");
    cr_assert_eq(sm_write_file(path, "", &err), 0, "%s", err.msg);
    s_expect_file(s_dir, "a.txt", "");
    cr_expect_eq(t_count_temp_files(s_dir), 0);
}

Test(output, old_file_stays_until_commit)
{
    char path[512];
    sm_error_t err;
    t_write_in(path, sizeof path, s_dir, "a.txt", "old\n");
    sm_out_t o;
    cr_assert_eq(sm_out_open(&o, path, &err), 0, "%s", err.msg);
    fputs("new\n", o.f);
    cr_expect_eq(fflush(o.f), 0);
    /* Written, not committed: the target is the old file, the new one is a
     * temporary beside it. */
    s_expect_file(s_dir, "a.txt", "old\n");
    cr_expect_eq(t_count_temp_files(s_dir), 1);
    cr_expect(!strncmp(o.tmp, path, strlen(path)) && strstr(o.tmp, ".tmp"), "%s", o.tmp);
    cr_assert_eq(sm_out_commit(&o, &err), 0, "%s", err.msg);
    cr_expect_null(o.f);
    s_expect_file(s_dir, "a.txt", "new\n");
    cr_expect_eq(t_count_temp_files(s_dir), 0);
}

Test(output, abort_keeps_the_old_file)
{
    char path[512];
    sm_error_t err;
    t_write_in(path, sizeof path, s_dir, "a.txt", "old\n");
    sm_out_t o;
    cr_assert_eq(sm_out_open(&o, path, &err), 0, "%s", err.msg);
    fputs("half a", o.f);
    sm_out_abort(&o);
    cr_expect_null(o.f);
    s_expect_file(s_dir, "a.txt", "old\n");
    cr_expect_eq(t_count_temp_files(s_dir), 0);
    /* A second abort (cleanup paths call it on every file) is harmless. */
    sm_out_abort(&o);
    s_expect_file(s_dir, "a.txt", "old\n");
}

Test(output, finish_then_rename_replaces_files_together)
{
    char pa[512], pb[512];
    sm_error_t err;
    t_write_in(pa, sizeof pa, s_dir, "a.txt", "old a\n");
    t_write_in(pb, sizeof pb, s_dir, "b.txt", "old b\n");
    sm_out_t a, b;
    cr_assert_eq(sm_out_open(&a, pa, &err), 0, "%s", err.msg);
    cr_assert_eq(sm_out_open(&b, pb, &err), 0, "%s", err.msg);
    fputs("new a\n", a.f);
    fputs("new b\n", b.f);
    cr_assert_eq(sm_out_finish(&a, &err), 0, "%s", err.msg);
    cr_assert_eq(sm_out_finish(&b, &err), 0, "%s", err.msg);
    /* Finished is complete on disk, but not yet in place. */
    s_expect_file(s_dir, "a.txt", "old a\n");
    s_expect_file(s_dir, "b.txt", "old b\n");
    cr_expect_eq(t_count_temp_files(s_dir), 2);
    cr_assert_eq(sm_out_rename(&a, &err), 0, "%s", err.msg);
    cr_assert_eq(sm_out_rename(&b, &err), 0, "%s", err.msg);
    s_expect_file(s_dir, "a.txt", "new a\n");
    s_expect_file(s_dir, "b.txt", "new b\n");
    cr_expect_eq(t_count_temp_files(s_dir), 0);
}

/* A write that fails (the stream in error): commit refuses, names the file,
 * and the old one stays. */
Test(output, failed_write_keeps_the_old_file)
{
    char path[512];
    sm_error_t err;
    t_write_in(path, sizeof path, s_dir, "a.txt", "old\n");
    sm_out_t o;
    cr_assert_eq(sm_out_open(&o, path, &err), 0, "%s", err.msg);
    /* Injected failure: the temporary reopened read-only, so writes fail. */
    cr_assert_not_null(freopen(o.tmp, "r", o.f));
    fputs("new\n", o.f);
    sm_error_clear(&err);
    cr_expect_eq(sm_out_commit(&o, &err), -1);
    cr_expect(strstr(err.msg, path) && strstr(err.msg, "write failed"), "%s", err.msg);
    s_expect_file(s_dir, "a.txt", "old\n");
    cr_expect_eq(t_count_temp_files(s_dir), 0);
}

/* A full disk: the data is buffered and only the flush fails. */
Test(output, full_disk_keeps_the_old_file)
{
    if (access("/dev/full", W_OK) != 0)
        cr_skip_test("no /dev/full here");
    char path[512];
    sm_error_t err;
    t_write_in(path, sizeof path, s_dir, "a.txt", "old\n");
    sm_out_t o;
    cr_assert_eq(sm_out_open(&o, path, &err), 0, "%s", err.msg);
    fclose(o.f);
    o.f = fopen("/dev/full", "w");
    cr_assert_not_null(o.f);
    for (int i = 0; i < 100; i++)
        fputs("a line of the new file\n", o.f);
    sm_error_clear(&err);
    cr_expect_eq(sm_out_commit(&o, &err), -1);
    cr_expect(strstr(err.msg, path) && strstr(err.msg, "write failed"), "%s", err.msg);
    s_expect_file(s_dir, "a.txt", "old\n");
    cr_expect_eq(t_count_temp_files(s_dir), 0);
}

Test(output, unwritable_place_is_refused_and_named)
{
    char path[600], file[512];
    sm_error_t err;
    /* A folder that is a file. */
    t_write_in(file, sizeof file, s_dir, "plain", "a file\n");
    snprintf(path, sizeof path, "%s/a.txt", file);
    sm_error_clear(&err);
    cr_expect_eq(sm_write_file(path, "x\n", &err), -1);
    cr_expect(strstr(err.msg, path) && strstr(err.msg, "cannot write"), "%s", err.msg);
    s_expect_file(s_dir, "plain", "a file\n");
    /* A folder without write permission (root writes anyway: not checked). */
    if (geteuid() != 0) {
        char sub[512];
        t_join(sub, sizeof sub, s_dir, "ro");
        cr_assert_eq(mkdir(sub, 0700), 0);
        t_write_in(path, sizeof path, sub, "a.txt", "old\n");
        cr_assert_eq(chmod(sub, 0500), 0);
        sm_error_clear(&err);
        cr_expect_eq(sm_write_file(path, "new\n", &err), -1);
        cr_expect(strstr(err.msg, path) && strstr(err.msg, "cannot write"), "%s", err.msg);
        cr_assert_eq(chmod(sub, 0700), 0);
        s_expect_file(sub, "a.txt", "old\n");
        cr_expect_eq(t_count_temp_files(sub), 0);
    }
}

Test(output, failed_rename_removes_the_temporary)
{
    char path[512];
    sm_error_t err;
    t_join(path, sizeof path, s_dir, "taken");
    cr_assert_eq(mkdir(path, 0700), 0);
    char inside[512];
    t_write_in(inside, sizeof inside, path, "keep.txt", "kept\n");
    sm_error_clear(&err);
    cr_expect_eq(sm_write_file(path, "new\n", &err), -1);
    cr_expect(strstr(err.msg, path) && strstr(err.msg, "cannot replace"), "%s", err.msg);
    s_expect_file(path, "keep.txt", "kept\n");
    cr_expect_eq(t_count_temp_files(s_dir), 0);
}

Test(output, mkdirs_makes_parents_and_refuses_files)
{
    char path[600];
    sm_error_t err;
    snprintf(path, sizeof path, "%s/x/y/z", s_dir);
    cr_assert_eq(sm_mkdirs(path, &err), 0, "%s", err.msg);
    struct stat st;
    cr_expect(stat(path, &st) == 0 && S_ISDIR(st.st_mode), "%s not made", path);
    cr_expect_eq(sm_mkdirs(path, &err), 0, "an existing folder: %s", err.msg);
    char file[512];
    t_write_in(file, sizeof file, s_dir, "plain", "a file\n");
    sm_error_clear(&err);
    cr_expect_eq(sm_mkdirs(file, &err), -1);
    cr_expect(strstr(err.msg, file), "%s", err.msg);
    snprintf(path, sizeof path, "%s/plain/sub", s_dir);
    sm_error_clear(&err);
    cr_expect_eq(sm_mkdirs(path, &err), -1);
    cr_expect(strstr(err.msg, "plain"), "%s", err.msg);
    sm_error_clear(&err);
    cr_expect_eq(sm_mkdirs("", &err), -1);
    cr_expect_neq(err.code, SM_OK);
}

/* ---- a run's three files (sm_report_write_all) ------------------------- */

static const char s_net_json[] =
    "{\"simulation\": {\"ticks\": 5},"
    " \"populations\": [{\"name\": \"in\", \"size\": 2,"
    "   \"source\": {\"kind\": \"spike_times\", \"times\": [[1], [3]]}}]}";

Test(output, run_files_are_all_written_before_any_is_renamed)
{
    sm_net_t *net = t_net_json(s_net_json, "run.json", s_dir);
    sm_result_t *r = sm_result_alloc(5, 1.0, 0, 1, 1);
    cr_assert_not_null(r);
    sm_spike_t s[] = {{1, 0, 1}, {3, 1, 1}};
    cr_assert_eq(sm_result_add_spikes(r, s, 2), 0);
    cJSON *stats = cJSON_CreateObject();
    cJSON_AddNumberToObject(stats, "ticks", 5);
    static const char *const names[] = {"spikes.csv", "traces.csv", "stats.json"};
    char path[512];
    for (int i = 0; i < 3; i++)
        t_write_in(path, sizeof path, s_dir, names[i], "old\n");
    /* The last file cannot be written: its temporary's name is taken by a
     * folder. The first two are complete by then, and must not be renamed. */
    char blocker[600];
    snprintf(blocker, sizeof blocker, "%s/stats.json.tmp.%ld", s_dir, (long)getpid());
    cr_assert_eq(mkdir(blocker, 0700), 0);
    sm_error_t err;
    sm_error_clear(&err);
    cr_expect_eq(sm_report_write_all(net, r, stats, s_dir, &err), -1);
    cr_expect(strstr(err.msg, "stats.json"), "%s", err.msg);
    for (int i = 0; i < 3; i++)
        s_expect_file(s_dir, names[i], "old\n");
    cr_expect_eq(t_count_temp_files(s_dir), 1, "only the blocking folder may be left");
    cr_assert_eq(rmdir(blocker), 0);
    /* Unblocked: all three replaced. */
    cr_expect_eq(sm_report_write_all(net, r, stats, s_dir, &err), 0, "%s", err.msg);
    s_expect_file(s_dir, "spikes.csv", "tick,population,index\n1,in,0\n3,in,1\n");
    s_expect_file(s_dir, "traces.csv", "tick,population,index,v,syn_exc,syn_inh\n");
    char *json = t_read(t_join(path, sizeof path, s_dir, "stats.json"), NULL);
    cr_expect(strstr(json, "\"ticks\":"), "%s", json);
    free(json);
    cr_expect_eq(t_count_temp_files(s_dir), 0);
    cJSON_Delete(stats);
    sm_result_destroy(&r);
    sm_net_destroy(&net);
}

/* ---- the INCOMPLETE mark of `spikemesh run` ---------------------------- */

#define RUN_NET(delay)                                                                        \
    "{\"simulation\": {\"ticks\": 5},"                                                        \
    " \"populations\": [{\"name\": \"in\", \"size\": 1,"                                      \
    "   \"source\": {\"kind\": \"spike_times\", \"times\": [[1]]}},"                          \
    "  {\"name\": \"a\", \"size\": 1, \"model\": \"lif\", \"params\": {\"beta\": 0.9}}],"     \
    " \"projections\": [{\"source\": \"in\", \"target\": \"a\","                              \
    "   \"connectivity\": {\"kind\": \"all_to_all\"}, \"weight\": 2.0, \"delay\": " delay "}]}"

Test(output, failed_run_marks_its_folder_incomplete)
{
    char bad[512], good[512], out[512], mark[600];
    /* The engine refuses a delay beyond 511 ticks: the run fails after the
     * network loaded, before anything is written. */
    t_write_in(bad, sizeof bad, s_dir, "bad.json", RUN_NET("600"));
    t_write_in(good, sizeof good, s_dir, "good.json", RUN_NET("1"));
    t_join(out, sizeof out, s_dir, "out");
    snprintf(mark, sizeof mark, "%s/INCOMPLETE", out);

    /* No folder: the failed run does not make one to mark. */
    cr_expect_neq(t_run_bin("run '%s' --quiet --out '%s' 2>/dev/null", bad, out), 0);
    cr_expect_neq(access(out, F_OK), 0, "%s made by a failed run", out);

    cr_assert_eq(mkdir(out, 0700), 0);
    char old[600];
    t_write_in(old, sizeof old, out, "spikes.csv", "an earlier run\n");
    cr_expect_neq(t_run_bin("run '%s' --quiet --out '%s' 2>/dev/null", bad, out), 0);
    char *text = t_read_or_null(mark, NULL);
    cr_assert_not_null(text, "no %s after a failed run", mark);
    cr_expect(strstr(text, bad) && strstr(text, "exceeds the maximum"), "%s", text);
    free(text);
    s_expect_file(out, "spikes.csv", "an earlier run\n");
    cr_expect_eq(t_count_temp_files(out), 0);

    /* A good run replaces the files and clears the mark. */
    cr_expect_eq(t_run_bin("run '%s' --quiet --out '%s'", good, out), 0);
    cr_expect_neq(access(mark, F_OK), 0, "%s left after a good run", mark);
    text = t_read(old, NULL);
    cr_expect(!strncmp(text, "tick,population,index\n", 22), "%s", text);
    free(text);
    cr_expect_eq(t_count_temp_files(out), 0);
}

Test(output, run_whose_rename_fails_is_marked_incomplete)
{
    char good[512], out[512], mark[600], blocker[600];
    t_write_in(good, sizeof good, s_dir, "good.json", RUN_NET("1"));
    t_join(out, sizeof out, s_dir, "out");
    cr_assert_eq(mkdir(out, 0700), 0);
    /* stats.json is a folder that is not empty: it cannot be replaced. */
    snprintf(blocker, sizeof blocker, "%s/stats.json", out);
    cr_assert_eq(mkdir(blocker, 0700), 0);
    char keep[700];
    t_write_in(keep, sizeof keep, blocker, "keep", "x\n");
    cr_expect_eq(t_run_bin("run '%s' --quiet --out '%s' 2>/dev/null", good, out), 1);
    snprintf(mark, sizeof mark, "%s/INCOMPLETE", out);
    char *text = t_read_or_null(mark, NULL);
    cr_assert_not_null(text, "no %s after a failed rename", mark);
    cr_expect(strstr(text, "stats.json"), "%s", text);
    free(text);
    cr_expect_eq(t_count_temp_files(out), 0);
}
