/* model_closed: closed forms for ticks without synaptic input.
 *
 * With zero input (the bias still acting) and no spike, every model's update
 * is a triangular affine map: the currents evolve on their own,
 *     c_j(n+1) = a_j * c_j(n) + e_j,
 * and the membrane depends on them,
 *     v(n+1) = beta * v(n) + sum_j g_j * c_j(n) + K.
 * s_lin_of() writes each style in this form (s_lin_t); the rest of the file
 * works on the form only. Everything is computed in double and rounded to
 * float once, at the end, so that the result stays within 1e-5 of k dense
 * float steps however large k is. */
#include <math.h>

#include "model.h"

typedef struct {
    double beta, K;
    int nc;
    double a[2], e[2], g[2];
} s_lin_t;

/* Ticks the prediction never exceeds: the engine simply asks again then. */
#define S_CAP 0x7fffffffu
#define S_MAXIT 40

static void s_lin_of(const sm_model_t *m, s_lin_t *L)
{
    const double b = m->bias;
    L->nc = 0;
    L->a[0] = L->a[1] = L->e[0] = L->e[1] = L->g[0] = L->g[1] = 0.0;
    switch (m->style) {
    case SM_STYLE_EXACT:
        L->beta = m->p22;
        L->K = m->p20 * b + (1.0 - m->p22) * (double)m->v_leak;
        L->nc = 2;
        L->a[0] = m->p11e;
        L->a[1] = m->p11i;
        L->g[0] = m->p21e;
        L->g[1] = m->p21i;
        return;
    case SM_STYLE_NORSE: {
        /* i1 = i + b;  v' = (1-am) v + am*i + am*(v_leak + b);  i' = (1+as) i1 */
        double am = m->am, as1 = 1.0 + (double)m->as;
        L->beta = 1.0 - am;
        L->K = am * ((double)m->v_leak + b);
        L->nc = 1;
        L->a[0] = as1;
        L->e[0] = as1 * b;
        L->g[0] = am;
        return;
    }
    case SM_STYLE_SINABS: {
        double f = m->norm_input ? (double)m->one_minus_beta : 1.0;
        double rv = (m->reset == SM_RESET_ZERO) ? (double)m->reset_value : 0.0;
        L->beta = m->beta;
        if (m->has_syn) {
            /* isyn' = alpha*(isyn + b);  v' = beta v + f*isyn' + rv */
            double a = m->alpha;
            L->nc = 1;
            L->a[0] = a;
            L->e[0] = a * b;
            L->g[0] = f * a;
            L->K = f * a * b + rv;
        } else {
            L->K = f * b + rv;
        }
        return;
    }
    case SM_STYLE_SNNTORCH:
        break;
    }
    switch (m->kind) {
    case SM_MODEL_CUBA_LIF:
        /* syn' = alpha syn + b;  v' = beta v + syn' */
        L->beta = m->beta;
        L->K = b;
        L->nc = 1;
        L->a[0] = m->alpha;
        L->e[0] = b;
        L->g[0] = m->alpha;
        return;
    case SM_MODEL_LAPICQUE:
        L->beta = m->decay;
        L->K = ((b * m->R) * m->inv_RC) * m->time_step;
        return;
    case SM_MODEL_ALPHA: {
        /* mem does not depend on its past: v' = tau*(a exc + b + beta inh - b) */
        double ta = m->tau_alpha;
        L->beta = 0.0;
        L->K = 0.0;
        L->nc = 2;
        L->a[0] = m->alpha;
        L->e[0] = b;
        L->g[0] = ta * m->alpha;
        L->a[1] = m->beta;
        L->e[1] = -b;
        L->g[1] = ta * m->beta;
        return;
    }
    default:
        L->beta = (m->kind == SM_MODEL_IAF) ? 1.0 : (double)m->beta;
        L->K = b;
        return;
    }
}

/* sum_{m<n} x^m y^(n-1-m) = (x^n - y^n)/(x - y). For positive bases the
 * difference is taken as hi^n * (1 - (lo/hi)^n) with expm1/log1p, so that
 * nearly equal bases (alpha close to beta) keep their digits. */
static double s_S(double x, double y, double n)
{
    if (n == 0.0)
        return 0.0;
    if (x == y)
        return n * pow(x, n - 1.0);
    if (x > 0.0 && y > 0.0) {
        double hi = fmax(x, y), lo = fmin(x, y);
        double t = -expm1(n * log1p((lo - hi) / hi));
        return pow(hi, n) * t / (hi - lo);
    }
    return (pow(x, n) - pow(y, n)) / (x - y);
}

/* sum_{m<n} beta^(n-1-m) * S(a, 1, m): how a constant drive e of a current
 * reaches the membrane. */
static double s_T(double a, double beta, double n)
{
    if (a != 1.0)
        return (s_S(beta, 1.0, n) - s_S(a, beta, n)) / (1.0 - a);
    if (beta != 1.0)
        return (n - s_S(beta, 1.0, n)) / (1.0 - beta);
    return n * (n - 1.0) / 2.0;
}

/* State after n ticks of the affine map, from (v0, c0). */
static void s_lin_eval(const s_lin_t *L, double v0, const double c0[2], double n,
                       double *v, double c[2])
{
    double ci[2] = {c0[0], c0[1]};
    double out = pow(L->beta, n) * v0 + L->K * s_S(L->beta, 1.0, n);
    for (int j = 0; j < L->nc; j++) {
        double a = L->a[j];
        out += L->g[j] * ci[j] * s_S(a, L->beta, n);
        if (L->e[j] != 0.0) {
            out += L->g[j] * L->e[j] * s_T(a, L->beta, n);
            c[j] = pow(a, n) * ci[j] + L->e[j] * s_S(a, 1.0, n);
        } else {
            c[j] = pow(a, n) * ci[j];
        }
    }
    *v = out;
}

/* sinabs min_v_mem. The drive D(n) = g*c(n) + K is monotone in n. Where
 * D < (1-beta)*min_v the membrane falls while above min_v and, once clipped,
 * stays clipped; where D >= (1-beta)*min_v it cannot go below min_v. So the
 * clipping is confined to a prefix (D rising) or a suffix (D falling) of the
 * stretch. For a suffix (or a constant D) clipping the end value is exact;
 * for a prefix the trajectory restarts from min_v at its end, n1. This
 * returns n1 for a rising drive (0: no clipping prefix, UINT64_MAX: the
 * drive never gets there), and 0 otherwise. */
static uint64_t s_clip_prefix(const s_lin_t *L, double c0, double min_v)
{
    if (L->nc != 1)
        return 0;
    double a = L->a[0];
    if (!(a >= 0.0 && a < 1.0))
        return 0;
    double lthr = (1.0 - L->beta) * min_v;
    double cs = L->e[0] / (1.0 - a);
    double q = L->g[0] * (c0 - cs);
    double dinf = L->K + L->g[0] * cs;
    if (!(q < 0.0) || dinf + q >= lthr)
        return 0;
    if (dinf <= lthr)
        return UINT64_MAX;
    if (a == 0.0)
        return 1;
    double ratio = (lthr - dinf) / q;
    double n = ceil(log(ratio) / log(a));
    if (!(n >= 1.0))
        n = 1.0;
    if (n > 4e18)
        return UINT64_MAX;
    uint64_t k = (uint64_t)n;
    while (k > 1 && dinf + q * pow(a, (double)(k - 1)) >= lthr)
        k--;
    while (dinf + q * pow(a, (double)k) < lthr)
        k++;
    return k;
}

static void s_clip_eval(const s_lin_t *L, double min_v, double *v, double c[2], uint64_t k)
{
    /* Only a fresh state can lie below min_v (min_v > 0); one plain step and
     * the clip put it back in range. */
    while (k > 0 && *v < min_v) {
        double nv = L->beta * *v + L->K;
        for (int j = 0; j < L->nc; j++) {
            nv += L->g[j] * c[j];
            c[j] = L->a[j] * c[j] + L->e[j];
        }
        *v = fmax(nv, min_v);
        k--;
    }
    uint64_t n1 = s_clip_prefix(L, c[0], min_v);
    if (n1 > 0 && n1 < k) {
        s_lin_eval(L, *v, c, (double)n1, v, c);
        *v = fmax(*v, min_v);
        k -= n1;
    }
    s_lin_eval(L, *v, c, (double)k, v, c);
    *v = fmax(*v, min_v);
}

void sm_model_advance(const sm_model_t *m, sm_nstate_t *s, uint32_t k)
{
    if (k == 0)
        return;
    s_lin_t L;
    s_lin_of(m, &L);
    double v = s->v, c[2] = {s->ie, s->ii};
    if (m->style == SM_STYLE_EXACT && s->refrac > 0) {
        /* Refractory ticks hold v while the currents keep decaying. */
        uint32_t h = s->refrac < k ? s->refrac : k;
        for (int j = 0; j < L.nc; j++)
            c[j] *= pow(L.a[j], (double)h);
        s->refrac -= h;
        k -= h;
    }
    if (m->style == SM_STYLE_SINABS && m->has_min_v)
        s_clip_eval(&L, m->min_v, &v, c, k);
    else if (k > 0)
        s_lin_eval(&L, v, c, (double)k, &v, c);
    s->v = (float)v;
    if (L.nc >= 1)
        s->ie = (float)c[0];
    if (L.nc >= 2)
        s->ii = (float)c[1];
}

/* Number of ticks n such that v(1..n) < th_eff is proven, from (v0, c0); sets
 * *never when no tick ever reaches th_eff. The proof is a bound on the
 * future per-tick increase: with Delta(n) = v(n+1) - v(n),
 *     Delta(n+k) = beta^k Delta(n) + sum_j g_j dc_j(n) S(a_j, beta, k),
 * dc_j = c_j(n+1) - c_j(n), and 0 <= S(a, beta, k) <= 1/(1 - min(a, beta)).
 * From n the membrane cannot reach th_eff before gap/Dmax ticks; jumping
 * there and bounding again converges like Newton's method from the safe side
 * (an approach to a fixed point just above threshold takes ~5 rounds). The
 * same bound summed over all k gives sup v, for the SM_NEVER answer. */
static uint64_t s_predict(const s_lin_t *L, double v0, const double c0[2],
                          double th_eff, bool *never)
{
    *never = false;
    if (!(L->beta >= 0.0 && L->beta <= 1.0))
        return 0;
    for (int j = 0; j < L->nc; j++)
        if (!(L->a[j] >= 0.0 && L->a[j] <= 1.0))
            return 0;

    const double beta = L->beta;
    double v = v0, c[2] = {c0[0], c0[1]};
    uint64_t n = 0;
    for (int it = 0; it < S_MAXIT; it++) {
        double delta = (beta - 1.0) * v + L->K;
        double dmax = 0.0, vsup_cur = 0.0, dinf = 0.0, vneg = 0.0;
        bool unbounded_v = false, moving = false;
        for (int j = 0; j < L->nc; j++) {
            delta += L->g[j] * c[j];
            double a = L->a[j];
            double gd = L->g[j] * ((a - 1.0) * c[j] + L->e[j]);
            if (gd == 0.0)
                continue;
            moving = true;
            double lo = fmin(a, beta);
            if (gd > 0.0) {
                if (lo >= 1.0)
                    return n;
                dmax += gd / (1.0 - lo);
            }
            if (a >= 1.0) {
                unbounded_v = unbounded_v || gd > 0.0 || beta >= 1.0;
            } else if (beta < 1.0) {
                vsup_cur += fmax(gd, 0.0) / ((1.0 - a) * (1.0 - beta));
            } else {
                dinf += gd / (1.0 - a);
                vneg += fmax(-gd, 0.0) / ((1.0 - a) * (1.0 - a));
            }
        }
        dmax += fmax(delta, 0.0);

        double vsup;
        if (unbounded_v)
            vsup = INFINITY;
        else if (beta < 1.0)
            vsup = v + fmax(delta, 0.0) / (1.0 - beta) + vsup_cur;
        else
            vsup = (delta + dinf > 0.0) ? INFINITY : v + vneg;
        if (vsup < th_eff || dmax <= 0.0) {
            *never = true;
            return 0;
        }
        double gap = th_eff - v;
        if (gap <= 0.0)
            return n ? n - 1 : 0;

        double steps;
        if (!moving && beta > 0.0 && beta < 1.0) {
            /* A single exponential toward vinf >= th_eff: solve exactly. */
            double vinf = v + delta / (1.0 - beta);
            double ratio = (vinf - th_eff) / (vinf - v);
            if (!(ratio > 0.0))
                return n + S_CAP;
            steps = ceil(log(ratio) / log(beta)) - 1.0;
            if (steps < 0.0)
                steps = 0.0;
            return n + (steps > S_CAP ? S_CAP : (uint64_t)steps);
        }
        steps = ceil(gap / dmax) - 1.0;
        if (steps < 1.0)
            return n;
        if ((double)n + steps > S_CAP)
            return S_CAP;
        n += (uint64_t)steps;
        s_lin_eval(L, v0, c0, (double)n, &v, c);
    }
    return n;
}

uint32_t sm_model_next_spike(const sm_model_t *m, const sm_nstate_t *s)
{
    if (m->kind == SM_MODEL_LI)
        return SM_NEVER;
    s_lin_t L;
    s_lin_of(m, &L);
    /* The closed form is exact; the dense float steps are not. The margin
     * covers their rounding, and one tick more is taken off at the end. */
    const double th = m->threshold;
    const double th_eff = th - 1e-5 * fmax(1.0, fabs(th));
    double v = s->v, c[2] = {s->ie, s->ii};
    if (!(v < th_eff))
        return 1; /* at threshold already, or a delayed snnTorch reset pending */

    uint64_t off = 0;
    if (m->style == SM_STYLE_EXACT && s->refrac > 0) {
        /* Held at v_reset < threshold meanwhile: no spike possible. */
        off = s->refrac;
        for (int j = 0; j < L.nc; j++)
            c[j] *= pow(L.a[j], (double)s->refrac);
    }
    if (m->style == SM_STYLE_SINABS && m->has_min_v) {
        if (!(m->min_v < th_eff) || v < m->min_v)
            return 1;
        /* In a clipping prefix the membrane only falls; the trajectory
         * restarts from min_v at its end. */
        uint64_t n1 = s_clip_prefix(&L, c[0], m->min_v);
        if (n1 == UINT64_MAX)
            return SM_NEVER;
        if (n1 > 0) {
            s_lin_eval(&L, v, c, (double)n1, &v, c);
            v = fmax(v, m->min_v);
            off += n1;
        }
    }
    bool never;
    uint64_t safe = s_predict(&L, v, c, th_eff, &never);
    if (never)
        return SM_NEVER;
    safe += off;
    if (safe > S_CAP)
        safe = S_CAP;
    return safe <= 1 ? 1 : (uint32_t)safe;
}
