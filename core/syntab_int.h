/* syntab_int: the structured projections of a synapse table (syntab.h),
 * built by syntab_struct.c for syntab.c. Not for use outside core/syntab*.c. */
#ifndef SM_SYNTAB_INT_H
#define SM_SYNTAB_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "syntab.h"

/* A conv2d projection with one delay, or a matrix projection, onto cores
 * whose locals stay below the sentinel, is kept structured. */
bool sm_synstruct_eligible(const sm_net_t *net, const sm_proj_t *pr, const uint32_t *local_of);

/* Builds st for projection pr under the mapping; -1 out of memory (st is
 * then for sm_synstruct_fini). */
int sm_synstruct_init(sm_synstruct_t *st, const sm_net_t *net, const sm_proj_t *pr,
                      const uint32_t *core_of, const uint32_t *local_of);
void sm_synstruct_fini(sm_synstruct_t *st);

/* The cores one source reaches: e[i].key = core << 32 | a target gid on
 * it, cores ascending, e[i].taps the synapses onto it. */
typedef struct {
    uint64_t key, taps;
} sm_stcore_t;

typedef struct {
    sm_stcore_t *e;
    uint32_t cap;
} sm_stcores_t;

/* Fills sc for source index s of st; returns the number of cores, or -1. */
int64_t sm_synstruct_cores(const sm_synstruct_t *st, uint32_t s, sm_stcores_t *sc);
void sm_stcores_fini(sm_stcores_t *sc);

#endif
