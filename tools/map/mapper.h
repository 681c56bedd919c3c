/* mapper: places every neuron of a network (spike sources included: they
 * live on cores too) on a core of a chip, within every per-core limit.
 *
 * Strategies:
 *   sequential  neurons in gid order fill cores in id order (y * W + x);
 *   random      neurons in a seeded random order fill cores placed at
 *               seeded random positions;
 *   metis       (default) the neuron graph, weighted by synapse counts and
 *               expected spike rates, is cut into parts with METIS (k-way,
 *               balanced on neurons and fan-in synapses), over-full parts
 *               hand neurons to parts with room (or are split evenly), parts
 *               that fit together are merged, and the parts are placed on
 *               the grid by a seeded greedy placement refined by simulated
 *               annealing that minimises sum over part pairs of traffic x
 *               route cost plus the static power of the chips used; then
 *               compared with sequential (see sm_map_with).
 * Every strategy is deterministic for a given network, chip and seed; metis
 * leaves no near-empty core behind when its neurons fit on another.
 *
 * Rates: a Poisson source is expected to fire at its rate over its active
 * window, a spike-times source at its given count; a model neuron is assumed
 * to fire at SM_MAP_DEFAULT_RATE_HZ, since its rate is only known by running
 * (or measured by an earlier run: sm_map_opts_t.rates). */
#ifndef SM_MAPPER_H
#define SM_MAPPER_H

#include <stdint.h>
#include <stdio.h>

#include "chip.h"
#include "mapping.h"
#include "mgraph.h"
#include "net.h"
#include "progress.h"
#include "sm_error.h"

struct cJSON;

/* Use of one per-core limit over the used cores. */
typedef struct {
    uint64_t limit;           /* 0: not limited                                */
    uint64_t max;
    double mean;
    uint32_t max_core;        /* a core holding the max                        */
} sm_map_use_t;

/* What a mapping is expected to cost per tick on the chip, as the default
 * strategy compares them: routing (packets and hops priced by the chip) plus
 * the static power of the cores and chips it uses. */
typedef struct {
    char name[40];            /* "metis", "sequential cores, placed", "sequential" */
    double energy_pj_per_tick;
    double hops_per_tick;
    double packets_per_tick;
    uint32_t cores_used, chips_used;
} sm_map_estimate_t;

#define SM_MAP_MAX_CANDIDATES 3

typedef struct {
    char chip[SM_CHIP_NAME_MAX];
    char strategy[16];
    uint64_t seed;
    uint32_t width, height;
    uint32_t cores_total;
    uint32_t cores_used;
    uint32_t chips_used;      /* chips of the board holding a used core        */
    uint32_t n_gids;
    uint64_t n_synapses;
    sm_map_use_t neurons, synapses, axons, fanout;
    uint64_t edge_cut;        /* synapses whose source and target cores differ  */
    double spikes_per_tick;   /* expected, from the rates above                 */
    double packets_per_tick;  /* spike x distinct target core (own core included) */
    double hops_per_tick;     /* link traversals of those packets (X then Y)    */
    double chip_hops_per_tick;/* of which crossing a chip boundary             */
    double routing_pj_per_tick;/* packets and hops priced with the chip profile */
    double tick_ns;           /* expected chip time of a tick                   */
    double static_pj_per_tick;/* static power of the used cores and chips       */
    double energy_pj_per_tick;/* routing + static: what the mapping decides    */
    char rates[160];          /* where the rates came from; "" for the assumption */
    /* metis: the candidates it weighed, the kept one first among equals */
    uint32_t n_candidates;
    sm_map_estimate_t candidates[SM_MAP_MAX_CANDIDATES];
    uint32_t kept;            /* index into candidates                          */
    double seconds;           /* time spent mapping                            */
} sm_map_report_t;

typedef struct {
    const char *strategy;     /* NULL: "metis"                                  */
    uint64_t seed;
    /* Expected spikes per tick of every gid (measured by a run, see
     * sm_rates_from_run; NaN: not measured, the rate above stands), or NULL
     * for the rates above; rates_from names their source in the report. */
    const double *rates;
    const char *rates_from;
    const sm_progress_t *progress;  /* may be NULL                             */
} sm_map_opts_t;

/* Maps `net` onto `chip`. On success returns a mapping of chip->width x
 * chip->height (caller owns; sm_mapping_destroy) and fills rep if not NULL.
 * If the network does not fit, fails with SM_ETOOBIG and a message naming
 * the population, the limit and the overflow, and either how few cores
 * would hold it or that no number of cores can (one neuron alone breaks a
 * limit).
 *
 * metis weighs three candidates on the chip's cost per tick (energy and
 * hops, sm_map_estimate_t): its own cut, the cores sequential filling makes
 * placed to shorten routes, and plain sequential. It keeps the cheapest of
 * those no worse than sequential on either figure, so the default never
 * does worse than sequential by the estimate; the report lists all three. */
sm_mapping_t *sm_map_with(const sm_net_t *net, const sm_chip_t *chip, const sm_map_opts_t *o,
                          sm_map_report_t *rep, sm_error_t *err);

/* sm_map_with with strategy and seed only. */
sm_mapping_t *sm_map(const sm_net_t *net, const sm_chip_t *chip, const char *strategy,
                     uint64_t seed, sm_map_report_t *rep, sm_error_t *err);

/* Measures a mapping against a chip (rep may be NULL) and fails with
 * SM_ETOOBIG naming the core, the population and the limit if a core is over
 * any limit, or SM_EINVAL if the grid or gid count does not match. */
int sm_map_check(const sm_net_t *net, const sm_chip_t *chip, const sm_mapping_t *m,
                 sm_map_report_t *rep, sm_error_t *err);

void sm_map_report_print(FILE *f, const sm_map_report_t *rep);

/* Adds the report to a run's stats as "mapping" (no timings). */
void sm_map_report_to_json(const sm_map_report_t *rep, struct cJSON *stats);

#endif
