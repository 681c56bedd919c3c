/* mapfile: a mapping saved to a file and loaded back for a network. */
#ifndef SM_MAPFILE_H
#define SM_MAPFILE_H

#include <stdint.h>

#include "mapping.h"
#include "net.h"
#include "sm_error.h"

/* Mapping files (JSON): {"format": "spikemesh-mapping", "version": 1,
 * "chip", "strategy", "seed", "width", "height", "n_gids",
 * "populations": [{"name", "first", "size"}], "cores": [core id per gid]}.
 * Saving writes path.tmp and renames it, so a reader never sees half a file.
 * chip, strategy may be NULL. */
int sm_mapping_save(const sm_mapping_t *m, const sm_net_t *net, const char *chip,
                    const char *strategy, uint64_t seed, const char *path, sm_error_t *err);

/* Loads a mapping for `net`: the gid count, the populations (if listed) and
 * every core id are checked. Caller owns the result. */
sm_mapping_t *sm_mapping_load(const char *path, const sm_net_t *net, sm_error_t *err);

#endif
