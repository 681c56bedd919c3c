/* ncore_deliver: spikes into the cores' input rings, in canonical order.
 * This is the engine's innermost loop: one pass per synaptic event. */
#include <stdlib.h>
#include <string.h>

#include "ncore_int.h"

/* Fetches up to 1 KB from p, the first 16 lines of n bytes. */
SM_PREFETCHER void s_prefetch_bytes(const void *p, size_t n)
{
    for (size_t o = 0; o < n && o < 1024; o += 64)
        __builtin_prefetch((const char *)p + o, 0);
}

/* Narrows [*f0, *f1), a row's fan-out entries (in core order), to those
 * for cores lo .. hi - 1. */
static inline void s_shard_part(const sm_syntab_t *t, uint32_t lo, uint32_t hi, uint64_t *f0,
                                uint64_t *f1)
{
    *f0 = sm_syntab_lower(t, *f0, *f1, lo);
    *f1 = sm_syntab_lower(t, *f0, *f1, hi);
}

/* A row event (SM_WEV_ROW + shard): every segment of the source's row on
 * that shard's cores, in order, which is the order the fan-out entries'
 * events one each would have been delivered in, so every sum is the same.
 * No delay-0 synapse there, no structured one (s_row_sources checks). */
static int s_deliver_row(const sm_core_ctx_t *cx, const sm_wev_t *ev, sm_u32vec_t *active)
{
    const sm_syntab_t *t = cx->tab;
    const int mark = !cx->dense;
    const float cnt = cx->neg && cx->neg[ev->src] ? (float)(int32_t)ev->count : (float)ev->count;
    const int clamp = t->binary && ev->count > 1;
    uint64_t f0 = t->fan_off[ev->src], f1 = t->fan_off[ev->src + 1];
    const uint32_t own = ev->fan - SM_WEV_ROW;
    if (cx->shard_first)
        s_shard_part(t, cx->shard_first[own], cx->shard_first[own + 1], &f0, &f1);
    for (uint64_t f = f0; f < f1; f++) {
        if (cx->core_shard[t->fan[f].core] != own)
            continue; /* its shard delivers it */
        /* Targets ahead on this shard (another shard's would only be pulled
         * over here): a row's segments are short and its cores far apart.
         * Where the cores keep input in the cells (inl: 64 bytes a neuron,
         * which outgrow the caches first) each target of the segment four
         * ahead is a miss of its own: fetch them all. Input planes (4 bytes a
         * neuron, CUBA's swept cores) mostly hit: there the first target of
         * the segment two ahead is enough, and fetching all of them costs
         * more than it saves. */
        if (f + 4 < f1 && cx->core_shard[t->fan[f + 4].core] == own &&
            cx->cores[t->fan[f + 4].core].inl) {
            const sm_core_t *nc = &cx->cores[t->fan[f + 4].core];
            const sm_syn_t *ns = sm_fan_syn(t, ev->src, f + 4);
            const uint32_t nl = sm_fan_len(t, ev->src, f + 4);
            for (uint32_t q = 0; q < nl && q < 8; q++)
                __builtin_prefetch(&nc->cell[sm_syn_local(ns[q].tgt)], 1);
        } else if (f + 2 < f1 && cx->core_shard[t->fan[f + 2].core] == own) {
            const sm_core_t *nc = &cx->cores[t->fan[f + 2].core];
            const uint32_t tg = sm_fan_syn(t, ev->src, f + 2)->tgt;
            __builtin_prefetch(sm_core_acc(nc, (ev->te + sm_syn_delay(tg)) & cx->ring_mask,
                                           sm_syn_port(tg), sm_syn_local(tg)),
                               1);
        }
        sm_core_t *c = &cx->cores[t->fan[f].core];
        const uint32_t len = sm_fan_len(t, ev->src, f);
        const sm_syn_t *s = sm_fan_syn(t, ev->src, f);
        c->cnt.synaptic_events += len;
        for (uint32_t j = 0; j < len; j++) {
            uint32_t tg = s[j].tgt;
            uint32_t slot = (ev->te + sm_syn_delay(tg)) & cx->ring_mask;
            uint32_t l = sm_syn_local(tg);
            *sm_core_acc(c, slot, sm_syn_port(tg), l) +=
                s[j].w * (clamp ? sm_syn_count(t, &s[j], cnt) : cnt);
            if (mark && sm_core_touch(c, slot, l, active))
                return -1;
        }
    }
    return 0;
}

int sm_core_deliver_window(const sm_core_ctx_t *cx, const sm_wev_t *evs, uint32_t n,
                           sm_u32vec_t *active)
{
    const sm_syntab_t *t = cx->tab;
    const int mark = !cx->dense;
    for (uint32_t i = 0; i < n; i++) {
        const sm_wev_t *ev = &evs[i];
        if (ev->fan >= SM_WEV_ROW) {
            /* The row two events ahead: its fan-out entries and synapses,
             * a few hundred bytes each, somewhere in the table. A shard
             * that is a range of cores fetches only its part of the
             * synapses, found in the entries fetched one event earlier. */
            if (i + 2 < n && evs[i + 2].fan >= SM_WEV_ROW) {
                const uint32_t g = evs[i + 2].src;
                s_prefetch_bytes(&t->fan[t->fan_off[g]],
                                 (size_t)(t->fan_off[g + 1] - t->fan_off[g]) * sizeof *t->fan);
                if (!cx->shard_first)
                    s_prefetch_bytes(t->syn + t->row[g],
                                     (size_t)(t->row[g + 1] - t->row[g]) * sizeof *t->syn);
            }
            if (cx->shard_first && i + 1 < n && evs[i + 1].fan >= SM_WEV_ROW) {
                const uint32_t g = evs[i + 1].src, own = evs[i + 1].fan - SM_WEV_ROW;
                uint64_t f0 = t->fan_off[g], f1 = t->fan_off[g + 1];
                s_shard_part(t, cx->shard_first[own], cx->shard_first[own + 1], &f0, &f1);
                if (f0 < f1) {
                    const uint64_t r1 = f1 < t->fan_off[g + 1] ? t->row[g] + t->fan[f1].off : t->row[g + 1];
                    s_prefetch_bytes(sm_fan_syn(t, g, f0),
                                     (size_t)(r1 - t->row[g] - t->fan[f0].off) * sizeof *t->syn);
                }
            }
            if (s_deliver_row(cx, ev, active))
                return -1;
            continue;
        }
        const sm_fan_t *fa = &t->fan[ev->fan];
        sm_core_t *c = &cx->cores[fa->core];
        uint32_t len = sm_fan_len(t, ev->src, ev->fan);
        const sm_syn_t *s = sm_fan_syn(t, ev->src, ev->fan);
        float cnt = cx->neg && cx->neg[ev->src] ? (float)(int32_t)ev->count : (float)ev->count;
        const int clamp = t->binary && ev->count > 1;
        uint32_t j = t->has_delay0 ? sm_seg_n0(s, len) : 0;
        c->cnt.synaptic_events += len - j;
        /* Look ahead: fetch the synapse segment of the event 8 ahead.
         * Segments are short when connectivity is scattered, so the
         * look-ahead has to cross events. (Fetching the targets' inputs of
         * the event 4 ahead too was never compiled in: GCC dropped the
         * helper, see SM_PREFETCHER. Measured since, it did not pay.) */
        if (i + 8 < n && evs[i + 8].fan < SM_WEV_ROW) {
            const sm_wev_t *nx = &evs[i + 8];
            __builtin_prefetch(sm_fan_syn(t, nx->src, nx->fan), 0);
        }
        for (; j < len; j++) {
            uint32_t tg = s[j].tgt;
            uint32_t slot = (ev->te + sm_syn_delay(tg)) & cx->ring_mask;
            uint32_t l = sm_syn_local(tg);
            if (l == SM_SYN_STRUCT) {
                int64_t k = sm_core_struct(cx, c, ev->src, &s[j], slot, cnt, active);
                if (k < 0)
                    return -1;
                c->cnt.synaptic_events += (uint64_t)k - 1;
                continue;
            }
            *sm_core_acc(c, slot, sm_syn_port(tg), l) +=
                s[j].w * (clamp ? sm_syn_count(t, &s[j], cnt) : cnt);
            if (mark && sm_core_touch(c, slot, l, active))
                return -1;
        }
    }
    return 0;
}

int sm_core_deliver_delay0(const sm_core_ctx_t *cx, const sm_d0ev_t *evs, uint32_t n,
                           uint32_t tick, sm_u32vec_t *active, const sm_stwhole_t *wh)
{
    const sm_syntab_t *t = cx->tab;
    const int mark = !cx->dense;
    uint32_t slot = tick & cx->ring_mask;
    if (wh)
        for (uint32_t i = 0; i < t->n_st; i++)
            wh->last[i] = UINT32_MAX;
    for (uint32_t i = 0; i < n; i++) {
        const sm_d0ev_t *ev = &evs[i];
        const sm_fan_t *fa = &t->fan[ev->fan];
        sm_core_t *c = &cx->cores[fa->core];
        uint32_t len = sm_fan_len(t, ev->src, ev->fan);
        const sm_syn_t *s = sm_fan_syn(t, ev->src, ev->fan);
        float cnt = cx->neg && cx->neg[ev->src] ? (float)(int32_t)ev->count : (float)ev->count;
        const int clamp = t->binary && ev->count > 1;
        uint32_t j = 0;
        uint64_t extra = 0;
        /* The segments of events to come are scattered over the table:
         * fetch a few ahead. */
        if (i + 8 < n)
            __builtin_prefetch(sm_fan_syn(t, evs[i + 8].src, evs[i + 8].fan), 0);
        for (; j < len && sm_syn_delay(s[j].tgt) == 0; j++) {
            uint32_t l = sm_syn_local(s[j].tgt);
            if (l == SM_SYN_STRUCT) {
                uint32_t p = sm_syn_struct_index(&s[j]);
                if (wh && wh->whole[p]) {
                    /* Whole at the source's first event; its cores count. */
                    if (wh->last[p] != ev->src) {
                        wh->last[p] = ev->src;
                        if (sm_core_struct_whole(cx, &t->st[p], wh->rows ? &wh->rows[p] : NULL,
                                                 ev->src, slot, cnt, active))
                            return -1;
                    }
                    extra -= 1;
                    continue;
                }
                int64_t k = sm_core_struct(cx, c, ev->src, &s[j], slot, cnt, active);
                if (k < 0)
                    return -1;
                extra += (uint64_t)k - 1;
                continue;
            }
            *sm_core_acc(c, slot, sm_syn_port(s[j].tgt), l) +=
                s[j].w * (clamp ? sm_syn_count(t, &s[j], cnt) : cnt);
            if (mark && sm_core_touch(c, slot, l, active))
                return -1;
        }
        c->cnt.synaptic_events += j + extra;
    }
    return 0;
}

void sm_core_clear_all(sm_core_t *c, uint32_t slot)
{
    if (!c->inl) {
        memset(sm_core_in(c, slot, 0), 0, (size_t)c->n * 2 * sizeof *c->acc);
        return;
    }
    for (uint32_t l = 0; l < c->n; l++)
        c->cell[l].in[slot][0] = c->cell[l].in[slot][1] = 0.0f;
}

void sm_core_clear_slot(sm_core_t *c, uint32_t slot)
{
    sm_u32vec_t *tv = &c->touched[slot];
    if (c->inl) {
        /* Every touched cell's update cleared it already (loihi_lif's). */
        const uint32_t done = c->consumed;
        c->consumed = 0;
        if (done == tv->n) {
            tv->n = 0;
            return;
        }
        const uint8_t keep = (uint8_t)~(1u << slot);
        for (uint32_t i = 0; i < tv->n; i++) {
            sm_cell_t *x = &c->cell[tv->a[i]];
            x->in[slot][0] = x->in[slot][1] = 0.0f;
            x->mark &= keep;
        }
        tv->n = 0;
        return;
    } else {
        float *exc = sm_core_in(c, slot, 0), *inh = sm_core_in(c, slot, 1);
        for (uint32_t i = 0; i < tv->n; i++) {
            exc[tv->a[i]] = 0.0f;
            inh[tv->a[i]] = 0.0f;
        }
    }
    tv->n = 0;
    memset(&c->bits[(size_t)slot * c->words], 0, c->words * sizeof *c->bits);
}

/* ---- canonical order ----------------------------------------------------- */

/* Stable LSD radix sort by source, then by tick: O(n), no comparisons.
 * Entries with the same (tick, source) keep their insertion order; they go to
 * different cores, so their relative order cannot change any sum. */
#define S_RADIX_BITS SM_EVSORT_BITS

static void s_radix_pass(const void *src, void *dst, uint32_t n, size_t size, uint32_t *hist,
                         uint32_t (*key)(const void *), uint32_t base, uint32_t shift,
                         uint32_t bits)
{
    const uint32_t buckets = 1u << bits, mask = buckets - 1;
    memset(hist, 0, buckets * sizeof *hist);
    const char *a = src;
    for (uint32_t i = 0; i < n; i++)
        hist[((key(a + (size_t)i * size) - base) >> shift) & mask]++;
    uint32_t sum = 0;
    for (uint32_t d = 0; d < buckets; d++) {
        uint32_t c = hist[d];
        hist[d] = sum;
        sum += c;
    }
    char *b = dst;
    for (uint32_t i = 0; i < n; i++) {
        const void *x = a + (size_t)i * size;
        memcpy(b + (size_t)hist[((key(x) - base) >> shift) & mask]++ * size, x, size);
    }
}

static uint32_t s_wev_src(const void *x) { return ((const sm_wev_t *)x)->src; }
static uint32_t s_wev_te(const void *x) { return ((const sm_wev_t *)x)->te; }
static uint32_t s_d0_src(const void *x) { return ((const sm_d0ev_t *)x)->src; }

/* Stable insertion sort by (tick, source): for the few events of a quiet tick. */
static void s_small_sort(void *a, uint32_t n, size_t size, int by_tick)
{
    char tmp[sizeof(sm_wev_t)];
    char *base = a;
    for (uint32_t i = 1; i < n; i++) {
        memcpy(tmp, base + (size_t)i * size, size);
        uint32_t ks = by_tick ? s_wev_src(tmp) : s_d0_src(tmp), kt = by_tick ? s_wev_te(tmp) : 0;
        uint32_t j = i;
        while (j > 0) {
            const void *y = base + (size_t)(j - 1) * size;
            uint32_t ys = by_tick ? s_wev_src(y) : s_d0_src(y), yt = by_tick ? s_wev_te(y) : 0;
            if (yt < kt || (yt == kt && ys <= ks))
                break;
            memcpy(base + (size_t)j * size, y, size);
            j--;
        }
        memcpy(base + (size_t)j * size, tmp, size);
    }
}

/* Sorts a[0..n) (elements of `size` bytes) by (tick, source), stably, using
 * the scratch space of sr; returns the sorted array (a or the scratch), or
 * NULL if the scratch cannot grow. Radix passes cover only the bits in which
 * the keys differ. */
static void *s_radix_sort(sm_evsort_t *sr, void *a, uint32_t n, size_t size, int by_tick)
{
    if (n <= 48) {
        s_small_sort(a, n, size, by_tick);
        return a;
    }
    if ((size_t)n * size > sr->cap) {
        void *t = realloc(sr->buf, (size_t)n * size);
        if (!t)
            return NULL;
        sr->buf = t;
        sr->cap = (size_t)n * size;
    }
    uint32_t (*src_key)(const void *) = by_tick ? s_wev_src : s_d0_src;
    uint32_t lo = UINT32_MAX, hi = 0, tlo = UINT32_MAX, thi = 0;
    uint64_t prev = 0;
    int sorted = 1;
    const char *c = a;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t k = src_key(c + (size_t)i * size);
        lo = k < lo ? k : lo;
        hi = k > hi ? k : hi;
        uint32_t t = 0;
        if (by_tick) {
            t = s_wev_te(c + (size_t)i * size);
            tlo = t < tlo ? t : tlo;
            thi = t > thi ? t : thi;
        }
        uint64_t key = (uint64_t)t << 32 | k;
        sorted &= key >= prev;
        prev = key;
    }
    /* Events often come in order already (a shard updates its neurons by
     * gid): a stable sort of a sorted array leaves it as it is. */
    if (sorted)
        return a;
    void *x = a, *y = sr->buf;
    /* Digits about as wide as log2(n): a few hundred events do not pay
     * for 2^11 buckets per pass. */
    uint32_t bits = 4;
    while (bits < S_RADIX_BITS && (1u << bits) < n)
        bits++;
    for (uint32_t shift = 0; shift < 32 && ((hi - lo) >> shift); shift += bits) {
        s_radix_pass(x, y, n, size, sr->hist, src_key, lo, shift, bits);
        void *t = x;
        x = y;
        y = t;
    }
    if (by_tick)
        for (uint32_t shift = 0; shift < 32 && ((thi - tlo) >> shift); shift += bits) {
            s_radix_pass(x, y, n, size, sr->hist, s_wev_te, tlo, shift, bits);
            void *t = x;
            x = y;
            y = t;
        }
    return x;
}

const sm_wev_t *sm_evsort_window(sm_evsort_t *s, sm_wev_t *a, uint32_t n)
{
    return n > 1 ? s_radix_sort(s, a, n, sizeof *a, 1) : a;
}

const sm_d0ev_t *sm_evsort_delay0(sm_evsort_t *s, sm_d0ev_t *a, uint32_t n)
{
    return n > 1 ? s_radix_sort(s, a, n, sizeof *a, 0) : a;
}

void sm_evsort_fini(sm_evsort_t *s)
{
    free(s->buf);
    s->buf = NULL;
    s->cap = 0;
}
