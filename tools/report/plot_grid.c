/* plot_grid: geometry and furniture of the core grid. */
#include "plot_grid.h"

#include <math.h>
#include <stdio.h>

#include "plot_axis.h"

double sm_plot_grid_cell(uint32_t w, uint32_t h, double span_w, double span_h, double lo,
                         double hi)
{
    double c = fmin(span_w / w, span_h / h);
    return c < lo ? lo : (c > hi ? hi : c);
}

/* Coordinate step: 1, 2, 5, 10... cores, so labels are >= 26 px apart. */
static uint32_t s_step(const sm_plot_grid_t *g)
{
    double st = sm_plot_nice(26.0 / g->cell);
    return st < 1 ? 1 : (uint32_t)st;
}

double sm_plot_grid_left(const sm_plot_grid_t *g)
{
    char lab[16];
    snprintf(lab, sizeof lab, "%u", g->h ? g->h - 1 : 0);
    return 8 + sm_svg_text_width(lab, SM_PLOT_FONT_TICK, 0) + 12 + SM_PLOT_FONT_AXIS + 6;
}

double sm_plot_grid_below(const sm_plot_grid_t *g)
{
    (void)g;
    return 46;
}

void sm_plot_grid_defs(sm_svg_t *s)
{
    sm_svg_printf(s, "<defs><pattern id=\"unused\" width=\"6\" height=\"6\" "
                     "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
                     "<rect width=\"6\" height=\"6\" fill=\"#f2f2f2\"/>"
                     "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#c4c4c4\" "
                     "stroke-width=\"2.4\"/></pattern></defs>\n");
}

void sm_plot_grid_axes(sm_svg_t *s, const sm_plot_grid_t *g)
{
    uint32_t st = s_step(g);
    const sm_svg_font_t xf = {.size = SM_PLOT_FONT_TICK, .anchor = "middle", .fill = "#222222"};
    const sm_svg_font_t yf = {.size = SM_PLOT_FONT_TICK, .anchor = "end", .fill = "#222222"};
    double bottom = g->y + g->h * g->cell, right = g->x + g->w * g->cell;
    char lab[16];
    for (uint32_t x = 0; x < g->w; x += st) {
        double cx = g->x + (x + 0.5) * g->cell;
        sm_svg_line(s, cx, bottom, cx, bottom + 4, "#222222", 1);
        snprintf(lab, sizeof lab, "%u", x);
        sm_svg_label(s, cx, bottom + 16, &xf, lab);
    }
    for (uint32_t y = 0; y < g->h; y += st) {
        double cy = g->y + (y + 0.5) * g->cell;
        sm_svg_line(s, g->x - 4, cy, g->x, cy, "#222222", 1);
        snprintf(lab, sizeof lab, "%u", y);
        sm_svg_label(s, g->x - 7, cy + 4, &yf, lab);
    }
    const sm_svg_font_t tf = {.size = SM_PLOT_FONT_AXIS, .anchor = "middle"};
    sm_svg_label(s, (g->x + right) / 2, bottom + 36, &tf, "core x");
    sm_svg_font_t yt = tf;
    yt.angle = -90;
    sm_svg_label(s, g->x - sm_plot_grid_left(g) + SM_PLOT_FONT_AXIS, (g->y + bottom) / 2, &yt,
                 "core y");
}

void sm_plot_grid_chips(sm_svg_t *s, const sm_plot_grid_t *g, const sm_chip_t *chip,
                        int dashed)
{
    double bottom = g->y + g->h * g->cell, right = g->x + g->w * g->cell;
    if (chip && chip->chip_w && chip->chip_h) {
        for (uint32_t x = chip->chip_w; x < g->w; x += chip->chip_w) {
            double lx = g->x + x * g->cell;
            if (dashed)
                sm_svg_dashed(s, lx, g->y, lx, bottom, "#111111", 1.6, 5);
            else
                sm_svg_line(s, lx, g->y, lx, bottom, "#111111", 2.4);
        }
        for (uint32_t y = chip->chip_h; y < g->h; y += chip->chip_h) {
            double ly = g->y + y * g->cell;
            if (dashed)
                sm_svg_dashed(s, g->x, ly, right, ly, "#111111", 1.6, 5);
            else
                sm_svg_line(s, g->x, ly, right, ly, "#111111", 2.4);
        }
    }
    sm_svg_box(s, g->x, g->y, right - g->x, bottom - g->y, "none", "#111111", chip ? 2.4 : 1);
}

int sm_plot_grid_split(const sm_plot_grid_t *g, const sm_chip_t *chip)
{
    return chip && chip->chip_w && chip->chip_h && (g->w > chip->chip_w || g->h > chip->chip_h);
}

void sm_plot_grid_mark(sm_svg_t *s, const char *name, const sm_plot_grid_t *g)
{
    sm_svg_printf(s, "<!-- sm:area %s %.2f %.2f %.2f %.2f 0 %u 0 %u 0 0 -->\n", name, g->x, g->y,
                  g->w * g->cell, g->h * g->cell, g->w, g->h);
}

void sm_plot_grid_chip_text(const sm_plot_grid_t *g, const sm_chip_t *chip, char *buf,
                            size_t cap)
{
    if (!chip || !chip->chip_w || !chip->chip_h) {
        snprintf(buf, cap, "%s", "");
        return;
    }
    uint32_t cx = (g->w + chip->chip_w - 1) / chip->chip_w;
    uint32_t cy = (g->h + chip->chip_h - 1) / chip->chip_h;
    snprintf(buf, cap, "chip %.40s: %u x %u cores per chip, %u chip%s", chip->name, chip->chip_w,
             chip->chip_h, cx * cy, cx * cy == 1 ? "" : "s");
}
