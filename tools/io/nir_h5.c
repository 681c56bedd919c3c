/* nir_h5: libhdf5 calls of the NIR reader, failures turned into sm_error_t. */
#include "nir_h5.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* More than this many elements in one dataset is taken for a corrupt
 * header rather than allocated (2^28 doubles are 2 GiB). */
#define S_MAX_ELEMS ((hsize_t)1 << 28)

void sm_nir_h5_quiet_begin(sm_nir_h5_quiet_t *q)
{
    q->fn = NULL;
    q->data = NULL;
    (void)H5Eget_auto2(H5E_DEFAULT, &q->fn, &q->data);
    (void)H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

void sm_nir_h5_quiet_end(const sm_nir_h5_quiet_t *q)
{
    (void)H5Eclear2(H5E_DEFAULT);
    (void)H5Eset_auto2(H5E_DEFAULT, q->fn, q->data);
}

static herr_t s_first_desc(unsigned n, const H5E_error2_t *e, void *data)
{
    char *buf = data;
    if (n == 0 && e->desc && e->desc[0])
        snprintf(buf, 200, "%s", e->desc);
    return 0;
}

/* The innermost reason libhdf5 recorded, as " (reason)", or "". The stack
 * is cleared so that the next failure starts afresh. */
static void s_reason(char *out, size_t cap)
{
    char desc[200] = "";
    (void)H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, s_first_desc, desc);
    (void)H5Eclear2(H5E_DEFAULT);
    if (desc[0])
        snprintf(out, cap, " (libhdf5: %s)", desc);
    else if (cap)
        out[0] = '\0';
}

static int s_fail_h5(sm_error_t *err, sm_err_t code, const char *what)
{
    char why[240];
    s_reason(why, sizeof why);
    return sm_fail(err, code, "%s%s", what, why);
}

hid_t sm_nir_h5_open(const char *path, sm_error_t *err)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        sm_fail(err, SM_EIO, "%s: cannot open: %s", path, strerror(errno));
        return H5I_INVALID_HID;
    }
    if (!S_ISREG(st.st_mode)) {
        sm_fail(err, SM_EIO, "%s: not a regular file", path);
        return H5I_INVALID_HID;
    }
    if (sm_h5_load(err)) {
        sm_error_prefix(err, "%s: ", path);
        return H5I_INVALID_HID;
    }
    htri_t is = H5Fis_hdf5(path);
    if (is <= 0) {
        char why[240];
        s_reason(why, sizeof why);
        sm_fail(err, SM_EPARSE, "%s: not an HDF5 file (a .nir file is HDF5)%s", path, why);
        return H5I_INVALID_HID;
    }
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        char why[240];
        s_reason(why, sizeof why);
        sm_fail(err, SM_EPARSE, "%s: cannot be read as HDF5, truncated or corrupt%s", path, why);
        return H5I_INVALID_HID;
    }
    return f;
}

static int s_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int sm_nir_h5_list(hid_t grp, char ***names_out, sm_nir_h5_kind_t **kinds_out, uint32_t *n_out,
                   sm_error_t *err)
{
    *names_out = NULL;
    *kinds_out = NULL;
    *n_out = 0;
    H5G_info_t gi;
    if (H5Gget_info(grp, &gi) < 0)
        return s_fail_h5(err, SM_EPARSE, "group cannot be listed, corrupt file");
    if (gi.nlinks > 100000)
        return sm_fail(err, SM_EPARSE, "group lists %llu members, corrupt file",
                       (unsigned long long)gi.nlinks);
    uint32_t n = (uint32_t)gi.nlinks;
    char **names = calloc(n ? n : 1, sizeof *names);
    sm_nir_h5_kind_t *kinds = calloc(n ? n : 1, sizeof *kinds);
    if (!names || !kinds) {
        free(names);
        free(kinds);
        return sm_fail(err, SM_ENOMEM, "out of memory listing a group");
    }
    int rc = 0;
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        ssize_t len = H5Lget_name_by_idx(grp, ".", H5_INDEX_NAME, H5_ITER_INC, i, NULL, 0,
                                         H5P_DEFAULT);
        if (len < 0 || len > 4096) {
            rc = s_fail_h5(err, SM_EPARSE, "group member name cannot be read, corrupt file");
            break;
        }
        names[i] = malloc((size_t)len + 1);
        if (!names[i]) {
            rc = sm_fail(err, SM_ENOMEM, "out of memory listing a group");
            break;
        }
        if (H5Lget_name_by_idx(grp, ".", H5_INDEX_NAME, H5_ITER_INC, i, names[i],
                               (size_t)len + 1, H5P_DEFAULT) < 0) {
            rc = s_fail_h5(err, SM_EPARSE, "group member name cannot be read, corrupt file");
            break;
        }
        H5L_info_t li;
        if (H5Lget_info(grp, names[i], &li, H5P_DEFAULT) < 0) {
            rc = s_fail_h5(err, SM_EPARSE, "group member cannot be read, corrupt file");
            break;
        }
        if (li.type != H5L_TYPE_HARD) {
            rc = sm_fail(err, SM_EUNSUPPORTED, "member '%s' is a soft or external link "
                         "(NIR files have none)", names[i]);
            break;
        }
        kinds[i] = sm_nir_h5_kind(grp, names[i]);
    }
    if (rc < 0) {
        for (uint32_t i = 0; i < n; i++)
            free(names[i]);
        free(names);
        free(kinds);
        return -1;
    }
    /* Name order: the file's link order is an accident of how it was written. */
    char **sorted = malloc((n ? n : 1) * sizeof *sorted);
    sm_nir_h5_kind_t *skinds = malloc((n ? n : 1) * sizeof *skinds);
    if (!sorted || !skinds) {
        for (uint32_t i = 0; i < n; i++)
            free(names[i]);
        free(names);
        free(kinds);
        free(sorted);
        free(skinds);
        return sm_fail(err, SM_ENOMEM, "out of memory listing a group");
    }
    memcpy(sorted, names, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, s_cmp_str);
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < n; j++)
            if (names[j] == sorted[i])
                skinds[i] = kinds[j];
    free(names);
    free(kinds);
    *names_out = sorted;
    *kinds_out = skinds;
    *n_out = n;
    return 0;
}

sm_nir_h5_kind_t sm_nir_h5_kind(hid_t grp, const char *name)
{
    if (H5Lexists(grp, name, H5P_DEFAULT) <= 0) {
        (void)H5Eclear2(H5E_DEFAULT);
        return SM_NIR_H5_OTHER;
    }
    hid_t o = H5Oopen(grp, name, H5P_DEFAULT);
    if (o < 0) {
        (void)H5Eclear2(H5E_DEFAULT);
        return SM_NIR_H5_OTHER;
    }
    H5I_type_t t = H5Iget_type(o);
    H5Oclose(o);
    return t == H5I_GROUP ? SM_NIR_H5_GROUP : t == H5I_DATASET ? SM_NIR_H5_DATASET
                                                                : SM_NIR_H5_OTHER;
}

/* Shape and element count of a dataset's dataspace. */
static int s_space(hid_t d, sm_nir_shape_t *shape, size_t *n, sm_error_t *err)
{
    hid_t sp = H5Dget_space(d);
    if (sp < 0)
        return s_fail_h5(err, SM_EPARSE, "dataspace cannot be read, corrupt file");
    H5S_class_t cls = H5Sget_simple_extent_type(sp);
    if (cls == H5S_NULL) {
        H5Sclose(sp);
        return sm_fail(err, SM_EPARSE, "dataset has no data (null dataspace)");
    }
    int nd = H5Sget_simple_extent_ndims(sp);
    if (nd < 0 || nd > SM_NIR_MAXDIM) {
        H5Sclose(sp);
        if (nd < 0)
            return s_fail_h5(err, SM_EPARSE, "dataspace cannot be read, corrupt file");
        return sm_fail(err, SM_EUNSUPPORTED, "dataset has %d dimensions (at most %d)", nd,
                       SM_NIR_MAXDIM);
    }
    hsize_t dims[SM_NIR_MAXDIM];
    if (H5Sget_simple_extent_dims(sp, dims, NULL) < 0) {
        H5Sclose(sp);
        return s_fail_h5(err, SM_EPARSE, "dataspace cannot be read, corrupt file");
    }
    H5Sclose(sp);
    hsize_t total = 1;
    shape->ndim = (uint32_t)nd;
    for (int i = 0; i < nd; i++) {
        if (dims[i] > S_MAX_ELEMS || (dims[i] && total > S_MAX_ELEMS / dims[i]))
            return sm_fail(err, SM_ERANGE, "dataset is too large (more than %llu elements)",
                           (unsigned long long)S_MAX_ELEMS);
        total *= dims[i];
        shape->dim[i] = (int64_t)dims[i];
    }
    *n = (size_t)total;
    return 0;
}

static bool s_compressed(hid_t d)
{
    hid_t pl = H5Dget_create_plist(d);
    if (pl < 0) {
        (void)H5Eclear2(H5E_DEFAULT);
        return false;
    }
    bool z = false;
    int nf = H5Pget_nfilters(pl);
    for (int i = 0; i < nf; i++) {
        unsigned flags = 0, cd[8];
        size_t ncd = 8;
        H5Z_filter_t id = H5Pget_filter2(pl, (unsigned)i, &flags, &ncd, cd, 0, NULL, NULL);
        if (id == H5Z_FILTER_DEFLATE)
            z = true;
    }
    H5Pclose(pl);
    (void)H5Eclear2(H5E_DEFAULT);
    return z;
}

static int s_read_strs(hid_t d, hid_t ft, size_t n, char **out, sm_error_t *err)
{
    int rc = 0;
    htri_t var = H5Tis_variable_str(ft);
    hid_t mt = H5Tcopy(H5T_C_S1);
    if (mt < 0 || var < 0)
        return s_fail_h5(err, SM_EPARSE, "string type cannot be read, corrupt file");
    H5Tset_cset(mt, H5Tget_cset(ft));
    if (var) {
        H5Tset_size(mt, H5T_VARIABLE);
        char **raw = calloc(n, sizeof *raw);
        if (!raw) {
            H5Tclose(mt);
            return sm_fail(err, SM_ENOMEM, "out of memory reading strings");
        }
        if (H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) < 0) {
            rc = s_fail_h5(err, SM_EPARSE, "strings cannot be read, truncated or corrupt file");
        } else {
            for (size_t i = 0; i < n && rc == 0; i++) {
                out[i] = strdup(raw[i] ? raw[i] : "");
                if (!out[i])
                    rc = sm_fail(err, SM_ENOMEM, "out of memory reading strings");
            }
            hid_t sp = H5Dget_space(d);
            (void)H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, raw);
            H5Sclose(sp);
        }
        free(raw);
    } else {
        size_t sz = H5Tget_size(ft);
        if (sz == 0 || sz > 65536) {
            H5Tclose(mt);
            return sm_fail(err, SM_EPARSE, "fixed-length strings of %zu bytes, corrupt file", sz);
        }
        H5Tset_size(mt, sz);
        H5Tset_strpad(mt, H5T_STR_NULLPAD);
        char *buf = calloc(n, sz);
        if (!buf) {
            H5Tclose(mt);
            return sm_fail(err, SM_ENOMEM, "out of memory reading strings");
        }
        if (H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
            rc = s_fail_h5(err, SM_EPARSE, "strings cannot be read, truncated or corrupt file");
        for (size_t i = 0; i < n && rc == 0; i++) {
            out[i] = strndup(buf + i * sz, sz);
            if (!out[i])
                rc = sm_fail(err, SM_ENOMEM, "out of memory reading strings");
        }
        free(buf);
    }
    H5Tclose(mt);
    if (rc < 0)
        for (size_t i = 0; i < n; i++) {
            free(out[i]);
            out[i] = NULL;
        }
    return rc;
}

static int s_read_numbers(hid_t d, hid_t ft, H5T_class_t cls, sm_nir_array_t *a,
                          sm_error_t *err)
{
    size_t sz = H5Tget_size(ft);
    a->v = malloc((a->n ? a->n : 1) * sizeof *a->v);
    if (!a->v)
        return sm_fail(err, SM_ENOMEM, "out of memory (%zu values)", a->n);
    if (cls == H5T_FLOAT) {
        if (sz != 4 && sz != 8)
            return sm_fail(err, SM_EUNSUPPORTED, "float%zu data (float32 or float64 expected)",
                           sz * 8);
        a->dtype = sz == 4 ? SM_NIR_F32 : SM_NIR_F64;
        /* float32 -> double is exact, so the stored floats stay recoverable. */
        if (a->n && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, a->v) < 0)
            return s_fail_h5(err, SM_EPARSE, "values cannot be read, truncated or corrupt file");
        return 0;
    }
    a->dtype = SM_NIR_I64;
    int64_t *iv = malloc((a->n ? a->n : 1) * sizeof *iv);
    if (!iv)
        return sm_fail(err, SM_ENOMEM, "out of memory (%zu values)", a->n);
    if (a->n && H5Dread(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, iv) < 0) {
        free(iv);
        return s_fail_h5(err, SM_EPARSE, "values cannot be read, truncated or corrupt file");
    }
    for (size_t i = 0; i < a->n; i++) {
        /* Beyond 2^53 a double no longer holds every integer. */
        if (iv[i] > ((int64_t)1 << 53) || iv[i] < -((int64_t)1 << 53)) {
            int64_t bad = iv[i];
            free(iv);
            return sm_fail(err, SM_ERANGE, "integer %lld at index %zu is out of range",
                           (long long)bad, i);
        }
        a->v[i] = (double)iv[i];
    }
    free(iv);
    return 0;
}

int sm_nir_h5_read(hid_t grp, const char *name, sm_nir_array_t *a, sm_error_t *err)
{
    memset(a, 0, sizeof *a);
    hid_t d = H5Dopen2(grp, name, H5P_DEFAULT);
    if (d < 0)
        return s_fail_h5(err, SM_EPARSE, "dataset cannot be opened, corrupt file");
    int rc = -1;
    hid_t ft = H5Dget_type(d);
    if (ft < 0) {
        s_fail_h5(err, SM_EPARSE, "datatype cannot be read, corrupt file");
        goto out;
    }
    if (s_space(d, &a->shape, &a->n, err) < 0)
        goto out;
    a->compressed = s_compressed(d);
    H5T_class_t cls = H5Tget_class(ft);
    if (cls == H5T_STRING) {
        a->dtype = SM_NIR_STR;
        if (a->n == 0) {
            a->s = strdup("");
            rc = a->s ? 0 : sm_fail(err, SM_ENOMEM, "out of memory");
            goto out;
        }
        char **strs = calloc(a->n, sizeof *strs);
        if (!strs) {
            sm_fail(err, SM_ENOMEM, "out of memory");
            goto out;
        }
        if (s_read_strs(d, ft, a->n, strs, err) == 0) {
            a->s = strs[0];
            for (size_t i = 1; i < a->n; i++)
                free(strs[i]);
            rc = 0;
        }
        free(strs);
    } else if (cls == H5T_FLOAT || cls == H5T_INTEGER) {
        rc = s_read_numbers(d, ft, cls, a, err);
    } else {
        sm_fail(err, SM_EUNSUPPORTED, "datatype class %d (numbers or strings expected)",
                (int)cls);
    }
out:
    if (ft >= 0)
        H5Tclose(ft);
    H5Dclose(d);
    if (rc < 0) {
        free(a->v);
        free(a->s);
        a->v = NULL;
        a->s = NULL;
    }
    return rc;
}

int sm_nir_h5_read_strings(hid_t grp, const char *name, char ***strs, size_t *n,
                           sm_nir_shape_t *shape, sm_error_t *err)
{
    *strs = NULL;
    *n = 0;
    memset(shape, 0, sizeof *shape);
    hid_t d = H5Dopen2(grp, name, H5P_DEFAULT);
    if (d < 0)
        return s_fail_h5(err, SM_EPARSE, "dataset cannot be opened, corrupt file");
    int rc = -1;
    hid_t ft = H5Dget_type(d);
    size_t cnt = 0;
    if (ft < 0) {
        s_fail_h5(err, SM_EPARSE, "datatype cannot be read, corrupt file");
        goto out;
    }
    if (s_space(d, shape, &cnt, err) < 0)
        goto out;
    if (cnt == 0) {
        /* An empty list is written as an empty array of any type. */
        rc = 0;
        goto out;
    }
    if (H5Tget_class(ft) != H5T_STRING) {
        sm_fail(err, SM_EPARSE, "expected strings, got %s data",
                H5Tget_class(ft) == H5T_FLOAT ? "float" :
                H5Tget_class(ft) == H5T_INTEGER ? "integer" : "non-string");
        goto out;
    }
    char **out = calloc(cnt, sizeof *out);
    if (!out) {
        sm_fail(err, SM_ENOMEM, "out of memory");
        goto out;
    }
    if (s_read_strs(d, ft, cnt, out, err) < 0) {
        free(out);
        goto out;
    }
    *strs = out;
    *n = cnt;
    rc = 0;
out:
    if (ft >= 0)
        H5Tclose(ft);
    H5Dclose(d);
    return rc;
}
