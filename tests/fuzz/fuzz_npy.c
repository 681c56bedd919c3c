/* Fuzz target: NumPy .npy spike tensors (tools/io/npy.h) through
 * sm_npy_parse and, for the same bytes as a file, sm_npy_load, which must
 * agree. Seeds: an image of every element type in every format version, and
 * the header forms numpy writes; mutants: byte edits anywhere, header tokens,
 * header-length and data edits. An accepted array must be what the header
 * says, hold the file's bytes, and be finite. */
#include "fuzz.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"

static size_t s_itemsize(sm_npy_dtype_t d)
{
    switch (d) {
    case SM_NPY_BOOL:
    case SM_NPY_U8:
    case SM_NPY_I8: return 1;
    case SM_NPY_I16: return 2;
    case SM_NPY_I32:
    case SM_NPY_F32: return 4;
    case SM_NPY_I64:
    case SM_NPY_F64: return 8;
    }
    return 0;
}

static const char *npy_invariants(const sm_npy_t *a, const uint8_t *data, size_t size)
{
    if (a->version < 1 || a->version > 3 || size < 10 || data[6] != a->version)
        return "a version that is not the file's";
    if (a->dtype > SM_NPY_F64 || a->itemsize != s_itemsize(a->dtype))
        return "an element size that is not its type's";
    if (a->ndim > SM_NPY_MAXDIM)
        return "more than SM_NPY_MAXDIM dimensions";
    uint64_t n = 1;
    for (uint32_t i = 0; i < a->ndim; i++) {
        if (a->shape[i] && n > UINT64_MAX / a->shape[i])
            return "a shape whose size overflows";
        n *= a->shape[i];
    }
    if (n != a->n)
        return "an element count that is not the shape's";
    size_t hoff = a->version == 1 ? 10 : 12;
    size_t hlen = a->version == 1 ? (size_t)data[8] | (size_t)data[9] << 8
                                  : (size_t)data[8] | (size_t)data[9] << 8 |
                                        (size_t)data[10] << 16 | (size_t)data[11] << 24;
    if (hoff + hlen > size || size - hoff - hlen != a->n * a->itemsize)
        return "data that are not the bytes after the header";
    if (a->n && (!a->data || memcmp(a->data, data + hoff + hlen, a->n * a->itemsize)))
        return "data that differ from the file's";
    for (uint64_t i = 0; i < a->n; i++)
        if (!isfinite(sm_npy_at(a, i)))
            return "an element that is not finite";
    return NULL;
}

int sm_fuzz_npy(const uint8_t *data, size_t size)
{
    static const char *name = "fuzzed.npy";
    fz_stats_t *st = fz_stats();
    /* An exact copy, so that ASan sees a read one past the end. */
    uint8_t *buf = malloc(size ? size : 1);
    t_require(buf, "out of memory for %zu bytes", size);
    if (size)
        memcpy(buf, data, size);
    sm_error_t err;
    sm_error_clear(&err);
    sm_npy_t *a = sm_npy_parse(buf, size, name, &err);
    char file[256];
    tmp_path(file, sizeof file, "t.npy");
    t_write(file, buf, size);
    sm_error_t ferr;
    sm_error_clear(&ferr);
    sm_npy_t *fa = sm_npy_load(file, &ferr);
    if (!a != !fa)
        fz_bad(st, "npy", buf, size, "sm_npy_parse and sm_npy_load disagree (%s / %s)",
               a ? "accepted" : err.msg, fa ? "accepted" : ferr.msg);
    else if (!fa && !strstr(ferr.msg, file))
        fz_bad(st, "npy", buf, size, "the file's refusal does not name it: %s", ferr.msg);
    else if (a && (fa->dtype != a->dtype || fa->n != a->n || fa->ndim != a->ndim ||
                   memcmp(fa->shape, a->shape, sizeof a->shape) ||
                   (a->n && memcmp(fa->data, a->data, a->n * a->itemsize))))
        fz_bad(st, "npy", buf, size, "sm_npy_load read another array than sm_npy_parse");
    sm_npy_destroy(&fa);
    if (!a) {
        fz_refused(st, "npy", &err, name, buf, size);
    } else {
        st->accepted++;
        const char *why = npy_invariants(a, buf, size);
        if (why)
            fz_bad(st, "npy", buf, size, "accepted, but %s", why);
    }
    sm_npy_destroy(&a);
    free(buf);
    return 0;
}

#ifndef SM_LIBFUZZER

TestSuite(fuzz, .init = tmp_setup, .fini = tmp_teardown, .timeout = 300);

/* An image as numpy.save writes it: the header dict padded with spaces to a
 * multiple of 64 bytes, ending in a newline. */
static size_t s_image(uint8_t *out, size_t cap, unsigned version, const char *dict,
                      const void *data, size_t dlen)
{
    size_t pre = version == 1 ? 10 : 12, dl = strlen(dict);
    size_t total = pre + dl + 1;
    size_t pad = (64 - total % 64) % 64;
    size_t hlen = dl + pad + 1;
    cr_assert(pre + hlen + dlen <= cap);
    memcpy(out, "\x93NUMPY", 6);
    out[6] = (uint8_t)version;
    out[7] = 0;
    out[8] = (uint8_t)hlen;
    out[9] = (uint8_t)(hlen >> 8);
    if (version > 1) {
        out[10] = (uint8_t)(hlen >> 16);
        out[11] = (uint8_t)(hlen >> 24);
    }
    memcpy(out + pre, dict, dl);
    memset(out + pre + dl, ' ', pad);
    out[pre + hlen - 1] = '\n';
    memcpy(out + pre + hlen, data, dlen);
    return pre + hlen + dlen;
}

static const char *const s_descr[] = {"|b1", "|u1", "|i1", "<i2", "<i4", "<i8", "<f4", "<f8"};
static const size_t s_size[] = {1, 1, 1, 2, 4, 8, 4, 8};

static const char *const s_tokens[] = {
    "'<f4'", "'>f8'", "'|b1'", "'=i2'", "'<u2'", "'<c8'", "'|O'", "(", ")", ",", "(,)", "()",
    "True", "False", "'shape'", "'descr'", "'fortran_order'", "'x': 1", "99999999999",
    "1099511627776", "18446744073709551616", "0", "1L", "{", "}", ":", "'", "\"", "\\", "\n",
    " ", "\x00", "\xff", "[('a', '<f4')]",
};

/* One edit aimed at the format: the header length, the version, a header
 * token, or a float datum made NaN / infinite. */
static size_t s_mutate(sm_rng_t *r, uint8_t *buf, size_t len, size_t cap)
{
    size_t pre = len > 6 && buf[6] > 1 ? 12 : 10;
    switch (sm_rng_below(r, 6)) {
    case 0: /* header length */
        if (len > pre)
            buf[8 + sm_rng_below(r, (uint32_t)(pre - 8))] = (uint8_t)sm_rng_below(r, 256);
        return len;
    case 1: /* version */
        if (len > 7)
            buf[6 + sm_rng_below(r, 2)] = (uint8_t)sm_rng_below(r, 5);
        return len;
    case 2:
    case 3: { /* a token into the header */
        size_t hend = len < 128 ? len : 128;
        const char *t = s_tokens[sm_rng_below(r, sizeof s_tokens / sizeof *s_tokens)];
        size_t n = strlen(t) ? strlen(t) : 1;
        if (len + n > cap || hend <= pre)
            return len;
        size_t at = pre + sm_rng_below(r, (uint32_t)(hend - pre));
        if (sm_rng_below(r, 2)) { /* overwrite */
            if (at + n > len)
                return len;
            memcpy(buf + at, t, n);
            return len;
        }
        memmove(buf + at + n, buf + at, len - at);
        memcpy(buf + at, t, n);
        return len + n;
    }
    case 4: { /* a NaN or an infinity in the data */
        static const uint8_t pat[][8] = {{0, 0, 0xc0, 0x7f}, {0, 0, 0x80, 0x7f},
                                         {0, 0, 0, 0, 0, 0, 0xf8, 0x7f},
                                         {0, 0, 0, 0, 0, 0, 0xf0, 0xff}};
        size_t k = sm_rng_below(r, 4), n = k < 2 ? 4 : 8;
        if (len < pre + n)
            return len;
        size_t at = len - n - sm_rng_below(r, (uint32_t)(len - pre - n + 1)) / n * n;
        memcpy(buf + at, pat[k], n);
        return len;
    }
    default:
        return mutate_bytes(r, buf, len, cap, sm_rng_below(r, 2));
    }
}

Test(fuzz, npy_files)
{
    uint8_t data[2048];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i % 3 == 0);
    /* Seeds: every type and version; then the header forms. */
    uint8_t seeds[40][512];
    size_t lens[40], ns = 0;
    for (unsigned v = 1; v <= 3; v++)
        for (size_t t = 0; t < 8; t++) {
            char dict[200];
            snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (%u, 2, 3), }",
                     s_descr[t], 2 + v);
            lens[ns] = s_image(seeds[ns], sizeof seeds[ns], v, dict, data, (2 + v) * 6 * s_size[t]);
            ns++;
        }
    static const char *const forms[] = {
        "{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 5), }",
        "{'descr': '|u1', 'fortran_order': False, 'shape': (7,), }",
        "{\"descr\": \"<i8\", \"fortran_order\": False, \"shape\": (2L, 3L)}",
        "{'shape': (4, 1), 'fortran_order': False, 'descr': '=i2'}",
        "{'descr': '|b1', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, "
        "1, 1, 1, 3), }",
    };
    static const size_t fsize[] = {4, 0, 7, 48, 8, 3};
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        lens[ns] = s_image(seeds[ns], sizeof seeds[ns], 1, forms[i], data, fsize[i]);
        ns++;
    }
    fz_stats_t st = {0};
    fz_count_into(&st);
    uint8_t buf[1024];
    for (size_t k = 0; k < ns; k++) {
        fz_keep_seed("npy", seeds[k], lens[k]);
        unsigned before = st.accepted;
        sm_fuzz_npy(seeds[k], lens[k]);
        cr_expect_eq(st.accepted, before + 1, "seed %zu refused", k);
        for (uint32_t i = 0; i < fz_n(250); i++) {
            sm_rng_t r = sm_rng_stream(fz_seed(0x0e9 + k), 1, i);
            memcpy(buf, seeds[k], lens[k]);
            size_t n = lens[k];
            uint32_t edits = 1 + sm_rng_below(&r, 3);
            for (uint32_t e = 0; e < edits; e++)
                n = s_mutate(&r, buf, n, sizeof buf);
            sm_fuzz_npy(buf, n);
        }
    }
    fz_count_into(NULL);
    fz_report("npy", &st, 250, 4000);
}

/* ------------------------------------------- regressions found by fuzzing */

Test(fuzz, regression_npy_message_reads_past_the_header)
{
    /* "malformed dict near \"%.20s\"" quoted the header as a C string: a
     * malformed header at the end of the image sent it reading the bytes
     * after the buffer (a heap overflow under ASan). */
    static const char head[] = "{'descr' x";
    size_t hl = sizeof head - 1, len = 10 + hl;
    uint8_t *buf = malloc(len + 32);
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (uint8_t)hl;
    buf[9] = 0;
    memcpy(buf + 10, head, hl);
    memset(buf + len, 'Z', 32); /* not part of the image */
    sm_error_t err;
    sm_npy_t *a = sm_npy_parse(buf, len, "cut.npy", &err);
    cr_expect_null(a);
    cr_expect(strstr(err.msg, "cut.npy: header: malformed dict near \"x\""), "%s", err.msg);
    cr_expect(!strchr(err.msg, 'Z'), "the message quotes bytes after the image: %s", err.msg);
    sm_npy_destroy(&a);
    free(buf);
}

#endif
