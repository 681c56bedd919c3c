/* The links between shards: every kind delivers batches in order, times out,
 * survives a closed peer and refuses junk; and the shard protocol, reached
 * through a link, refuses batches that break it. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "engine_int.h"
#include "link.h"
#include "netfile.h"

#define S_MAX_ENTRIES 100u

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static sm_link_opts_t s_opts(void)
{
    sm_link_opts_t o = {.n_gids = 1000, .n_cores = 16, .window = 8, .max_entries = S_MAX_ENTRIES};
    return o;
}

/* A listener and a dialer of one kind, and where they meet. */
typedef struct {
    const sm_link_ops_t *ops;
    void *zctx;
    sm_linkctx_t *ctx;
    sm_link_t *in, *out;
    char ep[512];
    char dir[64];
} s_pair_t;

static void s_pair_open(s_pair_t *p, const sm_link_ops_t *ops)
{
    memset(p, 0, sizeof *p);
    p->ops = ops;
    sm_error_t err;
    /* A context of our own, so that raw ZeroMQ sockets reach inproc too. */
    p->zctx = zmq_ctx_new();
    cr_assert_not_null(p->zctx);
    p->ctx = sm_linkctx_new(p->zctx, 0, &err);
    cr_assert_not_null(p->ctx, "%s", err.msg);
    const char *base = NULL;
    if (ops == &sm_link_ipc) {
        /* Relative to the test's folder: short, and private to this run. */
        snprintf(p->dir, sizeof p->dir, "link-ipc-XXXXXX");
        cr_assert_not_null(mkdtemp(p->dir));
        base = p->dir;
    } else if (ops == &sm_link_tcp) {
        base = "127.0.0.1";
    }
    char run_id[32];
    snprintf(run_id, sizeof run_id, "%ld", (long)getpid());
    cr_assert_eq(ops->endpoint(p->ep, sizeof p->ep, run_id, 1, base), 0);
    sm_link_opts_t o = s_opts();
    p->in = ops->listen(p->ctx, p->ep, &o, &err);
    cr_assert_not_null(p->in, "%s: %s", ops->scheme, err.msg);
    /* tcp: the port the system chose. */
    cr_assert_eq(ops->address(p->in, p->ep, sizeof p->ep), 0);
    cr_assert_null(strstr(p->ep, ":*"), "%s", p->ep);
    p->out = ops->dial(p->ctx, p->ep, &o, &err);
    cr_assert_not_null(p->out, "%s: %s", ops->scheme, err.msg);
}

static void s_pair_close(s_pair_t *p)
{
    p->ops->close(&p->out);
    p->ops->close(&p->in);
    cr_assert_null(p->in);
    sm_linkctx_destroy(&p->ctx);
    zmq_ctx_term(p->zctx);
    if (p->dir[0]) {
        char sock[600];
        snprintf(sock, sizeof sock, "%s/spikemesh-%ld-1", p->dir, (long)getpid());
        unlink(sock);
        rmdir(p->dir);
    }
}

/* Batch k of a sequence: its header and entries say which it is. */
static void s_fill(sm_batch_t *b, uint32_t k)
{
    sm_batch_clear(b);
    b->kind = k % 3 == 2 ? SM_BATCH_ACK : k % 3 == 1 ? SM_BATCH_SAME_TICK : SM_BATCH_WINDOW;
    b->src_shard = 0;
    b->tick = 100 + k;
    b->stage = k % 4;
    if (b->kind != SM_BATCH_ACK)
        for (uint32_t i = 0; i < k % 50; i++)
            cr_assert_eq(sm_batch_push(b, (k * 31 + i) % 1000, i % 16, b->kind == SM_BATCH_WINDOW ? i % 8 : 0,
                                       i % 7 ? 1 : 2), 0);
}

static void s_same(const sm_batch_t *b, uint32_t k)
{
    sm_batch_t want;
    sm_batch_init(&want);
    s_fill(&want, k);
    cr_assert_eq(b->kind, want.kind, "batch %u: kind %u", k, b->kind);
    cr_assert_eq(b->tick, want.tick, "batch %u: tick %u (out of order?)", k, b->tick);
    cr_assert_eq(b->stage, want.stage);
    cr_assert_eq(b->n, want.n, "batch %u: %u entries, sent %u", k, b->n, want.n);
    for (uint32_t i = 0; i < b->n; i++) {
        cr_assert_eq(b->src_gid[i], want.src_gid[i]);
        cr_assert_eq(b->dst_core[i], want.dst_core[i]);
        cr_assert_eq(b->dtick[i], want.dtick[i]);
        cr_assert_eq(b->count[i], want.count[i]);
    }
    sm_batch_fini(&want);
}

static void s_send_ok(s_pair_t *p, sm_batch_t *b)
{
    sm_error_t err;
    cr_assert_eq(p->ops->send(p->out, b, &err), 0, "%s: %s", p->ops->scheme, err.msg);
    cr_assert_eq(b->n, 0, "send leaves the batch empty");
}

static int s_recv(s_pair_t *p, sm_batch_t *b, int timeout_ms, sm_error_t *err)
{
    return p->ops->recv(p->in, b, timeout_ms, err);
}

static void s_in_order(const sm_link_ops_t *ops)
{
    s_pair_t p;
    s_pair_open(&p, ops);
    sm_batch_t b, r;
    sm_batch_init(&b);
    sm_batch_init(&r);
    sm_error_t err;
    /* More than a local ring holds: the receiver must drain as it goes. */
    for (uint32_t k = 0; k < 1000; k++) {
        s_fill(&b, k);
        s_send_ok(&p, &b);
        if (k % 100 == 99)
            for (uint32_t j = k - 99; j <= k; j++) {
                cr_assert_eq(s_recv(&p, &r, 5000, &err), 1, "%s: batch %u: %s", ops->scheme, j, err.msg);
                s_same(&r, j);
            }
    }
    cr_assert_eq(s_recv(&p, &r, 0, &err), 0, "nothing more");
    sm_batch_fini(&b);
    sm_batch_fini(&r);
    s_pair_close(&p);
}

Test(link, local_in_order) { s_in_order(&sm_link_local); }
Test(link, inproc_in_order) { s_in_order(&sm_link_inproc); }
Test(link, ipc_in_order) { s_in_order(&sm_link_ipc); }
Test(link, tcp_in_order) { s_in_order(&sm_link_tcp); }

static void s_times_out(const sm_link_ops_t *ops)
{
    s_pair_t p;
    s_pair_open(&p, ops);
    sm_batch_t r;
    sm_batch_init(&r);
    sm_error_t err;
    double t0 = s_now();
    cr_assert_eq(s_recv(&p, &r, 100, &err), 0);
    double took = s_now() - t0;
    cr_assert(took >= 0.09 && took < 2.0, "%s: waited %.3f s for 100 ms", ops->scheme, took);
    cr_assert_eq(s_recv(&p, &r, 0, &err), 0);
    sm_batch_fini(&r);
    s_pair_close(&p);
}

Test(link, local_times_out) { s_times_out(&sm_link_local); }
Test(link, inproc_times_out) { s_times_out(&sm_link_inproc); }
Test(link, ipc_times_out) { s_times_out(&sm_link_ipc); }
Test(link, tcp_times_out) { s_times_out(&sm_link_tcp); }

/* The dialer goes away: what it sent before still arrives (local, inproc),
 * then the listener only times out. */
static void s_dialer_closes(const sm_link_ops_t *ops)
{
    s_pair_t p;
    s_pair_open(&p, ops);
    sm_batch_t b, r;
    sm_batch_init(&b);
    sm_batch_init(&r);
    sm_error_t err;
    for (uint32_t k = 0; k < 3; k++) {
        s_fill(&b, k);
        s_send_ok(&p, &b);
    }
    /* Over ipc and tcp, close drops what is not yet delivered. */
    if (ops != &sm_link_local && ops != &sm_link_inproc)
        for (uint32_t k = 0; k < 3; k++) {
            cr_assert_eq(s_recv(&p, &r, 5000, &err), 1, "%s", err.msg);
            s_same(&r, k);
        }
    ops->close(&p.out);
    cr_assert_null(p.out);
    if (ops == &sm_link_local || ops == &sm_link_inproc)
        for (uint32_t k = 0; k < 3; k++) {
            cr_assert_eq(s_recv(&p, &r, 1000, &err), 1, "%s", err.msg);
            s_same(&r, k);
        }
    cr_assert_eq(s_recv(&p, &r, 50, &err), 0);
    sm_batch_fini(&b);
    sm_batch_fini(&r);
    s_pair_close(&p);
}

Test(link, local_dialer_closes) { s_dialer_closes(&sm_link_local); }
Test(link, inproc_dialer_closes) { s_dialer_closes(&sm_link_inproc); }
Test(link, ipc_dialer_closes) { s_dialer_closes(&sm_link_ipc); }
Test(link, tcp_dialer_closes) { s_dialer_closes(&sm_link_tcp); }

/* The listener goes away. A local send says so; ZeroMQ queues for a peer
 * that may come back (heartbeats and the run's abort catch a dead one). */
Test(link, local_listener_closes)
{
    s_pair_t p;
    s_pair_open(&p, &sm_link_local);
    sm_batch_t b;
    sm_batch_init(&b);
    s_fill(&b, 0);
    s_send_ok(&p, &b);
    p.ops->close(&p.in);
    s_fill(&b, 1);
    sm_error_t err;
    cr_assert_eq(p.ops->send(p.out, &b, &err), -1);
    cr_assert_eq(err.code, SM_EPEER);
    cr_assert(strstr(err.msg, "closed"), "%s", err.msg);
    /* A new dialer finds nobody. */
    sm_link_opts_t o = s_opts();
    cr_assert_null(p.ops->dial(p.ctx, p.ep, &o, &err));
    sm_batch_fini(&b);
    s_pair_close(&p);
}

/* Over ZeroMQ a send to a listener that has gone never blocks: it queues for
 * a peer that may come back, or answers SM_LINK_FULL while nobody can take it
 * (inproc), so the shard keeps watching for an abort. */
Test(link, zmq_listener_closes)
{
    const sm_link_ops_t *kinds[] = {&sm_link_inproc, &sm_link_ipc, &sm_link_tcp};
    for (int i = 0; i < 3; i++) {
        s_pair_t p;
        s_pair_open(&p, kinds[i]);
        sm_batch_t b;
        sm_batch_init(&b);
        p.ops->close(&p.in);
        nanosleep(&(struct timespec){.tv_nsec = 50000000}, NULL);
        sm_error_t err;
        for (uint32_t k = 0; k < 3; k++) {
            s_fill(&b, k);
            int rc = p.ops->send(p.out, &b, &err);
            cr_assert(rc == 0 || rc == SM_LINK_FULL, "%s: rc %d: %s", p.ops->scheme, rc, err.msg);
        }
        sm_batch_fini(&b);
        /* Nobody will come back for them: do not wait out the linger. */
        p.ops->drop(p.out);
        s_pair_close(&p);
    }
}

/* A failed run's sender drops what it still queues: closing it and ending
 * ZeroMQ then takes no time, where a linger would wait seconds for a peer
 * that has gone (a worker that has lost its coordinator must exit soon). */
Test(link, dropped_sender_closes_at_once)
{
    const sm_link_ops_t *kinds[] = {&sm_link_local, &sm_link_inproc, &sm_link_ipc, &sm_link_tcp};
    for (int i = 0; i < 4; i++) {
        s_pair_t p;
        s_pair_open(&p, kinds[i]);
        sm_batch_t b;
        sm_batch_init(&b);
        sm_error_t err;
        s_fill(&b, 4);
        s_send_ok(&p, &b);
        cr_assert_eq(s_recv(&p, &b, 5000, &err), 1, "%s: %s", p.ops->scheme, err.msg);
        p.ops->close(&p.in);
        nanosleep(&(struct timespec){.tv_nsec = 50000000}, NULL);
        for (uint32_t k = 0; k < 3; k++) {
            s_fill(&b, k);
            int rc = p.ops->send(p.out, &b, &err);
            cr_assert(rc == 0 || rc == SM_LINK_FULL || (rc < 0 && kinds[i] == &sm_link_local),
                      "%s: rc %d: %s", p.ops->scheme, rc, err.msg);
        }
        sm_batch_fini(&b);
        p.ops->drop(p.out);
        p.ops->drop(NULL);
        double t0 = s_now();
        s_pair_close(&p);
        double took = s_now() - t0;
        cr_assert_lt(took, 1.0, "%s: closing a dropped sender took %.2f s", p.ops->scheme, took);
    }
}

Test(link, local_names)
{
    s_pair_t p;
    s_pair_open(&p, &sm_link_local);
    sm_link_opts_t o = s_opts();
    sm_error_t err;
    cr_assert_null(sm_link_local.listen(p.ctx, p.ep, &o, &err), "one listener per name");
    cr_assert(strstr(err.msg, "in use"), "%s", err.msg);
    cr_assert_null(sm_link_local.listen(p.ctx, "inproc://x", &o, &err));
    cr_assert_null(sm_link_local.dial(p.ctx, "local://nobody", &o, &err));
    cr_assert(strstr(err.msg, "nothing listens"), "%s", err.msg);
    s_pair_close(&p);
}

/* A full ring answers SM_LINK_FULL, untouched, and takes batches again once
 * the listener has read some. */
Test(link, local_full_ring)
{
    s_pair_t p;
    s_pair_open(&p, &sm_link_local);
    sm_batch_t b, r;
    sm_batch_init(&b);
    sm_batch_init(&r);
    sm_error_t err;
    uint32_t k = 0;
    int rc;
    for (;;) {
        s_fill(&b, k);
        if ((rc = p.ops->send(p.out, &b, &err)) != 0)
            break;
        k++;
        cr_assert_lt(k, 100000, "the ring never fills");
    }
    cr_assert_eq(rc, SM_LINK_FULL);
    sm_batch_t want;
    sm_batch_init(&want);
    s_fill(&want, k);
    cr_assert_eq(b.n, want.n, "a refused batch keeps its entries");
    sm_batch_fini(&want);
    cr_assert_eq(s_recv(&p, &r, 0, &err), 1);
    s_same(&r, 0);
    s_send_ok(&p, &b);
    for (uint32_t j = 1; j <= k; j++) {
        cr_assert_eq(s_recv(&p, &r, 0, &err), 1);
        s_same(&r, j);
    }
    sm_batch_fini(&b);
    sm_batch_fini(&r);
    s_pair_close(&p);
}

/* Refused batches: the receiver gets an error, not a crash and not the
 * batch, and the link still carries the next good one. */
static void s_refused(s_pair_t *p, sm_batch_t *bad, sm_err_t code, const char *what)
{
    sm_batch_t b, r;
    sm_batch_init(&b);
    sm_batch_init(&r);
    sm_error_t err;
    s_send_ok(p, bad);
    cr_assert_eq(s_recv(p, &r, 5000, &err), -1, "%s: accepted", what);
    cr_assert_eq(err.code, code, "%s: %s", what, err.msg);
    s_fill(&b, 7);
    s_send_ok(p, &b);
    cr_assert_eq(s_recv(p, &r, 5000, &err), 1, "%s: then: %s", what, err.msg);
    s_same(&r, 7);
    sm_batch_fini(&b);
    sm_batch_fini(&r);
}

static void s_bad_batches(const sm_link_ops_t *ops)
{
    s_pair_t p;
    s_pair_open(&p, ops);
    sm_batch_t b;
    sm_batch_init(&b);
    b.kind = SM_BATCH_WINDOW;
    for (uint32_t i = 0; i <= S_MAX_ENTRIES; i++)
        sm_batch_push(&b, i, 0, 0, 1);
    s_refused(&p, &b, SM_ETOOBIG, "one entry too many");
    b.kind = SM_BATCH_WINDOW;
    sm_batch_push(&b, 1000, 0, 0, 1);
    s_refused(&p, &b, SM_EPROTO, "gid out of range");
    b.kind = SM_BATCH_WINDOW;
    sm_batch_push(&b, 5, 16, 0, 1);
    s_refused(&p, &b, SM_EPROTO, "core out of range");
    /* A source's whole row (engine.c, xrow): only between the shards of one
     * process, and only where the listener says so (sm_link_opts_t.rows). */
    b.kind = SM_BATCH_WINDOW;
    sm_batch_push(&b, 5, SM_LINK_ROW, 0, 1);
    s_refused(&p, &b, SM_EPROTO, "a row entry where rows are not accepted");
    b.kind = SM_BATCH_WINDOW;
    sm_batch_push(&b, 5, 3, 8, 1);
    s_refused(&p, &b, SM_EPROTO, "dtick out of range");
    b.kind = SM_BATCH_ACK;
    sm_batch_push(&b, 5, 3, 0, 1);
    s_refused(&p, &b, SM_EPROTO, "a credit with entries");
    b.kind = 9;
    s_refused(&p, &b, SM_EPROTO, "unknown kind");
    sm_batch_fini(&b);
    s_pair_close(&p);
}

Test(link, local_refuses_bad_batches) { s_bad_batches(&sm_link_local); }
Test(link, inproc_refuses_bad_batches) { s_bad_batches(&sm_link_inproc); }
Test(link, tcp_refuses_bad_batches) { s_bad_batches(&sm_link_tcp); }

/* Raw frames from a peer that does not speak the protocol. */
static void s_junk(const sm_link_ops_t *ops)
{
    s_pair_t p;
    s_pair_open(&p, ops);
    void *raw = zmq_socket(p.zctx, ZMQ_PUSH);
    int linger = 0;
    zmq_setsockopt(raw, ZMQ_LINGER, &linger, sizeof linger);
    cr_assert_eq(zmq_connect(raw, p.ep), 0, "%s", p.ep);
    sm_batch_t r, b;
    sm_batch_init(&r);
    sm_batch_init(&b);
    sm_error_t err;
    uint8_t junk[300];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)(i * 37 + 11);
    cr_assert_eq(zmq_send(raw, junk, sizeof junk, 0), (int)sizeof junk);
    cr_assert_eq(s_recv(&p, &r, 5000, &err), -1, "%s: junk accepted", ops->scheme);
    cr_assert_eq(err.code, SM_EPROTO, "%s", err.msg);
    cr_assert_eq(r.n, 0);
    /* Far bigger than any batch here (100 entries: about 2 kB). */
    size_t big = 8u << 20;
    uint8_t *huge = calloc(big, 1);
    cr_assert_not_null(huge);
    cr_assert_eq(zmq_send(raw, huge, big, 0), (int)big);
    free(huge);
    int rc = s_recv(&p, &r, 500, &err);
    if (ops == &sm_link_inproc) {
        /* inproc frames skip ZeroMQ's size check: the link refuses it. */
        cr_assert_eq(rc, -1);
        cr_assert_eq(err.code, SM_ETOOBIG, "%s", err.msg);
    } else {
        /* ZeroMQ dropped it, and the connection, before reading it. */
        cr_assert_eq(rc, 0, "%s: an oversize frame came through (rc %d: %s)", ops->scheme, rc,
                     rc < 0 ? err.msg : "");
    }
    s_fill(&b, 4);
    s_send_ok(&p, &b);
    cr_assert_eq(s_recv(&p, &r, 5000, &err), 1, "%s: after the junk: %s", ops->scheme, err.msg);
    s_same(&r, 4);
    zmq_close(raw);
    sm_batch_fini(&r);
    sm_batch_fini(&b);
    s_pair_close(&p);
}

Test(link, inproc_refuses_junk) { s_junk(&sm_link_inproc); }
Test(link, ipc_refuses_junk) { s_junk(&sm_link_ipc); }
Test(link, tcp_refuses_junk) { s_junk(&sm_link_tcp); }

/* The bound a ZeroMQ listener sets holds for the biggest values a batch can
 * carry. */
Test(link, max_size_bound)
{
    sm_batch_t b;
    sm_batch_init(&b);
    b.kind = SM_BATCH_WINDOW;
    b.src_shard = b.tick = b.stage = UINT32_MAX;
    cr_assert_leq(sm_batch_size(&b), SM_BATCH_MAX_HEAD);
    for (uint32_t i = 0; i < 1000; i++)
        sm_batch_push(&b, UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX);
    cr_assert_leq(sm_batch_size(&b), SM_BATCH_MAX_HEAD + 1000 * SM_BATCH_MAX_ENTRY);
    sm_batch_fini(&b);
}

/* ---- the shard protocol, reached through a link --------------------------- */

static sm_net_t *s_load(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", SM_EXAMPLES_DIR, name);
    sm_error_t err;
    sm_net_t *net = sm_net_load(path, &err);
    cr_assert_not_null(net, "%s", err.msg);
    return net;
}

static sm_result_t *s_run(const sm_net_t *net, uint32_t threads, const char *link)
{
    sm_run_opts_t o;
    sm_run_opts_default(&o);
    o.threads = threads;
    o.ticks = 2000;
    o.link = link;
    sm_error_t err;
    sm_result_t *r = sm_engine_run(net, &o, &err);
    cr_assert_not_null(r, "%s", err.msg);
    return r;
}

/* Threads cut the mesh in core-id order: each shard is a range of core ids
 * (so a row's fan-out entries for it are a range too, which row delivery
 * finds by bisection), with its share of the neurons to within a core. */
Test(link, threads_cut_core_ranges, .timeout = 60)
{
    sm_net_t *net = s_load("cuba.json");
    for (uint32_t th = 2; th <= 3; th++) {
        sm_run_opts_t o;
        sm_run_opts_default(&o);
        o.threads = th;
        sm_error_t err;
        sm_engine_t *e = sm_engine_open(net, &o, &err);
        cr_assert_not_null(e, "%s", err.msg);
        cr_assert_eq(e->n_shards, th);
        cr_assert_not_null(e->shard_first);
        cr_assert_eq(e->shard_first[0], 0);
        cr_assert_eq(e->shard_first[th], e->n_cores);
        uint64_t total = 0, most = 0, per[3] = {0};
        for (uint32_t c = 0; c < e->n_cores; c++) {
            uint32_t b = e->shard_of_core[c];
            cr_assert(c >= e->shard_first[b] && c < e->shard_first[b + 1],
                      "%u threads: core %u of shard %u outside [%u, %u)", th, c, b,
                      e->shard_first[b], e->shard_first[b + 1]);
            per[b] += e->cores[c].n;
            total += e->cores[c].n;
            most = e->cores[c].n > most ? e->cores[c].n : most;
        }
        for (uint32_t b = 0; b < th; b++)
            cr_assert_leq(llabs((long long)per[b] * th - (long long)total), (long long)(most * th),
                          "%u threads: shard %u has %llu of %llu neurons", th, b,
                          (unsigned long long)per[b], (unsigned long long)total);
        sm_engine_close(&e);
    }
    sm_net_destroy(&net);
}

/* Threads linked in memory give what they give linked through ZeroMQ. */
Test(link, local_equals_inproc, .timeout = 300)
{
    sm_net_t *net = s_load("cuba.json");
    sm_result_t *one = s_run(net, 1, NULL);
    for (uint32_t th = 2; th <= 4; th *= 2) {
        sm_result_t *loc = s_run(net, th, "local"), *zmq = s_run(net, th, "inproc");
        cr_assert_eq(loc->threads, th);
        cr_assert_eq(one->n_spikes, loc->n_spikes);
        cr_assert_eq(loc->n_spikes, zmq->n_spikes);
        cr_assert_eq(memcmp(one->spikes, loc->spikes, loc->n_spikes * sizeof *loc->spikes), 0);
        cr_assert_eq(memcmp(loc->spikes, zmq->spikes, loc->n_spikes * sizeof *loc->spikes), 0);
        cr_assert_eq(memcmp(&one->totals, &loc->totals, sizeof loc->totals), 0);
        cr_assert_eq(memcmp(&loc->totals, &zmq->totals, sizeof loc->totals), 0);
        sm_result_destroy(&loc);
        sm_result_destroy(&zmq);
    }
    sm_run_opts_t o;
    sm_run_opts_default(&o);
    o.threads = 2;
    o.link = "carrier-pigeon";
    sm_error_t err;
    cr_assert_null(sm_engine_run(net, &o, &err));
    cr_assert(strstr(err.msg, "carrier-pigeon"), "%s", err.msg);
    sm_result_destroy(&one);
    sm_net_destroy(&net);
}

/* Shard 0 runs on a thread of its own; the test plays shard 1. */
typedef struct {
    sm_engine_t *e;
    sm_error_t err;
    int rc;
} s_solo_t;

static void *s_solo(void *arg)
{
    s_solo_t *s = arg;
    s->rc = sm_engine_run_local(s->e, 0, 1, &s->err);
    return NULL;
}

/* Runs shard 0 of a 2-shard cuba and sends it `bad` as shard 1's first
 * window; returns the run's error. */
static sm_error_t s_inject(void (*make)(const sm_engine_t *e, sm_batch_t *bad))
{
    sm_net_t *net = s_load("cuba.json");
    sm_run_opts_t o;
    sm_run_opts_default(&o);
    o.ticks = 100;
    sm_error_t err;
    sm_engine_t *e = sm_engine_new(net, &o, 2, -1, &err);
    cr_assert_not_null(e, "%s", err.msg);
    cr_assert(e->dl_link[1 * 2 + 0], "shard 1 must feed shard 0");
    e->link = &sm_link_local;
    e->links = sm_linkctx_new(NULL, 0, &err);
    cr_assert_not_null(e->links, "%s", err.msg);
    char ep[512];
    sm_link_opts_t lo;
    sm_engine_link_opts(e, 1, &lo);
    cr_assert_eq(e->link->endpoint(ep, sizeof ep, e->run_id, 1, NULL), 0);
    sm_link_t *in = e->link->listen(e->links, ep, &lo, &err);
    cr_assert_not_null(in, "%s", err.msg);

    s_solo_t solo = {.e = e};
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, s_solo, &solo), 0);
    cr_assert_eq(e->link->endpoint(ep, sizeof ep, e->run_id, 0, NULL), 0);
    sm_link_t *out = NULL;
    for (int i = 0; i < 500 && !out; i++)
        if (!(out = e->link->dial(e->links, ep, &lo, &err)))
            nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
    cr_assert_not_null(out, "shard 0 never listened: %s", err.msg);
    sm_batch_t bad;
    sm_batch_init(&bad);
    make(e, &bad);
    bad.src_shard = 1;
    cr_assert_eq(e->link->send(out, &bad, &err), 0, "%s", err.msg);
    pthread_join(th, NULL);
    cr_assert_eq(solo.rc, -1, "shard 0 took the batch");
    e->link->close(&out);
    e->link->close(&in);
    sm_batch_fini(&bad);
    sm_engine_destroy(&e);
    sm_net_destroy(&net);
    return solo.err;
}

static void s_wrong_tick(const sm_engine_t *e, sm_batch_t *b)
{
    (void)e;
    b->kind = SM_BATCH_WINDOW;
    b->tick = 5;
}

Test(link, shard_refuses_unexpected_batch, .timeout = 60)
{
    sm_error_t err = s_inject(s_wrong_tick);
    cr_assert_eq(err.code, SM_EPROTO, "%s", err.msg);
    cr_assert(strstr(err.msg, "shard 0: from shard 1 expected (kind 2, tick 0, stage 0), got (2, 5, 0)"),
              "%s", err.msg);
}

/* An entry for a core of shard 1 itself: no synapses of shard 0 match it. */
static void s_no_synapses(const sm_engine_t *e, sm_batch_t *b)
{
    b->kind = SM_BATCH_WINDOW;
    b->tick = 0;
    uint32_t core = 0;
    while (e->shard_of_core[core] != 1)
        core++;
    sm_batch_push(b, 0, core, 0, 1);
}

Test(link, shard_refuses_entry_matching_no_synapses, .timeout = 60)
{
    sm_error_t err = s_inject(s_no_synapses);
    cr_assert_eq(err.code, SM_EPROTO, "%s", err.msg);
    cr_assert(strstr(err.msg, "shard 0: AER entry for neuron 0 and core"), "%s", err.msg);
    cr_assert(strstr(err.msg, "matches no synapses here"), "%s", err.msg);
}
