/* nir_graph: a NIR graph as a whole: inlining nested graphs, resolving
 * edges, the topological order and its recurrent edges, cycles without a
 * neuron, shape inference along the edges. */
#include <stdlib.h>
#include <string.h>

#include "nir_int.h"

void sm_nir_array_fini(sm_nir_array_t *a)
{
    free(a->v);
    free(a->s);
    a->v = NULL;
    a->s = NULL;
}

void sm_nir_node_fini(sm_nir_node_t *n)
{
    for (uint32_t i = 0; i < n->n_fields; i++) {
        free(n->fields[i].name);
        sm_nir_array_fini(&n->fields[i].a);
    }
    free(n->fields);
    free(n->name);
    sm_nir_graph_destroy(&n->sub);
    memset(n, 0, sizeof *n);
}

void sm_nir_graph_destroy(sm_nir_graph_t **g_p)
{
    if (!g_p || !*g_p)
        return;
    sm_nir_graph_t *g = *g_p;
    for (uint32_t i = 0; i < g->n_nodes; i++)
        sm_nir_node_fini(&g->nodes[i]);
    for (uint32_t i = 0; i < g->n_edges; i++) {
        free(g->edges[i].src_name);
        free(g->edges[i].dst_name);
    }
    free(g->nodes);
    free(g->edges);
    free(g->order);
    free(g->path);
    free(g->version);
    free(g);
    *g_p = NULL;
}

int32_t sm_nir_find(const sm_nir_graph_t *g, const char *name)
{
    for (uint32_t i = 0; i < g->n_nodes; i++)
        if (!strcmp(g->nodes[i].name, name))
            return (int32_t)i;
    return -1;
}

/* ------------------------------------------------------------- inlining */

static char *s_join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 2);
    if (s) {
        memcpy(s, a, la);
        s[la] = '.';
        memcpy(s + la + 1, b, lb + 1);
    }
    return s;
}

/* The only node of `type` in g, or NULL (none, or several). */
static const sm_nir_node_t *s_sole(const sm_nir_graph_t *g, sm_nir_type_t type, uint32_t *count)
{
    const sm_nir_node_t *one = NULL;
    *count = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].type == type && !g->nodes[i].port) {
            one = &g->nodes[i];
            (*count)++;
        }
    return *count == 1 ? one : NULL;
}

/* Rewrites an edge end naming graph node `gname` to its sole port. */
static int s_port(char **end, const char *gname, const sm_nir_graph_t *sub, sm_nir_type_t type,
                  sm_error_t *err)
{
    if (strcmp(*end, gname))
        return 0;
    uint32_t count;
    const sm_nir_node_t *p = s_sole(sub, type, &count);
    if (!p)
        return sm_fail(err, SM_EPARSE, "an edge %s nested graph '%s', which has %u %s nodes "
                       "(name one: '%s.<node>')", type == SM_NIR_INPUT ? "enters" : "leaves",
                       gname, count, sm_nir_type_name(type), gname);
    char *s = s_join(gname, p->name);
    if (!s)
        return sm_fail(err, SM_ENOMEM, "out of memory");
    free(*end);
    *end = s;
    return 0;
}

int sm_nir_flatten(sm_nir_graph_t *g, sm_error_t *err)
{
    uint32_t i = 0;
    while (i < g->n_nodes) {
        if (g->nodes[i].type != SM_NIR_GRAPH) {
            i++;
            continue;
        }
        sm_nir_graph_t *sub = g->nodes[i].sub;
        uint32_t sn = sub->n_nodes;
        if (sm_nir_flatten(sub, err) < 0) {
            sm_error_prefix(err, "in nested graph '%s': ", g->nodes[i].name);
            return -1;
        }
        const char *gname = g->nodes[i].name;
        for (uint32_t e = 0; e < g->n_edges; e++)
            if (s_port(&g->edges[e].dst_name, gname, sub, SM_NIR_INPUT, err) < 0 ||
                s_port(&g->edges[e].src_name, gname, sub, SM_NIR_OUTPUT, err) < 0)
                return -1;
        /* Make room: node i is replaced by sub's nodes, sub's edges appended. */
        uint32_t nn = g->n_nodes - 1 + sub->n_nodes, ne = g->n_edges + sub->n_edges;
        sm_nir_node_t *nodes = malloc((nn ? nn : 1) * sizeof *nodes);
        sm_nir_edge_t *edges = realloc(g->edges, (ne ? ne : 1) * sizeof *edges);
        if (!nodes || !edges) {
            free(nodes);
            if (edges)
                g->edges = edges;
            return sm_fail(err, SM_ENOMEM, "out of memory");
        }
        g->edges = edges;
        for (uint32_t k = 0; k < sub->n_nodes; k++) {
            char *s = s_join(gname, sub->nodes[k].name);
            if (!s) {
                free(nodes);
                return sm_fail(err, SM_ENOMEM, "out of memory");
            }
            free(sub->nodes[k].name);
            sub->nodes[k].name = s;
        }
        for (uint32_t k = 0; k < sub->n_edges; k++) {
            char *a = s_join(gname, sub->edges[k].src_name);
            char *b = s_join(gname, sub->edges[k].dst_name);
            if (!a || !b) {
                free(a);
                free(b);
                free(nodes);
                return sm_fail(err, SM_ENOMEM, "out of memory");
            }
            free(sub->edges[k].src_name);
            free(sub->edges[k].dst_name);
            sub->edges[k].src_name = a;
            sub->edges[k].dst_name = b;
            g->edges[g->n_edges + k] = sub->edges[k];
        }
        uint32_t at = 0;
        for (uint32_t k = 0; k < i; k++)
            nodes[at++] = g->nodes[k];
        for (uint32_t k = 0; k < sub->n_nodes; k++) {
            nodes[at] = sub->nodes[k];
            nodes[at].depth++;
            if (nodes[at].type == SM_NIR_INPUT || nodes[at].type == SM_NIR_OUTPUT)
                nodes[at].port = true;
            at++;
        }
        for (uint32_t k = i + 1; k < g->n_nodes; k++)
            nodes[at++] = g->nodes[k];
        /* The moved nodes and edges now belong to g. */
        free(sub->nodes);
        free(sub->edges);
        sub->nodes = NULL;
        sub->edges = NULL;
        sub->n_nodes = sub->n_edges = 0;
        sm_nir_node_fini(&g->nodes[i]);
        free(g->nodes);
        g->nodes = nodes;
        g->n_nodes = nn;
        g->n_edges = ne;
        i += sn; /* the inlined nodes are flat already */
    }
    for (uint32_t i = 0; i < g->n_nodes; i++)
        for (uint32_t j = i + 1; j < g->n_nodes; j++)
            if (!strcmp(g->nodes[i].name, g->nodes[j].name))
                return sm_fail(err, SM_EPARSE, "two nodes are named '%s' once nested graphs "
                               "are inlined", g->nodes[i].name);
    g->flat = true;
    return 0;
}

/* -------------------------------------------------------------- analysis */

typedef struct {
    uint32_t *off;   /* n + 1 offsets into idx                  */
    uint32_t *idx;   /* edge indices, out-edges of each node    */
} s_adj_t;

/* Out-edges of each node, ordered by destination name, so that the order
 * (and which edge closes a cycle) does not depend on the file's edge order. */
static int s_adj_build(const sm_nir_graph_t *g, s_adj_t *adj, sm_error_t *err)
{
    uint32_t n = g->n_nodes;
    adj->off = calloc(n + 1, sizeof *adj->off);
    adj->idx = malloc((g->n_edges ? g->n_edges : 1) * sizeof *adj->idx);
    if (!adj->off || !adj->idx)
        return sm_fail(err, SM_ENOMEM, "out of memory");
    for (uint32_t e = 0; e < g->n_edges; e++)
        adj->off[g->edges[e].src + 1]++;
    for (uint32_t i = 0; i < n; i++)
        adj->off[i + 1] += adj->off[i];
    uint32_t *fill = calloc(n ? n : 1, sizeof *fill);
    if (!fill)
        return sm_fail(err, SM_ENOMEM, "out of memory");
    for (uint32_t e = 0; e < g->n_edges; e++) {
        uint32_t s = g->edges[e].src;
        adj->idx[adj->off[s] + fill[s]++] = e;
    }
    free(fill);
    for (uint32_t i = 0; i < n; i++) {
        /* Insertion sort: fan-outs are small. */
        for (uint32_t a = adj->off[i] + 1; a < adj->off[i + 1]; a++) {
            uint32_t e = adj->idx[a], b = a;
            while (b > adj->off[i] &&
                   strcmp(g->nodes[g->edges[adj->idx[b - 1]].dst].name,
                          g->nodes[g->edges[e].dst].name) > 0) {
                adj->idx[b] = adj->idx[b - 1];
                b--;
            }
            adj->idx[b] = e;
        }
    }
    return 0;
}

static void s_adj_free(s_adj_t *adj)
{
    free(adj->off);
    free(adj->idx);
}

static int s_resolve(sm_nir_graph_t *g, sm_error_t *err)
{
    for (uint32_t e = 0; e < g->n_edges; e++) {
        sm_nir_edge_t *ed = &g->edges[e];
        int32_t s = sm_nir_find(g, ed->src_name), d = sm_nir_find(g, ed->dst_name);
        if (s < 0 || d < 0)
            return sm_fail(err, SM_EPARSE, "edge %s -> %s: no node named '%s'", ed->src_name,
                           ed->dst_name, s < 0 ? ed->src_name : ed->dst_name);
        ed->src = (uint32_t)s;
        ed->dst = (uint32_t)d;
        ed->recurrent = false;
        const sm_nir_node_t *sn = &g->nodes[s], *dn = &g->nodes[d];
        if (dn->type == SM_NIR_INPUT && !dn->port)
            return sm_fail(err, SM_EPARSE, "edge %s -> %s: an Input node takes no edges",
                           ed->src_name, ed->dst_name);
        if (sn->type == SM_NIR_OUTPUT && !sn->port)
            return sm_fail(err, SM_EPARSE, "edge %s -> %s: an Output node sends no edges",
                           ed->src_name, ed->dst_name);
        for (uint32_t f = 0; f < e; f++)
            if (g->edges[f].src == ed->src && g->edges[f].dst == ed->dst)
                return sm_fail(err, SM_EPARSE, "edge %s -> %s is listed twice", ed->src_name,
                               ed->dst_name);
    }
    return 0;
}

/* Depth-first from the Input nodes (then from any node not reached), in
 * name order: an edge to a node still on the path closes a cycle and is
 * marked recurrent. This is the order the libraries run a step in: the node
 * reached first from the input runs first, and the edge back to it carries
 * the previous step's value. */
static int s_mark_recurrent(sm_nir_graph_t *g, const s_adj_t *adj, sm_error_t *err)
{
    uint32_t n = g->n_nodes;
    uint8_t *state = calloc(n ? n : 1, 1); /* 0 new, 1 on path, 2 done */
    uint32_t *stack = malloc((n ? n : 1) * sizeof *stack), *pos = malloc((n ? n : 1) * sizeof *pos);
    uint32_t *roots = malloc((n ? n : 1) * sizeof *roots);
    if (!state || !stack || !pos || !roots) {
        free(state);
        free(stack);
        free(pos);
        free(roots);
        return sm_fail(err, SM_ENOMEM, "out of memory");
    }
    uint32_t nr = 0;
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t i = 0; i < n; i++)
            if ((g->nodes[i].type == SM_NIR_INPUT && !g->nodes[i].port) == (pass == 0))
                roots[nr++] = i;
    for (uint32_t r = 0; r < nr; r++) {
        if (state[roots[r]])
            continue;
        uint32_t sp = 0;
        stack[sp] = roots[r];
        pos[sp++] = adj->off[roots[r]];
        state[roots[r]] = 1;
        while (sp) {
            uint32_t u = stack[sp - 1];
            if (pos[sp - 1] == adj->off[u + 1]) {
                state[u] = 2;
                sp--;
                continue;
            }
            uint32_t e = adj->idx[pos[sp - 1]++];
            uint32_t v = g->edges[e].dst;
            if (state[v] == 1) {
                g->edges[e].recurrent = true;
            } else if (state[v] == 0) {
                state[v] = 1;
                stack[sp] = v;
                pos[sp++] = adj->off[v];
            }
        }
    }
    free(state);
    free(stack);
    free(pos);
    free(roots);
    return 0;
}

/* A cycle through non-neuron nodes only would need a value before it is
 * computed: refused, naming the nodes on it. */
static int s_check_cycles(const sm_nir_graph_t *g, const s_adj_t *adj, sm_error_t *err)
{
    uint32_t n = g->n_nodes;
    uint8_t *state = calloc(n ? n : 1, 1);
    uint32_t *stack = malloc((n ? n : 1) * sizeof *stack), *pos = malloc((n ? n : 1) * sizeof *pos);
    if (!state || !stack || !pos) {
        free(state);
        free(stack);
        free(pos);
        return sm_fail(err, SM_ENOMEM, "out of memory");
    }
    int rc = 0;
    for (uint32_t r = 0; r < n && rc == 0; r++) {
        if (state[r] || sm_nir_is_neuron(g->nodes[r].type))
            continue;
        uint32_t sp = 0;
        stack[sp] = r;
        pos[sp++] = adj->off[r];
        state[r] = 1;
        while (sp && rc == 0) {
            uint32_t u = stack[sp - 1];
            if (pos[sp - 1] == adj->off[u + 1]) {
                state[u] = 2;
                sp--;
                continue;
            }
            uint32_t v = g->edges[adj->idx[pos[sp - 1]++]].dst;
            if (sm_nir_is_neuron(g->nodes[v].type))
                continue;
            if (state[v] == 1) {
                char path[600];
                size_t at = 0;
                uint32_t k = 0;
                while (stack[k] != v)
                    k++;
                for (; k < sp && at < sizeof path; k++)
                    at += (size_t)snprintf(path + at, sizeof path - at, "%s -> ",
                                           g->nodes[stack[k]].name);
                if (at < sizeof path)
                    snprintf(path + at, sizeof path - at, "%s", g->nodes[v].name);
                rc = sm_fail(err, SM_ECYCLE, "cycle %s has no neuron on it (a recurrent "
                             "connection must pass through a neuron layer)", path);
            } else if (state[v] == 0) {
                state[v] = 1;
                stack[sp] = v;
                pos[sp++] = adj->off[v];
            }
        }
    }
    free(state);
    free(stack);
    free(pos);
    return rc;
}

/* Kahn's algorithm over the edges that are not recurrent; among ready
 * nodes the Inputs go first, then file (name) order. */
static int s_order(sm_nir_graph_t *g, sm_error_t *err)
{
    uint32_t n = g->n_nodes;
    uint32_t *indeg = calloc(n ? n : 1, sizeof *indeg);
    uint8_t *done = calloc(n ? n : 1, 1);
    g->order = malloc((n ? n : 1) * sizeof *g->order);
    if (!indeg || !done || !g->order) {
        free(indeg);
        free(done);
        return sm_fail(err, SM_ENOMEM, "out of memory");
    }
    for (uint32_t e = 0; e < g->n_edges; e++)
        if (!g->edges[e].recurrent)
            indeg[g->edges[e].dst]++;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t pick = n;
        for (uint32_t i = 0; i < n; i++) {
            if (done[i] || indeg[i])
                continue;
            if (pick == n || (g->nodes[i].type == SM_NIR_INPUT && !g->nodes[i].port &&
                              g->nodes[pick].type != SM_NIR_INPUT))
                pick = i;
        }
        if (pick == n) {
            free(indeg);
            free(done);
            return sm_fail(err, SM_EINVAL, "internal: graph not ordered");
        }
        done[pick] = 1;
        g->order[k] = pick;
        g->nodes[pick].topo = k;
        for (uint32_t e = 0; e < g->n_edges; e++)
            if (g->edges[e].src == pick && !g->edges[e].recurrent)
                indeg[g->edges[e].dst]--;
    }
    free(indeg);
    free(done);
    return 0;
}

static int s_shapes(sm_nir_graph_t *g, sm_error_t *err)
{
    char s1[96], s2[96];
    for (uint32_t k = 0; k < g->n_nodes; k++) {
        sm_nir_node_t *n = &g->nodes[g->order[k]];
        const sm_nir_shape_t *in = NULL;
        const char *from = NULL;
        for (uint32_t e = 0; e < g->n_edges; e++) {
            const sm_nir_edge_t *ed = &g->edges[e];
            if (ed->dst != g->order[k] || ed->recurrent)
                continue;
            const sm_nir_shape_t *s = &g->nodes[ed->src].out_shape;
            if (in && sm_nir_shape_size(in) != sm_nir_shape_size(s))
                return sm_fail(err, SM_EPARSE, "node '%s' (%s): its inputs differ in size: %s "
                               "from '%s', %s from '%s' (inputs are summed)", n->name,
                               sm_nir_type_name(n->type), sm_nir_shape_str(in, s1, sizeof s1),
                               from, sm_nir_shape_str(s, s2, sizeof s2),
                               g->nodes[ed->src].name);
            if (!in) {
                in = s;
                from = g->nodes[ed->src].name;
            }
        }
        if (sm_nir_node_infer(n, in, err) < 0)
            return -1;
    }
    for (uint32_t e = 0; e < g->n_edges; e++) {
        const sm_nir_edge_t *ed = &g->edges[e];
        const sm_nir_node_t *s = &g->nodes[ed->src], *d = &g->nodes[ed->dst];
        if (ed->recurrent && sm_nir_shape_size(&s->out_shape) != sm_nir_shape_size(&d->in_shape))
            return sm_fail(err, SM_EPARSE, "recurrent edge %s -> %s: '%s' sends %s but '%s' "
                           "takes %s", s->name, d->name, s->name,
                           sm_nir_shape_str(&s->out_shape, s1, sizeof s1), d->name,
                           sm_nir_shape_str(&d->in_shape, s2, sizeof s2));
    }
    return 0;
}

int sm_nir_analyse(sm_nir_graph_t *g, sm_error_t *err)
{
    if (!g->flat)
        return sm_fail(err, SM_EINVAL, "graph has nested graphs (call sm_nir_flatten first)");
    uint32_t inputs = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++)
        inputs += g->nodes[i].type == SM_NIR_INPUT && !g->nodes[i].port;
    if (!inputs)
        return sm_fail(err, SM_EPARSE, "the graph has no Input node");
    free(g->order);
    g->order = NULL;
    s_adj_t adj = {0};
    int rc = -1;
    if (s_resolve(g, err) < 0 || s_adj_build(g, &adj, err) < 0 ||
        s_check_cycles(g, &adj, err) < 0 || s_mark_recurrent(g, &adj, err) < 0 ||
        s_order(g, err) < 0 || s_shapes(g, err) < 0)
        goto out;
    g->analysed = true;
    rc = 0;
out:
    s_adj_free(&adj);
    return rc;
}
