/* sanafe_snn: the network description, its building blocks and accessors. */
#include "sanafe_snn.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sanafe_build.h"
#include "sanafe_scalar.h"

static const char *const s_attr_names[SM_SFA_COUNT] = {
    "threshold", "reverse_threshold", "reset", "reverse_reset", "reset_mode",
    "reverse_reset_mode", "leak_decay", "input_decay", "bias", "potential",
    "force_update", "refractory_delay", "log_u", "spikes", "rate", "poisson"};

const char *sm_sfa_name(sm_sfa_t a)
{
    return (unsigned)a < SM_SFA_COUNT ? s_attr_names[a] : "?";
}

sm_sf_model_t sm_sfa_model(sm_sfa_t a)
{
    return (a == SM_SFA_SPIKES || a == SM_SFA_RATE || a == SM_SFA_POISSON) ? SM_SF_INPUT : SM_SF_LIF;
}

const char *sm_sanafe_edge_kind(sm_sfe_kind_t k)
{
    switch (k) {
    case SM_SFE_SINGLE: return "single";
    case SM_SFE_DENSE: return "dense";
    case SM_SFE_SPARSE: return "sparse";
    case SM_SFE_CONV2D: return "conv2d";
    }
    return "?";
}

const char *sm_sanafe_name(const sm_sanafe_snn_t *s, uint32_t off)
{
    return (s && s->names && off < s->names_len) ? s->names + off : "";
}

uint32_t sm_sanafe_group_of(const sm_sanafe_snn_t *s, uint32_t neuron)
{
    uint32_t lo = 0, hi = s->n_groups;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->groups[mid].first <= neuron)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

void sm_sanafe_lif_params(const sm_sanafe_nconf_t *c, sm_sanafe_lif_t *o)
{
    sm_sanafe_lif_t d = {0};
    d.leak_decay = 1.0;
    d.reset_mode = SM_SF_RESET_HARD;
    d.reverse_reset_mode = SM_SF_RESET_NONE;
#define S_GET(a) ((c->set & c->to_soma & (1u << (a))) != 0)
    if (S_GET(SM_SFA_THRESHOLD)) d.threshold = c->v[SM_SFA_THRESHOLD];
    if (S_GET(SM_SFA_REVERSE_THRESHOLD)) d.reverse_threshold = c->v[SM_SFA_REVERSE_THRESHOLD];
    if (S_GET(SM_SFA_RESET)) d.reset = c->v[SM_SFA_RESET];
    if (S_GET(SM_SFA_REVERSE_RESET)) d.reverse_reset = c->v[SM_SFA_REVERSE_RESET];
    if (S_GET(SM_SFA_LEAK_DECAY)) d.leak_decay = c->v[SM_SFA_LEAK_DECAY];
    if (S_GET(SM_SFA_INPUT_DECAY)) d.input_decay = c->v[SM_SFA_INPUT_DECAY];
    if (S_GET(SM_SFA_BIAS)) d.bias = c->v[SM_SFA_BIAS];
    if (S_GET(SM_SFA_POTENTIAL)) d.potential = c->v[SM_SFA_POTENTIAL];
    if (S_GET(SM_SFA_RESET_MODE)) d.reset_mode = (sm_sf_reset_t)c->v[SM_SFA_RESET_MODE];
    if (S_GET(SM_SFA_REVERSE_RESET_MODE))
        d.reverse_reset_mode = (sm_sf_reset_t)c->v[SM_SFA_REVERSE_RESET_MODE];
    if (S_GET(SM_SFA_REFRACTORY_DELAY)) d.refractory_delay = (int32_t)c->v[SM_SFA_REFRACTORY_DELAY];
    if (S_GET(SM_SFA_FORCE_UPDATE)) d.force_update = c->v[SM_SFA_FORCE_UPDATE] != 0;
    if (S_GET(SM_SFA_LOG_U)) d.log_u = c->v[SM_SFA_LOG_U] != 0;
    *o = d;
}

void sm_sanafe_input_params(const sm_sanafe_snn_t *s, const sm_sanafe_nconf_t *c,
                            sm_sanafe_input_t *o)
{
    sm_sanafe_input_t d = {0};
    if (S_GET(SM_SFA_SPIKES)) {
        d.has_spikes = 1;
        d.n_spikes = c->spikes_len;
        d.spikes = s->spikes ? s->spikes + c->spikes_first : NULL;
    }
    if (S_GET(SM_SFA_RATE)) {
        d.has_rate = 1;
        d.rate = c->v[SM_SFA_RATE];
    }
    if (S_GET(SM_SFA_POISSON)) {
        d.has_poisson = 1;
        d.poisson = c->v[SM_SFA_POISSON];
    }
#undef S_GET
    *o = d;
}

/* ---- building ---- */

static int s_grow(void **p, uint32_t *cap, uint64_t need, size_t elem, sm_error_t *err)
{
    if (need <= *cap)
        return 0;
    if (need > UINT32_MAX / 2)
        return sm_fail(err, SM_ETOOBIG, "network too large");
    uint32_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, (size_t)c * elem);
    if (!q)
        return sm_fail(err, SM_ENOMEM, "out of memory reading the network");
    *p = q;
    *cap = c;
    return 0;
}

int sm_sfb_init(sm_sfb_t *b, const char *file, sm_error_t *err)
{
    memset(b, 0, sizeof *b);
    b->err = err;
    b->s = calloc(1, sizeof *b->s);
    if (!b->s || !(b->s->file = strdup(file ? file : "(network)")) || !(b->s->name = strdup(""))) {
        sm_sanafe_snn_destroy(&b->s);
        return sm_fail(err, SM_ENOMEM, "out of memory reading the network");
    }
    uint32_t zero;
    return sm_sfb_name(b, "", &zero);
}

sm_sanafe_snn_t *sm_sfb_finish(sm_sfb_t *b, int rc)
{
    if (rc) {
        sm_sanafe_snn_destroy(&b->s);
        return NULL;
    }
    sm_sanafe_snn_t *s = b->s;
    b->s = NULL;
    return s;
}

int sm_sfb_name(sm_sfb_t *b, const char *str, uint32_t *off)
{
    sm_sanafe_snn_t *s = b->s;
    size_t len = strlen(str) + 1;
    if (s->names_len + len > b->cap_names) {
        size_t cap = b->cap_names ? b->cap_names : 256;
        while (cap < s->names_len + len)
            cap *= 2;
        if (cap > UINT32_MAX)
            return sm_fail(b->err, SM_ETOOBIG, "%s: too many unit names", s->file);
        char *p = realloc(s->names, cap);
        if (!p)
            return sm_fail(b->err, SM_ENOMEM, "out of memory reading the network");
        s->names = p;
        b->cap_names = cap;
    }
    memcpy(s->names + s->names_len, str, len);
    *off = (uint32_t)s->names_len;
    s->names_len += len;
    return 0;
}

int sm_sfb_warn(sm_sfb_t *b, const char *fmt, ...)
{
    sm_sanafe_snn_t *s = b->s;
    if (s->n_warnings >= 1000) /* enough to see what is going on */
        return 0;
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (s_grow((void **)&s->warnings, &b->cap_warnings, s->n_warnings + 1, sizeof *s->warnings,
               b->err))
        return -1;
    if (!(s->warnings[s->n_warnings] = strdup(msg)))
        return sm_fail(b->err, SM_ENOMEM, "out of memory reading the network");
    s->n_warnings++;
    return 0;
}

int sm_sfb_conf(sm_sfb_t *b, uint32_t base, uint32_t line, uint32_t *out)
{
    sm_sanafe_snn_t *s = b->s;
    if (s_grow((void **)&s->confs, &b->cap_confs, (uint64_t)s->n_confs + 1, sizeof *s->confs, b->err))
        return -1;
    sm_sanafe_nconf_t *c = &s->confs[s->n_confs];
    if (base == UINT32_MAX) {
        memset(c, 0, sizeof *c);
        c->log_spikes = c->log_potential = -1;
    } else {
        *c = s->confs[base];
    }
    c->line = line;
    *out = s->n_confs++;
    return 0;
}

int sm_sfb_check_group_name(const char *name, char *why, size_t size)
{
    size_t n = strlen(name);
    const char *ws = " \t\r\n";
    if (!n)
        snprintf(why, size, "must not be empty");
    else if (strchr(name, '.'))
        snprintf(why, size, "must not hold '.': edges and mappings read GROUP.NEURON, got '%s'", name);
    else if (strstr(name, "->"))
        snprintf(why, size, "must not hold '->', got '%s'", name);
    else if (strchr(ws, name[0]) || strchr(ws, name[n - 1]))
        snprintf(why, size, "must not start or end with white space, got '%s'", name);
    else
        return 0;
    return -1;
}

int sm_sfb_group(sm_sfb_t *b, const char *name, uint32_t n, uint32_t conf, uint32_t line)
{
    sm_sanafe_snn_t *s = b->s;
    if ((uint64_t)s->n_neurons + n > SM_SANAFE_MAX_NEURONS)
        return sm_fail(b->err, SM_ETOOBIG, "%s:%u: group %s: more than %u neurons in the network",
                       s->file, line, name, SM_SANAFE_MAX_NEURONS);
    if (s_grow((void **)&s->groups, &b->cap_groups, (uint64_t)s->n_groups + 1, sizeof *s->groups,
               b->err))
        return -1;
    uint32_t cap = b->cap_neurons;
    if (s_grow((void **)&s->nconf, &cap, (uint64_t)s->n_neurons + n, sizeof *s->nconf, b->err))
        return -1;
    cap = b->cap_neurons;
    if (s_grow((void **)&s->mapped, &cap, (uint64_t)s->n_neurons + n, sizeof *s->mapped, b->err))
        return -1;
    b->cap_neurons = cap;
    sm_sanafe_group_t *g = &s->groups[s->n_groups];
    memset(g, 0, sizeof *g);
    if (!(g->name = strdup(name)))
        return sm_fail(b->err, SM_ENOMEM, "out of memory reading the network");
    g->n = n;
    g->first = s->n_neurons;
    g->conf = conf;
    g->line = line;
    for (uint32_t i = 0; i < n; i++) {
        s->nconf[g->first + i] = UINT32_MAX;
        s->mapped[g->first + i] = UINT32_MAX;
    }
    s->n_neurons += n;
    s->n_groups++;
    return 0;
}

typedef struct {
    const char *name;
    uint32_t idx;
} s_gref_t;

static int s_gcmp(const void *a, const void *b)
{
    return strcmp(((const s_gref_t *)a)->name, ((const s_gref_t *)b)->name);
}

int sm_sfb_index_groups(sm_sfb_t *b)
{
    sm_sanafe_snn_t *s = b->s;
    free(s->by_name);
    s->by_name = malloc(((size_t)s->n_groups + 1) * sizeof *s->by_name);
    s_gref_t *r = malloc(((size_t)s->n_groups + 1) * sizeof *r);
    if (!s->by_name || !r) {
        free(r);
        return sm_fail(b->err, SM_ENOMEM, "out of memory reading the network");
    }
    for (uint32_t i = 0; i < s->n_groups; i++) {
        r[i].name = s->groups[i].name;
        r[i].idx = i;
    }
    /* Bytewise order, as std::map<std::string> sorts SANA-FE's groups. */
    qsort(r, s->n_groups, sizeof *r, s_gcmp);
    int rc = 0;
    for (uint32_t i = 0; i < s->n_groups; i++) {
        s->by_name[i] = r[i].idx;
        if (i && !strcmp(r[i].name, r[i - 1].name) && !rc) {
            const sm_sanafe_group_t *x = &s->groups[r[i - 1].idx], *y = &s->groups[r[i].idx];
            if (x->line > y->line) {
                const sm_sanafe_group_t *t = x;
                x = y;
                y = t;
            }
            rc = sm_fail(b->err, SM_EPARSE, "%s:%u: name: group '%s' defined twice (first at line %u)",
                         s->file, y->line, y->name, x->line);
        }
    }
    free(r);
    return rc;
}

int32_t sm_sfb_find_group(const sm_sanafe_snn_t *s, const char *name, size_t len)
{
    uint32_t lo = 0, hi = s->n_groups;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const char *g = s->groups[s->by_name[mid]].name;
        int c = strncmp(g, name, len);
        if (!c && g[len])
            c = 1;
        if (!c)
            return (int32_t)s->by_name[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

int sm_sfb_weights(sm_sfb_t *b, uint32_t n, uint32_t *off)
{
    sm_sanafe_snn_t *s = b->s;
    if (s_grow((void **)&s->weights, &b->cap_weights, (uint64_t)s->n_weights + n, sizeof *s->weights,
               b->err))
        return -1;
    *off = s->n_weights;
    s->n_weights += n;
    return 0;
}

int sm_sfb_delays(sm_sfb_t *b, uint32_t n, uint32_t *off)
{
    sm_sanafe_snn_t *s = b->s;
    if (s_grow((void **)&s->delays, &b->cap_delays, (uint64_t)s->n_delays + n, sizeof *s->delays,
               b->err))
        return -1;
    *off = s->n_delays;
    s->n_delays += n;
    return 0;
}

int sm_sfb_pairs(sm_sfb_t *b, uint32_t n, uint32_t *off)
{
    sm_sanafe_snn_t *s = b->s;
    if (s_grow((void **)&s->pairs, &b->cap_pairs, (uint64_t)s->n_pairs + 2 * (uint64_t)n,
               sizeof *s->pairs, b->err))
        return -1;
    *off = s->n_pairs;
    s->n_pairs += 2 * n;
    return 0;
}

int sm_sfb_spikes(sm_sfb_t *b, uint32_t n, uint32_t *off)
{
    sm_sanafe_snn_t *s = b->s;
    if (s_grow((void **)&s->spikes, &b->cap_spikes, (uint64_t)s->n_spikes + n, sizeof *s->spikes,
               b->err))
        return -1;
    *off = s->n_spikes;
    s->n_spikes += n;
    return 0;
}

int sm_sfb_edge(sm_sfb_t *b, const sm_sanafe_edge_t *e)
{
    sm_sanafe_snn_t *s = b->s;
    if (s->n_synapses + e->n_syn > SM_SANAFE_MAX_SYNAPSES)
        return sm_fail(b->err, SM_ETOOBIG, "%s:%u: edge: more than %llu synapses in the network",
                       s->file, e->line, (unsigned long long)SM_SANAFE_MAX_SYNAPSES);
    if (s_grow((void **)&s->edges, &b->cap_edges, (uint64_t)s->n_edges + 1, sizeof *s->edges, b->err))
        return -1;
    s->edges[s->n_edges++] = *e;
    s->n_synapses += e->n_syn;
    return 0;
}

int sm_sfb_map(sm_sfb_t *b, const sm_sanafe_map_t *m)
{
    sm_sanafe_snn_t *s = b->s;
    if (s_grow((void **)&s->maps, &b->cap_maps, (uint64_t)s->n_maps + 1, sizeof *s->maps, b->err))
        return -1;
    s->maps[s->n_maps++] = *m;
    return 0;
}

/* ---- neuron attributes ---- */

static int s_attr_index(const sm_yaml_t *d, uint32_t k)
{
    if (sm_yaml_is(d, k, "force_update_every_timestep"))
        return SM_SFA_FORCE_UPDATE;
    for (int i = 0; i < SM_SFA_COUNT; i++)
        if (sm_yaml_is(d, k, s_attr_names[i]))
            return i;
    return -1;
}

static int s_reset_mode(const sm_yaml_t *d, uint32_t v, const char *key, double *out, sm_error_t *err)
{
    static const char *const modes[] = {"none", "soft", "hard", "saturate"};
    if (sm_yaml_kind(d, v) == SM_YAML_SCALAR &&
        sm_sfv_classify(sm_yaml_str(d, v), sm_yaml_len(d, v), NULL) == SM_SFV_STRING)
        for (int i = 0; i < 4; i++)
            if (sm_yaml_is(d, v, modes[i])) {
                *out = i;
                return 0;
            }
    char show[64];
    return sm_yaml_fail(d, v, err, SM_EPARSE, "%s: must be none, soft, hard or saturate, got %s", key,
                        sm_yaml_show(d, v, show, sizeof show));
}

static int s_spike_train(sm_sfb_t *b, const sm_yaml_t *d, uint32_t v, sm_sanafe_nconf_t *c)
{
    if (sm_yaml_kind(d, v) != SM_YAML_SEQ) {
        char show[64];
        return sm_yaml_fail(d, v, b->err, SM_EPARSE, "spikes: must be a list of 0/1 or true/false, got %s",
                            sm_yaml_show(d, v, show, sizeof show));
    }
    uint32_t n = sm_yaml_size(d, v), off;
    if (sm_sfb_spikes(b, n, &off))
        return -1;
    uint32_t i = 0;
    for (uint32_t e = sm_yaml_first(d, v); e; e = sm_yaml_next(d, e), i++) {
        int bit;
        if (sm_sf_bool(d, e, "spikes", &bit, b->err))
            return -1;
        b->s->spikes[off + i] = (uint8_t)bit;
    }
    c->spikes_first = off;
    c->spikes_len = n;
    return 0;
}

int sm_sfb_neuron_attr(sm_sfb_t *b, const sm_yaml_t *d, uint32_t k, uint32_t v, uint32_t conf,
                       sm_sfb_route_t route, uint32_t *seen)
{
    char show[64];
    int a = s_attr_index(d, k);
    if (a < 0)
        return sm_yaml_fail(d, k, b->err, SM_EPARSE,
                            "%s: unknown neuron attribute (SANA-FE would ignore it silently; the "
                            "attributes of its LIF and input models are in docs/sanafe.md)",
                            sm_yaml_show(d, k, show, sizeof show));
    uint32_t bit = 1u << a;
    if (*seen & bit)
        return sm_yaml_fail(d, k, b->err, SM_EPARSE, "%s: given twice for the same neurons",
                            s_attr_names[a]);
    *seen |= bit;
    sm_sanafe_nconf_t *c = &b->s->confs[conf];
    const char *key = s_attr_names[a];
    double x = 0;
    switch ((sm_sfa_t)a) {
    case SM_SFA_RESET_MODE:
    case SM_SFA_REVERSE_RESET_MODE:
        if (s_reset_mode(d, v, key, &x, b->err))
            return -1;
        break;
    case SM_SFA_FORCE_UPDATE:
    case SM_SFA_LOG_U: {
        int t;
        if (sm_sf_bool(d, v, key, &t, b->err))
            return -1;
        x = t;
        break;
    }
    case SM_SFA_REFRACTORY_DELAY: {
        int32_t t;
        if (sm_sf_int(d, v, key, &t, b->err))
            return -1;
        if (t < 0)
            return sm_yaml_fail(d, v, b->err, SM_EPARSE, "%s: must be >= 0, got %d", key, t);
        x = t;
        break;
    }
    case SM_SFA_SPIKES:
        if (s_spike_train(b, d, v, c))
            return -1;
        c = &b->s->confs[conf];
        break;
    default:
        if (sm_sf_double(d, v, key, &x, b->err))
            return -1;
        /* SANA-FE fires when t % (long)(1.0 / rate) == 0 (models.cpp:891):
         * a rate above 1 divides by zero. */
        if (a == SM_SFA_RATE && !(x >= 0.0 && x <= 1.0 && (x == 0.0 || 1.0 / x < 4e18)))
            return sm_yaml_fail(d, v, b->err, SM_EPARSE, "rate: must be in [0, 1], got %s",
                                sm_yaml_show(d, v, show, sizeof show));
        break;
    }
    c->v[a] = x;
    c->set |= bit;
    if (route != SM_SFB_DENDRITE_ONLY)
        c->to_soma |= bit;
    else
        c->to_soma &= ~bit;
    if (route != SM_SFB_SOMA_ONLY)
        c->to_dendrite |= bit;
    else
        c->to_dendrite &= ~bit;
    c->line = sm_yaml_line(d, k);
    return 0;
}

void sm_sanafe_snn_destroy(sm_sanafe_snn_t **sp)
{
    if (!sp || !*sp)
        return;
    sm_sanafe_snn_t *s = *sp;
    for (uint32_t i = 0; i < s->n_groups; i++)
        free(s->groups[i].name);
    for (uint32_t i = 0; i < s->n_warnings; i++)
        free(s->warnings[i]);
    free(s->warnings);
    free(s->groups);
    free(s->by_name);
    free(s->confs);
    free(s->nconf);
    free(s->mapped);
    free(s->edges);
    free(s->maps);
    free(s->weights);
    free(s->delays);
    free(s->pairs);
    free(s->spikes);
    free(s->names);
    sm_sanafe_arch_destroy(&s->arch);
    free(s->file);
    free(s->name);
    free(s);
    *sp = NULL;
}
