/* netfile: the network file format (JSON with CSV synapse lists; docs/network-format.md). */
#ifndef SM_NETFILE_H
#define SM_NETFILE_H

#include "net.h"
#include "sm_error.h"

/* Reads a network file (JSON; docs/network-format.md). Every error names the file,
 * the JSON path and the value. Caller owns the result. */
sm_net_t *sm_net_load(const char *path, sm_error_t *err);

/* Builds the network from a parsed document; base_dir resolves relative CSV
 * paths. `name` is used in messages. */
struct cJSON;
sm_net_t *sm_net_from_json(const struct cJSON *doc, const char *name,
                           const char *base_dir, sm_error_t *err);

#endif
