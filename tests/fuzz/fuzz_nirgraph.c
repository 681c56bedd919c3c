/* Fuzz target: NIR graphs compiled and run (tools/io/nir*.c): a file is read (libhdf5 in a
 * child process), then compiled under each flavor and, compiled, run for a
 * few ticks on random spikes. The input is the file's bytes: byte mutants of
 * the reference exports in tests/data/nir, and graphs written here of random
 * nodes, shapes, parameters (NaN, negative, missing) and edges (cycles,
 * dangling, several inputs). A refusal must name the file; an accepted
 * network must hold the loader's invariants and run. */
#include "fuzz.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "nir.h"
#include "nir_compile.h"
#include "nir_side.h"

static void nir_compiled(fz_stats_t *st, const char *path, const uint8_t *data, size_t size,
                         const sm_nir_graph_t *g)
{
    for (int f = 0; f < SM_NIR_NFLAVORS; f++) {
        sm_error_t err;
        sm_error_clear(&err);
        sm_nir_side_t *side = sm_nir_side_defaults((sm_nir_flavor_t)f, &err);
        t_require(side, "%s", err.msg);
        sm_nir_net_t *nn = sm_nir_compile(g, side, &err);
        if (!nn) {
            fz_refused(st, "nirgraph", &err, path, data, size);
            sm_nir_side_destroy(&side);
            continue;
        }
        st->accepted++;
        sm_net_t *net = nn->net;
        uint64_t n = 0;
        for (uint32_t p = 0; p < net->n_pops; p++)
            n += net->pops[p].size;
        const char *why = n > FUZZ_MAX_POP ? NULL : net_invariants(net, true);
        if (why) {
            fz_bad(st, "nirgraph", data, size, "compiled under %s, but %s",
                   sm_nir_flavor_name((sm_nir_flavor_t)f), why);
        } else if (n <= FUZZ_MAX_POP && nn->n_inputs == 1) {
            /* A few ticks of random spikes through it. */
            const sm_pop_t *ip = &net->pops[nn->input_pop];
            uint32_t T = 4;
            uint8_t *x = calloc((size_t)T * ip->size + 1, 1);
            t_require(x, "out of memory");
            sm_rng_t r = sm_rng_stream(7, f, ip->size);
            for (size_t i = 0; i < (size_t)T * ip->size; i++)
                x[i] = sm_rng_uniform(&r) < 0.3;
            sm_npy_t a = {.dtype = SM_NPY_U8, .version = 1, .ndim = 2, .shape = {T, ip->size},
                          .n = (uint64_t)T * ip->size, .itemsize = 1, .data = x};
            sm_nir_input_t in;
            net->ticks = T;
            if (sm_nir_input_check(nn, &a, "x", &in, &err) ||
                sm_nir_net_set_input(nn, &in, 0, T, &err)) {
                fz_bad(st, "nirgraph", data, size, "compiled, but its own input is refused: %s",
                       err.msg);
            } else {
                sm_run_opts_t o;
                sm_run_opts_default(&o);
                o.threads = 1;
                o.dense = f != 1;
                sm_result_t *res = sm_engine_run(net, &o, &err);
                if (!res && err.code != SM_ENOMEM && err.code != SM_ETOOBIG &&
                    err.code != SM_EUNSUPPORTED && err.code != SM_ERANGE)
                    fz_bad(st, "nirgraph", data, size, "compiled, but the run failed: %s", err.msg);
                sm_result_destroy(&res);
            }
            free(x);
        }
        sm_nir_net_destroy(&nn);
        sm_nir_side_destroy(&side);
    }
}

int sm_fuzz_nirgraph(const uint8_t *data, size_t size)
{
    fz_stats_t *st = fz_stats();
    char path[512];
    tmp_path(path, sizeof path, "fuzzed.nir");
    FILE *fp = fopen(path, "wb");
    t_require(fp, "cannot write %s", path);
    if (size)
        fwrite(data, 1, size, fp);
    fclose(fp);
    sm_error_t err;
    sm_error_clear(&err);
    sm_nir_graph_t *g = sm_nir_load(path, &err);
    if (!g) {
        fz_refused(st, "nirgraph", &err, path, data, size);
        return 0;
    }
    nir_compiled(st, path, data, size, g);
    sm_nir_graph_destroy(&g);
    return 0;
}

#ifndef SM_LIBFUZZER

/* ---- random graphs, written with libhdf5 ---------------------------------- */

static void w_str(hid_t loc, const char *name, const char *s)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t d = H5Dcreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &s);
    H5Dclose(d);
    H5Sclose(sp);
    H5Tclose(t);
}

static void w_arr(hid_t loc, const char *name, bool integer, int nd, const hsize_t *dims,
                  const double *v)
{
    hid_t sp = nd ? H5Screate_simple(nd, dims, NULL) : H5Screate(H5S_SCALAR);
    hid_t d = H5Dcreate2(loc, name, integer ? H5T_STD_I64LE : H5T_IEEE_F32LE, sp, H5P_DEFAULT,
                         H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    H5Dclose(d);
    H5Sclose(sp);
}

static double r_val(sm_rng_t *r, double lo, double hi)
{
    return lo + (hi - lo) * sm_rng_uniform(r);
}

/* One value of an array made bad now and then: NaN, -1 or 0. */
static void r_spoil(sm_rng_t *r, double *v, uint64_t n)
{
    if (sm_rng_below(r, 25) == 0) {
        static const double bad[3] = {NAN, -1.0, 0.0};
        v[sm_rng_below(r, (uint32_t)(n ? n : 1))] = bad[sm_rng_below(r, 3)];
    }
}

/* A field of n values (n = 0: a scalar), left out now and then; `r` is
 * mostly 1, as Norse and Sinabs write it. */
static void r_field(sm_rng_t *r, hid_t g, const char *name, uint64_t n, double lo, double hi)
{
    if (!strcmp(name, "r") && sm_rng_below(r, 4))
        lo = hi = 1.0;
    if (n > 4096)
        n = 4096; /* a shape gone wrong upstream: refused all the same */
    if (sm_rng_below(r, 60) == 0)
        return;
    if (sm_rng_below(r, 10) == 0)
        n = sm_rng_below(r, 3) ? 1 : n + 1; /* broadcast, or the wrong size */
    double *v = malloc((n ? n : 1) * sizeof *v);
    for (uint64_t i = 0; i < (n ? n : 1); i++)
        v[i] = r_val(r, lo, hi);
    r_spoil(r, v, n);
    hsize_t d = n;
    w_arr(g, name, false, n ? 1 : 0, &d, v);
    free(v);
}

/* An integer field of n values (n = 0: a scalar): a, then b. */
static void r_ints(hid_t g, const char *name, int n, int64_t a, int64_t b)
{
    double v[2] = {(double)a, (double)b};
    hsize_t d = (hsize_t)n;
    w_arr(g, name, true, n ? 1 : 0, &d, v);
}

typedef struct {
    int nd;              /* 1: [n]; 3: [c, h, w]                          */
    int64_t c, h, w;
} r_shape_t;

static uint64_t r_size(const r_shape_t *s)
{
    int64_t n = s->nd == 1 ? s->c : s->c * s->h * s->w;
    return n < 1 ? 1 : (uint64_t)n;
}

static const char *const r_types[] = {"Affine", "Linear", "LIF", "IF", "LI", "CubaLIF", "CubaLI",
                                      "I", "Threshold", "Scale", "Delay", "Conv2d", "SumPool2d",
                                      "AvgPool2d", "Flatten", "Conv1d", "Affine", "LIF", "IF",
                                      "CubaLIF", "Conv2d", "Linear", "Output", "Bogus"};

/* Node k of a chain on input shape *s; updates *s to its output. */
static void r_node(sm_rng_t *r, hid_t nodes, const char *name, r_shape_t *s)
{
    const char *type = r_types[sm_rng_below(r, sizeof r_types / sizeof r_types[0])];
    /* Windows mostly get the (C, H, W) input they need. */
    if (s->nd == 1 && (strstr(type, "Conv") || strstr(type, "Pool")) && sm_rng_below(r, 5))
        type = "Affine";
    hid_t g = H5Gcreate2(nodes, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    w_str(g, "type", type);
    uint64_t n = r_size(s);
    if (!strcmp(type, "Affine") || !strcmp(type, "Linear")) {
        uint64_t out = 1 + sm_rng_below(r, 12);
        hsize_t d[2] = {out, n + (sm_rng_below(r, 25) == 0)};
        double *w = malloc(d[0] * d[1] * sizeof *w);
        for (uint64_t i = 0; i < d[0] * d[1]; i++)
            w[i] = r_val(r, -1, 1);
        r_spoil(r, w, d[0] * d[1]);
        w_arr(g, "weight", false, 2, d, w);
        free(w);
        if (type[0] == 'A')
            r_field(r, g, "bias", out, -0.5, 0.5);
        *s = (r_shape_t){1, (int64_t)out, 1, 1};
    } else if (!strcmp(type, "Conv2d") || !strcmp(type, "Conv1d")) {
        int two = type[4] == '2';
        int64_t co = 1 + sm_rng_below(r, 4), k = 1 + sm_rng_below(r, 3), st = 1 + sm_rng_below(r, 2);
        int64_t p = sm_rng_below(r, 2), ci = s->nd == 3 ? s->c : 1;
        hsize_t d[4] = {(hsize_t)co, (hsize_t)ci, (hsize_t)k, (hsize_t)k};
        size_t nk = (size_t)(co * ci * k * (two ? k : 1));
        double *w = malloc(nk * sizeof *w);
        for (size_t i = 0; i < nk; i++)
            w[i] = r_val(r, -1, 1);
        r_spoil(r, w, nk);
        w_arr(g, "weight", false, two ? 4 : 3, d, w);
        free(w);
        r_field(r, g, "bias", (uint64_t)co, -0.5, 0.5);
        r_ints(g, "stride", two ? 2 : 1, st, st);
        r_ints(g, "padding", two ? 2 : 1, p, p);
        r_ints(g, "dilation", two ? 2 : 1, 1, 1);
        r_ints(g, "groups", 0, 1, 1);
        if (s->nd == 3) {
            int64_t oh = two ? (s->h + 2 * p - k) / st + 1 : 1;
            int64_t ow = ((two ? s->w : s->h * s->w) + 2 * p - k) / st + 1;
            *s = (r_shape_t){3, co, two && oh > 1 ? oh : 1, ow < 1 ? 1 : ow};
        }
    } else if (!strcmp(type, "SumPool2d") || !strcmp(type, "AvgPool2d")) {
        int64_t k = 1 + sm_rng_below(r, 2);
        r_ints(g, "kernel_size", sm_rng_below(r, 2) ? 2 : 0, k, k);
        r_ints(g, "stride", 2, k, k);
        r_ints(g, "padding", 2, 0, 0);
        if (s->nd == 3)
            *s = (r_shape_t){3, s->c, s->h / k ? s->h / k : 1, s->w / k ? s->w / k : 1};
    } else if (!strcmp(type, "Flatten")) {
        r_ints(g, "start_dim", 0, 0, 0);
        r_ints(g, "end_dim", 0, -1, -1);
        *s = (r_shape_t){1, (int64_t)n, 1, 1};
    } else if (!strcmp(type, "Scale")) {
        r_field(r, g, "scale", n, -2, 2);
    } else if (!strcmp(type, "Delay")) {
        r_field(r, g, "delay", n, 0, 3e-3);
    } else if (!strcmp(type, "Threshold")) {
        r_field(r, g, "threshold", n, 0, 2);
    } else if (!strcmp(type, "I")) {
        r_field(r, g, "r", n, 0.5, 2);
    } else if (!strcmp(type, "Output") || !strcmp(type, "Bogus")) {
        r_ints(g, "shape", 1, (int64_t)n, 0);
    } else { /* neurons */
        bool cuba = !strncmp(type, "Cuba", 4);
        r_field(r, g, cuba ? "tau_mem" : (strcmp(type, "IF") ? "tau" : "r"), n, 1e-4, 2e-2);
        if (cuba) {
            r_field(r, g, "tau_syn", n, 1e-4, 2e-2);
            r_field(r, g, "w_in", n, 0.5, 2);
        }
        if (strcmp(type, "IF"))
            r_field(r, g, "v_leak", n, -0.1, 0.1);
        if (strcmp(type, "IF"))
            r_field(r, g, "r", n, 0.5, 20);
        if (strcmp(type, "LI") && strcmp(type, "CubaLI")) {
            r_field(r, g, "v_threshold", n, 0.1, 2);
            r_field(r, g, "v_reset", n, -0.5, 0.5);
        }
    }
    H5Gclose(g);
}

/* A graph of an input and 2..7 random nodes in a chain, with extra random
 * edges now and then; written to path. */
static void r_graph(sm_rng_t *r, const char *path)
{
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    t_require(f >= 0, "cannot write %s", path);
    w_str(f, "version", "fuzz");
    hid_t top = H5Gcreate2(f, "node", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    w_str(top, "type", "NIRGraph");
    hid_t nodes = H5Gcreate2(top, "nodes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    r_shape_t s = sm_rng_below(r, 2) ? (r_shape_t){1, 1 + sm_rng_below(r, 10), 1, 1}
                                     : (r_shape_t){3, 1 + sm_rng_below(r, 2),
                                                   3 + sm_rng_below(r, 4), 3 + sm_rng_below(r, 4)};
    hid_t in = H5Gcreate2(nodes, "in", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    w_str(in, "type", "Input");
    if (s.nd == 1)
        r_ints(in, "shape", 1, s.c, 0);
    else {
        double v[3] = {(double)s.c, (double)s.h, (double)s.w};
        hsize_t d = 3;
        w_arr(in, "shape", true, 1, &d, v);
    }
    H5Gclose(in);
    uint32_t k = 2 + sm_rng_below(r, 6);
    char names[8][8];
    const char *edges[2 * 24];
    size_t ne = 0;
    snprintf(names[0], sizeof names[0], "in");
    for (uint32_t i = 1; i <= k; i++) {
        snprintf(names[i], sizeof names[i], "n%u", i);
        r_node(r, nodes, names[i], &s);
        edges[ne++] = names[i - 1];
        edges[ne++] = names[i];
    }
    /* Extra edges, now and then: skips, cycles, several inputs. */
    for (uint32_t extra = sm_rng_below(r, 3) ? 0 : 1 + sm_rng_below(r, 2); extra > 0 && ne < 44;
         extra--) {
        const char *a = names[sm_rng_below(r, k + 1)], *b = names[1 + sm_rng_below(r, k)];
        bool dup = false;
        for (size_t e = 0; e < ne; e += 2)
            dup |= edges[e] == a && edges[e + 1] == b;
        if (!dup) {
            edges[ne++] = a;
            edges[ne++] = b;
        }
    }
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    hsize_t dims[2] = {ne / 2, 2};
    hid_t sp = H5Screate_simple(2, dims, NULL);
    hid_t d = H5Dcreate2(top, "edges", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, edges);
    H5Dclose(d);
    H5Sclose(sp);
    H5Tclose(t);
    H5Gclose(nodes);
    H5Gclose(top);
    H5Fclose(f);
}

TestSuite(fuzz, .init = tmp_setup, .fini = tmp_teardown, .timeout = 600);

Test(fuzz, nirgraph)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    fz_stats_t st = {0};
    fz_count_into(&st);
    char path[512];
    tmp_path(path, sizeof path, "random.nir");
    /* The first four graphs are seeds, written even when no mutant runs. */
    uint32_t n_graphs = fz_seeds_only() ? 4 : fz_n(300);
    for (uint32_t i = 0; i < n_graphs; i++) {
        sm_rng_t r = sm_rng_stream(fz_seed(0x41f), 1, i);
        r_graph(&r, path);
        size_t len;
        char *bytes = t_read(path, &len);
        if (i < 4)
            fz_keep_seed("nirgraph", bytes, len);
        if (!fz_seeds_only())
            sm_fuzz_nirgraph((const uint8_t *)bytes, len);
        free(bytes);
    }
    /* Byte mutants of the libraries' own exports. */
    static const char *const cases[] = {"snn_ff2_leaky_subtract", "sinabs_cnn_iaf",
                                        "paper_braille_subtract", "norse_lifbox_li"};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char src[600];
        snprintf(src, sizeof src, "%s/nir/%s.nir", T_DATA_DIR, cases[c]);
        size_t len;
        char *orig = t_read(src, &len);
        fz_keep_seed("nirgraph", orig, len);
        size_t cap = len + 256;
        uint8_t *buf = malloc(cap);
        for (uint32_t i = 0; i < fz_n(40); i++) {
            sm_rng_t r = sm_rng_stream(fz_seed(0x41f + c), 2, i);
            memcpy(buf, orig, len);
            size_t n = len;
            for (uint32_t e = 1 + sm_rng_below(&r, 3); e > 0; e--)
                n = mutate_bytes(&r, buf, n, cap, false);
            sm_fuzz_nirgraph(buf, n);
        }
        free(buf);
        free(orig);
    }
    fz_count_into(NULL);
    fz_report("nirgraph", &st, 40, 100);
}

#endif
