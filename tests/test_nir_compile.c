/* NIR graphs compiled onto networks: for graphs written here (convolutions
 * with strides, padding, dilation and groups, pools before and after them,
 * Conv1d, flatten and dense maps, biases, Scale, Delay, recurrence, several
 * inputs into one layer), the compiled network runs spike for spike and
 * membrane for membrane as the graph evaluated node by node, step by step
 * (a reference evaluator below, independent of the compiler: dyadic weights
 * make every sum exact in any order); and what cannot be honoured is
 * refused with the node, the field and the value. */
#include <criterion/criterion.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "helpers.h"
#include "nir.h"
#include "nir_compile.h"
#include "nir_data.h"
#include "nir_side.h"

static char s_dir[512];

static void setup(void)
{
    t_mkdtemp(s_dir, sizeof s_dir, "nirc");
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

static void teardown(void)
{
    t_rmtree(s_dir);
}

/* ---- writing graphs ------------------------------------------------------ */

static uint64_t s_rng = 88172645463325252ull;

static double s_rand(void)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return (double)(s_rng >> 11) / 9007199254740992.0;
}

/* Multiples of 1/16 in [-lim, lim]: every sum of them is exact. */
static float s_dyadic(double lim)
{
    return (float)(floor((s_rand() * 2 - 1) * lim * 16 + 0.5) / 16);
}

static void w_str(hid_t loc, const char *name, const char *s)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t d = H5Dcreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert(d >= 0, "dataset %s", name);
    cr_assert(H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &s) >= 0);
    H5Dclose(d);
    H5Sclose(sp);
    H5Tclose(t);
}

/* nd = 0: a scalar. */
static void w_f32(hid_t loc, const char *name, int nd, const hsize_t *dims, const float *v)
{
    hid_t sp = nd ? H5Screate_simple(nd, dims, NULL) : H5Screate(H5S_SCALAR);
    hid_t d = H5Dcreate2(loc, name, H5T_IEEE_F32LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert(d >= 0, "dataset %s", name);
    cr_assert(H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    H5Dclose(d);
    H5Sclose(sp);
}

static void w_i64(hid_t loc, const char *name, int nd, const int64_t *v)
{
    hsize_t n = (hsize_t)nd;
    hid_t sp = nd ? H5Screate_simple(1, &n, NULL) : H5Screate(H5S_SCALAR);
    hid_t d = H5Dcreate2(loc, name, H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert(d >= 0, "dataset %s", name);
    cr_assert(H5Dwrite(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    H5Dclose(d);
    H5Sclose(sp);
}

/* A parameter of n elements, all `x` (n = 0: a scalar). */
static void w_fill(hid_t g, const char *name, hsize_t n, float x)
{
    float *v = malloc((n ? n : 1) * sizeof *v);
    for (hsize_t i = 0; i < (n ? n : 1); i++)
        v[i] = x;
    w_f32(g, name, n ? 1 : 0, &n, v);
    free(v);
}

typedef struct {
    hid_t f, top, nodes;
    const char *e[128];
    size_t n_e;
    char path[600];
} s_graph_t;

static void g_begin(s_graph_t *G, const char *name)
{
    memset(G, 0, sizeof *G);
    snprintf(G->path, sizeof G->path, "%s/%s.nir", s_dir, name);
    G->f = H5Fcreate(G->path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert(G->f >= 0);
    w_str(G->f, "version", "test");
    G->top = H5Gcreate2(G->f, "node", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    w_str(G->top, "type", "NIRGraph");
    G->nodes = H5Gcreate2(G->top, "nodes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
}

static hid_t g_node(s_graph_t *G, const char *name, const char *type)
{
    hid_t g = H5Gcreate2(G->nodes, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert(g >= 0, "node %s", name);
    w_str(g, "type", type);
    return g;
}

static void g_edge(s_graph_t *G, const char *a, const char *b)
{
    G->e[G->n_e++] = a;
    G->e[G->n_e++] = b;
}

static void g_end(s_graph_t *G)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    hsize_t dims[2] = {G->n_e / 2, 2};
    hid_t sp = H5Screate_simple(2, dims, NULL);
    hid_t d = H5Dcreate2(G->top, "edges", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert(H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, G->e) >= 0);
    H5Dclose(d);
    H5Sclose(sp);
    H5Tclose(t);
    H5Gclose(G->nodes);
    H5Gclose(G->top);
    H5Fclose(G->f);
}

static void n_io(s_graph_t *G, const char *name, const char *type, int nd, const int64_t *shape)
{
    hid_t g = g_node(G, name, type);
    w_i64(g, "shape", nd, shape);
    H5Gclose(g);
}

/* Affine (bias) or Linear, dyadic weights. */
static void n_dense(s_graph_t *G, const char *name, hsize_t out, hsize_t in, bool bias)
{
    hid_t g = g_node(G, name, bias ? "Affine" : "Linear");
    hsize_t d[2] = {out, in};
    float *w = malloc(out * in * sizeof *w);
    for (hsize_t i = 0; i < out * in; i++)
        w[i] = s_dyadic(1.0);
    w_f32(g, "weight", 2, d, w);
    if (bias) {
        for (hsize_t i = 0; i < out; i++)
            w[i] = s_dyadic(0.25);
        w_f32(g, "bias", 1, &out, w);
    }
    free(w);
    H5Gclose(g);
}

/* Conv (nd 1 or 2 spatial dims): kernel k, stride s, padding p, dilation
 * d (the same per axis), groups, bias or zeros. */
static void n_conv(s_graph_t *G, const char *name, int nd, int64_t cout, int64_t cin_g, int64_t k,
                   int64_t s, int64_t p, int64_t d, int64_t groups, bool bias)
{
    hid_t g = g_node(G, name, nd == 2 ? "Conv2d" : "Conv1d");
    hsize_t wd[4] = {(hsize_t)cout, (hsize_t)cin_g, (hsize_t)k, (hsize_t)k};
    size_t n = (size_t)(cout * cin_g * k * (nd == 2 ? k : 1));
    float *w = malloc(n * sizeof *w);
    for (size_t i = 0; i < n; i++)
        w[i] = s_dyadic(1.0);
    w_f32(g, "weight", nd + 2, wd, w);
    hsize_t co = (hsize_t)cout;
    for (hsize_t i = 0; i < co; i++)
        w[i] = bias ? s_dyadic(0.25) : 0.0f;
    w_f32(g, "bias", 1, &co, w);
    free(w);
    int64_t sv[2] = {s, s}, pv[2] = {p, p}, dv[2] = {d, d};
    w_i64(g, "stride", nd, sv);
    w_i64(g, "padding", nd, pv);
    w_i64(g, "dilation", nd, dv);
    w_i64(g, "groups", 0, &groups);
    H5Gclose(g);
}

static void n_pool(s_graph_t *G, const char *name, const char *type, int64_t k, int64_t s)
{
    hid_t g = g_node(G, name, type);
    int64_t kv[2] = {k, k}, sv[2] = {s, s}, pv[2] = {0, 0};
    w_i64(g, "kernel_size", 2, kv);
    w_i64(g, "stride", 2, sv);
    w_i64(g, "padding", 2, pv);
    H5Gclose(g);
}

static void n_flatten(s_graph_t *G, const char *name)
{
    hid_t g = g_node(G, name, "Flatten");
    int64_t s = 0, e = -1;
    w_i64(g, "start_dim", 0, &s);
    w_i64(g, "end_dim", 0, &e);
    H5Gclose(g);
}

/* snnTorch Leaky: tau = dt/(1 - beta), r = tau/dt, per neuron. */
static void n_leaky(s_graph_t *G, const char *name, hsize_t n, float beta, float th)
{
    hid_t g = g_node(G, name, "LIF");
    float tau = 1e-4f / (1.0f - beta);
    w_fill(g, "tau", n, tau);
    w_fill(g, "r", n, tau / 1e-4f);
    w_fill(g, "v_leak", n, 0);
    w_fill(g, "v_threshold", n, th);
    w_fill(g, "v_reset", n, 0);
    H5Gclose(g);
}

/* IF with r = 1 (Sinabs, Norse). */
static void n_if(s_graph_t *G, const char *name, hsize_t n, float th, float v_reset)
{
    hid_t g = g_node(G, name, "IF");
    w_fill(g, "r", n, 1);
    w_fill(g, "v_threshold", n, th);
    w_fill(g, "v_reset", n, v_reset);
    H5Gclose(g);
}

/* ---- the reference: the graph node by node ------------------------------- */

typedef struct {
    double *cur, *prev;          /* per node: this step's output, the last  */
    double **hist;               /* Delay nodes: a ring of past inputs       */
} s_vals_t;

static size_t s_size(const sm_nir_shape_t *s)
{
    return (size_t)sm_nir_shape_size(s);
}

/* Out = window(in) of a Conv or pool node, as torch defines it. */
static void s_window(const sm_nir_node_t *n, const double *in, double *out)
{
    const sm_nir_geom_t *g = &n->geom;
    bool conv = n->type == SM_NIR_CONV1D || n->type == SM_NIR_CONV2D;
    int two = g->nd == 2;
    int64_t C = n->in_shape.dim[0], H = two ? n->in_shape.dim[1] : 1,
            W = n->in_shape.dim[1 + two];
    int64_t O = n->out_shape.dim[0], OH = two ? n->out_shape.dim[1] : 1,
            OW = n->out_shape.dim[1 + two];
    int64_t kh = two ? g->kernel[0] : 1, kw = g->kernel[two], sh = two ? g->stride[0] : 1,
            sw = g->stride[two], ph = two ? g->pad_lo[0] : 0, pw = g->pad_lo[two],
            dh = two ? g->dilation[0] : 1, dw = g->dilation[two];
    int64_t groups = conv ? g->groups : C, ipg = C / groups, opg = O / groups;
    const sm_nir_array_t *w = conv ? sm_nir_field(n, "weight") : NULL;
    const sm_nir_array_t *b = conv ? sm_nir_field(n, "bias") : NULL;
    for (int64_t o = 0; o < O; o++)
        for (int64_t y = 0; y < OH; y++)
            for (int64_t x = 0; x < OW; x++) {
                double acc = 0;
                int64_t gi = o / opg;
                for (int64_t ci = 0; ci < (conv ? ipg : 1); ci++) {
                    int64_t c = conv ? gi * ipg + ci : o;
                    for (int64_t ky = 0; ky < kh; ky++)
                        for (int64_t kx = 0; kx < kw; kx++) {
                            int64_t iy = y * sh - ph + ky * dh, ix = x * sw - pw + kx * dw;
                            if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                                continue;
                            double wt = conv ? w->v[((o * ipg + ci) * kh + ky) * kw + kx]
                                       : n->type == SM_NIR_AVGPOOL2D ? 1.0 / (double)(kh * kw)
                                                                     : 1.0;
                            acc += wt * in[(c * H + iy) * W + ix];
                        }
                }
                out[(o * OH + y) * OW + x] = acc + (b ? sm_nir_at(b, (size_t)o) : 0.0);
            }
}

typedef struct {
    uint32_t T;
    uint32_t *spk;               /* per layer: [T][n] counts, concatenated  */
    float *mem;
    size_t total;                /* neurons in all layers                  */
} s_ref_t;

/* Runs the graph T steps on input x ([T][features] counts), each layer on
 * its compiled model with the bias taken out (the reference brings its
 * input whole). */
static void s_reference(const sm_nir_net_t *nn, const double *x, uint32_t T, s_ref_t *out)
{
    const sm_nir_graph_t *g = nn->graph;
    const sm_net_t *net = nn->net;
    uint32_t N = g->n_nodes;
    size_t *size = calloc(N, sizeof *size);
    double **cur = calloc(N, sizeof *cur), **prev = calloc(N, sizeof *prev),
           **in = calloc(N, sizeof *in), **ring = calloc(N, sizeof *ring);
    uint32_t *depth = calloc(N, sizeof *depth);
    sm_nstate_t **st = calloc(N, sizeof *st);
    int32_t *layer = malloc(N * sizeof *layer);
    size_t *off = calloc(N, sizeof *off);
    out->total = 0;
    for (uint32_t v = 0; v < N; v++) {
        layer[v] = -1;
        for (uint32_t l = 0; l < nn->n_layers; l++)
            if (nn->layers[l].node == v) {
                layer[v] = (int32_t)l;
                off[v] = out->total;
                out->total += net->pops[nn->layers[l].pop].size;
            }
    }
    out->T = T;
    out->spk = calloc((size_t)T * out->total + 1, sizeof *out->spk);
    out->mem = calloc((size_t)T * out->total + 1, sizeof *out->mem);
    for (uint32_t v = 0; v < N; v++) {
        const sm_nir_node_t *n = &g->nodes[v];
        size[v] = s_size(&n->out_shape);
        size_t si = s_size(&n->in_shape);
        cur[v] = calloc(size[v] + 1, sizeof **cur);
        prev[v] = calloc(size[v] + 1, sizeof **prev);
        in[v] = calloc((si > size[v] ? si : size[v]) + 1, sizeof **in);
        if (n->type == SM_NIR_DELAY) {
            const sm_nir_array_t *d = sm_nir_field(n, "delay");
            double hi = 0;
            for (size_t i = 0; i < d->n; i++)
                hi = fmax(hi, d->v[i] / nn->dt);
            depth[v] = (uint32_t)(hi + 0.5) + 1;
            ring[v] = calloc(depth[v] * size[v] + 1, sizeof **ring);
        }
        if (layer[v] >= 0) {
            const sm_pop_t *p = &net->pops[nn->layers[layer[v]].pop];
            st[v] = calloc(p->size, sizeof **st);
            for (uint32_t i = 0; i < p->size; i++) {
                sm_model_t m = *sm_pop_model(p, i);
                m.bias = 0.0f;
                sm_model_init_state(&m, &st[v][i]);
            }
        }
    }
    /* Step -1 (prime) sees no input and no spike: what the connection nodes
     * make of zeros (their biases) is what a cycle carries into step 0, as
     * snnTorch's recurrent(spk = 0) = b. */
    for (int64_t tt = -1; tt < (int64_t)T; tt++) {
        const bool prime = tt < 0;
        const uint32_t t = prime ? 0 : (uint32_t)tt;
        for (uint32_t k = 0; k < N; k++) {
            uint32_t v = g->order[k];
            const sm_nir_node_t *n = &g->nodes[v];
            size_t si = s_size(&n->in_shape);
            memset(in[v], 0, si * sizeof **in);
            for (uint32_t e = 0; e < g->n_edges; e++)
                if (g->edges[e].dst == v) {
                    const double *src = g->edges[e].recurrent ? prev[g->edges[e].src]
                                                              : cur[g->edges[e].src];
                    for (size_t i = 0; i < si; i++)
                        in[v][i] += src[i];
                }
            double *o = cur[v];
            switch (n->type) {
            case SM_NIR_INPUT:
                if (prime)
                    memset(o, 0, size[v] * sizeof *o);
                else
                    memcpy(o, x + (size_t)t * size[v], size[v] * sizeof *o);
                break;
            case SM_NIR_AFFINE:
            case SM_NIR_LINEAR: {
                const sm_nir_array_t *w = sm_nir_field(n, "weight");
                const sm_nir_array_t *b = sm_nir_field(n, "bias");
                for (size_t r = 0; r < size[v]; r++) {
                    double a = b ? b->v[r] : 0.0;
                    for (size_t c = 0; c < si; c++)
                        a += w->v[r * si + c] * in[v][c];
                    o[r] = a;
                }
                break;
            }
            case SM_NIR_CONV1D:
            case SM_NIR_CONV2D:
            case SM_NIR_SUMPOOL2D:
            case SM_NIR_AVGPOOL2D:
                s_window(n, in[v], o);
                break;
            case SM_NIR_SCALE:
                for (size_t i = 0; i < size[v]; i++)
                    o[i] = sm_nir_at(sm_nir_field(n, "scale"), i) * in[v][i];
                break;
            case SM_NIR_DELAY: {
                const sm_nir_array_t *d = sm_nir_field(n, "delay");
                if (prime) {
                    memset(o, 0, size[v] * sizeof *o);
                    break;
                }
                double *r = ring[v] + (size_t)(t % depth[v]) * size[v];
                memcpy(r, in[v], size[v] * sizeof *r);
                for (size_t i = 0; i < size[v]; i++) {
                    uint32_t dl = (uint32_t)(sm_nir_at(d, i) / nn->dt + 0.5);
                    o[i] = t >= dl ? ring[v][(size_t)((t - dl) % depth[v]) * size[v] + i] : 0.0;
                }
                break;
            }
            default:
                if (layer[v] < 0) { /* Flatten, ports, Output */
                    memcpy(o, in[v], size[v] * sizeof *o);
                    break;
                }
                const sm_pop_t *p = &net->pops[nn->layers[layer[v]].pop];
                if (prime) {
                    memset(o, 0, size[v] * sizeof *o);
                    break;
                }
                for (uint32_t i = 0; i < p->size; i++) {
                    sm_model_t m = *sm_pop_model(p, i);
                    m.bias = 0.0f;
                    uint32_t s = sm_model_step(&m, &st[v][i], (float)in[v][i], 0.0f);
                    o[i] = s;
                    out->spk[(size_t)t * out->total + off[v] + i] = s;
                    out->mem[(size_t)t * out->total + off[v] + i] = st[v][i].v;
                }
            }
        }
        for (uint32_t v = 0; v < N; v++)
            memcpy(prev[v], cur[v], size[v] * sizeof **cur);
    }
    for (uint32_t v = 0; v < N; v++) {
        free(cur[v]);
        free(prev[v]);
        free(in[v]);
        free(ring[v]);
        free(st[v]);
    }
    free(size);
    free(cur);
    free(prev);
    free(in);
    free(ring);
    free(depth);
    free(st);
    free(layer);
    free(off);
}

/* ---- compiled against reference ------------------------------------------ */

static sm_nir_net_t *s_compile(const char *path, const char *side_json, sm_nir_graph_t **g,
                               sm_nir_side_t **side, sm_error_t *err)
{
    *g = sm_nir_load(path, err);
    cr_assert_not_null(*g, "%s", err->msg);
    *side = sm_nir_side_from_string(side_json, "side", err);
    cr_assert_not_null(*side, "%s", err->msg);
    return sm_nir_compile(*g, *side, err);
}

/* Compiles, runs the engine (dense, event; one and two threads) and the
 * reference on random spikes of rate p (counts up to cmax), and compares
 * every layer's spikes and membranes exactly. */
static void s_same(const char *path, const char *side_json, uint32_t T, double p, uint32_t cmax,
                   const char *want_how)
{
    sm_error_t err;
    sm_error_clear(&err);
    sm_nir_graph_t *g;
    sm_nir_side_t *side;
    sm_nir_net_t *nn = s_compile(path, side_json, &g, &side, &err);
    cr_assert_not_null(nn, "%s", err.msg);
    if (want_how) {
        bool found = false;
        for (uint32_t i = 0; i < nn->n_projs; i++)
            found |= !strcmp(nn->projs[i].how, want_how);
        cr_expect(found, "%s: no projection compiled as '%s'", path, want_how);
    }
    const sm_pop_t *ip = &nn->net->pops[nn->input_pop];
    size_t F = ip->size;
    double *x = calloc((size_t)T * F, sizeof *x);
    uint8_t *xb = calloc((size_t)T * F, 1);
    for (size_t i = 0; i < (size_t)T * F; i++) {
        uint32_t c = 0;
        while (c < cmax && s_rand() < p)
            c++;
        x[i] = c;
        xb[i] = (uint8_t)c;
    }
    s_ref_t ref;
    s_reference(nn, x, T, &ref);
    sm_npy_t a = {.dtype = SM_NPY_U8, .version = 1, .ndim = 2, .shape = {T, F}, .n = T * F,
                  .itemsize = 1, .data = xb};
    sm_nir_input_t in;
    cr_assert_eq(sm_nir_input_check(nn, &a, "x", &in, &err), 0, "%s", err.msg);
    cr_assert_eq(sm_nir_net_set_input(nn, &in, 0, T, &err), 0, "%s", err.msg);
    cr_assert_eq(sm_nir_net_probe_all(nn, &err), 0, "%s", err.msg);
    nn->net->ticks = T;
    uint64_t ref_spikes = 0;
    for (size_t i = 0; i < (size_t)T * ref.total; i++)
        ref_spikes += ref.spk[i];
    cr_expect(ref_spikes > 0, "%s: the reference has no spike at all", path);
    for (int mode = 0; mode < 4; mode++) {
        sm_run_opts_t o;
        sm_run_opts_default(&o);
        o.dense = mode < 2;
        o.threads = 1 + (mode & 1);
        o.neurons_per_core = 37; /* layers split over cores, rows too */
        sm_result_t *r = sm_engine_run(nn->net, &o, &err);
        cr_assert_not_null(r, "%s", err.msg);
        uint32_t *spk = calloc((size_t)T * ref.total + 1, sizeof *spk);
        size_t base = 0;
        for (uint32_t l = 0; l < nn->n_layers; l++) {
            const sm_pop_t *pp = &nn->net->pops[nn->layers[l].pop];
            for (size_t i = 0; i < r->n_spikes; i++) {
                uint32_t gd = r->spikes[i].gid;
                if (gd >= pp->first && gd < pp->first + pp->size)
                    spk[(size_t)r->spikes[i].tick * ref.total + base + gd - pp->first] +=
                        r->spikes[i].count;
            }
            base += pp->size;
        }
        size_t bad_s = 0, bad_v = 0, first = SIZE_MAX;
        for (size_t i = 0; i < (size_t)T * ref.total; i++) {
            bool bs = spk[i] != ref.spk[i];
            /* The event engine's closed forms agree to ~1e-7, not bit for bit. */
            float v = r->trace[i * 3], rv = ref.mem[i];
            bool bv = o.dense ? memcmp(&v, &rv, sizeof v) != 0
                              : !(fabsf(v - rv) <= 1e-5f * fmaxf(1.0f, fabsf(rv)));
            bad_s += bs;
            bad_v += bv;
            if ((bs || bv) && first == SIZE_MAX)
                first = i;
        }
        cr_expect_eq(bad_s, 0, "%s (%s, %u threads): %zu spike counts differ, first at step %zu "
                     "neuron %zu", path, o.dense ? "dense" : "event", o.threads, bad_s,
                     first / ref.total, first % ref.total);
        cr_expect_eq(bad_v, 0, "%s (%s, %u threads): %zu membranes differ, first at step %zu "
                     "neuron %zu", path, o.dense ? "dense" : "event", o.threads, bad_v,
                     first / ref.total, first % ref.total);
        free(spk);
        sm_result_destroy(&r);
    }
    free(ref.spk);
    free(ref.mem);
    free(x);
    free(xb);
    sm_nir_net_destroy(&nn);
    sm_nir_side_destroy(&side);
    sm_nir_graph_destroy(&g);
}

static const char *const SNN = "{\"flavor\": \"snntorch\"}";
static const char *const SINABS = "{\"flavor\": \"sinabs\"}";

/* snnTorch: Conv2d (bias) -> Leaky -> AvgPool2d -> Flatten -> Affine ->
 * Leaky: the pool, flatten and dense map compose into one matrix, the conv
 * bias is a current per neuron. */
Test(nir_compile, conv_leaky_avgpool_affine, .init = setup, .fini = teardown)
{
    s_graph_t G;
    g_begin(&G, "a");
    const int64_t shp[3] = {2, 8, 8};
    n_io(&G, "input", "Input", 3, shp);
    n_conv(&G, "0", 2, 3, 2, 3, 1, 1, 1, 1, true);
    n_leaky(&G, "1", 3 * 8 * 8, 0.875f, 1.0f);
    n_pool(&G, "2", "AvgPool2d", 2, 2);
    n_flatten(&G, "3");
    n_dense(&G, "4", 5, 48, true);
    n_leaky(&G, "5", 5, 0.75f, 0.5f);
    const int64_t five = 5;
    n_io(&G, "output", "Output", 1, &five);
    g_edge(&G, "input", "0");
    g_edge(&G, "0", "1");
    g_edge(&G, "1", "2");
    g_edge(&G, "2", "3");
    g_edge(&G, "3", "4");
    g_edge(&G, "4", "5");
    g_edge(&G, "5", "output");
    g_end(&G);
    s_same(G.path, SNN, 40, 0.3, 1, "matrix (composed)");
}

/* Sinabs: stride-2 conv, IF with MultiSpike counts, a SumPool2d that drops a
 * row (5 -> 2) before a padded conv: composing would read the dropped row,
 * so the chain is compiled as a list; then Flatten -> Affine. */
Test(nir_compile, sinabs_pool_conv_not_composable, .init = setup, .fini = teardown)
{
    s_graph_t G;
    g_begin(&G, "b");
    const int64_t shp[3] = {2, 9, 9};
    n_io(&G, "input", "Input", 3, shp);
    n_conv(&G, "0", 2, 4, 2, 3, 2, 1, 1, 1, false);
    n_if(&G, "1", 4 * 5 * 5, 1.0f, 0.0f);
    n_pool(&G, "2", "SumPool2d", 2, 2);
    n_conv(&G, "3", 2, 3, 4, 3, 1, 1, 1, 1, false);
    n_if(&G, "4", 3 * 2 * 2, 1.0f, 0.0f);
    n_flatten(&G, "5");
    n_dense(&G, "6", 4, 12, true);
    n_if(&G, "7", 4, 1.0f, 0.0f);
    g_edge(&G, "input", "0");
    g_edge(&G, "0", "1");
    g_edge(&G, "1", "2");
    g_edge(&G, "2", "3");
    g_edge(&G, "3", "4");
    g_edge(&G, "4", "5");
    g_edge(&G, "5", "6");
    g_edge(&G, "6", "7");
    g_end(&G);
    s_same(G.path, "{\"flavor\": \"sinabs\", \"nodes\": {\"1\": {\"min_v_mem\": -1}}}", 30, 0.35,
           2, "list (composed)");
}

/* A pool that divides the layer exactly before a conv: one composed kernel;
 * and a conv followed by an average pool, grouped channels. */
Test(nir_compile, composed_windows, .init = setup, .fini = teardown)
{
    s_graph_t G;
    g_begin(&G, "c");
    const int64_t shp[3] = {4, 8, 8};
    n_io(&G, "input", "Input", 3, shp);
    n_conv(&G, "0", 2, 4, 2, 3, 1, 1, 1, 2, true); /* groups 2 */
    n_pool(&G, "1", "AvgPool2d", 2, 2);
    n_leaky(&G, "2", 4 * 4 * 4, 0.5f, 0.75f);
    n_pool(&G, "3", "SumPool2d", 2, 2);
    n_conv(&G, "4", 2, 2, 4, 3, 1, 1, 1, 1, false);
    n_leaky(&G, "5", 2 * 2 * 2, 0.625f, 1.0f);
    g_edge(&G, "input", "0");
    g_edge(&G, "0", "1");
    g_edge(&G, "1", "2");
    g_edge(&G, "2", "3");
    g_edge(&G, "3", "4");
    g_edge(&G, "4", "5");
    g_end(&G);
    s_same(G.path, SNN, 40, 0.4, 1, "conv2d (composed)");
}

/* Conv1d with dilation and padding, onto IF (Sinabs). */
Test(nir_compile, conv1d_dilated, .init = setup, .fini = teardown)
{
    s_graph_t G;
    g_begin(&G, "d");
    const int64_t shp[2] = {2, 12};
    n_io(&G, "input", "Input", 2, shp);
    n_conv(&G, "0", 1, 3, 2, 3, 1, 2, 2, 1, true);
    n_if(&G, "1", 3 * 12, 1.0f, 0.0f);
    g_edge(&G, "input", "0");
    g_edge(&G, "0", "1");
    g_end(&G);
    s_same(G.path, SINABS, 30, 0.4, 1, "conv2d");
}

/* snnTorch RLeaky with a zero reset and a recurrent Affine (its bias acts
 * from step 0), Scale and a two-step Delay on the way to a second layer fed
 * from two paths (a skip connection summed with the direct one). */
Test(nir_compile, recurrence_scale_delay_and_two_inputs, .init = setup, .fini = teardown)
{
    s_graph_t G;
    g_begin(&G, "e");
    const int64_t six = 6;
    n_io(&G, "input", "Input", 1, &six);
    n_dense(&G, "fc1", 8, 6, false);
    n_leaky(&G, "l1.lif", 8, 0.875f, 1.0f);
    n_dense(&G, "l1.w_rec", 8, 8, true);
    hid_t sc = g_node(&G, "sc", "Scale");
    w_fill(sc, "scale", 8, 0.5f);
    H5Gclose(sc);
    hid_t dl = g_node(&G, "dl", "Delay");
    w_fill(dl, "delay", 8, 2e-4f); /* two steps of dt = 1e-4 */
    H5Gclose(dl);
    n_dense(&G, "fc2", 4, 8, true);
    n_dense(&G, "skip", 4, 6, false);
    n_leaky(&G, "l2", 4, 0.75f, 0.75f);
    g_edge(&G, "input", "fc1");
    g_edge(&G, "fc1", "l1.lif");
    g_edge(&G, "l1.lif", "l1.w_rec");
    g_edge(&G, "l1.w_rec", "l1.lif");
    g_edge(&G, "l1.lif", "sc");
    g_edge(&G, "sc", "dl");
    g_edge(&G, "dl", "fc2");
    g_edge(&G, "fc2", "l2");
    g_edge(&G, "input", "skip");
    g_edge(&G, "skip", "l2");
    g_end(&G);
    s_same(G.path,
           "{\"flavor\": \"snntorch\", \"nodes\": {\"l1.lif\": {\"reset_mechanism\": \"zero\"}, "
           "\"l2\": {\"reset_delay\": false}}}",
           60, 0.3, 1, NULL);
}

/* Norse: IF with a reset value, Delay of one value per neuron next to the
 * source, into a LIF box cell with a leak potential. */
Test(nir_compile, norse_if_per_neuron_delay, .init = setup, .fini = teardown)
{
    s_graph_t G;
    g_begin(&G, "f");
    const int64_t four = 4;
    n_io(&G, "input_tensor", "Input", 1, &four);
    n_dense(&G, "_0", 5, 4, true);
    n_if(&G, "_1", 5, 0.75f, -0.25f);
    hid_t dl = g_node(&G, "_2", "Delay");
    float d[5] = {0, 1e-3f, 2e-3f, 3e-3f, 1e-3f};
    hsize_t n5 = 5;
    w_f32(dl, "delay", 1, &n5, d);
    H5Gclose(dl);
    n_dense(&G, "_3", 3, 5, false);
    hid_t l = g_node(&G, "_4", "LIF");
    w_fill(l, "tau", 3, 0.015625f);
    w_fill(l, "r", 3, 1);
    w_fill(l, "v_leak", 3, 0.125f);
    w_fill(l, "v_threshold", 3, 0.5f);
    w_fill(l, "v_reset", 3, 0);
    H5Gclose(l);
    g_edge(&G, "input_tensor", "_0");
    g_edge(&G, "_0", "_1");
    g_edge(&G, "_1", "_2");
    g_edge(&G, "_2", "_3");
    g_edge(&G, "_3", "_4");
    g_end(&G);
    s_same(G.path, "{\"flavor\": \"norse\", \"dt\": 0.001}", 60, 0.4, 1, "list");
}

/* ---- refusals ------------------------------------------------------------ */

/* A two-layer graph whose second node is written by `second`. */
static void s_refused(const char *side, void (*second)(s_graph_t *), const char *want)
{
    s_graph_t G;
    g_begin(&G, "r");
    const int64_t three = 3;
    n_io(&G, "in", "Input", 1, &three);
    n_dense(&G, "w", 3, 3, false);
    second(&G);
    g_edge(&G, "in", "w");
    g_edge(&G, "w", "x");
    g_end(&G);
    sm_error_t err;
    sm_error_clear(&err);
    sm_nir_graph_t *g;
    sm_nir_side_t *sd;
    sm_nir_net_t *nn = s_compile(G.path, side, &g, &sd, &err);
    cr_expect_null(nn, "compiled, expected '%s'", want);
    cr_expect(strstr(err.msg, want) != NULL, "message '%s' lacks '%s'", err.msg, want);
    cr_expect(strstr(err.msg, G.path) != NULL, "message '%s' lacks the file", err.msg);
    sm_nir_net_destroy(&nn);
    sm_nir_side_destroy(&sd);
    sm_nir_graph_destroy(&g);
}

static void x_if(s_graph_t *G) { n_if(G, "x", 3, 1.0f, 0.0f); }
static void x_leak(s_graph_t *G)
{
    hid_t g = g_node(G, "x", "LIF");
    w_fill(g, "tau", 3, 1e-3f);
    w_fill(g, "r", 3, 10.0f);
    w_fill(g, "v_leak", 3, 0.5f);
    w_fill(g, "v_threshold", 3, 1.0f);
    H5Gclose(g);
}
static void x_r2(s_graph_t *G)
{
    hid_t g = g_node(G, "x", "IF");
    w_fill(g, "r", 3, 2.0f);
    w_fill(g, "v_threshold", 3, 1.0f);
    H5Gclose(g);
}
static void x_cuba(s_graph_t *G)
{
    hid_t g = g_node(G, "x", "CubaLIF");
    w_fill(g, "tau_syn", 3, 1e-3f);
    w_fill(g, "tau_mem", 3, 1e-3f);
    w_fill(g, "r", 3, 1.0f);
    w_fill(g, "v_leak", 3, 0.0f);
    w_fill(g, "v_threshold", 3, 1.0f);
    H5Gclose(g);
}

Test(nir_compile, refusals, .init = setup, .fini = teardown)
{
    s_refused(SNN, x_if, "node 'x' (IF): cannot be honoured under flavor snntorch");
    s_refused(SNN, x_leak, "node 'x' (LIF): field 'v_leak': snnTorch has no leak potential");
    s_refused("{\"flavor\": \"norse\"}", x_r2, "node 'x' (IF): field 'r': norse writes r = 1");
    s_refused(SINABS, x_cuba, "node 'x' (CubaLIF): cannot be honoured under flavor sinabs");
    s_refused("{\"flavor\": \"sinabs\", \"nodes\": {\"x\": {\"min_v_mem\": 2}}}", x_if,
              "node 'x' (IF): min_v_mem 2 must be below the threshold 1");
}

/* A leaky integrator's output is its membrane, not spikes: it cannot feed
 * a layer. A delay must be whole steps. */
Test(nir_compile, membranes_and_fractional_delays_refused, .init = setup, .fini = teardown)
{
    s_graph_t G;
    g_begin(&G, "li");
    const int64_t two = 2;
    n_io(&G, "in", "Input", 1, &two);
    n_dense(&G, "a", 2, 2, false);
    hid_t li = g_node(&G, "li", "LI");
    w_fill(li, "tau", 2, 0.01f);
    w_fill(li, "r", 2, 1);
    w_fill(li, "v_leak", 2, 0);
    H5Gclose(li);
    n_dense(&G, "b", 2, 2, false);
    n_if(&G, "out", 2, 1.0f, 0.0f);
    g_edge(&G, "in", "a");
    g_edge(&G, "a", "li");
    g_edge(&G, "li", "b");
    g_edge(&G, "b", "out");
    g_end(&G);
    sm_error_t err;
    sm_error_clear(&err);
    sm_nir_graph_t *g;
    sm_nir_side_t *sd;
    sm_nir_net_t *nn = s_compile(G.path, "{\"flavor\": \"norse\"}", &g, &sd, &err);
    cr_expect_null(nn);
    cr_expect(strstr(err.msg, "li -> b -> out: node 'li' (LI) sends no spikes") != NULL, "%s",
              err.msg);
    sm_nir_side_destroy(&sd);
    sm_nir_graph_destroy(&g);

    g_begin(&G, "dl");
    n_io(&G, "in", "Input", 1, &two);
    hid_t dl = g_node(&G, "d", "Delay");
    w_fill(dl, "delay", 2, 1.5e-4f);
    H5Gclose(dl);
    n_leaky(&G, "l", 2, 0.5f, 1.0f);
    g_edge(&G, "in", "d");
    g_edge(&G, "d", "l");
    g_end(&G);
    sm_error_clear(&err);
    nn = s_compile(G.path, SNN, &g, &sd, &err);
    cr_expect_null(nn);
    cr_expect(strstr(err.msg, "node 'd' (Delay): field 'delay'") != NULL &&
                  strstr(err.msg, "whole steps") != NULL,
              "%s", err.msg);
    sm_nir_side_destroy(&sd);
    sm_nir_graph_destroy(&g);
}

/* ---- NIR data files as inputs ------------------------------------------------- */

static void a_str(hid_t obj, const char *name, const char *v)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert(a >= 0 && H5Awrite(a, t, &v) >= 0);
    H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
}

static void a_num(hid_t obj, const char *name, double v)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert(a >= 0 && H5Awrite(a, H5T_NATIVE_DOUBLE, &v) >= 0);
    H5Aclose(a);
    H5Sclose(sp);
}

static void d_num(hid_t g, const char *name, hid_t type, int nd, const hsize_t *dims, const void *v,
                  hid_t mem)
{
    hid_t sp = H5Screate_simple(nd, dims, NULL);
    hid_t d = H5Dcreate2(g, name, type, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert(d >= 0 && H5Dwrite(d, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    H5Dclose(d);
    H5Sclose(sp);
}

/* A data file with one observable of `type` for node `node`; returns the
 * observable's group (caller closes it and then the file with f_end). */
static hid_t f_begin(const char *path, const char *node, const char *obs, const char *type,
                     hid_t *f, hid_t *held)
{
    *f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert(*f >= 0);
    a_str(*f, "__type__", "NIRGraphData");
    hid_t nodes = H5Gcreate2(*f, "nodes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t n = H5Gcreate2(nodes, node, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    a_str(n, "__type__", "NIRNodeData");
    hid_t o = H5Gcreate2(n, "observables", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t g = H5Gcreate2(o, obs, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    a_str(g, "__type__", type);
    held[0] = nodes;
    held[1] = n;
    held[2] = o;
    return g;
}

static void f_end(hid_t f, hid_t g, const hid_t *held)
{
    H5Gclose(g);
    for (int i = 2; i >= 0; i--)
        H5Gclose(held[i]);
    H5Fclose(f);
}

static uint8_t s_at(const sm_npy_t *a, uint64_t t, uint64_t b, uint64_t i)
{
    return ((const uint8_t *)a->data)[(t * a->shape[1] + b) * a->shape[2] + i];
}

Test(nir_compile, nir_data_inputs, .init = setup, .fini = teardown)
{
    char path[600];
    hid_t f, held[3];
    sm_error_t err;
    /* TimeGriddedData [samples 2, steps 3, neurons 4], a count of 2 in it. */
    snprintf(path, sizeof path, "%s/grid.h5", s_dir);
    hid_t g = f_begin(path, "input", "spikes", "TimeGriddedData", &f, held);
    float data[24] = {0};
    data[0 * 12 + 1 * 4 + 2] = 1;  /* sample 0, step 1, neuron 2 */
    data[1 * 12 + 2 * 4 + 3] = 2;  /* sample 1, step 2, neuron 3 */
    hsize_t dd[3] = {2, 3, 4};
    d_num(g, "data", H5T_IEEE_F32LE, 3, dd, data, H5T_NATIVE_FLOAT);
    a_num(g, "dt", 1e-3);
    f_end(f, g, held);
    cr_expect(sm_nir_data_is_hdf5(path));
    sm_error_clear(&err);
    sm_npy_t *a = sm_nir_data_load(path, "input", 1e-3, &err);
    cr_assert_not_null(a, "%s", err.msg);
    cr_expect(a->ndim == 3 && a->shape[0] == 3 && a->shape[1] == 2 && a->shape[2] == 4);
    cr_expect_eq(s_at(a, 1, 0, 2), 1);
    cr_expect_eq(s_at(a, 2, 1, 3), 2);
    unsigned total = 0;
    for (uint64_t i = 0; i < a->n; i++)
        total += ((const uint8_t *)a->data)[i];
    cr_expect_eq(total, 3);
    sm_npy_destroy(&a);
    /* Another node than the file's: refused by name. */
    a = sm_nir_data_load(path, "in", 1e-3, &err);
    cr_expect_null(a);
    cr_expect(strstr(err.msg, "no data for the input node 'in'") != NULL, "%s", err.msg);

    /* EventData: an event at (k + 1) dt lands in step k; -1 is no event. */
    snprintf(path, sizeof path, "%s/ev.h5", s_dir);
    g = f_begin(path, "input", "spikes", "EventData", &f, held);
    int64_t idx[2 * 3] = {0, 3, -1, 1, 1, 2};
    double tm[2 * 3] = {1e-3, 3e-3, INFINITY, 2e-3, 2e-3, 9e-3};
    hsize_t de[2] = {2, 3};
    d_num(g, "idx", H5T_STD_I64LE, 2, de, idx, H5T_NATIVE_INT64);
    d_num(g, "time", H5T_IEEE_F64LE, 2, de, tm, H5T_NATIVE_DOUBLE);
    a_num(g, "n_neurons", 4);
    a_num(g, "t_max", 5e-3);
    f_end(f, g, held);
    a = sm_nir_data_load(path, "input", 1e-3, &err);
    cr_assert_not_null(a, "%s", err.msg);
    cr_expect(a->shape[0] == 5 && a->shape[1] == 2 && a->shape[2] == 4);
    cr_expect_eq(s_at(a, 0, 0, 0), 1);
    cr_expect_eq(s_at(a, 2, 0, 3), 1);
    cr_expect_eq(s_at(a, 1, 1, 1), 1);   /* twice at the same step: one, as nir's grid */
    total = 0;
    for (uint64_t i = 0; i < a->n; i++)
        total += ((const uint8_t *)a->data)[i];
    cr_expect_eq(total, 3, "the event past t_max is dropped");
    sm_npy_destroy(&a);

    /* Not a data file: the root says what it is not. */
    snprintf(path, sizeof path, "%s/bad.h5", s_dir);
    g = f_begin(path, "input", "spikes", "Spikes", &f, held);
    f_end(f, g, held);
    a = sm_nir_data_load(path, "input", 1e-3, &err);
    cr_expect_null(a);
    cr_expect(strstr(err.msg, "__type__ 'Spikes'") != NULL, "%s", err.msg);
}
