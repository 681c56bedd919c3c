/* sanafe_netlist: SANA-FE's older netlist format (netlist.cpp), which it still
 * reads with -n: one entry per line,
 *   g COUNT ATTRS          a group, named by its position ("0", "1", ...)
 *   n GROUP.N ATTRS        one neuron's own attributes
 *   e G.N->G.N ATTRS       a connection
 *   & GROUP.N@TILE.CORE    a mapping
 * ATTRS are key=value fields, or one YAML flow map or list ({bias: 0},
 * [bias: 1.0]). Lines starting with # are comments. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sanafe_build.h"
#include "sanafe_scalar.h"

typedef struct {
    sm_sfb_t *b;
    const char *file;
    uint32_t line;
    char **f; /* fields of the line */
    int nf;
    uint32_t *nlines; /* per neuron: line of its n entry (0 = none) */
    uint32_t cap_nlines;
} s_nl_t;

static int s_fail(s_nl_t *x, sm_err_t code, const char *fmt, const char *a, const char *b)
{
    char msg[600];
    snprintf(msg, sizeof msg, fmt, a ? a : "", b ? b : "");
    return sm_fail(x->b->err, code, "%s:%u: %s", x->file, x->line, msg);
}

/* The attribute fields from field i on as a YAML document: the embedded map or
 * list itself, or key=value fields folded into a flow map with quoted values
 * (SANA-FE types values by their text, so the quotes change nothing). */
static sm_yaml_t *s_attrs(s_nl_t *x, int i)
{
    size_t len = 0;
    for (int j = i; j < x->nf; j++)
        len += 2 * strlen(x->f[j]) + 8;
    char *t = malloc(len + 4);
    if (!t) {
        sm_fail(x->b->err, SM_ENOMEM, "out of memory reading %s", x->file);
        return NULL;
    }
    size_t o = 0;
    if (i < x->nf && (x->f[i][0] == '{' || x->f[i][0] == '[')) {
        for (int j = i; j < x->nf; j++)
            o += (size_t)sprintf(t + o, "%s ", x->f[j]);
    } else {
        t[o++] = '{';
        for (int j = i; j < x->nf; j++) {
            char *eq = strchr(x->f[j], '=');
            if (!eq || eq == x->f[j] || !eq[1]) {
                free(t);
                s_fail(x, SM_EPARSE, "%s: an attribute must read key=value", x->f[j], NULL);
                return NULL;
            }
            o += (size_t)sprintf(t + o, "%s%.*s: '", j > i ? ", " : "", (int)(eq - x->f[j]), x->f[j]);
            for (const char *p = eq + 1; *p; p++) {
                if (*p == '\'')
                    t[o++] = '\'';
                t[o++] = *p;
            }
            t[o++] = '\'';
        }
        t[o++] = '}';
    }
    t[o] = '\0';
    sm_yaml_t *d = sm_yaml_parse_at(x->file, t, o, x->line, NULL, x->b->err);
    free(t);
    return d;
}

static int s_group_ref(s_nl_t *x, const char *s, size_t len, int32_t *g, uint64_t *n)
{
    const char *dot = memchr(s, '.', len);
    if (!dot)
        return s_fail(x, SM_EPARSE, "%s: a neuron must read GROUP.N", s, NULL);
    *g = sm_sfb_find_group(x->b->s, s, (size_t)(dot - s));
    char what[128];
    snprintf(what, sizeof what, "%.*s", (int)len, s);
    if (*g < 0)
        return s_fail(x, SM_EPARSE, "%s: no such group (groups are numbered 0, 1, ... in order)",
                      what, NULL);
    if (sm_sf_parse_index(dot + 1, len - (size_t)(dot - s) - 1, n))
        return s_fail(x, SM_EPARSE, "%s: a neuron must read GROUP.N", what, NULL);
    if (*n >= x->b->s->groups[*g].n)
        return s_fail(x, SM_EPARSE, "%s: neuron out of range", what, NULL);
    return 0;
}

/* ---- attributes ---- */

typedef struct {
    s_nl_t *x;
    uint32_t conf, seen, other;
    int group;    /* a g line (may name units) */
    int embedded; /* the attributes came as one YAML map or list */
} s_nattr_t;

static int s_nattr(const sm_yaml_t *d, uint32_t k, uint32_t v, void *ctx, sm_error_t *err)
{
    s_nattr_t *a = ctx;
    if (sm_yaml_is(d, k, "connections_out"))
        return 0; /* a v1 size hint that no model reads */
    static const char *const reserved[] = {"soma_hw_name", "dendrite_hw_name", "synapse_hw_name",
                                           "log_spikes", "log_v"};
    for (int i = 0; i < 5; i++) {
        if (!sm_yaml_is(d, k, reserved[i]))
            continue;
        if (!a->group || a->embedded)
            return sm_yaml_fail(d, k, err, SM_EPARSE,
                                "%s: SANA-FE %s it here; give it as key=value on the group's g line",
                                reserved[i], a->group ? "drops" : "refuses");
        if (a->other & (1u << i))
            return sm_yaml_fail(d, k, err, SM_EPARSE, "%s: given twice", reserved[i]);
        a->other |= 1u << i;
        sm_sanafe_nconf_t *c;
        if (i >= 3) {
            int t;
            if (sm_sf_bool(d, v, reserved[i], &t, err))
                return -1;
            c = &a->x->b->s->confs[a->conf];
            if (i == 3)
                c->log_spikes = (int8_t)t;
            else
                c->log_potential = (int8_t)t;
            return 0;
        }
        const char *name;
        uint32_t off;
        if (sm_sf_string(d, v, reserved[i], &name, err) || sm_sfb_name(a->x->b, name, &off))
            return -1;
        c = &a->x->b->s->confs[a->conf];
        if (i == 0)
            c->soma_hw = off;
        else if (i == 1)
            c->dendrite_hw = off;
        else
            c->synapse_hw = off;
        return 0;
    }
    return sm_sfb_neuron_attr(a->x->b, d, k, v, a->conf, SM_SFB_SHARED, &a->seen);
}

static int s_neuron_attrs(s_nl_t *x, int from, uint32_t conf, int group)
{
    if (from >= x->nf)
        return 0;
    sm_yaml_t *d = s_attrs(x, from);
    if (!d)
        return -1;
    s_nattr_t a = {.x = x, .conf = conf, .group = group,
                   .embedded = x->f[from][0] == '{' || x->f[from][0] == '['};
    int rc = sm_sf_walk(d, sm_yaml_root(d), "neuron attributes", s_nattr, &a, x->b->err);
    sm_yaml_destroy(&d);
    return rc;
}

/* ---- entries ---- */

static int s_g(s_nl_t *x)
{
    uint64_t n;
    if (x->nf < 2 || sm_sf_parse_index(x->f[1], strlen(x->f[1]), &n) || !n ||
        n > SM_SANAFE_MAX_NEURONS)
        return s_fail(x, SM_EPARSE, "g: must read g COUNT [attributes], COUNT > 0, got '%s'",
                      x->nf > 1 ? x->f[1] : "", NULL);
    uint32_t conf;
    char name[16];
    snprintf(name, sizeof name, "%u", x->b->s->n_groups);
    if (sm_sfb_conf(x->b, UINT32_MAX, x->line, &conf) || s_neuron_attrs(x, 2, conf, 1) ||
        sm_sfb_group(x->b, name, (uint32_t)n, conf, x->line))
        return -1;
    const sm_sanafe_group_t *g = &x->b->s->groups[x->b->s->n_groups - 1];
    for (uint32_t i = 0; i < g->n; i++)
        x->b->s->nconf[g->first + i] = conf;
    if (x->cap_nlines < x->b->s->n_neurons) {
        uint32_t *p = realloc(x->nlines, (size_t)x->b->s->n_neurons * sizeof *p);
        if (!p)
            return sm_fail(x->b->err, SM_ENOMEM, "out of memory reading %s", x->file);
        memset(p + x->cap_nlines, 0, (size_t)(x->b->s->n_neurons - x->cap_nlines) * sizeof *p);
        x->nlines = p;
        x->cap_nlines = x->b->s->n_neurons;
    }
    return sm_sfb_index_groups(x->b);
}

static int s_n(s_nl_t *x)
{
    int32_t g;
    uint64_t n;
    if (x->nf < 2)
        return s_fail(x, SM_EPARSE, "n: must read n GROUP.N [attributes]", NULL, NULL);
    if (s_group_ref(x, x->f[1], strlen(x->f[1]), &g, &n))
        return -1;
    sm_sanafe_snn_t *s = x->b->s;
    uint32_t id = s->groups[g].first + (uint32_t)n;
    if (x->nlines[id]) {
        char first[16];
        snprintf(first, sizeof first, "%u", x->nlines[id]);
        return s_fail(x, SM_EPARSE, "%s: neuron given twice (first at line %s)", x->f[1], first);
    }
    x->nlines[id] = x->line;
    uint32_t conf;
    if (sm_sfb_conf(x->b, s->nconf[id], x->line, &conf) || s_neuron_attrs(x, 2, conf, 0))
        return -1;
    x->b->s->nconf[id] = conf;
    return 0;
}

typedef struct {
    uint32_t weight, delay;
} s_eattr_t;

static int s_eattr(const sm_yaml_t *d, uint32_t k, uint32_t v, void *ctx, sm_error_t *err)
{
    s_eattr_t *a = ctx;
    uint32_t *slot = (sm_yaml_is(d, k, "weight") || sm_yaml_is(d, k, "w"))  ? &a->weight
                     : (sm_yaml_is(d, k, "delay") || sm_yaml_is(d, k, "d")) ? &a->delay
                                                                            : NULL;
    char show[64];
    if (!slot)
        return sm_yaml_fail(d, k, err, SM_EPARSE, "%s: unknown edge attribute (known: weight, delay)",
                            sm_yaml_show(d, k, show, sizeof show));
    if (*slot)
        return sm_yaml_fail(d, k, err, SM_EPARSE, "%s: given twice",
                            sm_yaml_show(d, k, show, sizeof show));
    *slot = v;
    return 0;
}

static int s_e(s_nl_t *x)
{
    const char *arrow = x->nf >= 2 ? strstr(x->f[1], "->") : NULL;
    if (!arrow)
        return s_fail(x, SM_EPARSE, "e: must read e G.N->G.N [attributes]", NULL, NULL);
    int32_t sg, dg;
    uint64_t sn, dn;
    if (s_group_ref(x, x->f[1], (size_t)(arrow - x->f[1]), &sg, &sn) ||
        s_group_ref(x, arrow + 2, strlen(arrow + 2), &dg, &dn))
        return -1;
    sm_sanafe_edge_t e = {0};
    e.kind = SM_SFE_SINGLE;
    e.src_group = (uint32_t)sg;
    e.dst_group = (uint32_t)dg;
    e.src = (uint32_t)sn;
    e.dst = (uint32_t)dn;
    e.n_syn = e.n_attr = 1;
    e.delay = UINT32_MAX;
    e.line = x->line;
    sm_yaml_t *d = x->nf > 2 ? s_attrs(x, 2) : NULL;
    if (x->nf > 2 && !d)
        return -1;
    s_eattr_t a = {0};
    int rc = d ? sm_sf_walk(d, sm_yaml_root(d), "edge attributes", s_eattr, &a, x->b->err) : 0;
    if (!rc && !a.weight)
        rc = s_fail(x, SM_EPARSE, "%s: weight= required", x->f[1], NULL);
    if (!rc)
        rc = sm_sfb_weights(x->b, 1, &e.weight) ||
             sm_sf_double(d, a.weight, "weight", &x->b->s->weights[e.weight], x->b->err);
    if (!rc && a.delay) {
        int32_t t;
        rc = sm_sf_int(d, a.delay, "delay", &t, x->b->err);
        if (!rc && t < 0)
            rc = sm_yaml_fail(d, a.delay, x->b->err, SM_EPARSE, "delay: must be >= 0, got %d", t);
        if (!rc)
            rc = sm_sfb_delays(x->b, 1, &e.delay);
        if (!rc) {
            x->b->s->delays[e.delay] = t;
            e.max_delay = t;
        }
    }
    sm_yaml_destroy(&d);
    return rc ? -1 : sm_sfb_edge(x->b, &e);
}

static int s_amp(s_nl_t *x)
{
    const char *at = x->nf >= 2 ? strchr(x->f[1], '@') : NULL;
    if (!at || x->nf > 2)
        return s_fail(x, SM_EPARSE,
                      "&: must read & GROUP.N@TILE.CORE (SANA-FE ignores anything after it)", NULL,
                      NULL);
    int32_t g;
    uint64_t n, t, c;
    if (s_group_ref(x, x->f[1], (size_t)(at - x->f[1]), &g, &n))
        return -1;
    const char *dot = strchr(at + 1, '.');
    if (!dot || sm_sf_parse_index(at + 1, (size_t)(dot - at - 1), &t) ||
        sm_sf_parse_index(dot + 1, strlen(dot + 1), &c) || t > UINT32_MAX || c > UINT32_MAX)
        return s_fail(x, SM_EPARSE, "%s: the core must read TILE.CORE", x->f[1], NULL);
    sm_sanafe_snn_t *s = x->b->s;
    uint32_t *slot = &s->mapped[s->groups[g].first + (uint32_t)n];
    if (*slot != UINT32_MAX) {
        char first[16];
        snprintf(first, sizeof first, "%u", s->maps[*slot].line);
        return s_fail(x, SM_EPARSE, "%s: neuron mapped twice (first at line %s)", x->f[1], first);
    }
    sm_sanafe_map_t m = {0};
    m.group = (uint32_t)g;
    m.first = m.last = (uint32_t)n;
    m.tile = (uint32_t)t;
    m.core = (uint32_t)c;
    m.line = x->line;
    *slot = s->n_maps;
    return sm_sfb_map(x->b, &m);
}

static int s_line(s_nl_t *x, char *line)
{
    char *f[256];
    int nf = 0;
    char *save = NULL;
    for (char *tok = strtok_r(line, " \t\r\n", &save); tok; tok = strtok_r(NULL, " \t\r\n", &save)) {
        if (nf == 256)
            return s_fail(x, SM_EPARSE, "more than 256 fields on one line", NULL, NULL);
        f[nf++] = tok;
    }
    if (!nf || f[0][0] == '#')
        return 0;
    x->f = f;
    x->nf = nf;
    if (f[0][1])
        return s_fail(x, SM_EPARSE, "%s: an entry starts with g, n, e or &", f[0], NULL);
    switch (f[0][0]) {
    case 'g': return s_g(x);
    case 'n': return s_n(x);
    case 'e': return s_e(x);
    case '&': return s_amp(x);
    }
    return s_fail(x, SM_EPARSE, "%s: an entry starts with g, n, e or &", f[0], NULL);
}

sm_sanafe_snn_t *sm_sanafe_netlist_load(const char *path, sm_error_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        sm_fail(err, SM_EIO, "%s: %s", path, strerror(errno));
        return NULL;
    }
    sm_sfb_t b;
    if (sm_sfb_init(&b, path, err)) {
        fclose(f);
        return NULL;
    }
    b.s->netlist = 1;
    s_nl_t x = {.b = &b, .file = path};
    size_t cap = 4096;
    char *line = malloc(cap);
    int rc = line ? 0 : sm_fail(err, SM_ENOMEM, "out of memory reading %s", path);
    while (!rc) {
        /* One whole line, however long (SANA-FE's getline). */
        size_t len = 0;
        int c = 0;
        while ((c = fgetc(f)) != EOF && c != '\n') {
            if (len + 2 > cap) {
                char *p = cap < ((size_t)1 << 30) ? realloc(line, cap * 2) : NULL;
                if (!p) {
                    rc = sm_fail(err, SM_ETOOBIG, "%s:%u: line too long", path, x.line + 1);
                    break;
                }
                line = p;
                cap *= 2;
            }
            line[len++] = (char)c;
        }
        if (rc || (c == EOF && len == 0))
            break;
        line[len] = '\0';
        x.line++;
        if (memchr(line, '\0', len))
            rc = sm_fail(err, SM_EPARSE, "%s:%u: NUL byte in a netlist", path, x.line);
        else
            rc = s_line(&x, line);
        if (c == EOF)
            break;
    }
    if (!rc && ferror(f))
        rc = sm_fail(err, SM_EIO, "%s: read error", path);
    if (!rc && !b.s->n_groups)
        rc = sm_fail(err, SM_EPARSE, "%s: no groups (g lines)", path);
    fclose(f);
    free(line);
    free(x.nlines);
    return sm_sfb_finish(&b, rc);
}
