/* model_sinabs: sinabs IAF / LIF (MultiSpike or SingleSpike, MembraneSubtract
 * or MembraneReset, optional tau_syn and min_v_mem), float32 in the order of
 * sinabs' lif_forward; kind LI is ExpLeak, the same update with no spikes. */
#include <math.h>

#include "model_int.h"

/* max(x, 0) as relu computes it (+0 for -0 and NaN), written so that the
 * compiler selects instead of branching: these comparisons go either way at
 * random and mispredicted branches dominated the step. */
static inline float s_relu(float x)
{
    union { float f; uint32_t u; } a = {.f = x};
    a.u &= (uint32_t)0 - (uint32_t)(x > 0.0f);
    return a.f;
}

static uint32_t s_step(const sm_model_t *m, sm_nstate_t *s, float x_exc, float x_inh)
{
    const float x = sm_model_one_input(m, x_exc, x_inh);
    const float th = m->threshold;
    float isyn = x;
    if (m->has_syn) {
        isyn = m->alpha * (s->ie + x);
        s->ie = isyn;
    }
    float in = m->norm_input ? m->one_minus_beta * isyn : isyn;
    float v = m->beta * s->v + in;

    uint32_t n;
    if (m->kind == SM_MODEL_LI) {
        n = 0;
    } else if (m->multispike) {
        /* trunc(v / th), counted only for v > 0 (v / 1 is v); a huge
         * membrane saturates the count instead of overflowing the integer.
         * Below 2^31 the conversion truncates as truncf does. */
        float vp = s_relu(v), r = th == 1.0f ? vp : vp / th;
        if (r < 2147483648.0f) {
            n = (uint32_t)(int32_t)r;
        } else {
            float q = truncf(r);
            n = (q >= 4294967040.0f) ? 4294967040u : (uint32_t)q;
        }
    } else {
        n = (v - th >= 0.0f) ? 1u : 0u;
    }
    float sf = (float)n;
    if (m->reset == SM_RESET_SUBTRACT) {
        v = v - sf * th;
    } else if (m->reset == SM_RESET_ZERO) {
        /* MembraneReset adds reset_value to every neuron, spiking or not. */
        v = v * (n == 0 ? 1.0f : 0.0f) + m->reset_value;
    }
    if (m->has_min_v) {
        /* relu(v - min) + min, as the library computes it. */
        v = s_relu(v - m->min_v) + m->min_v;
    }
    s->v = v;
    return n;
}

static uint32_t s_lin_form(const sm_model_t *m, sm_linform_t *f)
{
    const double norm = m->norm_input ? (double)m->one_minus_beta : 1.0;
    f->beta = m->beta;
    f->kb_out = (m->reset == SM_RESET_ZERO) ? (double)m->reset_value : 0.0;
    f->clip = m->has_min_v;
    f->silent = m->kind == SM_MODEL_LI;
    if (!m->has_syn) {
        /* v' = beta v + norm*b + reset_value */
        f->kb_mul[0] = norm;
        return 0;
    }
    /* isyn' = alpha*(isyn + b);  v' = beta v + norm*isyn' + reset_value */
    f->a[0] = m->alpha;
    f->eb[0] = m->alpha;
    f->g[0] = norm * m->alpha;
    f->kb_mul[0] = norm * m->alpha;
    return 1;
}

const sm_style_ops_t sm_style_sinabs = {
    .name = "sinabs",
    .step = s_step,
    .lin_form = s_lin_form,
    .init_state = sm_style_init_zero,
};
