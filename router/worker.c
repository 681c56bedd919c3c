/* worker: one process hosting one shard of a distributed run. It needs no
 * files: the coordinator sends the network and the mapping.
 *
 * Liveness, both ways: the worker beats every 0.25 s, in the tick loop, in
 * every wait and (from a helper thread) while it builds or packs its result;
 * the coordinator beats as often and says in its beats how long either side
 * may stay silent (its --heartbeat-timeout). A worker whose coordinator falls
 * silent that long leaves, saying so. Its control connection may break and
 * come back (a reset, a restarted router): the worker keeps one routing id
 * for its whole life, so it keeps its slot, and after each reconnection it
 * says HELLO again and repeats its latest message, which may have been lost;
 * the coordinator repeats its own. */
#define _GNU_SOURCE
#include <libgen.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "ctl.h"
#include "dist.h"
#include "engine_int.h"
#include "netmsg.h"
#include "part.h"

#define S_BEAT 0.25

typedef struct {
    void *ctl;              /* DEALER to the coordinator                         */
    void *mon;              /* PAIR: the ctl socket's connection events           */
    const char *connect;
    uint32_t id, tick;
    double tick_ns[4];      /* the chip latencies of a per-tick series, if sent   */
    double last_beat;       /* when we last beat                                  */
    double last_heard;      /* when the coordinator last said anything            */
    double silence;         /* how long it may say nothing: --timeout until its
                               first beat tells its heartbeat timeout            */
    int handshakes;         /* connections to the coordinator made so far        */
    uint8_t *last;          /* our latest message but beats, packed: repeated     */
    size_t last_len;        /* after a reconnection                               */
    int lost;               /* the coordinator is gone: leave without a word      */
    int verbose;
    pthread_t th;           /* beats while the main thread is busy                */
    atomic_int busy_stop;
    int busy;
} s_worker_t;

static int s_send_kind(s_worker_t *w, sm_ctl_kind_t kind, const char *text)
{
    sm_ctl_t m;
    sm_ctl_init(&m, kind);
    m.has_worker = 1;
    m.worker = w->id;
    m.has_tick = 1;
    m.tick = w->tick;
    m.text = (char *)text;
    return sm_ctl_send(w->ctl, NULL, 0, &m);
}

static int s_hello(s_worker_t *w)
{
    sm_ctl_t m;
    sm_ctl_init(&m, SM_CTL_HELLO);
    m.build = (char *)sm_build_id();
    m.has_pid = 1;
    m.pid = (uint32_t)getpid();
    return sm_ctl_send(w->ctl, NULL, 0, &m);
}

/* Sends a step of the handshake (READY, CONNECTED, RESULT), kept to be
 * repeated after a reconnection. */
static int s_step(s_worker_t *w, const sm_ctl_t *m)
{
    free(w->last);
    w->last = NULL;
    if (sm_ctl_pack(m, &w->last, &w->last_len))
        return -1;
    return sm_ctl_send_packed(w->ctl, NULL, 0, w->last, w->last_len);
}

/* A new connection to the coordinator (after the first): whatever was in
 * flight on the old one may be lost, so say who we are and where we stand. */
static void s_events(s_worker_t *w)
{
    zmq_msg_t ev;
    zmq_msg_init(&ev);
    while (zmq_msg_recv(&ev, w->mon, ZMQ_DONTWAIT) >= 0) {
        uint16_t event = 0;
        if (zmq_msg_size(&ev) >= 2)
            memcpy(&event, zmq_msg_data(&ev), 2);
        while (zmq_msg_more(&ev))
            zmq_msg_recv(&ev, w->mon, 0);
        if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED && ++w->handshakes > 1) {
            fprintf(stderr, "spikemesh worker %u: reconnected to the coordinator\n", w->id);
            s_hello(w);
            if (w->last)
                sm_ctl_send_packed(w->ctl, NULL, 0, w->last, w->last_len);
        }
    }
    zmq_msg_close(&ev);
}

/* Beats if due, follows reconnections, and takes the next message within
 * timeout_ms into *out (NULL if none came); the coordinator's beats are
 * absorbed here. Returns -1 once the coordinator has been silent too long. */
static int s_poll(s_worker_t *w, int timeout_ms, sm_ctl_t **out, sm_error_t *err)
{
    *out = NULL;
    double now = sm_now();
    if (now - w->last_beat >= S_BEAT) {
        w->last_beat = now;
        s_send_kind(w, SM_CTL_HEARTBEAT, NULL);
    }
    s_events(w);
    sm_error_t e2;
    sm_ctl_t *m = sm_ctl_recv(w->ctl, 0, NULL, NULL, timeout_ms, &e2);
    now = sm_now();
    if (m) {
        w->last_heard = now;
        if (m->kind != SM_CTL_HEARTBEAT) {
            *out = m;
            return 0;
        }
        /* Bounded below so that a slip of the tongue cannot make us flee. */
        if (m->has_heartbeat_ms)
            w->silence = m->heartbeat_ms < 500 ? 0.5 : m->heartbeat_ms / 1000.0;
        sm_ctl_destroy(&m);
        return 0;
    }
    if (e2.code == SM_EPROTO)
        fprintf(stderr, "spikemesh worker: rejected a control message: %s\n", e2.msg);
    if (now - w->last_heard > w->silence) {
        w->lost = 1;
        return sm_fail(err, SM_ETIMEDOUT,
                       "no word from the coordinator at %s for %.1f s: it is dead or unreachable",
                       w->connect, now - w->last_heard);
    }
    return 0;
}

static int s_told_to_stop(const sm_ctl_t *m, sm_error_t *err)
{
    if (m->kind != SM_CTL_ABORT && m->kind != SM_CTL_ERROR)
        return 0;
    sm_fail(err, SM_EPEER, "the coordinator %s: %s",
            m->kind == SM_CTL_ABORT ? "stopped the run" : "refused this worker",
            m->text ? m->text : "no reason given");
    return 1;
}

/* Waits for a message of `kind`; ABORT or ERROR from the coordinator, or its
 * silence, ends the wait with an error. */
static sm_ctl_t *s_await(s_worker_t *w, sm_ctl_kind_t kind, sm_error_t *err)
{
    for (;;) {
        sm_ctl_t *m;
        if (s_poll(w, 100, &m, err))
            return NULL;
        if (!m)
            continue;
        if (m->kind == kind)
            return m;
        if (s_told_to_stop(m, err)) {
            sm_ctl_destroy(&m);
            return NULL;
        }
        /* The coordinator repeats its latest step after we reconnect: an
         * earlier step than the one awaited is such a repeat. */
        if (m->kind > kind || m->kind == SM_CTL_HELLO)
            fprintf(stderr, "spikemesh worker: ignored an unexpected control message (kind %d)\n",
                    (int)m->kind);
        sm_ctl_destroy(&m);
    }
}

/* ---- beats while busy ------------------------------------------------------ */

/* Building the engine or packing the result cannot stop halfway to poll, so
 * a thread takes the control sockets meanwhile. If the coordinator stops the
 * run or falls silent then, the worker leaves at once: it has bound no
 * socket and written no file yet, so there is nothing to undo. */
static void *s_busy_loop(void *arg)
{
    s_worker_t *w = arg;
    while (!atomic_load(&w->busy_stop)) {
        sm_error_t err;
        sm_ctl_t *m;
        int stop = s_poll(w, 50, &m, &err) || (m && s_told_to_stop(m, &err));
        sm_ctl_destroy(&m);
        if (stop) {
            fprintf(stderr, "spikemesh worker: %s\n", err.msg);
            _exit(1);
        }
    }
    return NULL;
}

static void s_busy_begin(s_worker_t *w)
{
    atomic_store(&w->busy_stop, 0);
    /* Without the thread the coordinator may find us silent: not fatal here. */
    w->busy = pthread_create(&w->th, NULL, s_busy_loop, w) == 0;
}

static void s_busy_end(s_worker_t *w)
{
    if (!w->busy)
        return;
    atomic_store(&w->busy_stop, 1);
    pthread_join(w->th, NULL);
    w->busy = 0;
}

/* ---- the shard loop's hooks ------------------------------------------------ */

static int s_hook_start(void *ctx, sm_shard_t *sh)
{
    s_worker_t *w = ctx;
    sm_ctl_t c;
    sm_ctl_init(&c, SM_CTL_CONNECTED);
    c.has_worker = 1;
    c.worker = w->id;
    if (s_step(w, &c))
        return sm_fail(&sh->err, SM_EIO, "worker %u: cannot reach the coordinator", w->id);
    sm_ctl_t *m = s_await(w, SM_CTL_START, &sh->err);
    if (!m)
        return -1;
    sm_ctl_destroy(&m);
    return 0;
}

/* Called by the shard loop every tick and while it waits: heartbeats out,
 * abort in, and the coordinator's silence noticed. */
static int s_hook_poll(void *ctx, sm_shard_t *sh, uint32_t tick)
{
    s_worker_t *w = ctx;
    if (sm_now() - w->last_beat < S_BEAT)
        return 0;
    w->tick = tick;
    for (;;) {
        sm_ctl_t *m;
        if (s_poll(w, 0, &m, &sh->err)) {
            sm_error_prefix(&sh->err, "worker %u at tick %u: ", w->id, tick);
            return -1;
        }
        if (!m)
            return 0;
        int stop = m->kind == SM_CTL_ABORT;
        if (stop)
            sm_fail(&sh->err, SM_EPEER, "worker %u: stopped by the coordinator at tick %u: %s",
                    w->id, tick, m->text ? m->text : "");
        sm_ctl_destroy(&m);
        if (stop)
            return -1;
    }
}

/* ---- the worker ------------------------------------------------------------ */

/* One routing id for the worker's life, so that the coordinator knows it
 * again after a reconnection: host, pid and start time make it unique. */
static void s_routing_id(void *sock)
{
    char host[64] = "?", id[128];
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    int n = snprintf(id, sizeof id, "spikemesh-worker/%s/%ld/%.6f", host, (long)getpid(), sm_now());
    zmq_setsockopt(sock, ZMQ_ROUTING_ID, id, (size_t)(n < (int)sizeof id ? n : (int)sizeof id - 1));
}

/* An ipc worker puts its data socket beside the coordinator's control
 * socket, in the directory the coordinator made and removes. */
static const char *s_ipc_dir(const char *connect, char *buf, size_t n)
{
    if (strncmp(connect, "ipc://", 6) || strlen(connect + 6) >= n)
        return NULL;
    strcpy(buf, connect + 6);
    char *slash = strrchr(buf, '/');
    if (!slash || slash == buf)
        return NULL;
    *slash = '\0';
    return buf;
}

/* Opens the control socket and its monitor. */
static int s_open(s_worker_t *w, void *zctx, const char *pub, const char *sec, sm_error_t *err)
{
    w->ctl = zmq_socket(zctx, ZMQ_DEALER);
    w->mon = zmq_socket(zctx, ZMQ_PAIR);
    if (!w->ctl || !w->mon)
        return sm_fail(err, SM_EIO, "cannot open a socket: %s", zmq_strerror(zmq_errno()));
    sm_ctl_bound(w->ctl, 1000);
    s_routing_id(w->ctl);
    if (pub[0])
        sm_curve_client(w->ctl, pub, sec);
    char mon_ep[64];
    snprintf(mon_ep, sizeof mon_ep, "inproc://spikemesh-worker-ctl-%p", (void *)w);
    if (zmq_socket_monitor(w->ctl, mon_ep, ZMQ_EVENT_HANDSHAKE_SUCCEEDED) ||
        zmq_connect(w->mon, mon_ep))
        return sm_fail(err, SM_EIO, "cannot watch the control socket: %s", zmq_strerror(zmq_errno()));
    if (zmq_connect(w->ctl, w->connect))
        return sm_fail(err, SM_EINVAL, "--connect %s: %s", w->connect, zmq_strerror(zmq_errno()));
    return 0;
}

int sm_worker_main(const sm_worker_opts_t *o, sm_error_t *err)
{
    s_worker_t w = {.connect = o->connect, .silence = o->timeout > 0 ? o->timeout : 30,
                    .verbose = o->verbose};
    char pub[41] = "", sec[41] = "";
    if (o->curve_file && sm_curve_load(o->curve_file, pub, sec, err))
        return -1;
    void *zctx = zmq_ctx_new();
    if (!zctx)
        return sm_fail(err, SM_EIO, "cannot create a ZeroMQ context");
    sm_zap_t *zap = NULL;
    sm_net_t *net = NULL;
    sm_mapping_t *map = NULL;
    sm_engine_t *e = NULL;
    sm_result_t *r = NULL;
    sm_ctl_t *m = NULL;
    int rc = -1, told = 0;
    w.last_heard = w.last_beat = sm_now();
    if (s_open(&w, zctx, pub, sec, err)) {
        told = 1;
        goto done;
    }
    s_hello(&w);
    if (!(m = s_await(&w, SM_CTL_SETUP, err))) {
        if (err->code == SM_ETIMEDOUT && w.handshakes == 0)
            strncat(err->msg, " (is it running, and do both sides have the same CURVE key?)",
                    sizeof err->msg - strlen(err->msg) - 1);
        told = 1;
        goto done;
    }
    w.id = m->worker;
    s_busy_begin(&w);
    uint32_t ticks = 0;
    int dense = 0, has_tick_ns = 0;
    if (!m->has_net || sm_netmsg_unpack_run(m->net.data, m->net.len, &net, &ticks, &dense,
                                            w.tick_ns, &has_tick_ns, &map, err))
        goto fail;
    uint64_t fp = sm_fingerprint(m->net.data, m->net.len);
    if (m->has_fingerprint && fp != m->fingerprint) {
        sm_fail(err, SM_EPROTO, "the network arrived damaged (fingerprint %llx, expected %llx)",
                (unsigned long long)fp, (unsigned long long)m->fingerprint);
        goto fail;
    }
    const char *transport = m->text ? m->text : "ipc";
    uint32_t n_workers = m->n_workers;
    sm_run_opts_t ro;
    sm_run_opts_default(&ro);
    ro.ticks = ticks;
    ro.dense = dense;
    ro.mapping = map;
    ro.tick_ns = has_tick_ns ? w.tick_ns : NULL;
    if (!(e = sm_engine_new(net, &ro, n_workers, (int)w.id, err)))
        goto fail;
    if (w.id >= e->n_shards) {
        sm_fail(err, SM_EPROTO, "worker id %u, but the run has %u shards", w.id, e->n_shards);
        goto fail;
    }
    if (pub[0]) {
        memcpy(e->curve_public, pub, 41);
        memcpy(e->curve_secret, sec, 41);
        if (!(zap = sm_zap_start(zctx, pub, err)))
            goto fail;
    }
    s_busy_end(&w);
    /* The data links share the context of the ZAP handler that admits them. */
    int tcp = !strcmp(transport, "tcp");
    e->link = tcp ? &sm_link_tcp : &sm_link_ipc;
    if (!(e->links = sm_linkctx_new(zctx, 0, err)))
        goto fail;
    char ep[512], run_id[32], dir[512];
    snprintf(run_id, sizeof run_id, "%ld", (long)getpid());
    const char *base = tcp ? o->bind_host : s_ipc_dir(o->connect, dir, sizeof dir);
    if (e->link->endpoint(ep, sizeof ep, run_id, w.id, base)) {
        sm_fail(err, SM_EINVAL, "--bind %s: address too long", base ? base : "");
        goto fail;
    }
    sm_link_opts_t lo;
    sm_engine_link_opts(e, w.id, &lo);
    /* The shard owns the link and closes it. */
    if (!(e->shards[w.id].in = e->link->listen(e->links, ep, &lo, err)))
        goto fail;
    if (e->link->address(e->shards[w.id].in, ep, sizeof ep)) {
        sm_fail(err, SM_EIO, "listening at %s, but cannot tell where", ep);
        goto fail;
    }
    sm_ctl_destroy(&m);
    sm_ctl_t ready;
    sm_ctl_init(&ready, SM_CTL_READY);
    ready.has_worker = 1;
    ready.worker = w.id;
    ready.text = ep;
    ready.has_fingerprint = 1;
    ready.fingerprint = fp;
    s_step(&w, &ready);
    if (w.verbose)
        fprintf(stderr, "spikemesh worker %u: listening at %s\n", w.id, ep);
    if (!(m = s_await(&w, SM_CTL_PEERS, err))) {
        told = 1;
        goto done;
    }
    if (m->n_endpoints != e->n_shards) {
        sm_fail(err, SM_EPROTO, "%zu peer endpoints for %u shards", m->n_endpoints, e->n_shards);
        goto fail;
    }
    e->endpoints = m->endpoints;
    e->ctl = &w;
    e->ctl_start = s_hook_start;
    e->ctl_poll = s_hook_poll;
    double t0 = sm_now();
    if (sm_engine_run_local(e, w.id, 1, err)) {
        /* The shard closed its own sockets; report, unless told to stop or
         * there is nobody to tell. */
        told = err->code == SM_EPEER || w.lost;
        goto fail;
    }
    e->endpoints = NULL;
    s_busy_begin(&w);
    if (!(r = sm_result_alloc(e->ticks, net->dt_ms, net->n_probes, e->width, e->height)) ||
        sm_result_sample(r, net->trace_every)) {
        sm_fail(err, SM_ENOMEM, "out of memory for results");
        goto fail;
    }
    if (sm_engine_gather(e, r, err))
        goto fail;
    r->wall_seconds = sm_now() - t0;
    sm_shard_t *sh = &e->shards[w.id];
    uint8_t *buf;
    size_t len;
    if (sm_part_pack(r, sh->probes, sh->n_probes, sh->cores, sh->n_cores, &buf, &len)) {
        sm_fail(err, SM_ENOMEM, "out of memory packing results");
        goto fail;
    }
    sm_ctl_t res;
    sm_ctl_init(&res, SM_CTL_RESULT);
    res.has_worker = 1;
    res.worker = w.id;
    res.has_result = 1;
    res.result.data = buf;
    res.result.len = len;
    s_busy_end(&w);
    int sent = s_step(&w, &res);
    free(buf);
    if (sent) {
        sm_fail(err, SM_EIO, "cannot send the result to the coordinator");
        goto fail;
    }
    sm_ctl_destroy(&m);
    m = s_await(&w, SM_CTL_DONE, err);
    rc = m ? 0 : -1;
    goto done;
fail:
    s_busy_end(&w);
    if (!told)
        s_send_kind(&w, SM_CTL_ERROR, err->msg);
done:
    s_busy_end(&w);
    sm_ctl_destroy(&m);
    if (e)
        e->endpoints = NULL;
    sm_result_destroy(&r);
    if (w.lost) {
        /* Nobody will read what is still queued. */
        int zero = 0;
        zmq_setsockopt(w.ctl, ZMQ_LINGER, &zero, sizeof zero);
    }
    if (w.ctl) {
        zmq_socket_monitor(w.ctl, NULL, 0);
        zmq_close(w.ctl);
    }
    if (w.mon) {
        int zero = 0;
        zmq_setsockopt(w.mon, ZMQ_LINGER, &zero, sizeof zero);
        zmq_close(w.mon);
    }
    free(w.last);
    /* The engine's links close before their ZAP handler stops. */
    sm_engine_destroy(&e);
    sm_zap_stop(&zap);
    zmq_ctx_term(zctx);
    sm_mapping_destroy(&map);
    sm_net_destroy(&net);
    return rc;
}
