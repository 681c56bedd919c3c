/* golden: loader and runner of golden reference traces. */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include "golden.h"
#include "json.h"
#include "model_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

/* ---- loading --------------------------------------------------------- */

/* n numbers, as float32 (the values the library used). */
static int s_vec(const sm_json_t *j, const cJSON *it, uint32_t n, const char *what, float **out)
{
    if (sm_json_array(j, it, what, n, n, NULL) < 0)
        return -1;
    float *v = malloc(((size_t)n ? n : 1) * sizeof *v);
    if (!v)
        return sm_fail(j->err, SM_ENOMEM, "%s: out of memory", j->file);
    uint32_t i = 0;
    for (const cJSON *e = it->child; e; e = e->next, i++) {
        char p[SM_JSON_PATH];
        double x;
        if (sm_json_num(j, e, sm_json_at(p, "%s[%u]", what, i), NULL, &x) < 0) {
            free(v);
            return -1;
        }
        v[i] = (float)x;
    }
    *out = v;
    return 0;
}

/* A rows x cols array of numbers (cols 0: any, taken from row 0). */
static int s_mat(const sm_json_t *j, const cJSON *it, uint32_t rows, uint32_t cols,
                 const char *what, sm_gmat_t *out)
{
    char p[SM_JSON_PATH];
    if (sm_json_array(j, it, what, rows, rows, NULL) < 0)
        return -1;
    if (cols == 0 && rows > 0) {
        size_t c0;
        if (sm_json_array(j, it->child, sm_json_at(p, "%s[0]", what), 1, UINT32_MAX, &c0) < 0)
            return -1;
        cols = (uint32_t)c0;
    }
    out->rows = rows;
    out->cols = cols;
    size_t cells = (size_t)rows * cols;
    out->v = malloc((cells ? cells : 1) * sizeof(float));
    if (!out->v)
        return sm_fail(j->err, SM_ENOMEM, "%s: out of memory", j->file);
    uint32_t r = 0;
    for (const cJSON *row = it->child; row; row = row->next, r++) {
        if (sm_json_array(j, row, sm_json_at(p, "%s[%u]", what, r), cols, cols, NULL) < 0)
            return -1;
        uint32_t c = 0;
        for (const cJSON *e = row->child; e; e = e->next, c++) {
            double x;
            if (sm_json_num(j, e, sm_json_at(p, "%s[%u][%u]", what, r, c), NULL, &x) < 0)
                return -1;
            out->v[(size_t)r * cols + c] = (float)x;
        }
    }
    return 0;
}

static int s_mat_field(const sm_json_t *j, const cJSON *obj, const char *at, const char *key,
                       bool required, uint32_t rows, uint32_t cols, sm_gmat_t *out)
{
    const cJSON *it = required ? sm_json_req(j, obj, at, key)
                               : sm_json_get(obj, key, SM_JSON_OPTIONAL);
    if (!it)
        return required ? -1 : 0;
    char what[SM_JSON_PATH];
    sm_json_at(what, "%s%s%s", at, *at ? "." : "", key);
    return s_mat(j, it, rows, cols, what, out);
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

static int s_load_population(sm_golden_t *g, const sm_json_t *j)
{
    static const char *const traces[] = {"spk", "mem", "syn", "syn_exc", "syn_inh", NULL};
    const cJSON *d = g->doc;
    if (sm_json_get_u32(j, d, "", "neurons", SM_JSON_REQUIRED, 1, 1000000000, &g->neurons) < 0)
        return -1;
    g->params = NULL;
    if (sm_json_get_object(j, d, "", "params", SM_JSON_NULL, &g->params) < 0)
        return -1;
    const cJSON *dv = cJSON_GetObjectItemCaseSensitive(d, "derived");
    g->derived = cJSON_IsObject(dv) ? dv : NULL;
    if (s_mat_field(j, d, "", "input", true, g->steps, g->neurons, &g->input))
        return -1;
    const cJSON *ex;
    if (sm_json_get_object(j, d, "", "expected", SM_JSON_REQUIRED, &ex) < 0)
        return -1;
    /* A leaky integrator never spikes, so its cases have no spk. */
    bool li = !strcmp(g->cls, "norse.LI") || !strcmp(g->cls, "norse.LICell");
    const uint32_t T = g->steps, N = g->neurons;
    if (s_mat_field(j, ex, "expected", "spk", !li, T, N, &g->spk) ||
        s_mat_field(j, ex, "expected", "mem", true, T, N, &g->mem) ||
        s_mat_field(j, ex, "expected", "syn", false, T, N, &g->syn) ||
        s_mat_field(j, ex, "expected", "syn_exc", false, T, N, &g->syn_exc) ||
        s_mat_field(j, ex, "expected", "syn_inh", false, T, N, &g->syn_inh))
        return -1;
    return sm_json_keys(j, ex, "expected", traces, NULL, NULL);
}

static int s_load_layer(sm_golden_t *g, const sm_json_t *j, const cJSON *L, uint32_t k,
                        uint32_t n_prev, const cJSON *exl)
{
    sm_glayer_t *l = &g->layers[k];
    char at[SM_JSON_PATH], what[SM_JSON_PATH];
    sm_json_at(at, "layers[%u]", k);
    if (sm_json_object(j, L, at) < 0)
        return -1;
    if (s_mat_field(j, L, at, "weight", true, l->size, n_prev, &l->weight))
        return -1;
    const cJSON *b = sm_json_req(j, L, at, "bias");
    if (!b)
        return -1;
    sm_json_at(what, "%s.bias", at);
    if (!cJSON_IsNull(b) && s_vec(j, b, l->size, what, &l->bias))
        return -1;
    const cJSON *nr;
    if (sm_json_get_object(j, L, at, "neuron", SM_JSON_REQUIRED, &nr) < 0)
        return -1;
    sm_json_at(at, "layers[%u].neuron", k);
    if (sm_json_get_str(j, nr, at, "class", SM_JSON_REQUIRED, &l->cls) < 0)
        return -1;
    l->params = NULL;
    if (sm_json_get_object(j, nr, at, "params", SM_JSON_NULL, &l->params) < 0)
        return -1;
    const cJSON *rec = NULL;
    if (sm_json_get_object(j, nr, at, "recurrent", SM_JSON_NULL, &rec) < 0)
        return -1;
    if (rec) {
        sm_json_at(at, "layers[%u].neuron.recurrent", k);
        const cJSON *V = sm_json_get(rec, "V", SM_JSON_OPTIONAL);
        if (V) {
            l->rec = SM_REC_DIAG;
            sm_json_at(what, "%s.V", at);
            if (s_vec(j, V, l->size, what, &l->rec_v))
                return -1;
        } else {
            l->rec = SM_REC_MATRIX;
            if (s_mat_field(j, rec, at, "weight", true, l->size, l->size, &l->rec_weight))
                return -1;
            const cJSON *rb = sm_json_get(rec, "bias", SM_JSON_NULL);
            sm_json_at(what, "%s.bias", at);
            if (rb && s_vec(j, rb, l->size, what, &l->rec_bias))
                return -1;
        }
    } else if (!strcmp(l->cls, "snntorch.RLeaky")) {
        return sm_json_fail(j, SM_EPARSE, sm_json_at(what, "%s.recurrent", at), NULL,
                            "missing (snntorch.RLeaky needs it)");
    }
    sm_json_at(at, "expected.layers[%u]", k);
    if (sm_json_object(j, exl, at) < 0)
        return -1;
    if (s_mat_field(j, exl, at, "spk", true, g->steps, l->size, &l->spk) ||
        s_mat_field(j, exl, at, "mem", true, g->steps, l->size, &l->mem) ||
        s_mat_field(j, exl, at, "cur", false, g->steps, l->size, &l->cur))
        return -1;
    return 0;
}

static int s_load_network(sm_golden_t *g, const sm_json_t *j)
{
    const cJSON *d = g->doc, *ls, *layers, *ex, *exls;
    if (sm_json_get_u32(j, d, "", "inputs", SM_JSON_REQUIRED, 1, 1000000000, &g->inputs) < 0 ||
        sm_json_get_array(j, d, "", "layer_sizes", SM_JSON_REQUIRED, 1, SIZE_MAX, &ls) < 0)
        return -1;
    size_t nl = (size_t)cJSON_GetArraySize(ls);
    if (sm_json_get_array(j, d, "", "layers", SM_JSON_REQUIRED, nl, nl, &layers) < 0 ||
        sm_json_get_object(j, d, "", "expected", SM_JSON_REQUIRED, &ex) < 0 ||
        sm_json_get_array(j, ex, "expected", "layers", SM_JSON_REQUIRED, nl, nl, &exls) < 0)
        return -1;
    if (s_mat_field(j, d, "", "input_spikes", true, g->steps, g->inputs, &g->input_spikes))
        return -1;
    g->layers = calloc(nl, sizeof *g->layers);
    if (!g->layers)
        return sm_fail(j->err, SM_ENOMEM, "%s: out of memory", j->file);
    g->n_layers = (uint32_t)nl;
    uint32_t k = 0;
    for (const cJSON *s = ls->child; s; s = s->next, k++) {
        char p[SM_JSON_PATH];
        if (sm_json_u32(j, s, sm_json_at(p, "layer_sizes[%u]", k), 1, 10000000,
                        &g->layers[k].size) < 0)
            return -1;
    }
    const cJSON *L = layers->child, *E = exls->child;
    for (k = 0; k < g->n_layers; k++, L = L->next, E = E->next)
        if (s_load_layer(g, j, L, k, k ? g->layers[k - 1].size : g->inputs, E))
            return -1;
    return 0;
}

sm_golden_t *sm_golden_load(const char *path, sm_error_t *err)
{
    static const char *const kinds[] = {"population", "network", NULL};
    cJSON *doc = sm_json_read(path, SM_JSON_MAX_BYTES, err);
    if (!doc)
        return NULL;
    sm_golden_t *g = calloc(1, sizeof *g);
    if (!g) {
        cJSON_Delete(doc);
        sm_fail(err, SM_ENOMEM, "%s: out of memory", path);
        return NULL;
    }
    g->doc = doc;
    g->file = strdup(path);
    const sm_json_t j = {path, err};
    const char *name = NULL;
    int kind = 0;
    if (sm_json_object(&j, doc, "") < 0)
        goto fail;
    const cJSON *fv = sm_json_req(&j, doc, "", "format_version");
    if (!fv)
        goto fail;
    if (!cJSON_IsNumber(fv) || fv->valuedouble != 1.0) {
        sm_json_fail(&j, SM_EPARSE, "format_version", fv, "only version 1 is supported");
        goto fail;
    }
    if (sm_json_get_str(&j, doc, "", "name", SM_JSON_REQUIRED, &name) < 0 ||
        sm_json_get_enum(&j, doc, "", "kind", SM_JSON_REQUIRED, kinds, &kind) < 0 ||
        sm_json_get_str(&j, doc, "", "class", SM_JSON_REQUIRED, &g->cls) < 0 ||
        sm_json_get_u32(&j, doc, "", "steps", SM_JSON_REQUIRED, 1, 1000000000, &g->steps) < 0)
        goto fail;
    g->name = strdup(name);
    if (!g->file || !g->name) {
        sm_fail(err, SM_ENOMEM, "%s: out of memory", path);
        goto fail;
    }
    g->kind = kind == 0 ? SM_GOLDEN_POPULATION : SM_GOLDEN_NETWORK;
    if (g->kind == SM_GOLDEN_POPULATION ? s_load_population(g, &j) : s_load_network(g, &j))
        goto fail;
    return g;
fail:
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
    /* A model with synaptic currents is checked on them too: a case that
     * leaves them out would pass on the membrane alone. */
    if (m.closed.nc == 1 && !g->syn.v)
        return sm_fail(err, SM_EPARSE, "%s: expected.syn: missing (%s has a synaptic current)",
                       g->file, g->cls);
    if (m.closed.nc == 2 && (!g->syn_exc.v || !g->syn_inh.v))
        return sm_fail(err, SM_EPARSE,
                       "%s: expected.%s: missing (%s has an excitatory and an inhibitory current)",
                       g->file, g->syn_exc.v ? "syn_inh" : "syn_exc", g->cls);
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
