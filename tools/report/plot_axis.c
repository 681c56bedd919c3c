/* plot_axis: ticks, labels, axes and colour bars. */
#include "plot_axis.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static double s_frac(const sm_plot_axis_t *ax, double v)
{
    double lo = ax->lo, hi = ax->hi;
    if (ax->log) {
        v = v > 0 ? log10(v) : log10(lo);
        lo = log10(lo);
        hi = log10(hi);
    }
    double f = hi > lo ? (v - lo) / (hi - lo) : 0.5;
    return f < 0 ? 0 : (f > 1 ? 1 : f);
}

double sm_plot_px(const sm_plot_area_t *a, double v)
{
    return a->x + a->w * s_frac(&a->ax, v);
}

double sm_plot_py(const sm_plot_area_t *a, double v)
{
    return a->y + a->h * (1 - s_frac(&a->ay, v));
}

double sm_plot_nice(double x)
{
    if (!(x > 0))
        return 1;
    double p = pow(10, floor(log10(x)));
    /* 1e-9 slack: 0.3 / 0.1 must not round up to 5 */
    double m = x / p;
    if (m <= 1 + 1e-9)
        return p;
    if (m <= 2 + 1e-9)
        return 2 * p;
    if (m <= 5 + 1e-9)
        return 5 * p;
    return 10 * p;
}

int sm_plot_ticks(const sm_plot_axis_t *ax, int max_n, double *out, double *step)
{
    if (max_n < 2)
        max_n = 2;
    if (max_n > SM_PLOT_MAX_TICKS)
        max_n = SM_PLOT_MAX_TICKS;
    int n = 0;
    if (ax->log) {
        int d0 = (int)ceil(log10(ax->lo) - 1e-9), d1 = (int)floor(log10(ax->hi) + 1e-9);
        int every = 1;
        while ((d1 - d0) / every + 1 > max_n)
            every++;
        for (int d = d0; d <= d1 && n < SM_PLOT_MAX_TICKS; d += every)
            out[n++] = pow(10, d);
        if (step)
            *step = 0;
        return n;
    }
    double span = ax->hi - ax->lo;
    double st = sm_plot_nice(span > 0 ? span / (max_n - 1) : 1);
    /* ticks as whole multiples of the step, so 0.1 * 3 prints as 0.3 */
    double k0 = ceil(ax->lo / st - 1e-9), k1 = floor(ax->hi / st + 1e-9);
    for (double k = k0; k <= k1 && n < SM_PLOT_MAX_TICKS; k++)
        out[n++] = k * st == 0 ? 0 : k * st;
    if (step)
        *step = st;
    return n;
}

static const char *const s_prefix[] = {"f", "p", "n", "µ", "m", "", "k", "M", "G", "T"};

/* The power of a thousand (-5 .. 4) an SI prefix takes off |v|. */
static int s_kilo(double v)
{
    if (v == 0)
        return 0;
    int e = (int)floor(log10(fabs(v)) / 3.0 + 1e-9);
    return e < -5 ? -5 : (e > 4 ? 4 : e);
}

static int s_decimals(double step)
{
    if (!(step > 0))
        return 2;
    int d = (int)ceil(-log10(step) - 1e-9);
    return d < 0 ? 0 : (d > 6 ? 6 : d);
}

void sm_plot_fmt(double v, double step, double ref, const char *unit, char *buf, size_t cap)
{
    if (v == 0) {
        snprintf(buf, cap, "0");
        return;
    }
    int e = s_kilo(ref > 0 ? ref : v);
    /* plain numbers keep all their digits below 10 000 */
    if (!unit && (ref > 0 ? ref : fabs(v)) < 1e4)
        e = 0;
    double scale = pow(1000, e);
    int dec = step > 0 ? s_decimals(step / scale) : 0;
    if (step == 0 && fabs(v / scale - round(v / scale)) > 1e-9)
        dec = fabs(v / scale) < 10 ? 1 : 0;
    if (unit)
        snprintf(buf, cap, "%.*f %s%s", dec, v / scale, s_prefix[e + 5], unit);
    else
        snprintf(buf, cap, "%.*f%s", dec, v / scale, s_prefix[e + 5]);
}

void sm_plot_fmt_short(double v, char *buf, size_t cap)
{
    if (fabs(v) < 1e4 && v == floor(v))
        snprintf(buf, cap, "%.0f", v);
    else if (fabs(v) < 1e4)
        snprintf(buf, cap, "%.3g", v);
    else {
        int e = s_kilo(v);
        snprintf(buf, cap, "%.3g%s", v / pow(1000, e), s_prefix[e + 5]);
    }
}

double sm_plot_ref(const double *t, int n, double step)
{
    if (n < 1 || step == 0)
        return 0;
    return fmax(fabs(t[0]), fabs(t[n - 1]));
}

void sm_plot_fmt_si(double v, const char *unit, char *buf, size_t cap)
{
    if (v == 0) {
        snprintf(buf, cap, "0 %s", unit ? unit : "");
        return;
    }
    int e = s_kilo(v);
    double m = v / pow(1000, e);
    if (fabs(m) >= 999.5 && e < 4) /* 999.7 rounds up into the next prefix */
        m /= 1000, e++;
    int dec = fabs(m) >= 99.95 ? 0 : (fabs(m) >= 9.995 ? 1 : 2);
    snprintf(buf, cap, "%.*f %s%s", dec, m, s_prefix[e + 5], unit ? unit : "");
}

int sm_plot_max_ticks_x(double len)
{
    int n = (int)(len / 80);
    return n < 2 ? 2 : (n > 11 ? 11 : n);
}

int sm_plot_max_ticks_y(double len)
{
    int n = (int)(len / 26);
    return n < 3 ? 3 : (n > 10 ? 10 : n);
}

double sm_plot_ylabel_width(const sm_plot_axis_t *ay, double len)
{
    double t[SM_PLOT_MAX_TICKS], step, w = 0;
    int n = sm_plot_ticks(ay, sm_plot_max_ticks_y(len), t, &step);
    for (int i = 0; i < n; i++) {
        char lab[48];
        sm_plot_fmt(t[i], step, sm_plot_ref(t, n, step), ay->unit, lab, sizeof lab);
        w = fmax(w, sm_svg_text_width(lab, SM_PLOT_FONT_TICK, 0));
    }
    return w;
}

void sm_plot_mark(sm_svg_t *s, const char *name, const sm_plot_area_t *a)
{
    sm_svg_printf(s, "<!-- sm:area %s %.2f %.2f %.2f %.2f %.9g %.9g %.9g %.9g %d %d -->\n", name,
                  a->x, a->y, a->w, a->h, a->ax.lo, a->ax.hi, a->ay.lo, a->ay.hi, a->ax.log,
                  a->ay.log);
}

/* Minor ticks of a log axis: 2..9 times each decade inside the range. */
static void s_log_minor(sm_svg_t *s, const sm_plot_area_t *a)
{
    for (double d = pow(10, floor(log10(a->ay.lo))); d < a->ay.hi; d *= 10)
        for (int m = 2; m < 10; m++) {
            double v = d * m;
            if (v <= a->ay.lo || v >= a->ay.hi)
                continue;
            double y = sm_plot_py(a, v);
            sm_svg_line(s, a->x - 3, y, a->x, y, "#333333", 0.8);
        }
}

void sm_plot_axes(sm_svg_t *s, const sm_plot_area_t *a, int x_labels, int grid,
                  double ytitle_dx)
{
    double t[SM_PLOT_MAX_TICKS], step;
    const sm_svg_font_t tick = {.size = SM_PLOT_FONT_TICK, .anchor = "middle", .fill = "#222222"};
    const sm_svg_font_t ytick = {.size = SM_PLOT_FONT_TICK, .anchor = "end", .fill = "#222222"};
    double bottom = a->y + a->h;
    int n = sm_plot_ticks(&a->ax, sm_plot_max_ticks_x(a->w), t, &step);
    for (int i = 0; i < n; i++) {
        double x = sm_plot_px(a, t[i]);
        if (grid)
            sm_svg_line(s, x, a->y, x, bottom, "#e6e6e6", 0.8);
        sm_svg_line(s, x, bottom, x, bottom + 5, "#222222", 1);
        if (x_labels) {
            char lab[48];
            sm_plot_fmt(t[i], step, sm_plot_ref(t, n, step), a->ax.unit, lab, sizeof lab);
            sm_svg_label(s, x, bottom + 18, &tick, lab);
        }
    }
    n = sm_plot_ticks(&a->ay, sm_plot_max_ticks_y(a->h), t, &step);
    for (int i = 0; i < n; i++) {
        double y = sm_plot_py(a, t[i]);
        if (grid)
            sm_svg_line(s, a->x, y, a->x + a->w, y, "#e6e6e6", 0.8);
        sm_svg_line(s, a->x - 5, y, a->x, y, "#222222", 1);
        char lab[48];
        sm_plot_fmt(t[i], step, sm_plot_ref(t, n, step), a->ay.unit, lab, sizeof lab);
        sm_svg_label(s, a->x - 8, y + 4, &ytick, lab);
    }
    if (a->ay.log)
        s_log_minor(s, a);
    sm_svg_line(s, a->x, a->y, a->x, bottom, "#222222", 1.2);
    sm_svg_line(s, a->x, bottom, a->x + a->w, bottom, "#222222", 1.2);
    const sm_svg_font_t title = {.size = SM_PLOT_FONT_AXIS, .anchor = "middle"};
    if (a->ax.title && x_labels)
        sm_svg_label(s, a->x + a->w / 2, bottom + 38, &title, a->ax.title);
    if (a->ay.title) {
        sm_svg_font_t yt = title;
        yt.angle = -90;
        sm_svg_label(s, a->x - ytitle_dx, a->y + a->h / 2, &yt, a->ay.title);
    }
}

void sm_plot_colour_bar(sm_svg_t *s, double x, double y, double w, double h, sm_cmap_t map,
                        const sm_plot_axis_t *ax)
{
    /* one gradient of 17 stops: smooth, and no seams between bands */
    sm_svg_printf(s, "<defs><linearGradient id=\"cbar%d\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">",
                  (int)map);
    for (int i = 0; i <= 16; i++) {
        char col[8];
        sm_plot_cmap(map, i / 16.0, col);
        sm_svg_printf(s, "<stop offset=\"%.4f\" stop-color=\"%s\"/>", i / 16.0, col);
    }
    sm_svg_printf(s, "</linearGradient></defs>\n");
    sm_svg_printf(s, "<rect class=\"colourbar\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
                     "height=\"%.2f\" fill=\"url(#cbar%d)\"/>\n",
                  x, y, w, h, (int)map);
    sm_svg_box(s, x, y, w, h, "none", "#222222", 0.8);
    sm_plot_area_t a = {.x = x, .y = y, .w = w, .h = h, .ax = {0, 1, 0, NULL, NULL}, .ay = *ax};
    sm_plot_mark(s, "colourbar", &a);
    double t[SM_PLOT_MAX_TICKS], step;
    int n = sm_plot_ticks(ax, sm_plot_max_ticks_y(h), t, &step);
    const sm_svg_font_t f = {.size = SM_PLOT_FONT_TICK, .anchor = "start", .fill = "#222222"};
    double lw = 0;
    for (int i = 0; i < n; i++) {
        double ty = sm_plot_py(&a, t[i]);
        char lab[48];
        sm_plot_fmt(t[i], step, sm_plot_ref(t, n, step), ax->unit, lab, sizeof lab);
        sm_svg_line(s, x + w, ty, x + w + 4, ty, "#222222", 1);
        sm_svg_label(s, x + w + 7, ty + 4, &f, lab);
        lw = fmax(lw, sm_svg_text_width(lab, SM_PLOT_FONT_TICK, 0));
    }
    if (ax->title) {
        const sm_svg_font_t tf = {.size = SM_PLOT_FONT_AXIS, .anchor = "middle", .angle = 90};
        sm_svg_label(s, x + w + 7 + lw + 10, y + h / 2, &tf, ax->title);
    }
}

double sm_plot_colour_bar_width(double w, const sm_plot_axis_t *ax, double h)
{
    double lw = sm_plot_ylabel_width(ax, h);
    return w + 7 + lw + (ax->title ? 10 + SM_PLOT_FONT_AXIS : 0) + 4;
}

void sm_plot_series(sm_svg_t *s, const sm_plot_area_t *a, const double *v, size_t n,
                    size_t stride, double t0, double dt, const char *colour, double width)
{
    sm_svg_printf(s, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%.2f\" "
                     "stroke-linejoin=\"round\" points=\"",
                  colour, width);
    size_t cols = (size_t)(a->w > 1 ? a->w : 1);
    if (n <= 2 * cols) {
        for (size_t i = 0; i < n; i++)
            sm_svg_printf(s, "%.2f,%.2f ", sm_plot_px(a, t0 + i * dt), sm_plot_py(a, v[i * stride]));
    } else {
        /* each pixel column's extremes, faint, in time order so the line
         * does not double back; then its mean on top */
        for (size_t c = 0; c < cols; c++) {
            size_t i0 = c * n / cols, i1 = (c + 1) * n / cols;
            size_t ilo = i0, ihi = i0;
            for (size_t i = i0; i < i1; i++) {
                if (v[i * stride] < v[ilo * stride])
                    ilo = i;
                if (v[i * stride] > v[ihi * stride])
                    ihi = i;
            }
            size_t first = ilo < ihi ? ilo : ihi, second = ilo < ihi ? ihi : ilo;
            sm_svg_printf(s, "%.2f,%.2f %.2f,%.2f ", sm_plot_px(a, t0 + first * dt),
                          sm_plot_py(a, v[first * stride]), sm_plot_px(a, t0 + second * dt),
                          sm_plot_py(a, v[second * stride]));
        }
        sm_svg_printf(s, "\" stroke-opacity=\"0.35\"/>\n");
        sm_svg_printf(s, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%.2f\" "
                         "stroke-linejoin=\"round\" points=\"",
                      colour, width * 1.2);
        for (size_t c = 0; c < cols; c++) {
            size_t i0 = c * n / cols, i1 = (c + 1) * n / cols;
            double sum = 0;
            for (size_t i = i0; i < i1; i++)
                sum += v[i * stride];
            double mid = t0 + (i0 + i1 - 1) * 0.5 * dt;
            sm_svg_printf(s, "%.2f,%.2f ", sm_plot_px(a, mid),
                          sm_plot_py(a, i1 > i0 ? sum / (double)(i1 - i0) : 0));
        }
    }
    sm_svg_printf(s, "\"/>\n");
}

void sm_plot_range(const double *v, size_t n, size_t stride, int zero, double *lo, double *hi)
{
    double a = zero ? 0 : INFINITY, b = zero ? 0 : -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double x = v[i * stride];
        if (isfinite(x)) {
            a = fmin(a, x);
            b = fmax(b, x);
        }
    }
    if (!isfinite(a) || !isfinite(b)) {
        a = 0;
        b = 1;
    } else if (b - a <= 1e-12 * fmax(fabs(a), fabs(b))) {
        if (a == 0)
            b = 1;
        else {
            a -= fabs(a) * 0.5;
            b += fabs(b) * 0.5;
        }
    } else {
        double pad = 0.05 * (b - a);
        if (!(zero && a == 0))
            a -= pad;
        b += pad;
    }
    *lo = a;
    *hi = b;
}

#define S_KEY_H 17.0
#define S_KEY_COLS 3

/* Rows per column and columns of a legend of n entries in h px. */
static void s_key_grid(size_t n, double h, size_t max_cols, size_t *rows, size_t *cols)
{
    size_t r = (size_t)(h / S_KEY_H);
    if (r < 1)
        r = 1;
    size_t c = (n + r - 1) / r;
    *rows = r;
    if (!max_cols || max_cols > S_KEY_COLS)
        max_cols = S_KEY_COLS;
    *cols = c < 1 ? 1 : (c > max_cols ? max_cols : c);
}

static double s_key_w(const sm_plot_key_t *k)
{
    return 22 + sm_svg_text_width(k->text, SM_PLOT_FONT_TICK, 0);
}

double sm_plot_legend_width(const sm_plot_key_t *k, size_t n, double h, size_t max_cols)
{
    size_t rows, cols;
    s_key_grid(n, h, max_cols, &rows, &cols);
    double w = 0;
    for (size_t c = 0; c < cols; c++) {
        double cw = 0;
        for (size_t r = 0; r < rows && c * rows + r < n; r++)
            cw = fmax(cw, s_key_w(&k[c * rows + r]));
        w += cw + (c + 1 < cols ? 12 : 0);
    }
    return fmax(w, sm_svg_text_width("+0000 more", SM_PLOT_FONT_TICK, 0));
}

double sm_plot_legend(sm_svg_t *s, double x, double y, double h, const sm_plot_key_t *k,
                      size_t n, size_t max_cols)
{
    size_t rows, cols;
    s_key_grid(n, h, max_cols, &rows, &cols);
    size_t shown = rows * cols < n ? rows * cols - 1 : n; /* the last place counts the rest */
    const sm_svg_font_t f = {.size = SM_PLOT_FONT_TICK, .anchor = "start", .fill = "#222222"};
    double cx = x, lastx = x;
    for (size_t c = 0; c < cols; c++) {
        double cw = 0;
        lastx = cx;
        for (size_t r = 0; r < rows && c * rows + r < shown; r++) {
            const sm_plot_key_t *e = &k[c * rows + r];
            double ey = y + r * S_KEY_H;
            if (e->line == 2)
                sm_svg_dashed(s, cx, ey + S_KEY_H / 2, cx + 16, ey + S_KEY_H / 2, e->colour, 1.6,
                              3);
            else if (e->line)
                sm_svg_line(s, cx, ey + S_KEY_H / 2, cx + 16, ey + S_KEY_H / 2, e->colour, 2.5);
            else
                sm_svg_rect(s, cx + 2, ey + 3, 11, 11, e->colour);
            sm_svg_label(s, cx + 22, ey + 12.5, &f, e->text);
            cw = fmax(cw, s_key_w(e));
        }
        cx += cw + 12;
    }
    if (shown < n) {
        char more[48];
        snprintf(more, sizeof more, "+%zu more", n - shown);
        sm_svg_label(s, lastx + 22, y + (rows - 1) * S_KEY_H + 12.5, &f, more);
    }
    return sm_plot_legend_width(k, n, h, max_cols);
}

double sm_plot_title(sm_svg_t *s, double cx, double y, const char *title, const char *sub)
{
    const sm_svg_font_t tf = {.size = SM_PLOT_FONT_TITLE, .anchor = "middle", .bold = 1};
    sm_svg_label(s, cx, y + SM_PLOT_FONT_TITLE, &tf, title);
    y += SM_PLOT_FONT_TITLE + 6;
    if (sub && *sub) {
        const sm_svg_font_t sf = {.size = SM_PLOT_FONT_AXIS, .anchor = "middle", .fill = "#555555"};
        sm_svg_label(s, cx, y + SM_PLOT_FONT_AXIS, &sf, sub);
        y += SM_PLOT_FONT_AXIS + 6;
    }
    return y;
}

double sm_plot_title_height(const char *sub)
{
    return SM_PLOT_FONT_TITLE + 6 + (sub && *sub ? SM_PLOT_FONT_AXIS + 6 : 0);
}

double sm_plot_title_width(const char *title, const char *sub)
{
    double w = sm_svg_text_width(title, SM_PLOT_FONT_TITLE, 1);
    if (sub)
        w = fmax(w, sm_svg_text_width(sub, SM_PLOT_FONT_AXIS, 0));
    return w;
}
