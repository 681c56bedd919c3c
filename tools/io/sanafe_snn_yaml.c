/* sanafe_snn_yaml: the SNN YAML (yaml_snn.cpp, network.cpp) into sm_sanafe_snn_t. */
#include <stdlib.h>
#include <string.h>

#include "sanafe_build.h"
#include "sanafe_scalar.h"

typedef struct {
    sm_sfb_t *b;
    const sm_yaml_t *d;
} s_rd_t;

static int s_kind_fail(const sm_yaml_t *d, uint32_t n, const char *what, const char *want,
                       sm_error_t *err)
{
    char show[64];
    return sm_yaml_fail(d, n, err, SM_EPARSE, "%s: must be %s, got %s", what, want,
                        sm_yaml_show(d, n, show, sizeof show));
}

/* "N" or "A..B" (digits only). */
static int s_ids(const sm_yaml_t *d, uint32_t n, const char *s, size_t len, uint64_t *first,
                 uint64_t *last, sm_error_t *err)
{
    size_t base;
    int r = sm_sf_parse_range(s, len, first, last, &base);
    if (r > 0 && base == len)
        return 0;
    if (r == 0 && !sm_sf_parse_index(s, len, first)) {
        *last = *first;
        return 0;
    }
    char show[64];
    return sm_yaml_fail(d, n, err, SM_EPARSE,
                        "neuron id: must be N or FIRST..LAST (FIRST <= LAST), got %s",
                        sm_yaml_show(d, n, show, sizeof show));
}

/* ---- groups ---- */

typedef struct {
    sm_sfb_t *b;
    uint32_t conf;
    sm_sfb_route_t route;
    uint32_t seen;  /* model attributes set by this entry */
    uint32_t other; /* hw names and log flags set by this entry */
    int top;
    int phase;      /* of a map's keys: 0 shared, 1 dendrite:, 2 soma: */
} s_nattr_t;

static int s_nattr(const sm_yaml_t *d, uint32_t k, uint32_t v, void *ctx, sm_error_t *err);

/* SANA-FE reads a map of neuron attributes in three passes whatever the
 * order of its keys, each replacing what the one before set: the shared
 * attributes, then those under dendrite:, then those under soma:
 * (yaml_snn.cpp:332-392); a list's elements in order. So a key may be given
 * once in each pass of one map ({threshold: 2, soma: {threshold: 3}}: the
 * soma gets 3, the dendrite nothing); given twice otherwise, it is refused. */
static int s_nattr_walk(const sm_yaml_t *d, uint32_t n, s_nattr_t *a, sm_error_t *err)
{
    if (!a->top || (sm_yaml_kind(d, n) != SM_YAML_MAP && sm_yaml_kind(d, n) != SM_YAML_SEQ))
        return sm_sf_walk(d, n, "neuron attributes", s_nattr, a, err);
    if (sm_yaml_kind(d, n) == SM_YAML_SEQ) {
        for (uint32_t e = sm_yaml_first(d, n); e; e = sm_yaml_next(d, e))
            if (s_nattr_walk(d, e, a, err))
                return -1;
        return 0;
    }
    uint32_t before = a->seen, all = a->seen;
    for (a->phase = 0; a->phase < 3; a->phase++) {
        a->seen = before;
        if (sm_sf_walk(d, n, "neuron attributes", s_nattr, a, err))
            return -1;
        all |= a->seen;
    }
    a->phase = 0;
    a->seen = all;
    return 0;
}

static int s_nattr(const sm_yaml_t *d, uint32_t k, uint32_t v, void *ctx, sm_error_t *err)
{
    s_nattr_t *a = ctx;
    static const char *const names[] = {"soma_hw_name", "dendrite_hw_name", "synapse_hw_name",
                                        "log_spikes", "log_potential", "soma", "dendrite", "synapse"};
    int which = -1;
    for (int i = 0; i < 8 && which < 0; i++)
        if (sm_yaml_is(d, k, names[i]))
            which = i;
    if (a->top && (a->phase == 1 ? which != 6 : a->phase == 2 ? which != 5 : which == 5 || which == 6))
        return 0; /* another pass reads it */
    if (which < 0)
        return sm_sfb_neuron_attr(a->b, d, k, v, a->conf, a->route, &a->seen);
    if (!a->top)
        return sm_yaml_fail(d, k, err, SM_EPARSE,
                            "%s: not allowed inside a soma: or dendrite: section (SANA-FE drops "
                            "it there, yaml_common.cpp:30-33)",
                            names[which]);
    if (which == 7)
        return sm_yaml_fail(d, k, err, SM_EPARSE,
                            "synapse: a neuron's synapse: section is dropped by SANA-FE "
                            "(neurons forward to dendrite and soma only); give synapse_hw_name "
                            "or map with synapse:");
    if (which >= 5) {
        s_nattr_t sub = *a;
        sub.top = 0;
        sub.route = which == 5 ? SM_SFB_SOMA_ONLY : SM_SFB_DENDRITE_ONLY;
        if (sm_yaml_kind(d, v) == SM_YAML_SCALAR)
            return s_kind_fail(d, v, names[which], "a map of attributes", err);
        int rc = s_nattr_walk(d, v, &sub, err);
        a->seen = sub.seen;
        return rc;
    }
    if (a->other & (1u << which))
        return sm_yaml_fail(d, k, err, SM_EPARSE, "%s: given twice for the same neurons", names[which]);
    a->other |= 1u << which;
    sm_sanafe_nconf_t *c = &a->b->s->confs[a->conf];
    if (which >= 3) {
        int t;
        if (sm_sf_bool(d, v, names[which], &t, err))
            return -1;
        c = &a->b->s->confs[a->conf];
        if (which == 3)
            c->log_spikes = (int8_t)t;
        else
            c->log_potential = (int8_t)t;
        return 0;
    }
    const char *name;
    uint32_t off;
    if (sm_sf_string(d, v, names[which], &name, err) || sm_sfb_name(a->b, name, &off))
        return -1;
    c = &a->b->s->confs[a->conf];
    if (which == 0)
        c->soma_hw = off;
    else if (which == 1)
        c->dendrite_hw = off;
    else
        c->synapse_hw = off;
    return 0;
}

/* The record for an entry's attributes: the group's own when it has none. */
static int s_entry_conf(s_rd_t *r, uint32_t attrs, uint32_t group_conf, uint32_t line, uint32_t *out)
{
    const sm_yaml_t *d = r->d;
    if (!attrs || ((sm_yaml_kind(d, attrs) == SM_YAML_MAP || sm_yaml_kind(d, attrs) == SM_YAML_SEQ) &&
                   sm_yaml_size(d, attrs) == 0)) {
        *out = group_conf;
        return 0;
    }
    if (sm_yaml_kind(d, attrs) == SM_YAML_SCALAR)
        return s_kind_fail(d, attrs, "neuron attributes", "a map or a list of attributes (e.g. {})",
                           r->b->err);
    if (sm_sfb_conf(r->b, group_conf, line, out))
        return -1;
    s_nattr_t a = {.b = r->b, .conf = *out, .route = SM_SFB_SHARED, .top = 1};
    return s_nattr_walk(d, attrs, &a, r->b->err);
}

/* Neuron count = entries of neurons:, ranges expanded (yaml_snn.cpp:226-278). */
static int s_count(s_rd_t *r, uint32_t neurons, uint64_t *count)
{
    const sm_yaml_t *d = r->d;
    uint64_t n = 0, a, z;
    for (uint32_t e = sm_yaml_first(d, neurons); e; e = sm_yaml_next(d, e)) {
        if (sm_yaml_kind(d, e) == SM_YAML_SCALAR) {
            if (s_ids(d, e, sm_yaml_str(d, e), sm_yaml_len(d, e), &a, &z, r->b->err))
                return -1;
            n += z - a + 1;
        } else if (sm_yaml_kind(d, e) == SM_YAML_MAP) {
            for (uint32_t k = sm_yaml_first(d, e); k; k = sm_yaml_next(d, sm_yaml_next(d, k))) {
                if (s_ids(d, k, sm_yaml_str(d, k), sm_yaml_len(d, k), &a, &z, r->b->err))
                    return -1;
                n += z - a + 1;
                if (n > SM_SANAFE_MAX_NEURONS)
                    break;
            }
        } else {
            return s_kind_fail(d, e, "neurons", "a list of N: {attributes} or FIRST..LAST entries",
                               r->b->err);
        }
        if (n > SM_SANAFE_MAX_NEURONS)
            return sm_yaml_fail(d, e, r->b->err, SM_ETOOBIG, "neurons: more than %u neurons",
                                SM_SANAFE_MAX_NEURONS);
    }
    *count = n;
    return 0;
}

static int s_assign(s_rd_t *r, uint32_t gi, uint32_t node, uint64_t a, uint64_t z, uint32_t conf,
                    uint32_t *lines)
{
    sm_sanafe_snn_t *s = r->b->s;
    const sm_sanafe_group_t *g = &s->groups[gi];
    uint32_t line = sm_yaml_line(r->d, node);
    if (z >= g->n)
        return sm_yaml_fail(r->d, node, r->b->err, SM_EPARSE,
                            "neuron id %llu: out of range: group %s has %u neuron entries (SANA-FE "
                            "numbers a group's neurons by counting its entries)",
                            (unsigned long long)z, g->name, g->n);
    for (uint64_t i = a; i <= z; i++) {
        if (lines[i])
            return sm_yaml_fail(r->d, node, r->b->err, SM_EPARSE,
                                "neuron %s.%llu: given twice (first at line %u); SANA-FE would "
                                "count a phantom neuron for it",
                                g->name, (unsigned long long)i, lines[i]);
        lines[i] = line;
        s->nconf[g->first + i] = conf;
    }
    return 0;
}

static int s_group(s_rd_t *r, uint32_t entry)
{
    const sm_yaml_t *d = r->d;
    sm_sfb_t *b = r->b;
    if (sm_yaml_kind(d, entry) != SM_YAML_MAP)
        return s_kind_fail(d, entry, "groups", "a list of maps {name, attributes, neurons}", b->err);
    if (sm_sf_keys(d, entry, "a group", (const char *const[]){"name", "attributes", "neurons", NULL},
                   b->err))
        return -1;
    const char *name;
    if (sm_sf_req_string(d, entry, "name", &name, b->err))
        return -1;
    char why[160];
    if (sm_sfb_check_group_name(name, why, sizeof why))
        return sm_yaml_fail(d, sm_yaml_get(d, entry, "name"), b->err, SM_EPARSE, "name: %s", why);
    uint32_t neurons = sm_yaml_get(d, entry, "neurons");
    if (!neurons)
        return sm_yaml_fail(d, entry, b->err, SM_EPARSE, "neurons: required in group %s", name);
    if (sm_yaml_kind(d, neurons) != SM_YAML_SEQ)
        return s_kind_fail(d, neurons, "neurons", "a list", b->err);
    uint64_t count = 0;
    if (s_count(r, neurons, &count))
        return -1;
    if (!count)
        return sm_yaml_fail(d, neurons, b->err, SM_EPARSE, "neurons: group %s has no neurons", name);
    uint32_t conf;
    if (sm_sfb_conf(b, UINT32_MAX, sm_yaml_line(d, entry), &conf))
        return -1;
    uint32_t attrs = sm_yaml_get(d, entry, "attributes");
    if (attrs) {
        if (sm_yaml_kind(d, attrs) == SM_YAML_SCALAR)
            return s_kind_fail(d, attrs, "attributes", "a map or a list of attributes", b->err);
        s_nattr_t a = {.b = b, .conf = conf, .route = SM_SFB_SHARED, .top = 1};
        if (s_nattr_walk(d, attrs, &a, b->err))
            return -1;
    }
    if (sm_sfb_group(b, name, (uint32_t)count, conf, sm_yaml_line(d, entry)))
        return -1;
    uint32_t gi = b->s->n_groups - 1;
    uint32_t *lines = calloc(count, sizeof *lines);
    if (!lines)
        return sm_fail(b->err, SM_ENOMEM, "out of memory reading the network");
    int rc = 0;
    uint64_t a, z;
    for (uint32_t e = sm_yaml_first(d, neurons); e && !rc; e = sm_yaml_next(d, e)) {
        if (sm_yaml_kind(d, e) == SM_YAML_SCALAR) {
            rc = s_ids(d, e, sm_yaml_str(d, e), sm_yaml_len(d, e), &a, &z, b->err) ||
                 s_assign(r, gi, e, a, z, conf, lines);
            continue;
        }
        for (uint32_t k = sm_yaml_first(d, e); k && !rc; k = sm_yaml_next(d, sm_yaml_next(d, k))) {
            uint32_t ec;
            rc = s_ids(d, k, sm_yaml_str(d, k), sm_yaml_len(d, k), &a, &z, b->err) ||
                 s_entry_conf(r, sm_yaml_next(d, k), conf, sm_yaml_line(d, k), &ec) ||
                 s_assign(r, gi, k, a, z, ec, lines);
        }
    }
    free(lines);
    return rc;
}

/* ---- edges ---- */

typedef struct {
    uint32_t node; /* the edge's key (its line) */
    int32_t src_group, dst_group;
    int has_neuron;
    uint64_t src, dst;
} s_ends_t;

static const char *s_trim(const char *s, const char *end, const char **tail)
{
    while (s < end && strchr(" \t\r\n", *s))
        s++;
    while (end > s && strchr(" \t\r\n", end[-1]))
        end--;
    *tail = end;
    return s;
}

static int s_end(s_rd_t *r, uint32_t k, const char *s, const char *e, int32_t *group, uint64_t *neuron,
                 int *has_neuron)
{
    const char *tail, *p = s_trim(s, e, &tail);
    const char *dot = memchr(p, '.', (size_t)(tail - p));
    const char *gend = dot ? dot : tail;
    *group = sm_sfb_find_group(r->b->s, p, (size_t)(gend - p));
    if (*group < 0)
        return sm_yaml_fail(r->d, k, r->b->err, SM_EPARSE, "edge %s: no group named '%.*s'",
                            sm_yaml_str(r->d, k), (int)(gend - p), p);
    *has_neuron = dot != NULL;
    if (dot && sm_sf_parse_index(dot + 1, (size_t)(tail - dot - 1), neuron))
        return sm_yaml_fail(r->d, k, r->b->err, SM_EPARSE,
                            "edge %s: the neuron must be GROUP.N with N a number, got '%.*s'",
                            sm_yaml_str(r->d, k), (int)(tail - p), p);
    if (dot && *neuron >= r->b->s->groups[*group].n)
        return sm_yaml_fail(r->d, k, r->b->err, SM_EPARSE,
                            "edge %s: neuron %llu out of range: group %s has %u neurons",
                            sm_yaml_str(r->d, k), (unsigned long long)*neuron,
                            r->b->s->groups[*group].name, r->b->s->groups[*group].n);
    return 0;
}

static int s_ends(s_rd_t *r, uint32_t k, s_ends_t *o)
{
    const sm_yaml_t *d = r->d;
    if (sm_yaml_kind(d, k) != SM_YAML_SCALAR)
        return s_kind_fail(d, k, "edge", "SOURCE -> TARGET", r->b->err);
    const char *s = sm_yaml_str(d, k);
    const char *arrow = strstr(s, "->");
    if (!arrow)
        return sm_yaml_fail(d, k, r->b->err, SM_EPARSE, "edge %s: must read SOURCE -> TARGET", s);
    int hs, ht;
    o->node = k;
    if (s_end(r, k, s, arrow, &o->src_group, &o->src, &hs) ||
        s_end(r, k, arrow + 2, s + sm_yaml_len(d, k), &o->dst_group, &o->dst, &ht))
        return -1;
    if (hs != ht)
        return sm_yaml_fail(d, k, r->b->err, SM_EPARSE,
                            "edge %s: give a neuron on both ends (GROUP.N -> GROUP.N) or on neither "
                            "(GROUP -> GROUP)",
                            s);
    o->has_neuron = hs;
    return 0;
}

/* Attributes of one edge, as found by the walk. */
typedef struct {
    s_rd_t *r;
    uint32_t weight, delay, type, pairs;
    uint32_t conv[8];
    int hyper;
    uint32_t dropped; /* a sub-map SANA-FE drops (hyperedges) */
    int in_synapse;
} s_eattr_t;

static const char *const s_conv_keys[8] = {"input_width", "input_height", "input_channels",
                                           "kernel_width", "kernel_height", "kernel_count",
                                           "stride_width", "stride_height"};

static int s_eattr(const sm_yaml_t *d, uint32_t k, uint32_t v, void *ctx, sm_error_t *err);

static int s_eset(const sm_yaml_t *d, uint32_t k, uint32_t v, uint32_t *slot, sm_error_t *err)
{
    if (*slot) {
        char show[64];
        return sm_yaml_fail(d, k, err, SM_EPARSE, "%s: given twice for one edge (also line %u)",
                            sm_yaml_show(d, k, show, sizeof show), sm_yaml_line(d, *slot));
    }
    *slot = v;
    return 0;
}

static int s_eattr(const sm_yaml_t *d, uint32_t k, uint32_t v, void *ctx, sm_error_t *err)
{
    s_eattr_t *a = ctx;
    if (sm_yaml_is(d, k, "weight") || sm_yaml_is(d, k, "w"))
        return s_eset(d, k, v, &a->weight, err);
    if (sm_yaml_is(d, k, "delay") || sm_yaml_is(d, k, "d")) {
        if (a->in_synapse)
            return sm_yaml_fail(d, k, err, SM_EPARSE,
                                "delay: under synapse: it reaches only the synapse unit, which "
                                "takes no delay");
        return s_eset(d, k, v, &a->delay, err);
    }
    if (a->hyper) {
        if (sm_yaml_is(d, k, "type"))
            return s_eset(d, k, v, &a->type, err);
        if (sm_yaml_is(d, k, "source_target_pairs"))
            return s_eset(d, k, v, &a->pairs, err);
        for (int i = 0; i < 8; i++)
            if (sm_yaml_is(d, k, s_conv_keys[i]))
                return s_eset(d, k, v, &a->conv[i], err);
        if (sm_yaml_is(d, k, "synapse") || sm_yaml_is(d, k, "dendrite") || sm_yaml_is(d, k, "soma")) {
            if (!a->dropped)
                a->dropped = k;
            return 0;
        }
    } else if (!a->in_synapse) {
        if (sm_yaml_is(d, k, "synapse")) {
            if (sm_yaml_kind(d, v) == SM_YAML_SCALAR)
                return s_kind_fail(d, v, "synapse", "a map of attributes", err);
            a->in_synapse = 1;
            int rc = sm_sf_walk(d, v, "synapse attributes", s_eattr, a, err);
            a->in_synapse = 0;
            return rc;
        }
        if (sm_yaml_is(d, k, "dendrite") || sm_yaml_is(d, k, "soma"))
            return sm_yaml_fail(d, k, err, SM_EPARSE,
                                "%s: SANA-FE 2.2.1 never applies a single edge's %s: section "
                                "(chip.cpp map_connection forwards synapse attributes only); give "
                                "the attribute directly",
                                sm_yaml_str(d, k), sm_yaml_str(d, k));
    }
    char show[64];
    return sm_yaml_fail(d, k, err, SM_EPARSE,
                        "%s: unknown edge attribute (known: weight, delay%s)",
                        sm_yaml_show(d, k, show, sizeof show),
                        a->hyper ? ", type, source_target_pairs, input_width, input_height, "
                                   "input_channels, kernel_width, kernel_height, kernel_count, "
                                   "stride_width, stride_height"
                                 : ", synapse");
}

/* A list attribute of a hyperedge into a pool: weights (numbers) or delays
 * (integers >= 0), exactly n of them. */
static int s_list(s_rd_t *r, uint32_t v, const char *key, uint64_t n, const char *why, int delays,
                  uint32_t *off, int32_t *maxd)
{
    const sm_yaml_t *d = r->d;
    sm_sfb_t *b = r->b;
    if (sm_yaml_kind(d, v) != SM_YAML_SEQ)
        return s_kind_fail(d, v, key, "a list with an entry per connection", b->err);
    if (sm_yaml_size(d, v) != n)
        return sm_yaml_fail(d, v, b->err, SM_EPARSE, "%s: must have %llu entries (%s), got %u", key,
                            (unsigned long long)n, why, sm_yaml_size(d, v));
    if (delays ? sm_sfb_delays(b, (uint32_t)n, off) : sm_sfb_weights(b, (uint32_t)n, off))
        return -1;
    uint32_t i = 0;
    for (uint32_t e = sm_yaml_first(d, v); e; e = sm_yaml_next(d, e), i++) {
        if (delays) {
            int32_t t;
            if (sm_sf_int(d, e, key, &t, b->err))
                return -1;
            if (t < 0)
                return sm_yaml_fail(d, e, b->err, SM_EPARSE, "%s: must be >= 0, got %d", key, t);
            b->s->delays[*off + i] = t;
            if (t > *maxd)
                *maxd = t;
        } else if (sm_sf_double(d, e, key, &b->s->weights[*off + i], b->err)) {
            return -1;
        }
    }
    return 0;
}

static int s_single(s_rd_t *r, const s_ends_t *ends, uint32_t v)
{
    const sm_yaml_t *d = r->d;
    sm_sfb_t *b = r->b;
    if (sm_yaml_kind(d, v) == SM_YAML_SCALAR)
        return s_kind_fail(d, v, "edge attributes", "a map or list of attributes (e.g. [weight: 1])",
                           b->err);
    s_eattr_t a = {.r = r};
    if (sm_sf_walk(d, v, "edge attributes", s_eattr, &a, b->err))
        return -1;
    uint32_t w = a.weight;
    if (!w)
        return sm_yaml_fail(d, ends->node, b->err, SM_EPARSE, "edge %s: weight: required",
                            sm_yaml_str(d, ends->node));
    sm_sanafe_edge_t e = {0};
    e.kind = SM_SFE_SINGLE;
    e.src_group = (uint32_t)ends->src_group;
    e.dst_group = (uint32_t)ends->dst_group;
    e.src = (uint32_t)ends->src;
    e.dst = (uint32_t)ends->dst;
    e.n_syn = e.n_attr = 1;
    e.delay = UINT32_MAX;
    e.line = sm_yaml_line(d, ends->node);
    if (sm_sfb_weights(b, 1, &e.weight) || sm_sf_double(d, w, "weight", &b->s->weights[e.weight], b->err))
        return -1;
    if (a.delay) {
        int32_t t;
        if (sm_sf_int(d, a.delay, "delay", &t, b->err))
            return -1;
        if (t < 0)
            return sm_yaml_fail(d, a.delay, b->err, SM_EPARSE, "delay: must be >= 0, got %d", t);
        if (sm_sfb_delays(b, 1, &e.delay))
            return -1;
        b->s->delays[e.delay] = t;
        e.max_delay = t;
    }
    return sm_sfb_edge(b, &e);
}

static int s_conv(s_rd_t *r, const s_eattr_t *a, sm_sanafe_edge_t *e)
{
    const sm_yaml_t *d = r->d;
    sm_sfb_t *b = r->b;
    int32_t p[8];
    for (int i = 0; i < 8; i++) {
        if (!a->conv[i])
            return sm_yaml_fail(d, a->type, b->err, SM_EPARSE, "%s: required for a conv2d edge",
                                s_conv_keys[i]);
        if (sm_sf_int(d, a->conv[i], s_conv_keys[i], &p[i], b->err))
            return -1;
        if (p[i] <= 0 || p[i] > (1 << 20))
            return sm_yaml_fail(d, a->conv[i], b->err, SM_EPARSE, "%s: must be in 1..%d, got %d",
                                s_conv_keys[i], 1 << 20, p[i]);
    }
    sm_sanafe_conv_t *c = &e->conv;
    c->input_width = p[0], c->input_height = p[1], c->input_channels = p[2];
    c->kernel_width = p[3], c->kernel_height = p[4], c->kernel_count = p[5];
    c->stride_width = p[6], c->stride_height = p[7];
    if (c->kernel_width > c->input_width || c->kernel_height > c->input_height)
        return sm_yaml_fail(d, a->type, b->err, SM_EPARSE,
                            "conv2d: kernel %dx%d larger than input %dx%d (no padding)",
                            c->kernel_width, c->kernel_height, c->input_width, c->input_height);
    c->output_width = (c->input_width - c->kernel_width) / c->stride_width + 1;
    c->output_height = (c->input_height - c->kernel_height) / c->stride_height + 1;
    uint64_t in = (uint64_t)c->input_channels * (uint64_t)c->input_width * (uint64_t)c->input_height;
    uint64_t out = (uint64_t)c->kernel_count * (uint64_t)c->output_width * (uint64_t)c->output_height;
    const sm_sanafe_group_t *sg = &b->s->groups[e->src_group], *dg = &b->s->groups[e->dst_group];
    if (in != sg->n)
        return sm_yaml_fail(d, a->type, b->err, SM_EPARSE,
                            "conv2d: source group %s has %u neurons, the input is %d x %d x %d = %llu",
                            sg->name, sg->n, c->input_channels, c->input_height, c->input_width,
                            (unsigned long long)in);
    if (out != dg->n)
        return sm_yaml_fail(d, a->type, b->err, SM_EPARSE,
                            "conv2d: target group %s has %u neurons, the output is %d x %d x %d = %llu",
                            dg->name, dg->n, c->kernel_count, c->output_height, c->output_width,
                            (unsigned long long)out);
    uint64_t taps = (uint64_t)c->kernel_height * (uint64_t)c->kernel_width *
                    (uint64_t)c->input_channels * (uint64_t)c->kernel_count;
    if (taps > (1u << 28))
        return sm_yaml_fail(d, a->type, b->err, SM_ETOOBIG, "conv2d: kernel too large");
    e->n_attr = (uint32_t)taps;
    /* Valid convolution: every kernel tap of every output lands in the input. */
    e->n_syn = out * (uint64_t)c->input_channels * (uint64_t)c->kernel_height *
               (uint64_t)c->kernel_width;
    return 0;
}

static int s_sparse(s_rd_t *r, const s_eattr_t *a, sm_sanafe_edge_t *e)
{
    const sm_yaml_t *d = r->d;
    sm_sfb_t *b = r->b;
    if (!a->pairs)
        return sm_yaml_fail(d, a->type, b->err, SM_EPARSE,
                            "source_target_pairs: required for a sparse edge");
    uint32_t v = a->pairs;
    if (sm_yaml_kind(d, v) != SM_YAML_SEQ)
        return s_kind_fail(d, v, "source_target_pairs", "a list of [source, target] pairs", b->err);
    uint32_t n = sm_yaml_size(d, v);
    if (sm_sfb_pairs(b, n, &e->pairs))
        return -1;
    const sm_sanafe_group_t *sg = &b->s->groups[e->src_group], *dg = &b->s->groups[e->dst_group];
    uint32_t i = 0;
    for (uint32_t p = sm_yaml_first(d, v); p; p = sm_yaml_next(d, p), i++) {
        if (sm_yaml_kind(d, p) != SM_YAML_SEQ || sm_yaml_size(d, p) != 2)
            return s_kind_fail(d, p, "source_target_pairs", "pairs [source, target]", b->err);
        int32_t st[2];
        uint32_t x = sm_yaml_first(d, p);
        for (int j = 0; j < 2; j++, x = sm_yaml_next(d, x)) {
            if (sm_sf_int(d, x, "source_target_pairs", &st[j], b->err))
                return -1;
            uint32_t lim = j ? dg->n : sg->n;
            if (st[j] < 0 || (uint32_t)st[j] >= lim)
                return sm_yaml_fail(d, x, b->err, SM_EPARSE,
                                    "source_target_pairs: %s %d out of range: group %s has %u neurons",
                                    j ? "target" : "source", st[j], j ? dg->name : sg->name, lim);
        }
        b->s->pairs[e->pairs + 2 * i] = (uint32_t)st[0];
        b->s->pairs[e->pairs + 2 * i + 1] = (uint32_t)st[1];
    }
    e->n_attr = n;
    e->n_syn = n;
    return 0;
}

static int s_hyper(s_rd_t *r, const s_ends_t *ends, uint32_t v)
{
    const sm_yaml_t *d = r->d;
    sm_sfb_t *b = r->b;
    if (sm_yaml_kind(d, v) == SM_YAML_SCALAR)
        return s_kind_fail(d, v, "edge attributes", "a map (type: dense, weight: [...])", b->err);
    s_eattr_t a = {.r = r, .hyper = 1};
    if (sm_sf_walk(d, v, "edge attributes", s_eattr, &a, b->err))
        return -1;
    const char *edge = sm_yaml_str(d, ends->node);
    if (!a.type)
        return sm_yaml_fail(d, ends->node, b->err, SM_EPARSE,
                            "edge %s: type: required for GROUP -> GROUP (conv2d, dense or sparse)",
                            edge);
    sm_sanafe_edge_t e = {0};
    e.src_group = (uint32_t)ends->src_group;
    e.dst_group = (uint32_t)ends->dst_group;
    e.delay = UINT32_MAX;
    e.line = sm_yaml_line(d, ends->node);
    int conv_given = 0;
    for (int i = 0; i < 8; i++)
        conv_given |= a.conv[i] != 0;
    const sm_sanafe_group_t *sg = &b->s->groups[e.src_group], *dg = &b->s->groups[e.dst_group];
    char why[96];
    if (sm_yaml_is(d, a.type, "conv2d")) {
        e.kind = SM_SFE_CONV2D;
        if (s_conv(r, &a, &e))
            return -1;
        snprintf(why, sizeof why, "kernel_height x kernel_width x input_channels x kernel_count");
    } else if (sm_yaml_is(d, a.type, "dense")) {
        e.kind = SM_SFE_DENSE;
        e.n_syn = (uint64_t)sg->n * dg->n;
        if (e.n_syn > SM_SANAFE_MAX_SYNAPSES)
            return sm_yaml_fail(d, ends->node, b->err, SM_ETOOBIG, "edge %s: too many synapses", edge);
        e.n_attr = (uint32_t)e.n_syn;
        snprintf(why, sizeof why, "%u source x %u target neurons", sg->n, dg->n);
    } else if (sm_yaml_is(d, a.type, "sparse")) {
        e.kind = SM_SFE_SPARSE;
        if (s_sparse(r, &a, &e))
            return -1;
        snprintf(why, sizeof why, "one per source_target_pairs entry");
    } else {
        return s_kind_fail(d, a.type, "type", "conv2d, dense or sparse", b->err);
    }
    if (conv_given && e.kind != SM_SFE_CONV2D)
        return sm_yaml_fail(d, a.type, b->err, SM_EPARSE,
                            "edge %s: input_*, kernel_* and stride_* belong to conv2d edges", edge);
    if (a.pairs && e.kind != SM_SFE_SPARSE)
        return sm_yaml_fail(d, a.pairs, b->err, SM_EPARSE,
                            "source_target_pairs: belongs to sparse edges");
    if (!a.weight)
        return sm_yaml_fail(d, ends->node, b->err, SM_EPARSE, "edge %s: weight: required", edge);
    if (s_list(r, a.weight, "weight", e.n_attr, why, 0, &e.weight, &e.max_delay) ||
        (a.delay && s_list(r, a.delay, "delay", e.n_attr, why, 1, &e.delay, &e.max_delay)))
        return -1;
    if (a.dropped &&
        sm_sfb_warn(b, "%s:%u: edge %s: %s: dropped: SANA-FE drops synapse:, dendrite: and soma: "
                       "sections of dense, sparse and conv2d edges (yaml_common.cpp:30-33)",
                    sm_yaml_name(d), sm_yaml_line(d, a.dropped), edge, sm_yaml_str(d, a.dropped)))
        return -1;
    return sm_sfb_edge(b, &e);
}

static int s_edges(s_rd_t *r, uint32_t edges)
{
    const sm_yaml_t *d = r->d;
    if (sm_yaml_kind(d, edges) != SM_YAML_SEQ)
        return s_kind_fail(d, edges, "edges", "a list", r->b->err);
    for (uint32_t e = sm_yaml_first(d, edges); e; e = sm_yaml_next(d, e)) {
        if (sm_yaml_kind(d, e) != SM_YAML_MAP)
            return s_kind_fail(d, e, "edges", "a list of SOURCE -> TARGET: {attributes}", r->b->err);
        for (uint32_t k = sm_yaml_first(d, e); k; k = sm_yaml_next(d, sm_yaml_next(d, k))) {
            s_ends_t ends;
            if (s_ends(r, k, &ends))
                return -1;
            int rc = ends.has_neuron ? s_single(r, &ends, sm_yaml_next(d, k))
                                     : s_hyper(r, &ends, sm_yaml_next(d, k));
            if (rc)
                return -1;
        }
    }
    return 0;
}

/* ---- mappings ---- */

typedef struct {
    s_rd_t *r;
    sm_sanafe_map_t *m;
    uint32_t core, seen;
} s_mattr_t;

static int s_mattr(const sm_yaml_t *d, uint32_t k, uint32_t v, void *ctx, sm_error_t *err)
{
    s_mattr_t *a = ctx;
    static const char *const keys[] = {"core", "synapse", "dendrite", "soma"};
    int which = -1;
    for (int i = 0; i < 4 && which < 0; i++)
        if (sm_yaml_is(d, k, keys[i]))
            which = i;
    if (which < 0) {
        char show[64];
        return sm_yaml_fail(d, k, err, SM_EPARSE,
                            "%s: unknown mapping key (known: core, synapse, dendrite, soma)",
                            sm_yaml_show(d, k, show, sizeof show));
    }
    if (a->seen & (1u << which))
        return sm_yaml_fail(d, k, err, SM_EPARSE, "%s: given twice in one mapping", keys[which]);
    a->seen |= 1u << which;
    const char *s;
    if (sm_sf_string(d, v, keys[which], &s, err))
        return -1;
    if (which == 0) {
        a->core = v;
        return 0;
    }
    uint32_t off;
    if (sm_sfb_name(a->r->b, s, &off))
        return -1;
    if (which == 1)
        a->m->synapse_hw = off;
    else if (which == 2)
        a->m->dendrite_hw = off;
    else
        a->m->soma_hw = off;
    return 0;
}

static int s_core_addr(s_rd_t *r, uint32_t v, sm_sanafe_map_t *m)
{
    const char *s = sm_yaml_str(r->d, v);
    size_t len = sm_yaml_len(r->d, v);
    const char *dot = memchr(s, '.', len);
    uint64_t t, c;
    if (!dot || sm_sf_parse_index(s, (size_t)(dot - s), &t) ||
        sm_sf_parse_index(dot + 1, len - (size_t)(dot - s) - 1, &c) || t > UINT32_MAX || c > UINT32_MAX) {
        char show[64];
        return sm_yaml_fail(r->d, v, r->b->err, SM_EPARSE, "core: must read TILE.CORE, got %s",
                            sm_yaml_show(r->d, v, show, sizeof show));
    }
    m->tile = (uint32_t)t;
    m->core = (uint32_t)c;
    return 0;
}

static int s_mapping(s_rd_t *r, uint32_t k, uint32_t v)
{
    const sm_yaml_t *d = r->d;
    sm_sfb_t *b = r->b;
    sm_sanafe_snn_t *s = b->s;
    if (sm_yaml_kind(d, k) != SM_YAML_SCALAR)
        return s_kind_fail(d, k, "mapping", "GROUP, GROUP.N or GROUP.FIRST..LAST", b->err);
    const char *text = sm_yaml_str(d, k);
    size_t len = sm_yaml_len(d, k);
    const char *dot = memchr(text, '.', len);
    size_t glen = dot ? (size_t)(dot - text) : len;
    int32_t g = sm_sfb_find_group(s, text, glen);
    if (g < 0)
        return sm_yaml_fail(d, k, b->err, SM_EPARSE, "mapping %s: no group named '%.*s'", text,
                            (int)glen, text);
    sm_sanafe_map_t m = {0};
    m.group = (uint32_t)g;
    m.line = sm_yaml_line(d, k);
    uint64_t a = 0, z = s->groups[g].n - 1;
    if (dot && s_ids(d, k, dot + 1, len - glen - 1, &a, &z, b->err))
        return -1;
    if (z >= s->groups[g].n)
        return sm_yaml_fail(d, k, b->err, SM_EPARSE,
                            "mapping %s: neuron %llu out of range: group %s has %u neurons", text,
                            (unsigned long long)z, s->groups[g].name, s->groups[g].n);
    m.first = (uint32_t)a;
    m.last = (uint32_t)z;
    if (sm_yaml_kind(d, v) == SM_YAML_SCALAR)
        return s_kind_fail(d, v, "mapping", "a map such as {core: 0.0}", b->err);
    s_mattr_t ma = {.r = r, .m = &m};
    if (sm_sf_walk(d, v, "mapping", s_mattr, &ma, b->err))
        return -1;
    if (!ma.core)
        return sm_yaml_fail(d, k, b->err, SM_EPARSE, "mapping %s: core: required", text);
    if (s_core_addr(r, ma.core, &m))
        return -1;
    uint32_t idx = s->n_maps;
    for (uint64_t i = a; i <= z; i++) {
        uint32_t *slot = &s->mapped[s->groups[g].first + i];
        if (*slot != UINT32_MAX)
            return sm_yaml_fail(d, k, b->err, SM_EPARSE,
                                "mapping %s: neuron %s.%llu mapped twice (first at line %u)", text,
                                s->groups[g].name, (unsigned long long)i, s->maps[*slot].line);
        *slot = idx;
    }
    return sm_sfb_map(b, &m);
}

static int s_mappings(s_rd_t *r, uint32_t maps)
{
    const sm_yaml_t *d = r->d;
    if (sm_yaml_kind(d, maps) != SM_YAML_SEQ)
        return s_kind_fail(d, maps, "mappings", "a list of GROUP.N: {core: TILE.CORE}", r->b->err);
    for (uint32_t e = sm_yaml_first(d, maps); e; e = sm_yaml_next(d, e)) {
        if (sm_yaml_kind(d, e) != SM_YAML_MAP || sm_yaml_size(d, e) != 1)
            return s_kind_fail(d, e, "mappings", "one GROUP.N: {core: TILE.CORE} per entry", r->b->err);
        uint32_t k = sm_yaml_first(d, e);
        if (s_mapping(r, k, sm_yaml_next(d, k)))
            return -1;
    }
    return 0;
}

/* ---- the file ---- */

static int s_network(s_rd_t *r, uint32_t net)
{
    const sm_yaml_t *d = r->d;
    sm_sfb_t *b = r->b;
    if (sm_yaml_kind(d, net) != SM_YAML_MAP)
        return s_kind_fail(d, net, "network", "a map {name, groups, edges}", b->err);
    if (sm_sf_keys(d, net, "network", (const char *const[]){"name", "groups", "edges", NULL}, b->err))
        return -1;
    uint32_t nn = sm_yaml_get(d, net, "name");
    if (nn) {
        const char *name;
        if (sm_sf_string(d, nn, "name", &name, b->err))
            return -1;
        if (strchr(name, '['))
            return sm_yaml_fail(d, nn, b->err, SM_EUNSUPPORTED,
                                "name: one network per file (no range), got '%s'", name);
        char *copy = strdup(name);
        if (!copy)
            return sm_fail(b->err, SM_ENOMEM, "out of memory reading the network");
        free(b->s->name);
        b->s->name = copy;
    }
    uint32_t groups = sm_yaml_get(d, net, "groups"), edges = sm_yaml_get(d, net, "edges");
    if (!groups)
        return sm_yaml_fail(d, net, b->err, SM_EPARSE, "groups: required in network");
    if (!edges)
        return sm_yaml_fail(d, net, b->err, SM_EPARSE, "edges: required in network (may be [])");
    if (sm_yaml_kind(d, groups) != SM_YAML_SEQ)
        return s_kind_fail(d, groups, "groups", "a list", b->err);
    for (uint32_t g = sm_yaml_first(d, groups); g; g = sm_yaml_next(d, g))
        if (s_group(r, g))
            return -1;
    if (!b->s->n_groups)
        return sm_yaml_fail(d, groups, b->err, SM_EPARSE, "groups: the network has no groups");
    return sm_sfb_index_groups(b) || s_edges(r, edges);
}

sm_sanafe_snn_t *sm_sanafe_snn_read(const sm_yaml_t *d, sm_error_t *err)
{
    sm_sfb_t b;
    if (sm_sfb_init(&b, sm_yaml_name(d), err))
        return NULL;
    s_rd_t r = {&b, d};
    uint32_t root = sm_yaml_root(d);
    int rc = 0;
    if (sm_yaml_kind(d, root) != SM_YAML_MAP)
        rc = sm_yaml_fail(d, root, err, SM_EPARSE, "must be a map with network: and mappings:");
    else
        rc = sm_sf_keys(d, root, "the top level",
                        (const char *const[]){"network", "mappings", "architecture", NULL}, err);
    uint32_t net = rc ? 0 : sm_yaml_get(d, root, "network");
    uint32_t maps = rc ? 0 : sm_yaml_get(d, root, "mappings");
    uint32_t arch = rc ? 0 : sm_yaml_get(d, root, "architecture");
    if (!rc && !net)
        rc = sm_yaml_fail(d, root, err, SM_EPARSE, "network: required, missing");
    if (!rc && !maps)
        rc = sm_yaml_fail(d, root, err, SM_EPARSE, "mappings: required, missing");
    if (!rc && arch && !(b.s->arch = sm_sanafe_arch_read(d, arch, err)))
        rc = -1;
    if (!rc)
        rc = s_network(&r, net) || s_mappings(&r, maps);
    return sm_sfb_finish(&b, rc);
}
