/* shard: one thread's share of the mesh, and the synchronisation protocol.
 *
 * A shard hosts a group of cores and runs them tick by tick. Spikes between
 * shards travel as AER batches over links (link.h: in memory between threads,
 * ZeroMQ between processes). Time stays consistent with two kinds of message,
 * both sent whether or not they carry spikes, so that a receiver can count
 * them:
 *   - end of window: every `window` ticks (window = the smallest delay >= 1),
 *     a shard sends each shard it feeds the spikes of the window just done.
 *     Those spikes cannot arrive before the next window, so a shard waits for
 *     its upstream shards only once per window;
 *   - same tick: a spike with delay-0 synapses must reach its targets within
 *     the tick. Each tick is cut into stages (the topological levels of the
 *     delay-0 projections); after stage s a shard tells every shard it feeds
 *     through delay 0 which of its stage-s neurons fired, and before stage
 *     s+1 a shard waits only for the shards that feed it through delay 0.
 * Messages from one sender arrive in the order sent, and every shard follows
 * the same schedule, so each message's (kind, tick, stage) is known in
 * advance: anything else is a protocol error, never silently applied.
 *
 * The cores themselves (calendar, input rings, neuron updates) are in
 * core/ncore: the shard decides which neurons to update when, hands the
 * cores the spikes they receive and routes the spikes they emit.
 *
 * Determinism: received spikes are delivered in a canonical order, never in
 * arrival order: a window's delayed spikes sorted by (tick, source) once the
 * window is received, delay-0 spikes by source before each stage (see
 * ncore.h). So the same network gives the same sums, bit for bit, on any
 * mapping and any number of threads, and the dense engine sums in the same
 * order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine_int.h"

double sm_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double sm_cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#define S_OOM(sh) do { s_oom(sh); return -1; } while (0)
/* The core counters the per-tick sweep follows: SM_TICK_SPIKES .. ACTIVE. */
#define S_SEEN 4
_Static_assert(SM_TICK_SPIKES == 0 && SM_TICK_SYNAPTIC == 1 && SM_TICK_UPDATES == 2 &&
                   SM_TICK_ACTIVE == 3, "the sweep's counters in SM_TICK_ order");

static void s_oom(sm_shard_t *sh)
{
    sm_fail(&sh->err, SM_ENOMEM, "shard %u: out of memory", sh->id);
    sh->failed = 1;
}

/* ---- emission routing and delivery ---------------------------------------- */

/* A spike (src, emitted at te) has reached a local core through fan-out entry
 * f: its delay-0 synapses wait for the next stage, its delayed ones for the
 * end of the window. */
static int s_enqueue(sm_shard_t *sh, uint32_t core, uint32_t src, uint64_t f, int d0,
                     int delayed, uint32_t te, uint32_t count)
{
    sh->e->cores[core].cnt.events_received++;
    if (d0) {
        sm_d0ev_t ev = {src, (uint32_t)f, count};
        SM_VEC_PUSH(sh->pend0, ev, S_OOM(sh));
    }
    if (delayed) {
        sm_wev_t ev = {te, src, (uint32_t)f, count};
        SM_VEC_PUSH(sh->win, ev, S_OOM(sh));
    }
    return 0;
}

/* A spike for a core of shard dst: in this tick's same-tick batch if it has
 * delay-0 synapses there, else in the window's batch. */
static int s_post(sm_shard_t *sh, uint32_t dst, uint32_t gid, uint32_t core, int d0,
                  uint32_t dtick, uint32_t count)
{
    sm_batch_t *b = d0 ? &sh->out_same[dst] : &sh->out_win[dst];
    if (sm_batch_push(b, gid, core, d0 ? 0 : dtick, count))
        S_OOM(sh);
    return 0;
}

/* Routes the count spikes neuron l of c (of population pop) emitted at
 * tick. */
static int s_emit(sm_shard_t *sh, sm_core_t *c, uint32_t l, uint32_t pop, uint32_t tick,
                  uint32_t w0, uint32_t count)
{
    sm_engine_t *e = sh->e;
    uint32_t gid = c->gid[l];
    const sm_pop_t *p = &e->net->pops[pop];
    /* A negative payload travels in two's complement; it counts as its
     * magnitude of spikes, as a positive one does. */
    const uint32_t spikes = e->neg && e->neg[gid] && (int32_t)count < 0 ? 0u - count : count;
    if (p->record_spikes) {
        sm_spike_t s = {tick, gid, spikes};
        SM_VEC_PUSH(sh->spikes, s, S_OOM(sh));
    }
    c->cnt.spikes += spikes;
    sh->tick_packets += e->emit_packets[gid];
    sh->tick_hops += e->emit_hops[gid];
    const sm_syntab_t *t = &e->tab;
    /* One packet per fan-out entry and emission: counting emissions per
     * neuron is enough to recover every link's load at the end. */
    e->emits[gid]++;
    /* Its row on this shard as one event (engine.c, s_row_sources); one
     * entry per core elsewhere, as for any source, below. */
    const int row = e->row_src[gid] != 0;
    if (row) {
        sm_wev_t ev = {tick, gid, SM_WEV_ROW + sh->id, count};
        SM_VEC_PUSH(sh->win, ev, S_OOM(sh));
        if (e->row_src[gid] == SM_ROW_ALL)
            return 0;
        if (e->row_src[gid] == SM_ROW_PART_DL && e->xrow) {
            /* One row entry for each other shard it reaches: with two,
             * the other (its row is not all here); else a look at its
             * row's cores. */
            uint64_t to = 0;
            if (e->n_shards == 2)
                to = 1ull << (1 - sh->id);
            else
                for (uint64_t f = t->fan_off[gid]; f < t->fan_off[gid + 1]; f++)
                    to |= 1ull << e->shard_of_core[t->fan[f].core];
            to &= ~(1ull << sh->id);
            for (uint32_t dst = 0; to; dst++, to >>= 1)
                if ((to & 1u) && s_post(sh, dst, gid, SM_BATCH_ROW, 0, tick - w0, count))
                    return -1;
            return 0;
        }
    }
    if (sh->one_event && sh->one_event[gid]) {
        /* Each core still receives its packet; the first event delivers
         * the whole projection. */
        for (uint64_t f = t->fan_off[gid]; f < t->fan_off[gid + 1]; f++)
            e->cores[t->fan[f].core].cnt.events_received++;
        sm_d0ev_t ev = {gid, (uint32_t)t->fan_off[gid], count};
        SM_VEC_PUSH(sh->pend0, ev, S_OOM(sh));
        return 0;
    }
    for (uint64_t f = t->fan_off[gid]; f < t->fan_off[gid + 1]; f++) {
        uint32_t core = t->fan[f].core, kind = t->fan_kind[f];
        int d0 = (kind & SM_FAN_D0) != 0;
        uint32_t dst = e->shard_of_core[core];
        if (dst == sh->id && row)
            continue; /* in the row event */
        int rc = dst == sh->id ? s_enqueue(sh, core, gid, f, d0, (kind & SM_FAN_DL) != 0, tick, count)
                               : s_post(sh, dst, gid, core, d0, tick - w0, count);
        if (rc)
            return -1;
    }
    /* Cores whose synapses live in other processes. */
    if (t->route_off)
        for (uint64_t r = t->route_off[gid]; r < t->route_off[gid + 1]; r++) {
            uint32_t core = SM_ROUTE_CORE(t->route[r]);
            if (s_post(sh, e->shard_of_core[core], gid, core, (t->route[r] & SM_ROUTE_D0) != 0,
                       tick - w0, count))
                return -1;
        }
    return 0;
}

static inline uint64_t s_wkey(const sm_wev_t *v)
{
    return (uint64_t)v->te << 32 | v->src;
}

/* The window's events in canonical order, (tick, source) and stable, when
 * they are runs each already in that order: this shard's own (it updates
 * by gid), then each received batch (its sender's, in the same order). A
 * source fires on one shard only, so runs never share a key, and merging
 * them gives what the stable sort of the whole gives, in one pass instead of
 * radix passes over events that were nearly sorted. NULL if a run is out of
 * order (or the merge space cannot grow): the caller sorts instead. */
static const sm_wev_t *s_merge_runs(sm_shard_t *sh)
{
    const uint32_t n = sh->win.n, k = sh->win_runs.n;
    const sm_wev_t *a = sh->win.a;
    if (sh->merged.cap < n) {
        sm_wev_t *m = realloc(sh->merged.a, (size_t)n * sizeof *m);
        if (!m)
            return NULL;
        sh->merged.a = m;
        sh->merged.cap = n;
    }
    /* at[r], end[r]: what is left of run r (run 0 starts at 0). */
    uint32_t at[SM_MAX_SHARDS + 1], end[SM_MAX_SHARDS + 1];
    for (uint32_t r = 0; r <= k; r++) {
        at[r] = r ? sh->win_runs.a[r - 1] : 0;
        end[r] = r < k ? sh->win_runs.a[r] : n;
    }
    sm_wev_t *out = sh->merged.a;
    uint32_t o = 0;
    while (o < n) {
        /* The run with the smallest head, the first one on a tie. */
        uint32_t best = UINT32_MAX;
        uint64_t bk = UINT64_MAX;
        for (uint32_t r = 0; r <= k; r++)
            if (at[r] < end[r] && (best == UINT32_MAX || s_wkey(&a[at[r]]) < bk)) {
                best = r;
                bk = s_wkey(&a[at[r]]);
            }
        /* Its whole group of that key (a spike's entries), then check that
         * the run goes on in order. */
        uint32_t i = at[best];
        do
            out[o++] = a[i++];
        while (i < end[best] && s_wkey(&a[i]) == bk);
        if (i < end[best] && s_wkey(&a[i]) < bk)
            return NULL;
        at[best] = i;
    }
    return out;
}

/* Applies the delayed synapses of every spike of the window just done. */
static void s_apply_window(sm_shard_t *sh)
{
    const sm_wev_t *evs = NULL;
    if (sh->win_runs.n && sh->win.n > 1)
        evs = s_merge_runs(sh);
    if (!evs)
        evs = sm_evsort_window(&sh->sort, sh->win.a, sh->win.n);
    if ((sh->win.n && !evs) || sm_core_deliver_window(&sh->e->cx, evs, sh->win.n, sh->active))
        s_oom(sh);
    sh->win.n = 0;
    sh->win_runs.n = 0;
}

/* Applies the delay-0 synapses of the spikes of the stage just done. */
static void s_apply_delay0(sm_shard_t *sh, uint32_t tick)
{
    const sm_d0ev_t *evs = sm_evsort_delay0(&sh->sort, sh->pend0.a, sh->pend0.n);
    sm_stwhole_t wh = {sh->st_whole, sh->st_last, sh->st_rows};
    if ((sh->pend0.n && !evs) ||
        sm_core_deliver_delay0(&sh->e->cx, evs, sh->pend0.n, tick, sh->active,
                               sh->st_whole ? &wh : NULL))
        s_oom(sh);
    sh->pend0.n = 0;
}

/* Updates one neuron at `tick` and routes the spikes it emits. */
static int s_update(sm_shard_t *sh, sm_core_t *c, uint32_t l, uint32_t tick, uint32_t w0,
                    int predict)
{
    uint32_t n = sm_core_update(&sh->e->cx, c, l, tick, predict);
    return n ? s_emit(sh, c, l, c->cell[l].pop, tick, w0, n) : 0;
}

/* ---- messages -------------------------------------------------------------- */

static sm_batch_t *s_batch_get(sm_shard_t *sh)
{
    if (sh->pool_n)
        return sh->pool[--sh->pool_n];
    sm_batch_t *b = malloc(sizeof *b);
    if (b)
        sm_batch_init(b);
    return b;
}

static void s_batch_put(sm_shard_t *sh, sm_batch_t *b)
{
    if (sh->pool_n == sh->pool_cap) {
        uint32_t nc = sh->pool_cap ? sh->pool_cap * 2 : 16;
        sm_batch_t **np = realloc(sh->pool, nc * sizeof *np);
        if (!np) {
            sm_batch_fini(b);
            free(b);
            return;
        }
        sh->pool = np;
        sh->pool_cap = nc;
    }
    sh->pool[sh->pool_n++] = b;
}

static int s_pump(sm_shard_t *sh, uint32_t tick, int timeout_ms);

static int s_send(sm_shard_t *sh, uint32_t to, sm_batch_t *b, uint32_t kind, uint32_t tick,
                  uint32_t stage)
{
    sm_engine_t *e = sh->e;
    b->kind = kind;
    b->src_shard = sh->id;
    b->tick = tick;
    b->stage = stage;
    int rc;
    double t0 = 0.0;
    while ((rc = e->link->send(sh->out[to], b, &sh->err)) == SM_LINK_FULL) {
        /* Its queue is full (or, over ZeroMQ, nobody takes it): take in our
         * own messages meanwhile, so that two shards sending to each other
         * cannot wait for ever, and an abort is seen. */
        if (t0 == 0.0)
            t0 = sm_now();
        if (s_pump(sh, tick, 1))
            return -1;
    }
    if (t0 != 0.0)
        sh->wait_seconds += sm_now() - t0;
    if (rc) {
        sm_error_prefix(&sh->err, "shard %u: send to shard %u failed: ", sh->id, to);
        sh->failed = 1;
        return -1;
    }
    return 0;
}

static int s_fifo_push(sm_fifo_t *f, sm_batch_t *b)
{
    if (f->n == f->cap) {
        uint32_t nc = f->cap ? f->cap * 2 : 8;
        sm_batch_t **q = malloc(nc * sizeof *q);
        if (!q)
            return -1;
        for (uint32_t i = 0; i < f->n; i++)
            q[i] = f->q[(f->head + i) % f->cap];
        free(f->q);
        f->q = q;
        f->cap = nc;
        f->head = 0;
    }
    f->q[(f->head + f->n) % f->cap] = b;
    f->n++;
    return 0;
}

/* Receives one message, if any comes within timeout_ms, and files it:
 * credits aside, everything else in its sender's queue. Returns -1 if the run
 * must stop. */
static int s_pump(sm_shard_t *sh, uint32_t tick, int timeout_ms)
{
    sm_engine_t *e = sh->e;
    sm_batch_t *b = s_batch_get(sh);
    if (!b)
        S_OOM(sh);
    sm_error_t perr;
    int rc = e->link->recv(sh->in, b, timeout_ms, &perr);
    if (atomic_load(&e->abort)) {
        s_batch_put(sh, b);
        sm_fail(&sh->err, SM_EPEER, "shard %u: stopped because another shard failed", sh->id);
        sh->failed = 1;
        return -1;
    }
    if (e->ctl_poll && e->ctl_poll(e->ctl, sh, tick)) {
        s_batch_put(sh, b);
        sh->failed = 1;
        return -1;
    }
    if (rc == 0) {
        s_batch_put(sh, b);
        return 0;
    }
    if (rc > 0 && (b->src_shard >= e->n_shards || b->src_shard == sh->id))
        rc = sm_fail(&perr, SM_EPROTO, "AER batch: bad source shard %u", b->src_shard);
    if (rc < 0) {
        /* Refused by the link or from no peer: it cannot be from a shard
         * following the protocol, so it is logged and dropped, and the run
         * goes on. */
        fprintf(stderr, "spikemesh: shard %u: rejected a message: %s\n", sh->id, perr.msg);
        s_batch_put(sh, b);
        return 0;
    }
    if (b->kind == SM_BATCH_ACK) {
        if ((int64_t)b->tick > sh->acked[b->src_shard])
            sh->acked[b->src_shard] = b->tick;
        s_batch_put(sh, b);
        return 0;
    }
    if (s_fifo_push(&sh->fifo[b->src_shard], b)) {
        s_batch_put(sh, b);
        S_OOM(sh);
    }
    return 0;
}

/* Waits until shard `to` has acknowledged window `index`. */
static int s_wait_credit(sm_shard_t *sh, uint32_t to, uint32_t index, uint32_t tick)
{
    double t0 = sm_now();
    while (sh->acked[to] < (int64_t)index)
        if (s_pump(sh, tick, 100))
            return -1;
    sh->wait_seconds += sm_now() - t0;
    return 0;
}

/* Waits for the next message from shard `from`, which must be (kind, tick,
 * stage). Messages from other shards that arrive meanwhile are queued. */
static sm_batch_t *s_expect(sm_shard_t *sh, uint32_t from, uint32_t kind, uint32_t tick,
                            uint32_t stage)
{
    sm_fifo_t *f = &sh->fifo[from];
    double t0 = sm_now();
    while (!f->n)
        if (s_pump(sh, tick, 100))
            return NULL;
    sh->wait_seconds += sm_now() - t0;
    sm_batch_t *b = f->q[f->head];
    f->head = (f->head + 1) % f->cap;
    f->n--;
    if (b->kind != kind || b->tick != tick || b->stage != stage) {
        sm_fail(&sh->err, SM_EPROTO,
                "shard %u: from shard %u expected (kind %u, tick %u, stage %u), got (%u, %u, %u)",
                sh->id, from, kind, tick, stage, b->kind, b->tick, b->stage);
        sh->failed = 1;
        s_batch_put(sh, b);
        return NULL;
    }
    return b;
}

/* The fan-out entry of (gid, core) in [lo, hi) of gid's entries, which are
 * in core order: a few steps forward (the next entry of a batch is usually
 * close), then halving. UINT64_MAX if there is none. */
static uint64_t s_find_from(const sm_syntab_t *t, uint64_t lo, uint64_t hi, uint32_t core)
{
    for (uint32_t k = 0; k < 8 && lo < hi; k++, lo++)
        if (t->fan[lo].core >= core)
            return t->fan[lo].core == core ? lo : UINT64_MAX;
    return sm_syntab_search(t, lo, hi, core);
}

/* A row entry (SM_BATCH_ROW): this shard's part of gid's row, as one row
 * event. Its cores' events_received are counted from the emissions at the
 * end (engine.c, s_route_core), as the sender's own cores' are. */
static int s_receive_row(sm_shard_t *sh, uint32_t gid, int same_tick, uint32_t te, uint32_t count)
{
    sm_engine_t *e = sh->e;
    const sm_syntab_t *t = &e->tab;
    if (gid >= t->n_gids || same_tick || !e->xrow || e->row_src[gid] != SM_ROW_PART_DL) {
        sm_fail(&sh->err, SM_EPROTO, "shard %u: row entry for neuron %u does not match its synapses",
                sh->id, gid);
        sh->failed = 1;
        return -1;
    }
    sm_wev_t ev = {te, gid, SM_WEV_ROW + sh->id, count};
    SM_VEC_PUSH(sh->win, ev, S_OOM(sh));
    return 0;
}

/* Queues the entries of a received batch for delivery. A sender posts a
 * spike's entries in its fan-out order, so the search for an entry of the
 * same source starts after the previous one's: about one step per entry
 * instead of a search over the source's whole fan-out. */
static int s_receive(sm_shard_t *sh, sm_batch_t *b, uint32_t te_base, int same_tick)
{
    sm_engine_t *e = sh->e;
    const sm_syntab_t *t = &e->tab;
    uint32_t prev_gid = UINT32_MAX, prev_core = 0;
    uint64_t prev_f = 0;
    for (uint32_t i = 0; i < b->n; i++) {
        uint32_t gid = b->src_gid[i], core = b->dst_core[i];
        if (core == SM_BATCH_ROW) {
            if (s_receive_row(sh, gid, same_tick, te_base + b->dtick[i], b->count[i]))
                return -1;
            continue;
        }
        uint64_t f = UINT64_MAX;
        if (gid < t->n_gids) {
            uint64_t lo = gid == prev_gid && core > prev_core ? prev_f + 1 : t->fan_off[gid];
            f = s_find_from(t, lo, t->fan_off[gid + 1], core);
        }
        if (f == UINT64_MAX || e->shard_of_core[core] != sh->id) {
            sm_fail(&sh->err, SM_EPROTO,
                    "shard %u: AER entry for neuron %u and core %u matches no synapses here", sh->id,
                    gid, core);
            sh->failed = 1;
            return -1;
        }
        prev_gid = gid;
        prev_core = core;
        prev_f = f;
        /* A same-tick entry must be for this tick and carry delay-0 synapses;
         * a window entry must not: anything else would land in a wrong slot. */
        uint32_t kind = t->fan_kind[f];
        int d0 = (kind & SM_FAN_D0) != 0;
        if (same_tick ? (b->dtick[i] != 0 || !d0) : d0) {
            sm_fail(&sh->err, SM_EPROTO,
                    "shard %u: AER entry (neuron %u, core %u, dtick %u) in a %s batch does not match its synapses",
                    sh->id, gid, core, b->dtick[i], same_tick ? "same-tick" : "window");
            sh->failed = 1;
            return -1;
        }
        if (s_enqueue(sh, core, gid, f, same_tick, (kind & SM_FAN_DL) != 0,
                      te_base + b->dtick[i], b->count[i]))
            return -1;
    }
    return 0;
}

/* ---- the loop --------------------------------------------------------------- */

static int s_u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void s_record_probes(sm_shard_t *sh, uint32_t tick)
{
    sm_engine_t *e = sh->e;
    const uint32_t every = e->res->trace_every;
    if (tick % every)
        return;
    for (uint32_t i = 0; i < sh->n_probes; i++) {
        uint32_t p = sh->probes[i], gid = e->probe_gid[p];
        float *out = &e->res->trace[((size_t)(tick / every) * e->res->n_probes + p) * 3];
        sm_core_probe(&e->cores[e->core_of[gid]], e->local_of[gid], tick, out);
    }
}

/* The tick's row of the per-tick series: what each hosted core counted since
 * the last tick, added to the engine's row (the other local shards add
 * theirs), and with a chip the busiest core's busy time priced with its
 * latencies (opts.tick_ns). A sweep of the shard's cores once a tick, with
 * no work per event: the engines count as they always do. */
static void s_tick_row(sm_shard_t *sh, uint32_t tick)
{
    const sm_engine_t *e = sh->e;
    const double *ns = e->opts.tick_ns;
    uint64_t sum[SM_TICK_N] = {0};
    double busiest = 0.0;
    for (uint32_t k = 0; k < sh->n_tick_cores; k++) {
        const sm_core_t *c = &e->cores[sh->tick_cores[k]];
        uint64_t *seen = &sh->tick_seen[(size_t)k * S_SEEN];
        const uint64_t now[S_SEEN] = {c->cnt.spikes, c->cnt.synaptic_events,
                                      c->cnt.neuron_updates, c->cnt.active_updates};
        uint64_t d[S_SEEN];
        for (int i = 0; i < S_SEEN; i++) {
            d[i] = now[i] - seen[i];
            seen[i] = now[i];
            sum[i] += d[i]; /* SM_TICK_SPIKES .. SM_TICK_ACTIVE, in this order */
        }
        if (!ns)
            continue;
        uint64_t act = d[3], idle = c->n_model > act ? c->n_model - act : 0;
        double busy = (double)d[1] * ns[0] + (double)act * ns[1] + (double)idle * ns[2] +
                      (double)d[0] * ns[3];
        if (busy > busiest)
            busiest = busy;
    }
    sum[SM_TICK_PACKETS] = sh->tick_packets;
    sum[SM_TICK_HOPS] = sh->tick_hops;
    sh->tick_packets = sh->tick_hops = 0;
    uint64_t *row = &e->tick_cnt[(size_t)tick * SM_TICK_N];
    for (int i = 0; i < SM_TICK_N; i++)
        if (sum[i])
            __atomic_fetch_add(&row[i], sum[i], __ATOMIC_RELAXED);
    if (!ns)
        return;
    uint64_t bits, old = __atomic_load_n(&e->tick_busy[tick], __ATOMIC_RELAXED);
    memcpy(&bits, &busiest, sizeof bits);
    while (bits > old && !__atomic_compare_exchange_n(&e->tick_busy[tick], &old, bits, 1,
                                                      __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
}

/* Every local shard publishes its synaptic events now and then; the first
 * local shard adds them up and reports. A relaxed atomic: the sum only
 * draws a bar, it is never a counter of the result. */
static void s_progress(sm_shard_t *sh, uint32_t tick)
{
    sm_engine_t *e = sh->e;
    double now = sm_now();
    if (now - sh->progress_last < 0.1)
        return;
    sh->progress_last = now;
    uint64_t ev = 0;
    for (uint32_t k = 0; k < sh->n_cores; k++)
        ev += e->cores[sh->cores[k]].cnt.synaptic_events;
    atomic_store_explicit(&sh->progress_events, ev, memory_order_relaxed);
    if (sh->id != e->local_first)
        return;
    uint64_t all = 0;
    for (uint32_t i = e->local_first; i < e->local_first + e->local_n; i++)
        all += atomic_load_explicit(&e->shards[i].progress_events, memory_order_relaxed);
    sm_progress(e->opts.on_progress, "running", tick + 1, e->ticks, all);
}

/* The spikes of a stage's runs, in the runs' order and local order: the
 * same order as emitting after each run (a run's spikes reach no other run
 * of the stage: delays of 0 go to the next stage). Emitting reads per-gid
 * tables the sweep never touches, a miss each: fetched for all of them
 * first, so the misses overlap. */
static int s_emit_fired(sm_shard_t *sh, const sm_u64vec_t *st, uint32_t tick, uint32_t w0)
{
    sm_engine_t *e = sh->e;
    const uint32_t *fr = sh->fired_runs.a, nr = sh->fired_runs.n;
    for (uint32_t r = 0, f = 0; r < nr; r += 2)
        for (const sm_core_t *c = &e->cores[st->a[fr[r]] >> 32]; f < fr[r + 1]; f++)
            __builtin_prefetch(&c->gid[sh->fired.a[f] >> 32], 0);
    for (uint32_t r = 0, f = 0; r < nr; r += 2)
        for (const sm_core_t *c = &e->cores[st->a[fr[r]] >> 32]; f < fr[r + 1]; f++) {
            const uint32_t g = c->gid[sh->fired.a[f] >> 32];
            __builtin_prefetch(&e->emit_packets[g], 0);
            __builtin_prefetch(&e->emit_hops[g], 0);
            __builtin_prefetch(&e->emits[g], 1);
            __builtin_prefetch(&e->row_src[g], 0);
            __builtin_prefetch(&e->tab.fan_off[g], 0);
        }
    for (uint32_t r = 0, f = 0; r < nr; r += 2) {
        sm_core_t *c = &e->cores[st->a[fr[r]] >> 32];
        const uint32_t pop = (uint32_t)(st->a[fr[r] + 1] >> 32);
        for (; f < fr[r + 1]; f++)
            if (s_emit(sh, c, (uint32_t)(sh->fired.a[f] >> 32), pop, tick, w0,
                       (uint32_t)sh->fired.a[f]))
                return -1;
    }
    return 0;
}

/* Runs of a core's neurons (all of them in the dense engine, the
 * self-driven ones in the event engine): each stepped in a row, then the
 * stage's spikes routed. */
static int s_sweep_stage(sm_shard_t *sh, const sm_u64vec_t *st, uint32_t tick, uint32_t w0)
{
    sm_engine_t *e = sh->e;
    sh->fired.n = 0;
    sh->fired_runs.n = 0;
    for (uint32_t i = 0; i + 1 < st->n; i += 2) {
        sm_core_t *c = &e->cores[st->a[i] >> 32];
        const uint32_t n0 = (uint32_t)sh->fired.n;
        if (sm_core_update_dense(&e->cx, c, (uint32_t)(st->a[i + 1] >> 32), (uint32_t)st->a[i],
                                 (uint32_t)st->a[i + 1], tick, &sh->fired))
            S_OOM(sh);
        if (sh->fired.n > n0) {
            SM_VEC_PUSH(sh->fired_runs, i, S_OOM(sh));
            SM_VEC_PUSH(sh->fired_runs, (uint32_t)sh->fired.n, S_OOM(sh));
        }
    }
    return s_emit_fired(sh, st, tick, w0);
}

int sm_shard_run(sm_shard_t *sh)
{
    sm_engine_t *e = sh->e;
    const uint32_t S = e->n_stages, W = e->window, N = e->n_shards;
    int show = e->opts.progress && e->opts.on_progress;

    for (uint32_t tick = 0; tick < e->ticks && !sh->failed; tick++) {
        uint32_t w0 = tick - tick % W;
        uint32_t wi = w0 / W;
        /* Flow control: no more than ~32 windows ahead of the shards fed. */
        if (tick == w0 && wi >= 32 && wi % 16 == 0)
            for (uint32_t b = 0; b < N; b++)
                if ((e->dl_link[sh->id * N + b] || e->d0_link[sh->id * N + b]) &&
                    s_wait_credit(sh, b, wi - 17, tick))
                    return -1;
        if (tick == w0 && tick > 0) {
            for (uint32_t a = 0; a < N; a++) {
                if (!e->dl_link[a * N + sh->id])
                    continue;
                sm_batch_t *b = s_expect(sh, a, SM_BATCH_WINDOW, w0 - W, 0);
                if (!b)
                    return -1;
                SM_VEC_PUSH(sh->win_runs, sh->win.n, S_OOM(sh));
                int rc = s_receive(sh, b, w0 - W, 0);
                s_batch_put(sh, b);
                if (rc)
                    return -1;
            }
            s_apply_window(sh);
        }
        /* The neurons due now, from each core's calendar. */
        sh->woken.n = 0;
        uint32_t slot = tick & e->cx.ring_mask;
        sm_core_catch_up_inputs(&e->cx, sh->active[slot].a, sh->active[slot].n, tick);
        for (uint32_t k = 0; k < sh->n_cores; k++)
            if (sm_core_due(&e->cx, &e->cores[sh->cores[k]], tick, &sh->woken))
                S_OOM(sh);
        /* Calendars hand them out of order; updated by core and local, they
         * emit in gid order, which the sort of their events then keeps. */
        if (sh->woken.n > 1)
            qsort(sh->woken.a, sh->woken.n, sizeof *sh->woken.a, s_u64_cmp);

        for (uint32_t s = 0; s < S; s++) {
            if (s > 0) {
                for (uint32_t a = 0; a < N; a++) {
                    if (!e->d0_link[a * N + sh->id])
                        continue;
                    sm_batch_t *b = s_expect(sh, a, SM_BATCH_SAME_TICK, tick, s - 1);
                    if (!b)
                        return -1;
                    int rc = s_receive(sh, b, tick, 1);
                    s_batch_put(sh, b);
                    if (rc)
                        return -1;
                }
                s_apply_delay0(sh, tick);
            }
            for (uint32_t i = 0; i < sh->woken.n; i++) {
                /* A neuron due is about to fire, mostly: fetch ahead what
                 * its emission reads by gid, scattered over tables that
                 * its own update never touches. */
                if (i + 8 < sh->woken.n) {
                    const uint64_t w = sh->woken.a[i + 8];
                    __builtin_prefetch(&e->cores[w >> 32].gid[(uint32_t)w], 0);
                }
                if (i + 4 < sh->woken.n) {
                    const uint64_t w = sh->woken.a[i + 4];
                    const uint32_t g = e->cores[w >> 32].gid[(uint32_t)w];
                    __builtin_prefetch(&e->emit_packets[g], 0);
                    __builtin_prefetch(&e->emit_hops[g], 0);
                    __builtin_prefetch(&e->emits[g], 1);
                    __builtin_prefetch(&e->tab.fan_off[g], 0);
                }
                sm_core_t *c = &e->cores[sh->woken.a[i] >> 32];
                uint32_t l = (uint32_t)sh->woken.a[i];
                const sm_cell_t *x = &c->cell[l];
                if (x->stage == s && !sm_cell_done(x, tick) &&
                    s_update(sh, c, l, tick, w0, !e->opts.dense))
                    return -1;
            }
            if (sh->staged && s_sweep_stage(sh, &sh->staged[s], tick, w0))
                return -1;
            /* Only the cores with input this tick; the list may grow as
             * delay-0 input reaches cores in later stages. */
            for (uint32_t k = 0; !e->opts.dense && k < sh->active[slot].n; k++) {
                sm_core_t *c = &e->cores[sh->active[slot].a[k]];
                sm_u32vec_t *tv = &c->touched[slot];
                for (uint32_t i = 0; i < tv->n; i++) {
                    /* Touched neurons are scattered over the core: fetch
                     * their cells and inputs a few updates ahead. */
                    if (i + 8 < tv->n) {
                        uint32_t ahead = tv->a[i + 8];
                        __builtin_prefetch(&c->cell[ahead], 1);
                        __builtin_prefetch(sm_core_acc(c, slot, 0, ahead), 0);
                    }
                    uint32_t l = tv->a[i];
                    const sm_cell_t *x = &c->cell[l];
                    if (x->stage == s && !sm_cell_done(x, tick) && s_update(sh, c, l, tick, w0, 1))
                        return -1;
                }
            }
            if (sh->failed)
                return -1;
            if (s + 1 < S)
                for (uint32_t b = 0; b < N; b++)
                    if (e->d0_link[sh->id * N + b] &&
                        s_send(sh, b, &sh->out_same[b], SM_BATCH_SAME_TICK, tick, s))
                        return -1;
        }
        s_record_probes(sh, tick);
        s_tick_row(sh, tick);
        /* Clear this tick's slot so the ring can reuse it. */
        slot = tick & e->cx.ring_mask;
        for (uint32_t k = 0; k < sh->active[slot].n; k++)
            sm_core_clear_slot(&e->cores[sh->active[slot].a[k]], slot);
        sh->active[slot].n = 0;
        for (uint32_t k = 0; e->opts.dense && k < sh->n_cores; k++)
            if (!e->cores[sh->cores[k]].swept)
                sm_core_clear_all(&e->cores[sh->cores[k]], slot);
        /* The last window is sent too: its spikes arrive after the end, but
         * receivers count them, so counters do not depend on the mapping. */
        if (tick + 1 == w0 + W || tick + 1 == e->ticks) {
            for (uint32_t b = 0; b < N; b++)
                if (e->dl_link[sh->id * N + b] &&
                    s_send(sh, b, &sh->out_win[b], SM_BATCH_WINDOW, w0, 0))
                    return -1;
            if (wi % 16 == 15)
                for (uint32_t a = 0; a < N; a++)
                    if ((e->dl_link[a * N + sh->id] || e->d0_link[a * N + sh->id]) &&
                        s_send(sh, a, &sh->credit, SM_BATCH_ACK, wi, 0))
                        return -1;
        }
        if (show)
            s_progress(sh, tick);
        if (e->ctl_poll && e->ctl_poll(e->ctl, sh, tick)) {
            sh->failed = 1;
            return -1;
        }
    }
    if (!sh->failed && e->ticks > 0) {
        uint32_t last = (e->ticks - 1) - (e->ticks - 1) % W;
        for (uint32_t a = 0; a < N; a++) {
            if (!e->dl_link[a * N + sh->id])
                continue;
            sm_batch_t *b = s_expect(sh, a, SM_BATCH_WINDOW, last, 0);
            if (!b)
                return -1;
            int rc = s_receive(sh, b, last, 0);
            s_batch_put(sh, b);
            if (rc)
                return -1;
        }
        sh->win.n = 0;
        sh->win_runs.n = 0;
    }
    if (show && sm_now() - e->t_start >= 1.0)
        fprintf(stderr, "\r%60s\r", "");
    return sh->failed ? -1 : 0;
}

void sm_shard_fini(sm_shard_t *sh)
{
    for (uint32_t s = 0; sh->staged && sh->e && s < sh->e->n_stages; s++)
        free(sh->staged[s].a);
    free(sh->staged);
    free(sh->fired.a);
    free(sh->fired_runs.a);
    for (uint32_t i = 0; sh->st_rows && i < sh->e->tab.n_st; i++)
        sm_strows_fini(&sh->st_rows[i]);
    free(sh->st_rows);
    free(sh->st_whole);
    free(sh->st_last);
    free(sh->one_event);
    free(sh->links);
    free(sh->xrecv);
    free(sh->tick_seen);
    free(sh->tick_cores);
    free(sh->cores);
    free(sh->win.a);
    free(sh->win_runs.a);
    free(sh->merged.a);
    free(sh->pend0.a);
    free(sh->woken.a);
    free(sh->spikes.a);
    free(sh->probes);
    sm_evsort_fini(&sh->sort);
    if (sh->active && sh->e)
        for (uint32_t r = 0; r < sh->e->cx.ring; r++)
            free(sh->active[r].a);
    free(sh->active);
    uint32_t N = sh->e ? sh->e->n_shards : 0;
    /* Links a failed start left open (the shard loop closes its own). */
    if (sh->e && sh->e->link) {
        for (uint32_t i = 0; sh->out && i < N; i++) {
            sh->e->link->drop(sh->out[i]);
            sh->e->link->close(&sh->out[i]);
        }
        sh->e->link->close(&sh->in);
    }
    if (sh->out_same)
        for (uint32_t i = 0; i < N; i++)
            sm_batch_fini(&sh->out_same[i]);
    if (sh->out_win)
        for (uint32_t i = 0; i < N; i++)
            sm_batch_fini(&sh->out_win[i]);
    free(sh->out_same);
    free(sh->out_win);
    sm_batch_fini(&sh->credit);
    free(sh->acked);
    if (sh->fifo)
        for (uint32_t i = 0; i < N; i++) {
            sm_fifo_t *f = &sh->fifo[i];
            for (uint32_t k = 0; k < f->n; k++) {
                sm_batch_t *b = f->q[(f->head + k) % f->cap];
                sm_batch_fini(b);
                free(b);
            }
            free(f->q);
        }
    free(sh->fifo);
    for (uint32_t i = 0; i < sh->pool_n; i++) {
        sm_batch_fini(sh->pool[i]);
        free(sh->pool[i]);
    }
    free(sh->pool);
    free(sh->out);
    memset(sh, 0, sizeof *sh);
}

void sm_shard_reset(sm_shard_t *sh)
{
    sm_engine_t *e = sh->e;
    uint32_t N = e->n_shards;
    sh->win.n = 0;
    sh->win_runs.n = 0;
    sh->pend0.n = 0;
    sh->woken.n = 0;
    sh->spikes.n = 0;
    for (uint32_t r = 0; r < e->cx.ring; r++)
        sh->active[r].n = 0;
    for (uint32_t k = 0; k < N; k++) {
        sh->acked[k] = -1;
        sm_batch_clear(&sh->out_same[k]);
        sm_batch_clear(&sh->out_win[k]);
        sm_fifo_t *f = &sh->fifo[k];
        for (; f->n; f->n--, f->head = (f->head + 1) % f->cap)
            s_batch_put(sh, f->q[f->head]);
        f->head = 0;
    }
    sh->failed = 0;
    sh->routed = 0;
    sh->wait_seconds = 0.0;
    sm_error_clear(&sh->err);
}

static int s_stage_runs(sm_shard_t *sh);

/* Schedules every neuron's first wake-up, before the first tick, and lists
 * once the neurons each tick's sweep steps. */
int sm_shard_prepare(sm_shard_t *sh)
{
    sm_engine_t *e = sh->e;
    for (uint32_t k = 0; k < sh->n_cores; k++)
        sm_core_prepare(&e->cx, &e->cores[sh->cores[k]]);
    if (!sh->tick_seen) {
        /* A core without neurons counts nothing: the sweep skips it (most
         * of a large grid, often). */
        sh->tick_cores = malloc(((size_t)sh->n_cores + 1) * sizeof *sh->tick_cores);
        sh->tick_seen = malloc(((size_t)sh->n_cores * S_SEEN + 1) * sizeof *sh->tick_seen);
        if (!sh->tick_seen || !sh->tick_cores)
            S_OOM(sh);
        sh->n_tick_cores = 0;
        for (uint32_t k = 0; k < sh->n_cores; k++)
            if (e->cores[sh->cores[k]].n)
                sh->tick_cores[sh->n_tick_cores++] = sh->cores[k];
    }
    /* Every run starts from zeroed counters (sm_core_reset). */
    memset(sh->tick_seen, 0, ((size_t)sh->n_cores * S_SEEN + 1) * sizeof *sh->tick_seen);
    sh->tick_packets = sh->tick_hops = 0;
    const sm_syntab_t *t = &e->tab;
    if (t->n_st && !sh->st_whole) {
        sh->st_whole = calloc(t->n_st, 1);
        sh->st_last = calloc(t->n_st, sizeof *sh->st_last);
        sh->st_rows = calloc(t->n_st, sizeof *sh->st_rows);
        if (!sh->st_whole || !sh->st_last || !sh->st_rows)
            S_OOM(sh);
        for (uint32_t i = 0; i < t->n_st; i++) {
            const sm_synstruct_t *st = &t->st[i];
            uint8_t mine = (uint8_t)st->sole;
            for (uint32_t k = 0; k < st->n_seg && mine; k++)
                mine = e->shard_of_core[st->seg[k].core] == sh->id;
            sh->st_whole[i] = mine;
            if (mine && sm_strows_init(&sh->st_rows[i], &e->cx, st))
                S_OOM(sh);
        }
        if (!(sh->one_event = calloc((size_t)t->n_gids + 1, 1)))
            S_OOM(sh);
        for (uint32_t g = 0; g < t->n_gids; g++) {
            uint64_t f0 = t->fan_off[g], f1 = t->fan_off[g + 1];
            uint32_t p = UINT32_MAX;
            int ok = f1 > f0 && !(t->route_off && t->route_off[g + 1] > t->route_off[g]);
            for (uint64_t f = f0; f < f1 && ok; f++) {
                const sm_syn_t *seg = sm_fan_syn(t, g, f);
                ok = sm_fan_len(t, g, f) == 1 && sm_syn_local(seg->tgt) == SM_SYN_STRUCT &&
                     sm_syn_delay(seg->tgt) == 0 && e->shard_of_core[t->fan[f].core] == sh->id;
                if (ok && p == UINT32_MAX)
                    p = sm_syn_struct_index(seg);
                ok = ok && sm_syn_struct_index(seg) == p && sh->st_whole[p];
            }
            sh->one_event[g] = (uint8_t)ok;
        }
    }
    return sh->staged ? 0 : s_stage_runs(sh);
}

/* Whether the tick's sweep steps cell x: every neuron in the dense engine,
 * the self-driven ones (sm_core_stepped) in the event engine. */
static int s_swept(const sm_engine_t *e, const sm_cell_t *x)
{
    return x->model && x->stage < e->n_stages && (e->opts.dense || sm_core_stepped(&e->cx, x));
}

/* Lists, per stage, the runs of each core's neurons that the tick's sweep
 * steps; none in an event run without self-driven neurons (sh->staged
 * stays NULL). */
static int s_stage_runs(sm_shard_t *sh)
{
    sm_engine_t *e = sh->e;
    int any = e->opts.dense;
    for (uint32_t k = 0; k < sh->n_cores && !any; k++) {
        const sm_core_t *c = &e->cores[sh->cores[k]];
        for (uint32_t l = 0; l < c->n && !any; l++)
            any = s_swept(e, &c->cell[l]);
    }
    if (!any)
        return 0;
    if (!(sh->staged = calloc(e->n_stages, sizeof *sh->staged)))
        S_OOM(sh);
    for (uint32_t k = 0; k < sh->n_cores; k++) {
        const sm_core_t *c = &e->cores[sh->cores[k]];
        for (uint32_t l = 0; l < c->n;) {
            if (!s_swept(e, &c->cell[l])) {
                l++;
                continue;
            }
            uint32_t s = c->cell[l].stage, end = l + 1;
            /* One population a run: its cells share a kernel. */
            while (end < c->n && s_swept(e, &c->cell[end]) && c->cell[end].stage == s &&
                   c->cell[end].pop == c->cell[l].pop)
                end++;
            SM_VEC_PUSH(sh->staged[s], (uint64_t)c->id << 32 | l, S_OOM(sh));
            SM_VEC_PUSH(sh->staged[s], (uint64_t)c->cell[l].pop << 32 | end, S_OOM(sh));
            l = end;
        }
    }
    return 0;
}
