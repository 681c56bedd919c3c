/* nir_models: the neuron models of a NIR layer node, per flavor, so that the
 * house models repeat the exporting library's update bit for bit (the
 * equations: docs/models.md; the mapping and the refusals: docs/nir.md).
 * Constants are recovered as the libraries ran them (sm_nir_*_decay). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nir_compile_int.h"

typedef struct {
    const sm_nir_node_t *n;
    sm_nir_flavor_t flavor;
    double dt;
    sm_nir_conv_t conv;
    bool self_rec;
    sm_error_t *err;
} s_ctx_t;

static const char *s_type(const s_ctx_t *c)
{
    return sm_nir_type_name(c->n->type);
}

/* Element i of field `f` (present: the reader checked the node). */
static double s_at(const s_ctx_t *c, const char *f, size_t i)
{
    const sm_nir_array_t *a = sm_nir_field(c->n, f);
    return a ? sm_nir_at(a, i) : 0.0;
}

static int s_refuse(const s_ctx_t *c, const char *field, size_t i, double v, const char *why)
{
    return sm_fail(c->err, SM_EUNSUPPORTED, "node '%s' (%s): field '%s': %s, got %.9g at index [%zu] "
                   "(flavor %s)", c->n->name, s_type(c), field, why, v, i,
                   sm_nir_flavor_name(c->flavor));
}

/* Field f must be `want` (within float32 rounding) at every neuron. */
static int s_must_be(const s_ctx_t *c, const char *f, size_t i, double want, const char *why)
{
    double v = s_at(c, f, i);
    if (fabs(v - want) > 1e-6 * fmax(1.0, fabs(want)))
        return s_refuse(c, f, i, v, why);
    return 0;
}

/* snnTorch's r and w_in only cancel dt/tau (r = tau/dt): anything else
 * would scale the input, which snnTorch never wrote. */
static int s_cancels(const s_ctx_t *c, const char *f, const char *tau, size_t i)
{
    double v = s_at(c, f, i), want = s_at(c, tau, i) / c->dt;
    if (fabs(v - want) > 1e-3 * fmax(1.0, fabs(want)))
        return s_refuse(c, f, i, v, "snnTorch writes it as tau/dt (it only cancels dt/tau); "
                                    "another value would scale the input");
    return 0;
}

static int s_decay(const s_ctx_t *c, const char *tau, size_t i, float *out)
{
    float b = sm_nir_snntorch_decay(sm_nir_field(c->n, tau), i, c->dt);
    if (!(b >= 0.0f && b <= 1.0f))
        return s_refuse(c, tau, i, s_at(c, tau, i),
                        "1 - dt/tau must be in [0, 1] (tau at least dt)");
    *out = b;
    return 0;
}

static int s_snntorch(const s_ctx_t *c, size_t i, sm_model_t *m)
{
    m->style = SM_STYLE_SNNTORCH;
    m->reset = c->conv.reset == SM_NIR_RESET_SUBTRACT ? SM_RESET_SUBTRACT
               : c->conv.reset == SM_NIR_RESET_ZERO   ? SM_RESET_ZERO
                                                      : SM_RESET_NONE;
    m->reset_delay = c->conv.reset_delay;
    m->threshold = (float)s_at(c, "v_threshold", i);
    if (s_must_be(c, "v_leak", i, 0.0, "snnTorch has no leak potential: it must be 0"))
        return -1;
    if (m->reset == SM_RESET_ZERO &&
        s_must_be(c, "v_reset", i, 0.0, "snnTorch's zero reset goes to 0"))
        return -1;
    if (c->n->type == SM_NIR_LIF) {
        m->kind = SM_MODEL_LIF;
        /* RLeaky: a zero reset discards the step's input too. */
        m->zero_all = c->self_rec && m->reset == SM_RESET_ZERO;
        return s_cancels(c, "r", "tau", i) || s_decay(c, "tau", i, &m->beta) ? -1 : 0;
    }
    m->kind = SM_MODEL_CUBA_LIF;
    /* RSynaptic ignores reset_delay=False: its reset stays delayed. */
    if (c->self_rec)
        m->reset_delay = true;
    if (s_cancels(c, "r", "tau_mem", i) || s_cancels(c, "w_in", "tau_syn", i) ||
        s_decay(c, "tau_mem", i, &m->beta) || s_decay(c, "tau_syn", i, &m->alpha))
        return -1;
    return 0;
}

static int s_norse(const s_ctx_t *c, size_t i, sm_model_t *m)
{
    sm_nir_type_t t = c->n->type;
    m->style = SM_STYLE_NORSE;
    m->reset = c->conv.reset == SM_NIR_RESET_SUBTRACT ? SM_RESET_SUBTRACT : SM_RESET_ZERO;
    m->reset_delay = true;
    if (s_must_be(c, "r", i, 1.0, "norse writes r = 1 (another value would scale the input)"))
        return -1;
    if ((t == SM_NIR_CUBALIF || t == SM_NIR_CUBALI) &&
        s_must_be(c, "w_in", i, 1.0, "norse writes w_in = 1 (another value would scale the input)"))
        return -1;
    /* dt*tau_inv: the Python float dt meets a float32 tensor. */
    const float fdt = (float)c->dt, nfdt = (float)(-c->dt);
    if (t != SM_NIR_IF) {
        const char *tau = (t == SM_NIR_LIF || t == SM_NIR_LI) ? "tau" : "tau_mem";
        m->am = fdt * sm_nir_norse_inv(sm_nir_field(c->n, tau), i);
        m->v_leak = (float)s_at(c, "v_leak", i);
    }
    if (t == SM_NIR_CUBALIF || t == SM_NIR_CUBALI)
        m->as = nfdt * sm_nir_norse_inv(sm_nir_field(c->n, "tau_syn"), i);
    else
        m->as = -1.0f; /* no current: the input passes in one step */
    if (t == SM_NIR_LI || t == SM_NIR_CUBALI) {
        m->kind = SM_MODEL_LI;
    } else {
        m->kind = t == SM_NIR_LIF ? SM_MODEL_LIF : t == SM_NIR_IF ? SM_MODEL_IAF : SM_MODEL_CUBA_LIF;
        m->threshold = (float)s_at(c, "v_threshold", i);
        m->v_reset = (float)s_at(c, "v_reset", i);
    }
    m->beta = 1.0f - m->am;
    m->alpha = 1.0f + m->as;
    m->dt_ms = (float)(c->dt * 1000.0);
    return 0;
}

static int s_sinabs(const s_ctx_t *c, size_t i, sm_model_t *m)
{
    sm_nir_type_t t = c->n->type;
    m->style = SM_STYLE_SINABS;
    m->threshold_ge = true;
    m->reset_delay = true;
    if (s_must_be(c, "r", i, 1.0, "sinabs writes r = 1 (another value would scale the input)"))
        return -1;
    if (t != SM_NIR_IF &&
        s_must_be(c, "v_leak", i, 0.0, "sinabs has no leak potential: it must be 0"))
        return -1;
    m->beta = 1.0f;
    if (t == SM_NIR_LIF || t == SM_NIR_LI) {
        m->beta = sm_nir_sinabs_decay(sm_nir_field(c->n, "tau"), i);
        m->norm_input = c->conv.norm_input;
    }
    m->one_minus_beta = 1.0f - m->beta;
    m->has_min_v = c->conv.has_min_v;
    m->min_v = (float)c->conv.min_v;
    if (t == SM_NIR_LI) {
        m->kind = SM_MODEL_LI;
        m->reset = SM_RESET_NONE;
        m->threshold = 1.0f;
        return 0;
    }
    m->kind = t == SM_NIR_IF ? SM_MODEL_IAF : SM_MODEL_LIF;
    m->threshold = (float)s_at(c, "v_threshold", i);
    if (!(m->threshold > 0.0f))
        return s_refuse(c, "v_threshold", i, m->threshold, "sinabs thresholds are > 0");
    m->multispike = c->conv.spike_fn == SM_NIR_SPIKE_MULTI;
    if (c->conv.reset == SM_NIR_RESET_ZERO) {
        m->reset = SM_RESET_ZERO;
        m->reset_value = (float)s_at(c, "v_reset", i);
    } else {
        m->reset = SM_RESET_SUBTRACT;
    }
    m->v_reset = m->reset_value;
    if (m->has_min_v && !(m->min_v < m->threshold))
        return sm_fail(c->err, SM_EUNSUPPORTED, "node '%s' (%s): min_v_mem %g must be below the "
                       "threshold %g (index [%zu])", c->n->name, s_type(c), (double)m->min_v,
                       (double)m->threshold, i);
    return 0;
}

/* Nodes no library exports, the same under every flavor. */
static int s_common(const s_ctx_t *c, size_t i, sm_model_t *m)
{
    m->reset_delay = true;
    if (c->n->type == SM_NIR_THRESHOLD) {
        /* z = [x > theta], no state: a Leaky with beta 0 and no reset. */
        m->kind = SM_MODEL_LIF;
        m->style = SM_STYLE_SNNTORCH;
        m->reset = SM_RESET_NONE;
        m->beta = 0.0f;
        m->threshold = (float)s_at(c, "threshold", i);
        return 0;
    }
    /* I: v = v + x, never spikes (an ExpLeak with no leak). */
    if (s_must_be(c, "r", i, 1.0, "only r = 1 is supported for I (v = v + x)"))
        return -1;
    m->kind = SM_MODEL_LI;
    m->style = SM_STYLE_SINABS;
    m->reset = SM_RESET_NONE;
    m->beta = 1.0f;
    m->one_minus_beta = 0.0f;
    m->threshold = 1.0f;
    return 0;
}

static int s_model(const s_ctx_t *c, size_t i, sm_model_t *m)
{
    memset(m, 0, sizeof *m);
    if (c->n->type == SM_NIR_THRESHOLD || c->n->type == SM_NIR_I)
        return s_common(c, i, m);
    switch (c->flavor) {
    case SM_NIR_FLAVOR_SNNTORCH: return s_snntorch(c, i, m);
    case SM_NIR_FLAVOR_NORSE: return s_norse(c, i, m);
    default: return s_sinabs(c, i, m);
    }
}

int sm_nir_layer_models(const sm_nir_node_t *n, const sm_nir_side_t *side, bool self_rec,
                        const double *bias, sm_pop_t *pop, sm_error_t *err)
{
    sm_nir_target_t tg = sm_nir_target(n, side->flavor);
    if (tg.role != SM_NIR_ROLE_POPULATION)
        return sm_fail(err, SM_EUNSUPPORTED, "node '%s' (%s): cannot be honoured under flavor %s: %s",
                       n->name, sm_nir_type_name(n->type), sm_nir_flavor_name(side->flavor),
                       tg.note ? tg.note : "not a neuron node");
    s_ctx_t c = {n, side->flavor, side->dt, sm_nir_side_conv(side, n->name), self_rec, err};
    uint32_t size = pop->size;
    sm_model_t *ms = malloc((size_t)(size ? size : 1) * sizeof *ms);
    if (!ms)
        return sm_fail(err, SM_ENOMEM, "node '%s': out of memory for %u neuron models", n->name,
                       size);
    bool same = true;
    for (uint32_t i = 0; i < size; i++) {
        if (s_model(&c, i, &ms[i])) {
            free(ms);
            return -1;
        }
        ms[i].bias = bias ? (float)bias[i] : 0.0f;
        if (i && same && memcmp(&ms[i], &ms[0], sizeof ms[0]))
            same = false;
    }
    uint32_t nm = same ? 1 : size;
    /* Runs of equal neurons (a channel's bias) share one preparation. */
    for (uint32_t i = 0; i < nm; i++) {
        if (i && !memcmp(&ms[i], &ms[i - 1], offsetof(sm_model_t, closed))) {
            ms[i].closed = ms[i - 1].closed;
            continue;
        }
        sm_model_prepare(&ms[i]);
    }
    if (same) {
        sm_model_t *one = realloc(ms, sizeof *ms);
        ms = one ? one : ms;
    }
    pop->models = ms;
    pop->n_models = nm;
    return 0;
}
