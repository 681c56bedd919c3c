/* spikemesh plot: SVG pictures of a finished run: a spike raster, per-core
 * activity over the grid, link loads, and energy by category. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "csv.h"
#include "json.h"
#include "svg.h"

/* A raster with more dots than this is thinned (every k-th spike) so the
 * SVG stays small enough for a browser; the plot says so. */
#define S_MAX_DOTS 200000

static void s_help(FILE *f)
{
    fprintf(f, "usage: spikemesh plot RUN_DIR\n\n"
               "Writes into RUN_DIR, from its spikes.csv and stats.json:\n"
               "  raster.svg  spikes (tick x neuron, populations stacked)\n"
               "  cores.svg   synaptic events per core over the core grid\n"
               "  links.svg   packets per mesh link\n"
               "  energy.svg  energy by category (only if stats.json has \"energy\")\n");
}

static char *s_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

typedef struct {
    char name[64];
    uint32_t size;
    uint32_t offset;
} s_pop_t;

static int s_find_pop(s_pop_t **pops, uint32_t *n, const char *name)
{
    for (uint32_t i = 0; i < *n; i++)
        if (!strcmp((*pops)[i].name, name))
            return (int)i;
    s_pop_t *p = realloc(*pops, (*n + 1) * sizeof *p);
    if (!p)
        return -1;
    *pops = p;
    memset(&p[*n], 0, sizeof p[*n]);
    snprintf(p[*n].name, sizeof p[*n].name, "%s", name);
    return (int)(*n)++;
}

static int s_raster(const char *dir, const cJSON *stats, sm_error_t *err)
{
    char *path = s_join(dir, "spikes.csv");
    if (!path)
        return sm_fail(err, SM_ENOMEM, "out of memory");
    char *text = sm_file_read(path, NULL, err);
    if (!text) {
        free(path);
        return -1;
    }
    s_pop_t *pops = NULL;
    uint32_t npops = 0;
    const cJSON *jp = stats ? cJSON_GetObjectItemCaseSensitive(stats, "populations") : NULL;
    const cJSON *it;
    cJSON_ArrayForEach(it, jp) {
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(it, "name");
        const cJSON *sz = cJSON_GetObjectItemCaseSensitive(it, "size");
        if (cJSON_IsString(nm)) {
            int k = s_find_pop(&pops, &npops, nm->valuestring);
            if (k >= 0 && cJSON_IsNumber(sz) && sz->valuedouble > 0)
                pops[k].size = (uint32_t)sz->valuedouble;
        }
    }
    /* first pass: check rows, count spikes, find sizes and the last tick */
    size_t n_spikes = 0;
    uint32_t max_tick = 0;
    int rc = 0;
    size_t line = 0;
    for (int pass = 0; pass < 2 && rc == 0; pass++) {
        sm_svg_t s;
        double W = 900, H = 600, L = 70, R = 20, T = 30, B = 50;
        size_t step = n_spikes > S_MAX_DOTS ? (n_spikes + S_MAX_DOTS - 1) / S_MAX_DOTS : 1;
        uint32_t total = 0;
        if (pass == 1) {
            for (uint32_t i = 0; i < npops; i++) {
                pops[i].offset = total;
                total += pops[i].size ? pops[i].size : 1;
            }
            sm_svg_begin(&s, W, H);
            char title[160];
            snprintf(title, sizeof title, "spike raster: %zu spikes%s", n_spikes,
                     step > 1 ? " (thinned)" : "");
            sm_svg_text(&s, W / 2, 18, 14, "middle", title);
            sm_svg_line(&s, L, H - B, W - R, H - B, "black", 1);
            sm_svg_line(&s, L, T, L, H - B, "black", 1);
            sm_svg_text(&s, (L + W - R) / 2, H - 12, 12, "middle", "tick");
            char lab[32];
            snprintf(lab, sizeof lab, "%u", max_tick);
            sm_svg_text(&s, W - R, H - B + 15, 10, "end", lab);
            sm_svg_text(&s, L, H - B + 15, 10, "start", "0");
            for (uint32_t i = 0; i < npops; i++) {
                double y = T + (H - B - T) * (pops[i].offset + 0.5 * (pops[i].size ? pops[i].size : 1)) /
                                   (total ? total : 1);
                sm_svg_text(&s, L - 4, y, 9, "end", pops[i].name);
                if (i > 0) {
                    double yl = T + (H - B - T) * (double)pops[i].offset / total;
                    sm_svg_line(&s, L, yl, W - R, yl, "#cccccc", 0.5);
                }
            }
        }
        line = 0;
        size_t k = 0;
        char *p = text;
        int header_seen = 0;
        while (*p && rc == 0) {
            char *e = strchr(p, '\n');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            line++;
            char row[256];
            if (len >= sizeof row) {
                rc = sm_fail(err, SM_EPARSE, "%s:%zu: line too long", path, line);
                break;
            }
            memcpy(row, p, len);
            row[len] = '\0';
            if (len && row[len - 1] == '\r')
                row[len - 1] = '\0';
            p = e ? e + 1 : p + len;
            if (!row[0] || row[0] == '#')
                continue;
            if (!header_seen) {
                header_seen = 1;
                if (strcmp(row, "tick,population,index") != 0) {
                    rc = sm_fail(err, SM_EPARSE,
                                 "%s:%zu: header must be \"tick,population,index\", got \"%s\"",
                                 path, line, row);
                }
                continue;
            }
            char *c1 = strchr(row, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
            char *end1, *end2;
            if (!c1 || !c2) {
                rc = sm_fail(err, SM_EPARSE, "%s:%zu: expected tick,population,index", path, line);
                break;
            }
            *c1 = *c2 = '\0';
            unsigned long tick = strtoul(row, &end1, 10);
            unsigned long idx = strtoul(c2 + 1, &end2, 10);
            if (*end1 || *end2 || end1 == row || end2 == c2 + 1) {
                rc = sm_fail(err, SM_EPARSE, "%s:%zu: tick and index must be whole numbers", path,
                             line);
                break;
            }
            int pi = s_find_pop(&pops, &npops, c1 + 1);
            if (pi < 0) {
                rc = sm_fail(err, SM_ENOMEM, "out of memory");
                break;
            }
            if (pass == 0) {
                n_spikes++;
                if (tick > max_tick)
                    max_tick = (uint32_t)tick;
                if (idx + 1 > pops[pi].size)
                    pops[pi].size = (uint32_t)idx + 1;
            } else if (k++ % step == 0) {
                double x = L + (W - R - L) * (double)tick / (max_tick ? max_tick : 1);
                double y = T + (H - B - T) * (pops[pi].offset + idx + 0.5) / (total ? total : 1);
                sm_svg_printf(&s, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"1.2\"/>\n", x, y);
            }
        }
        if (pass == 1) {
            if (rc == 0) {
                char *out = s_join(dir, "raster.svg");
                rc = out ? sm_svg_save(&s, out, err) : sm_fail(err, SM_ENOMEM, "out of memory");
                free(out);
            } else {
                sm_svg_free(&s);
            }
        }
    }
    free(pops);
    free(text);
    free(path);
    return rc;
}

static double s_num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static int s_mesh(const cJSON *stats, uint32_t *w, uint32_t *h, const char *path, sm_error_t *err)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(stats, "mesh");
    double fw = s_num(m, "width"), fh = s_num(m, "height");
    if (fw < 1 || fh < 1 || fw * fh > 1 << 24)
        return sm_fail(err, SM_EPARSE, "%s: mesh: needs width and height >= 1", path);
    *w = (uint32_t)fw;
    *h = (uint32_t)fh;
    return 0;
}

static int s_cores(const char *dir, const cJSON *stats, const char *spath, sm_error_t *err)
{
    uint32_t w, h;
    if (s_mesh(stats, &w, &h, spath, err) < 0)
        return -1;
    double *val = calloc((size_t)w * h, sizeof *val);
    if (!val)
        return sm_fail(err, SM_ENOMEM, "out of memory");
    double vmax = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(stats, "cores")) {
        double x = s_num(it, "x"), y = s_num(it, "y");
        if (x < 0 || y < 0 || x >= w || y >= h)
            continue;
        double v = s_num(it, "synaptic_events") + s_num(it, "neuron_updates");
        val[(size_t)y * w + (size_t)x] = v;
        if (v > vmax)
            vmax = v;
    }
    double cell = fmax(6.0, fmin(40.0, 800.0 / (w > h ? w : h)));
    double W = w * cell + 140, H = h * cell + 70;
    sm_svg_t s;
    sm_svg_begin(&s, W, H);
    sm_svg_text(&s, W / 2, 18, 14, "middle",
                "core activity: synaptic events + neuron updates per core");
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            char col[8];
            sm_svg_heat(vmax > 0 ? val[(size_t)y * w + x] / vmax : 0, col);
            sm_svg_printf(&s, "<rect class=\"core\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                              "height=\"%.1f\" fill=\"%s\" stroke=\"#999999\" stroke-width=\"0.3\">"
                              "<title>(%u,%u) %.0f</title></rect>\n",
                          20 + x * cell, 30 + y * cell, cell, cell, col, x, y,
                          val[(size_t)y * w + x]);
        }
    for (int i = 0; i <= 10; i++) {
        char col[8];
        sm_svg_heat(i / 10.0, col);
        sm_svg_rect(&s, W - 100, 30 + (10 - i) * 14, 20, 14, col);
    }
    char lab[64];
    snprintf(lab, sizeof lab, "%.3g", vmax);
    sm_svg_text(&s, W - 75, 40, 10, "start", lab);
    sm_svg_text(&s, W - 75, 30 + 11 * 14, 10, "start", "0");
    free(val);
    char *out = s_join(dir, "cores.svg");
    int rc = out ? sm_svg_save(&s, out, err) : (sm_svg_free(&s), sm_fail(err, SM_ENOMEM, "oom"));
    free(out);
    return rc;
}

static int s_links(const char *dir, const cJSON *stats, const char *spath, sm_error_t *err)
{
    uint32_t w, h;
    if (s_mesh(stats, &w, &h, spath, err) < 0)
        return -1;
    double pmax = 0;
    const cJSON *links = cJSON_GetObjectItemCaseSensitive(stats, "links");
    const cJSON *it;
    cJSON_ArrayForEach(it, links) {
        double p = s_num(it, "packets");
        if (p > pmax)
            pmax = p;
    }
    double cell = fmax(10.0, fmin(60.0, 800.0 / (w > h ? w : h)));
    double W = w * cell + 40, H = h * cell + 60;
    sm_svg_t s;
    sm_svg_begin(&s, W, H);
    char title[128];
    snprintf(title, sizeof title, "link load: packets per link (max %.0f)", pmax);
    sm_svg_text(&s, W / 2, 18, 14, "middle", title);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            sm_svg_printf(&s, "<rect class=\"core\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                              "height=\"%.1f\" fill=\"#f4f4f4\" stroke=\"#bbbbbb\" "
                              "stroke-width=\"0.5\"/>\n",
                          20 + x * cell + cell * 0.2, 30 + y * cell + cell * 0.2, cell * 0.6,
                          cell * 0.6);
    cJSON_ArrayForEach(it, links) {
        const cJSON *fr = cJSON_GetObjectItemCaseSensitive(it, "from");
        const cJSON *to = cJSON_GetObjectItemCaseSensitive(it, "to");
        if (cJSON_GetArraySize(fr) != 2 || cJSON_GetArraySize(to) != 2)
            continue;
        double x0 = cJSON_GetArrayItem(fr, 0)->valuedouble, y0 = cJSON_GetArrayItem(fr, 1)->valuedouble;
        double x1 = cJSON_GetArrayItem(to, 0)->valuedouble, y1 = cJSON_GetArrayItem(to, 1)->valuedouble;
        double p = s_num(it, "packets");
        double v = pmax > 0 ? p / pmax : 0;
        char col[8];
        sm_svg_heat(0.2 + 0.8 * v, col);
        /* the two directions of a link are drawn side by side */
        double ox = (y1 - y0) * cell * 0.12, oy = (x0 - x1) * cell * 0.12;
        double cx0 = 20 + (x0 + 0.5) * cell + ox, cy0 = 30 + (y0 + 0.5) * cell + oy;
        double cx1 = 20 + (x1 + 0.5) * cell + ox, cy1 = 30 + (y1 + 0.5) * cell + oy;
        sm_svg_printf(&s, "<line class=\"link\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                          "stroke=\"%s\" stroke-width=\"%.2f\"><title>(%.0f,%.0f)->(%.0f,%.0f) "
                          "%.0f</title></line>\n",
                      cx0, cy0, cx0 + 0.8 * (cx1 - cx0), cy0 + 0.8 * (cy1 - cy0), col,
                      0.5 + 3.5 * v, x0, y0, x1, y1, p);
    }
    char *out = s_join(dir, "links.svg");
    int rc = out ? sm_svg_save(&s, out, err) : (sm_svg_free(&s), sm_fail(err, SM_ENOMEM, "oom"));
    free(out);
    return rc;
}

static int s_energy(const char *dir, const cJSON *en, sm_error_t *err)
{
    static const char *const cats[] = {"synaptic", "neuron_update", "spike", "routing", "static"};
    const int nc = 5;
    double vmax = 0;
    for (int i = 0; i < nc; i++)
        vmax = fmax(vmax, s_num(en, cats[i]));
    double W = 640, H = 400, L = 80, B = 60, T = 40;
    sm_svg_t s;
    sm_svg_begin(&s, W, H);
    const cJSON *chip = cJSON_GetObjectItemCaseSensitive(en, "chip");
    char title[160];
    snprintf(title, sizeof title, "energy by category on %s: total %.4g J",
             cJSON_IsString(chip) ? chip->valuestring : "?", s_num(en, "total"));
    sm_svg_text(&s, W / 2, 20, 14, "middle", title);
    sm_svg_line(&s, L, H - B, W - 20, H - B, "black", 1);
    double bw = (W - L - 20) / nc;
    for (int i = 0; i < nc; i++) {
        double v = s_num(en, cats[i]);
        double bh = vmax > 0 ? (H - B - T) * v / vmax : 0;
        sm_svg_printf(&s, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                          "fill=\"#4477aa\"/>\n",
                      L + i * bw + bw * 0.15, H - B - bh, bw * 0.7, bh);
        sm_svg_text(&s, L + (i + 0.5) * bw, H - B + 16, 11, "middle", cats[i]);
        char lab[32];
        snprintf(lab, sizeof lab, "%.3g J", v);
        sm_svg_text(&s, L + (i + 0.5) * bw, H - B - bh - 4, 10, "middle", lab);
    }
    char *out = s_join(dir, "energy.svg");
    int rc = out ? sm_svg_save(&s, out, err) : (sm_svg_free(&s), sm_fail(err, SM_ENOMEM, "oom"));
    free(out);
    return rc;
}

int sm_cmd_plot(int argc, char **argv)
{
    if (sm_wants_help(argc, argv)) {
        s_help(stdout);
        return 0;
    }
    if (argc != 2 || argv[1][0] == '-') {
        s_help(stderr);
        return 2;
    }
    const char *dir = argv[1];
    sm_error_t err;
    sm_error_clear(&err);
    char *spath = s_join(dir, "stats.json");
    cJSON *stats = NULL;
    if (!spath)
        sm_fail(&err, SM_ENOMEM, "out of memory");
    else if ((stats = sm_json_read(spath, SM_JSON_MAX_BYTES, &err)) &&
             sm_json_object(&(const sm_json_t){spath, &err}, stats, "") < 0) {
        cJSON_Delete(stats);
        stats = NULL;
    }
    int rc = 0;
    if (!stats) {
        fprintf(stderr, "spikemesh plot: %s\n", err.msg);
        free(spath);
        return 2;
    }
    if (s_raster(dir, stats, &err) < 0) {
        fprintf(stderr, "spikemesh plot: raster: %s\n", err.msg);
        rc = 2;
    } else {
        printf("wrote %s/raster.svg\n", dir);
    }
    sm_error_clear(&err);
    if (s_cores(dir, stats, spath, &err) < 0) {
        fprintf(stderr, "spikemesh plot: cores: %s\n", err.msg);
        rc = 2;
    } else {
        printf("wrote %s/cores.svg\n", dir);
    }
    sm_error_clear(&err);
    if (s_links(dir, stats, spath, &err) < 0) {
        fprintf(stderr, "spikemesh plot: links: %s\n", err.msg);
        rc = 2;
    } else {
        printf("wrote %s/links.svg\n", dir);
    }
    sm_error_clear(&err);
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(stats, "energy");
    if (!cJSON_IsObject(en)) {
        printf("note: stats.json has no \"energy\" (run with --chip): energy.svg skipped\n");
    } else if (s_energy(dir, en, &err) < 0) {
        fprintf(stderr, "spikemesh plot: energy: %s\n", err.msg);
        rc = 2;
    } else {
        printf("wrote %s/energy.svg\n", dir);
    }
    cJSON_Delete(stats);
    free(spath);
    return rc;
}
