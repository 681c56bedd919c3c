/* grid: the 2D grid of cores that a mapping fills and a mesh connects.
 * Core id = y * width + x; each core has one outgoing link per direction. */
#ifndef SM_GRID_H
#define SM_GRID_H

enum { SM_DIR_EAST = 0, SM_DIR_WEST, SM_DIR_NORTH, SM_DIR_SOUTH, SM_DIRS };

#endif
