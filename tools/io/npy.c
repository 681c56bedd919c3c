/* npy: the NumPy .npy format: a magic string, a version, a header length,
 * then a Python dict literal {'descr': '<f4', 'fortran_order': False,
 * 'shape': (T, B, ...), } padded with spaces to a newline, then the data. */
#include "npy.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

#define S_MAX_HEADER (1u << 20)

typedef struct {
    const char *name;
    sm_error_t *err;
} s_ctx_t;

static int s_bad(const s_ctx_t *cx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int s_bad(const s_ctx_t *cx, const char *fmt, ...)
{
    char what[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return sm_fail(cx->err, SM_EPARSE, "%s: %s", cx->name, what);
}

static const struct {
    const char *code;
    sm_npy_dtype_t dtype;
    size_t size;
    const char *name;
} s_types[] = {
    {"b1", SM_NPY_BOOL, 1, "bool"},    {"u1", SM_NPY_U8, 1, "uint8"},
    {"i1", SM_NPY_I8, 1, "int8"},      {"i2", SM_NPY_I16, 2, "int16"},
    {"i4", SM_NPY_I32, 4, "int32"},    {"i8", SM_NPY_I64, 8, "int64"},
    {"f4", SM_NPY_F32, 4, "float32"},  {"f8", SM_NPY_F64, 8, "float64"},
};

const char *sm_npy_dtype_name(sm_npy_dtype_t d)
{
    for (size_t i = 0; i < sizeof s_types / sizeof s_types[0]; i++)
        if (s_types[i].dtype == d)
            return s_types[i].name;
    return "?";
}

static bool s_host_le(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* ------------------------------------------------------- header dict */

typedef struct {
    const char *p, *end;
} s_lex_t;

static void s_ws(s_lex_t *lx)
{
    while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\n' ||
                               *lx->p == '\r'))
        lx->p++;
}

static bool s_eat(s_lex_t *lx, char c)
{
    s_ws(lx);
    if (lx->p < lx->end && *lx->p == c) {
        lx->p++;
        return true;
    }
    return false;
}

/* A quoted Python string without escapes (numpy writes none). */
static bool s_str(s_lex_t *lx, char *out, size_t cap)
{
    s_ws(lx);
    if (lx->p >= lx->end || (*lx->p != '\'' && *lx->p != '"'))
        return false;
    char q = *lx->p++;
    size_t n = 0;
    while (lx->p < lx->end && *lx->p != q) {
        if (*lx->p == '\\' || n + 1 >= cap)
            return false;
        out[n++] = *lx->p++;
    }
    if (lx->p >= lx->end)
        return false;
    lx->p++;
    out[n] = '\0';
    return true;
}

/* How much of the text at lx->p a message may quote: the header is not
 * NUL-terminated, so "%.20s" alone could read past its end. */
static int s_near(const s_lex_t *lx)
{
    return lx->end - lx->p < 20 ? (int)(lx->end - lx->p) : 20;
}

static bool s_word(s_lex_t *lx, const char *w)
{
    s_ws(lx);
    size_t n = strlen(w);
    if ((size_t)(lx->end - lx->p) >= n && !memcmp(lx->p, w, n)) {
        lx->p += n;
        return true;
    }
    return false;
}

static int s_shape(const s_ctx_t *cx, s_lex_t *lx, sm_npy_t *a)
{
    if (!s_eat(lx, '('))
        return s_bad(cx, "header: 'shape' must be a tuple of integers");
    a->ndim = 0;
    for (;;) {
        if (s_eat(lx, ')'))
            return 0;
        s_ws(lx);
        if (lx->p >= lx->end || *lx->p < '0' || *lx->p > '9')
            return s_bad(cx, "header: 'shape' must be a tuple of integers >= 0");
        uint64_t v = 0;
        while (lx->p < lx->end && *lx->p >= '0' && *lx->p <= '9') {
            if (v > (UINT64_C(1) << 40))
                return s_bad(cx, "header: a dimension of 'shape' is too large");
            v = v * 10 + (uint64_t)(*lx->p++ - '0');
        }
        if (lx->p < lx->end && *lx->p == 'L') /* Python 2 long */
            lx->p++;
        if (a->ndim == SM_NPY_MAXDIM)
            return s_bad(cx, "header: 'shape' has more than %d dimensions", SM_NPY_MAXDIM);
        a->shape[a->ndim++] = v;
        if (!s_eat(lx, ',')) {
            if (s_eat(lx, ')'))
                return 0;
            return s_bad(cx, "header: 'shape' must be a tuple of integers");
        }
    }
}

static int s_descr(const s_ctx_t *cx, const char *d, sm_npy_t *a)
{
    char order = d[0];
    const char *code = d + 1;
    if (order == '>')
        return s_bad(cx, "big-endian data ('%s') is not supported; save it little-endian "
                     "(arr.astype('<%s'))", d, code);
    if (order != '<' && order != '|' && order != '=')
        return s_bad(cx, "header: 'descr' %s is not a plain numeric type (bool, uint8, int8, "
                     "int16, int32, int64, float32, float64)", d);
    for (size_t i = 0; i < sizeof s_types / sizeof s_types[0]; i++) {
        if (strcmp(code, s_types[i].code))
            continue;
        if (s_types[i].size > 1 && order == '|')
            return s_bad(cx, "header: 'descr' '%s' gives no byte order", d);
        if (s_types[i].size > 1 && order == '=' && !s_host_le())
            return s_bad(cx, "big-endian data ('%s' on this host) is not supported", d);
        a->dtype = s_types[i].dtype;
        a->itemsize = s_types[i].size;
        return 0;
    }
    return s_bad(cx, "element type '%s' is not supported (bool, uint8, int8, int16, int32, "
                 "int64, float32, float64)", d);
}

static int s_header(const s_ctx_t *cx, const char *h, size_t len, sm_npy_t *a)
{
    s_lex_t lx = {h, h + len};
    bool have_descr = false, have_order = false, have_shape = false;
    if (!s_eat(&lx, '{'))
        return s_bad(cx, "header is not a dict");
    for (;;) {
        if (s_eat(&lx, '}'))
            break;
        char key[64], val[64];
        if (!s_str(&lx, key, sizeof key) || !s_eat(&lx, ':'))
            return s_bad(cx, "header: malformed dict near \"%.*s\"", s_near(&lx), lx.p);
        if (!strcmp(key, "descr")) {
            if (!s_str(&lx, val, sizeof val))
                return s_bad(cx, "header: 'descr' is not a type string (structured arrays "
                             "are not supported)");
            if (s_descr(cx, val, a) < 0)
                return -1;
            have_descr = true;
        } else if (!strcmp(key, "fortran_order")) {
            if (s_word(&lx, "True"))
                return s_bad(cx, "Fortran-order data is not supported; save it in C order "
                             "(np.ascontiguousarray)");
            if (!s_word(&lx, "False"))
                return s_bad(cx, "header: 'fortran_order' must be True or False");
            have_order = true;
        } else if (!strcmp(key, "shape")) {
            if (s_shape(cx, &lx, a) < 0)
                return -1;
            have_shape = true;
        } else {
            return s_bad(cx, "header: unknown key '%s' (descr, fortran_order, shape)", key);
        }
        if (!s_eat(&lx, ',')) {
            if (s_eat(&lx, '}'))
                break;
            return s_bad(cx, "header: malformed dict near \"%.*s\"", s_near(&lx), lx.p);
        }
    }
    s_ws(&lx);
    if (lx.p != lx.end)
        return s_bad(cx, "header: text after the dict");
    if (!have_descr || !have_order || !have_shape)
        return s_bad(cx, "header: missing '%s'", !have_descr ? "descr"
                                                 : !have_order ? "fortran_order" : "shape");
    a->n = 1;
    for (uint32_t i = 0; i < a->ndim; i++) {
        if (a->shape[i] && a->n > (UINT64_C(1) << 40) / a->shape[i])
            return s_bad(cx, "shape is too large");
        a->n *= a->shape[i];
    }
    return 0;
}

/* Magic, version and header length: the offset of the header in *hoff and
 * its length in *hlen. `len` bytes of the file are at buf. */
static int s_preamble(const s_ctx_t *cx, const unsigned char *buf, size_t len, sm_npy_t *a,
                      size_t *hoff, size_t *hlen)
{
    if (len < 10 || memcmp(buf, "\x93NUMPY", 6))
        return s_bad(cx, "not a NumPy .npy file (no \\x93NUMPY magic)");
    unsigned major = buf[6], minor = buf[7];
    if (major < 1 || major > 3 || minor != 0)
        return s_bad(cx, ".npy format version %u.%u is not supported (1.0, 2.0, 3.0)", major,
                     minor);
    a->version = major;
    if (major == 1) {
        *hlen = (size_t)buf[8] | (size_t)buf[9] << 8;
        *hoff = 10;
    } else {
        if (len < 12)
            return s_bad(cx, "truncated header");
        *hlen = (size_t)buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 |
                (size_t)buf[11] << 24;
        *hoff = 12;
    }
    if (*hlen > S_MAX_HEADER)
        return s_bad(cx, "header of %zu bytes: corrupt file", *hlen);
    return 0;
}

static int s_check_values(const s_ctx_t *cx, const sm_npy_t *a)
{
    if (a->dtype != SM_NPY_F32 && a->dtype != SM_NPY_F64)
        return 0;
    for (uint64_t i = 0; i < a->n; i++) {
        double v = sm_npy_at(a, i);
        if (!isfinite(v))
            return s_bad(cx, "element %llu is %s (a spike tensor holds finite counts)",
                         (unsigned long long)i, isnan(v) ? "NaN" : "infinite");
    }
    return 0;
}

static sm_npy_t *s_new(const s_ctx_t *cx)
{
    sm_npy_t *a = calloc(1, sizeof *a);
    if (!a)
        sm_fail(cx->err, SM_ENOMEM, "%s: out of memory", cx->name);
    return a;
}

/* Checks an image of `len` bytes; *off receives the offset of the data. */
static int s_parse(const s_ctx_t *cx, const unsigned char *b, size_t len, sm_npy_t *a,
                   size_t *off)
{
    size_t hoff = 0, hlen = 0;
    if (s_preamble(cx, b, len, a, &hoff, &hlen) < 0)
        return -1;
    if (len - hoff < hlen)
        return s_bad(cx, "truncated header (%zu of %zu bytes)", len - hoff, hlen);
    if (s_header(cx, (const char *)b + hoff, hlen, a) < 0)
        return -1;
    size_t have = len - hoff - hlen;
    uint64_t need = a->n * a->itemsize;
    if (have != need)
        return s_bad(cx, "%s data: shape needs %llu bytes, the file has %zu%s",
                     have < need ? "truncated" : "trailing", (unsigned long long)need, have,
                     have < need ? "" : " (extra bytes after the array)");
    *off = hoff + hlen;
    return 0;
}

sm_npy_t *sm_npy_parse(const void *buf, size_t len, const char *name, sm_error_t *err)
{
    s_ctx_t cx = {name ? name : "npy", err};
    sm_npy_t *a = s_new(&cx);
    size_t off;
    if (!a || s_parse(&cx, buf, len, a, &off) < 0)
        goto fail;
    size_t need = (size_t)(a->n * a->itemsize);
    a->data = malloc(need ? need : 1);
    if (!a->data) {
        sm_fail(err, SM_ENOMEM, "%s: out of memory (%zu bytes)", cx.name, need);
        goto fail;
    }
    memcpy(a->data, (const unsigned char *)buf + off, need);
    if (s_check_values(&cx, a) < 0)
        goto fail;
    return a;
fail:
    sm_npy_destroy(&a);
    return NULL;
}

sm_npy_t *sm_npy_load(const char *path, sm_error_t *err)
{
    s_ctx_t cx = {path, err};
    size_t len = 0, off;
    unsigned char *buf = (unsigned char *)sm_file_read(path, &len, err);
    if (!buf)
        return NULL;
    sm_npy_t *a = s_new(&cx);
    if (!a || s_parse(&cx, buf, len, a, &off) < 0) {
        free(buf);
        sm_npy_destroy(&a);
        return NULL;
    }
    /* The data move to the front of the file's buffer: no second copy. */
    size_t need = (size_t)(a->n * a->itemsize);
    memmove(buf, buf + off, need);
    void *shrunk = realloc(buf, need ? need : 1);
    a->data = shrunk ? shrunk : buf;
    if (s_check_values(&cx, a) < 0)
        sm_npy_destroy(&a);
    return a;
}

sm_npy_t *sm_npy_from(const char *dtype, uint32_t ndim, const uint64_t *shape, const void *data,
                      const char *name, sm_error_t *err)
{
    s_ctx_t cx = {name ? name : "array", err};
    size_t t = 0, nt = sizeof s_types / sizeof s_types[0];
    while (t < nt && !(dtype && !strcmp(dtype, s_types[t].name)))
        t++;
    if (t == nt) {
        sm_fail(err, SM_EINVAL, "%s: element type %s: expected bool, uint8, int8, int16, int32, "
                "int64, float32 or float64", cx.name, dtype ? dtype : "(none)");
        return NULL;
    }
    if (ndim > SM_NPY_MAXDIM || (ndim && !shape)) {
        sm_fail(err, SM_EINVAL, "%s: %u dimensions, at most %d", cx.name, ndim, SM_NPY_MAXDIM);
        return NULL;
    }
    sm_npy_t *a = s_new(&cx);
    if (!a)
        return NULL;
    a->dtype = s_types[t].dtype;
    a->itemsize = s_types[t].size;
    a->version = 1;
    a->ndim = ndim;
    a->n = 1;
    for (uint32_t d = 0; d < ndim; d++) {
        a->shape[d] = shape[d];
        if (shape[d] && a->n > (SIZE_MAX / a->itemsize) / shape[d]) {
            sm_fail(err, SM_ETOOBIG, "%s: shape too large", cx.name);
            sm_npy_destroy(&a);
            return NULL;
        }
        a->n *= shape[d];
    }
    size_t need = (size_t)(a->n * a->itemsize);
    if (need && !data) {
        sm_fail(err, SM_EINVAL, "%s: %llu elements but no data", cx.name, (unsigned long long)a->n);
        sm_npy_destroy(&a);
        return NULL;
    }
    if (!(a->data = malloc(need ? need : 1))) {
        sm_fail(err, SM_ENOMEM, "%s: out of memory (%zu bytes)", cx.name, need);
        sm_npy_destroy(&a);
        return NULL;
    }
    if (need)
        memcpy(a->data, data, need);
    /* Stored little-endian, as a file's. */
    unsigned char *b = a->data;
    for (uint64_t i = 0; a->itemsize > 1 && !s_host_le() && i < a->n; i++)
        for (size_t k = 0; k < a->itemsize / 2; k++) {
            unsigned char c = b[i * a->itemsize + k];
            b[i * a->itemsize + k] = b[i * a->itemsize + a->itemsize - 1 - k];
            b[i * a->itemsize + a->itemsize - 1 - k] = c;
        }
    if (s_check_values(&cx, a) < 0)
        sm_npy_destroy(&a);
    return a;
}

void sm_npy_destroy(sm_npy_t **a_p)
{
    if (!a_p || !*a_p)
        return;
    free((*a_p)->data);
    free(*a_p);
    *a_p = NULL;
}

double sm_npy_at(const sm_npy_t *a, uint64_t i)
{
    unsigned char b[8];
    memcpy(b, (const unsigned char *)a->data + i * a->itemsize, a->itemsize);
    if (a->itemsize > 1 && !s_host_le())
        for (size_t k = 0; k < a->itemsize / 2; k++) {
            unsigned char t = b[k];
            b[k] = b[a->itemsize - 1 - k];
            b[a->itemsize - 1 - k] = t;
        }
    switch (a->dtype) {
    case SM_NPY_BOOL: return b[0] != 0;
    case SM_NPY_U8: return b[0];
    case SM_NPY_I8: return (int8_t)b[0];
    case SM_NPY_I16: {
        int16_t v;
        memcpy(&v, b, 2);
        return v;
    }
    case SM_NPY_I32: {
        int32_t v;
        memcpy(&v, b, 4);
        return v;
    }
    case SM_NPY_I64: {
        int64_t v;
        memcpy(&v, b, 8);
        return (double)v;
    }
    case SM_NPY_F32: {
        float v;
        memcpy(&v, b, 4);
        return v;
    }
    case SM_NPY_F64: {
        double v;
        memcpy(&v, b, 8);
        return v;
    }
    }
    return 0;
}
