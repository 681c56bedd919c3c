/* nir_wire: a graph as read, in bytes (host byte order: both ends are the
 * same program on the same machine). Strings are a u32 length and bytes;
 * arrays a header and their doubles; a NIRGraph node carries its graph. */
#include <stdlib.h>
#include <string.h>

#include "nir_int.h"

/* Deeper nesting is refused (the file reader stops earlier). */
#define S_MAX_DEPTH 32

void sm_nir_buf_put(sm_nir_buf_t *b, const void *data, size_t n)
{
    if (b->oom)
        return;
    if (b->cap - b->len < n) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap - b->len < n)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void s_u32(sm_nir_buf_t *b, uint32_t v)
{
    sm_nir_buf_put(b, &v, sizeof v);
}

static void s_str(sm_nir_buf_t *b, const char *s)
{
    uint32_t n = s ? (uint32_t)strlen(s) : UINT32_MAX;
    s_u32(b, n);
    if (s)
        sm_nir_buf_put(b, s, n);
}

static void s_put_graph(sm_nir_buf_t *b, const sm_nir_graph_t *g)
{
    s_u32(b, g->n_nodes);
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        const sm_nir_node_t *n = &g->nodes[i];
        s_str(b, n->name);
        s_u32(b, (uint32_t)n->type);
        s_u32(b, n->n_fields);
        for (uint32_t k = 0; k < n->n_fields; k++) {
            const sm_nir_array_t *a = &n->fields[k].a;
            s_str(b, n->fields[k].name);
            uint64_t cnt = a->n;
            s_u32(b, (uint32_t)a->dtype);
            s_u32(b, a->shape.ndim);
            sm_nir_buf_put(b, a->shape.dim, sizeof a->shape.dim);
            sm_nir_buf_put(b, &cnt, sizeof cnt);
            s_u32(b, a->compressed);
            if (a->dtype == SM_NIR_STR)
                s_str(b, a->s);
            else
                sm_nir_buf_put(b, a->v, a->n * sizeof *a->v);
        }
        if (n->type == SM_NIR_GRAPH)
            s_put_graph(b, n->sub);
    }
    s_u32(b, g->n_edges);
    for (uint32_t e = 0; e < g->n_edges; e++) {
        s_str(b, g->edges[e].src_name);
        s_str(b, g->edges[e].dst_name);
    }
}

void sm_nir_wire_put(sm_nir_buf_t *b, const sm_nir_graph_t *g)
{
    s_str(b, g->path);
    s_str(b, g->version);
    s_put_graph(b, g);
}

/* ---------------------------------------------------------------- decode */

typedef struct {
    const uint8_t *p, *end;
    bool bad;
} s_rd_t;

static bool s_take(s_rd_t *r, void *out, size_t n)
{
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = true;
        return false;
    }
    memcpy(out, r->p, n);
    r->p += n;
    return true;
}

static uint32_t s_get_u32(s_rd_t *r)
{
    uint32_t v = 0;
    s_take(r, &v, sizeof v);
    return v;
}

/* NULL for an absent string; sets r->bad on a short or failed read. */
static char *s_get_str(s_rd_t *r)
{
    uint32_t n = s_get_u32(r);
    if (r->bad || n == UINT32_MAX)
        return NULL;
    if ((size_t)(r->end - r->p) < n) {
        r->bad = true;
        return NULL;
    }
    char *s = malloc((size_t)n + 1);
    if (!s) {
        r->bad = true;
        return NULL;
    }
    memcpy(s, r->p, n);
    s[n] = '\0';
    r->p += n;
    return s;
}

static sm_nir_graph_t *s_get_graph(s_rd_t *r, uint32_t depth);

/* The reader sends an array as its dataspace gave it: sizes >= 0 whose
 * product is the element count. Anything else would send the checks and
 * the shape rules reading past the values. */
static bool s_shape_fits(const sm_nir_shape_t *s, uint64_t cnt)
{
    uint64_t n = 1;
    for (uint32_t d = 0; d < s->ndim; d++) {
        if (s->dim[d] < 0 || (s->dim[d] && n > UINT64_MAX / (uint64_t)s->dim[d]))
            return false;
        n *= (uint64_t)s->dim[d];
    }
    return n == cnt;
}

static void s_get_node(s_rd_t *r, sm_nir_node_t *n, uint32_t depth)
{
    n->name = s_get_str(r);
    uint32_t type = s_get_u32(r), nf = s_get_u32(r);
    if (r->bad || !n->name || type >= SM_NIR_NTYPES || nf > (uint32_t)(r->end - r->p)) {
        r->bad = true;
        return;
    }
    n->type = (sm_nir_type_t)type;
    n->fields = calloc(nf ? nf : 1, sizeof *n->fields);
    if (!n->fields) {
        r->bad = true;
        return;
    }
    for (uint32_t k = 0; k < nf && !r->bad; k++) {
        sm_nir_field_t *f = &n->fields[k];
        n->n_fields++;
        f->name = s_get_str(r);
        sm_nir_array_t *a = &f->a;
        uint32_t dtype = s_get_u32(r);
        a->shape.ndim = s_get_u32(r);
        uint64_t cnt = 0;
        s_take(r, a->shape.dim, sizeof a->shape.dim);
        s_take(r, &cnt, sizeof cnt);
        a->compressed = s_get_u32(r) != 0;
        if (r->bad || !f->name || dtype > SM_NIR_STR || a->shape.ndim > SM_NIR_MAXDIM ||
            !s_shape_fits(&a->shape, cnt)) {
            r->bad = true;
            return;
        }
        a->dtype = (sm_nir_dtype_t)dtype;
        a->n = (size_t)cnt;
        if (a->dtype == SM_NIR_STR) {
            a->s = s_get_str(r);
            if (!a->s)
                r->bad = true;
            continue;
        }
        if (cnt > (uint64_t)(r->end - r->p) / sizeof *a->v) {
            r->bad = true;
            return;
        }
        a->v = malloc(cnt ? (size_t)cnt * sizeof *a->v : sizeof *a->v);
        if (!a->v || !s_take(r, a->v, (size_t)cnt * sizeof *a->v))
            r->bad = true;
    }
    if (!r->bad && n->type == SM_NIR_GRAPH && !(n->sub = s_get_graph(r, depth + 1)))
        r->bad = true;
}

static sm_nir_graph_t *s_get_graph(s_rd_t *r, uint32_t depth)
{
    if (depth > S_MAX_DEPTH) {
        r->bad = true;
        return NULL;
    }
    sm_nir_graph_t *g = calloc(1, sizeof *g);
    uint32_t nn = s_get_u32(r);
    if (!g || r->bad || nn > (uint32_t)(r->end - r->p) ||
        !(g->nodes = calloc(nn ? nn : 1, sizeof *g->nodes))) {
        r->bad = true;
        sm_nir_graph_destroy(&g);
        return NULL;
    }
    for (uint32_t i = 0; i < nn && !r->bad; i++) {
        g->n_nodes++;
        s_get_node(r, &g->nodes[i], depth);
    }
    uint32_t ne = r->bad ? 0 : s_get_u32(r);
    if (!r->bad && (ne > (uint32_t)(r->end - r->p) ||
                    !(g->edges = calloc(ne ? ne : 1, sizeof *g->edges))))
        r->bad = true;
    for (uint32_t e = 0; e < ne && !r->bad; e++) {
        g->n_edges++;
        g->edges[e].src_name = s_get_str(r);
        g->edges[e].dst_name = s_get_str(r);
        if (!g->edges[e].src_name || !g->edges[e].dst_name)
            r->bad = true;
    }
    if (r->bad)
        sm_nir_graph_destroy(&g);
    return g;
}

sm_nir_graph_t *sm_nir_wire_get(const uint8_t *p, size_t len, sm_error_t *err)
{
    s_rd_t r = {p, p + len, false};
    char *path = s_get_str(&r), *version = s_get_str(&r);
    sm_nir_graph_t *g = r.bad ? NULL : s_get_graph(&r, 0);
    if (!g || r.p != r.end) {
        free(path);
        free(version);
        sm_nir_graph_destroy(&g);
        sm_fail(err, SM_EIO, "the reader process sent a short or malformed graph");
        return NULL;
    }
    g->path = path;
    g->version = version;
    return g;
}
