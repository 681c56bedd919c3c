/* Atomic output (tools/io/output): a file is replaced only by a complete new
 * one; a failed write keeps the old file and leaves no temporary behind; a
 * run's three files are all written before any is renamed; a failed run
 * marks its output folder INCOMPLETE and a good one clears the mark. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
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
     * temporary in a private directory beside it. */
    s_expect_file(s_dir, "a.txt", "old\n");
    cr_expect_eq(t_count_temp_files(s_dir), 1);
    cr_expect(!strncmp(o.tmp, s_dir, strlen(s_dir)) && strstr(o.tmp, "/.spikemesh.tmp.") &&
                  strstr(o.tmp, "/a.txt"),
              "%s", o.tmp);
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
    /* The last file cannot be written: stats.json outgrows the file size
     * limit. The first two are complete by then, and must not be renamed. */
    char *pad = malloc(65536);
    cr_assert_not_null(pad);
    memset(pad, 'x', 65535);
    pad[65535] = '\0';
    cJSON_AddStringToObject(stats, "pad", pad);
    free(pad);
    struct rlimit old_lim, lim;
    cr_assert_eq(getrlimit(RLIMIT_FSIZE, &old_lim), 0);
    lim = old_lim;
    lim.rlim_cur = 16384;
    signal(SIGXFSZ, SIG_IGN);
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    sm_error_t err;
    sm_error_clear(&err);
    cr_expect_eq(sm_report_write_all(net, r, stats, s_dir, &err), -1);
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &old_lim), 0);
    cr_expect(strstr(err.msg, "stats.json"), "%s", err.msg);
    for (int i = 0; i < 3; i++)
        s_expect_file(s_dir, names[i], "old\n");
    cr_expect_eq(t_count_temp_files(s_dir), 0, "a failed write left its temporaries");
    cr_expect_neq(access(t_join(path, sizeof path, s_dir, "INCOMPLETE"), F_OK), 0);
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
    char good[512], out[512], mark[600];
    /* An output limit the run's files exceed: the run fails after it ran,
     * before anything is written. */
    t_write_in(good, sizeof good, s_dir, "good.json", RUN_NET("1"));
    t_join(out, sizeof out, s_dir, "out");
    snprintf(mark, sizeof mark, "%s/INCOMPLETE", out);

    /* No folder: the failed run does not make one to mark. */
    cr_expect_eq(t_run_bin("run '%s' --quiet --max-output 100 --out '%s' 2>/dev/null", good, out),
                 2);
    cr_expect_neq(access(out, F_OK), 0, "%s made by a failed run", out);

    cr_assert_eq(mkdir(out, 0700), 0);
    char old[600];
    t_write_in(old, sizeof old, out, "spikes.csv", "an earlier run\n");
    cr_expect_eq(t_run_bin("run '%s' --quiet --max-output 100 --out '%s' 2>/dev/null", good, out),
                 2);
    char *text = t_read_or_null(mark, NULL);
    cr_assert_not_null(text, "no %s after a failed run", mark);
    cr_expect(strstr(text, good) && strstr(text, "--max-output"), "%s", text);
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

/* ---- temporaries in a private directory (issue 14, items 6 and 10) ----- */

/* A symlink planted where the old code put its temporary
 * (DIR/NAME.tmp.PID, predictable): writing NAME must not write through it. */
Test(output, planted_symlink_is_never_written_through)
{
    char path[512], victim[512], link[600];
    sm_error_t err;
    t_write_in(victim, sizeof victim, s_dir, "victim", "precious\n");
    t_join(path, sizeof path, s_dir, "a.txt");
    snprintf(link, sizeof link, "%s.tmp.%ld", path, (long)getpid());
    cr_assert_eq(symlink(victim, link), 0);
    cr_expect_eq(sm_write_file(path, "new\n", &err), 0, "%s", err.msg);
    s_expect_file(s_dir, "victim", "precious\n");
    s_expect_file(s_dir, "a.txt", "new\n");
    cr_assert_eq(unlink(link), 0);
    /* The target a symlink: the link is replaced, its target untouched. */
    cr_assert_eq(unlink(path), 0);
    cr_assert_eq(symlink(victim, path), 0);
    cr_expect_eq(sm_write_file(path, "newer\n", &err), 0, "%s", err.msg);
    s_expect_file(s_dir, "victim", "precious\n");
    struct stat st;
    cr_expect(lstat(path, &st) == 0 && S_ISREG(st.st_mode), "%s is still a link", path);
}

/* The private directory: mode 0700, the temporary made with O_EXCL (a name
 * taken is refused, never reused), gone once the file is in place. */
Test(output, private_directory_is_private_and_goes_away)
{
    char path[512];
    sm_error_t err;
    t_join(path, sizeof path, s_dir, "a.txt");
    sm_out_t o;
    cr_assert_eq(sm_out_open(&o, path, &err), 0, "%s", err.msg);
    struct stat st;
    cr_assert_eq(stat(o.own, &st), 0, "%s", o.own);
    cr_expect(S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700, "mode %o", st.st_mode & 0777);
    char own[sizeof o.own];
    snprintf(own, sizeof own, "%s", o.own);
    cr_assert_eq(sm_out_commit(&o, &err), 0, "%s", err.msg);
    cr_expect_neq(access(own, F_OK), 0, "%s left behind", own);
    cr_expect_eq(t_count_temp_files(s_dir), 0);

    /* A shared private directory refuses a name it already holds. */
    sm_outdir_t d;
    sm_out_t a, b;
    cr_assert_eq(sm_outdir_open(&d, s_dir, &err), 0, "%s", err.msg);
    cr_assert_eq(sm_out_open_in(&a, &d, "x.csv", &err), 0, "%s", err.msg);
    sm_error_clear(&err);
    cr_expect_eq(sm_out_open_in(&b, &d, "x.csv", &err), -1);
    cr_expect(strstr(err.msg, "x.csv") && strstr(err.msg, "cannot write"), "%s", err.msg);
    sm_out_abort(&a);
    sm_outdir_close(&d);
    cr_expect_eq(t_count_temp_files(s_dir), 0);
}

static sm_result_t *s_two_spikes(void)
{
    sm_result_t *r = sm_result_alloc(5, 1.0, 0, 1, 1);
    cr_assert_not_null(r);
    sm_spike_t s[] = {{1, 0, 1}, {3, 1, 1}};
    cr_assert_eq(sm_result_add_spikes(r, s, 2), 0);
    return r;
}

/* A kill between the renames leaves some files new and some old: the
 * INCOMPLETE mark must already be there. A rename that fails in between
 * stops the writer at the same point. */
Test(output, incomplete_mark_stays_when_stopped_between_renames)
{
    sm_net_t *net = t_net_json(s_net_json, "run.json", s_dir);
    sm_result_t *r = s_two_spikes();
    cJSON *stats = cJSON_CreateObject();
    char path[512], keep[700];
    t_write_in(path, sizeof path, s_dir, "spikes.csv", "old\n");
    t_write_in(path, sizeof path, s_dir, "stats.json", "old\n");
    /* traces.csv is a folder that is not empty: it cannot be replaced. */
    cr_assert_eq(mkdir(t_join(path, sizeof path, s_dir, "traces.csv"), 0700), 0);
    t_write_in(keep, sizeof keep, path, "keep", "x\n");
    sm_error_t err;
    sm_error_clear(&err);
    cr_expect_eq(sm_report_write_all(net, r, stats, s_dir, &err), -1);
    cr_expect(strstr(err.msg, "traces.csv"), "%s", err.msg);
    s_expect_file(s_dir, "spikes.csv", "tick,population,index\n1,in,0\n3,in,1\n");
    s_expect_file(s_dir, "stats.json", "old\n");
    char *text = t_read_or_null(t_join(path, sizeof path, s_dir, "INCOMPLETE"), NULL);
    cr_expect_not_null(text, "no INCOMPLETE after the renames stopped half way");
    if (text)
        cr_expect(strstr(text, "run.json") && strstr(text, "different runs"), "%s", text);
    free(text);
    cr_expect_eq(t_count_temp_files(s_dir), 0);
    cJSON_Delete(stats);
    sm_result_destroy(&r);
    sm_net_destroy(&net);
}

/* A writer killed before its renames leaves its private directory and
 * nothing else; the next output into the folder removes it (its process is
 * gone), and leaves a live process's alone. */
Test(output, killed_writer_leaves_only_its_private_directory)
{
    char path[512];
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        sm_outdir_t d;
        sm_out_t o;
        sm_error_t e;
        if (sm_outdir_open(&d, s_dir, &e) || sm_out_open_in(&o, &d, "spikes.csv", &e))
            _exit(3);
        fputs("half a file", o.f);
        fflush(o.f);
        raise(SIGKILL);
        _exit(4);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFSIGNALED(status), "the writer was not killed (status %d)", status);
    /* What is left: one private directory, no stray temporary beside it. */
    unsigned dirs = 0, others = 0;
    DIR *dd = opendir(s_dir);
    cr_assert_not_null(dd);
    for (struct dirent *e; (e = readdir(dd));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (!strncmp(e->d_name, ".spikemesh.tmp.", 15))
            dirs++;
        else
            others++;
    }
    closedir(dd);
    cr_expect_eq(dirs, 1);
    cr_expect_eq(others, 0);
    /* A live process's directory (ours) survives the cleaning. */
    sm_outdir_t live;
    sm_error_t err;
    cr_assert_eq(sm_outdir_open(&live, s_dir, &err), 0, "%s", err.msg);
    cr_expect_eq(t_count_temp_files(s_dir), 1, "the dead writer's directory was not removed");
    cr_expect_eq(access(live.priv, F_OK), 0);
    sm_outdir_close(&live);
    cr_expect_eq(t_count_temp_files(s_dir), 0);
    (void)path;
}

/* --out takes a directory: an option in its place, or an existing file, is
 * refused before anything runs (and nothing is made or touched). */
Test(output, out_option_refuses_an_option_or_a_file)
{
    char good[512], file[512], dashdir[600];
    t_write_in(good, sizeof good, s_dir, "good.json", RUN_NET("1"));
    t_write_in(file, sizeof file, s_dir, "plain", "a file\n");
    cr_expect_eq(t_run_bin("run '%s' --out '%s' --quiet 2>/dev/null", good, file), 2);
    s_expect_file(s_dir, "plain", "a file\n");
    /* From inside s_dir, "--out --quiet" would make ./--quiet. */
    cr_expect_eq(t_sh("cd '%s' && '%s' run '%s' --out --quiet 2>/dev/null", s_dir, T_BIN, good),
                 2);
    snprintf(dashdir, sizeof dashdir, "%s/--quiet", s_dir);
    cr_expect_neq(access(dashdir, F_OK), 0, "%s was made", dashdir);
    cr_expect_eq(t_sh("cd '%s' && '%s' map '%s' --chip loihi --out --seed 2>/dev/null", s_dir,
                      T_BIN, good),
                 2);
}
