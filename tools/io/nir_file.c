/* nir_file: the walk over a .nir file's HDF5 groups, into a graph whose
 * nodes hold their datasets as read (nothing checked yet but what HDF5
 * itself refuses). The layout (nir's serialization.py): /version, and /node,
 * the top NIRGraph, a group with `type`, `edges` (E x 2 strings) and
 * `nodes/<name>/` with one dataset per field. It runs in the reader process
 * of nir.c. */
#include <stdlib.h>
#include <string.h>

#include "nir_h5.h"
#include "nir_int.h"

/* Deeper nesting than this is taken for a group linked into itself. */
#define S_MAX_DEPTH 16

typedef struct {
    const char *file;
    sm_error_t *err;
} s_ctx_t;

static sm_nir_graph_t *s_read_graph(const s_ctx_t *cx, hid_t grp, const char *where,
                                    uint32_t depth);

/* Reads the scalar string dataset `name`; NULL with err set if absent or
 * not a string. */
static char *s_read_str(const s_ctx_t *cx, hid_t grp, const char *name, const char *where)
{
    sm_nir_array_t a;
    if (sm_nir_h5_read(grp, name, &a, cx->err) < 0) {
        sm_error_prefix(cx->err, "%s: %s: dataset '%s': ", cx->file, where, name);
        return NULL;
    }
    if (a.dtype != SM_NIR_STR) {
        sm_nir_array_fini(&a);
        sm_fail(cx->err, SM_EPARSE, "%s: %s: dataset '%s': expected a string", cx->file, where,
                name);
        return NULL;
    }
    free(a.v);
    return a.s;
}

static int s_read_fields(const s_ctx_t *cx, hid_t grp, sm_nir_node_t *n)
{
    char **names;
    sm_nir_h5_kind_t *kinds;
    uint32_t cnt;
    if (sm_nir_h5_list(grp, &names, &kinds, &cnt, cx->err) < 0) {
        sm_error_prefix(cx->err, "%s: node '%s': ", cx->file, n->name);
        return -1;
    }
    int rc = 0;
    n->fields = calloc(cnt ? cnt : 1, sizeof *n->fields);
    if (!n->fields)
        rc = sm_fail(cx->err, SM_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < cnt && rc == 0; i++) {
        /* `type` is the node's class; groups are metadata (ignored). */
        if (kinds[i] != SM_NIR_H5_DATASET || !strcmp(names[i], "type"))
            continue;
        sm_nir_field_t *f = &n->fields[n->n_fields];
        if (sm_nir_h5_read(grp, names[i], &f->a, cx->err) < 0) {
            sm_error_prefix(cx->err, "%s: node '%s' (%s): field '%s': ", cx->file, n->name,
                            sm_nir_type_name(n->type), names[i]);
            rc = -1;
            break;
        }
        f->name = names[i];
        names[i] = NULL;
        n->n_fields++;
    }
    for (uint32_t i = 0; i < cnt; i++)
        free(names[i]);
    free(names);
    free(kinds);
    return rc;
}

static int s_read_node(const s_ctx_t *cx, hid_t grp, sm_nir_node_t *n, const char *where,
                       uint32_t depth)
{
    if (sm_nir_h5_kind(grp, "type") != SM_NIR_H5_DATASET)
        return sm_fail(cx->err, SM_EPARSE, "%s: node '%s': missing dataset 'type' (the node's "
                       "class name)", cx->file, n->name);
    char *type = s_read_str(cx, grp, "type", where);
    if (!type)
        return -1;
    n->type = sm_nir_type_from_name(type);
    if (n->type == SM_NIR_NTYPES) {
        sm_fail(cx->err, SM_EUNSUPPORTED, "%s: node '%s': unknown node type '%s' (supported: "
                "Input, Output, Affine, Linear, Scale, Conv1d, Conv2d, SumPool2d, AvgPool2d, "
                "Flatten, Delay, Threshold, I, IF, LI, LIF, CubaLI, CubaLIF, NIRGraph)",
                cx->file, n->name, type);
        free(type);
        return -1;
    }
    free(type);
    if (n->type == SM_NIR_GRAPH) {
        n->sub = s_read_graph(cx, grp, n->name, depth + 1);
        return n->sub ? 0 : -1;
    }
    return s_read_fields(cx, grp, n);
}

static int s_read_edges(const s_ctx_t *cx, hid_t grp, sm_nir_graph_t *g, const char *where)
{
    if (sm_nir_h5_kind(grp, "edges") != SM_NIR_H5_DATASET)
        return sm_fail(cx->err, SM_EPARSE, "%s: %s: missing dataset 'edges'", cx->file, where);
    char **strs;
    size_t n;
    sm_nir_shape_t shape;
    if (sm_nir_h5_read_strings(grp, "edges", &strs, &n, &shape, cx->err) < 0) {
        sm_error_prefix(cx->err, "%s: %s: dataset 'edges': ", cx->file, where);
        return -1;
    }
    int rc = 0;
    if (n && (shape.ndim != 2 || shape.dim[1] != 2)) {
        char sb[96];
        rc = sm_fail(cx->err, SM_EPARSE, "%s: %s: dataset 'edges': expected shape [E,2] "
                     "(source, destination), got %s", cx->file, where,
                     sm_nir_shape_str(&shape, sb, sizeof sb));
    }
    if (rc == 0 && n) {
        g->edges = calloc(n / 2, sizeof *g->edges);
        if (!g->edges)
            rc = sm_fail(cx->err, SM_ENOMEM, "out of memory");
    }
    for (size_t e = 0; rc == 0 && e < n / 2; e++) {
        g->edges[e].src_name = strs[2 * e];
        g->edges[e].dst_name = strs[2 * e + 1];
        strs[2 * e] = strs[2 * e + 1] = NULL;
        g->n_edges++;
    }
    for (size_t i = 0; i < n; i++)
        free(strs[i]);
    free(strs);
    return rc;
}

static sm_nir_graph_t *s_read_graph(const s_ctx_t *cx, hid_t grp, const char *where,
                                    uint32_t depth)
{
    if (depth > S_MAX_DEPTH) {
        sm_fail(cx->err, SM_EPARSE, "%s: %s: graphs nested more than %d deep (a group linked "
                "into itself?)", cx->file, where, S_MAX_DEPTH);
        return NULL;
    }
    sm_nir_graph_t *g = calloc(1, sizeof *g);
    if (!g) {
        sm_fail(cx->err, SM_ENOMEM, "out of memory");
        return NULL;
    }
    if (sm_nir_h5_kind(grp, "type") == SM_NIR_H5_DATASET) {
        char *type = s_read_str(cx, grp, "type", where);
        if (!type)
            goto fail;
        if (strcmp(type, "NIRGraph")) {
            sm_fail(cx->err, SM_EPARSE, "%s: %s: type is '%s', expected 'NIRGraph'", cx->file,
                    where, type);
            free(type);
            goto fail;
        }
        free(type);
    }
    if (sm_nir_h5_kind(grp, "nodes") != SM_NIR_H5_GROUP) {
        sm_fail(cx->err, SM_EPARSE, "%s: %s: missing group 'nodes'", cx->file, where);
        goto fail;
    }
    hid_t ng = H5Gopen2(grp, "nodes", H5P_DEFAULT);
    if (ng < 0) {
        sm_fail(cx->err, SM_EPARSE, "%s: %s: group 'nodes' cannot be opened, corrupt file",
                cx->file, where);
        goto fail;
    }
    char **names;
    sm_nir_h5_kind_t *kinds;
    uint32_t cnt;
    if (sm_nir_h5_list(ng, &names, &kinds, &cnt, cx->err) < 0) {
        sm_error_prefix(cx->err, "%s: %s: nodes: ", cx->file, where);
        H5Gclose(ng);
        goto fail;
    }
    g->nodes = calloc(cnt ? cnt : 1, sizeof *g->nodes);
    int rc = g->nodes ? 0 : sm_fail(cx->err, SM_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < cnt && rc == 0; i++) {
        sm_nir_node_t *n = &g->nodes[g->n_nodes];
        n->name = names[i];
        names[i] = NULL;
        g->n_nodes++;
        if (kinds[i] != SM_NIR_H5_GROUP) {
            rc = sm_fail(cx->err, SM_EPARSE, "%s: node '%s': expected a group (one per node)",
                         cx->file, n->name);
            break;
        }
        hid_t nd = H5Gopen2(ng, n->name, H5P_DEFAULT);
        if (nd < 0) {
            rc = sm_fail(cx->err, SM_EPARSE, "%s: node '%s': group cannot be opened, corrupt "
                         "file", cx->file, n->name);
            break;
        }
        rc = s_read_node(cx, nd, n, n->name, depth);
        H5Gclose(nd);
    }
    for (uint32_t i = 0; i < cnt; i++)
        free(names[i]);
    free(names);
    free(kinds);
    H5Gclose(ng);
    if (rc < 0 || s_read_edges(cx, grp, g, where) < 0)
        goto fail;
    return g;
fail:
    sm_nir_graph_destroy(&g);
    return NULL;
}

sm_nir_graph_t *sm_nir_file_read(const char *path, sm_error_t *err)
{
    sm_nir_h5_quiet_t q;
    sm_nir_h5_quiet_begin(&q);
    s_ctx_t cx = {path, err};
    sm_nir_graph_t *g = NULL;
    char *version = NULL;
    hid_t f = sm_nir_h5_open(path, err);
    if (f < 0)
        goto out;
    if (sm_nir_h5_kind(f, "version") == SM_NIR_H5_DATASET) {
        sm_nir_array_t a;
        /* The version is informative only: an unreadable one is not fatal. */
        if (sm_nir_h5_read(f, "version", &a, NULL) == 0) {
            version = a.s;
            free(a.v);
        }
    }
    if (sm_nir_h5_kind(f, "node") != SM_NIR_H5_GROUP) {
        sm_fail(err, SM_EPARSE, "%s: no group /node (the graph of a .nir file)", path);
        goto out;
    }
    hid_t root = H5Gopen2(f, "node", H5P_DEFAULT);
    if (root < 0) {
        sm_fail(err, SM_EPARSE, "%s: group /node cannot be opened, corrupt file", path);
        goto out;
    }
    g = s_read_graph(&cx, root, "graph", 0);
    H5Gclose(root);
    if (g) {
        g->path = strdup(path);
        g->version = version;
        version = NULL;
        if (!g->path) {
            sm_nir_graph_destroy(&g);
            sm_fail(err, SM_ENOMEM, "out of memory");
        }
    }
out:
    free(version);
    if (f >= 0)
        H5Fclose(f);
    sm_nir_h5_quiet_end(&q);
    return g;
}
