#include "ctl.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "codec.h"
#include "engine_int.h"

void sm_ctl_init(Control *m, Control__Kind kind)
{
    control__init(m);
    m->version = SM_WIRE_VERSION;
    m->kind = kind;
}

int sm_ctl_send(void *sock, const uint8_t *ident, size_t ident_len, Control *m)
{
    size_t len = control__get_packed_size(m);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return -1;
    control__pack(m, buf);
    int rc = 0;
    if (ident && zmq_send(sock, ident, ident_len, ZMQ_SNDMORE) < 0)
        rc = -1;
    if (!rc && zmq_send(sock, buf, len, 0) < 0)
        rc = -1;
    free(buf);
    return rc;
}

Control *sm_ctl_recv(void *sock, int router, uint8_t *ident, size_t *ident_len, int timeout_ms,
                     sm_error_t *err)
{
    zmq_pollitem_t it = {.socket = sock, .events = ZMQ_POLLIN};
    if (zmq_poll(&it, 1, timeout_ms) <= 0) {
        sm_fail(err, SM_ETIMEDOUT, "no message");
        return NULL;
    }
    zmq_msg_t part;
    zmq_msg_init(&part);
    if (router) {
        if (zmq_msg_recv(&part, sock, 0) < 0) {
            zmq_msg_close(&part);
            sm_fail(err, SM_EIO, "receive failed");
            return NULL;
        }
        size_t n = zmq_msg_size(&part);
        *ident_len = n > 255 ? 255 : n;
        memcpy(ident, zmq_msg_data(&part), *ident_len);
        if (!zmq_msg_more(&part)) {
            zmq_msg_close(&part);
            sm_fail(err, SM_EPROTO, "control message without a body");
            return NULL;
        }
    }
    if (zmq_msg_recv(&part, sock, 0) < 0) {
        zmq_msg_close(&part);
        sm_fail(err, SM_EIO, "receive failed");
        return NULL;
    }
    /* Drain any further frames: a well-formed peer sends exactly one. */
    int extra = 0;
    while (zmq_msg_more(&part)) {
        zmq_msg_t more;
        zmq_msg_init(&more);
        zmq_msg_recv(&more, sock, 0);
        extra = 1;
        int m = zmq_msg_more(&more);
        zmq_msg_close(&more);
        if (!m)
            break;
    }
    Control *m = extra ? NULL : control__unpack(NULL, zmq_msg_size(&part), zmq_msg_data(&part));
    size_t size = zmq_msg_size(&part);
    zmq_msg_close(&part);
    if (!m) {
        sm_fail(err, SM_EPROTO, "malformed control message (%zu bytes)", size);
        return NULL;
    }
    if (m->version != SM_WIRE_VERSION) {
        sm_fail(err, SM_EPROTO, "control message of wire version %u, expected %u", m->version,
                SM_WIRE_VERSION);
        control__free_unpacked(m, NULL);
        return NULL;
    }
    return m;
}

void sm_curve_server(void *sock, const char *sec)
{
    int one = 1;
    zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof one);
    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, sec, 40);
    zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, "spikemesh", 9);
}

void sm_curve_client(void *sock, const char *pub, const char *sec)
{
    zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, pub, 40);
    zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, pub, 40);
    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, sec, 40);
}

/* ---- ZAP: admit only the cluster key ------------------------------------- */

struct sm_zap {
    void *sock;
    pthread_t th;
    atomic_int stop;
    uint8_t key[32];
};

static void *s_zap_loop(void *arg)
{
    sm_zap_t *z = arg;
    while (!atomic_load(&z->stop)) {
        zmq_pollitem_t it = {.socket = z->sock, .events = ZMQ_POLLIN};
        if (zmq_poll(&it, 1, 100) <= 0)
            continue;
        /* version, request id, domain, address, identity, mechanism, credentials */
        zmq_msg_t f[8];
        int n = 0, more = 1;
        while (more && n < 8) {
            zmq_msg_init(&f[n]);
            if (zmq_msg_recv(&f[n], z->sock, 0) < 0) {
                zmq_msg_close(&f[n]);
                more = 0;
                break;
            }
            more = zmq_msg_more(&f[n]);
            n++;
        }
        while (more) { /* a request longer than expected: drain it */
            zmq_msg_t x;
            zmq_msg_init(&x);
            zmq_msg_recv(&x, z->sock, 0);
            more = zmq_msg_more(&x);
            zmq_msg_close(&x);
        }
        int ok = n >= 7 && zmq_msg_size(&f[5]) == 5 && !memcmp(zmq_msg_data(&f[5]), "CURVE", 5) &&
                 zmq_msg_size(&f[6]) == 32 && !memcmp(zmq_msg_data(&f[6]), z->key, 32);
        zmq_send(z->sock, "1.0", 3, ZMQ_SNDMORE);
        if (n >= 2)
            zmq_send(z->sock, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), ZMQ_SNDMORE);
        else
            zmq_send(z->sock, "", 0, ZMQ_SNDMORE);
        zmq_send(z->sock, ok ? "200" : "400", 3, ZMQ_SNDMORE);
        zmq_send(z->sock, ok ? "OK" : "unknown key", ok ? 2 : 11, ZMQ_SNDMORE);
        zmq_send(z->sock, "", 0, ZMQ_SNDMORE);
        zmq_send(z->sock, "", 0, 0);
        if (!ok)
            fprintf(stderr, "spikemesh: refused a peer without the cluster key\n");
        for (int i = 0; i < n; i++)
            zmq_msg_close(&f[i]);
    }
    return NULL;
}

sm_zap_t *sm_zap_start(void *zctx, const char *pub, sm_error_t *err)
{
    sm_zap_t *z = calloc(1, sizeof *z);
    if (!z) {
        sm_fail(err, SM_ENOMEM, "out of memory");
        return NULL;
    }
    if (!zmq_z85_decode(z->key, pub)) {
        free(z);
        sm_fail(err, SM_EINVAL, "CURVE public key: not a Z85 key");
        return NULL;
    }
    z->sock = zmq_socket(zctx, ZMQ_REP);
    if (!z->sock || zmq_bind(z->sock, "inproc://zeromq.zap.01")) {
        if (z->sock)
            zmq_close(z->sock);
        free(z);
        sm_fail(err, SM_EIO, "cannot start the ZAP handler: %s", zmq_strerror(zmq_errno()));
        return NULL;
    }
    if (pthread_create(&z->th, NULL, s_zap_loop, z)) {
        zmq_close(z->sock);
        free(z);
        sm_fail(err, SM_EIO, "cannot start the ZAP handler thread");
        return NULL;
    }
    return z;
}

void sm_zap_stop(sm_zap_t **z_p)
{
    if (!z_p || !*z_p)
        return;
    sm_zap_t *z = *z_p;
    atomic_store(&z->stop, 1);
    pthread_join(z->th, NULL);
    int zero = 0;
    zmq_setsockopt(z->sock, ZMQ_LINGER, &zero, sizeof zero);
    zmq_close(z->sock);
    free(z);
    *z_p = NULL;
}

/* ---- result parts -------------------------------------------------------- */

int sm_part_pack(const sm_result_t *r, const uint32_t *probes, uint32_t n_probes,
                 const uint32_t *cores, uint32_t n_cores, uint8_t **buf, size_t *len)
{
    ResultPart p;
    result_part__init(&p);
    size_t ns = r->n_spikes, nl = 0, nc = (size_t)r->width * r->height;
    for (size_t i = 0; i < nc * SM_DIRS; i++)
        nl += r->link_dense[i] > 0;
    uint32_t *st = malloc((ns + 1) * sizeof *st), *sg = malloc((ns + 1) * sizeof *sg),
             *sc = malloc((ns + 1) * sizeof *sc);
    float *tr = malloc(((size_t)n_probes * r->ticks * 3 + 1) * sizeof *tr);
    uint64_t *cnt = malloc(((size_t)n_cores * 7 + 1) * sizeof *cnt);
    uint32_t *neu = malloc(((size_t)n_cores + 1) * sizeof *neu);
    uint32_t *li = malloc((nl + 1) * sizeof *li);
    uint64_t *lp = malloc((nl + 1) * sizeof *lp);
    int rc = -1;
    if (!st || !sg || !sc || !tr || !cnt || !neu || !li || !lp)
        goto done;
    for (size_t i = 0; i < ns; i++) {
        st[i] = r->spikes[i].tick;
        sg[i] = r->spikes[i].gid;
        sc[i] = r->spikes[i].count;
    }
    for (uint32_t k = 0; k < n_probes; k++)
        for (uint32_t t = 0; t < r->ticks; t++)
            memcpy(&tr[((size_t)k * r->ticks + t) * 3],
                   &r->trace[((size_t)t * r->n_probes + probes[k]) * 3], 3 * sizeof(float));
    for (uint32_t k = 0; k < n_cores; k++) {
        const sm_counters_t *c = &r->cores[cores[k]].c;
        uint64_t v[7] = {c->spikes, c->synaptic_events, c->events_received, c->neuron_updates,
                         c->dense_updates, c->packets_out, c->hops};
        memcpy(&cnt[(size_t)k * 7], v, sizeof v);
        neu[k] = r->cores[cores[k]].neurons;
    }
    nl = 0;
    for (size_t i = 0; i < nc * SM_DIRS; i++)
        if (r->link_dense[i]) {
            li[nl] = (uint32_t)i;
            lp[nl++] = r->link_dense[i];
        }
    p.n_spike_tick = p.n_spike_gid = p.n_spike_count = ns;
    p.spike_tick = st;
    p.spike_gid = sg;
    p.spike_count = sc;
    p.n_probe = n_probes;
    p.probe = (uint32_t *)probes;
    p.n_trace = (size_t)n_probes * r->ticks * 3;
    p.trace = tr;
    p.n_core = n_cores;
    p.core = (uint32_t *)cores;
    p.n_counters = (size_t)n_cores * 7;
    p.counters = cnt;
    p.n_neurons = n_cores;
    p.neurons = neu;
    p.n_link_index = p.n_link_packets = nl;
    p.link_index = li;
    p.link_packets = lp;
    p.wall_seconds = r->wall_seconds;
    p.wait_seconds = r->wait_seconds;
    *len = result_part__get_packed_size(&p);
    *buf = malloc(*len ? *len : 1);
    if (*buf) {
        result_part__pack(&p, *buf);
        rc = 0;
    }
done:
    free(st);
    free(sg);
    free(sc);
    free(tr);
    free(cnt);
    free(neu);
    free(li);
    free(lp);
    return rc;
}

int sm_part_merge(sm_result_t *r, const uint8_t *buf, size_t len, uint32_t n_gids, sm_error_t *err)
{
    ResultPart *p = result_part__unpack(NULL, len, buf);
    if (!p)
        return sm_fail(err, SM_EPROTO, "result: malformed (%zu bytes)", len);
    size_t nc = (size_t)r->width * r->height;
    const char *why = NULL;
    if (p->n_spike_gid != p->n_spike_tick || p->n_spike_count != p->n_spike_tick ||
        p->n_trace != p->n_probe * (size_t)r->ticks * 3 || p->n_counters != p->n_core * 7 ||
        p->n_neurons != p->n_core || p->n_link_packets != p->n_link_index)
        why = "field lengths differ";
    for (size_t i = 0; !why && i < p->n_spike_tick; i++)
        if (p->spike_tick[i] >= r->ticks || p->spike_gid[i] >= n_gids || !p->spike_count[i])
            why = "spike out of range";
    for (size_t i = 0; !why && i < p->n_probe; i++)
        if (p->probe[i] >= r->n_probes)
            why = "probe out of range";
    for (size_t i = 0; !why && i < p->n_core; i++)
        if (p->core[i] >= nc)
            why = "core out of range";
    for (size_t i = 0; !why && i < p->n_link_index; i++)
        if (p->link_index[i] >= nc * SM_DIRS)
            why = "link out of range";
    if (why) {
        result_part__free_unpacked(p, NULL);
        return sm_fail(err, SM_EPROTO, "result: %s", why);
    }
    for (size_t i = 0; i < p->n_spike_tick; i++) {
        sm_spike_t s = {p->spike_tick[i], p->spike_gid[i], p->spike_count[i]};
        if (sm_result_add_spikes(r, &s, 1)) {
            result_part__free_unpacked(p, NULL);
            return sm_fail(err, SM_ENOMEM, "out of memory for spikes");
        }
    }
    for (size_t k = 0; k < p->n_probe; k++)
        for (uint32_t t = 0; t < r->ticks; t++)
            memcpy(&r->trace[((size_t)t * r->n_probes + p->probe[k]) * 3],
                   &p->trace[(k * r->ticks + t) * 3], 3 * sizeof(float));
    for (size_t k = 0; k < p->n_core; k++) {
        sm_counters_t c;
        const uint64_t *v = &p->counters[k * 7];
        c.spikes = v[0];
        c.synaptic_events = v[1];
        c.events_received = v[2];
        c.neuron_updates = v[3];
        c.dense_updates = v[4];
        c.packets_out = v[5];
        c.hops = v[6];
        sm_counters_add(&r->cores[p->core[k]].c, &c);
        r->cores[p->core[k]].neurons = p->neurons[k];
    }
    for (size_t i = 0; i < p->n_link_index; i++)
        r->link_dense[p->link_index[i]] += p->link_packets[i];
    r->wait_seconds += p->wait_seconds;
    result_part__free_unpacked(p, NULL);
    return 0;
}
