/* netmsg: a network and its mapping as one protobuf message, so that a
 * worker process needs no files. Models travel as their parameter blocks,
 * which is why coordinator and worker must be the same build (checked at the
 * handshake). Decoding validates every count and index before use. */
#ifndef SM_NETMSG_H
#define SM_NETMSG_H

#include <stddef.h>
#include <stdint.h>

#include "mapping.h"
#include "net.h"

/* Packs net, the run's ticks and engine, and the mapping. Caller frees *buf. */
int sm_netmsg_pack(const sm_net_t *net, uint32_t ticks, int dense, const sm_mapping_t *map,
                    uint8_t **buf, size_t *len, sm_error_t *err);
/* Rebuilds them. Caller owns *net and *map. */
int sm_netmsg_unpack(const uint8_t *buf, size_t len, sm_net_t **net, uint32_t *ticks,
                      int *dense, sm_mapping_t **map, sm_error_t *err);
/* The same with the chip latencies of a run that records its per-tick
 * series (sm_run_opts_t.tick_ns): NULL / *has_tick_ns 0 for none. */
int sm_netmsg_pack_run(const sm_net_t *net, uint32_t ticks, int dense, const double *tick_ns,
                       const sm_mapping_t *map, uint8_t **buf, size_t *len, sm_error_t *err);
int sm_netmsg_unpack_run(const uint8_t *buf, size_t len, sm_net_t **net, uint32_t *ticks,
                         int *dense, double tick_ns[4], int *has_tick_ns, sm_mapping_t **map,
                         sm_error_t *err);
/* FNV-1a over bytes: the fingerprint compared at the handshake. */
uint64_t sm_fingerprint(const uint8_t *buf, size_t len);

#endif
