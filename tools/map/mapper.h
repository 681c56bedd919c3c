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
 *               are split, and the parts are placed on the grid by a seeded
 *               greedy placement refined by simulated annealing that
 *               minimises sum over part pairs of traffic x route cost.
 * Every strategy is deterministic for a given network, chip and seed.
 *
 * Rates: a Poisson source is expected to fire at its rate over its active
 * window, a spike-times source at its given count; a model neuron is assumed
 * to fire at SM_MAP_DEFAULT_RATE_HZ, since its rate is only known by running. */
#ifndef SM_MAPPER_H
#define SM_MAPPER_H

#include <stdint.h>
#include <stdio.h>

#include "chip.h"
#include "mapping.h"
#include "mgraph.h"
#include "net.h"
#include "sm_error.h"

/* Use of one per-core limit over the used cores. */
typedef struct {
    uint64_t limit;           /* 0: not limited                                */
    uint64_t max;
    double mean;
    uint32_t max_core;        /* a core holding the max                        */
} sm_map_use_t;

typedef struct {
    char chip[SM_CHIP_NAME_MAX];
    char strategy[16];
    uint64_t seed;
    uint32_t width, height;
    uint32_t cores_total;
    uint32_t cores_used;
    uint32_t n_gids;
    uint64_t n_synapses;
    sm_map_use_t neurons, synapses, axons, fanout;
    uint64_t edge_cut;        /* synapses whose source and target cores differ  */
    double spikes_per_tick;   /* expected, from the rates above                 */
    double packets_per_tick;  /* spike x distinct target core (own core included) */
    double hops_per_tick;     /* link traversals of those packets (X then Y)    */
    double chip_hops_per_tick;/* of which crossing a chip boundary             */
    double routing_pj_per_tick;/* packets and hops priced with the chip profile */
    double seconds;           /* time spent mapping                            */
} sm_map_report_t;

/* Maps `net` onto `chip`. strategy NULL means "metis". On success returns a
 * mapping of chip->width x chip->height (caller owns; sm_mapping_destroy) and
 * fills rep if not NULL. If the network does not fit, fails with SM_ETOOBIG
 * and a message naming the population, the limit, the overflow and the
 * fewest cores that would hold it. */
sm_mapping_t *sm_map(const sm_net_t *net, const sm_chip_t *chip, const char *strategy,
                     uint64_t seed, sm_map_report_t *rep, sm_error_t *err);

/* Measures a mapping against a chip (rep may be NULL) and fails with
 * SM_ETOOBIG naming the core, the population and the limit if a core is over
 * any limit, or SM_EINVAL if the grid or gid count does not match. */
int sm_map_check(const sm_net_t *net, const sm_chip_t *chip, const sm_mapping_t *m,
                 sm_map_report_t *rep, sm_error_t *err);

void sm_map_report_print(FILE *f, const sm_map_report_t *rep);

/* ---- internal to tools/map/ ------------------------------------------------ */

/* Cuts the graph into parts that METIS balances on neuron count and fan-in
 * synapses; returns the number of parts, or 0 with err filled. part_of has
 * g->n entries. Without METIS (SM_HAVE_METIS undefined) it fails with
 * SM_EUNSUPPORTED. */
uint32_t sm_map_metis_parts(const sm_mgraph_t *g, const sm_chip_t *chip, uint32_t nparts,
                            uint64_t seed, uint32_t *part_of, sm_error_t *err);

/* Places k parts on distinct cores of the chip, minimising traffic x route
 * cost; core_of_part has k entries. Returns 0 or -1. */
int sm_map_place(const sm_mgraph_t *g, const sm_chip_t *chip, const uint32_t *part_of,
                 uint32_t k, uint64_t seed, uint32_t *core_of_part, sm_error_t *err);

#endif
