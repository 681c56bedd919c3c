/* model_norse: norse LIF / LIFCell and LI / LICell (norse >= 1.1 order: the
 * input jumps into the current first, then an explicit Euler step). */
#include "model.h"

uint32_t sm_model_step_norse(const sm_model_t *m, sm_nstate_t *s, float x);

uint32_t sm_model_step_norse(const sm_model_t *m, sm_nstate_t *s, float x)
{
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
