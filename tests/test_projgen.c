/* Projection expansion (sm_proj_generate) and staging (sm_net_finish) on
 * networks built by hand. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

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
