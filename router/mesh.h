/* mesh: the 2D grid of cores and dimension-order routing.
 * Core id = y * width + x. A packet goes along X first, then along Y. The
 * grid may be a board of several chips, each a block of chip_w x chip_h
 * cores; a link between two such blocks is a chip crossing, which a chip
 * prices apart. sm_mesh_route is the one walk of a route: the engine counts
 * packets on links with it, the mapper and the chip cost model ask it for
 * hops by axis and crossings. */
#ifndef SM_MESH_H
#define SM_MESH_H

#include <stdint.h>

#include "grid.h"

typedef struct {
    uint32_t width, height;
    uint32_t chip_w, chip_h; /* cores per chip; 0: the whole grid is one chip */
    uint64_t *link;          /* [core][direction]: packets leaving core that way;
                                NULL: routes are only measured */
} sm_mesh_t;

/* What one route crosses. Every hop is along one axis; a crossing is a hop
 * whose two cores lie in different chips, and is counted in its axis too. */
typedef struct {
    uint32_t x, y;             /* hops along X (east-west) and Y (north-south) */
    uint32_t cross_x, cross_y; /* of those, hops from one chip to another      */
} sm_route_t;

/* One chip of width x height cores, with link counts. */
int sm_mesh_init(sm_mesh_t *m, uint32_t width, uint32_t height);
void sm_mesh_fini(sm_mesh_t *m);

/* The X-then-Y route from core `from` to core `to` (both on the grid):
 * returns its hop count (the Manhattan distance), fills `r` unless NULL, and
 * when m->link is set adds `packets` to every link on it. */
uint32_t sm_mesh_route(sm_mesh_t *m, uint32_t from, uint32_t to, uint64_t packets,
                       sm_route_t *r);

#endif
