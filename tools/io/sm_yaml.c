/* sm_yaml: libyaml's event stream folded into one array of nodes. */
#include "sm_yaml.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

typedef struct {
    uint8_t kind;
    uint8_t quoted;
    uint32_t line, col;
    uint32_t len;   /* scalar: bytes; sequence: items; map: pairs */
    uint32_t first; /* scalar: offset in strs; container: first child */
    uint32_t next;  /* next sibling */
} s_node_t;

struct sm_yaml {
    char *name;
    s_node_t *nodes; /* nodes[0] is the "no node" sentinel */
    uint32_t n, cap;
    char *strs;
    size_t slen, scap;
    uint32_t root;
};

/* One open container while the tree is built. */
typedef struct {
    uint32_t node;
    uint32_t last; /* last child so far */
} s_frame_t;

typedef struct {
    sm_yaml_t *doc;
    sm_yaml_limits_t lim;
    s_frame_t *stack;
    uint32_t depth;
    uint32_t line0; /* file line of the text's first line, minus one */
    size_t lines;   /* line breaks in the text: libyaml may report the end one line past it */
    sm_error_t *err;
} s_build_t;

sm_yaml_limits_t sm_yaml_default_limits(void)
{
    sm_yaml_limits_t l = {.max_bytes = (uint64_t)1 << 30, .max_nodes = 1u << 25, .max_depth = 64};
    return l;
}

/* ---- building ---- */

static int s_fail_at(s_build_t *b, size_t line0, size_t col0, sm_err_t code, const char *what)
{
    if (line0 > b->lines) {
        line0 = b->lines;
        col0 = 0;
    }
    return sm_fail(b->err, code, "%s:%zu:%zu: %s", b->doc->name, line0 + 1 + b->line0, col0 + 1,
                   what);
}

static uint32_t s_new_node(s_build_t *b, uint8_t kind, const yaml_mark_t *m)
{
    sm_yaml_t *d = b->doc;
    if (d->n >= b->lim.max_nodes || d->n == UINT32_MAX) {
        char what[96];
        snprintf(what, sizeof what, "more than %u YAML nodes (limit)", b->lim.max_nodes);
        s_fail_at(b, m->line, m->column, SM_ETOOBIG, what);
        return 0;
    }
    if (d->n == d->cap) {
        uint32_t cap = d->cap ? d->cap * 2 : 1024;
        if (cap < d->cap) /* overflow: cap stays below max_nodes + 1 anyway */
            cap = UINT32_MAX;
        s_node_t *p = realloc(d->nodes, (size_t)cap * sizeof *p);
        if (!p) {
            sm_fail(b->err, SM_ENOMEM, "%s: out of memory reading YAML", d->name);
            return 0;
        }
        d->nodes = p;
        d->cap = cap;
    }
    uint32_t i = d->n++;
    s_node_t *x = &d->nodes[i];
    memset(x, 0, sizeof *x);
    x->kind = kind;
    x->line = (uint32_t)m->line + 1 + b->line0;
    x->col = (uint32_t)m->column + 1;
    return i;
}

/* Hangs node i under the open container (or makes it the root). */
static int s_attach(s_build_t *b, uint32_t i)
{
    sm_yaml_t *d = b->doc;
    if (b->depth == 0) {
        d->root = i;
        return 0;
    }
    s_frame_t *f = &b->stack[b->depth - 1];
    s_node_t *parent = &d->nodes[f->node];
    if (f->last)
        d->nodes[f->last].next = i;
    else
        parent->first = i;
    f->last = i;
    return 0;
}

static int s_add_scalar(s_build_t *b, const yaml_event_t *ev)
{
    sm_yaml_t *d = b->doc;
    size_t len = ev->data.scalar.length;
    if (d->slen + len + 1 > d->scap) {
        size_t cap = d->scap ? d->scap : 4096;
        while (cap < d->slen + len + 1)
            cap *= 2;
        if (cap > (size_t)UINT32_MAX) {
            s_fail_at(b, ev->start_mark.line, ev->start_mark.column, SM_ETOOBIG,
                      "YAML text too large (over 4 GiB of scalars)");
            return -1;
        }
        char *p = realloc(d->strs, cap);
        if (!p)
            return sm_fail(b->err, SM_ENOMEM, "%s: out of memory reading YAML", d->name);
        d->strs = p;
        d->scap = cap;
    }
    uint32_t i = s_new_node(b, SM_YAML_SCALAR, &ev->start_mark);
    if (!i)
        return -1;
    s_node_t *x = &d->nodes[i];
    x->first = (uint32_t)d->slen;
    x->len = (uint32_t)len;
    x->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
    memcpy(d->strs + d->slen, ev->data.scalar.value, len);
    d->strs[d->slen + len] = '\0';
    d->slen += len + 1;
    return s_attach(b, i);
}

/* A map's key must be a scalar: called before a child joins a map. */
static int s_check_key(s_build_t *b, uint8_t kind, const yaml_mark_t *m)
{
    if (b->depth == 0)
        return 0;
    s_frame_t *f = &b->stack[b->depth - 1];
    s_node_t *parent = &b->doc->nodes[f->node];
    if (parent->kind != SM_YAML_MAP)
        return 0;
    /* len counts children while the map is open; even = a key comes next */
    if (parent->len % 2 == 0 && kind != SM_YAML_SCALAR)
        return s_fail_at(b, m->line, m->column, SM_EPARSE,
                         "a map key must be a plain value, not a list or a map");
    return 0;
}

static void s_count_child(s_build_t *b)
{
    if (b->depth > 0)
        b->doc->nodes[b->stack[b->depth - 1].node].len++;
}

static int s_open(s_build_t *b, uint8_t kind, const yaml_mark_t *m)
{
    if (b->depth >= b->lim.max_depth) {
        char what[96];
        snprintf(what, sizeof what, "nested deeper than %u levels (limit)", b->lim.max_depth);
        return s_fail_at(b, m->line, m->column, SM_ETOOBIG, what);
    }
    if (s_check_key(b, kind, m))
        return -1;
    s_count_child(b);
    uint32_t i = s_new_node(b, kind, m);
    if (!i || s_attach(b, i))
        return -1;
    b->stack[b->depth].node = i;
    b->stack[b->depth].last = 0;
    b->depth++;
    return 0;
}

typedef struct {
    const char *s;
    uint32_t len;
    uint32_t node;
} s_keyref_t;

static int s_keycmp(const void *a, const void *b)
{
    const s_keyref_t *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->s, y->s, n);
    if (c)
        return c;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return x->node < y->node ? -1 : x->node > y->node;
}

static int s_dup_key(s_build_t *b, uint32_t first, uint32_t again)
{
    sm_yaml_t *d = b->doc;
    char show[96];
    return sm_yaml_fail(d, again, b->err, SM_EPARSE, "%s: duplicate key (first at line %u)",
                        sm_yaml_show(d, again, show, sizeof show), d->nodes[first].line);
}

/* Refuses a map that holds the same key twice: pairwise for small maps,
 * by sorting for large ones so that a huge map costs n log n, not n^2. */
static int s_check_dups(s_build_t *b, uint32_t map)
{
    sm_yaml_t *d = b->doc;
    uint32_t pairs = d->nodes[map].len;
    if (pairs < 2)
        return 0;
    if (pairs <= 8) {
        for (uint32_t k = d->nodes[map].first; k; k = d->nodes[d->nodes[k].next].next)
            for (uint32_t j = d->nodes[d->nodes[k].next].next; j; j = d->nodes[d->nodes[j].next].next)
                if (d->nodes[k].len == d->nodes[j].len &&
                    !memcmp(d->strs + d->nodes[k].first, d->strs + d->nodes[j].first, d->nodes[k].len))
                    return s_dup_key(b, k, j);
        return 0;
    }
    s_keyref_t *refs = malloc((size_t)pairs * sizeof *refs);
    if (!refs)
        return sm_fail(b->err, SM_ENOMEM, "%s: out of memory reading YAML", d->name);
    uint32_t n = 0;
    for (uint32_t k = d->nodes[map].first; k && n < pairs; k = d->nodes[d->nodes[k].next].next) {
        refs[n].s = d->strs + d->nodes[k].first;
        refs[n].len = d->nodes[k].len;
        refs[n].node = k;
        n++;
    }
    qsort(refs, n, sizeof *refs, s_keycmp);
    int rc = 0;
    for (uint32_t i = 1; i < n && !rc; i++)
        if (refs[i].len == refs[i - 1].len && !memcmp(refs[i].s, refs[i - 1].s, refs[i].len))
            rc = s_dup_key(b, refs[i - 1].node, refs[i].node);
    free(refs);
    return rc;
}

static int s_close(s_build_t *b)
{
    uint32_t node = b->stack[b->depth - 1].node;
    b->depth--;
    s_node_t *x = &b->doc->nodes[node];
    if (x->kind == SM_YAML_MAP) {
        x->len /= 2; /* children counted while open; a map has pairs */
        return s_check_dups(b, node);
    }
    return 0;
}

static int s_no_tag(s_build_t *b, const yaml_char_t *tag, const yaml_mark_t *m)
{
    if (!tag)
        return 0;
    char what[160];
    snprintf(what, sizeof what, "tag %.60s: YAML tags are not supported", (const char *)tag);
    return s_fail_at(b, m->line, m->column, SM_EUNSUPPORTED, what);
}

static int s_event(s_build_t *b, const yaml_event_t *ev, int *docs, int *done)
{
    const yaml_mark_t *m = &ev->start_mark;
    switch (ev->type) {
    case YAML_NO_EVENT:
    case YAML_STREAM_START_EVENT:
    case YAML_DOCUMENT_END_EVENT:
        return 0;
    case YAML_STREAM_END_EVENT:
        *done = 1;
        return 0;
    case YAML_DOCUMENT_START_EVENT:
        if ((*docs)++)
            return s_fail_at(b, m->line, m->column, SM_EPARSE,
                             "a second YAML document: one document per file");
        return 0;
    case YAML_ALIAS_EVENT: {
        char what[160];
        snprintf(what, sizeof what,
                 "alias *%.60s: aliases (and merge keys) are not supported; SANA-FE does not "
                 "resolve them either",
                 (const char *)ev->data.alias.anchor);
        return s_fail_at(b, m->line, m->column, SM_EUNSUPPORTED, what);
    }
    case YAML_SCALAR_EVENT:
        if (s_no_tag(b, ev->data.scalar.tag, m))
            return -1;
        s_count_child(b);
        return s_add_scalar(b, ev);
    case YAML_SEQUENCE_START_EVENT:
        if (s_no_tag(b, ev->data.sequence_start.tag, m))
            return -1;
        return s_open(b, SM_YAML_SEQ, m);
    case YAML_MAPPING_START_EVENT:
        if (s_no_tag(b, ev->data.mapping_start.tag, m))
            return -1;
        return s_open(b, SM_YAML_MAP, m);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        return s_close(b);
    }
    return 0;
}

static int s_syntax(s_build_t *b, const yaml_parser_t *p)
{
    const char *problem = p->problem ? p->problem : "malformed YAML";
    char what[320];
    if (p->context)
        snprintf(what, sizeof what, "YAML syntax error: %s (%s, line %zu)", problem, p->context,
                 p->context_mark.line + 1 + b->line0);
    else
        snprintf(what, sizeof what, "YAML syntax error: %s", problem);
    if (p->error == YAML_READER_ERROR)
        return sm_fail(b->err, SM_EPARSE, "%s: byte %zu: %s", b->doc->name, p->problem_offset, what);
    if (p->error == YAML_MEMORY_ERROR)
        return sm_fail(b->err, SM_ENOMEM, "%s: out of memory reading YAML", b->doc->name);
    return s_fail_at(b, p->problem_mark.line, p->problem_mark.column, SM_EPARSE, what);
}

sm_yaml_t *sm_yaml_parse(const char *name, const char *text, size_t len,
                         const sm_yaml_limits_t *lim, sm_error_t *err)
{
    return sm_yaml_parse_at(name, text, len, 1, lim, err);
}

sm_yaml_t *sm_yaml_parse_at(const char *name, const char *text, size_t len, uint32_t first_line,
                            const sm_yaml_limits_t *lim, sm_error_t *err)
{
    s_build_t b = {0};
    b.line0 = first_line ? first_line - 1 : 0;
    for (size_t i = 0; i < len; i++)
        b.lines += text[i] == '\n';
    b.lim = lim ? *lim : sm_yaml_default_limits();
    b.err = err;
    if (!name)
        name = "(yaml)";
    if (len > b.lim.max_bytes) {
        sm_fail(err, SM_ETOOBIG, "%s: %zu bytes, over the limit of %llu", name, len,
                (unsigned long long)b.lim.max_bytes);
        return NULL;
    }
    sm_yaml_t *d = calloc(1, sizeof *d);
    b.stack = calloc(b.lim.max_depth + 1, sizeof *b.stack);
    if (!d || !b.stack || !(d->name = strdup(name))) {
        free(b.stack);
        sm_yaml_destroy(&d);
        sm_fail(err, SM_ENOMEM, "%s: out of memory reading YAML", name);
        return NULL;
    }
    b.doc = d;
    yaml_mark_t zero = {0};
    s_new_node(&b, SM_YAML_NONE, &zero); /* the sentinel, node 0 */
    if (d->n != 1) {
        free(b.stack);
        sm_yaml_destroy(&d);
        return NULL;
    }
    d->nodes[0].line = 0;
    yaml_parser_t p;
    int rc = 0, docs = 0, done = 0;
    if (!yaml_parser_initialize(&p)) {
        rc = sm_fail(err, SM_ENOMEM, "%s: libyaml failed to start", name);
    } else {
        yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
        while (!done && !rc) {
            yaml_event_t ev;
            if (!yaml_parser_parse(&p, &ev)) {
                rc = s_syntax(&b, &p);
                break;
            }
            rc = s_event(&b, &ev, &docs, &done);
            yaml_event_delete(&ev);
        }
        yaml_parser_delete(&p);
    }
    free(b.stack);
    if (!rc && !d->root)
        rc = sm_fail(err, SM_EPARSE, "%s: empty YAML document", name);
    if (rc) {
        sm_yaml_destroy(&d);
        return NULL;
    }
    return d;
}

sm_yaml_t *sm_yaml_load(const char *path, const sm_yaml_limits_t *lim, sm_error_t *err)
{
    sm_yaml_limits_t l = lim ? *lim : sm_yaml_default_limits();
    FILE *f = fopen(path, "rb");
    if (!f) {
        sm_fail(err, SM_EIO, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    int bad = !buf;
    while (!bad) {
        if (len == cap) {
            if ((uint64_t)cap > l.max_bytes) {
                fclose(f);
                free(buf);
                sm_fail(err, SM_ETOOBIG, "%s: larger than the limit of %llu bytes", path,
                        (unsigned long long)l.max_bytes);
                return NULL;
            }
            char *p = realloc(buf, cap * 2);
            if (!p) {
                bad = 1;
                break;
            }
            buf = p;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    int ioerr = ferror(f);
    fclose(f);
    if (bad || ioerr) {
        free(buf);
        if (bad)
            sm_fail(err, SM_ENOMEM, "%s: out of memory", path);
        else
            sm_fail(err, SM_EIO, "%s: read error", path);
        return NULL;
    }
    sm_yaml_t *d = sm_yaml_parse(path, buf, len, &l, err);
    free(buf);
    return d;
}

void sm_yaml_destroy(sm_yaml_t **doc)
{
    if (!doc || !*doc)
        return;
    sm_yaml_t *d = *doc;
    free(d->name);
    free(d->nodes);
    free(d->strs);
    free(d);
    *doc = NULL;
}

/* ---- access ---- */

static const s_node_t *s_node(const sm_yaml_t *d, uint32_t n)
{
    return (d && n < d->n) ? &d->nodes[n] : (d ? &d->nodes[0] : NULL);
}

const char *sm_yaml_name(const sm_yaml_t *doc) { return doc ? doc->name : "(yaml)"; }
uint32_t sm_yaml_root(const sm_yaml_t *doc) { return doc ? doc->root : 0; }
uint32_t sm_yaml_count(const sm_yaml_t *doc) { return doc ? doc->n - 1 : 0; }

sm_yaml_kind_t sm_yaml_kind(const sm_yaml_t *doc, uint32_t n)
{
    const s_node_t *x = s_node(doc, n);
    return x ? (sm_yaml_kind_t)x->kind : SM_YAML_NONE;
}

uint32_t sm_yaml_line(const sm_yaml_t *doc, uint32_t n)
{
    const s_node_t *x = s_node(doc, n);
    return x ? x->line : 0;
}

uint32_t sm_yaml_col(const sm_yaml_t *doc, uint32_t n)
{
    const s_node_t *x = s_node(doc, n);
    return x ? x->col : 0;
}

const char *sm_yaml_str(const sm_yaml_t *doc, uint32_t n)
{
    const s_node_t *x = s_node(doc, n);
    if (!x || x->kind != SM_YAML_SCALAR)
        return "";
    return doc->strs + x->first;
}

size_t sm_yaml_len(const sm_yaml_t *doc, uint32_t n)
{
    const s_node_t *x = s_node(doc, n);
    return (x && x->kind == SM_YAML_SCALAR) ? x->len : 0;
}

int sm_yaml_quoted(const sm_yaml_t *doc, uint32_t n)
{
    const s_node_t *x = s_node(doc, n);
    return x && x->kind == SM_YAML_SCALAR && x->quoted;
}

int sm_yaml_is_null(const sm_yaml_t *doc, uint32_t n)
{
    const s_node_t *x = s_node(doc, n);
    if (!x || x->kind != SM_YAML_SCALAR || x->quoted)
        return 0;
    const char *s = doc->strs + x->first;
    return x->len == 0 || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
           !strcmp(s, "NULL");
}

int sm_yaml_is(const sm_yaml_t *doc, uint32_t n, const char *s)
{
    const s_node_t *x = s_node(doc, n);
    if (!x || x->kind != SM_YAML_SCALAR)
        return 0;
    size_t l = strlen(s);
    return l == x->len && !memcmp(doc->strs + x->first, s, l);
}

uint32_t sm_yaml_size(const sm_yaml_t *doc, uint32_t n)
{
    const s_node_t *x = s_node(doc, n);
    return (x && (x->kind == SM_YAML_SEQ || x->kind == SM_YAML_MAP)) ? x->len : 0;
}

uint32_t sm_yaml_first(const sm_yaml_t *doc, uint32_t n)
{
    const s_node_t *x = s_node(doc, n);
    return (x && (x->kind == SM_YAML_SEQ || x->kind == SM_YAML_MAP)) ? x->first : 0;
}

uint32_t sm_yaml_next(const sm_yaml_t *doc, uint32_t n)
{
    const s_node_t *x = s_node(doc, n);
    return x ? x->next : 0;
}

uint32_t sm_yaml_key(const sm_yaml_t *doc, uint32_t map, const char *key)
{
    if (sm_yaml_kind(doc, map) != SM_YAML_MAP)
        return 0;
    for (uint32_t k = sm_yaml_first(doc, map); k; k = sm_yaml_next(doc, sm_yaml_next(doc, k)))
        if (sm_yaml_is(doc, k, key))
            return k;
    return 0;
}

uint32_t sm_yaml_get(const sm_yaml_t *doc, uint32_t map, const char *key)
{
    uint32_t k = sm_yaml_key(doc, map, key);
    return k ? sm_yaml_next(doc, k) : 0;
}

const char *sm_yaml_show(const sm_yaml_t *doc, uint32_t n, char *buf, size_t size)
{
    if (!size)
        return buf;
    switch (sm_yaml_kind(doc, n)) {
    case SM_YAML_SEQ:
        snprintf(buf, size, "a list");
        return buf;
    case SM_YAML_MAP:
        snprintf(buf, size, "a map");
        return buf;
    case SM_YAML_NONE:
        snprintf(buf, size, "nothing");
        return buf;
    case SM_YAML_SCALAR:
        break;
    }
    const char *s = sm_yaml_str(doc, n);
    size_t len = sm_yaml_len(doc, n), o = 0, cut = 48;
    if (size < 8) {
        buf[0] = '\0';
        return buf;
    }
    buf[o++] = '\'';
    for (size_t i = 0; i < len && i < cut && o + 6 < size; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\'')
            buf[o++] = (char)c;
        else
            o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
    }
    if (len > cut && o + 5 < size) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o++] = '\'';
    buf[o] = '\0';
    return buf;
}

int sm_yaml_fail(const sm_yaml_t *doc, uint32_t n, sm_error_t *err, sm_err_t code, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n && sm_yaml_line(doc, n))
        return sm_fail(err, code, "%s:%u: %s", sm_yaml_name(doc), sm_yaml_line(doc, n), msg);
    return sm_fail(err, code, "%s: %s", sm_yaml_name(doc), msg);
}
