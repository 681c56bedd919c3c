/* worker: one process hosting one shard of a distributed run. It needs no
 * files: the coordinator sends the network and the mapping. */
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

typedef struct {
    void *ctl;              /* DEALER to the coordinator */
    uint32_t id;
    double last_beat;
    double timeout;
    int verbose;
} s_worker_t;

static int s_send_kind(s_worker_t *w, sm_ctl_kind_t kind, uint32_t tick, const char *text)
{
    sm_ctl_t m;
    sm_ctl_init(&m, kind);
    m.has_worker = 1;
    m.worker = w->id;
    m.has_tick = 1;
    m.tick = tick;
    m.text = (char *)text;
    return sm_ctl_send(w->ctl, NULL, 0, &m);
}

/* Waits for a message of `kind`; ABORT or ERROR from the coordinator ends the
 * wait with an error. */
static sm_ctl_t *s_await(s_worker_t *w, sm_ctl_kind_t kind, double timeout, sm_error_t *err)
{
    double end = sm_now() + timeout;
    while (sm_now() < end) {
        sm_error_t e2;
        sm_ctl_t *m = sm_ctl_recv(w->ctl, 0, NULL, NULL, 200, &e2);
        if (!m) {
            if (e2.code == SM_EPROTO)
                fprintf(stderr, "spikemesh worker: rejected a control message: %s\n", e2.msg);
            continue;
        }
        if (m->kind == kind)
            return m;
        if (m->kind == SM_CTL_HEARTBEAT) {
            /* The coordinator is alive, only waiting for others. */
            end = sm_now() + timeout;
            sm_ctl_destroy(&m);
            continue;
        }
        if (m->kind == SM_CTL_ABORT || m->kind == SM_CTL_ERROR) {
            sm_fail(err, SM_EPEER, "the coordinator %s: %s",
                    m->kind == SM_CTL_ABORT ? "stopped the run" : "refused this worker",
                    m->text ? m->text : "no reason given");
            sm_ctl_destroy(&m);
            return NULL;
        }
        fprintf(stderr, "spikemesh worker: ignored an unexpected control message (kind %d)\n",
                (int)m->kind);
        sm_ctl_destroy(&m);
    }
    sm_fail(err, SM_ETIMEDOUT, "no word from the coordinator for %.0f s", timeout);
    return NULL;
}

static int s_hook_start(void *ctx, sm_shard_t *sh)
{
    s_worker_t *w = ctx;
    if (s_send_kind(w, SM_CTL_CONNECTED, 0, NULL))
        return sm_fail(&sh->err, SM_EIO, "worker %u: cannot reach the coordinator", w->id);
    sm_ctl_t *m = s_await(w, SM_CTL_START, w->timeout, &sh->err);
    if (!m)
        return -1;
    sm_ctl_destroy(&m);
    w->last_beat = sm_now();
    return 0;
}

/* Called by the shard loop every tick and while it waits: heartbeats out,
 * abort in. */
static int s_hook_poll(void *ctx, sm_shard_t *sh, uint32_t tick)
{
    s_worker_t *w = ctx;
    double now = sm_now();
    if (now - w->last_beat < 0.25)
        return 0;
    w->last_beat = now;
    s_send_kind(w, SM_CTL_HEARTBEAT, tick, NULL);
    sm_error_t e2;
    sm_ctl_t *m;
    while ((m = sm_ctl_recv(w->ctl, 0, NULL, NULL, 0, &e2))) {
        int stop = m->kind == SM_CTL_ABORT;
        if (stop)
            sm_fail(&sh->err, SM_EPEER, "worker %u: stopped by the coordinator at tick %u: %s",
                    w->id, tick, m->text ? m->text : "");
        sm_ctl_destroy(&m);
        if (stop)
            return -1;
    }
    return 0;
}

int sm_worker_main(const sm_worker_opts_t *o, sm_error_t *err)
{
    s_worker_t w = {.timeout = o->timeout > 0 ? o->timeout : 30, .verbose = o->verbose};
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
    w.ctl = zmq_socket(zctx, ZMQ_DEALER);
    int linger = 2000;
    zmq_setsockopt(w.ctl, ZMQ_LINGER, &linger, sizeof linger);
    if (pub[0])
        sm_curve_client(w.ctl, pub, sec);
    if (zmq_connect(w.ctl, o->connect)) {
        sm_fail(err, SM_EINVAL, "--connect %s: %s", o->connect, zmq_strerror(zmq_errno()));
        goto done;
    }
    sm_ctl_t hello;
    sm_ctl_init(&hello, SM_CTL_HELLO);
    hello.build = (char *)sm_build_id();
    hello.has_pid = 1;
    hello.pid = (uint32_t)getpid();
    sm_ctl_send(w.ctl, NULL, 0, &hello);
    if (!(m = s_await(&w, SM_CTL_SETUP, w.timeout, err))) {
        if (err->code == SM_ETIMEDOUT)
            sm_error_prefix(err, "%s: ", o->connect),
                strncat(err->msg, " (is it running, and do both sides have the same CURVE key?)",
                        sizeof err->msg - strlen(err->msg) - 1);
        told = 1;
        goto done;
    }
    w.id = m->worker;
    uint32_t ticks = 0;
    int dense = 0;
    if (!m->has_net || sm_netmsg_unpack(m->net.data, m->net.len, &net, &ticks, &dense, &map, err))
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
    /* The data links share the context of the ZAP handler that admits them. */
    int tcp = !strcmp(transport, "tcp");
    e->link = tcp ? &sm_link_tcp : &sm_link_ipc;
    if (!(e->links = sm_linkctx_new(zctx, 0, err)))
        goto fail;
    char ep[512], run_id[32];
    snprintf(run_id, sizeof run_id, "%ld", (long)getpid());
    if (e->link->endpoint(ep, sizeof ep, run_id, w.id, tcp ? o->bind_host : NULL)) {
        sm_fail(err, SM_EINVAL, "--bind %s: address too long", o->bind_host);
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
    m = NULL;
    sm_ctl_t ready;
    sm_ctl_init(&ready, SM_CTL_READY);
    ready.has_worker = 1;
    ready.worker = w.id;
    ready.text = ep;
    ready.has_fingerprint = 1;
    ready.fingerprint = fp;
    sm_ctl_send(w.ctl, NULL, 0, &ready);
    if (w.verbose)
        fprintf(stderr, "spikemesh worker %u: listening at %s\n", w.id, ep);
    if (!(m = s_await(&w, SM_CTL_PEERS, w.timeout, err))) {
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
        /* The shard closed its own sockets; report, unless told to stop. */
        told = err->code == SM_EPEER;
        goto fail;
    }
    e->endpoints = NULL;
    if (!(r = sm_result_alloc(e->ticks, net->dt_ms, net->n_probes, e->width, e->height))) {
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
    sm_ctl_send(w.ctl, NULL, 0, &res);
    free(buf);
    sm_ctl_destroy(&m);
    m = s_await(&w, SM_CTL_DONE, w.timeout, err);
    rc = m ? 0 : -1;
    goto done;
fail:
    if (!told)
        s_send_kind(&w, SM_CTL_ERROR, 0, err->msg);
done:
    if (m)
        sm_ctl_destroy(&m);
    if (e)
        e->endpoints = NULL;
    sm_result_destroy(&r);
    zmq_close(w.ctl);
    /* The engine's links close before their ZAP handler stops. */
    sm_engine_destroy(&e);
    sm_zap_stop(&zap);
    zmq_ctx_term(zctx);
    sm_mapping_destroy(&map);
    sm_net_destroy(&net);
    return rc;
}
