/* nircheck: what a loaded NIR graph guarantees (nir.h, sm_nir_load), and
 * the calls `spikemesh nir info` makes on one, for the NIR fuzz targets. */
#include "nircheck.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int s_cmp_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const char *s_array(const sm_nir_array_t *a)
{
    if (a->shape.ndim > SM_NIR_MAXDIM)
        return "a field with more than SM_NIR_MAXDIM dimensions";
    if (a->dtype > SM_NIR_STR)
        return "a field of an unknown dtype";
    if (a->dtype == SM_NIR_STR)
        return a->s ? NULL : "a string field without its string";
    if (!a->v)
        return "a numeric field without values";
    uint64_t n = 1;
    for (uint32_t d = 0; d < a->shape.ndim; d++) {
        if (a->shape.dim[d] < 0)
            return "a field with a negative dimension";
        if (a->shape.dim[d] && n > UINT64_MAX / (uint64_t)a->shape.dim[d])
            return "a field whose shape overflows";
        n *= (uint64_t)a->shape.dim[d];
    }
    if (n != a->n)
        return "a field whose element count is not that of its shape";
    for (size_t i = 0; i < a->n; i++)
        if (!isfinite(a->v[i]))
            return "a checked field with a value that is not finite";
    return NULL;
}

static const char *s_shape(const sm_nir_shape_t *s)
{
    if (s->ndim > SM_NIR_MAXDIM)
        return "a shape with more than SM_NIR_MAXDIM dimensions";
    for (uint32_t d = 0; d < s->ndim; d++)
        if (s->dim[d] < 1)
            return "a shape with a dimension < 1";
    return NULL;
}

const char *nir_invariants(const sm_nir_graph_t *g)
{
    if (!g->flat || !g->analysed || !g->order)
        return "not flat and analysed";
    if (g->n_nodes == 0 || !g->nodes)
        return "no nodes";
    uint32_t n = g->n_nodes;
    const char *why = NULL;
    uint8_t *seen = calloc(n, 1);
    const char **names = malloc(n * sizeof *names);
    if (!seen || !names) {
        free(seen);
        free(names);
        return NULL; /* nothing to say about it without memory */
    }
    for (uint32_t k = 0; k < n && !why; k++) {
        uint32_t o = g->order[k];
        if (o >= n || seen[o])
            why = "the order is not a permutation of the nodes";
        else if (g->nodes[o].topo != k)
            why = "a node's topo is not its place in the order";
        else
            seen[o] = 1;
    }
    for (uint32_t i = 0; i < n && !why; i++) {
        const sm_nir_node_t *nd = &g->nodes[i];
        names[i] = nd->name;
        if (!nd->name)
            why = "a node without a name";
        else if (nd->type >= SM_NIR_NTYPES || nd->type == SM_NIR_GRAPH || nd->sub)
            why = "a node of type NIRGraph (or none) in a flat graph";
        else if (!(why = s_shape(&nd->in_shape)))
            why = s_shape(&nd->out_shape);
        for (uint32_t f = 0; f < nd->n_fields && !why; f++) {
            if (!nd->fields[f].name)
                why = "a field without a name";
            else if (nd->fields[f].used)
                why = s_array(&nd->fields[f].a);
        }
    }
    if (!why) {
        qsort(names, n, sizeof *names, s_cmp_name);
        for (uint32_t i = 1; i < n && !why; i++)
            if (!strcmp(names[i - 1], names[i]))
                why = "two nodes of the same name";
    }
    for (uint32_t e = 0; e < g->n_edges && !why; e++) {
        const sm_nir_edge_t *ed = &g->edges[e];
        if (ed->src >= n || ed->dst >= n)
            why = "an edge to a node that is not there";
        else if (!ed->recurrent && g->nodes[ed->src].topo >= g->nodes[ed->dst].topo)
            why = "a forward edge against the order";
        else if (g->nodes[ed->dst].type == SM_NIR_INPUT && !g->nodes[ed->dst].port)
            why = "an edge into an Input node";
    }
    free(seen);
    free(names);
    return why;
}

/* The recovered constants of a neuron node's time constants, as `nir info`
 * prints them. */
static void s_derived(const sm_nir_node_t *n)
{
    static const char *const taus[] = {"tau", "tau_mem", "tau_syn"};
    for (size_t k = 0; k < sizeof taus / sizeof taus[0]; k++) {
        const sm_nir_array_t *tau = sm_nir_field(n, taus[k]);
        if (!tau || tau->dtype == SM_NIR_STR)
            continue;
        volatile float sink = 0;
        for (size_t i = 0; i < tau->n && i < 64; i++)
            sink += sm_nir_snntorch_decay(tau, i, 1e-4) + sm_nir_norse_inv(tau, i) +
                    sm_nir_sinabs_decay(tau, i);
        (void)sink;
    }
}

const char *nir_exercise(const sm_nir_graph_t *g)
{
    sm_error_t err;
    sm_error_clear(&err);
    char buf[96];
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        const sm_nir_node_t *n = &g->nodes[i];
        sm_nir_shape_str(&n->in_shape, buf, sizeof buf);
        sm_nir_shape_str(&n->out_shape, buf, sizeof buf);
        for (int f = 0; f < SM_NIR_NFLAVORS; f++) {
            sm_nir_target_t t = sm_nir_target(n, (sm_nir_flavor_t)f);
            if (t.role > SM_NIR_ROLE_REFUSED)
                return "a target of no known role";
            if (t.role == SM_NIR_ROLE_REFUSED ? !t.note : !t.model)
                return "a target without its model (or a refusal without a note)";
        }
        (void)sm_nir_expanded_synapses(n);
        (void)sm_nir_stored_weights(n);
        if (sm_nir_is_neuron(n->type))
            s_derived(n);
    }
    /* Conventions that name no node fit every graph. */
    for (int f = 0; f < SM_NIR_NFLAVORS; f++) {
        sm_nir_side_t *s = sm_nir_side_defaults((sm_nir_flavor_t)f, &err);
        if (!s)
            return "no default conventions";
        int rc = sm_nir_side_check(s, g, &err);
        for (uint32_t i = 0; i < g->n_nodes; i++)
            (void)sm_nir_side_conv(s, g->nodes[i].name);
        sm_nir_side_destroy(&s);
        if (rc < 0)
            return "default conventions refused";
    }
    return NULL;
}
