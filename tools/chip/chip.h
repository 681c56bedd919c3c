/* chip: what a neuromorphic chip offers a network, and what it costs.
 *
 * A chip description gives the core grid (one chip, or several chips tiled on
 * a board, whose links cost more), the limits of one core, the precision of
 * weights and state, and an energy and timing profile per event: the one
 * price list of a chip. The mapper (tools/map) places a network within the
 * limits; the energy report (energy.h) prices a finished run's counters with
 * the profile. Routes are the router's (sm_mesh_route in router/mesh.h), seen
 * here with the chip's tiling (chip_route.c).
 *
 * Built-in profiles (loihi, truenorth, spinnaker) live in chip_profiles.c
 * with the publications their figures come from; users can give their own
 * JSON file instead (format in docs/chips.md). */
#ifndef SM_CHIP_H
#define SM_CHIP_H

#include <stdint.h>
#include <stdio.h>

#include "sm_error.h"

#define SM_CHIP_NAME_MAX 64
#define SM_CHIP_TEXT_MAX 512

/* Per-core limits. 0 means "not limited" (the chip stores it elsewhere, or
 * the source does not give a figure). */
typedef struct {
    uint32_t neurons;         /* neurons (compartments) per core                   */
    uint64_t synapses;        /* synapses whose target is on the core (fan-in memory) */
    uint32_t axons;           /* distinct source neurons sending into the core     */
    uint32_t fanout;          /* distinct target cores of the core's neurons       */
} sm_chip_limits_t;

/* Energy per event in picojoules; static power in watts. */
typedef struct {
    double syn_op;            /* one synaptic operation (weight delivery)           */
    double update_active;     /* a neuron update of a neuron that got input or fired */
    double update_inactive;   /* an idle neuron's update (time-stepped chips pay it) */
    double spike;             /* a spike generated                                   */
    double packet_send;       /* one AER packet sent (spike x target core)           */
    double packet_recv;       /* one AER packet received                             */
    double hop_ew;            /* one east-west link traversal inside a chip          */
    double hop_ns;            /* one north-south link traversal inside a chip        */
    double hop_chip;          /* one traversal of a link between two chips           */
    double static_core_w;     /* static power per used core                          */
    double static_chip_w;     /* static power per chip holding a used core           */
} sm_chip_energy_t;

/* Latencies in nanoseconds. */
typedef struct {
    double syn_op;
    double update_active;
    double update_inactive;
    double spike;
    double hop_ew;
    double hop_ns;
    double hop_chip;
    double barrier;           /* end-of-tick synchronisation, once per tick          */
    double tick;              /* fixed tick length (time-stepped chips), 0 if none   */
} sm_chip_timing_t;

/* What a core computes in: float (the network runs as written; chips whose
 * integer formats are not modelled), or Loihi's fixed point (loihi_lif and
 * Lava's Dense, docs/arithmetic.md): a float network is then quantised as
 * the chip's toolchain would (quantise.h). */
typedef enum { SM_ARITH_FLOAT = 0, SM_ARITH_FIXED } sm_arith_t;

typedef struct {
    char name[SM_CHIP_NAME_MAX];
    char source[SM_CHIP_TEXT_MAX];   /* where the figures come from                 */
    uint32_t chip_w, chip_h;         /* cores per chip                              */
    uint32_t chips_x, chips_y;       /* chips on the board                          */
    uint32_t width, height;          /* whole grid: chip_w*chips_x x chip_h*chips_y */
    sm_chip_limits_t limits;
    uint32_t weight_bits;            /* 0: not stated (fixed: 8)                    */
    uint32_t state_bits;
    sm_arith_t arith;                /* precision.arithmetic                        */
    sm_chip_energy_t energy;
    sm_chip_timing_t timing;
} sm_chip_t;

/* Loads a built-in profile by name ("loihi", ...) or, if the argument is not
 * one, a JSON chip file. Unknown keys, wrong types and impossible values are
 * refused with the file, the JSON path and the value. Caller owns result. */
sm_chip_t *sm_chip_load(const char *name_or_path, sm_error_t *err);

/* Parses a chip from JSON text; `name` is used in messages. */
sm_chip_t *sm_chip_from_string(const char *text, const char *name, sm_error_t *err);

/* A copy of built-in profile `name`, or NULL with SM_EINVAL. */
sm_chip_t *sm_chip_builtin(const char *name, sm_error_t *err);

void sm_chip_destroy(sm_chip_t **chip_p);

/* Number of built-in profiles and the i-th one (read-only, static storage). */
uint32_t sm_chip_n_builtins(void);
const sm_chip_t *sm_chip_builtin_at(uint32_t i);

/* Cores on the whole grid. */
static inline uint32_t sm_chip_cores(const sm_chip_t *c)
{
    return c->width * c->height;
}

/* Prints the main figures of a chip on a few lines. */
void sm_chip_print(FILE *f, const sm_chip_t *c);

/* Link traversals between two cores under dimension-order (X then Y)
 * routing: east-west and north-south hops inside chips, and hops that cross
 * a chip boundary (counted in `chip`, not in ew/ns). Any pointer may be NULL. */
void sm_chip_route(const sm_chip_t *c, uint32_t from, uint32_t to, uint32_t *ew,
                   uint32_t *ns, uint32_t *chip);

/* Energy (pJ) of one packet from core `from` to core `to`: sent, received
 * and carried over its hops. */
double sm_chip_packet_pj(const sm_chip_t *c, uint32_t from, uint32_t to);

/* Route cost of one packet between two cores as the placement weighs it:
 * hops priced by the chip's per-direction hop energies (or plain hop counts
 * when the chip prices none). */
double sm_chip_route_cost(const sm_chip_t *chip, uint32_t from, uint32_t to);

/* The price sm_chip_route_cost puts on one hop east-west, north-south and
 * between chips (for callers that price many routes themselves). */
void sm_chip_hop_prices(const sm_chip_t *chip, double *ew, double *ns, double *between);

#endif
