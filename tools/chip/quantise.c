/* quantise: float networks into Loihi's fixed point (see quantise.h and
 * docs/arithmetic.md, "A float network on a fixed-point chip"). */
#include "quantise.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "syntab.h"

/* The threshold's target: 64 vth = 2^21, a quarter of v's range, so that a
 * membrane may swing to four thresholds either way before it saturates (a
 * larger vth would leave less room; Loihi documents vth up to 2^17 - 1). */
#define S_VTH_TARGET 32768.0
#define S_BIAS_MANT_MAX 4095.0

/* How a float model maps onto loihi_lif: u' = alpha u + 64 a,
 * v' = beta v + u' + B, with a = gain * (the float input) * S / 64.
 * Voltages are measured from the reset potential vr (Loihi resets to 0):
 * a float v' = beta v + g x + c0 with reset to vr is, in w = v - vr,
 * w' = beta w + g x + c0 - (1 - beta) vr with reset to 0, exactly. */
typedef struct {
    bool ok;
    double alpha;  /* current decay; 0: none (du 4095, u = 64 a)          */
    double beta;   /* membrane decay                                       */
    double gin;    /* float input -> current (or membrane without current) */
    double gbias;  /* float bias -> constant drive of v per tick           */
    double vconst; /* constant drive of w per tick besides the bias        */
    double th;     /* threshold, from vr                                   */
    double vr;     /* reset potential (v's origin on the chip)             */
    double v0;     /* the style's initial v                                */
    bool delay_in; /* the float membrane sees its current one tick late:
                      one tick more on every projection into it            */
    const char *why;  /* not ok: the reason                                 */
    char note[280];   /* ok: what the chip changes                          */
} s_map_t;

/* Why a leaky integrator (norse LI, sinabs ExpLeak) stays float: a
 * read-out whose output is its membrane has no threshold to fix the scale
 * of Loihi's integers by. */
#define S_LI_WHY "never spikes (its membrane is its output: no threshold sets the scale)"

static void s_add(char *note, size_t cap, const char *what)
{
    size_t n = strlen(note);
    snprintf(note + n, cap - n, "%s%s", n ? "; " : "", what);
}

/* A current with decay a into v: a constant input b settles the current at
 * b / (1 - a); Loihi's bias drives v directly, so it gets that. */
static double s_settled(double a) { return a < 1.0 ? 1.0 / (1.0 - a) : 0.0; }

static void s_map_snntorch(const sm_model_t *m, s_map_t *r)
{
    const size_t cap = sizeof r->note;
    switch (m->kind) {
    case SM_MODEL_IAF:
        r->beta = 1.0;
        break;
    case SM_MODEL_LIF:
        break;
    case SM_MODEL_CUBA_LIF:
        r->alpha = m->alpha;
        r->gbias = s_settled(r->alpha);
        if (m->bias != 0.0f)
            s_add(r->note, cap, "bias moved from the current to v (equal at steady state)");
        break;
    case SM_MODEL_LAPICQUE:
        /* base = ((x R) inv_RC) time_step + decay mem */
        r->beta = m->decay;
        r->gin = (double)m->R * m->inv_RC * m->time_step;
        r->gbias = r->gin;
        break;
    case SM_MODEL_ALPHA:
        /* mem = tau (exc + inh), exc' = a exc + x, inh' = b inh - x: the
         * response to an input at step m is tau (a^(n-m) - b^(n-m)), which
         * Loihi's u -> v chain gives, with gain tau (a - b), for the input
         * one step later. */
        r->alpha = m->alpha;
        r->gin = (double)m->tau_alpha * ((double)m->alpha - (double)m->beta);
        r->gbias = r->gin * s_settled(r->alpha);
        r->delay_in = true;
        s_add(r->note, cap, "one tick more on its inputs (Alpha's membrane starts at 0)");
        s_add(r->note, cap, "a spike clears v, not the current (Alpha clears both)");
        if (m->bias != 0.0f)
            s_add(r->note, cap, "bias moved to v (equal at steady state)");
        break;
    default:
        r->ok = false;
        r->why = "no loihi_lif equivalent";
        return;
    }
    if (m->reset_delay)
        s_add(r->note, cap, "reset in the spiking step (snnTorch resets one step later)");
}

static void s_map_sinabs(const sm_model_t *m, s_map_t *r)
{
    const size_t cap = sizeof r->note;
    if (m->kind != SM_MODEL_LIF && m->kind != SM_MODEL_IAF) {
        r->ok = false;
        r->why = m->kind == SM_MODEL_LI ? S_LI_WHY : "no loihi_lif equivalent";
        return;
    }
    if (m->kind == SM_MODEL_IAF)
        r->beta = 1.0;
    const double norm = m->norm_input ? (double)m->one_minus_beta : 1.0;
    r->gin = norm;
    r->gbias = norm;
    if (m->has_syn) {
        r->alpha = m->alpha;
        r->gin *= m->alpha;
        r->gbias = r->alpha < 1.0 ? norm * r->alpha / (1.0 - r->alpha) : 0.0;
    }
    s_add(r->note, cap, "spikes when v > threshold, sinabs when v >= threshold");
    if (m->multispike)
        s_add(r->note, cap, "one spike a step (MultiSpike's counts above 1 are lost)");
    if (m->reset == SM_RESET_ZERO) {
        /* MembraneReset adds reset_value every tick and resets to it, and
         * compares v with the threshold before adding it: on the chip w =
         * v - reset_value is that v, so the threshold stays th. */
        r->vr = m->reset_value;
        r->vconst = m->reset_value;
        r->th += r->vr;
    }
    if (m->has_min_v) {
        char w[96];
        snprintf(w, sizeof w, "no floor at min_v_mem %g (Loihi's v only saturates)", (double)m->min_v);
        s_add(r->note, cap, w);
    }
}

static void s_map_norse(const sm_model_t *m, s_map_t *r)
{
    r->v0 = m->v_leak;
    r->vr = m->reset == SM_RESET_ZERO ? m->v_reset : 0.0;
    switch (m->kind) {
    case SM_MODEL_IAF: /* IAFCell: v + x */
        r->beta = 1.0;
        break;
    case SM_MODEL_LIF: /* LIFBoxCell: v + am ((x + v_leak) - v) */
        r->beta = 1.0 - (double)m->am;
        r->gin = r->gbias = m->am;
        r->vconst = (double)m->am * m->v_leak;
        break;
    case SM_MODEL_CUBA_LIF:
        /* i1 = i + x; v' = (1 - am) v + am (i1 + v_leak); i' = (1 + as) i1 */
        r->alpha = 1.0 + (double)m->as;
        r->beta = 1.0 - (double)m->am;
        r->gin = m->am;
        r->gbias = (double)m->am * s_settled(r->alpha);
        r->vconst = (double)m->am * m->v_leak;
        if (m->bias != 0.0f)
            s_add(r->note, sizeof r->note, "bias moved from the current to v (equal at steady state)");
        break;
    default:
        r->ok = false;
        r->why = S_LI_WHY;
    }
}

static void s_map_exact(const sm_model_t *m, s_map_t *r)
{
    const size_t cap = sizeof r->note;
    /* V' = p22 V + p21 I + p20 b + (1 - p22) v_rest, I' = p11 I + x: V sees
     * the current of the step before, Loihi's v this step's u. */
    if (m->kind != SM_MODEL_CUBA_LIF) {
        r->ok = false;
        r->why = "no loihi_lif equivalent";
        return;
    }
    if (m->p11e != m->p11i || m->p21e != m->p21i) {
        r->ok = false;
        r->why = "two synaptic time constants (tau_syn_E != tau_syn_I): a Loihi compartment has "
                 "one current";
        return;
    }
    r->alpha = m->p11e;
    r->beta = m->p22;
    r->gin = m->p21e;
    r->gbias = m->p20;
    r->vconst = (1.0 - m->p22) * m->v_leak;
    r->vr = m->v_reset;
    r->v0 = m->v_leak;
    r->delay_in = true;
    s_add(r->note, cap, "one tick more on its inputs (the membrane sees the current one step late)");
    if (m->threshold_ge)
        s_add(r->note, cap, "spikes when v > threshold, NEST when v >= threshold");
    if (m->refractory_ticks) {
        char w[96];
        snprintf(w, sizeof w, "no refractory period (%u ticks at v_reset dropped)",
                 m->refractory_ticks);
        s_add(r->note, cap, w);
    }
}

static s_map_t s_map(const sm_model_t *m)
{
    s_map_t r = {.ok = true, .beta = m->beta, .gin = 1.0, .gbias = 1.0, .th = m->threshold};
    switch (m->style) {
    case SM_STYLE_SNNTORCH:
        s_map_snntorch(m, &r);
        break;
    case SM_STYLE_SINABS:
        s_map_sinabs(m, &r);
        break;
    case SM_STYLE_NORSE:
        s_map_norse(m, &r);
        break;
    case SM_STYLE_EXACT:
        s_map_exact(m, &r);
        break;
    default:
        r.ok = false;
        r.why = "no loihi_lif equivalent";
    }
    if (!r.ok)
        return r;
    /* w = v - vr: the threshold from the reset potential, the constant
     * drive with the decay's pull towards 0 instead of vr */
    r.th -= r.vr;
    r.vconst -= (1.0 - r.beta) * r.vr;
    if (!(r.th > 0.0)) {
        r.ok = false;
        r.why = r.vr != 0.0 ? "threshold <= reset potential" : "threshold <= 0";
        return r;
    }
    if (m->reset == SM_RESET_SUBTRACT)
        s_add(r.note, sizeof r.note, "reset to 0, not by subtraction");
    else if (m->reset == SM_RESET_NONE)
        s_add(r.note, sizeof r.note, "reset to 0 (the chip always resets)");
    if (r.vr != 0.0)
        s_add(r.note, sizeof r.note, "v measured from the reset potential");
    return r;
}

/* A decay factor as Loihi's 12-bit one: K/4096 with K = 4096 - d. */
static int32_t s_decay(double f, int32_t offset)
{
    double d = 4096.0 - offset - floor(4096.0 * f + 0.5);
    return d < 0 ? 0 : d > 4095 ? 4095 : (int32_t)d;
}

/* A bias (integer units of v per tick) as mantissa and exponent. */
static void s_bias(double B, int32_t *mant, int32_t *exp)
{
    int32_t e = 0;
    while (e < SM_LOIHI_BIAS_EXP_MAX && fabs(B) / ldexp(1.0, e) > S_BIAS_MANT_MAX + 0.5)
        e++;
    double q = floor(B / ldexp(1.0, e) + 0.5);
    if (q > SM_LOIHI_BIAS_MANT_MAX)
        q = SM_LOIHI_BIAS_MANT_MAX;
    if (q < SM_LOIHI_BIAS_MANT_MIN)
        q = SM_LOIHI_BIAS_MANT_MIN;
    *mant = (int32_t)q;
    *exp = e;
}

/* ---- weights ---------------------------------------------------------- */

/* A projection's weights as an array: its list, matrix or kernel, or its
 * one constant (*one); NULL for a random weight (then made a list first). */
static float *s_warr(const sm_net_t *net, sm_proj_t *pr, size_t *n, float *one)
{
    switch (pr->conn) {
    case SM_CONN_LIST:
        *n = pr->n_list;
        return pr->l_weight;
    case SM_CONN_MATRIX:
        *n = (size_t)net->pops[pr->src_pop].size * net->pops[pr->dst_pop].size;
        return pr->matrix;
    case SM_CONN_CONV2D:
        *n = (size_t)pr->conv.out_c * (pr->conv.in_c / pr->conv.groups) * pr->conv.k_h * pr->conv.k_w;
        return pr->conv.kernel;
    default:
        if (pr->weight.kind != SM_DIST_CONST)
            return NULL;
        *one = (float)pr->weight.a;
        *n = 1;
        return one;
    }
}

typedef struct {
    sm_proj_t *pr;
    size_t cap;
    int failed;
} s_list_t;

static int s_push(void *ctx, uint32_t src, uint32_t dst, float w, uint32_t delay)
{
    s_list_t *L = ctx;
    sm_proj_t *pr = L->pr;
    if (pr->n_list == L->cap) {
        size_t nc = L->cap ? 2 * L->cap : 1024;
        uint32_t *a = realloc(pr->l_src, nc * sizeof *a), *b, *d;
        if (a)
            pr->l_src = a;
        b = a ? realloc(pr->l_dst, nc * sizeof *b) : NULL;
        if (b)
            pr->l_dst = b;
        d = b ? realloc(pr->l_delay, nc * sizeof *d) : NULL;
        if (d)
            pr->l_delay = d;
        float *f = d ? realloc(pr->l_weight, nc * sizeof *f) : NULL;
        if (!f || nc > UINT32_MAX) {
            L->failed = 1;
            return 1;
        }
        pr->l_weight = f;
        L->cap = nc;
    }
    pr->l_src[pr->n_list] = src;
    pr->l_dst[pr->n_list] = dst;
    pr->l_delay[pr->n_list] = delay;
    pr->l_weight[pr->n_list++] = w;
    return 0;
}

/* A projection with random weights becomes the list of its synapses, drawn
 * as the engine would draw them: the chip stores one integer per synapse. */
static int s_to_list(const sm_net_t *net, sm_proj_t *pr, uint32_t j, sm_error_t *err)
{
    sm_proj_t copy = *pr;
    sm_proj_t *tmp = &copy;
    tmp->n_list = 0;
    tmp->l_src = tmp->l_dst = tmp->l_delay = NULL;
    tmp->l_weight = NULL;
    s_list_t L = {tmp, 0, 0};
    if (sm_proj_generate(net, pr, s_push, &L) < 0 || L.failed) {
        free(tmp->l_src);
        free(tmp->l_dst);
        free(tmp->l_delay);
        free(tmp->l_weight);
        return sm_fail(err, SM_ENOMEM, "projections[%u]: out of memory listing its synapses", j);
    }
    free(pr->conv.kernel);
    pr->conv.kernel = NULL;
    pr->conn = SM_CONN_LIST;
    pr->n_list = tmp->n_list;
    pr->l_src = tmp->l_src;
    pr->l_dst = tmp->l_dst;
    pr->l_delay = tmp->l_delay;
    pr->l_weight = tmp->l_weight;
    memset(&pr->weight, 0, sizeof pr->weight);
    return 0;
}

static double s_wmax(const float *w, size_t n)
{
    double m = 0.0;
    for (size_t k = 0; k < n; k++)
        m = fabs((double)w[k]) > m ? fabs((double)w[k]) : m;
    return m;
}

/* The largest mantissa magnitude of nwb bits in sign mode s (Lava's Dense:
 * 8 - nwb (+1 for MIXED) low bits dropped), and that step. */
static int32_t s_step(uint32_t nwb, sm_loihi_sign_t s)
{
    return 1 << (8 - nwb + (s == SM_LOIHI_SIGN_MIXED));
}

static int32_t s_wtop(uint32_t nwb, sm_loihi_sign_t s)
{
    const int32_t st = s_step(nwb, s);
    return 255 / st * st;
}

/* Weights of one projection to integers: scale S * gin / 64 per unit, an
 * exponent so that the largest fits, the chip's bits; q->* the losses. */
static void s_weights(sm_proj_t *pr, float *w, size_t n, double S, double gin, uint32_t nwb,
                      sm_qproj_t *q)
{
    double lo = 0.0, hi = 0.0;
    for (size_t k = 0; k < n; k++) {
        lo = w[k] < lo ? w[k] : lo;
        hi = w[k] > hi ? w[k] : hi;
    }
    const sm_loihi_sign_t sign = lo >= 0.0   ? SM_LOIHI_SIGN_EXCITATORY
                                 : hi <= 0.0 ? SM_LOIHI_SIGN_INHIBITORY
                                             : SM_LOIHI_SIGN_MIXED;
    const int32_t step = s_step(nwb, sign), top = s_wtop(nwb, sign);
    const int32_t wlo = sign == SM_LOIHI_SIGN_MIXED ? -256 : sign == SM_LOIHI_SIGN_INHIBITORY ? -top : 0;
    const int32_t whi = sign == SM_LOIHI_SIGN_INHIBITORY ? 0 : top;
    const double k = S * gin / 64.0, mag = s_wmax(w, n) * k;
    int32_t e = 0;
    if (mag > 0.0) {
        e = (int32_t)ceil(log2(mag / top));
        e = e < SM_LOIHI_WEIGHT_EXP_MIN ? SM_LOIHI_WEIGHT_EXP_MIN
                                        : e > SM_LOIHI_WEIGHT_EXP_MAX ? SM_LOIHI_WEIGHT_EXP_MAX : e;
        /* Rounding may push the largest to the next step above top. */
        if (e < SM_LOIHI_WEIGHT_EXP_MAX && floor(mag / ldexp(1.0, e) / step + 0.5) * step > top)
            e++;
    }
    const double unit = ldexp(1.0, e) / k;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double x = w[i] / unit, r = floor(x / step + 0.5) * step;
        const double c = r < wlo ? wlo : r > whi ? whi : r;
        if (w[i] != 0.0f) {
            q->weights++;
            q->clipped += c != r;
            q->zeroed += c == 0.0;
            const double err = fabs(c * unit - w[i]) / fabs((double)w[i]);
            q->max_rel_err = err > q->max_rel_err ? err : q->max_rel_err;
            sum += err;
        }
        w[i] = (float)c;
    }
    q->mean_rel_err = q->weights ? sum / (double)q->weights : 0.0;
    q->weight_exp = e;
    q->num_weight_bits = nwb;
    q->sign = sign;
    q->unit = unit;
    pr->weight_exp = e;
    pr->num_weight_bits = nwb;
    pr->sign_mode = sign;
    pr->num_message_bits = 0;
    pr->port = SM_PORT_EXC;
}

/* One tick more on every synapse of a projection. */
static int s_delay_add(const sm_net_t *net, sm_proj_t *pr, uint32_t j, sm_error_t *err)
{
    if (pr->max_delay >= SM_MAX_DELAY)
        return sm_fail(err, SM_ERANGE, "projections[%u] %s -> %s: its delay of %u ticks and the "
                       "one the chip's neuron adds exceed %u", j, net->pops[pr->src_pop].name,
                       net->pops[pr->dst_pop].name, pr->max_delay, SM_MAX_DELAY);
    if (pr->conn == SM_CONN_LIST) {
        for (uint32_t k = 0; k < pr->n_list; k++)
            pr->l_delay[k]++;
    } else if (pr->conn == SM_CONN_MATRIX) {
        pr->matrix_delay++;
    } else {
        pr->delay.a += 1.0;
        if (pr->delay.kind == SM_DIST_UNIFORM)
            pr->delay.b += 1.0;
    }
    return 0;
}

/* ---- the network --------------------------------------------------------- */

static int s_pop(sm_net_t *net, uint32_t t, const s_map_t *mp, double S, sm_qpop_t *qp,
                 sm_error_t *err)
{
    sm_pop_t *p = &net->pops[t];
    double cur = 0.0;
    for (uint32_t k = 0; k < net->n_currents; k++)
        if (net->currents[k].pop == t)
            cur += net->currents[k].amplitude;
    qp->scale = S;
    for (uint32_t i = 0; i < p->n_models; i++) {
        sm_model_t *m = &p->models[i];
        const s_map_t *r = &mp[i];
        sm_loihi_lif_params_t lp;
        lp.du = r->alpha > 0.0 ? s_decay(r->alpha, 1) : SM_LOIHI_DU_MAX;
        lp.dv = s_decay(r->beta, 0);
        const double vth = floor(S * r->th / 64.0 + 0.5);
        lp.vth = vth > SM_LOIHI_VTH_MAX ? SM_LOIHI_VTH_MAX : (int32_t)vth;
        const double B = S * (((double)m->bias + cur) * r->gbias + r->vconst);
        s_bias(B, &lp.bias_mant, &lp.bias_exp);
        const double dk[2] = {r->alpha > 0.0 ? fabs((4095.0 - lp.du) / 4096.0 - r->alpha) : 0.0,
                              fabs((4096.0 - lp.dv) / 4096.0 - r->beta)};
        for (int k = 0; k < 2; k++)
            qp->decay_err = dk[k] > qp->decay_err ? dk[k] : qp->decay_err;
        const double te = fabs(64.0 * lp.vth / S - r->th) / r->th;
        qp->threshold_err = te > qp->threshold_err ? te : qp->threshold_err;
        if (B != 0.0) {
            const double be = fabs(ldexp(lp.bias_mant, lp.bias_exp) - B) / fabs(B);
            qp->bias_err = be > qp->bias_err ? be : qp->bias_err;
        }
        if (i == 0) {
            qp->du = lp.du;
            qp->dv = lp.dv;
            qp->vth = lp.vth;
            qp->bias_mant = lp.bias_mant;
            qp->bias_exp = lp.bias_exp;
        }
        if (sm_model_loihi_setup(m, &lp, err) < 0) {
            sm_error_prefix(err, "populations[%u]: ", t);
            return -1;
        }
    }
    /* The initial v, from the reset potential: the style's own (norse and
     * NEST start at v_leak) unless the file gives one. */
    bool shifted = false;
    for (uint32_t i = 0; i < p->n_models; i++)
        shifted |= mp[i].v0 != mp[i].vr;
    if (!p->v_init && shifted) {
        if (!(p->v_init = malloc((size_t)p->size * sizeof *p->v_init)))
            return sm_fail(err, SM_ENOMEM, "populations[%u]: out of memory", t);
        for (uint32_t i = 0; i < p->size; i++)
            p->v_init[i] = (float)mp[p->n_models == p->size ? i : 0].v0;
    }
    for (uint32_t i = 0; p->v_init && i < p->size; i++) {
        const double vr = mp[p->n_models == p->size ? i : 0].vr;
        double v = floor(((double)p->v_init[i] - vr) * S + 0.5);
        p->v_init[i] = (float)(v > SM_LOIHI_V_MAX ? SM_LOIHI_V_MAX : v < -SM_LOIHI_V_MAX ? -SM_LOIHI_V_MAX : v);
    }
    qp->quantised = true;
    return 0;
}

int sm_quantise(sm_net_t *net, const sm_chip_t *chip, sm_qreport_t *rep, sm_error_t *err)
{
    memset(rep, 0, sizeof *rep);
    snprintf(rep->chip, sizeof rep->chip, "%s", chip->name);
    const uint32_t nwb = chip->weight_bits ? chip->weight_bits : SM_LOIHI_WEIGHT_BITS_DEFAULT;
    rep->weight_bits = nwb;
    rep->pops = calloc(net->n_pops + 1, sizeof *rep->pops);
    rep->projs = calloc(net->n_projs + 1, sizeof *rep->projs);
    s_map_t **maps = calloc(net->n_pops + 1, sizeof *maps);
    double *S = calloc(net->n_pops + 1, sizeof *S), *Wm = calloc(net->n_pops + 1, sizeof *Wm);
    int32_t *top = calloc(net->n_pops + 1, sizeof *top);
    int rc = -1;
    if (!rep->pops || !rep->projs || !maps || !S || !Wm || !top) {
        sm_fail(err, SM_ENOMEM, "out of memory");
        goto out;
    }
    /* Which populations become loihi_lif, and their threshold's scale. */
    for (uint32_t t = 0; t < net->n_pops; t++) {
        const sm_pop_t *p = &net->pops[t];
        if (p->kind != SM_POP_NEURONS)
            continue;
        sm_qpop_t *qp = &rep->pops[rep->n_pops++];
        qp->pop = t;
        if (sm_pop_is_loihi(p)) {
            snprintf(qp->note, sizeof qp->note, "already loihi_lif");
            continue;
        }
        if (!(maps[t] = calloc(p->n_models, sizeof **maps))) {
            sm_fail(err, SM_ENOMEM, "out of memory");
            goto out;
        }
        double th = 0.0;
        for (uint32_t i = 0; i < p->n_models; i++) {
            maps[t][i] = s_map(&p->models[i]);
            if (!maps[t][i].ok) {
                snprintf(qp->note, sizeof qp->note, "kept float: %s (%s, %s style)",
                         maps[t][i].why, sm_model_kind_name(p->models[i].kind),
                         sm_model_style_name(p->models[i].style));
                free(maps[t]);
                maps[t] = NULL;
                break;
            }
            th = maps[t][i].th > th ? maps[t][i].th : th;
        }
        if (!maps[t])
            continue;
        snprintf(qp->note, sizeof qp->note, "%s", maps[t][0].note);
        S[t] = 64.0 * S_VTH_TARGET / th;
    }
    /* Every Dense into a new loihi_lif holds its weights in integers: the
     * scale may have to come down for its largest weight to fit at the
     * largest exponent, and so for the bias. */
    for (uint32_t j = 0; j < net->n_projs; j++) {
        sm_proj_t *pr = &net->projs[j];
        const uint32_t t = pr->dst_pop;
        if (!maps[t])
            continue;
        size_t n = 0;
        float one;
        float *w = s_warr(net, pr, &n, &one);
        if (!w) {
            if (s_to_list(net, pr, j, err) < 0)
                goto out;
            w = s_warr(net, pr, &n, &one);
        }
        const double wm = s_wmax(w, n) * maps[t][0].gin;
        const double cap = 64.0 * 255.0 * ldexp(1.0, SM_LOIHI_WEIGHT_EXP_MAX);
        if (wm > 0.0 && wm * S[t] > cap)
            S[t] = cap / wm;
        if (wm > Wm[t]) {
            Wm[t] = wm;
            double lo = 0.0, hi = 0.0;
            for (size_t k = 0; k < n; k++) {
                lo = w[k] < lo ? w[k] : lo;
                hi = w[k] > hi ? w[k] : hi;
            }
            top[t] = s_wtop(nwb, lo >= 0.0 || hi <= 0.0 ? SM_LOIHI_SIGN_EXCITATORY
                                                       : SM_LOIHI_SIGN_MIXED);
        }
    }
    /* The largest weight onto the top of the mantissa at some exponent: the
     * scale drops at most by half, and every bit of that weight is used. */
    for (uint32_t t = 0; t < net->n_pops; t++) {
        if (!maps[t] || !(Wm[t] > 0.0))
            continue;
        const double e = floor(log2(S[t] * Wm[t] / (64.0 * top[t])));
        if (e >= SM_LOIHI_WEIGHT_EXP_MIN && e <= SM_LOIHI_WEIGHT_EXP_MAX)
            S[t] = 64.0 * top[t] * ldexp(1.0, (int)e) / Wm[t];
    }
    for (uint32_t t = 0; t < net->n_pops; t++) {
        if (!maps[t])
            continue;
        double b = 0.0;
        for (uint32_t i = 0; i < net->pops[t].n_models; i++)
            b = fmax(b, fabs((double)net->pops[t].models[i].bias * maps[t][i].gbias +
                             maps[t][i].vconst));
        for (uint32_t k = 0; k < net->n_currents; k++)
            if (net->currents[k].pop == t)
                b += fabs(net->currents[k].amplitude * maps[t][0].gbias);
        const double cap = S_BIAS_MANT_MAX * ldexp(1.0, SM_LOIHI_BIAS_EXP_MAX);
        if (b > 0.0 && b * S[t] > cap)
            S[t] = cap / b;
    }
    for (uint32_t j = 0; j < net->n_projs; j++) {
        sm_proj_t *pr = &net->projs[j];
        const uint32_t t = pr->dst_pop;
        if (!maps[t])
            continue;
        size_t n = 0;
        float one;
        float *w = s_warr(net, pr, &n, &one);
        sm_qproj_t *q = &rep->projs[rep->n_projs++];
        q->proj = j;
        s_weights(pr, w, n, S[t], maps[t][0].gin, nwb, q);
        if (w == &one)
            pr->weight.a = one;
        if (maps[t][0].delay_in && s_delay_add(net, pr, j, err) < 0)
            goto out;
        /* a source quantised too sends single spikes anyway */
        if (net->pops[pr->src_pop].kind == SM_POP_NEURONS && !maps[pr->src_pop] &&
            net->pops[pr->src_pop].models[0].multispike) {
            sm_qpop_t *qp = NULL;
            for (uint32_t k = 0; k < rep->n_pops; k++)
                qp = rep->pops[k].pop == t ? &rep->pops[k] : qp;
            if (qp)
                s_add(qp->note, sizeof qp->note, "MultiSpike counts from its sources count as 1");
        }
    }
    for (uint32_t k = 0; k < rep->n_pops; k++) {
        const uint32_t t = rep->pops[k].pop;
        if (maps[t] && s_pop(net, t, maps[t], S[t], &rep->pops[k], err) < 0)
            goto out;
    }
    /* Constant currents into the new loihi_lif are its bias now. */
    uint32_t kept = 0;
    for (uint32_t k = 0; k < net->n_currents; k++)
        if (!maps[net->currents[k].pop])
            net->currents[kept++] = net->currents[k];
    net->n_currents = kept;
    if (sm_net_finish(net, err) < 0) {
        sm_error_prefix(err, "on chip %s: ", chip->name);
        goto out;
    }
    rc = 0;
out:
    for (uint32_t t = 0; maps && t < net->n_pops; t++)
        free(maps[t]);
    free(maps);
    free(S);
    free(Wm);
    free(top);
    if (rc)
        sm_qreport_fini(rep);
    return rc;
}

void sm_qreport_fini(sm_qreport_t *rep)
{
    free(rep->pops);
    free(rep->projs);
    memset(rep, 0, sizeof *rep);
}

/* ---- the report ---------------------------------------------------------- */

/* Lines of each kind the summary prints; stats.json has them all. */
#define S_PRINT_MAX 8

void sm_qreport_print(FILE *f, const sm_net_t *net, const sm_qreport_t *rep)
{
    uint32_t nq = 0;
    uint64_t nw = 0, clipped = 0, zeroed = 0;
    double worst = 0.0, sum = 0.0;
    uint32_t worst_j = 0;
    for (uint32_t k = 0; k < rep->n_pops; k++)
        nq += rep->pops[k].quantised;
    for (uint32_t k = 0; k < rep->n_projs; k++) {
        const sm_qproj_t *q = &rep->projs[k];
        nw += q->weights;
        clipped += q->clipped;
        zeroed += q->zeroed;
        sum += q->mean_rel_err * (double)q->weights;
        if (q->max_rel_err >= worst) {
            worst = q->max_rel_err;
            worst_j = q->proj;
        }
    }
    fprintf(f, "  arithmetic: %s, fixed point: %u of %u populations as loihi_lif, %u projections "
               "as %u-bit Dense\n",
            rep->chip, nq, rep->n_pops, rep->n_projs, rep->weight_bits);
    if (rep->n_projs)
        fprintf(f, "    weights: %llu, %llu clipped, %llu zeroed, relative error mean %.3g%%, "
                   "largest %.3g%% (projections[%u])\n",
                (unsigned long long)nw, (unsigned long long)clipped, (unsigned long long)zeroed,
                nw ? 100.0 * sum / (double)nw : 0.0, 100.0 * worst, worst_j);
    for (uint32_t k = 0; k < rep->n_pops && k < S_PRINT_MAX; k++) {
        const sm_qpop_t *q = &rep->pops[k];
        const char *name = net->pops[q->pop].name;
        if (!q->quantised) {
            fprintf(f, "    %-12s %s\n", name, q->note);
            continue;
        }
        fprintf(f, "    %-12s du %d dv %d vth %d bias %d*2^%d, scale %.4g/unit (decay error %.2g, "
                   "threshold %.2g, bias %.2g)%s%s\n",
                name, q->du, q->dv, q->vth, q->bias_mant, q->bias_exp, q->scale, q->decay_err,
                q->threshold_err, q->bias_err, q->note[0] ? "; " : "", q->note);
    }
    if (rep->n_pops > S_PRINT_MAX)
        fprintf(f, "    ... %u more populations (stats.json: quantisation)\n",
                rep->n_pops - S_PRINT_MAX);
    for (uint32_t k = 0; k < rep->n_projs && k < S_PRINT_MAX; k++) {
        const sm_qproj_t *q = &rep->projs[k];
        const sm_proj_t *pr = &net->projs[q->proj];
        fprintf(f, "    projections[%u] %s -> %s: %s, exponent %d, 1 unit = %.4g; %llu weights, "
                   "%llu clipped, %llu zeroed, error mean %.3g%%, largest %.3g%%\n",
                q->proj, net->pops[pr->src_pop].name, net->pops[pr->dst_pop].name,
                sm_loihi_sign_name(q->sign), q->weight_exp, q->unit,
                (unsigned long long)q->weights, (unsigned long long)q->clipped,
                (unsigned long long)q->zeroed, 100.0 * q->mean_rel_err, 100.0 * q->max_rel_err);
    }
    if (rep->n_projs > S_PRINT_MAX)
        fprintf(f, "    ... %u more projections (stats.json: quantisation)\n",
                rep->n_projs - S_PRINT_MAX);
}

void sm_qreport_to_json(const sm_net_t *net, const sm_qreport_t *rep, cJSON *stats)
{
    cJSON *o = cJSON_AddObjectToObject(stats, "quantisation");
    if (!o)
        return;
    cJSON_AddStringToObject(o, "chip", rep->chip);
    cJSON_AddStringToObject(o, "arithmetic", "fixed");
    cJSON_AddNumberToObject(o, "weight_bits", rep->weight_bits);
    cJSON *pops = cJSON_AddArrayToObject(o, "populations");
    for (uint32_t k = 0; pops && k < rep->n_pops; k++) {
        const sm_qpop_t *q = &rep->pops[k];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "population", net->pops[q->pop].name);
        cJSON_AddBoolToObject(e, "quantised", q->quantised);
        if (q->quantised) {
            cJSON_AddNumberToObject(e, "scale", q->scale);
            cJSON_AddNumberToObject(e, "du", q->du);
            cJSON_AddNumberToObject(e, "dv", q->dv);
            cJSON_AddNumberToObject(e, "vth", q->vth);
            cJSON_AddNumberToObject(e, "bias_mant", q->bias_mant);
            cJSON_AddNumberToObject(e, "bias_exp", q->bias_exp);
            cJSON_AddNumberToObject(e, "decay_error", q->decay_err);
            cJSON_AddNumberToObject(e, "threshold_relative_error", q->threshold_err);
            cJSON_AddNumberToObject(e, "bias_relative_error", q->bias_err);
        }
        cJSON_AddStringToObject(e, "note", q->note);
        cJSON_AddItemToArray(pops, e);
    }
    cJSON *projs = cJSON_AddArrayToObject(o, "projections");
    for (uint32_t k = 0; projs && k < rep->n_projs; k++) {
        const sm_qproj_t *q = &rep->projs[k];
        const sm_proj_t *pr = &net->projs[q->proj];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "projection", q->proj);
        cJSON_AddStringToObject(e, "source", net->pops[pr->src_pop].name);
        cJSON_AddStringToObject(e, "target", net->pops[pr->dst_pop].name);
        cJSON_AddStringToObject(e, "sign_mode", sm_loihi_sign_name(q->sign));
        cJSON_AddNumberToObject(e, "num_weight_bits", q->num_weight_bits);
        cJSON_AddNumberToObject(e, "weight_exp", q->weight_exp);
        cJSON_AddNumberToObject(e, "scale", q->unit);
        cJSON_AddNumberToObject(e, "weights", (double)q->weights);
        cJSON_AddNumberToObject(e, "clipped", (double)q->clipped);
        cJSON_AddNumberToObject(e, "zeroed", (double)q->zeroed);
        cJSON_AddNumberToObject(e, "max_relative_error", q->max_rel_err);
        cJSON_AddNumberToObject(e, "mean_relative_error", q->mean_rel_err);
        cJSON_AddItemToArray(projs, e);
    }
}
