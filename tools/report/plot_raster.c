/* plot_raster: the spike raster (time in ms x neuron index, a colour per
 * population, the window's full span) over the population rates in Hz,
 * binned: the figure Brian2 users draw first. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "plot_axis.h"

/* A raster with more dots than this is thinned (every k-th spike) so the
 * SVG stays small enough for a browser; the plot says so. */
#define S_MAX_DOTS 200000
#define S_W 980.0
#define S_RASTER_H 380.0
#define S_RATE_H 150.0
#define S_GAP 22.0

/* Ticks per rate bin: asked for, or about 1/150 of the window in 1-2-5 ms,
 * and never less than a tick. */
static uint32_t s_bin_ticks(const sm_plot_run_t *run, const sm_plot_opts_t *o)
{
    double ms = o->bin_ms > 0 ? o->bin_ms : sm_plot_nice((run->to_ms - run->from_ms) / 150.0);
    double k = round(ms / run->dt_ms);
    return k < 1 ? 1 : (uint32_t)fmin(k, UINT32_MAX);
}

/* Rates in Hz, shown population x bin. */
static double *s_rates(const sm_plot_run_t *run, uint32_t bin, uint32_t nb)
{
    double *r = calloc((size_t)run->n_shown * nb + 1, sizeof *r);
    uint32_t *slot = calloc(run->n_pops + 1, sizeof *slot);
    if (!r || !slot) {
        free(r);
        free(slot);
        return NULL;
    }
    for (uint32_t i = 0; i < run->n_shown; i++)
        slot[run->order[i]] = i;
    for (size_t i = 0; i < run->n_spikes; i++) {
        const sm_plot_spike_t *sp = &run->spikes[i];
        r[(size_t)slot[sp->pop] * nb + (sp->tick - run->t0) / bin] += 1;
    }
    for (uint32_t i = 0; i < run->n_shown; i++) {
        uint32_t size = run->pops[run->order[i]].size;
        for (uint32_t b = 0; b < nb; b++) {
            uint32_t lo = run->t0 + b * bin, hi = lo + bin > run->t1 ? run->t1 : lo + bin;
            double secs = (hi - lo) * run->dt_ms * 1e-3;
            r[(size_t)i * nb + b] /= (size ? size : 1) * secs;
        }
    }
    free(slot);
    return r;
}

static void s_dots(sm_svg_t *s, const sm_plot_run_t *run, const sm_plot_area_t *a, size_t step)
{
    double rowpx = a->h / (run->rows ? run->rows : 1);
    double tickpx = a->w / (run->t1 > run->t0 ? run->t1 - run->t0 : 1);
    double d = fmax(1.6, fmin(4.0, fmin(rowpx, tickpx)));
    /* one path per population: its colour once, its dots as small squares */
    for (uint32_t i = 0; i < run->n_shown; i++) {
        uint32_t pi = run->order[i];
        const sm_plot_pop_t *p = &run->pops[pi];
        if (!p->recorded || !p->spikes)
            continue;
        char col[8];
        sm_plot_pop_colour(p->colour, col);
        sm_svg_printf(s, "<path class=\"dots\" fill=\"%s\" shape-rendering=\"crispEdges\" d=\"", col);
        for (size_t k = 0; k < run->n_spikes; k += step) {
            const sm_plot_spike_t *sp = &run->spikes[k];
            if (sp->pop != pi)
                continue;
            double x = sm_plot_px(a, sp->tick * run->dt_ms);
            double y = sm_plot_py(a, p->row + sp->index);
            sm_svg_printf(s, "M%.1f %.1fh%.1fv%.1fh-%.1fz", x - d / 2, y - d / 2, d, d, d);
        }
        sm_svg_printf(s, "\"/>\n");
    }
}

static void s_rate_lines(sm_svg_t *s, const sm_plot_run_t *run, const sm_plot_area_t *a,
                         const double *r, uint32_t bin, uint32_t nb)
{
    for (uint32_t i = 0; i < run->n_shown; i++) {
        const sm_plot_pop_t *p = &run->pops[run->order[i]];
        if (!p->recorded)
            continue;
        char col[8];
        sm_plot_pop_colour(p->colour, col);
        sm_svg_printf(s, "<polyline class=\"rate\" fill=\"none\" stroke=\"%s\" "
                         "stroke-width=\"1.5\" stroke-linejoin=\"round\" points=\"",
                      col);
        for (uint32_t b = 0; b < nb; b++) {
            double t0 = (run->t0 + (double)b * bin) * run->dt_ms;
            double t1 = fmin(t0 + bin * run->dt_ms, run->to_ms);
            double y = sm_plot_py(a, r[(size_t)i * nb + b]);
            sm_svg_printf(s, "%.1f,%.1f %.1f,%.1f ", sm_plot_px(a, t0), y, sm_plot_px(a, t1), y);
        }
        sm_svg_printf(s, "\"/>\n");
    }
}

int sm_plot_raster(const sm_plot_run_t *run, const sm_plot_opts_t *o, sm_svg_t *out,
                   const char **skip, sm_error_t *err)
{
    *skip = NULL;
    uint32_t bin = s_bin_ticks(run, o);
    uint32_t span = run->t1 - run->t0, nb = span ? (span + bin - 1) / bin : 1;
    double *rate = s_rates(run, bin, nb);
    if (!rate)
        return sm_fail(err, SM_ENOMEM, "out of memory");
    double rmax = 0, secs = (run->to_ms - run->from_ms) * 1e-3;
    for (size_t i = 0; i < (size_t)run->n_shown * nb; i++)
        rmax = fmax(rmax, rate[i]);

    /* the legend lists the populations top to bottom as they are stacked */
    sm_plot_key_t *keys = calloc(run->n_shown + 1, sizeof *keys);
    char (*cols)[8] = calloc(run->n_shown + 1, sizeof *cols);
    char (*texts)[96] = calloc(run->n_shown + 1, sizeof *texts);
    if (!keys || !cols || !texts) {
        free(rate);
        free(keys);
        free(cols);
        free(texts);
        return sm_fail(err, SM_ENOMEM, "out of memory");
    }
    size_t nk = 0;
    for (uint32_t i = run->n_shown; i-- > 0;) {
        const sm_plot_pop_t *p = &run->pops[run->order[i]];
        if (!p->recorded)
            continue;
        sm_plot_pop_colour(p->colour, cols[nk]);
        snprintf(texts[nk], sizeof texts[nk], "%.48s (%.3g Hz)", p->name,
                 p->spikes / ((p->size ? p->size : 1) * secs));
        keys[nk] = (sm_plot_key_t){cols[nk], texts[nk], 0};
        nk++;
    }

    sm_plot_area_t ra = {.ax = {run->from_ms, run->to_ms, 0, NULL, "time (ms)"},
                         .ay = {-0.5, run->rows ? run->rows - 0.5 : 0.5, 0, NULL, "neuron index"}};
    sm_plot_area_t rt = {.ax = ra.ax, .ay = {0, rmax > 0 ? rmax * 1.08 : 1, 0, NULL, "rate (Hz)"}};
    double lw = fmax(sm_plot_ylabel_width(&ra.ay, S_RASTER_H), sm_plot_ylabel_width(&rt.ay, S_RATE_H));
    double L = 16 + lw + 24, panels_h = S_RASTER_H + S_GAP + S_RATE_H;
    double legw = nk ? sm_plot_legend_width(keys, nk, panels_h, 2) + 44 : 20;
    size_t step = run->n_spikes > S_MAX_DOTS ? (run->n_spikes + S_MAX_DOTS - 1) / S_MAX_DOTS : 1;
    char title[128], sub[256];
    snprintf(title, sizeof title, "Spike raster and population rates");
    snprintf(sub, sizeof sub, "%zu spike%s from %zu population%s, %g to %g ms (dt %g ms)%s",
             run->n_spikes, run->n_spikes == 1 ? "" : "s", nk, nk == 1 ? "" : "s", run->from_ms,
             run->to_ms, run->dt_ms, step > 1 ? ", thinned for drawing" : "");
    double W = fmax(S_W, L + 420 + legw), T = 16;
    W = fmax(W, sm_plot_title_width(title, sub) + 40);
    ra.x = rt.x = L;
    ra.w = rt.w = W - L - legw;

    ra.y = rt.y = T + sm_plot_title_height(sub) + 10;
    ra.h = S_RASTER_H;
    rt.y += S_RASTER_H + S_GAP;
    rt.h = S_RATE_H;
    double H = rt.y + rt.h + 52;
    sm_svg_begin(out, W, H);
    sm_plot_title(out, W / 2, T, title, sub);

    sm_plot_axes(out, &ra, 0, 1, lw + 20);
    /* thin lines between the populations, unless they would be all one sees */
    for (uint32_t i = 1; ra.h / (run->n_shown ? run->n_shown : 1) >= 6 && i < run->n_shown; i++) {
        const sm_plot_pop_t *p = &run->pops[run->order[i]];
        if (p->recorded && p->row > 0) {
            double ly = sm_plot_py(&ra, p->row - 0.5);
            sm_svg_line(out, ra.x, ly, ra.x + ra.w, ly, "#bbbbbb", 0.6);
        }
    }
    s_dots(out, run, &ra, step);
    if (!run->n_spikes) {
        const sm_svg_font_t f = {.size = SM_PLOT_FONT_AXIS, .anchor = "middle", .fill = "#777777"};
        sm_svg_label(out, ra.x + ra.w / 2, ra.y + ra.h / 2, &f, "no spikes in the window");
    }
    sm_plot_mark(out, "raster", &ra);

    sm_plot_axes(out, &rt, 1, 1, lw + 20);
    s_rate_lines(out, run, &rt, rate, bin, nb);
    sm_plot_mark(out, "rate", &rt);
    char binlab[64];
    snprintf(binlab, sizeof binlab, "bins of %g ms", bin * run->dt_ms);
    const sm_svg_font_t bf = {.size = SM_PLOT_FONT_TICK, .anchor = "end", .fill = "#555555"};
    sm_svg_label(out, rt.x + rt.w, rt.y - 4, &bf, binlab);
    if (nk)
        sm_plot_legend(out, ra.x + ra.w + 22, ra.y, panels_h, keys, nk, 2);

    free(rate);
    free(keys);
    free(cols);
    free(texts);
    return 0;
}
