/* sfrun: a SANA-FE network run on a SANA-FE chip, step by step, as SANA-FE
 * 2.2.1 runs it: its LIF and input models in IEEE double, its counters, its
 * per-unit energy and latency sums in its order, and its two timing models.
 * docs/sanafe.md says which rule comes from where.
 *
 *   sm_sfrun_t *r = sm_sfrun_new(arch, snn, bound, &syn, err);
 *   sm_sfrun_run(r, steps, SM_SFRUN_DETAILED, spikes_csv, &result, err);
 *
 * The run keeps its own compact arrays (synapses grouped by source neuron
 * and destination core, 12 bytes each); syn may be released after _new. */
#ifndef SM_SFRUN_H
#define SM_SFRUN_H

#include <stdint.h>
#include <stdio.h>

#include "sanafe_arch.h"
#include "sanafe_bind.h"
#include "sanafe_snn.h"
#include "sm_error.h"

typedef enum { SM_SFRUN_DETAILED, SM_SFRUN_SIMPLE } sm_sfrun_timing_t;

/* Per step figures, in SANA-FE's definitions: fired and updated include
 * input neurons; synaptic_events are synapse look-ups (its total_spikes);
 * packets are (firing neuron, destination core) messages, local ones
 * included; hops |dx| + |dy| per packet. Energies in J, sim_time in s. */
typedef struct {
    uint32_t steps;
    uint64_t *fired, *updated, *synaptic_events, *packets, *hops;
    double *sim_time, *e_total, *e_synapse, *e_dendrite, *e_soma, *e_network;
    uint64_t *logged; /* per step: spikes of neurons with log_spikes: true */
    uint64_t logged_total;
    unsigned char digest[32]; /* sha256 of the "step,group,neuron\n" lines */
} sm_sfrun_result_t;

typedef struct sm_sfrun sm_sfrun_t;

sm_sfrun_t *sm_sfrun_new(const sm_sanafe_arch_t *arch, const sm_sanafe_snn_t *snn,
                         const sm_sanafe_bound_t *bound, const sm_sanafe_syn_t *syn,
                         sm_error_t *err);
void sm_sfrun_destroy(sm_sfrun_t **r);

/* Runs steps more steps (numbered from 1, or on from an earlier call) and
 * fills out; spikes, if not NULL, receives SANA-FE's spikes.csv lines
 * ("group.offset,step") of logged neurons, in its order. */
int sm_sfrun_run(sm_sfrun_t *r, uint32_t steps, sm_sfrun_timing_t timing, FILE *spikes,
                 sm_sfrun_result_t *out, sm_error_t *err);
void sm_sfrun_result_fini(sm_sfrun_result_t *res);

/* Neurons, synapses, axons (source neuron, destination core) and the bytes
 * the run holds, for reports. */
void sm_sfrun_size(const sm_sfrun_t *r, uint64_t *neurons, uint64_t *synapses, uint64_t *axons,
                   uint64_t *bytes);

#endif
