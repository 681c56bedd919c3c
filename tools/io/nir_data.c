/* nir_data: NIR data IR files as spike inputs (see nir_data.h). */
#include "nir_data.h"

#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nir_h5.h"
#include "nir_int.h"

bool sm_nir_data_is_hdf5(const char *path)
{
    static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    unsigned char head[8];
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    return n == sizeof head && !memcmp(head, sig, sizeof sig);
}

typedef struct {
    const char *node;
    double dt;
} s_arg_t;

/* A string attribute (fixed or variable length) into buf, or "" if absent. */
static void s_attr_str(hid_t obj, const char *name, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (H5Aexists(obj, name) <= 0)
        return;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t t = a >= 0 ? H5Aget_type(a) : H5I_INVALID_HID;
    if (t >= 0 && H5Tget_class(t) == H5T_STRING) {
        if (H5Tis_variable_str(t) > 0) {
            char *s = NULL;
            hid_t mt = H5Tcopy(H5T_C_S1);
            H5Tset_size(mt, H5T_VARIABLE);
            H5Tset_cset(mt, H5Tget_cset(t));
            if (H5Aread(a, mt, &s) >= 0 && s) {
                snprintf(buf, cap, "%s", s);
                H5free_memory(s);
            }
            H5Tclose(mt);
        } else {
            size_t n = H5Tget_size(t);
            char *s = n && n < 4096 ? calloc(1, n + 1) : NULL;
            if (s && H5Aread(a, t, s) >= 0)
                snprintf(buf, cap, "%s", s);
            free(s);
        }
    }
    if (t >= 0)
        H5Tclose(t);
    if (a >= 0)
        H5Aclose(a);
}

/* A numeric scalar attribute; -1 if absent or not a number. */
static int s_attr_num(hid_t obj, const char *name, double *v)
{
    if (H5Aexists(obj, name) <= 0)
        return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0)
        return -1;
    hid_t t = H5Aget_type(a), sp = H5Aget_space(a);
    H5T_class_t c = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
    int ok = (c == H5T_FLOAT || c == H5T_INTEGER) && sp >= 0 &&
             H5Sget_simple_extent_npoints(sp) == 1 && H5Aread(a, H5T_NATIVE_DOUBLE, v) >= 0;
    if (sp >= 0)
        H5Sclose(sp);
    if (t >= 0)
        H5Tclose(t);
    H5Aclose(a);
    return ok && isfinite(*v) ? 0 : -1;
}

/* A count from a value: whole and in [0, 255]. */
static int s_count(const char *path, const char *what, double x, uint64_t b, uint64_t t,
                   uint64_t i, uint8_t *out, sm_error_t *err)
{
    if (!(x >= 0 && x <= 255) || x != floor(x))
        return sm_fail(err, SM_EINVAL, "%s: %s: %g at sample %llu, step %llu, neuron %llu: spikes "
                       "are whole counts in [0, 255]", path, what, x, (unsigned long long)b,
                       (unsigned long long)t, (unsigned long long)i);
    *out = (uint8_t)x;
    return 0;
}

static int s_gridded(const char *path, hid_t g, const char *what, sm_nir_buf_t *out,
                     sm_error_t *err)
{
    sm_nir_array_t d;
    if (sm_nir_h5_kind(g, "data") != SM_NIR_H5_DATASET)
        return sm_fail(err, SM_EPARSE, "%s: %s: no dataset 'data'", path, what);
    if (sm_nir_h5_read(g, "data", &d, err)) {
        sm_error_prefix(err, "%s: %s.data: ", path, what);
        return -1;
    }
    int rc = 0;
    if (d.dtype == SM_NIR_STR || d.shape.ndim != 3) {
        rc = sm_fail(err, SM_EPARSE, "%s: %s.data: expected numbers of shape [samples, steps, "
                     "neurons], got %u dimensions", path, what, d.shape.ndim);
    } else {
        uint64_t dims[3] = {(uint64_t)d.shape.dim[0], (uint64_t)d.shape.dim[1],
                            (uint64_t)d.shape.dim[2]};
        sm_nir_buf_put(out, dims, sizeof dims);
        uint8_t chunk[4096];
        size_t k = 0;
        for (size_t i = 0; i < d.n && !rc; i++) {
            uint64_t n = dims[2], s = i / (dims[1] * n), t = i / n % dims[1];
            rc = s_count(path, what, d.v[i], s, t, i % n, &chunk[k++], err);
            if (k == sizeof chunk || i + 1 == d.n) {
                sm_nir_buf_put(out, chunk, k);
                k = 0;
            }
        }
    }
    free(d.v);
    free(d.s);
    return rc;
}

static int s_events(const char *path, hid_t g, const char *what, bool valued, double dt,
                    sm_nir_buf_t *out, sm_error_t *err)
{
    double nn, tmax;
    if (s_attr_num(g, "n_neurons", &nn) || s_attr_num(g, "t_max", &tmax) || nn < 0 ||
        nn != floor(nn) || tmax < 0)
        return sm_fail(err, SM_EPARSE, "%s: %s: attributes n_neurons and t_max must be a "
                       "whole number and a time >= 0", path, what);
    static const char *const names[3] = {"idx", "time", "value"};
    sm_nir_array_t a[3];
    memset(a, 0, sizeof a);
    int rc = 0;
    for (int k = 0; k < (valued ? 3 : 2) && !rc; k++) {
        if (sm_nir_h5_kind(g, names[k]) != SM_NIR_H5_DATASET)
            rc = sm_fail(err, SM_EPARSE, "%s: %s: no dataset '%s'", path, what, names[k]);
        else if (sm_nir_h5_read(g, names[k], &a[k], err)) {
            sm_error_prefix(err, "%s: %s.%s: ", path, what, names[k]);
            rc = -1;
        } else if (a[k].dtype == SM_NIR_STR || a[k].shape.ndim != 2 ||
                   (k && (a[k].shape.dim[0] != a[0].shape.dim[0] ||
                          a[k].shape.dim[1] != a[0].shape.dim[1]))) {
            rc = sm_fail(err, SM_EPARSE, "%s: %s.%s: expected numbers of shape [samples, "
                         "events], the same for idx, time%s", path, what, names[k],
                         valued ? " and value" : "");
        }
    }
    uint64_t B = rc ? 0 : (uint64_t)a[0].shape.dim[0], E = rc ? 0 : (uint64_t)a[0].shape.dim[1];
    uint64_t T = (uint64_t)floor(tmax / dt + 0.5), N = (uint64_t)nn;
    uint8_t *grid = NULL;
    if (!rc && (T == 0 || N == 0 || B * T * N > ((uint64_t)1 << 31)))
        rc = sm_fail(err, SM_EINVAL, "%s: %s: %llu samples of %llu steps (t_max %g / dt %g) and "
                     "%llu neurons", path, what, (unsigned long long)B, (unsigned long long)T, tmax,
                     dt, (unsigned long long)N);
    if (!rc && !(grid = calloc((B * T * N) != 0 ? B * T * N : 1, 1)))
        rc = sm_fail(err, SM_ENOMEM, "out of memory");
    for (uint64_t b = 0; !rc && b < B; b++)
        for (uint64_t e = 0; !rc && e < E; e++) {
            double id = a[0].v[b * E + e], tm = a[1].v[b * E + e];
            if (id == -1 || isinf(tm))
                continue;
            if (id < 0 || id >= (double)N || id != floor(id) || isnan(tm)) {
                rc = sm_fail(err, SM_EINVAL, "%s: %s: event %llu of sample %llu: neuron %g of %llu",
                             path, what, (unsigned long long)e, (unsigned long long)b, id,
                             (unsigned long long)N);
                break;
            }
            double st = ceil(tm / dt - dt * 1e-10) - 1;
            if (st < 0) {
                rc = sm_fail(err, SM_EINVAL, "%s: %s: event %llu of sample %llu at time %g: step "
                             "k's events are at (k + 1) dt, so times start at dt = %g", path, what,
                             (unsigned long long)e, (unsigned long long)b, tm, dt);
                break;
            }
            if (st >= (double)T)
                continue; /* after t_max, dropped as nir drops it */
            uint8_t c = 1;
            if (valued && s_count(path, what, a[2].v[b * E + e], b, (uint64_t)st, (uint64_t)id, &c,
                                  err)) {
                rc = -1;
                break;
            }
            grid[(b * T + (uint64_t)st) * N + (uint64_t)id] = c;
        }
    if (!rc) {
        uint64_t dims[3] = {B, T, N};
        sm_nir_buf_put(out, dims, sizeof dims);
        sm_nir_buf_put(out, grid, B * T * N);
    }
    free(grid);
    for (int k = 0; k < 3; k++) {
        free(a[k].v);
        free(a[k].s);
    }
    return rc;
}

/* The reader process: the observable of the node, as [B][T][N] counts after
 * their three dimensions. */
static int s_child(const char *path, void *arg, sm_nir_buf_t *out, sm_error_t *err)
{
    const s_arg_t *A = arg;
    sm_nir_h5_quiet_t q;
    sm_nir_h5_quiet_begin(&q);
    hid_t f = sm_nir_h5_open(path, err);
    hid_t nodes = H5I_INVALID_HID, node = H5I_INVALID_HID, obs = H5I_INVALID_HID,
          g = H5I_INVALID_HID;
    char **names = NULL;
    sm_nir_h5_kind_t *kinds = NULL;
    uint32_t n = 0;
    int rc = -1;
    char type[128], what[400];
    if (f < 0)
        goto out;
    s_attr_str(f, "__type__", type, sizeof type);
    if (strcmp(type, "NIRGraphData")) {
        sm_fail(err, SM_EPARSE, "%s: not a NIR data file: its root's __type__ is '%s', not "
                "NIRGraphData (nir.write_data)", path, type);
        goto out;
    }
    if (sm_nir_h5_kind(f, "nodes") != SM_NIR_H5_GROUP ||
        (nodes = H5Gopen2(f, "nodes", H5P_DEFAULT)) < 0) {
        sm_fail(err, SM_EPARSE, "%s: no group 'nodes'", path);
        goto out;
    }
    if (sm_nir_h5_kind(nodes, A->node) != SM_NIR_H5_GROUP ||
        (node = H5Gopen2(nodes, A->node, H5P_DEFAULT)) < 0) {
        sm_fail(err, SM_EINVAL, "%s: no data for the input node '%s' (nodes/%s)", path, A->node,
                A->node);
        goto out;
    }
    if (sm_nir_h5_kind(node, "observables") != SM_NIR_H5_GROUP ||
        (obs = H5Gopen2(node, "observables", H5P_DEFAULT)) < 0) {
        sm_fail(err, SM_EPARSE, "%s: nodes/%s: no group 'observables'", path, A->node);
        goto out;
    }
    if (sm_nir_h5_list(obs, &names, &kinds, &n, err)) {
        sm_error_prefix(err, "%s: nodes/%s/observables: ", path, A->node);
        goto out;
    }
    const char *pick = NULL;
    for (uint32_t i = 0; i < n; i++)
        if (kinds[i] == SM_NIR_H5_GROUP && (!pick || !strcmp(names[i], "spikes")))
            pick = !pick || !strcmp(names[i], "spikes") ? names[i] : pick;
    uint32_t groups = 0;
    for (uint32_t i = 0; i < n; i++)
        groups += kinds[i] == SM_NIR_H5_GROUP;
    if (!pick || (groups > 1 && strcmp(pick, "spikes"))) {
        sm_fail(err, SM_EINVAL, "%s: nodes/%s/observables: %s (one observable, or one named "
                "'spikes', is the input)", path, A->node,
                pick ? "several observables" : "no observable");
        goto out;
    }
    snprintf(what, sizeof what, "nodes/%s/observables/%s", A->node, pick);
    if ((g = H5Gopen2(obs, pick, H5P_DEFAULT)) < 0) {
        sm_fail(err, SM_EPARSE, "%s: %s cannot be opened", path, what);
        goto out;
    }
    s_attr_str(g, "__type__", type, sizeof type);
    if (!strcmp(type, "TimeGriddedData"))
        rc = s_gridded(path, g, what, out, err);
    else if (!strcmp(type, "EventData") || !strcmp(type, "ValuedEventData"))
        rc = s_events(path, g, what, !strcmp(type, "ValuedEventData"), A->dt, out, err);
    else
        sm_fail(err, SM_EUNSUPPORTED, "%s: %s: __type__ '%s' (TimeGriddedData, EventData or "
                "ValuedEventData)", path, what, type);
out:
    for (uint32_t i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
    free(kinds);
    if (g >= 0)
        H5Gclose(g);
    if (obs >= 0)
        H5Gclose(obs);
    if (node >= 0)
        H5Gclose(node);
    if (nodes >= 0)
        H5Gclose(nodes);
    if (f >= 0)
        H5Fclose(f);
    sm_nir_h5_quiet_end(&q);
    return rc;
}

sm_npy_t *sm_nir_data_load(const char *path, const char *node, double dt, sm_error_t *err)
{
    s_arg_t arg = {node, dt};
    sm_nir_buf_t b;
    if (sm_nir_isolated(path, s_child, &arg, &b, err))
        return NULL;
    uint64_t dims[3];
    sm_npy_t *a = NULL;
    if (b.len < sizeof dims) {
        sm_fail(err, SM_EPARSE, "%s: the reader sent %zu bytes", path, b.len);
        goto out;
    }
    memcpy(dims, b.p, sizeof dims);
    uint64_t B = dims[0], T = dims[1], N = dims[2], n = B * T * N;
    if (b.len != sizeof dims + n || (B && T && N && n / B / T != N)) {
        sm_fail(err, SM_EPARSE, "%s: the reader sent %zu bytes for %llu x %llu x %llu counts", path,
                b.len, (unsigned long long)B, (unsigned long long)T, (unsigned long long)N);
        goto out;
    }
    a = calloc(1, sizeof *a);
    uint8_t *x = malloc(n ? n : 1);
    if (!a || !x) {
        free(a);
        free(x);
        a = NULL;
        sm_fail(err, SM_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    /* [samples][steps][neurons] to the [steps][samples][neurons] of inputs. */
    const uint8_t *src = b.p + sizeof dims;
    for (uint64_t s = 0; s < B; s++)
        for (uint64_t t = 0; t < T; t++)
            memcpy(x + (t * B + s) * N, src + (s * T + t) * N, N);
    a->dtype = SM_NPY_U8;
    a->version = 1;
    a->ndim = 3;
    a->shape[0] = T;
    a->shape[1] = B;
    a->shape[2] = N;
    a->n = n;
    a->itemsize = 1;
    a->data = x;
out:
    free(b.p);
    return a;
}
