/* mapping: where each neuron of a network lives on a grid of cores. */
#ifndef SM_MAPPING_H
#define SM_MAPPING_H

#include <stdint.h>

#include "net.h"
#include "sm_error.h"

/* Where each neuron lives: core id = y * width + x. */
typedef struct {
    uint32_t width, height;
    uint32_t n_gids;
    uint32_t *core_of;          /* n_gids entries */
} sm_mapping_t;

/* An unfilled mapping of n gids on a w x h grid (core_of uninitialised). */
sm_mapping_t *sm_mapping_new(uint32_t w, uint32_t h, uint32_t n, sm_error_t *err);

/* The default mapping: populations in file order, neurons in order, filling
 * cores of `per_core` neurons along the grid. */
sm_mapping_t *sm_mapping_sequential(const sm_net_t *net, uint32_t w, uint32_t h,
                                    uint32_t per_core, sm_error_t *err);
void sm_mapping_destroy(sm_mapping_t **m_p);

#endif
