/* model_kern: a model resolved once for the event engine's update.
 *
 * sm_model_advance and sm_model_step are general: every call finds the
 * style's table, rebuilds the call's form from the bias, and assembles each
 * power from two table entries. For a population whose neurons share one
 * model the engine resolves all of that once per run, into an sm_kern_t:
 * the catch-up over n < SM_MODEL_HORIZON silent ticks becomes one row of
 * precomputed coefficients and a handful of products, and the EXACT style's
 * step (the CUBA model's) is inlined with its constant terms folded.
 *
 * Bit for bit: every coefficient of a row is the very double the general
 * code computes for that n (the same expressions, model_closed.c), and the
 * products and sums are taken in the same order, so a kernel changes no
 * result, only the instructions spent on it. Where a kernel does not apply
 * (a style with its own advance, a clipped membrane, currents driven by the
 * bias, a model never prepared) its flags are 0 and the general code runs. */
#ifndef SM_MODEL_KERN_H
#define SM_MODEL_KERN_H

#include <math.h>
#include <stdint.h>

#include "model.h"

/* The closed form over n silent ticks (model_closed.c, s_lin_eval_tab):
 * beta^n, the constant's sum, a_j^n and S(a_j, beta, n). */
typedef struct {
    double pb, sb1, pa[2], sab[2];
} sm_kern_row_t;

typedef struct {
    const sm_model_t *m;
    float bias;          /* the bias the rows' K was made with              */
    uint8_t lin;         /* catch-up from the rows                          */
    uint8_t exact;       /* the EXACT style's step, inlined                 */
    uint8_t hold;        /* refractory ticks hold v                         */
    uint8_t ge;          /* threshold_ge                                    */
    uint8_t monotone;    /* sm_model_monotone                               */
    uint8_t rise_known;  /* closed.rise_known                               */
    uint8_t self_driven; /* fires with no input at all: stepped every tick  */
    double rise[2][2];   /* closed.rise                                     */
    uint32_t nc;         /* currents of the form                            */
    double K, g[2];
    /* EXACT step: v' = p22 v + p21e ie + p21i ii + cb + cl, cb = p20 bias,
     * cl = (1 - p22) v_leak, each the double s_step computes. */
    double p22, p21e, p21i, p11e, p11i, cb, cl;
    float threshold, v_reset;
    uint32_t refractory_ticks;
    sm_kern_row_t row[SM_MODEL_HORIZON];
} sm_kern_t;

/* Resolves m (prepared, its bias final for the run) into k; k->m = m. */
void sm_kern_init(sm_kern_t *k, const sm_model_t *m);

/* sm_model_next_spike_slack of k->m, the same answer and slack, through the
 * rows where they apply. */
uint32_t sm_kern_next_spike_slack(const sm_kern_t *k, const sm_nstate_t *s, float *slack);

/* sm_model_advance of k->m over 0 < n silent ticks, when the kernel can:
 * returns 0 and leaves s as it was otherwise. */
static inline int sm_kern_advance(const sm_kern_t *k, sm_nstate_t *s, uint32_t n)
{
    if (!k->lin || n >= SM_MODEL_HORIZON || k->m->bias != k->bias)
        return 0;
    double v = s->v, c[2] = {s->ie, s->ii};
    const uint32_t nc = k->nc;
    if (k->hold && s->refrac > 0) {
        uint32_t h = s->refrac < n ? s->refrac : n;
        for (uint32_t j = 0; j < nc; j++)
            c[j] *= k->row[h].pa[j];
        s->refrac -= h;
        n -= h;
    }
    if (n > 0) {
        const sm_kern_row_t *r = &k->row[n];
        double out = r->pb * v + k->K * r->sb1;
        for (uint32_t j = 0; j < nc; j++) {
            out += k->g[j] * c[j] * r->sab[j];
            c[j] = r->pa[j] * c[j];
        }
        v = out;
    }
    s->v = (float)v;
    if (nc >= 1)
        s->ie = (float)c[0];
    if (nc >= 2)
        s->ii = (float)c[1];
    return 1;
}

/* The EXACT style's step (model_exact.c), for a kernel with k->exact. */
static inline uint32_t sm_kern_step_exact(const sm_kern_t *k, sm_nstate_t *s, float x_exc,
                                          float x_inh)
{
    if (s->refrac > 0) {
        s->refrac--;
    } else {
        double v = k->p22 * s->v + k->p21e * s->ie + k->p21i * s->ii + k->cb + k->cl;
        s->v = (float)v;
    }
    s->ie = (float)(k->p11e * s->ie + x_exc);
    s->ii = (float)(k->p11i * s->ii + x_inh);
    if (!(k->ge ? s->v >= k->threshold : s->v > k->threshold))
        return 0;
    s->v = k->v_reset;
    s->refrac = k->refractory_ticks;
    return 1;
}

/* sm_model_rise of k->m. */
static inline float sm_kern_rise(const sm_kern_t *k, float x_exc, float x_inh)
{
    if (!k->rise_known)
        return INFINITY;
    double r = x_exc > 0.0f ? k->rise[0][0] * x_exc : -k->rise[0][1] * x_exc;
    r += x_inh > 0.0f ? k->rise[1][0] * x_inh : -k->rise[1][1] * x_inh;
    return r == r ? (float)(r * (1.0 + 1e-4)) : INFINITY;
}

/* sm_model_step through the kernel. */
static inline uint32_t sm_kern_step(const sm_kern_t *k, sm_nstate_t *s, float x_exc, float x_inh)
{
    if (k->exact && k->m->bias == k->bias)
        return sm_kern_step_exact(k, s, x_exc, x_inh);
    return sm_model_step(k->m, s, x_exc, x_inh);
}

#endif
