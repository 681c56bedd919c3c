/* Projection expansion.
 *
 * Order of the synapses emitted, per connectivity kind:
 *   all_to_all, fixed_probability, fixed_fan_in, matrix: by target neuron,
 *     then by source neuron, both ascending;
 *   one_to_one: by neuron;
 *   list: in the order the list gives.
 * Every random draw of a projection with index j comes from the stream
 * sm_rng_stream(pr->seed, j, target): for each target, first the draws that
 * choose its sources (geometric gaps, or the k-subset), then per synapse, in
 * the order above, its weight and then its delay. Results therefore depend
 * only on the network and the seed, not on who generates which targets. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "rng.h"

/* A normal draw whose bounds hold almost no mass would spin forever; the
 * loader refuses such bounds, so this only protects hand-built networks. */
#define S_MAX_REDRAWS 100000

typedef struct {
    sm_dist_t w;
    sm_dist_kind_t dkind;
    uint32_t d_lo, d_span;  /* delay: d_lo + [0, d_span) */
} s_draws_t;

static inline float s_weight(const s_draws_t *d, sm_rng_t *r)
{
    switch (d->w.kind) {
    case SM_DIST_UNIFORM:
        return (float)(d->w.a + (d->w.b - d->w.a) * sm_rng_uniform(r));
    case SM_DIST_NORMAL: {
        double x = d->w.a + d->w.b * sm_rng_normal(r);
        if (!d->w.has_bounds)
            return (float)x;
        for (int i = 0; i < S_MAX_REDRAWS && (x < d->w.lo || x > d->w.hi); i++)
            x = d->w.a + d->w.b * sm_rng_normal(r);
        if (x < d->w.lo)
            x = d->w.lo;
        if (x > d->w.hi)
            x = d->w.hi;
        return (float)x;
    }
    case SM_DIST_CONST:
    default:
        return (float)d->w.a;
    }
}

static inline uint32_t s_delay(const s_draws_t *d, sm_rng_t *r)
{
    if (d->d_span <= 1)
        return d->d_lo;
    return d->d_lo + sm_rng_below(r, d->d_span);
}

static uint32_t s_round(double x)
{
    if (!(x > 0))
        return 0;
    if (x >= (double)UINT32_MAX)
        return UINT32_MAX;
    return (uint32_t)(x + 0.5);
}

static void s_draws_init(s_draws_t *d, const sm_proj_t *pr)
{
    d->w = pr->weight;
    d->dkind = pr->delay.kind;
    d->d_lo = s_round(pr->delay.a);
    d->d_span = 1;
    if (pr->delay.kind == SM_DIST_UNIFORM) {
        uint32_t hi = s_round(pr->delay.b);
        if (hi > d->d_lo)
            d->d_span = hi - d->d_lo == UINT32_MAX ? UINT32_MAX : hi - d->d_lo + 1;
    }
}

static void s_sort_u32(uint32_t *a, size_t n)
{
    while (n > 16) {
        uint32_t x = a[0], y = a[n / 2], z = a[n - 1];
        uint32_t piv = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        size_t i = 0, j = n - 1;
        for (;;) {
            while (a[i] < piv)
                i++;
            while (a[j] > piv)
                j--;
            if (i >= j)
                break;
            uint32_t t = a[i];
            a[i] = a[j];
            a[j] = t;
            i++;
            j--;
        }
        /* Recurse into the smaller half, loop on the larger: O(log n) stack. */
        size_t left = j + 1;
        if (left < n - left) {
            s_sort_u32(a, left);
            a += left;
            n -= left;
        } else {
            s_sort_u32(a + left, n - left);
            n = left;
        }
    }
    for (size_t i = 1; i < n; i++) {
        uint32_t v = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1] > v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

/* Scratch for choosing k distinct sources out of m, allocated once per
 * projection: a bitmap when the choice is dense (then a scan gives them
 * sorted), otherwise an open-addressing set and a sort. */
typedef struct {
    uint32_t *chosen;
    uint64_t *bits;
    uint32_t *set;
    size_t set_mask;
    bool dense;
} s_sample_t;

static int s_sample_init(s_sample_t *s, uint32_t k, uint32_t m)
{
    memset(s, 0, sizeof *s);
    s->dense = (uint64_t)m <= 32 * (uint64_t)k;
    s->chosen = malloc(((size_t)k + 1) * sizeof *s->chosen);
    if (!s->chosen)
        return -1;
    if (s->dense) {
        s->bits = calloc((size_t)m / 64 + 1, sizeof *s->bits);
        return s->bits ? 0 : -1;
    }
    size_t cap = 16;
    while (cap < 2 * (size_t)k)
        cap *= 2;
    s->set_mask = cap - 1;
    s->set = malloc(cap * sizeof *s->set);
    return s->set ? 0 : -1;
}

static void s_sample_fini(s_sample_t *s)
{
    free(s->chosen);
    free(s->bits);
    free(s->set);
}

/* Inserts v (stored as v + 1, 0 = empty); returns false if already there. */
static inline bool s_set_add(s_sample_t *s, uint32_t v)
{
    size_t h = ((uint64_t)v * 0x9e3779b97f4a7c15ULL) >> 20;
    for (;; h++) {
        uint32_t *slot = &s->set[h & s->set_mask];
        if (*slot == 0) {
            *slot = v + 1;
            return true;
        }
        if (*slot == v + 1)
            return false;
    }
}

static inline bool s_bit_add(s_sample_t *s, uint32_t v)
{
    uint64_t b = 1ULL << (v & 63);
    if (s->bits[v >> 6] & b)
        return false;
    s->bits[v >> 6] |= b;
    return true;
}

/* Floyd's algorithm: k draws give a uniform k-subset of [0, m), sorted into
 * s->chosen on return. */
static void s_sample(s_sample_t *s, sm_rng_t *r, uint32_t k, uint32_t m)
{
    if (s->dense) {
        for (uint32_t j = m - k; j < m; j++) {
            uint32_t t = sm_rng_below(r, j + 1);
            if (!s_bit_add(s, t))
                s_bit_add(s, j);
        }
        uint32_t n = 0;
        for (size_t w = 0; w <= (size_t)(m - 1) / 64; w++) {
            uint64_t b = s->bits[w];
            s->bits[w] = 0;
            while (b) {
                s->chosen[n++] = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(b));
                b &= b - 1;
            }
        }
        return;
    }
    memset(s->set, 0, (s->set_mask + 1) * sizeof *s->set);
    uint32_t n = 0;
    for (uint32_t j = m - k; j < m; j++) {
        uint32_t t = sm_rng_below(r, j + 1);
        if (s_set_add(s, t)) {
            s->chosen[n++] = t;
        } else {
            s_set_add(s, j);
            s->chosen[n++] = j;
        }
    }
    s_sort_u32(s->chosen, n);
}

static uint32_t s_proj_index(const sm_net_t *net, const sm_proj_t *pr)
{
    for (uint32_t j = 0; j < net->n_projs; j++)
        if (&net->projs[j] == pr)
            return j;
    return net->n_projs;
}

int sm_proj_generate(const sm_net_t *net, const sm_proj_t *pr, sm_syn_fn fn,
                     void *ctx)
{
    const uint32_t n_src = net->pops[pr->src_pop].size;
    const uint32_t n_dst = net->pops[pr->dst_pop].size;
    const bool no_self = pr->src_pop == pr->dst_pop && !pr->allow_self;
    const uint32_t pj = s_proj_index(net, pr);
    s_draws_t dr;
    s_draws_init(&dr, pr);

    switch (pr->conn) {
    case SM_CONN_ALL_TO_ALL:
        for (uint32_t t = 0; t < n_dst; t++) {
            sm_rng_t r = sm_rng_stream(pr->seed, pj, t);
            for (uint32_t s = 0; s < n_src; s++) {
                if (no_self && s == t)
                    continue;
                float w = s_weight(&dr, &r);
                if (fn(ctx, s, t, w, s_delay(&dr, &r)))
                    return -1;
            }
        }
        return 0;

    case SM_CONN_ONE_TO_ONE: {
        uint32_t n = n_src < n_dst ? n_src : n_dst;
        for (uint32_t i = 0; i < n; i++) {
            sm_rng_t r = sm_rng_stream(pr->seed, pj, i);
            float w = s_weight(&dr, &r);
            if (fn(ctx, i, i, w, s_delay(&dr, &r)))
                return -1;
        }
        return 0;
    }

    case SM_CONN_FIXED_PROB: {
        if (!(pr->p > 0))
            return 0;
        const bool every = pr->p >= 1.0;
        const double inv_lq = every ? 0.0 : 1.0 / log1p(-pr->p);
        for (uint32_t t = 0; t < n_dst; t++) {
            sm_rng_t r = sm_rng_stream(pr->seed, pj, t);
            const uint64_t m = no_self && t < n_src ? n_src - 1u : n_src;
            /* Geometric gaps between successes: cost per synapse, not per
             * candidate pair. */
            for (uint64_t c = 0;; c++) {
                if (!every) {
                    double g = floor(log1p(-sm_rng_uniform(&r)) * inv_lq);
                    if (g >= (double)(m - c))
                        break;
                    c += (uint64_t)g;
                }
                if (c >= m)
                    break;
                uint32_t s = (uint32_t)c;
                if (no_self && t < n_src && s >= t)
                    s++;
                float w = s_weight(&dr, &r);
                if (fn(ctx, s, t, w, s_delay(&dr, &r)))
                    return -1;
            }
        }
        return 0;
    }

    case SM_CONN_FIXED_FAN_IN: {
        const uint32_t m_max = no_self ? n_src - 1 : n_src;
        const uint32_t k = pr->k < m_max ? pr->k : m_max;
        if (k == 0)
            return 0;
        s_sample_t smp;
        if (s_sample_init(&smp, k, n_src) < 0) {
            s_sample_fini(&smp);
            return -1;
        }
        int rc = 0;
        for (uint32_t t = 0; t < n_dst && rc == 0; t++) {
            sm_rng_t r = sm_rng_stream(pr->seed, pj, t);
            const bool skip = no_self && t < n_src;
            const uint32_t m = skip ? n_src - 1 : n_src;
            s_sample(&smp, &r, k, m);
            for (uint32_t i = 0; i < k; i++) {
                uint32_t s = smp.chosen[i];
                if (skip && s >= t)
                    s++;
                float w = s_weight(&dr, &r);
                if (fn(ctx, s, t, w, s_delay(&dr, &r))) {
                    rc = -1;
                    break;
                }
            }
        }
        s_sample_fini(&smp);
        return rc;
    }

    case SM_CONN_LIST:
        for (uint32_t i = 0; i < pr->n_list; i++)
            if (fn(ctx, pr->l_src[i], pr->l_dst[i], pr->l_weight[i], pr->l_delay[i]))
                return -1;
        return 0;

    case SM_CONN_MATRIX:
        for (uint32_t t = 0; t < n_dst; t++) {
            const float *row = pr->matrix + (size_t)t * n_src;
            for (uint32_t s = 0; s < n_src; s++)
                if (row[s] != 0.0f && fn(ctx, s, t, row[s], pr->matrix_delay))
                    return -1;
        }
        return 0;
    }
    return 0;
}
