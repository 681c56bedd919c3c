/* plot_series: the per-tick series, one panel each. From ticks.csv, which
 * every run writes; a run directory from before it did gets spikes per tick
 * from spikes.csv, with the run's means per tick of what stats.json only
 * has as totals. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "plot_axis.h"

#define S_W 980.0
#define S_PANEL_H 120.0
#define S_GAP 26.0
#define S_MAX_PANELS 8
#define S_NOTE_LINE 17.0

/* The unit a column's name implies, for SI tick labels. */
static const char *s_unit(const char *name)
{
    if (strstr(name, "joules") || strstr(name, "energy"))
        return "J";
    if (strstr(name, "seconds"))
        return "s";
    return NULL;
}

typedef struct {
    const char *name;
    double *v;   /* n values, one per tick from t0 */
    size_t stride;
} s_panel_t;

static int s_draw(sm_svg_t *out, const sm_plot_run_t *run, const s_panel_t *p, size_t np,
                  double t0, size_t n, const char *sub, char notes[][128], size_t nn)
{
    double lw = 0;
    for (size_t i = 0; i < np; i++) {
        sm_plot_axis_t ay = {0, 1, 0, s_unit(p[i].name), NULL};
        sm_plot_range(p[i].v, n, p[i].stride, 1, &ay.lo, &ay.hi);
        lw = fmax(lw, sm_plot_ylabel_width(&ay, S_PANEL_H));
    }
    double L = 16 + lw + 24, R = 30, T = 16;
    const char *title = "Per-tick series";
    double W = fmax(S_W, sm_plot_title_width(title, sub) + 40);
    for (size_t i = 0; i < nn; i++)
        W = fmax(W, L + sm_svg_text_width(notes[i], SM_PLOT_FONT_AXIS, 0) + R);
    double top = T + sm_plot_title_height(sub) + 10;
    double H = top + np * (S_PANEL_H + S_GAP) + 30 + (nn ? 14 + nn * S_NOTE_LINE : 0) + 10;
    sm_svg_begin(out, W, H);
    sm_plot_title(out, W / 2, T, title, sub);
    double y = top;
    for (size_t i = 0; i < np; i++) {
        int last = i + 1 == np;
        sm_plot_area_t a = {.x = L, .y = y, .w = W - L - R, .h = S_PANEL_H,
                            .ax = {run->from_ms, run->to_ms, 0, NULL, last ? "time (ms)" : NULL},
                            .ay = {0, 1, 0, s_unit(p[i].name), p[i].name}};
        sm_plot_range(p[i].v, n, p[i].stride, 1, &a.ay.lo, &a.ay.hi);
        sm_plot_axes(out, &a, last, 1, lw + 20);
        sm_plot_series(out, &a, p[i].v, n, p[i].stride, t0, run->dt_ms, "#1f4e79", 1.2);
        sm_plot_mark(out, p[i].name, &a);
        y += S_PANEL_H + S_GAP;
    }
    y += 30;
    const sm_svg_font_t nf = {.size = SM_PLOT_FONT_AXIS, .anchor = "start", .fill = "#333333"};
    for (size_t i = 0; i < nn; i++)
        sm_svg_label(out, L, y + 14 + i * S_NOTE_LINE, &nf, notes[i]);
    return 0;
}

/* When ticks.csv has more series than panels: these first, the others in
 * file order after them (a chip run's totals and times, not the first eight
 * columns, which would leave them out). */
static const char *const s_preferred[] = {"spikes", "synaptic_events", "active_updates",
                                          "packets", "hops", "energy_total_j",
                                          "busiest_core_ns", "chip_ns"};

static int s_is_preferred(const char *name)
{
    for (size_t i = 0; i < sizeof s_preferred / sizeof s_preferred[0]; i++)
        if (!strcmp(name, s_preferred[i]))
            return 1;
    return 0;
}

/* The rows of ticks.csv in the window, as panels over one copied block. */
static int s_from_csv(const sm_plot_run_t *run, sm_svg_t *out, sm_error_t *err)
{
    const sm_plot_series_t *se = &run->series;
    size_t w = se->n_cols + 1, n = 0, first = 0;
    /* rows are in tick order: the window is one stretch of them */
    for (size_t r = 0; r < se->n_rows; r++) {
        double t = se->vals[r * w];
        if (t >= run->t0 && t < run->t1) {
            if (!n)
                first = r;
            n++;
        }
    }
    size_t np = se->n_cols < S_MAX_PANELS ? se->n_cols : S_MAX_PANELS;
    /* which columns: all if they fit, else the preferred ones and then the
     * earliest others, drawn in file order */
    uint8_t take[256] = {0};
    size_t nt = 0, nc = se->n_cols < sizeof take ? se->n_cols : sizeof take;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < nc && nt < np; i++)
            if (!take[i] && (pass || se->n_cols <= S_MAX_PANELS || s_is_preferred(se->names[i]))) {
                take[i] = 1;
                nt++;
            }
    s_panel_t p[S_MAX_PANELS];
    size_t k = 0;
    for (size_t i = 0; i < nc && k < np; i++)
        if (take[i])
            p[k++] = (s_panel_t){se->names[i], se->vals + first * w + 1 + i, w};
    char sub[200];
    snprintf(sub, sizeof sub, "from ticks.csv, %g to %g ms (dt %g ms)%s", run->from_ms,
             run->to_ms, run->dt_ms, np < se->n_cols ? ", 8 of its series" : "");
    double t0 = n ? se->vals[first * w] * run->dt_ms : run->from_ms;
    (void)err;
    return s_draw(out, run, p, np, t0, n, sub, NULL, 0);
}

static int s_derived(const sm_plot_run_t *run, sm_svg_t *out, sm_error_t *err)
{
    size_t n = run->t1 - run->t0;
    double *v = calloc(n ? n : 1, sizeof *v);
    if (!v)
        return sm_fail(err, SM_ENOMEM, "out of memory");
    for (size_t i = 0; i < run->n_spikes; i++)
        v[run->spikes[i].tick - run->t0] += 1;
    s_panel_t p = {run->all_shown ? "spikes per tick" : "spikes per tick (shown populations)", v, 1};
    const cJSON *tot = cJSON_GetObjectItemCaseSensitive(run->stats, "totals");
    double ticks = run->ticks ? run->ticks : 1;
    char notes[6][128];
    size_t nn = 0;
    snprintf(notes[nn++], sizeof notes[0],
             "No ticks.csv in the run directory; means per tick over the whole run (stats.json):");
    char a[48], b[48];
    snprintf(notes[nn++], sizeof notes[0], "  synaptic events %.4g, packets %.4g, hops %.4g",
             sm_plot_num(tot, "synaptic_events") / ticks, sm_plot_num(tot, "packets") / ticks,
             sm_plot_num(tot, "hops") / ticks);
    if (cJSON_GetObjectItemCaseSensitive(tot, "energy_joules")) {
        sm_plot_fmt_si(sm_plot_num(tot, "energy_joules") / ticks, "J", a, sizeof a);
        sm_plot_fmt_si(sm_plot_num(run->stats, "chip_seconds_per_tick"), "s", b, sizeof b);
        snprintf(notes[nn++], sizeof notes[0], "  energy %s, chip time %s", a, b);
    }
    char sub[200];
    snprintf(sub, sizeof sub, "%g to %g ms (dt %g ms)", run->from_ms, run->to_ms, run->dt_ms);
    int rc = s_draw(out, run, &p, 1, run->t0 * run->dt_ms, n, sub, notes, nn);
    free(v);
    return rc;
}

int sm_plot_ticks_series(const sm_plot_run_t *run, const sm_plot_opts_t *o, sm_svg_t *out,
                         const char **skip, sm_error_t *err)
{
    (void)o;
    *skip = NULL;
    return run->has_series ? s_from_csv(run, out, err) : s_derived(run, out, err);
}
