/* plot_axis: what every panel of the plots shares: data-to-pixel mapping,
 * axis ticks in 1-2-5 steps (or decades), tick labels with SI prefixes,
 * axes, colour bars and legends.
 *
 * Each panel also leaves an XML comment
 *     <!-- sm:area NAME x y w h x0 x1 y0 y1 xlog ylog -->
 * naming its pixel box and data range, so a test can find where a value
 * must appear in the rendered picture. */
#ifndef SM_PLOT_AXIS_H
#define SM_PLOT_AXIS_H

#include <stddef.h>

#include "plot_colour.h"
#include "svg.h"

#define SM_PLOT_MAX_TICKS 64
/* Font sizes (px) of tick labels, axis titles, figure titles. */
#define SM_PLOT_FONT_TICK 11.0
#define SM_PLOT_FONT_AXIS 12.0
#define SM_PLOT_FONT_TITLE 15.0

typedef struct {
    double lo, hi;
    int log;           /* log10 scale; needs lo > 0                        */
    const char *unit;  /* tick labels with an SI prefix and this unit (J);
                          NULL: plain numbers, 12k for 12000               */
    const char *title; /* axis title, NULL: none                           */
} sm_plot_axis_t;

typedef struct {
    double x, y, w, h; /* pixel box: y grows down                          */
    sm_plot_axis_t ax, ay;
} sm_plot_area_t;

/* Pixel coordinate of data value v (clamped to the axis range). */
double sm_plot_px(const sm_plot_area_t *a, double v);
double sm_plot_py(const sm_plot_area_t *a, double v);

/* The smallest 1, 2 or 5 times a power of ten that is at least x (> 0). */
double sm_plot_nice(double x);
/* Tick values within [lo, hi], at most max_n (and SM_PLOT_MAX_TICKS) of
 * them; *step (may be NULL) receives the step (0 on a log axis). Returns
 * the number of ticks. */
int sm_plot_ticks(const sm_plot_axis_t *ax, int max_n, double *out, double *step);
/* A tick label: v with as many decimals as step needs, with the SI prefix
 * of ref (the largest tick of the axis; 0: of v itself, as on log axes). */
void sm_plot_fmt(double v, double step, double ref, const char *unit, char *buf, size_t cap);
/* ref for sm_plot_fmt of n ticks in order: 0 on a log axis (step 0). */
double sm_plot_ref(const double *t, int n, double step);
/* A value with three significant digits and an SI prefix ("1.85 µJ"). */
void sm_plot_fmt_si(double v, const char *unit, char *buf, size_t cap);
/* A count in at most 4 digits and a prefix: 8797, 10.4k, 1.23M. */
void sm_plot_fmt_short(double v, char *buf, size_t cap);
/* How many ticks fit along an axis of `len` px. */
int sm_plot_max_ticks_x(double len);
int sm_plot_max_ticks_y(double len);
/* Width of the widest tick label of a vertical axis `len` px long. */
double sm_plot_ylabel_width(const sm_plot_axis_t *ay, double len);

/* The sm:area comment for tests. */
void sm_plot_mark(sm_svg_t *s, const char *name, const sm_plot_area_t *a);
/* Left and bottom axes with ticks, optional light grid lines, tick labels
 * under the x axis when x_labels is set, and the axis titles. The y title
 * goes `ytitle_dx` px left of the axis, rotated. */
void sm_plot_axes(sm_svg_t *s, const sm_plot_area_t *a, int x_labels, int grid,
                  double ytitle_dx);
/* A vertical colour bar: gradient in (x, y, w, h), tick labels right of it
 * and the axis title rotated beyond them. */
void sm_plot_colour_bar(sm_svg_t *s, double x, double y, double w, double h, sm_cmap_t map,
                        const sm_plot_axis_t *ax);
/* Width the colour bar takes from x, labels and title included. */
double sm_plot_colour_bar_width(double w, const sm_plot_axis_t *ax, double h);
/* A line through n values v[i * stride] at times t0 + i * dt. More values
 * than pixels are drawn as each pixel column's mean over a faint band of its
 * minimum and maximum, so peaks survive. */
void sm_plot_series(sm_svg_t *s, const sm_plot_area_t *a, const double *v, size_t n,
                    size_t stride, double t0, double dt, const char *colour, double width);
/* Smallest and largest of the same values, padded 5% (a flat series gets
 * half its value either side, or [0, 1] if 0); with zero set, the range
 * also holds 0. */
void sm_plot_range(const double *v, size_t n, size_t stride, int zero, double *lo, double *hi);

/* A legend entry: a square of colour (line 0), a short line (1) or a
 * dashed one (2), and a text. */
typedef struct {
    const char *colour;
    const char *text;
    int line;
} sm_plot_key_t;

/* Legend entries in columns of at most h px, from (x, y) down: the entries
 * that do not fit in max_cols columns (0: 3) are summed up as "+N more".
 * Returns the width taken (sm_plot_legend_width tells it before drawing). */
double sm_plot_legend(sm_svg_t *s, double x, double y, double h, const sm_plot_key_t *k,
                      size_t n, size_t max_cols);
double sm_plot_legend_width(const sm_plot_key_t *k, size_t n, double h, size_t max_cols);

/* A title line and an optional smaller grey subtitle under it, centred on
 * cx. Returns the y below them. */
double sm_plot_title(sm_svg_t *s, double cx, double y, const char *title, const char *sub);
/* Height of the title block (sub may be NULL). */
double sm_plot_title_height(const char *sub);
/* Width of the title block. */
double sm_plot_title_width(const char *title, const char *sub);

#endif
