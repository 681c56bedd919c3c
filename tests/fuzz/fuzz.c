#include "fuzz.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A decoder that asks for terabytes because a size field says so must get
 * NULL back and refuse cleanly, as it would without ASan; ASan's default is
 * to abort on such a request instead. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}

/* ------------------------------------------------------------- utilities */

/* SM_FUZZ_SCALE=k runs k times as many mutants, SM_FUZZ_SEED=s other
 * ones, for a longer search by hand; the default run is fixed. */
uint32_t fz_n(uint32_t n)
{
    const char *e = getenv("SM_FUZZ_SCALE");
    long k = e ? strtol(e, NULL, 10) : 1;
    return k > 1 && k < 10000 ? n * (uint32_t)k : n;
}

uint64_t fz_seed(uint64_t s)
{
    const char *e = getenv("SM_FUZZ_SEED");
    return e ? s ^ sm_mix64(strtoull(e, NULL, 10)) : s;
}

static char g_tmp[256];

void tmp_setup(void)
{
    t_mkdtemp(g_tmp, sizeof g_tmp, "fuzz");
#ifdef SM_LIBFUZZER
    atexit(tmp_teardown);
#endif
}

void tmp_path(char *out, size_t cap, const char *name)
{
    if (!g_tmp[0])
        tmp_setup();
    t_join(out, cap, g_tmp, name);
}

void tmp_teardown(void)
{
    if (g_tmp[0] && t_rmtree(g_tmp) != 0)
        fprintf(stderr, "could not remove %s\n", g_tmp);
    g_tmp[0] = '\0';
}

#ifndef SM_LIBFUZZER
/* Where a failing input is kept for reproduction (libFuzzer keeps its own). */
static void failure_path(char *out, size_t cap, const char *what)
{
    snprintf(out, cap, "%s/sm_fuzz_fail_%s.bin", t_tmp_base(), what);
}

static void save_failure(const char *what, const void *buf, size_t len)
{
    char path[512];
    failure_path(path, sizeof path, what);
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(buf, 1, len, f);
        fclose(f);
    }
}
#endif

static fz_stats_t g_process_stats;
static fz_stats_t *g_stats = &g_process_stats;

void fz_count_into(fz_stats_t *st)
{
    g_stats = st ? st : &g_process_stats;
}

fz_stats_t *fz_stats(void)
{
    return g_stats;
}

void fz_bad(fz_stats_t *st, const char *what, const void *buf, size_t len, const char *fmt, ...)
{
    char msg[sizeof st->first_bad];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
#ifdef SM_LIBFUZZER
    /* libFuzzer keeps the input of a crash: make the bad outcome one. */
    (void)buf;
    (void)len;
    fprintf(stderr, "fuzz %s: %s\n", what, msg);
    abort();
#else
    if (st->bad < 10) {
        char tag[64], path[512];
        snprintf(tag, sizeof tag, "%s_%u", what, st->bad);
        failure_path(path, sizeof path, tag);
        fprintf(stderr, "fuzz %s: %s (%s)\n", what, msg, path);
        save_failure(tag, buf, len);
    }
    if (st->bad++ == 0) {
        memcpy(st->first_bad, msg, sizeof msg);
        save_failure(what, buf, len);
    }
#endif
}

void fz_refused(fz_stats_t *st, const char *what, const sm_error_t *err, const char *name,
                const void *buf, size_t len)
{
    st->refused++;
    if (err->code == SM_OK || !err->msg[0])
        fz_bad(st, what, buf, len, "refused without a message (code %d)", (int)err->code);
    else if (name && !strstr(err->msg, name))
        fz_bad(st, what, buf, len, "message does not name \"%s\": %s", name, err->msg);
}

#ifndef SM_LIBFUZZER
void fz_report(const char *what, const fz_stats_t *st)
{
    char path[512];
    failure_path(path, sizeof path, what);
    fprintf(stderr, "fuzz %-10s accepted %5u refused %5u skipped %4u bad %u\n", what,
            st->accepted, st->refused, st->skipped, st->bad);
    cr_expect_eq(st->bad, 0, "%s: %u bad outcomes; first: %s (input in %s)", what, st->bad,
                 st->first_bad, path);
}

void fz_keep_seed(const char *what, const void *buf, size_t len)
{
    static unsigned k;
    const char *dir = getenv("SM_FUZZ_CORPUS");
    if (!dir || !*dir)
        return;
    char path[512];
    snprintf(path, sizeof path, "%s/%s_%u.bin", dir, what, k++);
    t_write(path, buf, len);
}
#endif

/* ------------------------------------------------------ byte mutations */

static const char *const s_tokens[] = {
    "\"", "{", "}", "[", "]", ",", ":", "-", "0", "-1", "1e308", "-1e308", "1e999", "null",
    "true", "false", "4294967295", "4294967296", "9007199254740993", "NaN", "\"\"", "[]",
    "{}", "\\u0000", "\\", "\n", "\xff", "\xc3\xa9", "0.5", "1e-400", "\"x\":1", "[[", "]]",
};

/* One random byte-level edit of buf (len bytes, cap >= len + 64). */
size_t mutate_bytes(sm_rng_t *r, uint8_t *buf, size_t len, size_t cap, bool text)
{
    uint32_t op = sm_rng_below(r, text ? 7 : 6);
    if (len == 0)
        op = 2;
    switch (op) {
    case 0: /* flip one bit */
        buf[sm_rng_below(r, (uint32_t)len)] ^= (uint8_t)(1u << sm_rng_below(r, 8));
        return len;
    case 1: { /* delete a short span */
        size_t at = sm_rng_below(r, (uint32_t)len);
        size_t n = 1 + sm_rng_below(r, 8);
        if (at + n > len)
            n = len - at;
        memmove(buf + at, buf + at + n, len - at - n);
        return len - n;
    }
    case 2: { /* insert random bytes */
        size_t n = 1 + sm_rng_below(r, 4);
        if (len + n > cap)
            return len;
        size_t at = sm_rng_below(r, (uint32_t)len + 1);
        memmove(buf + at + n, buf + at, len - at);
        for (size_t i = 0; i < n; i++)
            buf[at + i] = (uint8_t)sm_rng_below(r, 256);
        return len + n;
    }
    case 3: /* truncate */
        return sm_rng_below(r, (uint32_t)len);
    case 4: /* overwrite a byte with an interesting value */ {
        static const uint8_t v[] = {0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe};
        buf[sm_rng_below(r, (uint32_t)len)] = v[sm_rng_below(r, sizeof v)];
        return len;
    }
    case 5: { /* duplicate a span */
        size_t at = sm_rng_below(r, (uint32_t)len);
        size_t n = 1 + sm_rng_below(r, 16);
        if (at + n > len)
            n = len - at;
        if (len + n > cap)
            return len;
        memmove(buf + at + n, buf + at, len - at);
        return len + n;
    }
    default: { /* insert a JSON token */
        const char *t = s_tokens[sm_rng_below(r, sizeof s_tokens / sizeof s_tokens[0])];
        size_t n = strlen(t);
        if (len + n > cap)
            return len;
        size_t at = sm_rng_below(r, (uint32_t)len + 1);
        memmove(buf + at + n, buf + at, len - at);
        memcpy(buf + at, t, n);
        return len + n;
    }
    }
}

/* ---------------------------------------------- structural JSON mutations */

typedef struct {
    cJSON *node, *parent;
} fz_node_t;

static void collect(cJSON *parent, fz_node_t *out, size_t *n, size_t cap)
{
    for (cJSON *c = parent->child; c && *n < cap; c = c->next) {
        out[(*n)++] = (fz_node_t){c, parent};
        if (cJSON_IsArray(c) || cJSON_IsObject(c))
            collect(c, out, n, cap);
    }
}

static const double s_extreme[] = {-1.0, 0.0, 1.0, 1e308, -1e308, 4294967295.0, 4294967296.0,
                                    2147483648.0, 1e9, -0.5, 0.5, 9007199254740993.0, 1e-320,
                                    1e30, -4294967296.0, 65536.0, 255.0, 256.0, 3.5e38, 1e39};
static const char *const s_extreme_str[] = {"NaN", "Infinity", "-Infinity", "1e999", "", "0x10",
                                            " 1", "-0", "nan"};

static cJSON *random_value(sm_rng_t *r)
{
    switch (sm_rng_below(r, 8)) {
    case 0:
        return cJSON_CreateNumber(s_extreme[sm_rng_below(r, sizeof s_extreme / sizeof *s_extreme)]);
    case 1:
        return cJSON_CreateString(
            s_extreme_str[sm_rng_below(r, sizeof s_extreme_str / sizeof *s_extreme_str)]);
    case 2:
        return cJSON_CreateArray();
    case 3:
        return cJSON_CreateObject();
    case 4:
        return cJSON_CreateNull();
    case 5:
        return cJSON_CreateBool(sm_rng_below(r, 2));
    case 6: {
        cJSON *a = cJSON_CreateArray();
        cJSON_AddItemToArray(a, cJSON_CreateNumber(-1));
        cJSON_AddItemToArray(a, cJSON_CreateNumber(1e308));
        return a;
    }
    default:
        return cJSON_CreateNumber((double)sm_rng_below(r, 2000) - 1000.0);
    }
}

static void replace_node(fz_node_t *n, cJSON *with)
{
    if (n->node->string && !with->string)
        with->string = strdup(n->node->string);
    cJSON_ReplaceItemViaPointer(n->parent, n->node, with);
}

/* One structural edit of doc. */
void mutate_tree(sm_rng_t *r, cJSON *doc)
{
    static fz_node_t nodes[8192];
    size_t n = 0;
    collect(doc, nodes, &n, sizeof nodes / sizeof nodes[0]);
    if (n == 0)
        return;
    fz_node_t *t = &nodes[sm_rng_below(r, (uint32_t)n)];
    /* Numbers are the most interesting target: find one half of the time. */
    if (sm_rng_below(r, 2)) {
        for (uint32_t k = 0; k < 16 && !cJSON_IsNumber(t->node); k++)
            t = &nodes[sm_rng_below(r, (uint32_t)n)];
    }
    switch (sm_rng_below(r, 8)) {
    case 0:
    case 1: /* extreme number, or the number nudged */
        if (cJSON_IsNumber(t->node) && sm_rng_below(r, 3) == 0) {
            double v = t->node->valuedouble;
            double d[] = {v + 1, v - 1, v * 2, -v, v * 1e6, v + 0.5};
            cJSON_SetNumberValue(t->node, d[sm_rng_below(r, 6)]);
        } else {
            replace_node(t, cJSON_CreateNumber(
                                s_extreme[sm_rng_below(r, sizeof s_extreme / sizeof *s_extreme)]));
        }
        return;
    case 2:
    case 3: /* another type */
        replace_node(t, random_value(r));
        return;
    case 4: /* remove it (a key from an object, an element from an array) */
        cJSON_Delete(cJSON_DetachItemViaPointer(t->parent, t->node));
        return;
    case 5: { /* duplicate it next to itself (a duplicate key in an object) */
        cJSON *d = cJSON_Duplicate(t->node, 1);
        if (!d)
            return;
        if (cJSON_IsObject(t->parent)) {
            cJSON_AddItemToObject(t->parent, t->node->string, d);
        } else {
            d->next = t->node->next;
            d->prev = t->node;
            if (t->node->next)
                t->node->next->prev = d;
            else
                t->parent->child->prev = d;
            t->node->next = d;
        }
        return;
    }
    case 6: /* rename a key */
        if (t->node->string) {
            size_t l = strlen(t->node->string);
            char *s = malloc(l + 2);
            memcpy(s, t->node->string, l + 1);
            if (l && sm_rng_below(r, 2))
                s[sm_rng_below(r, (uint32_t)l)] ^= 0x20;
            else
                strcat(s, "x");
            free(t->node->string);
            t->node->string = s;
        }
        return;
    default: /* empty a list or an object */
        if (cJSON_IsArray(t->node) || cJSON_IsObject(t->node)) {
            cJSON_Delete(t->node->child);
            t->node->child = NULL;
        } else {
            replace_node(t, cJSON_CreateArray());
        }
        return;
    }
}

/* The document if buf[0..n) is one JSON value and nothing else (no NUL,
 * no trailing text), else NULL. buf[n] must be writable. */
cJSON *strict_parse(char *buf, size_t n)
{
    buf[n] = '\0';
    if (memchr(buf, '\0', n))
        return NULL;
    return cJSON_ParseWithOpts(buf, NULL, 1);
}

/* A decoder of JSON text that accepts something strict_parse refuses reads
 * a document that is not there. */
void check_strict(fz_stats_t *st, const char *what, const char *buf, size_t n)
{
    char *copy = malloc(n + 1);
    memcpy(copy, buf, n);
    cJSON *doc = strict_parse(copy, n);
    if (!doc)
        fz_bad(st, what, buf, n, "accepted text that is not a single JSON value");
    cJSON_Delete(doc);
    free(copy);
}
