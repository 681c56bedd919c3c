/* nir_compile: a NIR graph onto a network (see nir_compile.h): populations
 * for the Input and the neuron nodes, the connection nodes through
 * nir_chain.c, the neuron models through nir_models.c, and the spike
 * tensor that drives the Input. */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nir_compile_int.h"
#include "validate.h"

void sm_nir_net_destroy(sm_nir_net_t **nn_p)
{
    if (!nn_p || !*nn_p)
        return;
    sm_nir_net_t *nn = *nn_p;
    sm_net_destroy(&nn->net);
    free(nn->layers);
    free(nn->projs);
    sm_nir_graph_destroy(&nn->own_graph);
    sm_nir_side_destroy(&nn->own_side);
    free(nn);
    *nn_p = NULL;
}

sm_nir_net_t *sm_nir_net_load(const char *path, const char *conventions, const char *flavor,
                              sm_error_t *err)
{
    if (!conventions && !flavor) {
        sm_fail(err, SM_EINVAL, "%s: a NIR file does not say which library wrote it: give "
                "--nir-flavor snntorch|norse|sinabs or --nir-conventions SIDE.json", path);
        return NULL;
    }
    sm_nir_side_t *side = NULL;
    sm_nir_flavor_t f = SM_NIR_FLAVOR_SNNTORCH;
    if (conventions) {
        if (!(side = sm_nir_side_load(conventions, err)))
            return NULL;
        if (flavor && (sm_nir_flavor_parse(flavor, &f, err) || f != side->flavor)) {
            if (f != side->flavor)
                sm_fail(err, SM_EINVAL, "--nir-flavor %s: %s says flavor %s", flavor, conventions,
                        sm_nir_flavor_name(side->flavor));
            sm_nir_side_destroy(&side);
            return NULL;
        }
    } else if (sm_nir_flavor_parse(flavor, &f, err) || !(side = sm_nir_side_defaults(f, err))) {
        return NULL;
    }
    sm_nir_graph_t *g = sm_nir_load(path, err);
    sm_nir_net_t *nn = g ? sm_nir_compile(g, side, err) : NULL;
    if (!nn) {
        sm_nir_graph_destroy(&g);
        sm_nir_side_destroy(&side);
        return NULL;
    }
    nn->own_graph = g;
    nn->own_side = side;
    return nn;
}

static int s_add_pop(sm_nir_net_t *nn, const sm_nir_node_t *n, sm_pop_kind_t kind, uint32_t size,
                     uint32_t *pop, sm_error_t *err)
{
    if (strlen(n->name) >= SM_NAME_MAX)
        return sm_fail(err, SM_EUNSUPPORTED, "node '%s': population names are at most %d "
                       "characters", n->name, SM_NAME_MAX - 1);
    sm_pop_t p = {0};
    snprintf(p.name, sizeof p.name, "%s", n->name);
    p.kind = kind;
    p.size = size;
    p.record_spikes = true;
    if (kind == SM_POP_SPIKE_TIMES) {
        p.st_off = calloc((size_t)size + 1, sizeof *p.st_off);
        p.st_ticks = malloc(sizeof *p.st_ticks);
        if (!p.st_off || !p.st_ticks) {
            free(p.st_off);
            free(p.st_ticks);
            return sm_fail(err, SM_ENOMEM, "node '%s': out of memory", n->name);
        }
    }
    int k = sm_net_add_pop(nn->net, &p);
    if (k < 0) {
        free(p.st_off);
        free(p.st_ticks);
        return sm_fail(err, SM_ETOOBIG, "node '%s': %u neurons do not fit the network (at most "
                       "%u in all)", n->name, size, SM_MAX_NEURONS);
    }
    *pop = (uint32_t)k;
    return 0;
}

static int s_populations(sm_nir_net_t *nn, uint32_t *pop_of, sm_error_t *err)
{
    const sm_nir_graph_t *g = nn->graph;
    nn->layers = calloc(g->n_nodes + 1, sizeof *nn->layers);
    if (!nn->layers)
        return sm_fail(err, SM_ENOMEM, "out of memory");
    for (uint32_t k = 0; k < g->n_nodes; k++) {
        uint32_t v = g->order[k];
        const sm_nir_node_t *n = &g->nodes[v];
        sm_nirc_kind_t kind = sm_nirc_kind(n);
        int64_t size = sm_nir_shape_size(&n->out_shape);
        if (kind != SM_NIRC_SOURCE && kind != SM_NIRC_LAYER)
            continue;
        if (size < 1 || size > SM_MAX_NEURONS)
            return sm_fail(err, SM_ETOOBIG, "node '%s': %lld neurons (at most %u)", n->name,
                           (long long)size, SM_MAX_NEURONS);
        if (kind == SM_NIRC_SOURCE) {
            if (s_add_pop(nn, n, SM_POP_SPIKE_TIMES, (uint32_t)size, &pop_of[v], err))
                return -1;
            if (nn->n_inputs++ == 0) {
                nn->input_pop = pop_of[v];
                nn->input_node = v;
            }
            continue;
        }
        sm_nir_target_t tg = sm_nir_target(n, nn->flavor);
        if (tg.role != SM_NIR_ROLE_POPULATION)
            return sm_fail(err, SM_EUNSUPPORTED, "node '%s' (%s): cannot be honoured under "
                           "flavor %s: %s", n->name, sm_nir_type_name(n->type),
                           sm_nir_flavor_name(nn->flavor), tg.note ? tg.note : "not a neuron");
        if (s_add_pop(nn, n, SM_POP_NEURONS, (uint32_t)size, &pop_of[v], err))
            return -1;
        sm_nir_layer_t *l = &nn->layers[nn->n_layers++];
        l->node = v;
        l->pop = pop_of[v];
        l->spikes = n->type == SM_NIR_THRESHOLD || sm_nir_spikes(n->type);
    }
    return 0;
}

/* The layer an Output node records: its input, through Flatten and ports. */
static void s_output(sm_nir_net_t *nn)
{
    const sm_nir_graph_t *g = nn->graph;
    nn->output_layer = -1;
    for (uint32_t k = 0; k < g->n_nodes && nn->output_layer < 0; k++) {
        uint32_t v = g->order[k];
        if (sm_nirc_kind(&g->nodes[v]) != SM_NIRC_OUTPUT)
            continue;
        for (uint32_t hops = 0; hops < g->n_nodes; hops++) {
            uint32_t u = UINT32_MAX;
            for (uint32_t e = 0; e < g->n_edges && u == UINT32_MAX; e++)
                if (g->edges[e].dst == v)
                    u = g->edges[e].src;
            if (u == UINT32_MAX)
                break;
            sm_nirc_kind_t kind = sm_nirc_kind(&g->nodes[u]);
            if (kind == SM_NIRC_LAYER) {
                for (uint32_t i = 0; i < nn->n_layers; i++)
                    if (nn->layers[i].node == u)
                        nn->output_layer = (int32_t)i;
                break;
            }
            if (kind != SM_NIRC_THROUGH)
                break;
            v = u;
        }
    }
}

/* A node's parameters are checked as a network file's are (core/validate.c),
 * so a graph whose time constants make its Euler step unstable at this dt
 * is refused naming the node, not run into NaN. */
static int s_layer_check(const sm_nir_node_t *n, const sm_pop_t *pop, sm_error_t *err)
{
    for (uint32_t i = 0; i < pop->n_models; i++) {
        if (sm_model_check(&pop->models[i], err) == 0)
            continue;
        if (pop->n_models > 1)
            sm_error_prefix(err, "node '%s' (%s), neuron %u: ", n->name,
                            sm_nir_type_name(n->type), i);
        else
            sm_error_prefix(err, "node '%s' (%s): ", n->name, sm_nir_type_name(n->type));
        return -1;
    }
    return 0;
}

sm_nir_net_t *sm_nir_compile(const sm_nir_graph_t *g, const sm_nir_side_t *side, sm_error_t *err)
{
    if (!g->analysed) {
        sm_fail(err, SM_EINVAL, "%s: the graph was not analysed", g->path ? g->path : "NIR graph");
        return NULL;
    }
    if (sm_nir_side_check(side, g, err))
        return NULL;
    sm_nir_net_t *nn = calloc(1, sizeof *nn);
    uint32_t *pop_of = malloc((g->n_nodes + 1) * sizeof *pop_of);
    double **bias = NULL;
    if (!nn || !pop_of || !(nn->net = sm_net_new())) {
        sm_fail(err, SM_ENOMEM, "out of memory");
        goto fail;
    }
    for (uint32_t i = 0; i < g->n_nodes; i++)
        pop_of[i] = UINT32_MAX;
    nn->graph = g;
    nn->flavor = side->flavor;
    nn->dt = side->dt;
    sm_net_t *net = nn->net;
    /* Sinabs counts time in steps: a step is shown as 1 ms. */
    net->dt_ms = side->flavor == SM_NIR_FLAVOR_SINABS ? 1.0 : side->dt * 1000.0;
    net->ticks = 1;
    if (g->path && !(net->path = strdup(g->path))) {
        sm_fail(err, SM_ENOMEM, "out of memory");
        goto fail;
    }
    if (s_populations(nn, pop_of, err))
        goto fail;
    if (nn->n_layers == 0) {
        sm_fail(err, SM_EUNSUPPORTED, "the graph has no neuron node (I, IF, LI, LIF, CubaLI, "
                "CubaLIF, Threshold): nothing to run");
        goto fail;
    }
    if (!(bias = calloc(net->n_pops + 1, sizeof *bias))) {
        sm_fail(err, SM_ENOMEM, "out of memory");
        goto fail;
    }
    if (sm_nir_chains(nn, pop_of, bias, err))
        goto fail;
    for (uint32_t i = 0; i < nn->n_layers; i++) {
        const sm_nir_layer_t *l = &nn->layers[i];
        if (sm_nir_layer_models(&g->nodes[l->node], side, sm_nir_self_recurrent(g, l->node),
                                bias[l->pop], &net->pops[l->pop], err))
            goto fail;
        if (s_layer_check(&g->nodes[l->node], &net->pops[l->pop], err))
            goto fail;
    }
    s_output(nn);
    if (sm_net_finish(net, err) || sm_net_check(net, err))
        goto fail;
    for (uint32_t p = 0; p <= net->n_pops; p++)
        free(bias[p]);
    free(bias);
    free(pop_of);
    return nn;
fail:
    if (g->path)
        sm_error_prefix(err, "%s: ", g->path);
    if (bias && nn && nn->net)
        for (uint32_t p = 0; p <= nn->net->n_pops; p++)
            free(bias[p]);
    free(bias);
    free(pop_of);
    sm_nir_net_destroy(&nn);
    return NULL;
}

/* ---- inputs -------------------------------------------------------------- */

static bool s_dims_match(const sm_npy_t *a, uint32_t from, const sm_nir_shape_t *s)
{
    if (a->ndim - from != s->ndim)
        return false;
    for (uint32_t d = 0; d < s->ndim; d++)
        if (a->shape[from + d] != (uint64_t)s->dim[d])
            return false;
    return true;
}

int sm_nir_input_check(const sm_nir_net_t *nn, const sm_npy_t *a, const char *name,
                       sm_nir_input_t *in, sm_error_t *err)
{
    const sm_nir_node_t *n = &nn->graph->nodes[nn->input_node];
    const sm_nir_shape_t *s = &n->out_shape;
    uint64_t F = (uint64_t)sm_nir_shape_size(s);
    memset(in, 0, sizeof *in);
    in->a = a;
    in->features = F;
    char sb[96], ab[160];
    size_t at = 0;
    ab[0] = '\0';
    for (uint32_t d = 0; d < a->ndim && at < sizeof ab; d++)
        at += (size_t)snprintf(ab + at, sizeof ab - at, "%s%llu", d ? "," : "[",
                               (unsigned long long)a->shape[d]);
    if (at < sizeof ab)
        snprintf(ab + at, sizeof ab - at, "]");
    if (nn->n_inputs != 1)
        return sm_fail(err, SM_EUNSUPPORTED, "%s: the graph has %u Input nodes; one input "
                       "tensor drives one", name, nn->n_inputs);
    if (a->ndim >= 2 && s_dims_match(a, 2, s))
        in->batched = true;
    else if (a->ndim >= 2 && s_dims_match(a, 1, s))
        in->batched = false;
    else if (a->ndim == 3 && a->shape[2] == F)
        in->batched = true;
    else if (a->ndim == 2 && a->shape[1] == F)
        in->batched = false;
    else
        return sm_fail(err, SM_EINVAL, "%s: shape %s: expected [T, B, %s] or [T, %s] (input node "
                       "'%s' takes %llu values)", name, a->ndim ? ab : "[]",
                       sm_nir_shape_str(s, sb, sizeof sb) + 1, sb + 1, n->name,
                       (unsigned long long)F);
    in->T = a->shape[0];
    in->B = in->batched ? a->shape[1] : 1;
    if (in->T == 0 || in->B == 0)
        return sm_fail(err, SM_EINVAL, "%s: shape %s holds no step", name, ab);
    /* Spike counts: whole and non-negative (bytes are, by type). */
    for (uint64_t i = 0; a->dtype != SM_NPY_U8 && a->dtype != SM_NPY_BOOL && i < a->n; i++) {
        double x = sm_npy_at(a, i);
        if (!(x >= 0) || x != floor(x) || x > 65535) {
            uint64_t f = i % F, r = i / F, b = r % in->B, t = r / in->B;
            return sm_fail(err, SM_EINVAL, "%s: value %g at step %llu, sample %llu, input %llu: "
                           "spikes are whole counts in [0, 65535]", name, x, (unsigned long long)t,
                           (unsigned long long)b, (unsigned long long)f);
        }
    }
    return 0;
}

/* Count of input i at step t of sample b. */
static inline uint32_t s_count(const sm_nir_input_t *in, uint64_t t, uint64_t b, uint64_t i)
{
    uint64_t k = (t * in->B + b) * in->features + i;
    const sm_npy_t *a = in->a;
    if (a->dtype == SM_NPY_U8 || a->dtype == SM_NPY_BOOL)
        return ((const uint8_t *)a->data)[k];
    return (uint32_t)sm_npy_at(a, k);
}

int sm_nir_net_set_input(sm_nir_net_t *nn, const sm_nir_input_t *in, uint64_t b, uint32_t ticks,
                         sm_error_t *err)
{
    sm_pop_t *p = &nn->net->pops[nn->input_pop];
    uint64_t T = in->T < ticks ? in->T : ticks, F = in->features;
    if (F != p->size || b >= in->B)
        return sm_fail(err, SM_EINVAL, "input: sample %llu of %llu, %llu values for %u inputs",
                       (unsigned long long)b, (unsigned long long)in->B, (unsigned long long)F,
                       p->size);
    uint32_t *off = p->st_off;
    memset(off, 0, ((size_t)F + 1) * sizeof *off);
    uint64_t total = 0;
    for (uint64_t t = 0; t < T; t++)
        for (uint64_t i = 0; i < F; i++) {
            uint32_t c = s_count(in, t, b, i);
            off[i + 1] += c;
            total += c;
        }
    if (total >= UINT32_MAX)
        return sm_fail(err, SM_ETOOBIG, "input: sample %llu holds %llu spikes", (unsigned long long)b,
                       (unsigned long long)total);
    uint32_t *ticks_a = realloc(p->st_ticks, (size_t)(total ? total : 1) * sizeof *ticks_a);
    if (!ticks_a)
        return sm_fail(err, SM_ENOMEM, "input: out of memory for %llu spikes",
                       (unsigned long long)total);
    p->st_ticks = ticks_a;
    for (uint64_t i = 0; i < F; i++)
        off[i + 1] += off[i];
    /* Fill by step so that each neuron's ticks ascend; off[i] walks forward
     * and is put back after. */
    for (uint64_t t = 0; t < T; t++)
        for (uint64_t i = 0; i < F; i++)
            for (uint32_t c = s_count(in, t, b, i); c; c--)
                ticks_a[off[i]++] = (uint32_t)t;
    for (uint64_t i = F; i > 0; i--)
        off[i] = off[i - 1];
    off[0] = 0;
    return 0;
}

int sm_nir_net_probe_all(sm_nir_net_t *nn, sm_error_t *err)
{
    sm_net_t *net = nn->net;
    uint64_t n = 0;
    for (uint32_t i = 0; i < nn->n_layers; i++)
        n += net->pops[nn->layers[i].pop].size;
    sm_probe_t *pr = malloc((size_t)(n ? n : 1) * sizeof *pr);
    if (!pr)
        return sm_fail(err, SM_ENOMEM, "out of memory for %llu traced neurons",
                       (unsigned long long)n);
    uint32_t k = 0;
    for (uint32_t i = 0; i < nn->n_layers; i++)
        for (uint32_t j = 0; j < net->pops[nn->layers[i].pop].size; j++)
            pr[k++] = (sm_probe_t){nn->layers[i].pop, j};
    free(net->probes);
    net->probes = pr;
    net->n_probes = k;
    return 0;
}
