/* golden_lava: loader of Lava's bit-accurate cases, the engine network that
 * runs one, and the exact comparison (see golden_lava.h). */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include "golden_lava.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "json.h"

/* ---- reading ---------------------------------------------------------- */

/* Every number of a case fits int32 (README section 1). */
#define S_IMIN -2147483648.0
#define S_IMAX 2147483647.0
/* The largest weight magnitude the engine takes (exact as a float). */
#define S_WMAX (1 << 24)

static int s_imat(const sm_json_t *j, const cJSON *it, uint32_t rows, uint32_t cols,
                  const char *what, sm_imat_t *out)
{
    char p[SM_JSON_PATH];
    if (sm_json_array(j, it, what, rows, rows, NULL) < 0)
        return -1;
    out->rows = rows;
    out->cols = cols;
    out->v = malloc(((size_t)rows * cols + 1) * sizeof *out->v);
    if (!out->v)
        return sm_fail(j->err, SM_ENOMEM, "%s: out of memory", j->file);
    uint32_t r = 0;
    for (const cJSON *row = it->child; row; row = row->next, r++) {
        if (sm_json_array(j, row, sm_json_at(p, "%s[%u]", what, r), cols, cols, NULL) < 0)
            return -1;
        uint32_t c = 0;
        for (const cJSON *e = row->child; e; e = e->next, c++) {
            double x;
            if (sm_json_int(j, e, sm_json_at(p, "%s[%u][%u]", what, r, c), S_IMIN, S_IMAX, &x) < 0)
                return -1;
            out->v[(size_t)r * cols + c] = (int32_t)x;
        }
    }
    return 0;
}

static int s_imat_req(const sm_json_t *j, const cJSON *obj, const char *at, const char *key,
                      uint32_t rows, uint32_t cols, sm_imat_t *out)
{
    const cJSON *it = sm_json_req(j, obj, at, key);
    char what[SM_JSON_PATH];
    if (!it)
        return -1;
    return s_imat(j, it, rows, cols, sm_json_at(what, "%s%s%s", at, *at ? "." : "", key), out);
}

/* obj[key]: an integer for every neuron, or a list of n; def when absent. */
static int s_each(const sm_json_t *j, const cJSON *obj, const char *at, const char *key,
                  uint32_t n, int32_t def, double lo, double hi, int32_t *out, size_t stride)
{
    char p[SM_JSON_PATH], q[SM_JSON_PATH];
    const cJSON *it = sm_json_get(obj, key, SM_JSON_NULL);
    sm_json_at(p, "%s.%s", at, key);
    double x = def;
    if (it && cJSON_IsArray(it)) {
        if (sm_json_array(j, it, p, n, n, NULL) < 0)
            return -1;
        uint32_t i = 0;
        for (const cJSON *e = it->child; e; e = e->next, i++) {
            if (sm_json_int(j, e, sm_json_at(q, "%s[%u]", p, i), lo, hi, &x) < 0)
                return -1;
            *(int32_t *)((char *)out + i * stride) = (int32_t)x;
        }
        return 0;
    }
    if (it && sm_json_int(j, it, p, lo, hi, &x) < 0)
        return -1;
    for (uint32_t i = 0; i < n; i++)
        *(int32_t *)((char *)out + i * stride) = (int32_t)x;
    return 0;
}

/* LIF(...) kwargs; Lava's defaults for the absent ones. */
static int s_lif(const sm_json_t *j, const cJSON *params, const char *at, uint32_t n,
                 sm_lava_lif_t *l)
{
    static const char *const known[] = {"shape", "du", "dv", "vth", "bias_mant", "bias_exp",
                                        "u", "v", NULL};
    static const char *const ignored[] = {"name", "log_config", NULL};
    if (sm_json_object(j, params, at) < 0 ||
        sm_json_keys(j, params, at, known, ignored, "lava.proc.lif.process.LIF") < 0)
        return -1;
    const cJSON *shape = sm_json_get(params, "shape", SM_JSON_NULL);
    char p[SM_JSON_PATH];
    sm_json_at(p, "%s.shape", at);
    if (shape && (sm_json_array(j, shape, p, 1, 1, NULL) < 0 || !cJSON_IsNumber(shape->child) ||
                  shape->child->valuedouble != (double)n))
        return sm_json_fail(j, SM_EPARSE, p, shape, "must be [%u]", n);
    l->p = calloc((size_t)n + 1, sizeof *l->p);
    l->u0 = calloc((size_t)n + 1, sizeof *l->u0);
    l->v0 = calloc((size_t)n + 1, sizeof *l->v0);
    if (!l->p || !l->u0 || !l->v0)
        return sm_fail(j->err, SM_ENOMEM, "%s: out of memory", j->file);
    const size_t ps = sizeof *l->p;
    int32_t one;
    double x;
    /* The ranges core/loihi.h accepts (Lava checks none). */
    static const char *const shared[] = {"du", "dv", "vth"};
    const int32_t defs[] = {0, 0, SM_LOIHI_VTH_DEFAULT};
    const double his[] = {SM_LOIHI_DU_MAX, SM_LOIHI_DU_MAX, SM_LOIHI_VTH_MAX};
    for (int k = 0; k < 3; k++) {
        const cJSON *it = sm_json_get(params, shared[k], SM_JSON_NULL);
        one = defs[k];
        if (it && sm_json_int(j, it, sm_json_at(p, "%s.%s", at, shared[k]), 0, his[k], &x) < 0)
            return -1;
        if (it)
            one = (int32_t)x;
        for (uint32_t i = 0; i < n; i++)
            *(k == 0 ? &l->p[i].du : k == 1 ? &l->p[i].dv : &l->p[i].vth) = one;
    }
    if (s_each(j, params, at, "bias_mant", n, 0, SM_LOIHI_BIAS_MANT_MIN, SM_LOIHI_BIAS_MANT_MAX,
               &l->p[0].bias_mant, ps) < 0 ||
        s_each(j, params, at, "bias_exp", n, 0, SM_LOIHI_BIAS_EXP_MIN, SM_LOIHI_BIAS_EXP_MAX,
               &l->p[0].bias_exp, ps) < 0 ||
        s_each(j, params, at, "u", n, 0, -SM_LOIHI_U_MAX + 1, SM_LOIHI_U_MAX, l->u0,
               sizeof *l->u0) < 0 ||
        s_each(j, params, at, "v", n, 0, -SM_LOIHI_V_MAX, SM_LOIHI_V_MAX, l->v0,
               sizeof *l->v0) < 0)
        return -1;
    return 0;
}

/* Dense(...) kwargs. */
static int s_dense(const sm_json_t *j, const cJSON *dense, const char *at, uint32_t n_out,
                   uint32_t n_in, sm_lava_dense_t *d)
{
    static const char *const dkeys[] = {"class", "params", "derived", NULL};
    static const char *const known[] = {"weights", "weight_exp", "num_weight_bits", "sign_mode",
                                        "num_message_bits", NULL};
    static const char *const ignored[] = {"name", "log_config", NULL};
    static const char *const signs[] = {"MIXED", "EXCITATORY", "INHIBITORY", NULL};
    char p[SM_JSON_PATH];
    const cJSON *par, *v;
    if (sm_json_object(j, dense, at) < 0 || sm_json_keys(j, dense, at, dkeys, NULL, NULL) < 0 ||
        sm_json_get_object(j, dense, at, "params", SM_JSON_REQUIRED, &par) < 0)
        return -1;
    sm_json_at(p, "%s.params", at);
    if (sm_json_keys(j, par, p, known, ignored, "lava.proc.dense.process.Dense") < 0 ||
        s_imat_req(j, par, p, "weights", n_out, n_in, &d->w) < 0)
        return -1;
    d->present = true;
    double x;
    char q[SM_JSON_PATH];
    /* The ranges core/loihi.h accepts, checked here so that the message names
     * the case's field (an explicit num_weight_bits 0 is not the default). */
    if ((v = sm_json_get(par, "weight_exp", SM_JSON_NULL))) {
        if (sm_json_int(j, v, sm_json_at(q, "%s.weight_exp", p), SM_LOIHI_WEIGHT_EXP_MIN,
                        SM_LOIHI_WEIGHT_EXP_MAX, &x) < 0)
            return -1;
        d->weight_exp = (int32_t)x;
    }
    if (sm_json_get_u32(j, par, p, "num_weight_bits", SM_JSON_NULL, SM_LOIHI_WEIGHT_BITS_MIN,
                        SM_LOIHI_WEIGHT_BITS_MAX, &d->num_weight_bits) < 0 ||
        sm_json_get_u32(j, par, p, "num_message_bits", SM_JSON_NULL, 0,
                        SM_LOIHI_MESSAGE_BITS_MAX, &d->num_message_bits) < 0)
        return -1;
    if ((v = sm_json_get(par, "sign_mode", SM_JSON_NULL))) {
        int si;
        sm_json_at(q, "%s.sign_mode", p);
        if (cJSON_IsNumber(v)) {
            /* SignMode's integer values, as in lava.utils.weightutils. */
            if (sm_json_int(j, v, q, 1, 3, &x) < 0)
                return -1;
            d->sign = (sm_loihi_sign_t)(int)x;
        } else if (sm_json_enum(j, v, q, signs, &si) < 0) {
            return -1;
        } else {
            d->sign = (sm_loihi_sign_t)(si + 1);
        }
    }
    return 0;
}

bool sm_lava_is_case(const cJSON *doc)
{
    const cJSON *c = sm_json_get(doc, "class", 0);
    return cJSON_IsString(c) && !strncmp(c->valuestring, "lava.", 5);
}

static void s_imat_free(sm_imat_t *m)
{
    free(m->v);
    m->v = NULL;
}

void sm_lava_destroy(sm_lava_case_t **c_p)
{
    if (!c_p || !*c_p)
        return;
    sm_lava_case_t *c = *c_p;
    for (uint32_t k = 0; c->layers && k < c->n_layers; k++) {
        sm_lava_layer_t *l = &c->layers[k];
        free(l->lif.p);
        free(l->lif.u0);
        free(l->lif.v0);
        s_imat_free(&l->dense.w);
        s_imat_free(&l->rec.w);
        s_imat_free(&l->spk);
        s_imat_free(&l->u);
        s_imat_free(&l->v);
    }
    free(c->layers);
    s_imat_free(&c->input);
    free(c->file);
    free(c->name);
    free(c);
    *c_p = NULL;
}

static int s_expected(const sm_json_t *j, const cJSON *ex, const char *at, uint32_t T,
                      sm_lava_layer_t *l)
{
    static const char *const keys[] = {"spk", "u", "v", "a_in", NULL};
    if (sm_json_object(j, ex, at) < 0 || sm_json_keys(j, ex, at, keys, NULL, NULL) < 0)
        return -1;
    return s_imat_req(j, ex, at, "spk", T, l->size, &l->spk) < 0 ||
                   s_imat_req(j, ex, at, "u", T, l->size, &l->u) < 0 ||
                   s_imat_req(j, ex, at, "v", T, l->size, &l->v) < 0
               ? -1
               : 0;
}

static int s_load_population(sm_lava_case_t *c, const sm_json_t *j, const cJSON *d)
{
    uint32_t n;
    const cJSON *par, *ex;
    if (sm_json_get_u32(j, d, "", "neurons", SM_JSON_REQUIRED, 1, 10000000, &n) < 0 ||
        sm_json_get_object(j, d, "", "params", SM_JSON_REQUIRED, &par) < 0 ||
        sm_json_get_object(j, d, "", "expected", SM_JSON_REQUIRED, &ex) < 0)
        return -1;
    if (!(c->layers = calloc(1, sizeof *c->layers)))
        return sm_fail(j->err, SM_ENOMEM, "%s: out of memory", j->file);
    c->n_layers = 1;
    c->inputs = n;
    c->layers[0].size = n;
    return s_lif(j, par, "params", n, &c->layers[0].lif) < 0 ||
                   s_imat_req(j, d, "", "input", c->steps, n, &c->input) < 0 ||
                   s_expected(j, ex, "expected", c->steps, &c->layers[0]) < 0
               ? -1
               : 0;
}

static int s_load_network(sm_lava_case_t *c, const sm_json_t *j, const cJSON *d)
{
    const cJSON *sizes, *layers, *ex, *exl;
    if (sm_json_get_u32(j, d, "", "inputs", SM_JSON_REQUIRED, 1, 10000000, &c->inputs) < 0 ||
        sm_json_get_array(j, d, "", "layer_sizes", SM_JSON_REQUIRED, 1, 1000, &sizes) < 0)
        return -1;
    const size_t nl = (size_t)cJSON_GetArraySize(sizes);
    if (sm_json_get_array(j, d, "", "layers", SM_JSON_REQUIRED, nl, nl, &layers) < 0 ||
        sm_json_get_object(j, d, "", "expected", SM_JSON_REQUIRED, &ex) < 0 ||
        sm_json_get_array(j, ex, "expected", "layers", SM_JSON_REQUIRED, nl, nl, &exl) < 0)
        return -1;
    const cJSON *spikes = sm_json_get(d, "input_spikes", 0), *pay = sm_json_get(d, "input_payload", 0);
    if (!!spikes == !!pay)
        return sm_json_fail(j, SM_EPARSE, "input_spikes", NULL,
                            "give exactly one of \"input_spikes\", \"input_payload\"");
    c->graded = pay != NULL;
    if (s_imat_req(j, d, "", c->graded ? "input_payload" : "input_spikes", c->steps, c->inputs,
                   &c->input) < 0)
        return -1;
    if (!(c->layers = calloc(nl, sizeof *c->layers)))
        return sm_fail(j->err, SM_ENOMEM, "%s: out of memory", j->file);
    c->n_layers = (uint32_t)nl;
    uint32_t k = 0, prev = c->inputs;
    const cJSON *s = sizes->child, *L = layers->child, *E = exl->child;
    for (; k < nl; k++, s = s->next, L = L->next, E = E->next) {
        sm_lava_layer_t *l = &c->layers[k];
        char at[SM_JSON_PATH], p[SM_JSON_PATH];
        static const char *const lkeys[] = {"dense", "neuron", "recurrent", NULL};
        static const char *const nkeys[] = {"class", "params", "derived", NULL};
        static const char *const rkeys[] = {"dense", NULL};
        const cJSON *dn, *nr, *par, *rec = NULL;
        if (sm_json_u32(j, s, sm_json_at(p, "layer_sizes[%u]", k), 1, 10000000, &l->size) < 0)
            return -1;
        sm_json_at(at, "layers[%u]", k);
        if (sm_json_object(j, L, at) < 0 || sm_json_keys(j, L, at, lkeys, NULL, NULL) < 0 ||
            sm_json_get_object(j, L, at, "dense", SM_JSON_REQUIRED, &dn) < 0 ||
            sm_json_get_object(j, L, at, "neuron", SM_JSON_REQUIRED, &nr) < 0 ||
            sm_json_get_object(j, L, at, "recurrent", SM_JSON_NULL, &rec) < 0)
            return -1;
        if (s_dense(j, dn, sm_json_at(p, "%s.dense", at), l->size, prev, &l->dense) < 0)
            return -1;
        sm_json_at(p, "%s.neuron", at);
        if (sm_json_keys(j, nr, p, nkeys, NULL, NULL) < 0 ||
            sm_json_get_object(j, nr, p, "params", SM_JSON_REQUIRED, &par) < 0 ||
            s_lif(j, par, sm_json_at(p, "%s.neuron.params", at), l->size, &l->lif) < 0)
            return -1;
        if (rec) {
            const cJSON *rd;
            sm_json_at(p, "%s.recurrent", at);
            if (sm_json_keys(j, rec, p, rkeys, NULL, NULL) < 0 ||
                sm_json_get_object(j, rec, p, "dense", SM_JSON_REQUIRED, &rd) < 0 ||
                s_dense(j, rd, sm_json_at(p, "%s.recurrent.dense", at), l->size, l->size,
                        &l->rec) < 0)
                return -1;
        }
        if (s_expected(j, E, sm_json_at(p, "expected.layers[%u]", k), c->steps, l) < 0)
            return -1;
        prev = l->size;
    }
    return 0;
}

sm_lava_case_t *sm_lava_load(const char *path, sm_error_t *err)
{
    static const char *const kinds[] = {"population", "network", NULL};
    cJSON *doc = sm_json_read(path, SM_JSON_MAX_BYTES, err);
    if (!doc)
        return NULL;
    sm_lava_case_t *c = calloc(1, sizeof *c);
    const sm_json_t j = {path, err};
    const char *name = NULL;
    int kind = 0;
    if (!c) {
        sm_fail(err, SM_ENOMEM, "%s: out of memory", path);
        goto fail;
    }
    const cJSON *fv = sm_json_req(&j, doc, "", "format_version");
    if (!fv)
        goto fail;
    if (!cJSON_IsNumber(fv) || fv->valuedouble != 1.0) {
        sm_json_fail(&j, SM_EPARSE, "format_version", fv, "only version 1 is supported");
        goto fail;
    }
    if (sm_json_get_str(&j, doc, "", "name", SM_JSON_REQUIRED, &name) < 0 ||
        sm_json_get_enum(&j, doc, "", "kind", SM_JSON_REQUIRED, kinds, &kind) < 0 ||
        sm_json_get_u32(&j, doc, "", "steps", SM_JSON_REQUIRED, 1, 100000000, &c->steps) < 0)
        goto fail;
    c->file = strdup(path);
    c->name = strdup(name);
    if (!c->file || !c->name) {
        sm_fail(err, SM_ENOMEM, "%s: out of memory", path);
        goto fail;
    }
    c->kind = kind ? SM_LAVA_NETWORK : SM_LAVA_POPULATION;
    if ((kind ? s_load_network(c, &j, doc) : s_load_population(c, &j, doc)) < 0)
        goto fail;
    cJSON_Delete(doc);
    return c;
fail:
    cJSON_Delete(doc);
    sm_lava_destroy(&c);
    return NULL;
}

/* ---- the engine network ------------------------------------------------ */

/* A spike-time source of n neurons sending, at step t, sign x val(t, i) as
 * its payload where that is positive (sign +-1: one part of a population
 * case's signed input), or with sign 0 val(t, i) itself, negative too
 * (graded) or any non-zero value as a spike. */
static int s_source(sm_net_t *net, const char *name, const char *field, const sm_imat_t *in,
                    int sign, bool graded, sm_error_t *err)
{
    sm_pop_t p;
    memset(&p, 0, sizeof p);
    snprintf(p.name, sizeof p.name, "%s", name);
    p.kind = SM_POP_SPIKE_TIMES;
    p.size = in->cols;
    size_t n = 0;
    for (size_t k = 0; k < (size_t)in->rows * in->cols; k++)
        n += sign ? (int64_t)in->v[k] * sign > 0 : in->v[k] != 0;
    p.st_off = calloc((size_t)p.size + 1, sizeof *p.st_off);
    p.st_ticks = malloc((n + 1) * sizeof *p.st_ticks);
    p.st_payload = graded ? malloc((n + 1) * sizeof *p.st_payload) : NULL;
    if (!p.st_off || !p.st_ticks || (graded && !p.st_payload))
        goto nomem;
    uint32_t w = 0;
    for (uint32_t i = 0; i < p.size; i++) {
        p.st_off[i] = w;
        for (uint32_t t = 0; t < in->rows; t++) {
            const int64_t x = sm_imat_at(in, t, i);
            if (sign ? x * sign <= 0 : x == 0)
                continue;
            if (graded && (sign ? x * sign : llabs(x)) > SM_MAX_PAYLOAD) {
                free(p.st_off);
                free(p.st_ticks);
                free(p.st_payload);
                return sm_fail(err, SM_EUNSUPPORTED,
                               "%s: %s[%u][%u]: must be within +-%u (the largest graded "
                               "payload), got %lld",
                               net->path, field, t, i, SM_MAX_PAYLOAD, (long long)x);
            }
            if (graded)
                p.st_payload[w] = (int32_t)(sign ? x * sign : x);
            p.st_ticks[w++] = t;
        }
    }
    p.st_off[p.size] = w;
    if (sm_net_add_pop(net, &p) >= 0)
        return 0;
nomem:
    free(p.st_off);
    free(p.st_ticks);
    free(p.st_payload);
    return sm_fail(err, SM_ENOMEM, "out of memory");
}

/* One LIF layer as a loihi_lif population: one model per neuron when the
 * bias differs, initial u and v where given. */
static int s_layer(sm_net_t *net, const sm_lava_layer_t *l, uint32_t k, sm_error_t *err)
{
    sm_pop_t p;
    memset(&p, 0, sizeof p);
    snprintf(p.name, sizeof p.name, "layer%u", k);
    p.kind = SM_POP_NEURONS;
    p.size = l->size;
    p.record_spikes = true;
    bool same = true, init = false;
    for (uint32_t i = 0; i < l->size; i++) {
        same = same && l->lif.p[i].bias_mant == l->lif.p[0].bias_mant &&
               l->lif.p[i].bias_exp == l->lif.p[0].bias_exp;
        init = init || l->lif.u0[i] || l->lif.v0[i];
    }
    p.n_models = same ? 1 : l->size;
    p.models = calloc(p.n_models, sizeof *p.models);
    if (init) {
        p.u_init = malloc((size_t)l->size * sizeof *p.u_init);
        p.v_init = malloc((size_t)l->size * sizeof *p.v_init);
    }
    if (!p.models || (init && (!p.u_init || !p.v_init))) {
        sm_fail(err, SM_ENOMEM, "out of memory");
        goto fail;
    }
    for (uint32_t i = 0; i < p.n_models; i++)
        if (sm_model_loihi_setup(&p.models[i], &l->lif.p[i], err) < 0) {
            sm_error_prefix(err, "%s: layers[%u] neuron %u: ", net->path, k, i);
            goto fail;
        }
    for (uint32_t i = 0; init && i < l->size; i++) {
        p.u_init[i] = (float)l->lif.u0[i];
        p.v_init[i] = (float)l->lif.v0[i];
    }
    if (sm_net_add_pop(net, &p) >= 0)
        return 0;
    sm_fail(err, SM_ENOMEM, "out of memory");
fail:
    free(p.models);
    free(p.u_init);
    free(p.v_init);
    return -1;
}

/* A Dense as a matrix projection: the weights and format as passed. */
static int s_proj(sm_net_t *net, uint32_t src, uint32_t dst, const sm_lava_dense_t *d,
                  uint32_t delay, sm_error_t *err)
{
    sm_proj_t pr;
    memset(&pr, 0, sizeof pr);
    pr.src_pop = src;
    pr.dst_pop = dst;
    pr.conn = SM_CONN_MATRIX;
    pr.allow_self = true;
    pr.matrix_delay = delay;
    pr.delay.a = delay;
    pr.weight_exp = d->weight_exp;
    pr.num_weight_bits = d->num_weight_bits;
    pr.sign_mode = d->sign;
    pr.num_message_bits = d->num_message_bits;
    const size_t n = (size_t)d->w.rows * d->w.cols;
    pr.matrix = malloc((n + 1) * sizeof *pr.matrix);
    if (!pr.matrix)
        return sm_fail(err, SM_ENOMEM, "out of memory");
    /* Any int32 weight is a valid Dense weight (Lava clips to 8 bits); the
     * engine takes them within +-2^24, and clamping there first changes
     * neither the sign mode nor the clipped weight. */
    for (size_t k = 0; k < n; k++) {
        const int32_t w = d->w.v[k];
        pr.matrix[k] = w > S_WMAX ? (float)S_WMAX : w < -S_WMAX ? (float)-S_WMAX : (float)w;
    }
    if (sm_net_add_proj(net, &pr) < 0) {
        free(pr.matrix);
        return sm_fail(err, SM_ENOMEM, "out of memory");
    }
    return 0;
}

/* A direct connection into a_in: each source neuron to its LIF, weight +-1
 * in a format that keeps it (8 bits, no truncation for a single sign). */
static int s_direct(sm_net_t *net, uint32_t src, uint32_t dst, uint32_t n, int sign,
                    sm_error_t *err)
{
    sm_proj_t pr;
    memset(&pr, 0, sizeof pr);
    pr.src_pop = src;
    pr.dst_pop = dst;
    pr.conn = SM_CONN_ONE_TO_ONE;
    pr.weight.a = sign;
    pr.sign_mode = sign > 0 ? SM_LOIHI_SIGN_EXCITATORY : SM_LOIHI_SIGN_INHIBITORY;
    pr.num_message_bits = SM_LOIHI_MESSAGE_BITS_MAX;
    (void)n;
    if (sm_net_add_proj(net, &pr) < 0)
        return sm_fail(err, SM_ENOMEM, "out of memory");
    return 0;
}

sm_net_t *sm_lava_net(const sm_lava_case_t *c, sm_error_t *err)
{
    sm_net_t *net = sm_net_new();
    uint32_t n_probes = 0;
    for (uint32_t k = 0; k < c->n_layers; k++)
        n_probes += c->layers[k].size;
    if (!net || !(net->path = strdup(c->file)) ||
        !(net->probes = malloc(((size_t)n_probes + 1) * sizeof *net->probes))) {
        sm_fail(err, SM_ENOMEM, "out of memory");
        goto fail;
    }
    net->dt_ms = 1.0;
    net->ticks = c->steps;
    uint32_t first;
    if (c->kind == SM_LAVA_POPULATION) {
        if (s_source(net, "pos", "input", &c->input, 1, true, err) < 0 ||
            s_source(net, "neg", "input", &c->input, -1, true, err) < 0)
            goto fail;
        first = 2;
    } else {
        if (s_source(net, "input", c->graded ? "input_payload" : "input_spikes", &c->input, 0,
                     c->graded, err) < 0)
            goto fail;
        first = 1;
    }
    for (uint32_t k = 0; k < c->n_layers; k++) {
        const sm_lava_layer_t *l = &c->layers[k];
        const uint32_t pi = first + k;
        if (s_layer(net, l, k, err) < 0)
            goto fail;
        for (uint32_t i = 0; i < l->size; i++)
            net->probes[net->n_probes++] = (sm_probe_t){pi, i};
        if (c->kind == SM_LAVA_POPULATION) {
            if (s_direct(net, 0, pi, l->size, 1, err) < 0 || s_direct(net, 1, pi, l->size, -1, err) < 0)
                goto fail;
            continue;
        }
        if (s_proj(net, pi - 1, pi, &l->dense, 1, err) < 0 ||
            (l->rec.present && s_proj(net, pi, pi, &l->rec, 1, err) < 0))
            goto fail;
    }
    if (sm_net_finish(net, err) < 0)
        goto fail;
    return net;
fail:
    sm_net_destroy(&net);
    return NULL;
}

/* ---- comparing --------------------------------------------------------- */

static void s_miss(uint64_t *miss, char *first, size_t cap, const char *what, uint32_t k,
                   uint32_t t, uint32_t i, double got, int32_t ref)
{
    if ((*miss)++ == 0)
        snprintf(first, cap, "layers[%u].%s[t=%u][n=%u]: got %.0f, expected %d", k, what, t, i,
                 got, ref);
}

uint64_t sm_lava_check(const sm_lava_case_t *c, const sm_net_t *net, const sm_result_t *r,
                       uint64_t *compared, char *first, size_t cap)
{
    uint64_t miss = 0;
    *compared = 0;
    first[0] = '\0';
    const uint32_t T = c->steps, layer0 = c->kind == SM_LAVA_POPULATION ? 2 : 1;
    uint32_t probe = 0;
    for (uint32_t k = 0; k < c->n_layers; k++) {
        const sm_lava_layer_t *l = &c->layers[k];
        const sm_pop_t *p = &net->pops[layer0 + k];
        uint32_t *cnt = calloc((size_t)T * l->size + 1, sizeof *cnt);
        if (!cnt) {
            snprintf(first, cap, "out of memory");
            return miss + 1;
        }
        for (size_t s = 0; s < r->n_spikes; s++) {
            const sm_spike_t *sp = &r->spikes[s];
            if (sp->gid >= p->first && sp->gid < p->first + p->size && sp->tick < T)
                cnt[(size_t)sp->tick * l->size + (sp->gid - p->first)] += sp->count;
        }
        for (uint32_t t = 0; t < T && t < r->ticks; t++)
            for (uint32_t i = 0; i < l->size; i++) {
                const float *tr = &r->trace[((size_t)t * r->n_probes + probe + i) * 3];
                const double got[3] = {cnt[(size_t)t * l->size + i], tr[1], tr[0]};
                const int32_t ref[3] = {sm_imat_at(&l->spk, t, i), sm_imat_at(&l->u, t, i),
                                        sm_imat_at(&l->v, t, i)};
                static const char *const what[3] = {"spk", "u", "v"};
                for (int q = 0; q < 3; q++) {
                    (*compared)++;
                    if (got[q] != (double)ref[q])
                        s_miss(&miss, first, cap, what[q], k, t, i, got[q], ref[q]);
                }
            }
        free(cnt);
        probe += l->size;
    }
    if (r->ticks < T && miss++ == 0)
        snprintf(first, cap, "ran %u ticks of %u", r->ticks, T);
    return miss;
}
