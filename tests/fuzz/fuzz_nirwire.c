/* Fuzz target: what the NIR reader process sends its parent (tools/io/
 * nir_wire.c), and everything the parent does with it: decoding, the field
 * checks, inlining, the analysis (nir.c runs libhdf5 in a forked child, whose
 * coverage libFuzzer cannot see; this target is the parent's side in
 * process). A corrupt file can make libhdf5 scribble over the child, so the
 * parent must survive any bytes. Seeds: the wire form of every graph in
 * tests/data/nir; mutants: the graphs re-encoded with nodes, fields and
 * edges dropped, duplicated, retyped, renamed, reshaped and poked, and byte
 * edits. An accepted graph must hold what sm_nir_load promises. */
#include "fuzz.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nir_int.h"
#include "nircheck.h"

/* The parent's side of sm_nir_load (nir.c: s_decode, s_check, flatten and
 * analyse) on the bytes after the status byte. */
static int s_check(sm_nir_graph_t *g, const char *path, sm_error_t *err)
{
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        sm_nir_node_t *n = &g->nodes[i];
        if (n->type == SM_NIR_GRAPH) {
            if (s_check(n->sub, path, err) < 0)
                return -1;
            continue;
        }
        if (sm_nir_node_check(n, err) < 0) {
            sm_error_prefix(err, "%s: ", path);
            return -1;
        }
    }
    return 0;
}

static sm_nir_graph_t *s_parent(const uint8_t *p, size_t len, const char *path, sm_error_t *err)
{
    sm_nir_graph_t *g = sm_nir_wire_get(p, len, err);
    if (!g) {
        sm_error_prefix(err, "%s: ", path);
        return NULL;
    }
    if (s_check(g, path, err) < 0 || sm_nir_flatten(g, err) < 0 || sm_nir_analyse(g, err) < 0) {
        if (!strstr(err->msg, path))
            sm_error_prefix(err, "%s: ", path);
        sm_nir_graph_destroy(&g);
    }
    return g;
}

int sm_fuzz_nirwire(const uint8_t *data, size_t size)
{
    static const char *name = "fuzzed.nir";
    fz_stats_t *st = fz_stats();
    /* An exact copy, so that ASan sees a read one past the end. */
    uint8_t *buf = malloc(size ? size : 1);
    t_require(buf, "out of memory for %zu bytes", size);
    if (size)
        memcpy(buf, data, size);
    sm_error_t err;
    sm_error_clear(&err);
    sm_nir_graph_t *g = s_parent(buf, size, name, &err);
    if (!g) {
        fz_refused(st, "nirwire", &err, name, buf, size);
    } else {
        st->accepted++;
        const char *why = nir_invariants(g);
        if (!why)
            why = nir_exercise(g);
        if (why)
            fz_bad(st, "nirwire", buf, size, "accepted, but %s", why);
    }
    sm_nir_graph_destroy(&g);
    free(buf);
    return 0;
}

#ifndef SM_LIBFUZZER

TestSuite(fuzz, .timeout = 600);

/* ---- a mutating encoder: nir_wire.c's layout, with edits on the way ---- */

typedef struct {
    sm_rng_t *r;
    uint32_t site;             /* sites (graphs, nodes, fields, edges) passed */
    uint32_t hits[4], n_hits;  /* the sites to edit */
    const sm_nir_graph_t *top; /* for names and nesting */
    uint32_t depth;
} s_enc_t;

static bool s_hit(s_enc_t *e)
{
    uint32_t at = e->site++;
    for (uint32_t i = 0; i < e->n_hits; i++)
        if (e->hits[i] == at)
            return true;
    return false;
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

static void s_append(sm_nir_buf_t *b, const sm_nir_buf_t *from)
{
    if (from->len)
        sm_nir_buf_put(b, from->p, from->len);
}

static const char *const s_field_names[] = {
    "shape", "weight", "bias", "scale", "stride", "padding", "dilation", "groups", "input_shape",
    "kernel_size", "input_type", "start_dim", "end_dim", "delay", "threshold", "r", "tau",
    "v_leak", "v_threshold", "v_reset", "tau_syn", "tau_mem", "w_in", "type", "",
};

static const double s_special[] = {NAN, INFINITY, -INFINITY, -1, 0, 0.5, 1, 2, 3, 1e9, 1e9 + 1,
                                   -1e9, 1e10, 9007199254740993.0, 1e300, -0.0, 1e-300, 34,
                                   4294967296.0, 2147483648.0};

static double s_value(sm_rng_t *r)
{
    return s_special[sm_rng_below(r, sizeof s_special / sizeof *s_special)];
}

/* A random name: another node's, a dotted one, an empty or a long one. */
static const char *s_name(s_enc_t *e, char *buf, size_t cap)
{
    const sm_nir_graph_t *g = e->top;
    switch (sm_rng_below(e->r, 6)) {
    case 0:
    case 1:
        if (g->n_nodes)
            return g->nodes[sm_rng_below(e->r, g->n_nodes)].name;
        return "input";
    case 2: return "";
    case 3: return "a.b";
    case 4:
        memset(buf, 'n', cap - 1);
        buf[cap - 1] = '\0';
        return buf;
    default:
        snprintf(buf, cap, "x%u", sm_rng_below(e->r, 4));
        return buf;
    }
}

/* An array as the wire has it: dtype, shape, count, compressed, data. With
 * `consistent` false the count and the shape need not agree. */
static void s_put_array(sm_nir_buf_t *b, uint32_t dtype, const sm_nir_shape_t *shape,
                        uint64_t cnt, uint32_t compressed, const double *v, const char *s)
{
    s_u32(b, dtype);
    s_u32(b, shape->ndim);
    sm_nir_buf_put(b, shape->dim, sizeof shape->dim);
    sm_nir_buf_put(b, &cnt, sizeof cnt);
    s_u32(b, compressed);
    if (dtype == SM_NIR_STR)
        s_str(b, s);
    else if (cnt)
        sm_nir_buf_put(b, v, (size_t)cnt * sizeof *v);
}

static void s_put_field(s_enc_t *e, sm_nir_buf_t *b, const sm_nir_field_t *f, uint32_t *count)
{
    const sm_nir_array_t *a = &f->a;
    sm_rng_t *r = e->r;
    if (!s_hit(e)) {
        (*count)++;
        s_str(b, f->name);
        s_put_array(b, a->dtype, &a->shape, a->n, a->compressed, a->v, a->s);
        return;
    }
    sm_nir_shape_t shape = a->shape;
    uint32_t dtype = a->dtype;
    uint64_t cnt = a->n;
    const char *name = f->name;
    const char *str = a->s;
    double vals[256];
    size_t nv = a->n < 256 ? a->n : 256;
    for (size_t i = 0; i < nv; i++)
        vals[i] = a->v ? a->v[i] : 0;
    const double *v = a->v;
    switch (sm_rng_below(r, 9)) {
    case 0: /* dropped */
        return;
    case 1: /* renamed */
        name = s_field_names[sm_rng_below(r, sizeof s_field_names / sizeof *s_field_names)];
        break;
    case 2: /* another dtype */
        dtype = sm_rng_below(r, 5);
        if (dtype == SM_NIR_STR) {
            static const char *const strs[] = {"same", "valid", "LIF", "", "x"};
            str = strs[sm_rng_below(r, 5)];
        } else if (!v) {
            v = vals;
            cnt = nv = 1;
            vals[0] = 1;
            shape.ndim = 0;
        }
        break;
    case 3: { /* another small shape, the count to match */
        shape.ndim = sm_rng_below(r, 5);
        cnt = 1;
        for (uint32_t d = 0; d < shape.ndim; d++) {
            shape.dim[d] = 1 + sm_rng_below(r, 4);
            cnt *= (uint64_t)shape.dim[d];
        }
        for (size_t i = nv; i < cnt; i++)
            vals[i] = nv ? vals[i % nv] : 1;
        nv = (size_t)cnt;
        v = vals;
        if (dtype == SM_NIR_STR)
            dtype = SM_NIR_F32;
        break;
    }
    case 4: { /* another shape, any dims, the count left as it was */
        static const int64_t dims[] = {1, 2, 3, 4, 8, 16, 34, 0, -1, 1000000000, 4294967297LL,
                                       INT64_MAX};
        shape.ndim = sm_rng_below(r, SM_NIR_MAXDIM + 2);
        for (uint32_t d = 0; d < shape.ndim && d < SM_NIR_MAXDIM; d++)
            shape.dim[d] = dims[sm_rng_below(r, sizeof dims / sizeof *dims)];
        break;
    }
    case 5: /* one value poked */
        if (nv && dtype != SM_NIR_STR) {
            vals[sm_rng_below(r, (uint32_t)nv)] = s_value(r);
            v = vals;
            cnt = nv;
        }
        break;
    case 6: /* emptied */
        cnt = 0;
        shape.ndim = 1;
        shape.dim[0] = 0;
        break;
    case 7: /* a scalar of a special value */
        shape.ndim = 0;
        cnt = 1;
        vals[0] = s_value(r);
        v = vals;
        if (dtype == SM_NIR_STR)
            dtype = SM_NIR_I64;
        break;
    default: /* written twice */
        (*count)++;
        s_str(b, name);
        s_put_array(b, a->dtype, &a->shape, a->n, a->compressed, a->v, a->s);
        break;
    }
    if (dtype != SM_NIR_STR && !v) {
        vals[0] = 1;
        v = vals;
        cnt = nv = 1;
    }
    if (dtype != SM_NIR_STR && v == vals && cnt > nv)
        cnt = nv;
    (*count)++;
    s_str(b, name);
    s_put_array(b, dtype, &shape, cnt, sm_rng_below(r, 8) == 0, v, str);
}

static void s_put_graph(s_enc_t *e, sm_nir_buf_t *b, const sm_nir_graph_t *g);

static void s_put_node(s_enc_t *e, sm_nir_buf_t *b, const sm_nir_node_t *n, uint32_t *count)
{
    sm_rng_t *r = e->r;
    char nbuf[300];
    const char *name = n->name;
    uint32_t type = n->type;
    bool extra = false, twice = false, nest = false;
    if (s_hit(e)) {
        switch (sm_rng_below(r, 7)) {
        case 0: /* dropped (its fields are still counted as sites) */
            for (uint32_t k = 0; k < n->n_fields; k++)
                e->site++;
            return;
        case 1: twice = true; break;
        case 2: /* another type */
            type = sm_rng_below(r, 12) ? sm_rng_below(r, SM_NIR_NTYPES) : SM_NIR_NTYPES;
            if (type == SM_NIR_GRAPH)
                nest = true;
            break;
        case 3: name = s_name(e, nbuf, sizeof nbuf); break;
        case 4: extra = true; break;
        case 5: /* a nested copy of the whole graph */
            type = SM_NIR_GRAPH;
            nest = true;
            break;
        default: break;
        }
    }
    for (int copy = 0; copy < (twice ? 2 : 1); copy++) {
        (*count)++;
        s_str(b, name);
        s_u32(b, type);
        sm_nir_buf_t fb = {0};
        uint32_t nf = 0;
        for (uint32_t k = 0; k < n->n_fields; k++)
            s_put_field(e, &fb, &n->fields[k], &nf);
        if (extra) {
            nf++;
            s_str(&fb, s_field_names[sm_rng_below(r, sizeof s_field_names / sizeof *s_field_names)]);
            sm_nir_shape_t sh = {0};
            double v = s_value(r);
            s_put_array(&fb, SM_NIR_F64, &sh, 1, 0, &v, NULL);
        }
        s_u32(b, nf);
        s_append(b, &fb);
        free(fb.p);
        if (type == SM_NIR_GRAPH) {
            if (nest || !n->sub) {
                if (e->depth < 3) {
                    e->depth++;
                    s_put_graph(e, b, e->top);
                    e->depth--;
                } else {
                    s_u32(b, 0); /* an empty graph: no nodes, no edges */
                    s_u32(b, 0);
                }
            } else {
                s_put_graph(e, b, n->sub);
            }
        }
    }
}

static void s_put_edge(s_enc_t *e, sm_nir_buf_t *b, const sm_nir_edge_t *ed, uint32_t *count)
{
    sm_rng_t *r = e->r;
    char nbuf[300];
    const char *src = ed->src_name, *dst = ed->dst_name;
    if (s_hit(e)) {
        switch (sm_rng_below(r, 6)) {
        case 0: return;
        case 1:
            (*count)++;
            s_str(b, src);
            s_str(b, dst);
            break;
        case 2:
            src = ed->dst_name;
            dst = ed->src_name;
            break;
        case 3:
            if (sm_rng_below(r, 2))
                src = s_name(e, nbuf, sizeof nbuf);
            else
                dst = s_name(e, nbuf, sizeof nbuf);
            break;
        case 4: /* another edge beside it */
            (*count)++;
            s_str(b, s_name(e, nbuf, sizeof nbuf));
            s_str(b, e->top->n_nodes ? e->top->nodes[sm_rng_below(r, e->top->n_nodes)].name : "x");
            break;
        default: /* a self-loop */
            dst = src;
            break;
        }
    }
    (*count)++;
    s_str(b, src);
    s_str(b, dst);
}

static void s_put_graph(s_enc_t *e, sm_nir_buf_t *b, const sm_nir_graph_t *g)
{
    sm_nir_buf_t nb = {0}, eb = {0};
    uint32_t nn = 0, ne = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++)
        s_put_node(e, &nb, &g->nodes[i], &nn);
    for (uint32_t i = 0; i < g->n_edges; i++)
        s_put_edge(e, &eb, &g->edges[i], &ne);
    s_u32(b, nn);
    s_append(b, &nb);
    s_u32(b, ne);
    s_append(b, &eb);
    free(nb.p);
    free(eb.p);
}

static uint32_t s_sites(const sm_nir_graph_t *g)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        n += 1 + g->nodes[i].n_fields;
        if (g->nodes[i].sub)
            n += s_sites(g->nodes[i].sub);
    }
    return n + g->n_edges;
}

/* The wire form of g with 1 to 3 edits. */
static sm_nir_buf_t s_mutant(sm_rng_t *r, const sm_nir_graph_t *g)
{
    s_enc_t e = {.r = r, .top = g};
    uint32_t sites = s_sites(g);
    e.n_hits = 1 + sm_rng_below(r, 3);
    for (uint32_t i = 0; i < e.n_hits; i++)
        e.hits[i] = sm_rng_below(r, sites ? sites : 1);
    sm_nir_buf_t b = {0};
    s_str(&b, g->path);
    s_str(&b, sm_rng_below(r, 16) ? g->version : NULL);
    s_put_graph(&e, &b, g);
    return b;
}

/* ---- the tests ---- */

typedef struct {
    char *name;
    sm_nir_graph_t *g; /* as read: nested, unchecked */
    sm_nir_buf_t wire;
} s_seed_t;

static int s_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every .nir of tests/data/nir, read here (they are sound files). */
static size_t s_seeds(s_seed_t *out, size_t cap)
{
    DIR *d = opendir(T_DATA_DIR "/nir");
    cr_assert(d);
    size_t n = 0;
    struct dirent *de;
    char *names[64];
    size_t nn = 0;
    while ((de = readdir(d)) && nn < 64) {
        size_t l = strlen(de->d_name);
        if (l > 4 && !strcmp(de->d_name + l - 4, ".nir"))
            names[nn++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, nn, sizeof *names, s_cmp_str);
    for (size_t i = 0; i < nn && n < cap; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/nir/%s", T_DATA_DIR, names[i]);
        sm_error_t err;
        sm_nir_graph_t *g = sm_nir_file_read(path, &err);
        cr_assert(g, "%s", err.msg);
        out[n].name = names[i];
        out[n].g = g;
        out[n].wire = (sm_nir_buf_t){0};
        sm_nir_wire_put(&out[n].wire, g);
        cr_assert(!out[n].wire.oom);
        n++;
    }
    return n;
}

static void s_seeds_free(s_seed_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(s[i].name);
        sm_nir_graph_destroy(&s[i].g);
        free(s[i].wire.p);
    }
}

Test(fuzz, nir_wire)
{
    s_seed_t seeds[16];
    size_t ns = s_seeds(seeds, 16);
    cr_assert_geq(ns, 8);
    fz_stats_t st = {0};
    fz_count_into(&st);
    for (size_t k = 0; k < ns; k++) {
        const sm_nir_buf_t *w = &seeds[k].wire;
        fz_keep_seed("nirwire", w->p, w->len);
        /* The seed itself goes through as the parent would take it. */
        unsigned before = st.accepted;
        sm_fuzz_nirwire(w->p, w->len);
        cr_expect_eq(st.accepted, before + 1, "%s: its wire form was refused", seeds[k].name);
        for (uint32_t i = 0; i < fz_n(700); i++) {
            sm_rng_t r = sm_rng_stream(fz_seed(0x31e0 + k), 1, i);
            sm_nir_buf_t b = s_mutant(&r, seeds[k].g);
            cr_assert(!b.oom);
            sm_fuzz_nirwire(b.p, b.len);
            free(b.p);
        }
        size_t cap = w->len + 64;
        uint8_t *buf = malloc(cap);
        for (uint32_t i = 0; i < fz_n(150); i++) {
            sm_rng_t r = sm_rng_stream(fz_seed(0x31e0 + k), 2, i);
            memcpy(buf, w->p, w->len);
            size_t n = w->len;
            uint32_t edits = 1 + sm_rng_below(&r, 3);
            for (uint32_t e = 0; e < edits; e++)
                n = mutate_bytes(&r, buf, n, cap, false);
            sm_fuzz_nirwire(buf, n);
        }
        free(buf);
    }
    fz_count_into(NULL);
    s_seeds_free(seeds, ns);
    fz_report("nirwire", &st, 100, 2000);
}

/* ------------------------------------------- regressions found by fuzzing */

/* One Input node whose shape field has `cnt` values under dims d0 x d1. */
static sm_nir_graph_t *s_one_field(int64_t d0, int64_t d1, size_t cnt, sm_error_t *err)
{
    double v[16];
    for (size_t i = 0; i < 16; i++)
        v[i] = 1;
    sm_nir_field_t f = {.name = (char *)"shape"};
    f.a.dtype = SM_NIR_I64;
    f.a.shape.ndim = 2;
    f.a.shape.dim[0] = d0;
    f.a.shape.dim[1] = d1;
    f.a.n = cnt;
    f.a.v = v;
    sm_nir_node_t n = {.name = (char *)"input", .type = SM_NIR_INPUT, .n_fields = 1, .fields = &f};
    sm_nir_graph_t g = {.path = (char *)"x.nir", .n_nodes = 1, .nodes = &n};
    sm_nir_buf_t b = {0};
    sm_nir_wire_put(&b, &g);
    cr_assert(!b.oom);
    sm_error_clear(err);
    sm_nir_graph_t *back = sm_nir_wire_get(b.p, b.len, err);
    free(b.p);
    return back;
}

Test(fuzz, regression_wire_count_not_its_shape)
{
    /* The decoder took the element count and the dims apart: a field of
     * shape [4, 4] with one value was accepted (every user of the shape
     * then reads 15 values past it), and so were negative dims. */
    sm_error_t err;
    sm_nir_graph_t *g = s_one_field(4, 4, 16, &err);
    cr_expect_not_null(g, "%s", err.msg);
    sm_nir_graph_destroy(&g);
    g = s_one_field(4, 4, 1, &err);
    cr_expect_null(g, "a count that is not the shape's was accepted");
    cr_expect(strstr(err.msg, "malformed graph"), "%s", err.msg);
    sm_nir_graph_destroy(&g);
    g = s_one_field(-4, -4, 16, &err);
    cr_expect_null(g, "negative dims were accepted");
    sm_nir_graph_destroy(&g);
    g = s_one_field(INT64_MAX, 4, 4, &err);
    cr_expect_null(g, "dims whose product overflows were accepted");
    sm_nir_graph_destroy(&g);
}

#endif
