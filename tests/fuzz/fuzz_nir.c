/* Fuzz target: NIR files (tools/io/nir.h) through sm_nir_load, as the
 * command line reads them: libhdf5 in a forked reader process, the checks
 * in the caller. Mutants of every graph of tests/data/nir: edits made with
 * libhdf5 itself (datasets dropped, replaced by other types, shapes and
 * values, node types and names changed, edges rewritten, groups copied or
 * linked into themselves) and byte edits of the file. A refusal must name the
 * file; an accepted graph must hold what sm_nir_load promises.
 *
 * Under libFuzzer every input costs a fork and the reader's coverage stays in
 * the child, so this target searches slowly and sees only the caller's side;
 * fuzz_nirwire.c covers that side in process, at full speed. */
#include "fuzz.h"

#include <dirent.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nir.h"
#include "nircheck.h"

static void nir_try(fz_stats_t *st, const char *file, const uint8_t *data, size_t size)
{
    sm_error_t err;
    sm_error_clear(&err);
    sm_nir_graph_t *g = sm_nir_load(file, &err);
    if (!g) {
        fz_refused(st, "nir", &err, file, data, size);
        return;
    }
    st->accepted++;
    const char *why = nir_invariants(g);
    if (!why)
        why = nir_exercise(g);
    if (why)
        fz_bad(st, "nir", data, size, "accepted, but %s", why);
    sm_nir_graph_destroy(&g);
}

int sm_fuzz_nir(const uint8_t *data, size_t size)
{
    char file[256];
    tmp_path(file, sizeof file, "fuzzed.nir");
    t_write(file, data, size);
    nir_try(fz_stats(), file, data, size);
    return 0;
}

#ifndef SM_LIBFUZZER

TestSuite(fuzz, .init = tmp_setup, .fini = tmp_teardown, .timeout = 900);

/* ---- edits made with libhdf5 ---- */

typedef struct {
    char *path[512];
    bool group[512];
    size_t n;
} s_objs_t;

static herr_t s_visit(hid_t loc, const char *name, const H5L_info_t *info, void *data)
{
    (void)info;
    s_objs_t *o = data;
    if (o->n >= sizeof o->path / sizeof o->path[0])
        return 1;
    hid_t id = H5Oopen(loc, name, H5P_DEFAULT);
    if (id < 0)
        return 0;
    H5I_type_t t = H5Iget_type(id);
    H5Oclose(id);
    if (t != H5I_DATASET && t != H5I_GROUP)
        return 0;
    o->group[o->n] = t == H5I_GROUP;
    o->path[o->n++] = strdup(name);
    return 0;
}

static void s_objs_free(s_objs_t *o)
{
    for (size_t i = 0; i < o->n; i++)
        free(o->path[i]);
    o->n = 0;
}

/* A random object of the kind asked for whose path ends in `suffix` (NULL:
 * any), or NULL. */
static const char *s_pick(sm_rng_t *r, const s_objs_t *o, bool group, const char *suffix)
{
    size_t cand[512], n = 0;
    for (size_t i = 0; i < o->n; i++) {
        if (o->group[i] != group)
            continue;
        size_t l = strlen(o->path[i]), sl = suffix ? strlen(suffix) : 0;
        if (suffix && (l < sl || strcmp(o->path[i] + l - sl, suffix)))
            continue;
        cand[n++] = i;
    }
    return n ? o->path[cand[sm_rng_below(r, (uint32_t)n)]] : NULL;
}

/* "a/b/c" -> "a/b" into buf. */
static const char *s_parent(const char *path, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", path);
    char *s = strrchr(buf, '/');
    if (s)
        *s = '\0';
    else
        snprintf(buf, cap, ".");
    return buf;
}

static void s_write_str(hid_t loc, const char *name, const char *s)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t d = H5Dcreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (d >= 0) {
        H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &s);
        H5Dclose(d);
    }
    H5Sclose(sp);
    H5Tclose(t);
}

static const double s_special[] = {NAN, INFINITY, -1, 0, 0.5, 1, 2, 3, 1e9, 1e10, -1e9, 1e300,
                                   1e-300, 34, 4294967296.0, 1e39};

static void s_write_num(sm_rng_t *r, hid_t loc, const char *name, int nd, const hsize_t *dims,
                        const double *v)
{
    int k = (int)sm_rng_below(r, 3);
    hid_t type = k == 0 ? H5T_IEEE_F32LE : k == 1 ? H5T_IEEE_F64LE : H5T_STD_I64LE;
    hid_t sp = nd ? H5Screate_simple(nd, dims, NULL) : H5Screate(H5S_SCALAR);
    hid_t pl = H5Pcreate(H5P_DATASET_CREATE);
    hsize_t n = 1;
    for (int i = 0; i < nd; i++)
        n *= dims[i];
    if (nd && n && sm_rng_below(r, 4) == 0) {
        H5Pset_chunk(pl, nd, dims);
        H5Pset_deflate(pl, 4);
    }
    hid_t d = H5Dcreate2(loc, name, type, sp, H5P_DEFAULT, pl, H5P_DEFAULT);
    if (d >= 0) {
        if (k == 2) {
            int64_t *iv = malloc((n ? n : 1) * sizeof *iv);
            for (hsize_t i = 0; i < n; i++)
                iv[i] = isfinite(v[i]) && fabs(v[i]) < 9e18 ? (int64_t)v[i] : INT64_MAX;
            if (n)
                H5Dwrite(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, iv);
            free(iv);
        } else if (n) {
            H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
        }
        H5Dclose(d);
    }
    H5Pclose(pl);
    H5Sclose(sp);
}

/* The values of a numeric dataset (up to cap), its rank and dims. */
static size_t s_read_num(hid_t f, const char *path, double *v, size_t cap, int *nd, hsize_t *dims)
{
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    if (d < 0)
        return 0;
    hid_t sp = H5Dget_space(d), t = H5Dget_type(d);
    *nd = H5Sget_simple_extent_ndims(sp);
    size_t n = 0;
    if (*nd >= 0 && *nd <= 4 && H5Tget_class(t) != H5T_STRING) {
        H5Sget_simple_extent_dims(sp, dims, NULL);
        n = (size_t)H5Sget_simple_extent_npoints(sp);
        if (n > cap || H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
            n = 0;
    }
    H5Tclose(t);
    H5Sclose(sp);
    H5Dclose(d);
    return n;
}

static const char *const s_types[] = {"Input", "Output", "Affine", "Linear", "Scale", "Conv1d",
                                      "Conv2d", "SumPool2d", "AvgPool2d", "Flatten", "Delay",
                                      "Threshold", "I", "IF", "LI", "LIF", "CubaLI", "CubaLIF",
                                      "NIRGraph", "Bogus", ""};

/* The names of the node groups under nodes group `nodes` (for edges). */
static size_t s_node_names(const s_objs_t *o, const char *nodes, const char **out, size_t cap)
{
    size_t n = 0, l = strlen(nodes);
    for (size_t i = 0; i < o->n && n < cap; i++)
        if (o->group[i] && !strncmp(o->path[i], nodes, l) && o->path[i][l] == '/' &&
            !strchr(o->path[i] + l + 1, '/'))
            out[n++] = o->path[i] + l + 1;
    return n;
}

static void s_edit(sm_rng_t *r, hid_t f, const s_objs_t *o)
{
    char par[512], path[600];
    const char *p;
    double v[4096];
    hsize_t dims[8];
    int nd;
    switch (sm_rng_below(r, 10)) {
    case 0: /* a dataset dropped */
        if ((p = s_pick(r, o, false, NULL)))
            H5Ldelete(f, p, H5P_DEFAULT);
        return;
    case 1: { /* a dataset replaced by one of another shape and values */
        if (!(p = s_pick(r, o, false, NULL)))
            return;
        nd = (int)sm_rng_below(r, 4);
        hsize_t n = 1;
        for (int i = 0; i < nd; i++) {
            dims[i] = sm_rng_below(r, 6);
            n *= dims[i];
        }
        for (hsize_t i = 0; i < n; i++)
            v[i] = sm_rng_below(r, 3) ? (double)sm_rng_below(r, 5)
                                      : s_special[sm_rng_below(r, sizeof s_special / sizeof *s_special)];
        H5Ldelete(f, p, H5P_DEFAULT);
        s_write_num(r, f, p, nd, dims, v);
        return;
    }
    case 2: { /* one value of a dataset poked, type and shape kept or not */
        if (!(p = s_pick(r, o, false, NULL)))
            return;
        size_t n = s_read_num(f, p, v, sizeof v / sizeof *v, &nd, dims);
        if (!n)
            return;
        v[sm_rng_below(r, (uint32_t)n)] = s_special[sm_rng_below(r, sizeof s_special / sizeof *s_special)];
        H5Ldelete(f, p, H5P_DEFAULT);
        s_write_num(r, f, p, nd, dims, v);
        return;
    }
    case 3: { /* a dataset replaced by a string */
        static const char *const strs[] = {"same", "valid", "LIF", "NIRGraph", "", "x"};
        if (!(p = s_pick(r, o, false, NULL)))
            return;
        H5Ldelete(f, p, H5P_DEFAULT);
        s_write_str(f, p, strs[sm_rng_below(r, sizeof strs / sizeof *strs)]);
        return;
    }
    case 4: /* a node of another type */
        if (!(p = s_pick(r, o, false, "/type")))
            return;
        H5Ldelete(f, p, H5P_DEFAULT);
        s_write_str(f, p, s_types[sm_rng_below(r, sizeof s_types / sizeof *s_types)]);
        return;
    case 5: { /* a node renamed or copied */
        if (!(p = s_pick(r, o, true, NULL)) || !strstr(p, "nodes/"))
            return;
        snprintf(path, sizeof path, "%s/%s", s_parent(p, par, sizeof par),
                 sm_rng_below(r, 2) ? "renamed" : "a.b");
        if (sm_rng_below(r, 2))
            H5Lmove(f, p, f, path, H5P_DEFAULT, H5P_DEFAULT);
        else
            H5Ocopy(f, p, f, path, H5P_DEFAULT, H5P_DEFAULT);
        return;
    }
    case 6: { /* the edges of a graph rewritten */
        if (!(p = s_pick(r, o, false, "edges")))
            return;
        s_parent(p, par, sizeof par);
        snprintf(path, sizeof path, "%s/nodes", par);
        const char *names[64];
        size_t nn = s_node_names(o, path, names, 64);
        size_t ne = sm_rng_below(r, (uint32_t)nn + 3);
        const char *pairs[2 * 66];
        for (size_t i = 0; i < 2 * ne; i++)
            pairs[i] = nn && sm_rng_below(r, 8) ? names[sm_rng_below(r, (uint32_t)nn)] : "nowhere";
        H5Ldelete(f, p, H5P_DEFAULT);
        hid_t t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, H5T_VARIABLE);
        hsize_t ed[2] = {ne, 2};
        hid_t sp = H5Screate_simple(sm_rng_below(r, 8) ? 2 : 1, ed, NULL);
        hid_t d = H5Dcreate2(f, p, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (d >= 0) {
            if (ne)
                H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, pairs);
            H5Dclose(d);
        }
        H5Sclose(sp);
        H5Tclose(t);
        return;
    }
    case 7: { /* a graph linked into its own nodes: nesting without end */
        if (!(p = s_pick(r, o, true, "nodes")))
            return;
        s_parent(p, par, sizeof par);
        snprintf(path, sizeof path, "%s/loop", p);
        H5Lcreate_hard(f, par, f, path, H5P_DEFAULT, H5P_DEFAULT);
        return;
    }
    case 8: { /* a field a node type does not know, or a group inside a node */
        if (!(p = s_pick(r, o, true, NULL)))
            return;
        snprintf(path, sizeof path, "%s/%s", p, sm_rng_below(r, 2) ? "extra" : "weight");
        if (sm_rng_below(r, 2)) {
            hid_t g = H5Gcreate2(f, path, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            if (g >= 0)
                H5Gclose(g);
        } else {
            v[0] = 1;
            s_write_num(r, f, path, 0, dims, v);
        }
        return;
    }
    default: /* a node's group emptied of its datasets */
        if (!(p = s_pick(r, o, true, NULL)))
            return;
        for (size_t i = 0; i < o->n; i++)
            if (!o->group[i] && !strncmp(o->path[i], p, strlen(p)) &&
                o->path[i][strlen(p)] == '/' && !strchr(o->path[i] + strlen(p) + 1, '/') &&
                sm_rng_below(r, 2))
                H5Ldelete(f, o->path[i], H5P_DEFAULT);
        return;
    }
}

/* A structural mutant of `src` (len bytes) written to `path`; false if
 * libhdf5 could not make one. */
static bool s_structural(sm_rng_t *r, const char *path, const uint8_t *src, size_t len)
{
    t_write(path, src, len);
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    if (f < 0)
        return false;
    uint32_t edits = 1 + sm_rng_below(r, 2);
    for (uint32_t e = 0; e < edits; e++) {
        s_objs_t o = {.n = 0};
        H5Lvisit(f, H5_INDEX_NAME, H5_ITER_INC, s_visit, &o);
        s_edit(r, f, &o);
        s_objs_free(&o);
    }
    return H5Fclose(f) >= 0;
}

static int s_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

Test(fuzz, nir_files)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    DIR *d = opendir(T_DATA_DIR "/nir");
    cr_assert(d);
    char *names[64];
    size_t nn = 0;
    struct dirent *de;
    while ((de = readdir(d)) && nn < 64) {
        size_t l = strlen(de->d_name);
        if (l > 4 && !strcmp(de->d_name + l - 4, ".nir"))
            names[nn++] = strdup(de->d_name);
    }
    closedir(d);
    cr_assert_geq(nn, 8);
    qsort(names, nn, sizeof *names, s_cmp_str);
    char file[256];
    tmp_path(file, sizeof file, "mutant.nir");
    fz_stats_t st = {0};
    for (size_t k = 0; k < nn; k++) {
        char src[512];
        snprintf(src, sizeof src, "%s/nir/%s", T_DATA_DIR, names[k]);
        size_t len;
        uint8_t *orig = (uint8_t *)t_read(src, &len);
        fz_keep_seed("nir", orig, len);
        unsigned before = st.accepted;
        nir_try(&st, src, orig, len);
        cr_expect_eq(st.accepted, before + 1, "%s was refused", src);
        for (uint32_t i = 0; i < fz_n(60); i++) {
            sm_rng_t r = sm_rng_stream(fz_seed(0x4e1f + k), 1, i);
            if (!s_structural(&r, file, orig, len))
                continue;
            size_t n;
            uint8_t *m = (uint8_t *)t_read(file, &n);
            nir_try(&st, file, m, n);
            free(m);
        }
        size_t cap = len + 64;
        uint8_t *buf = malloc(cap);
        for (uint32_t i = 0; i < fz_n(15); i++) {
            sm_rng_t r = sm_rng_stream(fz_seed(0x4e1f + k), 2, i);
            memcpy(buf, orig, len);
            size_t n = len;
            uint32_t edits = 1 + sm_rng_below(&r, 3);
            for (uint32_t e = 0; e < edits; e++)
                n = mutate_bytes(&r, buf, n, cap, false);
            t_write(file, buf, n);
            nir_try(&st, file, buf, n);
        }
        free(buf);
        free(orig);
        free(names[k]);
    }
    fz_report("nir", &st, 50, 200);
}

#endif
