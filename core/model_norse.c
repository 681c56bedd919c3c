/* model_norse: norse LIF / LIFCell and LI / LICell (norse >= 1.1 order: the
 * input jumps into the current first, then an explicit Euler step), and the
 * cells with no synaptic current that NIR graphs bring: LIFBoxCell (kind
 * LIF) and IAFCell (kind IAF). A LIBoxCell is an LI whose current decays
 * fully each step (as = -1). */
#include "model_int.h"

/* Threshold and reset, as norse computes them (reset_value: to v_reset;
 * reset_subtract: by the threshold): products, not a branch, decide the
 * rounding. */
static uint32_t s_fire(const sm_model_t *m, sm_nstate_t *s, float vd)
{
    float z = (vd - m->threshold > 0.0f) ? 1.0f : 0.0f;
    if (m->reset == SM_RESET_SUBTRACT)
        s->v = (1.0f - z) * vd + z * (vd - m->threshold);
    else
        s->v = (1.0f - z) * vd + z * m->v_reset;
    return z != 0.0f;
}

static uint32_t s_step(const sm_model_t *m, sm_nstate_t *s, float x_exc, float x_inh)
{
    const float x = sm_model_one_input(m, x_exc, x_inh);
    if (m->kind == SM_MODEL_LIF) /* LIFBoxCell: dv = dt*tmi*((x + v_leak) - v) */
        return s_fire(m, s, s->v + m->am * ((x + m->v_leak) - s->v));
    if (m->kind == SM_MODEL_IAF) /* IAFCell: v + x */
        return s_fire(m, s, s->v + x);
    float i1 = s->ie + x;
    float vd = s->v + m->am * ((m->v_leak - s->v) + i1);
    s->ie = i1 + m->as * i1;
    if (m->kind == SM_MODEL_LI) {
        s->v = vd;
        return 0;
    }
    return s_fire(m, s, vd);
}

static uint32_t s_lin_form(const sm_model_t *m, sm_linform_t *f)
{
    if (m->kind == SM_MODEL_IAF) /* v' = v + b */
        return 0;
    if (m->kind == SM_MODEL_LIF) {
        /* v' = (1-am) v + am*(b + v_leak) */
        f->beta = 1.0 - (double)m->am;
        f->kb_in = m->v_leak;
        f->kb_mul[0] = m->am;
        return 0;
    }
    /* i1 = i + b;  v' = (1-am) v + am*i + am*(v_leak + b);  i' = (1+as) i1 */
    const double am = m->am, as1 = 1.0 + (double)m->as;
    f->beta = 1.0 - am;
    f->kb_in = m->v_leak;
    f->kb_mul[0] = am;
    f->a[0] = as1;
    f->eb[0] = as1;
    f->g[0] = am;
    f->silent = m->kind == SM_MODEL_LI;
    return 1;
}

const sm_style_ops_t sm_style_norse = {
    .name = "norse",
    .step = s_step,
    .lin_form = s_lin_form,
    .init_state = sm_style_init_leak,
};
