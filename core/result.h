/* result: a run's spikes, traces and counters, per core and per link. */
#ifndef SM_RESULT_H
#define SM_RESULT_H

#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "grid.h"
#include "sm_error.h"

typedef struct {
    uint32_t tick;
    uint32_t gid;
    uint32_t count;
} sm_spike_t;

typedef struct {
    uint32_t x, y;
    uint32_t neurons;
    sm_counters_t c;
} sm_core_stats_t;

typedef struct {
    uint32_t from_x, from_y, to_x, to_y;
    uint64_t packets;
} sm_link_stats_t;

/* The per-tick series every run records: counts per tick, summed over
 * cores, so that each column adds up to its total. A core's synaptic events
 * count in the tick it applies them (delay-0 ones in the tick of the spike,
 * delayed ones when the window of the spike is delivered, docs/outputs.md);
 * packets and hops in the tick of the spike. */
enum {
    SM_TICK_SPIKES = 0,
    SM_TICK_SYNAPTIC,
    SM_TICK_UPDATES,            /* model steps performed (the engine's own)       */
    SM_TICK_ACTIVE,             /* active neuron updates (the chip rule)          */
    SM_TICK_PACKETS,
    SM_TICK_HOPS,
    SM_TICK_N
};

/* Bytes of the series per tick: the counts, and a chip run's busiest core. */
#define SM_TICK_BYTES (SM_TICK_N * sizeof(uint64_t) + sizeof(double))

typedef struct {
    uint32_t ticks;
    double dt_ms;
    sm_spike_t *spikes;         /* sorted by (tick, gid)                            */
    size_t n_spikes;
    uint32_t n_probes;
    float *trace;               /* [row][probe][3]: v, ie, ii after tick row*every   */
    uint32_t trace_every;       /* ticks between trace rows (1: every tick)         */
    uint32_t trace_rows;        /* ceil(ticks / trace_every)                        */
    sm_counters_t totals;
    sm_core_stats_t *cores;     /* width x height, id order                         */
    uint32_t width, height;
    sm_link_stats_t *links;     /* every directed link with packets > 0, sorted      */
    uint32_t n_links;
    double wall_seconds;
    double cpu_seconds;         /* the process's CPU time over the run (one process)  */
    double wait_seconds;        /* summed over shards: blocked on other shards     */
    uint32_t threads;
    uint32_t workers;           /* processes (0: one process)                      */
    uint64_t *link_dense;       /* internal: [core][direction] packets            */
    uint64_t *tick_cnt;         /* [tick][SM_TICK_N] (NULL only if never recorded) */
    double *tick_busy_ns;       /* [tick]: the busiest core's busy time priced
                                   with a chip's latencies; NULL without a chip    */
    size_t spikes_cap;
} sm_result_t;

/* Dense per-core and per-link arrays for a width x height grid; NULL when out
 * of memory. */
sm_result_t *sm_result_alloc(uint32_t ticks, double dt_ms, uint32_t n_probes, uint32_t width,
                             uint32_t height);

/* Keeps one trace row every `every` ticks (ticks 0, every, 2 every, ...):
 * shrinks r's trace to ceil(ticks / every) rows. Before any trace is
 * written; every 0 is 1. Returns -1 if out of memory (r unchanged). */
int sm_result_sample(sm_result_t *r, uint32_t every);
/* Sorts spikes, adds up totals and lists the links that carried packets. */
int sm_result_finish(sm_result_t *r, sm_error_t *err);
int sm_result_add_spikes(sm_result_t *r, const sm_spike_t *s, size_t n);
void sm_result_destroy(sm_result_t **r_p);
/* Allocates r's per-tick series (zeroed), once, with the busiest core's
 * times if `busy`; -1 out of memory. */
int sm_result_alloc_ticks(sm_result_t *r, int busy);

#endif
