/* model_closed: closed forms for ticks without synaptic input.
 *
 * With zero input (the bias still acting) and no spike, every model's update
 * is a triangular affine map: the currents evolve on their own,
 *     c_j(n+1) = a_j * c_j(n) + e_j,
 * and the membrane depends on them,
 *     v(n+1) = beta * v(n) + sum_j g_j * c_j(n) + K.
 * Each style states itself in this form once (its lin_form, see model_int.h),
 * stored by sm_model_prepare in m->closed.lin; a call only adds its bias
 * (s_lin_of), and the rest of the file works on the form alone. Everything
 * is computed in double and rounded to float once, at the end, so that the
 * result stays within 1e-5 of k dense float steps however large k is.
 *
 * For k < SM_MODEL_HORIZON the powers come from tables built once per model
 * (sm_model_prepare, in m->closed): a power is two lookups and a product, and
 * x^k - 1 is kept apart (built with expm1) so that sums like (1 - x^k)/(1 - x)
 * keep their digits as with the expm1/log1p forms used beyond the tables. The
 * bias is not in the tables: it enters K and e_j, computed at every call. */
#include <math.h>
#include <string.h>

#include "model_int.h"
#include "model_kern.h"

/* The form of one call: the model's (stored) form with this call's bias. */
typedef struct {
    const sm_linform_t *f; /* beta, a_j, g_j and the flags              */
    const sm_closed_t *T;  /* power tables for these bases, or NULL      */
    int nc;
    double K, e[2];
    const sm_kern_row_t *R; /* a kernel's rows (model_kern.h), or NULL     */
} s_lin_t;

/* Ticks the prediction never exceeds: the engine simply asks again then. */
#define S_CAP 0x7fffffffu
#define S_MAXIT 40

/* What a style's lin_form starts from: v' = v + b. */
static const sm_linform_t s_lin_identity = {
    .beta = 1.0, .kb_in = -0.0, .kb_mul = {1.0, 1.0, 1.0}, .kb_out = -0.0};

/* fmax/fmin are library calls without -ffast-math; these are not (NaN
 * operands never reach them). */
static inline double s_max(double x, double y)
{
    return x > y ? x : y;
}

static inline double s_min(double x, double y)
{
    return x < y ? x : y;
}

/* A model never prepared: its style's form, built now in *spare. */
static void s_lin_unprepared(const sm_model_t *m, sm_linform_t *spare, s_lin_t *L)
{
    *spare = s_lin_identity;
    L->nc = (int)sm_style_of(m)->lin_form(m, spare);
    L->f = spare;
    L->T = NULL;
    L->R = NULL;
}

/* The form of m for this call: the one sm_model_prepare stored (spare unused)
 * with the bias terms of this call. */
static inline void s_lin_of(const sm_model_t *m, sm_linform_t *spare, s_lin_t *L)
{
    const sm_closed_t *T = &m->closed;
    if (T->ready == SM_CLOSED_READY || T->ready == SM_CLOSED_FORM) {
        L->f = &T->lin;
        L->nc = (int)T->nc;
        L->T = T->ready == SM_CLOSED_READY ? T : NULL;
        L->R = NULL;
    } else {
        s_lin_unprepared(m, spare, L);
    }
    const sm_linform_t *f = L->f;
    const double b = m->bias;
    L->K = (((b + f->kb_in) * f->kb_mul[0]) * f->kb_mul[1]) * f->kb_mul[2] + f->kb_out;
    L->e[0] = b * f->eb[0];
    L->e[1] = b * f->eb[1];
}

/* ---- tables ----------------------------------------------------------------- */

static inline double s_tpw(const sm_powtab_t *t, uint32_t n)
{
    return t->pw[n & 15u] * t->pw[16u + (n >> 4)];
}

static inline double s_tem(const sm_powtab_t *t, uint32_t n)
{
    return t->em[n & 15u] * t->pw[16u + (n >> 4)] + t->em[16u + (n >> 4)];
}

/* S(a_j, beta, n) from the tables. */
static inline double s_sab_tab(const sm_closed_t *T, int j, uint32_t n, double pb, double pa)
{
    if (T->rel[j] == 0)
        return n ? (double)n * s_tpw(&T->tb, n - 1) : 0.0;
    return -(T->rel[j] == 1 ? pa : pb) * s_tem(&T->tr[j], n) * T->inv_hl[j];
}

/* log x for x in [0, 1], accurate near 1 too. */
static double s_ln01(double x)
{
    return x < 0.5 ? log(x) : log1p(x - 1.0);
}

static void s_tab_fill(sm_powtab_t *t, double x, double lnx, bool exact_pow)
{
    for (uint32_t i = 0; i < 32; i++) {
        double k = i < 16 ? (double)i : 16.0 * (double)(i - 16);
        if (k == 0.0) {
            t->pw[i] = 1.0;
            t->em[i] = 0.0;
            continue;
        }
        t->pw[i] = exact_pow ? pow(x, k) : exp(k * lnx);
        t->em[i] = expm1(k * lnx);
    }
}

/* The response of one step to a unit input, measured on the style's own step
 * from a state well below threshold (the styles are linear in their input
 * below threshold): what it adds to v now and to each current, whose effect
 * on v at any later tick is at most g_j * sglob_j. A response that is not a
 * clean linear one leaves the gains at 0 (unknown). */
static void s_rise_probe(sm_model_t *m)
{
    sm_closed_t *T = &m->closed;
    const sm_style_ops_t *st = sm_style_of(m);
    memset(T->rise, 0, sizeof T->rise);
    if (st->next_spike || T->lin.clip || T->lin.silent || !isfinite(m->threshold))
        return;
    double rise[2][2];
    for (int p = 0; p < 2; p++)
        for (int sg = 0; sg < 2; sg++) {
            const float x = sg ? -1.0f : 1.0f;
            sm_nstate_t q, s;
            st->init_state(m, &q);
            q.v = m->threshold - 1.0f - fabsf(m->threshold);
            q.ie = q.ii = 0.0f;
            q.refrac = 0;
            s = q;
            if (st->step(m, &q, 0.0f, 0.0f) || st->step(m, &s, p ? 0.0f : x, p ? x : 0.0f))
                return;
            double r = s_max((double)s.v - (double)q.v, 0.0);
            const double dc[2] = {(double)s.ie - (double)q.ie, (double)s.ii - (double)q.ii};
            for (uint32_t j = 0; j < 2; j++) {
                if (dc[j] != 0.0 && j >= T->nc)
                    return; /* input into a state the form does not know */
                if (j < T->nc)
                    r += s_max(T->lin.g[j] * dc[j], 0.0) * T->sglob[j];
            }
            /* The probe's own rounding, relative to its v. */
            r += 1e-6 * (1.0 + fabs((double)q.v));
            if (!isfinite(r))
                return;
            rise[p][sg] = r;
        }
    memcpy(T->rise, rise, sizeof rise);
    T->rise_known = 1;
}

void sm_model_prepare(sm_model_t *m)
{
    sm_closed_t *T = &m->closed;
    memset(T, 0, sizeof *T);
    T->lin = s_lin_identity;
    T->nc = sm_style_of(m)->lin_form(m, &T->lin);
    T->ready = SM_CLOSED_FORM;
    const sm_linform_t L = T->lin;
    const int nc = (int)T->nc;
    /* Tables for decaying (or constant) bases only; anything else, e.g. an
     * unstable Euler step, keeps the general forms. */
    if (!(L.beta >= 0.0 && L.beta <= 1.0))
        return;
    for (int j = 0; j < nc; j++)
        if (!(L.a[j] >= 0.0 && L.a[j] <= 1.0))
            return;
    T->b_one = L.beta == 1.0;
    T->inv_1mb = T->b_one ? 0.0 : 1.0 / (1.0 - L.beta);
    T->inv_lnb = (L.beta > 0.0 && L.beta < 1.0) ? 1.0 / s_ln01(L.beta) : 0.0;
    s_tab_fill(&T->tb, L.beta, s_ln01(L.beta), true);
    T->b255 = T->tb.pw[15] * T->tb.pw[31];
    for (int j = 0; j < nc; j++) {
        double a = L.a[j];
        T->a_one[j] = a == 1.0;
        T->inv_1ma[j] = T->a_one[j] ? 0.0 : 1.0 / (1.0 - a);
        s_tab_fill(&T->ta[j], a, s_ln01(a), true);
        if (a == L.beta) {
            T->rel[j] = 0;
            continue;
        }
        double hi = fmax(a, L.beta), lo = fmin(a, L.beta), q = lo / hi;
        T->rel[j] = a > L.beta ? 1 : 2;
        T->inv_hl[j] = 1.0 / (hi - lo);
        /* lo - hi is exact for nearby bases: the ratio keeps its digits. */
        s_tab_fill(&T->tr[j], q, q < 0.5 ? log(q) : log1p((lo - hi) / hi), false);
    }
    for (int j = 0; j < nc; j++) {
        /* S_j rises then falls (its increments change sign at most once):
         * when it has turned within the tables, their maximum is its sup. */
        double best = 0.0, prev = 0.0;
        bool turned = false;
        for (uint32_t n = 1; n < SM_MODEL_HORIZON; n++) {
            double sv = s_sab_tab(T, j, n, s_tpw(&T->tb, n), s_tpw(&T->ta[j], n));
            uint32_t i = n / 16;
            if (n == 1 || n % 16 == 0) {
                T->sseg[j][0][i] = sv;
                T->sseg[j][1][i] = sv;
            }
            T->sseg[j][0][i] = s_max(T->sseg[j][0][i], sv);
            T->sseg[j][1][i] = s_min(T->sseg[j][1][i], sv);
            best = s_max(best, sv);
            turned = turned || sv < prev;
            prev = sv;
        }
        T->inv_1mlo[j] = L.beta < 1.0 || L.a[j] < 1.0 ? 1.0 / (1.0 - s_min(L.a[j], L.beta)) : 0.0;
        T->sall[j][0] = T->sall[j][1] = T->sseg[j][0][0];
        for (int i = 0; i < 16; i++) {
            T->sall[j][0] = s_max(T->sall[j][0], T->sseg[j][0][i]);
            T->sall[j][1] = s_min(T->sall[j][1], T->sseg[j][1][i]);
        }
        /* Else S_j <= sum_m min(a, beta)^m. */
        T->sglob[j] = turned ? best * (1.0 + 1e-12) : 1.0 / (1.0 - s_min(L.a[j], L.beta));
    }
    T->ready = SM_CLOSED_READY;
    s_rise_probe(m);
}

/* a_j^k */
static double s_apow(const s_lin_t *L, int j, uint64_t k)
{
    if (L->T && k < SM_MODEL_HORIZON)
        return s_tpw(&L->T->ta[j], (uint32_t)k);
    return pow(L->f->a[j], (double)k);
}

/* s_lin_eval for n < SM_MODEL_HORIZON, from the tables. Same sums as
 * s_S / s_T below. */
static void s_lin_eval_tab(const s_lin_t *L, double v0, const double c0[2], uint32_t n,
                           double *v, double c[2])
{
    const sm_closed_t *T = L->T;
    const double dn = (double)n;
    const double pb = s_tpw(&T->tb, n);
    const double sb1 = T->b_one ? dn : -s_tem(&T->tb, n) * T->inv_1mb;
    double out = pb * v0 + L->K * sb1;
    for (int j = 0; j < L->nc; j++) {
        const double cj = c0[j];
        const double pa = s_tpw(&T->ta[j], n);
        const double sab = s_sab_tab(T, j, n, pb, pa);
        out += L->f->g[j] * cj * sab;
        if (L->e[j] != 0.0) {
            double t, sa1;
            if (!T->a_one[j]) {
                sa1 = -s_tem(&T->ta[j], n) * T->inv_1ma[j];
                t = (sb1 - sab) * T->inv_1ma[j];
            } else {
                sa1 = dn;
                t = T->b_one ? dn * (dn - 1.0) / 2.0 : (dn - sb1) * T->inv_1mb;
            }
            out += L->f->g[j] * L->e[j] * t;
            c[j] = pa * cj + L->e[j] * sa1;
        } else {
            c[j] = pa * cj;
        }
    }
    *v = out;
}

/* ---- general forms -------------------------------------------------------- */

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
    if (L->T && n < (double)SM_MODEL_HORIZON) {
        s_lin_eval_tab(L, v0, c0, (uint32_t)n, v, c);
        return;
    }
    double ci[2] = {c0[0], c0[1]};
    double out = pow(L->f->beta, n) * v0 + L->K * s_S(L->f->beta, 1.0, n);
    for (int j = 0; j < L->nc; j++) {
        double a = L->f->a[j];
        out += L->f->g[j] * ci[j] * s_S(a, L->f->beta, n);
        if (L->e[j] != 0.0) {
            out += L->f->g[j] * L->e[j] * s_T(a, L->f->beta, n);
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
    double a = L->f->a[0];
    if (!(a >= 0.0 && a < 1.0))
        return 0;
    double lthr = (1.0 - L->f->beta) * min_v;
    double cs = L->e[0] / (1.0 - a);
    double q = L->f->g[0] * (c0 - cs);
    double dinf = L->K + L->f->g[0] * cs;
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
    while (k > 1 && dinf + q * s_apow(L, 0, k - 1) >= lthr)
        k--;
    while (dinf + q * s_apow(L, 0, k) < lthr)
        k++;
    return k;
}

static void s_clip_eval(const s_lin_t *L, double min_v, double *v, double c[2], uint64_t k)
{
    /* Only a fresh state can lie below min_v (min_v > 0); one plain step and
     * the clip put it back in range. */
    while (k > 0 && *v < min_v) {
        double nv = L->f->beta * *v + L->K;
        for (int j = 0; j < L->nc; j++) {
            nv += L->f->g[j] * c[j];
            c[j] = L->f->a[j] * c[j] + L->e[j];
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

float sm_model_rise(const sm_model_t *m, float x_exc, float x_inh)
{
    if (!m->closed.rise_known)
        return INFINITY;
    const double(*g)[2] = m->closed.rise;
    double r = x_exc > 0.0f ? g[0][0] * x_exc : -g[0][1] * x_exc;
    r += x_inh > 0.0f ? g[1][0] * x_inh : -g[1][1] * x_inh;
    return r == r ? (float)(r * (1.0 + 1e-4)) : INFINITY;
}

void sm_model_advance(const sm_model_t *m, sm_nstate_t *s, uint32_t k)
{
    if (k == 0)
        return;
    if (sm_style_of(m)->advance) {
        sm_style_of(m)->advance(m, s, k);
        return;
    }
    sm_linform_t spare;
    s_lin_t L;
    s_lin_of(m, &spare, &L);
    double v = s->v, c[2] = {s->ie, s->ii};
    if (L.f->hold && s->refrac > 0) {
        /* Refractory ticks hold v while the currents keep decaying. */
        uint32_t h = s->refrac < k ? s->refrac : k;
        for (int j = 0; j < L.nc; j++)
            c[j] *= s_apow(&L, j, h);
        s->refrac -= h;
        k -= h;
    }
    if (L.f->clip)
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
                          double th_eff, uint64_t horizon, bool *never)
{
    *never = false;
    if (!(L->f->beta >= 0.0 && L->f->beta <= 1.0))
        return 0;
    for (int j = 0; j < L->nc; j++)
        if (!(L->f->a[j] >= 0.0 && L->f->a[j] <= 1.0))
            return 0;

    const double beta = L->f->beta;
    double v = v0, c[2] = {c0[0], c0[1]};
    uint64_t n = 0;
    for (int it = 0; it < S_MAXIT; it++) {
        double delta = (beta - 1.0) * v + L->K;
        double dmax = 0.0, vsup_cur = 0.0, dinf = 0.0, vneg = 0.0;
        bool unbounded_v = false, moving = false;
        for (int j = 0; j < L->nc; j++) {
            delta += L->f->g[j] * c[j];
            double a = L->f->a[j];
            double gd = L->f->g[j] * ((a - 1.0) * c[j] + L->e[j]);
            if (gd == 0.0)
                continue;
            moving = true;
            double lo = s_min(a, beta);
            if (gd > 0.0) {
                if (lo >= 1.0)
                    return n;
                dmax += gd / (1.0 - lo);
            }
            if (a >= 1.0) {
                unbounded_v = unbounded_v || gd > 0.0 || beta >= 1.0;
            } else if (beta < 1.0) {
                vsup_cur += s_max(gd, 0.0) / ((1.0 - a) * (1.0 - beta));
            } else {
                dinf += gd / (1.0 - a);
                vneg += s_max(-gd, 0.0) / ((1.0 - a) * (1.0 - a));
            }
        }
        dmax += s_max(delta, 0.0);

        double vsup;
        if (unbounded_v)
            vsup = INFINITY;
        else if (beta < 1.0)
            vsup = v + s_max(delta, 0.0) / (1.0 - beta) + vsup_cur;
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
            steps = ceil(log(ratio) * (L->T ? L->T->inv_lnb : 1.0 / log(beta))) - 1.0;
            if (!(steps >= 0.0)) /* NaN too: a cast of it is undefined */
                steps = 0.0;
            return n + (steps > S_CAP ? S_CAP : (uint64_t)steps);
        }
        steps = ceil(gap / dmax) - 1.0;
        if (!(steps >= 1.0))
            return n;
        if ((double)n + steps > S_CAP)
            return S_CAP;
        n += (uint64_t)steps;
        if (n >= horizon)
            return n; /* proven safe that far: the caller asks again then */
        s_lin_eval(L, v0, c0, (double)n, &v, c);
    }
    return n;
}

/* s_predict with the tables, for a decaying membrane (beta < 1) whose
 * currents settle (a_j < 1, or no drive e_j). With cs_j = e_j/(1 - a_j) the
 * fixed point of the currents and vinf that of the membrane, u = v - vinf:
 *     u(n) = u0 beta^n + sum_j d_j S_j(n),   d_j = g_j (c_j - cs_j),
 * and the drive of current j on the membrane is w_j(n) = d_j a_j^n.
 *  1. Over the horizon, or a segment of 16 ticks, u is bounded by the extreme
 *     of beta^n at an end and the tabulated extremes of S_j (sall, sseg): most
 *     calls end with the first bound.
 *  2. Without currents the crossing is solved exactly (one log).
 *  3. Else the bound of s_predict, started at the first segment whose bound
 *     reaches the threshold: from tick n the increment of u is at most
 *     max(Delta, 0) + sum_j max(gd_j, 0) / (1 - min(a_j, beta)), with
 *     Delta = (beta - 1) u + sum_j w_j and gd_j = (a_j - 1) w_j.
 * Returns false when the form does not apply. */
static bool s_predict_seg(const s_lin_t *L, double v0, const double c0[2], double th_eff,
                          uint64_t horizon, bool *never, uint64_t *out, double *slack)
{
    const sm_closed_t *T = L->T;
    if (!T || T->b_one)
        return false;
    const int nc = L->nc;
    double kp = L->K, d[2] = {0.0, 0.0};
    for (int j = 0; j < nc; j++) {
        double cs = 0.0;
        if (L->e[j] != 0.0) {
            if (T->a_one[j])
                return false;
            cs = L->e[j] * T->inv_1ma[j];
            kp += L->f->g[j] * cs;
        }
        d[j] = L->f->g[j] * (c0[j] - cs);
    }
    const double beta = L->f->beta;
    const double vinf = kp * T->inv_1mb, u0 = v0 - vinf, G = th_eff - vinf;
    const double *pbh = &T->tb.pw[16];
    *never = false;

    /* 1. The whole horizon at once. */
    const double ub = u0 * (u0 > 0.0 ? beta : T->b255);
    const double hb = ub + d[0] * T->sall[0][d[0] > 0.0 ? 0 : 1] + d[1] * T->sall[1][d[1] > 0.0 ? 0 : 1];
    if (hb < G) {
        /* v(1..255) < th_eff. Can it ever get there? */
        *out = SM_MODEL_HORIZON - 1;
        *slack = G - hb;
        if (G <= 0.0)
            return true;
        double sup = s_max(u0 * beta, 0.0);
        for (int j = 0; j < nc; j++)
            sup += s_max(d[j], 0.0) * T->sglob[j];
        if (sup < G)
            *never = true;
        else
            s_predict(L, v0, c0, th_eff, 0, never);
        return true;
    }

    /* 2. A single exponential: u0 < 0 here (from above it only falls). */
    if (d[0] == 0.0 && d[1] == 0.0) {
        double ratio = G / u0;
        if (!(u0 < 0.0 && beta > 0.0))
            *out = 0;
        else if (!(ratio > 0.0))
            *out = SM_MODEL_HORIZON - 1;
        else {
            double steps = ceil(log(ratio) * T->inv_lnb) - 1.0;
            *out = !(steps >= 1.0) ? 0 : steps > S_CAP ? S_CAP : (uint64_t)steps;
        }
        return true;
    }

    /* 3. The first segment that may reach the threshold. */
    const double *s0 = T->sseg[0][d[0] > 0.0 ? 0 : 1], *s1 = T->sseg[1][d[1] > 0.0 ? 0 : 1];
    /* The least margin of the segments passed is the slack of the answer. */
    uint32_t i;
    double sl = INFINITY, bd;
    if (u0 > 0.0) {
        if ((bd = u0 * beta + d[0] * s0[0] + d[1] * s1[0]) >= G) {
            i = 0;
        } else {
            sl = G - bd;
            for (i = 1; i < 16 && (bd = u0 * pbh[i] + d[0] * s0[i] + d[1] * s1[i]) < G; i++)
                sl = s_min(sl, G - bd);
        }
    } else {
        const double u15 = u0 * T->tb.pw[15];
        for (i = 0; i < 16 && (bd = u15 * pbh[i] + d[0] * s0[i] + d[1] * s1[i]) < G; i++)
            sl = s_min(sl, G - bd);
    }
    /* v(1..n) < th_eff so far. Two segments or more away, that is enough:
     * the neuron is woken then (if no input comes first) and asks again. */
    uint64_t n = i ? 16 * i - 1 : 0;
    if (i >= 2) {
        *out = n;
        *slack = sl;
        return true;
    }
    for (int it = 0; it < S_MAXIT; it++) {
        uint32_t k = (uint32_t)n;
        const sm_kern_row_t *r = L->R ? &L->R[k] : NULL;
        double pb = r ? r->pb : s_tpw(&T->tb, k), u = u0 * pb, delta = 0.0, dmax = 0.0;
        for (int j = 0; j < nc; j++) {
            double pa = r ? r->pa[j] : s_tpw(&T->ta[j], k);
            double w = d[j] * pa, gd = (L->f->a[j] - 1.0) * w;
            u += d[j] * (r ? r->sab[j] : s_sab_tab(T, j, k, pb, pa));
            delta += w;
            dmax += s_max(gd, 0.0) * T->inv_1mlo[j];
        }
        double gap = G - u;
        if (gap <= 0.0) {
            *out = n ? n - 1 : 0;
            return true;
        }
        delta += (beta - 1.0) * u;
        dmax += s_max(delta, 0.0);
        if (dmax <= 0.0) {
            *never = true; /* no tick to come can raise v */
            return true;
        }
        double steps = ceil(gap / dmax) - 1.0;
        if (!(steps >= 1.0))
            break;
        n += steps > (double)SM_MODEL_HORIZON ? SM_MODEL_HORIZON : (uint64_t)steps;
        if (n >= horizon || n >= SM_MODEL_HORIZON)
            break; /* proven safe that far: the caller asks again then */
    }
    *out = n;
    return true;
}

uint32_t sm_model_next_spike(const sm_model_t *m, const sm_nstate_t *s)
{
    float slack;
    return sm_model_next_spike_slack(m, s, &slack);
}

static uint32_t s_next_spike(const sm_model_t *m, const s_lin_t L, const sm_nstate_t *s,
                             float *slack);

uint32_t sm_model_next_spike_slack(const sm_model_t *m, const sm_nstate_t *s, float *slack)
{
    *slack = 0.0f;
    if (sm_style_of(m)->next_spike)
        return sm_style_of(m)->next_spike(m, s);
    sm_linform_t spare;
    s_lin_t L;
    s_lin_of(m, &spare, &L);
    return s_next_spike(m, L, s, slack);
}

uint32_t sm_kern_next_spike_slack(const sm_kern_t *k, const sm_nstate_t *s, float *slack)
{
    const sm_model_t *m = k->m;
    if (!k->lin || m->bias != k->bias)
        return sm_model_next_spike_slack(m, s, slack);
    *slack = 0.0f;
    const s_lin_t L = {.f = &m->closed.lin, .T = &m->closed, .nc = (int)k->nc, .K = k->K,
                       .R = k->row};
    return s_next_spike(m, L, s, slack);
}

/* sm_model_next_spike_slack of a style with the closed forms, the form of
 * this call in L. */
static uint32_t s_next_spike(const sm_model_t *m, const s_lin_t L, const sm_nstate_t *s,
                             float *slack)
{
    if (L.f->silent)
        return SM_NEVER;
    /* The closed form is exact; the dense float steps are not. The margin
     * covers their rounding, and one tick more is taken off at the end. */
    const double th = m->threshold;
    const double th_eff = th - 1e-5 * s_max(1.0, fabs(th));
    double v = s->v, c[2] = {s->ie, s->ii};
    if (!(v < th_eff))
        return 1; /* at threshold already, or a delayed snnTorch reset pending */

    uint64_t off = 0;
    if (L.f->hold && s->refrac > 0) {
        /* Held at v_reset < threshold meanwhile: no spike possible. */
        off = s->refrac;
        for (int j = 0; j < L.nc; j++)
            c[j] *= s_apow(&L, j, s->refrac);
    }
    if (L.f->clip) {
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
    uint64_t hz = off < SM_MODEL_HORIZON ? SM_MODEL_HORIZON - off : 0;
    uint64_t safe;
    double sl = 0.0;
    if (!s_predict_seg(&L, v, c, th_eff, hz, &never, &safe, &sl))
        safe = s_predict(&L, v, c, th_eff, hz, &never);
    if (never)
        return SM_NEVER;
    /* Stored in float: rounded down, and only where the bound is the plain
     * linear one (a clipped membrane restarts its trajectory). */
    if (!L.f->clip && sl > 0.0 && sl < 1e30)
        *slack = (float)(sl * (1.0 - 1e-6));
    safe += off;
    if (safe > S_CAP)
        safe = S_CAP;
    return safe <= 1 ? 1 : (uint32_t)safe;
}

/* ---- kernels (model_kern.h) ------------------------------------------------ */

/* Whether the form with no input fires by itself, from any state: the
 * currents (no bias drive: e_j = 0) decay to 0 and v tends to
 * K / (1 - beta) at or above the threshold, or grows without end (beta = 1,
 * K > 0). Such a neuron is never silent for long, so both engines step it
 * every tick (ncore.h), and the event engine computes what the dense one
 * does, bit for bit, instead of jumping its silent ticks in closed form. */
static uint8_t s_self_driven(const sm_model_t *m, const sm_closed_t *T, double K)
{
    if (T->lin.silent || !isfinite(m->threshold))
        return 0;
    if (T->b_one)
        return K > 0.0;
    if (!(T->lin.beta >= 0.0 && T->lin.beta < 1.0))
        return 0;
    const double vinf = K * T->inv_1mb;
    return m->threshold_ge ? vinf >= m->threshold : vinf > m->threshold;
}

void sm_kern_init(sm_kern_t *k, const sm_model_t *m)
{
    memset(k, 0, sizeof *k);
    k->m = m;
    k->bias = m->bias;
    k->monotone = sm_model_monotone(m);
    k->rise_known = m->closed.rise_known;
    memcpy(k->rise, m->closed.rise, sizeof k->rise);
    const sm_closed_t *T = &m->closed;
    const sm_style_ops_t *st = sm_style_of(m);
    if (m->style == SM_STYLE_EXACT) {
        k->exact = 1;
        k->p22 = m->p22;
        k->p21e = m->p21e;
        k->p21i = m->p21i;
        k->p11e = m->p11e;
        k->p11i = m->p11i;
        k->cb = m->p20 * m->bias;
        k->cl = (1.0 - m->p22) * m->v_leak;
        k->threshold = m->threshold;
        k->v_reset = m->v_reset;
        k->refractory_ticks = m->refractory_ticks;
        k->ge = m->threshold_ge;
    }
    /* The rows stand for s_lin_eval_tab without the bias drive of the
     * currents (e_j = 0, which the general code then skips). */
    if (T->ready != SM_CLOSED_READY || st->advance || st->next_spike || T->lin.clip || T->nc > 2 ||
        T->lin.eb[0] != 0.0 || T->lin.eb[1] != 0.0)
        return;
    sm_linform_t spare;
    s_lin_t L;
    s_lin_of(m, &spare, &L);
    if (L.e[0] != 0.0 || L.e[1] != 0.0)
        return;
    k->lin = 1;
    k->hold = T->lin.hold;
    k->nc = T->nc;
    k->K = L.K;
    for (uint32_t j = 0; j < k->nc; j++)
        k->g[j] = T->lin.g[j];
    k->self_driven = s_self_driven(m, T, k->K);
    for (uint32_t n = 0; n < SM_MODEL_HORIZON; n++) {
        sm_kern_row_t *r = &k->row[n];
        r->pb = s_tpw(&T->tb, n);
        r->sb1 = T->b_one ? (double)n : -s_tem(&T->tb, n) * T->inv_1mb;
        for (uint32_t j = 0; j < k->nc; j++) {
            r->pa[j] = s_tpw(&T->ta[j], n);
            r->sab[j] = s_sab_tab(T, (int)j, n, r->pb, r->pa[j]);
        }
    }
}
