/* model_loihi: loihi_lif, Loihi's fixed-point LIF as Lava's PyLifModelBitAcc
 * computes it (the arithmetic is core/loihi.c; this file fits it to the
 * engine's model interface).
 *
 * The state is the integer pair (u, v) of sm_loihi_state_t in the first 8
 * bytes of sm_nstate_t; nothing is ever converted to float except for a
 * trace, where |u|, |v| <= 2^23 are exact. The input arrives in the engine's
 * two float accumulators, which for a loihi_lif target hold exact integers:
 * the effective weights of the Dense projections into it (times their
 * folded exponents, see sm_net_finish) summed per arrival tick, each sum
 * below 2^24 by a bound checked when the network is finished. Each
 * accumulator is then scaled by its exponent, flooring a negative one, as
 * Lava's Dense does with the summed input of one Dense. */
#include <string.h>

#include "model_int.h"

static inline void s_get(const sm_nstate_t *s, sm_loihi_state_t *q)
{
    memcpy(q, s, sizeof *q);
}

static inline void s_put(sm_nstate_t *s, const sm_loihi_state_t *q)
{
    memcpy(s, q, sizeof *q);
}

static uint32_t s_step(const sm_model_t *m, sm_nstate_t *s, float x_exc, float x_inh)
{
    return sm_model_loihi_step(m, s, x_exc, x_inh);
}

static uint32_t s_lin_form(const sm_model_t *m, sm_linform_t *f)
{
    /* Never used: this style brings its own advance and next_spike. */
    (void)m;
    (void)f;
    return 0;
}

static void s_init(const sm_model_t *m, sm_nstate_t *s)
{
    (void)m;
    memset(s, 0, sizeof *s);
}

static void s_advance(const sm_model_t *m, sm_nstate_t *s, uint32_t k)
{
    sm_loihi_state_t q;
    s_get(s, &q);
    (void)sm_loihi_advance(&m->lif, &q, k);
    s_put(s, &q);
}

static void s_advance_many(const sm_model_t *m, sm_nstate_t *const *s, const uint32_t *k,
                           uint32_t n)
{
    sm_loihi_state_t q[SM_MODEL_BATCH];
    for (uint32_t a = 0; a < n; a += SM_MODEL_BATCH) {
        const uint32_t b = n - a < SM_MODEL_BATCH ? n - a : SM_MODEL_BATCH;
        for (uint32_t i = 0; i < b; i++)
            s_get(s[a + i], &q[i]);
        sm_loihi_advance_many(&m->lif, q, k + a, b);
        for (uint32_t i = 0; i < b; i++)
            s_put(s[a + i], &q[i]);
    }
}

static uint32_t s_next_spike(const sm_model_t *m, const sm_nstate_t *s)
{
    sm_loihi_state_t q;
    s_get(s, &q);
    return sm_loihi_next_spike(&m->lif, &q);
}

static void s_set_initial(const sm_model_t *m, sm_nstate_t *s, const float *v, const float *u)
{
    (void)m;
    sm_loihi_state_t q;
    s_get(s, &q);
    if (v)
        q.v = (int32_t)*v;
    if (u)
        q.u = (int32_t)*u;
    s_put(s, &q);
}

static void s_trace(const sm_model_t *m, const sm_nstate_t *s, float out[3])
{
    (void)m;
    sm_loihi_state_t q;
    s_get(s, &q);
    out[0] = (float)q.v;
    out[1] = (float)q.u;
    out[2] = 0.0f;
}

int sm_model_loihi_setup(sm_model_t *m, const sm_loihi_lif_params_t *p, sm_error_t *err)
{
    sm_loihi_lif_t lif;
    if (sm_loihi_lif_setup(&lif, p, err) < 0)
        return -1;
    memset(m, 0, sizeof *m);
    m->kind = SM_MODEL_LOIHI_LIF;
    m->style = SM_STYLE_LOIHI;
    m->lif = lif;
    sm_model_prepare(m);
    return 0;
}

const sm_style_ops_t sm_style_loihi = {
    .name = "loihi",
    .step = s_step,
    .lin_form = s_lin_form,
    .init_state = s_init,
    .advance = s_advance,
    .advance_many = s_advance_many,
    .next_spike = s_next_spike,
    .set_initial = s_set_initial,
    .trace = s_trace,
    .not_monotone = true,
};
