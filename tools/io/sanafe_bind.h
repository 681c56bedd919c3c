/* sanafe_bind: a SANA-FE network placed on a SANA-FE architecture, checked the
 * way SANA-FE's mapping checks it (chip.cpp:186-226, core.cpp:61-185) and
 * stricter where SANA-FE fails late or not at all.
 *
 * Every neuron gets its core, its soma and dendrite units, and the synapse
 * unit its incoming connections use; cores list their neurons in SANA-FE's
 * traversal order (core id, then mapping order). Refused, naming the file,
 * line and key: a mapping to a tile or core that does not exist, an
 * unmapped neuron, a unit name the core lacks, a core over
 * max_neurons_supported, a LIF or accumulator unit over its 1,024 slots,
 * a used unit without energy or latency figures, models not supported
 * (taps, truenorth), delays over accumulator_with_delay's 5 steps. */
#ifndef SM_SANAFE_BIND_H
#define SM_SANAFE_BIND_H

#include <stdint.h>
#include <stdio.h>

#include "sanafe_arch.h"
#include "sanafe_snn.h"
#include "sm_error.h"

/* LIF, accumulator and accumulator_with_delay units hold this many neurons
 * (models.hpp:29, 62, 108). */
#define SM_SANAFE_UNIT_SLOTS 1024u

typedef struct {
    uint32_t n_neurons, n_cores;
    uint32_t *core;     /* per neuron: global core id */
    uint32_t *soma;     /* per neuron: unit index within its core's type */
    uint32_t *dendrite; /* idem */
    uint32_t *synapse;  /* idem: the unit of its incoming connections, UINT32_MAX if none come */
    uint32_t *slot;     /* per neuron: position on its core, in mapping order */
    uint32_t *in_degree; /* per neuron: incoming synapses */
    uint32_t *order;      /* neurons core by core, within a core in mapping order */
    uint32_t *core_first; /* n_cores + 1: core c holds order[core_first[c] .. core_first[c+1]) */
    uint64_t *core_synapses; /* per core: synapses stored there (targets on the core) */
    uint32_t *unit_first;    /* per core: index of its first unit in unit_use */
    uint32_t *unit_use;      /* per core and unit: neurons (soma/dendrite) or targets (synapse) */
    uint32_t tiles_used, cores_used;
    double sync_latency; /* per step, for tiles_used */
    char **warnings;     /* harmless things SANA-FE ignores (and so do we) */
    uint32_t n_warnings;
} sm_sanafe_bound_t;

/* Places snn on arch. Caller owns the result. */
sm_sanafe_bound_t *sm_sanafe_bind(const sm_sanafe_arch_t *arch, const sm_sanafe_snn_t *snn,
                                  sm_error_t *err);
void sm_sanafe_bound_destroy(sm_sanafe_bound_t **b);

#endif
