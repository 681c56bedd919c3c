/* model_snntorch: the snnTorch updates (Leaky, RLeaky neuron part, Synaptic,
 * Lapicque, Alpha), float32, one rounding per operation, in the order the
 * library evaluates them (see docs/models.md). The spike and reset
 * flags are kept as floats 0/1 because the library multiplies by them: the
 * products, not branches, decide the rounding of the result. */
#include "model_int.h"

/* reset_delay=False: the library undoes the delayed reset and applies this
 * step's own; d may be -1 when the previous mem was still above threshold. */
static float s_immediate(const sm_model_t *m, float mem, float spk, float r)
{
    float d = spk - r;
    if (m->reset == SM_RESET_SUBTRACT)
        return mem - d * m->threshold;
    if (m->reset == SM_RESET_ZERO)
        return mem - d * mem;
    return mem;
}

static uint32_t s_finish(const sm_model_t *m, sm_nstate_t *s, float mem, float r)
{
    float spk = (mem - m->threshold > 0.0f) ? 1.0f : 0.0f;
    if (!m->reset_delay)
        mem = s_immediate(m, mem, spk, r);
    s->v = mem;
    return spk != 0.0f;
}

static uint32_t s_leaky(const sm_model_t *m, sm_nstate_t *s, float x)
{
    const float b = m->beta, th = m->threshold, mp = s->v;
    float r = (mp - th > 0.0f) ? 1.0f : 0.0f;
    float mem;
    switch (m->reset) {
    case SM_RESET_SUBTRACT:
        mem = (b * mp + x) - r * th;
        break;
    case SM_RESET_ZERO:
        if (m->zero_all) {
            float base = b * mp + x;
            mem = base - r * base;
        } else {
            mem = b * ((1.0f - r) * mp) + x;
        }
        break;
    default:
        mem = b * mp + x;
        break;
    }
    return s_finish(m, s, mem, r);
}

static uint32_t s_synaptic(const sm_model_t *m, sm_nstate_t *s, float x)
{
    const float th = m->threshold;
    float r = (s->v - th > 0.0f) ? 1.0f : 0.0f;
    float syn = m->alpha * s->ie + x;
    float mem = m->beta * s->v + syn;
    if (m->reset == SM_RESET_SUBTRACT)
        mem = mem - r * th;
    else if (m->reset == SM_RESET_ZERO)
        mem = mem - mem * r;
    s->ie = syn;
    return s_finish(m, s, mem, r);
}

static uint32_t s_lapicque(const sm_model_t *m, sm_nstate_t *s, float x)
{
    const float th = m->threshold;
    float base = ((x * m->R) * m->inv_RC) * m->time_step + m->decay * s->v;
    float r = (s->v - th > 0.0f) ? 1.0f : 0.0f;
    float mem = base;
    if (m->reset == SM_RESET_SUBTRACT)
        mem = base - r * th;
    else if (m->reset == SM_RESET_ZERO)
        mem = base - r * base;
    return s_finish(m, s, mem, r);
}

static uint32_t s_alpha(const sm_model_t *m, sm_nstate_t *s, float x)
{
    const float th = m->threshold, a = m->alpha, b = m->beta;
    const float inh_prev = s->ii;
    float r = (s->v - th > 0.0f) ? 1.0f : 0.0f;
    float exc = a * s->ie + x;
    float inh = b * inh_prev - x;
    float mem = m->tau_alpha * (exc + inh);
    if (m->reset == SM_RESET_ZERO) {
        exc = exc - exc * r;
        inh = inh - inh * r;
        mem = mem - mem * r;
    } else if (m->reset == SM_RESET_SUBTRACT) {
        exc = exc - th * r;
        inh = inh - (b * inh_prev - x) * r;
        mem = mem - (-inh_prev) * r;
    }
    s->ie = exc;
    s->ii = inh;
    return s_finish(m, s, mem, r);
}

static uint32_t s_step(const sm_model_t *m, sm_nstate_t *s, float x_exc, float x_inh)
{
    const float x = sm_model_one_input(m, x_exc, x_inh);
    switch (m->kind) {
    case SM_MODEL_CUBA_LIF: return s_synaptic(m, s, x);
    case SM_MODEL_LAPICQUE: return s_lapicque(m, s, x);
    case SM_MODEL_ALPHA: return s_alpha(m, s, x);
    default: return s_leaky(m, s, x);
    }
}

static uint32_t s_lin_form(const sm_model_t *m, sm_linform_t *f)
{
    switch (m->kind) {
    case SM_MODEL_CUBA_LIF:
        /* syn' = alpha syn + b;  v' = beta v + syn' */
        f->beta = m->beta;
        f->a[0] = m->alpha;
        f->g[0] = m->alpha;
        f->eb[0] = 1.0;
        return 1;
    case SM_MODEL_LAPICQUE:
        /* K = ((b R) / RC) time_step, in that order */
        f->beta = m->decay;
        f->kb_mul[0] = m->R;
        f->kb_mul[1] = m->inv_RC;
        f->kb_mul[2] = m->time_step;
        return 0;
    case SM_MODEL_ALPHA:
        /* mem does not depend on its past: v' = tau*(a exc + b + beta inh - b) */
        f->beta = 0.0;
        f->kb_mul[0] = 0.0;
        f->kb_out = 0.0; /* K = +0 */
        f->a[0] = m->alpha;
        f->g[0] = (double)m->tau_alpha * m->alpha;
        f->eb[0] = 1.0;
        f->a[1] = m->beta;
        f->g[1] = (double)m->tau_alpha * m->beta;
        f->eb[1] = -1.0;
        return 2;
    default:
        f->beta = (m->kind == SM_MODEL_IAF) ? 1.0 : (double)m->beta;
        return 0;
    }
}

const sm_style_ops_t sm_style_snntorch = {
    .name = "snntorch",
    .step = s_step,
    .lin_form = s_lin_form,
    .init_state = sm_style_init_zero,
};
