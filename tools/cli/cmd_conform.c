/* spikemesh conform: runs golden reference traces (snnTorch, Norse, Sinabs)
 * through the neuron models and, for network cases, through the engine, and
 * says per case whether spikes match exactly and states within
 * 1e-5 * max(1, |ref|). Lava's bit-accurate cases (Loihi's integers) run
 * through the engine, populations and networks alike, and must match
 * exactly. */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "commands.h"
#include "options.h"
#include "engine.h"
#include "golden.h"
#include "golden_lava.h"
#include "json.h"
#include "net.h"
#include "model_json.h"

typedef struct {
    bool advance;     /* also run the closed-form (event) path of population cases */
    bool pipelined;   /* network cases with delay 1 between layers                 */
    bool dense;       /* network cases on the dense reference engine               */
    unsigned passed, failed, not_applicable;
    unsigned refused; /* failed cases that could not be read, built or run: bad input */
} s_conf_t;

static void s_usage(FILE *f)
{
    fprintf(f,
            "usage: spikemesh conform [--advance] [--pipelined] [--dense] PATH...\n\n"
            "Checks the neuron models against golden reference traces computed by snnTorch,\n"
            "Norse and Sinabs, and the loihi_lif arithmetic against Lava's bit-accurate\n"
            "cases (tests/data/lava: run through the engine, u, v and spikes compared\n"
            "exactly). PATH is a case file or a folder (every *.json in it except\n"
            "README). Per case it prints\n"
            "  PASS name  worst=<largest relative state error>\n"
            "  FAIL name  <reason or first mismatch>\n"
            "and finally 'N passed, N failed'. Spikes must match exactly, mem/syn within\n"
            "|x - ref| <= 1e-5 * max(1, |ref|).\n\n"
            "options:\n"
            "  --advance    also run population cases through the closed-form path: step\n"
            "               only on ticks with input or when the model predicts a spike,\n"
            "               and jump the silent ticks with sm_model_advance (line tag [advance])\n"
            "  --pipelined  network cases with a delay of 1 tick between layers; layer k at\n"
            "               tick t+k is compared with the reference at tick t. Cases with a\n"
            "               bias are counted as not applicable (a bias acts before the\n"
            "               first spike arrives, so the shifted run differs)\n"
            "  --dense      network cases (and Lava's population cases) on the dense reference\n"
            "               engine (default: event engine)\n"
            "\nexit status: 0 all passed, 1 a case failed, 2 usage error or a case refused\n"
            "(a file that cannot be read, a field out of range: counted as failed too)\n");
}

static int s_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void s_report(s_conf_t *cf, const char *name, const char *tag, bool ok, const char *what)
{
    if (ok) {
        cf->passed++;
        printf("PASS %s%s  %s\n", name, tag, what);
    } else {
        cf->failed++;
        printf("FAIL %s%s  %s\n", name, tag, what);
    }
    fflush(stdout);
}

/* A case that never ran (its error names the file, field and value): a
 * failure like any other, and bad input for the exit status. */
static void s_refuse(s_conf_t *cf, const char *name, const char *tag, const char *msg)
{
    cf->refused++;
    s_report(cf, name, tag, false, msg);
}

static void s_verdict(s_conf_t *cf, const char *name, const char *tag, const sm_gcheck_t *chk)
{
    char msg[400];
    if (chk->mismatches)
        snprintf(msg, sizeof msg, "%llu mismatches, first %s (worst=%.3g)",
                 (unsigned long long)chk->mismatches, chk->first, chk->worst);
    else
        snprintf(msg, sizeof msg, "worst=%.3g", chk->worst);
    s_report(cf, name, tag, chk->mismatches == 0 && chk->compared > 0, msg);
}

/* ---- network cases --------------------------------------------------- */

static bool s_has_bias(const sm_golden_t *g)
{
    for (uint32_t k = 0; k < g->n_layers; k++) {
        const sm_glayer_t *l = &g->layers[k];
        for (uint32_t i = 0; i < l->size; i++)
            if ((l->bias && l->bias[i] != 0.0f) || (l->rec_bias && l->rec_bias[i] != 0.0f))
                return true;
    }
    return false;
}

static float *s_copy(const float *v, size_t n)
{
    float *c = malloc((n ? n : 1) * sizeof *c);
    if (c && n)
        memcpy(c, v, n * sizeof *c);
    return c;
}

/* Input spikes as a spike-time population, the layers as neuron populations
 * (the Linear bias, plus the recurrent one, as the model bias), Linear
 * weights as matrix projections, the RLeaky recurrence as a delay-1
 * projection, and a probe on every layer neuron. */
static sm_net_t *s_build_net(const sm_golden_t *g, uint32_t layer_delay, uint32_t ticks,
                             sm_error_t *err)
{
    sm_net_t *net = sm_net_new();
    if (!net) {
        sm_fail(err, SM_ENOMEM, "out of memory");
        return NULL;
    }
    sm_pop_t src = {0};
    snprintf(src.name, sizeof src.name, "input");
    src.kind = SM_POP_SPIKE_TIMES;
    src.size = g->inputs;
    src.record_spikes = true;
    uint32_t n_sp = 0;
    for (size_t i = 0; i < (size_t)g->steps * g->inputs; i++)
        n_sp += g->input_spikes.v[i] != 0.0f;
    src.st_off = calloc((size_t)g->inputs + 1, sizeof *src.st_off);
    src.st_ticks = malloc(((size_t)n_sp + 1) * sizeof *src.st_ticks);
    if (!src.st_off || !src.st_ticks) {
        free(src.st_off);
        free(src.st_ticks);
        sm_fail(err, SM_ENOMEM, "out of memory");
        goto fail;
    }
    uint32_t w = 0;
    for (uint32_t i = 0; i < g->inputs; i++) {
        src.st_off[i] = w;
        for (uint32_t t = 0; t < g->steps; t++) {
            float s = sm_gmat_at(&g->input_spikes, t, i);
            if (s != 0.0f && s != 1.0f) {
                sm_fail(err, SM_EPARSE, "input_spikes[%u][%u]: must be 0 or 1, got %g", t, i,
                        (double)s);
                free(src.st_off);
                free(src.st_ticks);
                goto fail;
            }
            if (s != 0.0f)
                src.st_ticks[w++] = t;
        }
    }
    src.st_off[g->inputs] = w;
    if (sm_net_add_pop(net, &src) < 0) {
        free(src.st_off);
        free(src.st_ticks);
        sm_fail(err, SM_ENOMEM, "out of memory");
        goto fail;
    }
    uint32_t n_probes = 0;
    for (uint32_t k = 0; k < g->n_layers; k++)
        n_probes += g->layers[k].size;
    net->probes = malloc(((size_t)n_probes + 1) * sizeof *net->probes);
    if (!net->probes) {
        sm_fail(err, SM_ENOMEM, "out of memory");
        goto fail;
    }
    for (uint32_t k = 0; k < g->n_layers; k++) {
        const sm_glayer_t *l = &g->layers[k];
        char path[64];
        snprintf(path, sizeof path, "layers[%u].neuron.params", k);
        sm_model_t base;
        if (sm_model_from_golden(&base, l->cls, l->params, path, err))
            goto fail;
        if (base.style != SM_STYLE_SNNTORCH || base.kind != SM_MODEL_LIF) {
            sm_fail(err, SM_EUNSUPPORTED, "%s: network layers must be snntorch.Leaky or RLeaky",
                    path);
            goto fail;
        }
        sm_pop_t p = {0};
        snprintf(p.name, sizeof p.name, "layer%u", k);
        p.kind = SM_POP_NEURONS;
        p.size = l->size;
        p.record_spikes = true;
        p.n_models = (l->bias || l->rec_bias) ? l->size : 1;
        p.models = malloc((size_t)p.n_models * sizeof *p.models);
        if (!p.models) {
            sm_fail(err, SM_ENOMEM, "out of memory");
            goto fail;
        }
        for (uint32_t i = 0; i < p.n_models; i++) {
            p.models[i] = base;
            float b = l->bias ? l->bias[i] : 0.0f;
            if (l->rec_bias)
                b = b + l->rec_bias[i];
            p.models[i].bias = b;
        }
        int pi = sm_net_add_pop(net, &p);
        if (pi < 0) {
            free(p.models);
            sm_fail(err, SM_ENOMEM, "out of memory");
            goto fail;
        }
        for (uint32_t i = 0; i < l->size; i++)
            net->probes[net->n_probes++] = (sm_probe_t){(uint32_t)pi, i};

        sm_proj_t pr = {0};
        pr.src_pop = (uint32_t)pi - 1;
        pr.dst_pop = (uint32_t)pi;
        pr.port = SM_PORT_EXC;
        pr.conn = SM_CONN_MATRIX;
        pr.matrix_delay = k ? layer_delay : 0;
        pr.delay.a = pr.matrix_delay;
        pr.matrix = s_copy(l->weight.v, (size_t)l->weight.rows * l->weight.cols);
        if (!pr.matrix || sm_net_add_proj(net, &pr) < 0) {
            free(pr.matrix);
            sm_fail(err, SM_ENOMEM, "out of memory");
            goto fail;
        }
        if (l->rec == SM_REC_NONE)
            continue;
        sm_proj_t rr = {0};
        rr.src_pop = rr.dst_pop = (uint32_t)pi;
        rr.port = SM_PORT_EXC;
        rr.allow_self = true;
        rr.delay.a = 1;
        if (l->rec == SM_REC_MATRIX) {
            rr.conn = SM_CONN_MATRIX;
            rr.matrix_delay = 1;
            rr.matrix = s_copy(l->rec_weight.v, (size_t)l->size * l->size);
            if (!rr.matrix) {
                sm_fail(err, SM_ENOMEM, "out of memory");
                goto fail;
            }
        } else {
            rr.conn = SM_CONN_LIST;
            rr.l_src = malloc((size_t)l->size * sizeof *rr.l_src);
            rr.l_dst = malloc((size_t)l->size * sizeof *rr.l_dst);
            rr.l_delay = malloc((size_t)l->size * sizeof *rr.l_delay);
            rr.l_weight = malloc((size_t)l->size * sizeof *rr.l_weight);
            if (!rr.l_src || !rr.l_dst || !rr.l_delay || !rr.l_weight) {
                free(rr.l_src);
                free(rr.l_dst);
                free(rr.l_delay);
                free(rr.l_weight);
                sm_fail(err, SM_ENOMEM, "out of memory");
                goto fail;
            }
            for (uint32_t i = 0; i < l->size; i++) {
                if (l->rec_v[i] == 0.0f)
                    continue;
                rr.l_src[rr.n_list] = rr.l_dst[rr.n_list] = i;
                rr.l_delay[rr.n_list] = 1;
                rr.l_weight[rr.n_list++] = l->rec_v[i];
            }
        }
        if (sm_net_add_proj(net, &rr) < 0) {
            free(rr.matrix);
            free(rr.l_src);
            free(rr.l_dst);
            free(rr.l_delay);
            free(rr.l_weight);
            sm_fail(err, SM_ENOMEM, "out of memory");
            goto fail;
        }
    }
    net->dt_ms = 1.0;
    net->ticks = ticks;
    net->path = strdup(g->file);
    if (sm_net_finish(net, err))
        goto fail;
    return net;
fail:
    sm_net_destroy(&net);
    return NULL;
}

static void s_network(s_conf_t *cf, const sm_golden_t *g, const char *tag)
{
    sm_error_t err;
    sm_error_clear(&err);
    uint32_t shift = cf->pipelined ? 1 : 0;
    if (cf->pipelined && s_has_bias(g)) {
        cf->not_applicable++;
        printf("N/A  %s%s  has a bias: not comparable with a pipelined run\n", g->name, tag);
        return;
    }
    uint32_t ticks = g->steps + shift * (g->n_layers - 1);
    sm_net_t *net = s_build_net(g, shift, ticks, &err);
    if (!net) {
        s_refuse(cf, g->name, tag, err.msg);
        return;
    }
    sm_run_opts_t o;
    sm_run_opts_default(&o);
    o.ticks = ticks;
    o.dense = cf->dense;
    sm_result_t *r = sm_engine_run(net, &o, &err);
    if (!r) {
        s_refuse(cf, g->name, tag, err.msg);
        sm_net_destroy(&net);
        return;
    }
    sm_gcheck_t chk;
    sm_gcheck_init(&chk);
    uint32_t probe = 0;
    char what[64];
    for (uint32_t k = 0; k < g->n_layers; k++) {
        const sm_glayer_t *l = &g->layers[k];
        const sm_pop_t *p = &net->pops[k + 1];
        uint32_t *cnt = calloc((size_t)g->steps * l->size + 1, sizeof *cnt);
        if (!cnt) {
            chk.mismatches++;
            snprintf(chk.first, sizeof chk.first, "out of memory");
            break;
        }
        for (size_t s = 0; s < r->n_spikes; s++) {
            const sm_spike_t *sp = &r->spikes[s];
            if (sp->gid < p->first || sp->gid >= p->first + p->size || sp->tick < shift * k ||
                sp->tick - shift * k >= g->steps)
                continue;
            cnt[(size_t)(sp->tick - shift * k) * l->size + (sp->gid - p->first)] += sp->count;
        }
        for (uint32_t t = 0; t < g->steps; t++) {
            uint32_t tt = t + shift * k;
            for (uint32_t i = 0; i < l->size; i++) {
                snprintf(what, sizeof what, "layers[%u].spk", k);
                sm_gcheck_spike(&chk, what, t, i, cnt[(size_t)t * l->size + i],
                                sm_gmat_at(&l->spk, t, i));
                snprintf(what, sizeof what, "layers[%u].mem", k);
                double v = r->trace[((size_t)tt * r->n_probes + probe + i) * 3];
                sm_gcheck_value(&chk, what, t, i, v, sm_gmat_at(&l->mem, t, i));
            }
        }
        free(cnt);
        probe += l->size;
    }
    s_verdict(cf, g->name, tag, &chk);
    sm_result_destroy(&r);
    sm_net_destroy(&net);
}

/* ---- one file -------------------------------------------------------- */

static void s_case_name(const char *path, char *out, size_t n)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    snprintf(out, n, "%s", b);
    size_t l = strlen(out);
    if (l > 5 && !strcmp(out + l - 5, ".json"))
        out[l - 5] = '\0';
}

/* A Lava case: its network through the engine, compared exactly. */
static void s_lava(s_conf_t *cf, const char *path)
{
    sm_error_t err;
    sm_error_clear(&err);
    char name[256];
    s_case_name(path, name, sizeof name);
    const char *tag = cf->dense ? " [dense]" : "";
    sm_lava_case_t *c = sm_lava_load(path, &err);
    sm_net_t *net = c ? sm_lava_net(c, &err) : NULL;
    sm_result_t *r = NULL;
    if (net) {
        sm_run_opts_t o;
        sm_run_opts_default(&o);
        o.ticks = c->steps;
        o.dense = cf->dense;
        r = sm_engine_run(net, &o, &err);
    }
    if (!r) {
        s_refuse(cf, c ? c->name : name, tag, err.msg);
    } else {
        char first[256], msg[400];
        uint64_t compared;
        uint64_t miss = sm_lava_check(c, net, r, &compared, first, sizeof first);
        if (miss)
            snprintf(msg, sizeof msg, "%llu mismatches, first %s", (unsigned long long)miss, first);
        else
            snprintf(msg, sizeof msg, "exact: u, v and spikes, %u steps, %llu values",
                     c->steps, (unsigned long long)compared);
        s_report(cf, c->name, tag, miss == 0 && compared > 0, msg);
    }
    sm_result_destroy(&r);
    sm_net_destroy(&net);
    sm_lava_destroy(&c);
}

static void s_file(s_conf_t *cf, const char *path)
{
    sm_error_t err;
    sm_error_clear(&err);
    /* Lava's cases have their own format: tell them by their class. */
    cJSON *doc = sm_json_read(path, SM_JSON_MAX_BYTES, &err);
    bool lava = doc && sm_lava_is_case(doc);
    cJSON_Delete(doc);
    if (lava) {
        s_lava(cf, path);
        return;
    }
    sm_golden_t *g = sm_golden_load(path, &err);
    if (!g) {
        char name[256];
        s_case_name(path, name, sizeof name);
        s_refuse(cf, name, "", err.msg);
        return;
    }
    if (g->kind == SM_GOLDEN_NETWORK) {
        s_network(cf, g, cf->pipelined ? " [pipelined]" : "");
    } else {
        for (int pass = 0; pass < (cf->advance ? 2 : 1); pass++) {
            sm_gcheck_t chk;
            sm_gcheck_init(&chk);
            const char *tag = pass ? " [advance]" : "";
            if (sm_golden_run_population(g, pass == 1, &chk, NULL, &err))
                s_refuse(cf, g->name, tag, err.msg);
            else
                s_verdict(cf, g->name, tag, &chk);
        }
    }
    sm_golden_destroy(&g);
}

static int s_path(s_conf_t *cf, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "spikemesh conform: %s: no such file or folder\n", path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        s_file(cf, path);
        return 0;
    }
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "spikemesh conform: %s: cannot open folder\n", path);
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l <= 5 || strcmp(e->d_name + l - 5, ".json") || !strncmp(e->d_name, "README", 6))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **nn = realloc(names, cap * sizeof *names);
            if (!nn) {
                rc = -1;
                break;
            }
            names = nn;
        }
        if (!(names[n] = strdup(e->d_name))) {
            rc = -1;
            break;
        }
        n++;
    }
    closedir(d);
    if (rc)
        fprintf(stderr, "spikemesh conform: out of memory\n");
    if (n)
        qsort(names, n, sizeof *names, s_cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (!rc) {
            size_t l = strlen(path) + strlen(names[i]) + 2;
            char *full = malloc(l);
            if (full) {
                snprintf(full, l, "%s/%s", path, names[i]);
                s_file(cf, full);
                free(full);
            }
        }
        free(names[i]);
    }
    free(names);
    if (!rc && n == 0)
        fprintf(stderr, "spikemesh conform: %s: no *.json case in this folder\n", path);
    return rc;
}

int sm_cmd_conform(int argc, char **argv)
{
    if (sm_wants_help(argc, argv)) {
        s_usage(stdout);
        return 0;
    }
    s_conf_t cf = {0};
    int first = 1;
    for (; first < argc && argv[first][0] == '-' && argv[first][1] == '-'; first++) {
        if (!strcmp(argv[first], "--advance"))
            cf.advance = true;
        else if (!strcmp(argv[first], "--pipelined"))
            cf.pipelined = true;
        else if (!strcmp(argv[first], "--dense"))
            cf.dense = true;
        else if (!strcmp(argv[first], "--")) {
            first++;
            break;
        } else {
            static const char *const known[] = {"--advance", "--pipelined", "--dense", "--help",
                                                NULL};
            return sm_opt_unknown("conform", argv[first], known);
        }
    }
    if (first >= argc) {
        s_usage(stderr);
        return 2;
    }
    int bad = 0;
    for (int i = first; i < argc; i++)
        bad |= s_path(&cf, argv[i]) != 0;
    if (cf.not_applicable)
        printf("%u not applicable\n", cf.not_applicable);
    printf("%u passed, %u failed\n", cf.passed, cf.failed);
    if (bad || cf.refused)
        return 2;
    return cf.failed ? 1 : 0;
}
