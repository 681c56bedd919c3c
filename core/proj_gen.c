/* Projection expansion.
 *
 * Order of the synapses emitted, per connectivity kind:
 *   all_to_all, fixed_probability, fixed_fan_in, matrix: by target neuron,
 *     then by source neuron, both ascending;
 *   one_to_one: by neuron;
 *   list: in the order the list gives;
 *   conv2d: by target neuron, then input channel, kernel row, kernel column
 *     (for one target these ascend with the source index);
 *   distance: by target neuron, then by source neuron, both ascending.
 * Every random draw of a projection with index j comes from the stream
 * sm_rng_stream(pr->seed, j, target): for each target, first the draws that
 * choose its sources (geometric gaps, or the k-subset), then per synapse, in
 * the order above, its weight and then its delay. A distance projection
 * with p < 1 or a sigma draws once per source in the mask, just before that
 * synapse's weight and delay. Results therefore depend only on the network
 * and the seed, not on who generates which targets. */
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
 * projection: a bitmap when its scan (m / 64 words) costs less than sorting
 * the k chosen (then the scan gives them sorted), otherwise an
 * open-addressing set and a sort. Both hold the same subset: the draws are
 * the same, only where they are kept differs. */
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
    uint64_t lg = 1;
    while (lg < 32 && (1ULL << lg) <= k)
        lg++;
    /* A bitmap of at most 1 MiB beyond the 32 bits per choice it always may
     * take (the loihi benchmark's 100 of 10,000: a scan of 157 words instead
     * of a sort of 100 values, a third of its set-up). */
    s->dense = (uint64_t)m <= 32 * (uint64_t)k ||
               ((uint64_t)m <= 64 * (uint64_t)k * lg && m <= (1u << 23));
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

static int s_gen_conv2d(const sm_proj_t *pr, uint32_t pj, const s_draws_t *dr, sm_syn_fn fn,
                        void *ctx)
{
    const sm_conv2d_t *c = &pr->conv;
    const uint32_t in_g = c->in_c / c->groups, out_g = c->out_c / c->groups;
    const size_t taps = (size_t)c->k_h * c->k_w;
    uint32_t t = 0;
    for (uint32_t oc = 0; oc < c->out_c; oc++) {
        const uint32_t ic0 = oc / out_g * in_g;
        const float *k_oc = c->kernel + (size_t)oc * in_g * taps;
        for (uint32_t oy = 0; oy < c->out_h; oy++) {
            const int64_t y0 = (int64_t)oy * c->stride_h - c->pad_top;
            for (uint32_t ox = 0; ox < c->out_w; ox++, t++) {
                const int64_t x0 = (int64_t)ox * c->stride_w - c->pad_left;
                sm_rng_t r = sm_rng_stream(pr->seed, pj, t);
                for (uint32_t i = 0; i < in_g; i++) {
                    const float *k = k_oc + i * taps;
                    const uint32_t plane = (ic0 + i) * c->in_h;
                    for (uint32_t ky = 0; ky < c->k_h; ky++) {
                        int64_t y = y0 + (int64_t)ky * c->dil_h;
                        if (y < 0 || y >= c->in_h)
                            continue;
                        const uint32_t row = (plane + (uint32_t)y) * c->in_w;
                        for (uint32_t kx = 0; kx < c->k_w; kx++) {
                            int64_t x = x0 + (int64_t)kx * c->dil_w;
                            float w = k[ky * c->k_w + kx];
                            if (x < 0 || x >= c->in_w || w == 0.0f)
                                continue;
                            if (fn(ctx, row + (uint32_t)x, t, w, s_delay(dr, &r)))
                                return -1;
                        }
                    }
                }
            }
        }
    }
    return 0;
}

/* The nearest image of an offset on a circle of length e: [-e/2, e/2). */
static inline double s_wrap(double d, double e)
{
    return e > 0 ? d - e * floor(d / e + 0.5) : d;
}

typedef struct {
    uint32_t a, b;  /* indices [a, b) */
} s_run_t;

/* Source indices i < n along one axis (positions o + i * step) whose offset
 * from the target's position t may lie in [lo, hi]: at most three ascending,
 * disjoint runs (one per periodic image). Each run is one index wider at
 * both ends than the arithmetic says, so that rounding never loses a source;
 * the exact test per pair follows. */
static uint32_t s_axis_runs(double t, double o, double step, uint32_t n, double lo,
                            double hi, double e, s_run_t run[3])
{
    int k0 = 0, k1 = 0;
    if (e > 0) {
        lo = fmax(lo, -e / 2);
        hi = fmin(hi, e / 2);
        k0 = -1;
        k1 = 1;
    }
    uint32_t m = 0;
    if (lo > hi)
        return 0;
    for (int k = k0; k <= k1; k++) {
        double a = ceil((t - o + k * e - hi) / step) - 1;
        double b = floor((t - o + k * e - lo) / step) + 1;
        if (a < 0)
            a = 0;
        if (b > n - 1.0)
            b = n - 1.0;
        if (a > b)
            continue;
        s_run_t r = {(uint32_t)a, (uint32_t)b + 1};
        if (m && run[m - 1].b >= r.a) {
            if (r.b > run[m - 1].b)
                run[m - 1].b = r.b;
        } else {
            run[m++] = r;
        }
    }
    return m;
}

static int s_gen_distance(const sm_proj_t *pr, uint32_t pj, const s_draws_t *dr, bool no_self,
                          sm_syn_fn fn, void *ctx)
{
    const sm_distance_t *d = &pr->dist;
    const sm_grid2d_t *sg = &d->src, *tg = &d->dst;
    const bool circle = d->mask == SM_MASK_CIRCLE;
    const double rlo = circle ? -d->radius : d->row_lo, rhi = circle ? d->radius : d->row_hi;
    const double clo = circle ? -d->radius : d->col_lo, chi = circle ? d->radius : d->col_hi;
    const double r2 = d->radius * d->radius;
    const double er = d->periodic ? d->extent_rows : 0, ec = d->periodic ? d->extent_cols : 0;
    const bool draw = pr->p < 1 || d->sigma > 0;
    const double inv_2s2 = d->sigma > 0 ? 1.0 / (2.0 * d->sigma * d->sigma) : 0;
    if (!(pr->p > 0))
        return 0;
    uint32_t t = 0;
    for (uint32_t tr = 0; tr < tg->rows; tr++) {
        const double ty = tg->row0 + tr * tg->row_step;
        s_run_t rows[3];
        const uint32_t nr = s_axis_runs(ty, sg->row0, sg->row_step, sg->rows, rlo, rhi, er, rows);
        for (uint32_t tc = 0; tc < tg->cols; tc++, t++) {
            const double tx = tg->col0 + tc * tg->col_step;
            s_run_t cols[3];
            const uint32_t nc = s_axis_runs(tx, sg->col0, sg->col_step, sg->cols, clo, chi, ec, cols);
            sm_rng_t r = sm_rng_stream(pr->seed, pj, t);
            for (uint32_t a = 0; a < nr; a++) {
                for (uint32_t sr = rows[a].a; sr < rows[a].b; sr++) {
                    const double dy = s_wrap(ty - (sg->row0 + sr * sg->row_step), er);
                    if (dy < rlo || dy > rhi)
                        continue;
                    for (uint32_t b = 0; b < nc; b++) {
                        for (uint32_t sc = cols[b].a; sc < cols[b].b; sc++) {
                            const double dx = s_wrap(tx - (sg->col0 + sc * sg->col_step), ec);
                            const double dd = dy * dy + dx * dx;
                            const uint32_t s = sr * sg->cols + sc;
                            if (dx < clo || dx > chi || (circle && dd > r2) || (no_self && s == t))
                                continue;
                            if (draw && !(sm_rng_uniform(&r) < pr->p * exp(-dd * inv_2s2)))
                                continue;
                            float w = s_weight(dr, &r);
                            if (fn(ctx, s, t, w, s_delay(dr, &r)))
                                return -1;
                        }
                    }
                }
            }
        }
    }
    return 0;
}

static uint32_t s_proj_index(const sm_net_t *net, const sm_proj_t *pr)
{
    for (uint32_t j = 0; j < net->n_projs; j++)
        if (&net->projs[j] == pr)
            return j;
    return net->n_projs;
}

/* A projection whose weight and delay draw nothing: every synapse has
 * weight w and delay d. */
static bool s_constant(const s_draws_t *dr, float *w, uint32_t *d)
{
    if (dr->w.kind != SM_DIST_CONST || dr->d_span > 1)
        return false;
    *w = (float)dr->w.a;
    *d = dr->d_lo;
    return true;
}

/* Moves candidate *c (of m) on to the next source a fixed_probability
 * projection draws, by a geometric gap (every candidate when `every`): a
 * cost per synapse, not per candidate pair. False when none is left. */
static inline bool s_next_source(sm_rng_t *r, bool every, double inv_lq, uint64_t m, uint64_t *c)
{
    if (!every) {
        double g = floor(log1p(-sm_rng_uniform(r)) * inv_lq);
        if (g >= (double)(m - *c))
            return false;
        *c += (uint64_t)g;
    }
    return *c < m;
}

/* Connectivity whose synapses s_gen_runs gives a target at a time, each
 * target from its own stream. */
static bool s_by_target(const sm_proj_t *pr)
{
    return pr->conn == SM_CONN_ALL_TO_ALL || (pr->conn == SM_CONN_FIXED_PROB && pr->p > 0);
}

/* The runs of a constant all_to_all or fixed_probability projection: the
 * same sources, from the same draws, as the loops below. */
static int s_gen_runs(const sm_proj_t *pr, uint32_t pj, uint32_t n_src, uint32_t t0, uint32_t t1,
                      bool no_self, float w, uint32_t d, uint32_t *buf, sm_syn_run_fn run,
                      void *ctx)
{
    const bool every = pr->conn == SM_CONN_ALL_TO_ALL || pr->p >= 1.0;
    const double inv_lq = every ? 0.0 : 1.0 / log1p(-pr->p);
    for (uint32_t t = t0; t < t1; t++) {
        sm_rng_t r = sm_rng_stream(pr->seed, pj, t);
        const uint64_t m = no_self && t < n_src ? n_src - 1u : n_src;
        uint32_t n = 0;
        for (uint64_t c = 0; s_next_source(&r, every, inv_lq, m, &c); c++) {
            uint32_t s = (uint32_t)c;
            if (no_self && t < n_src && s >= t)
                s++;
            buf[n++] = s;
        }
        if (n && run(ctx, t, buf, n, w, d))
            return -1;
    }
    return 0;
}

static int s_generate(const sm_net_t *net, const sm_proj_t *pr, sm_syn_fn fn, sm_syn_run_fn run,
                      void *ctx)
{
    const uint32_t n_src = net->pops[pr->src_pop].size;
    const uint32_t n_dst = net->pops[pr->dst_pop].size;
    const bool no_self = pr->src_pop == pr->dst_pop && !pr->allow_self;
    const uint32_t pj = s_proj_index(net, pr);
    s_draws_t dr;
    s_draws_init(&dr, pr);
    float cw = 0.0f;
    uint32_t cd = 0;
    if (run && !s_constant(&dr, &cw, &cd))
        run = NULL;
    if (run && s_by_target(pr)) {
        uint32_t *buf = malloc(((size_t)n_src + 1) * sizeof *buf);
        if (buf) {
            int rc = s_gen_runs(pr, pj, n_src, 0, n_dst, no_self, cw, cd, buf, run, ctx);
            free(buf);
            return rc;
        }
        run = NULL; /* synapse by synapse then */
    }

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
            for (uint64_t c = 0; s_next_source(&r, every, inv_lq, m, &c); c++) {
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
            if (run) {
                for (uint32_t i = 0; skip && i < k; i++)
                    smp.chosen[i] += smp.chosen[i] >= t;
                if (run(ctx, t, smp.chosen, k, cw, cd))
                    rc = -1;
                continue;
            }
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

    case SM_CONN_CONV2D:
        return s_gen_conv2d(pr, pj, &dr, fn, ctx);

    case SM_CONN_DISTANCE:
        return s_gen_distance(pr, pj, &dr, no_self, fn, ctx);
    }
    return 0;
}

int sm_proj_generate(const sm_net_t *net, const sm_proj_t *pr, sm_syn_fn fn, void *ctx)
{
    return s_generate(net, pr, fn, NULL, ctx);
}

int sm_proj_generate_runs(const sm_net_t *net, const sm_proj_t *pr, sm_syn_fn fn,
                          sm_syn_run_fn run, void *ctx)
{
    return s_generate(net, pr, fn, run, ctx);
}

bool sm_proj_runs_by_target(const sm_proj_t *pr)
{
    s_draws_t dr;
    s_draws_init(&dr, pr);
    float cw;
    uint32_t cd;
    return s_constant(&dr, &cw, &cd) && s_by_target(pr);
}

int sm_proj_generate_target_runs(const sm_net_t *net, const sm_proj_t *pr, uint32_t t0, uint32_t t1,
                                 sm_syn_run_fn run, void *ctx)
{
    const uint32_t n_src = net->pops[pr->src_pop].size;
    const uint32_t n_dst = net->pops[pr->dst_pop].size;
    s_draws_t dr;
    s_draws_init(&dr, pr);
    float cw = 0.0f;
    uint32_t cd = 0;
    if (!s_constant(&dr, &cw, &cd) || !s_by_target(pr) || t1 > n_dst || t0 > t1)
        return 1;
    uint32_t *buf = malloc(((size_t)n_src + 1) * sizeof *buf);
    if (!buf)
        return 1;
    const bool no_self = pr->src_pop == pr->dst_pop && !pr->allow_self;
    int rc = s_gen_runs(pr, s_proj_index(net, pr), n_src, t0, t1, no_self, cw, cd, buf, run, ctx);
    free(buf);
    return rc;
}
