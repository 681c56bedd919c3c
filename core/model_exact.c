/* model_exact: current-based LIF in physical units with exact integration of
 * the linear subthreshold dynamics (NEST iaf_psc_exp, PyNN IF_curr_exp,
 * Brian2's CUBA example). The propagators are computed once, in double; the
 * state stays float. */
#include <math.h>

#include "model_int.h"

/* Response of V to a unit current that decays with tau_s, over one tick h:
 * (1/cm) * (e^{-h/tau_s} - e^{-h/tau_m}) / (1/tau_m - 1/tau_s), written with
 * expm1 so that tau_s close to tau_m loses no digits (limit h/cm*e^{-h/tau_m}). */
static double s_p21(double tau_m, double tau_s, double cm, double h)
{
    double d = 1.0 / tau_m - 1.0 / tau_s;
    double f = (d == 0.0) ? h : expm1(h * d) / d;
    return exp(-h / tau_m) * f / cm;
}

int sm_model_exact_setup(sm_model_t *m, double tau_m, double tau_e, double tau_i,
                         double cm, double dt, double tau_refrac, sm_error_t *err)
{
    m->p22 = exp(-dt / tau_m);
    m->p11e = exp(-dt / tau_e);
    m->p11i = exp(-dt / tau_i);
    m->p21e = s_p21(tau_m, tau_e, cm, dt);
    m->p21i = s_p21(tau_m, tau_i, cm, dt);
    m->p20 = -tau_m / cm * expm1(-dt / tau_m);
    double r = floor(tau_refrac / dt + 0.5);
    if (r > 1e9)
        return sm_fail(err, SM_ERANGE, "tau_refrac: %g ms is more than 1e9 ticks of %g ms",
                       tau_refrac, dt);
    m->refractory_ticks = (uint32_t)r;
    m->dt_ms = (float)dt;
    m->beta = (float)m->p22;
    m->alpha = (float)m->p11e;
    return 0;
}

static uint32_t s_step(const sm_model_t *m, sm_nstate_t *s, float x_exc, float x_inh)
{
    if (s->refrac > 0) {
        s->refrac--;
    } else {
        double v = m->p22 * s->v + m->p21e * s->ie + m->p21i * s->ii +
                   m->p20 * m->bias + (1.0 - m->p22) * m->v_leak;
        s->v = (float)v;
    }
    s->ie = (float)(m->p11e * s->ie + x_exc);
    s->ii = (float)(m->p11i * s->ii + x_inh);
    bool fire = m->threshold_ge ? s->v >= m->threshold : s->v > m->threshold;
    if (!fire)
        return 0;
    s->v = m->v_reset;
    s->refrac = m->refractory_ticks;
    return 1;
}

static uint32_t s_lin_form(const sm_model_t *m, sm_linform_t *f)
{
    /* K = p20*b + (1 - p22)*v_leak; refractory ticks hold v */
    f->beta = m->p22;
    f->kb_mul[0] = m->p20;
    f->kb_out = (1.0 - m->p22) * (double)m->v_leak;
    f->a[0] = m->p11e;
    f->a[1] = m->p11i;
    f->g[0] = m->p21e;
    f->g[1] = m->p21i;
    f->hold = 1;
    return 2;
}

const sm_style_ops_t sm_style_exact = {
    .name = "exact",
    .step = s_step,
    .lin_form = s_lin_form,
    .init_state = sm_style_init_leak,
};
