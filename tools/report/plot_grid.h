/* plot_grid: the core grid shared by the core heatmap and the link map:
 * cell size for any mesh from 1 x 1 to 64 x 64 and beyond, x and y
 * coordinates along the edges, chip boundaries, and the hatch that marks
 * a core without neurons. Row 0 is at the top, as the mesh prints. */
#ifndef SM_PLOT_GRID_H
#define SM_PLOT_GRID_H

#include <stdint.h>

#include "chip.h"
#include "svg.h"

typedef struct {
    uint32_t w, h;   /* cores                          */
    double cell;     /* px per core                    */
    double x, y;     /* top-left corner of core (0, 0) */
} sm_plot_grid_t;

/* Cell size: the grid within span_w x span_h px if it can, each cell
 * between lo and hi px. */
double sm_plot_grid_cell(uint32_t w, uint32_t h, double span_w, double span_h, double lo,
                         double hi);
/* Room the coordinates take left of the grid and below it. */
double sm_plot_grid_left(const sm_plot_grid_t *g);
double sm_plot_grid_below(const sm_plot_grid_t *g);
/* The <defs> of the hatch; call once per document, before any use. */
void sm_plot_grid_defs(sm_svg_t *s);
/* Fill value of the hatch ("url(#unused)"). */
#define SM_PLOT_UNUSED "url(#unused)"
/* Coordinates (1-2-5 steps that fit the cell size) with axis titles. */
void sm_plot_grid_axes(sm_svg_t *s, const sm_plot_grid_t *g);
/* Chip boundaries inside the grid and the grid's outline; dashed draws the
 * boundaries dashed (over links). */
void sm_plot_grid_chips(sm_svg_t *s, const sm_plot_grid_t *g, const sm_chip_t *chip,
                        int dashed);
/* Whether the grid spans more than one chip (boundaries inside it). */
int sm_plot_grid_split(const sm_plot_grid_t *g, const sm_chip_t *chip);
/* The sm:area comment of the grid: x 0..w, y 0..h downwards. */
void sm_plot_grid_mark(sm_svg_t *s, const char *name, const sm_plot_grid_t *g);
/* "16 x 8 cores per chip, 1 chip (loihi)" into buf, or "" without chip. */
void sm_plot_grid_chip_text(const sm_plot_grid_t *g, const sm_chip_t *chip, char *buf,
                            size_t cap);

#endif
