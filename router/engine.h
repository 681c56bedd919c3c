/* engine: runs a network on a mesh of neuron cores and collects the result.
 *
 * The event engine updates only neurons that receive input or are due to
 * wake; the dense engine (the reference) steps every neuron every tick with
 * the same models and the same delivery order. Both give the same spikes on
 * non-chaotic networks; the event engine does far fewer updates. */
#ifndef SM_ENGINE_H
#define SM_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "net.h"
#include "sm_error.h"

/* Where each neuron lives: core id = y * width + x. */
typedef struct {
    uint32_t width, height;
    uint32_t n_gids;
    uint32_t *core_of;          /* n_gids entries */
} sm_mapping_t;

typedef struct {
    uint32_t threads;           /* 0: one per CPU                                   */
    int dense;                  /* 1: dense reference engine                        */
    uint32_t ticks;             /* 0: the network's own                              */
    const sm_mapping_t *mapping;/* NULL: the default mapping (sequential, see below) */
    uint32_t mesh_w, mesh_h;    /* default mapping: grid size; 0 = chosen to fit     */
    uint32_t neurons_per_core;  /* default mapping: core capacity; 0 = 256           */
    int progress;               /* 1: progress bar on stderr                         */
} sm_run_opts_t;

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

typedef struct {
    uint32_t ticks;
    double dt_ms;
    sm_spike_t *spikes;         /* sorted by (tick, gid)                            */
    size_t n_spikes;
    uint32_t n_probes;
    float *trace;               /* [tick][probe][3]: v, ie, ii after the tick        */
    sm_counters_t totals;
    sm_core_stats_t *cores;     /* width x height, id order                         */
    uint32_t width, height;
    sm_link_stats_t *links;     /* every directed link with packets > 0, sorted      */
    uint32_t n_links;
    double wall_seconds;
    double wait_seconds;        /* summed over shards: blocked on other shards     */
    uint32_t threads;
    uint32_t workers;           /* processes (0: one process)                      */
    uint64_t *link_dense;       /* internal: [core][direction] packets            */
    size_t spikes_cap;
} sm_result_t;

void sm_run_opts_default(sm_run_opts_t *o);

sm_result_t *sm_engine_run(const sm_net_t *net, const sm_run_opts_t *opts,
                           sm_error_t *err);
void sm_result_destroy(sm_result_t **r_p);

/* The default mapping: populations in file order, neurons in order, filling
 * cores of `per_core` neurons along the grid. */
sm_mapping_t *sm_mapping_sequential(const sm_net_t *net, uint32_t w, uint32_t h,
                                    uint32_t per_core, sm_error_t *err);
void sm_mapping_destroy(sm_mapping_t **m_p);

#endif
