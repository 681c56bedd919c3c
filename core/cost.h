/* cost: what expanding, mapping and running a network will take, estimated
 * from its description alone, before anything large is allocated or
 * generated. `spikemesh run` and `spikemesh map` both ask this one estimate
 * and refuse a network whose figures exceed their limits (tools/io/budget.h),
 * so that a 300-byte file cannot ask for 2^54 synapses and be found out only
 * when the machine runs out of memory.
 *
 * The figures are estimates, not bounds: fixed_probability and distance
 * projections count their expected synapses (p times the pairs, or the
 * candidate pairs in the mask), conv2d its kernel taps with the padding;
 * the byte counts follow the engine's and the mapper's own arrays (synapse
 * table, neuron cells, input rings, calendars, traces, the per-tick series;
 * the mapper's sorted
 * pair list). Spikes are not counted: how many a run records is known only
 * by running it (the output check of `run` comes after, docs/outputs.md). */
#ifndef SM_COST_H
#define SM_COST_H

#include <stddef.h>
#include <stdint.h>

#include "net.h"

/* Generator steps (synapses drawn, candidate pairs examined) beyond which an
 * expansion is refused whatever the memory: about a quarter of an hour. */
#define SM_COST_MAX_STEPS 1e11

typedef struct {
    double neurons;
    double synapses;          /* expected                                        */
    double steps;             /* generator steps of one expansion                */
    uint32_t max_delay;       /* longest delay any projection may draw (ticks)   */
    uint32_t ring;            /* input ring slots: a power of two > max_delay    */
    /* Bytes. */
    double syn_bytes;         /* synapse table, at its peak while built          */
    double neuron_bytes;      /* cells, rings, calendars, models, mapping arrays */
    double trace_bytes;       /* recorded traces, engine and result              */
    double tick_bytes;        /* the per-tick series every run records (result.h),
                                 SM_TICK_BYTES a tick                            */
    double run_bytes;         /* the four above: building and running            */
    double map_bytes;         /* a mapping strategy's neuron graph               */
    double traces_csv_bytes;  /* traces.csv, at most                             */
} sm_cost_t;

/* Estimates the cost of running net for `ticks` ticks (0: its own) with
 * `neurons_per_core` neurons a core (0: 256, the default mapping's). */
void sm_cost_estimate(const sm_net_t *net, uint32_t ticks, uint32_t neurons_per_core,
                      sm_cost_t *c);

/* "1.5 GiB", "812 MiB", "96 B" into buf. */
void sm_cost_bytes_text(double bytes, char *buf, size_t cap);

/* One line of figures for a message: "4.2e+10 synapses (synapse table
 * 431 GiB, neurons 12 MiB, traces 0 B, per-tick series 469 KiB)"; with
 * `map`, the mapper's graph instead. */
void sm_cost_describe(const sm_cost_t *c, int map, char *buf, size_t cap);

#endif
