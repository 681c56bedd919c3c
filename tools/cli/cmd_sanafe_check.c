/* spikemesh sanafe check: a run compared with one of SANA-FE's reference
 * runs (an expected.json of schema sanafe-acceptance/1), field by field.
 * Given a result, it compares; given only the expected file, it runs the
 * case it names (its arch, snn, steps and timing model) first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "json.h"
#include "sfrun_check.h"
#include "sfrun_job.h"

static void s_help(FILE *f)
{
    fprintf(f,
            "usage: spikemesh sanafe check EXPECTED.json [RESULT.json] [options]\n\n"
            "Compares a SANA-FE run (the sanafe.json that 'spikemesh run' writes) with SANA-FE's\n"
            "reference figures: counters, logged spikes and their digest exactly; energies and\n"
            "simple latency within a relative 1e-12 per step and in total; detailed latency\n"
            "within 0.1%% of the total and 1%% on any step (--latency-exact: identical).\n"
            "Without RESULT.json it first runs the case EXPECTED.json names (arch, snn, steps,\n"
            "timing_model): '<set>/P' is looked up in --set DIR (as DIR/P, then DIR/basename),\n"
            "other relative paths (SANA-FE's own files) in --sanafe DIR.\n\n"
            "options:\n"
            "  --set DIR        the folder of the acceptance set's own files\n"
            "  --sanafe DIR     the folder holding SANA-FE's arch/ and snn/\n"
            "  --out DIR        write the run's sanafe.json, ticks.csv, spikes.csv there\n"
            "  --latency-exact  detailed latency must be identical\n"
            "  --quiet          print only failures and the verdict\n"
            "Exit status: 0 all fields within tolerance, 1 some are not, 2 bad input.\n");
}

static int s_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* A path of expected.json as a file here, or NULL (why in err). */
static char *s_resolve(const char *p, const char *set, const char *sanafe, const char *field,
                       sm_error_t *err)
{
    char buf[4200];
    if (!strncmp(p, "<set>/", 6)) {
        const char *rest = p + 6, *base = strrchr(rest, '/');
        base = base ? base + 1 : rest;
        if (!set) {
            sm_fail(err, SM_EINVAL, "expected.json's %s '%s' is a file of the acceptance set: give --set DIR",
                    field, p);
            return NULL;
        }
        snprintf(buf, sizeof buf, "%s/%s", set, rest);
        if (!s_exists(buf))
            snprintf(buf, sizeof buf, "%s/%s", set, base);
    } else if (p[0] == '/') {
        snprintf(buf, sizeof buf, "%s", p);
    } else {
        if (!sanafe) {
            sm_fail(err, SM_EINVAL,
                    "expected.json's %s '%s' is one of SANA-FE's own files: give --sanafe DIR (the "
                    "folder holding SANA-FE's arch/ and snn/)",
                    field, p);
            return NULL;
        }
        snprintf(buf, sizeof buf, "%s/%s", sanafe, p);
    }
    if (!s_exists(buf)) {
        sm_fail(err, SM_EIO, "expected.json's %s '%s': %s does not exist", field, p, buf);
        return NULL;
    }
    return strdup(buf);
}

int sm_cmd_sanafe_check(int argc, char **argv)
{
    if (sm_wants_help(argc, argv)) {
        s_help(stdout);
        return 0;
    }
    const char *files[2] = {NULL, NULL}, *set = NULL, *sanafe = NULL, *out = NULL;
    int nfiles = 0, quiet = 0;
    sm_sfrun_tol_t tol;
    sm_sfrun_tol_default(&tol);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--set") || !strcmp(a, "--sanafe") || !strcmp(a, "--out")) {
            if (!v) {
                fprintf(stderr, "spikemesh sanafe check: %s needs a value\n", a);
                return 2;
            }
            *(!strcmp(a, "--set") ? &set : !strcmp(a, "--sanafe") ? &sanafe : &out) = v;
            i++;
        } else if (!strcmp(a, "--latency-exact")) {
            tol.latency_exact = 1;
        } else if (!strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (a[0] == '-' || nfiles == 2) {
            s_help(stderr);
            return 2;
        } else {
            files[nfiles++] = a;
        }
    }
    if (!nfiles) {
        s_help(stderr);
        return 2;
    }
    sm_error_t err;
    sm_error_clear(&err);
    int rc = 2;
    cJSON *exp = NULL, *got = NULL;
    char *arch = NULL, *snn = NULL;
    const char *name = "?";
    if (!(exp = sm_json_read(files[0], (size_t)1 << 30, &err)))
        goto out;
    const cJSON *nm = cJSON_GetObjectItemCaseSensitive(exp, "name");
    if (cJSON_IsString(nm))
        name = nm->valuestring;
    if (nfiles == 2) {
        if (!(got = sm_json_read(files[1], (size_t)1 << 30, &err)))
            goto out;
    } else {
        const cJSON *ja = cJSON_GetObjectItemCaseSensitive(exp, "arch");
        const cJSON *jn = cJSON_GetObjectItemCaseSensitive(exp, "snn");
        const cJSON *js = cJSON_GetObjectItemCaseSensitive(exp, "steps");
        const cJSON *jt = cJSON_GetObjectItemCaseSensitive(exp, "timing_model");
        if (!cJSON_IsString(ja) || !cJSON_IsString(jn) || !cJSON_IsNumber(js) || js->valuedouble < 1 ||
            js->valuedouble > 1e8 || !cJSON_IsString(jt) ||
            (strcmp(jt->valuestring, "simple") && strcmp(jt->valuestring, "detailed"))) {
            sm_fail(&err, SM_EPARSE, "%s: needs arch, snn (strings), steps (1 to 1e8) and timing_model "
                                     "(simple or detailed)",
                    files[0]);
            goto out;
        }
        if (!(arch = s_resolve(ja->valuestring, set, sanafe, "arch", &err)) ||
            !(snn = s_resolve(jn->valuestring, set, sanafe, "snn", &err)))
            goto out;
        sm_sfrun_job_t job = {snn, arch, (uint32_t)js->valuedouble,
                              !strcmp(jt->valuestring, "simple") ? SM_SFRUN_SIMPLE : SM_SFRUN_DETAILED,
                              out, name, "spikemesh sanafe check"};
        sm_sfrun_result_t res;
        sm_sfrun_stats_t st;
        if (sm_sfrun_job(&job, NULL, &res, &got, &st, &err))
            goto out;
        sm_sfrun_result_fini(&res);
        /* numbers are raw text in the written document: read it back as a file would be */
        char *text = cJSON_PrintUnformatted(got);
        cJSON_Delete(got);
        got = text ? cJSON_Parse(text) : NULL;
        free(text);
        if (!got) {
            sm_fail(&err, SM_ENOMEM, "out of memory reading the run's sanafe.json back");
            goto out;
        }
        if (!quiet)
            printf("%s: ran %s on %s, %u steps, %s timing (%.3f s)\n\n", name, snn, arch, job.steps,
                   jt->valuestring, st.t_read + st.t_prepare + st.t_run);
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = quiet ? open_memstream(&buf, &len) : stdout;
    int failed = sm_sfrun_check(exp, got, &tol, mem ? mem : stdout, &err);
    if (quiet && mem) {
        fclose(mem);
        for (char *l = buf; l && *l;) {
            char *e = strchr(l, '\n');
            if (!strncmp(l, "FAIL", 4))
                printf("%.*s\n", e ? (int)(e - l) : (int)strlen(l), l);
            l = e ? e + 1 : l + strlen(l);
        }
        free(buf);
    }
    if (failed < 0)
        goto out;
    printf("%s: %s\n", name, failed ? "FAIL" : "ok, every field within tolerance");
    rc = failed ? 1 : 0;
out:
    if (rc == 2)
        fprintf(stderr, "spikemesh sanafe check: %s\n", err.msg);
    free(arch);
    free(snn);
    cJSON_Delete(exp);
    cJSON_Delete(got);
    return rc;
}
