/* transport: how shards reach each other. The shard loop knows only this
 * table: an endpoint name per shard. ZeroMQ carries the bytes, so inproc, ipc
 * and tcp differ only in the address. */
#ifndef SM_TRANSPORT_H
#define SM_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *scheme;
    /* Writes the endpoint at which shard `shard` of run `run_id` listens.
     * `base` is transport specific: a directory for ipc (default /tmp);
     * "host:port0" for tcp (shard k listens on port0 + k), or just "host" for
     * a port the system picks; unused for inproc. Returns 0, or -1 if it does
     * not fit in buf. */
    int (*endpoint)(char *buf, size_t n, const char *run_id, uint32_t shard,
                    const char *base);
} sm_transport_t;

extern const sm_transport_t sm_transport_inproc;
extern const sm_transport_t sm_transport_ipc;
extern const sm_transport_t sm_transport_tcp;

#endif
