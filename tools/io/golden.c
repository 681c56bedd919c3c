/* golden: loader and runner of golden reference traces. */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include "golden.h"
#include "model_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

/* ---- loading --------------------------------------------------------- */

static char *s_read_file(const char *path, sm_error_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        sm_fail(err, SM_EIO, "%s: cannot open", path);
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 65536 + 1 > cap) {
            cap = (cap ? cap * 2 : 1 << 20);
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                sm_fail(err, SM_ENOMEM, "%s: out of memory", path);
                return NULL;
            }
            buf = nb;
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0)
            break;
    }
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        sm_fail(err, SM_EIO, "%s: read error", path);
        return NULL;
    }
    buf[len] = '\0';
    if (strlen(buf) != len) {
        free(buf);
        sm_fail(err, SM_EPARSE, "%s: NUL byte: not a text file", path);
        return NULL;
    }
    return buf;
}

static const cJSON *s_field(const cJSON *obj, const char *key, const char *file, const char *at,
                            sm_error_t *err)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!it)
        sm_fail(err, SM_EPARSE, "%s: %s%s%s: missing", file, at, *at ? "." : "", key);
    return it;
}

static int s_uint(const cJSON *obj, const char *key, const char *file, const char *at,
                  uint32_t *out, sm_error_t *err)
{
    const cJSON *it = s_field(obj, key, file, at, err);
    if (!it)
        return -1;
    double d = cJSON_IsNumber(it) ? it->valuedouble : -1.0;
    if (!(d >= 1.0 && d <= 1e9 && d == floor(d)))
        return sm_fail(err, SM_EPARSE, "%s: %s%s%s: must be a positive integer", file, at,
                       *at ? "." : "", key);
    *out = (uint32_t)d;
    return 0;
}

static const char *s_string(const cJSON *obj, const char *key, const char *file, const char *at,
                            sm_error_t *err)
{
    const cJSON *it = s_field(obj, key, file, at, err);
    if (!it)
        return NULL;
    if (!cJSON_IsString(it)) {
        sm_fail(err, SM_EPARSE, "%s: %s%s%s: must be a string", file, at, *at ? "." : "", key);
        return NULL;
    }
    return it->valuestring;
}

static int s_vec(const cJSON *it, uint32_t n, const char *file, const char *what, float **out,
                 sm_error_t *err)
{
    if (!cJSON_IsArray(it))
        return sm_fail(err, SM_EPARSE, "%s: %s: must be an array of %u numbers", file, what, n);
    int len = cJSON_GetArraySize(it);
    if (len < 0 || (uint32_t)len != n)
        return sm_fail(err, SM_EPARSE, "%s: %s: must have %u values, got %d", file, what, n, len);
    float *v = malloc(((size_t)n ? n : 1) * sizeof *v);
    if (!v)
        return sm_fail(err, SM_ENOMEM, "%s: out of memory", file);
    uint32_t i = 0;
    for (const cJSON *e = it->child; e; e = e->next, i++) {
        if (!cJSON_IsNumber(e)) {
            free(v);
            return sm_fail(err, SM_EPARSE, "%s: %s[%u]: must be a number", file, what, i);
        }
        v[i] = (float)e->valuedouble;
    }
    *out = v;
    return 0;
}

/* A rows x cols array of numbers (cols 0: any, taken from row 0). */
static int s_mat(const cJSON *it, uint32_t rows, uint32_t cols, const char *file,
                 const char *what, sm_gmat_t *out, sm_error_t *err)
{
    if (!cJSON_IsArray(it))
        return sm_fail(err, SM_EPARSE, "%s: %s: must be an array of %u rows", file, what, rows);
    int len = cJSON_GetArraySize(it);
    if (len < 0 || (uint32_t)len != rows)
        return sm_fail(err, SM_EPARSE, "%s: %s: must have %u rows, got %d", file, what, rows, len);
    if (cols == 0 && rows > 0) {
        const cJSON *r0 = it->child;
        int c0 = cJSON_IsArray(r0) ? cJSON_GetArraySize(r0) : 0;
        if (c0 <= 0)
            return sm_fail(err, SM_EPARSE, "%s: %s[0]: must be a non-empty array", file, what);
        cols = (uint32_t)c0;
    }
    out->rows = rows;
    out->cols = cols;
    size_t cells = (size_t)rows * cols;
    out->v = malloc((cells ? cells : 1) * sizeof(float));
    if (!out->v)
        return sm_fail(err, SM_ENOMEM, "%s: out of memory", file);
    uint32_t r = 0;
    for (const cJSON *row = it->child; row; row = row->next, r++) {
        int n = cJSON_IsArray(row) ? cJSON_GetArraySize(row) : -1;
        if (n < 0 || (uint32_t)n != cols)
            return sm_fail(err, SM_EPARSE, "%s: %s[%u]: must be an array of %u numbers, got %s%d",
                           file, what, r, cols, n < 0 ? "a non-array " : "", n < 0 ? 0 : n);
        uint32_t c = 0;
        for (const cJSON *e = row->child; e; e = e->next, c++) {
            if (!cJSON_IsNumber(e))
                return sm_fail(err, SM_EPARSE, "%s: %s[%u][%u]: must be a number", file, what, r,
                               c);
            out->v[(size_t)r * cols + c] = (float)e->valuedouble;
        }
    }
    return 0;
}

static int s_mat_field(const cJSON *obj, const char *key, bool required, uint32_t rows,
                       uint32_t cols, const char *file, const char *at, sm_gmat_t *out,
                       sm_error_t *err)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!it) {
        if (required)
            return sm_fail(err, SM_EPARSE, "%s: %s.%s: missing", file, at, key);
        return 0;
    }
    char what[128];
    snprintf(what, sizeof what, "%s%s%s", at, *at ? "." : "", key);
    return s_mat(it, rows, cols, file, what, out, err);
}

static void s_mat_free(sm_gmat_t *m)
{
    free(m->v);
    m->v = NULL;
}

void sm_golden_destroy(sm_golden_t **g_p)
{
    if (!g_p || !*g_p)
        return;
    sm_golden_t *g = *g_p;
    sm_gmat_t *mats[] = {&g->input, &g->spk, &g->mem, &g->syn, &g->syn_exc, &g->syn_inh,
                         &g->input_spikes};
    for (size_t i = 0; i < sizeof mats / sizeof mats[0]; i++)
        s_mat_free(mats[i]);
    for (uint32_t k = 0; g->layers && k < g->n_layers; k++) {
        sm_glayer_t *l = &g->layers[k];
        s_mat_free(&l->weight);
        s_mat_free(&l->rec_weight);
        s_mat_free(&l->spk);
        s_mat_free(&l->mem);
        s_mat_free(&l->cur);
        free(l->bias);
        free(l->rec_bias);
        free(l->rec_v);
    }
    free(g->layers);
    cJSON_Delete(g->doc);
    free(g->file);
    free(g->name);
    free(g);
    *g_p = NULL;
}

static int s_load_population(sm_golden_t *g, sm_error_t *err)
{
    const cJSON *d = g->doc;
    const char *f = g->file;
    if (s_uint(d, "neurons", f, "", &g->neurons, err))
        return -1;
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(d, "params");
    if (p && !cJSON_IsObject(p) && !cJSON_IsNull(p))
        return sm_fail(err, SM_EPARSE, "%s: params: must be an object", f);
    g->params = cJSON_IsObject(p) ? p : NULL;
    const cJSON *dv = cJSON_GetObjectItemCaseSensitive(d, "derived");
    g->derived = cJSON_IsObject(dv) ? dv : NULL;
    if (s_mat_field(d, "input", true, g->steps, g->neurons, f, "", &g->input, err))
        return -1;
    const cJSON *ex = s_field(d, "expected", f, "", err);
    if (!ex)
        return -1;
    if (!cJSON_IsObject(ex))
        return sm_fail(err, SM_EPARSE, "%s: expected: must be an object", f);
    /* A leaky integrator never spikes, so its cases have no spk. */
    bool li = !strcmp(g->cls, "norse.LI") || !strcmp(g->cls, "norse.LICell");
    const uint32_t T = g->steps, N = g->neurons;
    if (s_mat_field(ex, "spk", !li, T, N, f, "expected", &g->spk, err) ||
        s_mat_field(ex, "mem", true, T, N, f, "expected", &g->mem, err) ||
        s_mat_field(ex, "syn", false, T, N, f, "expected", &g->syn, err) ||
        s_mat_field(ex, "syn_exc", false, T, N, f, "expected", &g->syn_exc, err) ||
        s_mat_field(ex, "syn_inh", false, T, N, f, "expected", &g->syn_inh, err))
        return -1;
    for (const cJSON *it = ex->child; it; it = it->next)
        if (strcmp(it->string, "spk") && strcmp(it->string, "mem") && strcmp(it->string, "syn") &&
            strcmp(it->string, "syn_exc") && strcmp(it->string, "syn_inh"))
            return sm_fail(err, SM_EPARSE, "%s: expected.%s: unknown trace", f, it->string);
    return 0;
}

static int s_load_layer(sm_golden_t *g, const cJSON *L, uint32_t k, uint32_t n_prev,
                        const cJSON *exl, sm_error_t *err)
{
    sm_glayer_t *l = &g->layers[k];
    const char *f = g->file;
    char at[96], what[128];
    snprintf(at, sizeof at, "layers[%u]", k);
    if (!cJSON_IsObject(L))
        return sm_fail(err, SM_EPARSE, "%s: %s: must be an object", f, at);
    if (s_mat_field(L, "weight", true, l->size, n_prev, f, at, &l->weight, err))
        return -1;
    const cJSON *b = s_field(L, "bias", f, at, err);
    if (!b)
        return -1;
    snprintf(what, sizeof what, "%s.bias", at);
    if (!cJSON_IsNull(b) && s_vec(b, l->size, f, what, &l->bias, err))
        return -1;
    const cJSON *nr = s_field(L, "neuron", f, at, err);
    if (!nr)
        return -1;
    snprintf(at, sizeof at, "layers[%u].neuron", k);
    if (!cJSON_IsObject(nr))
        return sm_fail(err, SM_EPARSE, "%s: %s: must be an object", f, at);
    if (!(l->cls = s_string(nr, "class", f, at, err)))
        return -1;
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(nr, "params");
    if (p && !cJSON_IsObject(p) && !cJSON_IsNull(p))
        return sm_fail(err, SM_EPARSE, "%s: %s.params: must be an object", f, at);
    l->params = cJSON_IsObject(p) ? p : NULL;
    const cJSON *rec = cJSON_GetObjectItemCaseSensitive(nr, "recurrent");
    if (rec && !cJSON_IsNull(rec)) {
        snprintf(at, sizeof at, "layers[%u].neuron.recurrent", k);
        if (!cJSON_IsObject(rec))
            return sm_fail(err, SM_EPARSE, "%s: %s: must be an object", f, at);
        const cJSON *V = cJSON_GetObjectItemCaseSensitive(rec, "V");
        if (V) {
            l->rec = SM_REC_DIAG;
            snprintf(what, sizeof what, "%s.V", at);
            if (s_vec(V, l->size, f, what, &l->rec_v, err))
                return -1;
        } else {
            l->rec = SM_REC_MATRIX;
            if (s_mat_field(rec, "weight", true, l->size, l->size, f, at, &l->rec_weight, err))
                return -1;
            const cJSON *rb = cJSON_GetObjectItemCaseSensitive(rec, "bias");
            snprintf(what, sizeof what, "%s.bias", at);
            if (rb && !cJSON_IsNull(rb) && s_vec(rb, l->size, f, what, &l->rec_bias, err))
                return -1;
        }
    } else if (!strcmp(l->cls, "snntorch.RLeaky")) {
        return sm_fail(err, SM_EPARSE, "%s: %s.recurrent: missing for snntorch.RLeaky", f, at);
    }
    snprintf(at, sizeof at, "expected.layers[%u]", k);
    if (!cJSON_IsObject(exl))
        return sm_fail(err, SM_EPARSE, "%s: %s: must be an object", f, at);
    if (s_mat_field(exl, "spk", true, g->steps, l->size, f, at, &l->spk, err) ||
        s_mat_field(exl, "mem", true, g->steps, l->size, f, at, &l->mem, err) ||
        s_mat_field(exl, "cur", false, g->steps, l->size, f, at, &l->cur, err))
        return -1;
    return 0;
}

static int s_load_network(sm_golden_t *g, sm_error_t *err)
{
    const cJSON *d = g->doc;
    const char *f = g->file;
    if (s_uint(d, "inputs", f, "", &g->inputs, err))
        return -1;
    const cJSON *ls = s_field(d, "layer_sizes", f, "", err);
    const cJSON *layers = ls ? s_field(d, "layers", f, "", err) : NULL;
    if (!layers)
        return -1;
    int nl = cJSON_IsArray(ls) ? cJSON_GetArraySize(ls) : -1;
    if (nl <= 0)
        return sm_fail(err, SM_EPARSE, "%s: layer_sizes: must be a non-empty array", f);
    if (!cJSON_IsArray(layers) || cJSON_GetArraySize(layers) != nl)
        return sm_fail(err, SM_EPARSE, "%s: layers: must be an array of %d layers", f, nl);
    const cJSON *ex = s_field(d, "expected", f, "", err);
    if (!ex)
        return -1;
    const cJSON *exls = s_field(ex, "layers", f, "expected", err);
    if (!exls)
        return -1;
    if (!cJSON_IsArray(exls) || cJSON_GetArraySize(exls) != nl)
        return sm_fail(err, SM_EPARSE, "%s: expected.layers: must be an array of %d layers", f, nl);
    if (s_mat_field(d, "input_spikes", true, g->steps, g->inputs, f, "", &g->input_spikes, err))
        return -1;
    g->layers = calloc((size_t)nl, sizeof *g->layers);
    if (!g->layers)
        return sm_fail(err, SM_ENOMEM, "%s: out of memory", f);
    g->n_layers = (uint32_t)nl;
    uint32_t k = 0;
    for (const cJSON *s = ls->child; s; s = s->next, k++) {
        double v = cJSON_IsNumber(s) ? s->valuedouble : -1.0;
        if (!(v >= 1.0 && v <= 1e7 && v == floor(v)))
            return sm_fail(err, SM_EPARSE, "%s: layer_sizes[%u]: must be a positive integer", f,
                           k);
        g->layers[k].size = (uint32_t)v;
    }
    const cJSON *L = layers->child, *E = exls->child;
    for (k = 0; k < g->n_layers; k++, L = L->next, E = E->next)
        if (s_load_layer(g, L, k, k ? g->layers[k - 1].size : g->inputs, E, err))
            return -1;
    return 0;
}

sm_golden_t *sm_golden_load(const char *path, sm_error_t *err)
{
    char *text = s_read_file(path, err);
    if (!text)
        return NULL;
    sm_golden_t *g = calloc(1, sizeof *g);
    if (!g) {
        free(text);
        sm_fail(err, SM_ENOMEM, "%s: out of memory", path);
        return NULL;
    }
    g->file = strdup(path);
    const char *end = NULL;
    g->doc = cJSON_ParseWithOpts(text, &end, 1);
    if (!g->doc) {
        /* Name the line, so that a broken file can be found by eye. */
        size_t off = end ? (size_t)(end - text) : 0, line = 1;
        for (size_t i = 0; i < off && text[i]; i++)
            line += text[i] == '\n';
        sm_fail(err, SM_EPARSE, "%s: malformed JSON at line %zu (byte %zu)", path, line, off);
        goto fail;
    }
    const cJSON *d = g->doc;
    if (!cJSON_IsObject(d)) {
        sm_fail(err, SM_EPARSE, "%s: top level: must be an object", path);
        goto fail;
    }
    const cJSON *fv = s_field(d, "format_version", path, "", err);
    if (!fv)
        goto fail;
    if (!cJSON_IsNumber(fv) || fv->valuedouble != 1.0) {
        sm_fail(err, SM_EPARSE, "%s: format_version: only version 1 is supported", path);
        goto fail;
    }
    const char *name = s_string(d, "name", path, "", err);
    const char *kind = name ? s_string(d, "kind", path, "", err) : NULL;
    g->cls = kind ? s_string(d, "class", path, "", err) : NULL;
    if (!g->cls || s_uint(d, "steps", path, "", &g->steps, err))
        goto fail;
    g->name = strdup(name);
    if (!g->file || !g->name) {
        sm_fail(err, SM_ENOMEM, "%s: out of memory", path);
        goto fail;
    }
    if (!strcmp(kind, "population")) {
        g->kind = SM_GOLDEN_POPULATION;
        if (s_load_population(g, err))
            goto fail;
    } else if (!strcmp(kind, "network")) {
        g->kind = SM_GOLDEN_NETWORK;
        if (s_load_network(g, err))
            goto fail;
    } else {
        sm_fail(err, SM_EPARSE, "%s: kind: must be \"population\" or \"network\", got \"%s\"", path,
                kind);
        goto fail;
    }
    free(text);
    return g;
fail:
    free(text);
    sm_golden_destroy(&g);
    return NULL;
}

/* ---- comparing ------------------------------------------------------- */

void sm_gcheck_init(sm_gcheck_t *c)
{
    memset(c, 0, sizeof *c);
}

static void s_mismatch(sm_gcheck_t *c, const char *what, uint32_t t, uint32_t n, double got,
                       double ref)
{
    if (c->mismatches++ == 0)
        snprintf(c->first, sizeof c->first, "%s[t=%u][n=%u]: got %.9g, expected %.9g", what, t, n,
                 got, ref);
}

void sm_gcheck_value(sm_gcheck_t *c, const char *what, uint32_t t, uint32_t n, double got,
                     double ref)
{
    c->compared++;
    double e = fabs(got - ref) / fmax(1.0, fabs(ref));
    if (!(e <= 1e-5)) {
        s_mismatch(c, what, t, n, got, ref);
        if (isnan(e))
            e = INFINITY;
    }
    if (e > c->worst)
        c->worst = e;
}

void sm_gcheck_spike(sm_gcheck_t *c, const char *what, uint32_t t, uint32_t n, double got,
                     double ref)
{
    c->compared++;
    if (got != ref)
        s_mismatch(c, what, t, n, got, ref);
}

/* ---- running --------------------------------------------------------- */

static void s_check_tick(const sm_golden_t *g, const sm_nstate_t *s, uint32_t spk, uint32_t t,
                         uint32_t n, sm_gcheck_t *chk)
{
    if (g->spk.v)
        sm_gcheck_spike(chk, "spk", t, n, spk, sm_gmat_at(&g->spk, t, n));
    sm_gcheck_value(chk, "mem", t, n, s->v, sm_gmat_at(&g->mem, t, n));
    if (g->syn.v)
        sm_gcheck_value(chk, "syn", t, n, s->ie, sm_gmat_at(&g->syn, t, n));
    if (g->syn_exc.v)
        sm_gcheck_value(chk, "syn_exc", t, n, s->ie, sm_gmat_at(&g->syn_exc, t, n));
    if (g->syn_inh.v)
        sm_gcheck_value(chk, "syn_inh", t, n, s->ii, sm_gmat_at(&g->syn_inh, t, n));
}

static void s_run_event(const sm_golden_t *g, const sm_model_t *m, uint32_t n, sm_gcheck_t *chk,
                        sm_gevent_t *st)
{
    const uint32_t T = g->steps;
    sm_nstate_t s;
    sm_model_init_state(m, &s);
    uint32_t t = 0;
    while (t < T) {
        float x = sm_gmat_at(&g->input, t, n);
        uint32_t k = 0;
        if (x == 0.0f) {
            uint32_t next_in = t;
            while (next_in < T && sm_gmat_at(&g->input, next_in, n) == 0.0f)
                next_in++;
            uint32_t d = sm_model_next_spike(m, &s);
            k = next_in - t;
            if (d != SM_NEVER && d - 1 < k)
                k = d - 1;
        }
        if (k == 0) {
            uint32_t spk = sm_model_step(m, &s, x, 0.0f);
            st->steps++;
            s_check_tick(g, &s, spk, t, n, chk);
            t++;
            continue;
        }
        sm_model_advance(m, &s, k);
        st->advances++;
        st->skipped += k;
        /* A reference spike inside the skipped stretch: the prediction was late. */
        for (uint32_t u = t; g->spk.v && u < t + k; u++)
            if (sm_gmat_at(&g->spk, u, n) != 0.0f)
                sm_gcheck_spike(chk, "spk (skipped by advance)", u, n, 0.0,
                                sm_gmat_at(&g->spk, u, n));
        t += k;
        s_check_tick(g, &s, 0, t - 1, n, chk);
    }
}

int sm_golden_run_population(const sm_golden_t *g, bool event, sm_gcheck_t *chk,
                             sm_gevent_t *stats, sm_error_t *err)
{
    sm_gevent_t dummy;
    if (!stats)
        stats = &dummy;
    memset(stats, 0, sizeof *stats);
    if (g->kind != SM_GOLDEN_POPULATION)
        return sm_fail(err, SM_EINVAL, "%s: not a population case", g->file);
    sm_model_t m;
    if (sm_model_from_golden(&m, g->cls, g->params, "params", err)) {
        sm_error_prefix(err, "%s: ", g->file);
        return -1;
    }
    for (uint32_t n = 0; n < g->neurons; n++) {
        if (event) {
            s_run_event(g, &m, n, chk, stats);
            continue;
        }
        sm_nstate_t s;
        sm_model_init_state(&m, &s);
        for (uint32_t t = 0; t < g->steps; t++) {
            uint32_t spk = sm_model_step(&m, &s, sm_gmat_at(&g->input, t, n), 0.0f);
            stats->steps++;
            s_check_tick(g, &s, spk, t, n, chk);
        }
    }
    return 0;
}
