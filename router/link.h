/* link: how shards reach each other, as a const table of operations.
 *
 * A shard listens on one link and dials one link per shard it sends to; the
 * shard loop knows only this table. Four kinds fill it:
 *   - local:  shards of one process. Batches are handed over through a bounded
 *             queue in memory: no encoding, no ZeroMQ. The default for threads.
 *   - inproc, ipc, tcp: ZeroMQ PUSH/PULL sockets carrying protobuf batches
 *             (codec.h); ipc and tcp link worker processes.
 * Every kind checks what it delivers against the listener's bounds (entries in
 * range, not too many), so a receiver never sees a batch it could not index;
 * what a batch means (its kind, tick and stage) is the shard protocol's to
 * check. */
#ifndef SM_LINK_H
#define SM_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "sm_error.h"

typedef struct sm_link sm_link_t;
/* What the links of one engine share: the ZeroMQ context and the names of the
 * local listeners. Links are opened and closed from several threads at once. */
typedef struct sm_linkctx sm_linkctx_t;

#define SM_LINK_ROW UINT32_MAX

typedef struct {
    /* What a listener accepts: entries with src_gid < n_gids, dst_core <
     * n_cores, dtick < window, and at most max_entries of them per batch. A
     * ZeroMQ listener also refuses, unread, any frame larger than the biggest
     * legal batch (ZMQ_MAXMSGSIZE). Unused by dial. */
    uint32_t n_gids, n_cores, window;
    uint64_t max_entries;
    /* Also entries with dst_core SM_LINK_ROW (a source's whole row on the
     * receiving shard): only between shards of one process (local links). */
    int rows;
    /* CURVE keys, Z85 (40 chars), ipc and tcp only; NULL or "" = plain. A
     * listener uses the secret key (the ZAP handler of ctl.h must run in the
     * same ZeroMQ context); a dialer uses both. Not retained after the call. */
    const char *curve_public, *curve_secret;
} sm_link_opts_t;

/* send's answer when the batch cannot be taken now. */
#define SM_LINK_FULL 1

typedef struct {
    const char *scheme;
    /* Writes the endpoint at which shard `shard` of run `run_id` listens.
     * `base` is kind specific: a directory for ipc (default /tmp); "host:port0"
     * for tcp (shard k listens on port0 + k), or just "host" for a port the
     * system picks; unused for local and inproc. Returns 0, or -1 if it does
     * not fit in buf. */
    int (*endpoint)(char *buf, size_t n, const char *run_id, uint32_t shard, const char *base);
    /* Listens at `endpoint` for batches from any number of dialers. Returns
     * the link (caller owns it: close), or NULL with err set (address in use,
     * bad address, no socket). */
    sm_link_t *(*listen)(sm_linkctx_t *ctx, const char *endpoint, const sm_link_opts_t *o,
                         sm_error_t *err);
    /* Where a listening link can be reached, written into buf: the endpoint
     * given to listen, with a port chosen by the system filled in. Returns 0,
     * or -1 if it does not fit or the link does not listen. */
    int (*address)(const sm_link_t *l, char *buf, size_t n);
    /* Opens a link for sending to the listener at `endpoint`. A local dial
     * needs the listener to exist already, in the same ctx; a ZeroMQ dial
     * connects in the background. Caller owns the link (close). */
    sm_link_t *(*dial)(sm_linkctx_t *ctx, const char *endpoint, const sm_link_opts_t *o,
                       sm_error_t *err);
    /* Sends b (its header fields as set by the caller) on a dialled link.
     * Returns 0 once the link has taken the batch's entries: b is then empty
     * (n = 0) and the caller keeps b and whatever arrays it holds, which may
     * be other arrays than before (local swaps them with a pooled batch's;
     * ZeroMQ encodes a copy). Returns SM_LINK_FULL, b untouched, if the link
     * cannot take it now (local: the receiver's ring is full; ZeroMQ: no peer
     * connected to take it): receive, then try again. Send never blocks. Returns
     * -1 with err set if the batch cannot be sent (a local listener that has
     * closed, out of memory, a ZeroMQ failure); b is then empty too. One
     * thread at a time sends on a link. */
    int (*send)(sm_link_t *l, sm_batch_t *b, sm_error_t *err);
    /* Receives the next batch on a listening link, waiting up to timeout_ms
     * (0: do not wait). `into` is a batch the caller owns; any entries it has
     * are dropped. Returns 1 with the batch in `into` (whose arrays may have
     * been swapped for others; the caller owns whatever `into` holds), 0 if
     * nothing came in time, or -1 if a message came but was refused (garbage,
     * too big, entries out of range: err says why, code SM_EPROTO or
     * SM_ETOOBIG; the message is gone and the link still works) or the link
     * failed (SM_EIO). Batches from one dialer arrive in the order sent. One
     * thread at a time receives on a link. */
    int (*recv)(sm_link_t *l, sm_batch_t *into, int timeout_ms, sm_error_t *err);
    /* Closes the link and nulls *l; NULL-safe. Batches still queued for a
     * closing listener are dropped; a dialer's batches already sent stay
     * queued for the listener (ZeroMQ: dropped unless already delivered). */
    void (*close)(sm_link_t **l);
    /* Tells a dialled link that its queued batches are no longer needed (the
     * run has failed, so no peer will use them): its close then drops them at
     * once instead of waiting to deliver them (ZeroMQ's linger). NULL-safe. */
    void (*drop)(sm_link_t *l);
} sm_link_ops_t;

extern const sm_link_ops_t sm_link_local;
extern const sm_link_ops_t sm_link_inproc;
extern const sm_link_ops_t sm_link_ipc;
extern const sm_link_ops_t sm_link_tcp;

/* zctx: a ZeroMQ context to use (borrowed: the caller terminates it after
 * the ctx is destroyed), or NULL to create one on the first ZeroMQ link,
 * sized for max_sockets sockets (0: ZeroMQ's default). */
sm_linkctx_t *sm_linkctx_new(void *zctx, uint32_t max_sockets, sm_error_t *err);
/* Every link opened on the ctx must be closed first. NULL-safe. */
void sm_linkctx_destroy(sm_linkctx_t **ctx_p);

/* Checks that b is a batch a listener with bounds o may deliver: a known
 * kind, no entries in a credit, at most max_entries, every entry in range.
 * Returns 0, or -1 with err set (SM_EPROTO, SM_ETOOBIG). */
int sm_link_check(const sm_batch_t *b, const sm_link_opts_t *o, sm_error_t *err);

#endif
