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
/* Largest payload (spike count) of a graded spike source: 24 bits, Loihi 2's
 * widest graded spike. */
#define SM_MAX_PAYLOAD (1u << 24)

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
    float *u_init;            /* NULL, or size initial currents (loihi_lif's u)  */
    /* SM_POP_SPIKE_TIMES: CSR, neuron i fires at ticks[off[i] .. off[i+1]), sorted */
    uint32_t *st_off;
    uint32_t *st_ticks;
    int32_t *st_payload;      /* NULL, or per tick the payload sent: a graded
                                 payload (Lava num_message_bits > 0), non-zero,
                                 |p| <= SM_MAX_PAYLOAD; negative ones only into
                                 loihi_lif (sm_net_fixed)                      */
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
    SM_CONN_MATRIX,           /* dense weights [target][source]; zeros skipped  */
    SM_CONN_CONV2D,           /* 2D convolution (sm_conv2d_t); zeros skipped     */
    SM_CONN_DISTANCE          /* 2D grids and a mask (sm_distance_t), p          */
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

/* CONV2D, as PyTorch's Conv2d: the source read as an input of shape (in_c,
 * in_h, in_w), the target as (out_c, out_h, out_w), neuron index
 * (c * H + y) * W + x as PyTorch flattens NCHW. Output row oy, kernel row ky
 * read input row oy * stride_h - pad_top + ky * dil_h (columns alike); taps
 * that fall in the padding or hold a zero weight make no synapse. */
typedef struct {
    uint32_t in_c, in_h, in_w;
    uint32_t out_c, out_h, out_w;
    uint32_t k_h, k_w;
    uint32_t stride_h, stride_w;
    uint32_t dil_h, dil_w;
    uint32_t pad_top, pad_bottom, pad_left, pad_right;
    uint32_t groups;          /* divides in_c and out_c                        */
    float *kernel;            /* [out_c][in_c / groups][k_h][k_w], owned        */
} sm_conv2d_t;

/* A population laid on a grid, row-major: neuron i sits in row i / cols,
 * column i % cols, at position (row0 + row * row_step, col0 + col * col_step).
 * Positions share one space, so that grids of different sizes align. */
typedef struct {
    uint32_t rows, cols;
    double row0, col0;
    double row_step, col_step; /* > 0                                           */
} sm_grid2d_t;

typedef enum { SM_MASK_CIRCLE = 0, SM_MASK_RECT } sm_mask_kind_t;

/* DISTANCE: source s may connect to target t when the offset position(t) -
 * position(s) lies in the mask; then with probability p * exp(-d^2 / (2
 * sigma^2)) (sigma 0: p alone), d the length of the offset. With periodic,
 * positions live on a torus of the given extent and an offset is taken to
 * its nearest image, in [-extent / 2, extent / 2). */
typedef struct {
    sm_grid2d_t src, dst;
    sm_mask_kind_t mask;
    double radius;            /* CIRCLE: d <= radius                           */
    double row_lo, row_hi;    /* RECT: offsets in [lo, hi], both ends included */
    double col_lo, col_hi;
    bool periodic;
    double extent_rows, extent_cols; /* periodic: both grids lie in [0, extent) */
    double sigma;             /* >= 0                                          */
} sm_distance_t;

typedef struct {
    uint32_t src_pop, dst_pop;
    sm_port_t port;
    sm_conn_kind_t conn;
    double p;                 /* FIXED_PROB, DISTANCE (1: every pair in the mask) */
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
    sm_conv2d_t conv;         /* CONV2D                                         */
    sm_distance_t dist;       /* DISTANCE                                       */
    uint64_t seed;            /* stream for this projection                     */
    uint32_t min_delay, max_delay; /* bounds, filled by the loader               */

    /* Fixed point: a projection into a loihi_lif population is one Lava
     * Dense (docs/arithmetic.md): integer weights as passed to Dense(...),
     * clipped and truncated once, when the synapses are built. Its format
     * as given (0 and AUTO: Lava's defaults, 8 bits, derived sign, binary): */
    int32_t weight_exp;
    uint32_t num_weight_bits;
    sm_loihi_sign_t sign_mode;
    uint32_t num_message_bits; /* 0: any non-zero payload counts as 1          */
    /* Derived by sm_net_finish: */
    bool fixed;               /* the target is loihi_lif                        */
    bool clamp;               /* binary, from a source that may send counts > 1 */
    sm_loihi_dense_t fx;      /* the resolved format                            */
    uint32_t fold;            /* weights x 2^fold in the accumulator `port`     */
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
    sm_probe_t *probes;       /* neurons whose state is traced                  */
    uint32_t n_probes;
    uint32_t trace_every;     /* traced every this many ticks (0 or 1: every)   */
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

/* The synapses of one target, in generation order: sources src[0..n), all
 * with weight `weight` and delay `delay`. Return non-zero to stop. */
typedef int (*sm_syn_run_fn)(void *ctx, uint32_t dst, const uint32_t *src, uint32_t n,
                             float weight, uint32_t delay);

/* sm_proj_generate, the same synapses in the same order, but a projection
 * whose weight and delay are constants and whose connectivity is
 * all_to_all, fixed_probability or fixed_fan_in goes to `run` a target at a
 * time (no call per synapse; targets without synapses are skipped); any
 * other goes to fn. */
int sm_proj_generate_runs(const sm_net_t *net, const sm_proj_t *pr, sm_syn_fn fn,
                          sm_syn_run_fn run, void *ctx);

/* Whether pr's synapses come a target at a time from each target's own
 * random stream (constant weight and delay; all_to_all, or
 * fixed_probability with p > 0), so that ranges of targets can be
 * generated apart, in any order, on any thread. */
bool sm_proj_runs_by_target(const sm_proj_t *pr);

/* The runs sm_proj_generate_runs gives to `run` for targets t0 .. t1 - 1 of
 * such a projection. Returns 0, -1 if run stopped it, or 1 (nothing given)
 * if pr is not one (sm_proj_runs_by_target) or there is no memory for the
 * scratch. Thread-safe: reads net and pr only. */
int sm_proj_generate_target_runs(const sm_net_t *net, const sm_proj_t *pr, uint32_t t0, uint32_t t1,
                                 sm_syn_run_fn run, void *ctx);

/* Bounds of the structured connectors' parameters: strides, dilations,
 * paddings and kernel sizes (far past any input of SM_MAX_NEURONS, and
 * keeping dilation * (kernel - 1) inside 64 bits); grid positions, spacings
 * and mask sizes (finite, and far from overflow). */
#define SM_CONN_MAX_STEP (1u << 24)
#define SM_CONN_MAX_COORD 1e15

/* Synapses per projection, at most: 2^32 synapses are 32 GiB of synapse
 * table. Loaders refuse a conv2d or distance projection whose bound
 * (sm_proj_max_synapses) is larger before anything is generated. */
#define SM_MAX_PROJ_SYNAPSES 4294967296.0

/* An upper bound of the synapses (for distance: of the candidate pairs
 * examined) that sm_proj_generate would emit, computed from the description
 * alone. Meaningful once sm_proj_check passed. */
double sm_proj_max_synapses(const sm_net_t *net, const sm_proj_t *pr);

/* Checks a conv2d or distance projection's parameters against its
 * populations (every value in range, shapes that hold the populations, the
 * output size the convolution gives; not the kernel's weights), so that
 * loaders and decoders accept exactly the same projections; other kinds
 * pass. The message names the field and the values but no path: the caller
 * prefixes one. */
int sm_proj_check(const sm_net_t *net, const sm_proj_t *pr, sm_error_t *err);

/* The output size of one axis of a convolution, as PyTorch computes it:
 * floor((in + pad_a + pad_b - dil * (k - 1) - 1) / stride) + 1, or 0 when the
 * kernel does not fit the padded input. */
uint64_t sm_conv_out_size(uint64_t in, uint64_t pad_a, uint64_t pad_b, uint64_t dil,
                          uint64_t k, uint64_t stride);

/* Computes pop stages from the delay-0 projections and refuses a delay-0
 * cycle, naming it ("a -> b -> a"), then resolves the fixed-point
 * projections (sm_net_fixed). Every loader calls it. */
int sm_net_finish(sm_net_t *net, sm_error_t *err);

/* The fixed-point projections, each a Lava Dense into a loihi_lif
 * population (called by sm_net_finish; again by whoever changes one):
 *  - checks that their weights are integers (|w| <= 2^24) and their format
 *    in range, derives an AUTO sign mode from the weights (Lava's rule) and
 *    fills fx;
 *  - gives each Dense an accumulator: weight_exp applies once to one Dense's
 *    summed input and a negative one floors, so two Dense groups with
 *    negative exponents cannot share one. A loihi_lif neuron has two (the
 *    engine's input ports): the first two Dense with a negative exponent get
 *    one each, the others (exponent >= 0) join one of them with their
 *    weights scaled by 2^(e - E), E the accumulator's exponent, which is
 *    exact; a third negative exponent is refused. Sets port and fold of each
 *    projection and in_exp of the target's models;
 *  - bounds every target neuron's input: the sum of |weight| x the largest
 *    count its source can send, per accumulator, must stay within 2^24, where
 *    the engine's float sums are exact integers;
 *  - refuses fixed-point settings on projections into other models, float
 *    currents into loihi_lif, and graded projections from sources with
 *    unbounded counts. */
int sm_net_fixed(sm_net_t *net, sm_error_t *err);

/* A fixed-point projection's weight as the engine stores it: W' * 2^fold. */
float sm_proj_fixed_weight(const sm_proj_t *pr, float w);

/* True if population p runs loihi_lif. */
bool sm_pop_is_loihi(const sm_pop_t *p);
/* True if p is a graded source with a negative payload: its events carry
 * the payload in two's complement (the engine marks its neurons). */
bool sm_pop_signed(const sm_pop_t *p);

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
