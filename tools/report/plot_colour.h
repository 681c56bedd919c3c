/* plot_colour: the colours of the plots: one per population, and the
 * continuous scales of the heatmaps and link maps. */
#ifndef SM_PLOT_COLOUR_H
#define SM_PLOT_COLOUR_H

#include <stdint.h>

typedef enum {
    SM_CMAP_VIRIDIS, /* dark blue-purple to yellow: core heatmaps     */
    SM_CMAP_LOAD     /* light orange to dark red: loads on white      */
} sm_cmap_t;

/* Colour of the i-th population as "#rrggbb": matplotlib's ten, then
 * hues spread by the golden angle at alternating lightness. */
void sm_plot_pop_colour(uint32_t i, char out[8]);
/* Colour of v in [0, 1] (clamped) on a scale. */
void sm_plot_cmap(sm_cmap_t map, double v, char out[8]);
/* Black or white, whichever reads better on the "#rrggbb" background. */
const char *sm_plot_ink_on(const char *bg);

#endif
