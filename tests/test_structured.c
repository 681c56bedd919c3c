/* Structured synapses (core/syntab.h): conv2d and matrix projections kept as
 * kernels and columns give exactly what the same synapses listed one by one
 * give: the same spikes, the same traces bit for bit, the same counters per
 * core and the same link loads, on both engines, on one or more threads and
 * under mappings that split rows over cores or scatter neurons; with delays
 * of 0 and more, ports, zero weights, and a source whose row holds
 * structured entries of both kinds next to listed synapses. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "helpers.h"
#include "mapping.h"
#include "model_json.h"
#include "net.h"
#include "rng.h"
#include "syntab.h"

static uint64_t s_state = 0x9E3779B97F4A7C15ull;

static double s_u(void)
{
    s_state ^= s_state << 13;
    s_state ^= s_state >> 7;
    s_state ^= s_state << 17;
    return (double)(s_state >> 11) / 9007199254740992.0;
}

static void s_model(sm_model_t *m, const char *name, const char *json)
{
    cJSON *p = cJSON_Parse(json);
    sm_error_t err;
    cr_assert_eq(sm_model_from_json(m, name, p, "params", &err), 0, "%s", err.msg);
    cJSON_Delete(p);
}

static int s_pop(sm_net_t *net, const char *name, uint32_t size, const char *model,
                 const char *params)
{
    sm_pop_t p = {0};
    snprintf(p.name, sizeof p.name, "%s", name);
    p.kind = SM_POP_NEURONS;
    p.size = size;
    p.record_spikes = true;
    p.n_models = 1;
    p.models = malloc(sizeof *p.models);
    s_model(&p.models[0], model, params);
    int k = sm_net_add_pop(net, &p);
    cr_assert(k >= 0);
    return k;
}

static float *s_kernel(size_t n, double zeros)
{
    float *k = malloc(n * sizeof *k);
    for (size_t i = 0; i < n; i++)
        k[i] = s_u() < zeros ? 0.0f : (float)(s_u() * 0.9 - 0.25);
    return k;
}

static void s_conv(sm_net_t *net, uint32_t src, uint32_t dst, uint32_t in_c, uint32_t hw,
                   uint32_t out_c, uint32_t stride, uint32_t delay, sm_port_t port)
{
    sm_proj_t pr = {0};
    pr.src_pop = src;
    pr.dst_pop = dst;
    pr.port = port;
    pr.conn = SM_CONN_CONV2D;
    pr.delay.a = delay;
    sm_conv2d_t *c = &pr.conv;
    c->in_c = in_c;
    c->in_h = c->in_w = hw;
    c->out_c = out_c;
    c->k_h = c->k_w = 3;
    c->stride_h = c->stride_w = stride;
    c->dil_h = c->dil_w = 1;
    c->pad_top = c->pad_bottom = c->pad_left = c->pad_right = 1;
    c->out_h = c->out_w = (uint32_t)sm_conv_out_size(hw, 1, 1, 1, 3, stride);
    c->groups = 1;
    c->kernel = s_kernel((size_t)out_c * in_c * 9, 0.2);
    cr_assert(sm_net_add_proj(net, &pr) >= 0);
}

static void s_matrix(sm_net_t *net, uint32_t src, uint32_t dst, uint32_t delay, double zeros)
{
    sm_proj_t pr = {0};
    pr.src_pop = src;
    pr.dst_pop = dst;
    pr.conn = SM_CONN_MATRIX;
    pr.matrix_delay = delay;
    pr.delay.a = delay;
    pr.allow_self = true;
    pr.matrix = s_kernel((size_t)net->pops[src].size * net->pops[dst].size, zeros);
    for (size_t i = 0; i < (size_t)net->pops[src].size * net->pops[dst].size; i++)
        pr.matrix[i] *= 0.25f;
    cr_assert(sm_net_add_proj(net, &pr) >= 0);
}

/* A source of 2 x 8 x 8 spiking at random, three layers, and every kind of
 * structured projection among them, plus a listed one between the pair that
 * a conv also connects (so that one is not delivered whole). */
static sm_net_t *s_build(void)
{
    s_state = 0x9E3779B97F4A7C15ull;
    sm_net_t *net = sm_net_new();
    sm_pop_t in = {0};
    snprintf(in.name, sizeof in.name, "in");
    in.kind = SM_POP_SPIKE_TIMES;
    in.size = 128;
    in.record_spikes = true;
    uint32_t T = 60, n = 0;
    in.st_off = calloc(in.size + 1, sizeof *in.st_off);
    in.st_ticks = malloc((size_t)in.size * T * sizeof *in.st_ticks);
    for (uint32_t i = 0; i < in.size; i++) {
        in.st_off[i] = n;
        for (uint32_t t = 0; t < T; t++)
            if (s_u() < 0.15)
                in.st_ticks[n++] = t;
    }
    in.st_off[in.size] = n;
    cr_assert(sm_net_add_pop(net, &in) >= 0);
    uint32_t a = (uint32_t)s_pop(net, "a", 4 * 8 * 8, "lif", "{\"beta\": 0.875, \"threshold\": 1}");
    uint32_t b = (uint32_t)s_pop(net, "b", 10, "iaf", "{\"spike_threshold\": 0.5}");
    uint32_t c = (uint32_t)s_pop(net, "c", 3 * 4 * 4, "lif", "{\"beta\": 0.75, \"threshold\": 0.75}");
    s_conv(net, 0, a, 2, 8, 4, 1, 0, SM_PORT_EXC);
    /* Delayed first: the table must still put a -> b's delay-0 entries
     * first in the rows they share. */
    s_matrix(net, a, a, 1, 0.5);
    s_matrix(net, a, b, 0, 0.3);
    s_conv(net, a, c, 4, 8, 3, 2, 2, SM_PORT_EXC);
    s_conv(net, 0, c, 2, 8, 3, 2, 0, SM_PORT_INH);
    sm_proj_t l = {0};                     /* listed, next to the conv a -> c */
    l.src_pop = a;
    l.dst_pop = c;
    l.conn = SM_CONN_ONE_TO_ONE;
    l.weight.a = 0.125;
    l.delay.a = 1;
    cr_assert(sm_net_add_proj(net, &l) >= 0);
    net->ticks = T;
    net->probes = malloc((size_t)net->n_neurons * sizeof *net->probes);
    for (uint32_t p = 1; p < net->n_pops; p++)
        for (uint32_t i = 0; i < net->pops[p].size; i++)
            net->probes[net->n_probes++] = (sm_probe_t){p, i};
    sm_error_t err;
    cr_assert_eq(sm_net_finish(net, &err), 0, "%s", err.msg);
    return net;
}

typedef struct {
    sm_proj_t *pr;
    uint32_t cap;
} s_list_t;

static int s_take(void *ctx, uint32_t src, uint32_t dst, float w, uint32_t delay)
{
    s_list_t *L = ctx;
    sm_proj_t *pr = L->pr;
    if (pr->n_list == L->cap) {
        L->cap = L->cap ? L->cap * 2 : 256;
        pr->l_src = realloc(pr->l_src, L->cap * sizeof *pr->l_src);
        pr->l_dst = realloc(pr->l_dst, L->cap * sizeof *pr->l_dst);
        pr->l_delay = realloc(pr->l_delay, L->cap * sizeof *pr->l_delay);
        pr->l_weight = realloc(pr->l_weight, L->cap * sizeof *pr->l_weight);
    }
    pr->l_src[pr->n_list] = src;
    pr->l_dst[pr->n_list] = dst;
    pr->l_weight[pr->n_list] = w;
    pr->l_delay[pr->n_list++] = delay;
    return 0;
}

/* The same network with every projection a list of its synapses, in the
 * order they are generated. */
static sm_net_t *s_listed(const sm_net_t *net)
{
    sm_net_t *ln = s_build();
    for (uint32_t j = 0; j < ln->n_projs; j++) {
        sm_proj_t *pr = &ln->projs[j], np = {0};
        np.src_pop = pr->src_pop;
        np.dst_pop = pr->dst_pop;
        np.port = pr->port;
        np.conn = SM_CONN_LIST;
        s_list_t L = {&np, 0};
        cr_assert_eq(sm_proj_generate(net, &net->projs[j], s_take, &L), 0);
        free(pr->matrix);
        free(pr->conv.kernel);
        *pr = np;
    }
    sm_error_t err;
    cr_assert_eq(sm_net_finish(ln, &err), 0, "%s", err.msg);
    return ln;
}

static sm_result_t *s_run(const sm_net_t *net, int dense, uint32_t threads, uint32_t per_core,
                          const sm_mapping_t *map)
{
    sm_run_opts_t o;
    sm_run_opts_default(&o);
    o.dense = dense;
    o.threads = threads;
    o.neurons_per_core = per_core;
    o.mapping = map;
    sm_error_t err;
    sm_result_t *r = sm_engine_run(net, &o, &err);
    cr_assert_not_null(r, "%s", err.msg);
    return r;
}

static void s_identical(const sm_result_t *a, const sm_result_t *b, const char *what)
{
    cr_assert_eq(a->n_spikes, b->n_spikes, "%s: %zu vs %zu spikes", what, a->n_spikes, b->n_spikes);
    cr_assert_eq(memcmp(a->spikes, b->spikes, a->n_spikes * sizeof *a->spikes), 0, "%s: spikes",
                 what);
    cr_assert_eq(memcmp(a->trace, b->trace, (size_t)a->ticks * a->n_probes * 3 * sizeof(float)),
                 0, "%s: traces", what);
    cr_assert_eq(a->width * a->height, b->width * b->height);
    for (uint32_t c = 0; c < a->width * a->height; c++)
        cr_assert_eq(memcmp(&a->cores[c], &b->cores[c], sizeof a->cores[c]), 0,
                     "%s: core %u: synaptic events %llu vs %llu", what, c,
                     (unsigned long long)a->cores[c].c.synaptic_events,
                     (unsigned long long)b->cores[c].c.synaptic_events);
    cr_assert_eq(a->n_links, b->n_links, "%s: links", what);
    cr_assert_eq(memcmp(a->links, b->links, a->n_links * sizeof *a->links), 0, "%s: links", what);
}

Test(structured, equals_listed_synapses, .timeout = 300)
{
    sm_net_t *net = s_build(), *ln = s_listed(net);
    /* Scattered: neurons dealt over a 4 x 3 grid at random. */
    sm_error_t err;
    sm_mapping_t *scat = sm_mapping_new(4, 3, net->n_neurons, &err);
    cr_assert_not_null(scat);
    sm_rng_t r = sm_rng_stream(7, 0, 0);
    for (uint32_t g = 0; g < net->n_neurons; g++)
        scat->core_of[g] = (uint32_t)sm_rng_below(&r, 12);
    uint64_t spikes = 0;
    for (int dense = 0; dense < 2; dense++)
        for (uint32_t th = 1; th <= 3; th += 2)
            for (int m = 0; m < 3; m++) {
                uint32_t per_core = m == 0 ? 256 : 13; /* 13 splits rows over cores */
                const sm_mapping_t *map = m == 2 ? scat : NULL;
                char what[96];
                snprintf(what, sizeof what, "%s, %u threads, %s", dense ? "dense" : "event", th,
                         m == 2 ? "scattered" : m ? "13 per core" : "256 per core");
                sm_result_t *s = s_run(net, dense, th, per_core, map);
                sm_result_t *l = s_run(ln, dense, th, per_core, map);
                s_identical(s, l, what);
                spikes = s->n_spikes;
                sm_result_destroy(&s);
                sm_result_destroy(&l);
            }
    cr_expect_gt(spikes, 500, "too few spikes to compare (%llu)", (unsigned long long)spikes);
    sm_mapping_destroy(&scat);
    sm_net_destroy(&ln);
    sm_net_destroy(&net);
}

/* The table keeps the kernels and columns, not their synapses: one entry
 * per (source, core) for each structured projection. */
Test(structured, table_holds_one_entry_per_source_and_core)
{
    sm_net_t *net = s_build(), *ln = s_listed(net);
    sm_error_t err;
    sm_mapping_t *m1 = sm_mapping_sequential(net, 0, 0, 64, &err);
    sm_mapping_t *m2 = sm_mapping_sequential(ln, 0, 0, 64, &err);
    uint32_t *loc = malloc(net->n_neurons * sizeof *loc), *fill = calloc(m1->width * m1->height, 4);
    for (uint32_t g = 0; g < net->n_neurons; g++)
        loc[g] = fill[m1->core_of[g]]++;
    sm_syntab_t ts, tl;
    cr_assert_eq(sm_syntab_build(&ts, net, m1->core_of, loc, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(sm_syntab_build(&tl, ln, m2->core_of, loc, NULL, &err), 0, "%s", err.msg);
    cr_expect_eq(ts.n_st, 5);
    cr_expect_eq(ts.n_fan, tl.n_fan, "fan-out entries: %llu vs %llu",
                 (unsigned long long)ts.n_fan, (unsigned long long)tl.n_fan);
    /* All but the listed one-to-one projection (a -> c: 48 synapses) stand
     * behind sentinels. */
    cr_expect_lt(ts.n_syn * 10, tl.n_syn, "%llu entries against %llu synapses",
                 (unsigned long long)ts.n_syn, (unsigned long long)tl.n_syn);
    cr_expect_eq(ts.n_struct_syn + 48, tl.n_syn, "structured %llu + 48 listed vs %llu",
                 (unsigned long long)ts.n_struct_syn, (unsigned long long)tl.n_syn);
    for (uint32_t g = 0; g < net->n_neurons; g++)
        cr_expect_eq(ts.fan_off[g + 1] - ts.fan_off[g], tl.fan_off[g + 1] - tl.fan_off[g]);
    sm_syntab_fini(&ts);
    sm_syntab_fini(&tl);
    free(loc);
    free(fill);
    sm_mapping_destroy(&m1);
    sm_mapping_destroy(&m2);
    sm_net_destroy(&ln);
    sm_net_destroy(&net);
}
