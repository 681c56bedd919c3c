/* spikemesh_int: what the handles of spikemesh.h hold, shared by the files
 * that implement the public API (spikemesh.c: networks and options;
 * spikemesh_run.c: runs and results). Not installed. */
#ifndef SM_SPIKEMESH_INT_H
#define SM_SPIKEMESH_INT_H

#include "chip.h"
#include "energy.h"
#include "engine.h"
#include "net.h"
#include "nir_compile.h"
#include "npy.h"
#include "spikemesh.h"

struct spikemesh_net {
    sm_net_t *net;            /* a NIR graph's is nir->net                   */
    sm_nir_net_t *nir;        /* a NIR graph, or NULL                        */
    sm_npy_t *batch;          /* its input tensor (set_batch), or NULL       */
    sm_nir_input_t in;        /* the tensor as the Input node takes it       */
    /* A run on a fixed-point chip quantises the network in place, as the
     * command line does; later runs must be on that same chip. */
    char quantised_for[64];   /* the chip's name, or "" */
};

struct spikemesh_opts {
    sm_run_opts_t run;        /* threads, ticks, engine, default mapping    */
    char *chip;               /* name or file, or NULL                       */
    char *mapping;            /* mapping file, or NULL                       */
    char *strategy;           /* NULL: the mapper's default                  */
    uint64_t seed;
    int seed_given;           /* spikemesh_opts_set_seed was called          */
    int engine_given;         /* spikemesh_opts_set_engine was (NIR graphs
                                 run dense unless told)                      */
};

/* Figures of the energy report beyond the per-category joules. */
#define SM_API_ENERGY_EXTRA 16

struct spikemesh_result {
    sm_result_t *r;
    uint64_t samples;         /* a NIR batch's; 1 otherwise                  */
    uint32_t sample_ticks;
    struct cJSON *stats;      /* stats.json, energy included                */
    int have_energy;
    sm_chip_t chip;           /* what the run was priced on (have_energy), for
                                 its per-tick series                          */
    sm_energy_t energy;
    double energy_items[SM_ENERGY_N + SM_API_ENERGY_EXTRA];
};

/* Hands an engine error to the caller's spikemesh_error_t (NULL: dropped)
 * and passes rc through. */
int sm_api_report(spikemesh_error_t *out, const sm_error_t *err, int rc);

#endif
