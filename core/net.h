/* net: an in-memory network description, as loaded from a network file.
 *
 * Neurons have global ids (gids): population p owns [pop.first, pop.first +
 * pop.size). Projections are kept as descriptions, not as synapse lists:
 * sm_proj_generate() expands one into synapses on demand, in a fixed order
 * and from a seeded stream, so that the engine can build its per-core tables
 * in two passes (count, fill) and the same network gives the same synapses
 * whatever the mapping. */
#ifndef SM_NET_H
#define SM_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "sm_error.h"

#define SM_NAME_MAX 64
/* Neurons per network: 2^28 (268M), far past one machine's memory at ~120
 * bytes a neuron, but a bound that keeps a 100-byte file from asking for
 * gigabytes before anything checks it. */
#define SM_MAX_NEURONS (1u << 28)

typedef enum {
    SM_POP_NEURONS = 0,   /* a population of model neurons                    */
    SM_POP_SPIKE_TIMES,   /* spike source: given spike ticks per neuron        */
    SM_POP_POISSON        /* spike source: Poisson, rate in Hz, seeded         */
} sm_pop_kind_t;

typedef struct {
    char name[SM_NAME_MAX];
    sm_pop_kind_t kind;
    uint32_t size;
    uint32_t first;           /* gid of index 0                               */
    /* SM_POP_NEURONS */
    sm_model_t *models;       /* n_models entries: 1, or size (per-neuron params) */
    uint32_t n_models;
    float *v_init;            /* NULL, or size initial membrane values          */
    /* SM_POP_SPIKE_TIMES: CSR, neuron i fires at ticks[off[i] .. off[i+1]), sorted */
    uint32_t *st_off;
    uint32_t *st_ticks;
    /* SM_POP_POISSON */
    double rate_hz;
    uint64_t seed;
    uint32_t start_tick, stop_tick; /* active in [start, stop)                  */
    /* recording */
    bool record_spikes;
    uint32_t stage;           /* topological level in the delay-0 graph        */
} sm_pop_t;

typedef enum {
    SM_CONN_ALL_TO_ALL = 0,
    SM_CONN_ONE_TO_ONE,
    SM_CONN_FIXED_PROB,       /* p                                             */
    SM_CONN_FIXED_FAN_IN,     /* k sources per target, without replacement     */
    SM_CONN_LIST,             /* explicit (src, dst, weight, delay)            */
    SM_CONN_MATRIX            /* dense weights [target][source]; zeros skipped  */
} sm_conn_kind_t;

typedef enum { SM_DIST_CONST = 0, SM_DIST_UNIFORM, SM_DIST_NORMAL } sm_dist_kind_t;

typedef struct {
    sm_dist_kind_t kind;
    double a, b;              /* const: a; uniform: [a, b); normal: mean a, sd b */
    /* normal draws outside [lo, hi] are redrawn (clipped distribution)       */
    bool has_bounds;
    double lo, hi;
} sm_dist_t;

typedef enum { SM_PORT_EXC = 0, SM_PORT_INH = 1 } sm_port_t;

typedef struct {
    uint32_t src_pop, dst_pop;
    sm_port_t port;
    sm_conn_kind_t conn;
    double p;                 /* FIXED_PROB                                     */
    uint32_t k;               /* FIXED_FAN_IN                                   */
    bool allow_self;          /* autapses when src_pop == dst_pop               */
    sm_dist_t weight;
    sm_dist_t delay;          /* ticks; uniform: integers in [a, b], both included */
    /* LIST */
    uint32_t n_list;
    uint32_t *l_src, *l_dst, *l_delay;
    float *l_weight;
    /* MATRIX: n_dst x n_src, row-major [dst][src] */
    float *matrix;
    uint32_t matrix_delay;    /* constant delay for matrix projections          */
    uint64_t seed;            /* stream for this projection                     */
    uint32_t min_delay, max_delay; /* bounds, filled by the loader               */
} sm_proj_t;

/* A constant current injected into every neuron of a population: added to the
 * model's bias for the whole run. */
typedef struct {
    uint32_t pop;
    double amplitude;
} sm_current_t;

typedef struct {
    uint32_t pop;
    uint32_t index;           /* neuron within the population */
} sm_probe_t;

typedef struct {
    char *path;               /* file it came from, for messages; owned        */
    sm_pop_t *pops;
    uint32_t n_pops;
    sm_proj_t *projs;
    uint32_t n_projs;
    sm_current_t *currents;
    uint32_t n_currents;
    sm_probe_t *probes;       /* neurons whose state is traced every tick       */
    uint32_t n_probes;
    uint32_t n_neurons;       /* total gids                                     */
    uint32_t n_stages;        /* 1 + highest pop stage                          */
    double dt_ms;
    uint32_t ticks;
    uint64_t seed;
} sm_net_t;

/* Called once per synapse, in generation order. Indices are within the
 * source and target populations. Return non-zero to stop. */
typedef int (*sm_syn_fn)(void *ctx, uint32_t src, uint32_t dst, float weight,
                         uint32_t delay);

/* Expands projection `pr` of `net` into synapses. The order and values depend
 * only on the network and its seed. Returns 0, or -1 if fn stopped it. */
int sm_proj_generate(const sm_net_t *net, const sm_proj_t *pr, sm_syn_fn fn,
                     void *ctx);

/* Computes pop stages from the delay-0 projections and refuses a delay-0
 * cycle, naming it ("a -> b -> a"). Every loader calls it. */
int sm_net_finish(sm_net_t *net, sm_error_t *err);

/* An empty network to fill by hand (tests, golden network cases). */
sm_net_t *sm_net_new(void);
/* Appends a population / projection, returning its index, or -1. The net takes
 * ownership of the arrays inside the struct. */
int sm_net_add_pop(sm_net_t *net, const sm_pop_t *pop);
int sm_net_add_proj(sm_net_t *net, const sm_proj_t *proj);
void sm_net_destroy(sm_net_t **net_p);

/* Index of the population named `name`, or -1. */
int sm_net_find_pop(const sm_net_t *net, const char *name);

/* The model parameters of neuron `i` of population `p`. */
static inline const sm_model_t *sm_pop_model(const sm_pop_t *p, uint32_t i)
{
    return &p->models[p->n_models == 1 ? 0 : i];
}

#endif
