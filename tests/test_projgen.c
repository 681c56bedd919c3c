/* Projection expansion (sm_proj_generate) and staging (sm_net_finish) on
 * networks built by hand. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "rng.h"

typedef struct {
    uint32_t src, dst, delay;
    float w;
} syn_t;

typedef struct {
    syn_t *s;
    size_t n, cap;
    size_t stop_after;   /* 0: never stop */
} coll_t;

static int collect(void *ctx, uint32_t src, uint32_t dst, float w, uint32_t delay)
{
    coll_t *c = ctx;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 1024;
        c->s = realloc(c->s, c->cap * sizeof *c->s);
        cr_assert_not_null(c->s);
    }
    c->s[c->n++] = (syn_t){src, dst, delay, w};
    return c->stop_after && c->n >= c->stop_after;
}

static int add_pop(sm_net_t *net, const char *name, uint32_t size)
{
    sm_pop_t p;
    memset(&p, 0, sizeof p);
    snprintf(p.name, sizeof p.name, "%s", name);
    p.size = size;
    p.kind = SM_POP_NEURONS;
    int i = sm_net_add_pop(net, &p);
    cr_assert_geq(i, 0);
    return i;
}

static sm_proj_t proj(uint32_t s, uint32_t t, sm_conn_kind_t kind)
{
    sm_proj_t pr;
    memset(&pr, 0, sizeof pr);
    pr.src_pop = s;
    pr.dst_pop = t;
    pr.conn = kind;
    pr.weight.a = 1.0;
    pr.delay.a = 1;
    pr.seed = 1234;
    return pr;
}

static coll_t gen(sm_net_t *net, uint32_t j)
{
    coll_t c = {0};
    cr_assert_eq(sm_proj_generate(net, &net->projs[j], collect, &c), 0);
    return c;
}

/* Generation order is by target, then source. */
static void assert_sorted(const coll_t *c)
{
    for (size_t i = 1; i < c->n; i++) {
        const syn_t *a = &c->s[i - 1], *b = &c->s[i];
        cr_assert(a->dst < b->dst || (a->dst == b->dst && a->src < b->src),
                  "synapse %zu (%u->%u) out of order after (%u->%u)", i, b->src, b->dst,
                  a->src, a->dst);
    }
}

Test(projgen, all_to_all_counts)
{
    sm_net_t *net = sm_net_new();
    add_pop(net, "a", 30);
    add_pop(net, "b", 40);
    sm_proj_t pr = proj(0, 1, SM_CONN_ALL_TO_ALL);
    sm_net_add_proj(net, &pr);
    pr = proj(1, 1, SM_CONN_ALL_TO_ALL);
    sm_net_add_proj(net, &pr);
    pr.allow_self = true;
    sm_net_add_proj(net, &pr);
    cr_assert_eq(net->n_neurons, 70);
    cr_assert_eq(net->pops[1].first, 30);

    coll_t c = gen(net, 0);
    cr_assert_eq(c.n, 1200);
    assert_sorted(&c);
    cr_assert_eq(c.s[0].w, 1.0f);
    cr_assert_eq(c.s[0].delay, 1);
    free(c.s);

    c = gen(net, 1);
    cr_assert_eq(c.n, 40 * 39);
    for (size_t i = 0; i < c.n; i++)
        cr_assert_neq(c.s[i].src, c.s[i].dst);
    assert_sorted(&c);
    free(c.s);

    c = gen(net, 2);
    cr_assert_eq(c.n, 1600);
    free(c.s);
    sm_net_destroy(&net);
    cr_assert_null(net);
}

Test(projgen, one_to_one)
{
    sm_net_t *net = sm_net_new();
    add_pop(net, "a", 100);
    add_pop(net, "b", 100);
    sm_proj_t pr = proj(0, 1, SM_CONN_ONE_TO_ONE);
    sm_net_add_proj(net, &pr);
    coll_t c = gen(net, 0);
    cr_assert_eq(c.n, 100);
    for (uint32_t i = 0; i < 100; i++) {
        cr_assert_eq(c.s[i].src, i);
        cr_assert_eq(c.s[i].dst, i);
    }
    free(c.s);
    sm_net_destroy(&net);
}

Test(projgen, fixed_probability_count)
{
    sm_net_t *net = sm_net_new();
    add_pop(net, "a", 1000);
    add_pop(net, "b", 1000);
    sm_proj_t pr = proj(0, 1, SM_CONN_FIXED_PROB);
    pr.p = 0.1;
    sm_net_add_proj(net, &pr);
    pr = proj(1, 1, SM_CONN_FIXED_PROB);
    pr.p = 0.1;
    sm_net_add_proj(net, &pr);

    /* Binomial(1e6, 0.1): mean 1e5, sd 300; 6 sd either side. */
    coll_t c = gen(net, 0);
    cr_assert(c.n > 100000 - 1800 && c.n < 100000 + 1800, "got %zu synapses", c.n);
    assert_sorted(&c);
    /* Every target gets about 100 (sd 9.5): none absurdly far off. */
    size_t per[1000] = {0};
    for (size_t i = 0; i < c.n; i++)
        per[c.s[i].dst]++;
    for (int t = 0; t < 1000; t++)
        cr_assert(per[t] > 40 && per[t] < 170, "target %d got %zu", t, per[t]);
    free(c.s);

    c = gen(net, 1);
    cr_assert(c.n > 99900 - 1800 && c.n < 99900 + 1800, "got %zu synapses", c.n);
    for (size_t i = 0; i < c.n; i++)
        cr_assert_neq(c.s[i].src, c.s[i].dst);
    assert_sorted(&c);
    free(c.s);
    sm_net_destroy(&net);
}

Test(projgen, fixed_probability_edges)
{
    sm_net_t *net = sm_net_new();
    add_pop(net, "a", 50);
    add_pop(net, "b", 60);
    sm_proj_t pr = proj(0, 1, SM_CONN_FIXED_PROB);
    pr.p = 1.0;
    sm_net_add_proj(net, &pr);
    pr.p = 0.0;
    sm_net_add_proj(net, &pr);
    coll_t c = gen(net, 0);
    cr_assert_eq(c.n, 3000);
    assert_sorted(&c);
    free(c.s);
    c = gen(net, 1);
    cr_assert_eq(c.n, 0);
    free(c.s);
    sm_net_destroy(&net);
}

static void check_fan_in(uint32_t n_src, uint32_t n_dst, uint32_t k, bool same)
{
    sm_net_t *net = sm_net_new();
    add_pop(net, "a", n_src);
    if (!same)
        add_pop(net, "b", n_dst);
    sm_proj_t pr = proj(0, same ? 0 : 1, SM_CONN_FIXED_FAN_IN);
    pr.k = k;
    sm_net_add_proj(net, &pr);
    coll_t c = gen(net, 0);
    cr_assert_eq(c.n, (size_t)n_dst * k, "n=%zu", c.n);
    assert_sorted(&c);  /* strictly increasing sources: distinct */
    for (size_t i = 0; i < c.n; i++) {
        cr_assert_eq(c.s[i].dst, i / k);
        cr_assert_lt(c.s[i].src, n_src);
        if (same)
            cr_assert_neq(c.s[i].src, c.s[i].dst);
    }
    free(c.s);
    sm_net_destroy(&net);
}

Test(projgen, fixed_fan_in_exactly_k_distinct)
{
    check_fan_in(1000, 500, 10, false);   /* sparse choice */
    check_fan_in(1000, 50, 900, false);   /* dense choice */
    check_fan_in(100, 100, 99, true);     /* all but self */
    check_fan_in(300, 300, 20, true);
    check_fan_in(64, 3, 64, false);
}

Test(projgen, fixed_fan_in_uniform_sources)
{
    /* Each source is chosen with probability k / n: 2000 targets x 5 of 100
     * gives each source ~100 picks (sd ~9.7). */
    sm_net_t *net = sm_net_new();
    add_pop(net, "a", 100);
    add_pop(net, "b", 2000);
    sm_proj_t pr = proj(0, 1, SM_CONN_FIXED_FAN_IN);
    pr.k = 5;
    sm_net_add_proj(net, &pr);
    coll_t c = gen(net, 0);
    size_t hits[100] = {0};
    for (size_t i = 0; i < c.n; i++)
        hits[c.s[i].src]++;
    for (int s = 0; s < 100; s++)
        cr_assert(hits[s] > 50 && hits[s] < 150, "source %d picked %zu times", s, hits[s]);
    free(c.s);
    sm_net_destroy(&net);
}

static coll_t gen_seeded(uint64_t seed)
{
    sm_net_t *net = sm_net_new();
    add_pop(net, "a", 300);
    add_pop(net, "b", 200);
    sm_proj_t pr = proj(0, 1, SM_CONN_FIXED_PROB);
    pr.p = 0.2;
    pr.seed = seed;
    pr.weight.kind = SM_DIST_NORMAL;
    pr.weight.a = 1;
    pr.weight.b = 0.5;
    pr.delay.kind = SM_DIST_UNIFORM;
    pr.delay.a = 1;
    pr.delay.b = 9;
    sm_net_add_proj(net, &pr);
    pr.conn = SM_CONN_FIXED_FAN_IN;
    pr.k = 17;
    sm_net_add_proj(net, &pr);
    coll_t c = gen(net, 0);
    coll_t d = gen(net, 1);
    c.s = realloc(c.s, (c.n + d.n) * sizeof *c.s);
    memcpy(c.s + c.n, d.s, d.n * sizeof *d.s);
    c.n += d.n;
    free(d.s);
    sm_net_destroy(&net);
    return c;
}

Test(projgen, deterministic)
{
    coll_t a = gen_seeded(7), b = gen_seeded(7), c = gen_seeded(8);
    cr_assert_eq(a.n, b.n);
    cr_assert(!memcmp(a.s, b.s, a.n * sizeof *a.s), "same seed, different synapses");
    cr_assert(a.n != c.n || memcmp(a.s, c.s, a.n * sizeof *a.s), "different seeds, same synapses");
    free(a.s);
    free(b.s);
    free(c.s);
}

Test(projgen, same_synapses_whatever_the_other_projections)
{
    /* A projection's synapses depend on its own index and the seed, not on
     * having generated others first. */
    sm_net_t *net = sm_net_new();
    add_pop(net, "a", 200);
    add_pop(net, "b", 200);
    sm_proj_t pr = proj(0, 1, SM_CONN_FIXED_PROB);
    pr.p = 0.3;
    sm_net_add_proj(net, &pr);
    sm_net_add_proj(net, &pr);
    coll_t x = gen(net, 1);
    coll_t y = gen(net, 0);
    coll_t z = gen(net, 1);
    cr_assert_eq(x.n, z.n);
    cr_assert(!memcmp(x.s, z.s, x.n * sizeof *x.s));
    cr_assert(x.n != y.n || memcmp(x.s, y.s, x.n * sizeof *x.s),
              "two projections with the same description must still differ");
    free(x.s);
    free(y.s);
    free(z.s);
    sm_net_destroy(&net);
}

static void moments(const coll_t *c, double *mean, double *sd)
{
    double s = 0, s2 = 0;
    for (size_t i = 0; i < c->n; i++) {
        s += c->s[i].w;
        s2 += (double)c->s[i].w * c->s[i].w;
    }
    *mean = s / (double)c->n;
    *sd = sqrt(s2 / (double)c->n - *mean * *mean);
}

Test(projgen, weight_distributions)
{
    sm_net_t *net = sm_net_new();
    add_pop(net, "a", 400);
    add_pop(net, "b", 500);
    sm_proj_t pr = proj(0, 1, SM_CONN_ALL_TO_ALL);
    pr.weight.kind = SM_DIST_UNIFORM;
    pr.weight.a = 1;
    pr.weight.b = 3;
    sm_net_add_proj(net, &pr);
    pr.weight.kind = SM_DIST_NORMAL;
    pr.weight.a = 5;
    pr.weight.b = 2;
    sm_net_add_proj(net, &pr);
    pr.weight.has_bounds = true;
    pr.weight.lo = 4;
    pr.weight.hi = 6;
    sm_net_add_proj(net, &pr);
    pr.weight.kind = SM_DIST_CONST;
    pr.weight.a = -0.5;  /* inhibitory weights keep their sign */
    pr.port = SM_PORT_INH;
    pr.delay.kind = SM_DIST_UNIFORM;
    pr.delay.a = 2;
    pr.delay.b = 6;
    sm_net_add_proj(net, &pr);
    cr_assert_eq(sm_net_finish(net, NULL), 0);

    double m, sd;
    coll_t c = gen(net, 0);
    moments(&c, &m, &sd);
    cr_assert(fabs(m - 2.0) < 0.01, "uniform mean %g", m);
    cr_assert(fabs(sd - 2.0 / sqrt(12.0)) < 0.01, "uniform sd %g", sd);
    for (size_t i = 0; i < c.n; i++)
        cr_assert(c.s[i].w >= 1.0f && c.s[i].w <= 3.0f);
    free(c.s);

    c = gen(net, 1);
    moments(&c, &m, &sd);
    cr_assert(fabs(m - 5.0) < 0.02, "normal mean %g", m);
    cr_assert(fabs(sd - 2.0) < 0.02, "normal sd %g", sd);
    free(c.s);

    c = gen(net, 2);
    moments(&c, &m, &sd);
    for (size_t i = 0; i < c.n; i++)
        cr_assert(c.s[i].w >= 4.0f && c.s[i].w <= 6.0f, "bounded draw %g", c.s[i].w);
    cr_assert(fabs(m - 5.0) < 0.02, "bounded normal mean %g", m);
    free(c.s);

    c = gen(net, 3);
    size_t hist[8] = {0};
    for (size_t i = 0; i < c.n; i++) {
        cr_assert_eq(c.s[i].w, -0.5f);
        cr_assert(c.s[i].delay >= 2 && c.s[i].delay <= 6, "delay %u", c.s[i].delay);
        hist[c.s[i].delay]++;
    }
    for (int d = 2; d <= 6; d++)
        cr_assert(hist[d] > c.n / 5 - 2000 && hist[d] < c.n / 5 + 2000, "delay %d: %zu", d, hist[d]);
    cr_assert_eq(net->projs[3].min_delay, 2);
    cr_assert_eq(net->projs[3].max_delay, 6);
    free(c.s);
    sm_net_destroy(&net);
}

Test(projgen, list_and_matrix)
{
    sm_net_t *net = sm_net_new();
    add_pop(net, "a", 3);
    add_pop(net, "b", 2);
    sm_proj_t pr = proj(0, 1, SM_CONN_LIST);
    pr.n_list = 3;
    pr.l_src = malloc(3 * sizeof(uint32_t));
    pr.l_dst = malloc(3 * sizeof(uint32_t));
    pr.l_delay = malloc(3 * sizeof(uint32_t));
    pr.l_weight = malloc(3 * sizeof(float));
    uint32_t s[] = {2, 0, 1}, d[] = {1, 0, 1}, dl[] = {4, 0, 2};
    float w[] = {0.5f, -1.0f, 2.0f};
    memcpy(pr.l_src, s, sizeof s);
    memcpy(pr.l_dst, d, sizeof d);
    memcpy(pr.l_delay, dl, sizeof dl);
    memcpy(pr.l_weight, w, sizeof w);
    sm_net_add_proj(net, &pr);

    pr = proj(0, 1, SM_CONN_MATRIX);
    float m[] = {0, 1.5f, 0, /* target 0 */ 2.5f, 0, -3.0f /* target 1 */};
    pr.matrix = malloc(sizeof m);
    memcpy(pr.matrix, m, sizeof m);
    pr.matrix_delay = 3;
    sm_net_add_proj(net, &pr);
    cr_assert_eq(sm_net_finish(net, NULL), 0);
    cr_assert_eq(net->projs[0].min_delay, 0);
    cr_assert_eq(net->projs[0].max_delay, 4);
    cr_assert_eq(net->projs[1].min_delay, 3);
    cr_assert_eq(net->pops[1].stage, 1);
    cr_assert_eq(net->n_stages, 2);

    coll_t c = gen(net, 0);
    cr_assert_eq(c.n, 3);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(c.s[i].src, s[i]);
        cr_assert_eq(c.s[i].dst, d[i]);
        cr_assert_eq(c.s[i].delay, dl[i]);
        cr_assert_eq(c.s[i].w, w[i]);
    }
    free(c.s);

    c = gen(net, 1);
    cr_assert_eq(c.n, 3);
    cr_assert(c.s[0].src == 1 && c.s[0].dst == 0 && c.s[0].w == 1.5f && c.s[0].delay == 3);
    cr_assert(c.s[1].src == 0 && c.s[1].dst == 1 && c.s[1].w == 2.5f);
    cr_assert(c.s[2].src == 2 && c.s[2].dst == 1 && c.s[2].w == -3.0f);
    free(c.s);
    sm_net_destroy(&net);
}

Test(projgen, callback_stops)
{
    sm_net_t *net = sm_net_new();
    add_pop(net, "a", 10);
    add_pop(net, "b", 10);
    sm_proj_t pr = proj(0, 1, SM_CONN_FIXED_FAN_IN);
    pr.k = 3;
    sm_net_add_proj(net, &pr);
    coll_t c = {.stop_after = 5};
    cr_assert_eq(sm_proj_generate(net, &net->projs[0], collect, &c), -1);
    cr_assert_eq(c.n, 5);
    free(c.s);
    sm_net_destroy(&net);
}

/* ------------------------------------------------------------- staging */

static sm_net_t *chain(const char *edges, uint32_t n_pops)
{
    sm_net_t *net = sm_net_new();
    const char *names[] = {"a", "b", "c", "d", "e"};
    for (uint32_t i = 0; i < n_pops; i++)
        add_pop(net, names[i], 4);
    /* edges: "ab0 bc1" = a->b delay 0, b->c delay 1 */
    for (const char *e = edges; *e; e += e[3] ? 4 : 3) {
        sm_proj_t pr = proj((uint32_t)(e[0] - 'a'), (uint32_t)(e[1] - 'a'), SM_CONN_ALL_TO_ALL);
        pr.delay.a = e[2] - '0';
        sm_net_add_proj(net, &pr);
        if (!e[3])
            break;
    }
    return net;
}

Test(projgen, stages_longest_path)
{
    sm_net_t *net = chain("ab0 bc0 ac0 cd1 ad0", 5);
    sm_error_t err = {0};
    cr_assert_eq(sm_net_finish(net, &err), 0, "%s", err.msg);
    cr_assert_eq(net->pops[0].stage, 0);
    cr_assert_eq(net->pops[1].stage, 1);
    cr_assert_eq(net->pops[2].stage, 2);
    cr_assert_eq(net->pops[3].stage, 1);
    cr_assert_eq(net->pops[4].stage, 0);
    cr_assert_eq(net->n_stages, 3);
    cr_assert_eq(net->projs[3].min_delay, 1);
    sm_net_destroy(&net);
}

Test(projgen, delay0_cycle_named)
{
    sm_error_t err = {0};
    sm_net_t *net = chain("ab0 ba0", 2);
    cr_assert_eq(sm_net_finish(net, &err), -1);
    cr_assert_eq(err.code, SM_ECYCLE);
    cr_assert(strstr(err.msg, "projections: delay-0 cycle a -> b -> a"), "%s", err.msg);
    sm_net_destroy(&net);

    net = chain("ab1 bc0 cd0 db0", 4);
    cr_assert_eq(sm_net_finish(net, &err), -1);
    cr_assert(strstr(err.msg, "delay-0 cycle b -> c -> d -> b"), "%s", err.msg);
    cr_assert(strstr(err.msg, "projections[1], projections[2], projections[3]"), "%s", err.msg);
    sm_net_destroy(&net);

    net = chain("aa0", 1);
    cr_assert_eq(sm_net_finish(net, &err), -1);
    cr_assert(strstr(err.msg, "delay-0 cycle a -> a"), "%s", err.msg);
    sm_net_destroy(&net);

    /* The same loop with one delayed link is fine. */
    net = chain("ab0 ba1 aa1", 2);
    cr_assert_eq(sm_net_finish(net, &err), 0, "%s", err.msg);
    cr_assert_eq(net->n_stages, 2);
    sm_net_destroy(&net);
}

Test(projgen, empty_list_adds_no_same_tick_edge)
{
    sm_net_t *net = sm_net_new();
    add_pop(net, "a", 2);
    sm_proj_t pr = proj(0, 0, SM_CONN_LIST);
    sm_net_add_proj(net, &pr);
    cr_assert_eq(sm_net_finish(net, NULL), 0);
    cr_assert_eq(net->n_stages, 1);
    sm_net_destroy(&net);
}

/* ------------------------------------------------------- conv2d, distance */

/* Dense [dst][src] weights of a generated projection; each pair at most once. */
static float *dense(const coll_t *c, uint32_t n_src, uint32_t n_dst)
{
    float *m = calloc((size_t)n_src * n_dst, sizeof *m);
    unsigned char *seen = calloc((size_t)n_src * n_dst, 1);
    cr_assert(m && seen);
    for (size_t i = 0; i < c->n; i++) {
        size_t at = (size_t)c->s[i].dst * n_src + c->s[i].src;
        cr_assert(c->s[i].src < n_src && c->s[i].dst < n_dst, "synapse %zu out of range", i);
        cr_assert(!seen[at], "pair %u -> %u made twice", c->s[i].src, c->s[i].dst);
        seen[at] = 1;
        m[at] = c->s[i].w;
    }
    free(seen);
    return m;
}

typedef struct {
    uint32_t c, h, w, oc, k_h, k_w, s_h, s_w, d_h, d_w, p_h, p_w, groups;
} conv_case_t;

/* The output size written out as PyTorch documents it. */
static uint32_t torch_out(uint32_t in, uint32_t pad, uint32_t dil, uint32_t k, uint32_t stride)
{
    int64_t num = (int64_t)in + 2 * (int64_t)pad - (int64_t)dil * (k - 1) - 1;
    return num < 0 ? 0 : (uint32_t)(num / stride + 1);
}

/* One conv2d projection against the convolution computed here, tap by tap
 * from the output side, and against a numeric convolution of a random
 * input. */
static void check_conv(const conv_case_t *k, uint64_t seed)
{
    const uint32_t oh = torch_out(k->h, k->p_h, k->d_h, k->k_h, k->s_h);
    const uint32_t ow = torch_out(k->w, k->p_w, k->d_w, k->k_w, k->s_w);
    cr_assert(oh && ow);
    cr_assert_eq(sm_conv_out_size(k->h, k->p_h, k->p_h, k->d_h, k->k_h, k->s_h), oh);
    const uint32_t in_g = k->c / k->groups, out_g = k->oc / k->groups;
    const uint32_t n_src = k->c * k->h * k->w, n_dst = k->oc * oh * ow;
    const size_t nk = (size_t)k->oc * in_g * k->k_h * k->k_w;
    float *kern = malloc(nk * sizeof *kern);
    sm_rng_t r = sm_rng_stream(seed, 1, 2);
    for (size_t i = 0; i < nk; i++)
        kern[i] = sm_rng_below(&r, 5) == 0 ? 0.0f : (float)(sm_rng_uniform(&r) * 2 - 1);

    sm_net_t *net = sm_net_new();
    add_pop(net, "in", n_src);
    add_pop(net, "out", n_dst);
    sm_proj_t pr = proj(0, 1, SM_CONN_CONV2D);
    pr.conv = (sm_conv2d_t){k->c, k->h, k->w, k->oc, oh, ow, k->k_h, k->k_w, k->s_h, k->s_w,
                            k->d_h, k->d_w, k->p_h, k->p_h, k->p_w, k->p_w, k->groups, kern};
    sm_error_t err;
    cr_assert_eq(sm_proj_check(net, &pr, &err), 0, "%s", err.msg);
    cr_assert_eq(sm_net_add_proj(net, &pr), 0);
    coll_t c = gen(net, 0);
    assert_sorted(&c);
    cr_assert_leq((double)c.n, sm_proj_max_synapses(net, &net->projs[0]));
    float *got = dense(&c, n_src, n_dst);

    float *want = calloc((size_t)n_src * n_dst, sizeof *want);
    double *x = malloc(n_src * sizeof *x), *y = calloc(n_dst, sizeof *y);
    size_t n_want = 0;
    for (uint32_t i = 0; i < n_src; i++)
        x[i] = sm_rng_uniform(&r);
    for (uint32_t o = 0; o < k->oc; o++)
        for (uint32_t oy = 0; oy < oh; oy++)
            for (uint32_t ox = 0; ox < ow; ox++) {
                uint32_t t = (o * oh + oy) * ow + ox;
                for (uint32_t i = 0; i < in_g; i++)
                    for (uint32_t ky = 0; ky < k->k_h; ky++)
                        for (uint32_t kx = 0; kx < k->k_w; kx++) {
                            int64_t iy = (int64_t)oy * k->s_h - k->p_h + (int64_t)ky * k->d_h;
                            int64_t ix = (int64_t)ox * k->s_w - k->p_w + (int64_t)kx * k->d_w;
                            if (iy < 0 || ix < 0 || iy >= k->h || ix >= k->w)
                                continue;
                            uint32_t ic = o / out_g * in_g + i;
                            uint32_t s = (uint32_t)((ic * k->h + iy) * k->w + ix);
                            float wv = kern[((o * in_g + i) * k->k_h + ky) * k->k_w + kx];
                            y[t] += wv * x[s];
                            if (wv != 0.0f) {
                                want[(size_t)t * n_src + s] = wv;
                                n_want++;
                            }
                        }
            }
    cr_assert_eq(c.n, n_want, "%zu synapses, expected %zu", c.n, n_want);
    cr_assert(!memcmp(got, want, (size_t)n_src * n_dst * sizeof *got),
              "synapses differ from the direct convolution");
    /* The network's input sum equals the convolution. */
    double *z = calloc(n_dst, sizeof *z);
    for (size_t i = 0; i < c.n; i++)
        z[c.s[i].dst] += c.s[i].w * x[c.s[i].src];
    for (uint32_t t = 0; t < n_dst; t++)
        cr_assert(fabs(z[t] - y[t]) < 1e-9, "target %u: %g, convolution %g", t, z[t], y[t]);
    for (size_t i = 0; i < c.n; i++)
        cr_assert_eq(c.s[i].delay, 1);
    free(z);
    free(x);
    free(y);
    free(want);
    free(got);
    free(c.s);
    sm_net_destroy(&net);
}

Test(projgen, conv2d_matches_a_direct_convolution)
{
    /* Fixed cases first: PyTorch's sizes for the usual settings. */
    const conv_case_t fixed[] = {
        {1, 32, 32, 1, 3, 3, 1, 1, 1, 1, 0, 0, 1},  /* the example's layers        */
        {3, 7, 9, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1},    /* stride 2, padding 1         */
        {4, 8, 8, 6, 3, 2, 1, 2, 2, 1, 2, 0, 2},    /* dilation, groups            */
        {4, 5, 5, 4, 1, 1, 1, 1, 1, 1, 0, 0, 4},    /* depthwise 1 x 1             */
        {2, 4, 6, 2, 5, 5, 3, 1, 1, 2, 3, 4, 1},    /* padding larger than half    */
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        check_conv(&fixed[i], 100 + i);
    /* Then random small shapes. */
    int done = 0;
    for (uint64_t seed = 0; done < 60; seed++) {
        sm_rng_t r = sm_rng_stream(seed, 7, 7);
        uint32_t g = 1 + sm_rng_below(&r, 3);
        conv_case_t k = {g * (1 + sm_rng_below(&r, 3)), 1 + sm_rng_below(&r, 9),
                         1 + sm_rng_below(&r, 9), g * (1 + sm_rng_below(&r, 3)),
                         1 + sm_rng_below(&r, 4), 1 + sm_rng_below(&r, 4),
                         1 + sm_rng_below(&r, 3), 1 + sm_rng_below(&r, 3),
                         1 + sm_rng_below(&r, 3), 1 + sm_rng_below(&r, 3),
                         sm_rng_below(&r, 3), sm_rng_below(&r, 3), g};
        if (!torch_out(k.h, k.p_h, k.d_h, k.k_h, k.s_h) ||
            !torch_out(k.w, k.p_w, k.d_w, k.k_w, k.s_w))
            continue;
        check_conv(&k, seed);
        done++;
    }
}

Test(projgen, conv2d_refuses_a_target_of_the_wrong_size)
{
    sm_net_t *net = sm_net_new();
    add_pop(net, "in", 2 * 10 * 10);
    add_pop(net, "out", 3 * 8 * 8);
    float kern[3 * 2 * 3 * 3] = {0};
    sm_proj_t pr = proj(0, 1, SM_CONN_CONV2D);
    pr.conv = (sm_conv2d_t){2, 10, 10, 3, 8, 8, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1, kern};
    sm_error_t err;
    cr_assert_eq(sm_proj_check(net, &pr, &err), 0, "%s", err.msg);
    pr.conv.out_h = pr.conv.out_w = 7;
    cr_assert_eq(sm_proj_check(net, &pr, &err), -1);
    cr_assert(strstr(err.msg, "7 x 7") && strstr(err.msg, "8 x 8"), "%s", err.msg);
    pr.conv.out_h = pr.conv.out_w = 8;
    pr.conv.groups = 2;
    cr_assert_eq(sm_proj_check(net, &pr, &err), -1);
    cr_assert(strstr(err.msg, "groups"), "%s", err.msg);
    pr.conv.groups = 1;
    pr.conv.stride_h = 0;
    cr_assert_eq(sm_proj_check(net, &pr, &err), -1);
    cr_assert(strstr(err.msg, "stride"), "%s", err.msg);
    sm_net_destroy(&net);
}

/* The offset of a target from a source along one axis, taken to its
 * nearest image on a circle of length e (0: none), written differently from
 * the generator. */
static double nearest(double d, double e)
{
    if (e <= 0)
        return d;
    double m = fmod(d, e);
    if (m < 0)
        m += e;
    return m >= e / 2 ? m - e : m;
}

/* Bit 0: inside the mask; bit 1: within rounding of its edge, where the
 * generator's arithmetic (its own nearest image) may decide otherwise. */
static int in_mask(const sm_distance_t *d, double dy, double dx)
{
    const double eps = 1e-9;
    if (d->mask == SM_MASK_CIRCLE) {
        double q = dy * dy + dx * dx, r2 = d->radius * d->radius;
        return (q <= r2) | (fabs(q - r2) < eps) << 1;
    }
    const double v[] = {dy - d->row_lo, d->row_hi - dy, dx - d->col_lo, d->col_hi - dx};
    int in = 1, edge = 0;
    for (int i = 0; i < 4; i++) {
        in &= v[i] >= 0;
        edge |= fabs(v[i]) < eps;
    }
    return in | edge << 1;
}

/* Every pair of the grids, classified by in_mask, as a dense matrix; n_in
 * counts the pairs inside, n_edge those near an edge. */
static unsigned char *brute_mask(const sm_distance_t *d, bool no_self, size_t *n_in,
                                 size_t *n_edge)
{
    uint32_t n_src = d->src.rows * d->src.cols, n_dst = d->dst.rows * d->dst.cols;
    unsigned char *m = calloc((size_t)n_src * n_dst, 1);
    *n_in = *n_edge = 0;
    for (uint32_t t = 0; t < n_dst; t++)
        for (uint32_t s = 0; s < n_src; s++) {
            double ty = d->dst.row0 + (t / d->dst.cols) * d->dst.row_step;
            double tx = d->dst.col0 + (t % d->dst.cols) * d->dst.col_step;
            double sy = d->src.row0 + (s / d->src.cols) * d->src.row_step;
            double sx = d->src.col0 + (s % d->src.cols) * d->src.col_step;
            double dy = nearest(ty - sy, d->periodic ? d->extent_rows : 0);
            double dx = nearest(tx - sx, d->periodic ? d->extent_cols : 0);
            int k = no_self && s == t ? 0 : in_mask(d, dy, dx);
            m[(size_t)t * n_src + s] = (unsigned char)k;
            *n_in += k & 1;
            *n_edge += k >> 1;
        }
    return m;
}

static sm_grid2d_t random_grid(sm_rng_t *r, bool periodic, double *extent_r, double *extent_c)
{
    sm_grid2d_t g = {1 + sm_rng_below(r, 12), 1 + sm_rng_below(r, 12), 0, 0, 1, 1};
    /* Steps that are and are not exact in binary. */
    const double steps[] = {1, 0.5, 0.3, 1.7, 2};
    g.row_step = steps[sm_rng_below(r, 5)];
    g.col_step = steps[sm_rng_below(r, 5)];
    if (periodic) {
        g.row0 = sm_rng_below(r, 3) * 0.25;
        g.col0 = sm_rng_below(r, 3) * 0.25;
        double er = g.row0 + g.rows * g.row_step, ec = g.col0 + g.cols * g.col_step;
        if (er > *extent_r)
            *extent_r = er;
        if (ec > *extent_c)
            *extent_c = ec;
    } else {
        g.row0 = (double)sm_rng_below(r, 9) - 4;
        g.col0 = (double)sm_rng_below(r, 9) - 4.5;
    }
    return g;
}

static void check_distance(uint64_t seed, size_t *edges, size_t *undecided)
{
    sm_rng_t r = sm_rng_stream(seed, 3, 4);
    const bool periodic = sm_rng_below(&r, 2), same = sm_rng_below(&r, 3) == 0;
    sm_distance_t d;
    memset(&d, 0, sizeof d);
    double er = 0, ec = 0;
    d.src = random_grid(&r, periodic, &er, &ec);
    d.dst = same ? d.src : random_grid(&r, periodic, &er, &ec);
    d.periodic = periodic;
    d.extent_rows = er + sm_rng_below(&r, 3);
    d.extent_cols = ec + sm_rng_below(&r, 3);
    d.mask = sm_rng_below(&r, 2) ? SM_MASK_CIRCLE : SM_MASK_RECT;
    d.radius = sm_rng_below(&r, 12) * 0.5;
    d.row_lo = -(double)sm_rng_below(&r, 4);
    d.row_hi = d.row_lo + sm_rng_below(&r, 6) * 0.75;
    d.col_lo = -(double)sm_rng_below(&r, 4) + 0.5;
    d.col_hi = d.col_lo + sm_rng_below(&r, 6);

    sm_net_t *net = sm_net_new();
    uint32_t n_src = d.src.rows * d.src.cols, n_dst = d.dst.rows * d.dst.cols;
    add_pop(net, "a", n_src);
    if (!same)
        add_pop(net, "b", n_dst);
    sm_proj_t pr = proj(0, same ? 0 : 1, SM_CONN_DISTANCE);
    pr.dist = d;
    pr.p = 1;
    pr.allow_self = sm_rng_below(&r, 2);
    sm_error_t err;
    cr_assert_eq(sm_proj_check(net, &pr, &err), 0, "seed %llu: %s", (unsigned long long)seed,
                 err.msg);
    cr_assert_eq(sm_net_add_proj(net, &pr), 0);
    coll_t c = gen(net, 0);
    assert_sorted(&c);
    cr_assert_leq((double)c.n, sm_proj_max_synapses(net, &net->projs[0]));
    size_t n_in, n_edge;
    unsigned char *want = brute_mask(&d, same && !pr.allow_self, &n_in, &n_edge);
    unsigned char *got = calloc((size_t)n_src * n_dst, 1);
    for (size_t i = 0; i < c.n; i++) {
        got[(size_t)c.s[i].dst * n_src + c.s[i].src] = 1;
        cr_assert_eq(c.s[i].w, 1.0f);
    }
    for (size_t i = 0; i < (size_t)n_src * n_dst; i++) {
        if ((want[i] & 1) == got[i])
            continue;
        cr_assert(want[i] & 2, "seed %llu: pair %zu -> %zu %s the mask", (unsigned long long)seed,
                  i % n_src, i / n_src, got[i] ? "made, outside" : "missing, inside");
        ++*undecided;
    }
    *edges += n_edge;
    free(got);
    free(want);
    free(c.s);
    sm_net_destroy(&net);
}

Test(projgen, distance_matches_a_brute_force_check)
{
    size_t edges = 0, undecided = 0;
    for (uint64_t seed = 0; seed < 400; seed++)
        check_distance(seed, &edges, &undecided);
    /* The grids put many pairs on a mask's edge; where positions are exact
     * in binary both sides agree, elsewhere rounding decides. */
    cr_assert_gt(edges, 1000);
    cr_assert_lt(undecided * 20, edges, "%zu of %zu pairs on an edge decided otherwise",
                 undecided, edges);
}

/* The example's sheet: a tile and its neighbour, radius 2, no autapses. */
Test(projgen, distance_between_tiles_of_a_sheet)
{
    sm_net_t *net = sm_net_new();
    add_pop(net, "t0_0", 256);
    add_pop(net, "t1_0", 256);
    sm_proj_t pr = proj(0, 0, SM_CONN_DISTANCE);
    pr.p = 1;
    pr.dist.src = (sm_grid2d_t){16, 16, 0, 0, 1, 1};
    pr.dist.dst = pr.dist.src;
    pr.dist.radius = 2;
    sm_net_add_proj(net, &pr);
    pr.dst_pop = 1;
    pr.dist.dst.col0 = 16;
    sm_net_add_proj(net, &pr);
    coll_t c = gen(net, 0);
    /* 12 neighbours each, fewer at the edges: as the example's former lists. */
    cr_assert_eq(c.n, 2756);
    assert_sorted(&c);
    free(c.s);
    c = gen(net, 1);
    /* Across the edge, per row: column 15 reaches 3 + 1, column 14 one; the
     * first and last rows lose one each. */
    cr_assert_eq(c.n, 16 * 5 - 2);
    free(c.s);
    sm_net_destroy(&net);
}

static coll_t gen_distance(uint64_t seed, double p, double sigma)
{
    sm_net_t *net = sm_net_new();
    add_pop(net, "a", 40 * 40);
    sm_proj_t pr = proj(0, 0, SM_CONN_DISTANCE);
    pr.seed = seed;
    pr.p = p;
    pr.dist.src = (sm_grid2d_t){40, 40, 0, 0, 1, 1};
    pr.dist.dst = pr.dist.src;
    pr.dist.radius = 5;
    pr.dist.periodic = true;
    pr.dist.extent_rows = pr.dist.extent_cols = 40;
    pr.dist.sigma = sigma;
    pr.weight.kind = SM_DIST_NORMAL;
    pr.weight.a = 1;
    pr.weight.b = 0.25;
    pr.delay.kind = SM_DIST_UNIFORM;
    pr.delay.a = 1;
    pr.delay.b = 4;
    sm_net_add_proj(net, &pr);
    coll_t c = gen(net, 0);
    sm_net_destroy(&net);
    return c;
}

Test(projgen, distance_probability_is_seeded)
{
    /* A periodic disc of radius 5 holds 80 others: 1600 * 80 candidates. */
    coll_t all = gen_distance(1, 1, 0);
    cr_assert_eq(all.n, 1600 * 80);
    coll_t a = gen_distance(7, 0.25, 0), b = gen_distance(7, 0.25, 0), c = gen_distance(8, 0.25, 0);
    /* Binomial(128000, 0.25): sd 155. */
    cr_assert(fabs((double)a.n - 32000) < 6 * 155, "%zu synapses", a.n);
    cr_assert_eq(a.n, b.n);
    cr_assert(!memcmp(a.s, b.s, a.n * sizeof *a.s), "same seed, different synapses");
    cr_assert(a.n != c.n || memcmp(a.s, c.s, a.n * sizeof *a.s), "different seeds, same synapses");
    assert_sorted(&a);
    for (size_t i = 0; i < a.n; i++)
        cr_assert(a.s[i].delay >= 1 && a.s[i].delay <= 4);
    /* With sigma, near pairs connect more often than far ones. */
    coll_t g = gen_distance(7, 1, 2);
    size_t near = 0, far = 0;
    for (size_t i = 0; i < g.n; i++) {
        int dy = (int)(g.s[i].dst / 40) - (int)(g.s[i].src / 40);
        int dx = (int)(g.s[i].dst % 40) - (int)(g.s[i].src % 40);
        dy = (dy + 60) % 40 - 20;
        dx = (dx + 60) % 40 - 20;
        if (dy * dy + dx * dx <= 2)
            near++;
        else if (dy * dy + dx * dx >= 16)
            far++;
    }
    /* 8 pairs at d^2 <= 2 with p >= e^-0.25; 24 at d^2 in [16, 25] with p <= e^-2. */
    cr_assert(near > 1600 * 8 * 0.7 && far < 1600 * 24 * 0.2, "near %zu, far %zu", near, far);
    free(all.s);
    free(a.s);
    free(b.s);
    free(c.s);
    free(g.s);
}

/* sm_proj_generate_runs: a target at a time for constant all_to_all,
 * fixed_probability and fixed_fan_in projections, synapse by synapse for
 * the rest; either way the synapses of sm_proj_generate, in its order. */
typedef struct {
    coll_t c;
    uint32_t runs, last_dst;
} runs_t;

static int collect_run(void *ctx, uint32_t dst, const uint32_t *src, uint32_t n, float w,
                       uint32_t delay)
{
    runs_t *r = ctx;
    cr_assert_gt(n, 0, "an empty run");
    cr_assert(r->runs == 0 || dst > r->last_dst, "run for target %u after %u", dst, r->last_dst);
    r->runs++;
    r->last_dst = dst;
    for (uint32_t i = 0; i < n; i++)
        collect(&r->c, src[i], dst, w, delay);
    return 0;
}

static int collect_one(void *ctx, uint32_t src, uint32_t dst, float w, uint32_t delay)
{
    return collect(&((runs_t *)ctx)->c, src, dst, w, delay);
}

Test(projgen, runs_give_the_same_synapses)
{
    sm_net_t *net = sm_net_new();
    add_pop(net, "a", 300);
    add_pop(net, "b", 200);
    /* conn, same population, p or k, a uniform weight, and whether runs are expected */
    const struct {
        sm_conn_kind_t conn;
        int self_pop;
        double p;
        uint32_t k;
        int uniform_w;
        int runs;
    } cases[] = {
        {SM_CONN_ALL_TO_ALL, 0, 0, 0, 0, 1},     {SM_CONN_ALL_TO_ALL, 1, 0, 0, 0, 1},
        {SM_CONN_FIXED_PROB, 0, 0.05, 0, 0, 1},  {SM_CONN_FIXED_PROB, 1, 0.05, 0, 0, 1},
        {SM_CONN_FIXED_PROB, 1, 1.0, 0, 0, 1},   {SM_CONN_FIXED_FAN_IN, 0, 0, 7, 0, 1},
        {SM_CONN_FIXED_FAN_IN, 1, 0, 150, 0, 1}, {SM_CONN_FIXED_FAN_IN, 1, 0, 3, 0, 1},
        {SM_CONN_FIXED_FAN_IN, 1, 0, 1, 0, 1}, /* a set and a sort, not the bitmap */
        {SM_CONN_FIXED_PROB, 0, 0.05, 0, 1, 0},  {SM_CONN_ONE_TO_ONE, 0, 0, 0, 0, 0},
    };
    const uint32_t n_cases = sizeof cases / sizeof cases[0];
    for (uint32_t i = 0; i < n_cases; i++) {
        sm_proj_t pr = proj(cases[i].self_pop ? 0 : 1, 0, cases[i].conn);
        pr.p = cases[i].p;
        pr.k = cases[i].k;
        pr.seed = 77 + i;
        pr.delay.a = 3;
        pr.weight.a = 0.25;
        if (cases[i].uniform_w) {
            pr.weight.kind = SM_DIST_UNIFORM;
            pr.weight.b = 0.5;
        }
        sm_net_add_proj(net, &pr);
    }
    for (uint32_t i = 0; i < n_cases; i++) {
        coll_t want = gen(net, i);
        runs_t got = {0};
        cr_assert_eq(sm_proj_generate_runs(net, &net->projs[i], collect_one, collect_run, &got), 0);
        cr_expect_eq(got.runs > 0, cases[i].runs != 0, "case %u: %u runs", i, got.runs);
        cr_assert_eq(got.c.n, want.n, "case %u: %zu synapses, want %zu", i, got.c.n, want.n);
        cr_assert_gt(want.n, 0, "case %u", i);
        for (size_t j = 0; j < want.n; j++) {
            const syn_t *a = &got.c.s[j], *b = &want.s[j];
            cr_assert(a->src == b->src && a->dst == b->dst && a->delay == b->delay &&
                          !memcmp(&a->w, &b->w, sizeof a->w),
                      "case %u synapse %zu: %u->%u d %u w %.9g, want %u->%u d %u w %.9g", i, j,
                      a->src, a->dst, a->delay, (double)a->w, b->src, b->dst, b->delay,
                      (double)b->w);
        }
        free(want.s);
        free(got.c.s);
    }
    sm_net_destroy(&net);
}
