/* plot_energy: energy by category on a log scale, so a 2% category is a
 * bar as readable as a 98% one, each labelled with its joules and share;
 * beside it the linear shares stacked in one column. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "energy.h"
#include "plot.h"
#include "plot_axis.h"

#define S_AREA_W 520.0
#define S_AREA_H 320.0
#define S_STACK_W 40.0
/* decades the axis spans at most: smaller values are stubs at its foot */
#define S_DECADES 9

/* Paul Tol's bright scheme: distinct, and readable in grey print */
static const char *const s_cat_colour[] = {"#4477aa", "#ee6677", "#228833", "#ccbb44",
                                           "#66ccee", "#aa3377", "#bbbbbb"};

static const char *s_colour(int k)
{
    return s_cat_colour[k % (int)(sizeof s_cat_colour / sizeof *s_cat_colour)];
}

/* A log axis from a decade at or under the smallest value to one with room
 * above the largest for the labels. */
static void s_axis(const double *v, int n, sm_plot_axis_t *ay)
{
    double lo = INFINITY, hi = 0;
    for (int k = 0; k < n; k++)
        if (v[k] > 0) {
            lo = fmin(lo, v[k]);
            hi = fmax(hi, v[k]);
        }
    if (!(hi > 0)) {
        ay->lo = 1e-12;
        ay->hi = 1e-9;
        return;
    }
    double top = ceil(log10(hi));
    if (top - log10(hi) < 0.45)
        top += 1;
    /* the smallest bar keeps at least a third of a decade */
    double bot = floor(log10(lo) - 0.3);
    if (bot >= top - 1)
        bot = top - 2;
    if (top - bot > S_DECADES)
        bot = top - S_DECADES;
    ay->lo = pow(10, bot);
    ay->hi = pow(10, top);
}

static void s_stack(sm_svg_t *s, double x, double y, double h, const double *v, int n,
                    double total)
{
    const sm_svg_font_t f = {.size = SM_PLOT_FONT_TICK, .anchor = "start", .fill = "#222222"};
    double acc = 0;
    for (int k = 0; k < n; k++) {
        if (!(v[k] > 0) || !(total > 0))
            continue;
        double y0 = y + h * (1 - (acc + v[k]) / total), sh = h * v[k] / total;
        sm_svg_printf(s, "<rect class=\"share\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
                         "height=\"%.2f\" fill=\"%s\"/>\n",
                      x, y0, S_STACK_W, sh, s_colour(k));
        if (v[k] / total >= 0.04) {
            char lab[32];
            snprintf(lab, sizeof lab, "%.1f%%", 100 * v[k] / total);
            sm_svg_label(s, x + S_STACK_W + 6, y0 + sh / 2 + 4, &f, lab);
        }
        acc += v[k];
    }
    sm_svg_box(s, x, y, S_STACK_W, h, "none", "#222222", 0.8);
    const sm_svg_font_t tf = {.size = SM_PLOT_FONT_TICK, .anchor = "middle", .fill = "#333333"};
    sm_svg_label(s, x + S_STACK_W / 2, y + h + 18, &tf, "share");
}

int sm_plot_energy(const sm_plot_run_t *run, const sm_plot_opts_t *o, sm_svg_t *out,
                   const char **skip, sm_error_t *err)
{
    (void)o;
    (void)err;
    *skip = NULL;
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(run->stats, "energy");
    if (!cJSON_IsObject(en)) {
        *skip = "stats.json has no \"energy\" (run with --chip)";
        return 0;
    }
    const int n = SM_ENERGY_N;
    double v[SM_ENERGY_N], total = sm_plot_num(en, "total"), sum = 0;
    for (int k = 0; k < n; k++) {
        v[k] = sm_plot_num(en, sm_energy_category[k]);
        sum += v[k] > 0 ? v[k] : 0;
    }
    if (!(total > 0))
        total = sum;
    sm_plot_area_t a = {.w = S_AREA_W, .h = S_AREA_H,
                        .ax = {0, n, 0, NULL, NULL}, .ay = {1, 10, 1, "J", "energy (log scale)"}};
    s_axis(v, n, &a.ay);
    double lw = sm_plot_ylabel_width(&a.ay, S_AREA_H);
    const cJSON *chip = cJSON_GetObjectItemCaseSensitive(en, "chip");
    char title[160], sub[200], tot[48], notes[2][200];
    sm_plot_fmt_si(total, "J", tot, sizeof tot);
    snprintf(title, sizeof title, "Energy by category on %.60s: %s",
             cJSON_IsString(chip) ? chip->valuestring : "the chip", tot);
    snprintf(sub, sizeof sub, "%u ticks of %g ms; bars on a log scale, shares of the total at right",
             run->ticks, run->dt_ms);
    snprintf(notes[0], sizeof notes[0], "hops: %.0f east-west, %.0f north-south, %.0f between chips",
             sm_plot_num(en, "hops_east_west"), sm_plot_num(en, "hops_north_south"),
             sm_plot_num(en, "hops_inter_chip"));
    char busy[32], router[32], barrier[32], tick[32];
    sm_plot_fmt_si(sm_plot_num(en, "busy_ns_per_tick") * 1e-9, "s", busy, sizeof busy);
    sm_plot_fmt_si(sm_plot_num(en, "router_ns_per_tick") * 1e-9, "s", router, sizeof router);
    sm_plot_fmt_si(sm_plot_num(en, "barrier_ns") * 1e-9, "s", barrier, sizeof barrier);
    sm_plot_fmt_si(sm_plot_num(run->stats, "chip_seconds_per_tick"), "s", tick, sizeof tick);
    snprintf(notes[1], sizeof notes[1],
             "chip time per tick: %s (busiest core %s + router %s + barrier %s)", tick, busy,
             router, barrier);
    double L = 16 + lw + 24, T = 16;
    double W = L + S_AREA_W + 30 + S_STACK_W + 60;
    W = fmax(W, sm_plot_title_width(title, sub) + 40);
    for (int i = 0; i < 2; i++)
        W = fmax(W, L + sm_svg_text_width(notes[i], SM_PLOT_FONT_AXIS, 0) + 20);
    double top = T + sm_plot_title_height(sub) + 36; /* room for the tallest bar's label */
    a.x = L;
    a.y = top;
    double H = top + S_AREA_H + 44 + 2 * 18 + 14;

    sm_svg_begin(out, W, H);
    sm_plot_title(out, W / 2, T, title, sub);
    sm_plot_axes(out, &a, 0, 0, lw + 20);
    /* light decade lines */
    for (double d = a.ay.lo * 10; d < a.ay.hi * 0.999; d *= 10)
        sm_svg_line(out, a.x, sm_plot_py(&a, d), a.x + a.w, sm_plot_py(&a, d), "#ececec", 0.8);
    double bw = a.w / n;
    const sm_svg_font_t cf = {.size = SM_PLOT_FONT_TICK + 0.5, .anchor = "middle"};
    const sm_svg_font_t vf = {.size = SM_PLOT_FONT_TICK, .anchor = "middle", .fill = "#222222"};
    const sm_svg_font_t pf = {.size = SM_PLOT_FONT_TICK, .anchor = "middle", .fill = "#666666"};
    for (int k = 0; k < n; k++) {
        double cx = a.x + (k + 0.5) * bw, base = a.y + a.h;
        double y = v[k] > 0 ? sm_plot_py(&a, fmax(v[k], a.ay.lo)) : base;
        /* a value under the axis' foot still gets a 3 px stub */
        if (v[k] > 0 && v[k] < a.ay.lo)
            y = base - 3;
        sm_svg_printf(out, "<rect class=\"bar\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
                           "height=\"%.2f\" fill=\"%s\"/>\n",
                      cx - bw * 0.32, y, bw * 0.64, base - y, s_colour(k));
        char lab[48], pct[32];
        sm_plot_fmt_si(v[k], "J", lab, sizeof lab);
        if (!(total > 0))
            snprintf(pct, sizeof pct, "-");
        else if (v[k] > 0 && v[k] / total < 0.001)
            snprintf(pct, sizeof pct, "<0.1%%");
        else
            snprintf(pct, sizeof pct, "%.1f%%", 100 * v[k] / total);
        sm_svg_label(out, cx, y - 20, &vf, lab);
        sm_svg_label(out, cx, y - 6, &pf, pct);
        sm_svg_label(out, cx, base + 18, &cf, sm_energy_category[k]);
    }
    sm_plot_mark(out, "energy", &a);
    s_stack(out, a.x + a.w + 30, a.y, a.h, v, n, total);
    const sm_svg_font_t nf = {.size = SM_PLOT_FONT_AXIS, .anchor = "start", .fill = "#333333"};
    for (int i = 0; i < 2; i++)
        sm_svg_label(out, L, a.y + a.h + 50 + i * 18, &nf, notes[i]);
    return 0;
}
