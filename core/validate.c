#include "validate.h"

#include "loihi.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "model_int.h"
#include "syntab.h"

/* ------------------------------------------------------------------ names */

/* Length of the UTF-8 sequence at s (1..4), or 0 if it is not one: no
 * overlong forms, no surrogates, nothing past U+10FFFF. */
static int s_utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    int n = c >= 0xc2 && c <= 0xdf   ? 2
            : c >= 0xe0 && c <= 0xef ? 3
            : c >= 0xf0 && c <= 0xf4 ? 4
                                     : 0;
    if (!n)
        return 0;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) || (c == 0xf0 && s[1] < 0x90) ||
        (c == 0xf4 && s[1] > 0x8f))
        return 0;
    return n;
}

int sm_pop_name_check(const char *name, char *why, size_t cap)
{
    size_t len = strlen(name);
    if (len == 0 || len >= SM_NAME_MAX) {
        snprintf(why, cap, "must be 1 to %d bytes", SM_NAME_MAX - 1);
        return -1;
    }
    for (size_t i = 0; i < len;) {
        const unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c == 0x7f) {
            snprintf(why, cap, "must not hold control characters (byte %zu is 0x%02x)", i, c);
            return -1;
        }
        if (c == ',' || c == '"') {
            snprintf(why, cap, "must not hold '%c': names are plain CSV fields", c);
            return -1;
        }
        int n = s_utf8_len((const unsigned char *)name + i);
        if (!n) {
            snprintf(why, cap, "must be valid UTF-8 (byte %zu, 0x%02x, starts no character)", i, c);
            return -1;
        }
        i += (size_t)n;
    }
    return 0;
}

void sm_name_show(const char *name, char *buf, size_t cap)
{
    size_t o = 0;
    if (cap == 0)
        return;
    for (size_t i = 0; name[i] && o + 8 < cap;) {
        if (i >= 60) {
            o += (size_t)snprintf(buf + o, cap - o, "...");
            break;
        }
        const unsigned char c = (unsigned char)name[i];
        int n = s_utf8_len((const unsigned char *)name + i);
        if (c < 0x20 || c == 0x7f || c == '\\' || !n) {
            o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", c);
            i++;
            continue;
        }
        memcpy(buf + o, name + i, (size_t)n);
        o += (size_t)n;
        i += (size_t)n;
    }
    buf[o < cap ? o : cap - 1] = '\0';
}

/* ----------------------------------------------------------------- models */

/* The flag bytes and enums: a block that travelled as bytes may hold any
 * value there, and loading a bool that is not 0 or 1 is undefined. */
static int s_model_bytes(const sm_model_t *m, sm_error_t *err)
{
    static const struct {
        size_t off;
        const char *name;
    } flags[] = {
        {offsetof(sm_model_t, reset_delay), "reset_delay"},
        {offsetof(sm_model_t, threshold_ge), "threshold_ge"},
        {offsetof(sm_model_t, multispike), "multispike"},
        {offsetof(sm_model_t, norm_input), "norm_input"},
        {offsetof(sm_model_t, has_syn), "has_syn"},
        {offsetof(sm_model_t, has_min_v), "has_min_v"},
        {offsetof(sm_model_t, zero_all), "zero_all"},
        {offsetof(sm_model_t, closed) + offsetof(sm_closed_t, b_one), "closed.b_one"},
        {offsetof(sm_model_t, closed) + offsetof(sm_closed_t, a_one), "closed.a_one[0]"},
        {offsetof(sm_model_t, closed) + offsetof(sm_closed_t, a_one) + 1, "closed.a_one[1]"},
    };
    const unsigned char *b = (const unsigned char *)m;
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if (b[flags[i].off] > 1)
            return sm_fail(err, SM_EINVAL, "%s: flag byte %u, must be 0 or 1", flags[i].name,
                           b[flags[i].off]);
    unsigned kind, style, reset;
    memcpy(&kind, b + offsetof(sm_model_t, kind), sizeof kind);
    memcpy(&style, b + offsetof(sm_model_t, style), sizeof style);
    memcpy(&reset, b + offsetof(sm_model_t, reset), sizeof reset);
    if (kind >= SM_MODEL_COUNT)
        return sm_fail(err, SM_EINVAL, "model: kind %u unknown", kind);
    if (style >= SM_STYLE_COUNT)
        return sm_fail(err, SM_EINVAL, "style: %u unknown", style);
    if (reset > SM_RESET_NONE)
        return sm_fail(err, SM_EINVAL, "reset: %u unknown", reset);
    if (m->closed.nc > 2 || m->closed.rel[0] > 2 || m->closed.rel[1] > 2)
        return sm_fail(err, SM_EINVAL, "closed form: %u currents (at most 2)", m->closed.nc);
    if ((kind == SM_MODEL_LOIHI_LIF) != (style == SM_STYLE_LOIHI))
        return sm_fail(err, SM_EINVAL, "model %u with style %u: loihi_lif goes with the loihi style",
                       kind, style);
    return 0;
}

/* loihi_lif: the constants are those sm_loihi_lif_setup can derive, and each
 * accumulator's exponent one a Dense can have. */
static int s_loihi(const sm_model_t *m, sm_error_t *err)
{
    const sm_loihi_lif_t *l = &m->lif;
    if (l->ku < 0 || l->ku > SM_LOIHI_DU_MAX || l->kv < 1 || l->kv > SM_LOIHI_DU_MAX + 1)
        return sm_fail(err, SM_EINVAL, "loihi_lif: decay factors %d, %d out of range", (int)l->ku,
                       (int)l->kv);
    if (l->theta < 0 || l->theta > 64 * SM_LOIHI_VTH_MAX || l->theta % 64)
        return sm_fail(err, SM_EINVAL, "loihi_lif: threshold %lld is not 64 * vth",
                       (long long)l->theta);
    if (l->bias < SM_LOIHI_BIAS_MANT_MIN * (1 << SM_LOIHI_BIAS_EXP_MAX) ||
        l->bias > SM_LOIHI_BIAS_MANT_MAX * (1 << SM_LOIHI_BIAS_EXP_MAX))
        return sm_fail(err, SM_EINVAL, "loihi_lif: bias %lld out of range", (long long)l->bias);
    for (int k = 0; k < 2; k++)
        if (m->in_exp[k] < SM_LOIHI_WEIGHT_EXP_MIN || m->in_exp[k] > SM_LOIHI_WEIGHT_EXP_MAX)
            return sm_fail(err, SM_EINVAL, "loihi_lif: weight_exp %d of input %d out of range",
                           (int)m->in_exp[k], k);
    return 0;
}

typedef struct {
    const char *name;
    double v;
} s_field_t;

static int s_finite(const s_field_t *f, size_t n, sm_error_t *err)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(f[i].v))
            /* printf writes a NaN's sign, which means nothing here. */
            return sm_fail(err, SM_ERANGE, "%s: %s, must be a finite number", f[i].name,
                           isnan(f[i].v) ? "nan" : f[i].v > 0 ? "inf" : "-inf");
    return 0;
}

static int s_in01(const char *name, double v, sm_error_t *err)
{
    if (!(v >= 0.0 && v <= 1.0))
        return sm_fail(err, SM_ERANGE, "%s: must be in [0, 1], got %g", name, v);
    return 0;
}

static int s_sinabs(const sm_model_t *m, sm_error_t *err)
{
    /* A MultiSpike count is v / threshold cast to an integer: a threshold
     * <= 0 makes that negative or infinite. */
    if (!(m->threshold > 0.0f))
        return sm_fail(err, SM_ERANGE, "threshold: must be > 0, got %g", (double)m->threshold);
    if (s_in01("alpha_mem", m->beta, err))
        return -1;
    if (m->has_syn && !(m->alpha >= 0.0f && m->alpha < 1.0f))
        return sm_fail(err, SM_ERANGE, "alpha_syn: must be in [0, 1), got %g", (double)m->alpha);
    if (m->has_min_v && !(m->min_v < m->threshold))
        return sm_fail(err, SM_ERANGE, "min_v_mem: must be below the threshold %g, got %g",
                       (double)m->threshold, (double)m->min_v);
    return 0;
}

static int s_snntorch(const sm_model_t *m, sm_error_t *err)
{
    switch (m->kind) {
    case SM_MODEL_IAF:
        return 0;
    case SM_MODEL_LAPICQUE:
        /* decay = 1 - time_step / (R C): any finite value is the library's. */
        if (!(m->R > 0.0f && m->R <= FLT_MAX) || !(m->time_step > 0.0f) ||
            !(m->inv_RC > 0.0f && m->inv_RC <= FLT_MAX) || !isfinite(m->decay))
            return sm_fail(err, SM_ERANGE,
                           "R, C: R, R*C and 1/(R*C) must be positive float32 numbers (and "
                           "time_step / (R*C) finite), got R=%g 1/(R*C)=%g time_step=%g",
                           (double)m->R, (double)m->inv_RC, (double)m->time_step);
        return 0;
    case SM_MODEL_ALPHA:
        if (!(m->alpha > m->beta && m->beta > 0.0f && m->alpha < 1.0f))
            return sm_fail(err, SM_ERANGE,
                           "alpha: must satisfy 0 < beta < alpha < 1, got alpha=%g beta=%g",
                           (double)m->alpha, (double)m->beta);
        return 0;
    case SM_MODEL_CUBA_LIF:
        if (s_in01("alpha", m->alpha, err))
            return -1;
        return s_in01("beta", m->beta, err);
    default:
        return s_in01("beta", m->beta, err);
    }
}

static int s_norse(const sm_model_t *m, sm_error_t *err)
{
    if (!(m->am >= 0.0f && m->am <= 1.0f))
        return sm_fail(err, SM_ERANGE,
                       "tau_mem_inv: dt*tau_mem_inv must be in [0, 1] (stable Euler), got %g",
                       (double)m->am);
    if (!(m->as >= -1.0f && m->as <= 0.0f))
        return sm_fail(err, SM_ERANGE,
                       "tau_syn_inv: dt*tau_syn_inv must be in [0, 1] (stable Euler), got %g",
                       -(double)m->as);
    return 0;
}

static int s_exact(const sm_model_t *m, sm_error_t *err)
{
    if (s_in01("p22 (exp(-dt/tau_m))", m->p22, err) ||
        s_in01("p11e (exp(-dt/tau_syn_E))", m->p11e, err) ||
        s_in01("p11i (exp(-dt/tau_syn_I))", m->p11i, err))
        return -1;
    if (m->refractory_ticks > 1000000000u)
        return sm_fail(err, SM_ERANGE, "tau_refrac: %u ticks, at most 1e9",
                       m->refractory_ticks);
    return 0;
}

/* The closed form sm_model_prepare stored: its affine map finite, its
 * tables free of NaN (a bound may be infinite: that says "unbounded"). */
static int s_closed(const sm_model_t *m, sm_error_t *err)
{
    const sm_closed_t *T = &m->closed;
    if (T->ready != SM_CLOSED_FORM && T->ready != SM_CLOSED_READY)
        return 0;
    const sm_linform_t *L = &T->lin;
    const s_field_t lin[] = {
        {"closed form: beta", L->beta},     {"closed form: a[0]", L->a[0]},
        {"closed form: a[1]", L->a[1]},     {"closed form: g[0]", L->g[0]},
        {"closed form: g[1]", L->g[1]},     {"closed form: kb_in", L->kb_in},
        {"closed form: kb_mul[0]", L->kb_mul[0]}, {"closed form: kb_mul[1]", L->kb_mul[1]},
        {"closed form: kb_mul[2]", L->kb_mul[2]}, {"closed form: kb_out", L->kb_out},
        {"closed form: eb[0]", L->eb[0]},   {"closed form: eb[1]", L->eb[1]}};
    if (s_finite(lin, sizeof lin / sizeof lin[0], err))
        return -1;
    if (T->ready != SM_CLOSED_READY)
        return 0;
    /* The tables are doubles from offsetof(inv_1mb) to the end. */
    const size_t first = offsetof(sm_closed_t, inv_1mb);
    const size_t n = (sizeof *T - first) / sizeof(double);
    double d;
    for (size_t i = 0; i < n; i++) {
        memcpy(&d, (const unsigned char *)T + first + i * sizeof d, sizeof d);
        if (isnan(d))
            return sm_fail(err, SM_ERANGE, "closed-form tables: NaN at entry %zu", i);
    }
    return 0;
}

int sm_model_check(const sm_model_t *m, sm_error_t *err)
{
    if (s_model_bytes(m, err))
        return -1;
    /* Lapicque first: its beta is its decay, derived from R and C, which are
     * the parameters to name. */
    if (m->style == SM_STYLE_SNNTORCH && m->kind == SM_MODEL_LAPICQUE && s_snntorch(m, err))
        return -1;
    const s_field_t f[] = {
        {"threshold", m->threshold}, {"bias", m->bias},       {"beta", m->beta},
        {"alpha", m->alpha},         {"one_minus_beta", m->one_minus_beta},
        {"v_reset", m->v_reset},     {"v_leak", m->v_leak},   {"reset_value", m->reset_value},
        {"min_v", m->min_v},         {"am (dt*tau_mem_inv)", m->am},
        {"as (-dt*tau_syn_inv)", m->as}, {"R", m->R},         {"1/(R*C)", m->inv_RC},
        {"time_step", m->time_step}, {"decay (1 - time_step/(R*C))", m->decay},
        {"tau_alpha", m->tau_alpha}, {"p22 (exact propagator from tau_m and dt)", m->p22},
        {"p21e (exact propagator from tau_m, tau_syn_E, cm and dt)", m->p21e},
        {"p21i (exact propagator from tau_m, tau_syn_I, cm and dt)", m->p21i},
        {"p11e (exact propagator from tau_syn_E and dt)", m->p11e},
        {"p11i (exact propagator from tau_syn_I and dt)", m->p11i},
        {"p20 (exact propagator from tau_m, cm and dt)", m->p20}, {"dt", m->dt_ms}};
    if (s_finite(f, sizeof f / sizeof f[0], err))
        return -1;
    int rc = 0;
    switch (m->style) {
    case SM_STYLE_SINABS:
        rc = s_sinabs(m, err);
        break;
    case SM_STYLE_SNNTORCH:
        rc = s_snntorch(m, err);
        break;
    case SM_STYLE_NORSE:
        rc = s_norse(m, err);
        break;
    case SM_STYLE_EXACT:
        rc = s_exact(m, err);
        break;
    case SM_STYLE_LOIHI:
        rc = s_loihi(m, err);
        break;
    default:
        break;
    }
    return rc ? rc : s_closed(m, err);
}

/* ---------------------------------------------------------------- network */

/* With bias b (the model's plus the currents), the membrane's fixed point
 * when every base of the closed form decays; 0 when there is none. */
static double s_fixed_point(const sm_model_t *m, float b)
{
    const sm_closed_t *T = &m->closed;
    if (T->ready != SM_CLOSED_FORM && T->ready != SM_CLOSED_READY)
        return 0.0;
    const sm_linform_t *L = &T->lin;
    if (!(L->beta >= 0.0 && L->beta < 1.0))
        return 0.0;
    double K = (((b + L->kb_in) * L->kb_mul[0]) * L->kb_mul[1]) * L->kb_mul[2] + L->kb_out;
    for (uint32_t j = 0; j < T->nc; j++) {
        if (!(L->a[j] >= 0.0 && L->a[j] < 1.0))
            return 0.0;
        K += L->g[j] * (b * L->eb[j]) / (1.0 - L->a[j]);
    }
    return K / (1.0 - L->beta);
}

static int s_pop_models(const sm_net_t *net, uint32_t p, sm_error_t *err)
{
    const sm_pop_t *pop = &net->pops[p];
    if (!pop->models || (pop->n_models != 1 && pop->n_models != pop->size))
        return sm_fail(err, SM_EINVAL, "populations[%u]: %u parameter blocks for %u neurons", p,
                       pop->n_models, pop->size);
    for (uint32_t i = 0; i < pop->n_models; i++) {
        const sm_model_t *m = &pop->models[i];
        char who[48] = "";
        if (pop->n_models > 1)
            snprintf(who, sizeof who, " (neuron %u)", i);
        if (sm_model_check(m, err)) {
            sm_error_prefix(err, "populations[%u].params%s: ", p, who);
            return -1;
        }
        /* The bias the engine runs with, summed as it sums it. */
        float b = m->bias;
        for (uint32_t k = 0; k < net->n_currents; k++)
            if (net->currents[k].pop == p)
                b += (float)net->currents[k].amplitude;
        if (!isfinite(b))
            return sm_fail(err, SM_ERANGE,
                           "populations[%u].params%s.bias: %g plus the currents into \"%s\" is %g "
                           "in float32, beyond its range",
                           p, who, (double)m->bias, pop->name, (double)b);
        double vinf = s_fixed_point(m, b);
        if (!(fabs(vinf) <= FLT_MAX))
            return sm_fail(err, SM_ERANGE,
                           "populations[%u].params%s.bias: a bias of %g (with the currents) drives "
                           "the membrane toward %g, beyond float32 range",
                           p, who, (double)b, vinf);
    }
    return 0;
}

double sm_proj_delay_bound(const sm_proj_t *pr)
{
    if (pr->conn == SM_CONN_LIST) {
        uint32_t hi = 0;
        for (uint32_t i = 0; i < pr->n_list; i++)
            if (pr->l_delay[i] > hi)
                hi = pr->l_delay[i];
        return hi;
    }
    if (pr->conn == SM_CONN_MATRIX)
        return pr->matrix_delay;
    return pr->delay.kind == SM_DIST_UNIFORM ? pr->delay.b : pr->delay.a;
}

int sm_net_check(const sm_net_t *net, sm_error_t *err)
{
    char why[160], shown[320];
    for (uint32_t p = 0; p < net->n_pops; p++) {
        const sm_pop_t *pop = &net->pops[p];
        if (!memchr(pop->name, '\0', sizeof pop->name))
            return sm_fail(err, SM_EINVAL, "populations[%u].name: not terminated", p);
        if (sm_pop_name_check(pop->name, why, sizeof why)) {
            sm_name_show(pop->name, shown, sizeof shown);
            return sm_fail(err, SM_EINVAL, "populations[%u].name: %s, got \"%s\"", p, why, shown);
        }
        if (pop->kind == SM_POP_NEURONS && s_pop_models(net, p, err))
            return -1;
    }
    for (uint32_t k = 0; k < net->n_currents; k++)
        if (!(fabs(net->currents[k].amplitude) <= FLT_MAX))
            return sm_fail(err, SM_ERANGE, "currents[%u].amplitude: %g, beyond float32 range", k,
                           net->currents[k].amplitude);
    for (uint32_t j = 0; j < net->n_projs; j++) {
        const sm_proj_t *pr = &net->projs[j];
        double d = sm_proj_delay_bound(pr);
        if (!(d <= SM_MAX_DELAY))
            return sm_fail(err, SM_ERANGE,
                           "projections[%u].delay: %s%g ticks, more than the longest delay of %u "
                           "ticks",
                           j, pr->conn != SM_CONN_LIST && pr->delay.kind == SM_DIST_UNIFORM
                                  ? "uniform up to " : pr->conn == SM_CONN_LIST ? "up to " : "",
                           d, SM_MAX_DELAY);
    }
    return 0;
}
