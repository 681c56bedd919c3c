/* chip: loading chip descriptions (built-in or JSON) and printing them
 * (routes and their prices: chip_route.c). */
#include "chip.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

typedef struct {
    const char *key;
    size_t off;               /* offset of a double inside sm_chip_t */
} s_field_t;

#define S_E(k, f) {k, offsetof(sm_chip_t, energy.f)}
#define S_T(k, f) {k, offsetof(sm_chip_t, timing.f)}

static const s_field_t s_energy_fields[] = {
    S_E("synaptic_op", syn_op),
    S_E("neuron_update_active", update_active),
    S_E("neuron_update_inactive", update_inactive),
    S_E("spike", spike),
    S_E("packet_send", packet_send),
    S_E("packet_receive", packet_recv),
    S_E("hop_east_west", hop_ew),
    S_E("hop_north_south", hop_ns),
    S_E("hop_inter_chip", hop_chip),
};

static const s_field_t s_static_fields[] = {
    S_E("core", static_core_w),
    S_E("chip", static_chip_w),
};

static const s_field_t s_timing_fields[] = {
    S_T("synaptic_op", syn_op),
    S_T("neuron_update_active", update_active),
    S_T("neuron_update_inactive", update_inactive),
    S_T("spike", spike),
    S_T("hop_east_west", hop_ew),
    S_T("hop_north_south", hop_ns),
    S_T("hop_inter_chip", hop_chip),
    S_T("barrier", barrier),
    S_T("tick", tick),
};

#define S_N(a) (sizeof(a) / sizeof((a)[0]))

/* Context for messages: "file: path: ..." */
typedef struct {
    const char *file;
    sm_error_t *err;
} s_ctx_t;

static int s_bad(const s_ctx_t *cx, const char *path, const char *what, const cJSON *v)
{
    char *txt = v ? cJSON_PrintUnformatted(v) : NULL;
    sm_fail(cx->err, SM_EPARSE, "%s: %s: %s, got %s", cx->file, path, what,
            txt ? txt : "nothing");
    free(txt);
    return -1;
}

/* Refuses keys of `obj` not in `allowed` (NULL-terminated), so that a typo
 * in a chip file is an error instead of a silently ignored figure. */
static int s_only_keys(const s_ctx_t *cx, const cJSON *obj, const char *path,
                       const char *const *allowed)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, obj) {
        int ok = 0;
        for (const char *const *a = allowed; *a; a++)
            if (!strcmp(*a, it->string))
                ok = 1;
        if (!ok) {
            char p[256];
            snprintf(p, sizeof p, "%s%s%s", path, *path ? "." : "", it->string);
            char list[400] = "";
            for (const char *const *a = allowed; *a; a++) {
                strncat(list, *a, sizeof list - strlen(list) - 1);
                if (a[1])
                    strncat(list, ", ", sizeof list - strlen(list) - 1);
            }
            return sm_fail(cx->err, SM_EPARSE, "%s: %s: unknown key (known keys: %s)", cx->file,
                           p, list);
        }
    }
    return 0;
}

static const cJSON *s_obj(const s_ctx_t *cx, const cJSON *doc, const char *key, int *rc)
{
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(doc, key);
    if (o && !cJSON_IsObject(o)) {
        s_bad(cx, key, "must be an object", o);
        *rc = -1;
        return NULL;
    }
    return o;
}

/* A whole number in [lo, hi]. */
static int s_uint(const s_ctx_t *cx, const cJSON *obj, const char *key, const char *path,
                  double lo, double hi, uint64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        return 0;
    char p[256];
    snprintf(p, sizeof p, "%s%s%s", path, *path ? "." : "", key);
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
        v->valuedouble < lo || v->valuedouble > hi) {
        char what[128];
        snprintf(what, sizeof what, "must be a whole number in [%.0f, %.0f]", lo, hi);
        return s_bad(cx, p, what, v);
    }
    *out = (uint64_t)v->valuedouble;
    return 0;
}

static int s_u32(const s_ctx_t *cx, const cJSON *obj, const char *key, const char *path,
                 double lo, double hi, uint32_t *out)
{
    uint64_t v = *out;
    if (s_uint(cx, obj, key, path, lo, hi, &v) < 0)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

#define S_FIGURE_MAX 1e15

static int s_doubles(const s_ctx_t *cx, const cJSON *obj, const char *path,
                     const s_field_t *fields, size_t n, sm_chip_t *c)
{
    const char *names[16];
    for (size_t i = 0; i < n; i++)
        names[i] = fields[i].key;
    names[n] = NULL;
    if (s_only_keys(cx, obj, path, names) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, fields[i].key);
        if (!v)
            continue;
        char p[256];
        snprintf(p, sizeof p, "%s.%s", path, fields[i].key);
        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0)
            return s_bad(cx, p, "must be a finite number >= 0", v);
        /* Figures are per event (or per core, per chip): a huge one would
         * overflow the totals to infinity once multiplied by the counts. */
        if (v->valuedouble > S_FIGURE_MAX)
            return s_bad(cx, p, "must be at most 1e15", v);
        memcpy((char *)c + fields[i].off, &v->valuedouble, sizeof(double));
    }
    return 0;
}

static int s_wh(const s_ctx_t *cx, const cJSON *o, const char *path, uint32_t *w, uint32_t *h)
{
    static const char *const keys[] = {"width", "height", NULL};
    if (s_only_keys(cx, o, path, keys) < 0)
        return -1;
    char p[128];
    snprintf(p, sizeof p, "%s.width", path);
    if (!cJSON_GetObjectItemCaseSensitive(o, "width") ||
        !cJSON_GetObjectItemCaseSensitive(o, "height"))
        return s_bad(cx, path, "needs \"width\" and \"height\"", o);
    if (s_u32(cx, o, "width", path, 1, 65535, w) < 0 ||
        s_u32(cx, o, "height", path, 1, 65535, h) < 0)
        return -1;
    return 0;
}

static int s_from_doc(const s_ctx_t *cx, const cJSON *doc, sm_chip_t *c)
{
    static const char *const top[] = {"name", "source", "base", "mesh", "chips_x", "chips_y",
                                      "board", "chip", "limits", "precision", "energy_pj",
                                      "static_power_w", "timing_ns", "comment", NULL};
    if (!cJSON_IsObject(doc))
        return s_bad(cx, "(top)", "must be a JSON object", doc);
    if (s_only_keys(cx, doc, "", top) < 0)
        return -1;
    int rc = 0;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, "base");
    int have_base = 0;
    if (v) {
        const sm_chip_t *b = NULL;
        for (uint32_t i = 0; cJSON_IsString(v) && i < sm_chip_n_builtins(); i++)
            if (!strcmp(sm_chip_builtin_at(i)->name, v->valuestring))
                b = sm_chip_builtin_at(i);
        if (!b)
            return s_bad(cx, "base", "must name a built-in chip (loihi, truenorth, spinnaker)", v);
        *c = *b;
        have_base = 1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(doc, "name"))) {
        if (!cJSON_IsString(v) || !v->valuestring[0] ||
            strlen(v->valuestring) >= sizeof c->name)
            return s_bad(cx, "name", "must be a non-empty string of < 64 bytes", v);
        snprintf(c->name, sizeof c->name, "%s", v->valuestring);
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(doc, "source"))) {
        if (!cJSON_IsString(v))
            return s_bad(cx, "source", "must be a string", v);
        snprintf(c->source, sizeof c->source, "%s", v->valuestring);
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(doc, "comment")) && !cJSON_IsString(v))
        return s_bad(cx, "comment", "must be a string", v);

    /* Grid: either a chip's "mesh" tiled chips_x x chips_y times, or a whole
     * "board" cut into chips of "chip" cores. */
    const cJSON *mesh = s_obj(cx, doc, "mesh", &rc);
    const cJSON *board = s_obj(cx, doc, "board", &rc);
    const cJSON *chip = s_obj(cx, doc, "chip", &rc);
    if (rc < 0)
        return -1;
    if (mesh && (board || chip))
        return s_bad(cx, "mesh", "give either \"mesh\" (+ chips_x, chips_y) or \"board\" + "
                     "\"chip\", not both", mesh);
    if ((board != NULL) != (chip != NULL))
        return s_bad(cx, board ? "chip" : "board",
                     "\"board\" and \"chip\" go together (board grid cut into chips)",
                     board ? board : chip);
    if (board && (cJSON_GetObjectItemCaseSensitive(doc, "chips_x") ||
                  cJSON_GetObjectItemCaseSensitive(doc, "chips_y")))
        return s_bad(cx, "chips_x", "not with \"board\": the board size gives the chip count",
                     cJSON_GetObjectItemCaseSensitive(doc, "chips_x"));
    if (mesh) {
        if (s_wh(cx, mesh, "mesh", &c->chip_w, &c->chip_h) < 0)
            return -1;
        c->chips_x = c->chips_y = 1;
    } else if (board) {
        uint32_t bw = 0, bh = 0;
        if (s_wh(cx, board, "board", &bw, &bh) < 0 || s_wh(cx, chip, "chip", &c->chip_w, &c->chip_h) < 0)
            return -1;
        if (bw % c->chip_w || bh % c->chip_h) {
            sm_fail(cx->err, SM_EPARSE,
                    "%s: board: %u x %u cores is not a whole number of %u x %u chips", cx->file,
                    bw, bh, c->chip_w, c->chip_h);
            return -1;
        }
        c->chips_x = bw / c->chip_w;
        c->chips_y = bh / c->chip_h;
    } else if (!have_base) {
        return s_bad(cx, "mesh", "is required (or \"board\" + \"chip\", or \"base\")", NULL);
    }
    if (s_u32(cx, doc, "chips_x", "", 1, 4096, &c->chips_x) < 0 ||
        s_u32(cx, doc, "chips_y", "", 1, 4096, &c->chips_y) < 0)
        return -1;
    uint64_t cw = (uint64_t)c->chip_w * c->chips_x, ch = (uint64_t)c->chip_h * c->chips_y;
    if (cw * ch > (1u << 24)) {
        sm_fail(cx->err, SM_EPARSE, "%s: grid of %llu x %llu cores is too large (at most 2^24 cores)",
                cx->file, (unsigned long long)cw, (unsigned long long)ch);
        return -1;
    }
    c->width = (uint32_t)cw;
    c->height = (uint32_t)ch;

    const cJSON *lim = s_obj(cx, doc, "limits", &rc);
    const cJSON *prec = s_obj(cx, doc, "precision", &rc);
    const cJSON *en = s_obj(cx, doc, "energy_pj", &rc);
    const cJSON *st = s_obj(cx, doc, "static_power_w", &rc);
    const cJSON *tm = s_obj(cx, doc, "timing_ns", &rc);
    if (rc < 0)
        return -1;
    if (lim) {
        static const char *const keys[] = {"neurons", "synapses", "axons", "fanout", NULL};
        if (s_only_keys(cx, lim, "limits", keys) < 0 ||
            s_u32(cx, lim, "neurons", "limits", 1, 4294967295.0, &c->limits.neurons) < 0 ||
            s_uint(cx, lim, "synapses", "limits", 0, 1e15, &c->limits.synapses) < 0 ||
            s_u32(cx, lim, "axons", "limits", 0, 4294967295.0, &c->limits.axons) < 0 ||
            s_u32(cx, lim, "fanout", "limits", 0, 4294967295.0, &c->limits.fanout) < 0)
            return -1;
    }
    if (c->limits.neurons == 0)
        return s_bad(cx, "limits.neurons", "is required (neurons per core, >= 1)",
                     lim ? cJSON_GetObjectItemCaseSensitive(lim, "neurons") : NULL);
    if (prec) {
        static const char *const keys[] = {"weight_bits", "state_bits", NULL};
        if (s_only_keys(cx, prec, "precision", keys) < 0 ||
            s_u32(cx, prec, "weight_bits", "precision", 1, 64, &c->weight_bits) < 0 ||
            s_u32(cx, prec, "state_bits", "precision", 1, 64, &c->state_bits) < 0)
            return -1;
    }
    if ((en && s_doubles(cx, en, "energy_pj", s_energy_fields, S_N(s_energy_fields), c) < 0) ||
        (st && s_doubles(cx, st, "static_power_w", s_static_fields, S_N(s_static_fields), c) < 0) ||
        (tm && s_doubles(cx, tm, "timing_ns", s_timing_fields, S_N(s_timing_fields), c) < 0))
        return -1;
    return 0;
}

sm_chip_t *sm_chip_from_string(const char *text, const char *name, sm_error_t *err)
{
    s_ctx_t cx = {name ? name : "chip", err};
    /* Trailing text after the object is refused, not ignored. */
    const char *at = NULL;
    cJSON *doc = cJSON_ParseWithOpts(text, &at, 1);
    if (!doc) {
        size_t line = 1;
        for (const char *p = text; at && p < at && *p; p++)
            line += *p == '\n';
        sm_fail(err, SM_EPARSE, "%s:%zu: not valid JSON", cx.file, line);
        return NULL;
    }
    sm_chip_t *c = calloc(1, sizeof *c);
    if (!c) {
        cJSON_Delete(doc);
        sm_fail(err, SM_ENOMEM, "%s: out of memory", cx.file);
        return NULL;
    }
    if (s_from_doc(&cx, doc, c) < 0) {
        cJSON_Delete(doc);
        free(c);
        return NULL;
    }
    cJSON_Delete(doc);
    if (!c->name[0]) {
        /* The file's stem names a chip that does not name itself. */
        const char *b = strrchr(cx.file, '/');
        b = b ? b + 1 : cx.file;
        snprintf(c->name, sizeof c->name, "%.*s", (int)strcspn(b, "."), b);
    }
    return c;
}

sm_chip_t *sm_chip_builtin(const char *name, sm_error_t *err)
{
    for (uint32_t i = 0; i < sm_chip_n_builtins(); i++)
        if (!strcmp(sm_chip_builtin_at(i)->name, name)) {
            sm_chip_t *c = malloc(sizeof *c);
            if (!c) {
                sm_fail(err, SM_ENOMEM, "out of memory");
                return NULL;
            }
            *c = *sm_chip_builtin_at(i);
            return c;
        }
    sm_fail(err, SM_EINVAL, "no built-in chip named '%s' (built-ins: loihi, truenorth, spinnaker)",
            name);
    return NULL;
}

sm_chip_t *sm_chip_load(const char *name_or_path, sm_error_t *err)
{
    if (!name_or_path || !*name_or_path) {
        sm_fail(err, SM_EINVAL, "no chip given (a built-in name or a JSON file)");
        return NULL;
    }
    for (uint32_t i = 0; i < sm_chip_n_builtins(); i++)
        if (!strcmp(sm_chip_builtin_at(i)->name, name_or_path))
            return sm_chip_builtin(name_or_path, err);
    if (!strchr(name_or_path, '/') && !strchr(name_or_path, '.')) {
        sm_fail(err, SM_EINVAL,
                "'%s' is neither a built-in chip (loihi, truenorth, spinnaker) nor a file path",
                name_or_path);
        return NULL;
    }
    size_t len;
    char *text = sm_file_read(name_or_path, &len, err);
    if (!text)
        return NULL;
    if (strlen(text) != len) {
        sm_fail(err, SM_EPARSE, "%s: NUL byte: not a text file", name_or_path);
        free(text);
        return NULL;
    }
    sm_chip_t *c = sm_chip_from_string(text, name_or_path, err);
    free(text);
    return c;
}

void sm_chip_destroy(sm_chip_t **chip_p)
{
    if (!chip_p || !*chip_p)
        return;
    free(*chip_p);
    *chip_p = NULL;
}

static void s_lim(FILE *f, const char *what, uint64_t v)
{
    if (v)
        fprintf(f, " %s %llu", what, (unsigned long long)v);
    else
        fprintf(f, " %s -", what);
}

void sm_chip_print(FILE *f, const sm_chip_t *c)
{
    fprintf(f, "%s: %u x %u cores", c->name, c->width, c->height);
    if (c->chips_x * c->chips_y > 1)
        fprintf(f, " (%u x %u chips of %u x %u)", c->chips_x, c->chips_y, c->chip_w, c->chip_h);
    fprintf(f, "\n  per core:");
    s_lim(f, "neurons", c->limits.neurons);
    s_lim(f, "synapses", c->limits.synapses);
    s_lim(f, "axons", c->limits.axons);
    s_lim(f, "fan-out cores", c->limits.fanout);
    fprintf(f, "; weights %u bits, state %u bits\n", c->weight_bits, c->state_bits);
    const sm_chip_energy_t *e = &c->energy;
    fprintf(f, "  energy pJ: synaptic op %g, update active %g / inactive %g, spike %g, "
               "packet send %g / recv %g, hop E-W %g / N-S %g / chip %g\n",
            e->syn_op, e->update_active, e->update_inactive, e->spike, e->packet_send,
            e->packet_recv, e->hop_ew, e->hop_ns, e->hop_chip);
    fprintf(f, "  static W: per core %g, per chip %g\n", e->static_core_w, e->static_chip_w);
    const sm_chip_timing_t *t = &c->timing;
    fprintf(f, "  timing ns: synaptic op %g, update %g / %g, spike %g, hop %g / %g / %g, "
               "barrier %g, tick %s",
            t->syn_op, t->update_active, t->update_inactive, t->spike, t->hop_ew, t->hop_ns,
            t->hop_chip, t->barrier, t->tick > 0 ? "" : "none (as fast as it goes)");
    if (t->tick > 0)
        fprintf(f, "%g (%g ms)", t->tick, t->tick / 1e6);
    fprintf(f, "\n  source: %s\n", c->source);
}
