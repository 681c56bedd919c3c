/* link: the context the link kinds share, and the check every batch passes
 * before a listener delivers it. The kinds are in link_local.c and
 * link_zmq.c. */
#include <stdlib.h>
#include <zmq.h>

#include "link_int.h"

sm_linkctx_t *sm_linkctx_new(void *zctx, uint32_t max_sockets, sm_error_t *err)
{
    sm_linkctx_t *c = calloc(1, sizeof *c);
    if (!c) {
        sm_fail(err, SM_ENOMEM, "out of memory for links");
        return NULL;
    }
    if (pthread_mutex_init(&c->mu, NULL)) {
        free(c);
        sm_fail(err, SM_ENOMEM, "cannot create a mutex for links");
        return NULL;
    }
    c->zctx = zctx;
    c->max_sockets = max_sockets;
    return c;
}

void sm_linkctx_destroy(sm_linkctx_t **ctx_p)
{
    if (!ctx_p || !*ctx_p)
        return;
    sm_linkctx_t *c = *ctx_p;
    if (c->own_zctx)
        zmq_ctx_term(c->zctx);
    pthread_mutex_destroy(&c->mu);
    free(c);
    *ctx_p = NULL;
}

int sm_link_check(const sm_batch_t *b, const sm_link_opts_t *o, sm_error_t *err)
{
    if (b->kind != SM_BATCH_SAME_TICK && b->kind != SM_BATCH_WINDOW && b->kind != SM_BATCH_ACK)
        return sm_fail(err, SM_EPROTO, "AER batch: unknown kind %u", b->kind);
    if (b->kind == SM_BATCH_ACK && b->n)
        return sm_fail(err, SM_EPROTO, "AER batch: a credit carries %u entries", b->n);
    if (b->n > o->max_entries)
        return sm_fail(err, SM_ETOOBIG, "AER batch: %u entries, more than the %llu any batch here can hold",
                       b->n, (unsigned long long)o->max_entries);
    for (uint32_t i = 0; i < b->n; i++)
        if (b->src_gid[i] >= o->n_gids ||
            (b->dst_core[i] >= o->n_cores && !(o->rows && b->dst_core[i] == SM_LINK_ROW)) ||
            b->dtick[i] >= o->window || b->count[i] == 0)
            return sm_fail(err, SM_EPROTO,
                           "AER batch: entry %u out of range (gid %u of %u, core %u of %u, dtick %u of %u, count %u)",
                           i, b->src_gid[i], o->n_gids, b->dst_core[i], o->n_cores, b->dtick[i],
                           o->window, b->count[i]);
    return 0;
}
