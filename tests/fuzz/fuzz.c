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
bool fz_seeds_only(void)
{
    const char *e = getenv("SM_FUZZ_SEEDS_ONLY");
    return e && *e && strcmp(e, "0");
}

uint32_t fz_n(uint32_t n)
{
    if (fz_seeds_only())
        return 0;
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
void fz_report(const char *what, const fz_stats_t *st, unsigned min_accepted,
               unsigned min_refused)
{
    char path[512];
    failure_path(path, sizeof path, what);
    fprintf(stderr, "fuzz %-10s accepted %5u refused %5u skipped %4u bad %u\n", what,
            st->accepted, st->refused, st->skipped, st->bad);
    cr_expect_eq(st->bad, 0, "%s: %u bad outcomes; first: %s (input in %s)", what, st->bad,
                 st->first_bad, path);
    if (fz_seeds_only())
        return;
    cr_expect_geq(st->accepted, min_accepted, "%s: only %u mutants accepted", what, st->accepted);
    cr_expect_geq(st->refused, min_refused, "%s: only %u mutants refused", what, st->refused);
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

size_t mutate_insert(sm_rng_t *r, uint8_t *buf, size_t len, size_t cap,
                     const char *const *tokens, size_t n)
{
    const char *t = tokens[sm_rng_below(r, (uint32_t)n)];
    size_t k = strlen(t);
    if (len + k > cap)
        return len;
    size_t at = sm_rng_below(r, (uint32_t)len + 1);
    memmove(buf + at + k, buf + at, len - at);
    memcpy(buf + at, t, k);
    return len + k;
}

/* ------------------------------------------------ line-oriented mutations */

static const char *const s_line_tokens[] = {
    ": ", "- ", "-", ":", "[", "]", "{", "}", ",", "&a ", "*a", "!!str ", "? ", "|\n", ">\n",
    "'", "\"", "#", "~", "null", "\t", "\n", "\n  ", "  ", "[0..3]", "[5..2]", "[0..4294967295]",
    "..", "1e999", "-1", "0", "4294967296", "2147483648", ".nan", ".inf", "-.inf", "0x10", "1e-320",
    "\xff", "\xc3\xa9", "\\0", "---\n", "...\n", "=", "->", "@", "e ", "g ", "n ", "& ",
};

static const char *const s_line_values[] = {
    "0", "-1", "1", "1e308", "-1e308", "1e999", ".nan", ".inf", "4294967295", "4294967296",
    "2147483647", "2147483648", "18446744073709551616", "9007199254740993", "0.5", "-0.5",
    "1e-320", "''", "[]", "{}", "~", "true", "false", "x", "1000000000", "65536", "[1, 2]",
};

/* Start of the line that holds buf[at]. */
static size_t line_start(const uint8_t *buf, size_t at)
{
    while (at > 0 && buf[at - 1] != '\n')
        at--;
    return at;
}

/* Just past the end of the line that starts at `at` (past its newline). */
static size_t line_end(const uint8_t *buf, size_t len, size_t at)
{
    while (at < len && buf[at] != '\n')
        at++;
    return at < len ? at + 1 : at;
}

static size_t splice(uint8_t *buf, size_t len, size_t cap, size_t at, size_t drop,
                     const void *ins, size_t n)
{
    if (len - drop + n > cap)
        return len;
    memmove(buf + at + n, buf + at + drop, len - at - drop);
    memcpy(buf + at, ins, n);
    return len - drop + n;
}

size_t mutate_lines(sm_rng_t *r, uint8_t *buf, size_t len, size_t cap)
{
    if (len == 0)
        return mutate_insert(r, buf, len, cap, s_line_tokens,
                             sizeof s_line_tokens / sizeof *s_line_tokens);
    size_t a = line_start(buf, sm_rng_below(r, (uint32_t)len));
    size_t b = line_end(buf, len, a);
    /* Values are replaced most often: such mutants keep their structure and
     * reach the readers' checks. */
    switch (sm_rng_below(r, 10)) {
    case 0: /* delete the line */
        return splice(buf, len, cap, a, b - a, "", 0);
    case 1: { /* duplicate it */
        uint8_t tmp[512];
        size_t n = b - a < sizeof tmp ? b - a : sizeof tmp;
        memcpy(tmp, buf + a, n);
        return splice(buf, len, cap, b, 0, tmp, n);
    }
    case 2: { /* move it before another line */
        uint8_t tmp[512];
        size_t n = b - a;
        if (n > sizeof tmp)
            return len;
        memcpy(tmp, buf + a, n);
        len = splice(buf, len, cap, a, n, "", 0);
        size_t to = len ? line_start(buf, sm_rng_below(r, (uint32_t)len)) : 0;
        return splice(buf, len, cap, to, 0, tmp, n);
    }
    case 3: /* indent it */
        return splice(buf, len, cap, a, 0, "  ", 1 + sm_rng_below(r, 2));
    case 4: /* dedent it */
        return a < b && (buf[a] == ' ' || buf[a] == '\t') ? splice(buf, len, cap, a, 1, "", 0)
                                                           : len;
    case 5:
    case 6:
    case 7: { /* replace the value after the first ": " or "=" of the line */
        size_t v = a;
        while (v < b && buf[v] != '=' && !(buf[v] == ':' && v + 1 < b && buf[v + 1] == ' '))
            v++;
        if (v >= b)
            return len;
        v += buf[v] == '=' ? 1 : 2;
        size_t e = v;
        while (e < b && buf[e] != '\n' && buf[e] != ' ' && buf[e] != ',' && buf[e] != '}' &&
               buf[e] != ']')
            e++;
        const char *t = s_line_values[sm_rng_below(r, sizeof s_line_values / sizeof *s_line_values)];
        return splice(buf, len, cap, v, e - v, t, strlen(t));
    }
    default:
        return mutate_insert(r, buf, len, cap, s_line_tokens,
                             sizeof s_line_tokens / sizeof *s_line_tokens);
    }
}

void fz_text_mutants(int (*fn)(const uint8_t *, size_t), const char *text, size_t len,
                     uint64_t seed, uint32_t n)
{
    size_t cap = len + 512;
    uint8_t *buf = malloc(cap);
    t_require(buf, "out of memory for %zu bytes", cap);
    for (uint32_t i = 0; i < n; i++) {
        sm_rng_t r = sm_rng_stream(seed, 3, i);
        memcpy(buf, text, len);
        size_t m = len;
        uint32_t edits = 1 + sm_rng_below(&r, 3);
        for (uint32_t e = 0; e < edits; e++)
            m = sm_rng_below(&r, 3) ? mutate_lines(&r, buf, m, cap)
                                    : mutate_bytes(&r, buf, m, cap, true);
        fn(buf, m);
    }
    free(buf);
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

const char *json_dup_key(const cJSON *doc)
{
    for (const cJSON *c = doc ? doc->child : NULL; c; c = c->next) {
        if (cJSON_IsObject(doc))
            for (const cJSON *d = c->next; d; d = d->next)
                if (c->string && d->string && !strcmp(c->string, d->string))
                    return c->string;
        const char *in = json_dup_key(c);
        if (in)
            return in;
    }
    return NULL;
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
