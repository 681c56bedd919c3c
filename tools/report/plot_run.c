/* plot_run: reading a run directory for the plots, and the window and
 * population subset the options ask for. */
#include "plot.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "json.h"

/* Probes beyond this many are counted but not loaded: a figure with more
 * panels is not read anyway. */
#define S_MAX_PROBES 12

double sm_plot_num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

double sm_plot_duration(const sm_plot_run_t *run)
{
    return run->ticks * run->dt_ms;
}

static char *s_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static int s_find_pop(sm_plot_run_t *run, const char *name)
{
    for (uint32_t i = 0; i < run->n_pops; i++)
        if (!strcmp(run->pops[i].name, name))
            return (int)i;
    return -1;
}

/* The population called name, added (recorded, size 0) if the stats did
 * not list it. */
static int s_pop(sm_plot_run_t *run, const char *name)
{
    int k = s_find_pop(run, name);
    if (k >= 0)
        return k;
    sm_plot_pop_t *p = realloc(run->pops, (run->n_pops + 1) * sizeof *p);
    if (!p)
        return -1;
    run->pops = p;
    memset(&p[run->n_pops], 0, sizeof p[run->n_pops]);
    snprintf(p[run->n_pops].name, sizeof p[run->n_pops].name, "%s", name);
    p[run->n_pops].recorded = 1;
    p[run->n_pops].shown = run->all_shown;
    p[run->n_pops].colour = run->n_pops;
    return (int)run->n_pops++;
}

static int s_stats(sm_plot_run_t *run, const char *path, sm_error_t *err)
{
    cJSON *st = run->stats;
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(st, "mesh");
    double fw = sm_plot_num(m, "width"), fh = sm_plot_num(m, "height");
    if (fw < 1 || fh < 1 || fw != floor(fw) || fh != floor(fh) || fw * fh > 1 << 24)
        return sm_fail(err, SM_EPARSE, "%s: mesh: needs whole width and height >= 1", path);
    run->mesh_w = (uint32_t)fw;
    run->mesh_h = (uint32_t)fh;
    double ticks = sm_plot_num(st, "ticks"), dt = sm_plot_num(st, "dt_ms");
    if (ticks < 0 || ticks > UINT32_MAX || ticks != floor(ticks))
        return sm_fail(err, SM_EPARSE, "%s: ticks: must be a whole number >= 0, got %g", path,
                       ticks);
    if (!(dt > 0) || !isfinite(dt))
        return sm_fail(err, SM_EPARSE, "%s: dt_ms: must be > 0, got %g", path, dt);
    run->ticks = (uint32_t)ticks;
    run->dt_ms = dt;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(st, "populations")) {
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(it, "name");
        if (!cJSON_IsString(nm))
            continue;
        int k = s_pop(run, nm->valuestring);
        if (k < 0)
            return sm_fail(err, SM_ENOMEM, "out of memory");
        double sz = sm_plot_num(it, "size");
        if (sz >= 1 && sz <= UINT32_MAX)
            run->pops[k].size = (uint32_t)sz;
        const cJSON *rec = cJSON_GetObjectItemCaseSensitive(it, "recorded");
        run->pops[k].recorded = !cJSON_IsFalse(rec);
    }
    return 0;
}

/* Next line of *p into row (NUL-terminated, CR dropped); 0 at the end, -1
 * if the line does not fit. */
static int s_line(char **p, char *row, size_t cap)
{
    if (!**p)
        return 0;
    char *e = strchr(*p, '\n');
    size_t len = e ? (size_t)(e - *p) : strlen(*p);
    if (len >= cap)
        return -1;
    memcpy(row, *p, len);
    row[len] = '\0';
    if (len && row[len - 1] == '\r')
        row[len - 1] = '\0';
    *p = e ? e + 1 : *p + len;
    return 1;
}

static int s_u32(const char *s, uint32_t *out)
{
    char *end;
    if (*s < '0' || *s > '9')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || v > UINT32_MAX)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* Splits row at commas into at most n fields; returns the count. */
static size_t s_split(char *row, char **f, size_t n)
{
    size_t k = 0;
    f[k++] = row;
    for (char *c = row; *c && k < n; c++)
        if (*c == ',') {
            *c = '\0';
            f[k++] = c + 1;
        }
    for (char *c = f[k - 1]; *c; c++)
        if (*c == ',')
            return n + 1;
    return k;
}

static int s_spikes(sm_plot_run_t *run, const char *dir, sm_error_t *err)
{
    char *path = s_join(dir, "spikes.csv");
    if (!path)
        return sm_fail(err, SM_ENOMEM, "out of memory");
    char *text = sm_file_read(path, NULL, err);
    if (!text) {
        free(path);
        return -1;
    }
    size_t cap = 0, line = 0;
    int rc = 0, header = 0;
    char row[256], *p = text;
    for (int got; rc == 0 && (got = s_line(&p, row, sizeof row)) != 0;) {
        line++;
        if (got < 0) {
            rc = sm_fail(err, SM_EPARSE, "%s:%zu: line too long", path, line);
            break;
        }
        if (!row[0] || row[0] == '#')
            continue;
        if (!header) {
            header = 1;
            if (strcmp(row, "tick,population,index") != 0)
                rc = sm_fail(err, SM_EPARSE,
                             "%s:%zu: header must be \"tick,population,index\", got \"%s\"", path,
                             line, row);
            continue;
        }
        char *f[3];
        sm_plot_spike_t sp;
        if (s_split(row, f, 3) != 3) {
            rc = sm_fail(err, SM_EPARSE, "%s:%zu: expected tick,population,index", path, line);
            break;
        }
        if (s_u32(f[0], &sp.tick) < 0 || s_u32(f[2], &sp.index) < 0) {
            rc = sm_fail(err, SM_EPARSE, "%s:%zu: tick and index must be whole numbers", path,
                         line);
            break;
        }
        if (sp.tick >= run->ticks) {
            rc = sm_fail(err, SM_EPARSE, "%s:%zu: tick %u is past the run's %u ticks (stats.json)",
                         path, line, sp.tick, run->ticks);
            break;
        }
        int k = s_pop(run, f[1]);
        if (k < 0) {
            rc = sm_fail(err, SM_ENOMEM, "out of memory");
            break;
        }
        sp.pop = (uint32_t)k;
        if (sp.index >= run->pops[k].size)
            run->pops[k].size = sp.index + 1;
        if (run->n_spikes == cap) {
            size_t nc = cap ? 2 * cap : 4096;
            sm_plot_spike_t *ns = realloc(run->spikes, nc * sizeof *ns);
            if (!ns) {
                rc = sm_fail(err, SM_ENOMEM, "out of memory");
                break;
            }
            run->spikes = ns;
            cap = nc;
        }
        run->spikes[run->n_spikes++] = sp;
    }
    if (rc == 0 && !header)
        rc = sm_fail(err, SM_EPARSE, "%s: empty: no header \"tick,population,index\"", path);
    free(text);
    free(path);
    return rc;
}

/* The probe of (pop, index), added if there is room; NULL if not (or out
 * of memory: *oom set). */
static sm_plot_probe_t *s_probe(sm_plot_run_t *run, uint32_t pop, uint32_t index, int *oom)
{
    for (uint32_t i = 0; i < run->n_probes; i++)
        if (run->probes[i].pop == pop && run->probes[i].index == index)
            return &run->probes[i];
    if (run->n_probes == S_MAX_PROBES)
        return NULL;
    sm_plot_probe_t *p = realloc(run->probes, (run->n_probes + 1) * sizeof *p);
    if (!p) {
        *oom = 1;
        return NULL;
    }
    run->probes = p;
    p += run->n_probes++;
    p->pop = pop;
    p->index = index;
    p->val = calloc((size_t)(run->ticks ? run->ticks : 1) * 3, sizeof *p->val);
    p->seen = calloc(run->ticks ? run->ticks : 1, 1);
    if (!p->val || !p->seen)
        *oom = 1;
    return *oom ? NULL : p;
}

static int s_traces(sm_plot_run_t *run, const char *dir, sm_error_t *err)
{
    char *path = s_join(dir, "traces.csv");
    if (!path)
        return sm_fail(err, SM_ENOMEM, "out of memory");
    if (access(path, F_OK) != 0) {
        free(path);
        return 0;
    }
    char *text = sm_file_read(path, NULL, err);
    if (!text) {
        free(path);
        return -1;
    }
    run->has_traces = 1;
    size_t line = 0;
    int rc = 0, header = 0;
    int64_t first = -1;
    char row[512], *p = text;
    for (int got; rc == 0 && (got = s_line(&p, row, sizeof row)) != 0;) {
        line++;
        if (got < 0) {
            rc = sm_fail(err, SM_EPARSE, "%s:%zu: line too long", path, line);
            break;
        }
        if (!row[0] || row[0] == '#')
            continue;
        if (!header) {
            header = 1;
            if (strcmp(row, "tick,population,index,v,syn_exc,syn_inh") != 0)
                rc = sm_fail(err, SM_EPARSE,
                             "%s:%zu: header must be \"tick,population,index,v,syn_exc,syn_inh\", "
                             "got \"%s\"",
                             path, line, row);
            continue;
        }
        char *f[6], *end;
        uint32_t tick, index;
        if (s_split(row, f, 6) != 6) {
            rc = sm_fail(err, SM_EPARSE, "%s:%zu: expected 6 fields", path, line);
            break;
        }
        if (s_u32(f[0], &tick) < 0 || s_u32(f[2], &index) < 0) {
            rc = sm_fail(err, SM_EPARSE, "%s:%zu: tick and index must be whole numbers", path,
                         line);
            break;
        }
        if (tick >= run->ticks) {
            rc = sm_fail(err, SM_EPARSE, "%s:%zu: tick %u is past the run's %u ticks (stats.json)",
                         path, line, tick, run->ticks);
            break;
        }
        float v[3];
        for (int k = 0; k < 3 && rc == 0; k++) {
            v[k] = strtof(f[3 + k], &end);
            if (end == f[3 + k] || *end)
                rc = sm_fail(err, SM_EPARSE, "%s:%zu: field %d is not a number: \"%s\"", path,
                             line, 4 + k, f[3 + k]);
        }
        if (rc)
            break;
        int k = s_pop(run, f[1]);
        if (k < 0) {
            rc = sm_fail(err, SM_ENOMEM, "out of memory");
            break;
        }
        if (!run->pops[k].shown)
            continue;
        /* every probe has a row at every tick: the first tick counts them */
        if (first < 0)
            first = tick;
        if (tick == (uint32_t)first)
            run->n_probes_all++;
        int oom = 0;
        sm_plot_probe_t *pr = s_probe(run, (uint32_t)k, index, &oom);
        if (oom) {
            rc = sm_fail(err, SM_ENOMEM, "out of memory");
            break;
        }
        if (!pr)
            continue;
        memcpy(&pr->val[(size_t)tick * 3], v, sizeof v);
        pr->seen[tick] = 1;
    }
    free(text);
    free(path);
    return rc;
}

typedef struct {
    sm_plot_series_t *s;
    size_t cap;
} s_series_ctx_t;

static int s_series_header(void *ctx, const char *const *names, size_t n, sm_error_t *err)
{
    sm_plot_series_t *s = ((s_series_ctx_t *)ctx)->s;
    if (n < 2 || strcmp(names[0], "tick") != 0)
        return sm_fail(err, SM_EPARSE, "header must start with \"tick\" and name a series");
    s->names = calloc(n - 1, sizeof *s->names);
    if (!s->names)
        return sm_fail(err, SM_ENOMEM, "out of memory");
    s->n_cols = n - 1;
    for (size_t i = 1; i < n; i++)
        if (!(s->names[i - 1] = strdup(names[i])))
            return sm_fail(err, SM_ENOMEM, "out of memory");
    return 0;
}

static int s_series_row(void *ctx, const double *vals, size_t n, sm_error_t *err)
{
    s_series_ctx_t *c = ctx;
    sm_plot_series_t *s = c->s;
    if (!s->names)
        return sm_fail(err, SM_EPARSE, "needs a header line naming the columns");
    if (s->n_rows == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 1024;
        double *v = realloc(s->vals, cap * n * sizeof *v);
        if (!v)
            return sm_fail(err, SM_ENOMEM, "out of memory");
        s->vals = v;
        c->cap = cap;
    }
    memcpy(&s->vals[s->n_rows * n], vals, n * sizeof *vals);
    s->n_rows++;
    return 0;
}

static int s_series(sm_plot_run_t *run, const char *dir, sm_error_t *err)
{
    char *path = s_join(dir, "ticks.csv");
    if (!path)
        return sm_fail(err, SM_ENOMEM, "out of memory");
    int rc = 0;
    if (access(path, F_OK) == 0) {
        s_series_ctx_t ctx = {&run->series, 0};
        sm_csv_handler_t h = {s_series_header, s_series_row, &ctx};
        rc = sm_csv_read(path, NULL, &h, err);
        run->has_series = rc == 0 && run->series.n_rows > 0;
    }
    free(path);
    return rc;
}

/* Marks the populations of the subset and puts them in order: as asked,
 * or in the stats' order. */
static int s_select(sm_plot_run_t *run, const char *pops, sm_error_t *err)
{
    run->order = calloc(run->n_pops ? run->n_pops : 1, sizeof *run->order);
    if (!run->order)
        return sm_fail(err, SM_ENOMEM, "out of memory");
    if (!pops) {
        run->all_shown = 1;
        for (uint32_t i = 0; i < run->n_pops; i++) {
            run->pops[i].shown = 1;
            run->order[run->n_shown++] = i;
        }
        return 0;
    }
    char *list = strdup(pops);
    if (!list)
        return sm_fail(err, SM_ENOMEM, "out of memory");
    int rc = 0;
    char *save = NULL;
    for (char *name = strtok_r(list, ",", &save); name && rc == 0;
         name = strtok_r(NULL, ",", &save)) {
        int k = s_find_pop(run, name);
        if (k < 0) {
            const char **names = malloc((run->n_pops + 1) * sizeof *names);
            char hint[160] = "";
            if (names) {
                for (uint32_t i = 0; i < run->n_pops; i++)
                    names[i] = run->pops[i].name;
                sm_json_suggest(name, names, run->n_pops, hint, sizeof hint);
                free(names);
            }
            rc = sm_fail(err, SM_EINVAL, "--pops: no population \"%s\" in the run%s", name, hint);
        } else if (!run->pops[k].shown) {
            run->pops[k].shown = 1;
            run->order[run->n_shown++] = (uint32_t)k;
        }
    }
    free(list);
    if (rc == 0 && run->n_shown == 0)
        rc = sm_fail(err, SM_EINVAL, "--pops: names no population");
    return rc;
}

static int s_window(sm_plot_run_t *run, const sm_plot_opts_t *o, sm_error_t *err)
{
    double dur = sm_plot_duration(run);
    double from = o->from_ms, to = o->to_ms < 0 ? dur : o->to_ms;
    if (!(from >= 0) || !isfinite(from))
        return sm_fail(err, SM_EINVAL, "--from: must be >= 0 ms, got %g", from);
    if (!isfinite(to) || to > dur + 1e-9 * dur)
        return sm_fail(err, SM_EINVAL, "--to: %g ms is past the end of the run (%g ms)", to, dur);
    if (!(to > from))
        return sm_fail(err, SM_EINVAL, "--to %g must be after --from %g (ms)", to, from);
    run->from_ms = from;
    run->to_ms = to;
    /* a tick t is in the window if from <= t * dt < to */
    double t0 = ceil(from / run->dt_ms - 1e-9), t1 = ceil(to / run->dt_ms - 1e-9);
    run->t0 = (uint32_t)fmin(t0, run->ticks);
    run->t1 = (uint32_t)fmin(t1, run->ticks);
    if (run->t1 <= run->t0)
        return sm_fail(err, SM_EINVAL, "--from %g --to %g: the window holds no tick (dt %g ms)",
                       from, to, run->dt_ms);
    return 0;
}

/* Keeps the spikes of the window and the subset, counts them, and gives
 * the recorded populations of the subset their raster rows. */
static void s_filter_spikes(sm_plot_run_t *run)
{
    size_t n = 0;
    for (size_t i = 0; i < run->n_spikes; i++) {
        const sm_plot_spike_t *sp = &run->spikes[i];
        if (sp->tick < run->t0 || sp->tick >= run->t1 || !run->pops[sp->pop].shown)
            continue;
        run->pops[sp->pop].spikes++;
        run->spikes[n++] = *sp;
    }
    run->n_spikes = n;
    run->rows = 0;
    for (uint32_t i = 0; i < run->n_shown; i++) {
        sm_plot_pop_t *p = &run->pops[run->order[i]];
        if (!p->recorded)
            continue;
        p->row = run->rows;
        run->rows += p->size ? p->size : 1;
    }
}

static int s_chip(sm_plot_run_t *run, const sm_plot_opts_t *o, sm_error_t *err)
{
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(run->stats, "energy");
    const cJSON *nm = cJSON_GetObjectItemCaseSensitive(en, "chip");
    const char *name = o->chip ? o->chip : (cJSON_IsString(nm) ? nm->valuestring : NULL);
    if (!name)
        return 0;
    sm_error_t e;
    sm_error_clear(&e);
    run->chip = sm_chip_load(name, &e);
    if (!run->chip) {
        if (o->chip) {
            *err = e;
            sm_error_prefix(err, "--chip: ");
            return -1;
        }
        snprintf(run->chip_note, sizeof run->chip_note,
                 "chip boundaries not drawn: the run's chip \"%.60s\" is not a built-in "
                 "(give its file with --chip)",
                 name);
        return 0;
    }
    if (run->mesh_w > run->chip->width || run->mesh_h > run->chip->height) {
        snprintf(run->chip_note, sizeof run->chip_note,
                 "chip boundaries not drawn: the %u x %u mesh is larger than chip \"%.60s\" "
                 "(%u x %u)",
                 run->mesh_w, run->mesh_h, run->chip->name, run->chip->width, run->chip->height);
        sm_chip_destroy(&run->chip);
    }
    return 0;
}

int sm_plot_run_load(sm_plot_run_t *run, const char *dir, const sm_plot_opts_t *o,
                     sm_error_t *err)
{
    memset(run, 0, sizeof *run);
    char *spath = s_join(dir, "stats.json");
    if (!spath)
        return sm_fail(err, SM_ENOMEM, "out of memory");
    int rc = -1;
    run->stats = sm_json_read(spath, SM_JSON_MAX_BYTES, err);
    if (run->stats && sm_json_object(&(const sm_json_t){spath, err}, run->stats, "") == 0 &&
        s_stats(run, spath, err) == 0 && s_spikes(run, dir, err) == 0 &&
        s_select(run, o->pops, err) == 0 && s_window(run, o, err) == 0 &&
        s_traces(run, dir, err) == 0 && s_series(run, dir, err) == 0 &&
        s_chip(run, o, err) == 0) {
        s_filter_spikes(run);
        rc = 0;
    }
    free(spath);
    if (rc)
        sm_plot_run_fini(run);
    return rc;
}

void sm_plot_run_fini(sm_plot_run_t *run)
{
    cJSON_Delete(run->stats);
    free(run->pops);
    free(run->order);
    free(run->spikes);
    for (uint32_t i = 0; i < run->n_probes; i++) {
        free(run->probes[i].val);
        free(run->probes[i].seen);
    }
    free(run->probes);
    for (size_t i = 0; run->series.names && i < run->series.n_cols; i++)
        free(run->series.names[i]);
    free(run->series.names);
    free(run->series.vals);
    sm_chip_destroy(&run->chip);
    memset(run, 0, sizeof *run);
}
