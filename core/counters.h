/* counters: what a core counts while it runs. Plain integers, summed at the
 * end, so totals do not depend on threads or on the order of work.
 *
 * SM_COUNTERS is the one list of them: the struct, the sums, the wire format
 * of result parts and the reports all expand it, so a counter added here
 * reaches every serialiser at once. X(field, name in stats.json, meaning). */
#ifndef SM_COUNTERS_H
#define SM_COUNTERS_H

#include <stdint.h>

#define SM_COUNTERS(X)                                                                  \
    X(spikes, "spikes", "spikes emitted (a MultiSpike count adds its count)")           \
    X(synaptic_events, "synaptic_events", "synapses processed (weight deliveries)")     \
    X(events_received, "events_received", "AER entries received (spike x target core)") \
    X(neuron_updates, "neuron_updates", "model steps performed")                        \
    X(active_updates, "active_neuron_updates",                                          \
      "neuron-ticks with nonzero synaptic input or a spike (the chip rule, docs/chips.md)") \
    X(dense_updates, "dense_neuron_updates", "neurons x ticks: what a dense engine performs") \
    X(packets_out, "packets_out", "AER packets sent (spike x target core)")             \
    X(hops, "hops", "link traversals of those packets")

typedef struct {
#define SM_X_(f, name, doc) uint64_t f;
    SM_COUNTERS(SM_X_)
#undef SM_X_
} sm_counters_t;

enum {
#define SM_X_(f, name, doc) SM_COUNTER_##f,
    SM_COUNTERS(SM_X_)
#undef SM_X_
    SM_N_COUNTERS
};

/* Each counter's name in stats.json, in list order. */
extern const char *const sm_counter_names[SM_N_COUNTERS];

static inline void sm_counters_add(sm_counters_t *a, const sm_counters_t *b)
{
#define SM_X_(f, name, doc) a->f += b->f;
    SM_COUNTERS(SM_X_)
#undef SM_X_
}

/* The counters as an array in list order, and back: for wire formats. */
static inline void sm_counters_to_array(const sm_counters_t *c, uint64_t v[SM_N_COUNTERS])
{
#define SM_X_(f, name, doc) v[SM_COUNTER_##f] = c->f;
    SM_COUNTERS(SM_X_)
#undef SM_X_
}

static inline void sm_counters_from_array(sm_counters_t *c, const uint64_t v[SM_N_COUNTERS])
{
#define SM_X_(f, name, doc) c->f = v[SM_COUNTER_##f];
    SM_COUNTERS(SM_X_)
#undef SM_X_
}

/* Counter i of c, in list order. */
static inline uint64_t sm_counter_at(const sm_counters_t *c, int i)
{
    uint64_t v[SM_N_COUNTERS];
    sm_counters_to_array(c, v);
    return v[i];
}

#endif
