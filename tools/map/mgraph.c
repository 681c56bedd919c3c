/* mgraph: the neuron graph the mapping strategies work on, built from the
 * network's projections in one sort-and-merge of (source, target) pairs. */
#include "mgraph.h"

#include <stdlib.h>
#include <string.h>


typedef struct {
    uint64_t *keys;           /* src << 32 | dst */
    size_t n, cap;
    uint32_t src_first, dst_first;
    int oom;
} s_collect_t;

static int s_collect(void *ctx, uint32_t src, uint32_t dst, float weight, uint32_t delay)
{
    s_collect_t *c = ctx;
    (void)weight;
    (void)delay;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 1 << 16;
        uint64_t *k = realloc(c->keys, cap * sizeof *k);
        if (!k) {
            c->oom = 1;
            return 1;
        }
        c->keys = k;
        c->cap = cap;
    }
    c->keys[c->n++] = ((uint64_t)(c->src_first + src) << 32) | (c->dst_first + dst);
    return 0;
}

/* LSD radix sort on 64-bit keys, 16 bits a pass: synapse lists reach tens of
 * millions, where qsort's comparisons dominate the mapping time. */
static int s_radix_sort(uint64_t *a, size_t n)
{
    uint64_t *tmp = malloc((n ? n : 1) * sizeof *tmp);
    size_t *cnt = malloc(65536 * sizeof *cnt);
    if (!tmp || !cnt) {
        free(tmp);
        free(cnt);
        return -1;
    }
    uint64_t *src = a, *dst = tmp;
    for (int pass = 0; pass < 4; pass++) {
        int sh = pass * 16;
        memset(cnt, 0, 65536 * sizeof *cnt);
        for (size_t i = 0; i < n; i++)
            cnt[(src[i] >> sh) & 0xffff]++;
        size_t sum = 0;
        for (size_t d = 0; d < 65536; d++) {
            size_t c = cnt[d];
            cnt[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[cnt[(src[i] >> sh) & 0xffff]++] = src[i];
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    /* four passes: the sorted keys are back in `a` */
    free(tmp);
    free(cnt);
    return 0;
}

void sm_mgraph_free(sm_mgraph_t *g)
{
    free(g->out_off);
    free(g->out_dst);
    free(g->out_w);
    free(g->in_off);
    free(g->in_src);
    free(g->syn_in);
    free(g->rate);
    free(g->pop_of);
    memset(g, 0, sizeof *g);
}

static double s_pop_rate(const sm_net_t *net, const sm_pop_t *p, uint32_t i)
{
    double ticks = net->ticks ? net->ticks : 1;
    switch (p->kind) {
    case SM_POP_POISSON: {
        double stop = p->stop_tick < net->ticks ? p->stop_tick : net->ticks;
        double active = stop > p->start_tick ? (stop - p->start_tick) / ticks : 0.0;
        if (!net->ticks)
            active = 1.0;
        return p->rate_hz * net->dt_ms * 1e-3 * active;
    }
    case SM_POP_SPIKE_TIMES:
        return p->st_off ? (p->st_off[i + 1] - p->st_off[i]) / ticks : 0.0;
    case SM_POP_NEURONS:
        break;
    }
    return SM_MAP_DEFAULT_RATE_HZ * net->dt_ms * 1e-3;
}

int sm_mgraph_build(const sm_net_t *net, sm_mgraph_t *g, sm_error_t *err)
{
    memset(g, 0, sizeof *g);
    uint32_t n = g->n = net->n_neurons;
    s_collect_t c = {0};
    for (uint32_t j = 0; j < net->n_projs; j++) {
        const sm_proj_t *pr = &net->projs[j];
        c.src_first = net->pops[pr->src_pop].first;
        c.dst_first = net->pops[pr->dst_pop].first;
        /* -1 without c.oom: the generator's own scratch did not fit. */
        if (sm_proj_generate(net, pr, s_collect, &c) < 0) {
            free(c.keys);
            return sm_fail(err, SM_ENOMEM, "mapper: out of memory listing synapses (%zu so far)",
                           c.n);
        }
    }
    g->n_syn = c.n;
    g->out_off = calloc((size_t)n + 1, sizeof *g->out_off);
    g->in_off = calloc((size_t)n + 1, sizeof *g->in_off);
    g->syn_in = calloc(n ? n : 1, sizeof *g->syn_in);
    g->rate = calloc(n ? n : 1, sizeof *g->rate);
    g->pop_of = calloc(n ? n : 1, sizeof *g->pop_of);
    if (!g->out_off || !g->in_off || !g->syn_in || !g->rate || !g->pop_of ||
        s_radix_sort(c.keys, c.n) < 0)
        goto oom;
    size_t n_pairs = 0;
    for (size_t i = 0; i < c.n; i++)
        if (i == 0 || c.keys[i] != c.keys[i - 1])
            n_pairs++;
    g->out_dst = malloc((n_pairs ? n_pairs : 1) * sizeof *g->out_dst);
    g->out_w = malloc((n_pairs ? n_pairs : 1) * sizeof *g->out_w);
    g->in_src = malloc((n_pairs ? n_pairs : 1) * sizeof *g->in_src);
    if (!g->out_dst || !g->out_w || !g->in_src)
        goto oom;
    size_t k = 0;
    for (size_t i = 0; i < c.n; i++) {
        uint32_t s = (uint32_t)(c.keys[i] >> 32), d = (uint32_t)c.keys[i];
        g->syn_in[d]++;
        if (i > 0 && c.keys[i] == c.keys[i - 1]) {
            g->out_w[k - 1]++;
            continue;
        }
        g->out_dst[k] = d;
        g->out_w[k] = 1;
        g->out_off[s + 1]++;
        g->in_off[d + 1]++;
        k++;
    }
    for (uint32_t v = 0; v < n; v++) {
        g->out_off[v + 1] += g->out_off[v];
        g->in_off[v + 1] += g->in_off[v];
    }
    /* Pairs are sorted by source, so filling targets in pair order leaves
     * each target's sources sorted too. */
    size_t *fill = malloc(((size_t)n + 1) * sizeof *fill);
    if (!fill)
        goto oom;
    memcpy(fill, g->in_off, ((size_t)n + 1) * sizeof *fill);
    for (uint32_t s = 0; s < n; s++)
        for (size_t e = g->out_off[s]; e < g->out_off[s + 1]; e++)
            g->in_src[fill[g->out_dst[e]]++] = s;
    free(fill);
    free(c.keys);
    for (uint32_t p = 0; p < net->n_pops; p++) {
        const sm_pop_t *pp = &net->pops[p];
        for (uint32_t i = 0; i < pp->size; i++) {
            g->pop_of[pp->first + i] = p;
            g->rate[pp->first + i] = s_pop_rate(net, pp, i);
        }
    }
    return 0;
oom:
    free(c.keys);
    sm_mgraph_free(g);
    return sm_fail(err, SM_ENOMEM, "mapper: out of memory building the graph of %u neurons and "
                   "%zu synapses", n, c.n);
}

