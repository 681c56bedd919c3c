/* link_int: what the link kinds share. Not a public header. */
#ifndef SM_LINK_INT_H
#define SM_LINK_INT_H

#include <pthread.h>

#include "link.h"

typedef struct sm_lqueue sm_lqueue_t;

struct sm_linkctx {
    pthread_mutex_t mu;         /* guards everything below                      */
    void *zctx;                 /* ZeroMQ context, or NULL until needed          */
    int own_zctx;               /* created here, so terminated here              */
    uint32_t max_sockets;
    sm_lqueue_t *queues;        /* local listeners, by name                      */
};

/* One struct for every kind; each uses its own fields. */
struct sm_link {
    sm_linkctx_t *ctx;
    sm_link_opts_t o;           /* the bounds; key pointers cleared              */
    int listening;
    int dropping;               /* close drops what is queued (ops drop)         */
    /* ZeroMQ */
    void *sock;
    size_t max_msg;             /* bytes of the biggest legal batch              */
    uint8_t *wire;              /* send buffer, grown to the biggest batch sent  */
    size_t wire_cap;
    /* local */
    sm_lqueue_t *q;             /* the listener's queue                           */
    void *ring;                 /* a dialer's own ring in it                      */
};

#endif
