/* spikemesh nir: looks at NIR graphs. `nir info` prints a graph as spikemesh
 * reads it and what it would run it as. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chip.h"
#include "commands.h"
#include "options.h"
#include "nir.h"
#include "nir_compile.h"
#include "nir_side.h"

static void s_help(FILE *f)
{
    fprintf(f, "usage: spikemesh nir info MODEL.nir [--nir-flavor NAME] [--nir-conventions SIDE.json]\n"
               "                                  [--chip NAME|FILE]\n\n"
               "Reads a NIR graph (the HDF5 file snnTorch, Norse and Sinabs export) and prints\n"
               "its nodes in topological order with their shapes and the range of every\n"
               "parameter, its edges (marking those that close a cycle: they carry the\n"
               "previous tick), and what each node maps to: the population model and update\n"
               "style for the flavor (snntorch, norse, sinabs; all three when none is given)\n"
               "and the projection kind of each connection. --nir-conventions gives the\n"
               "flavor, dt and per-node conventions the file does not carry (docs/nir.md).\n"
               "With --chip, an estimate of the cores the network needs on that chip, from\n"
               "its per-core neuron and synapse limits.\n"
               "Exit status 2 if the file cannot be read, with the node and field at fault.\n");
}

static void s_values(const sm_nir_array_t *a, char *buf, size_t cap)
{
    if (a->dtype == SM_NIR_STR) {
        snprintf(buf, cap, "\"%s\"", a->s ? a->s : "");
        return;
    }
    double lo, hi;
    sm_nir_range(a, &lo, &hi);
    if (a->n <= 4) {
        size_t at = 0;
        buf[0] = '\0';
        for (size_t i = 0; i < a->n && at < cap; i++)
            at += (size_t)snprintf(buf + at, cap - at, "%s%.9g", i ? " " : "", a->v[i]);
    } else if (lo == hi) {
        snprintf(buf, cap, "all %.9g", lo);
    } else {
        snprintf(buf, cap, "%.9g .. %.9g", lo, hi);
    }
}

static void s_print_geom(const sm_nir_node_t *n)
{
    const sm_nir_geom_t *g = &n->geom;
    bool conv = n->type == SM_NIR_CONV1D || n->type == SM_NIR_CONV2D;
    if (g->nd == 1)
        printf("        kernel %lld, stride %lld, padding %lld|%lld, dilation %lld",
               (long long)g->kernel[0], (long long)g->stride[0], (long long)g->pad_lo[0],
               (long long)g->pad_hi[0], (long long)g->dilation[0]);
    else
        printf("        kernel %lldx%lld, stride %lldx%lld, padding %lldx%lld%s, dilation "
               "%lldx%lld", (long long)g->kernel[0], (long long)g->kernel[1],
               (long long)g->stride[0], (long long)g->stride[1], (long long)g->pad_lo[0],
               (long long)g->pad_lo[1],
               g->pad_hi[0] != g->pad_lo[0] || g->pad_hi[1] != g->pad_lo[1] ? " (+1 at the end)"
                                                                            : "",
               (long long)g->dilation[0], (long long)g->dilation[1]);
    if (conv)
        printf(", groups %lld, %lld -> %lld channels", (long long)g->groups,
               (long long)(g->c_in_per_group * g->groups), (long long)g->c_out);
    printf("\n");
}

static void s_print_nodes(const sm_nir_graph_t *g)
{
    printf("nodes, in topological order:\n");
    for (uint32_t k = 0; k < g->n_nodes; k++) {
        const sm_nir_node_t *n = &g->nodes[g->order[k]];
        char s1[128], s2[128];
        printf("  %3u  %-16s %-10s %s -> %s%s\n", k, n->name, sm_nir_type_name(n->type),
               sm_nir_shape_str(&n->in_shape, s1, sizeof s1),
               sm_nir_shape_str(&n->out_shape, s2, sizeof s2),
               n->port ? "  (port of an inlined graph)" : "");
        for (uint32_t i = 0; i < n->n_fields; i++) {
            const sm_nir_field_t *f = &n->fields[i];
            char vals[160];
            s_values(&f->a, vals, sizeof vals);
            printf("        %-12s %-8s %-14s %s%s%s%s\n", f->name, sm_nir_dtype_name(f->a.dtype),
                   sm_nir_shape_str(&f->a.shape, s1, sizeof s1), vals,
                   f->a.compressed ? "  (gzip)" : "", f->a.filled ? "  (default)" : "",
                   f->used ? "" : "  (not used)");
        }
        if (n->type >= SM_NIR_CONV1D && n->type <= SM_NIR_AVGPOOL2D)
            s_print_geom(n);
        if (n->type == SM_NIR_FLATTEN)
            printf("        flattens dims %lld..%lld (batch excluded)\n", (long long)n->start_dim,
                   (long long)n->end_dim);
    }
}

typedef struct {
    uint64_t key;  /* topological position of source, then destination */
    uint32_t e;
} s_ekey_t;

static int s_cmp_ekey(const void *a, const void *b)
{
    uint64_t x = ((const s_ekey_t *)a)->key, y = ((const s_ekey_t *)b)->key;
    return x < y ? -1 : x > y;
}

static void s_print_edges(const sm_nir_graph_t *g)
{
    printf("\nedges (%u), by source order:\n", g->n_edges);
    s_ekey_t *ks = malloc((g->n_edges ? g->n_edges : 1) * sizeof *ks);
    if (!ks)
        return;
    for (uint32_t e = 0; e < g->n_edges; e++) {
        ks[e].key = (uint64_t)g->nodes[g->edges[e].src].topo << 32 | g->nodes[g->edges[e].dst].topo;
        ks[e].e = e;
    }
    qsort(ks, g->n_edges, sizeof *ks, s_cmp_ekey);
    uint32_t rec = 0;
    for (uint32_t k = 0; k < g->n_edges; k++) {
        const sm_nir_edge_t *ed = &g->edges[ks[k].e];
        printf("  %s -> %s%s\n", g->nodes[ed->src].name, g->nodes[ed->dst].name,
               ed->recurrent ? "   recurrent: closes a cycle, carries the previous tick" : "");
        rec += ed->recurrent;
    }
    free(ks);
    printf("\ntopological order:");
    for (uint32_t k = 0; k < g->n_nodes; k++)
        printf(" %s", g->nodes[g->order[k]].name);
    printf("\ncycles: %s\n", rec ? "closed by the recurrent edges above" : "none");
}

static void s_print_conv(const sm_nir_side_t *side, const sm_nir_node_t *n)
{
    sm_nir_conv_t c = sm_nir_side_conv(side, n->name);
    static const char *const snn_reset[] = {"subtract", "zero", "none"};
    switch (side->flavor) {
    case SM_NIR_FLAVOR_SNNTORCH:
        printf("        reset_mechanism %s, reset_delay %s\n", snn_reset[c.reset],
               c.reset_delay ? "true" : "false");
        break;
    case SM_NIR_FLAVOR_NORSE:
        printf("        reset %s\n", c.reset == SM_NIR_RESET_ZERO ? "to v_reset" : "subtract");
        break;
    default:
        if (n->type == SM_NIR_IF || n->type == SM_NIR_LIF) {
            printf("        spike_fn %s, reset_fn %s, min_v_mem ",
                   c.spike_fn == SM_NIR_SPIKE_MULTI ? "MultiSpike" : "SingleSpike",
                   c.reset == SM_NIR_RESET_ZERO ? "MembraneReset" : "MembraneSubtract");
            if (c.has_min_v)
                printf("%g", c.min_v);
            else
                printf("none");
            printf(n->type == SM_NIR_LIF ? ", norm_input %s\n" : "\n",
                   c.norm_input ? "true" : "false");
        }
        break;
    }
}

/* Range of a per-neuron constant derived from time constant `field`. */
static void s_derived(const sm_nir_node_t *n, const char *field, const char *what, int how,
                      double dt)
{
    const sm_nir_array_t *tau = sm_nir_field(n, field);
    if (!tau)
        return;
    float lo = 0, hi = 0;
    for (size_t i = 0; i < tau->n; i++) {
        float v = how == 0 ? sm_nir_snntorch_decay(tau, i, dt)
                  : how == 1 ? sm_nir_norse_inv(tau, i) : sm_nir_sinabs_decay(tau, i);
        if (i == 0 || v < lo)
            lo = v;
        if (i == 0 || v > hi)
            hi = v;
    }
    if (lo == hi)
        printf("        %s = %.9g (from %s)\n", what, lo, field);
    else
        printf("        %s = %.9g .. %.9g (from %s)\n", what, lo, hi, field);
}

static void s_print_derived(const sm_nir_side_t *side, const sm_nir_node_t *n)
{
    bool cuba = n->type == SM_NIR_CUBALIF || n->type == SM_NIR_CUBALI;
    switch (side->flavor) {
    case SM_NIR_FLAVOR_SNNTORCH:
        if (cuba)
            s_derived(n, "tau_syn", "alpha", 0, side->dt);
        s_derived(n, cuba ? "tau_mem" : "tau", "beta", 0, side->dt);
        break;
    case SM_NIR_FLAVOR_NORSE:
        if (cuba)
            s_derived(n, "tau_syn", "tau_syn_inv", 1, side->dt);
        s_derived(n, cuba ? "tau_mem" : "tau", "tau_mem_inv", 1, side->dt);
        break;
    default:
        s_derived(n, "tau", "alpha_mem", 2, side->dt);
        break;
    }
}

static const char *s_role_name(sm_nir_role_t r)
{
    switch (r) {
    case SM_NIR_ROLE_SOURCE: return "spike source";
    case SM_NIR_ROLE_PROBE: return "probe";
    case SM_NIR_ROLE_POPULATION: return "population";
    case SM_NIR_ROLE_PROJECTION: return "projection";
    case SM_NIR_ROLE_RESHAPE: return "reshape";
    case SM_NIR_ROLE_PASS: return "pass";
    case SM_NIR_ROLE_REFUSED: return "REFUSED";
    }
    return "?";
}

static void s_print_target(const sm_nir_node_t *n, sm_nir_target_t t, bool with_note)
{
    printf("%s", s_role_name(t.role));
    if (t.model && (t.role == SM_NIR_ROLE_POPULATION || t.role == SM_NIR_ROLE_PROJECTION))
        printf(" %s", t.model);
    if (t.style)
        printf(" / %s", t.style);
    if (t.library)
        printf(" (%s)", t.library);
    int64_t size = sm_nir_shape_size(&n->out_shape);
    if (t.role == SM_NIR_ROLE_POPULATION || t.role == SM_NIR_ROLE_SOURCE)
        printf(", %lld neurons", (long long)size);
    if (t.role == SM_NIR_ROLE_PROJECTION)
        printf(", %llu weights stored, %llu synapses if expanded",
               (unsigned long long)sm_nir_stored_weights(n),
               (unsigned long long)sm_nir_expanded_synapses(n));
    printf("\n");
    if ((with_note || t.role == SM_NIR_ROLE_REFUSED) && t.note)
        printf("        %s%s\n", with_note ? "" : "          ", t.note);
}

static void s_print_map(const sm_nir_graph_t *g, const sm_nir_side_t *side)
{
    if (side)
        printf("\nmaps to (flavor %s, dt %g%s):\n", sm_nir_flavor_name(side->flavor), side->dt,
               side->dt_given ? "" : ", the flavor's default");
    else
        printf("\nmaps to (no flavor given: neuron nodes under each):\n");
    for (uint32_t k = 0; k < g->n_nodes; k++) {
        const sm_nir_node_t *n = &g->nodes[g->order[k]];
        printf("  %-16s %-10s ", n->name, sm_nir_type_name(n->type));
        if (side || !sm_nir_is_neuron(n->type)) {
            sm_nir_flavor_t f = side ? side->flavor : SM_NIR_FLAVOR_SNNTORCH;
            s_print_target(n, sm_nir_target(n, f), true);
            if (side && sm_nir_is_neuron(n->type) &&
                sm_nir_target(n, f).role == SM_NIR_ROLE_POPULATION)
            {
                if (sm_nir_spikes(n->type))
                    s_print_conv(side, n);
                s_print_derived(side, n);
            }
            if (n->type == SM_NIR_OUTPUT && !n->port)
                for (uint32_t e = 0; e < g->n_edges; e++)
                    if (g->edges[e].dst == g->order[k])
                        printf("        records '%s'\n", g->nodes[g->edges[e].src].name);
            continue;
        }
        printf("\n");
        for (int f = 0; f < SM_NIR_NFLAVORS; f++) {
            printf("        %-9s ", sm_nir_flavor_name((sm_nir_flavor_t)f));
            s_print_target(n, sm_nir_target(n, (sm_nir_flavor_t)f), false);
        }
    }
}

static bool s_is_pop(const sm_nir_node_t *n)
{
    return sm_nir_is_neuron(n->type) || n->type == SM_NIR_THRESHOLD;
}

/* The first population reached from node `from` through connection nodes
 * (breadth first), or -1: where the synapses of a connection node end up. */
static int32_t s_downstream(const sm_nir_graph_t *g, uint32_t from, uint32_t *queue,
                            uint8_t *seen)
{
    memset(seen, 0, g->n_nodes);
    uint32_t head = 0, tail = 0;
    queue[tail++] = from;
    seen[from] = 1;
    while (head < tail) {
        uint32_t u = queue[head++];
        for (uint32_t e = 0; e < g->n_edges; e++) {
            uint32_t d = g->edges[e].dst;
            if (g->edges[e].src != u || seen[d])
                continue;
            if (s_is_pop(&g->nodes[d]))
                return (int32_t)d;
            seen[d] = 1;
            queue[tail++] = d;
        }
    }
    return -1;
}

static uint64_t s_ceil_div(uint64_t a, uint64_t b)
{
    return b ? (a + b - 1) / b : (a ? 1 : 0);
}

/* The projections as compiled, and what they store against what they
 * would expand to. */
static void s_print_compiled(const sm_nir_net_t *nn)
{
    const sm_net_t *net = nn->net;
    printf("\ncompiled: %u populations, %u projections\n", net->n_pops, nn->n_projs);
    uint64_t stored = 0, syn = 0;
    for (uint32_t i = 0; i < nn->n_projs; i++) {
        const sm_nir_proj_t *p = &nn->projs[i];
        const sm_proj_t *pr = &net->projs[p->proj];
        printf("  %-36s %-18s delay %u, %10llu weights stored, %10llu synapses\n", p->via,
               p->how, pr->min_delay, (unsigned long long)p->stored,
               (unsigned long long)p->synapses);
        stored += p->stored;
        syn += p->synapses;
    }
    printf("  in all: %llu weights stored (%.2f MB as float32) for %llu synapses (%.2f MB "
           "expanded at 8 bytes each)\n",
           (unsigned long long)stored, 4e-6 * (double)stored, (unsigned long long)syn,
           8e-6 * (double)syn);
}

static void s_print_cores(const sm_nir_graph_t *g, const sm_chip_t *c, const sm_nir_net_t *cn)
{
    uint32_t nn = g->n_nodes ? g->n_nodes : 1;
    uint64_t *syn = calloc(nn, sizeof *syn);
    uint32_t *queue = malloc(nn * sizeof *queue);
    uint8_t *seen = malloc(nn);
    if (!syn || !queue || !seen) {
        free(syn);
        free(queue);
        free(seen);
        return;
    }
    /* Compiled: the synapses each population receives (composed chains
     * count as what they became); else each connection node's own. */
    if (cn) {
        for (uint32_t i = 0; i < cn->n_projs; i++) {
            uint32_t dst = cn->net->projs[cn->projs[i].proj].dst_pop;
            for (uint32_t l = 0; l < cn->n_layers; l++)
                if (cn->layers[l].pop == dst)
                    syn[cn->layers[l].node] += cn->projs[i].synapses;
        }
    } else {
        for (uint32_t i = 0; i < g->n_nodes; i++) {
            uint64_t s = sm_nir_expanded_synapses(&g->nodes[i]);
            int32_t d = s ? s_downstream(g, i, queue, seen) : -1;
            if (d >= 0)
                syn[d] += s;
        }
    }
    free(queue);
    free(seen);
    printf("\ncores on chip %s (%u cores; per core: ", c->name, sm_chip_cores(c));
    if (c->limits.neurons)
        printf("%u neurons", c->limits.neurons);
    else
        printf("neurons not limited");
    if (c->limits.synapses)
        printf(", %llu synapses", (unsigned long long)c->limits.synapses);
    printf("), an estimate from counts (populations do not share cores; synapses as if "
           "expanded%s):\n", cn ? ", as compiled" : "");
    uint64_t total = 0;
    for (uint32_t k = 0; k < g->n_nodes; k++) {
        uint32_t i = g->order[k];
        const sm_nir_node_t *n = &g->nodes[i];
        bool src = n->type == SM_NIR_INPUT && !n->port;
        if (!src && !s_is_pop(n))
            continue;
        uint64_t size = (uint64_t)sm_nir_shape_size(&n->out_shape);
        uint64_t by_n = c->limits.neurons ? s_ceil_div(size, c->limits.neurons) : 1;
        uint64_t by_s = c->limits.synapses ? s_ceil_div(syn[i], c->limits.synapses) : 1;
        uint64_t cores = by_n > by_s ? by_n : by_s;
        total += cores;
        printf("  %-16s %8llu neurons %10llu synapses in  -> %llu core%s%s\n", n->name,
               (unsigned long long)size, (unsigned long long)syn[i], (unsigned long long)cores,
               cores == 1 ? "" : "s", by_s > by_n ? " (by synapses)" : "");
    }
    printf("  total ~%llu of %u cores: %s\n", (unsigned long long)total, sm_chip_cores(c),
           total <= sm_chip_cores(c) ? "fits" : "DOES NOT FIT");
    free(syn);
}

static int s_info(int argc, char **argv)
{
    const char *path = NULL, *chipname = NULL, *flavor = NULL, *conv = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        static const char *const valued[] = {"--chip", "--nir-flavor", "--nir-conventions",
                                             NULL};
        if (sm_opt_is(a, valued) && !sm_opt_value("nir info", a, i + 1 < argc ? argv[i + 1] : NULL))
            return 2;
        if (!strcmp(a, "--chip"))
            chipname = argv[++i];
        else if (!strcmp(a, "--nir-flavor"))
            flavor = argv[++i];
        else if (!strcmp(a, "--nir-conventions"))
            conv = argv[++i];
        else if (a[0] == '-') {
            static const char *const known[] = {"--chip", "--nir-flavor", "--nir-conventions",
                                                "--help", NULL};
            return sm_opt_unknown("nir info", a, known);
        } else if (path) {
            fprintf(stderr, "spikemesh nir info: one model only, got also '%s'\n", a);
            return 2;
        } else
            path = a;
    }
    if (!path) {
        s_help(stderr);
        return 2;
    }
    sm_error_t err;
    sm_error_clear(&err);
    sm_nir_side_t *side = NULL;
    sm_chip_t *chip = NULL;
    sm_nir_graph_t *g = NULL;
    int rc = 2;
    if (conv) {
        side = sm_nir_side_load(conv, &err);
        if (side && flavor && strcmp(flavor, sm_nir_flavor_name(side->flavor))) {
            sm_fail(&err, SM_EINVAL, "--nir-flavor %s contradicts %s's flavor %s", flavor, conv,
                    sm_nir_flavor_name(side->flavor));
            sm_nir_side_destroy(&side);
        }
        if (!side)
            goto out;
    } else if (flavor) {
        sm_nir_flavor_t f;
        if (sm_nir_flavor_parse(flavor, &f, &err) < 0 || !(side = sm_nir_side_defaults(f, &err)))
            goto out;
    }
    if (chipname && !(chip = sm_chip_load(chipname, &err)))
        goto out;
    if (!(g = sm_nir_load(path, &err)))
        goto out;
    if (side && sm_nir_side_check(side, g, &err) < 0) {
        sm_error_prefix(&err, "%s: ", conv);
        goto out;
    }
    uint64_t neurons = 0, inputs = 0;
    uint32_t layers = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        const sm_nir_node_t *n = &g->nodes[i];
        if (sm_nir_is_neuron(n->type)) {
            layers++;
            neurons += (uint64_t)sm_nir_shape_size(&n->out_shape);
        } else if (n->type == SM_NIR_INPUT && !n->port) {
            inputs += (uint64_t)sm_nir_shape_size(&n->out_shape);
        }
    }
    printf("%s: NIR %s; %u nodes, %u edges; %u neuron layers, %llu neurons, %llu inputs\n\n",
           path, g->version ? g->version : "(no version)", g->n_nodes, g->n_edges, layers,
           (unsigned long long)neurons, (unsigned long long)inputs);
    s_print_nodes(g);
    s_print_edges(g);
    s_print_map(g, side);
    sm_nir_net_t *nn = NULL;
    if (side) {
        if (!(nn = sm_nir_compile(g, side, &err)))
            goto out;
        s_print_compiled(nn);
    }
    if (chip)
        s_print_cores(g, chip, nn);
    sm_nir_net_destroy(&nn);
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "spikemesh nir info: %s\n", err.msg);
    sm_nir_graph_destroy(&g);
    sm_nir_side_destroy(&side);
    sm_chip_destroy(&chip);
    return rc;
}

int sm_cmd_nir(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
        (sm_wants_help(argc, argv) && !strcmp(argv[1], "info"))) {
        s_help(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "info"))
        return s_info(argc - 1, argv + 1);
    fprintf(stderr, "spikemesh nir: unknown subcommand '%s' (info)\n\n", argv[1]);
    s_help(stderr);
    return 2;
}
