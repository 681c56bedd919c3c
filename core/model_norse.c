/* model_norse: norse LIF / LIFCell and LI / LICell (norse >= 1.1 order: the
 * input jumps into the current first, then an explicit Euler step). */
#include "model_int.h"

static uint32_t s_step(const sm_model_t *m, sm_nstate_t *s, float x_exc, float x_inh)
{
    const float x = sm_model_one_input(m, x_exc, x_inh);
    float i1 = s->ie + x;
    float vd = s->v + m->am * ((m->v_leak - s->v) + i1);
    s->ie = i1 + m->as * i1;
    if (m->kind == SM_MODEL_LI) {
        s->v = vd;
        return 0;
    }
    float z = (vd - m->threshold > 0.0f) ? 1.0f : 0.0f;
    s->v = (1.0f - z) * vd + z * m->v_reset;
    return z != 0.0f;
}

static uint32_t s_lin_form(const sm_model_t *m, sm_linform_t *f)
{
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
