/* chip: loading chip descriptions (built-in or JSON) and printing them
 * (routes and their prices: chip_route.c). */
#define _XOPEN_SOURCE 700 /* realpath */
#include "chip.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* A chip file may start from another ("base"), which may start from a
 * third: at most this many files below the one loaded. */
#define S_MAX_BASES 8

/* The files being loaded, the one loaded first at [0]: what a base may not
 * name again (a cycle), and what a message shows. */
typedef struct {
    uint32_t n;
    char shown[S_MAX_BASES + 1][256];
    char real[S_MAX_BASES + 1][PATH_MAX];  /* "" if not a file (a string)       */
} s_chain_t;

/* Appends s to buf (cap bytes, off used), cutting it where buf ends. */
static void s_append(char *buf, size_t cap, size_t *off, const char *s)
{
    size_t n = strlen(s);
    if (*off + 1 >= cap)
        return;
    if (n > cap - 1 - *off)
        n = cap - 1 - *off;
    memcpy(buf + *off, s, n);
    *off += n;
    buf[*off] = '\0';
}

static void s_chain_text(const s_chain_t *ch, const char *last, char *buf, size_t cap)
{
    size_t off = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < ch->n; i++) {
        s_append(buf, cap, &off, ch->shown[i]);
        s_append(buf, cap, &off, " -> ");
    }
    s_append(buf, cap, &off, last);
}

static sm_chip_t *s_load_file(const char *path, s_chain_t *ch, sm_error_t *err);

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

#define S_FIGURE_MAX 1e15

static int s_doubles(const sm_json_t *cx, const cJSON *obj, const char *path,
                     const s_field_t *fields, size_t n, sm_chip_t *c)
{
    /* Figures are per event (or per core, per chip): a huge one would
     * overflow the totals to infinity once multiplied by the counts. */
    static const sm_json_range_t figure = {0, S_FIGURE_MAX, false, false};
    const char *names[16];
    for (size_t i = 0; i < n; i++)
        names[i] = fields[i].key;
    names[n] = NULL;
    if (sm_json_keys(cx, obj, path, names, NULL, NULL) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        double x;
        int rc = sm_json_get_num(cx, obj, path, fields[i].key, SM_JSON_OPTIONAL, &figure, &x);
        if (rc < 0)
            return -1;
        if (rc)
            memcpy((char *)c + fields[i].off, &x, sizeof(double));
    }
    return 0;
}

static int s_wh(const sm_json_t *cx, const cJSON *o, const char *path, uint32_t *w, uint32_t *h)
{
    static const char *const keys[] = {"width", "height", NULL};
    if (sm_json_keys(cx, o, path, keys, NULL, NULL) < 0 ||
        sm_json_get_u32(cx, o, path, "width", SM_JSON_REQUIRED, 1, 65535, w) < 0 ||
        sm_json_get_u32(cx, o, path, "height", SM_JSON_REQUIRED, 1, 65535, h) < 0)
        return -1;
    return 0;
}

/* The chip named by "base" into *c: a built-in, or a chip file, relative
 * to the file that names it. */
static int s_base(const sm_json_t *cx, const cJSON *doc, s_chain_t *ch, sm_chip_t *c, int *have)
{
    const cJSON *b = sm_json_get(doc, "base", 0);
    *have = 0;
    if (!b)
        return 0;
    const char *name;
    if (sm_json_str(cx, b, "base", &name) < 0)
        return -1;
    for (uint32_t i = 0; i < sm_chip_n_builtins(); i++)
        if (!strcmp(name, sm_chip_builtin_at(i)->name)) {
            *c = *sm_chip_builtin_at(i);
            *have = 1;
            return 0;
        }
    if (!strchr(name, '/') && !strchr(name, '.')) {
        const char *names[16];
        uint32_t nb = 0;
        for (; nb < sm_chip_n_builtins() && nb < 15; nb++)
            names[nb] = sm_chip_builtin_at(nb)->name;
        char hint[96];
        sm_json_suggest(name, names, nb, hint, sizeof hint);
        return sm_json_fail(cx, SM_EPARSE, "base", b,
                            "must be a built-in chip (loihi, truenorth, spinnaker) or a chip "
                            "file%s", hint);
    }
    /* relative to the directory of the file that names it */
    char path[PATH_MAX];
    const char *slash = strrchr(cx->file, '/');
    if (name[0] == '/' || !slash)
        snprintf(path, sizeof path, "%s", name);
    else
        snprintf(path, sizeof path, "%.*s/%s", (int)(slash - cx->file), cx->file, name);
    char chain[1024];
    if (ch->n > S_MAX_BASES) {
        s_chain_text(ch, path, chain, sizeof chain);
        return sm_json_fail(cx, SM_EINVAL, "base", b,
                            "more than %d chip files deep: %s", S_MAX_BASES, chain);
    }
    char real[PATH_MAX];
    if (realpath(path, real))
        for (uint32_t i = 0; i < ch->n; i++)
            if (!strcmp(real, ch->real[i])) {
                s_chain_text(ch, path, chain, sizeof chain);
                return sm_json_fail(cx, SM_EINVAL, "base", b, "names a file already in its own "
                                    "chain of bases, a cycle: %s", chain);
            }
    sm_chip_t *base = s_load_file(path, ch, cx->err);
    if (!base) {
        sm_error_prefix(cx->err, "%s: base: ", cx->file);
        return -1;
    }
    *c = *base;
    free(base);
    *have = 1;
    return 0;
}

static int s_from_doc(const sm_json_t *cx, const cJSON *doc, s_chain_t *chain, sm_chip_t *c)
{
    static const char *const top[] = {"name", "source", "base", "mesh", "chips_x", "chips_y",
                                      "board", "chip", "limits", "precision", "energy_pj",
                                      "static_power_w", "timing_ns", "comment", NULL};
    if (sm_json_keys(cx, doc, "", top, NULL, NULL) < 0)
        return -1;
    int have_base;
    if (s_base(cx, doc, chain, c, &have_base) < 0)
        return -1;
    const char *s;
    int rc = sm_json_get_str(cx, doc, "", "name", SM_JSON_OPTIONAL, &s);
    if (rc < 0)
        return -1;
    if (rc) {
        if (!s[0] || strlen(s) >= sizeof c->name)
            return sm_json_fail(cx, SM_ERANGE, "name", sm_json_get(doc, "name", 0),
                                "must be 1 to %zu bytes", sizeof c->name - 1);
        snprintf(c->name, sizeof c->name, "%s", s);
    }
    if ((rc = sm_json_get_str(cx, doc, "", "source", SM_JSON_OPTIONAL, &s)) < 0)
        return -1;
    if (rc)
        snprintf(c->source, sizeof c->source, "%s", s);
    if (sm_json_get_str(cx, doc, "", "comment", SM_JSON_OPTIONAL, &s) < 0)
        return -1;

    /* Grid: either a chip's "mesh" tiled chips_x x chips_y times, or a whole
     * "board" cut into chips of "chip" cores. */
    const cJSON *mesh = NULL, *board = NULL, *chip = NULL;
    if (sm_json_get_object(cx, doc, "", "mesh", SM_JSON_OPTIONAL, &mesh) < 0 ||
        sm_json_get_object(cx, doc, "", "board", SM_JSON_OPTIONAL, &board) < 0 ||
        sm_json_get_object(cx, doc, "", "chip", SM_JSON_OPTIONAL, &chip) < 0)
        return -1;
    if (mesh && (board || chip))
        return sm_json_fail(cx, SM_EINVAL, "mesh", NULL,
                            "give either \"mesh\" (+ chips_x, chips_y) or \"board\" + \"chip\", "
                            "not both");
    if ((board != NULL) != (chip != NULL))
        return sm_json_fail(cx, SM_EINVAL, board ? "board" : "chip", NULL,
                            "\"board\" and \"chip\" go together (board grid cut into chips)");
    if (board && (sm_json_get(doc, "chips_x", 0) || sm_json_get(doc, "chips_y", 0)))
        return sm_json_fail(cx, SM_EINVAL, sm_json_get(doc, "chips_x", 0) ? "chips_x" : "chips_y",
                            NULL, "not with \"board\": the board size gives the chip count");
    if (mesh) {
        if (s_wh(cx, mesh, "mesh", &c->chip_w, &c->chip_h) < 0)
            return -1;
        c->chips_x = c->chips_y = 1;
    } else if (board) {
        uint32_t bw = 0, bh = 0;
        if (s_wh(cx, board, "board", &bw, &bh) < 0 || s_wh(cx, chip, "chip", &c->chip_w, &c->chip_h) < 0)
            return -1;
        if (bw % c->chip_w || bh % c->chip_h)
            return sm_json_fail(cx, SM_EINVAL, "board", NULL,
                                "%u x %u cores is not a whole number of %u x %u chips", bw, bh,
                                c->chip_w, c->chip_h);
        c->chips_x = bw / c->chip_w;
        c->chips_y = bh / c->chip_h;
    } else if (!have_base) {
        return sm_json_fail(cx, SM_EPARSE, "mesh", NULL,
                            "missing (or \"board\" + \"chip\", or \"base\")");
    }
    if (sm_json_get_u32(cx, doc, "", "chips_x", SM_JSON_OPTIONAL, 1, 4096, &c->chips_x) < 0 ||
        sm_json_get_u32(cx, doc, "", "chips_y", SM_JSON_OPTIONAL, 1, 4096, &c->chips_y) < 0)
        return -1;
    uint64_t cw = (uint64_t)c->chip_w * c->chips_x, ch = (uint64_t)c->chip_h * c->chips_y;
    if (cw * ch > (1u << 24))
        return sm_json_fail(cx, SM_ERANGE, "", NULL,
                            "grid of %llu x %llu cores is too large (at most 2^24 cores)",
                            (unsigned long long)cw, (unsigned long long)ch);
    c->width = (uint32_t)cw;
    c->height = (uint32_t)ch;

    const cJSON *lim = NULL, *prec = NULL, *en = NULL, *st = NULL, *tm = NULL;
    if (sm_json_get_object(cx, doc, "", "limits", SM_JSON_OPTIONAL, &lim) < 0 ||
        sm_json_get_object(cx, doc, "", "precision", SM_JSON_OPTIONAL, &prec) < 0 ||
        sm_json_get_object(cx, doc, "", "energy_pj", SM_JSON_OPTIONAL, &en) < 0 ||
        sm_json_get_object(cx, doc, "", "static_power_w", SM_JSON_OPTIONAL, &st) < 0 ||
        sm_json_get_object(cx, doc, "", "timing_ns", SM_JSON_OPTIONAL, &tm) < 0)
        return -1;
    if (lim) {
        static const char *const keys[] = {"neurons", "synapses", "axons", "fanout", NULL};
        const char *p = "limits";
        if (sm_json_keys(cx, lim, p, keys, NULL, NULL) < 0 ||
            sm_json_get_u32(cx, lim, p, "neurons", 0, 1, UINT32_MAX, &c->limits.neurons) < 0 ||
            sm_json_get_u64(cx, lim, p, "synapses", 0, 0, 1000000000000000ull,
                            &c->limits.synapses) < 0 ||
            sm_json_get_u32(cx, lim, p, "axons", 0, 0, UINT32_MAX, &c->limits.axons) < 0 ||
            sm_json_get_u32(cx, lim, p, "fanout", 0, 0, UINT32_MAX, &c->limits.fanout) < 0)
            return -1;
    }
    if (c->limits.neurons == 0)
        return sm_json_fail(cx, SM_EPARSE, "limits.neurons", NULL,
                            "missing (neurons per core, >= 1)");
    if (prec) {
        static const char *const keys[] = {"weight_bits", "state_bits", "arithmetic", NULL};
        static const char *const ariths[] = {"float", "fixed", NULL};
        const char *p = "precision";
        int ar = -1;
        if (sm_json_keys(cx, prec, p, keys, NULL, NULL) < 0 ||
            sm_json_get_u32(cx, prec, p, "weight_bits", 0, 1, 64, &c->weight_bits) < 0 ||
            sm_json_get_u32(cx, prec, p, "state_bits", 0, 1, 64, &c->state_bits) < 0 ||
            sm_json_get_enum(cx, prec, p, "arithmetic", 0, ariths, &ar) < 0)
            return -1;
        if (ar >= 0)
            c->arith = ar ? SM_ARITH_FIXED : SM_ARITH_FLOAT;
    }
    /* Fixed point is Loihi's: Dense weights of 1 to 8 bits, 24-bit u and v. */
    if (c->arith == SM_ARITH_FIXED && c->weight_bits > 8)
        return sm_json_fail(cx, SM_ERANGE, "precision.weight_bits", NULL,
                            "fixed-point arithmetic (Loihi's) takes 1 to 8 weight bits, got %u",
                            c->weight_bits);
    if (c->arith == SM_ARITH_FIXED && c->state_bits && c->state_bits != 24)
        return sm_json_fail(cx, SM_ERANGE, "precision.state_bits", NULL,
                            "fixed-point arithmetic (Loihi's) has a 24-bit state, got %u",
                            c->state_bits);
    if ((en && s_doubles(cx, en, "energy_pj", s_energy_fields, S_N(s_energy_fields), c) < 0) ||
        (st && s_doubles(cx, st, "static_power_w", s_static_fields, S_N(s_static_fields), c) < 0) ||
        (tm && s_doubles(cx, tm, "timing_ns", s_timing_fields, S_N(s_timing_fields), c) < 0))
        return -1;
    return 0;
}

/* The chip of a parsed document (deleted here); `name` as in messages and
 * for the directory its bases are in. */
static sm_chip_t *s_from_json(cJSON *doc, const char *name, s_chain_t *ch, sm_error_t *err)
{
    const sm_json_t cx = {name, err};
    sm_chip_t *c = calloc(1, sizeof *c);
    if (!c) {
        cJSON_Delete(doc);
        sm_fail(err, SM_ENOMEM, "%s: out of memory", name);
        return NULL;
    }
    if (s_from_doc(&cx, doc, ch, c) < 0) {
        cJSON_Delete(doc);
        free(c);
        return NULL;
    }
    cJSON_Delete(doc);
    if (!c->name[0]) {
        /* The file's stem names a chip that does not name itself. */
        const char *b = strrchr(name, '/');
        b = b ? b + 1 : name;
        snprintf(c->name, sizeof c->name, "%.*s", (int)strcspn(b, "."), b);
    }
    return c;
}

sm_chip_t *sm_chip_from_string(const char *text, const char *name, sm_error_t *err)
{
    if (!name)
        name = "chip";
    cJSON *doc = sm_json_parse(text, strlen(text), name, err);
    s_chain_t *ch = calloc(1, sizeof *ch);
    if (!ch) {
        cJSON_Delete(doc);
        sm_fail(err, SM_ENOMEM, "%s: out of memory", name);
        return NULL;
    }
    ch->n = 1;
    snprintf(ch->shown[0], sizeof ch->shown[0], "%s", name);
    sm_chip_t *c = doc ? s_from_json(doc, name, ch, err) : NULL;
    free(ch);
    return c;
}

/* Loads chip file `path` as the next link of the chain. */
static sm_chip_t *s_load_file(const char *path, s_chain_t *ch, sm_error_t *err)
{
    cJSON *doc = sm_json_read(path, SM_JSON_MAX_BYTES, err);
    if (!doc)
        return NULL;
    uint32_t at = ch->n++;
    size_t used = 0;
    ch->shown[at][0] = '\0';
    s_append(ch->shown[at], sizeof ch->shown[at], &used, path);
    if (!realpath(path, ch->real[at]))
        ch->real[at][0] = '\0';
    sm_chip_t *c = s_from_json(doc, path, ch, err);
    ch->n = at;
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
    /* the chain is large (paths): on the heap, not the stack */
    s_chain_t *ch = calloc(1, sizeof *ch);
    if (!ch) {
        sm_fail(err, SM_ENOMEM, "out of memory loading %s", name_or_path);
        return NULL;
    }
    sm_chip_t *c = s_load_file(name_or_path, ch, err);
    free(ch);
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
