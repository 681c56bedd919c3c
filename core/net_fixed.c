/* net_fixed: projections into loihi_lif populations as Lava's Dense (see
 * sm_net_fixed in net.h, docs/arithmetic.md). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

/* Largest integer magnitude whose float sums stay exact. */
#define S_EXACT 16777216.0 /* 2^24 */

/* A count no bound holds: sinabs MultiSpike. */
#define S_UNBOUNDED UINT32_MAX

bool sm_pop_is_loihi(const sm_pop_t *p)
{
    return p->kind == SM_POP_NEURONS && p->n_models && p->models[0].kind == SM_MODEL_LOIHI_LIF;
}

bool sm_pop_signed(const sm_pop_t *p)
{
    if (p->kind != SM_POP_SPIKE_TIMES || !p->st_payload)
        return false;
    for (uint32_t k = 0; k < p->st_off[p->size]; k++)
        if (p->st_payload[k] < 0)
            return true;
    return false;
}

float sm_proj_fixed_weight(const sm_proj_t *pr, float w)
{
    /* |W'| <= 256 and fold <= 14: exact in float. */
    return (float)((int64_t)sm_loihi_dense_weight(&pr->fx, (int32_t)w) * ((int64_t)1 << pr->fold));
}

static int s_fail(const sm_net_t *net, sm_error_t *err, sm_err_t code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int s_fail(const sm_net_t *net, sm_error_t *err, sm_err_t code, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (net->path)
        return sm_fail(err, code, "%s: %s", net->path, msg);
    return sm_fail(err, code, "%s", msg);
}

/* ---- weights as passed ---------------------------------------------------- */

/* The weights a projection's description holds, without generating it: the
 * list's, the matrix's (its zeros too, which never change Lava's derived
 * sign mode: all zeros give EXCITATORY, as no weight at all does), the
 * kernel's, or the one constant of the other connectors. */
static const float *s_weights(const sm_proj_t *pr, const sm_net_t *net, size_t *n)
{
    switch (pr->conn) {
    case SM_CONN_LIST:
        *n = pr->n_list;
        return pr->l_weight;
    case SM_CONN_MATRIX:
        *n = (size_t)net->pops[pr->src_pop].size * net->pops[pr->dst_pop].size;
        return pr->matrix;
    case SM_CONN_CONV2D: {
        const sm_conv2d_t *c = &pr->conv;
        *n = (size_t)c->out_c * (c->in_c / c->groups) * c->k_h * c->k_w;
        return c->kernel;
    }
    default:
        *n = 0;
        return NULL;
    }
}

static int s_check_w(const sm_net_t *net, uint32_t j, size_t k, double w, sm_error_t *err)
{
    const char *dst = net->pops[net->projs[j].dst_pop].name;
    if (w != floor(w))
        return s_fail(net, err, SM_EINVAL,
                      "projections[%u]: weight %g (weight %zu of the projection) is not an "
                      "integer: a projection into loihi_lif population \"%s\" is a fixed-point "
                      "Dense and takes integer weights",
                      j, w, k, dst);
    if (fabs(w) > S_EXACT)
        return s_fail(net, err, SM_ERANGE,
                      "projections[%u]: weight %g is beyond +-2^24; Lava clips weights to 8 bits "
                      "anyway",
                      j, w);
    return 0;
}

/* Integer weights, the format in range, the sign mode resolved. */
static int s_format(const sm_net_t *net, sm_proj_t *pr, uint32_t j, sm_error_t *err)
{
    if (pr->num_message_bits > SM_LOIHI_MESSAGE_BITS_MAX)
        return s_fail(net, err, SM_ERANGE,
                      "projections[%u]: num_message_bits must be in [0, %d], got %u", j,
                      SM_LOIHI_MESSAGE_BITS_MAX, pr->num_message_bits);
    size_t n;
    const float *w = s_weights(pr, net, &n);
    int32_t lohi[2] = {0, 0};
    if (!w) {
        if (pr->weight.kind != SM_DIST_CONST)
            return s_fail(net, err, SM_EINVAL,
                          "projections[%u]: a projection into loihi_lif population \"%s\" takes "
                          "integer weights: a constant, a list, a matrix or a kernel",
                          j, net->pops[pr->dst_pop].name);
        if (s_check_w(net, j, 0, pr->weight.a, err) < 0)
            return -1;
        lohi[0] = lohi[1] = (int32_t)pr->weight.a;
        n = 1;
    }
    for (size_t k = 0; w && k < n; k++) {
        if (s_check_w(net, j, k, w[k], err) < 0)
            return -1;
        const int32_t x = (int32_t)w[k];
        lohi[0] = k == 0 || x < lohi[0] ? x : lohi[0];
        lohi[1] = k == 0 || x > lohi[1] ? x : lohi[1];
    }
    sm_error_t e;
    if (sm_loihi_dense_setup(&pr->fx, pr->num_weight_bits ? (int32_t)pr->num_weight_bits
                                                          : SM_LOIHI_WEIGHT_BITS_DEFAULT,
                             pr->weight_exp, pr->sign_mode, lohi, n ? 2 : 0, &e) < 0)
        return s_fail(net, err, e.code, "projections[%u]: %s", j, e.msg);
    return 0;
}

/* ---- counts a source may send -------------------------------------------- */

/* The largest count each neuron of population p sends in one event, or
 * S_UNBOUNDED; NULL out of memory. */
static uint32_t *s_counts(const sm_pop_t *p)
{
    uint32_t *c = malloc(((size_t)p->size + 1) * sizeof *c);
    if (!c)
        return NULL;
    for (uint32_t i = 0; i < p->size; i++) {
        uint32_t m = 1;
        if (p->kind == SM_POP_SPIKE_TIMES && p->st_payload)
            for (uint32_t k = p->st_off[i]; k < p->st_off[i + 1]; k++) {
                const uint32_t a = (uint32_t)labs((long)p->st_payload[k]);
                m = a > m ? a : m;
            }
        if (p->kind == SM_POP_NEURONS && sm_pop_model(p, i)->multispike)
            m = S_UNBOUNDED;
        c[i] = m;
    }
    return c;
}

/* ---- accumulators --------------------------------------------------------- */

/* Ports and folds of the Dense projections into population t (see net.h). */
static int s_groups(const sm_net_t *net, uint32_t t, sm_error_t *err)
{
    sm_proj_t *neg[2] = {NULL, NULL};
    uint32_t neg_j[2] = {0, 0}, n_neg = 0;
    int32_t min_pos = INT32_MAX;
    for (uint32_t j = 0; j < net->n_projs; j++) {
        sm_proj_t *pr = &net->projs[j];
        if (pr->dst_pop != t)
            continue;
        if (pr->fx.weight_exp < 0) {
            if (n_neg == 2)
                return s_fail(net, err, SM_EUNSUPPORTED,
                              "projections[%u]: loihi_lif population \"%s\" already receives two "
                              "Dense projections with a negative weight_exp (projections[%u] and "
                              "[%u]); a third (%d) cannot be floored separately: each neuron has "
                              "two input accumulators (give it a weight_exp >= 0)",
                              j, net->pops[t].name, neg_j[0], neg_j[1], pr->fx.weight_exp);
            neg_j[n_neg] = j;
            neg[n_neg++] = pr;
        } else if (pr->fx.weight_exp < min_pos) {
            min_pos = pr->fx.weight_exp;
        }
    }
    /* The exponent of each accumulator: one negative Dense's own, else the
     * smallest non-negative one (the others are folded into it). */
    int32_t E[2] = {0, 0};
    for (uint32_t k = 0; k < n_neg; k++) {
        neg[k]->port = k ? SM_PORT_INH : SM_PORT_EXC;
        neg[k]->fold = 0;
        E[k] = neg[k]->fx.weight_exp;
    }
    /* Non-negative ones: accumulator 1 if free, else the one with the larger
     * exponent (the smaller fold). */
    uint32_t share = n_neg == 0 ? 0 : n_neg == 1 ? 1 : (E[1] > E[0] ? 1 : 0);
    if (min_pos != INT32_MAX && share >= n_neg)
        E[share] = min_pos;
    for (uint32_t j = 0; j < net->n_projs; j++) {
        sm_proj_t *pr = &net->projs[j];
        if (pr->dst_pop != t || pr->fx.weight_exp < 0)
            continue;
        pr->port = share ? SM_PORT_INH : SM_PORT_EXC;
        pr->fold = (uint32_t)(pr->fx.weight_exp - E[share]);
    }
    const sm_pop_t *p = &net->pops[t];
    for (uint32_t i = 0; i < p->n_models; i++) {
        p->models[i].in_exp[0] = E[0];
        p->models[i].in_exp[1] = E[1];
    }
    return 0;
}

/* ---- input bound ---------------------------------------------------------- */

typedef struct {
    const sm_proj_t *pr;
    const uint32_t *cmax; /* per source neuron */
    double *acc;          /* [2][target size] */
    uint32_t n_dst;
} s_bound_t;

static int s_bound(void *ctx, uint32_t src, uint32_t dst, float w, uint32_t delay)
{
    s_bound_t *b = ctx;
    (void)delay;
    const double c = b->pr->num_message_bits ? (double)b->cmax[src] : 1.0;
    b->acc[(size_t)b->pr->port * b->n_dst + dst] += fabs((double)sm_proj_fixed_weight(b->pr, w)) * c;
    return 0;
}

/* The same bound without generating the synapses, where every Dense into t
 * has one constant weight and a connectivity that bounds a target's inputs
 * (fixed_fan_in: k; all_to_all and fixed_probability: one synapse per source;
 * one_to_one: one): the largest |effective weight| x count x inputs, summed
 * over the Dense. At or below 2^24 on both accumulators and after the
 * exponents, no target can exceed it and the synapses need not be generated
 * (a network of a million neurons would be generated once more only for
 * this); otherwise the exact check below decides. */
static bool s_bounds_quick(const sm_net_t *net, uint32_t t, uint32_t **cmax)
{
    double acc[2] = {0.0, 0.0};
    for (uint32_t j = 0; j < net->n_projs; j++) {
        const sm_proj_t *pr = &net->projs[j];
        if (pr->dst_pop != t)
            continue;
        const sm_pop_t *sp = &net->pops[pr->src_pop];
        double deg;
        switch (pr->conn) {
        case SM_CONN_FIXED_FAN_IN: deg = pr->k; break;
        case SM_CONN_ALL_TO_ALL:
        case SM_CONN_FIXED_PROB: deg = sp->size; break;
        case SM_CONN_ONE_TO_ONE: deg = 1.0; break;
        default: return false;
        }
        if (pr->weight.kind != SM_DIST_CONST)
            return false;
        double c = 1.0;
        for (uint32_t i = 0; pr->num_message_bits && i < sp->size; i++)
            if (cmax[pr->src_pop][i] > c)
                c = cmax[pr->src_pop][i];
        acc[pr->port == SM_PORT_INH] +=
            fabs((double)sm_proj_fixed_weight(pr, (float)pr->weight.a)) * c * deg;
    }
    const sm_model_t *m = &net->pops[t].models[0];
    double a = 0.0;
    for (int k = 0; k < 2; k++) {
        if (!(acc[k] <= S_EXACT))
            return false;
        a += m->in_exp[k] >= 0 ? ldexp(acc[k], m->in_exp[k]) : ldexp(acc[k], m->in_exp[k]) + 1.0;
    }
    return a <= S_EXACT;
}

static int s_bounds(const sm_net_t *net, uint32_t t, uint32_t **cmax, sm_error_t *err)
{
    const sm_pop_t *p = &net->pops[t];
    if (s_bounds_quick(net, t, cmax))
        return 0;
    double *acc = calloc(2 * (size_t)p->size, sizeof *acc);
    if (!acc)
        return s_fail(net, err, SM_ENOMEM, "populations[%u]: out of memory", t);
    for (uint32_t j = 0; j < net->n_projs; j++) {
        const sm_proj_t *pr = &net->projs[j];
        if (pr->dst_pop != t)
            continue;
        s_bound_t b = {pr, cmax[pr->src_pop], acc, p->size};
        if (sm_proj_generate(net, pr, s_bound, &b) < 0) {
            free(acc);
            return s_fail(net, err, SM_ENOMEM, "projections[%u]: out of memory", j);
        }
    }
    const sm_model_t *m = &p->models[0];
    for (uint32_t i = 0; i < p->size; i++) {
        double a = 0.0;
        for (int k = 0; k < 2; k++) {
            double x = acc[(size_t)k * p->size + i];
            if (x > S_EXACT) {
                free(acc);
                return s_fail(net, err, SM_ERANGE,
                              "populations[%u] \"%s\": neuron %u could receive a summed input of "
                              "%.0f in one tick (|effective weight| x largest count, over its "
                              "Dense projections%s), beyond 2^24, where the engine's sums stop "
                              "being exact: lower the weights, the payloads or the fan-in",
                              t, p->name, i, x, k ? " with the second negative weight_exp" : "");
            }
            a += m->in_exp[k] >= 0 ? ldexp(x, m->in_exp[k]) : ldexp(x, m->in_exp[k]) + 1.0;
        }
        if (a > S_EXACT) {
            free(acc);
            return s_fail(net, err, SM_ERANGE,
                          "populations[%u] \"%s\": neuron %u could receive an input of %.0f in "
                          "one tick after weight_exp, beyond 2^24: lower the weights, the "
                          "payloads or the fan-in",
                          t, p->name, i, a);
        }
    }
    free(acc);
    return 0;
}

/* ---- the network ----------------------------------------------------------- */

static bool s_has_fixed_keys(const sm_proj_t *pr)
{
    return pr->weight_exp != 0 || pr->num_weight_bits != 0 ||
           pr->sign_mode != SM_LOIHI_SIGN_AUTO || pr->num_message_bits != 0;
}

int sm_net_fixed(sm_net_t *net, sm_error_t *err)
{
    bool any = false;
    for (uint32_t i = 0; i < net->n_pops; i++) {
        const sm_pop_t *p = &net->pops[i];
        if (p->kind != SM_POP_NEURONS || !p->n_models)
            continue;
        const bool lo = sm_pop_is_loihi(p);
        for (uint32_t k = 0; k < p->n_models; k++)
            if ((p->models[k].kind == SM_MODEL_LOIHI_LIF) != lo ||
                (p->models[k].style == SM_STYLE_LOIHI) != lo)
                return s_fail(net, err, SM_EINVAL,
                              "populations[%u] \"%s\": loihi_lif mixed with other models", i,
                              p->name);
        if (!lo && p->u_init)
            return s_fail(net, err, SM_EINVAL,
                          "populations[%u] \"%s\": an initial u is for loihi_lif only", i, p->name);
        for (uint32_t k = 0; lo && (p->v_init || p->u_init) && k < p->size; k++) {
            const float u = p->u_init ? p->u_init[k] : 0.0f, v = p->v_init ? p->v_init[k] : 0.0f;
            sm_loihi_state_t st = {(int32_t)u, (int32_t)v};
            sm_error_t e;
            if (!(u == floorf(u) && v == floorf(v) && fabsf(u) <= (float)S_EXACT &&
                  fabsf(v) <= (float)S_EXACT))
                return s_fail(net, err, SM_EINVAL,
                              "populations[%u] \"%s\": neuron %u: initial u and v of loihi_lif "
                              "must be integers, got u=%g, v=%g",
                              i, p->name, k, (double)u, (double)v);
            if (sm_loihi_state_check(&st, &e) < 0)
                return s_fail(net, err, e.code, "populations[%u] \"%s\": neuron %u: %s", i,
                              p->name, k, e.msg);
        }
        any = any || lo;
    }
    for (uint32_t k = 0; k < net->n_currents; k++)
        if (sm_pop_is_loihi(&net->pops[net->currents[k].pop]))
            return s_fail(net, err, SM_EUNSUPPORTED,
                          "currents[%u]: loihi_lif population \"%s\" takes its constant drive as "
                          "bias_mant and bias_exp, not as a float current",
                          k, net->pops[net->currents[k].pop].name);
    for (uint32_t j = 0; j < net->n_projs; j++) {
        sm_proj_t *pr = &net->projs[j];
        pr->fixed = sm_pop_is_loihi(&net->pops[pr->dst_pop]);
        pr->clamp = false;
        if (!pr->fixed && s_has_fixed_keys(pr))
            return s_fail(net, err, SM_EINVAL,
                          "projections[%u]: weight_exp, num_weight_bits, sign_mode and "
                          "num_message_bits are for projections into loihi_lif populations, and "
                          "\"%s\" is not one",
                          j, net->pops[pr->dst_pop].name);
        if (!pr->fixed && sm_pop_signed(&net->pops[pr->src_pop]))
            return s_fail(net, err, SM_EUNSUPPORTED,
                          "projections[%u]: \"%s\" sends negative graded payloads, which only a "
                          "Dense into loihi_lif takes (Lava's Dense sums weight x payload); \"%s\" "
                          "is not loihi_lif, and its spikes cannot be negative",
                          j, net->pops[pr->src_pop].name, net->pops[pr->dst_pop].name);
        if (!pr->fixed) {
            memset(&pr->fx, 0, sizeof pr->fx);
            pr->fold = 0;
        }
    }
    if (!any)
        return 0;

    uint32_t **cmax = calloc(net->n_pops, sizeof *cmax);
    if (!cmax)
        return s_fail(net, err, SM_ENOMEM, "out of memory");
    int rc = -1;
    for (uint32_t j = 0; j < net->n_projs; j++) {
        sm_proj_t *pr = &net->projs[j];
        if (!pr->fixed)
            continue;
        if (s_format(net, pr, j, err) < 0)
            goto out;
        if (!cmax[pr->src_pop] && !(cmax[pr->src_pop] = s_counts(&net->pops[pr->src_pop]))) {
            s_fail(net, err, SM_ENOMEM, "out of memory");
            goto out;
        }
        const sm_pop_t *sp = &net->pops[pr->src_pop];
        for (uint32_t i = 0; i < sp->size; i++) {
            if (cmax[pr->src_pop][i] == S_UNBOUNDED && pr->num_message_bits) {
                s_fail(net, err, SM_EUNSUPPORTED,
                       "projections[%u]: a graded Dense (num_message_bits %u) from \"%s\", whose "
                       "spike counts are unbounded (multispike)",
                       j, pr->num_message_bits, sp->name);
                goto out;
            }
            if (cmax[pr->src_pop][i] > 1 && !pr->num_message_bits)
                pr->clamp = true;
        }
    }
    for (uint32_t t = 0; t < net->n_pops; t++)
        if (sm_pop_is_loihi(&net->pops[t]) &&
            (s_groups(net, t, err) < 0 || s_bounds(net, t, cmax, err) < 0))
            goto out;
    rc = 0;
out:
    for (uint32_t i = 0; i < net->n_pops; i++)
        free(cmax[i]);
    free(cmax);
    return rc;
}
