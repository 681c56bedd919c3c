#include "mesh.h"

#include <stdlib.h>

int sm_mesh_init(sm_mesh_t *m, uint32_t width, uint32_t height)
{
    m->width = width;
    m->height = height;
    m->link = calloc((size_t)width * height * SM_DIRS, sizeof *m->link);
    return m->link ? 0 : -1;
}

void sm_mesh_fini(sm_mesh_t *m)
{
    free(m->link);
    m->link = NULL;
}

uint32_t sm_mesh_route(sm_mesh_t *m, uint32_t from, uint32_t to, uint64_t packets)
{
    uint32_t hops = 0;
    uint32_t x = from % m->width, y = from / m->width;
    uint32_t tx = to % m->width, ty = to / m->width;
    while (x != tx) {
        int east = tx > x;
        m->link[((size_t)y * m->width + x) * SM_DIRS + (east ? SM_DIR_EAST : SM_DIR_WEST)] += packets;
        x = east ? x + 1 : x - 1;
        hops++;
    }
    /* North is +y: row 0 is the bottom row of the chip. */
    while (y != ty) {
        int north = ty > y;
        m->link[((size_t)y * m->width + x) * SM_DIRS + (north ? SM_DIR_NORTH : SM_DIR_SOUTH)] += packets;
        y = north ? y + 1 : y - 1;
        hops++;
    }
    return hops;
}
