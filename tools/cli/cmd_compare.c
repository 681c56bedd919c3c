/* spikemesh compare: a network in float against the same network in a
 * fixed-point chip's arithmetic. The two are two ordinary runs, `spikemesh
 * run NET` into DIR/float and `spikemesh run NET --chip CHIP` into
 * DIR/chip, so that the comparison is of exactly what each run gives (and
 * both stay there to plot or inspect); then their spikes are read back and
 * compared (tools/report/compare.c) into DIR/compare.json. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "budget.h"
#include "chip.h"
#include "commands.h"
#include "compare.h"
#include "options.h"
#include "output.h"
#include "runspikes.h"

static void s_usage(FILE *f)
{
    fprintf(f,
            "usage: spikemesh compare NET.json|MODEL.nir --chip CHIP [options]\n\n"
            "Runs the network twice, in float (no chip) and in the arithmetic of a fixed-point\n"
            "chip (quantised as 'spikemesh run --chip' does), and compares the runs per\n"
            "population: spikes of each and their difference, the spike trains' distance\n"
            "(events on a (tick, neuron) that only one run has), the rate difference and the\n"
            "first tick they part; for a NIR graph with --labels, the accuracy of each and\n"
            "their agreement. Writes DIR/compare.json and the two runs' outputs in DIR/float\n"
            "and DIR/chip, and prints a table.\n\n"
            "options:\n"
            "  --chip NAME|FILE       the fixed-point chip (loihi, or a chip file with\n"
            "                         \"precision\": {\"arithmetic\": \"fixed\"}); required\n"
            "  --ticks N              run N ticks (default: the file's, or the input's)\n"
            "  --out DIR              output directory (default: out)\n"
            "  --threads N            worker threads of each run (default: one per CPU)\n"
            "  --engine event|dense   the engine of both runs (default: run's)\n"
            "  --input X.npy|X.h5     NIR: the input tensor, as for 'spikemesh run'\n"
            "  --labels FILE          NIR: one class per sample, for the accuracy of each run\n"
            "  --nir-flavor NAME      NIR: snntorch, norse or sinabs\n"
            "  --nir-conventions F    NIR: the conventions file\n"
            "  --quiet                no table\n"
            "%s",
            sm_limits_usage(1));
}

static const char *const s_valued[] = {"--chip", "--ticks", "--out", "--threads", "--engine",
                                       "--input", "--labels", "--nir-flavor", "--nir-conventions",
                                       NULL};
/* Options handed to both runs as they are. */
static const char *const s_passed[] = {"--ticks", "--threads", "--engine", "--input", "--labels",
                                       "--nir-flavor", "--nir-conventions", NULL};
static const char *const s_flags[] = {"--quiet", "--help", NULL};

#define S_ARGS_MAX 48

typedef struct {
    const char *net, *chip, *out;
    const char *pass[S_ARGS_MAX];
    int n_pass;
    int quiet;
} s_opts_t;

static int s_unknown(const char *a)
{
    const char *known[40];
    size_t n = 0;
    for (const char *const *l = s_valued; *l; l++)
        known[n++] = *l;
    for (const char *const *l = s_flags; *l; l++)
        known[n++] = *l;
    for (const char *const *l = sm_limits_options(1); *l && n + 1 < 40; l++)
        known[n++] = *l;
    known[n] = NULL;
    return sm_opt_unknown("compare", a, known);
}

static int s_parse(int argc, char **argv, s_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->out = "out";
    sm_limits_t lim;
    sm_limits_default(&lim);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        int lr = sm_opt_begin("compare", argc, argv, i, s_valued, &lim, &v);
        uint32_t x;
        if (lr < 0)
            return 2;
        if (lr > 0 || sm_opt_is(a, s_passed)) {
            if (!strcmp(a, "--ticks") && sm_opt_uint("compare", a, v, 1, UINT32_MAX, NULL, &x))
                return 2;
            if (!strcmp(a, "--threads") &&
                sm_opt_uint("compare", a, v, 1, UINT32_MAX, "leave it out for one thread per CPU",
                            &x))
                return 2;
            if (!strcmp(a, "--engine") && strcmp(v, "event") && strcmp(v, "dense")) {
                fprintf(stderr, "spikemesh compare: --engine: expected event or dense, got '%s'\n",
                        v);
                return 2;
            }
            if (o->n_pass + 2 > S_ARGS_MAX - 12) {
                fprintf(stderr, "spikemesh compare: too many options\n");
                return 2;
            }
            o->pass[o->n_pass++] = a;
            o->pass[o->n_pass++] = v;
            i++;
        } else if (!strcmp(a, "--chip")) {
            o->chip = v;
            i++;
        } else if (!strcmp(a, "--out")) {
            o->out = v;
            i++;
        } else if (!strcmp(a, "--quiet")) {
            o->quiet = 1;
        } else if (a[0] == '-') {
            return s_unknown(a);
        } else if (o->net) {
            fprintf(stderr, "spikemesh compare: one network at a time ('%s', '%s')\n", o->net, a);
            return 2;
        } else {
            o->net = a;
        }
    }
    if (!o->net) {
        fprintf(stderr, "spikemesh compare: no network file; see 'spikemesh compare --help'\n");
        return 2;
    }
    if (!o->chip) {
        fprintf(stderr, "spikemesh compare: --chip CHIP is required: the fixed-point chip whose "
                        "arithmetic the float network is compared with (e.g. --chip loihi)\n");
        return 2;
    }
    size_t n = strlen(o->net);
    if ((n > 5 && !strcmp(o->net + n - 5, ".yaml")) || (n > 4 && !strcmp(o->net + n - 4, ".yml")) ||
        (n > 4 && !strcmp(o->net + n - 4, ".net"))) {
        fprintf(stderr, "spikemesh compare: %s: SANA-FE files run as SANA-FE computes, in one "
                        "arithmetic; compare takes a network file (.json) or a NIR graph (.nir)\n",
                o->net);
        return 2;
    }
    return 0;
}

/* A float chip computes what the float run computes: nothing to compare. */
static int s_check_chip(const char *name, char *chip_name, size_t cap, uint32_t *bits)
{
    sm_error_t err;
    sm_error_clear(&err);
    sm_chip_t *chip = sm_chip_load(name, &err);
    if (!chip) {
        fprintf(stderr, "spikemesh compare: %s\n", err.msg);
        return 2;
    }
    int rc = 0;
    if (chip->arith != SM_ARITH_FIXED) {
        fprintf(stderr, "spikemesh compare: --chip %s: chip '%s' computes in float "
                        "(precision.arithmetic \"float\"), as the float run does: there is nothing "
                        "to compare; use a fixed-point chip (loihi, or a chip file with \"base\" "
                        "and \"precision\": {\"arithmetic\": \"fixed\"})\n", name, chip->name);
        rc = 2;
    }
    snprintf(chip_name, cap, "%s", chip->name);
    *bits = chip->weight_bits ? chip->weight_bits : 8;
    sm_chip_destroy(&chip);
    return rc;
}

/* One `spikemesh run`, in process, quietly; its exit status. */
static int s_run(const s_opts_t *o, const char *chip, const char *dir)
{
    const char *args[S_ARGS_MAX];
    int n = 0;
    args[n++] = "run";
    args[n++] = o->net;
    for (int k = 0; k < o->n_pass; k++)
        args[n++] = o->pass[k];
    if (chip) {
        args[n++] = "--chip";
        args[n++] = chip;
    }
    args[n++] = "--out";
    args[n++] = dir;
    args[n++] = "--quiet";
    args[n] = NULL;
    return sm_cmd_run(n, (char **)args);
}

/* The chip run's "quantisation" entry of population `name`, or NULL. */
static const cJSON *s_qpop(const cJSON *q, const char *name)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(q, "populations")) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(e, "population");
        if (cJSON_IsString(n) && !strcmp(n->valuestring, name))
            return e;
    }
    return NULL;
}

static cJSON *s_doc(const s_opts_t *o, const char *chip_name, uint32_t bits, const sm_cmp_t *cmp)
{
    const sm_runspikes_t *a = cmp->a, *b = cmp->b;
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(b->stats, "quantisation");
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "network", o->net);
    cJSON_AddStringToObject(doc, "chip", chip_name);
    cJSON_AddStringToObject(doc, "arithmetic", "fixed");
    cJSON_AddNumberToObject(doc, "weight_bits", bits);
    cJSON_AddNumberToObject(doc, "ticks", a->ticks);
    cJSON_AddNumberToObject(doc, "dt_ms", a->dt_ms);
    cJSON_AddNumberToObject(doc, "samples", (double)a->samples);
    cJSON_AddNumberToObject(doc, "ticks_per_sample", a->ticks_per_sample);
    cJSON *runs = cJSON_AddObjectToObject(doc, "runs");
    cJSON_AddStringToObject(runs, "float", "float");
    cJSON_AddStringToObject(runs, "chip", "chip");
    sm_compare_stats_to_json(cmp, &cmp->total, "float", "chip",
                             cJSON_AddObjectToObject(doc, "totals"));
    cJSON *pops = cJSON_AddArrayToObject(doc, "populations");
    for (uint32_t k = 0; k < cmp->n_pops; k++) {
        const sm_cmp_pop_t *cp = &cmp->pops[k];
        const sm_runpop_t *p = &a->pops[cp->pop];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddItemToArray(pops, e);
        cJSON_AddStringToObject(e, "name", p->name);
        cJSON_AddNumberToObject(e, "size", p->size);
        cJSON_AddBoolToObject(e, "recorded", cp->recorded);
        const cJSON *qp = s_qpop(q, p->name);
        const cJSON *qq = cJSON_GetObjectItemCaseSensitive(qp, "quantised");
        const cJSON *note = cJSON_GetObjectItemCaseSensitive(qp, "note");
        if (cJSON_IsBool(qq))
            cJSON_AddBoolToObject(e, "quantised", cJSON_IsTrue(qq));
        if (cJSON_IsString(note))
            cJSON_AddStringToObject(e, "note", note->valuestring);
        if (cp->recorded)
            sm_compare_stats_to_json(cmp, &cp->s, "float", "chip", e);
    }
    if (cmp->classified) {
        cJSON *c = cJSON_AddObjectToObject(doc, "classification");
        cJSON_AddNumberToObject(c, "samples", (double)a->samples);
        cJSON_AddBoolToObject(c, "labelled", a->labelled && b->labelled);
        if (a->labelled && b->labelled) {
            cJSON_AddNumberToObject(c, "correct_float", (double)a->correct);
            cJSON_AddNumberToObject(c, "correct_chip", (double)b->correct);
            cJSON_AddNumberToObject(c, "accuracy_float", a->accuracy);
            cJSON_AddNumberToObject(c, "accuracy_chip", b->accuracy);
            cJSON_AddNumberToObject(c, "accuracy_difference", b->accuracy - a->accuracy);
        }
        cJSON_AddNumberToObject(c, "agreeing", (double)cmp->agreeing);
        cJSON_AddNumberToObject(c, "agreement", (double)cmp->agreeing / (double)a->samples);
    }
    if (q)
        cJSON_AddItemToObject(doc, "quantisation", cJSON_Duplicate(q, 1));
    return doc;
}

/* A failed comparison leaves what DIR holds, but says so, as a failed run
 * does: compare.json there is not of these runs. */
static void s_mark(const char *dir, const char *net, const char *why)
{
    char path[SM_OUT_PATH + 32];
    snprintf(path, sizeof path, "%s/INCOMPLETE", dir);
    if (!why) {
        unlink(path);
        return;
    }
    char text[2048];
    snprintf(text, sizeof text, "The last 'spikemesh compare' of %s into this directory failed: %s\n"
             "compare.json here is from an earlier comparison, or missing.\n", net, why);
    sm_write_file(path, text, NULL);
}

static int s_write(const char *dir, cJSON *doc, sm_error_t *err)
{
    char *json = cJSON_Print(doc);
    if (!json)
        return sm_fail(err, SM_ENOMEM, "out of memory");
    size_t n = strlen(json);
    char *text = realloc(json, n + 2);
    if (!text) {
        free(json);
        return sm_fail(err, SM_ENOMEM, "out of memory");
    }
    text[n] = '\n';
    text[n + 1] = '\0';
    char path[SM_OUT_PATH + 32];
    snprintf(path, sizeof path, "%s/compare.json", dir);
    int rc = sm_write_file(path, text, err);
    free(text);
    return rc;
}

static void s_summary(const s_opts_t *o, const char *chip_name, uint32_t bits, const sm_cmp_t *cmp)
{
    const sm_runspikes_t *a = cmp->a;
    printf("spikemesh compare: %s in float against %s (fixed point, %u-bit weights), %u ticks",
           o->net, chip_name, bits, a->ticks_per_sample);
    if (a->samples > 1)
        printf(" x %llu samples", (unsigned long long)a->samples);
    printf("\n");
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(cmp->b->stats, "quantisation"), *e;
    uint32_t np = 0, nq = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(q, "populations")) {
        np++;
        nq += cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "quantised"));
    }
    printf("  on the chip: %u of %u neuron populations in loihi_lif%s (%s/chip/stats.json: "
           "quantisation)\n", nq, np,
           !nq ? ", none: the two runs compute the same" : nq < np ? ", the rest kept float" : "",
           o->out);
    sm_compare_print(stdout, cmp, "float", "chip");
    printf("  wrote %s/compare.json; the runs in %s/float and %s/chip\n", o->out, o->out, o->out);
}

int sm_cmd_compare(int argc, char **argv)
{
    if (sm_wants_help(argc, argv)) {
        s_usage(stdout);
        return 0;
    }
    s_opts_t o;
    int rc = s_parse(argc, argv, &o);
    if (rc)
        return rc;
    char chip_name[SM_CHIP_NAME_MAX];
    uint32_t bits = 8;
    if ((rc = s_check_chip(o.chip, chip_name, sizeof chip_name, &bits)))
        return rc;
    struct stat st;
    if (stat(o.out, &st) == 0 && !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "spikemesh compare: --out %s: exists and is not a directory\n", o.out);
        return 2;
    }
    sm_error_t err;
    sm_error_clear(&err);
    if (sm_mkdirs(o.out, &err)) {
        fprintf(stderr, "spikemesh compare: %s\n", err.msg);
        return 1;
    }
    char fdir[SM_OUT_PATH + 16], cdir[SM_OUT_PATH + 16];
    snprintf(fdir, sizeof fdir, "%s/float", o.out);
    snprintf(cdir, sizeof cdir, "%s/chip", o.out);
    if ((rc = s_run(&o, NULL, fdir))) {
        fprintf(stderr, "spikemesh compare: the float run of %s failed (above)\n", o.net);
        s_mark(o.out, o.net, "the float run failed");
        return rc;
    }
    if ((rc = s_run(&o, o.chip, cdir))) {
        fprintf(stderr, "spikemesh compare: the run of %s on %s failed (above)\n", o.net, chip_name);
        s_mark(o.out, o.net, "the chip run failed");
        return rc;
    }
    sm_runspikes_t *a = sm_runspikes_read(fdir, &err), *b = a ? sm_runspikes_read(cdir, &err) : NULL;
    sm_cmp_t cmp;
    memset(&cmp, 0, sizeof cmp);
    rc = 1;
    if (a && b && !sm_compare(a, b, &cmp, &err)) {
        cJSON *doc = s_doc(&o, chip_name, bits, &cmp);
        if (!doc)
            sm_fail(&err, SM_ENOMEM, "out of memory");
        else if (!s_write(o.out, doc, &err))
            rc = 0;
        cJSON_Delete(doc);
    }
    s_mark(o.out, o.net, rc ? err.msg : NULL);
    if (rc)
        fprintf(stderr, "spikemesh compare: %s\n", err.msg);
    else if (!o.quiet)
        s_summary(&o, chip_name, bits, &cmp);
    sm_compare_fini(&cmp);
    sm_runspikes_destroy(&a);
    sm_runspikes_destroy(&b);
    return rc;
}
