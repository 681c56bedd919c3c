/* sanafe_arch: the architecture YAML (yaml_arch.cpp) into sm_sanafe_arch_t. */
#include "sanafe_arch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sanafe_scalar.h"

/* Bounds on what a range in a name may create, so that "core[0..4000000000]"
 * is refused instead of exhausting memory. */
#define S_MAX_TILES (1u << 16)
#define S_MAX_CORES (1u << 20)
#define S_MAX_UNITS_PER_CORE (1u << 16)
#define S_MAX_UNITS (1u << 22)

static const char *const s_model_names[SM_SF_MODEL_COUNT] = {
    "current_based", "accumulator", "accumulator_with_delay", "taps",
    "input", "leaky_integrate_fire", "truenorth"};

const char *sm_sf_model_name(sm_sf_model_t m)
{
    return (unsigned)m < SM_SF_MODEL_COUNT ? s_model_names[m] : "?";
}

sm_sf_role_t sm_sf_model_role(sm_sf_model_t m)
{
    switch (m) {
    case SM_SF_CURRENT_BASED: return SM_SF_ROLE_SYNAPSE;
    case SM_SF_ACCUMULATOR:
    case SM_SF_ACCUMULATOR_WITH_DELAY:
    case SM_SF_TAPS: return SM_SF_ROLE_DENDRITE;
    default: return SM_SF_ROLE_SOMA;
    }
}

typedef struct {
    const sm_yaml_t *d;
    sm_sanafe_arch_t *a;
    uint32_t cap_tiles, cap_cores, cap_ctypes, cap_units, cap_axons;
    sm_error_t *err;
} s_ctx_t;

static int s_grow(void **p, uint32_t *cap, uint32_t need, size_t elem, sm_error_t *err)
{
    if (need <= *cap)
        return 0;
    uint32_t c = *cap ? *cap : 8;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, (size_t)c * elem);
    if (!q)
        return sm_fail(err, SM_ENOMEM, "out of memory reading the architecture");
    memset((char *)q + (size_t)*cap * elem, 0, (size_t)(c - *cap) * elem);
    *p = q;
    *cap = c;
    return 0;
}

static char *s_strdup(const char *s, sm_error_t *err)
{
    char *r = strdup(s);
    if (!r)
        sm_fail(err, SM_ENOMEM, "out of memory reading the architecture");
    return r;
}

/* A name that may hold a range: base and [first, last] (first = last = 0
 * and ranged = 0 for a plain name). */
typedef struct {
    const char *text;
    size_t base_len;
    uint64_t first, last;
    int ranged;
} s_name_t;

static int s_name(s_ctx_t *c, uint32_t entry, const char *what, s_name_t *out)
{
    uint32_t n = sm_yaml_get(c->d, entry, "name");
    if (!n)
        return sm_yaml_fail(c->d, entry, c->err, SM_EPARSE, "name: required in every %s", what);
    if (sm_sf_string(c->d, n, "name", &out->text, c->err))
        return -1;
    size_t len = sm_yaml_len(c->d, n);
    int r = sm_sf_parse_range(out->text, len, &out->first, &out->last, &out->base_len);
    if (r < 0 || (r > 0 && out->base_len == len))
        return sm_yaml_fail(c->d, n, c->err, SM_EPARSE,
                            "name: a range must read NAME[FIRST..LAST] with FIRST <= LAST, got '%s'",
                            out->text);
    out->ranged = r > 0;
    if (!r) {
        out->base_len = len;
        out->first = out->last = 0;
    }
    return 0;
}

static char *s_copy_name(s_ctx_t *c, const s_name_t *nm, uint64_t i)
{
    if (!nm->ranged)
        return s_strdup(nm->text, c->err);
    char *r = malloc(nm->base_len + 24);
    if (!r) {
        sm_fail(c->err, SM_ENOMEM, "out of memory reading the architecture");
        return NULL;
    }
    snprintf(r, nm->base_len + 24, "%.*s[%llu]", (int)nm->base_len, nm->text, (unsigned long long)i);
    return r;
}

static uint32_t s_attributes(s_ctx_t *c, uint32_t entry, const char *what)
{
    uint32_t at = sm_yaml_get(c->d, entry, "attributes");
    if (!at) {
        sm_yaml_fail(c->d, entry, c->err, SM_EPARSE, "attributes: required in every %s", what);
        return 0;
    }
    if (sm_yaml_kind(c->d, at) != SM_YAML_MAP) {
        char show[64];
        sm_yaml_fail(c->d, at, c->err, SM_EPARSE, "attributes: must be a map, got %s",
                     sm_yaml_show(c->d, at, show, sizeof show));
        return 0;
    }
    return at;
}

/* A section that holds one entry (a map) or a list of them. */
typedef int (*s_entry_fn)(s_ctx_t *c, uint32_t entry, void *arg);

static int s_each(s_ctx_t *c, uint32_t sec, const char *what, s_entry_fn fn, void *arg)
{
    if (sm_yaml_kind(c->d, sec) == SM_YAML_MAP)
        return fn(c, sec, arg);
    if (sm_yaml_kind(c->d, sec) != SM_YAML_SEQ) {
        char show[64];
        return sm_yaml_fail(c->d, sec, c->err, SM_EPARSE, "%s: must be a map or a list of maps, got %s",
                            what, sm_yaml_show(c->d, sec, show, sizeof show));
    }
    for (uint32_t e = sm_yaml_first(c->d, sec); e; e = sm_yaml_next(c->d, e)) {
        if (sm_yaml_kind(c->d, e) != SM_YAML_MAP) {
            char show[64];
            return sm_yaml_fail(c->d, e, c->err, SM_EPARSE, "%s: each entry must be a map, got %s",
                                what, sm_yaml_show(c->d, e, show, sizeof show));
        }
        if (fn(c, e, arg))
            return -1;
    }
    return 0;
}

/* ---- units ---- */

typedef struct {
    uint32_t ctype;
    sm_sf_role_t role; /* 0 for axon sections */
    int out;           /* axon_out (1) or axon_in (0) */
} s_sec_t;

static int s_model(s_ctx_t *c, uint32_t at, sm_sf_role_t role, sm_sf_model_t *out)
{
    const char *m;
    if (sm_sf_req_string(c->d, at, "model", &m, c->err))
        return -1;
    uint32_t mn = sm_yaml_get(c->d, at, "model");
    for (int i = 0; i < SM_SF_MODEL_COUNT; i++)
        if (!strcmp(m, s_model_names[i])) {
            if (sm_sf_model_role((sm_sf_model_t)i) != role)
                return sm_yaml_fail(c->d, mn, c->err, SM_EPARSE,
                                    "model: %s is a %s model, not a %s one (SANA-FE refuses it too)",
                                    m,
                                    sm_sf_model_role((sm_sf_model_t)i) == SM_SF_ROLE_SYNAPSE ? "synapse"
                                    : sm_sf_model_role((sm_sf_model_t)i) == SM_SF_ROLE_DENDRITE
                                        ? "dendrite"
                                        : "soma",
                                    role == SM_SF_ROLE_SYNAPSE    ? "synapse"
                                    : role == SM_SF_ROLE_DENDRITE ? "dendrite"
                                                                  : "soma");
            *out = (sm_sf_model_t)i;
            return 0;
        }
    return sm_yaml_fail(c->d, mn, c->err, SM_EUNSUPPORTED,
                        "model: must be one of current_based, accumulator, accumulator_with_delay, "
                        "taps, input, leaky_integrate_fire, truenorth, got '%s'",
                        m);
}

/* Both of a pair or neither; a partial set is refused as SANA-FE does for the
 * soma (pipeline.cpp:214-265). */
static int s_all_or_none(s_ctx_t *c, uint32_t at, const char *const *keys, int n, int *given)
{
    int have = 0;
    for (int i = 0; i < n; i++)
        have += sm_yaml_get(c->d, at, keys[i]) != 0;
    *given = have > 0;
    if (have && have != n)
        for (int i = 0; i < n; i++)
            if (!sm_yaml_get(c->d, at, keys[i]))
                return sm_yaml_fail(c->d, at, c->err, SM_EPARSE,
                                    "%s: required once any of the unit's %s figures is given",
                                    keys[i], strncmp(keys[0], "energy", 6) ? "latency" : "energy");
    return 0;
}

static int s_prices(s_ctx_t *c, uint32_t at, sm_sanafe_unit_t *u)
{
    const sm_yaml_t *d = c->d;
    switch (u->role) {
    case SM_SF_ROLE_SYNAPSE:
        return sm_sf_opt_double(d, at, "energy_process_spike", &u->energy_process_spike,
                                &u->has_energy, c->err) ||
               sm_sf_opt_double(d, at, "latency_process_spike", &u->latency_process_spike,
                                &u->has_latency, c->err);
    case SM_SF_ROLE_DENDRITE:
        return sm_sf_opt_double(d, at, "energy_update", &u->energy_update, &u->has_energy, c->err) ||
               sm_sf_opt_double(d, at, "latency_update", &u->latency_update, &u->has_latency,
                                c->err);
    case SM_SF_ROLE_SOMA: {
        static const char *const ek[] = {"energy_access_neuron", "energy_update_neuron",
                                         "energy_spike_out"};
        static const char *const lk[] = {"latency_access_neuron", "latency_update_neuron",
                                         "latency_spike_out"};
        if (s_all_or_none(c, at, ek, 3, &u->has_energy) || s_all_or_none(c, at, lk, 3, &u->has_latency))
            return -1;
        return sm_sf_opt_double(d, at, ek[0], &u->energy_access_neuron, NULL, c->err) ||
               sm_sf_opt_double(d, at, ek[1], &u->energy_update_neuron, NULL, c->err) ||
               sm_sf_opt_double(d, at, ek[2], &u->energy_spike_out, NULL, c->err) ||
               sm_sf_opt_double(d, at, lk[0], &u->latency_access_neuron, NULL, c->err) ||
               sm_sf_opt_double(d, at, lk[1], &u->latency_update_neuron, NULL, c->err) ||
               sm_sf_opt_double(d, at, lk[2], &u->latency_spike_out, NULL, c->err);
    }
    }
    return 0;
}

static int s_unit_keys(s_ctx_t *c, uint32_t at, sm_sf_role_t role)
{
    static const char *const syn[] = {"model", "log_energy", "log_latency", "update_every_timestep",
                                      "plugin", "energy_process_spike", "latency_process_spike",
                                      NULL};
    static const char *const den[] = {"model", "log_energy", "log_latency", "update_every_timestep",
                                      "plugin", "energy_update", "latency_update", NULL};
    static const char *const som[] = {"model", "log_energy", "log_latency", "update_every_timestep",
                                      "plugin", "energy_access_neuron", "latency_access_neuron",
                                      "energy_update_neuron", "latency_update_neuron",
                                      "energy_spike_out", "latency_spike_out", "noise",
                                      "noise_bits", NULL};
    const char *const *k = role == SM_SF_ROLE_SYNAPSE ? syn : role == SM_SF_ROLE_DENDRITE ? den : som;
    const char *ctx = role == SM_SF_ROLE_SYNAPSE    ? "synapse unit attributes"
                      : role == SM_SF_ROLE_DENDRITE ? "dendrite unit attributes"
                                                    : "soma unit attributes";
    if (sm_sf_keys(c->d, at, ctx, k, c->err))
        return -1;
    uint32_t p = sm_yaml_key(c->d, at, "plugin");
    if (p)
        return sm_yaml_fail(c->d, p, c->err, SM_EUNSUPPORTED,
                            "plugin: plug-in models are not supported (built-in models only)");
    return 0;
}

/* noise: FILE and noise_bits: N of a leaky_integrate_fire unit (SANA-FE's
 * only built-in model that takes them; the file is read by the run). */
static int s_noise(s_ctx_t *c, uint32_t at, sm_sanafe_unit_t *u)
{
    u->noise_bits = 7;
    uint32_t k = sm_yaml_key(c->d, at, "noise"), kb = sm_yaml_key(c->d, at, "noise_bits");
    if (!k && !kb)
        return 0;
    if (u->model != SM_SF_LIF)
        return sm_yaml_fail(c->d, k ? k : kb, c->err, SM_EPARSE,
                            "%s: only a leaky_integrate_fire unit takes a noise stream",
                            k ? "noise" : "noise_bits");
    if (kb) {
        if (sm_sf_int(c->d, sm_yaml_next(c->d, kb), "noise_bits", &u->noise_bits, c->err))
            return -1;
        if (u->noise_bits < 0 || u->noise_bits > 30)
            return sm_yaml_fail(c->d, kb, c->err, SM_EPARSE, "noise_bits: must be 0..30, got %d",
                                u->noise_bits);
    }
    if (!k)
        return 0;
    const char *f;
    if (sm_sf_string(c->d, sm_yaml_next(c->d, k), "noise", &f, c->err))
        return -1;
    if (!*f)
        return sm_yaml_fail(c->d, k, c->err, SM_EPARSE, "noise: a file name is required");
    u->noise = (char *)f; /* copied per unit by the caller */
    return 0;
}

static int s_unit(s_ctx_t *c, uint32_t entry, void *arg)
{
    const s_sec_t *sec = arg;
    sm_sanafe_arch_t *a = c->a;
    sm_sanafe_ctype_t *t = &a->ctypes[sec->ctype];
    if (sm_sf_keys(c->d, entry, "a unit", (const char *const[]){"name", "attributes", NULL}, c->err))
        return -1;
    s_name_t nm;
    if (s_name(c, entry, "unit", &nm))
        return -1;
    uint32_t at = s_attributes(c, entry, "unit");
    if (!at)
        return -1;
    uint64_t count = nm.last - nm.first + 1;
    if (!sec->role) {
        const char *ek = sec->out ? "energy_message_out" : "energy_message_in";
        const char *lk = sec->out ? "latency_message_out" : "latency_message_in";
        if (sm_sf_keys(c->d, at, sec->out ? "axon_out attributes" : "axon_in attributes",
                       (const char *const[]){ek, lk, NULL}, c->err))
            return -1;
        sm_sanafe_axon_t ax = {0};
        if (sm_sf_req_double(c->d, at, ek, &ax.energy, c->err) ||
            sm_sf_req_double(c->d, at, lk, &ax.latency, c->err))
            return -1;
        if ((sec->out ? t->n_out : t->n_in) + count > S_MAX_UNITS_PER_CORE ||
            a->n_axons + count > S_MAX_UNITS)
            return sm_yaml_fail(c->d, entry, c->err, SM_ETOOBIG, "name: too many axon units");
        for (uint64_t i = nm.first; i <= nm.last; i++) {
            if (s_grow((void **)&a->axons, &c->cap_axons, a->n_axons + 1, sizeof *a->axons, c->err))
                return -1;
            sm_sanafe_axon_t *x = &a->axons[a->n_axons];
            *x = ax;
            x->line = sm_yaml_line(c->d, entry);
            if (!(x->name = s_copy_name(c, &nm, i)))
                return -1;
            a->n_axons++;
            if (sec->out)
                t->n_out++;
            else
                t->n_in++;
        }
        return 0;
    }
    if (s_unit_keys(c, at, sec->role))
        return -1;
    sm_sanafe_unit_t u = {0};
    u.role = sec->role;
    u.line = sm_yaml_line(c->d, entry);
    if (s_model(c, at, sec->role, &u.model) || s_prices(c, at, &u) ||
        sm_sf_opt_bool(c->d, at, "log_energy", &u.log_energy, c->err) ||
        sm_sf_opt_bool(c->d, at, "log_latency", &u.log_latency, c->err) ||
        sm_sf_opt_bool(c->d, at, "update_every_timestep", &u.update_every_timestep, c->err) ||
        s_noise(c, at, &u))
        return -1;
    if (t->n_units + count > S_MAX_UNITS_PER_CORE || a->n_units + count > S_MAX_UNITS)
        return sm_yaml_fail(c->d, entry, c->err, SM_ETOOBIG, "name: too many units in one core");
    for (uint64_t i = nm.first; i <= nm.last; i++) {
        if (s_grow((void **)&a->units, &c->cap_units, a->n_units + 1, sizeof *a->units, c->err))
            return -1;
        sm_sanafe_unit_t *x = &a->units[a->n_units];
        *x = u;
        x->noise = NULL;
        if (!(x->name = s_copy_name(c, &nm, i)) || (u.noise && !(x->noise = s_strdup(u.noise, c->err))))
            return -1;
        a->n_units++;
        t->n_units++;
    }
    return 0;
}

/* SANA-FE merges same-named units of a core into one unit that plays several
 * roles (yaml_arch.cpp:185-219), which only a plug-in model can honour; with
 * built-in models it fails later. Refused here, naming both. */
static int s_unique_units(s_ctx_t *c, const sm_sanafe_ctype_t *t, uint32_t entry)
{
    const sm_sanafe_unit_t *u = &c->a->units[t->first_unit];
    for (uint32_t i = 0; i < t->n_units; i++)
        for (uint32_t j = i + 1; j < t->n_units; j++)
            if (!strcmp(u[i].name, u[j].name))
                return sm_yaml_fail(c->d, entry, c->err, SM_EPARSE,
                                    "unit %s: defined twice in one core (lines %u and %u)", u[i].name,
                                    u[i].line, u[j].line);
    return 0;
}

/* ---- cores and tiles ---- */

static int s_core_attrs(s_ctx_t *c, uint32_t at, sm_sanafe_ctype_t *t)
{
    static const char *const keys[] = {"buffer_position", "buffer_inside_unit",
                                       "max_neurons_supported", "log_energy", NULL};
    if (sm_sf_keys(c->d, at, "core attributes", keys, c->err))
        return -1;
    const char *pos;
    int32_t maxn;
    if (sm_sf_req_string(c->d, at, "buffer_position", &pos, c->err) ||
        sm_sf_opt_bool(c->d, at, "buffer_inside_unit", &t->buffer_inside_unit, c->err) ||
        sm_sf_opt_bool(c->d, at, "log_energy", &t->log_energy, c->err) ||
        sm_sf_req_int(c->d, at, "max_neurons_supported", &maxn, c->err))
        return -1;
    if (!strcmp(pos, "dendrite"))
        t->buffer_position = SM_SF_BUFFER_DENDRITE;
    else if (!strcmp(pos, "soma"))
        t->buffer_position = SM_SF_BUFFER_SOMA;
    else if (!strcmp(pos, "axon_out"))
        t->buffer_position = SM_SF_BUFFER_AXON_OUT;
    else
        return sm_yaml_fail(c->d, sm_yaml_get(c->d, at, "buffer_position"), c->err, SM_EPARSE,
                            "buffer_position: must be dendrite, soma or axon_out, got '%s'", pos);
    if (maxn <= 0)
        return sm_yaml_fail(c->d, sm_yaml_get(c->d, at, "max_neurons_supported"), c->err, SM_EPARSE,
                            "max_neurons_supported: must be > 0, got %d", maxn);
    t->max_neurons = (uint32_t)maxn;
    return 0;
}

static int s_section(s_ctx_t *c, uint32_t entry, uint32_t ctype, const char *key, sm_sf_role_t role,
                     int out)
{
    uint32_t sec = sm_yaml_get(c->d, entry, key);
    if (!sec)
        return sm_yaml_fail(c->d, entry, c->err, SM_EPARSE, "%s: required in every core", key);
    s_sec_t s = {ctype, role, out};
    if (s_each(c, sec, key, s_unit, &s))
        return -1;
    const sm_sanafe_ctype_t *t = &c->a->ctypes[ctype];
    if (!role && (out ? t->n_out : t->n_in) == 0)
        return sm_yaml_fail(c->d, sec, c->err, SM_EPARSE,
                            "%s: needs at least one unit (SANA-FE uses unit 0)", key);
    return 0;
}

/* A core entry of a tile entry: its name range and the type its cores share. */
typedef struct {
    uint32_t ctype;
    s_name_t name;
} s_centry_t;

typedef struct {
    s_centry_t *v;
    uint32_t n, cap;
} s_centries_t;

static int s_core_entry(s_ctx_t *c, uint32_t entry, void *arg)
{
    s_centries_t *list = arg;
    static const char *const keys[] = {"name", "attributes", "axon_in", "synapse", "dendrite",
                                       "soma", "axon_out", NULL};
    if (sm_sf_keys(c->d, entry, "a core", keys, c->err))
        return -1;
    sm_sanafe_arch_t *a = c->a;
    s_centry_t ce;
    if (s_name(c, entry, "core", &ce.name))
        return -1;
    uint32_t at = s_attributes(c, entry, "core");
    if (!at)
        return -1;
    if (s_grow((void **)&a->ctypes, &c->cap_ctypes, a->n_ctypes + 1, sizeof *a->ctypes, c->err))
        return -1;
    ce.ctype = a->n_ctypes++;
    sm_sanafe_ctype_t *t = &a->ctypes[ce.ctype];
    t->line = sm_yaml_line(c->d, entry);
    if (!(t->name = malloc(ce.name.base_len + 1)))
        return sm_fail(c->err, SM_ENOMEM, "out of memory reading the architecture");
    memcpy(t->name, ce.name.text, ce.name.base_len);
    t->name[ce.name.base_len] = '\0';
    if (s_core_attrs(c, at, t))
        return -1;
    /* Creation order of SANA-FE's parse loop (yaml_arch.cpp:260-266),
     * whatever order the sections have in the file. */
    t->first_unit = a->n_units;
    t->first_in = a->n_axons;
    if (s_section(c, entry, ce.ctype, "axon_in", 0, 0))
        return -1;
    t = &a->ctypes[ce.ctype];
    if (s_section(c, entry, ce.ctype, "synapse", SM_SF_ROLE_SYNAPSE, 0) ||
        s_section(c, entry, ce.ctype, "dendrite", SM_SF_ROLE_DENDRITE, 0) ||
        s_section(c, entry, ce.ctype, "soma", SM_SF_ROLE_SOMA, 0))
        return -1;
    t = &a->ctypes[ce.ctype];
    t->first_out = a->n_axons;
    if (s_section(c, entry, ce.ctype, "axon_out", 0, 1))
        return -1;
    if (s_unique_units(c, &a->ctypes[ce.ctype], entry))
        return -1;
    if (list->n == list->cap) {
        uint32_t cap = list->cap ? list->cap * 2 : 4;
        s_centry_t *p = realloc(list->v, cap * sizeof *p);
        if (!p)
            return sm_fail(c->err, SM_ENOMEM, "out of memory reading the architecture");
        list->v = p;
        list->cap = cap;
    }
    list->v[list->n++] = ce;
    return 0;
}

static int s_tile_attrs(s_ctx_t *c, uint32_t at, sm_sanafe_tile_t *t)
{
    static const char *const keys[] = {"energy_north_hop", "latency_north_hop", "energy_east_hop",
                                       "latency_east_hop", "energy_south_hop", "latency_south_hop",
                                       "energy_west_hop", "latency_west_hop", "log_energy", NULL};
    const sm_yaml_t *d = c->d;
    return sm_sf_keys(d, at, "tile attributes", keys, c->err) ||
           sm_sf_req_double(d, at, "energy_north_hop", &t->energy_north_hop, c->err) ||
           sm_sf_req_double(d, at, "latency_north_hop", &t->latency_north_hop, c->err) ||
           sm_sf_req_double(d, at, "energy_east_hop", &t->energy_east_hop, c->err) ||
           sm_sf_req_double(d, at, "latency_east_hop", &t->latency_east_hop, c->err) ||
           sm_sf_req_double(d, at, "energy_south_hop", &t->energy_south_hop, c->err) ||
           sm_sf_req_double(d, at, "latency_south_hop", &t->latency_south_hop, c->err) ||
           sm_sf_req_double(d, at, "energy_west_hop", &t->energy_west_hop, c->err) ||
           sm_sf_req_double(d, at, "latency_west_hop", &t->latency_west_hop, c->err) ||
           sm_sf_opt_bool(d, at, "log_energy", &t->log_energy, c->err);
}

static int s_tile_entry(s_ctx_t *c, uint32_t entry, void *arg)
{
    (void)arg;
    if (sm_sf_keys(c->d, entry, "a tile", (const char *const[]){"name", "attributes", "core", NULL},
                   c->err))
        return -1;
    sm_sanafe_arch_t *a = c->a;
    s_name_t nm;
    if (s_name(c, entry, "tile", &nm))
        return -1;
    uint32_t at = s_attributes(c, entry, "tile");
    if (!at)
        return -1;
    sm_sanafe_tile_t proto = {0};
    if (s_tile_attrs(c, at, &proto))
        return -1;
    uint32_t cores = sm_yaml_get(c->d, entry, "core");
    if (!cores)
        return sm_yaml_fail(c->d, entry, c->err, SM_EPARSE, "core: required in every tile");
    s_centries_t list = {0};
    int rc = s_each(c, cores, "core", s_core_entry, &list);
    uint64_t per_tile = 0;
    for (uint32_t i = 0; i < list.n && !rc; i++)
        per_tile += list.v[i].name.last - list.v[i].name.first + 1;
    uint64_t ntiles = nm.last - nm.first + 1;
    if (!rc && (a->n_tiles + ntiles > S_MAX_TILES || a->n_cores + ntiles * per_tile > S_MAX_CORES))
        rc = sm_yaml_fail(c->d, entry, c->err, SM_ETOOBIG, "name: over %u tiles or %u cores",
                          S_MAX_TILES, S_MAX_CORES);
    for (uint64_t ti = nm.first; ti <= nm.last && !rc; ti++) {
        if (s_grow((void **)&a->tiles, &c->cap_tiles, a->n_tiles + 1, sizeof *a->tiles, c->err) ||
            s_grow((void **)&a->cores, &c->cap_cores, a->n_cores + (uint32_t)per_tile,
                   sizeof *a->cores, c->err)) {
            rc = -1;
            break;
        }
        uint32_t id = a->n_tiles;
        sm_sanafe_tile_t *t = &a->tiles[id];
        *t = proto;
        t->line = sm_yaml_line(c->d, entry);
        if (!(t->name = s_copy_name(c, &nm, ti))) {
            rc = -1;
            break;
        }
        a->n_tiles++;
        t->first_core = a->n_cores;
        for (uint32_t e = 0; e < list.n; e++)
            for (uint64_t ci = list.v[e].name.first; ci <= list.v[e].name.last; ci++) {
                sm_sanafe_core_t *core = &a->cores[a->n_cores++];
                core->tile = id;
                core->offset = t->n_cores++;
                core->type = list.v[e].ctype;
                core->index = (uint32_t)ci;
            }
        if (t->n_cores > a->max_cores_per_tile)
            a->max_cores_per_tile = t->n_cores;
    }
    free(list.v);
    return rc;
}

/* ---- the chip ---- */

static int s_sync(s_ctx_t *c, uint32_t at)
{
    sm_sanafe_arch_t *a = c->a;
    const sm_yaml_t *d = c->d;
    uint32_t mn = sm_yaml_get(d, at, "sync_model"), ls = sm_yaml_get(d, at, "latency_sync");
    const char *model = "fixed";
    if (mn && sm_sf_string(d, mn, "sync_model", &model, c->err))
        return -1;
    uint32_t n = 1;
    if (!strcmp(model, "fixed")) {
        a->sync_model = SM_SF_SYNC_FIXED;
    } else if (!strcmp(model, "table")) {
        a->sync_model = SM_SF_SYNC_TABLE;
        if (!ls)
            return sm_yaml_fail(d, at, c->err, SM_EPARSE,
                                "latency_sync: required with sync_model: table");
        if (sm_yaml_kind(d, ls) != SM_YAML_SCALAR)
            n = sm_yaml_size(d, ls);
        if (!n)
            return sm_yaml_fail(d, ls, c->err, SM_EPARSE, "latency_sync: must not be empty");
    } else {
        return sm_yaml_fail(d, mn, c->err, SM_EPARSE, "sync_model: must be fixed or table, got '%s'",
                            model);
    }
    a->sync_keys = calloc(n, sizeof *a->sync_keys);
    a->sync_latency = calloc(n, sizeof *a->sync_latency);
    if (!a->sync_keys || !a->sync_latency)
        return sm_fail(c->err, SM_ENOMEM, "out of memory reading the architecture");
    a->n_sync = n;
    if (a->sync_model == SM_SF_SYNC_FIXED || sm_yaml_kind(d, ls) == SM_YAML_SCALAR) {
        a->sync_keys[0] = 0;
        return ls ? sm_sf_double(d, ls, "latency_sync", &a->sync_latency[0], c->err) : 0;
    }
    uint32_t i = 0;
    if (sm_yaml_kind(d, ls) == SM_YAML_SEQ) {
        for (uint32_t e = sm_yaml_first(d, ls); e; e = sm_yaml_next(d, e), i++) {
            a->sync_keys[i] = i;
            if (sm_sf_double(d, e, "latency_sync", &a->sync_latency[i], c->err))
                return -1;
        }
        return 0;
    }
    /* A map tiles -> latency; kept in key order as SANA-FE's std::map does. */
    for (uint32_t k = sm_yaml_first(d, ls); k; k = sm_yaml_next(d, sm_yaml_next(d, k))) {
        uint64_t key;
        double v;
        if (sm_sf_index(d, k, "latency_sync key", &key, c->err) ||
            sm_sf_double(d, sm_yaml_next(d, k), "latency_sync", &v, c->err))
            return -1;
        uint32_t j = i;
        while (j > 0 && a->sync_keys[j - 1] > key)
            j--;
        if (j > 0 && a->sync_keys[j - 1] == key)
            return sm_yaml_fail(d, k, c->err, SM_EPARSE, "latency_sync: key %llu given twice",
                                (unsigned long long)key);
        memmove(a->sync_keys + j + 1, a->sync_keys + j, (i - j) * sizeof *a->sync_keys);
        memmove(a->sync_latency + j + 1, a->sync_latency + j, (i - j) * sizeof *a->sync_latency);
        a->sync_keys[j] = key;
        a->sync_latency[j] = v;
        i++;
    }
    return 0;
}

static int s_chip_attrs(s_ctx_t *c, uint32_t at)
{
    static const char *const keys[] = {"width", "height", "link_buffer_size", "sync_model",
                                       "latency_sync", "topology", NULL};
    const sm_yaml_t *d = c->d;
    sm_sanafe_arch_t *a = c->a;
    if (sm_sf_keys(d, at, "architecture attributes", keys, c->err))
        return -1;
    int32_t w, h, lb;
    if (sm_sf_req_int(d, at, "width", &w, c->err) || sm_sf_req_int(d, at, "height", &h, c->err) ||
        sm_sf_req_int(d, at, "link_buffer_size", &lb, c->err))
        return -1;
    if (w <= 0 || h <= 0 || (uint64_t)w * (uint64_t)h > S_MAX_TILES)
        return sm_yaml_fail(d, at, c->err, SM_EPARSE,
                            "width, height: must be > 0 and at most %u tiles, got %d x %d",
                            S_MAX_TILES, w, h);
    if (lb < 0)
        return sm_yaml_fail(d, sm_yaml_get(d, at, "link_buffer_size"), c->err, SM_EPARSE,
                            "link_buffer_size: must be >= 0, got %d", lb);
    uint32_t topo = sm_yaml_get(d, at, "topology");
    if (topo && !sm_yaml_is(d, topo, "mesh")) {
        char show[64];
        return sm_yaml_fail(d, topo, c->err, SM_EUNSUPPORTED, "topology: must be mesh, got %s",
                            sm_yaml_show(d, topo, show, sizeof show));
    }
    a->width = (uint32_t)w;
    a->height = (uint32_t)h;
    a->link_buffer_size = (uint32_t)lb;
    return s_sync(c, at);
}

sm_sanafe_arch_t *sm_sanafe_arch_read(const sm_yaml_t *doc, uint32_t arch, sm_error_t *err)
{
    s_ctx_t c = {.d = doc, .err = err};
    sm_sanafe_arch_t *a = calloc(1, sizeof *a);
    if (!a || !(a->file = strdup(sm_yaml_name(doc)))) {
        free(a);
        sm_fail(err, SM_ENOMEM, "out of memory reading the architecture");
        return NULL;
    }
    c.a = a;
    a->line = sm_yaml_line(doc, arch);
    int rc = 0;
    const char *name = NULL;
    uint32_t at = 0, tiles = 0;
    if (sm_yaml_kind(doc, arch) != SM_YAML_MAP) {
        char show[64];
        rc = sm_yaml_fail(doc, arch, err, SM_EPARSE, "architecture: must be a map, got %s",
                          sm_yaml_show(doc, arch, show, sizeof show));
    } else if (!(rc = sm_sf_keys(doc, arch, "architecture",
                                 (const char *const[]){"name", "attributes", "tile", NULL}, err)) &&
               !(rc = sm_sf_req_string(doc, arch, "name", &name, err))) {
        if (strchr(name, '['))
            rc = sm_yaml_fail(doc, sm_yaml_get(doc, arch, "name"), err, SM_EUNSUPPORTED,
                              "name: one architecture per file (no range), got '%s'", name);
        else if (!(a->name = strdup(name)))
            rc = sm_fail(err, SM_ENOMEM, "out of memory reading the architecture");
        else if (!(at = s_attributes(&c, arch, "architecture")))
            rc = -1;
        else if (!(rc = s_chip_attrs(&c, at)) && !(tiles = sm_yaml_get(doc, arch, "tile")))
            rc = sm_yaml_fail(doc, arch, err, SM_EPARSE, "tile: required in the architecture");
    }
    if (!rc)
        rc = s_each(&c, tiles, "tile", s_tile_entry, NULL);
    if (!rc && a->n_tiles > a->width * a->height)
        rc = sm_yaml_fail(doc, tiles, err, SM_EPARSE,
                          "tile: %u tiles do not fit a %u x %u mesh (tile id -> x = id / height)",
                          a->n_tiles, a->width, a->height);
    if (rc) {
        sm_sanafe_arch_destroy(&a);
        return NULL;
    }
    for (uint32_t i = 0; i < a->n_tiles; i++) {
        a->tiles[i].x = i / a->height;
        a->tiles[i].y = i % a->height;
    }
    return a;
}

sm_sanafe_arch_t *sm_sanafe_arch_load(const char *path, sm_error_t *err)
{
    sm_yaml_t *doc = sm_yaml_load(path, NULL, err);
    if (!doc)
        return NULL;
    sm_sanafe_arch_t *a = NULL;
    uint32_t root = sm_yaml_root(doc);
    if (sm_yaml_kind(doc, root) != SM_YAML_MAP)
        sm_yaml_fail(doc, root, err, SM_EPARSE, "must be a map with an architecture: section");
    else if (!sm_sf_keys(doc, root, "the top level",
                         (const char *const[]){"architecture", "network", "mappings", NULL}, err)) {
        uint32_t arch = sm_yaml_get(doc, root, "architecture");
        if (!arch)
            sm_yaml_fail(doc, root, err, SM_EPARSE, "architecture: required, missing");
        else
            a = sm_sanafe_arch_read(doc, arch, err);
    }
    sm_yaml_destroy(&doc);
    return a;
}

void sm_sanafe_arch_destroy(sm_sanafe_arch_t **ap)
{
    if (!ap || !*ap)
        return;
    sm_sanafe_arch_t *a = *ap;
    for (uint32_t i = 0; i < a->n_tiles; i++)
        free(a->tiles[i].name);
    for (uint32_t i = 0; i < a->n_ctypes; i++)
        free(a->ctypes[i].name);
    for (uint32_t i = 0; i < a->n_units; i++) {
        free(a->units[i].name);
        free(a->units[i].noise);
    }
    for (uint32_t i = 0; i < a->n_axons; i++)
        free(a->axons[i].name);
    free(a->tiles);
    free(a->cores);
    free(a->ctypes);
    free(a->units);
    free(a->axons);
    free(a->sync_keys);
    free(a->sync_latency);
    free(a->name);
    free(a->file);
    free(a);
    *ap = NULL;
}

const sm_sanafe_ctype_t *sm_sanafe_core_type(const sm_sanafe_arch_t *a, uint32_t c)
{
    return &a->ctypes[a->cores[c].type];
}

const sm_sanafe_unit_t *sm_sanafe_core_unit(const sm_sanafe_arch_t *a, uint32_t c, uint32_t u)
{
    return &a->units[sm_sanafe_core_type(a, c)->first_unit + u];
}

const char *sm_sanafe_core_name(const sm_sanafe_arch_t *a, uint32_t c, char *buf, size_t size)
{
    snprintf(buf, size, "%s[%u]", sm_sanafe_core_type(a, c)->name, a->cores[c].index);
    return buf;
}

int32_t sm_sanafe_find_unit(const sm_sanafe_arch_t *a, uint32_t t, sm_sf_role_t role,
                            const char *name)
{
    const sm_sanafe_ctype_t *ct = &a->ctypes[t];
    for (uint32_t i = 0; i < ct->n_units; i++) {
        const sm_sanafe_unit_t *u = &a->units[ct->first_unit + i];
        if (u->role == role && (!name || !*name || !strcmp(name, u->name)))
            return (int32_t)i;
    }
    return -1;
}

double sm_sanafe_sync_latency(const sm_sanafe_arch_t *a, uint32_t tiles_in_use)
{
    if (!a->n_sync)
        return 0.0;
    uint32_t best = 0;
    for (uint32_t i = 0; i < a->n_sync; i++)
        if (a->sync_keys[i] <= tiles_in_use)
            best = i;
    return a->sync_latency[best];
}
