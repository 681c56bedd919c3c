/* Deterministic, bounded mutation fuzzing of every decoder of outside input:
 * network files, golden cases, chip files, mapping files, AER batches,
 * network messages and result parts.
 *
 * The rule under test: bad input gets a clear error (naming the file where
 * there is one) and a failure return, never a crash, a hang or a silently
 * wrong answer. Each decoder gets a few thousand mutants of valid inputs,
 * drawn from fixed seeds (core/rng.h), so every run sees the same inputs.
 * The sanitizers (build with -DSM_SANITIZE=ON) catch memory errors and UB;
 * the tests catch refusals without a message and acceptances that break the
 * invariants a valid input guarantees. A failing mutant is written to
 * /tmp/sm_fuzz_fail_<decoder>.bin for reproduction. */
#include <criterion/criterion.h>

#include <cjson/cJSON.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chip.h"
#include "codec.h"
#include "csv.h"
#include "ctl.h"
#include "engine_int.h"
#include "golden.h"
#include "mapper.h"
#include "net.h"
#include "netmsg.h"
#include "rng.h"
#include "netfile.h"
#include "part.h"
#include "mapfile.h"

/* A decoder that asks for terabytes because a size field says so must get
 * NULL back and refuse cleanly, as it would without ASan; ASan's default is
 * to abort on such a request instead. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}

#define DATA_DIR SM_SOURCE_DIR "/tests/data"
#define CHIPS_DIR SM_SOURCE_DIR "/tools/chip/profiles"

/* Populations larger than this are not handed to the loader: it allocates
 * and fills per-neuron arrays (initial values, spike-time offsets, weight
 * matrices), which for a mutated size of 1e9 is gigabytes of legitimate
 * work, not a bug. Counted as skipped. */
#define FUZZ_MAX_POP 20000u
/* Synapses expanded per projection when checking an accepted network. */
#define FUZZ_MAX_SYN 20000u

/* ------------------------------------------------------------- utilities */

static char *read_text(const char *path, size_t *len)
{
    sm_error_t err;
    char *t = sm_file_read(path, len, &err);
    cr_assert(t, "%s", err.msg);
    return t;
}

static void write_bytes(const char *path, const void *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f, "cannot write %s", path);
    if (len)
        cr_assert_eq(fwrite(buf, 1, len, f), len);
    fclose(f);
}

static void save_failure(const char *what, const void *buf, size_t len)
{
    char path[256];
    snprintf(path, sizeof path, "/tmp/sm_fuzz_fail_%s.bin", what);
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(buf, 1, len, f);
        fclose(f);
    }
}

/* SM_FUZZ_SCALE=k runs k times as many mutants, SM_FUZZ_SEED=s other
 * ones, for a longer search by hand; the default run is fixed. */
static uint32_t fz_n(uint32_t n)
{
    const char *e = getenv("SM_FUZZ_SCALE");
    long k = e ? strtol(e, NULL, 10) : 1;
    return k > 1 && k < 10000 ? n * (uint32_t)k : n;
}

static uint64_t fz_seed(uint64_t s)
{
    const char *e = getenv("SM_FUZZ_SEED");
    return e ? s ^ sm_mix64(strtoull(e, NULL, 10)) : s;
}

/* A temporary directory for files the loaders read by path. */
static char g_tmp[128];

static void tmp_setup(void)
{
    snprintf(g_tmp, sizeof g_tmp, "/tmp/sm_fuzz_XXXXXX");
    cr_assert(mkdtemp(g_tmp), "mkdtemp");
}

static void tmp_path(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", g_tmp, name);
}

static void tmp_teardown(void)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", g_tmp);
}

/* Outcome counters of one decoder's run. */
typedef struct {
    unsigned accepted, refused, skipped, bad;
    char first_bad[1400];
} fz_stats_t;

static void fz_bad(fz_stats_t *st, const char *what, const void *buf, size_t len,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void fz_bad(fz_stats_t *st, const char *what, const void *buf, size_t len,
                   const char *fmt, ...)
{
    char msg[sizeof st->first_bad];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (st->bad < 10) {
        char tag[64];
        snprintf(tag, sizeof tag, "%s_%u", what, st->bad);
        fprintf(stderr, "fuzz %s: %s (/tmp/sm_fuzz_fail_%s.bin)\n", what, msg, tag);
        save_failure(tag, buf, len);
    }
    if (st->bad++ == 0) {
        memcpy(st->first_bad, msg, sizeof msg);
        save_failure(what, buf, len);
    }
}

/* A refusal must say what is wrong and, when there is one, name the file. */
static void fz_refused(fz_stats_t *st, const char *what, const sm_error_t *err,
                       const char *name, const void *buf, size_t len)
{
    st->refused++;
    if (err->code == SM_OK || !err->msg[0])
        fz_bad(st, what, buf, len, "refused without a message (code %d)", (int)err->code);
    else if (name && !strstr(err->msg, name))
        fz_bad(st, what, buf, len, "message does not name \"%s\": %s", name, err->msg);
}

static void fz_report(const char *what, const fz_stats_t *st)
{
    fprintf(stderr, "fuzz %-10s accepted %5u refused %5u skipped %4u bad %u\n", what,
            st->accepted, st->refused, st->skipped, st->bad);
    cr_expect_eq(st->bad, 0, "%s: %u bad outcomes; first: %s (input in /tmp/sm_fuzz_fail_%s.bin)",
                 what, st->bad, st->first_bad, what);
}

/* ------------------------------------------------------ byte mutations */

static const char *const s_tokens[] = {
    "\"", "{", "}", "[", "]", ",", ":", "-", "0", "-1", "1e308", "-1e308", "1e999", "null",
    "true", "false", "4294967295", "4294967296", "9007199254740993", "NaN", "\"\"", "[]",
    "{}", "\\u0000", "\\", "\n", "\xff", "\xc3\xa9", "0.5", "1e-400", "\"x\":1", "[[", "]]",
};

/* One random byte-level edit of buf (len bytes, cap >= len + 64). */
static size_t mutate_bytes(sm_rng_t *r, uint8_t *buf, size_t len, size_t cap, bool text)
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
static void mutate_tree(sm_rng_t *r, cJSON *doc)
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
static cJSON *strict_parse(char *buf, size_t n)
{
    buf[n] = '\0';
    if (memchr(buf, '\0', n))
        return NULL;
    return cJSON_ParseWithOpts(buf, NULL, 1);
}

/* A decoder of JSON text that accepts something strict_parse refuses reads
 * a document that is not there. */
static void check_strict(fz_stats_t *st, const char *what, const char *buf, size_t n)
{
    char *copy = malloc(n + 1);
    memcpy(copy, buf, n);
    cJSON *doc = strict_parse(copy, n);
    if (!doc)
        fz_bad(st, what, buf, n, "accepted text that is not a single JSON value");
    cJSON_Delete(doc);
    free(copy);
}

/* ------------------------------------------------- network invariants */

static bool dist_ok(const sm_dist_t *d, bool is_delay)
{
    if (d->kind > SM_DIST_NORMAL || !isfinite(d->a) || !isfinite(d->b))
        return false;
    if (is_delay) {
        if (d->a < 0 || d->a != floor(d->a) || d->a > UINT32_MAX)
            return false;
        if (d->kind == SM_DIST_UNIFORM &&
            (d->b < d->a || d->b != floor(d->b) || d->b > UINT32_MAX))
            return false;
        return d->kind != SM_DIST_NORMAL;
    }
    if (d->kind == SM_DIST_CONST)
        return fabs(d->a) <= FLT_MAX;
    if (d->kind == SM_DIST_UNIFORM)
        return d->a <= d->b && fabs(d->a) <= FLT_MAX && fabs(d->b) <= FLT_MAX;
    if (d->b < 0 || fabs(d->a) > FLT_MAX)
        return false;
    if (d->has_bounds)
        return isfinite(d->lo) && isfinite(d->hi) && d->lo <= d->hi && fabs(d->lo) <= FLT_MAX &&
               fabs(d->hi) <= FLT_MAX;
    /* Box-Muller as seeded never leaves |z| < 38. */
    return fabs(d->a) + 38.0 * d->b <= FLT_MAX;
}

static bool model_ok(const sm_model_t *m)
{
    const unsigned char *b[] = {
        (const unsigned char *)&m->reset_delay, (const unsigned char *)&m->threshold_ge,
        (const unsigned char *)&m->multispike,  (const unsigned char *)&m->norm_input,
        (const unsigned char *)&m->has_syn,     (const unsigned char *)&m->has_min_v,
        (const unsigned char *)&m->zero_all,    (const unsigned char *)&m->closed.b_one,
        (const unsigned char *)&m->closed.a_one[0], (const unsigned char *)&m->closed.a_one[1]};
    for (size_t i = 0; i < sizeof b / sizeof b[0]; i++)
        if (*b[i] > 1)
            return false;
    return (unsigned)m->kind < SM_MODEL_COUNT && (unsigned)m->style < SM_STYLE_COUNT &&
           (unsigned)m->reset <= SM_RESET_NONE && m->closed.nc <= 2 && m->closed.rel[0] <= 2 &&
           m->closed.rel[1] <= 2;
}

typedef struct {
    uint32_t n_src, n_dst, lo, hi;
    uint32_t n;
    const char *bad;
} fz_gen_t;

static int gen_cb(void *ctx, uint32_t s, uint32_t t, float w, uint32_t d)
{
    fz_gen_t *g = ctx;
    if (s >= g->n_src || t >= g->n_dst)
        g->bad = "synapse index out of range";
    else if (d < g->lo || d > g->hi)
        g->bad = "synapse delay outside [min_delay, max_delay]";
    else if (!isfinite(w))
        g->bad = "synapse weight not finite";
    return g->bad != NULL || ++g->n >= FUZZ_MAX_SYN;
}

/* Everything the loader promises of a network it returns; NULL if it holds,
 * else what is broken. */
static const char *net_invariants(const sm_net_t *net, bool generate)
{
    if (!net->n_pops || !net->pops)
        return "no populations";
    if (!(net->dt_ms > 0) || !isfinite(net->dt_ms) || net->ticks < 1)
        return "bad dt or ticks";
    if (net->n_stages < 1)
        return "no stages";
    uint64_t sum = 0;
    for (uint32_t i = 0; i < net->n_pops; i++) {
        const sm_pop_t *p = &net->pops[i];
        if (p->first != sum)
            return "population first gid is not the running sum";
        sum += p->size;
        if (p->size < 1 || !memchr(p->name, 0, SM_NAME_MAX) || !p->name[0])
            return "bad population size or name";
        for (uint32_t j = 0; j < i; j++)
            if (!strcmp(net->pops[j].name, p->name))
                return "duplicate population name";
        if (p->stage >= net->n_stages)
            return "population stage >= n_stages";
        switch (p->kind) {
        case SM_POP_NEURONS:
            if (!p->models || (p->n_models != 1 && p->n_models != p->size))
                return "bad models";
            for (uint32_t k = 0; k < p->n_models; k++)
                if (!model_ok(&p->models[k]))
                    return "model block with out-of-range fields";
            if (p->v_init)
                for (uint32_t k = 0; k < p->size; k++)
                    if (!isfinite(p->v_init[k]))
                        return "initial value not finite";
            break;
        case SM_POP_SPIKE_TIMES:
            if (!p->st_off || !p->st_ticks || p->st_off[0] != 0)
                return "bad spike-time offsets";
            for (uint32_t k = 0; k < p->size; k++) {
                if (p->st_off[k] > p->st_off[k + 1])
                    return "spike-time offsets decrease";
                for (uint32_t j = p->st_off[k] + 1; j < p->st_off[k + 1]; j++)
                    if (p->st_ticks[j] <= p->st_ticks[j - 1])
                        return "spike times not strictly increasing";
            }
            break;
        case SM_POP_POISSON:
            if (!isfinite(p->rate_hz) || p->rate_hz < 0 ||
                p->rate_hz * net->dt_ms / 1000.0 > 1.0 + 1e-12 || p->start_tick > p->stop_tick)
                return "bad Poisson source";
            break;
        default:
            return "bad population kind";
        }
    }
    if (sum != net->n_neurons)
        return "n_neurons is not the sum of the population sizes";
    for (uint32_t j = 0; j < net->n_projs; j++) {
        const sm_proj_t *pr = &net->projs[j];
        if (pr->src_pop >= net->n_pops || pr->dst_pop >= net->n_pops)
            return "projection population out of range";
        const sm_pop_t *sp = &net->pops[pr->src_pop], *tp = &net->pops[pr->dst_pop];
        if (tp->kind != SM_POP_NEURONS)
            return "projection onto a spike source";
        if (pr->port > SM_PORT_INH || pr->conn > SM_CONN_DISTANCE)
            return "bad port or connectivity";
        if (pr->min_delay > pr->max_delay)
            return "min_delay > max_delay";
        bool same_tick = pr->min_delay == 0 && !(pr->conn == SM_CONN_LIST && pr->n_list == 0);
        if (same_tick && tp->stage <= sp->stage)
            return "delay-0 projection does not go to a later stage";
        switch (pr->conn) {
        case SM_CONN_ONE_TO_ONE:
            if (sp->size != tp->size)
                return "one_to_one between different sizes";
            break;
        case SM_CONN_FIXED_PROB:
            if (!(pr->p >= 0 && pr->p <= 1))
                return "p outside [0, 1]";
            break;
        case SM_CONN_FIXED_FAN_IN:
            if (pr->k > sp->size)
                return "k larger than the source";
            break;
        case SM_CONN_LIST:
            if (pr->n_list && (!pr->l_src || !pr->l_dst || !pr->l_weight || !pr->l_delay))
                return "list arrays missing";
            for (uint32_t k = 0; k < pr->n_list; k++)
                if (pr->l_src[k] >= sp->size || pr->l_dst[k] >= tp->size ||
                    !isfinite(pr->l_weight[k]))
                    return "list entry out of range or not finite";
            break;
        case SM_CONN_MATRIX:
            if (!pr->matrix)
                return "matrix missing";
            for (size_t k = 0; k < (size_t)sp->size * tp->size; k++)
                if (!isfinite(pr->matrix[k]))
                    return "matrix weight not finite";
            break;
        default:
            break;
        }
        if (pr->conn != SM_CONN_LIST && pr->conn != SM_CONN_MATRIX &&
            (!dist_ok(&pr->weight, false) || !dist_ok(&pr->delay, true)))
            return "weight or delay distribution out of range";
        if (generate) {
            fz_gen_t g = {sp->size, tp->size, pr->min_delay, pr->max_delay, 0, NULL};
            sm_proj_generate(net, pr, gen_cb, &g);
            if (g.bad)
                return g.bad;
        }
    }
    for (uint32_t i = 0; i < net->n_currents; i++)
        if (net->currents[i].pop >= net->n_pops ||
            net->pops[net->currents[i].pop].kind != SM_POP_NEURONS ||
            !isfinite(net->currents[i].amplitude))
            return "bad current";
    for (uint32_t i = 0; i < net->n_probes; i++)
        if (net->probes[i].pop >= net->n_pops ||
            net->pops[net->probes[i].pop].kind != SM_POP_NEURONS ||
            net->probes[i].index >= net->pops[net->probes[i].pop].size)
            return "bad probe";
    return NULL;
}

/* True if some population of the document is too large to load here. */
static bool too_big(const cJSON *doc)
{
    const cJSON *pops = cJSON_IsObject(doc) ? cJSON_GetObjectItemCaseSensitive(doc, "populations")
                                            : NULL;
    const cJSON *p;
    if (!cJSON_IsArray(pops))
        return false;
    cJSON_ArrayForEach(p, pops) {
        const cJSON *s = cJSON_IsObject(p) ? cJSON_GetObjectItemCaseSensitive(p, "size") : NULL;
        if (cJSON_IsNumber(s) && s->valuedouble > FUZZ_MAX_POP)
            return true;
    }
    return false;
}

/* ---------------------------------------------------------- network files */

typedef struct {
    const char *path, *dir;
} fz_src_t;

static const fz_src_t s_nets[] = {
    {SM_EXAMPLES_DIR "/synfire.json", SM_EXAMPLES_DIR},
    {SM_EXAMPLES_DIR "/feedforward.json", SM_EXAMPLES_DIR},
    {SM_EXAMPLES_DIR "/cuba.json", SM_EXAMPLES_DIR},
    {DATA_DIR "/full.json", DATA_DIR},
    {DATA_DIR "/structured.json", DATA_DIR},
};

/* Loads one parsed mutant; the outcome goes into st. */
static void net_try_doc(fz_stats_t *st, const cJSON *doc, const char *dir, const char *text,
                        size_t len)
{
    static const char *name = "fuzzed-net.json";
    if (too_big(doc)) {
        st->skipped++;
        return;
    }
    sm_error_t err;
    sm_error_clear(&err);
    sm_net_t *net = sm_net_from_json(doc, name, dir, &err);
    if (!net) {
        fz_refused(st, "net", &err, name, text, len);
        return;
    }
    st->accepted++;
    const char *why = net_invariants(net, true);
    if (why)
        fz_bad(st, "net", text, len, "accepted, but %s", why);
    sm_net_destroy(&net);
}

static void fuzz_net_file(const fz_src_t *src, uint64_t seed, uint32_t n_tree, uint32_t n_bytes,
                          fz_stats_t *st)
{
    size_t len;
    char *orig = read_text(src->path, &len);
    cJSON *base = cJSON_Parse(orig);
    cr_assert(base, "%s does not parse", src->path);
    {
        sm_error_t err;
        sm_net_t *net = sm_net_from_json(base, src->path, src->dir, &err);
        cr_assert(net, "%s", err.msg);
        const char *why = net_invariants(net, true);
        cr_assert(!why, "%s: %s", src->path, why);
        sm_net_destroy(&net);
    }
    /* Structural mutants: 1 to 3 edits of the parsed tree. */
    for (uint32_t i = 0; i < fz_n(n_tree); i++) {
        sm_rng_t r = sm_rng_stream(fz_seed(seed), 1, i);
        cJSON *doc = cJSON_Duplicate(base, 1);
        uint32_t edits = 1 + sm_rng_below(&r, 3);
        for (uint32_t e = 0; e < edits; e++)
            mutate_tree(&r, doc);
        char *text = cJSON_PrintUnformatted(doc);
        net_try_doc(st, doc, src->dir, text, text ? strlen(text) : 0);
        cJSON_free(text);
        cJSON_Delete(doc);
    }
    /* Byte mutants: parsed ones go through sm_net_from_json, the others
     * through sm_net_load, which must report the file and the position. */
    size_t cap = len + 256;
    char *buf = malloc(cap + 1);
    char file[256];
    tmp_path(file, sizeof file, "mutant.json");
    for (uint32_t i = 0; i < fz_n(n_bytes); i++) {
        sm_rng_t r = sm_rng_stream(fz_seed(seed), 2, i);
        memcpy(buf, orig, len);
        size_t n = len;
        uint32_t edits = 1 + sm_rng_below(&r, 3);
        for (uint32_t e = 0; e < edits; e++)
            n = mutate_bytes(&r, (uint8_t *)buf, n, cap, true);
        buf[n] = '\0';
        cJSON *doc = strict_parse(buf, n);
        if (doc) {
            net_try_doc(st, doc, src->dir, buf, n);
            cJSON_Delete(doc);
            continue;
        }
        cJSON_Delete(doc);
        write_bytes(file, buf, n);
        sm_error_t err;
        sm_error_clear(&err);
        sm_net_t *net = sm_net_load(file, &err);
        if (!net) {
            fz_refused(st, "net", &err, file, buf, n);
            continue;
        }
        /* A file cJSON refuses may still load only if the loader reads the
         * same document, e.g. up to a NUL: that would be a silent misread. */
        st->accepted++;
        fz_bad(st, "net", buf, n, "a file that is not valid JSON was accepted");
        sm_net_destroy(&net);
    }
    free(buf);
    cJSON_Delete(base);
    free(orig);
}

TestSuite(fuzz, .init = tmp_setup, .fini = tmp_teardown, .timeout = 300);

Test(fuzz, network_files)
{
    fz_stats_t st = {0};
    for (size_t k = 0; k < sizeof s_nets / sizeof s_nets[0]; k++)
        fuzz_net_file(&s_nets[k], 0x5eed0000u + k, 700, 500, &st);
    fz_report("net", &st);
    /* Both paths are exercised: most mutants are refused, some survive. */
    cr_expect_gt(st.accepted, 100, "only %u mutants accepted", st.accepted);
    cr_expect_gt(st.refused, 3000, "only %u mutants refused", st.refused);
}

/* ----------------------------------------------------------- golden cases */

static const char *const s_golden[] = {
    "snn_leaky_subtract_const.json", "sinabs_iaf_exact_threshold.json",
    "norse_lifcell_default_const.json", "snn_synaptic_subtract_pulses.json",
    "snn_net_rleaky_one_to_one.json", "snn_net_ff2_dyadic.json",
};

static const char *golden_invariants(const sm_golden_t *g)
{
    if (!g->name || !g->cls || g->steps < 1)
        return "no name, class or steps";
    const sm_gmat_t *m[] = {&g->input, &g->spk, &g->mem, &g->syn, &g->syn_exc, &g->syn_inh};
    if (g->kind == SM_GOLDEN_POPULATION) {
        if (g->neurons < 1 || !g->input.v || !g->mem.v)
            return "population case without neurons, input or mem";
        for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
            if (m[i]->v && (m[i]->rows != g->steps || m[i]->cols != g->neurons))
                return "population matrix of the wrong shape";
        return NULL;
    }
    if (g->n_layers < 1 || !g->layers || !g->input_spikes.v ||
        g->input_spikes.rows != g->steps || g->input_spikes.cols != g->inputs)
        return "network case without layers or inputs";
    uint32_t prev = g->inputs;
    for (uint32_t k = 0; k < g->n_layers; k++) {
        const sm_glayer_t *l = &g->layers[k];
        if (l->size < 1 || !l->weight.v || l->weight.rows != l->size || l->weight.cols != prev ||
            !l->spk.v || l->spk.rows != g->steps || l->spk.cols != l->size || !l->mem.v ||
            l->mem.rows != g->steps || l->mem.cols != l->size)
            return "layer of the wrong shape";
        if (l->rec == SM_REC_MATRIX && (!l->rec_weight.v || l->rec_weight.rows != l->size ||
                                        l->rec_weight.cols != l->size))
            return "recurrent matrix of the wrong shape";
        if (l->rec == SM_REC_DIAG && !l->rec_v)
            return "recurrent diagonal missing";
        prev = l->size;
    }
    return NULL;
}

static void golden_try(fz_stats_t *st, const char *file, const char *text, size_t len)
{
    write_bytes(file, text, len);
    sm_error_t err;
    sm_error_clear(&err);
    sm_golden_t *g = sm_golden_load(file, &err);
    if (!g) {
        fz_refused(st, "golden", &err, file, text, len);
        return;
    }
    st->accepted++;
    check_strict(st, "golden", text, len);
    const char *why = golden_invariants(g);
    if (why) {
        fz_bad(st, "golden", text, len, "accepted, but %s", why);
    } else if (g->kind == SM_GOLDEN_POPULATION && (uint64_t)g->steps * g->neurons <= 100000) {
        /* Run it: parameters the model refuses must be refused, not run. */
        sm_gcheck_t chk;
        sm_gevent_t ev;
        memset(&ev, 0, sizeof ev);
        sm_gcheck_init(&chk);
        sm_error_clear(&err);
        if (sm_golden_run_population(g, false, &chk, &ev, &err) == 0) {
            sm_gcheck_init(&chk);
            sm_golden_run_population(g, true, &chk, &ev, &err);
        } else if (!err.msg[0]) {
            fz_bad(st, "golden", text, len, "run refused without a message");
        }
    }
    sm_golden_destroy(&g);
}

Test(fuzz, golden_cases)
{
    fz_stats_t st = {0};
    char file[256];
    tmp_path(file, sizeof file, "case.json");
    for (size_t k = 0; k < sizeof s_golden / sizeof s_golden[0]; k++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", SM_GOLDEN_DIR, s_golden[k]);
        if (access(path, R_OK) != 0) {
            cr_log_warn("golden case %s not found: skipped", path);
            continue;
        }
        size_t len;
        char *orig = read_text(path, &len);
        cJSON *base = cJSON_Parse(orig);
        cr_assert(base, "%s does not parse", path);
        for (uint32_t i = 0; i < fz_n(250); i++) {
            sm_rng_t r = sm_rng_stream(fz_seed(0x601d + k), 1, i);
            cJSON *doc = cJSON_Duplicate(base, 1);
            uint32_t edits = 1 + sm_rng_below(&r, 2);
            for (uint32_t e = 0; e < edits; e++)
                mutate_tree(&r, doc);
            char *text = cJSON_PrintUnformatted(doc);
            if (text)
                golden_try(&st, file, text, strlen(text));
            cJSON_free(text);
            cJSON_Delete(doc);
        }
        size_t cap = len + 256;
        char *buf = malloc(cap);
        for (uint32_t i = 0; i < fz_n(150); i++) {
            sm_rng_t r = sm_rng_stream(fz_seed(0x601d + k), 2, i);
            memcpy(buf, orig, len);
            size_t n = len;
            uint32_t edits = 1 + sm_rng_below(&r, 3);
            for (uint32_t e = 0; e < edits; e++)
                n = mutate_bytes(&r, (uint8_t *)buf, n, cap, true);
            golden_try(&st, file, buf, n);
        }
        free(buf);
        cJSON_Delete(base);
        free(orig);
    }
    fz_report("golden", &st);
    if (st.accepted + st.refused > 0) {
        cr_expect_gt(st.accepted, 20);
        cr_expect_gt(st.refused, 500);
    }
}

/* ------------------------------------------------------------- chip files */

static const char *chip_invariants(const sm_chip_t *c)
{
    if (!memchr(c->name, 0, sizeof c->name) || !memchr(c->source, 0, sizeof c->source))
        return "unterminated name or source";
    if (c->chip_w < 1 || c->chip_h < 1 || c->chips_x < 1 || c->chips_y < 1)
        return "empty grid";
    if ((uint64_t)c->chip_w * c->chips_x != c->width ||
        (uint64_t)c->chip_h * c->chips_y != c->height)
        return "board is not chips x chip size";
    if ((uint64_t)c->width * c->height > UINT32_MAX)
        return "more cores than a core id holds";
    if (c->limits.neurons < 1)
        return "no neuron limit";
    const double *e = &c->energy.syn_op, *t = &c->timing.syn_op;
    for (size_t i = 0; i < sizeof c->energy / sizeof(double); i++)
        if (!isfinite(e[i]) || e[i] < 0)
            return "energy figure not finite and >= 0";
    for (size_t i = 0; i < sizeof c->timing / sizeof(double); i++)
        if (!isfinite(t[i]) || t[i] < 0)
            return "timing figure not finite and >= 0";
    return NULL;
}

static void chip_try(fz_stats_t *st, const char *text, size_t len)
{
    static const char *name = "fuzzed-chip.json";
    sm_error_t err;
    sm_error_clear(&err);
    sm_chip_t *c = sm_chip_from_string(text, name, &err);
    if (!c) {
        fz_refused(st, "chip", &err, name, text, len);
        return;
    }
    st->accepted++;
    check_strict(st, "chip", text, len);
    const char *why = chip_invariants(c);
    if (why) {
        fz_bad(st, "chip", text, len, "accepted, but %s", why);
    } else {
        uint32_t n = sm_chip_cores(c), ew, ns, ch;
        sm_chip_route(c, 0, n - 1, &ew, &ns, &ch);
        if ((uint64_t)ew + ns + ch > (uint64_t)c->width + c->height)
            fz_bad(st, "chip", text, len, "route longer than the grid");
        if (!isfinite(sm_chip_packet_pj(c, n - 1, 0)))
            fz_bad(st, "chip", text, len, "route energy not finite");
    }
    sm_chip_destroy(&c);
}

Test(fuzz, chip_files)
{
    static const char *const files[] = {CHIPS_DIR "/mini_board.json", DATA_DIR "/tiny_chip.json"};
    fz_stats_t st = {0};
    for (size_t k = 0; k < 2; k++) {
        size_t len;
        char *orig = read_text(files[k], &len);
        cJSON *base = cJSON_Parse(orig);
        cr_assert(base);
        for (uint32_t i = 0; i < fz_n(1200); i++) {
            sm_rng_t r = sm_rng_stream(fz_seed(0xc41b + k), 1, i);
            cJSON *doc = cJSON_Duplicate(base, 1);
            uint32_t edits = 1 + sm_rng_below(&r, 3);
            for (uint32_t e = 0; e < edits; e++)
                mutate_tree(&r, doc);
            char *text = cJSON_PrintUnformatted(doc);
            if (text)
                chip_try(&st, text, strlen(text));
            cJSON_free(text);
            cJSON_Delete(doc);
        }
        size_t cap = len + 256;
        char *buf = malloc(cap + 1);
        for (uint32_t i = 0; i < fz_n(800); i++) {
            sm_rng_t r = sm_rng_stream(fz_seed(0xc41b + k), 2, i);
            memcpy(buf, orig, len);
            size_t n = len;
            uint32_t edits = 1 + sm_rng_below(&r, 3);
            for (uint32_t e = 0; e < edits; e++)
                n = mutate_bytes(&r, (uint8_t *)buf, n, cap, true);
            buf[n] = '\0';
            chip_try(&st, buf, n);
        }
        free(buf);
        cJSON_Delete(base);
        free(orig);
    }
    fz_report("chip", &st);
    cr_expect_gt(st.accepted, 100);
    cr_expect_gt(st.refused, 2000);
}

/* ---------------------------------------------------------- mapping files */

static sm_net_t *load_net(const char *path)
{
    sm_error_t err;
    sm_net_t *net = sm_net_load(path, &err);
    cr_assert(net, "%s", err.msg);
    return net;
}

static void mapping_try(fz_stats_t *st, const sm_net_t *net, const char *file, const char *text,
                        size_t len)
{
    write_bytes(file, text, len);
    sm_error_t err;
    sm_error_clear(&err);
    sm_mapping_t *m = sm_mapping_load(file, net, &err);
    if (!m) {
        fz_refused(st, "mapping", &err, file, text, len);
        return;
    }
    st->accepted++;
    check_strict(st, "mapping", text, len);
    if (!m->width || !m->height || (uint64_t)m->width * m->height > (1u << 24) ||
        m->n_gids != net->n_neurons || !m->core_of) {
        fz_bad(st, "mapping", text, len, "accepted, but the grid or gid count is wrong");
    } else {
        for (uint32_t g = 0; g < m->n_gids; g++)
            if (m->core_of[g] >= m->width * m->height) {
                fz_bad(st, "mapping", text, len, "accepted, but gid %u is off the grid", g);
                break;
            }
    }
    sm_mapping_destroy(&m);
}

Test(fuzz, mapping_files)
{
    fz_stats_t st = {0};
    sm_net_t *net = load_net(DATA_DIR "/full.json");
    sm_error_t err;
    sm_chip_t *chip = sm_chip_load(DATA_DIR "/tiny_chip.json", &err);
    cr_assert(chip, "%s", err.msg);
    sm_mapping_t *map = sm_map(net, chip, "random", 3, NULL, &err);
    cr_assert(map, "%s", err.msg);
    char saved[256], file[256];
    tmp_path(saved, sizeof saved, "mapping.json");
    tmp_path(file, sizeof file, "mutant-mapping.json");
    cr_assert_eq(sm_mapping_save(map, net, chip->name, "random", 3, saved, &err), 0, "%s",
                 err.msg);
    size_t len;
    char *orig = read_text(saved, &len);
    cJSON *base = cJSON_Parse(orig);
    cr_assert(base);
    for (uint32_t i = 0; i < fz_n(1200); i++) {
        sm_rng_t r = sm_rng_stream(fz_seed(0x3a9), 1, i);
        cJSON *doc = cJSON_Duplicate(base, 1);
        uint32_t edits = 1 + sm_rng_below(&r, 2);
        for (uint32_t e = 0; e < edits; e++)
            mutate_tree(&r, doc);
        char *text = cJSON_PrintUnformatted(doc);
        if (text)
            mapping_try(&st, net, file, text, strlen(text));
        cJSON_free(text);
        cJSON_Delete(doc);
    }
    size_t cap = len + 256;
    char *buf = malloc(cap);
    for (uint32_t i = 0; i < fz_n(800); i++) {
        sm_rng_t r = sm_rng_stream(fz_seed(0x3a9), 2, i);
        memcpy(buf, orig, len);
        size_t n = len;
        uint32_t edits = 1 + sm_rng_below(&r, 3);
        for (uint32_t e = 0; e < edits; e++)
            n = mutate_bytes(&r, (uint8_t *)buf, n, cap, true);
        mapping_try(&st, net, file, buf, n);
    }
    free(buf);
    fz_report("mapping", &st);
    cr_expect_gt(st.accepted, 100);
    cr_expect_gt(st.refused, 800);
    cJSON_Delete(base);
    free(orig);
    sm_mapping_destroy(&map);
    sm_chip_destroy(&chip);
    sm_net_destroy(&net);
}

/* ------------------------------------------------------------ AER batches */

Test(fuzz, aer_batches)
{
    enum { N_GIDS = 1000, N_CORES = 16, WINDOW = 4 };
    fz_stats_t st = {0};
    sm_batch_t b, out;
    sm_batch_init(&b);
    sm_batch_init(&out);
    b.kind = SM_BATCH_WINDOW;
    b.src_shard = 1;
    b.tick = 40;
    sm_rng_t r0 = sm_rng_stream(0xae5, 0, 0);
    for (uint32_t i = 0; i < 60; i++)
        cr_assert_eq(sm_batch_push(&b, sm_rng_below(&r0, N_GIDS), sm_rng_below(&r0, N_CORES),
                                   sm_rng_below(&r0, WINDOW), 1 + (i % 7 == 0)),
                     0);
    size_t len = sm_batch_size(&b);
    uint8_t *orig = malloc(len), *buf = malloc(len + 64);
    cr_assert_eq(sm_batch_pack(&b, orig), len);
    sm_error_t err;
    cr_assert_eq(sm_batch_unpack(&out, orig, len, N_GIDS, N_CORES, WINDOW, &err), 0, "%s",
                 err.msg);
    for (uint32_t i = 0; i < fz_n(4000); i++) {
        sm_rng_t r = sm_rng_stream(fz_seed(0xae5), 1, i);
        memcpy(buf, orig, len);
        size_t n = len;
        uint32_t edits = 1 + sm_rng_below(&r, 3);
        for (uint32_t e = 0; e < edits; e++)
            n = mutate_bytes(&r, buf, n, len + 64, false);
        sm_error_clear(&err);
        if (sm_batch_unpack(&out, buf, n, N_GIDS, N_CORES, WINDOW, &err) < 0) {
            fz_refused(&st, "aer", &err, NULL, buf, n);
            if (out.n != 0)
                fz_bad(&st, "aer", buf, n, "refused, but the batch is not left empty");
            continue;
        }
        st.accepted++;
        if (out.kind != SM_BATCH_SAME_TICK && out.kind != SM_BATCH_WINDOW)
            fz_bad(&st, "aer", buf, n, "accepted kind %u", out.kind);
        for (uint32_t k = 0; k < out.n; k++)
            if (out.src_gid[k] >= N_GIDS || out.dst_core[k] >= N_CORES ||
                out.dtick[k] >= WINDOW || out.count[k] == 0) {
                fz_bad(&st, "aer", buf, n, "accepted entry %u out of range", k);
                break;
            }
    }
    fz_report("aer", &st);
    cr_expect_gt(st.accepted, 200);
    cr_expect_gt(st.refused, 1000);
    free(orig);
    free(buf);
    sm_batch_fini(&b);
    sm_batch_fini(&out);
}

/* -------------------------------------------------------- network messages */

static void netspec_fuzz(const char *path, uint64_t seed, uint32_t iters, fz_stats_t *st)
{
    sm_net_t *net = load_net(path);
    sm_error_t err;
    sm_mapping_t *map = sm_mapping_sequential(net, 0, 0, 64, &err);
    cr_assert(map, "%s", err.msg);
    uint8_t *orig;
    size_t len;
    cr_assert_eq(sm_netmsg_pack(net, 77, 0, map, &orig, &len, &err), 0, "%s", err.msg);
    {
        sm_net_t *back;
        sm_mapping_t *bm;
        uint32_t ticks;
        int dense;
        cr_assert_eq(sm_netmsg_unpack(orig, len, &back, &ticks, &dense, &bm, &err), 0, "%s",
                     err.msg);
        const char *why = net_invariants(back, true);
        cr_assert(!why, "%s round trip: %s", path, why);
        sm_net_destroy(&back);
        sm_mapping_destroy(&bm);
    }
    uint8_t *buf = malloc(len + 64);
    for (uint32_t i = 0; i < fz_n(iters); i++) {
        sm_rng_t r = sm_rng_stream(fz_seed(seed), 1, i);
        memcpy(buf, orig, len);
        size_t n = len;
        uint32_t edits = 1 + sm_rng_below(&r, 3);
        for (uint32_t e = 0; e < edits; e++)
            n = mutate_bytes(&r, buf, n, len + 64, false);
        sm_net_t *back = NULL;
        sm_mapping_t *bm = NULL;
        uint32_t ticks = 0;
        int dense = 0;
        sm_error_clear(&err);
        if (sm_netmsg_unpack(buf, n, &back, &ticks, &dense, &bm, &err) < 0) {
            fz_refused(st, "netspec", &err, NULL, buf, n);
            if (back || bm)
                fz_bad(st, "netspec", buf, n, "refused, but left a network or mapping behind");
            continue;
        }
        st->accepted++;
        const char *why = net_invariants(back, back->n_neurons <= FUZZ_MAX_POP);
        if (why)
            fz_bad(st, "netspec", buf, n, "accepted, but %s", why);
        else if (!bm || bm->n_gids != back->n_neurons || !bm->width || !bm->height)
            fz_bad(st, "netspec", buf, n, "accepted, but the mapping does not fit the network");
        else
            for (uint32_t g = 0; g < bm->n_gids; g++)
                if (bm->core_of[g] >= bm->width * bm->height) {
                    fz_bad(st, "netspec", buf, n, "accepted a gid off the grid");
                    break;
                }
        sm_net_destroy(&back);
        sm_mapping_destroy(&bm);
    }
    free(buf);
    free(orig);
    sm_mapping_destroy(&map);
    sm_net_destroy(&net);
}

Test(fuzz, network_messages)
{
    fz_stats_t st = {0};
    netspec_fuzz(DATA_DIR "/full.json", 0x9e7, 2500, &st);
    netspec_fuzz(SM_EXAMPLES_DIR "/feedforward.json", 0x9e8, 1500, &st);
    netspec_fuzz(DATA_DIR "/structured.json", 0x9e9, 1500, &st);
    fz_report("netspec", &st);
    cr_expect_gt(st.accepted, 100);
    cr_expect_gt(st.refused, 1000);
}

/* ------------------------------------------------------------ result parts */

Test(fuzz, result_parts)
{
    enum { TICKS = 20, PROBES = 3, W = 3, H = 2, GIDS = 50 };
    fz_stats_t st = {0};
    sm_result_t *src = sm_result_alloc(TICKS, 1.0, PROBES, W, H);
    cr_assert(src);
    sm_rng_t r0 = sm_rng_stream(0x9a7, 0, 0);
    for (uint32_t i = 0; i < 40; i++) {
        sm_spike_t s = {sm_rng_below(&r0, TICKS), sm_rng_below(&r0, GIDS), 1 + (i % 5 == 0)};
        cr_assert_eq(sm_result_add_spikes(src, &s, 1), 0);
    }
    for (size_t i = 0; i < (size_t)TICKS * PROBES * 3; i++)
        src->trace[i] = (float)i * 0.25f;
    for (uint32_t c = 0; c < W * H; c++) {
        src->cores[c].neurons = 10 + c;
        src->cores[c].c.spikes = c * 3;
        src->cores[c].c.hops = c;
    }
    src->link_dense[1] = 5;
    src->link_dense[7] = 9;
    const uint32_t probes[] = {0, 2}, cores[] = {1, 4, 5};
    uint8_t *orig;
    size_t len;
    cr_assert_eq(sm_part_pack(src, probes, 2, cores, 3, &orig, &len), 0);
    uint8_t *buf = malloc(len + 64);
    sm_error_t err;
    for (uint32_t i = 0; i < fz_n(4000); i++) {
        sm_rng_t r = sm_rng_stream(fz_seed(0x9a7), 1, i);
        memcpy(buf, orig, len);
        size_t n = len;
        uint32_t edits = 1 + sm_rng_below(&r, 3);
        for (uint32_t e = 0; e < edits; e++)
            n = mutate_bytes(&r, buf, n, len + 64, false);
        sm_result_t *dst = sm_result_alloc(TICKS, 1.0, PROBES, W, H);
        cr_assert(dst);
        sm_error_clear(&err);
        if (sm_part_merge(dst, buf, n, GIDS, &err) < 0) {
            fz_refused(&st, "part", &err, NULL, buf, n);
            if (dst->n_spikes)
                fz_bad(&st, "part", buf, n, "refused, but merged spikes first");
        } else {
            st.accepted++;
            for (size_t k = 0; k < dst->n_spikes; k++)
                if (dst->spikes[k].tick >= TICKS || dst->spikes[k].gid >= GIDS ||
                    !dst->spikes[k].count) {
                    fz_bad(&st, "part", buf, n, "accepted spike %zu out of range", k);
                    break;
                }
        }
        sm_result_destroy(&dst);
    }
    fz_report("part", &st);
    cr_expect_gt(st.accepted, 200);
    cr_expect_gt(st.refused, 1000);
    free(buf);
    free(orig);
    sm_result_destroy(&src);
}

/* ------------------------------------------- regressions found by fuzzing */

/* A network text, loaded from memory; returns the error message ("" if it
 * loaded). */
static const char *net_text_error(const char *text, sm_error_t *err)
{
    cJSON *doc = cJSON_Parse(text);
    cr_assert(doc, "test input does not parse: %s", text);
    sm_error_clear(err);
    sm_net_t *net = sm_net_from_json(doc, "reg.json", DATA_DIR, err);
    cJSON_Delete(doc);
    if (net) {
        sm_net_destroy(&net);
        return "";
    }
    return err->msg;
}

#define REG_NET(pops, projs, extra)                                                     \
    "{\"simulation\": {\"ticks\": 10}, \"populations\": [" pops "], \"projections\": [" \
    projs "]" extra "}"
#define REG_POPS                                                                        \
    "{\"name\": \"a\", \"size\": 2, \"source\": {\"kind\": \"poisson\", \"rate_hz\": 10}}," \
    "{\"name\": \"b\", \"size\": 2, \"model\": \"lif\", \"params\": {\"beta\": 0.9}}"

Test(fuzz, regression_float_range)
{
    /* Weights, initial values and currents are float32: a value beyond its
     * range used to load as +inf. */
    static const char *const bad[] = {
        REG_NET(REG_POPS, "{\"source\": \"a\", \"target\": \"b\", \"connectivity\": {\"kind\": "
                          "\"all_to_all\"}, \"weight\": 1e39}", ""),
        REG_NET(REG_POPS, "{\"source\": \"a\", \"target\": \"b\", \"connectivity\": {\"kind\": "
                          "\"all_to_all\"}, \"weight\": {\"uniform\": [0.02, 1e39]}}", ""),
        REG_NET(REG_POPS, "{\"source\": \"a\", \"target\": \"b\", \"connectivity\": {\"kind\": "
                          "\"all_to_all\"}, \"weight\": {\"normal\": [0, 1e37]}}", ""),
        REG_NET(REG_POPS, "{\"source\": \"a\", \"target\": \"b\", \"connectivity\": {\"kind\": "
                          "\"list\", \"connections\": [[0, 1, -1e300]]}}", ""),
        REG_NET(REG_POPS, "{\"source\": \"a\", \"target\": \"b\", \"connectivity\": {\"kind\": "
                          "\"matrix\", \"weights\": [[1, 0], [0, 1e39]]}}", ""),
        REG_NET(REG_POPS, "", ", \"currents\": [{\"target\": \"b\", \"amplitude\": 1e308}]"),
        REG_NET("{\"name\": \"b\", \"size\": 2, \"model\": \"lif\", \"params\": {\"beta\": 0.9}, "
                "\"initial\": {\"v\": [0, 1e39]}}", "", ""),
        REG_NET("{\"name\": \"b\", \"size\": 2, \"model\": \"lif\", \"params\": {\"beta\": 0.9}, "
                "\"initial\": {\"v\": {\"normal\": [0, 1e300]}}}", "", ""),
    };
    sm_error_t err;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *msg = net_text_error(bad[i], &err);
        cr_expect(strstr(msg, "reg.json: ") && strstr(msg, "float32"), "case %zu: \"%s\"", i, msg);
    }
    /* The largest float is still a weight. */
    cr_expect_str_empty(net_text_error(
        REG_NET(REG_POPS, "{\"source\": \"a\", \"target\": \"b\", \"connectivity\": {\"kind\": "
                          "\"all_to_all\"}, \"weight\": {\"uniform\": [-3.4e38, 3.4e38]}}", ""),
        &err));
    /* A matrix file with an out-of-range weight names the file and line. */
    char csv[256], net[256];
    tmp_path(csv, sizeof csv, "w.csv");
    tmp_path(net, sizeof net, "m.json");
    write_bytes(csv, "1,0\n0,1e39\n", 11);
    const char *t = REG_NET(REG_POPS, "{\"source\": \"a\", \"target\": \"b\", \"connectivity\": "
                                      "{\"kind\": \"matrix\", \"file\": \"w.csv\"}}", "");
    write_bytes(net, t, strlen(t));
    sm_net_t *n = sm_net_load(net, &err);
    cr_expect_null(n);
    cr_expect(strstr(err.msg, "w.csv:2: field 2: weight must be a number within float32"), "%s",
              err.msg);
    sm_net_destroy(&n);
}

Test(fuzz, regression_nul_and_trailing_text)
{
    /* cJSON reads a NUL as blank space (network files) or as the end of the
     * text (golden cases, chips, mappings); and cJSON_Parse ignores text
     * after the object. Such files used to load as if the bytes were not
     * there. */
    sm_error_t err;
    char path[256];
    tmp_path(path, sizeof path, "nul.json");

    size_t len;
    char *text = read_text(SM_EXAMPLES_DIR "/feedforward.json", &len);
    char *nl = strchr(text, '\n');
    cr_assert(nl);
    *nl = '\0'; /* a NUL where the first line ends */
    write_bytes(path, text, len);
    sm_net_t *net = sm_net_load(path, &err);
    cr_expect_null(net);
    cr_expect(strstr(err.msg, path) && strstr(err.msg, ":1:") && strstr(err.msg, "NUL byte"),
              "%s", err.msg);
    sm_net_destroy(&net);
    free(text);

    text = read_text(DATA_DIR "/tiny_chip.json", &len);
    char *more = malloc(len + 16);
    memcpy(more, text, len);
    memcpy(more + len, "\n{\"x\": 1}", 10);
    sm_chip_t *chip = sm_chip_from_string(more, "trailing.json", &err);
    cr_expect_null(chip, "text after the chip object was ignored");
    cr_expect(strstr(err.msg, "trailing.json"), "%s", err.msg);
    more[len] = '\0';
    chip = sm_chip_from_string(more, "ok.json", &err);
    cr_expect_not_null(chip, "%s", err.msg);
    sm_chip_destroy(&chip);
    more[len] = '\0';
    memcpy(more + len + 1, "junk", 4);
    write_bytes(path, more, len + 5);
    chip = sm_chip_load(path, &err);
    cr_expect_null(chip, "a chip file with a NUL byte was read up to it");
    cr_expect(strstr(err.msg, path) && strstr(err.msg, "NUL byte"), "%s", err.msg);
    sm_chip_destroy(&chip);
    free(more);
    free(text);

    /* Mapping file: trailing text and a NUL. */
    net = load_net(SM_EXAMPLES_DIR "/feedforward.json");
    sm_mapping_t *map = sm_mapping_sequential(net, 0, 0, 64, &err);
    cr_assert(map, "%s", err.msg);
    char saved[256];
    tmp_path(saved, sizeof saved, "map.json");
    cr_assert_eq(sm_mapping_save(map, net, NULL, NULL, 0, saved, &err), 0, "%s", err.msg);
    text = read_text(saved, &len);
    sm_mapping_t *back = sm_mapping_load(saved, net, &err);
    cr_expect_not_null(back, "%s", err.msg);
    sm_mapping_destroy(&back);
    more = malloc(len + 16);
    memcpy(more, text, len);
    memcpy(more + len, " {}", 3);
    write_bytes(path, more, len + 3);
    back = sm_mapping_load(path, net, &err);
    cr_expect_null(back, "text after the mapping object was ignored");
    cr_expect(strstr(err.msg, path), "%s", err.msg);
    sm_mapping_destroy(&back);
    more[len] = '\0';
    write_bytes(path, more, len + 3);
    back = sm_mapping_load(path, net, &err);
    cr_expect_null(back, "a mapping file with a NUL byte was read up to it");
    sm_mapping_destroy(&back);
    free(more);
    free(text);
    sm_mapping_destroy(&map);
    sm_net_destroy(&net);

    /* Golden case with a NUL after the object. */
    char gpath[512];
    snprintf(gpath, sizeof gpath, "%s/%s", SM_GOLDEN_DIR, s_golden[0]);
    if (access(gpath, R_OK) == 0) {
        text = read_text(gpath, &len);
        more = malloc(len + 16);
        memcpy(more, text, len);
        memcpy(more + len, "\0junk", 5);
        write_bytes(path, more, len + 5);
        sm_golden_t *g = sm_golden_load(path, &err);
        cr_expect_null(g, "a golden case with a NUL byte was read up to it");
        cr_expect(strstr(err.msg, path) && strstr(err.msg, "NUL byte"), "%s", err.msg);
        sm_golden_destroy(&g);
        free(more);
        free(text);
    }
}

Test(fuzz, regression_chip_huge_figure)
{
    /* 1e308 pJ per hop was accepted; route and run energies became inf. */
    size_t len;
    char *text = read_text(CHIPS_DIR "/mini_board.json", &len);
    cJSON *doc = cJSON_Parse(text);
    cr_assert(doc);
    cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "energy_pj"),
                                           "hop_east_west", cJSON_CreateNumber(1e308));
    char *bad = cJSON_PrintUnformatted(doc);
    sm_error_t err;
    sm_chip_t *chip = sm_chip_from_string(bad, "huge.json", &err);
    cr_expect_null(chip);
    cr_expect(strstr(err.msg, "huge.json") && strstr(err.msg, "energy_pj.hop_east_west"), "%s",
              err.msg);
    sm_chip_destroy(&chip);
    cJSON_free(bad);
    cJSON_Delete(doc);
    free(text);
}

/* Packs net (after `edit` changed it) and expects the message refused. */
static void netspec_expect_refused(void (*edit)(sm_net_t *), const char *what)
{
    sm_net_t *net = load_net(DATA_DIR "/full.json");
    sm_error_t err;
    sm_mapping_t *map = sm_mapping_sequential(net, 0, 0, 64, &err);
    cr_assert(map, "%s", err.msg);
    edit(net);
    uint8_t *buf;
    size_t len;
    cr_assert_eq(sm_netmsg_pack(net, 10, 0, map, &buf, &len, &err), 0, "%s", err.msg);
    sm_net_t *back = NULL;
    sm_mapping_t *bm = NULL;
    uint32_t ticks;
    int dense;
    sm_error_clear(&err);
    int rc = sm_netmsg_unpack(buf, len, &back, &ticks, &dense, &bm, &err);
    cr_expect_eq(rc, -1, "%s: accepted", what);
    cr_expect(rc == 0 || strstr(err.msg, "network message: "), "%s: %s", what, err.msg);
    sm_net_destroy(&back);
    sm_mapping_destroy(&bm);
    free(buf);
    sm_mapping_destroy(&map);
    sm_net_destroy(&net);
}

static sm_proj_t *find_proj(sm_net_t *net, sm_conn_kind_t kind)
{
    for (uint32_t j = 0; j < net->n_projs; j++)
        if (net->projs[j].conn == kind)
            return &net->projs[j];
    cr_assert_fail("no projection of kind %d", (int)kind);
    return NULL;
}

static sm_pop_t *find_pop(sm_net_t *net, const char *name)
{
    int i = sm_net_find_pop(net, name);
    cr_assert_geq(i, 0, "no population %s", name);
    return &net->pops[i];
}

static void ed_model_flag(sm_net_t *net)
{
    /* A bool byte of 2: loading it is undefined behaviour. */
    memset(&find_pop(net, "exc")->models[0].reset_delay, 2, 1);
}
static void ed_closed_nc(sm_net_t *net)
{
    find_pop(net, "exc")->models[0].closed.nc = 7; /* indexes arrays of 2 */
}
static void ed_stage(sm_net_t *net)
{
    find_pop(net, "out")->stage = 0; /* exc -> out has delay 0 */
}
static void ed_fan_in(sm_net_t *net)
{
    find_proj(net, SM_CONN_FIXED_FAN_IN)->k = 1000;
}
static void ed_spike_order(sm_net_t *net)
{
    sm_pop_t *cue = find_pop(net, "cue");
    uint32_t t = cue->st_ticks[0];
    cue->st_ticks[0] = cue->st_ticks[1];
    cue->st_ticks[1] = t;
}
static void ed_weight(sm_net_t *net)
{
    find_proj(net, SM_CONN_ALL_TO_ALL)->weight.a = INFINITY;
}
static void ed_bounds(sm_net_t *net)
{
    sm_proj_t *pr = find_proj(net, SM_CONN_FIXED_FAN_IN);
    pr->weight.lo = 5; /* normal(0.1, 0.02) never lands in [5, 6]: endless redraws */
    pr->weight.hi = 6;
}
static void ed_rate(sm_net_t *net)
{
    find_pop(net, "noise")->rate_hz = NAN;
}
static void ed_dt(sm_net_t *net)
{
    net->dt_ms = -1;
}

Test(fuzz, regression_network_messages)
{
    /* Fields of a network message that were taken without a check. */
    netspec_expect_refused(ed_model_flag, "model flag byte 2");
    netspec_expect_refused(ed_closed_nc, "closed-form table count 7");
    netspec_expect_refused(ed_stage, "stage that breaks the delay-0 order");
    netspec_expect_refused(ed_fan_in, "fixed_fan_in k beyond the source");
    netspec_expect_refused(ed_spike_order, "unsorted spike ticks");
    netspec_expect_refused(ed_weight, "infinite weight");
    netspec_expect_refused(ed_bounds, "normal bounds holding no mass");
    netspec_expect_refused(ed_rate, "NaN Poisson rate");
    netspec_expect_refused(ed_dt, "negative dt");
}
