/* model_sinabs: sinabs IAF / LIF (MultiSpike or SingleSpike, MembraneSubtract
 * or MembraneReset, optional tau_syn and min_v_mem), float32 in the order of
 * sinabs' lif_forward. */
#include <math.h>

#include "model.h"

uint32_t sm_model_step_sinabs(const sm_model_t *m, sm_nstate_t *s, float x);

uint32_t sm_model_step_sinabs(const sm_model_t *m, sm_nstate_t *s, float x)
{
    const float th = m->threshold;
    float isyn = x;
    if (m->has_syn) {
        isyn = m->alpha * (s->ie + x);
        s->ie = isyn;
    }
    float in = m->norm_input ? m->one_minus_beta * isyn : isyn;
    float v = m->beta * s->v + in;

    uint32_t n;
    if (m->multispike) {
        /* trunc(v / th), counted only for v > 0; a huge membrane saturates
         * the count instead of overflowing the integer. */
        float q = (v > 0.0f) ? truncf(v / th) : 0.0f;
        n = (q >= 4294967040.0f) ? 4294967040u : (uint32_t)q;
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
        float d = v - m->min_v;
        v = (d > 0.0f ? d : 0.0f) + m->min_v;
    }
    s->v = v;
    return n;
}
