#include "syntab.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "syntab_int.h"

/* What pass 3 needs of a synapse besides its target gid and weight: port
 * (bit 0), delay (bits 1-9), clamp, and whether it is a structured sentinel.
 * While the table is built, a target gid below 2^20 carries these 12 bits in
 * the low bits of its target word (no array beside the synapses: 2 bytes per
 * synapse off the peak); larger networks keep them in an array. */
#define S_M_CLAMP (1u << 10)
#define S_M_STRUCT (1u << 11)
#define S_M_BITS 12
#define S_M_MASK ((1u << S_M_BITS) - 1u)
#define S_M_DELAY(m) (((m) >> 1) & SM_SYN_DELAY_MASK)
#define S_PACKED_GIDS (1u << (32 - S_M_BITS))
#define S_UNSORTED (1u << 31)

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
    uint32_t *order;      /* pass 2, per source: the (core, delayed) key of its row's
                           * last synapse so far, S_UNSORTED once one came before
                           * the one ahead of it */
    uint16_t *meta;       /* pass 2, only for gids of S_PACKED_GIDS and above: the 12
                           * bits above, per synapse */
    float fw_in, fw_out;  /* the last fixed-point weight converted, and what it gave */
    int fw_valid;
    sm_stcores_t sc;      /* structured: the cores of one source      */
    int any_clamp;
    sm_error_t *err;
    int failed;
} s_build_t;

/* Notes the (core, delayed) key of a synapse appended to source sg's row:
 * pass 3 then knows which rows are in order without reading them. */
static inline void s_order(uint32_t *order, uint32_t sg, uint32_t core, uint32_t delayed)
{
    const uint32_t key = core << 1 | delayed, o = order[sg];
    order[sg] = key | (o & S_UNSORTED) | (key < (o & ~S_UNSORTED) ? S_UNSORTED : 0u);
}

/* Stages synapse `at` for pass 3. */
static inline void s_put(s_build_t *b, uint64_t at, uint32_t gid, uint32_t m, float w)
{
    if (b->meta) {
        b->t->syn[at].tgt = gid;
        b->meta[at] = (uint16_t)m;
    } else {
        b->t->syn[at].tgt = gid << S_M_BITS | m;
    }
    b->t->syn[at].w = w;
}

static inline uint32_t s_staged_gid(const s_build_t *b, uint32_t tgt)
{
    return b->meta ? tgt : tgt >> S_M_BITS;
}

static inline uint32_t s_staged_meta(const s_build_t *b, uint64_t at, uint32_t tgt)
{
    return b->meta ? b->meta[at] : tgt & S_M_MASK;
}

/* A delay seen in pass 1: refused beyond what a synapse holds, else noted
 * for the table's delay range. */
static int s_delay_seen(s_build_t *b, uint32_t delay)
{
    if (delay > SM_MAX_DELAY) {
        sm_fail(b->err, SM_ERANGE, "projections[%u]: delay %u ticks exceeds the maximum of %u",
                b->proj_index, delay, SM_MAX_DELAY);
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

/* One more synapse in a row (or route) counter; refused before a row's
 * 32-bit index wraps. */
static inline int s_bump(s_build_t *b, uint32_t *n, uint32_t src)
{
    if (++*n > UINT32_MAX / 2) {
        sm_fail(b->err, SM_ETOOBIG, "projections[%u]: neuron %u of '%s' has more than %u synapses",
                b->proj_index, src, b->net->pops[b->pr->src_pop].name, UINT32_MAX / 2);
        b->failed = 1;
        return 1;
    }
    return 0;
}

/* Counts synapse src -> dst in its row, or in its source's routes when the
 * target is not ours and the source is. */
static inline int s_count_one(s_build_t *b, uint32_t src, uint32_t dst)
{
    uint32_t sg = b->src_first + src;
    if (b->local && !b->local[b->core_of[b->dst_first + dst]])
        return b->local[b->core_of[sg]] ? s_bump(b, &b->rcount[sg], src) : 0;
    return s_bump(b, &b->count[sg], src);
}

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
    const uint32_t m = S_M_STRUCT | (st->delay << 1) | st->port;
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
            /* A target on that core, for pass 3. */
            s_put(b, b->cursor[g]++, tg, m, w.f);
            s_order(b->order, g, core, st->delay != 0);
        }
    }
    return 0;
}

/* A projection's synapses as pass 1 generated them, so that the counts come
 * from a tight loop over them and pass 2 replays them instead of generating
 * them again (a fixed_probability projection draws a logarithm per
 * synapse): sources in generation order, the targets as runs, and the one
 * weight and delay they all share. A projection whose weights or delays
 * vary is not kept (counted as it is generated, generated again in pass 2):
 * its values would cost more memory than the table. */
typedef struct {
    s_build_t *b;
    int ok;               /* every synapse so far had weight w and delay d */
    float w;
    uint32_t d;
    uint32_t *src;        /* per synapse                                  */
    uint64_t n, cap;
    uint32_t *run_dst;    /* per run of one target: the target ...        */
    uint64_t *run_end;    /* ... and the end of its sources in src (the
                           * last run's set by s_rec_count)               */
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

/* Counts what r holds, in its rows and routes. */
static int s_rec_count(s_build_t *b, s_rec_t *r)
{
    /* The last run's end; the others' were set as the next began. */
    if (r->n_run)
        r->run_end[r->n_run - 1] = r->n;
    uint64_t i = 0;
    for (uint64_t k = 0; k < r->n_run; k++) {
        uint32_t dg = b->dst_first + r->run_dst[k];
        uint64_t end = r->run_end[k];
        if (b->local && !b->local[b->core_of[dg]]) {
            for (; i < end; i++) {
                uint32_t sg = b->src_first + r->src[i];
                if (b->local[b->core_of[sg]] && s_bump(b, &b->rcount[sg], r->src[i]))
                    return -1;
            }
            continue;
        }
        for (; i < end; i++)
            if (s_bump(b, &b->count[b->src_first + r->src[i]], r->src[i]))
                return -1;
    }
    return 0;
}

/* The record is given up: what it holds is counted, and the rest of the
 * projection is counted as it is generated. */
static int s_rec_drop(s_rec_t *r)
{
    int rc = s_rec_count(r->b, r);
    s_rec_free(r);
    return rc;
}

/* Room for nc runs (targets) in r; -1 if it cannot grow. */
static int s_rec_runs_room(s_rec_t *r, uint64_t nc)
{
    uint32_t *a = realloc(r->run_dst, nc * sizeof *a);
    if (!a)
        return -1;
    r->run_dst = a;
    uint64_t *e = realloc(r->run_end, nc * sizeof *e);
    if (!e)
        return -1;
    r->run_end = e;
    r->cap_run = nc;
    return 0;
}

/* Twice the room for runs in r. */
static int s_rec_more_runs(s_rec_t *r)
{
    return s_rec_runs_room(r, r->cap_run ? r->cap_run * 2 : 256);
}

static int s_rec_grow(s_rec_t *r, uint32_t dst)
{
    if (r->n == r->cap) {
        uint64_t nc = r->cap ? r->cap * 2 : 1024;
        uint32_t *a = realloc(r->src, nc * sizeof *a);
        if (!a)
            return -1;
        r->src = a;
        r->cap = nc;
    }
    if (!r->n_run || r->run_dst[r->n_run - 1] != dst) {
        if (r->n_run == r->cap_run && s_rec_more_runs(r))
            return -1;
        if (r->n_run)
            r->run_end[r->n_run - 1] = r->n;
        r->run_dst[r->n_run++] = dst;
    }
    return 0;
}

/* Pass 1's callback when the fast path below cannot take the synapse:
 * the first one, a new target, a full array, another weight or delay, or a
 * projection no longer recorded. */
static __attribute__((noinline)) int s_rec_slow(s_rec_t *r, uint32_t src, uint32_t dst, float w,
                                                uint32_t delay)
{
    s_build_t *b = r->b;
    if (r->ok) {
        if (r->n == 0) {
            if (s_delay_seen(b, delay))
                return 1;
            r->w = w;
            r->d = delay;
        } else if (memcmp(&w, &r->w, sizeof w) || delay != r->d) {
            if (s_rec_drop(r))
                return 1;
            goto count;
        }
        if (s_rec_grow(r, dst)) {
            /* Not kept: pass 2 generates it again. */
            if (s_rec_drop(r) || s_count_one(b, src, dst))
                return 1;
            return 0;
        }
        r->src[r->n++] = src;
        return 0;
    }
count:
    if (s_delay_seen(b, delay))
        return 1;
    return s_count_one(b, src, dst);
}

/* Pass 1's callback: records while the weights and delays stay one value,
 * counts directly once they do not. */
static int s_rec_add(void *ctx, uint32_t src, uint32_t dst, float w, uint32_t delay)
{
    s_rec_t *r = ctx;
    /* ok implies n_run once n > 0; n < cap keeps room for one more. */
    if (r->ok && r->n && r->n < r->cap && r->run_dst[r->n_run - 1] == dst && delay == r->d &&
        !memcmp(&w, &r->w, sizeof w)) {
        r->src[r->n++] = src;
        return 0;
    }
    return s_rec_slow(r, src, dst, w, delay);
}

/* Room in r for one more run of n sources; -1 if it cannot grow. */
static int s_rec_reserve(s_rec_t *r, uint32_t n)
{
    if (r->n + n > r->cap) {
        uint64_t nc = r->cap ? r->cap : 1024;
        while (nc < r->n + n)
            nc *= 2;
        uint32_t *a = realloc(r->src, nc * sizeof *a);
        if (!a)
            return -1;
        r->src = a;
        r->cap = nc;
    }
    return r->n_run == r->cap_run ? s_rec_more_runs(r) : 0;
}

/* Pass 1's callback for the synapses of one target (sm_proj_generate_runs):
 * one run appended to the record, or, once the projection is not recorded,
 * each synapse counted. */
static int s_rec_run(void *ctx, uint32_t dst, const uint32_t *src, uint32_t n, float w,
                     uint32_t delay)
{
    s_rec_t *r = ctx;
    s_build_t *b = r->b;
    if (r->ok && r->n && (memcmp(&w, &r->w, sizeof w) || delay != r->d) && s_rec_drop(r))
        return 1;
    if (r->ok && r->n == 0) {
        if (s_delay_seen(b, delay))
            return 1;
        r->w = w;
        r->d = delay;
    }
    /* Not kept if it cannot grow: pass 2 generates it again. */
    if (r->ok && s_rec_reserve(r, n) && s_rec_drop(r))
        return 1;
    if (!r->ok) {
        if (s_delay_seen(b, delay))
            return 1;
        for (uint32_t i = 0; i < n; i++)
            if (s_count_one(b, src[i], dst))
                return 1;
        return 0;
    }
    if (r->n_run)
        r->run_end[r->n_run - 1] = r->n;
    r->run_dst[r->n_run++] = dst;
    memcpy(r->src + r->n, src, (size_t)n * sizeof *src);
    r->n += n;
    return 0;
}

/* Below this many targets (or synapses) a projection is generated (or
 * replayed) on the calling thread alone: a thread costs more than it saves. */
#define S_SPLIT_MIN 4096u

/* The second half of a projection's targets, recorded on a thread of its
 * own while the caller records the first half into its s_rec_t: runs only,
 * appended as they come, nothing counted. */
typedef struct {
    const sm_net_t *net;
    const sm_proj_t *pr;
    uint32_t t0, t1;
    s_rec_t r;              /* src, runs (run_end set for each)    */
    int failed;
} s_half_t;

static int s_half_run(void *ctx, uint32_t dst, const uint32_t *src, uint32_t n, float w,
                      uint32_t delay)
{
    (void)w;
    (void)delay;
    s_rec_t *r = &((s_half_t *)ctx)->r;
    if (s_rec_reserve(r, n))
        return 1;
    r->run_dst[r->n_run] = dst;
    memcpy(r->src + r->n, src, (size_t)n * sizeof *src);
    r->n += n;
    r->run_end[r->n_run++] = r->n;
    return 0;
}

static void *s_half_main(void *arg)
{
    s_half_t *h = arg;
    h->failed = sm_proj_generate_target_runs(h->net, h->pr, h->t0, h->t1, s_half_run, h) != 0;
    return NULL;
}

/* Appends h's runs to r, which holds the targets before them. */
static int s_rec_append(s_rec_t *r, const s_half_t *h)
{
    const s_rec_t *q = &h->r;
    if (r->n + q->n > r->cap) {
        uint32_t *a = realloc(r->src, (r->n + q->n) * sizeof *a);
        if (!a)
            return -1;
        r->src = a;
        r->cap = r->n + q->n;
    }
    if (r->n_run + q->n_run > r->cap_run && s_rec_runs_room(r, r->n_run + q->n_run))
        return -1;
    if (r->n_run)
        r->run_end[r->n_run - 1] = r->n;
    memcpy(r->src + r->n, q->src, q->n * sizeof *q->src);
    memcpy(r->run_dst + r->n_run, q->run_dst, q->n_run * sizeof *q->run_dst);
    for (uint64_t k = 0; k < q->n_run; k++)
        r->run_end[r->n_run + k] = r->n + q->run_end[k];
    r->n += q->n;
    r->n_run += q->n_run;
    return 0;
}

/* Pass 1's generation of projection pr into r. With threads, a projection
 * whose targets each draw from their own stream is generated in two halves
 * at once, the second on a thread of its own, and its runs appended after
 * the first's: the record the calling thread alone would have made. When
 * that cannot be (no thread, no memory, the first half gave up its record
 * or recorded nothing), the second half is generated here after the first.
 * Returns sm_proj_generate_runs's answer. */
static int s_record(s_build_t *b, const sm_proj_t *pr, s_rec_t *r, uint32_t threads)
{
    const uint32_t n_dst = b->net->pops[pr->dst_pop].size;
    if (threads < 2 || n_dst < S_SPLIT_MIN || !sm_proj_runs_by_target(pr))
        return sm_proj_generate_runs(b->net, pr, s_rec_add, s_rec_run, r);
    s_half_t h = {.net = b->net, .pr = pr, .t0 = n_dst / 2, .t1 = n_dst};
    pthread_t th;
    const int spawned = pthread_create(&th, NULL, s_half_main, &h) == 0;
    int rc = sm_proj_generate_target_runs(b->net, pr, 0, h.t0, s_rec_run, r);
    if (spawned)
        pthread_join(th, NULL);
    if (rc == 0 && (!spawned || h.failed || !r->ok || !r->n || s_rec_append(r, &h)))
        rc = sm_proj_generate_target_runs(b->net, pr, h.t0, n_dst, s_rec_run, r);
    s_rec_free(&h.r);
    /* 1: no memory for the generator's scratch (the first half's before it
     * gave anything: all of it is generated the serial way then). */
    if (rc == 1 && !r->n && !r->n_run)
        return sm_proj_generate_runs(b->net, pr, s_rec_add, s_rec_run, r);
    return rc == 0 ? 0 : -1;
}

/* The weight a synapse stores: a fixed-point projection's effective
 * integer, converted once per run of equal weights. */
static inline float s_weight_of(s_build_t *b, float w)
{
    if (!b->pr->fixed)
        return w;
    if (!b->fw_valid || memcmp(&w, &b->fw_in, sizeof w)) {
        b->fw_in = w;
        b->fw_out = sm_proj_fixed_weight(b->pr, w);
        b->fw_valid = 1;
    }
    return b->fw_out;
}

static inline uint32_t s_meta_of(const sm_proj_t *pr, uint32_t delay)
{
    return (pr->clamp ? S_M_CLAMP : 0u) | (delay << 1) | (pr->port == SM_PORT_INH ? 1u : 0u);
}

static int s_fill(void *ctx, uint32_t src, uint32_t dst, float w, uint32_t delay)
{
    s_build_t *b = ctx;
    uint32_t dg = b->dst_first + dst, sg = b->src_first + src;
    uint32_t dcore = b->core_of[dg];
    if (b->local && !b->local[dcore]) {
        if (b->local[b->core_of[sg]])
            b->rtmp[b->rcursor[sg]++] = dcore | (delay ? SM_ROUTE_DL : SM_ROUTE_D0);
        return 0;
    }
    s_put(b, b->cursor[sg]++, dg, s_meta_of(b->pr, delay), s_weight_of(b, w));
    s_order(b->order, sg, dcore, delay != 0);
    b->any_clamp |= b->pr->clamp;
    return 0;
}

/* Appends to source s's row a synapse whose gid carries its meta bits
 * (tgt), onto core dcore. */
static inline void s_put_packed(sm_syn_t *syn, uint64_t *cur, uint32_t *order, uint32_t s,
                                uint32_t tgt, uint32_t dcore, uint32_t delayed, float w)
{
    syn[cur[s]++] = (sm_syn_t){.tgt = tgt, .w = w};
    s_order(order, s, dcore, delayed);
}

/* Pass 2 of a projection pass 1 kept, in the order it was generated: one
 * weight, one staged target per run. */
static void s_replay(s_build_t *b, const s_rec_t *r)
{
    const float w = s_weight_of(b, r->w);
    const uint32_t m = s_meta_of(b->pr, r->d);
    const uint32_t rflag = r->d ? SM_ROUTE_DL : SM_ROUTE_D0;
    sm_syn_t *syn = b->t->syn;
    uint64_t *cur = b->cursor + b->src_first;
    uint64_t i = 0;
    for (uint64_t k = 0; k < r->n_run; k++) {
        const uint32_t dg = b->dst_first + r->run_dst[k], dcore = b->core_of[dg];
        const uint64_t end = r->run_end[k];
        if (b->local && !b->local[dcore]) {
            for (; i < end; i++) {
                uint32_t sg = b->src_first + r->src[i];
                if (b->local[b->core_of[sg]])
                    b->rtmp[b->rcursor[sg]++] = dcore | rflag;
            }
            continue;
        }
        b->any_clamp |= b->pr->clamp && i < end;
        uint32_t *order = b->order + b->src_first;
        if (b->meta) {
            for (; i < end; i++) {
                uint64_t at = cur[r->src[i]]++;
                syn[at] = (sm_syn_t){.tgt = dg, .w = w};
                b->meta[at] = (uint16_t)m;
                s_order(order, r->src[i], dcore, r->d != 0);
            }
        } else {
            const uint32_t tgt = dg << S_M_BITS | m;
            for (; i < end; i++)
                s_put_packed(syn, cur, order, r->src[i], tgt, dcore, r->d != 0, w);
        }
    }
}

/* One thread's part of a parallel replay: the record's synapses from
 * sources lo .. hi - 1 (relative to the projection's first), which no
 * other part writes (their rows, cursors and order keys are theirs). */
typedef struct {
    const s_build_t *b;
    const s_rec_t *r;
    float w;                /* s_weight_of, found once by the caller */
    uint32_t lo, hi;
} s_span_t;

static void *s_replay_span(void *arg)
{
    const s_span_t *sp = arg;
    const s_build_t *b = sp->b;
    const s_rec_t *r = sp->r;
    const uint32_t m = s_meta_of(b->pr, r->d);
    sm_syn_t *syn = b->t->syn;
    uint64_t *cur = b->cursor + b->src_first;
    uint32_t *order = b->order + b->src_first;
    uint64_t i = 0;
    for (uint64_t k = 0; k < r->n_run; k++) {
        const uint32_t dg = b->dst_first + r->run_dst[k], dcore = b->core_of[dg];
        const uint64_t end = r->run_end[k];
        const uint32_t tgt = dg << S_M_BITS | m;
        for (; i < end; i++) {
            const uint32_t s = r->src[i];
            if (s >= sp->lo && s < sp->hi)
                s_put_packed(syn, cur, order, s, tgt, dcore, r->d != 0, sp->w);
        }
    }
    return NULL;
}

/* s_replay, the sources split in two halves on two threads where that is
 * the same writes: every target on this table's cores, gids packed. */
static void s_replay_par(s_build_t *b, const s_rec_t *r, uint32_t threads)
{
    const uint32_t n_src = b->net->pops[b->pr->src_pop].size;
    if (threads < 2 || b->local || b->meta || r->n < S_SPLIT_MIN || n_src < 2) {
        s_replay(b, r);
        return;
    }
    b->any_clamp |= b->pr->clamp && r->n > 0;
    const float w = s_weight_of(b, r->w);
    s_span_t hi = {.b = b, .r = r, .w = w, .lo = n_src / 2, .hi = n_src};
    s_span_t lo = {.b = b, .r = r, .w = w, .lo = 0, .hi = n_src / 2};
    pthread_t th;
    if (pthread_create(&th, NULL, s_replay_span, &hi)) {
        s_replay_span(&hi);
        s_replay_span(&lo);
        return;
    }
    s_replay_span(&lo);
    pthread_join(th, NULL);
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

/* Pass 3's scratch for a row that is not in (core, delayed) order already. */
typedef struct {
    s_key_t *keys;
    sm_syn_t *tmp;
    uint16_t *tmpm;
    uint64_t cap;
} s_sort_t;

static void s_sort_fini(s_sort_t *s)
{
    free(s->keys);
    free(s->tmp);
    free(s->tmpm);
    memset(s, 0, sizeof *s);
}

/* Pass 3's writer of one row: its synapses in their final form, and its
 * fan-out entries, cut where the core changes. Copies of the table's
 * pointers, so that its stores do not make the compiler read them again. */
typedef struct {
    sm_syn_t *syn;          /* the row */
    uint64_t r0;            /* its first synapse's index */
    uint64_t *binary;
    const uint32_t *core_of, *local_of;
    sm_fan_t *fan;
    uint8_t *kind;
    uint64_t n_fan;
    uint32_t cur_core;      /* of the entry being cut, UINT32_MAX before the first */
    uint32_t cur_kind;      /* what that entry's segment holds so far */
} s_row_t;

static inline void s_place(s_row_t *w, uint64_t j, uint32_t gid, uint32_t m, float wt)
{
    const uint32_t core = w->core_of[gid];
    const uint32_t l = m & S_M_STRUCT ? SM_SYN_STRUCT : w->local_of[gid];
    w->syn[j] = (sm_syn_t){.tgt = (l << SM_SYN_LOCAL_SHIFT) | (m & (SM_SYN_DELAY_MASK << 1 | 1u)),
                           .w = wt};
    if (m & S_M_CLAMP)
        w->binary[(w->r0 + j) >> 6] |= 1ULL << ((w->r0 + j) & 63);
    if (core != w->cur_core) {
        if (w->cur_core != UINT32_MAX)
            w->kind[w->n_fan - 1] = (uint8_t)w->cur_kind;
        w->fan[w->n_fan++] = (sm_fan_t){.core = core, .off = (uint32_t)j};
        w->cur_core = core;
        w->cur_kind = 0;
    }
    /* In core order with the delay-0 synapses first, a segment's first and
     * last synapses say what it holds; this marks it as it goes. */
    w->cur_kind |= S_M_DELAY(m) ? SM_FAN_DL : SM_FAN_D0;
}

/* The kind of the row's last entry. */
static inline void s_row_end(const s_row_t *w, uint64_t *n_fan)
{
    if (w->cur_core != UINT32_MAX)
        w->kind[w->n_fan - 1] = (uint8_t)w->cur_kind;
    *n_fan = w->n_fan;
}

/* Pass 3 of row g: ordered by (core, delayed) keeping generation order,
 * targets packed, fan-out entries cut. A row already in that order, as
 * pass 2 noted (every row of a projection generated target by target onto
 * cores that follow the gids), is done in place. */
static int s_finish_row(sm_syntab_t *t, const s_build_t *b, uint32_t g, s_sort_t *s,
                        uint64_t *n_fan)
{
    const uint64_t r0 = t->row[g], len = t->row[g + 1] - r0;
    s_row_t w = {.syn = t->syn + r0, .r0 = r0, .binary = t->binary, .core_of = b->core_of,
                 .local_of = t->local_of, .fan = t->fan, .kind = t->fan_kind,
                 .n_fan = *n_fan, .cur_core = UINT32_MAX};
    const uint16_t *meta = b->meta ? b->meta + r0 : NULL;
    sm_syn_t *syn = w.syn;
    if (!(b->order[g] & S_UNSORTED)) {
        if (meta)
            for (uint64_t j = 0; j < len; j++)
                s_place(&w, j, syn[j].tgt, meta[j], syn[j].w);
        else
            for (uint64_t j = 0; j < len; j++)
                s_place(&w, j, syn[j].tgt >> S_M_BITS, syn[j].tgt & S_M_MASK, syn[j].w);
        s_row_end(&w, n_fan);
        return 0;
    }
    if (len > s->cap) {
        s_sort_fini(s);
        s->cap = len;
        s->keys = malloc(len * sizeof *s->keys);
        s->tmp = malloc(len * sizeof *s->tmp);
        s->tmpm = meta ? malloc(len * sizeof *s->tmpm) : NULL;
        if (!s->keys || !s->tmp || (meta && !s->tmpm))
            return -1;
    }
    for (uint64_t j = 0; j < len; j++) {
        uint32_t tgt = syn[j].tgt;
        uint64_t core = w.core_of[s_staged_gid(b, tgt)];
        uint64_t delayed = S_M_DELAY(s_staged_meta(b, r0 + j, tgt)) != 0;
        s->keys[j].key = (core << 33) | (delayed << 32) | j;
    }
    qsort(s->keys, len, sizeof *s->keys, s_key_cmp);
    memcpy(s->tmp, syn, len * sizeof *s->tmp);
    if (meta)
        memcpy(s->tmpm, meta, len * sizeof *s->tmpm);
    for (uint64_t j = 0; j < len; j++) {
        uint64_t from = s->keys[j].key & 0xFFFFFFFFu;
        uint32_t tgt = s->tmp[from].tgt;
        uint32_t m = meta ? s->tmpm[from] : tgt & S_M_MASK;
        s_place(&w, j, s_staged_gid(b, tgt), m, s->tmp[from].w);
    }
    s_row_end(&w, n_fan);
    return 0;
}

/* Pass 3 of rows g0 .. g1 - 1, their fan-out entries written from n_fan
 * on (which ends past them). */
typedef struct {
    sm_syntab_t *t;
    const s_build_t *b;
    uint32_t g0, g1;
    uint64_t n_fan;
    s_sort_t sort;
    int rc;
} s_rows_t;

static void *s_rows_main(void *arg)
{
    s_rows_t *w = arg;
    for (uint32_t g = w->g0; g < w->g1 && !w->rc; g++) {
        w->t->fan_off[g] = w->n_fan;
        w->rc = s_finish_row(w->t, w->b, g, &w->sort, &w->n_fan);
    }
    return NULL;
}

/* Pass 3 of all n rows, into t->n_fan entries; on two threads where rows
 * are independent (no clamp bits, whose words two rows may share), split
 * at the row with half the synapses before it. The second half's entries
 * are written from its first synapse's index (a row has at most an entry a
 * synapse, so the first half ends before), then moved down. */
static int s_finish_rows(sm_syntab_t *t, const s_build_t *b, uint32_t n, uint32_t threads,
                         s_sort_t *sort)
{
    uint32_t gm = n;
    if (threads >= 2 && !t->binary && t->n_syn >= 2 * S_SPLIT_MIN) {
        uint32_t lo = 0;
        for (uint32_t hi = n; lo < hi;) {
            uint32_t m = lo + (hi - lo) / 2;
            if (t->row[m] < t->n_syn / 2)
                lo = m + 1;
            else
                hi = m;
        }
        gm = lo;
    }
    s_rows_t one = {.t = t, .b = b, .g0 = 0, .g1 = gm, .sort = *sort};
    s_rows_t two = {.t = t, .b = b, .g0 = gm, .g1 = n, .n_fan = t->row[gm]};
    pthread_t th;
    const int spawned = gm > 0 && gm < n && pthread_create(&th, NULL, s_rows_main, &two) == 0;
    if (!spawned)
        one.g1 = n;
    s_rows_main(&one);
    *sort = one.sort;
    t->n_fan = one.n_fan;
    if (!spawned)
        return one.rc;
    pthread_join(th, NULL);
    s_sort_fini(&two.sort);
    if (one.rc || two.rc)
        return -1;
    const uint64_t from = t->row[gm], n2 = two.n_fan - from;
    memmove(t->fan + one.n_fan, t->fan + from, n2 * sizeof *t->fan);
    memmove(t->fan_kind + one.n_fan, t->fan_kind + from, n2);
    for (uint32_t g = gm; g < n; g++)
        t->fan_off[g] -= from - one.n_fan;
    t->n_fan += n2;
    return 0;
}

int sm_syntab_build(sm_syntab_t *t, const sm_net_t *net, const uint32_t *core_of,
                    const uint32_t *local_of, const uint8_t *local, sm_error_t *err)
{
    return sm_syntab_build_par(t, net, core_of, local_of, local, 1, err);
}

int sm_syntab_build_par(sm_syntab_t *t, const sm_net_t *net, const uint32_t *core_of,
                        const uint32_t *local_of, const uint8_t *local, uint32_t threads,
                        sm_error_t *err)
{
    memset(t, 0, sizeof *t);
    t->n_gids = net->n_neurons;
    t->min_delay = UINT32_MAX;
    uint32_t n = net->n_neurons;
    s_build_t b = {.t = t, .net = net, .err = err, .core_of = core_of, .local = local};
    uint32_t *st_of = NULL;
    s_sort_t sort = {0};
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
        if (s_record(&b, pr, &rec[i], threads) < 0 && !b.failed)
            goto nomem;
        if (b.failed || (rec[i].ok && s_rec_count(&b, &rec[i])))
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
    if (n >= S_PACKED_GIDS)
        b.meta = malloc((t->n_syn ? t->n_syn : 1) * sizeof *b.meta);
    b.cursor = malloc(((size_t)n + 1) * sizeof *b.cursor);
    b.order = calloc((size_t)n + 1, sizeof *b.order);
    if (!t->syn || (n >= S_PACKED_GIDS && !b.meta) || !b.cursor || !b.order)
        goto nomem;
    memcpy(b.cursor, t->row, ((size_t)n + 1) * sizeof *b.cursor);
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
        b.fw_valid = 0;
        if (rec[i].ok) {
            s_replay_par(&b, &rec[i], threads);
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

    /* Pass 3. A row has at most one fan-out entry per synapse: reserve that
     * many at once (pages never written cost nothing, and the arrays are
     * shrunk below) rather than grow by copies, whose freed blocks the heap
     * keeps. */
    t->fan = malloc((t->n_syn + 1) * sizeof *t->fan);
    t->fan_kind = malloc(t->n_syn + 1);
    if (!t->fan || !t->fan_kind)
        goto nomem;
    if (s_finish_rows(t, &b, n, threads, &sort))
        goto nomem;
    t->fan_off[n] = t->n_fan;
    free(st_of);
    free(rec);
    sm_stcores_fini(&b.sc);
    free(b.meta);
    free(b.order);
    s_sort_fini(&sort);
    if (t->n_fan) {
        sm_fan_t *f = realloc(t->fan, t->n_fan * sizeof *f);
        if (f)
            t->fan = f;
        uint8_t *k = realloc(t->fan_kind, t->n_fan);
        if (k)
            t->fan_kind = k;
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
    free(b.meta);
    free(b.order);
    s_sort_fini(&sort);
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
