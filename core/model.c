/* model: dispatch of the per-library updates through the style tables. Each
 * style lives in its own file (model_snntorch.c, model_sinabs.c,
 * model_norse.c, model_exact.c, model_loihi.c, see model_int.h); the closed forms used to
 * skip silent ticks are in model_closed.c. Parameters are read from JSON by
 * tools/io/model_json.c. */
#include "model_int.h"

const sm_style_ops_t *const sm_style_table[SM_STYLE_COUNT] = {
    [SM_STYLE_SNNTORCH] = &sm_style_snntorch,
    [SM_STYLE_SINABS] = &sm_style_sinabs,
    [SM_STYLE_NORSE] = &sm_style_norse,
    [SM_STYLE_EXACT] = &sm_style_exact,
    [SM_STYLE_LOIHI] = &sm_style_loihi,
};

void sm_style_init_zero(const sm_model_t *m, sm_nstate_t *s)
{
    (void)m;
    *s = (sm_nstate_t){0.0f, 0.0f, 0.0f, 0};
}

void sm_style_init_leak(const sm_model_t *m, sm_nstate_t *s)
{
    *s = (sm_nstate_t){m->v_leak, 0.0f, 0.0f, 0};
}

void sm_model_init_state(const sm_model_t *m, sm_nstate_t *s)
{
    sm_style_of(m)->init_state(m, s);
}

void sm_model_set_initial(const sm_model_t *m, sm_nstate_t *s, const float *v, const float *u)
{
    const sm_style_ops_t *st = sm_style_of(m);
    if (st->set_initial)
        st->set_initial(m, s, v, u);
    else if (v)
        s->v = *v;
}

void sm_model_trace(const sm_model_t *m, const sm_nstate_t *s, float out[3])
{
    const sm_style_ops_t *st = sm_style_of(m);
    if (st->trace) {
        st->trace(m, s, out);
        return;
    }
    out[0] = s->v;
    out[1] = s->ie;
    out[2] = s->ii;
}

bool sm_model_monotone(const sm_model_t *m)
{
    return !sm_style_of(m)->not_monotone;
}

bool sm_model_batches(const sm_model_t *m)
{
    return sm_style_of(m)->advance_many != NULL;
}

void sm_model_advance_many(const sm_model_t *m, sm_nstate_t *const *s, const uint32_t *k,
                           uint32_t n)
{
    if (sm_style_of(m)->advance_many) {
        sm_style_of(m)->advance_many(m, s, k, n);
        return;
    }
    for (uint32_t i = 0; i < n; i++)
        sm_model_advance(m, s[i], k[i]);
}

uint32_t sm_model_step(const sm_model_t *m, sm_nstate_t *s, float x_exc, float x_inh)
{
    return sm_style_of(m)->step(m, s, x_exc, x_inh);
}

sm_step_fn sm_model_step_fn(const sm_model_t *m)
{
    return sm_style_of(m)->step;
}

const char *sm_model_style_name(sm_style_t s)
{
    return (unsigned)s < SM_STYLE_COUNT ? sm_style_table[s]->name : "?";
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
    case SM_MODEL_LOIHI_LIF: return "loihi_lif";
    case SM_MODEL_COUNT: break;
    }
    return "?";
}
