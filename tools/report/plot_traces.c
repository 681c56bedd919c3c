/* plot_traces: the recorded probes, one panel each: the membrane
 * potential over the excitatory and inhibitory synaptic currents. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "plot.h"
#include "plot_axis.h"

#define S_W 980.0
#define S_V_H 130.0
#define S_I_H 80.0
#define S_INNER 10.0  /* between v and the currents              */
#define S_HEAD 30.0   /* above a probe's panels: its name       */
#define S_XLAB 30.0   /* below a probe's panels: tick labels    */

static const char *const s_exc = "#d62728", *const s_inh = "#1f77b4";

int sm_plot_traces(const sm_plot_run_t *run, const sm_plot_opts_t *o, sm_svg_t *out,
                   const char **skip, sm_error_t *err)
{
    (void)o;
    *skip = NULL;
    if (!run->has_traces) {
        *skip = "the run directory has no traces.csv";
        return 0;
    }
    if (!run->n_probes) {
        *skip = "nothing was traced (record.traces in the network file)";
        return 0;
    }
    size_t n = run->t1 - run->t0;
    double *v = malloc((n ? n : 1) * 3 * sizeof *v);
    if (!v)
        return sm_fail(err, SM_ENOMEM, "out of memory");
    /* y labels of every panel decide the left margin */
    double lw = 0;
    for (uint32_t p = 0; p < run->n_probes; p++) {
        const float *src = run->probes[p].val + (size_t)run->t0 * 3;
        for (size_t i = 0; i < 3 * n; i++)
            v[i] = src[i];
        sm_plot_axis_t ay = {0, 1, 0, NULL, NULL};
        sm_plot_range(v, n, 3, 0, &ay.lo, &ay.hi);
        lw = fmax(lw, sm_plot_ylabel_width(&ay, S_V_H));
        double lo1, hi1, lo2, hi2;
        sm_plot_range(v + 1, n, 3, 1, &lo1, &hi1);
        sm_plot_range(v + 2, n, 3, 1, &lo2, &hi2);
        ay.lo = fmin(lo1, lo2);
        ay.hi = fmax(hi1, hi2);
        lw = fmax(lw, sm_plot_ylabel_width(&ay, S_I_H));
    }
    const sm_plot_key_t keys[3] = {{"#222222", "v", 1}, {s_exc, "syn_exc", 1}, {s_inh, "syn_inh", 1}};
    double legw = sm_plot_legend_width(keys, 3, 60, 1) + 44;
    double L = 16 + lw + 24, T = 16;
    char sub[200];
    snprintf(sub, sizeof sub, "%u of %u probes, %g to %g ms (dt %g ms)", run->n_probes,
             run->n_probes_all, run->from_ms, run->to_ms, run->dt_ms);
    const char *title = "Membrane potential and synaptic currents";
    double W = fmax(S_W, sm_plot_title_width(title, sub) + 40);
    double top = T + sm_plot_title_height(sub) + 4;
    double group = S_HEAD + S_V_H + S_INNER + S_I_H + S_XLAB;
    double H = top + run->n_probes * group + 24;
    sm_svg_begin(out, W, H);
    sm_plot_title(out, W / 2, T, title, sub);
    for (uint32_t p = 0; p < run->n_probes; p++) {
        const sm_plot_probe_t *pr = &run->probes[p];
        const sm_plot_pop_t *pop = &run->pops[pr->pop];
        const float *src = pr->val + (size_t)run->t0 * 3;
        for (size_t i = 0; i < 3 * n; i++)
            v[i] = src[i];
        double gy = top + p * group;
        char col[8], name[96];
        sm_plot_pop_colour(pop->colour, col);
        snprintf(name, sizeof name, "%.60s[%u]", pop->name, pr->index);
        sm_svg_rect(out, L, gy + 10, 11, 11, col);
        sm_svg_label(out, L + 17, gy + 20,
                     &(sm_svg_font_t){.size = SM_PLOT_FONT_AXIS, .anchor = "start", .bold = 1},
                     name);
        int last = p + 1 == run->n_probes;
        sm_plot_area_t va = {.x = L, .y = gy + S_HEAD, .w = W - L - legw, .h = S_V_H,
                             .ax = {run->from_ms, run->to_ms, 0, NULL, NULL},
                             .ay = {0, 1, 0, NULL, "v"}};
        sm_plot_range(v, n, 3, 0, &va.ay.lo, &va.ay.hi);
        sm_plot_axes(out, &va, 0, 1, lw + 20);
        sm_plot_series(out, &va, v, n, 3, run->t0 * run->dt_ms, run->dt_ms, "#222222", 1.3);
        sm_plot_mark(out, "v", &va);
        sm_plot_area_t ia = va;
        ia.y = va.y + S_V_H + S_INNER;
        ia.h = S_I_H;
        ia.ax.title = last ? "time (ms)" : NULL;
        ia.ay.title = "current";
        double lo1, hi1, lo2, hi2;
        sm_plot_range(v + 1, n, 3, 1, &lo1, &hi1);
        sm_plot_range(v + 2, n, 3, 1, &lo2, &hi2);
        ia.ay.lo = fmin(lo1, lo2);
        ia.ay.hi = fmax(hi1, hi2);
        sm_plot_axes(out, &ia, 1, 1, lw + 20);
        sm_plot_series(out, &ia, v + 1, n, 3, run->t0 * run->dt_ms, run->dt_ms, s_exc, 1.2);
        sm_plot_series(out, &ia, v + 2, n, 3, run->t0 * run->dt_ms, run->dt_ms, s_inh, 1.2);
        sm_plot_mark(out, "current", &ia);
        if (p == 0)
            sm_plot_legend(out, va.x + va.w + 22, va.y, 60, keys, 3, 1);
    }
    free(v);
    return 0;
}
