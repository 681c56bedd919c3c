/* nircheck: what the NIR fuzz targets (fuzz_nir.c, fuzz_nirwire.c,
 * fuzz_nirside.c) check of a graph sm_nir_load would return. */
#ifndef SM_FUZZ_NIRCHECK_H
#define SM_FUZZ_NIRCHECK_H

#include "nir.h"
#include "nir_side.h"

/* Everything an analysed graph promises (order, names, shapes, the fields
 * its node type uses, edges); NULL if it holds, else what is broken. */
const char *nir_invariants(const sm_nir_graph_t *g);
/* What `spikemesh nir info` computes of every node: its target under each
 * flavor, synapse counts, the recovered constants, the flavors' default
 * conventions. Must not crash or hang; NULL, or what came out wrong. */
const char *nir_exercise(const sm_nir_graph_t *g);

#endif
