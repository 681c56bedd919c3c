/* nir_side: what a NIR file does not say. The library that wrote it (its
 * flavor), its time step, and per neuron node the conventions its exporter
 * dropped: snnTorch's reset mechanism and reset delay, Sinabs' spike and
 * reset functions and membrane floor. The conventions file is the schema of
 * `nir_side_info` in the reference cases:
 *
 *   {"flavor": "snntorch", "dt": 0.0001,
 *    "nodes": {"lif1.lif": {"reset_mechanism": "subtract", "reset_delay": true}}}
 *
 * Defaults per flavor (docs/nir.md) apply to every key left out, and a
 * flavor alone (`--nir-flavor NAME`) is a conventions file with no keys but
 * the flavor. Unknown keys, values of the wrong type, and keys that belong
 * to another flavor are refused with the file, the JSON path and the value.
 *
 * sm_nir_target() says what each NIR node becomes under a flavor: the
 * population model and update style of a neuron node, the projection kind
 * of a connection node, or why it cannot be honoured. */
#ifndef SM_NIR_SIDE_H
#define SM_NIR_SIDE_H

#include <stdbool.h>
#include <stdint.h>

#include "nir.h"
#include "sm_error.h"

typedef enum {
    SM_NIR_FLAVOR_SNNTORCH = 0,
    SM_NIR_FLAVOR_NORSE,
    SM_NIR_FLAVOR_SINABS,
    SM_NIR_NFLAVORS
} sm_nir_flavor_t;

typedef enum { SM_NIR_RESET_SUBTRACT = 0, SM_NIR_RESET_ZERO, SM_NIR_RESET_NONE } sm_nir_reset_t;
typedef enum { SM_NIR_SPIKE_MULTI = 0, SM_NIR_SPIKE_SINGLE } sm_nir_spike_fn_t;

/* Which keys a node entry gave (the rest are the flavor's defaults). */
enum {
    SM_NIR_SIDE_RESET = 1u << 0,      /* reset_mechanism / reset_fn          */
    SM_NIR_SIDE_DELAY = 1u << 1,      /* reset_delay                         */
    SM_NIR_SIDE_SPIKE_FN = 1u << 2,   /* spike_fn                            */
    SM_NIR_SIDE_MIN_V = 1u << 3,      /* min_v_mem                           */
    SM_NIR_SIDE_NORM = 1u << 4        /* norm_input                          */
};

/* The conventions of one neuron node, defaults filled in. */
typedef struct {
    sm_nir_reset_t reset;   /* snntorch reset_mechanism; sinabs reset_fn
                               (MembraneSubtract = SUBTRACT, MembraneReset = ZERO);
                               norse: ZERO (reset to v_reset)                     */
    bool reset_delay;       /* snntorch: the reset acts one step later            */
    sm_nir_spike_fn_t spike_fn; /* sinabs                                         */
    bool has_min_v;         /* sinabs min_v_mem given (null: no floor)            */
    double min_v;
    bool norm_input;        /* sinabs LIF / ExpLeak: input scaled by 1 - alpha     */
} sm_nir_conv_t;

typedef struct {
    char *node;
    uint32_t given;         /* SM_NIR_SIDE_* bits                                  */
    sm_nir_conv_t conv;
} sm_nir_side_node_t;

typedef struct {
    sm_nir_flavor_t flavor;
    double dt;              /* seconds (snnTorch, Norse) or 1 (Sinabs: steps)     */
    bool dt_given;
    uint32_t n_nodes;
    sm_nir_side_node_t *nodes;
} sm_nir_side_t;

const char *sm_nir_flavor_name(sm_nir_flavor_t f);
/* 0, or -1 with SM_EINVAL naming the flavors. */
int sm_nir_flavor_parse(const char *name, sm_nir_flavor_t *f, sm_error_t *err);

/* The flavor's defaults with no node entries. Caller owns the result. */
sm_nir_side_t *sm_nir_side_defaults(sm_nir_flavor_t f, sm_error_t *err);
/* Reads a conventions file; `name` is used in messages. */
sm_nir_side_t *sm_nir_side_load(const char *path, sm_error_t *err);
sm_nir_side_t *sm_nir_side_from_string(const char *text, const char *name, sm_error_t *err);
void sm_nir_side_destroy(sm_nir_side_t **s_p);

/* Checks the entries against a loaded graph: every node named exists and
 * is a neuron node. */
int sm_nir_side_check(const sm_nir_side_t *s, const sm_nir_graph_t *g, sm_error_t *err);

/* The conventions of node `name`: its entry, or the flavor's defaults. */
sm_nir_conv_t sm_nir_side_conv(const sm_nir_side_t *s, const char *name);
/* The flavor's defaults for every neuron node. */
sm_nir_conv_t sm_nir_side_default_conv(sm_nir_flavor_t f);
/* The flavor's default dt. */
double sm_nir_side_default_dt(sm_nir_flavor_t f);

/* What a node becomes. */
typedef enum {
    SM_NIR_ROLE_SOURCE = 0,  /* Input: a spike source                          */
    SM_NIR_ROLE_PROBE,       /* Output: records the node before it             */
    SM_NIR_ROLE_POPULATION,  /* neuron node                                    */
    SM_NIR_ROLE_PROJECTION,  /* connection node                                */
    SM_NIR_ROLE_RESHAPE,     /* Flatten: indices stay (C order), no work       */
    SM_NIR_ROLE_PASS,        /* Input/Output of an inlined graph               */
    SM_NIR_ROLE_REFUSED      /* cannot be honoured under this flavor           */
} sm_nir_role_t;

typedef struct {
    sm_nir_role_t role;
    const char *model;       /* house model name ("lif", "iaf", ...) or projection
                                kind ("dense", "conv2d", ...)                      */
    const char *style;       /* update style ("snntorch", "norse", "sinabs") or NULL */
    const char *library;     /* the library class it reproduces, or NULL          */
    const char *note;        /* how the parameters are taken, or why refused      */
} sm_nir_target_t;

/* Dense affine maps at or below this fraction of nonzero weights are stored
 * as sparse projections. */
#define SM_NIR_SPARSE_DENSITY 0.25

sm_nir_target_t sm_nir_target(const sm_nir_node_t *n, sm_nir_flavor_t f);

/* The float32 constants a library ran with, recovered from a time constant
 * (element i of `tau`, broadcast if it has one element). The recipes and why
 * they are exact are in docs/nir.md:
 *   snnTorch  beta = float32(1 - dt/tau), dt taken at the dataset's precision
 *             (float32 data: (double)(float)dt; float64 data: dt);
 *   Norse     tau_inv = float32(1/tau) (1/(1/x) != x for some x: not always
 *             the original);
 *   Sinabs    alpha = float32(exp(-1/tau)), exp in double, rounded once. */
float sm_nir_snntorch_decay(const sm_nir_array_t *tau, size_t i, double dt);
float sm_nir_norse_inv(const sm_nir_array_t *tau, size_t i);
float sm_nir_sinabs_decay(const sm_nir_array_t *tau, size_t i);

#endif
