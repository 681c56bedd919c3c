/* NumPy .npy inputs: every element type and header version, written here
 * byte by byte as numpy writes them, and the files that must be refused. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "npy.h"

static char s_tmp[256];

static void make_tmp(void)
{
    snprintf(s_tmp, sizeof s_tmp, "/tmp/sm_npy_XXXXXX");
    cr_assert_not_null(mkdtemp(s_tmp));
}

static void rm_tmp(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_tmp);
    cr_assert_eq(system(cmd), 0);
}

/* An .npy image: magic, version, header padded to 64 bytes as numpy pads
 * it, then `nbytes` of data. Returns the length. */
static size_t npy_image(unsigned char *out, unsigned major, const char *dict, const void *data,
                        size_t nbytes)
{
    size_t pre = major == 1 ? 10 : 12, dl = strlen(dict);
    size_t total = pre + dl + 1;
    size_t pad = (64 - total % 64) % 64;
    size_t hlen = dl + pad + 1;
    memcpy(out, "\x93NUMPY", 6);
    out[6] = (unsigned char)major;
    out[7] = 0;
    if (major == 1) {
        out[8] = (unsigned char)(hlen & 0xff);
        out[9] = (unsigned char)(hlen >> 8);
    } else {
        for (int i = 0; i < 4; i++)
            out[8 + i] = (unsigned char)(hlen >> (8 * i));
    }
    memcpy(out + pre, dict, dl);
    memset(out + pre + dl, ' ', pad);
    out[pre + dl + pad] = '\n';
    memcpy(out + pre + hlen, data, nbytes);
    return pre + hlen + nbytes;
}

static void write_bytes(const char *path, const unsigned char *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(b, 1, n, f), n);
    fclose(f);
}

static sm_npy_t *load_image(const unsigned char *b, size_t n, sm_error_t *err)
{
    char path[300];
    snprintf(path, sizeof path, "%s/x.npy", s_tmp);
    write_bytes(path, b, n);
    sm_npy_t *a = sm_npy_load(path, err);
    /* The in-memory parser must agree with the file reader. */
    sm_error_t e2;
    sm_npy_t *m = sm_npy_parse(b, n, path, &e2);
    cr_expect_eq(a != NULL, m != NULL, "load and parse disagree: %s / %s", err->msg, e2.msg);
    if (a && m) {
        cr_expect_eq(a->n, m->n);
        cr_expect_eq(memcmp(a->data, m->data, a->n * a->itemsize), 0);
    }
    if (!a && !m)
        cr_expect_str_eq(strchr(err->msg, ':'), strchr(e2.msg, ':'));
    sm_npy_destroy(&m);
    return a;
}

static unsigned char s_img[1 << 16];

Test(npy, every_dtype_and_version, .init = make_tmp, .fini = rm_tmp)
{
    /* Values 0, 1, 2, 3, 4, 5 in each type, shape (2, 3). */
    uint8_t b1[6] = {0, 1, 1, 0, 1, 0}, u1[6] = {0, 1, 2, 3, 4, 255};
    int8_t i1[6] = {0, 1, 2, 3, 4, -5};
    int16_t i2[6] = {0, 1, 2, 3, 4, -300};
    int32_t i4[6] = {0, 1, 2, 3, 4, -70000};
    int64_t i8[6] = {0, 1, 2, 3, 4, -5000000000LL};
    float f4[6] = {0, 1, 2, 3, 0.5f, -1.25f};
    double f8[6] = {0, 1, 2, 3, 0.1, -1e300};
    const struct {
        const char *descr;
        const void *data;
        size_t size;
        sm_npy_dtype_t dtype;
        double last;
    } t[] = {
        {"|b1", b1, 1, SM_NPY_BOOL, 0},        {"|u1", u1, 1, SM_NPY_U8, 255},
        {"|i1", i1, 1, SM_NPY_I8, -5},         {"<i2", i2, 2, SM_NPY_I16, -300},
        {"<i4", i4, 4, SM_NPY_I32, -70000},    {"<i8", i8, 8, SM_NPY_I64, -5e9},
        {"<f4", f4, 4, SM_NPY_F32, -1.25},     {"<f8", f8, 8, SM_NPY_F64, -1e300},
    };
    for (unsigned major = 1; major <= 3; major++)
        for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
            char dict[200];
            snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (2, 3), }",
                     t[k].descr);
            size_t n = npy_image(s_img, major, dict, t[k].data, 6 * t[k].size);
            sm_error_t err;
            sm_error_clear(&err);
            sm_npy_t *a = load_image(s_img, n, &err);
            cr_assert_not_null(a, "v%u %s: %s", major, t[k].descr, err.msg);
            cr_expect_eq(a->version, major);
            cr_expect_eq(a->dtype, t[k].dtype, "%s", t[k].descr);
            cr_expect_eq(a->ndim, 2);
            cr_expect_eq(a->shape[0], 2);
            cr_expect_eq(a->shape[1], 3);
            cr_expect_eq(a->n, 6);
            cr_expect_eq(a->itemsize, t[k].size);
            cr_expect_eq(sm_npy_at(a, 1), 1.0, "%s", t[k].descr);
            cr_expect_eq(sm_npy_at(a, 5), t[k].last, "%s: %g", t[k].descr, sm_npy_at(a, 5));
            if (t[k].dtype != SM_NPY_BOOL)
                cr_expect_eq(sm_npy_at(a, 3), 3.0);
            sm_npy_destroy(&a);
            cr_expect_null(a);
        }
    cr_expect_str_eq(sm_npy_dtype_name(SM_NPY_F32), "float32");
}

Test(npy, spike_tensor_shapes_and_header_forms, .init = make_tmp, .fini = rm_tmp)
{
    /* [T=4, B=2, 3] uint8 with double quotes, no trailing comma, keys in
     * another order, and numpy's 1-tuple (5,). */
    uint8_t x[24];
    for (int i = 0; i < 24; i++)
        x[i] = (uint8_t)(i % 3 == 0);
    size_t n = npy_image(s_img, 1, "{\"shape\": (4, 2, 3), \"fortran_order\": False, "
                                   "\"descr\": \"|u1\"}", x, sizeof x);
    sm_error_t err;
    sm_error_clear(&err);
    sm_npy_t *a = load_image(s_img, n, &err);
    cr_assert_not_null(a, "%s", err.msg);
    cr_expect_eq(a->ndim, 3);
    cr_expect_eq(a->shape[2], 3);
    cr_expect_eq(sm_npy_at(a, 21), 1.0);
    cr_expect_eq(sm_npy_at(a, 22), 0.0);
    sm_npy_destroy(&a);

    n = npy_image(s_img, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", x, 20);
    a = load_image(s_img, n, &err);
    cr_assert_not_null(a, "%s", err.msg);
    cr_expect_eq(a->ndim, 1);
    cr_expect_eq(a->n, 5);
    sm_npy_destroy(&a);

    /* A scalar and an empty array. */
    float one = 1;
    n = npy_image(s_img, 2, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", &one, 4);
    a = load_image(s_img, n, &err);
    cr_assert_not_null(a, "%s", err.msg);
    cr_expect_eq(a->ndim, 0);
    cr_expect_eq(a->n, 1);
    cr_expect_eq(sm_npy_at(a, 0), 1.0);
    sm_npy_destroy(&a);
    n = npy_image(s_img, 1, "{'descr': '|u1', 'fortran_order': False, 'shape': (0, 7), }", x, 0);
    a = load_image(s_img, n, &err);
    cr_assert_not_null(a, "%s", err.msg);
    cr_expect_eq(a->n, 0);
    sm_npy_destroy(&a);

    /* A header shorter than the preamble read: data bytes come early. */
    static const unsigned char tiny[] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0};
    a = load_image(tiny, sizeof tiny, &err);
    cr_expect_null(a);
    cr_expect(strstr(err.msg, "header is not a dict") != NULL, "%s", err.msg);
}

static void refused(const unsigned char *b, size_t n, const char *want)
{
    sm_error_t err;
    sm_error_clear(&err);
    sm_npy_t *a = load_image(b, n, &err);
    cr_expect_null(a, "accepted, expected '%s'", want);
    sm_npy_destroy(&a);
    cr_expect(strstr(err.msg, want) != NULL, "message '%s' lacks '%s'", err.msg, want);
    cr_expect(strstr(err.msg, "x.npy") != NULL, "message '%s' lacks the file", err.msg);
}

static void refused_dict(unsigned major, const char *dict, size_t nbytes, const char *want)
{
    static const unsigned char zeros[256] = {0};
    size_t n = npy_image(s_img, major, dict, zeros, nbytes);
    refused(s_img, n, want);
}

Test(npy, malformed_files_refused, .init = make_tmp, .fini = rm_tmp)
{
    refused_dict(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 8,
                 "big-endian data ('>f4') is not supported");
    refused_dict(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16,
                 "Fortran-order data is not supported");
    refused_dict(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", 16,
                 "element type '<c8' is not supported");
    refused_dict(1, "{'descr': '<u2', 'fortran_order': False, 'shape': (2,), }", 4,
                 "element type '<u2' is not supported");
    refused_dict(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", 8,
                 "structured arrays are not supported");
    refused_dict(1, "{'descr': '|f4', 'fortran_order': False, 'shape': (2,), }", 8,
                 "gives no byte order");
    refused_dict(1, "{'descr': '<f4', 'shape': (2,), }", 8, "header: missing 'fortran_order'");
    refused_dict(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", 8,
                 "header: unknown key 'x'");
    refused_dict(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1), }", 8,
                 "'shape' must be a tuple of integers");
    refused_dict(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} trailing", 8,
                 "header: text after the dict");
    refused_dict(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", 12,
                 "truncated data: shape needs 16 bytes, the file has 12");
    refused_dict(3, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", 20,
                 "trailing data");

    float nan[2] = {1, NAN};
    size_t n = npy_image(s_img, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
                         nan, 8);
    refused(s_img, n, "element 1 is NaN");
    double inf[3] = {0, 0, -INFINITY};
    n = npy_image(s_img, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", inf, 24);
    refused(s_img, n, "element 2 is infinite");

    /* Broken preambles. */
    n = npy_image(s_img, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", nan, 8);
    s_img[1] = 'X';
    refused(s_img, n, "not a NumPy .npy file");
    s_img[1] = 'N';
    s_img[6] = 4;
    refused(s_img, n, ".npy format version 4.0 is not supported");
    s_img[6] = 1;
    refused(s_img, 40, "truncated header");
    refused(s_img, 5, "not a NumPy .npy file");

    char path[300];
    snprintf(path, sizeof path, "%s/absent.npy", s_tmp);
    sm_error_t err;
    sm_npy_t *a = sm_npy_load(path, &err);
    cr_expect_null(a);
    cr_expect(strstr(err.msg, "cannot open") != NULL, "%s", err.msg);
}
