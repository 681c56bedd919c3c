/* link_zmq: links over ZeroMQ PUSH/PULL sockets, one frame per protobuf
 * batch. inproc, ipc and tcp differ only in the address. Both directions are
 * unbounded (HWM 0): the shard protocol's credits bound how far a sender runs
 * ahead, so a full pipe would only stall a peer the protocol already lets on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "ctl.h"
#include "link_int.h"

/* How long a closed sending link keeps delivering what it queued. */
#define SM_LINK_LINGER_MS 5000

static int s_inproc_ep(char *buf, size_t n, const char *run_id, uint32_t shard, const char *base)
{
    (void)base;
    int w = snprintf(buf, n, "inproc://spikemesh-%s-%u", run_id, shard);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

static int s_ipc_ep(char *buf, size_t n, const char *run_id, uint32_t shard, const char *base)
{
    int w = snprintf(buf, n, "ipc://%s/spikemesh-%s-%u", base ? base : "/tmp", run_id, shard);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

/* base is "host:port0" (shard k on port0 + k) or "host" (any free port). */
static int s_tcp_ep(char *buf, size_t n, const char *run_id, uint32_t shard, const char *base)
{
    (void)run_id;
    char host[256] = "127.0.0.1";
    const char *colon = base ? strrchr(base, ':') : NULL;
    size_t hl = base ? (colon ? (size_t)(colon - base) : strlen(base)) : 0;
    if (hl >= sizeof host)
        return -1;
    if (base) {
        memcpy(host, base, hl);
        host[hl] = '\0';
    }
    int w = colon ? snprintf(buf, n, "tcp://%s:%lu", host, strtoul(colon + 1, NULL, 10) + shard)
                  : snprintf(buf, n, "tcp://%s:*", host);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

/* The context's ZeroMQ context, created on first use: runs whose shards all
 * link locally never start ZeroMQ's threads. */
static void *s_zctx(sm_linkctx_t *c, sm_error_t *err)
{
    pthread_mutex_lock(&c->mu);
    if (!c->zctx && (c->zctx = zmq_ctx_new())) {
        c->own_zctx = 1;
        if (c->max_sockets)
            zmq_ctx_set(c->zctx, ZMQ_MAX_SOCKETS, (int)c->max_sockets);
    }
    void *z = c->zctx;
    pthread_mutex_unlock(&c->mu);
    if (!z)
        sm_fail(err, SM_EIO, "cannot create a ZeroMQ context: %s", zmq_strerror(zmq_errno()));
    return z;
}

static sm_link_t *s_open(sm_linkctx_t *ctx, int type,
                         const sm_link_opts_t *o, sm_error_t *err)
{
    void *z = s_zctx(ctx, err);
    if (!z)
        return NULL;
    sm_link_t *l = calloc(1, sizeof *l);
    if (!l) {
        sm_fail(err, SM_ENOMEM, "out of memory for a link");
        return NULL;
    }
    l->ctx = ctx;
    l->o = *o;
    l->o.curve_public = l->o.curve_secret = NULL;
    if (!(l->sock = zmq_socket(z, type))) {
        sm_fail(err, SM_EIO, "cannot open a socket: %s", zmq_strerror(zmq_errno()));
        free(l);
        return NULL;
    }
    int zero = 0;
    zmq_setsockopt(l->sock, type == ZMQ_PULL ? ZMQ_RCVHWM : ZMQ_SNDHWM, &zero, sizeof zero);
    return l;
}

static void s_close(sm_link_t **l_p)
{
    if (!l_p || !*l_p)
        return;
    sm_link_t *l = *l_p;
    /* A sender's last batches may still be in its queue when its shard is
     * done: a peer that is behind still needs them, so ZeroMQ keeps sending
     * them after the close, for a while. A listener has nothing to flush,
     * and a failed run's sender nobody to flush to. */
    int linger = l->listening || l->dropping ? 0 : SM_LINK_LINGER_MS;
    zmq_setsockopt(l->sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close(l->sock);
    free(l->wire);
    free(l);
    *l_p = NULL;
}

static void s_drop(sm_link_t *l)
{
    if (l)
        l->dropping = 1;
}

static sm_link_t *s_listen(sm_linkctx_t *ctx, const char *ep, const sm_link_opts_t *o,
                           sm_error_t *err)
{
    sm_link_t *l = s_open(ctx, ZMQ_PULL, o, err);
    if (!l)
        return NULL;
    l->listening = 1;
    /* ZeroMQ drops a bigger frame (and its connection) before allocating it.
     * inproc frames bypass that check; recv refuses them instead. */
    uint64_t most = (INT64_MAX - SM_BATCH_MAX_HEAD) / SM_BATCH_MAX_ENTRY;
    l->max_msg = SM_BATCH_MAX_HEAD + (o->max_entries < most ? o->max_entries : most) * SM_BATCH_MAX_ENTRY;
    int64_t max = (int64_t)l->max_msg;
    zmq_setsockopt(l->sock, ZMQ_MAXMSGSIZE, &max, sizeof max);
    if (o->curve_secret && o->curve_secret[0])
        sm_curve_server(l->sock, o->curve_secret);
    if (zmq_bind(l->sock, ep)) {
        sm_fail(err, SM_EIO, "cannot listen at %s: %s", ep, zmq_strerror(zmq_errno()));
        s_close(&l);
        return NULL;
    }
    return l;
}

static sm_link_t *s_dial(sm_linkctx_t *ctx, const char *ep, const sm_link_opts_t *o,
                         sm_error_t *err)
{
    sm_link_t *l = s_open(ctx, ZMQ_PUSH, o, err);
    if (!l)
        return NULL;
    if (o->curve_secret && o->curve_secret[0] && o->curve_public)
        sm_curve_client(l->sock, o->curve_public, o->curve_secret);
    if (zmq_connect(l->sock, ep)) {
        sm_fail(err, SM_EIO, "cannot connect to %s: %s", ep, zmq_strerror(zmq_errno()));
        s_close(&l);
        return NULL;
    }
    return l;
}

static int s_address(const sm_link_t *l, char *buf, size_t n)
{
    size_t len = n;
    if (!l->listening || zmq_getsockopt(l->sock, ZMQ_LAST_ENDPOINT, buf, &len))
        return -1;
    return 0;
}

static int s_send(sm_link_t *l, sm_batch_t *b, sm_error_t *err)
{
    size_t len = sm_batch_size(b);
    if (len > l->wire_cap) {
        uint8_t *w = realloc(l->wire, len);
        if (!w) {
            sm_batch_clear(b);
            return sm_fail(err, SM_ENOMEM, "out of memory for a %zu-byte message", len);
        }
        l->wire = w;
        l->wire_cap = len;
    }
    sm_batch_pack(b, l->wire);
    /* Never blocks: with no peer to take it (an inproc listener gone), the
     * shard hears SM_LINK_FULL and goes on watching for an abort. */
    if (zmq_send(l->sock, l->wire, len, ZMQ_DONTWAIT) < 0) {
        if (zmq_errno() == EAGAIN)
            return SM_LINK_FULL;
        sm_batch_clear(b);
        return sm_fail(err, SM_EIO, "%s", zmq_strerror(zmq_errno()));
    }
    sm_batch_clear(b);
    return 0;
}

static int s_recv(sm_link_t *l, sm_batch_t *into, int timeout_ms, sm_error_t *err)
{
    sm_batch_clear(into);
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    /* A message already waiting costs no poll. */
    if (zmq_msg_recv(&msg, l->sock, ZMQ_DONTWAIT) < 0) {
        int e = zmq_errno();
        if (e == EAGAIN && timeout_ms != 0) {
            zmq_pollitem_t it = {.socket = l->sock, .events = ZMQ_POLLIN};
            int p = zmq_poll(&it, 1, timeout_ms);
            if (p > 0 && zmq_msg_recv(&msg, l->sock, ZMQ_DONTWAIT) >= 0)
                e = 0;
            else
                e = p == 0 ? EAGAIN : zmq_errno();
        }
        if (e) {
            zmq_msg_close(&msg);
            if (e == EAGAIN || e == EINTR)
                return 0;
            return sm_fail(err, SM_EIO, "receive failed: %s", zmq_strerror(e));
        }
    }
    size_t len = zmq_msg_size(&msg);
    int rc = 1;
    if (len > l->max_msg)
        rc = sm_fail(err, SM_ETOOBIG, "a %zu-byte message, more than the %zu bytes of the biggest batch",
                     len, l->max_msg);
    else if (sm_batch_unpack(into, zmq_msg_data(&msg), len, l->o.n_gids, l->o.n_cores,
                             l->o.window, err))
        rc = -1;
    else if (into->n > l->o.max_entries)
        rc = sm_fail(err, SM_ETOOBIG, "AER batch: %u entries, more than the %llu any batch here can hold",
                     into->n, (unsigned long long)l->o.max_entries);
    zmq_msg_close(&msg);
    if (rc < 0)
        sm_batch_clear(into);
    return rc;
}

const sm_link_ops_t sm_link_inproc = {
    .scheme = "inproc",
    .endpoint = s_inproc_ep,
    .listen = s_listen,
    .address = s_address,
    .dial = s_dial,
    .send = s_send,
    .recv = s_recv,
    .close = s_close,
    .drop = s_drop,
};

const sm_link_ops_t sm_link_ipc = {
    .scheme = "ipc",
    .endpoint = s_ipc_ep,
    .listen = s_listen,
    .address = s_address,
    .dial = s_dial,
    .send = s_send,
    .recv = s_recv,
    .close = s_close,
    .drop = s_drop,
};

const sm_link_ops_t sm_link_tcp = {
    .scheme = "tcp",
    .endpoint = s_tcp_ep,
    .listen = s_listen,
    .address = s_address,
    .dial = s_dial,
    .send = s_send,
    .recv = s_recv,
    .close = s_close,
    .drop = s_drop,
};
