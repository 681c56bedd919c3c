/* NIR graphs: the exports of snnTorch, Norse and Sinabs land node by node
 * (types, shapes, parameters, the constants the libraries ran with); broken
 * files (truncated, corrupt, missing or mistyped datasets, bad graphs) are
 * refused with the node and field, never a crash; the conventions file. */
#include <criterion/criterion.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "csv.h"
#include "nir.h"
#include "nir_side.h"

#define DATA SM_SOURCE_DIR "/tests/data/nir"

static char s_tmp[256];

static void make_tmp(void)
{
    snprintf(s_tmp, sizeof s_tmp, "/tmp/sm_nir_XXXXXX");
    cr_assert_not_null(mkdtemp(s_tmp));
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

static void rm_tmp(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_tmp);
    cr_assert_eq(system(cmd), 0);
}

static sm_nir_graph_t *load_case(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, DATA "/%s.nir", name);
    sm_error_t err;
    sm_error_clear(&err);
    sm_nir_graph_t *g = sm_nir_load(path, &err);
    cr_assert_not_null(g, "%s: %s", name, err.msg);
    return g;
}

static const sm_nir_node_t *node(const sm_nir_graph_t *g, const char *name)
{
    int32_t i = sm_nir_find(g, name);
    cr_assert(i >= 0, "no node '%s'", name);
    return &g->nodes[i];
}

static void expect_shape(const sm_nir_shape_t *s, uint32_t nd, const int64_t *dims,
                         const char *what)
{
    char buf[96];
    cr_expect_eq(s->ndim, nd, "%s: shape %s", what, sm_nir_shape_str(s, buf, sizeof buf));
    for (uint32_t i = 0; i < nd && i < s->ndim; i++)
        cr_expect_eq(s->dim[i], dims[i], "%s: shape %s", what, sm_nir_shape_str(s, buf, sizeof buf));
}

#define SHAPE(s, ...)                                                                     \
    do {                                                                                  \
        const int64_t d_[] = {__VA_ARGS__};                                               \
        expect_shape((s), sizeof d_ / sizeof d_[0], d_, #s);                              \
    } while (0)

static const sm_nir_edge_t *edge(const sm_nir_graph_t *g, const char *src, const char *dst)
{
    for (uint32_t e = 0; e < g->n_edges; e++)
        if (!strcmp(g->nodes[g->edges[e].src].name, src) &&
            !strcmp(g->nodes[g->edges[e].dst].name, dst))
            return &g->edges[e];
    cr_assert_fail("no edge %s -> %s", src, dst);
    return NULL;
}

/* ----------------------------------------------------- the reference cases */

Test(nir, paper_cnn_sinabs_nodes_shapes_and_synapses)
{
    sm_nir_graph_t *g = load_case("paper_cnn_sinabs");
    cr_expect_str_eq(g->version, "1.0.8.dev9+g7232ada");
    cr_expect_eq(g->n_nodes, 15);
    cr_expect_eq(g->n_edges, 14);
    cr_expect_str_eq(g->nodes[g->order[0]].name, "input");
    cr_expect_str_eq(g->nodes[g->order[14]].name, "output");
    for (uint32_t e = 0; e < g->n_edges; e++)
        cr_expect(!g->edges[e].recurrent);
    static const char *const chain[] = {"input", "0", "1", "2", "3", "4", "5", "6",
                                        "7", "8", "9", "10", "11", "12", "output"};
    for (int i = 0; i < 15; i++)
        cr_expect_eq(node(g, chain[i])->topo, (uint32_t)i, "%s", chain[i]);

    const sm_nir_node_t *c0 = node(g, "0");
    cr_expect_eq(c0->type, SM_NIR_CONV2D);
    SHAPE(&c0->in_shape, 2, 34, 34);
    SHAPE(&c0->out_shape, 16, 16, 16);
    cr_expect_eq(c0->geom.kernel[0], 5);
    cr_expect_eq(c0->geom.stride[1], 2);
    cr_expect_eq(c0->geom.pad_lo[0], 1);
    cr_expect_eq(c0->geom.pad_hi[1], 1);
    cr_expect_eq(c0->geom.c_in_per_group, 2);
    cr_expect_eq(c0->geom.groups, 1);
    cr_expect(c0->geom.has_input_shape);
    const sm_nir_array_t *w = sm_nir_field(c0, "weight");
    cr_assert_not_null(w);
    cr_expect_eq(w->dtype, SM_NIR_F32);
    SHAPE(&w->shape, 16, 2, 5, 5);
    cr_expect_eq(w->v[0], (double)-0.25734219f);
    cr_expect(!w->compressed, "sinabs writes torch tensors uncompressed");
    double lo, hi;
    sm_nir_range(w, &lo, &hi);
    cr_expect_eq(lo, (double)-1.78928602f);
    cr_expect_eq(hi, (double)0.511303008f);

    const sm_nir_node_t *if1 = node(g, "1");
    cr_expect_eq(if1->type, SM_NIR_IF);
    SHAPE(&if1->out_shape, 16, 16, 16);
    cr_expect(sm_nir_field(if1, "v_reset")->compressed, "nir fills v_reset as numpy: gzip");
    cr_expect(!sm_nir_field(if1, "v_threshold")->compressed);
    SHAPE(&node(g, "4")->out_shape, 16, 8, 8);
    SHAPE(&node(g, "5")->out_shape, 8, 8, 8);
    SHAPE(&node(g, "7")->out_shape, 8, 4, 4);
    const sm_nir_node_t *fl = node(g, "8");
    cr_expect_eq(fl->type, SM_NIR_FLATTEN);
    SHAPE(&fl->out_shape, 128);
    cr_expect_eq(fl->start_dim, 0);
    cr_expect_eq(fl->end_dim, 2);
    SHAPE(&node(g, "9")->out_shape, 256);
    SHAPE(&node(g, "12")->out_shape, 10);
    SHAPE(&node(g, "output")->in_shape, 10);

    /* The "expanded 0.84 M synapses". */
    cr_expect_eq(sm_nir_expanded_synapses(c0), 199712);
    cr_expect_eq(sm_nir_expanded_synapses(node(g, "2")), 541696);
    cr_expect_eq(sm_nir_expanded_synapses(node(g, "4")), 4096);
    cr_expect_eq(sm_nir_stored_weights(node(g, "2")), 16 * 16 * 9);
    uint64_t total = 0;
    for (uint32_t i = 0; i < g->n_nodes; i++)
        total += sm_nir_expanded_synapses(&g->nodes[i]);
    cr_expect_eq(total, 843296);

    sm_nir_target_t t = sm_nir_target(if1, SM_NIR_FLAVOR_SINABS);
    cr_expect_eq(t.role, SM_NIR_ROLE_POPULATION);
    cr_expect_str_eq(t.model, "iaf");
    cr_expect_str_eq(t.style, "sinabs");
    cr_expect_str_eq(sm_nir_target(c0, SM_NIR_FLAVOR_SINABS).model, "conv2d");
    cr_expect_str_eq(sm_nir_target(node(g, "4"), SM_NIR_FLAVOR_SINABS).model, "conv2d");
    cr_expect_eq(sm_nir_target(fl, SM_NIR_FLAVOR_SINABS).role, SM_NIR_ROLE_RESHAPE);
    cr_expect_str_eq(sm_nir_target(node(g, "9"), SM_NIR_FLAVOR_SINABS).model, "dense");
    cr_expect_eq(sm_nir_target(if1, SM_NIR_FLAVOR_SNNTORCH).role, SM_NIR_ROLE_REFUSED);
    sm_nir_graph_destroy(&g);
    cr_expect_null(g);
}

Test(nir, sinabs_cnn_iaf_shapes)
{
    sm_nir_graph_t *g = load_case("sinabs_cnn_iaf");
    cr_expect_eq(g->n_nodes, 11);
    cr_expect_eq(g->n_edges, 10);
    SHAPE(&node(g, "input")->out_shape, 2, 16, 16);
    SHAPE(&node(g, "0")->out_shape, 4, 16, 16);
    SHAPE(&node(g, "1")->out_shape, 4, 16, 16);
    SHAPE(&node(g, "2")->out_shape, 4, 8, 8);
    SHAPE(&node(g, "3")->out_shape, 8, 8, 8);
    SHAPE(&node(g, "5")->out_shape, 8, 4, 4);
    SHAPE(&node(g, "6")->out_shape, 128);
    SHAPE(&node(g, "7")->out_shape, 10);
    cr_expect_eq(node(g, "8")->type, SM_NIR_IF);
    cr_expect_eq(sm_nir_field(node(g, "3"), "weight")->v[0], 0.109375);
    sm_nir_graph_destroy(&g);
}

Test(nir, snn_cnn_avgpool_scalar_kernel_and_flatten)
{
    sm_nir_graph_t *g = load_case("snn_cnn_avgpool");
    cr_expect_eq(g->n_nodes, 8);
    const sm_nir_node_t *p = node(g, "2");
    cr_expect_eq(p->type, SM_NIR_AVGPOOL2D);
    cr_expect_eq(sm_nir_field(p, "kernel_size")->shape.ndim, 0, "snnTorch's AvgPool2d(2)");
    cr_expect_eq(p->geom.kernel[0], 2);
    cr_expect_eq(p->geom.kernel[1], 2);
    cr_expect_eq(p->geom.stride[1], 2);
    SHAPE(&p->out_shape, 6, 8, 8);
    SHAPE(&node(g, "3")->out_shape, 384);
    const sm_nir_node_t *l = node(g, "1");
    cr_expect_eq(l->type, SM_NIR_LIF);
    SHAPE(&sm_nir_field(l, "r")->shape, 6, 16, 16);
    double lo, hi;
    sm_nir_range(sm_nir_field(l, "r"), &lo, &hi);
    cr_expect_eq(lo, (double)6.9236474f);
    cr_expect_eq(hi, (double)9.66740799f);
    cr_expect(sm_nir_field(l, "tau")->compressed);
    cr_expect_eq(sm_nir_expanded_synapses(p), 6 * 8 * 8 * 4);
    cr_expect_str_eq(sm_nir_target(l, SM_NIR_FLAVOR_SNNTORCH).library, "snntorch.Leaky");
    sm_nir_graph_destroy(&g);
}

/* beta as the snnTorch model had it (expected.json "original.beta"). */
static const double s_beta1[] = {
    0.9324734807014465, 0.8503552079200745, 0.8929747343063354, 0.8687317371368408,
    0.9036266803741455, 0.8720433712005615, 0.8690264225006104, 0.8446715474128723,
    0.8189948797225952, 0.8610138297080994, 0.897789478302002,  0.8895267248153687,
    0.8903416395187378, 0.8049772381782532, 0.8522040843963623, 0.9050567150115967};
static const double s_beta3[] = {0.9012467265129089, 0.946074903011322,  0.8725641965866089,
                                 0.9059897661209106, 0.9608260989189148, 0.9579312801361084};

Test(nir, snntorch_leaky_beta_recovered_exactly)
{
    sm_nir_graph_t *g = load_case("snn_ff2_leaky_subtract");
    cr_expect_eq(g->n_nodes, 6);
    const sm_nir_node_t *l1 = node(g, "1"), *l3 = node(g, "3");
    const sm_nir_array_t *t1 = sm_nir_field(l1, "tau"), *t3 = sm_nir_field(l3, "tau");
    cr_assert_eq(t1->n, 16);
    cr_assert_eq(t3->n, 6);
    for (size_t i = 0; i < 16; i++)
        cr_expect_eq(sm_nir_snntorch_decay(t1, i, 1e-4), (float)s_beta1[i], "beta[%zu]", i);
    for (size_t i = 0; i < 6; i++)
        cr_expect_eq(sm_nir_snntorch_decay(t3, i, 1e-4), (float)s_beta3[i], "beta[%zu]", i);
    cr_expect_eq(sm_nir_field(l3, "v_threshold")->v[0], 0.75);
    SHAPE(&node(g, "0")->in_shape, 20);
    SHAPE(&node(g, "0")->out_shape, 16);
    sm_nir_graph_destroy(&g);
}

static const double s_alpha1[] = {0.7493911385536194, 0.7097315192222595, 0.5053501129150391,
                                  0.6655550599098206, 0.6354275941848755, 0.5479429960250854,
                                  0.566421627998352,  0.7282431721687317, 0.6147986650466919,
                                  0.6099537014961243, 0.7945359349250793, 0.5848078727722168};
static const double s_sbeta1[] = {0.8549305200576782, 0.8464158177375793, 0.8999167084693909,
                                  0.8156858682632446, 0.8309507966041565, 0.8990890979766846,
                                  0.8630737662315369, 0.9035926461219788, 0.8358873724937439,
                                  0.8432114124298096, 0.8367653489112854, 0.9188948273658752};
static const double s_alpha3[] = {0.8492328524589539, 0.6500850319862366, 0.7839153409004211,
                                  0.6967898607254028};
static const double s_sbeta3[] = {0.8554308414459229, 0.8593878149986267, 0.9499301314353943,
                                  0.9181647896766663};

Test(nir, snntorch_synaptic_alpha_beta_recovered_exactly)
{
    sm_nir_graph_t *g = load_case("snn_ff2_synaptic");
    const sm_nir_node_t *l1 = node(g, "1"), *l3 = node(g, "3");
    cr_expect_eq(l1->type, SM_NIR_CUBALIF);
    for (size_t i = 0; i < 12; i++) {
        cr_expect_eq(sm_nir_snntorch_decay(sm_nir_field(l1, "tau_syn"), i, 1e-4), (float)s_alpha1[i]);
        cr_expect_eq(sm_nir_snntorch_decay(sm_nir_field(l1, "tau_mem"), i, 1e-4), (float)s_sbeta1[i]);
    }
    for (size_t i = 0; i < 4; i++) {
        cr_expect_eq(sm_nir_snntorch_decay(sm_nir_field(l3, "tau_syn"), i, 1e-4), (float)s_alpha3[i]);
        cr_expect_eq(sm_nir_snntorch_decay(sm_nir_field(l3, "tau_mem"), i, 1e-4), (float)s_sbeta3[i]);
    }
    cr_expect_eq(sm_nir_field(l3, "v_threshold")->v[0], 1.25);
    sm_nir_graph_destroy(&g);
}

Test(nir, braille_recurrence_and_float64_parameters)
{
    sm_nir_graph_t *g = load_case("paper_braille_subtract");
    cr_expect_eq(g->n_nodes, 7);
    cr_expect_eq(g->n_edges, 7);
    const sm_nir_node_t *lif = node(g, "lif1.lif"), *rec = node(g, "lif1.w_rec");
    cr_expect_eq(lif->type, SM_NIR_CUBALIF);
    cr_expect_eq(rec->type, SM_NIR_LINEAR);
    cr_expect(edge(g, "lif1.w_rec", "lif1.lif")->recurrent, "the edge back closes the cycle");
    cr_expect(!edge(g, "lif1.lif", "lif1.w_rec")->recurrent);
    cr_expect(!edge(g, "fc1", "lif1.lif")->recurrent);
    uint32_t nrec = 0;
    for (uint32_t e = 0; e < g->n_edges; e++)
        nrec += g->edges[e].recurrent;
    cr_expect_eq(nrec, 1);
    cr_expect(lif->topo < rec->topo);
    cr_expect(node(g, "fc1")->topo < lif->topo);
    /* RSynaptic's broadcast parameters are float64; Synaptic's float32. */
    const sm_nir_array_t *tm = sm_nir_field(lif, "tau_mem");
    cr_expect_eq(tm->dtype, SM_NIR_F64);
    cr_expect_eq(sm_nir_field(node(g, "lif2"), "tau_mem")->dtype, SM_NIR_F32);
    cr_expect_eq(sm_nir_field(rec, "weight")->dtype, SM_NIR_F32);
    cr_expect_eq(sm_nir_snntorch_decay(tm, 0, 1e-4), 0.85f);
    cr_expect_eq(sm_nir_snntorch_decay(sm_nir_field(lif, "tau_syn"), 39, 1e-4), 0.75f);
    cr_expect_eq(sm_nir_snntorch_decay(sm_nir_field(node(g, "lif2"), "tau_mem"), 3, 1e-4),
                 (float)0.699999988079071);
    cr_expect_eq(sm_nir_snntorch_decay(sm_nir_field(node(g, "lif2"), "tau_syn"), 6, 1e-4),
                 (float)0.44999998807907104);
    SHAPE(&rec->in_shape, 40);
    SHAPE(&node(g, "fc2")->out_shape, 7);
    sm_nir_graph_destroy(&g);
}

Test(nir, norse_lifbox_li_and_paper_lif)
{
    sm_nir_graph_t *g = load_case("norse_lifbox_li");
    static const float tmi1[] = {50, 80, 100, 80, 100, 200, 100, 200, 200, 50, 100, 200};
    static const float tmi3[] = {64, 64, 100, 40};
    const sm_nir_node_t *l1 = node(g, "_1"), *l3 = node(g, "_3");
    cr_expect_eq(l1->type, SM_NIR_LIF);
    cr_expect_eq(l3->type, SM_NIR_LI);
    for (size_t i = 0; i < 12; i++)
        cr_expect_eq(sm_nir_norse_inv(sm_nir_field(l1, "tau"), i), tmi1[i]);
    for (size_t i = 0; i < 4; i++)
        cr_expect_eq(sm_nir_norse_inv(sm_nir_field(l3, "tau"), i), tmi3[i]);
    cr_expect_null(sm_nir_field(l3, "v_threshold"));
    cr_expect_str_eq(sm_nir_target(l1, SM_NIR_FLAVOR_NORSE).library, "norse.LIFBoxCell");
    cr_expect_str_eq(sm_nir_target(l3, SM_NIR_FLAVOR_NORSE).library, "norse.LIBoxCell");
    cr_expect_str_eq(sm_nir_target(l3, SM_NIR_FLAVOR_SINABS).model, "li");
    sm_nir_graph_destroy(&g);

    g = load_case("paper_lif_norse");
    cr_expect_eq(g->n_nodes, 4);
    cr_expect_eq(node(g, "_0")->type, SM_NIR_LINEAR);
    cr_expect_eq(sm_nir_field(node(g, "_0"), "weight")->v[0], 1.0);
    cr_expect_eq(sm_nir_norse_inv(sm_nir_field(node(g, "_1"), "tau"), 0), 400.0f);
    cr_expect_eq(sm_nir_field(node(g, "_1"), "v_threshold")->v[0], (double)0.1f);
    sm_nir_graph_destroy(&g);
}

/* ------------------------------------------------------ a small HDF5 writer */

static hid_t w_group(hid_t loc, const char *name)
{
    hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert(g >= 0, "group %s", name);
    return g;
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

/* nd = 0: a scalar. gzip: deflate-compressed, chunked, as nir.write does. */
static void w_num(hid_t loc, const char *name, hid_t type, int nd, const hsize_t *dims,
                  const void *v, bool gzip)
{
    hid_t sp = nd ? H5Screate_simple(nd, dims, NULL) : H5Screate(H5S_SCALAR);
    hid_t pl = H5Pcreate(H5P_DATASET_CREATE);
    if (gzip && nd) {
        H5Pset_chunk(pl, nd, dims);
        H5Pset_deflate(pl, 4);
    }
    hid_t d = H5Dcreate2(loc, name, type, sp, H5P_DEFAULT, pl, H5P_DEFAULT);
    cr_assert(d >= 0, "dataset %s", name);
    cr_assert(H5Dwrite(d, type == H5T_IEEE_F32LE ? H5T_NATIVE_FLOAT
                          : type == H5T_IEEE_F64LE ? H5T_NATIVE_DOUBLE
                                                   : H5T_NATIVE_INT64,
                       H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    H5Dclose(d);
    H5Pclose(pl);
    H5Sclose(sp);
}

static void w_f32(hid_t loc, const char *name, int nd, const hsize_t *dims, const float *v)
{
    w_num(loc, name, H5T_IEEE_F32LE, nd, dims, v, false);
}

static void w_i64(hid_t loc, const char *name, int nd, const hsize_t *dims, const int64_t *v)
{
    w_num(loc, name, H5T_STD_I64LE, nd, dims, v, false);
}

static void w_edges(hid_t loc, size_t n, const char *const *pairs)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    hsize_t dims[2] = {n, 2};
    hid_t sp = H5Screate_simple(2, dims, NULL);
    hid_t d = H5Dcreate2(loc, "edges", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert(d >= 0);
    if (n)
        cr_assert(H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, pairs) >= 0);
    H5Dclose(d);
    H5Sclose(sp);
    H5Tclose(t);
}

/* A node group under `nodes` with its type set. */
static hid_t w_node(hid_t nodes, const char *name, const char *type)
{
    hid_t g = w_group(nodes, name);
    w_str(g, "type", type);
    return g;
}

static void w_io(hid_t nodes, const char *name, const char *type, int nd, const int64_t *shape)
{
    hid_t g = w_node(nodes, name, type);
    hsize_t n = (hsize_t)nd;
    w_i64(g, "shape", 1, &n, shape);
    H5Gclose(g);
}

static void w_linear(hid_t nodes, const char *name, hsize_t out, hsize_t in, float val)
{
    hid_t g = w_node(nodes, name, "Linear");
    hsize_t d[2] = {out, in};
    float *w = malloc(out * in * sizeof *w);
    for (hsize_t i = 0; i < out * in; i++)
        w[i] = val;
    w_f32(g, "weight", 2, d, w);
    free(w);
    H5Gclose(g);
}

/* A LIF of n neurons (n = 0: scalar parameters), v_reset left out. */
static void w_lif(hid_t nodes, const char *name, hsize_t n)
{
    hid_t g = w_node(nodes, name, "LIF");
    float tau[64], r[64], vl[64], th[64];
    for (int i = 0; i < 64; i++) {
        tau[i] = 1e-3f;
        r[i] = 10.f;
        vl[i] = 0.f;
        th[i] = 1.f;
    }
    int nd = n ? 1 : 0;
    w_f32(g, "tau", nd, &n, tau);
    w_f32(g, "r", nd, &n, r);
    w_f32(g, "v_leak", nd, &n, vl);
    w_f32(g, "v_threshold", nd, &n, th);
    H5Gclose(g);
}

/* Starts a file: returns the file and the top graph's `nodes` group. */
static hid_t w_begin(const char *path, hid_t *top, hid_t *nodes)
{
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert(f >= 0, "%s", path);
    w_str(f, "version", "test");
    *top = w_group(f, "node");
    w_str(*top, "type", "NIRGraph");
    *nodes = w_group(*top, "nodes");
    return f;
}

static void w_end(hid_t f, hid_t top, hid_t nodes)
{
    H5Gclose(nodes);
    H5Gclose(top);
    H5Fclose(f);
}

static void tmp_path(const char *name, char *path, size_t cap)
{
    snprintf(path, cap, "%s/%s", s_tmp, name);
}

/* Loads a file that must be refused: the message must name `want`. */
static void expect_refused(const char *path, sm_err_t code, const char *want)
{
    sm_error_t err;
    sm_error_clear(&err);
    sm_nir_graph_t *g = sm_nir_load(path, &err);
    cr_expect_null(g, "%s: loaded, expected an error with '%s'", path, want);
    sm_nir_graph_destroy(&g);
    cr_expect(strstr(err.msg, want) != NULL, "message '%s' lacks '%s'", err.msg, want);
    cr_expect(strstr(err.msg, path) != NULL, "message '%s' lacks the file", err.msg);
    if (code != SM_OK)
        cr_expect_eq(err.code, code, "%s: code %d (%s)", err.msg, err.code,
                     sm_strerror(err.code));
}

/* ------------------------------------------------------- graphs built here */

Test(nir, recurrent_edge_through_a_neuron, .init = make_tmp, .fini = rm_tmp)
{
    char path[300];
    tmp_path("rec.nir", path, sizeof path);
    hid_t top, nodes, f = w_begin(path, &top, &nodes);
    const int64_t three = 3;
    w_io(nodes, "in", "Input", 1, &three);
    w_io(nodes, "out", "Output", 1, &three);
    w_linear(nodes, "w", 3, 3, 0.5f);
    w_linear(nodes, "r", 3, 3, 0.25f);
    w_lif(nodes, "l", 3);
    /* Listed in an order unrelated to the graph's. */
    const char *e[] = {"r", "l", "l", "out", "w", "l", "in", "w", "l", "r"};
    w_edges(top, 5, e);
    w_end(f, top, nodes);

    sm_error_t err;
    sm_error_clear(&err);
    sm_nir_graph_t *g = sm_nir_load(path, &err);
    cr_assert_not_null(g, "%s", err.msg);
    cr_expect(edge(g, "r", "l")->recurrent);
    cr_expect(!edge(g, "l", "r")->recurrent);
    cr_expect(!edge(g, "w", "l")->recurrent);
    cr_expect_str_eq(g->nodes[g->order[0]].name, "in");
    cr_expect(node(g, "w")->topo < node(g, "l")->topo);
    cr_expect(node(g, "l")->topo < node(g, "r")->topo);
    /* v_reset absent (old files): filled with 0 as nir.read does. */
    const sm_nir_array_t *vr = sm_nir_field(node(g, "l"), "v_reset");
    cr_assert_not_null(vr);
    cr_expect(vr->filled);
    cr_expect_eq(vr->v[0], 0.0);
    SHAPE(&node(g, "l")->out_shape, 3);
    sm_nir_graph_destroy(&g);
}

Test(nir, cycle_without_neuron_refused, .init = make_tmp, .fini = rm_tmp)
{
    char path[300];
    tmp_path("cyc.nir", path, sizeof path);
    hid_t top, nodes, f = w_begin(path, &top, &nodes);
    const int64_t two = 2;
    w_io(nodes, "in", "Input", 1, &two);
    w_io(nodes, "out", "Output", 1, &two);
    w_linear(nodes, "a", 2, 2, 1.f);
    w_linear(nodes, "b", 2, 2, 1.f);
    const char *e[] = {"in", "a", "a", "b", "b", "a", "b", "out"};
    w_edges(top, 4, e);
    w_end(f, top, nodes);
    expect_refused(path, SM_ECYCLE, "cycle a -> b -> a has no neuron on it");
}

Test(nir, nested_graph_inlined, .init = make_tmp, .fini = rm_tmp)
{
    char path[300];
    tmp_path("nest.nir", path, sizeof path);
    hid_t top, nodes, f = w_begin(path, &top, &nodes);
    const int64_t two = 2, three = 3;
    w_io(nodes, "in", "Input", 1, &two);
    w_io(nodes, "out", "Output", 1, &three);
    hid_t sub = w_node(nodes, "sub", "NIRGraph");
    hid_t sn = w_group(sub, "nodes");
    w_io(sn, "i", "Input", 1, &two);
    w_io(sn, "o", "Output", 1, &three);
    w_linear(sn, "lin", 3, 2, 1.f);
    w_lif(sn, "n", 0);
    const char *se[] = {"i", "lin", "lin", "n", "n", "o"};
    w_edges(sub, 3, se);
    H5Gclose(sn);
    H5Gclose(sub);
    const char *e[] = {"in", "sub", "sub", "out"};
    w_edges(top, 2, e);
    w_end(f, top, nodes);

    sm_error_t err;
    sm_error_clear(&err);
    sm_nir_graph_t *tree = sm_nir_read(path, &err);
    cr_assert_not_null(tree, "%s", err.msg);
    cr_expect_eq(tree->n_nodes, 3);
    const sm_nir_node_t *sg = node(tree, "sub");
    cr_expect_eq(sg->type, SM_NIR_GRAPH);
    cr_assert_not_null(sg->sub);
    cr_expect_eq(sg->sub->n_nodes, 4);
    cr_expect_eq(sg->sub->n_edges, 3);
    sm_nir_graph_destroy(&tree);

    sm_nir_graph_t *g = sm_nir_load(path, &err);
    cr_assert_not_null(g, "%s", err.msg);
    cr_expect_eq(g->n_nodes, 6);
    cr_expect_eq(g->n_edges, 5);
    cr_expect(node(g, "sub.i")->port);
    cr_expect(node(g, "sub.o")->port);
    cr_expect(!node(g, "in")->port);
    cr_expect_eq(node(g, "sub.n")->depth, 1);
    edge(g, "in", "sub.i");
    edge(g, "sub.o", "out");
    SHAPE(&node(g, "sub.n")->out_shape, 3);
    SHAPE(&node(g, "out")->in_shape, 3);
    cr_expect_eq(sm_nir_target(node(g, "sub.i"), SM_NIR_FLAVOR_NORSE).role, SM_NIR_ROLE_PASS);
    sm_nir_graph_destroy(&g);
}

/* Input (1, 5, 6) into a Conv2d with the given padding; caller closes. */
static void w_conv_file(const char *path, const char *pad_same, const int64_t *pad,
                        const int64_t *input_shape, const float *stride_f)
{
    hid_t top, nodes, f = w_begin(path, &top, &nodes);
    const int64_t in_shape[3] = {1, 5, 6};
    w_io(nodes, "in", "Input", 3, in_shape);
    hid_t c = w_node(nodes, "c", "Conv2d");
    hsize_t wd[4] = {2, 1, 4, 3}, two = 2, cout = 2;
    float w[24], b[2] = {0, 0};
    for (int i = 0; i < 24; i++)
        w[i] = (float)i / 8;
    w_num(c, "weight", H5T_IEEE_F32LE, 4, wd, w, true);
    w_f32(c, "bias", 1, &cout, b);
    const int64_t one2[2] = {1, 1}, groups = 1;
    if (stride_f)
        w_f32(c, "stride", 1, &two, stride_f);
    else
        w_i64(c, "stride", 1, &two, one2);
    w_i64(c, "dilation", 1, &two, one2);
    w_i64(c, "groups", 0, NULL, &groups);
    if (pad_same)
        w_str(c, "padding", pad_same);
    else
        w_i64(c, "padding", 1, &two, pad);
    if (input_shape)
        w_i64(c, "input_shape", 1, &two, input_shape);
    H5Gclose(c);
    const char *e[] = {"in", "c"};
    w_edges(top, 1, e);
    w_end(f, top, nodes);
}

Test(nir, conv2d_padding_same_and_checks, .init = make_tmp, .fini = rm_tmp)
{
    char path[300];
    tmp_path("same.nir", path, sizeof path);
    w_conv_file(path, "same", NULL, NULL, NULL);
    sm_error_t err;
    sm_error_clear(&err);
    sm_nir_graph_t *g = sm_nir_load(path, &err);
    cr_assert_not_null(g, "%s", err.msg);
    const sm_nir_node_t *c = node(g, "c");
    SHAPE(&c->out_shape, 2, 5, 6);
    /* torch: total d(k-1), the odd pixel at the end. */
    cr_expect_eq(c->geom.pad_lo[0], 1);
    cr_expect_eq(c->geom.pad_hi[0], 2);
    cr_expect_eq(c->geom.pad_lo[1], 1);
    cr_expect_eq(c->geom.pad_hi[1], 1);
    cr_expect(sm_nir_field(c, "weight")->compressed);
    cr_expect_eq(sm_nir_field(c, "weight")->v[9], 9.0 / 8);
    sm_nir_graph_destroy(&g);

    const int64_t p0[2] = {0, 0}, bad_is[2] = {5, 5};
    w_conv_file(path, NULL, p0, NULL, NULL);
    g = sm_nir_load(path, &err);
    cr_assert_not_null(g, "%s", err.msg);
    SHAPE(&node(g, "c")->out_shape, 2, 2, 4);
    sm_nir_graph_destroy(&g);

    w_conv_file(path, "bogus", NULL, NULL, NULL);
    expect_refused(path, SM_EPARSE, "node 'c' (Conv2d): field 'padding': must be an integer, a "
                                    "pair, \"same\" or \"valid\", got \"bogus\"");
    w_conv_file(path, NULL, p0, bad_is, NULL);
    expect_refused(path, SM_EPARSE, "node 'c' (Conv2d): field 'input_shape': says 5 x 5 but the "
                                    "input is [1,5,6]");
    const float s15[2] = {1.5f, 1.5f};
    w_conv_file(path, NULL, p0, NULL, s15);
    expect_refused(path, SM_EPARSE, "node 'c' (Conv2d): field 'stride': expected integers, got 1.5");
    const int64_t pbig[2] = {0, -1};
    w_conv_file(path, NULL, pbig, NULL, NULL);
    expect_refused(path, SM_ERANGE, "field 'padding': must be >= 0, got -1");
}

Test(nir, conv1d_groups_dilation_stride, .init = make_tmp, .fini = rm_tmp)
{
    char path[300];
    tmp_path("c1.nir", path, sizeof path);
    hid_t top, nodes, f = w_begin(path, &top, &nodes);
    const int64_t in_shape[2] = {2, 10};
    w_io(nodes, "in", "Input", 2, in_shape);
    hid_t c = w_node(nodes, "c", "Conv1d");
    hsize_t wd[3] = {4, 1, 3}, four = 4;
    float w[12] = {0}, b[4] = {0};
    w_f32(c, "weight", 3, wd, w);
    w_f32(c, "bias", 1, &four, b);
    const int64_t s = 2, p = 1, d = 2, gr = 2;
    w_i64(c, "stride", 0, NULL, &s);
    w_i64(c, "padding", 0, NULL, &p);
    w_i64(c, "dilation", 0, NULL, &d);
    w_i64(c, "groups", 0, NULL, &gr);
    H5Gclose(c);
    const char *e[] = {"in", "c"};
    w_edges(top, 1, e);
    w_end(f, top, nodes);
    sm_error_t err;
    sm_error_clear(&err);
    sm_nir_graph_t *g = sm_nir_load(path, &err);
    cr_assert_not_null(g, "%s", err.msg);
    /* floor((10 + 2 - 2*2 - 1)/2) + 1 = 4 */
    SHAPE(&node(g, "c")->out_shape, 4, 4);
    cr_expect_eq(node(g, "c")->geom.groups, 2);
    sm_nir_graph_destroy(&g);
}

Test(nir, graph_level_errors, .init = make_tmp, .fini = rm_tmp)
{
    char path[300];
    tmp_path("g.nir", path, sizeof path);
    const int64_t two = 2, three = 3;

    /* An edge naming a node that is not there. */
    hid_t top, nodes, f = w_begin(path, &top, &nodes);
    w_io(nodes, "in", "Input", 1, &two);
    w_lif(nodes, "l", 2);
    const char *e1[] = {"in", "l", "l", "nope"};
    w_edges(top, 2, e1);
    w_end(f, top, nodes);
    expect_refused(path, SM_EPARSE, "edge l -> nope: no node named 'nope'");

    /* An edge into an Input, and a repeated edge. */
    f = w_begin(path, &top, &nodes);
    w_io(nodes, "in", "Input", 1, &two);
    w_lif(nodes, "l", 2);
    const char *e2[] = {"in", "l", "l", "in"};
    w_edges(top, 2, e2);
    w_end(f, top, nodes);
    expect_refused(path, SM_EPARSE, "edge l -> in: an Input node takes no edges");
    f = w_begin(path, &top, &nodes);
    w_io(nodes, "in", "Input", 1, &two);
    w_lif(nodes, "l", 2);
    const char *e3[] = {"in", "l", "in", "l"};
    w_edges(top, 2, e3);
    w_end(f, top, nodes);
    expect_refused(path, SM_EPARSE, "edge in -> l is listed twice");

    /* Sizes that do not meet: 2 values into a Linear taking 3. */
    f = w_begin(path, &top, &nodes);
    w_io(nodes, "in", "Input", 1, &two);
    w_linear(nodes, "w", 3, 3, 1.f);
    const char *e4[] = {"in", "w"};
    w_edges(top, 1, e4);
    w_end(f, top, nodes);
    expect_refused(path, SM_EPARSE, "node 'w' (Linear): field 'weight': takes 3 inputs but the "
                                    "input is [2] (2 values)");

    /* A layer whose parameters have 2 neurons fed 3 values. */
    f = w_begin(path, &top, &nodes);
    w_io(nodes, "in", "Input", 1, &three);
    w_lif(nodes, "l", 2);
    const char *e5[] = {"in", "l"};
    w_edges(top, 1, e5);
    w_end(f, top, nodes);
    expect_refused(path, SM_EPARSE, "node 'l' (LIF): its parameters have shape [2] (2 neurons) "
                                    "but its input is [3]");

    /* Scalar parameters broadcast to the input. */
    f = w_begin(path, &top, &nodes);
    w_io(nodes, "in", "Input", 1, &three);
    w_lif(nodes, "l", 0);
    w_edges(top, 1, e5);
    w_end(f, top, nodes);
    sm_error_t err;
    sm_error_clear(&err);
    sm_nir_graph_t *g = sm_nir_load(path, &err);
    cr_assert_not_null(g, "%s", err.msg);
    SHAPE(&node(g, "l")->out_shape, 3);
    cr_expect_eq(sm_nir_at(sm_nir_field(node(g, "l"), "tau"), 2), (double)1e-3f);
    sm_nir_graph_destroy(&g);

    /* No Input node at all. */
    f = w_begin(path, &top, &nodes);
    w_lif(nodes, "l", 2);
    w_edges(top, 0, NULL);
    w_end(f, top, nodes);
    expect_refused(path, SM_EPARSE, "the graph has no Input node");

    /* Flatten dims beyond the input's. */
    f = w_begin(path, &top, &nodes);
    const int64_t s3[3] = {2, 3, 4};
    w_io(nodes, "in", "Input", 3, s3);
    hid_t fl = w_node(nodes, "fl", "Flatten");
    const int64_t sd = 3, ed = -1;
    w_i64(fl, "start_dim", 0, NULL, &sd);
    w_i64(fl, "end_dim", 0, NULL, &ed);
    H5Gclose(fl);
    const char *e6[] = {"in", "fl"};
    w_edges(top, 1, e6);
    w_end(f, top, nodes);
    expect_refused(path, SM_ERANGE, "node 'fl' (Flatten): field 'start_dim': start_dim 3 and "
                                    "end_dim -1 do not fit the 3 dimensions of [2,3,4]");
}

/* ------------------------------------------------ the exports, damaged */

static size_t copy_case(const char *name, const char *to, size_t cut)
{
    char src[512];
    snprintf(src, sizeof src, DATA "/%s.nir", name);
    size_t len = 0;
    sm_error_t err;
    char *buf = sm_file_read(src, &len, &err);
    cr_assert_not_null(buf, "%s", err.msg);
    FILE *f = fopen(to, "wb");
    cr_assert_not_null(f);
    fwrite(buf, 1, cut && cut < len ? cut : len, f);
    fclose(f);
    free(buf);
    return len;
}

Test(nir, truncated_files_refused, .init = make_tmp, .fini = rm_tmp)
{
    char path[300];
    tmp_path("cut.nir", path, sizeof path);
    size_t len = copy_case("snn_ff2_leaky_subtract", path, 0);
    const size_t cuts[] = {1, 8, 100, 800, 2048, 10000, 30000, 50000, 56000};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        cr_assert(cuts[i] < len);
        copy_case("snn_ff2_leaky_subtract", path, cuts[i]);
        sm_error_t err;
        sm_error_clear(&err);
        sm_nir_graph_t *g = sm_nir_load(path, &err);
        cr_expect_null(g, "cut at %zu loaded", cuts[i]);
        sm_nir_graph_destroy(&g);
        cr_expect(strstr(err.msg, path) && (strstr(err.msg, "HDF5") || strstr(err.msg, "corrupt")),
                  "cut at %zu: %s", cuts[i], err.msg);
    }
    copy_case("snn_ff2_leaky_subtract", path, len - 1);
    expect_refused(path, SM_EPARSE, "truncated");
    FILE *f = fopen(path, "w");
    fputs("{\"not\": \"hdf5\"}\n", f);
    fclose(f);
    expect_refused(path, SM_EPARSE, "not an HDF5 file");
    tmp_path("absent.nir", path, sizeof path);
    expect_refused(path, SM_EIO, "cannot open");
}

/* Flipped bytes: each copy loads or is refused with a message; none may
 * crash the caller (libhdf5 itself may, in the reader process). */
Test(nir, flipped_bytes_never_crash, .init = make_tmp, .fini = rm_tmp, .timeout = 600)
{
    char src[512], path[300];
    snprintf(src, sizeof src, DATA "/sinabs_cnn_iaf.nir");
    tmp_path("flip.nir", path, sizeof path);
    size_t len = 0;
    sm_error_t err;
    unsigned char *buf = (unsigned char *)sm_file_read(src, &len, &err);
    cr_assert_not_null(buf);
    int loaded = 0, refused = 0;
    for (size_t k = 0; k < 40; k++) {
        size_t at = (k * 7919 + 13) % len;
        buf[at] ^= 0x10;
        FILE *f = fopen(path, "wb");
        fwrite(buf, 1, len, f);
        fclose(f);
        buf[at] ^= 0x10;
        sm_error_clear(&err);
        sm_nir_graph_t *g = sm_nir_load(path, &err);
        if (g) {
            loaded++;
        } else {
            refused++;
            cr_expect(strstr(err.msg, path) != NULL, "flip at %zu: %s", at, err.msg);
        }
        sm_nir_graph_destroy(&g);
    }
    cr_expect_eq(loaded + refused, 40);
    free(buf);
}

/* Opens a copy of a case for writing, for the damage below. */
static hid_t open_copy(const char *name, char *path, size_t cap)
{
    tmp_path("bad.nir", path, cap);
    copy_case(name, path, 0);
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    cr_assert(f >= 0);
    return f;
}

static void replace_f32(hid_t f, const char *ds, int nd, const hsize_t *dims, const float *v)
{
    cr_assert(H5Ldelete(f, ds, H5P_DEFAULT) >= 0, "%s", ds);
    w_f32(f, ds, nd, dims, v);
}

Test(nir, damaged_datasets_refused_naming_node_and_field, .init = make_tmp, .fini = rm_tmp)
{
    char path[300];
    const char *c = "snn_ff2_leaky_subtract";
    hid_t f;

    f = open_copy(c, path, sizeof path);
    H5Ldelete(f, "node/nodes/1/tau", H5P_DEFAULT);
    H5Fclose(f);
    expect_refused(path, SM_EPARSE, "node '1' (LIF): missing field 'tau' (LIF needs tau, r, "
                                    "v_leak, v_threshold)");

    f = open_copy(c, path, sizeof path);
    H5Ldelete(f, "node/edges", H5P_DEFAULT);
    H5Fclose(f);
    expect_refused(path, SM_EPARSE, "graph: missing dataset 'edges'");

    f = open_copy(c, path, sizeof path);
    H5Ldelete(f, "node/nodes/0/type", H5P_DEFAULT);
    H5Fclose(f);
    expect_refused(path, SM_EPARSE, "node '0': missing dataset 'type'");

    f = open_copy(c, path, sizeof path);
    H5Ldelete(f, "node/nodes", H5P_DEFAULT);
    H5Fclose(f);
    expect_refused(path, SM_EPARSE, "missing group 'nodes'");

    hsize_t n16 = 16, n15 = 15;
    float tau[16];
    for (int i = 0; i < 16; i++)
        tau[i] = 1e-3f;
    tau[3] = NAN;
    f = open_copy(c, path, sizeof path);
    replace_f32(f, "node/nodes/1/tau", 1, &n16, tau);
    H5Fclose(f);
    expect_refused(path, SM_ERANGE, "node '1' (LIF): field 'tau': NaN at index [3]");

    tau[3] = INFINITY;
    f = open_copy(c, path, sizeof path);
    replace_f32(f, "node/nodes/1/r", 1, &n16, tau);
    H5Fclose(f);
    expect_refused(path, SM_ERANGE, "node '1' (LIF): field 'r': infinity at index [3]");

    tau[3] = -1e-3f;
    f = open_copy(c, path, sizeof path);
    replace_f32(f, "node/nodes/1/tau", 1, &n16, tau);
    H5Fclose(f);
    expect_refused(path, SM_ERANGE, "node '1' (LIF): field 'tau': must be > 0, got -0.001");

    tau[3] = 1e-3f;
    f = open_copy(c, path, sizeof path);
    replace_f32(f, "node/nodes/1/v_threshold", 1, &n15, tau);
    H5Fclose(f);
    expect_refused(path, SM_EPARSE, "node '1' (LIF): field 'v_threshold': shape [15] differs "
                                    "from tau's [16]");

    /* Wrong dtype: a string where numbers belong. */
    f = open_copy(c, path, sizeof path);
    H5Ldelete(f, "node/nodes/1/tau", H5P_DEFAULT);
    w_str(f, "node/nodes/1/tau", "fast");
    H5Fclose(f);
    expect_refused(path, SM_EPARSE, "node '1' (LIF): field 'tau': expected numbers, got a string");

    /* Wrong shapes: an Affine weight for 19 inputs; a bias of 5. */
    float w[16 * 20] = {0}; /* room for the 3-D weight below too */
    hsize_t wd[2] = {16, 19}, n5 = 5;
    f = open_copy(c, path, sizeof path);
    replace_f32(f, "node/nodes/0/weight", 2, wd, w);
    H5Fclose(f);
    expect_refused(path, SM_EPARSE, "node '0' (Affine): field 'weight': takes 19 inputs but the "
                                    "input is [20]");
    f = open_copy(c, path, sizeof path);
    replace_f32(f, "node/nodes/0/bias", 1, &n5, w);
    H5Fclose(f);
    expect_refused(path, SM_EPARSE, "node '0' (Affine): field 'bias': expected 16 values");
    hsize_t w3[3] = {2, 8, 20};
    f = open_copy(c, path, sizeof path);
    replace_f32(f, "node/nodes/0/weight", 3, w3, w);
    H5Fclose(f);
    expect_refused(path, SM_EUNSUPPORTED, "node '0' (Affine): field 'weight': expected a matrix");

    /* An unknown node type. */
    f = open_copy(c, path, sizeof path);
    H5Ldelete(f, "node/nodes/2/type", H5P_DEFAULT);
    w_str(f, "node/nodes/2/type", "MaxPool2d");
    H5Fclose(f);
    expect_refused(path, SM_EUNSUPPORTED, "node '2': unknown node type 'MaxPool2d'");

    /* An Input shape that is not a size. */
    int64_t zero = 0;
    hsize_t one = 1;
    f = open_copy(c, path, sizeof path);
    H5Ldelete(f, "node/nodes/input/shape", H5P_DEFAULT);
    w_i64(f, "node/nodes/input/shape", 1, &one, &zero);
    H5Fclose(f);
    expect_refused(path, SM_ERANGE, "node 'input' (Input): field 'shape': size 0 must be in");

    /* Edges with three columns. */
    f = open_copy(c, path, sizeof path);
    H5Ldelete(f, "node/edges", H5P_DEFAULT);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    hsize_t ed[2] = {1, 3};
    const char *row[3] = {"input", "0", "1"};
    hid_t sp = H5Screate_simple(2, ed, NULL);
    hid_t ds = H5Dcreate2(f, "node/edges", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, row);
    H5Dclose(ds);
    H5Sclose(sp);
    H5Tclose(t);
    H5Fclose(f);
    expect_refused(path, SM_EPARSE, "dataset 'edges': expected shape [E,2]");

    /* Integer fields of the wrong form (a Conv export). */
    f = open_copy("sinabs_cnn_iaf", path, sizeof path);
    H5Ldelete(f, "node/nodes/0/groups", H5P_DEFAULT);
    const int64_t g2[2] = {1, 1};
    hsize_t two = 2;
    w_i64(f, "node/nodes/0/groups", 1, &two, g2);
    H5Fclose(f);
    expect_refused(path, SM_EPARSE, "node '0' (Conv2d): field 'groups': expected one integer, "
                                    "got shape [2]");
    f = open_copy("sinabs_cnn_iaf", path, sizeof path);
    H5Ldelete(f, "node/nodes/3/weight", H5P_DEFAULT);
    float cw[8 * 3 * 9] = {0};
    hsize_t cd[4] = {8, 3, 3, 3};
    w_f32(f, "node/nodes/3/weight", 4, cd, cw);
    H5Fclose(f);
    expect_refused(path, SM_EPARSE, "node '3' (Conv2d): field 'weight': input has 4 channels but "
                                    "the kernel takes 3 x 1 groups = 3");
}

/* ------------------------------------------------------ conventions */

static sm_nir_side_t *side_of(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, DATA "/%s.side.json", name);
    sm_error_t err;
    sm_error_clear(&err);
    sm_nir_side_t *s = sm_nir_side_load(path, &err);
    cr_assert_not_null(s, "%s", err.msg);
    return s;
}

Test(nir, conventions_of_the_cases)
{
    static const char *const cases[] = {"norse_lifbox_li", "paper_braille_subtract",
                                        "paper_cnn_sinabs", "paper_lif_norse", "sinabs_cnn_iaf",
                                        "snn_cnn_avgpool", "snn_ff2_leaky_subtract",
                                        "snn_ff2_synaptic"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sm_nir_side_t *s = side_of(cases[i]);
        sm_nir_graph_t *g = load_case(cases[i]);
        sm_error_t err;
        sm_error_clear(&err);
        cr_expect_eq(sm_nir_side_check(s, g, &err), 0, "%s: %s", cases[i], err.msg);
        cr_expect(s->dt_given);
        for (uint32_t k = 0; k < g->n_nodes; k++)
            if (sm_nir_is_neuron(g->nodes[k].type))
                cr_expect_neq(sm_nir_target(&g->nodes[k], s->flavor).role, SM_NIR_ROLE_REFUSED,
                              "%s: node %s", cases[i], g->nodes[k].name);
        sm_nir_graph_destroy(&g);
        sm_nir_side_destroy(&s);
        cr_expect_null(s);
    }

    sm_nir_side_t *s = side_of("paper_braille_subtract");
    cr_expect_eq(s->flavor, SM_NIR_FLAVOR_SNNTORCH);
    cr_expect_eq(s->dt, 1e-4);
    sm_nir_conv_t c = sm_nir_side_conv(s, "lif2");
    cr_expect_eq(c.reset, SM_NIR_RESET_SUBTRACT);
    cr_expect(!c.reset_delay);
    cr_expect(sm_nir_side_conv(s, "lif1.lif").reset_delay);
    sm_nir_side_destroy(&s);

    s = side_of("paper_cnn_sinabs");
    cr_expect_eq(s->flavor, SM_NIR_FLAVOR_SINABS);
    cr_expect_eq(s->dt, 1.0);
    c = sm_nir_side_conv(s, "10");
    cr_expect_eq(c.spike_fn, SM_NIR_SPIKE_MULTI);
    cr_expect_eq(c.reset, SM_NIR_RESET_SUBTRACT);
    cr_expect(c.has_min_v);
    cr_expect_eq(c.min_v, -1.0);
    sm_nir_side_destroy(&s);

    s = side_of("paper_lif_norse");
    cr_expect_eq(s->flavor, SM_NIR_FLAVOR_NORSE);
    cr_expect_eq(s->dt, 1e-4);
    cr_expect_eq(s->n_nodes, 0);
    cr_expect_eq(sm_nir_side_conv(s, "_1").reset, SM_NIR_RESET_ZERO);
    sm_nir_side_destroy(&s);
}

Test(nir, conventions_defaults_per_flavor)
{
    sm_error_t err;
    sm_error_clear(&err);
    sm_nir_flavor_t f;
    cr_assert_eq(sm_nir_flavor_parse("sinabs", &f, &err), 0);
    sm_nir_side_t *s = sm_nir_side_defaults(f, &err);
    cr_assert_not_null(s);
    cr_expect_eq(s->dt, 1.0);
    cr_expect(!s->dt_given);
    sm_nir_conv_t c = sm_nir_side_conv(s, "anything");
    cr_expect_eq(c.spike_fn, SM_NIR_SPIKE_MULTI);
    cr_expect_eq(c.reset, SM_NIR_RESET_SUBTRACT);
    cr_expect(!c.has_min_v);
    cr_expect(c.norm_input);
    sm_nir_side_destroy(&s);
    c = sm_nir_side_default_conv(SM_NIR_FLAVOR_SNNTORCH);
    cr_expect_eq(c.reset, SM_NIR_RESET_SUBTRACT);
    cr_expect(c.reset_delay);
    cr_expect_eq(sm_nir_side_default_dt(SM_NIR_FLAVOR_SNNTORCH), 1e-4);
    cr_expect_eq(sm_nir_side_default_dt(SM_NIR_FLAVOR_NORSE), 1e-3);
    cr_expect_eq(sm_nir_flavor_parse("lava", &f, &err), -1);
    cr_expect(strstr(err.msg, "unknown NIR flavor \"lava\"") != NULL, "%s", err.msg);

    s = sm_nir_side_from_string("{\"flavor\": \"sinabs\", \"nodes\": {\"1\": {\"spike_fn\": "
                                "\"SingleSpike\", \"reset_fn\": \"MembraneReset\", \"min_v_mem\": "
                                "null, \"norm_input\": false}}}", "s.json", &err);
    cr_assert_not_null(s, "%s", err.msg);
    c = sm_nir_side_conv(s, "1");
    cr_expect_eq(c.spike_fn, SM_NIR_SPIKE_SINGLE);
    cr_expect_eq(c.reset, SM_NIR_RESET_ZERO);
    cr_expect(!c.has_min_v);
    cr_expect(!c.norm_input);
    cr_expect_eq(s->nodes[0].given, SM_NIR_SIDE_SPIKE_FN | SM_NIR_SIDE_RESET | SM_NIR_SIDE_MIN_V |
                                        SM_NIR_SIDE_NORM);
    sm_nir_side_destroy(&s);
}

static void side_refused(const char *text, const char *want)
{
    sm_error_t err;
    sm_error_clear(&err);
    sm_nir_side_t *s = sm_nir_side_from_string(text, "side.json", &err);
    cr_expect_null(s, "%s: accepted", text);
    sm_nir_side_destroy(&s);
    cr_expect(strstr(err.msg, want) != NULL, "message '%s' lacks '%s'", err.msg, want);
    cr_expect(strncmp(err.msg, "side.json", 9) == 0, "%s", err.msg);
}

Test(nir, conventions_refused)
{
    side_refused("{\"flavor\": \"snntorch\", \"nodes\": {\"1\": {\"spike_fn\": \"MultiSpike\"}}}",
                 "nodes.1.spike_fn: a sinabs convention, but the flavor is snntorch");
    side_refused("{\"flavor\": \"sinabs\", \"nodes\": {\"1\": {\"reset_delay\": true}}}",
                 "nodes.1.reset_delay: a snntorch convention, but the flavor is sinabs");
    side_refused("{\"flavor\": \"snntorch\", \"nodes\": {\"1\": {\"reset_mechansim\": \"zero\"}}}",
                 "nodes.1.reset_mechansim: unknown key");
    side_refused("{\"flavor\": \"snntorch\", \"nodes\": {\"1\": {\"reset_mechanism\": \"half\"}}}",
                 "nodes.1.reset_mechanism: must be one of subtract, zero, none, got \"half\"");
    side_refused("{\"flavor\": \"snntorch\", \"nodes\": {\"1\": {\"reset_delay\": 1}}}",
                 "nodes.1.reset_delay: must be true or false, got 1");
    side_refused("{\"flavor\": \"sinabs\", \"nodes\": {\"1\": {\"min_v_mem\": \"low\"}}}",
                 "nodes.1.min_v_mem: must be a finite number or null");
    side_refused("{\"flavor\": \"sinabs\", \"nodes\": {\"1\": {\"spike_fn\": \"MaxSpike\"}}}",
                 "must be one of MultiSpike, SingleSpike");
    side_refused("{\"flavor\": \"sinabs\", \"nodes\": {\"1\": 3}}",
                 "nodes.1: must be an object of conventions");
    side_refused("{\"flavor\": \"lava\"}", "flavor: must be one of snntorch, norse, sinabs");
    side_refused("{\"dt\": 1}", "flavor: missing");
    side_refused("{\"flavor\": \"norse\", \"dt\": -1}", "dt: must be a number > 0, got -1");
    side_refused("{\"flavor\": \"norse\", \"steps\": 3}", "steps: unknown key");
    side_refused("{\"flavor\": \"norse\",\n \"nodes\": [}", "side.json:2:12: malformed JSON");
    side_refused("{\"flavor\": \"norse\", \"flavor\": \"sinabs\"}", "key \"flavor\" given twice");
    side_refused("{\"flavor\": \"sinabs\", \"nodes\": {\"1\": {\"spike_fn\": \"MultiSpike\", "
                 "\"spike_fn\": \"SingleSpike\"}}}",
                 "nodes.1: key \"spike_fn\" given twice");

    /* Names checked against the graph. */
    sm_nir_graph_t *g = load_case("snn_ff2_leaky_subtract");
    sm_error_t err;
    sm_error_clear(&err);
    sm_nir_side_t *s = sm_nir_side_from_string(
        "{\"flavor\": \"snntorch\", \"nodes\": {\"9\": {\"reset_delay\": false}}}", "s.json", &err);
    cr_assert_not_null(s, "%s", err.msg);
    cr_expect_eq(sm_nir_side_check(s, g, &err), -1);
    cr_expect(strstr(err.msg, "nodes.9: the graph has no node named '9'") != NULL, "%s", err.msg);
    sm_nir_side_destroy(&s);
    s = sm_nir_side_from_string(
        "{\"flavor\": \"snntorch\", \"nodes\": {\"0\": {\"reset_delay\": false}}}", "s.json", &err);
    cr_assert_not_null(s, "%s", err.msg);
    cr_expect_eq(sm_nir_side_check(s, g, &err), -1);
    cr_expect(strstr(err.msg, "node '0' is a Affine, not a neuron node") != NULL, "%s", err.msg);
    sm_nir_side_destroy(&s);
    sm_nir_graph_destroy(&g);
}

/* ------------------------------------------------------------ the command */

static int run_cmd(const char *cmd, char *out, size_t cap)
{
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(nir, cli_nir_info)
{
    static char out[1 << 16];
    int rc = run_cmd(SM_BIN " nir info " DATA "/paper_cnn_sinabs.nir --chip loihi "
                     "--nir-conventions " DATA "/paper_cnn_sinabs.side.json", out, sizeof out);
    cr_expect_eq(rc, 0, "%s", out);
    cr_expect(strstr(out, "15 nodes, 14 edges; 5 neuron layers, 8970 neurons, 2312 inputs"), "%s",
              out);
    cr_expect(strstr(out, "Conv2d     [2,34,34] -> [16,16,16]"), "%s", out);
    cr_expect(strstr(out, "population iaf / sinabs (sinabs.IAFSqueeze), 4096 neurons"), "%s", out);
    cr_expect(strstr(out, "spike_fn MultiSpike, reset_fn MembraneSubtract, min_v_mem -1"), "%s",
              out);
    cr_expect(strstr(out, "projection conv2d (torch.nn.Conv2d), 2304 weights stored, 541696 "
                          "synapses if expanded"), "%s", out);
    cr_expect(strstr(out, "cores on chip loihi"), "%s", out);
    cr_expect(strstr(out, "fits"), "%s", out);

    rc = run_cmd(SM_BIN " nir info " DATA "/paper_braille_subtract.nir --nir-flavor snntorch", out,
                 sizeof out);
    cr_expect_eq(rc, 0, "%s", out);
    cr_expect(strstr(out, "lif1.w_rec -> lif1.lif   recurrent"), "%s", out);
    cr_expect(strstr(out, "beta = 0.850000024 (from tau_mem)"), "%s", out);

    rc = run_cmd(SM_BIN " nir info " DATA "/norse_lifbox_li.nir", out, sizeof out);
    cr_expect_eq(rc, 0);
    cr_expect(strstr(out, "norse     population lif / norse (norse.LIFBoxCell)"), "%s", out);

    rc = run_cmd(SM_BIN " nir info " DATA "/absent.nir 2>&1", out, sizeof out);
    cr_expect_eq(rc, 2);
    cr_expect(strstr(out, "spikemesh nir info: ") && strstr(out, "cannot open"), "%s", out);
    rc = run_cmd(SM_BIN " nir info " DATA "/sinabs_cnn_iaf.nir --nir-flavor lava 2>&1", out,
                 sizeof out);
    cr_expect_eq(rc, 2);
    cr_expect(strstr(out, "unknown NIR flavor"), "%s", out);
    rc = run_cmd(SM_BIN " nir frob 2>&1", out, sizeof out);
    cr_expect_eq(rc, 2);
}
