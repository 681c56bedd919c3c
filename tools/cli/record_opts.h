/* record_opts: what `spikemesh run --record-v SPEC ... --record-every N`
 * traces in a network file's run (docs/outputs.md#traces). */
#ifndef SM_RECORD_OPTS_H
#define SM_RECORD_OPTS_H

#include <stdint.h>

#include "net.h"
#include "sm_error.h"

#define SM_RECORD_MAX_SPECS 64

typedef struct {
    const char *spec[SM_RECORD_MAX_SPECS]; /* --record-v values, in order     */
    uint32_t n;
    uint32_t every;                        /* --record-every, 0 if not given   */
} sm_record_opts_t;

/* Replaces net's traced neurons with those the specs name: "all" (every
 * neuron of every population with a model), "none", "POP" (all of POP),
 * "POP:I" or "POP:A-B" (A to B, both included); and sets the interval.
 * The message names the option and the value. */
int sm_record_apply(const sm_record_opts_t *ro, sm_net_t *net, sm_error_t *err);

#endif
