/* model: dispatch of the per-library updates. Each style lives in its own
 * file (model_snntorch.c, model_sinabs.c, model_norse.c, model_exact.c); the
 * closed forms used to skip silent ticks are in model_closed.c. Parameters
 * are read from JSON by tools/io/model_json.c. */
#include "model.h"

/* The per-style steps. They are not in model.h because nothing but this
 * dispatcher should pick a style by hand. */
uint32_t sm_model_step_snntorch(const sm_model_t *m, sm_nstate_t *s, float x);
uint32_t sm_model_step_sinabs(const sm_model_t *m, sm_nstate_t *s, float x);
uint32_t sm_model_step_norse(const sm_model_t *m, sm_nstate_t *s, float x);
uint32_t sm_model_step_exact(const sm_model_t *m, sm_nstate_t *s, float x_exc,
                             float x_inh);

void sm_model_init_state(const sm_model_t *m, sm_nstate_t *s)
{
    s->v = (m->style == SM_STYLE_NORSE || m->style == SM_STYLE_EXACT) ? m->v_leak : 0.0f;
    s->ie = 0.0f;
    s->ii = 0.0f;
    s->refrac = 0;
}

uint32_t sm_model_step(const sm_model_t *m, sm_nstate_t *s, float x_exc, float x_inh)
{
    if (m->style == SM_STYLE_EXACT)
        return sm_model_step_exact(m, s, x_exc, x_inh);
    /* One input port: the sum of both, then the constant bias. With no bias
     * and no inhibitory input this is x_exc unchanged, bit for bit. */
    float x = (x_exc + x_inh) + m->bias;
    switch (m->style) {
    case SM_STYLE_SINABS: return sm_model_step_sinabs(m, s, x);
    case SM_STYLE_NORSE: return sm_model_step_norse(m, s, x);
    default: return sm_model_step_snntorch(m, s, x);
    }
}

const char *sm_model_kind_name(sm_model_kind_t k)
{
    switch (k) {
    case SM_MODEL_IAF: return "iaf";
    case SM_MODEL_LIF: return "lif";
    case SM_MODEL_CUBA_LIF: return "cuba_lif";
    case SM_MODEL_LI: return "li";
    case SM_MODEL_LAPICQUE: return "lapicque";
    case SM_MODEL_ALPHA: return "alpha";
    case SM_MODEL_COUNT: break;
    }
    return "?";
}
