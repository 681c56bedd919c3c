/* engine_int: what the engine's parts share. Not a public header. */
#ifndef SM_ENGINE_INT_H
#define SM_ENGINE_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "codec.h"
#include "engine.h"
#include "mesh.h"
#include "ncore.h"
#include "syntab.h"
#include "link.h"

/* Shards per run: each holds a link to every shard it feeds. */
#define SM_MAX_SHARDS 64
/* sm_engine_t.row_src: every target core on the source's shard, or some
 * elsewhere (sent one entry per core). */
#define SM_ROW_ALL 1
#define SM_ROW_PART 2
/* ... and every synapse of it delayed, on any shard: with in-process links
 * (sm_engine_t.xrow) each other shard gets one row entry per spike too. */
#define SM_ROW_PART_DL 3
/* A batch entry for every core of the source's row on the receiving shard. */
#define SM_BATCH_ROW SM_LINK_ROW
/* Cores per mesh: ids, routes and counters are sized for this. */
#define SM_MAX_CORES (1u << 24)


typedef struct {
    sm_batch_t **q;             /* FIFO of decoded batches from one sender        */
    uint32_t head, n, cap;
} sm_fifo_t;

typedef struct {
    sm_engine_t *e;
    uint32_t id;
    uint32_t *cores;            /* core ids hosted                                */
    uint32_t n_cores;
    SM_VEC(sm_wev_t) win;
    sm_u32vec_t win_runs;       /* where each received batch's events start in win */
    SM_VEC(sm_wev_t) merged;    /* win's runs merged into canonical order          */
    SM_VEC(sm_d0ev_t) pend0;
    sm_u64vec_t woken;          /* core << 32 | local, due this tick              */
    sm_u32vec_t *active;        /* [ring]: cores with input at that tick: a quiet
                                   tick costs nothing for the cores it misses    */
    SM_VEC(sm_spike_t) spikes;
    uint32_t *probes;           /* probe indices hosted                           */
    uint32_t n_probes;
    sm_batch_t *out_same, *out_win; /* per destination shard                      */
    sm_link_t *in;              /* where the others' batches come in              */
    sm_link_t **out;            /* per destination shard, or NULL                 */
    uint64_t in_max;            /* most entries a batch to this shard can hold    */
    sm_fifo_t *fifo;            /* per source shard                               */
    int64_t *acked;             /* per shard fed: last window it acknowledged     */
    sm_batch_t credit;          /* an empty batch, sent as a credit               */
    sm_batch_t **pool;
    uint32_t pool_n, pool_cap;
    sm_error_t err;
    int failed;
    double wait_seconds;        /* blocked waiting for other shards              */
    double progress_last;       /* when it last published progress_events         */
    _Atomic uint64_t progress_events; /* its synaptic events then, for the bar     */
    sm_evsort_t sort;           /* puts events in canonical order                */
    sm_u64vec_t *staged;        /* per stage, the runs the tick's sweep steps
                                   (every model neuron in the dense engine, the
                                   self-driven ones in the event engine), one
                                   population each, as (core << 32 | first
                                   local, pop << 32 | end) pairs, in core and
                                   local order; NULL: no sweep               */
    sm_u64vec_t fired;          /* dense engine: local << 32 | count, a stage's   */
    sm_u32vec_t fired_runs;     /* per run that fired: its index in staged, the
                                   end of its entries in fired                */
    uint8_t *st_whole;          /* per structured projection: all its target
                                   cores are here (sm_stwhole_t)                  */
    uint32_t *st_last;
    sm_strows_t *st_rows;       /* per structured projection delivered whole    */
    uint64_t tick_packets, tick_hops; /* of the spikes emitted in this tick      */
    uint32_t *tick_cores;       /* the hosted cores that hold neurons: the sweep  */
    uint32_t n_tick_cores;
    uint64_t *tick_seen;        /* per core of tick_cores: spikes, synaptic events,
                                   updates, active updates at the end of the
                                   previous tick (S_SEEN of them)                 */
    uint64_t *links;            /* [core][direction]: its sources' packets, once
                                   its run is done (routed), for the gather      */
    uint64_t *xrecv;            /* [core]: events its row sources sent other
                                   shards' cores (sm_engine_t.xrow), counted
                                   with the routes, added in by the gather      */
    int routed;
    uint8_t *one_event;         /* per gid: every fan-out entry is one sentinel of
                                   the same projection delivered whole here, so
                                   one delay-0 event carries the whole spike     */
} sm_shard_t;

struct sm_engine {
    const sm_net_t *net;
    sm_run_opts_t opts;
    uint32_t ticks, window;
    sm_core_ctx_t cx;           /* what the cores share: ring, calendar, ...      */
    uint32_t n_stages;
    uint32_t width, height, n_cores;
    const uint32_t *core_of;
    uint32_t *local_of;
    sm_mapping_t *own_map;
    sm_core_t *cores;
    sm_cell_t *cells;           /* every core's cells, one block (sm_huge_alloc)  */
    uint32_t n_shards;
    uint32_t *shard_of_core;
    uint32_t *shard_first;      /* s_shard_first, or NULL                         */
    sm_shard_t *shards;
    sm_syntab_t tab;
    uint32_t *emits;            /* per gid: emissions (one packet per fan-out entry each) */
    uint8_t *row_src;           /* per gid: 0, or SM_ROW_ALL / SM_ROW_PART: its
                                   spikes travel as one row event for its own
                                   shard (SM_WEV_ROW; s_row_sources), so its
                                   targets there count events_received from
                                   emits at the end                          */
    uint32_t *emit_packets;     /* per gid: packets and hops of one emission,     */
    uint32_t *emit_hops;        /* for the per-tick series                        */
    /* The per-tick series of the run under way, one for all local shards:
     * each adds its row once a tick (relaxed atomic adds, integers: the sums
     * do not depend on the order), and with a chip (opts.tick_ns) raises the
     * tick's busiest-core time (the bits of a non-negative double, which
     * order as the numbers do). Handed to the result by the gather. */
    uint64_t *tick_cnt;         /* [tick][SM_TICK_N]                              */
    uint64_t *tick_busy;        /* [tick]: bits of the busiest core's ns, or NULL */
    uint8_t *neg;               /* per gid: signed payloads (cx.neg), or NULL          */
    sm_model_t **pop_models;    /* per population, with constant currents added  */
    sm_kern_t **kern;           /* per population with one model: resolved (or NULL) */
    uint32_t *probe_gid;
    uint8_t *d0_link, *dl_link; /* [from][to] shard traffic kinds                 */
    const sm_link_ops_t *link;  /* one kind for all the links of a run           */
    int xrow;                   /* every shard in this process, local links: row
                                   entries go between shards (SM_ROW_PART_DL)   */
    sm_linkctx_t *links;
    char run_id[64];
    /* A barrier whose party can shrink: a thread that could not be started
     * is dropped from it instead of leaving the others waiting forever. */
    pthread_mutex_t bar_mu;
    pthread_cond_t bar_cv;
    uint32_t bar_need, bar_have, bar_gen;
    atomic_int abort;
    sm_result_t *res;
    double t_start;
    uint32_t runs;              /* sm_engine_rerun calls so far                  */
    /* Distributed runs: explicit endpoints per shard, CURVE keys (Z85, 40
     * chars, empty = plain), and hooks by which the worker's control channel
     * joins the shard loop (heartbeats, abort). */
    char **endpoints;
    char curve_public[41], curve_secret[41];
    void *ctl;
    int (*ctl_ready)(void *ctl, sm_shard_t *sh);
    int (*ctl_start)(void *ctl, sm_shard_t *sh);
    int (*ctl_poll)(void *ctl, sm_shard_t *sh, uint32_t tick);
    double ctl_last;
    uint32_t local_first, local_n;
};

/* The pieces of sm_engine_run, for runs spread over processes. */
/* shards: 0 = from the thread count; only_shard >= 0: build only what that
 * shard needs (a worker process), -1: everything. */
sm_engine_t *sm_engine_new(const sm_net_t *net, const sm_run_opts_t *opts, uint32_t shards,
                           int only_shard, sm_error_t *err);
/* Runs shards [first, first + n) on n threads (the rest run elsewhere). */
int sm_engine_run_local(sm_engine_t *e, uint32_t first, uint32_t n, sm_error_t *err);
/* Adds the local shards' spikes, traces and counters into r, which holds
 * dense per-core and per-link arrays (sm_result_alloc). */
int sm_engine_gather(sm_engine_t *e, sm_result_t *r, sm_error_t *err);
void sm_engine_destroy(sm_engine_t **e_p);

/* The bounds and keys of shard `shard`'s links. */
void sm_engine_link_opts(const sm_engine_t *e, uint32_t shard, sm_link_opts_t *o);
int sm_shard_prepare(sm_shard_t *sh);
/* Empties what a finished run left in the shard, for the next one. */
void sm_shard_reset(sm_shard_t *sh);
int sm_shard_run(sm_shard_t *sh);
void sm_shard_fini(sm_shard_t *sh);
double sm_now(void);
/* The process's CPU time, all threads, in seconds. */
double sm_cpu_now(void);

#endif
