/* plot_links: packets per directed mesh link over the core grid, each
 * direction on its own side of the link, coloured and widened by its load,
 * with a colour scale and the chip boundaries the links cross. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "plot.h"
#include "plot_axis.h"
#include "plot_grid.h"

#define S_BAR_W 18.0
#define S_BAR_H_MIN 170.0
#define S_BAR_H_MAX 320.0

typedef struct {
    double x0, y0, x1, y1, packets;
} s_link_t;

static int s_by_load(const void *a, const void *b)
{
    double x = ((const s_link_t *)a)->packets, y = ((const s_link_t *)b)->packets;
    return (x > y) - (x < y);
}

/* The links of stats.json inside the grid, lightest first so the heavy
 * ones are drawn on top. */
static s_link_t *s_links(const sm_plot_run_t *run, size_t *n, double *pmax)
{
    const cJSON *links = cJSON_GetObjectItemCaseSensitive(run->stats, "links"), *it;
    size_t cap = (size_t)cJSON_GetArraySize(links);
    s_link_t *l = malloc((cap ? cap : 1) * sizeof *l);
    *n = 0;
    *pmax = 0;
    if (!l)
        return NULL;
    cJSON_ArrayForEach(it, links) {
        const cJSON *fr = cJSON_GetObjectItemCaseSensitive(it, "from");
        const cJSON *to = cJSON_GetObjectItemCaseSensitive(it, "to");
        if (cJSON_GetArraySize(fr) != 2 || cJSON_GetArraySize(to) != 2 || *n == cap)
            continue;
        s_link_t k = {cJSON_GetArrayItem(fr, 0)->valuedouble, cJSON_GetArrayItem(fr, 1)->valuedouble,
                      cJSON_GetArrayItem(to, 0)->valuedouble, cJSON_GetArrayItem(to, 1)->valuedouble,
                      sm_plot_num(it, "packets")};
        if (k.x0 < 0 || k.y0 < 0 || k.x1 < 0 || k.y1 < 0 || k.x0 >= run->mesh_w ||
            k.x1 >= run->mesh_w || k.y0 >= run->mesh_h || k.y1 >= run->mesh_h)
            continue;
        l[(*n)++] = k;
        *pmax = fmax(*pmax, k.packets);
    }
    qsort(l, *n, sizeof *l, s_by_load);
    return l;
}

static void s_cores(sm_svg_t *s, const sm_plot_run_t *run, const sm_plot_grid_t *g)
{
    unsigned char *used = calloc((size_t)g->w * g->h, 1);
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(run->stats, "cores")) {
        double x = sm_plot_num(it, "x"), y = sm_plot_num(it, "y");
        const cJSON *nn = cJSON_GetObjectItemCaseSensitive(it, "neurons");
        if (used && x >= 0 && y >= 0 && x < g->w && y < g->h)
            used[(size_t)y * g->w + (size_t)x] = !cJSON_IsNumber(nn) || nn->valuedouble > 0;
    }
    /* the mesh wiring, faint, so unloaded links are seen to exist */
    double c = g->cell;
    for (uint32_t y = 0; y < g->h; y++)
        for (uint32_t x = 0; x < g->w; x++) {
            double cx = g->x + (x + 0.5) * c, cy = g->y + (y + 0.5) * c;
            if (x + 1 < g->w)
                sm_svg_line(s, cx, cy, cx + c, cy, "#e4e4e4", fmax(1, c * 0.05));
            if (y + 1 < g->h)
                sm_svg_line(s, cx, cy, cx, cy + c, "#e4e4e4", fmax(1, c * 0.05));
        }
    double q = c * 0.42;
    for (uint32_t y = 0; y < g->h; y++)
        for (uint32_t x = 0; x < g->w; x++) {
            int u = used ? used[(size_t)y * g->w + x] : 1;
            sm_svg_printf(s, "<rect class=\"core\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
                             "height=\"%.2f\" fill=\"%s\" stroke=\"#9a9a9a\" "
                             "stroke-width=\"%.2f\"/>\n",
                          g->x + (x + 0.5) * c - q / 2, g->y + (y + 0.5) * c - q / 2, q, q,
                          u ? "#c9c9c9" : SM_PLOT_UNUSED, c >= 20 ? 0.8 : 0.4);
        }
    free(used);
}

static void s_draw_links(sm_svg_t *s, const sm_plot_grid_t *g, const s_link_t *l, size_t n,
                         double pmax)
{
    double c = g->cell;
    int arrows = c >= 24;
    for (size_t i = 0; i < n; i++) {
        double v = pmax > 0 ? l[i].packets / pmax : 0;
        char col[8];
        sm_plot_cmap(SM_CMAP_LOAD, v, col);
        double dx = l[i].x1 - l[i].x0, dy = l[i].y1 - l[i].y0;
        double len = hypot(dx, dy);
        if (len == 0)
            continue;
        dx /= len;
        dy /= len;
        /* each direction keeps to its right-hand side of the link */
        double ox = -dy * c * 0.13, oy = dx * c * 0.13;
        double ax = g->x + (l[i].x0 + 0.5) * c + ox + dx * c * 0.25;
        double ay = g->y + (l[i].y0 + 0.5) * c + oy + dy * c * 0.25;
        double bx = g->x + (l[i].x1 + 0.5) * c + ox - dx * c * 0.25;
        double by = g->y + (l[i].y1 + 0.5) * c + oy - dy * c * 0.25;
        double wdt = fmax(1.0, c * (0.05 + 0.13 * v));
        if (arrows) {
            double hl = fmax(4, c * 0.12);
            bx -= dx * hl;
            by -= dy * hl;
        }
        sm_svg_printf(s, "<line class=\"link\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" "
                         "stroke=\"%s\" stroke-width=\"%.2f\"><title>(%.0f,%.0f) to (%.0f,%.0f): "
                         "%.0f packets</title></line>\n",
                      ax, ay, bx, by, col, wdt, l[i].x0, l[i].y0, l[i].x1, l[i].y1,
                      l[i].packets);
        if (arrows) {
            double hl = fmax(4, c * 0.12), hw = fmax(wdt * 0.9, hl * 0.55);
            sm_svg_printf(s, "<polygon fill=\"%s\" points=\"%.2f,%.2f %.2f,%.2f %.2f,%.2f\"/>\n",
                          col, bx + dx * hl, by + dy * hl, bx - dy * hw, by + dx * hw,
                          bx + dy * hw, by - dx * hw);
        }
    }
}

int sm_plot_links(const sm_plot_run_t *run, const sm_plot_opts_t *o, sm_svg_t *out,
                  const char **skip, sm_error_t *err)
{
    (void)o;
    *skip = NULL;
    size_t n;
    double pmax;
    s_link_t *l = s_links(run, &n, &pmax);
    if (!l)
        return sm_fail(err, SM_ENOMEM, "out of memory");
    uint32_t w = run->mesh_w, h = run->mesh_h;
    sm_plot_grid_t g = {.w = w, .h = h, .cell = sm_plot_grid_cell(w, h, 800, 640, 10, 110)};
    double gw = w * g.cell, gh = h * g.cell;
    sm_plot_axis_t bar = {0, pmax > 0 ? pmax : 1, 0, NULL, "packets per link"};
    double bar_h = fmax(S_BAR_H_MIN, fmin(S_BAR_H_MAX, gh));
    double bar_w = sm_plot_colour_bar_width(S_BAR_W, &bar, bar_h);
    sm_plot_key_t keys[3] = {{"#c9c9c9", "core", 0},
                             {SM_PLOT_UNUSED, "no neurons", 0},
                             {"#111111", "chip boundary", 2}};
    size_t nk = sm_plot_grid_split(&g, run->chip) ? 3 : 2;
    double key_w = sm_plot_legend_width(keys, nk, 60, 1);

    char title[64] = "Link load: packets per directed link", sub[256], chip[160];
    sm_plot_grid_chip_text(&g, run->chip, chip, sizeof chip);
    double ticks = run->ticks ? run->ticks : 1;
    if (w * h == 1)
        snprintf(sub, sizeof sub, "1 x 1 mesh: no links%s%s", chip[0] ? "; " : "", chip);
    else
        snprintf(sub, sizeof sub, "%u x %u mesh, %zu links carried packets, busiest %.0f (%.3g per tick)%s%s",
                 w, h, n, pmax, pmax / ticks, chip[0] ? "; " : "", chip);
    double L = 20 + sm_plot_grid_left(&g), T = 16;
    double right = 24 + fmax(bar_w, key_w) + 20;
    double W = fmax(L + gw + right, sm_plot_title_width(title, sub) + 40);
    L = fmax(L, (W - gw - right) / 2);
    double top = T + sm_plot_title_height(sub) + 12;
    double H = top + fmax(gh + sm_plot_grid_below(&g), bar_h + 16 + 3 * 17 + 8) + 14;
    g.x = L;
    g.y = top;

    sm_svg_begin(out, W, H);
    sm_plot_grid_defs(out);
    sm_plot_title(out, W / 2, T, title, sub);
    s_cores(out, run, &g);
    sm_plot_grid_chips(out, &g, run->chip, 1);
    s_draw_links(out, &g, l, n, pmax);
    sm_plot_grid_axes(out, &g);
    sm_plot_grid_mark(out, "links", &g);
    double bx = L + gw + 24;
    sm_plot_colour_bar(out, bx, top, S_BAR_W, bar_h, SM_CMAP_LOAD, &bar);
    sm_plot_legend(out, bx, top + bar_h + 16, 60, keys, nk, 1);
    free(l);
    return 0;
}
