/* json: strict JSON input (see json.h for the message shape and codes). */
#include "json.h"
#include "infile.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- messages */

char *sm_json_at(char *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, SM_JSON_PATH, fmt, ap);
    va_end(ap);
    return buf;
}

/* "PATH.KEY", or "KEY" for a member of the document itself. */
static char *s_join(char *buf, const char *path, const char *key)
{
    if (!path || !path[0])
        return sm_json_at(buf, "%s", key);
    return sm_json_at(buf, "%s.%s", path, key);
}

/* A short rendering of a value: its JSON text, cut after 60 characters. */
static void s_show(const cJSON *v, char *buf, size_t cap)
{
    char *s = v ? cJSON_PrintUnformatted(v) : NULL;
    if (!s) {
        snprintf(buf, cap, "%s", v ? "(value)" : "nothing");
        return;
    }
    if (strlen(s) > 60)
        snprintf(buf, cap, "%.57s...", s);
    else
        snprintf(buf, cap, "%s", s);
    cJSON_free(s);
}

int sm_json_fail(const sm_json_t *j, sm_err_t code, const char *path, const cJSON *got,
                 const char *fmt, ...)
{
    char what[640], shown[80] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (got)
        s_show(got, shown, sizeof shown);
    const char *at = path && path[0] ? path : "(top level)";
    return sm_fail(j->err, code, "%s%s%s: %s%s%s", j->file ? j->file : "", j->file ? ": " : "",
                   at, what, got ? ", got " : "", shown);
}

/* Shortest of %.15g and %.17g that reads back as x. */
static void s_num_text(double x, char *buf, size_t cap)
{
    if (isinf(x)) {
        snprintf(buf, cap, "%s", x < 0 ? "-inf" : "inf");
        return;
    }
    snprintf(buf, cap, "%.15g", x);
    if (strtod(buf, NULL) != x)
        snprintf(buf, cap, "%.17g", x);
}

/* Edit distance counting a swap of neighbours as one edit, the commonest
 * typo ("lfi" for "lif"). */
static size_t s_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 40 || lb > 40)
        return 99;
    size_t d[41][41];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t k = 0; k <= lb; k++)
        d[0][k] = k;
    for (size_t i = 1; i <= la; i++) {
        for (size_t k = 1; k <= lb; k++) {
            size_t best = d[i - 1][k - 1] + (a[i - 1] != b[k - 1]);
            if (d[i - 1][k] + 1 < best)
                best = d[i - 1][k] + 1;
            if (d[i][k - 1] + 1 < best)
                best = d[i][k - 1] + 1;
            if (i > 1 && k > 1 && a[i - 1] == b[k - 2] && a[i - 2] == b[k - 1] &&
                d[i - 2][k - 2] + 1 < best)
                best = d[i - 2][k - 2] + 1;
            d[i][k] = best;
        }
    }
    return d[la][lb];
}

void sm_json_suggest(const char *word, const char *const *cands, size_t n, char *buf,
                     size_t cap)
{
    /* Two edits at most, and fewer than the word's length: "c" is not a
     * typo of "a". */
    size_t best = strlen(word) < 3 ? strlen(word) : 3;
    const char *hit = NULL;
    for (size_t i = 0; i < n; i++) {
        size_t d = s_edit_distance(word, cands[i]);
        if (d < best) {
            best = d;
            hit = cands[i];
        }
    }
    if (hit)
        snprintf(buf, cap, " (did you mean \"%s\"?)", hit);
    else
        buf[0] = '\0';
}

static size_t s_count(const char *const *list)
{
    size_t n = 0;
    while (list && list[n])
        n++;
    return n;
}

/* "a, b, c" (quoted: "\"a\", \"b\""), cut to fit. */
static void s_list(const char *const *names, bool quoted, char *buf, size_t cap)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; names[i] && off < cap; i++) {
        int w = snprintf(buf + off, cap - off, quoted ? "%s\"%s\"" : "%s%s", i ? ", " : "",
                         names[i]);
        if (w < 0)
            break;
        off += (size_t)w;
    }
}

/* ------------------------------------------------------------ documents */

static int s_by_key(const void *a, const void *b)
{
    return strcmp((*(const cJSON *const *)a)->string, (*(const cJSON *const *)b)->string);
}

/* The first key given twice in obj, or NULL. Small objects compare every
 * pair; large ones (a hand-written file rarely has them) sort a copy. */
static const char *s_twice(const cJSON *obj)
{
    size_t n = 0;
    for (const cJSON *c = obj->child; c; c = c->next)
        n++;
    if (n <= 32) {
        for (const cJSON *c = obj->child; c; c = c->next)
            for (const cJSON *d = obj->child; d != c; d = d->next)
                if (!strcmp(d->string, c->string))
                    return c->string;
        return NULL;
    }
    const cJSON **v = malloc(n * sizeof *v);
    if (!v) {
        for (const cJSON *c = obj->child; c; c = c->next)
            for (const cJSON *d = c->next; d; d = d->next)
                if (!strcmp(d->string, c->string))
                    return c->string;
        return NULL;
    }
    size_t i = 0;
    for (const cJSON *c = obj->child; c; c = c->next)
        v[i++] = c;
    qsort(v, n, sizeof *v, s_by_key);
    const char *dup = NULL;
    for (i = 1; i < n && !dup; i++)
        if (!strcmp(v[i - 1]->string, v[i]->string))
            dup = v[i]->string;
    free(v);
    return dup;
}

/* What cJSON lets through: duplicate keys (it keeps both and finds the
 * first) and numbers beyond a double (it reads them as infinite). `path`
 * holds SM_JSON_PATH bytes and is extended in place. */
static int s_check_tree(const sm_json_t *j, const cJSON *v, char *path)
{
    if (cJSON_IsNumber(v) && !isfinite(v->valuedouble))
        return sm_json_fail(j, SM_ERANGE, path, NULL, "number beyond the range of a double");
    if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
        return 0;
    const char *dup = cJSON_IsObject(v) ? s_twice(v) : NULL;
    if (dup)
        return sm_json_fail(j, SM_EPARSE, path, NULL, "key \"%s\" given twice", dup);
    size_t len = strlen(path), i = 0;
    for (const cJSON *c = v->child; c; c = c->next, i++) {
        if (cJSON_IsObject(v))
            snprintf(path + len, SM_JSON_PATH - len, "%s%s", len ? "." : "", c->string);
        else
            snprintf(path + len, SM_JSON_PATH - len, "[%zu]", i);
        int rc = s_check_tree(j, c, path);
        path[len] = '\0';
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* "line L, column C" of a byte offset, for cJSON's error position. */
static void s_line_col(const char *buf, size_t off, unsigned *line, unsigned *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && buf[i]; i++) {
        if (buf[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

cJSON *sm_json_parse(const char *text, size_t len, const char *name, sm_error_t *err)
{
    if (!name)
        name = "JSON text";
    /* cJSON takes a NUL for blank space or for the end: a binary file is
     * refused instead of read up to it. */
    const char *nul = memchr(text, '\0', len);
    if (nul) {
        unsigned line, col;
        s_line_col(text, (size_t)(nul - text), &line, &col);
        sm_fail(err, SM_EPARSE, "%s:%u:%u: NUL byte: not a text file", name, line, col);
        return NULL;
    }
    const char *end = NULL;
    /* cJSON's trailing-text check wants the terminating NUL inside the
     * length it is given. */
    cJSON *doc = cJSON_ParseWithLengthOpts(text, len + 1, &end, 1);
    if (!doc) {
        size_t off = end && end >= text && end <= text + len ? (size_t)(end - text) : len;
        unsigned line, col;
        s_line_col(text, off, &line, &col);
        if (off >= len) {
            sm_fail(err, SM_EPARSE, "%s:%u:%u: malformed JSON: unexpected end of file", name,
                    line, col);
        } else {
            char near[32];
            size_t k = 0;
            for (size_t i = off; i < len && text[i] != '\n' && k < 20; i++)
                near[k++] = text[i];
            near[k] = '\0';
            sm_fail(err, SM_EPARSE, "%s:%u:%u: malformed JSON near '%s'", name, line, col,
                    near);
        }
        return NULL;
    }
    sm_json_t j = {name, err};
    char path[SM_JSON_PATH] = "";
    if (s_check_tree(&j, doc, path) < 0) {
        cJSON_Delete(doc);
        return NULL;
    }
    return doc;
}

cJSON *sm_json_read(const char *path, size_t max_bytes, sm_error_t *err)
{
    size_t len;
    char *text = sm_infile_read(path, max_bytes, &len, err);
    if (!text)
        return NULL;
    cJSON *doc = sm_json_parse(text, len, path, err);
    free(text);
    return doc;
}

/* -------------------------------------------------------------- members */

const cJSON *sm_json_get(const cJSON *obj, const char *key, int need)
{
    const cJSON *v = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
    return v && (need & SM_JSON_NULL) && cJSON_IsNull(v) ? NULL : v;
}

const cJSON *sm_json_req(const sm_json_t *j, const cJSON *obj, const char *path,
                         const char *key)
{
    const cJSON *v = sm_json_get(obj, key, SM_JSON_OPTIONAL);
    char p[SM_JSON_PATH];
    if (!v)
        sm_json_fail(j, SM_EPARSE, s_join(p, path, key), NULL, "missing");
    return v;
}

int sm_json_keys(const sm_json_t *j, const cJSON *obj, const char *path,
                 const char *const *known, const char *const *ignored, const char *what)
{
    if (sm_json_object(j, obj, path) < 0)
        return -1;
    for (const cJSON *c = obj->child; c; c = c->next) {
        bool ok = false;
        for (size_t i = 0; known[i] && !ok; i++)
            ok = !strcmp(c->string, known[i]);
        for (size_t i = 0; ignored && ignored[i] && !ok; i++)
            ok = !strcmp(c->string, ignored[i]);
        if (!ok) {
            char hint[96], list[480];
            sm_json_suggest(c->string, known, s_count(known), hint, sizeof hint);
            s_list(known, false, list, sizeof list);
            return sm_json_fail(j, SM_EPARSE, path, NULL,
                                "unknown key \"%s\"%s%s%s; allowed keys: %s", c->string,
                                what ? " for " : "", what ? what : "", hint, list);
        }
    }
    const char *dup = s_twice(obj);
    if (dup)
        return sm_json_fail(j, SM_EPARSE, path, NULL, "key \"%s\" given twice", dup);
    return 0;
}

/* --------------------------------------------------------------- values */

int sm_json_object(const sm_json_t *j, const cJSON *v, const char *path)
{
    if (!cJSON_IsObject(v))
        return sm_json_fail(j, SM_EPARSE, path, v, "must be an object");
    return 0;
}

int sm_json_array(const sm_json_t *j, const cJSON *v, const char *path, size_t min, size_t max,
                  size_t *n)
{
    if (!cJSON_IsArray(v))
        return sm_json_fail(j, SM_EPARSE, path, v, "must be an array");
    size_t len = 0;
    for (const cJSON *c = v->child; c; c = c->next)
        len++;
    if (n)
        *n = len;
    if (len >= min && len <= max)
        return 0;
    if (min == max)
        return sm_json_fail(j, SM_EPARSE, path, NULL, "must have %zu values, got %zu", min, len);
    if (max == SIZE_MAX)
        return sm_json_fail(j, SM_EPARSE, path, NULL, "must have at least %zu values, got %zu",
                            min, len);
    return sm_json_fail(j, SM_EPARSE, path, NULL, "must have %zu to %zu values, got %zu", min,
                        max, len);
}

static int s_finite(const sm_json_t *j, const cJSON *v, const char *path, double *out)
{
    if (!cJSON_IsNumber(v))
        return sm_json_fail(j, SM_EPARSE, path, v, "must be a number");
    /* cJSON prints an infinite number as null: no "got". */
    if (!isfinite(v->valuedouble))
        return sm_json_fail(j, SM_ERANGE, path, NULL, "number beyond the range of a double");
    *out = v->valuedouble;
    return 0;
}

static bool s_in(const sm_json_range_t *r, double x)
{
    return (r->lo_open ? x > r->lo : x >= r->lo) && (r->hi_open ? x < r->hi : x <= r->hi);
}

/* "in [lo, hi]", "> lo", "<= hi", ... */
static void s_range_text(const sm_json_range_t *r, char *buf, size_t cap)
{
    char lo[32], hi[32];
    s_num_text(r->lo, lo, sizeof lo);
    s_num_text(r->hi, hi, sizeof hi);
    bool has_lo = isfinite(r->lo), has_hi = isfinite(r->hi);
    if (has_lo && has_hi)
        snprintf(buf, cap, "in %c%s, %s%c", r->lo_open ? '(' : '[', lo, hi, r->hi_open ? ')' : ']');
    else if (has_lo)
        snprintf(buf, cap, "%s %s", r->lo_open ? ">" : ">=", lo);
    else if (has_hi)
        snprintf(buf, cap, "%s %s", r->hi_open ? "<" : "<=", hi);
    else
        snprintf(buf, cap, "finite");
}

int sm_json_num(const sm_json_t *j, const cJSON *v, const char *path, const sm_json_range_t *r,
                double *out)
{
    double x = 0;
    if (s_finite(j, v, path, &x) < 0)
        return -1;
    if (r && !s_in(r, x)) {
        char txt[80];
        s_range_text(r, txt, sizeof txt);
        return sm_json_fail(j, SM_ERANGE, path, v, "must be %s", txt);
    }
    *out = x;
    return 0;
}

int sm_json_float(const sm_json_t *j, const cJSON *v, const char *path, double *out)
{
    double x = 0;
    if (s_finite(j, v, path, &x) < 0)
        return -1;
    if (fabs(x) > FLT_MAX)
        return sm_json_fail(j, SM_ERANGE, path, v, SM_JSON_FLOAT_MSG);
    *out = x;
    return 0;
}

int sm_json_int(const sm_json_t *j, const cJSON *v, const char *path, double lo, double hi,
                double *out)
{
    if (!cJSON_IsNumber(v) || (isfinite(v->valuedouble) && v->valuedouble != floor(v->valuedouble)))
        return sm_json_fail(j, SM_EPARSE, path, v, "must be an integer");
    double x = v->valuedouble;
    if (!isfinite(x))
        return sm_json_fail(j, SM_ERANGE, path, NULL, "number beyond the range of a double");
    if (x < lo || x > hi) {
        char l[32], h[32];
        s_num_text(lo, l, sizeof l);
        s_num_text(hi, h, sizeof h);
        return sm_json_fail(j, SM_ERANGE, path, v, "must be an integer in [%s, %s]", l, h);
    }
    *out = x;
    return 0;
}

int sm_json_u32(const sm_json_t *j, const cJSON *v, const char *path, uint32_t lo, uint32_t hi,
                uint32_t *out)
{
    double x = 0;
    if (sm_json_int(j, v, path, lo, hi, &x) < 0)
        return -1;
    *out = (uint32_t)x;
    return 0;
}

int sm_json_u64(const sm_json_t *j, const cJSON *v, const char *path, uint64_t lo, uint64_t hi,
                uint64_t *out)
{
    double x = 0, h = (double)hi > SM_JSON_MAX_EXACT ? SM_JSON_MAX_EXACT : (double)hi;
    if (sm_json_int(j, v, path, (double)lo, h, &x) < 0)
        return -1;
    *out = (uint64_t)x;
    return 0;
}

int sm_json_bool(const sm_json_t *j, const cJSON *v, const char *path, bool *out)
{
    if (!cJSON_IsBool(v))
        return sm_json_fail(j, SM_EPARSE, path, v, "must be true or false");
    *out = cJSON_IsTrue(v);
    return 0;
}

int sm_json_str(const sm_json_t *j, const cJSON *v, const char *path, const char **out)
{
    if (!cJSON_IsString(v) || !v->valuestring)
        return sm_json_fail(j, SM_EPARSE, path, v, "must be a string");
    *out = v->valuestring;
    return 0;
}

int sm_json_enum(const sm_json_t *j, const cJSON *v, const char *path, const char *const *names,
                 int *out)
{
    for (int i = 0; cJSON_IsString(v) && v->valuestring && names[i]; i++)
        if (!strcmp(v->valuestring, names[i])) {
            *out = i;
            return 0;
        }
    char list[480], hint[96] = "";
    s_list(names, true, list, sizeof list);
    if (cJSON_IsString(v) && v->valuestring)
        sm_json_suggest(v->valuestring, names, s_count(names), hint, sizeof hint);
    size_t n = s_count(names);
    char shown[80];
    s_show(v, shown, sizeof shown);
    if (n == 1)
        return sm_json_fail(j, SM_EPARSE, path, NULL, "must be %s, got %s%s", list, shown, hint);
    return sm_json_fail(j, SM_EPARSE, path, NULL, "must be one of %s, got %s%s", list, shown,
                        hint);
}

/* -------------------------------------------------------- keyed values */

/* The member and its path: 1 present, 0 absent (fine), -1 missing. */
static int s_member(const sm_json_t *j, const cJSON *obj, const char *path, const char *key,
                    int need, const cJSON **v, char *p)
{
    *v = sm_json_get(obj, key, need);
    s_join(p, path, key);
    if (!*v)
        return need & SM_JSON_REQUIRED ? sm_json_fail(j, SM_EPARSE, p, NULL, "missing") : 0;
    return 1;
}

#define S_KEYED(call)                                   \
    const cJSON *v;                                     \
    char p[SM_JSON_PATH];                               \
    int rc = s_member(j, obj, path, key, need, &v, p);  \
    if (rc <= 0)                                        \
        return rc;                                      \
    return (call) < 0 ? -1 : 1

int sm_json_get_num(const sm_json_t *j, const cJSON *obj, const char *path, const char *key,
                    int need, const sm_json_range_t *r, double *out)
{
    S_KEYED(sm_json_num(j, v, p, r, out));
}

int sm_json_get_u32(const sm_json_t *j, const cJSON *obj, const char *path, const char *key,
                    int need, uint32_t lo, uint32_t hi, uint32_t *out)
{
    S_KEYED(sm_json_u32(j, v, p, lo, hi, out));
}

int sm_json_get_u64(const sm_json_t *j, const cJSON *obj, const char *path, const char *key,
                    int need, uint64_t lo, uint64_t hi, uint64_t *out)
{
    S_KEYED(sm_json_u64(j, v, p, lo, hi, out));
}

int sm_json_get_bool(const sm_json_t *j, const cJSON *obj, const char *path, const char *key,
                     int need, bool *out)
{
    S_KEYED(sm_json_bool(j, v, p, out));
}

int sm_json_get_str(const sm_json_t *j, const cJSON *obj, const char *path, const char *key,
                    int need, const char **out)
{
    S_KEYED(sm_json_str(j, v, p, out));
}

int sm_json_get_enum(const sm_json_t *j, const cJSON *obj, const char *path, const char *key,
                     int need, const char *const *names, int *out)
{
    S_KEYED(sm_json_enum(j, v, p, names, out));
}

int sm_json_get_object(const sm_json_t *j, const cJSON *obj, const char *path, const char *key,
                       int need, const cJSON **out)
{
    const cJSON *v;
    char p[SM_JSON_PATH];
    int rc = s_member(j, obj, path, key, need, &v, p);
    if (rc <= 0)
        return rc;
    if (sm_json_object(j, v, p) < 0)
        return -1;
    *out = v;
    return 1;
}

int sm_json_get_array(const sm_json_t *j, const cJSON *obj, const char *path, const char *key,
                      int need, size_t min, size_t max, const cJSON **out)
{
    const cJSON *v;
    char p[SM_JSON_PATH];
    int rc = s_member(j, obj, path, key, need, &v, p);
    if (rc <= 0)
        return rc;
    if (sm_json_array(j, v, p, min, max, NULL) < 0)
        return -1;
    *out = v;
    return 1;
}
