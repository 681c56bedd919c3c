/* plot_cores: one counter per core over the core grid (synaptic events,
 * neuron updates, spikes or energy), with coordinates, chip boundaries,
 * cores without neurons hatched apart from idle ones, and a colour bar. */
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

static const struct {
    const char *key, *title, *unit, *bar;
} s_counters[] = {
    [SM_PLOT_EVENTS] = {"synaptic_events", "Synaptic events per core", NULL, "synaptic events"},
    [SM_PLOT_UPDATES] = {"neuron_updates", "Neuron updates per core", NULL, "neuron updates"},
    [SM_PLOT_SPIKES] = {"spikes", "Spikes per core", NULL, "spikes"},
    [SM_PLOT_ENERGY] = {"joules", "Energy per core", "J", "energy"},
};

/* Values per core from stats.json; used[c] says whether core c holds
 * neurons (cores the stats do not list count as unused). */
static int s_values(const sm_plot_run_t *run, sm_plot_counter_t ctr, double *val,
                    unsigned char *used, double *vmax, sm_error_t *err)
{
    uint32_t w = run->mesh_w, h = run->mesh_h;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(run->stats, "cores")) {
        double x = sm_plot_num(it, "x"), y = sm_plot_num(it, "y");
        if (x < 0 || y < 0 || x >= w || y >= h)
            continue;
        size_t c = (size_t)y * w + (size_t)x;
        const cJSON *nn = cJSON_GetObjectItemCaseSensitive(it, "neurons");
        used[c] = !cJSON_IsNumber(nn) || nn->valuedouble > 0;
        if (ctr != SM_PLOT_ENERGY)
            val[c] = sm_plot_num(it, s_counters[ctr].key);
    }
    if (ctr == SM_PLOT_ENERGY) {
        const cJSON *en = cJSON_GetObjectItemCaseSensitive(run->stats, "energy");
        if (!cJSON_IsObject(en))
            return sm_fail(err, SM_EINVAL,
                           "--counter energy: stats.json has no \"energy\" (run with --chip)");
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(en, "cores")) {
            double x = sm_plot_num(it, "x"), y = sm_plot_num(it, "y");
            if (x >= 0 && y >= 0 && x < w && y < h)
                val[(size_t)y * w + (size_t)x] = sm_plot_num(it, "joules");
        }
    }
    *vmax = 0;
    for (size_t c = 0; c < (size_t)w * h; c++) {
        if (val[c] > 0)
            used[c] = 1; /* work on a core is shown even if it lists no neurons */
        *vmax = fmax(*vmax, val[c]);
    }
    return 0;
}

static void s_cells(sm_svg_t *s, const sm_plot_grid_t *g, const double *val,
                    const unsigned char *used, double vmax, sm_plot_counter_t ctr)
{
    const sm_svg_font_t vf = {.size = g->cell >= 70 ? 11 : 9.5, .anchor = "middle"};
    for (uint32_t y = 0; y < g->h; y++)
        for (uint32_t x = 0; x < g->w; x++) {
            size_t c = (size_t)y * g->w + x;
            char col[8], lab[48];
            const char *fill = SM_PLOT_UNUSED;
            if (used[c]) {
                sm_plot_cmap(SM_CMAP_VIRIDIS, vmax > 0 ? val[c] / vmax : 0, col);
                fill = col;
            }
            if (ctr == SM_PLOT_ENERGY)
                sm_plot_fmt_si(val[c], "J", lab, sizeof lab);
            else
                sm_plot_fmt_short(val[c], lab, sizeof lab);
            double cx = g->x + x * g->cell, cy = g->y + y * g->cell;
            sm_svg_printf(s, "<rect class=\"core\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
                             "height=\"%.2f\" fill=\"%s\" stroke=\"white\" stroke-width=\"%.2f\">"
                             "<title>core (%u,%u): %s%s</title></rect>\n",
                          cx, cy, g->cell, g->cell, fill, g->cell >= 12 ? 0.8 : 0.3, x, y,
                          used[c] ? lab : "no neurons", "");
            /* numbers in the cells when they fit */
            if (used[c] && g->cell >= 34 &&
                sm_svg_text_width(lab, vf.size, 0) <= g->cell - 6) {
                sm_svg_font_t f = vf;
                f.fill = sm_plot_ink_on(col);
                sm_svg_label(s, cx + g->cell / 2, cy + g->cell / 2 + vf.size * 0.35, &f, lab);
            }
        }
}

int sm_plot_cores(const sm_plot_run_t *run, const sm_plot_opts_t *o, sm_svg_t *out,
                  const char **skip, sm_error_t *err)
{
    *skip = NULL;
    uint32_t w = run->mesh_w, h = run->mesh_h;
    size_t n = (size_t)w * h;
    double *val = calloc(n, sizeof *val);
    unsigned char *used = calloc(n, 1);
    double vmax = 0;
    if (!val || !used) {
        free(val);
        free(used);
        return sm_fail(err, SM_ENOMEM, "out of memory");
    }
    if (s_values(run, o->counter, val, used, &vmax, err) < 0) {
        free(val);
        free(used);
        return -1;
    }
    size_t n_used = 0;
    for (size_t c = 0; c < n; c++)
        n_used += used[c];
    sm_plot_grid_t g = {.w = w, .h = h, .cell = sm_plot_grid_cell(w, h, 760, 560, 9, 90)};
    double gw = w * g.cell, gh = h * g.cell;
    sm_plot_axis_t bar = {0, vmax > 0 ? vmax : 1, 0, s_counters[o->counter].unit,
                          s_counters[o->counter].bar};
    double bar_h = fmax(S_BAR_H_MIN, fmin(S_BAR_H_MAX, gh));
    double bar_w = sm_plot_colour_bar_width(S_BAR_W, &bar, bar_h);
    sm_plot_key_t keys[2] = {{SM_PLOT_UNUSED, "no neurons", 0}, {"#111111", "chip boundary", 1}};
    size_t nk = sm_plot_grid_split(&g, run->chip) ? 2 : 1;
    double key_w = sm_plot_legend_width(keys, nk, 40, 1);

    char title[128], sub[256], chip[160];
    snprintf(title, sizeof title, "%s", s_counters[o->counter].title);
    sm_plot_grid_chip_text(&g, run->chip, chip, sizeof chip);
    snprintf(sub, sizeof sub, "%u x %u cores, %zu with neurons%s%s", w, h, n_used,
             chip[0] ? "; " : "", chip);
    double L = 20 + sm_plot_grid_left(&g), T = 16;
    double right = 24 + fmax(bar_w, key_w) + 20;
    double W = fmax(L + gw + right, sm_plot_title_width(title, sub) + 40);
    /* a small grid is centred under a wide title */
    L = fmax(L, (W - gw - right) / 2);
    double top = T + sm_plot_title_height(sub) + 12;
    double H = top + fmax(gh + sm_plot_grid_below(&g), bar_h + 16 + 2 * 17 + 8) + 14;
    g.x = L;
    g.y = top;

    sm_svg_begin(out, W, H);
    sm_plot_grid_defs(out);
    sm_plot_title(out, W / 2, T, title, sub);
    s_cells(out, &g, val, used, vmax, o->counter);
    sm_plot_grid_chips(out, &g, run->chip, 0);
    sm_plot_grid_axes(out, &g);
    sm_plot_grid_mark(out, "cores", &g);
    double bx = L + gw + 24;
    sm_plot_colour_bar(out, bx, top, S_BAR_W, bar_h, SM_CMAP_VIRIDIS, &bar);
    sm_plot_legend(out, bx, top + bar_h + 16, 40, keys, nk, 1);
    free(val);
    free(used);
    return 0;
}
