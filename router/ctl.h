/* ctl: control messages between coordinator and workers, and the CURVE
 * setup both sides share. Internal to router/. */
#ifndef SM_CTL_H
#define SM_CTL_H

#include <stddef.h>
#include <stdint.h>

#include "ctlmsg.h"
#include "sm_error.h"

/* A control frame is at most this big: a longer message goes as several
 * frames of one ZeroMQ message, and a control socket drops, unread, the
 * connection of a peer that sends a bigger frame, so junk from a stray peer
 * is never allocated. */
#define SM_CTL_FRAME_MAX ((size_t)1 << 20)
/* How long a send may wait for room before it fails. */
#define SM_CTL_SEND_MS 1000

/* Bounds a control socket: frames (SM_CTL_FRAME_MAX), send time
 * (SM_CTL_SEND_MS), and how long unsent messages keep it open at close. */
void sm_ctl_bound(void *sock, int linger_ms);
/* Sends m; on a ROUTER socket, first the peer's identity frame. Returns 0, or
 * -1 if it cannot be packed or not sent within SM_CTL_SEND_MS (a ROUTER drops
 * a message to a peer it cannot reach, and says 0). */
int sm_ctl_send(void *sock, const uint8_t *ident, size_t ident_len, const sm_ctl_t *m);
/* The same for a message packed already (sm_ctl_pack). */
int sm_ctl_send_packed(void *sock, const uint8_t *ident, size_t ident_len, const uint8_t *buf,
                       size_t len);
/* Receives one control message within timeout_ms (-1: forever), its frames
 * joined. Returns NULL on timeout (err->code SM_ETIMEDOUT) or on a malformed
 * message (SM_EPROTO, the message is dropped). On a ROUTER socket, the identity is copied out.
 * Caller owns the result (sm_ctl_destroy). */
sm_ctl_t *sm_ctl_recv(void *sock, int router, uint8_t *ident, size_t *ident_len, int timeout_ms,
                     sm_error_t *err);

/* CURVE: a server socket (binds) or a client socket (connects), keyed by the
 * cluster keypair. */
void sm_curve_server(void *sock, const char *sec);
void sm_curve_client(void *sock, const char *pub, const char *sec);
/* The ZAP handler that admits only peers holding the cluster key. */
typedef struct sm_zap sm_zap_t;
sm_zap_t *sm_zap_start(void *zctx, const char *pub, sm_error_t *err);
void sm_zap_stop(sm_zap_t **z_p);

#endif
