#include "ctl.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

void sm_ctl_bound(void *sock, int linger_ms)
{
    int64_t max = (int64_t)SM_CTL_FRAME_MAX;
    int send_ms = SM_CTL_SEND_MS;
    zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &max, sizeof max);
    zmq_setsockopt(sock, ZMQ_SNDTIMEO, &send_ms, sizeof send_ms);
    zmq_setsockopt(sock, ZMQ_LINGER, &linger_ms, sizeof linger_ms);
}

int sm_ctl_send_packed(void *sock, const uint8_t *ident, size_t ident_len, const uint8_t *buf,
                       size_t len)
{
    if (ident && zmq_send(sock, ident, ident_len, ZMQ_SNDMORE) < 0)
        return -1;
    /* Once the first frame is queued, ZeroMQ takes the rest of the message
     * (its limits count whole messages). */
    size_t off = 0;
    do {
        size_t n = len - off < SM_CTL_FRAME_MAX ? len - off : SM_CTL_FRAME_MAX;
        if (zmq_send(sock, buf + off, n, off + n < len ? ZMQ_SNDMORE : 0) < 0)
            return -1;
        off += n;
    } while (off < len);
    return 0;
}

int sm_ctl_send(void *sock, const uint8_t *ident, size_t ident_len, const sm_ctl_t *m)
{
    uint8_t *buf;
    size_t len;
    if (sm_ctl_pack(m, &buf, &len))
        return -1;
    int rc = sm_ctl_send_packed(sock, ident, ident_len, buf, len);
    free(buf);
    return rc;
}

/* The body of a message whose first frame is in `part`: that frame alone, or
 * all its frames joined. Returns the bytes (in *own if they had to be
 * copied), or NULL out of memory or on a failed receive, the rest drained. */
static const uint8_t *s_body(void *sock, zmq_msg_t *part, uint8_t **own, size_t *len,
                             sm_error_t *err)
{
    *own = NULL;
    *len = zmq_msg_size(part);
    if (!zmq_msg_more(part))
        return zmq_msg_data(part);
    size_t cap = 2 * *len + 1;
    uint8_t *buf = malloc(cap);
    int ok = buf != NULL;
    if (ok)
        memcpy(buf, zmq_msg_data(part), *len);
    int more = 1;
    while (more) {
        zmq_msg_t next;
        zmq_msg_init(&next);
        if (zmq_msg_recv(&next, sock, 0) < 0) {
            zmq_msg_close(&next);
            free(buf);
            sm_fail(err, SM_EIO, "receive failed: %s", zmq_strerror(zmq_errno()));
            return NULL;
        }
        size_t n = zmq_msg_size(&next);
        if (ok && *len + n > cap) {
            while (*len + n > cap)
                cap *= 2;
            uint8_t *b = realloc(buf, cap);
            if (b)
                buf = b;
            ok = b != NULL;
        }
        if (ok) {
            memcpy(buf + *len, zmq_msg_data(&next), n);
            *len += n;
        }
        more = zmq_msg_more(&next);
        zmq_msg_close(&next);
    }
    if (!ok) {
        free(buf);
        sm_fail(err, SM_ENOMEM, "out of memory for a control message");
        return NULL;
    }
    *own = buf;
    return buf;
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
    uint8_t *own;
    size_t len;
    const uint8_t *body = s_body(sock, &part, &own, &len, err);
    sm_ctl_t *m = body ? sm_ctl_unpack(body, len, err) : NULL;
    free(own);
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
    if (z->sock)
        sm_ctl_bound(z->sock, 0);
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
