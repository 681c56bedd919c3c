#include "syntab.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "syntab_int.h"

#define S_META_CLAMP (1u << 10)
#define S_META_DELAY(m) (((m) >> 1) & SM_SYN_DELAY_MASK)

typedef struct {
    sm_syntab_t *t;
    const sm_net_t *net;
    const sm_proj_t *pr;
    uint32_t proj_index;
    uint32_t src_first, dst_first;
    uint32_t *count;      /* pass 1 */
    uint32_t *rcount;     /* pass 1: remote synapses of local sources */
    uint64_t *cursor;     /* pass 2 */
    uint64_t *rcursor;    /* pass 2 */
    uint32_t *rtmp;       /* pass 2: core | flag per remote synapse */
    const uint32_t *core_of;
    const uint8_t *local;
    uint16_t *meta;       /* pass 2: clamp << 10 | delay << 1 | port, per synapse (a structured
                           * sentinel: SM_SYN_STRUCT_META | delay << 1 | port) */
    sm_stcores_t sc;      /* structured: the cores of one source      */
    int any_clamp;
    sm_error_t *err;
    int failed;
} s_build_t;

/* Pass 1 of a structured projection: one entry per (source, local core),
 * a route per (local source, remote core). */
static int s_struct_count(s_build_t *b, const sm_synstruct_t *st, uint32_t n_src)
{
    sm_syntab_t *t = b->t;
    for (uint32_t s = 0; s < n_src; s++) {
        uint32_t g = st->src_first + s;
        int64_t n = sm_synstruct_cores(st, s, &b->sc);
        if (n < 0)
            return -1;
        for (int64_t i = 0; i < n; i++) {
            uint32_t core = (uint32_t)(b->sc.e[i].key >> 32);
            if (b->local && !b->local[core]) {
                if (b->local[b->core_of[g]])
                    b->rcount[g]++;
                continue;
            }
            b->count[g]++;
            t->n_struct_syn += b->sc.e[i].taps;
        }
    }
    if (st->delay == 0)
        t->has_delay0 = 1;
    else if (st->delay < t->min_delay)
        t->min_delay = st->delay;
    if (st->delay > t->max_delay)
        t->max_delay = st->delay;
    return 0;
}

/* Pass 2: the sentinels, and the routes. */
static int s_struct_fill(s_build_t *b, const sm_synstruct_t *st, uint32_t index, uint32_t n_src)
{
    union { float f; uint32_t u; } w = {.u = index};
    for (uint32_t s = 0; s < n_src; s++) {
        uint32_t g = st->src_first + s;
        int64_t n = sm_synstruct_cores(st, s, &b->sc);
        if (n < 0)
            return -1;
        for (int64_t i = 0; i < n; i++) {
            uint32_t core = (uint32_t)(b->sc.e[i].key >> 32), tg = (uint32_t)b->sc.e[i].key;
            if (b->local && !b->local[core]) {
                if (b->local[b->core_of[g]])
                    b->rtmp[b->rcursor[g]++] = core | (st->delay ? SM_ROUTE_DL : SM_ROUTE_D0);
                continue;
            }
            uint64_t at = b->cursor[g]++;
            b->t->syn[at].tgt = tg; /* a target on that core, for pass 3 */
            b->t->syn[at].w = w.f;
            b->meta[at] = (uint16_t)(SM_SYN_STRUCT_META | (st->delay << 1) | st->port);
        }
    }
    return 0;
}

/* A projection's synapses as pass 1 generated them, so that pass 2 replays
 * them instead of generating them again (a fixed_probability projection
 * draws a logarithm per synapse): sources in generation order, the targets
 * as runs, and the one weight and delay they all share. A projection whose
 * weights or delays vary is not kept (pass 2 generates it again): its
 * values would cost more memory than the table. */
typedef struct {
    s_build_t *b;
    int ok;               /* every synapse so far had weight w and delay d */
    float w;
    uint32_t d;
    uint32_t *src;        /* per synapse                                  */
    uint64_t n, cap;
    uint32_t *run_dst;    /* per run of one target: the target ...        */
    uint64_t *run_end;    /* ... and the end of its sources in src        */
    uint64_t n_run, cap_run;
} s_rec_t;

static void s_rec_free(s_rec_t *r)
{
    free(r->src);
    free(r->run_dst);
    free(r->run_end);
    r->src = r->run_dst = NULL;
    r->run_end = NULL;
    r->n = r->cap = r->n_run = r->cap_run = 0;
    r->ok = 0;
}

static int s_count(void *ctx, uint32_t src, uint32_t dst, float w, uint32_t delay);

static int s_count_rec(void *ctx, uint32_t src, uint32_t dst, float w, uint32_t delay)
{
    s_rec_t *r = ctx;
    if (s_count(r->b, src, dst, w, delay))
        return 1;
    if (!r->ok)
        return 0;
    if (r->n == 0) {
        r->w = w;
        r->d = delay;
    } else if (memcmp(&w, &r->w, sizeof w) || delay != r->d) {
        s_rec_free(r);
        return 0;
    }
    if (r->n == r->cap) {
        uint64_t nc = r->cap ? r->cap * 2 : 1024;
        uint32_t *a = realloc(r->src, nc * sizeof *a);
        if (!a) {
            s_rec_free(r); /* not kept: pass 2 generates it again */
            return 0;
        }
        r->src = a;
        r->cap = nc;
    }
    if (!r->n_run || r->run_dst[r->n_run - 1] != dst) {
        if (r->n_run == r->cap_run) {
            uint64_t nc = r->cap_run ? r->cap_run * 2 : 256;
            uint32_t *a = realloc(r->run_dst, nc * sizeof *a);
            if (a)
                r->run_dst = a;
            uint64_t *e = a ? realloc(r->run_end, nc * sizeof *e) : NULL;
            if (!e) {
                s_rec_free(r);
                return 0;
            }
            r->run_end = e;
            r->cap_run = nc;
        }
        r->run_dst[r->n_run++] = dst;
    }
    r->src[r->n++] = src;
    r->run_end[r->n_run - 1] = r->n;
    return 0;
}

static int s_count(void *ctx, uint32_t src, uint32_t dst, float w, uint32_t delay)
{
    s_build_t *b = ctx;
    (void)w;
    if (delay > SM_MAX_DELAY) {
        sm_fail(b->err, SM_ERANGE, "projections[%u]: delay %u ticks exceeds the maximum of %u",
                b->proj_index, delay, SM_MAX_DELAY);
        b->failed = 1;
        return 1;
    }
    uint32_t *n;
    if (b->local && !b->local[b->core_of[b->dst_first + dst]])
        /* Not ours: a route if the source is. */
        n = b->local[b->core_of[b->src_first + src]] ? &b->rcount[b->src_first + src] : NULL;
    else
        n = &b->count[b->src_first + src];
    /* A row is indexed by 32 bits: refuse before the count wraps. */
    if (n && ++*n > UINT32_MAX / 2) {
        sm_fail(b->err, SM_ETOOBIG, "projections[%u]: neuron %u of '%s' has more than %u synapses",
                b->proj_index, src, b->net->pops[b->pr->src_pop].name, UINT32_MAX / 2);
        b->failed = 1;
        return 1;
    }
    if (delay == 0)
        b->t->has_delay0 = 1;
    else if (delay < b->t->min_delay)
        b->t->min_delay = delay;
    if (delay > b->t->max_delay)
        b->t->max_delay = delay;
    return 0;
}

static int s_fill(void *ctx, uint32_t src, uint32_t dst, float w, uint32_t delay)
{
    s_build_t *b = ctx;
    uint32_t dcore = b->core_of[b->dst_first + dst];
    if (b->local && !b->local[dcore]) {
        if (b->local[b->core_of[b->src_first + src]])
            b->rtmp[b->rcursor[b->src_first + src]++] = dcore | (delay ? SM_ROUTE_DL : SM_ROUTE_D0);
        return 0;
    }
    uint64_t at = b->cursor[b->src_first + src]++;
    b->t->syn[at].tgt = b->dst_first + dst; /* gid for now, packed in pass 3 */
    b->t->syn[at].w = b->pr->fixed ? sm_proj_fixed_weight(b->pr, w) : w;
    b->meta[at] = (uint16_t)((b->pr->clamp ? S_META_CLAMP : 0u) | (delay << 1) |
                             (b->pr->port == SM_PORT_INH ? 1u : 0u));
    b->any_clamp |= b->pr->clamp;
    return 0;
}

/* Pass 2 of a projection pass 1 kept, in the order it was generated. */
static void s_replay(s_build_t *b, const s_rec_t *r)
{
    uint64_t i = 0;
    for (uint64_t k = 0; k < r->n_run; k++)
        for (; i < r->run_end[k]; i++)
            s_fill(b, r->src[i], r->run_dst[k], r->w, r->d);
}

typedef struct {
    uint64_t key;  /* core << 33 | delayed << 32 | position in row */
} s_key_t;

static int s_key_cmp(const void *a, const void *b)
{
    uint64_t x = ((const s_key_t *)a)->key, y = ((const s_key_t *)b)->key;
    return (x > y) - (x < y);
}

static int s_u32_cmp(const void *a, const void *b)
{
    uint32_t x = SM_ROUTE_CORE(*(const uint32_t *)a), y = SM_ROUTE_CORE(*(const uint32_t *)b);
    return (x > y) - (x < y);
}

/* One route per (source, core), flags merged; frees the gathering arrays. */
static int s_compact_routes(sm_syntab_t *t, s_build_t *b, uint32_t n)
{
    uint64_t out = 0;
    for (uint32_t g = 0; g < n; g++) {
        uint64_t lo = t->route_off[g], hi = t->route_off[g + 1];
        t->route_off[g] = out;
        if (hi - lo > 1)
            qsort(b->rtmp + lo, hi - lo, sizeof *b->rtmp, s_u32_cmp);
        for (uint64_t i = lo; i < hi; i++) {
            uint32_t r = b->rtmp[i];
            if (out > t->route_off[g] && SM_ROUTE_CORE(b->rtmp[out - 1]) == SM_ROUTE_CORE(r))
                b->rtmp[out - 1] |= r;
            else
                b->rtmp[out++] = r;
        }
    }
    t->route_off[n] = out;
    t->n_route = out;
    t->route = realloc(b->rtmp, (out + 1) * sizeof *t->route);
    if (!t->route)
        t->route = b->rtmp;
    b->rtmp = NULL;
    free(b->rcount);
    free(b->rcursor);
    b->rcount = NULL;
    b->rcursor = NULL;
    return 0;
}

int sm_syntab_build(sm_syntab_t *t, const sm_net_t *net, const uint32_t *core_of,
                    const uint32_t *local_of, const uint8_t *local, sm_error_t *err)
{
    memset(t, 0, sizeof *t);
    t->n_gids = net->n_neurons;
    t->min_delay = UINT32_MAX;
    uint32_t n = net->n_neurons;
    s_build_t b = {.t = t, .net = net, .err = err, .core_of = core_of, .local = local};
    uint16_t *meta = NULL;
    uint32_t *st_of = NULL;
    s_key_t *keys = NULL;
    sm_syn_t *tmp = NULL;
    uint16_t *tmpm = NULL;
    s_rec_t *rec = NULL;

    b.count = calloc((size_t)n + 1, sizeof *b.count);
    if (local && !(b.rcount = calloc((size_t)n + 1, sizeof *b.rcount)))
        goto nomem;
    t->row = calloc((size_t)n + 1, sizeof *t->row);
    t->fan_off = calloc((size_t)n + 1, sizeof *t->fan_off);
    if (!b.count || !t->row || !t->fan_off)
        goto nomem;

    t->core_of = core_of;
    t->local_of = local_of;
    /* Which projections stay structured, indexed by projection. */
    st_of = malloc(((size_t)net->n_projs + 1) * sizeof *st_of);
    t->st = calloc((size_t)net->n_projs + 1, sizeof *t->st);
    rec = calloc((size_t)net->n_projs + 1, sizeof *rec);
    if (!st_of || !t->st || !rec)
        goto nomem;
    for (uint32_t i = 0; i < net->n_projs; i++) {
        st_of[i] = UINT32_MAX;
        if (!sm_synstruct_eligible(net, &net->projs[i], local_of))
            continue;
        st_of[i] = t->n_st;
        if (sm_synstruct_init(&t->st[t->n_st++], net, &net->projs[i], core_of, local_of))
            goto nomem;
    }

    for (uint32_t i = 0; i < net->n_projs; i++) {
        const sm_proj_t *pr = &net->projs[i];
        if (net->pops[pr->dst_pop].kind != SM_POP_NEURONS) {
            sm_fail(err, SM_EINVAL, "projections[%u].target: '%s' is a spike source and cannot receive synapses",
                    i, net->pops[pr->dst_pop].name);
            goto fail;
        }
        if (st_of[i] != UINT32_MAX) {
            if (s_struct_count(&b, &t->st[st_of[i]], net->pops[pr->src_pop].size))
                goto nomem;
            continue;
        }
        b.pr = pr;
        b.proj_index = i;
        b.src_first = net->pops[pr->src_pop].first;
        b.dst_first = net->pops[pr->dst_pop].first;
        /* -1 without b.failed: the generator's own scratch did not fit. */
        rec[i] = (s_rec_t){.b = &b, .ok = 1};
        if (sm_proj_generate(net, pr, s_count_rec, &rec[i]) < 0 && !b.failed)
            goto nomem;
        if (b.failed)
            goto fail;
    }
    for (uint32_t g = 0; g < n; g++)
        t->row[g + 1] = t->row[g] + b.count[g];
    t->n_syn = t->row[n];
    free(b.count);
    b.count = NULL;
    if (local) {
        /* Routes: gather core | flag per remote synapse, then keep one entry
         * per (source, core) with the flags merged. */
        t->route_off = calloc((size_t)n + 1, sizeof *t->route_off);
        b.rcursor = malloc(((size_t)n + 1) * sizeof *b.rcursor);
        if (!t->route_off || !b.rcursor)
            goto nomem;
        for (uint32_t g = 0; g < n; g++)
            t->route_off[g + 1] = t->route_off[g] + b.rcount[g];
        b.rtmp = malloc((t->route_off[n] + 1) * sizeof *b.rtmp);
        if (!b.rtmp)
            goto nomem;
        memcpy(b.rcursor, t->route_off, ((size_t)n + 1) * sizeof *b.rcursor);
    }

    t->syn = malloc((t->n_syn ? t->n_syn : 1) * sizeof *t->syn);
    meta = malloc((t->n_syn ? t->n_syn : 1) * sizeof *meta);
    b.cursor = malloc(((size_t)n + 1) * sizeof *b.cursor);
    if (!t->syn || !meta || !b.cursor)
        goto nomem;
    memcpy(b.cursor, t->row, ((size_t)n + 1) * sizeof *b.cursor);
    b.meta = meta;
    for (uint32_t i = 0; i < net->n_projs; i++) {
        const sm_proj_t *pr = &net->projs[i];
        if (st_of[i] != UINT32_MAX) {
            if (s_struct_fill(&b, &t->st[st_of[i]], st_of[i], net->pops[pr->src_pop].size))
                goto nomem;
            continue;
        }
        b.pr = pr;
        b.proj_index = i;
        b.src_first = net->pops[pr->src_pop].first;
        b.dst_first = net->pops[pr->dst_pop].first;
        if (rec[i].ok) {
            s_replay(&b, &rec[i]);
            s_rec_free(&rec[i]);
        } else if (sm_proj_generate(net, pr, s_fill, &b) < 0) {
            goto nomem;
        }
    }
    free(b.cursor);
    b.cursor = NULL;
    if (local && s_compact_routes(t, &b, n))
        goto nomem;

    if (b.any_clamp && !(t->binary = calloc((t->n_syn + 63) / 64 + 1, sizeof *t->binary)))
        goto nomem;

    /* Pass 3: order each row by (core, delayed) keeping generation order, pack
     * targets, and cut the fan-out entries. */
    /* A row has at most one fan-out entry per synapse: reserve that many at
     * once (pages never written cost nothing, and the array is shrunk
     * below) rather than grow by copies, whose freed blocks the heap keeps. */
    uint64_t fan_cap = t->n_syn + 1;
    t->fan = malloc(fan_cap * sizeof *t->fan);
    if (!t->fan)
        goto nomem;
    uint64_t scratch = 0;
    for (uint32_t g = 0; g < n; g++) {
        uint64_t r0 = t->row[g], len = t->row[g + 1] - r0;
        t->fan_off[g] = t->n_fan;
        if (!len)
            continue;
        if (len > scratch) {
            free(keys);
            free(tmp);
            free(tmpm);
            scratch = len;
            keys = malloc(scratch * sizeof *keys);
            tmp = malloc(scratch * sizeof *tmp);
            tmpm = malloc(scratch * sizeof *tmpm);
            if (!keys || !tmp || !tmpm)
                goto nomem;
        }
        int sorted = 1;
        for (uint64_t j = 0; j < len; j++) {
            uint32_t core = core_of[t->syn[r0 + j].tgt];
            uint64_t delayed = S_META_DELAY(meta[r0 + j]) != 0;
            keys[j].key = ((uint64_t)core << 33) | (delayed << 32) | j;
            if (j && keys[j].key < keys[j - 1].key)
                sorted = 0;
        }
        if (!sorted)
            qsort(keys, len, sizeof *keys, s_key_cmp);
        memcpy(tmp, t->syn + r0, len * sizeof *tmp);
        memcpy(tmpm, meta + r0, len * sizeof *tmpm);
        uint32_t cur_core = UINT32_MAX;
        for (uint64_t j = 0; j < len; j++) {
            uint64_t from = keys[j].key & 0xFFFFFFFFu;
            uint32_t tgt_gid = tmp[from].tgt;
            uint32_t core = core_of[tgt_gid];
            uint32_t m = tmpm[from];
            uint32_t l = m & SM_SYN_STRUCT_META ? SM_SYN_STRUCT : local_of[tgt_gid];
            t->syn[r0 + j].tgt = (l << SM_SYN_LOCAL_SHIFT) | (S_META_DELAY(m) << SM_SYN_DELAY_SHIFT) | (m & 1u);
            t->syn[r0 + j].w = tmp[from].w;
            if (m & S_META_CLAMP)
                t->binary[(r0 + j) >> 6] |= 1ULL << ((r0 + j) & 63);
            if (core != cur_core) {
                if (t->n_fan == fan_cap) {
                    fan_cap *= 2;
                    sm_fan_t *f = realloc(t->fan, fan_cap * sizeof *f);
                    if (!f)
                        goto nomem;
                    t->fan = f;
                }
                sm_fan_t *f = &t->fan[t->n_fan++];
                f->core = core;
                f->off = (uint32_t)j;
                cur_core = core;
            }
        }
    }
    t->fan_off[n] = t->n_fan;
    t->fan_kind = malloc(t->n_fan ? t->n_fan : 1);
    if (!t->fan_kind)
        goto nomem;
    for (uint32_t g = 0; g < n; g++)
        for (uint64_t f = t->fan_off[g]; f < t->fan_off[g + 1]; f++) {
            const sm_syn_t *seg = sm_fan_syn(t, g, f);
            uint32_t len = sm_fan_len(t, g, f);
            t->fan_kind[f] = (uint8_t)((sm_seg_has_delay0(seg, len) ? SM_FAN_D0 : 0u) |
                                       (sm_seg_has_delayed(seg, len) ? SM_FAN_DL : 0u));
        }
    free(st_of);
    free(rec);
    sm_stcores_fini(&b.sc);
    free(meta);
    free(keys);
    free(tmp);
    free(tmpm);
    if (t->n_fan < fan_cap && t->n_fan) {
        sm_fan_t *f = realloc(t->fan, t->n_fan * sizeof *f);
        if (f)
            t->fan = f;
    }
    if (t->max_delay == 0 && t->min_delay == UINT32_MAX)
        t->max_delay = 0;
    return 0;

nomem:
    free(b.rcount);
    free(b.rcursor);
    free(b.rtmp);
    b.rcount = NULL;
    b.rcursor = NULL;
    b.rtmp = NULL;
    sm_fail(err, SM_ENOMEM, "out of memory building the synapse table (%llu synapses)",
            (unsigned long long)t->n_syn);
fail:
    for (uint32_t i = 0; rec && i < net->n_projs; i++)
        s_rec_free(&rec[i]);
    free(rec);
    free(st_of);
    sm_stcores_fini(&b.sc);
    free(b.count);
    free(b.rcount);
    free(b.rcursor);
    free(b.rtmp);
    free(b.cursor);
    free(meta);
    free(keys);
    free(tmp);
    free(tmpm);
    sm_syntab_fini(t);
    return -1;
}

void sm_syntab_fini(sm_syntab_t *t)
{
    for (uint32_t i = 0; t->st && i < t->n_st; i++)
        sm_synstruct_fini(&t->st[i]);
    free(t->st);
    free(t->route_off);
    free(t->route);
    free(t->row);
    free(t->fan_off);
    free(t->fan);
    free(t->fan_kind);
    free(t->syn);
    free(t->binary);
    memset(t, 0, sizeof *t);
}

uint64_t sm_syntab_find(const sm_syntab_t *t, uint32_t gid, uint32_t core)
{
    if (gid >= t->n_gids)
        return UINT64_MAX;
    return sm_syntab_search(t, t->fan_off[gid], t->fan_off[gid + 1], core);
}
