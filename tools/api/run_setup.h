/* run_setup: the steps between a loaded network and the engine that the
 * command line (`spikemesh run`) and the embedding library (spikemesh.h)
 * share, so that both place a network the same way. */
#ifndef SM_RUN_SETUP_H
#define SM_RUN_SETUP_H

#include <stdint.h>

#include "chip.h"
#include "mapper.h"
#include "mapping.h"
#include "net.h"
#include "progress.h"
#include "sm_error.h"

/* Loads the chip `chip_name` (a built-in name or a chip file; NULL: none)
 * and places the network: as the mapping file says (checked against the
 * chip's limits when there is a chip), else with `strategy` (NULL: the
 * mapper's default) and `seed` on the chip. With neither a chip nor a
 * mapping file both outputs stay NULL: the engine's default mapping. The
 * caller owns *chip and *map; on failure both are NULL and err says why. */
int sm_run_setup(const sm_net_t *net, const char *chip_name, const char *mapping_path,
                 const char *strategy, uint64_t seed, sm_chip_t **chip, sm_mapping_t **map,
                 sm_error_t *err);

/* The placement half of sm_run_setup, for a caller that loads the chip
 * itself (the command line checks the run's cost in between). progress
 * (may be NULL) hears the mapper's phases; rep (may be NULL) receives the
 * mapper's report when there is a chip (strategy "" for a mapping file). */
int sm_run_place(const sm_net_t *net, const sm_chip_t *chip, const char *mapping_path,
                 const char *strategy, uint64_t seed, const sm_progress_t *progress,
                 sm_map_report_t *rep, sm_mapping_t **map, sm_error_t *err);

#endif
