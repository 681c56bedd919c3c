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

#include "mapping.h"
#include "net.h"
#include "progress.h"
#include "result.h"
#include "sm_error.h"

typedef struct {
    uint32_t threads;           /* 0: one per CPU                                   */
    int dense;                  /* 1: dense reference engine                        */
    uint32_t ticks;             /* 0: the network's own                              */
    const sm_mapping_t *mapping;/* NULL: the default mapping (sequential, see below) */
    uint32_t mesh_w, mesh_h;    /* default mapping: grid size; 0 = chosen to fit     */
    uint32_t neurons_per_core;  /* default mapping: core capacity; 0 = 256           */
    int progress;               /* 1: report progress to on_progress                 */
    const sm_progress_t *on_progress; /* "building synapses", "building cores", then
                                   "running" (ticks done of all, synaptic events so
                                   far), from one thread, about ten times a second  */
    const char *link;           /* between threads: "local" (default, in memory) or
                                   "inproc" (ZeroMQ, encoded as between processes)   */
} sm_run_opts_t;


void sm_run_opts_default(sm_run_opts_t *o);

sm_result_t *sm_engine_run(const sm_net_t *net, const sm_run_opts_t *opts,
                           sm_error_t *err);

/* The same in steps, for running one network many times (batch inference):
 * the cores, the synapse table and the shards are built once, and each
 * sm_engine_rerun starts from the initial state. Between runs the network
 * may change only in its spike sources' spike times (the same sources and
 * sizes). The engine keeps pointers into net and opts, which must outlive
 * it. */
typedef struct sm_engine sm_engine_t;
sm_engine_t *sm_engine_open(const sm_net_t *net, const sm_run_opts_t *opts, sm_error_t *err);
sm_result_t *sm_engine_rerun(sm_engine_t *e, sm_error_t *err);
void sm_engine_close(sm_engine_t **e_p);

#endif
