/* mapper_int: what the files of tools/map/ share. Not a public header. */
#ifndef SM_MAPPER_INT_H
#define SM_MAPPER_INT_H

#include <stdint.h>

#include "chip.h"
#include "mapper.h"
#include "mgraph.h"
#include "progress.h"
#include "sm_error.h"

#define SM_MAP_NONE UINT32_MAX

enum { SM_LIM_NEURONS = 0, SM_LIM_SYNAPSES, SM_LIM_AXONS, SM_LIM_FANOUT, SM_LIM_N };

/* "neurons per core", ... in messages, by SM_LIM_*. */
extern const char *const sm_map_lim_names[SM_LIM_N];

/* What a part (a core's worth of neurons) holds against each limit. */
typedef struct {
    uint32_t neurons;
    uint64_t syn;
    uint32_t axons;           /* distinct sources                               */
    uint32_t fanout;          /* distinct target parts, its own included         */
} sm_map_load_t;

/* Loads of k parts under part_of (entries >= k are ignored); fan-out only
 * if want_fanout. 0, or -1 out of memory. */
int sm_map_loads(const sm_mgraph_t *g, const uint32_t *part_of, uint32_t k, sm_map_load_t *ld,
                 int want_fanout);

/* The first limit (SM_LIM_*) the load breaks, or -1. */
int sm_map_over(const sm_chip_limits_t *lim, const sm_map_load_t *l);

/* Adds the neurons of `order` to parts numbered from *next_part, opening a
 * new part when the next neuron would break the neuron, synapse or axon
 * limit. stamp (g->n entries, SM_MAP_NONE or ids of earlier parts) marks the
 * sources already counted as axons of the part being filled. closed_by
 * (SM_LIM_N entries, may be NULL) counts the parts each limit closed;
 * at_part, if not NULL, receives the first neuron placed in part `watch`. */
void sm_map_pack(const sm_mgraph_t *g, const sm_chip_limits_t *lim, const uint32_t *order,
                 uint32_t n_order, uint32_t *next_part, uint32_t *part_of, uint32_t *stamp,
                 uint64_t *closed_by, uint32_t watch, uint32_t *at_part);

/* Cuts the graph into nparts parts that METIS balances on neuron count and
 * fan-in synapses; returns the number of parts, or 0 with err filled.
 * part_of has g->n entries. Without METIS (SM_HAVE_METIS undefined) it fails
 * with SM_EUNSUPPORTED. */
uint32_t sm_map_metis_parts(const sm_mgraph_t *g, const sm_chip_t *chip, uint32_t nparts,
                            uint64_t seed, uint32_t *part_of, sm_error_t *err);

/* Repairs k parts: a part over the neuron or synapse limit first hands
 * neurons to parts with room, what is still over is split into even pieces,
 * and parts whose union fits every limit (fan-out included) are merged, the
 * most tied first, so that no near-empty part is left behind. Part ids are
 * renumbered densely; returns the new count, or 0 out of memory. */
uint32_t sm_map_tidy(const sm_mgraph_t *g, const sm_chip_limits_t *lim, uint32_t *part_of,
                     uint32_t k);

/* Parts and the expected packets per tick between them (a spike makes one
 * packet per distinct target part), both ways summed: neighbours of part p
 * are nb[off[p] .. off[p + 1]), with weights w. A pair whose sources are
 * silent is listed with weight 0. */
typedef struct {
    uint32_t k;
    size_t *off;
    uint32_t *nb;
    double *w;
} sm_map_pgraph_t;

/* 0, or -1 out of memory (pg left empty). */
int sm_map_pgraph_build(const sm_mgraph_t *g, const uint32_t *part_of, uint32_t k,
                        sm_map_pgraph_t *pg);
void sm_map_pgraph_free(sm_map_pgraph_t *pg);

/* Static energy (pJ) that each chip holding a part costs per tick, as the
 * placement weighs it against route costs; 0 when the chip has one chip or
 * no chip static power. tick_ns: the chip time of one tick. */
double sm_map_static_chip_pj(const sm_chip_t *chip, double tick_ns);

/* Expected chip time of one tick (ns) with these parts: the fixed tick, or
 * the barrier plus the busiest part's expected work. */
double sm_map_tick_ns(const sm_mgraph_t *g, const sm_chip_t *chip, const uint32_t *part_of,
                      uint32_t k);

/* Places k parts on distinct cores of the chip, minimising traffic x route
 * cost plus static_chip_pj for every chip used; core_of_part has k entries.
 * Reports the annealing on `progress` (may be NULL) as `phase`. Returns 0
 * or -1. */
int sm_map_place(const sm_mgraph_t *g, const sm_chip_t *chip, const uint32_t *part_of,
                 uint32_t k, uint64_t seed, double static_chip_pj, const sm_progress_t *progress,
                 const char *phase, uint32_t *core_of_part, sm_error_t *err);

/* Measures mapping m (checked against the grid and the limits) into rep,
 * keeping rep's strategy, seed and alternatives. */
int sm_map_measure(const sm_net_t *net, const sm_chip_t *chip, const sm_mgraph_t *g,
                   const sm_mapping_t *m, sm_map_report_t *rep, sm_error_t *err);

#endif
