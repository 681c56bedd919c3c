#include "ctl.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>


int sm_ctl_send(void *sock, const uint8_t *ident, size_t ident_len, const sm_ctl_t *m)
{
    uint8_t *buf;
    size_t len;
    if (sm_ctl_pack(m, &buf, &len))
        return -1;
    int rc = 0;
    if (ident && zmq_send(sock, ident, ident_len, ZMQ_SNDMORE) < 0)
        rc = -1;
    if (!rc && zmq_send(sock, buf, len, 0) < 0)
        rc = -1;
    free(buf);
    return rc;
}

sm_ctl_t *sm_ctl_recv(void *sock, int router, uint8_t *ident, size_t *ident_len, int timeout_ms,
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
    if (extra) {
        zmq_msg_close(&part);
        sm_fail(err, SM_EPROTO, "control message of more than one frame");
        return NULL;
    }
    sm_ctl_t *m = sm_ctl_unpack(zmq_msg_data(&part), zmq_msg_size(&part), err);
    zmq_msg_close(&part);
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
