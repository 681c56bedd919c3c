/* sanafe_scalar: SANA-FE's scalar typing, ranges and attribute lists. */
#include "sanafe_scalar.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int s_digit(int c, int base)
{
    int v = (c >= '0' && c <= '9') ? c - '0'
            : (c >= 'a' && c <= 'f') ? c - 'a' + 10
            : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                     : 99;
    return v < base ? v : -1;
}

static int s_is_int(const char *s, size_t len, int32_t *out)
{
    size_t i = 0;
    int neg = 0, base = 10;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    if (len - i > 2 && s[i] == '0') {
        char p = s[i + 1];
        base = (p == 'x' || p == 'X') ? 16 : (p == 'o' || p == 'O') ? 8 : (p == 'b' || p == 'B') ? 2 : 10;
        if (base != 10)
            i += 2;
    }
    if (i >= len)
        return 0;
    int64_t v = 0;
    for (; i < len; i++) {
        int dg = s_digit((unsigned char)s[i], base);
        if (dg < 0)
            return 0;
        v = v * base + dg;
        if (v > (int64_t)INT32_MAX + 1)
            return 0;
    }
    if (neg)
        v = -v;
    if (v > INT32_MAX || v < INT32_MIN)
        return 0;
    *out = (int32_t)v;
    return 1;
}

static int s_ieq(const char *s, size_t len, const char *w)
{
    size_t n = strlen(w);
    if (n != len)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != w[i])
            return 0;
    }
    return 1;
}

static int s_is_double(const char *s, size_t len, double *out)
{
    size_t i = 0;
    int neg = 0;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    if (s_ieq(s + i, len - i, "inf") || s_ieq(s + i, len - i, "infinity")) {
        *out = neg ? -HUGE_VAL : HUGE_VAL;
        return 1;
    }
    size_t digits = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++, digits++;
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++, digits++;
    }
    if (!digits)
        return 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '-' || s[i] == '+'))
            i++;
        size_t ed = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++, ed++;
        if (!ed)
            return 0;
    }
    if (i != len || len > 400)
        return 0;
    char buf[416];
    memcpy(buf, s, len);
    buf[len] = '\0';
    *out = strtod(buf, NULL);
    return 1;
}

static int s_word(const char *s, size_t len, const char *w)
{
    return strlen(w) == len && !memcmp(s, w, len);
}

sm_sfv_kind_t sm_sfv_classify(const char *s, size_t len, sm_sfv_t *out)
{
    sm_sfv_t v = {SM_SFV_STRING, 0, 0.0, 0};
    if (s_is_int(s, len, &v.i)) {
        v.kind = SM_SFV_INT;
        v.d = v.i;
    } else if (s_is_double(s, len, &v.d)) {
        v.kind = SM_SFV_DOUBLE;
    } else if (s_word(s, len, "true") || s_word(s, len, "True") || s_word(s, len, "TRUE")) {
        v.kind = SM_SFV_BOOL;
        v.b = 1;
    } else if (s_word(s, len, "false") || s_word(s, len, "False") || s_word(s, len, "FALSE")) {
        v.kind = SM_SFV_BOOL;
        v.b = 0;
    }
    if (out)
        *out = v;
    return v.kind;
}

static int s_scalar(const sm_yaml_t *d, uint32_t n, const char *key, const char *want,
                    sm_error_t *err)
{
    if (sm_yaml_kind(d, n) == SM_YAML_SCALAR)
        return 0;
    char show[64];
    return sm_yaml_fail(d, n, err, SM_EPARSE, "%s: must be %s, got %s", key, want,
                        sm_yaml_show(d, n, show, sizeof show));
}

static int s_bad(const sm_yaml_t *d, uint32_t n, const char *key, const char *want, sm_error_t *err)
{
    char show[96];
    return sm_yaml_fail(d, n, err, SM_EPARSE, "%s: must be %s, got %s", key, want,
                        sm_yaml_show(d, n, show, sizeof show));
}

int sm_sf_int(const sm_yaml_t *d, uint32_t n, const char *key, int32_t *out, sm_error_t *err)
{
    if (s_scalar(d, n, key, "an integer", err))
        return -1;
    sm_sfv_t v;
    if (sm_sfv_classify(sm_yaml_str(d, n), sm_yaml_len(d, n), &v) != SM_SFV_INT)
        return s_bad(d, n, key, "an integer", err);
    *out = v.i;
    return 0;
}

int sm_sf_double(const sm_yaml_t *d, uint32_t n, const char *key, double *out, sm_error_t *err)
{
    if (s_scalar(d, n, key, "a number", err))
        return -1;
    sm_sfv_t v;
    sm_sfv_kind_t k = sm_sfv_classify(sm_yaml_str(d, n), sm_yaml_len(d, n), &v);
    if (k != SM_SFV_INT && k != SM_SFV_DOUBLE)
        return s_bad(d, n, key, "a number", err);
    *out = v.d;
    return 0;
}

int sm_sf_bool(const sm_yaml_t *d, uint32_t n, const char *key, int *out, sm_error_t *err)
{
    if (s_scalar(d, n, key, "true or false", err))
        return -1;
    sm_sfv_t v;
    sm_sfv_kind_t k = sm_sfv_classify(sm_yaml_str(d, n), sm_yaml_len(d, n), &v);
    if (k == SM_SFV_BOOL)
        *out = v.b;
    else if (k == SM_SFV_INT)
        *out = v.i != 0;
    else
        return s_bad(d, n, key, "true or false", err);
    return 0;
}

int sm_sf_string(const sm_yaml_t *d, uint32_t n, const char *key, const char **out, sm_error_t *err)
{
    if (s_scalar(d, n, key, "a name", err))
        return -1;
    if (memchr(sm_yaml_str(d, n), '\0', sm_yaml_len(d, n)))
        return s_bad(d, n, key, "a name without NUL bytes", err);
    *out = sm_yaml_str(d, n);
    return 0;
}

int sm_sf_parse_index(const char *s, size_t len, uint64_t *out)
{
    if (!len || len > 18)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 0;
}

int sm_sf_index(const sm_yaml_t *d, uint32_t n, const char *key, uint64_t *out, sm_error_t *err)
{
    if (s_scalar(d, n, key, "a non-negative integer", err))
        return -1;
    if (sm_sf_parse_index(sm_yaml_str(d, n), sm_yaml_len(d, n), out))
        return s_bad(d, n, key, "a non-negative integer", err);
    return 0;
}

static uint32_t s_required(const sm_yaml_t *d, uint32_t map, const char *key, sm_error_t *err)
{
    uint32_t v = sm_yaml_get(d, map, key);
    if (!v)
        sm_yaml_fail(d, map, err, SM_EPARSE, "%s: required, missing", key);
    return v;
}

int sm_sf_req_int(const sm_yaml_t *d, uint32_t map, const char *key, int32_t *out, sm_error_t *err)
{
    uint32_t v = s_required(d, map, key, err);
    return v ? sm_sf_int(d, v, key, out, err) : -1;
}

int sm_sf_req_double(const sm_yaml_t *d, uint32_t map, const char *key, double *out,
                     sm_error_t *err)
{
    uint32_t v = s_required(d, map, key, err);
    return v ? sm_sf_double(d, v, key, out, err) : -1;
}

int sm_sf_req_string(const sm_yaml_t *d, uint32_t map, const char *key, const char **out,
                     sm_error_t *err)
{
    uint32_t v = s_required(d, map, key, err);
    return v ? sm_sf_string(d, v, key, out, err) : -1;
}

int sm_sf_opt_double(const sm_yaml_t *d, uint32_t map, const char *key, double *out, int *given,
                     sm_error_t *err)
{
    uint32_t v = sm_yaml_get(d, map, key);
    if (given)
        *given = v != 0;
    return v ? sm_sf_double(d, v, key, out, err) : 0;
}

int sm_sf_opt_bool(const sm_yaml_t *d, uint32_t map, const char *key, int *out, sm_error_t *err)
{
    uint32_t v = sm_yaml_get(d, map, key);
    return v ? sm_sf_bool(d, v, key, out, err) : 0;
}

int sm_sf_keys(const sm_yaml_t *d, uint32_t map, const char *context, const char *const *allowed,
               sm_error_t *err)
{
    for (uint32_t k = sm_yaml_first(d, map); k; k = sm_yaml_next(d, sm_yaml_next(d, k))) {
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = sm_yaml_is(d, k, *a);
        if (ok)
            continue;
        char show[64], list[400];
        size_t o = 0;
        list[0] = '\0';
        for (const char *const *a = allowed; *a && o + 2 < sizeof list; a++)
            o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", a == allowed ? "" : ", ", *a);
        return sm_yaml_fail(d, k, err, SM_EPARSE, "%s: unknown key in %s (known: %s)",
                            sm_yaml_show(d, k, show, sizeof show), context, list);
    }
    return 0;
}

int sm_sf_parse_range(const char *s, size_t len, uint64_t *first, uint64_t *last, size_t *base_len)
{
    const char *dots = NULL;
    for (size_t i = 0; i + 1 < len; i++)
        if (s[i] == '.' && s[i + 1] == '.') {
            dots = s + i;
            break;
        }
    if (!dots)
        return 0;
    const char *lo = s, *end = s + len;
    const char *open = memchr(s, '[', len);
    if (open) {
        if (end[-1] != ']' || open > dots)
            return -1;
        lo = open + 1;
        end--;
    }
    if (base_len)
        *base_len = open ? (size_t)(open - s) : len;
    if (sm_sf_parse_index(lo, (size_t)(dots - lo), first) ||
        sm_sf_parse_index(dots + 2, (size_t)(end - dots - 2), last) || *first > *last)
        return -1;
    return 1;
}

int sm_sf_walk(const sm_yaml_t *d, uint32_t n, const char *context, sm_sf_pair_fn fn, void *ctx,
               sm_error_t *err)
{
    sm_yaml_kind_t k = sm_yaml_kind(d, n);
    if (k == SM_YAML_MAP) {
        for (uint32_t key = sm_yaml_first(d, n); key; key = sm_yaml_next(d, sm_yaml_next(d, key))) {
            int rc = fn(d, key, sm_yaml_next(d, key), ctx, err);
            if (rc)
                return rc;
        }
        return 0;
    }
    if (k == SM_YAML_SEQ) {
        for (uint32_t e = sm_yaml_first(d, n); e; e = sm_yaml_next(d, e)) {
            int rc = sm_sf_walk(d, e, context, fn, ctx, err);
            if (rc)
                return rc;
        }
        return 0;
    }
    char show[64];
    return sm_yaml_fail(d, n, err, SM_EPARSE,
                        "%s: must be a map of attributes or a list of them, got %s", context,
                        sm_yaml_show(d, n, show, sizeof show));
}
