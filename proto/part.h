/* part: one worker's spikes, traces and counters as one message. */
#ifndef SM_PART_H
#define SM_PART_H

#include <stddef.h>
#include <stdint.h>

#include "result.h"
#include "sm_error.h"

/* Packs the probes and cores listed of r. Caller frees *buf. Returns 0, or -1
 * out of memory. */
int sm_part_pack(const sm_result_t *r, const uint32_t *probes, uint32_t n_probes,
                 const uint32_t *cores, uint32_t n_cores, uint8_t **buf, size_t *len);
/* Adds a packed part into r, after checking every field against r's sizes
 * and n_gids. */
int sm_part_merge(sm_result_t *r, const uint8_t *buf, size_t len, uint32_t n_gids,
                  sm_error_t *err);

#endif
