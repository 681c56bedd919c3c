/* Plots as pictures (tools/report/plot_*.c): each figure `spikemesh plot`
 * writes is rendered with librsvg and the test looks at the pixels: dots
 * where the spikes are, an x axis over the run's whole duration, a colour
 * for every population, a log-scale energy bar a 2% category can be seen
 * in, unused cores apart from idle ones, chip boundaries, and nothing
 * drawn outside the canvas at any mesh size from 1 x 1 to 64 x 64.
 *
 * The SVG is rendered with its viewBox widened by a margin on every side,
 * so anything drawn beyond the canvas shows up in the margin instead of
 * being cut off unseen. Each panel names its pixel box and data range in
 * an sm:area comment (plot_axis.h), which tells where a value must be. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#ifdef T_HAVE_RSVG
#include <cairo.h>
#include <librsvg/rsvg.h>
#endif

/* fontconfig keeps its caches to the end of the process */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}

#define MARGIN 40 /* px around the canvas */

typedef struct {
    int w, h;          /* canvas of the SVG      */
    int stride;
    unsigned char *px; /* (w + 2M) x (h + 2M) ARGB32 */
    char *svg;
} t_img_t;

typedef struct {
    double x, y, w, h, x0, x1, y0, y1;
    int xlog, ylog;
} t_area_t;

/* ---- rendering -------------------------------------------------------- */

static void s_render(const char *path, t_img_t *img)
{
    memset(img, 0, sizeof *img);
#ifndef T_HAVE_RSVG
    (void)path;
    cr_fail("built without librsvg (Debian: librsvg2-dev): cannot render %s", path);
    cr_fatal();
#else
    img->svg = t_read(path, NULL);
    double w, h;
    const char *vb = strstr(img->svg, "viewBox=\"0 0 ");
    cr_assert_not_null(vb, "%s: no viewBox", path);
    cr_assert_eq(sscanf(vb, "viewBox=\"0 0 %lf %lf\"", &w, &h), 2, "%s: viewBox", path);
    cr_assert(w >= 1 && h >= 1 && w < 20000 && h < 20000, "%s: canvas %g x %g", path, w, h);
    img->w = (int)w;
    img->h = (int)h;
    /* the same drawing, with the view widened by MARGIN on every side */
    size_t len = strlen(img->svg);
    char *wide = malloc(len + 200);
    cr_assert_not_null(wide);
    const char *root = strstr(img->svg, "<svg ");
    const char *root_end = root ? strchr(root, '>') : NULL;
    cr_assert_not_null(root_end, "%s: no <svg> element", path);
    int n = snprintf(wide, len + 200, "%.*s<svg xmlns=\"http://www.w3.org/2000/svg\" "
                                      "width=\"%d\" height=\"%d\" viewBox=\"%d %d %d %d\" "
                                      "font-family=\"DejaVu Sans, sans-serif\">",
                     (int)(root - img->svg), img->svg, img->w + 2 * MARGIN, img->h + 2 * MARGIN,
                     -MARGIN, -MARGIN, img->w + 2 * MARGIN, img->h + 2 * MARGIN);
    memcpy(wide + n, root_end + 1, strlen(root_end + 1) + 1);
    GError *ge = NULL;
    RsvgHandle *rh = rsvg_handle_new_from_data((const guint8 *)wide, strlen(wide), &ge);
    cr_assert_not_null(rh, "%s: librsvg: %s", path, ge ? ge->message : "?");
    int W = img->w + 2 * MARGIN, H = img->h + 2 * MARGIN;
    cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W, H);
    cairo_t *cr = cairo_create(surf);
    RsvgRectangle vp = {0, 0, W, H};
    gboolean ok = rsvg_handle_render_document(rh, cr, &vp, &ge);
    cr_assert(ok, "%s: librsvg: %s", path, ge ? ge->message : "?");
    cairo_surface_flush(surf);
    img->stride = cairo_image_surface_get_stride(surf);
    img->px = malloc((size_t)img->stride * H);
    cr_assert_not_null(img->px);
    memcpy(img->px, cairo_image_surface_get_data(surf), (size_t)img->stride * H);
    /* SM_PLOT_TEST_PNG=dir keeps what the test looked at */
    const char *keep = getenv("SM_PLOT_TEST_PNG");
    if (keep && *keep) {
        char out[600];
        const char *base = strrchr(path, '/');
        snprintf(out, sizeof out, "%s/%s.png", keep, base ? base + 1 : path);
        cairo_surface_write_to_png(surf, out);
    }
    cairo_destroy(cr);
    cairo_surface_destroy(surf);
    g_object_unref(rh);
    free(wide);
#endif
}

static void s_img_free(t_img_t *img)
{
    free(img->px);
    free(img->svg);
    memset(img, 0, sizeof *img);
}

/* Pixel at canvas coordinates (may lie in the margin), 0xAARRGGBB. */
static uint32_t s_px(const t_img_t *img, double x, double y)
{
    int ix = (int)floor(x) + MARGIN, iy = (int)floor(y) + MARGIN;
    if (ix < 0 || iy < 0 || ix >= img->w + 2 * MARGIN || iy >= img->h + 2 * MARGIN)
        return 0;
    uint32_t v;
    memcpy(&v, img->px + (size_t)iy * img->stride + (size_t)ix * 4, 4);
    return v;
}

static uint32_t s_rgb(const char *hex)
{
    return 0xff000000u | (uint32_t)strtoul(hex + 1, NULL, 16);
}

/* Colour distance (max over channels) of two opaque pixels. */
static int s_diff(uint32_t a, uint32_t b)
{
    int d = 0;
    for (int s = 0; s < 24; s += 8) {
        int x = (int)((a >> s) & 255) - (int)((b >> s) & 255);
        d = abs(x) > d ? abs(x) : d;
    }
    return ((a >> 24) != (b >> 24)) ? 255 : d;
}

/* Painted pixels outside the canvas: what a viewer would clip. */
static size_t s_outside(const t_img_t *img)
{
    size_t n = 0;
    for (int y = -MARGIN; y < img->h + MARGIN; y++)
        for (int x = -MARGIN; x < img->w + MARGIN; x++)
            if ((x < 0 || y < 0 || x >= img->w || y >= img->h) && (s_px(img, x, y) >> 24) > 0)
                n++;
    return n;
}

/* Pixels of exactly colour c (within tol) in the box. */
static size_t s_count(const t_img_t *img, double x0, double y0, double x1, double y1, uint32_t c,
                      int tol)
{
    size_t n = 0;
    for (int y = (int)y0; y < (int)y1; y++)
        for (int x = (int)x0; x < (int)x1; x++)
            if (s_diff(s_px(img, x, y), c) <= tol)
                n++;
    return n;
}

/* Is there a pixel of colour c within r px of (x, y)? */
static int s_near(const t_img_t *img, double x, double y, double r, uint32_t c, int tol)
{
    return s_count(img, x - r, y - r, x + r + 1, y + r + 1, c, tol) > 0;
}

/* The k-th (0-based) sm:area comment called name. */
static int s_area(const t_img_t *img, const char *name, int k, t_area_t *a)
{
    char key[80];
    snprintf(key, sizeof key, "<!-- sm:area %s ", name);
    const char *p = img->svg;
    for (int i = 0; (p = strstr(p, key)); i++, p++)
        if (i == k)
            return sscanf(p + strlen(key), "%lf %lf %lf %lf %lf %lf %lf %lf %d %d", &a->x, &a->y,
                          &a->w, &a->h, &a->x0, &a->x1, &a->y0, &a->y1, &a->xlog, &a->ylog) == 10
                       ? 0
                       : -1;
    return -1;
}

static double s_ax(const t_area_t *a, double v)
{
    return a->x + a->w * (v - a->x0) / (a->x1 - a->x0);
}

static double s_ay(const t_area_t *a, double v)
{
    if (a->ylog)
        return a->y + a->h * (1 - (log10(v) - log10(a->y0)) / (log10(a->y1) - log10(a->y0)));
    return a->y + a->h * (1 - (v - a->y0) / (a->y1 - a->y0));
}

/* ---- run directories --------------------------------------------------- */

static const char *const s_tab10[10] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

/* stats.json of a w x h mesh: cores with neurons where has(x, y), links
 * east and west between all neighbours. */
static void s_stats(const char *dir, uint32_t w, uint32_t h, uint32_t ticks, double dt,
                    const char *pops_json, const char *energy_json,
                    double (*events)(uint32_t, uint32_t), int (*has)(uint32_t, uint32_t))
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddNumberToObject(d, "ticks", ticks);
    cJSON_AddNumberToObject(d, "dt_ms", dt);
    cJSON *m = cJSON_AddObjectToObject(d, "mesh");
    cJSON_AddNumberToObject(m, "width", w);
    cJSON_AddNumberToObject(m, "height", h);
    cJSON *tot = cJSON_AddObjectToObject(d, "totals");
    cJSON_AddNumberToObject(tot, "spikes", 0);
    cJSON_AddNumberToObject(tot, "packets", 0);
    cJSON *cores = cJSON_AddArrayToObject(d, "cores");
    cJSON *links = cJSON_AddArrayToObject(d, "links");
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            cJSON *c = cJSON_CreateObject();
            cJSON_AddNumberToObject(c, "x", x);
            cJSON_AddNumberToObject(c, "y", y);
            cJSON_AddNumberToObject(c, "neurons", has(x, y) ? 10 : 0);
            cJSON_AddNumberToObject(c, "synaptic_events", events(x, y));
            cJSON_AddNumberToObject(c, "neuron_updates", 2 * events(x, y));
            cJSON_AddNumberToObject(c, "spikes", 0);
            cJSON_AddItemToArray(cores, c);
            if (x + 1 < w)
                for (int dir2 = 0; dir2 < 2; dir2++) {
                    cJSON *l = cJSON_CreateObject();
                    int a[2] = {(int)x + dir2, (int)y}, b[2] = {(int)x + 1 - dir2, (int)y};
                    cJSON_AddItemToObject(l, "from", cJSON_CreateIntArray(a, 2));
                    cJSON_AddItemToObject(l, "to", cJSON_CreateIntArray(b, 2));
                    cJSON_AddNumberToObject(l, "packets", 1 + x + y);
                    cJSON_AddItemToArray(links, l);
                }
        }
    cJSON_AddItemToObject(d, "populations", cJSON_Parse(pops_json));
    if (energy_json)
        cJSON_AddItemToObject(d, "energy", cJSON_Parse(energy_json));
    char *text = cJSON_Print(d);
    char path[512];
    t_write(t_join(path, sizeof path, dir, "stats.json"), text, strlen(text));
    free(text);
    cJSON_Delete(d);
}

static double s_ev_xy(uint32_t x, uint32_t y)
{
    return 10.0 * x + y;
}

static int s_all(uint32_t x, uint32_t y)
{
    (void)x;
    (void)y;
    return 1;
}

static int s_some(uint32_t x, uint32_t y)
{
    return (x + y) % 3 != 0;
}

static void s_plot(const char *dir, const char *args)
{
    cr_assert_eq(t_run_bin("plot '%s' %s >/dev/null", dir, args), 0, "plot %s %s failed", dir,
                 args);
}

static const char *s_file(char *path, size_t cap, const char *dir, const char *name)
{
    return t_join(path, cap, dir, name);
}

/* ---- raster -------------------------------------------------------------- */

#define TWO_POPS                                                                                   \
    "[{\"name\":\"a\",\"size\":10,\"recorded\":true},"                                             \
    "{\"name\":\"b\",\"size\":20,\"recorded\":true}]"

Test(plot, raster_dots_sit_at_the_spike_times_and_the_axis_spans_the_run)
{
    char dir[256], path[512];
    t_mkdtemp(dir, sizeof dir, "plot");
    /* 200 ticks of 0.5 ms: the run lasts 100 ms, the last spike is at 60 */
    s_stats(dir, 2, 2, 200, 0.5, TWO_POPS, NULL, s_ev_xy, s_all);
    t_write_in(path, sizeof path, dir, "spikes.csv",
               "tick,population,index\n20,a,3\n60,b,7\n120,a,9\n");
    s_plot(dir, "");
    t_img_t img;
    s_render(s_file(path, sizeof path, dir, "raster.svg"), &img);
    t_area_t a;
    cr_assert_eq(s_area(&img, "raster", 0, &a), 0, "no raster area");
    cr_expect_float_eq(a.x0, 0, 1e-9);
    cr_expect_float_eq(a.x1, 100, 1e-9, "x axis ends at %g ms, not at the run's 100 ms", a.x1);
    /* dots: a[3] at 10 ms, b[7] (row 10 + 7) at 30 ms, a[9] at 60 ms */
    struct {
        double ms, row;
        const char *col;
    } dots[] = {{10, 3, s_tab10[0]}, {30, 17, s_tab10[1]}, {60, 9, s_tab10[0]}};
    for (size_t i = 0; i < 3; i++) {
        double x = s_ax(&a, dots[i].ms), y = s_ay(&a, dots[i].row);
        cr_expect(s_near(&img, x, y, 1, s_rgb(dots[i].col), 40),
                  "no %s dot at %g ms, row %g (pixel %.0f,%.0f: %08x)", dots[i].col, dots[i].ms,
                  dots[i].row, x, y, s_px(&img, x, y));
    }
    /* and none where there is no spike: the last 40 ms hold only grid lines */
    size_t dotted = s_count(&img, s_ax(&a, 62), a.y + 1, a.x + a.w - 1, a.y + a.h - 1,
                            s_rgb(s_tab10[0]), 40) +
                    s_count(&img, s_ax(&a, 62), a.y + 1, a.x + a.w - 1, a.y + a.h - 1,
                            s_rgb(s_tab10[1]), 40);
    cr_expect_eq(dotted, 0, "%zu dot pixels after the last spike", dotted);
    /* the x axis is drawn over the whole width, to the run's end */
    size_t axis = s_count(&img, a.x, a.y + a.h - 0.5, a.x + a.w, a.y + a.h + 0.5,
                          s_rgb("#222222"), 90);
    cr_expect_geq(axis, (size_t)(0.95 * a.w), "x axis %zu px of %g", axis, a.w);
    /* the rate panel below shares the time axis */
    t_area_t r;
    cr_assert_eq(s_area(&img, "rate", 0, &r), 0, "no rate panel");
    cr_expect(r.y > a.y + a.h, "rate panel not below the raster");
    cr_expect_float_eq(r.x1, 100, 1e-9);
    cr_expect_float_eq(r.x, a.x, 1e-9);
    /* 10 spikes/s per neuron... a[3] alone in its bin: 1 spike / (10 neurons x bin) */
    cr_expect(s_count(&img, r.x, r.y, r.x + r.w, r.y + r.h, s_rgb(s_tab10[0]), 40) > 20,
              "no rate line of population a");
    cr_expect_eq(s_outside(&img), 0, "raster drawn outside its canvas");
    s_img_free(&img);
    cr_expect_eq(t_rmtree(dir), 0);
}

Test(plot, raster_window_and_population_subset)
{
    char dir[256], path[512];
    t_mkdtemp(dir, sizeof dir, "plot");
    s_stats(dir, 1, 1, 200, 0.5, TWO_POPS, NULL, s_ev_xy, s_all);
    t_write_in(path, sizeof path, dir, "spikes.csv",
               "tick,population,index\n20,a,3\n60,b,7\n70,a,2\n120,a,9\n");
    s_plot(dir, "--from 25 --to 50 --pops a");
    t_img_t img;
    s_render(s_file(path, sizeof path, dir, "raster.svg"), &img);
    t_area_t a;
    cr_assert_eq(s_area(&img, "raster", 0, &a), 0);
    cr_expect_float_eq(a.x0, 25, 1e-9);
    cr_expect_float_eq(a.x1, 50, 1e-9);
    cr_expect_float_eq(a.y1, 9.5, 1e-9, "rows of population a only, got up to %g", a.y1);
    cr_expect(s_near(&img, s_ax(&a, 35), s_ay(&a, 2), 1, s_rgb(s_tab10[0]), 40),
              "a[2] at 35 ms missing");
    /* b is left out: its colour is nowhere */
    cr_expect_eq(s_count(&img, 0, 0, img.w, img.h, s_rgb(s_tab10[1]), 30), 0,
                 "population b drawn though not asked for");
    s_img_free(&img);
    cr_expect_neq(t_run_bin("plot '%s' --pops c 2>/dev/null", dir), 0);
    cr_expect_neq(t_run_bin("plot '%s' --to 101 2>/dev/null", dir), 0);
    cr_expect_neq(t_run_bin("plot '%s' --from 30 --to 20 2>/dev/null", dir), 0);
    cr_expect_eq(t_rmtree(dir), 0);
}

Test(plot, every_population_has_its_colour_in_the_raster)
{
    char dir[256], path[512];
    t_mkdtemp(dir, sizeof dir, "plot");
    /* 14 populations: past the ten fixed colours */
    char pops[2048] = "[", spikes[8192] = "tick,population,index\n";
    for (int p = 0; p < 14; p++) {
        char one[96];
        snprintf(one, sizeof one, "%s{\"name\":\"p%d\",\"size\":4,\"recorded\":true}",
                 p ? "," : "", p);
        strcat(pops, one);
        for (int t = 0; t < 40; t++) {
            snprintf(one, sizeof one, "%d,p%d,%d\n", t * 2 + (p % 2), p, t % 4);
            strcat(spikes, one);
        }
    }
    strcat(pops, "]");
    s_stats(dir, 1, 1, 100, 1, pops, NULL, s_ev_xy, s_all);
    t_write_in(path, sizeof path, dir, "spikes.csv", spikes);
    s_plot(dir, "");
    t_img_t img;
    s_render(s_file(path, sizeof path, dir, "raster.svg"), &img);
    t_area_t a;
    cr_assert_eq(s_area(&img, "raster", 0, &a), 0);
    /* the colours of the dots inside the raster area, one per band */
    uint32_t seen[14];
    for (int p = 0; p < 14; p++) {
        double y = s_ay(&a, p * 4 + 1);
        /* the pixel farthest from white along the band: a dot's inside */
        uint32_t c = 0;
        int far = 60;
        for (double x = a.x + 2; x < a.x + a.w; x++) {
            uint32_t v = s_px(&img, x, y);
            if (s_diff(v, 0xffffffffu) > far) {
                far = s_diff(v, 0xffffffffu);
                c = v;
            }
        }
        cr_expect_neq(c, 0, "no dots of population p%d", p);
        seen[p] = c;
        for (int q = 0; q < p; q++)
            cr_expect(s_diff(seen[q], c) > 20, "p%d and p%d share colour %08x", q, p, c);
    }
    cr_expect_eq(s_outside(&img), 0);
    s_img_free(&img);
    cr_expect_eq(t_rmtree(dir), 0);
}

/* ---- energy -------------------------------------------------------------- */

Test(plot, log_scale_energy_shows_a_two_percent_category)
{
    char dir[256], path[512];
    t_mkdtemp(dir, sizeof dir, "plot");
    s_stats(dir, 2, 1, 100, 1, TWO_POPS,
            "{\"chip\":\"loihi\",\"synaptic\":2e-6,\"neuron_update\":9.75e-5,"
            "\"spike\":5e-7,\"routing\":0,\"static\":0,\"total\":1e-4,"
            "\"cores\":[{\"x\":0,\"y\":0,\"joules\":6e-5},{\"x\":1,\"y\":0,\"joules\":4e-5}]}",
            s_ev_xy, s_all);
    t_write_in(path, sizeof path, dir, "spikes.csv", "tick,population,index\n");
    s_plot(dir, "");
    t_img_t img;
    s_render(s_file(path, sizeof path, dir, "energy.svg"), &img);
    t_area_t a;
    cr_assert_eq(s_area(&img, "energy", 0, &a), 0);
    cr_expect(a.ylog, "energy axis is not logarithmic");
    /* bars in category order: synaptic (2%), neuron_update, spike (0.5%) */
    static const char *const col[] = {"#4477aa", "#ee6677", "#228833"};
    double tall[3];
    for (int k = 0; k < 3; k++) {
        double cx = a.x + (k + 0.5) * a.w / 5;
        int n = 0;
        for (double y = a.y + a.h - 1; y > a.y; y--)
            n += s_diff(s_px(&img, cx, y), s_rgb(col[k])) <= 10;
        tall[k] = n;
    }
    cr_expect_geq(tall[0], 60, "the 2%% category's bar is %g px tall", tall[0]);
    cr_expect_geq(tall[2], 30, "the 0.5%% category's bar is %g px tall", tall[2]);
    cr_expect_gt(tall[1], tall[0]);
    cr_expect_gt(tall[0], tall[2]);
    /* its top is where 2 uJ lies on the axis */
    double top = s_ay(&a, 2e-6);
    cr_expect(fabs((a.y + a.h - tall[0]) - top) <= 2, "2 uJ bar top at %g, axis says %g",
              a.y + a.h - tall[0], top);
    cr_expect_eq(s_outside(&img), 0);
    s_img_free(&img);
    /* --counter energy colours the cores by joules: core 0 is the hotter */
    s_plot(dir, "--counter energy");
    s_render(s_file(path, sizeof path, dir, "cores.svg"), &img);
    t_area_t g;
    cr_assert_eq(s_area(&img, "cores", 0, &g), 0);
    cr_expect_eq(s_diff(s_px(&img, g.x + g.w * 0.25, g.y + 4), s_rgb("#fde725")), 0,
                 "core (0,0) is not the top of the scale");
    s_img_free(&img);
    cr_expect_eq(t_rmtree(dir), 0);
}

/* ---- cores and links ----------------------------------------------------- */

static double s_ev_ramp(uint32_t x, uint32_t y)
{
    (void)y;
    return x == 2 ? 100 : 0;
}

static int s_first_unused(uint32_t x, uint32_t y)
{
    (void)y;
    return x != 0;
}

Test(plot, unused_cores_look_apart_from_idle_ones)
{
    char dir[256], path[512];
    t_mkdtemp(dir, sizeof dir, "plot");
    /* core 0: no neurons; core 1: neurons, no events; core 2: the busiest */
    s_stats(dir, 3, 1, 10, 1, TWO_POPS, NULL, s_ev_ramp, s_first_unused);
    t_write_in(path, sizeof path, dir, "spikes.csv", "tick,population,index\n");
    s_plot(dir, "");
    t_img_t img;
    s_render(s_file(path, sizeof path, dir, "cores.svg"), &img);
    t_area_t g;
    cr_assert_eq(s_area(&img, "cores", 0, &g), 0);
    double cell = g.w / 3, cy = g.y + g.h / 2;
    /* the hatch: its two greys, no colour of the scale */
    size_t hatch = s_count(&img, g.x + 4, g.y + 4, g.x + cell - 4, g.y + g.h - 4,
                           s_rgb("#c4c4c4"), 20);
    size_t light = s_count(&img, g.x + 4, g.y + 4, g.x + cell - 4, g.y + g.h - 4,
                           s_rgb("#f2f2f2"), 8);
    cr_expect(hatch > 20 && light > 20, "unused core not hatched (%zu, %zu)", hatch, light);
    cr_expect_leq(s_diff(s_px(&img, g.x + 1.5 * cell, cy + cell * 0.3), s_rgb("#440154")), 3,
                  "idle core is not the bottom of the scale: %08x",
                  s_px(&img, g.x + 1.5 * cell, cy + cell * 0.3));
    cr_expect_leq(s_diff(s_px(&img, g.x + 2.5 * cell, cy + cell * 0.3), s_rgb("#fde725")), 3,
                  "busiest core is not the top of the scale");
    /* the colour bar is drawn whole inside the canvas */
    t_area_t cb;
    cr_assert_eq(s_area(&img, "colourbar", 0, &cb), 0);
    cr_expect(cb.x >= 0 && cb.y >= 0 && cb.x + cb.w <= img.w && cb.y + cb.h <= img.h,
              "colour bar outside the canvas");
    cr_expect_leq(s_diff(s_px(&img, cb.x + cb.w / 2, cb.y + 2), s_rgb("#fde725")), 12);
    cr_expect_leq(s_diff(s_px(&img, cb.x + cb.w / 2, cb.y + cb.h - 2), s_rgb("#440154")), 12);
    cr_expect_eq(s_outside(&img), 0);
    s_img_free(&img);
    cr_expect_eq(t_rmtree(dir), 0);
}

Test(plot, chip_boundaries_split_the_grid)
{
    char dir[256], path[512];
    t_mkdtemp(dir, sizeof dir, "plot");
    /* an 8 x 8 board of 2 x 2 chips of 4 x 4 cores */
    s_stats(dir, 8, 8, 10, 1, TWO_POPS, NULL, s_ev_xy, s_all);
    t_write_in(path, sizeof path, dir, "spikes.csv", "tick,population,index\n");
    s_plot(dir, "--chip '" T_CHIPS_DIR "/mini_board.json'");
    t_img_t img;
    s_render(s_file(path, sizeof path, dir, "cores.svg"), &img);
    t_area_t g;
    cr_assert_eq(s_area(&img, "cores", 0, &g), 0);
    double cell = g.w / 8;
    uint32_t ink = s_rgb("#111111");
    /* a dark line down x = 4 cores and across y = 4, none at x = 2 */
    size_t down = 0, across = 0, none = 0;
    for (double y = g.y + 2; y < g.y + g.h - 2; y++) {
        down += s_diff(s_px(&img, g.x + 4 * cell, y), ink) <= 30;
        if (fabs(y - (g.y + 4 * cell)) > 3) /* where the boundary across passes */
            none += s_diff(s_px(&img, g.x + 2 * cell, y), ink) <= 30;
    }
    for (double x = g.x + 2; x < g.x + g.w - 2; x++)
        across += s_diff(s_px(&img, x, g.y + 4 * cell), ink) <= 30;
    cr_expect_geq(down, (size_t)(0.9 * (g.h - 4)), "no chip boundary at x = 4 (%zu px)", down);
    cr_expect_geq(across, (size_t)(0.9 * (g.w - 4)), "no chip boundary at y = 4 (%zu px)",
                  across);
    cr_expect_eq(none, 0, "a chip boundary where there is none");
    s_img_free(&img);
    cr_expect_eq(t_rmtree(dir), 0);
}

Test(plot, links_have_a_colour_scale)
{
    char dir[256], path[512];
    t_mkdtemp(dir, sizeof dir, "plot");
    s_stats(dir, 4, 3, 10, 1, TWO_POPS, NULL, s_ev_xy, s_all);
    t_write_in(path, sizeof path, dir, "spikes.csv", "tick,population,index\n");
    s_plot(dir, "");
    t_img_t img;
    s_render(s_file(path, sizeof path, dir, "links.svg"), &img);
    t_area_t cb, g;
    cr_assert_eq(s_area(&img, "colourbar", 0, &cb), 0, "links.svg has no colour scale");
    cr_assert_eq(s_area(&img, "links", 0, &g), 0);
    cr_expect(cb.x > g.x + g.w, "colour bar overlaps the grid");
    cr_expect_float_eq(cb.y1, 5, 1e-9, "scale ends at %g, the busiest link has 5", cb.y1);
    /* the busiest links (2,2)<->(3,2) wear the top colour of the scale */
    uint32_t top = s_px(&img, cb.x + cb.w / 2, cb.y + 1);
    double cell = g.w / 4;
    cr_expect(s_near(&img, g.x + 3 * cell, g.y + 2.5 * cell - 0.13 * cell, 2, top, 25) ||
                  s_near(&img, g.x + 3 * cell, g.y + 2.5 * cell + 0.13 * cell, 2, top, 25),
              "busiest link not in the top colour %08x", top);
    cr_expect_eq(s_outside(&img), 0);
    s_img_free(&img);
    cr_expect_eq(t_rmtree(dir), 0);
}

/* every figure, for meshes from 1 x 1 to 64 x 64 (and a wide one) */
Test(plot, nothing_is_clipped_at_any_mesh_size)
{
    static const uint32_t sizes[][2] = {{1, 1}, {2, 1}, {1, 7}, {16, 8}, {48, 18}, {64, 64}};
    static const char *const figs[] = {"raster.svg", "ticks.svg", "cores.svg", "links.svg",
                                       "energy.svg"};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        char dir[256], path[512];
        t_mkdtemp(dir, sizeof dir, "plot");
        s_stats(dir, sizes[s][0], sizes[s][1], 50, 1, TWO_POPS,
                "{\"chip\":\"loihi\",\"synaptic\":1e-9,\"neuron_update\":3e-9,\"spike\":1e-11,"
                "\"routing\":5e-11,\"static\":0,\"total\":4.06e-9,\"cores\":[]}",
                s_ev_xy, s_some);
        t_write_in(path, sizeof path, dir, "spikes.csv",
                   "tick,population,index\n0,a,0\n49,b,19\n");
        s_plot(dir, "");
        for (size_t f = 0; f < sizeof figs / sizeof *figs; f++) {
            t_img_t img;
            s_render(s_file(path, sizeof path, dir, figs[f]), &img);
            size_t out = s_outside(&img);
            cr_expect_eq(out, 0, "%u x %u mesh: %s has %zu px outside its canvas", sizes[s][0],
                         sizes[s][1], figs[f], out);
            t_area_t cb;
            if (s_area(&img, "colourbar", 0, &cb) == 0)
                cr_expect(cb.x >= 0 && cb.y >= 0 && cb.x + cb.w <= img.w &&
                              cb.y + cb.h <= img.h,
                          "%u x %u: %s colour bar outside", sizes[s][0], sizes[s][1], figs[f]);
            /* the title is on the canvas: dark pixels in the top 36 rows */
            cr_expect_gt(s_count(&img, 0, 0, img.w, 36, 0xff000000u, 60), 20,
                         "%u x %u: %s has no title", sizes[s][0], sizes[s][1], figs[f]);
            s_img_free(&img);
        }
        cr_expect_eq(t_rmtree(dir), 0);
    }
}

/* ---- traces and the per-tick series --------------------------------------- */

Test(plot, traces_get_a_panel_per_probe)
{
    char dir[256], path[512];
    t_mkdtemp(dir, sizeof dir, "plot");
    s_stats(dir, 1, 1, 100, 1, TWO_POPS, NULL, s_ev_xy, s_all);
    t_write_in(path, sizeof path, dir, "spikes.csv", "tick,population,index\n");
    char traces[16384] = "tick,population,index,v,syn_exc,syn_inh\n";
    for (int t = 0; t < 100; t++) {
        char row[160];
        /* a[0]: v ramps 0..0.99 then; b[5]: v is a square wave */
        snprintf(row, sizeof row, "%d,a,0,%g,%g,0\n%d,b,5,%d,0,%g\n", t, t / 100.0,
                 t % 10 == 0 ? 1.0 : 0.0, t, (t / 25) % 2, -0.5);
        strcat(traces, row);
    }
    t_write_in(path, sizeof path, dir, "traces.csv", traces);
    s_plot(dir, "");
    t_img_t img;
    s_render(s_file(path, sizeof path, dir, "traces.svg"), &img);
    t_area_t v0, v1, i0, extra;
    cr_assert_eq(s_area(&img, "v", 0, &v0), 0);
    cr_assert_eq(s_area(&img, "v", 1, &v1), 0);
    cr_assert_eq(s_area(&img, "current", 0, &i0), 0);
    cr_expect_neq(s_area(&img, "v", 2, &extra), 0, "a third probe panel");
    cr_expect(v1.y > i0.y + i0.h, "probe panels overlap");
    /* the ramp of a[0] passes (50 ms, 0.5) */
    cr_expect(s_near(&img, s_ax(&v0, 50), s_ay(&v0, 0.5), 2, s_rgb("#222222"), 60),
              "v of a[0] not at (50 ms, 0.5)");
    /* b[5]'s inhibitory current (blue) sits at -0.5 */
    t_area_t i1;
    cr_assert_eq(s_area(&img, "current", 1, &i1), 0);
    cr_expect(s_near(&img, s_ax(&i1, 30), s_ay(&i1, -0.5), 2, s_rgb("#1f77b4"), 60),
              "syn_inh of b[5] not at -0.5");
    cr_expect_eq(s_outside(&img), 0);
    s_img_free(&img);
    /* --pops b leaves one panel */
    s_plot(dir, "--pops b");
    s_render(s_file(path, sizeof path, dir, "traces.svg"), &img);
    cr_expect_eq(s_area(&img, "v", 0, &v0), 0);
    cr_expect_neq(s_area(&img, "v", 1, &v1), 0, "--pops b still shows a's probe");
    s_img_free(&img);
    cr_expect_eq(t_rmtree(dir), 0);
}

Test(plot, per_tick_series_from_ticks_csv_or_from_the_spikes)
{
    char dir[256], path[512];
    t_mkdtemp(dir, sizeof dir, "plot");
    s_stats(dir, 1, 1, 40, 1, TWO_POPS, NULL, s_ev_xy, s_all);
    t_write_in(path, sizeof path, dir, "spikes.csv",
               "tick,population,index\n10,a,1\n10,a,2\n10,b,3\n30,b,4\n");
    s_plot(dir, "");
    t_img_t img;
    s_render(s_file(path, sizeof path, dir, "ticks.svg"), &img);
    t_area_t a;
    cr_assert_eq(s_area(&img, "spikes per tick", 0, &a), 0);
    /* 3 spikes at tick 10 */
    cr_expect(s_near(&img, s_ax(&a, 10), s_ay(&a, 3), 2, s_rgb("#1f4e79"), 60),
              "3 spikes at 10 ms not drawn");
    s_img_free(&img);
    char ticks[4096] = "tick,packets,energy_joules\n";
    for (int t = 0; t < 40; t++) {
        char row[64];
        snprintf(row, sizeof row, "%d,%d,%g\n", t, t, t * 1e-9);
        strcat(ticks, row);
    }
    t_write_in(path, sizeof path, dir, "ticks.csv", ticks);
    s_plot(dir, "");
    s_render(s_file(path, sizeof path, dir, "ticks.svg"), &img);
    t_area_t p, e;
    cr_assert_eq(s_area(&img, "packets", 0, &p), 0, "no packets panel from ticks.csv");
    cr_assert_eq(s_area(&img, "energy_joules", 0, &e), 0);
    cr_expect(s_near(&img, s_ax(&p, 20), s_ay(&p, 20), 2, s_rgb("#1f4e79"), 60));
    cr_expect_eq(s_outside(&img), 0);
    s_img_free(&img);
    /* more series than panels (a chip run's ticks.csv): the chip time and
     * the total energy are drawn, not just the first eight columns */
    char wide[8192] = "tick,a1,a2,a3,a4,a5,a6,a7,a8,a9,energy_total_j,chip_ns\n";
    for (int t = 0; t < 40; t++) {
        char row[128];
        snprintf(row, sizeof row, "%d,1,2,3,4,5,6,7,8,9,%g,%d\n", t, t * 1e-9, 100 * t);
        strcat(wide, row);
    }
    t_write_in(path, sizeof path, dir, "ticks.csv", wide);
    s_plot(dir, "");
    s_render(s_file(path, sizeof path, dir, "ticks.svg"), &img);
    cr_expect_eq(s_area(&img, "chip_ns", 0, &p), 0, "no chip_ns panel");
    cr_expect_eq(s_area(&img, "energy_total_j", 0, &e), 0, "no energy_total_j panel");
    cr_expect_neq(s_area(&img, "a9", 0, &e), 0, "a9 drawn although 8 panels are full");
    s_img_free(&img);
    cr_expect_eq(t_rmtree(dir), 0);
}

/* ---- the examples --------------------------------------------------------- */

Test(plot, sheet_on_loihi_draws_all_its_populations_and_its_chip)
{
    char dir[256], path[512];
    t_mkdtemp(dir, sizeof dir, "plot");
    cr_assert_eq(t_run_bin("run '%s/sheet.json' --chip loihi --threads 1 --quiet --out '%s'",
                           T_EXAMPLES_DIR, dir),
                 0);
    s_plot(dir, "");
    static const char *const figs[] = {"raster.svg", "ticks.svg", "cores.svg", "links.svg",
                                       "energy.svg"};
    for (size_t f = 0; f < 5; f++) {
        t_img_t img;
        s_render(s_file(path, sizeof path, dir, figs[f]), &img);
        cr_expect_eq(s_outside(&img), 0, "%s drawn outside its canvas", figs[f]);
        if (f == 0) {
            /* 32 populations of 256 neurons, 500 ms */
            t_area_t a;
            cr_assert_eq(s_area(&img, "raster", 0, &a), 0);
            cr_expect_float_eq(a.x1, 500, 1e-9);
            cr_expect_float_eq(a.y1, 32 * 256 - 0.5, 1e-9);
        }
        s_img_free(&img);
    }
    char *t = t_read(s_file(path, sizeof path, dir, "cores.svg"), NULL);
    cr_expect(strstr(t, "chip loihi") != NULL, "cores.svg does not name the chip");
    free(t);
    cr_expect_eq(t_count_temp_files(dir), 0);
    cr_expect_eq(t_rmtree(dir), 0);
}
