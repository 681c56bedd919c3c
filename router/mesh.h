/* mesh: the 2D grid of cores and dimension-order routing.
 * Core id = y * width + x. A packet goes along X first, then along Y; every
 * link it crosses is counted, per direction. */
#ifndef SM_MESH_H
#define SM_MESH_H

#include <stdint.h>

#include "grid.h"

typedef struct {
    uint32_t width, height;
    uint64_t *link;  /* [core][direction]: packets leaving core that way */
} sm_mesh_t;

int sm_mesh_init(sm_mesh_t *m, uint32_t width, uint32_t height);
void sm_mesh_fini(sm_mesh_t *m);
/* Adds `packets` to every link on the X-then-Y route from one core to
 * another; returns the route's hop count. */
uint32_t sm_mesh_route(sm_mesh_t *m, uint32_t from, uint32_t to, uint64_t packets);

#endif
