/* link_local: shards of one process hand each other their batches through
 * bounded queues in memory, with no encoding and no copy of the entries.
 *
 * Each dialer has a channel in the listener's queue: a ring of batches on
 * their way and a ring of batches coming back, each with one producer and one
 * consumer, no lock. Sending swaps the caller's batch with a spare one of the
 * channel's and queues that; receiving swaps the queued batch with the
 * caller's empty one and sends the queued (now empty) one back. Only array
 * pointers move, and the sender reuses the batch that came back last, so a
 * channel holds about as many batches as are ever in flight, and once they
 * have grown to the biggest batch nothing is allocated per message. A full
 * channel makes send answer SM_LINK_FULL instead of blocking, so that a sender
 * keeps taking in its own messages while it waits and two shards sending to
 * each other cannot lock. A listener with nothing to read first spins a
 * while (see s_spin), then sleeps on a condition variable, which a sender
 * signals only if it sleeps. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "link_int.h"

#define S_SCHEME "local://"
/* Batches per channel: well above what the shard protocol keeps in flight
 * from one shard to another between credits, unless a tick has many delay-0
 * stages; then the sender waits, still receiving. */
#define S_SLOTS 256u
/* Dialers per listener, over its life (a closed dialer keeps its channel). */
#define S_RINGS 256u
/* How long a listener spins before it sleeps, in ns: it starts at the most
 * and adapts (s_spin). */
#define S_SPIN_MAX_NS 100000u
#define S_SPIN_MIN_NS 1000u

/* One dialer's channel. The counters only grow: tail - head batches are on
 * their way, back_tail - back_head on their way back. A channel makes at
 * most S_SLOTS batches, so neither ring can overflow. */
typedef struct {
    _Alignas(64) atomic_uint tail;      /* written by the dialer                  */
    atomic_uint back_head;
    _Alignas(64) atomic_uint head;      /* written by the listener                */
    atomic_uint back_tail;
    _Alignas(64) sm_batch_t *fwd[S_SLOTS];
    sm_batch_t *back[S_SLOTS];
    /* The dialer's own: batches come back here, the last one goes out first. */
    sm_batch_t *spare[S_SLOTS];
    uint32_t n_spare, n_made;
} s_ring_t;

struct sm_lqueue {
    sm_lqueue_t *next;          /* the ctx's list of listeners (under ctx->mu)   */
    char *name;
    atomic_uint refs;           /* the listener and each dialer                  */
    atomic_int closed;          /* the listener has gone: sends fail             */
    atomic_uint n_rings;        /* ring[0, n_rings) are published                */
    s_ring_t *ring[S_RINGS];
    uint32_t next_ring;         /* listener only: where the next look starts     */
    uint32_t spin_ns;           /* listener only: how long the next wait spins   */
    /* The doorbell: a listener about to sleep sets `sleeping` under mu, then
     * looks once more; a sender that finds it set takes mu and signals. */
    pthread_mutex_t mu;         /* also orders ring registrations                */
    pthread_cond_t cv;
    atomic_int sleeping;
};

static int s_endpoint(char *buf, size_t n, const char *run_id, uint32_t shard, const char *base)
{
    (void)base;
    int w = snprintf(buf, n, S_SCHEME "spikemesh-%s-%u", run_id, shard);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

static void s_swap(sm_batch_t *a, sm_batch_t *b)
{
    sm_batch_t t = *a;
    *a = *b;
    *b = t;
}

static void s_batch_free(sm_batch_t *b)
{
    sm_batch_fini(b);
    free(b);
}

static void s_queue_free(sm_lqueue_t *q)
{
    uint32_t n = atomic_load(&q->n_rings);
    for (uint32_t i = 0; i < n; i++) {
        /* Every batch the channel made is in one of its three lists. */
        s_ring_t *r = q->ring[i];
        for (uint32_t k = atomic_load(&r->head); k != atomic_load(&r->tail); k++)
            s_batch_free(r->fwd[k % S_SLOTS]);
        for (uint32_t k = atomic_load(&r->back_head); k != atomic_load(&r->back_tail); k++)
            s_batch_free(r->back[k % S_SLOTS]);
        for (uint32_t k = 0; k < r->n_spare; k++)
            s_batch_free(r->spare[k]);
        free(r);
    }
    pthread_cond_destroy(&q->cv);
    pthread_mutex_destroy(&q->mu);
    free(q->name);
    free(q);
}

/* Drops one reference; the last one frees the queue, so a dialer's ring
 * outlives the listener and a late send can still fail cleanly. */
static void s_queue_release(sm_lqueue_t *q)
{
    if (atomic_fetch_sub(&q->refs, 1) == 1)
        s_queue_free(q);
}

static sm_lqueue_t *s_queue_new(const char *name)
{
    sm_lqueue_t *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->name = strdup(name);
    pthread_condattr_t ca;
    int cv_ok = 0, mu_ok = 0;
    if (!pthread_condattr_init(&ca)) {
        /* Timeouts on the monotonic clock: a clock change cannot stall them. */
        cv_ok = !pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) && !pthread_cond_init(&q->cv, &ca);
        pthread_condattr_destroy(&ca);
    }
    mu_ok = cv_ok && !pthread_mutex_init(&q->mu, NULL);
    if (!q->name || !mu_ok) {
        if (cv_ok)
            pthread_cond_destroy(&q->cv);
        free(q->name);
        free(q);
        return NULL;
    }
    atomic_init(&q->refs, 1);
    atomic_init(&q->closed, 0);
    atomic_init(&q->n_rings, 0);
    atomic_init(&q->sleeping, 0);
    q->spin_ns = S_SPIN_MAX_NS;
    return q;
}

static sm_link_t *s_link_new(sm_linkctx_t *ctx, sm_lqueue_t *q, const sm_link_opts_t *o,
                             int listening)
{
    sm_link_t *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->ctx = ctx;
    l->o = *o;
    l->o.curve_public = l->o.curve_secret = NULL;
    l->listening = listening;
    l->q = q;
    return l;
}

static sm_link_t *s_listen(sm_linkctx_t *ctx, const char *ep, const sm_link_opts_t *o,
                           sm_error_t *err)
{
    if (strncmp(ep, S_SCHEME, strlen(S_SCHEME))) {
        sm_fail(err, SM_EINVAL, "cannot listen at %s: not a " S_SCHEME " endpoint", ep);
        return NULL;
    }
    pthread_mutex_lock(&ctx->mu);
    for (sm_lqueue_t *q = ctx->queues; q; q = q->next)
        if (!strcmp(q->name, ep)) {
            pthread_mutex_unlock(&ctx->mu);
            sm_fail(err, SM_EIO, "cannot listen at %s: address in use", ep);
            return NULL;
        }
    sm_lqueue_t *q = s_queue_new(ep);
    sm_link_t *l = q ? s_link_new(ctx, q, o, 1) : NULL;
    if (!l) {
        pthread_mutex_unlock(&ctx->mu);
        if (q)
            s_queue_free(q);
        sm_fail(err, SM_ENOMEM, "out of memory for a link at %s", ep);
        return NULL;
    }
    q->next = ctx->queues;
    ctx->queues = q;
    pthread_mutex_unlock(&ctx->mu);
    return l;
}

static int s_address(const sm_link_t *l, char *buf, size_t n)
{
    if (!l->listening)
        return -1;
    int w = snprintf(buf, n, "%s", l->q->name);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

static sm_link_t *s_dial(sm_linkctx_t *ctx, const char *ep, const sm_link_opts_t *o,
                         sm_error_t *err)
{
    s_ring_t *r = aligned_alloc(_Alignof(s_ring_t), sizeof *r);
    sm_link_t *l = r ? s_link_new(ctx, NULL, o, 0) : NULL;
    if (!l) {
        free(r);
        sm_fail(err, SM_ENOMEM, "out of memory for a link to %s", ep);
        return NULL;
    }
    memset(r, 0, sizeof *r);
    atomic_init(&r->tail, 0);
    atomic_init(&r->head, 0);
    atomic_init(&r->back_tail, 0);
    atomic_init(&r->back_head, 0);
    pthread_mutex_lock(&ctx->mu);
    sm_lqueue_t *q = ctx->queues;
    while (q && strcmp(q->name, ep))
        q = q->next;
    int full = 0;
    if (q) {
        /* Under ctx->mu, so the listener cannot leave meanwhile. */
        pthread_mutex_lock(&q->mu);
        uint32_t n = atomic_load(&q->n_rings);
        if (n < S_RINGS) {
            q->ring[n] = r;
            atomic_store(&q->n_rings, n + 1);
            atomic_fetch_add(&q->refs, 1);
        } else {
            full = 1;
        }
        pthread_mutex_unlock(&q->mu);
    }
    pthread_mutex_unlock(&ctx->mu);
    if (!q || full) {
        free(r);
        free(l);
        if (full)
            sm_fail(err, SM_EIO, "cannot connect to %s: %u links already", ep, S_RINGS);
        else
            sm_fail(err, SM_EIO, "cannot connect to %s: nothing listens there", ep);
        return NULL;
    }
    l->q = q;
    l->ring = r;
    return l;
}

static void s_close(sm_link_t **l_p)
{
    if (!l_p || !*l_p)
        return;
    sm_link_t *l = *l_p;
    sm_lqueue_t *q = l->q;
    if (l->listening) {
        sm_linkctx_t *ctx = l->ctx;
        pthread_mutex_lock(&ctx->mu);
        sm_lqueue_t **p = &ctx->queues;
        while (*p != q)
            p = &(*p)->next;
        *p = q->next;
        pthread_mutex_unlock(&ctx->mu);
        atomic_store(&q->closed, 1);
    }
    s_queue_release(q);
    free(l);
    *l_p = NULL;
}

/* A spare batch of the channel, the one that came back last; NULL if all
 * it may make are out. */
static sm_batch_t *s_spare(s_ring_t *r, sm_error_t *err, int *oom)
{
    uint32_t bh = atomic_load_explicit(&r->back_head, memory_order_relaxed);
    uint32_t bt = atomic_load_explicit(&r->back_tail, memory_order_acquire);
    for (; bh != bt; bh++)
        r->spare[r->n_spare++] = r->back[bh % S_SLOTS];
    atomic_store_explicit(&r->back_head, bh, memory_order_release);
    if (r->n_spare)
        return r->spare[--r->n_spare];
    if (r->n_made == S_SLOTS)
        return NULL;
    sm_batch_t *b = malloc(sizeof *b);
    if (!b) {
        *oom = 1;
        sm_fail(err, SM_ENOMEM, "out of memory for a batch");
        return NULL;
    }
    sm_batch_init(b);
    r->n_made++;
    return b;
}

static int s_send(sm_link_t *l, sm_batch_t *b, sm_error_t *err)
{
    sm_lqueue_t *q = l->q;
    s_ring_t *r = l->ring;
    if (atomic_load_explicit(&q->closed, memory_order_acquire)) {
        sm_batch_clear(b);
        return sm_fail(err, SM_EPEER, "the listener at %s has closed", q->name);
    }
    uint32_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
    if (t - atomic_load_explicit(&r->head, memory_order_acquire) >= S_SLOTS)
        return SM_LINK_FULL;
    int oom = 0;
    sm_batch_t *x = s_spare(r, err, &oom);
    if (!x) {
        if (!oom)
            return SM_LINK_FULL;
        sm_batch_clear(b);
        return -1;
    }
    s_swap(x, b);
    sm_batch_clear(b);
    r->fwd[t % S_SLOTS] = x;
    atomic_store_explicit(&r->tail, t + 1, memory_order_release);
    /* Either the listener sees the new tail before it sleeps, or this sees
     * it sleeping: the fences order each side's store before its load. */
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(&q->sleeping, memory_order_relaxed)) {
        /* Once this holds mu, the listener is either waiting on cv or past
         * its last look, which sees the new tail. Signalling after unlock
         * spares the woken listener blocking on mu at once. */
        pthread_mutex_lock(&q->mu);
        pthread_mutex_unlock(&q->mu);
        pthread_cond_signal(&q->cv);
    }
    return 0;
}

/* A ring with a batch queued, taking turns among the dialers; or NULL. */
static s_ring_t *s_ready(sm_lqueue_t *q)
{
    uint32_t n = atomic_load_explicit(&q->n_rings, memory_order_acquire);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = (q->next_ring + k) % n;
        s_ring_t *r = q->ring[i];
        if (atomic_load_explicit(&r->tail, memory_order_acquire) !=
            atomic_load_explicit(&r->head, memory_order_relaxed)) {
            q->next_ring = i + 1;
            return r;
        }
    }
    return NULL;
}

static uint64_t s_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Looks for a batch for up to q->spin_ns before the caller sleeps. Shards
 * wait for each other once per window, often only microseconds: sleeping
 * costs the sender a wake-up call and the sleeper the scheduler's latency,
 * more than the wait itself when windows are short (CUBA: 10,000 windows a
 * second of 5-100 us of work each). The budget adapts: a spin that finds a
 * batch doubles it (up to S_SPIN_MAX_NS), one that does not halves it, so
 * that a listener whose senders are slow (or not running: a loaded machine)
 * soon wastes little. */
static s_ring_t *s_spin(sm_lqueue_t *q)
{
    const uint64_t t0 = s_now_ns(), budget = q->spin_ns;
    s_ring_t *r;
    for (;;) {
        for (int k = 0; k < 64; k++) {
            if ((r = s_ready(q))) {
                q->spin_ns = q->spin_ns * 2 > S_SPIN_MAX_NS ? S_SPIN_MAX_NS : q->spin_ns * 2;
                return r;
            }
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
        }
        if (s_now_ns() - t0 >= budget)
            break;
    }
    q->spin_ns = q->spin_ns / 2 < S_SPIN_MIN_NS ? S_SPIN_MIN_NS : q->spin_ns / 2;
    return NULL;
}

/* Sleeps until a batch is queued or the time is up. */
static s_ring_t *s_wait(sm_lqueue_t *q, int timeout_ms)
{
    s_ring_t *r;
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += timeout_ms / 1000;
    end.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (end.tv_nsec >= 1000000000L) {
        end.tv_sec++;
        end.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&q->mu);
    atomic_store_explicit(&q->sleeping, 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_seq_cst);
    while (!(r = s_ready(q))) {
        int rc = timeout_ms < 0 ? pthread_cond_wait(&q->cv, &q->mu)
                                : pthread_cond_timedwait(&q->cv, &q->mu, &end);
        if (rc == ETIMEDOUT) {
            r = s_ready(q);
            break;
        }
    }
    atomic_store_explicit(&q->sleeping, 0, memory_order_relaxed);
    pthread_mutex_unlock(&q->mu);
    return r;
}

static int s_recv(sm_link_t *l, sm_batch_t *into, int timeout_ms, sm_error_t *err)
{
    sm_lqueue_t *q = l->q;
    sm_batch_clear(into);
    s_ring_t *r = s_ready(q);
    if (!r && timeout_ms != 0 && !(r = s_spin(q)))
        r = s_wait(q, timeout_ms);
    if (!r)
        return 0;
    uint32_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
    sm_batch_t *x = r->fwd[h % S_SLOTS];
    s_swap(x, into);
    sm_batch_clear(x);
    uint32_t bt = atomic_load_explicit(&r->back_tail, memory_order_relaxed);
    r->back[bt % S_SLOTS] = x;
    atomic_store_explicit(&r->back_tail, bt + 1, memory_order_release);
    atomic_store_explicit(&r->head, h + 1, memory_order_release);
    /* Same process, same code, but the receiver indexes its tables with
     * these entries: check them as a decoder would. */
    if (sm_link_check(into, &l->o, err)) {
        sm_batch_clear(into);
        return -1;
    }
    return 1;
}

/* A local close never waits: what a dialer queued stays with the listener,
 * which drops it when it closes. */
static void s_drop(sm_link_t *l)
{
    (void)l;
}

const sm_link_ops_t sm_link_local = {
    .scheme = "local",
    .endpoint = s_endpoint,
    .listen = s_listen,
    .address = s_address,
    .dial = s_dial,
    .send = s_send,
    .recv = s_recv,
    .close = s_close,
    .drop = s_drop,
};
