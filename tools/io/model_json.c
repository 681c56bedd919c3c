/* model_json: neuron parameters from JSON, in a library's own terms or in
 * physical units, and from the constructor kwargs of a golden trace.
 *
 * Every error names the JSON path, the field and the value. The derived
 * constants (sinabs alpha_mem, norse dt*tau_mem_inv, Lapicque's C, ...) are
 * computed in float32, operation by operation, as the library computes them:
 * bit-exact traces depend on it. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "json.h"
#include "model_json.h"

typedef struct {
    const cJSON *obj;   /* may be NULL: no parameters, all defaults */
    const char *path;
    const char *what;   /* "lif (snntorch style)" or "snntorch.Leaky" */
    bool golden;        /* library kwargs: clamp like the library, ignore no-op keys */
    sm_error_t *err;
} s_pctx_t;

static const cJSON *s_item(const s_pctx_t *c, const char *key)
{
    return sm_json_get(c->obj, key, SM_JSON_NULL); /* null means "library default" */
}

static bool s_has(const s_pctx_t *c, const char *key)
{
    return s_item(c, key) != NULL;
}

/* 1 present, 0 absent, -1 error (not a number, or outside r if r is not
 * NULL). A golden kwarg's boolean is the number Python takes it for. */
static int s_number(const s_pctx_t *c, const char *key, const sm_json_range_t *r, double *out)
{
    const sm_json_t j = {NULL, c->err};
    const cJSON *it = s_item(c, key);
    if (!it)
        return 0;
    cJSON flag;
    if (cJSON_IsBool(it) && c->golden) {
        memset(&flag, 0, sizeof flag);
        flag.type = cJSON_Number;
        flag.valuedouble = cJSON_IsTrue(it) ? 1.0 : 0.0;
        flag.valueint = cJSON_IsTrue(it) ? 1 : 0;
        it = &flag;
    }
    char p[SM_JSON_PATH];
    sm_json_at(p, "%s.%s", c->path, key);
    /* Without bounds the parameter is a float32 of the model: refuse what
     * would round to infinity. */
    if (!r || (isinf(r->lo) && isinf(r->hi)))
        return sm_json_float(&j, it, p, out) < 0 ? -1 : 1;
    return sm_json_num(&j, it, p, r, out) < 0 ? -1 : 1;
}

static int s_num(const s_pctx_t *c, const char *key, double *out)
{
    return s_number(c, key, NULL, out);
}

static int s_bool(const s_pctx_t *c, const char *key, bool *out)
{
    const sm_json_t j = {NULL, c->err};
    return sm_json_get_bool(&j, c->obj, c->path, key, SM_JSON_NULL, out);
}

static int s_str(const s_pctx_t *c, const char *key, const char **out)
{
    const sm_json_t j = {NULL, c->err};
    return sm_json_get_str(&j, c->obj, c->path, key, SM_JSON_NULL, out);
}

/* A number with a default, checked against [lo, hi] (open ends when *_open). */
static int s_range(const s_pctx_t *c, const char *key, double def, double lo, bool lo_open,
                   double hi, bool hi_open, double *out)
{
    const sm_json_range_t r = {lo, hi, lo_open, hi_open};
    *out = def;
    return s_number(c, key, &r, out);
}

#define S_ANY -INFINITY, true, INFINITY, true

/* Refuses keys not in `known` (NULL-terminated) nor in `ignored`. */
static int s_check_keys(const s_pctx_t *c, const char *const *known, const char *const *ignored)
{
    const sm_json_t j = {NULL, c->err};
    if (!c->obj)
        return 0;
    return sm_json_keys(&j, c->obj, c->path, known, ignored, c->what);
}

static int s_reset_name(const s_pctx_t *c, const char *key, sm_reset_t def, sm_reset_t *out)
{
    static const char *const names[] = {"subtract", "zero", "none", NULL};
    static const sm_reset_t resets[] = {SM_RESET_SUBTRACT, SM_RESET_ZERO, SM_RESET_NONE};
    const sm_json_t j = {NULL, c->err};
    int i;
    *out = def;
    int rc = sm_json_get_enum(&j, c->obj, c->path, key, SM_JSON_NULL, names, &i);
    if (rc > 0)
        *out = resets[i];
    return rc;
}

/* A decay factor: the library clamps it into [0, 1]; a network file may not
 * give one outside. */
static int s_decay(const s_pctx_t *c, const char *key, double *out)
{
    if (c->golden) {
        int rc = s_num(c, key, out);
        if (rc > 0) {
            float f = (float)*out;
            *out = f < 0.0f ? 0.0f : (f > 1.0f ? 1.0f : f);
        }
        return rc;
    }
    return s_range(c, key, 0.0, 0.0, false, 1.0, false, out);
}

/* Golden kwargs that only matter for training or for state handling. */
static const char *const s_snn_ignored[] = {
    "spike_grad", "surrogate_disable", "init_hidden", "learn_beta", "learn_alpha",
    "learn_threshold", "output", "learn_graded_spikes", "learn_recurrent", "all_to_all",
    "V", "linear_features", "conv2d_channels", "kernel_size", "learn_V",
    "graded_spikes_factor", "inhibition", "state_quant", NULL};

/* Golden kwargs that change the forward pass unless left at their default. */
static int s_snn_neutral(const s_pctx_t *c)
{
    double g = 1.0;
    bool b = false;
    const cJSON *q = s_item(c, "state_quant");
    if (s_num(c, "graded_spikes_factor", &g) > 0 && g != 1.0)
        return sm_fail(c->err, SM_EUNSUPPORTED, "%s.graded_spikes_factor: only 1 is supported, got %g",
                       c->path, g);
    if (s_bool(c, "inhibition", &b) > 0 && b)
        return sm_fail(c->err, SM_EUNSUPPORTED, "%s.inhibition: not supported", c->path);
    if (q && !cJSON_IsFalse(q))
        return sm_fail(c->err, SM_EUNSUPPORTED, "%s.state_quant: not supported", c->path);
    return 0;
}

static int s_snntorch(sm_model_t *m, const s_pctx_t *c)
{
    static const char *const k_lif[] = {"beta", "tau_mem", "dt", "threshold", "reset_mechanism",
                                        "reset_delay", "bias", "style", NULL};
    static const char *const k_iaf[] = {"threshold", "reset_mechanism", "reset_delay", "bias",
                                        "style", NULL};
    static const char *const k_cuba[] = {"alpha", "beta", "tau_syn", "tau_mem", "dt", "threshold",
                                         "reset_mechanism", "reset_delay", "bias", "style", NULL};
    static const char *const k_lap[] = {"beta", "R", "C", "time_step", "threshold",
                                        "reset_mechanism", "reset_delay", "bias", "style", NULL};
    static const char *const k_alpha[] = {"alpha", "beta", "threshold", "reset_mechanism",
                                          "reset_delay", "bias", "style", NULL};
    const char *const *known = m->kind == SM_MODEL_IAF      ? k_iaf
                               : m->kind == SM_MODEL_CUBA_LIF ? k_cuba
                               : m->kind == SM_MODEL_LAPICQUE ? k_lap
                               : m->kind == SM_MODEL_ALPHA    ? k_alpha
                                                              : k_lif;
    if (s_check_keys(c, known, c->golden ? s_snn_ignored : NULL) || s_snn_neutral(c))
        return -1;

    double th, dt, tau, bias;
    bool rd = true;
    if (s_range(c, "threshold", 1.0, S_ANY, &th) < 0 || s_bool(c, "reset_delay", &rd) < 0 ||
        s_reset_name(c, "reset_mechanism",
                     m->kind == SM_MODEL_ALPHA ? SM_RESET_ZERO : SM_RESET_SUBTRACT, &m->reset) < 0 ||
        s_range(c, "bias", 0.0, S_ANY, &bias) < 0 ||
        s_range(c, "dt", 1.0, 0.0, true, INFINITY, true, &dt) < 0)
        return -1;
    m->threshold = (float)th;
    m->reset_delay = rd;
    m->bias = (float)bias;
    m->threshold_ge = false;

    double beta = 1.0, alpha = 0.0;
    int hb = s_decay(c, "beta", &beta);
    if (hb < 0)
        return -1;
    if (m->kind == SM_MODEL_LIF || m->kind == SM_MODEL_CUBA_LIF) {
        int ht = s_range(c, "tau_mem", 0.0, 0.0, true, INFINITY, true, &tau);
        if (ht < 0)
            return -1;
        if (hb && ht)
            return sm_fail(c->err, SM_EINVAL, "%s: give beta or tau_mem, not both", c->path);
        if (ht)
            beta = (float)exp(-dt / tau);
        else if (!hb)
            return sm_fail(c->err, SM_EINVAL, "%s.beta: missing (or give tau_mem and dt)", c->path);
    }
    if (m->kind == SM_MODEL_CUBA_LIF || m->kind == SM_MODEL_ALPHA) {
        int ha = s_decay(c, "alpha", &alpha);
        if (ha < 0)
            return -1;
        if (m->kind == SM_MODEL_CUBA_LIF && !c->golden) {
            int ht = s_range(c, "tau_syn", 0.0, 0.0, true, INFINITY, true, &tau);
            if (ht < 0)
                return -1;
            if (ha && ht)
                return sm_fail(c->err, SM_EINVAL, "%s: give alpha or tau_syn, not both", c->path);
            if (ht) {
                alpha = (float)exp(-dt / tau);
                ha = 1;
            }
        }
        if (!ha)
            return sm_fail(c->err, SM_EINVAL, "%s.alpha: missing", c->path);
    }
    m->beta = (float)beta;
    m->alpha = (float)alpha;

    if (m->kind == SM_MODEL_ALPHA) {
        if (!hb)
            return sm_fail(c->err, SM_EINVAL, "%s.beta: missing", c->path);
        if (!(m->alpha > m->beta && m->beta > 0.0f && m->alpha < 1.0f))
            return sm_fail(c->err, SM_ERANGE,
                           "%s.alpha: must satisfy 0 < beta < alpha < 1, got alpha=%g beta=%g",
                           c->path, (double)m->alpha, (double)m->beta);
        float la = logf(m->alpha), lb = logf(m->beta);
        m->tau_alpha = la / (lb - la) + 1.0f;
    }
    if (m->kind == SM_MODEL_LAPICQUE) {
        double R = 0, C = 0, ts = 1.0;
        int hr = s_range(c, "R", 0.0, 0.0, true, INFINITY, true, &R);
        int hc = s_range(c, "C", 0.0, 0.0, true, INFINITY, true, &C);
        if (hr < 0 || hc < 0 || s_range(c, "time_step", 1.0, 0.0, true, INFINITY, true, &ts) < 0)
            return -1;
        float fR, fC, fts = (float)ts;
        if (hr && hc) {
            fR = (float)R;
            fC = (float)C;
        } else if (hb) {
            /* R = 1 and C = time_step / (R * log(1/beta)), in float32. */
            if (!(m->beta > 0.0f && m->beta < 1.0f))
                return sm_fail(c->err, SM_ERANGE, "%s.beta: must be in (0, 1) for Lapicque, got %g",
                               c->path, (double)m->beta);
            fR = 1.0f;
            fC = fts / (fR * logf(1.0f / m->beta));
        } else {
            return sm_fail(c->err, SM_EINVAL, "%s: Lapicque needs beta, or R and C", c->path);
        }
        float rc = fR * fC;
        m->R = fR;
        m->time_step = fts;
        m->inv_RC = 1.0f / rc;
        m->decay = 1.0f - fts / rc;
        m->beta = m->decay;
    }
    if (m->kind == SM_MODEL_IAF)
        m->beta = 1.0f;
    return 0;
}

static int s_sinabs_reset(sm_model_t *m, const s_pctx_t *c)
{
    const cJSON *it = s_item(c, "reset_fn");
    m->reset = SM_RESET_SUBTRACT;
    m->reset_value = 0.0f;
    if (!it)
        return 0;
    const char *cls = NULL;
    const cJSON *val = NULL;
    if (cJSON_IsString(it)) {
        cls = it->valuestring;
    } else if (cJSON_IsObject(it)) {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(it, "class");
        if (!cJSON_IsString(k))
            return sm_fail(c->err, SM_EINVAL, "%s.reset_fn.class: missing or not a string", c->path);
        cls = k->valuestring;
        for (const cJSON *f = it->child; f; f = f->next)
            if (strcmp(f->string, "class") && strcmp(f->string, "reset_value") &&
                strcmp(f->string, "subtract_value"))
                return sm_fail(c->err, SM_EINVAL, "%s.reset_fn.%s: unknown field", c->path,
                               f->string);
        val = cJSON_GetObjectItemCaseSensitive(it, !strcmp(cls, "MembraneReset") ? "reset_value"
                                                                                : "subtract_value");
    } else {
        return sm_fail(c->err, SM_EINVAL,
                       "%s.reset_fn: must be \"MembraneSubtract\", \"MembraneReset\" or an object",
                       c->path);
    }
    if (val && !cJSON_IsNull(val) && !cJSON_IsNumber(val))
        return sm_fail(c->err, SM_EINVAL, "%s.reset_fn: value must be a number", c->path);
    bool hv = val && cJSON_IsNumber(val);
    if (!strcmp(cls, "MembraneSubtract")) {
        if (hv && (float)val->valuedouble != m->threshold)
            return sm_fail(c->err, SM_EUNSUPPORTED,
                           "%s.reset_fn.subtract_value: only the threshold is supported, got %g",
                           c->path, val->valuedouble);
    } else if (!strcmp(cls, "MembraneReset")) {
        m->reset = SM_RESET_ZERO;
        m->reset_value = hv ? (float)val->valuedouble : 0.0f;
    } else {
        return sm_fail(c->err, SM_EUNSUPPORTED,
                       "%s.reset_fn: \"%s\" is not supported (MembraneSubtract, MembraneReset)",
                       c->path, cls);
    }
    return 0;
}

static int s_sinabs(sm_model_t *m, const s_pctx_t *c)
{
    static const char *const k_iaf[] = {"spike_threshold", "threshold", "spike_fn", "reset_fn",
                                        "reset_value", "tau_syn", "alpha_syn", "min_v_mem",
                                        "bias", "style", NULL};
    static const char *const k_lif[] = {"spike_threshold", "threshold", "spike_fn", "reset_fn",
                                        "reset_value", "tau_mem", "alpha_mem", "norm_input",
                                        "tau_syn", "alpha_syn", "min_v_mem", "bias", "style", NULL};
    static const char *const k_giaf[] = {"spike_threshold", "spike_fn", "reset_fn", "tau_syn",
                                         "min_v_mem", NULL};
    static const char *const k_glif[] = {"spike_threshold", "spike_fn", "reset_fn", "tau_syn",
                                         "min_v_mem", "tau_mem", "norm_input", NULL};
    static const char *const ignored[] = {"surrogate_grad_fn", "train_alphas", "record_states",
                                          "shape", NULL};
    bool lif = m->kind == SM_MODEL_LIF;
    const char *const *known = c->golden ? (lif ? k_glif : k_giaf) : (lif ? k_lif : k_iaf);
    if (s_check_keys(c, known, c->golden ? ignored : NULL))
        return -1;
    if (s_has(c, "spike_threshold") && s_has(c, "threshold"))
        return sm_fail(c->err, SM_EINVAL, "%s: give spike_threshold or threshold, not both", c->path);
    double th, bias, v;
    if (s_range(c, s_has(c, "threshold") ? "threshold" : "spike_threshold", 1.0, 0.0, true,
                INFINITY, true, &th) < 0 ||
        s_range(c, "bias", 0.0, S_ANY, &bias) < 0)
        return -1;
    m->threshold = (float)th;
    m->bias = (float)bias;
    m->threshold_ge = true;
    m->reset_delay = true;

    const char *fn = "MultiSpike";
    if (s_str(c, "spike_fn", &fn) < 0)
        return -1;
    if (!strcmp(fn, "MultiSpike"))
        m->multispike = true;
    else if (!strcmp(fn, "SingleSpike"))
        m->multispike = false;
    else
        return sm_fail(c->err, SM_EUNSUPPORTED,
                       "%s.spike_fn: must be \"MultiSpike\" or \"SingleSpike\", got \"%s\"", c->path,
                       fn);
    if (s_sinabs_reset(m, c))
        return -1;
    if (s_has(c, "reset_value")) {
        if (m->reset != SM_RESET_ZERO)
            return sm_fail(c->err, SM_EINVAL, "%s.reset_value: only with reset_fn MembraneReset",
                           c->path);
        if (s_range(c, "reset_value", 0.0, S_ANY, &v) < 0)
            return -1;
        m->reset_value = (float)v;
    }
    m->v_reset = m->reset_value;

    /* alpha = exp(-1/tau) in float32, as torch computes it. */
    m->beta = 1.0f;
    m->norm_input = false;
    if (lif) {
        double tau, a;
        int ht = s_range(c, "tau_mem", 0.0, 0.0, true, INFINITY, true, &tau);
        int ha = c->golden ? 0 : s_range(c, "alpha_mem", 0.0, 0.0, false, 1.0, false, &a);
        if (ht < 0 || ha < 0)
            return -1;
        if (ht && ha)
            return sm_fail(c->err, SM_EINVAL, "%s: give tau_mem or alpha_mem, not both", c->path);
        if (!ht && !ha)
            return sm_fail(c->err, SM_EINVAL, "%s.tau_mem: missing", c->path);
        m->beta = ht ? expf(-1.0f / (float)tau) : (float)a;
        m->norm_input = true;
        if (s_bool(c, "norm_input", &m->norm_input) < 0)
            return -1;
    }
    m->one_minus_beta = 1.0f - m->beta;

    double tau, a;
    int ht = s_range(c, "tau_syn", 0.0, 0.0, true, INFINITY, true, &tau);
    int ha = c->golden ? 0 : s_range(c, "alpha_syn", 0.0, 0.0, false, 1.0, true, &a);
    if (ht < 0 || ha < 0)
        return -1;
    if (ht && ha)
        return sm_fail(c->err, SM_EINVAL, "%s: give tau_syn or alpha_syn, not both", c->path);
    m->has_syn = ht || ha;
    if (m->has_syn)
        m->alpha = ht ? expf(-1.0f / (float)tau) : (float)a;

    int hm = s_range(c, "min_v_mem", 0.0, S_ANY, &v);
    if (hm < 0)
        return -1;
    m->has_min_v = hm > 0;
    m->min_v = (float)v;
    if (m->has_min_v && !(m->min_v < m->threshold))
        return sm_fail(c->err, SM_ERANGE, "%s.min_v_mem: must be below the threshold %g, got %g",
                       c->path, (double)m->threshold, v);
    return 0;
}

static int s_norse(sm_model_t *m, const s_pctx_t *c)
{
    static const char *const k_lif[] = {"tau_syn_inv", "tau_mem_inv", "v_leak", "v_th", "v_reset",
                                        "dt", "method", "alpha", "bias", "style", NULL};
    static const char *const k_li[] = {"tau_syn_inv", "tau_mem_inv", "v_leak", "dt", "bias",
                                       "style", NULL};
    bool li = m->kind == SM_MODEL_LI;
    const char *const *known = li ? k_li : k_lif;
    static const char *const k_gli[] = {"tau_syn_inv", "tau_mem_inv", "v_leak", "dt", NULL};
    static const char *const k_glif[] = {"tau_syn_inv", "tau_mem_inv", "v_leak", "v_th",
                                         "v_reset", "dt", "method", "alpha", NULL};
    if (c->golden)
        known = li ? k_gli : k_glif;
    if (s_check_keys(c, known, NULL))
        return -1;
    double tsi, tmi, vl, vth, vr, dt, bias, alpha;
    const char *method = "super";
    if (s_range(c, "tau_syn_inv", 200.0, 0.0, false, INFINITY, true, &tsi) < 0 ||
        s_range(c, "tau_mem_inv", 100.0, 0.0, true, INFINITY, true, &tmi) < 0 ||
        s_range(c, "v_leak", 0.0, S_ANY, &vl) < 0 || s_range(c, "v_th", 1.0, S_ANY, &vth) < 0 ||
        s_range(c, "v_reset", 0.0, S_ANY, &vr) < 0 ||
        s_range(c, "dt", 0.001, 0.0, true, INFINITY, true, &dt) < 0 ||
        s_range(c, "bias", 0.0, S_ANY, &bias) < 0 ||
        s_range(c, "alpha", 100.0, S_ANY, &alpha) < 0 || s_str(c, "method", &method) < 0)
        return -1;
    /* dt * tau_mem_inv: the Python float meets a float32 tensor, so dt is
     * rounded to float first. */
    float fdt = (float)dt, nfdt = (float)(-dt);
    m->am = fdt * (float)tmi;
    m->as = nfdt * (float)tsi;
    if (!c->golden) {
        if (!(m->am <= 1.0f))
            return sm_fail(c->err, SM_ERANGE,
                           "%s.tau_mem_inv: dt*tau_mem_inv must be <= 1 (stable Euler), got %g",
                           c->path, (double)m->am);
        if (!(m->as >= -1.0f))
            return sm_fail(c->err, SM_ERANGE,
                           "%s.tau_syn_inv: dt*tau_syn_inv must be <= 1 (stable Euler), got %g",
                           c->path, -(double)m->as);
    }
    m->v_leak = (float)vl;
    m->threshold = (float)vth;
    m->v_reset = (float)vr;
    m->bias = (float)bias;
    m->reset = SM_RESET_ZERO;
    m->reset_delay = true;
    m->threshold_ge = false;
    m->dt_ms = (float)(dt * 1000.0);
    m->beta = 1.0f - m->am;
    m->alpha = 1.0f + m->as;
    return 0;
}

static int s_exact(sm_model_t *m, const s_pctx_t *c)
{
    static const char *const known[] = {
        "tau_m", "tau_syn_E", "tau_syn_I", "tau_syn", "dt", "v_rest", "v_leak", "v_reset",
        "v_thresh", "v_th", "threshold", "tau_refrac", "i_offset", "bias", "cm", "spike_when",
        "style", NULL};
    if (s_check_keys(c, known, NULL))
        return -1;
    static const char *const pairs[][2] = {{"v_rest", "v_leak"}, {"v_thresh", "v_th"},
                                           {"v_thresh", "threshold"}, {"v_th", "threshold"},
                                           {"i_offset", "bias"}, {"tau_syn", "tau_syn_E"},
                                           {"tau_syn", "tau_syn_I"}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (s_has(c, pairs[i][0]) && s_has(c, pairs[i][1]))
            return sm_fail(c->err, SM_EINVAL, "%s: give %s or %s, not both", c->path, pairs[i][0],
                           pairs[i][1]);
    const char *k_rest = s_has(c, "v_leak") ? "v_leak" : "v_rest";
    const char *k_th = s_has(c, "v_th") ? "v_th" : s_has(c, "threshold") ? "threshold" : "v_thresh";
    const char *k_bias = s_has(c, "bias") ? "bias" : "i_offset";
    double tau_m, tse, tsi, ts, dt, vrest, vreset, vth, tref, bias, cm;
    if (s_range(c, "tau_m", 20.0, 0.0, true, INFINITY, true, &tau_m) < 0 ||
        s_range(c, "tau_syn", 5.0, 0.0, true, INFINITY, true, &ts) < 0 ||
        s_range(c, "tau_syn_E", ts, 0.0, true, INFINITY, true, &tse) < 0 ||
        s_range(c, "tau_syn_I", ts, 0.0, true, INFINITY, true, &tsi) < 0 ||
        s_range(c, "dt", 0.1, 0.0, true, INFINITY, true, &dt) < 0 ||
        s_range(c, k_rest, -65.0, S_ANY, &vrest) < 0 ||
        s_range(c, "v_reset", -65.0, S_ANY, &vreset) < 0 ||
        s_range(c, k_th, -50.0, S_ANY, &vth) < 0 ||
        s_range(c, "tau_refrac", 0.1, 0.0, false, INFINITY, true, &tref) < 0 ||
        s_range(c, k_bias, 0.0, S_ANY, &bias) < 0)
        return -1;
    /* Without cm, currents are in mV as in Brian2's CUBA:
     * dv/dt = (ge + gi - (v - El)) / taum, i.e. cm = tau_m. */
    int hc = s_range(c, "cm", tau_m, 0.0, true, INFINITY, true, &cm);
    if (hc < 0)
        return -1;
    if (!(vreset < vth))
        return sm_fail(c->err, SM_ERANGE, "%s.v_reset: must be below the threshold %g, got %g",
                       c->path, vth, vreset);
    const char *when = ">";
    if (s_str(c, "spike_when", &when) < 0)
        return -1;
    if (!strcmp(when, ">"))
        m->threshold_ge = false;
    else if (!strcmp(when, ">="))
        m->threshold_ge = true;
    else
        return sm_fail(c->err, SM_EINVAL, "%s.spike_when: must be \">\" or \">=\", got \"%s\"",
                       c->path, when);
    m->threshold = (float)vth;
    m->v_leak = (float)vrest;
    m->v_reset = (float)vreset;
    m->bias = (float)bias;
    m->reset = SM_RESET_ZERO;
    m->reset_delay = true;
    if (sm_model_exact_setup(m, tau_m, tse, tsi, cm, dt, tref, c->err)) {
        sm_error_prefix(c->err, "%s: ", c->path);
        return -1;
    }
    return 0;
}

/* An integer in [lo, hi], or def when absent. */
static int s_integer(const s_pctx_t *c, const char *key, int32_t lo, int32_t hi, int32_t def,
                     int32_t *out)
{
    const sm_json_t j = {NULL, c->err};
    const cJSON *it = s_item(c, key);
    *out = def;
    if (!it)
        return 0;
    char p[SM_JSON_PATH];
    double x;
    if (sm_json_int(&j, it, sm_json_at(p, "%s.%s", c->path, key), lo, hi, &x) < 0)
        return -1;
    *out = (int32_t)x;
    return 1;
}

/* loihi_lif: Lava LIF's integer kwargs, with Lava's defaults, each checked
 * against the range core/loihi.h accepts (the message names the path). */
static int s_loihi(sm_model_t *m, const s_pctx_t *c)
{
    static const char *const known[] = {"du", "dv", "vth", "bias_mant", "bias_exp", "style", NULL};
    if (s_check_keys(c, known, NULL))
        return -1;
    sm_loihi_lif_params_t lp;
    if (s_integer(c, "du", 0, SM_LOIHI_DU_MAX, 0, &lp.du) < 0 ||
        s_integer(c, "dv", 0, SM_LOIHI_DU_MAX, 0, &lp.dv) < 0 ||
        s_integer(c, "vth", 0, SM_LOIHI_VTH_MAX, SM_LOIHI_VTH_DEFAULT, &lp.vth) < 0 ||
        s_integer(c, "bias_mant", SM_LOIHI_BIAS_MANT_MIN, SM_LOIHI_BIAS_MANT_MAX, 0,
                  &lp.bias_mant) < 0 ||
        s_integer(c, "bias_exp", SM_LOIHI_BIAS_EXP_MIN, SM_LOIHI_BIAS_EXP_MAX, 0, &lp.bias_exp) < 0)
        return -1;
    if (sm_model_loihi_setup(m, &lp, c->err) < 0) {
        sm_error_prefix(c->err, "%s: ", c->path);
        return -1;
    }
    return 0;
}

static int s_kind_of(const char *name, sm_model_kind_t *k)
{
    for (int i = 0; i < SM_MODEL_COUNT; i++)
        if (!strcmp(name, sm_model_kind_name((sm_model_kind_t)i))) {
            *k = (sm_model_kind_t)i;
            return 0;
        }
    return -1;
}

static bool s_any(const s_pctx_t *c, const char *const *keys)
{
    for (; keys && *keys; keys++)
        if (s_has(c, *keys))
            return true;
    return false;
}

/* ---- the styles ------------------------------------------------------------ */

#define S_KIND(k) (1u << (k))

typedef struct {
    sm_style_t style;            /* its name is sm_model_style_name(style)         */
    const char *const *aliases;  /* more names "style" may give, or NULL           */
    unsigned kinds;              /* the models it implements (S_KIND bits)         */
    unsigned defaults;           /* the models it is for when nothing says         */
    const char *const *keys;     /* keys that say a block is in this style, or NULL */
    int (*read)(sm_model_t *m, const s_pctx_t *c);
} s_style_row_t;

static const char *const s_sinabs_keys[] = {"spike_threshold", "spike_fn", "reset_fn",
                                            "min_v_mem", "norm_input", "tau_syn", "alpha_mem",
                                            "alpha_syn", "reset_value", NULL};
static const char *const s_exact_keys[] = {"tau_m", "tau_syn_E", "tau_syn_I", "v_rest",
                                           "v_thresh", "tau_refrac", "i_offset", "cm",
                                           "spike_when", NULL};
static const char *const s_exact_aliases[] = {"nest", "pynn", "brian2", NULL};
static const char *const s_loihi_aliases[] = {"lava", NULL};
static const char *const s_norse_keys[] = {"tau_mem_inv", "tau_syn_inv", "v_th", "v_leak",
                                           "v_reset", "method", NULL};

/* In the order a block without "style" is matched: the first style that
 * implements the model and whose keys the block uses, else the model's
 * default. Exact comes before norse: its keys are its own, while norse's
 * v_leak and v_reset are exact's too. */
static const s_style_row_t s_styles[] = {
    {.style = SM_STYLE_SNNTORCH,
     .kinds = S_KIND(SM_MODEL_IAF) | S_KIND(SM_MODEL_LIF) | S_KIND(SM_MODEL_CUBA_LIF) |
              S_KIND(SM_MODEL_LAPICQUE) | S_KIND(SM_MODEL_ALPHA),
     .defaults = S_KIND(SM_MODEL_LIF) | S_KIND(SM_MODEL_CUBA_LIF) | S_KIND(SM_MODEL_LAPICQUE) |
                 S_KIND(SM_MODEL_ALPHA),
     .read = s_snntorch},
    {.style = SM_STYLE_SINABS,
     .kinds = S_KIND(SM_MODEL_IAF) | S_KIND(SM_MODEL_LIF),
     .defaults = S_KIND(SM_MODEL_IAF),
     .keys = s_sinabs_keys,
     .read = s_sinabs},
    {.style = SM_STYLE_EXACT,
     .aliases = s_exact_aliases,
     .kinds = S_KIND(SM_MODEL_CUBA_LIF),
     .keys = s_exact_keys,
     .read = s_exact},
    {.style = SM_STYLE_NORSE,
     .kinds = S_KIND(SM_MODEL_CUBA_LIF) | S_KIND(SM_MODEL_LI),
     .defaults = S_KIND(SM_MODEL_LI),
     .keys = s_norse_keys,
     .read = s_norse},
    {.style = SM_STYLE_LOIHI,
     .aliases = s_loihi_aliases,
     .kinds = S_KIND(SM_MODEL_LOIHI_LIF),
     .defaults = S_KIND(SM_MODEL_LOIHI_LIF),
     .read = s_loihi},
};

#define S_N_STYLES (sizeof s_styles / sizeof s_styles[0])

static const s_style_row_t *s_style_row(sm_style_t st)
{
    for (size_t i = 0; i < S_N_STYLES; i++)
        if (s_styles[i].style == st)
            return &s_styles[i];
    return NULL;
}

static const s_style_row_t *s_style_named(const char *name)
{
    for (size_t i = 0; i < S_N_STYLES; i++) {
        if (!strcmp(name, sm_model_style_name(s_styles[i].style)))
            return &s_styles[i];
        for (const char *const *a = s_styles[i].aliases; a && *a; a++)
            if (!strcmp(name, *a))
                return &s_styles[i];
    }
    return NULL;
}

/* "snntorch", "sinabs", "exact" ("nest", "pynn", "brian2") or "norse" */
static void s_style_list(char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < S_N_STYLES && n < size; i++) {
        const s_style_row_t *r = &s_styles[i];
        const char *sep = i == 0 ? "" : i + 1 == S_N_STYLES ? " or " : ", ";
        n += (size_t)snprintf(buf + n, size - n, "%s\"%s\"", sep, sm_model_style_name(r->style));
        for (const char *const *al = r->aliases; al && *al && n < size; al++)
            n += (size_t)snprintf(buf + n, size - n, "%s\"%s\"%s", al == r->aliases ? " (" : ", ",
                                  *al, al[1] ? "" : ")");
    }
}

/* Which library a parameter block speaks, when "style" does not say. */
static sm_style_t s_infer_style(sm_model_kind_t k, const s_pctx_t *c)
{
    for (size_t i = 0; i < S_N_STYLES; i++)
        if ((s_styles[i].kinds & S_KIND(k)) && s_any(c, s_styles[i].keys))
            return s_styles[i].style;
    for (size_t i = 0; i < S_N_STYLES; i++)
        if (s_styles[i].defaults & S_KIND(k))
            return s_styles[i].style;
    return SM_STYLE_SNNTORCH;
}

static int s_build(sm_model_t *m, const s_pctx_t *c)
{
    const s_style_row_t *row = s_style_row(m->style);
    if (!row)
        return sm_fail(c->err, SM_EINVAL, "%s: no parameter reader for style %d", c->path,
                       (int)m->style);
    return row->read(m, c);
}

int sm_model_from_json(sm_model_t *m, const char *model_name, const cJSON *params,
                       const char *path, sm_error_t *err)
{
    memset(m, 0, sizeof *m);
    if (!path)
        path = "params";
    if (!model_name || s_kind_of(model_name, &m->kind))
        return sm_fail(err, SM_EINVAL,
                       "%s: unknown model \"%s\" (known: iaf, lif, cuba_lif, li, lapicque, alpha, "
                       "loihi_lif)",
                       path, model_name ? model_name : "(none)");
    if (params && sm_json_object(&(const sm_json_t){NULL, err}, params, path) < 0)
        return -1;
    char what[64];
    s_pctx_t c = {params, path, what, false, err};
    const char *st = NULL;
    int hs = s_str(&c, "style", &st);
    if (hs < 0)
        return -1;
    if (hs) {
        const s_style_row_t *row = s_style_named(st);
        if (!row) {
            char list[256];
            s_style_list(list, sizeof list);
            return sm_fail(err, SM_EINVAL, "%s.style: must be %s, got \"%s\"", path, list, st);
        }
        if (!(row->kinds & S_KIND(m->kind)))
            return sm_fail(err, SM_EUNSUPPORTED, "%s.style: model %s has no \"%s\" style", path,
                           model_name, st);
        m->style = row->style;
    } else {
        m->style = s_infer_style(m->kind, &c);
    }
    snprintf(what, sizeof what, "%s (%s style)", model_name, sm_model_style_name(m->style));
    if (s_build(m, &c))
        return -1;
    sm_model_prepare(m);
    return 0;
}

int sm_model_from_golden(sm_model_t *m, const char *cls, const cJSON *params, const char *path,
                         sm_error_t *err)
{
    static const struct {
        const char *cls;
        sm_model_kind_t kind;
        sm_style_t style;
        bool zero_all;
    } map[] = {
        {"snntorch.Leaky", SM_MODEL_LIF, SM_STYLE_SNNTORCH, false},
        {"snntorch.RLeaky", SM_MODEL_LIF, SM_STYLE_SNNTORCH, true},
        {"snntorch.Synaptic", SM_MODEL_CUBA_LIF, SM_STYLE_SNNTORCH, false},
        {"snntorch.Lapicque", SM_MODEL_LAPICQUE, SM_STYLE_SNNTORCH, false},
        {"snntorch.Alpha", SM_MODEL_ALPHA, SM_STYLE_SNNTORCH, false},
        {"norse.LIF", SM_MODEL_CUBA_LIF, SM_STYLE_NORSE, false},
        {"norse.LIFCell", SM_MODEL_CUBA_LIF, SM_STYLE_NORSE, false},
        {"norse.LI", SM_MODEL_LI, SM_STYLE_NORSE, false},
        {"norse.LICell", SM_MODEL_LI, SM_STYLE_NORSE, false},
        {"sinabs.IAF", SM_MODEL_IAF, SM_STYLE_SINABS, false},
        {"sinabs.LIF", SM_MODEL_LIF, SM_STYLE_SINABS, false},
    };
    memset(m, 0, sizeof *m);
    if (!path)
        path = "params";
    for (size_t i = 0; cls && i < sizeof map / sizeof map[0]; i++) {
        if (strcmp(cls, map[i].cls))
            continue;
        if (params && sm_json_object(&(const sm_json_t){NULL, err}, params, path) < 0)
            return -1;
        m->kind = map[i].kind;
        m->style = map[i].style;
        m->zero_all = map[i].zero_all;
        s_pctx_t c = {params, path, cls, true, err};
        if (s_build(m, &c))
            return -1;
        sm_model_prepare(m);
        return 0;
    }
    return sm_fail(err, SM_EUNSUPPORTED, "%s: unsupported class \"%s\"", path,
                   cls ? cls : "(none)");
}
