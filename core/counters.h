/* counters: what a core counts while it runs. Plain integers, summed at the
 * end, so totals do not depend on threads or on the order of work. */
#ifndef SM_COUNTERS_H
#define SM_COUNTERS_H

#include <stdint.h>

typedef struct {
    uint64_t spikes;            /* spikes emitted (a MultiSpike count adds its count) */
    uint64_t synaptic_events;   /* synapses processed (weight deliveries)             */
    uint64_t events_received;   /* AER entries received (spike x target core)         */
    uint64_t neuron_updates;    /* model steps performed                              */
    uint64_t dense_updates;     /* neurons x ticks: what a dense engine performs      */
    uint64_t packets_out;       /* AER packets sent (spike x target core)             */
    uint64_t hops;              /* link traversals of those packets                   */
} sm_counters_t;

static inline void sm_counters_add(sm_counters_t *a, const sm_counters_t *b)
{
    a->spikes += b->spikes;
    a->synaptic_events += b->synaptic_events;
    a->events_received += b->events_received;
    a->neuron_updates += b->neuron_updates;
    a->dense_updates += b->dense_updates;
    a->packets_out += b->packets_out;
    a->hops += b->hops;
}

#endif
