/* netfile: the JSON network file (format in docs/network-format.md).
 *
 * The loader is strict on purpose: every key it does not know is refused,
 * every value is checked against its range, and every message names the
 * file, the JSON path of the value at fault and the value itself, so that a
 * typo never runs silently as a different network. */
#include <cjson/cJSON.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "json.h"
#include "model_json.h"
#include "net.h"
#include "rng.h"
#include "validate.h"
#include "netfile.h"

/* Stream tags, so that initial values, Poisson seeds and projections never
 * share a stream even with equal indices. */
#define S_TAG_INIT 0x696e697469616cULL
#define S_TAG_POISSON 0x706f6973736f6eULL

typedef struct {
    sm_json_t j;           /* messages: the file and the error        */
    const char *name;      /* the file, as named in messages          */
    const char *base_dir;  /* where relative CSV paths are resolved   */
    sm_error_t *err;
    sm_net_t *net;
} s_ld_t;

static const char *const s_model_names[] = {"iaf", "lif", "cuba_lif", "li",
                                            "lapicque", "alpha", "loihi_lif", NULL};

/* ------------------------------------------------------------ value checks */

static int s_nomem(s_ld_t *L, const char *path)
{
    return sm_json_fail(&L->j, SM_ENOMEM, path, NULL, "out of memory");
}

/* Box-Muller as seeded (u1 >= 1e-300) never draws |z| >= 38: a normal
 * within this stays within float range. */
static bool s_normal_fits_float(double mean, double sd)
{
    return fabs(mean) + 38.0 * sd <= FLT_MAX;
}

/* A [lo, hi] pair of numbers within float32 range. */
static int s_fpair(s_ld_t *L, const cJSON *v, const char *path, double *a, double *b)
{
    char p[SM_JSON_PATH];
    if (sm_json_array(&L->j, v, path, 2, 2, NULL) < 0 ||
        sm_json_float(&L->j, v->child, sm_json_at(p, "%s[0]", path), a) < 0 ||
        sm_json_float(&L->j, v->child->next, sm_json_at(p, "%s[1]", path), b) < 0)
        return -1;
    return 0;
}

static int s_pop_ref(s_ld_t *L, const cJSON *v, const char *path, uint32_t *out)
{
    const char *name;
    if (sm_json_str(&L->j, v, path, &name) < 0)
        return -1;
    int i = sm_net_find_pop(L->net, name);
    if (i >= 0) {
        *out = (uint32_t)i;
        return 0;
    }
    const char *cands[64];
    size_t n = 0;
    for (uint32_t j = 0; j < L->net->n_pops && n < 64; j++)
        cands[n++] = L->net->pops[j].name;
    char hint[96];
    sm_json_suggest(name, cands, n, hint, sizeof hint);
    return sm_json_fail(&L->j, SM_EINVAL, path, NULL, "unknown population \"%s\"%s", name, hint);
}

/* Joins a relative path to the directory of the network file. */
static char *s_resolve(const char *base_dir, const char *file)
{
    size_t lb = base_dir && file[0] != '/' ? strlen(base_dir) : 0;
    size_t lf = strlen(file);
    char *out = malloc(lb + lf + 2);
    if (!out)
        return NULL;
    if (lb)
        snprintf(out, lb + lf + 2, "%s/%s", base_dir, file);
    else
        memcpy(out, file, lf + 1);
    return out;
}

/* ------------------------------------------------------------- simulation */

static int s_simulation(s_ld_t *L, const cJSON *sim)
{
    static const char *const keys[] = {"dt", "ticks", "seed", NULL};
    sm_net_t *net = L->net;
    if (!sim)
        return sm_json_fail(&L->j, SM_EPARSE, "simulation", NULL,
                            "missing (at least {\"ticks\": N})");
    if (sm_json_keys(&L->j, sim, "simulation", keys, NULL, NULL) < 0)
        return -1;
    static const sm_json_range_t positive = {0, INFINITY, true, true};
    net->dt_ms = 1.0;
    net->seed = 0;
    if (sm_json_get_num(&L->j, sim, "simulation", "dt", SM_JSON_OPTIONAL, &positive,
                        &net->dt_ms) < 0 ||
        sm_json_get_u32(&L->j, sim, "simulation", "ticks", SM_JSON_REQUIRED, 1, UINT32_MAX,
                        &net->ticks) < 0 ||
        sm_json_get_u64(&L->j, sim, "simulation", "seed", SM_JSON_OPTIONAL, 0, UINT64_MAX,
                        &net->seed) < 0)
        return -1;
    return 0;
}

/* ------------------------------------------------------------ populations */

/* Per-neuron parameter lists: each list item of the working copy is turned
 * into a scalar slot, refilled for every neuron from the original list. */
typedef struct {
    cJSON **slot;
    const cJSON **cur;
    size_t n;
} s_lists_t;

static void s_lists_next(s_lists_t *ls)
{
    for (size_t j = 0; j < ls->n; j++) {
        if (cJSON_IsNumber(ls->cur[j]))
            cJSON_SetNumberValue(ls->slot[j], ls->cur[j]->valuedouble);
        else
            ls->slot[j]->type = cJSON_IsTrue(ls->cur[j]) ? cJSON_True : cJSON_False;
        ls->cur[j] = ls->cur[j]->next;
    }
}

static int s_model_err(s_ld_t *L, const s_lists_t *ls, uint32_t i)
{
    char tail[sizeof L->err->msg];
    snprintf(tail, sizeof tail, "%s", L->err->msg);
    if (ls->n)
        return sm_fail(L->err, L->err->code, "%s: %s (neuron %u, from the per-neuron lists)",
                       L->name, tail, i);
    return sm_fail(L->err, L->err->code, "%s: %s", L->name, tail);
}

/* The tick is simulation.dt for every population: a model that integrates
 * physical time constants gets it in its own unit unless the file gives one,
 * and a different one is refused rather than run at the wrong speed. */
static int s_model_dt(s_ld_t *L, cJSON *work, const sm_model_t *probe, const char *ppath)
{
    const double dt = L->net->dt_ms;
    double scale;  /* model dt = dt_ms * scale */
    const char *unit;
    if (probe->style == SM_STYLE_EXACT) {
        scale = 1.0;
        unit = "ms";
    } else if (probe->style == SM_STYLE_NORSE) {
        scale = 1e-3;
        unit = "s";
    } else if (probe->style == SM_STYLE_SNNTORCH &&
               (cJSON_GetObjectItemCaseSensitive(work, "tau_mem") ||
                cJSON_GetObjectItemCaseSensitive(work, "tau_syn"))) {
        scale = 1.0;
        unit = "ms";
    } else {
        return 0;
    }
    cJSON *given = cJSON_GetObjectItemCaseSensitive(work, "dt");
    if (given && !cJSON_IsNull(given)) {
        if (cJSON_IsNumber(given) && fabs(given->valuedouble - dt * scale) > 1e-9 * dt * scale) {
            char p[SM_JSON_PATH];
            sm_json_at(p, "%s.dt", ppath);
            return sm_json_fail(&L->j, SM_EINVAL, p, given,
                                "must match simulation.dt (%g %s for this model) or be left out",
                                dt * scale, unit);
        }
        return 0;
    }
    if (given)
        cJSON_DeleteItemFromObjectCaseSensitive(work, "dt");
    cJSON *num = cJSON_CreateNumber(dt * scale);
    if (!num || !cJSON_AddItemToObject(work, "dt", num)) {
        cJSON_Delete(num);
        return s_nomem(L, ppath);
    }
    return 0;
}

/* Builds one model per population, or one per neuron when some parameter is
 * given as a per-neuron list. The model parser always sees a plain scalar
 * object, exactly what a file without lists would give it. */
static int s_models(s_ld_t *L, sm_pop_t *pop, const char *model,
                    const cJSON *params, const char *ppath)
{
    cJSON *work = NULL;
    s_lists_t ls = {NULL, NULL, 0};
    int rc = -1;
    if (params && !cJSON_IsObject(params))
        return sm_json_fail(&L->j, SM_EPARSE, ppath, params, "must be an object");

    if (params) {
        for (const cJSON *c = params->child; c; c = c->next) {
            if (!cJSON_IsArray(c))
                continue;
            char p[SM_JSON_PATH];
            sm_json_at(p, "%s.%s", ppath, c->string);
            int n = cJSON_GetArraySize(c);
            if ((uint32_t)n != pop->size)
                return sm_json_fail(
                    &L->j, SM_EPARSE, p, NULL,
                    "a per-neuron list needs %u values (the population size), got %d", pop->size,
                    n);
            bool nums = cJSON_IsNumber(c->child), bools = cJSON_IsBool(c->child);
            int i = 0;
            for (const cJSON *e = c->child; e; e = e->next, i++)
                if ((nums && (!cJSON_IsNumber(e) || !isfinite(e->valuedouble))) ||
                    (bools && !cJSON_IsBool(e)) || (!nums && !bools))
                    return sm_json_fail(&L->j, SM_EPARSE,
                                        sm_json_at(p, "%s.%s[%d]", ppath, c->string, i), e,
                                        "per-neuron values must all be numbers or all booleans");
            ls.n++;
        }
    }
    work = params ? cJSON_Duplicate(params, 1) : cJSON_CreateObject();
    ls.slot = malloc((ls.n + 1) * sizeof *ls.slot);
    ls.cur = malloc((ls.n + 1) * sizeof *ls.cur);
    pop->n_models = ls.n ? pop->size : 1;
    pop->models = calloc(pop->n_models, sizeof *pop->models);
    if (!work || !ls.slot || !ls.cur || !pop->models) {
        s_nomem(L, ppath);
        goto out;
    }
    /* The copy has the same children in the same order: walk both. */
    size_t k = 0;
    const cJSON *orig = params ? params->child : NULL;
    for (cJSON *c = work->child; c; c = c->next, orig = orig->next) {
        if (!cJSON_IsArray(c))
            continue;
        bool num = cJSON_IsNumber(c->child);
        cJSON_Delete(c->child);
        c->child = NULL;
        c->type = num ? cJSON_Number : cJSON_False;
        ls.slot[k] = c;
        ls.cur[k++] = orig->child;
    }

    /* Neuron 0 first, to learn the model's style and so how it takes dt. */
    s_lists_next(&ls);
    if (sm_model_from_json(&pop->models[0], model, work, ppath, L->err) < 0) {
        s_model_err(L, &ls, 0);
        goto out;
    }
    if (s_model_dt(L, work, &pop->models[0], ppath) < 0)
        goto out;
    for (uint32_t i = 0; i < pop->n_models; i++) {
        if (i > 0)
            s_lists_next(&ls);
        if (sm_model_from_json(&pop->models[i], model, work, ppath, L->err) < 0) {
            s_model_err(L, &ls, i);
            goto out;
        }
    }
    rc = 0;
out:
    free(ls.slot);
    free(ls.cur);
    cJSON_Delete(work);
    return rc;
}

/* One initial state variable ("v", or loihi_lif's "u") into *out (size
 * values): a number, a per-neuron list, or a seeded draw. loihi_lif holds
 * integers: a number or a list of them, within the state's range. */
static int s_initial_var(s_ld_t *L, sm_pop_t *pop, uint32_t pi, const cJSON *v, const char *p,
                         bool integer, double lo, double hi, uint64_t tag, float **out)
{
    static const char *const dkeys[] = {"uniform", "normal", NULL};
    char q[SM_JSON_PATH];
    float *a = malloc((size_t)pop->size * sizeof *a);
    if (!a)
        return s_nomem(L, p);
    *out = a;
    if (cJSON_IsNumber(v)) {
        double x = 0;
        if ((integer ? sm_json_int(&L->j, v, p, lo, hi, &x) : sm_json_float(&L->j, v, p, &x)) < 0)
            return -1;
        for (uint32_t i = 0; i < pop->size; i++)
            a[i] = (float)x;
        return 0;
    }
    if (cJSON_IsArray(v)) {
        if ((uint32_t)cJSON_GetArraySize(v) != pop->size)
            return sm_json_fail(&L->j, SM_EPARSE, p, NULL,
                                "a per-neuron list needs %u values (the population size), got %d",
                                pop->size, cJSON_GetArraySize(v));
        uint32_t i = 0;
        for (const cJSON *e = v->child; e; e = e->next, i++) {
            double x = 0;
            sm_json_at(q, "%s[%u]", p, i);
            if ((integer ? sm_json_int(&L->j, e, q, lo, hi, &x) : sm_json_float(&L->j, e, q, &x)) < 0)
                return -1;
            a[i] = (float)x;
        }
        return 0;
    }
    if (integer)
        return sm_json_fail(&L->j, SM_EPARSE, p, v,
                            "loihi_lif holds integers: give a number or a per-neuron list");
    if (!cJSON_IsObject(v))
        return sm_json_fail(&L->j, SM_EPARSE, p, v,
                            "must be a number, a per-neuron list, {\"uniform\": [lo, hi]} or "
                            "{\"normal\": [mean, sd]}");
    if (sm_json_keys(&L->j, v, p, dkeys, NULL, NULL) < 0)
        return -1;
    if (!v->child || v->child->next)
        return sm_json_fail(&L->j, SM_EPARSE, p, v,
                            "must hold exactly one of \"uniform\", \"normal\"");
    bool uniform = !strcmp(v->child->string, "uniform");
    double x0, x1;
    sm_json_at(q, "%s.%s", p, v->child->string);
    if (s_fpair(L, v->child, q, &x0, &x1) < 0)
        return -1;
    if (uniform && x0 > x1)
        return sm_json_fail(&L->j, SM_ERANGE, q, v->child, "lo must be <= hi");
    if (!uniform && x1 < 0)
        return sm_json_fail(&L->j, SM_ERANGE, q, v->child, "sd must be >= 0");
    if (!uniform && !s_normal_fits_float(x0, x1))
        return sm_json_fail(&L->j, SM_ERANGE, q, v->child, "draws would leave float32 range");
    for (uint32_t i = 0; i < pop->size; i++) {
        sm_rng_t r = sm_rng_stream(L->net->seed ^ tag, pi, i);
        double x = uniform ? x0 + (x1 - x0) * sm_rng_uniform(&r) : x0 + x1 * sm_rng_normal(&r);
        a[i] = (float)x;
    }
    return 0;
}

static int s_initial(s_ld_t *L, sm_pop_t *pop, uint32_t pi, const cJSON *init,
                     const char *path)
{
    static const char *const keys[] = {"v", NULL};
    static const char *const lkeys[] = {"v", "u", NULL};
    const bool lo = sm_pop_is_loihi(pop);
    if (sm_json_keys(&L->j, init, path, lo ? lkeys : keys, NULL, NULL) < 0)
        return -1;
    char p[SM_JSON_PATH];
    const cJSON *v = sm_json_get(init, "v", 0), *u = sm_json_get(init, "u", 0);
    if (v && s_initial_var(L, pop, pi, v, sm_json_at(p, "%s.v", path), lo, -SM_LOIHI_V_MAX,
                           SM_LOIHI_V_MAX, S_TAG_INIT, &pop->v_init) < 0)
        return -1;
    /* u's range is (-2^23, 2^23]; its draws never happen (integers only). */
    if (u && s_initial_var(L, pop, pi, u, sm_json_at(p, "%s.u", path), true,
                           -SM_LOIHI_U_MAX + 1, SM_LOIHI_U_MAX, 0, &pop->u_init) < 0)
        return -1;
    return 0;
}

typedef struct {
    uint32_t *nrn, *tick, *pay; /* pay: only for a graded source */
    size_t n, cap;
    uint32_t size;
    bool graded;
} s_times_t;

static int s_times_add(s_times_t *t, uint32_t nrn, uint32_t tick, uint32_t pay)
{
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 256;
        uint32_t *a = realloc(t->nrn, nc * sizeof *a);
        if (!a)
            return -1;
        t->nrn = a;
        uint32_t *b = realloc(t->tick, nc * sizeof *b);
        if (!b)
            return -1;
        t->tick = b;
        if (t->graded) {
            uint32_t *c = realloc(t->pay, nc * sizeof *c);
            if (!c)
                return -1;
            t->pay = c;
        }
        t->cap = nc;
    }
    t->nrn[t->n] = nrn;
    if (t->graded)
        t->pay[t->n] = pay;
    t->tick[t->n++] = tick;
    return 0;
}

static int s_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static int s_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static bool s_name_is(const char *got, const char *const *names)
{
    for (size_t i = 0; names[i]; i++)
        if (!strcmp(got, names[i]))
            return true;
    return false;
}

/* Header columns must be what the reader expects, in this order: a file
 * headed "dst,src" would otherwise be read the wrong way round. */
static int s_check_header(const char *const *got, size_t n,
                          const char *const *const *want, size_t n_want,
                          sm_error_t *err)
{
    for (size_t i = 0; i < n; i++) {
        if (i >= n_want)
            return sm_fail(err, SM_EPARSE, "header has %zu columns, expected at most %zu",
                           n, n_want);
        if (!s_name_is(got[i], want[i]))
            return sm_fail(err, SM_EPARSE, "header column %zu is \"%s\", expected \"%s\"",
                           i + 1, got[i], want[i][0]);
    }
    return 0;
}

static const char *const s_h_neuron[] = {"neuron", "index", "id", NULL};
static const char *const s_h_tick[] = {"tick", "ticks", NULL};

static const char *const s_h_payload[] = {"payload", NULL};

static int s_times_header(void *ctx, const char *const *names, size_t n, sm_error_t *err)
{
    s_times_t *t = ctx;
    const char *const *const want[] = {s_h_neuron, s_h_tick, s_h_payload};
    if (n != 2 && n != 3)
        return sm_fail(err, SM_EPARSE, "header must be \"neuron,tick\" or \"neuron,tick,payload\"");
    t->graded = n == 3;
    return s_check_header(names, n, want, 3, err);
}

static int s_times_row(void *ctx, const double *v, size_t n, sm_error_t *err)
{
    s_times_t *t = ctx;
    if (n != (t->graded ? 3u : 2u))
        return sm_fail(err, SM_EPARSE, "expected %s fields (neuron,tick%s), got %zu",
                       t->graded ? "3" : "2", t->graded ? ",payload" : "", n);
    if (t->graded && (v[2] != floor(v[2]) || v[2] == 0 || fabs(v[2]) > SM_MAX_PAYLOAD))
        return sm_fail(err, SM_ERANGE, "payload must be a non-zero integer in [-%u, %u], got %g",
                       SM_MAX_PAYLOAD, SM_MAX_PAYLOAD, v[2]);
    if (v[0] != floor(v[0]) || v[0] < 0 || v[0] >= t->size)
        return sm_fail(err, SM_ERANGE, "neuron must be an integer in [0, %u), got %g",
                       t->size, v[0]);
    if (v[1] != floor(v[1]) || v[1] < 0 || v[1] > (double)UINT32_MAX)
        return sm_fail(err, SM_ERANGE, "tick must be an integer >= 0, got %g", v[1]);
    if (s_times_add(t, (uint32_t)v[0], (uint32_t)v[1], t->graded ? (uint32_t)(int32_t)v[2] : 0) < 0)
        return sm_fail(err, SM_ENOMEM, "out of memory");
    return 0;
}

/* A graded source's payloads: one list per neuron, as long as its ticks. */
static int s_payloads(s_ld_t *L, const cJSON *pays, const cJSON *times, const char *path,
                      uint32_t size)
{
    char q[SM_JSON_PATH], r[SM_JSON_PATH];
    if (!cJSON_IsArray(pays) || (uint32_t)cJSON_GetArraySize(pays) != size)
        return sm_json_fail(&L->j, SM_EPARSE, path, NULL,
                            "must be one list of payloads per neuron (%u), as \"times\"", size);
    uint32_t i = 0;
    const cJSON *tr = times->child;
    for (const cJSON *row = pays->child; row; row = row->next, tr = tr->next, i++) {
        sm_json_at(q, "%s[%u]", path, i);
        if (!cJSON_IsArray(row) || cJSON_GetArraySize(row) != cJSON_GetArraySize(tr))
            return sm_json_fail(&L->j, SM_EPARSE, q, NULL,
                                "must hold one payload per tick of times[%u] (%d)", i,
                                cJSON_GetArraySize(tr));
        uint32_t j = 0;
        double x;
        for (const cJSON *e = row->child; e; e = e->next, j++) {
            sm_json_at(r, "%s[%u]", q, j);
            if (sm_json_int(&L->j, e, r, -(double)SM_MAX_PAYLOAD, SM_MAX_PAYLOAD, &x) < 0)
                return -1;
            if (x == 0)
                return sm_json_fail(&L->j, SM_ERANGE, r, e, "a payload must not be 0 (no spike "
                                    "is sent with 0: leave the tick out)");
        }
    }
    return 0;
}

static int s_spike_times(s_ld_t *L, sm_pop_t *pop, const cJSON *src, const char *path)
{
    const cJSON *times = sm_json_get(src, "times", 0), *file = sm_json_get(src, "file", 0);
    const cJSON *pays = sm_json_get(src, "payloads", 0);
    char p[SM_JSON_PATH], q[SM_JSON_PATH];
    s_times_t t = {.size = pop->size, .graded = pays != NULL};
    int rc = -1;
    if (!!times == !!file)
        return sm_json_fail(&L->j, SM_EPARSE, path, NULL,
                            "give exactly one of \"times\", \"file\"");
    if (pays && !times)
        return sm_json_fail(&L->j, SM_EPARSE, sm_json_at(p, "%s.payloads", path), NULL,
                            "goes with \"times\" (a file gives them as a third column)");
    if (times) {
        sm_json_at(p, "%s.times", path);
        if (!cJSON_IsArray(times))
            return sm_json_fail(&L->j, SM_EPARSE, p, times,
                                "must be a list of tick lists, one per neuron");
        if ((uint32_t)cJSON_GetArraySize(times) != pop->size)
            return sm_json_fail(&L->j, SM_EPARSE, p, NULL,
                                "needs one tick list per neuron: %u, got %d", pop->size,
                                cJSON_GetArraySize(times));
        uint32_t i = 0;
        for (const cJSON *row = times->child; row; row = row->next, i++) {
            sm_json_at(q, "%s[%u]", p, i);
            if (!cJSON_IsArray(row)) {
                sm_json_fail(&L->j, SM_EPARSE, q, row, "must be a list of ticks");
                goto out;
            }
        }
        char pp[SM_JSON_PATH];
        if (pays && s_payloads(L, pays, times, sm_json_at(pp, "%s.payloads", path), pop->size) < 0)
            goto out;
        i = 0;
        const cJSON *prow = pays ? pays->child : NULL;
        for (const cJSON *row = times->child; row; row = row->next, i++) {
            sm_json_at(q, "%s[%u]", p, i);
            uint32_t j = 0;
            const cJSON *pe = prow ? prow->child : NULL;
            for (const cJSON *e = row->child; e; e = e->next, j++) {
                char r[SM_JSON_PATH];
                uint32_t tick;
                sm_json_at(r, "%s[%u]", q, j);
                if (sm_json_u32(&L->j, e, r, 0, UINT32_MAX, &tick) < 0)
                    goto out;
                if (s_times_add(&t, i, tick, pe ? (uint32_t)(int32_t)pe->valuedouble : 0) < 0) {
                    s_nomem(L, r);
                    goto out;
                }
                pe = pe ? pe->next : NULL;
            }
            prow = prow ? prow->next : NULL;
        }
    } else {
        const char *fname = NULL;
        sm_json_at(p, "%s.file", path);
        if (sm_json_str(&L->j, file, p, &fname) < 0)
            return -1;
        char *full = s_resolve(L->base_dir, fname);
        if (!full)
            return s_nomem(L, p);
        sm_csv_handler_t h = {s_times_header, s_times_row, &t};
        sm_error_clear(L->err);
        int r = sm_csv_read(full, NULL, &h, L->err);
        free(full);
        if (r < 0) {
            sm_error_prefix(L->err, "%s: %s: ", L->name, p);
            goto out;
        }
    }

    /* CSR by neuron: counting sort, then each neuron's ticks sorted. */
    pop->st_off = calloc((size_t)pop->size + 1, sizeof *pop->st_off);
    pop->st_ticks = malloc((t.n ? t.n : 1) * sizeof *pop->st_ticks);
    if (!pop->st_off || !pop->st_ticks || t.n > UINT32_MAX) {
        s_nomem(L, path);
        goto out;
    }
    for (size_t i = 0; i < t.n; i++)
        pop->st_off[t.nrn[i] + 1]++;
    for (uint32_t i = 0; i < pop->size; i++)
        pop->st_off[i + 1] += pop->st_off[i];
    if (t.graded) {
        /* Ticks sorted with their payloads: a tick and its payload as one key. */
        uint64_t *key = malloc((t.n ? t.n : 1) * sizeof *key);
        pop->st_payload = malloc((t.n ? t.n : 1) * sizeof *pop->st_payload);
        if (!key || !pop->st_payload) {
            free(key);
            s_nomem(L, path);
            goto out;
        }
        for (size_t i = 0; i < t.n; i++)
            key[pop->st_off[t.nrn[i]]++] = (uint64_t)t.tick[i] << 32 | t.pay[i];
        for (uint32_t i = pop->size; i > 0; i--)
            pop->st_off[i] = pop->st_off[i - 1];
        pop->st_off[0] = 0;
        for (uint32_t i = 0; i < pop->size; i++)
            qsort(key + pop->st_off[i], pop->st_off[i + 1] - pop->st_off[i], sizeof *key,
                  s_cmp_u64);
        for (size_t i = 0; i < t.n; i++) {
            pop->st_ticks[i] = (uint32_t)(key[i] >> 32);
            pop->st_payload[i] = (int32_t)(uint32_t)key[i];
        }
        free(key);
    } else {
        for (size_t i = 0; i < t.n; i++)
            pop->st_ticks[pop->st_off[t.nrn[i]]++] = t.tick[i];
        for (uint32_t i = pop->size; i > 0; i--)
            pop->st_off[i] = pop->st_off[i - 1];
        pop->st_off[0] = 0;
    }
    for (uint32_t i = 0; i < pop->size; i++) {
        uint32_t a = pop->st_off[i], b = pop->st_off[i + 1];
        if (!t.graded)
            qsort(pop->st_ticks + a, b - a, sizeof *pop->st_ticks, s_cmp_u32);
        for (uint32_t j = a + 1; j < b; j++)
            if (pop->st_ticks[j] == pop->st_ticks[j - 1]) {
                sm_json_fail(&L->j, SM_EINVAL, p, NULL, "neuron %u is given tick %u twice", i,
                             pop->st_ticks[j]);
                goto out;
            }
    }
    rc = 0;
out:
    free(t.nrn);
    free(t.tick);
    free(t.pay);
    return rc;
}

static int s_source(s_ld_t *L, sm_pop_t *pop, uint32_t pi, const cJSON *src,
                    const char *path)
{
    static const char *const st_keys[] = {"kind", "times", "payloads", "file", NULL};
    static const char *const po_keys[] = {"kind", "rate_hz", "start", "stop", "seed", NULL};
    static const char *const kinds[] = {"spike_times", "poisson", NULL};
    static const sm_json_range_t rates = {0, INFINITY, false, true};
    char p[SM_JSON_PATH];
    int kind;
    const cJSON *v;
    if (sm_json_object(&L->j, src, path) < 0 ||
        sm_json_get_enum(&L->j, src, path, "kind", SM_JSON_REQUIRED, kinds, &kind) < 0)
        return -1;
    if (kind == 0) {
        pop->kind = SM_POP_SPIKE_TIMES;
        if (sm_json_keys(&L->j, src, path, st_keys, NULL, NULL) < 0)
            return -1;
        return s_spike_times(L, pop, src, path);
    }
    pop->kind = SM_POP_POISSON;
    if (sm_json_keys(&L->j, src, path, po_keys, NULL, NULL) < 0 ||
        sm_json_get_num(&L->j, src, path, "rate_hz", SM_JSON_REQUIRED, &rates, &pop->rate_hz) < 0)
        return -1;
    sm_json_at(p, "%s.rate_hz", path);
    v = sm_json_get(src, "rate_hz", 0);
    if (pop->rate_hz * L->net->dt_ms / 1000.0 > 1.0)
        return sm_json_fail(&L->j, SM_ERANGE, p, v,
                            "gives more than one spike per tick of %g ms (max %g Hz)",
                            L->net->dt_ms, 1000.0 / L->net->dt_ms);
    pop->start_tick = 0;
    pop->stop_tick = L->net->ticks;
    sm_json_at(p, "%s.start", path);
    if ((v = sm_json_get(src, "start", 0)) &&
        sm_json_u32(&L->j, v, p, 0, UINT32_MAX, &pop->start_tick) < 0)
        return -1;
    sm_json_at(p, "%s.stop", path);
    if ((v = sm_json_get(src, "stop", 0)) &&
        sm_json_u32(&L->j, v, p, 0, UINT32_MAX, &pop->stop_tick) < 0)
        return -1;
    if (pop->stop_tick < pop->start_tick)
        return sm_json_fail(&L->j, SM_ERANGE, p, NULL, "stop (%u) must be >= start (%u)",
                            pop->stop_tick, pop->start_tick);
    sm_json_at(p, "%s.seed", path);
    if ((v = sm_json_get(src, "seed", 0))) {
        if (sm_json_u64(&L->j, v, p, 0, UINT64_MAX, &pop->seed) < 0)
            return -1;
    } else {
        sm_rng_t r = sm_rng_stream(L->net->seed, S_TAG_POISSON, pi);
        pop->seed = sm_rng_next(&r);
    }
    return 0;
}

static int s_population(s_ld_t *L, const cJSON *jp, uint32_t pi)
{
    static const char *const keys[] = {"name", "size", "model", "params", "initial",
                                       "record", "source", NULL};
    static const char *const rkeys[] = {"spikes", NULL};
    char path[SM_JSON_PATH], p[SM_JSON_PATH];
    const cJSON *v;
    const char *name = NULL;
    sm_pop_t pop;
    memset(&pop, 0, sizeof pop);
    pop.record_spikes = true;
    sm_json_at(path, "populations[%u]", pi);
    if (sm_json_keys(&L->j, jp, path, keys, NULL, NULL) < 0)
        return -1;

    sm_json_at(p, "%s.name", path);
    if (!(v = sm_json_req(&L->j, jp, path, "name")) || sm_json_str(&L->j, v, p, &name) < 0)
        return -1;
    char why[160], shown[320];
    if (sm_pop_name_check(name, why, sizeof why)) {
        sm_name_show(name, shown, sizeof shown);
        return sm_json_fail(&L->j, SM_EINVAL, p, NULL, "%s, got \"%s\"", why, shown);
    }
    int dup = sm_net_find_pop(L->net, name);
    if (dup >= 0)
        return sm_json_fail(&L->j, SM_EINVAL, p, NULL,
                            "population \"%s\" is already defined by populations[%d]", name, dup);
    memcpy(pop.name, name, strlen(name) + 1);

    sm_json_at(p, "%s.size", path);
    if (!(v = sm_json_req(&L->j, jp, path, "size")) ||
        sm_json_u32(&L->j, v, p, 1, UINT32_MAX, &pop.size) < 0)
        return -1;
    if (pop.size > SM_MAX_NEURONS - L->net->n_neurons)
        return sm_json_fail(&L->j, SM_ERANGE, p, v, "the network would exceed %u neurons",
                            SM_MAX_NEURONS);

    const cJSON *src = sm_json_get(jp, "source", 0);
    int rc = -1;
    if (src) {
        static const char *const no[] = {"model", "params", "initial"};
        for (size_t i = 0; i < 3; i++)
            if (sm_json_get(jp, no[i], 0)) {
                sm_json_at(p, "%s.%s", path, no[i]);
                return sm_json_fail(&L->j, SM_EPARSE, p, NULL,
                                    "a spike source (it has \"source\") takes no %s", no[i]);
            }
        sm_json_at(p, "%s.source", path);
        if (s_source(L, &pop, pi, src, p) < 0)
            goto fail;
    } else {
        int model;
        pop.kind = SM_POP_NEURONS;
        sm_json_at(p, "%s.model", path);
        if (!(v = sm_json_get(jp, "model", 0)))
            return sm_json_fail(
                &L->j, SM_EPARSE, path, NULL,
                "missing (or \"source\" for a spike source)");
        if (sm_json_enum(&L->j, v, p, s_model_names, &model) < 0)
            return -1;
        sm_json_at(p, "%s.params", path);
        if (s_models(L, &pop, s_model_names[model], sm_json_get(jp, "params", 0), p) < 0)
            goto fail;
        sm_json_at(p, "%s.initial", path);
        if ((v = sm_json_get(jp, "initial", 0)) && s_initial(L, &pop, pi, v, p) < 0)
            goto fail;
    }

    if ((v = sm_json_get(jp, "record", 0))) {
        sm_json_at(p, "%s.record", path);
        if (sm_json_keys(&L->j, v, p, rkeys, NULL, NULL) < 0)
            goto fail;
        sm_json_at(p, "%s.record.spikes", path);
        const cJSON *s = sm_json_get(v, "spikes", 0);
        if (s && sm_json_bool(&L->j, s, p, &pop.record_spikes) < 0)
            goto fail;
    }
    if (sm_net_add_pop(L->net, &pop) < 0) {
        s_nomem(L, path);
        goto fail;
    }
    return 0;
fail:
    free(pop.models);
    free(pop.v_init);
    free(pop.u_init);
    free(pop.st_off);
    free(pop.st_ticks);
    free(pop.st_payload);
    return rc;
}

/* ------------------------------------------------------------ projections */

/* Weight: a number, {"uniform": [lo, hi]}, or {"normal": [mean, sd],
 * "bounds": [lo, hi]}. */
static int s_weight(s_ld_t *L, const cJSON *v, const char *path, sm_dist_t *d)
{
    static const char *const keys[] = {"uniform", "normal", "bounds", NULL};
    char p[SM_JSON_PATH];
    memset(d, 0, sizeof *d);
    if (cJSON_IsNumber(v))
        return sm_json_float(&L->j, v, path, &d->a);
    if (!cJSON_IsObject(v))
        return sm_json_fail(
            &L->j, SM_EPARSE, path, v,
            "must be a number, {\"uniform\": [lo, hi]} or {\"normal\": [mean, sd]}");
    if (sm_json_keys(&L->j, v, path, keys, NULL, NULL) < 0)
        return -1;
    const cJSON *u = sm_json_get(v, "uniform", 0), *n = sm_json_get(v, "normal", 0),
                *b = sm_json_get(v, "bounds", 0);
    if (!!u == !!n)
        return sm_json_fail(&L->j, SM_EPARSE, path, v,
                            "must hold exactly one of \"uniform\", \"normal\"");
    if (u) {
        sm_json_at(p, "%s.uniform", path);
        if (b) {
            sm_json_at(p, "%s.bounds", path);
            return sm_json_fail(&L->j, SM_EPARSE, p, NULL,
                                "only a normal distribution takes bounds");
        }
        d->kind = SM_DIST_UNIFORM;
        if (s_fpair(L, u, p, &d->a, &d->b) < 0)
            return -1;
        if (d->a > d->b)
            return sm_json_fail(&L->j, SM_ERANGE, p, u, "lo must be <= hi");
        return 0;
    }
    sm_json_at(p, "%s.normal", path);
    d->kind = SM_DIST_NORMAL;
    if (s_fpair(L, n, p, &d->a, &d->b) < 0)
        return -1;
    if (d->b < 0)
        return sm_json_fail(&L->j, SM_ERANGE, p, n, "sd must be >= 0");
    if (!b) {
        if (!s_normal_fits_float(d->a, d->b))
            return sm_json_fail(&L->j, SM_ERANGE, p, n,
                                "draws would leave float32 range; give bounds");
        return 0;
    }
    sm_json_at(p, "%s.bounds", path);
    d->has_bounds = true;
    if (s_fpair(L, b, p, &d->lo, &d->hi) < 0)
        return -1;
    if (d->lo > d->hi)
        return sm_json_fail(&L->j, SM_ERANGE, p, b, "lo must be <= hi");
    /* Redrawing until inside must end: refuse bounds that hold almost none
     * of the distribution. */
    double mass;
    if (d->b == 0)
        mass = d->a >= d->lo && d->a <= d->hi ? 1.0 : 0.0;
    else
        mass = 0.5 * (erfc((d->lo - d->a) / (d->b * sqrt(2.0))) -
                      erfc((d->hi - d->a) / (d->b * sqrt(2.0))));
    if (mass < 1e-4)
        return sm_json_fail(
            &L->j, SM_ERANGE, p, b,
            "hold less than 0.01%% of normal(%g, %g); draws would almost never fall inside", d->a,
            d->b);
    return 0;
}

/* Delay: an integer number of ticks, or {"uniform": [lo, hi]}, integers,
 * both ends included. */
static int s_delay(s_ld_t *L, const cJSON *v, const char *path, sm_dist_t *d)
{
    static const char *const keys[] = {"uniform", NULL};
    char p[SM_JSON_PATH];
    memset(d, 0, sizeof *d);
    if (cJSON_IsNumber(v))
        return sm_json_int(&L->j, v, path, 0, (double)UINT32_MAX, &d->a);
    if (!cJSON_IsObject(v))
        return sm_json_fail(&L->j, SM_EPARSE, path, v,
                            "must be an integer number of ticks or {\"uniform\": [lo, hi]}");
    if (sm_json_keys(&L->j, v, path, keys, NULL, NULL) < 0)
        return -1;
    const cJSON *u = sm_json_get(v, "uniform", 0);
    sm_json_at(p, "%s.uniform", path);
    if (!u)
        return sm_json_fail(&L->j, SM_EPARSE, p, NULL, "missing");
    if (!cJSON_IsArray(u) || cJSON_GetArraySize(u) != 2)
        return sm_json_fail(&L->j, SM_EPARSE, p, u, "must be a list of two integers [lo, hi]");
    char q[SM_JSON_PATH];
    sm_json_at(q, "%s[0]", p);
    if (sm_json_int(&L->j, u->child, q, 0, (double)UINT32_MAX, &d->a) < 0)
        return -1;
    sm_json_at(q, "%s[1]", p);
    if (sm_json_int(&L->j, u->child->next, q, 0, (double)UINT32_MAX, &d->b) < 0)
        return -1;
    if (d->a > d->b)
        return sm_json_fail(&L->j, SM_ERANGE, p, u, "lo must be <= hi");
    d->kind = d->a == d->b ? SM_DIST_CONST : SM_DIST_UNIFORM;
    return 0;
}

typedef struct {
    sm_proj_t *pr;
    uint32_t n_src, n_dst;
    const char *src_name, *dst_name;
    bool have_w, have_d;      /* projection-level defaults for short rows */
    float w;
    uint32_t d;
    size_t cap;
    uint32_t rows;            /* matrix rows read so far */
} s_conn_t;

static int s_list_add(s_conn_t *c, uint32_t s, uint32_t t, float w, uint32_t d)
{
    sm_proj_t *pr = c->pr;
    if (pr->n_list == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 256;
        if (nc > UINT32_MAX)
            return -1;
        uint32_t *a = realloc(pr->l_src, nc * sizeof *a);
        if (!a)
            return -1;
        pr->l_src = a;
        if (!(a = realloc(pr->l_dst, nc * sizeof *a)))
            return -1;
        pr->l_dst = a;
        if (!(a = realloc(pr->l_delay, nc * sizeof *a)))
            return -1;
        pr->l_delay = a;
        float *f = realloc(pr->l_weight, nc * sizeof *f);
        if (!f)
            return -1;
        pr->l_weight = f;
        c->cap = nc;
    }
    pr->l_src[pr->n_list] = s;
    pr->l_dst[pr->n_list] = t;
    pr->l_weight[pr->n_list] = w;
    pr->l_delay[pr->n_list++] = d;
    return 0;
}

/* One connection [src, dst, weight?, delay?]; `msg` receives what is wrong
 * and `col` the offending column, so that JSON and CSV report alike. Returns
 * SM_OK or the code of the mistake. */
static sm_err_t s_conn_check(const s_conn_t *c, const double *v, size_t n, char *msg,
                             size_t cap, size_t *col)
{
    if (n < 2 || n > 4) {
        *col = 0;
        snprintf(msg, cap, "must have 2 to 4 values (src, dst, weight, delay), got %zu", n);
        return SM_EPARSE;
    }
    if (v[0] != floor(v[0]) || v[0] < 0 || v[0] >= c->n_src) {
        *col = 1;
        snprintf(msg, cap, "source index must be an integer in [0, %u) (size of \"%s\"), got %g",
                 c->n_src, c->src_name, v[0]);
        return SM_ERANGE;
    }
    if (v[1] != floor(v[1]) || v[1] < 0 || v[1] >= c->n_dst) {
        *col = 2;
        snprintf(msg, cap, "target index must be an integer in [0, %u) (size of \"%s\"), got %g",
                 c->n_dst, c->dst_name, v[1]);
        return SM_ERANGE;
    }
    if (n < 3 && !c->have_w) {
        *col = 0;
        snprintf(msg, cap, "has no weight, and the projection gives no constant \"weight\"");
        return SM_EPARSE;
    }
    if (n >= 3 && fabs(v[2]) > FLT_MAX) {
        *col = 3;
        snprintf(msg, cap, "weight " SM_JSON_FLOAT_MSG ", got %g", v[2]);
        return SM_ERANGE;
    }
    if (n >= 4 && (v[3] != floor(v[3]) || v[3] < 0 || v[3] > (double)UINT32_MAX)) {
        *col = 4;
        snprintf(msg, cap, "delay must be an integer number of ticks >= 0, got %g", v[3]);
        return SM_ERANGE;
    }
    return SM_OK;
}

static int s_list_header(void *ctx, const char *const *names, size_t n, sm_error_t *err)
{
    static const char *const src[] = {"src", "source", "pre", "i", NULL};
    static const char *const dst[] = {"dst", "target", "post", "j", NULL};
    static const char *const w[] = {"weight", "w", NULL};
    static const char *const d[] = {"delay", "d", NULL};
    const char *const *const want[] = {src, dst, w, d};
    (void)ctx;
    if (n < 2)
        return sm_fail(err, SM_EPARSE, "header must be \"src,dst[,weight[,delay]]\"");
    return s_check_header(names, n, want, 4, err);
}

static int s_list_row(void *ctx, const double *v, size_t n, sm_error_t *err)
{
    s_conn_t *c = ctx;
    char msg[300];
    size_t col;
    sm_err_t code = s_conn_check(c, v, n, msg, sizeof msg, &col);
    if (code != SM_OK)
        return sm_fail(err, code, "%s", msg);
    if (s_list_add(c, (uint32_t)v[0], (uint32_t)v[1], n >= 3 ? (float)v[2] : c->w,
                   n >= 4 ? (uint32_t)v[3] : c->d) < 0)
        return sm_fail(err, SM_ENOMEM, "out of memory");
    return 0;
}

static int s_matrix_row(void *ctx, const double *v, size_t n, sm_error_t *err)
{
    s_conn_t *c = ctx;
    if (c->rows >= c->n_dst)
        return sm_fail(err, SM_EPARSE,
                       "more rows than the %u neurons of target \"%s\" (one row per target)",
                       c->n_dst, c->dst_name);
    if (n != c->n_src)
        return sm_fail(err, SM_EPARSE,
                       "expected %u columns (one per neuron of source \"%s\"), got %zu",
                       c->n_src, c->src_name, n);
    float *row = c->pr->matrix + (size_t)c->rows * c->n_src;
    for (size_t i = 0; i < n; i++) {
        if (fabs(v[i]) > FLT_MAX)
            return sm_fail(err, SM_ERANGE, "field %zu: weight " SM_JSON_FLOAT_MSG ", got %g", i + 1,
                           v[i]);
        row[i] = (float)v[i];
    }
    c->rows++;
    return 0;
}

static int s_csv(s_ld_t *L, const char *path, const cJSON *file,
                 const sm_csv_handler_t *h)
{
    const char *fname = NULL;
    if (sm_json_str(&L->j, file, path, &fname) < 0)
        return -1;
    char *full = s_resolve(L->base_dir, fname);
    if (!full)
        return s_nomem(L, path);
    sm_error_clear(L->err);
    int r = sm_csv_read(full, NULL, h, L->err);
    free(full);
    if (r < 0)
        sm_error_prefix(L->err, "%s: %s: ", L->name, path);
    return r;
}

static int s_list(s_ld_t *L, s_conn_t *c, const cJSON *conn, const char *path)
{
    const cJSON *rows = sm_json_get(conn, "connections", 0), *file = sm_json_get(conn, "file", 0);
    char p[SM_JSON_PATH], q[SM_JSON_PATH];
    if (!!rows == !!file)
        return sm_json_fail(&L->j, SM_EPARSE, path, NULL,
                            "give exactly one of \"connections\", \"file\"");
    if (file) {
        sm_json_at(p, "%s.file", path);
        sm_csv_handler_t h = {s_list_header, s_list_row, c};
        return s_csv(L, p, file, &h);
    }
    sm_json_at(p, "%s.connections", path);
    if (!cJSON_IsArray(rows))
        return sm_json_fail(&L->j, SM_EPARSE, p, rows,
                            "must be a list of [src, dst, weight, delay]");
    uint32_t i = 0;
    for (const cJSON *row = rows->child; row; row = row->next, i++) {
        double v[4];
        size_t n = 0;
        sm_json_at(q, "%s[%u]", p, i);
        if (!cJSON_IsArray(row))
            return sm_json_fail(&L->j, SM_EPARSE, q, row,
                                "must be a list [src, dst, weight, delay]");
        for (const cJSON *e = row->child; e; e = e->next, n++) {
            char r[SM_JSON_PATH];
            sm_json_at(r, "%s[%zu]", q, n);
            if (n >= 4)
                return sm_json_fail(&L->j, SM_EPARSE, q, row,
                                    "must have 2 to 4 values (src, dst, weight, delay)");
            if (sm_json_num(&L->j, e, r, NULL, &v[n]) < 0)
                return -1;
        }
        char msg[300];
        size_t col;
        sm_err_t code = s_conn_check(c, v, n, msg, sizeof msg, &col);
        if (code != SM_OK) {
            if (col)
                sm_json_at(q, "%s[%u][%zu]", p, i, col - 1);
            return sm_json_fail(&L->j, code, q, NULL, "%s", msg);
        }
        if (s_list_add(c, (uint32_t)v[0], (uint32_t)v[1], n >= 3 ? (float)v[2] : c->w,
                       n >= 4 ? (uint32_t)v[3] : c->d) < 0)
            return s_nomem(L, q);
    }
    return 0;
}

static int s_matrix(s_ld_t *L, s_conn_t *c, const cJSON *conn, const char *path)
{
    const cJSON *rows = sm_json_get(conn, "weights", 0), *file = sm_json_get(conn, "file", 0);
    char p[SM_JSON_PATH], q[SM_JSON_PATH];
    if (!!rows == !!file)
        return sm_json_fail(&L->j, SM_EPARSE, path, NULL,
                            "give exactly one of \"weights\", \"file\"");
    c->pr->matrix = calloc((size_t)c->n_dst * c->n_src, sizeof *c->pr->matrix);
    if (!c->pr->matrix)
        return s_nomem(L, path);
    if (file) {
        sm_json_at(p, "%s.file", path);
        sm_csv_handler_t h = {NULL, s_matrix_row, c};
        if (s_csv(L, p, file, &h) < 0)
            return -1;
        if (c->rows != c->n_dst) {
            char *full = s_resolve(L->base_dir, file->valuestring);
            sm_json_fail(&L->j, SM_EPARSE, p, NULL,
                         "%s: has %u rows, expected %u (one per neuron of target \"%s\")",
                         full ? full : file->valuestring, c->rows, c->n_dst, c->dst_name);
            free(full);
            return -1;
        }
        return 0;
    }
    sm_json_at(p, "%s.weights", path);
    if (!cJSON_IsArray(rows) || (uint32_t)cJSON_GetArraySize(rows) != c->n_dst)
        return sm_json_fail(
            &L->j, SM_EPARSE, p, NULL,
            "must be a list of %u rows (one per neuron of target \"%s\"), each of %u weights",
            c->n_dst, c->dst_name, c->n_src);
    uint32_t t = 0;
    for (const cJSON *row = rows->child; row; row = row->next, t++) {
        sm_json_at(q, "%s[%u]", p, t);
        if (!cJSON_IsArray(row) || (uint32_t)cJSON_GetArraySize(row) != c->n_src)
            return sm_json_fail(&L->j, SM_EPARSE, q, NULL,
                                "must be a list of %u weights (one per neuron of source \"%s\")",
                                c->n_src, c->src_name);
        uint32_t s = 0;
        for (const cJSON *e = row->child; e; e = e->next, s++) {
            double w;
            char r[SM_JSON_PATH];
            sm_json_at(r, "%s[%u]", q, s);
            if (sm_json_float(&L->j, e, r, &w) < 0)
                return -1;
            c->pr->matrix[(size_t)t * c->n_src + s] = (float)w;
        }
    }
    return 0;
}

/* ------------------------------------------------- structured connectors */

/* conv2d and distance hold their connectivity in a few parameters (docs/
 * connectors.md). Each value is checked here, to name its path; the rules as
 * a whole are restated on the struct by sm_proj_check, which the network
 * message decoder shares. */

/* An integer in [lo, hi], or a list of two: both axes (rows, columns). */
static int s_u32_hw(s_ld_t *L, const cJSON *v, const char *path, uint32_t lo, uint32_t hi,
                    uint32_t out[2])
{
    double x;
    if (cJSON_IsNumber(v)) {
        if (sm_json_int(&L->j, v, path, lo, hi, &x) < 0)
            return -1;
        out[0] = out[1] = (uint32_t)x;
        return 0;
    }
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 2)
        return sm_json_fail(&L->j, SM_EPARSE, path, v, "must be an integer or a list of two [rows, columns]");
    char p[SM_JSON_PATH];
    int i = 0;
    for (const cJSON *e = v->child; e; e = e->next, i++) {
        if (sm_json_int(&L->j, e, sm_json_at(p, "%s[%d]", path, i), lo, hi, &x) < 0)
            return -1;
        out[i] = (uint32_t)x;
    }
    return 0;
}

/* A number within +-SM_CONN_MAX_COORD (>= lo), or a list of two: rows, columns. */
static int s_coord_hw(s_ld_t *L, const cJSON *v, const char *path, double lo, bool open_lo,
                      double out[2])
{
    char p[SM_JSON_PATH];
    const cJSON *e[2] = {v, v};
    const char *at[2] = {path, path};
    char q[2][SM_JSON_PATH];
    if (cJSON_IsArray(v)) {
        if (cJSON_GetArraySize(v) != 2)
            return sm_json_fail(&L->j, SM_EPARSE, path, v, "must be a number or a list of two [rows, columns]");
        e[0] = v->child;
        e[1] = v->child->next;
        at[0] = sm_json_at(q[0], "%s[0]", path);
        at[1] = sm_json_at(q[1], "%s[1]", path);
    } else if (!cJSON_IsNumber(v)) {
        return sm_json_fail(&L->j, SM_EPARSE, path, v, "must be a number or a list of two [rows, columns]");
    }
    for (int i = 0; i < 2; i++) {
        if (sm_json_num(&L->j, e[i], at[i], NULL, &out[i]) < 0)
            return -1;
        if (fabs(out[i]) > SM_CONN_MAX_COORD || out[i] < lo || (open_lo && out[i] == lo)) {
            snprintf(p, sizeof p, "must be %s %g and at most %g", open_lo ? ">" : ">=", lo,
                     SM_CONN_MAX_COORD);
            return sm_json_fail(&L->j, SM_ERANGE, at[i], e[i], "%s", p);
        }
    }
    return 0;
}

/* A list of n integers in [1, UINT32_MAX]. */
static int s_shape(s_ld_t *L, const cJSON *v, const char *path, int n, const char *form,
                   uint32_t *out)
{
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != n)
        return sm_json_fail(&L->j, SM_EPARSE, path, v, "must be a list of %d positive integers %s", n, form);
    char p[SM_JSON_PATH];
    int i = 0;
    for (const cJSON *e = v->child; e; e = e->next, i++)
        if (sm_json_u32(&L->j, e, sm_json_at(p, "%s[%d]", path, i), 1, UINT32_MAX, &out[i]) < 0)
            return -1;
    return 0;
}

/* kernel[out_c][in_c / groups][k_h][k_w]: the first list at each level sets
 * that size and every other must agree. One pass checks (so that nothing is
 * allocated for a shape the document does not hold), a second one fills. */
static int s_kernel_walk(s_ld_t *L, const cJSON *v, const char *path, const uint32_t dim[4],
                         float *out)
{
    static const char *const what[] = {"input channels (per group)", "kernel rows", "weights"};
    char p[SM_JSON_PATH];
    size_t at = 0;
    uint32_t i0 = 0, i1, i2, i3;
    for (const cJSON *l0 = v->child; l0; l0 = l0->next, i0++) {
        const cJSON *l1, *l2, *l3;
        sm_json_at(p, "%s[%u]", path, i0);
        if (!cJSON_IsArray(l0) || (uint32_t)cJSON_GetArraySize(l0) != dim[1])
            return sm_json_fail(&L->j, SM_EPARSE, p, NULL, "must be a list of %u %s (as %s[0])", dim[1],
                         what[0], path);
        for (l1 = l0->child, i1 = 0; l1; l1 = l1->next, i1++) {
            sm_json_at(p, "%s[%u][%u]", path, i0, i1);
            if (!cJSON_IsArray(l1) || (uint32_t)cJSON_GetArraySize(l1) != dim[2])
                return sm_json_fail(&L->j, SM_EPARSE, p, NULL, "must be a list of %u %s (as %s[0][0])",
                             dim[2], what[1], path);
            for (l2 = l1->child, i2 = 0; l2; l2 = l2->next, i2++) {
                sm_json_at(p, "%s[%u][%u][%u]", path, i0, i1, i2);
                if (!cJSON_IsArray(l2) || (uint32_t)cJSON_GetArraySize(l2) != dim[3])
                    return sm_json_fail(&L->j, SM_EPARSE, p, NULL,
                                 "must be a list of %u %s (as %s[0][0][0])", dim[3], what[2], path);
                for (l3 = l2->child, i3 = 0; l3; l3 = l3->next, i3++) {
                    double w;
                    sm_json_at(p, "%s[%u][%u][%u][%u]", path, i0, i1, i2, i3);
                    if (sm_json_float(&L->j, l3, p, &w) < 0)
                        return -1;
                    if (out)
                        out[at++] = (float)w;
                }
            }
        }
    }
    return 0;
}

static int s_kernel(s_ld_t *L, sm_conv2d_t *cv, const cJSON *v, const char *path,
                    uint32_t *in_g)
{
    uint32_t dim[4];
    const cJSON *e = v;
    for (int lvl = 0; lvl < 4; lvl++) {
        if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) < 1)
            return sm_json_fail(&L->j, SM_EPARSE, path, v,
                         "must be a non-empty 4-level list [out_channels][in_channels / groups]"
                         "[kernel_h][kernel_w] of weights");
        dim[lvl] = (uint32_t)cJSON_GetArraySize(e);
        e = e->child;
    }
    if (dim[2] > SM_CONN_MAX_STEP || dim[3] > SM_CONN_MAX_STEP)
        return sm_json_fail(&L->j, SM_ERANGE, path, NULL, "kernel %u x %u is larger than %u", dim[2], dim[3],
                     SM_CONN_MAX_STEP);
    if (s_kernel_walk(L, v, path, dim, NULL) < 0)
        return -1;
    cv->kernel = malloc((size_t)dim[0] * dim[1] * dim[2] * dim[3] * sizeof *cv->kernel);
    if (!cv->kernel)
        return s_nomem(L, path);
    s_kernel_walk(L, v, path, dim, cv->kernel);
    cv->out_c = dim[0];
    *in_g = dim[1];
    cv->k_h = dim[2];
    cv->k_w = dim[3];
    return 0;
}

/* padding: an integer, [rows, columns], "valid" (none) or "same" (the output
 * as large as the input; stride 1; an odd total puts the extra row or column
 * after, as PyTorch does). */
static int s_padding(s_ld_t *L, sm_conv2d_t *cv, const cJSON *v, const char *path)
{
    if (cJSON_IsString(v)) {
        if (!strcmp(v->valuestring, "valid"))
            return 0;
        if (strcmp(v->valuestring, "same"))
            return sm_json_fail(&L->j, SM_EINVAL, path, v,
                         "must be an integer, [rows, columns], \"valid\" or \"same\"");
        if (cv->stride_h != 1 || cv->stride_w != 1)
            return sm_json_fail(&L->j, SM_EINVAL, path, v,
                         "\"same\" needs stride 1 (as in PyTorch), not %u x %u",
                         cv->stride_h, cv->stride_w);
        uint64_t th = (uint64_t)cv->dil_h * (cv->k_h - 1), tw = (uint64_t)cv->dil_w * (cv->k_w - 1);
        if (th > SM_CONN_MAX_STEP || tw > SM_CONN_MAX_STEP)
            return sm_json_fail(&L->j, SM_ERANGE, path, v, "would pad more than %u rows or columns",
                         SM_CONN_MAX_STEP);
        cv->pad_top = (uint32_t)(th / 2);
        cv->pad_bottom = (uint32_t)(th - th / 2);
        cv->pad_left = (uint32_t)(tw / 2);
        cv->pad_right = (uint32_t)(tw - tw / 2);
        return 0;
    }
    uint32_t pad[2];
    if (s_u32_hw(L, v, path, 0, SM_CONN_MAX_STEP, pad) < 0)
        return -1;
    cv->pad_top = cv->pad_bottom = pad[0];
    cv->pad_left = cv->pad_right = pad[1];
    return 0;
}

/* Refuses what sm_proj_check refuses, and a projection whose synapse bound
 * is absurd, before anything is generated. */
static int s_conn_bounds(s_ld_t *L, const sm_proj_t *pr, const char *path)
{
    sm_error_clear(L->err);
    if (sm_proj_check(L->net, pr, L->err) < 0) {
        sm_error_prefix(L->err, "%s: %s: ", L->name, path);
        return -1;
    }
    double n = sm_proj_max_synapses(L->net, pr);
    if (n > SM_MAX_PROJ_SYNAPSES)
        return sm_json_fail(&L->j, SM_ETOOBIG, path, NULL,
                     "could make up to %.4g synapses, more than the %.0f a projection may hold",
                     n, SM_MAX_PROJ_SYNAPSES);
    return 0;
}

static int s_conv2d(s_ld_t *L, s_conn_t *c, const cJSON *conn, const char *path)
{
    sm_conv2d_t *cv = &c->pr->conv;
    char p[SM_JSON_PATH];
    const cJSON *v;
    uint32_t in[3], pair[2], in_g = 0;

    sm_json_at(p, "%s.input_shape", path);
    if (!(v = sm_json_req(&L->j, conn, path, "input_shape")) ||
        s_shape(L, v, p, 3, "[channels, height, width]", in) < 0)
        return -1;
    if ((uint64_t)in[0] * in[1] * in[2] != c->n_src)
        return sm_json_fail(&L->j, SM_EINVAL, p, v, "holds %llu neurons, but source \"%s\" has %u",
                     (unsigned long long)in[0] * in[1] * in[2], c->src_name, c->n_src);
    cv->in_c = in[0];
    cv->in_h = in[1];
    cv->in_w = in[2];

    const char *const steps[] = {"stride", "dilation"};
    uint32_t *const dst[][2] = {{&cv->stride_h, &cv->stride_w}, {&cv->dil_h, &cv->dil_w}};
    for (int i = 0; i < 2; i++) {
        pair[0] = pair[1] = 1;
        sm_json_at(p, "%s.%s", path, steps[i]);
        if ((v = sm_json_get(conn, steps[i], 0)) && s_u32_hw(L, v, p, 1, SM_CONN_MAX_STEP, pair) < 0)
            return -1;
        *dst[i][0] = pair[0];
        *dst[i][1] = pair[1];
    }
    cv->groups = 1;
    sm_json_at(p, "%s.groups", path);
    if ((v = sm_json_get(conn, "groups", 0)) && sm_json_u32(&L->j, v, p, 1, UINT32_MAX, &cv->groups) < 0)
        return -1;
    if (cv->in_c % cv->groups)
        return sm_json_fail(&L->j, SM_EINVAL, p, v, "must divide the %u input channels", cv->in_c);

    sm_json_at(p, "%s.kernel", path);
    if (!(v = sm_json_req(&L->j, conn, path, "kernel")) || s_kernel(L, cv, v, p, &in_g) < 0)
        return -1;
    if (in_g != cv->in_c / cv->groups)
        return sm_json_fail(&L->j, SM_EINVAL, p, NULL,
                     "has %u input channels per output channel, but input_shape has %u "
                     "channels in %u group%s (%u per group)",
                     in_g, cv->in_c, cv->groups, cv->groups == 1 ? "" : "s",
                     cv->in_c / cv->groups);
    if (cv->out_c % cv->groups)
        return sm_json_fail(&L->j, SM_EINVAL, p, NULL,
                     "has %u output channels, which the %u groups do not divide", cv->out_c,
                     cv->groups);

    sm_json_at(p, "%s.padding", path);
    if ((v = sm_json_get(conn, "padding", 0)) && s_padding(L, cv, v, p) < 0)
        return -1;

    uint64_t oh = sm_conv_out_size(cv->in_h, cv->pad_top, cv->pad_bottom, cv->dil_h, cv->k_h,
                                   cv->stride_h);
    uint64_t ow = sm_conv_out_size(cv->in_w, cv->pad_left, cv->pad_right, cv->dil_w, cv->k_w,
                                   cv->stride_w);
    if (!oh || !ow)
        return sm_json_fail(&L->j, SM_EINVAL, path, NULL,
                     "the kernel (%u x %u, dilation %u x %u) does not fit the input (%u x %u "
                     "with padding %u + %u rows, %u + %u columns)",
                     cv->k_h, cv->k_w, cv->dil_h, cv->dil_w, cv->in_h, cv->in_w, cv->pad_top,
                     cv->pad_bottom, cv->pad_left, cv->pad_right);
    cv->out_h = (uint32_t)oh;
    cv->out_w = (uint32_t)ow;
    sm_json_at(p, "%s.output_shape", path);
    if ((v = sm_json_get(conn, "output_shape", 0))) {
        uint32_t out[3];
        if (s_shape(L, v, p, 3, "[channels, height, width]", out) < 0)
            return -1;
        if (out[0] != cv->out_c || out[1] != oh || out[2] != ow)
            return sm_json_fail(&L->j, SM_EINVAL, p, v,
                         "the convolution gives (%u, %llu, %llu): channels from the kernel, "
                         "rows and columns floor((in + padding - dilation * (kernel - 1) - 1) "
                         "/ stride) + 1",
                         cv->out_c, (unsigned long long)oh, (unsigned long long)ow);
    }
    uint64_t n_out = (uint64_t)cv->out_c * oh * ow;
    if (n_out != c->n_dst)
        return sm_json_fail(&L->j, SM_EINVAL, v ? p : path, NULL,
                     "the output (%u, %llu, %llu) holds %llu neurons, but target \"%s\" has %u",
                     cv->out_c, (unsigned long long)oh, (unsigned long long)ow,
                     (unsigned long long)n_out, c->dst_name, c->n_dst);
    return s_conn_bounds(L, c->pr, path);
}

/* {"shape": [rows, cols], "offset": [row, col], "spacing": s or [rows, cols]} */
static int s_grid(s_ld_t *L, const cJSON *v, const char *path, uint32_t size, const char *pop,
                  sm_grid2d_t *g)
{
    static const char *const keys[] = {"shape", "offset", "spacing", NULL};
    char p[SM_JSON_PATH];
    const cJSON *e;
    uint32_t shape[2];
    double x[2];
    if (sm_json_keys(&L->j, v, path, keys, NULL, NULL) < 0)
        return -1;
    sm_json_at(p, "%s.shape", path);
    if (!(e = sm_json_req(&L->j, v, path, "shape")) || s_shape(L, e, p, 2, "[rows, columns]", shape) < 0)
        return -1;
    if ((uint64_t)shape[0] * shape[1] != size)
        return sm_json_fail(&L->j, SM_EINVAL, p, e, "holds %llu neurons, but \"%s\" has %u",
                     (unsigned long long)shape[0] * shape[1], pop, size);
    g->rows = shape[0];
    g->cols = shape[1];
    g->row0 = g->col0 = 0;
    g->row_step = g->col_step = 1;
    sm_json_at(p, "%s.offset", path);
    if ((e = sm_json_get(v, "offset", 0))) {
        if (!cJSON_IsArray(e))
            return sm_json_fail(&L->j, SM_EPARSE, p, e, "must be a list of two numbers [row, column]");
        if (s_coord_hw(L, e, p, -SM_CONN_MAX_COORD, false, x) < 0)
            return -1;
        g->row0 = x[0];
        g->col0 = x[1];
    }
    sm_json_at(p, "%s.spacing", path);
    if ((e = sm_json_get(v, "spacing", 0))) {
        if (s_coord_hw(L, e, p, 0, true, x) < 0)
            return -1;
        g->row_step = x[0];
        g->col_step = x[1];
    }
    return 0;
}

/* {"circular": {"radius": r}} or {"rectangular": {"rows": [lo, hi], "cols":
 * [lo, hi]}}: offsets target - source. */
static int s_mask(s_ld_t *L, const cJSON *v, const char *path, sm_distance_t *d)
{
    static const char *const keys[] = {"circular", "rectangular", NULL};
    static const char *const ckeys[] = {"radius", NULL};
    static const char *const rkeys[] = {"rows", "cols", NULL};
    char p[SM_JSON_PATH], q[SM_JSON_PATH];
    const cJSON *e;
    if (sm_json_keys(&L->j, v, path, keys, NULL, NULL) < 0)
        return -1;
    if (!v->child || v->child->next)
        return sm_json_fail(&L->j, SM_EPARSE, path, v, "must hold exactly one of \"circular\", \"rectangular\"");
    sm_json_at(p, "%s.%s", path, v->child->string);
    if (!strcmp(v->child->string, "circular")) {
        d->mask = SM_MASK_CIRCLE;
        if (sm_json_keys(&L->j, v->child, p, ckeys, NULL, NULL) < 0)
            return -1;
        sm_json_at(q, "%s.radius", p);
        if (!(e = sm_json_req(&L->j, v->child, p, "radius")) || sm_json_num(&L->j, e, q, NULL, &d->radius) < 0)
            return -1;
        if (d->radius < 0 || d->radius > SM_CONN_MAX_COORD)
            return sm_json_fail(&L->j, SM_ERANGE, q, e, "must be in [0, %g]", SM_CONN_MAX_COORD);
        return 0;
    }
    d->mask = SM_MASK_RECT;
    if (sm_json_keys(&L->j, v->child, p, rkeys, NULL, NULL) < 0)
        return -1;
    double *lohi[2][2] = {{&d->row_lo, &d->row_hi}, {&d->col_lo, &d->col_hi}};
    for (int i = 0; i < 2; i++) {
        sm_json_at(q, "%s.%s", p, rkeys[i]);
        if (!(e = sm_json_req(&L->j, v->child, p, rkeys[i])) || s_fpair(L, e, q, lohi[i][0], lohi[i][1]) < 0)
            return -1;
        if (fabs(*lohi[i][0]) > SM_CONN_MAX_COORD || fabs(*lohi[i][1]) > SM_CONN_MAX_COORD)
            return sm_json_fail(&L->j, SM_ERANGE, q, e, "must be within [-%g, %g]", SM_CONN_MAX_COORD, SM_CONN_MAX_COORD);
        if (*lohi[i][0] > *lohi[i][1])
            return sm_json_fail(&L->j, SM_ERANGE, q, e, "lo must be <= hi");
    }
    return 0;
}

static int s_distance(s_ld_t *L, s_conn_t *c, const cJSON *conn, const char *path)
{
    sm_proj_t *pr = c->pr;
    sm_distance_t *d = &pr->dist;
    char p[SM_JSON_PATH];
    const cJSON *v, *src;
    sm_json_at(p, "%s.source_grid", path);
    if (!(src = sm_json_req(&L->j, conn, path, "source_grid")) ||
        s_grid(L, src, p, c->n_src, c->src_name, &d->src) < 0)
        return -1;
    /* Without target_grid the target lies on the source's grid. */
    v = sm_json_get(conn, "target_grid", 0);
    sm_json_at(p, "%s.%s", path, v ? "target_grid" : "source_grid");
    if (s_grid(L, v ? v : src, p, c->n_dst, c->dst_name, &d->dst) < 0)
        return -1;
    sm_json_at(p, "%s.mask", path);
    if (!(v = sm_json_req(&L->j, conn, path, "mask")) || s_mask(L, v, p, d) < 0)
        return -1;
    sm_json_at(p, "%s.periodic", path);
    if ((v = sm_json_get(conn, "periodic", 0))) {
        if (cJSON_IsBool(v)) {
            /* true: the torus that the target grid fills from the origin. */
            d->periodic = cJSON_IsTrue(v);
            d->extent_rows = d->dst.row0 + d->dst.rows * d->dst.row_step;
            d->extent_cols = d->dst.col0 + d->dst.cols * d->dst.col_step;
        } else {
            double x[2];
            if (!cJSON_IsArray(v))
                return sm_json_fail(&L->j, SM_EPARSE, p, v,
                             "must be true, false, or the extent [rows, columns]");
            if (s_coord_hw(L, v, p, 0, true, x) < 0)
                return -1;
            d->periodic = true;
            d->extent_rows = x[0];
            d->extent_cols = x[1];
        }
    }
    pr->p = 1;
    sm_json_at(p, "%s.p", path);
    if ((v = sm_json_get(conn, "p", 0))) {
        if (sm_json_num(&L->j, v, p, NULL, &pr->p) < 0)
            return -1;
        if (pr->p < 0 || pr->p > 1)
            return sm_json_fail(&L->j, SM_ERANGE, p, v, "must be in [0, 1]");
    }
    sm_json_at(p, "%s.sigma", path);
    if ((v = sm_json_get(conn, "sigma", 0))) {
        if (sm_json_num(&L->j, v, p, NULL, &d->sigma) < 0)
            return -1;
        if (d->sigma < 0 || d->sigma > SM_CONN_MAX_COORD)
            return sm_json_fail(&L->j, SM_ERANGE, p, v, "must be in [0, %g]", SM_CONN_MAX_COORD);
    }
    return s_conn_bounds(L, pr, path);
}

static int s_connectivity(s_ld_t *L, s_conn_t *c, const cJSON *conn, const char *path)
{
    static const char *const kinds[] = {"all_to_all", "one_to_one", "fixed_probability",
                                        "fixed_fan_in", "list", "matrix", "conv2d",
                                        "distance", NULL};
    static const char *const k_all[] = {"kind", "allow_self", NULL};
    static const char *const k_one[] = {"kind", NULL};
    static const char *const k_prob[] = {"kind", "p", "allow_self", NULL};
    static const char *const k_fan[] = {"kind", "k", "allow_self", NULL};
    static const char *const k_list[] = {"kind", "connections", "file", NULL};
    static const char *const k_mat[] = {"kind", "weights", "file", NULL};
    static const char *const k_conv[] = {"kind", "input_shape", "output_shape", "kernel",
                                         "stride", "padding", "dilation", "groups", NULL};
    static const char *const k_dist[] = {"kind", "source_grid", "target_grid", "mask",
                                         "periodic", "p", "sigma", "allow_self", NULL};
    static const char *const *const keys[] = {k_all, k_one, k_prob, k_fan, k_list, k_mat,
                                              k_conv, k_dist};
    static const sm_json_range_t probability = {0, 1, false, false};
    sm_proj_t *pr = c->pr;
    char p[SM_JSON_PATH];
    const cJSON *v;
    int ki;
    if (sm_json_object(&L->j, conn, path) < 0 ||
        sm_json_get_enum(&L->j, conn, path, "kind", SM_JSON_REQUIRED, kinds, &ki) < 0)
        return -1;
    static const sm_conn_kind_t map[] = {SM_CONN_ALL_TO_ALL, SM_CONN_ONE_TO_ONE,
                                         SM_CONN_FIXED_PROB, SM_CONN_FIXED_FAN_IN,
                                         SM_CONN_LIST, SM_CONN_MATRIX, SM_CONN_CONV2D,
                                         SM_CONN_DISTANCE};
    pr->conn = map[ki];
    if (sm_json_keys(&L->j, conn, path, keys[ki], NULL, NULL) < 0)
        return -1;
    if (sm_json_get_bool(&L->j, conn, path, "allow_self", SM_JSON_OPTIONAL, &pr->allow_self) < 0)
        return -1;
    const bool self = pr->src_pop == pr->dst_pop && !pr->allow_self;
    switch (pr->conn) {
    case SM_CONN_ONE_TO_ONE:
        if (c->n_src != c->n_dst)
            return sm_json_fail(&L->j, SM_EINVAL, path, NULL,
                                "one_to_one needs populations of equal size: source \"%s\" has %u, "
                                "target \"%s\" has %u",
                                c->src_name, c->n_src, c->dst_name, c->n_dst);
        return 0;
    case SM_CONN_FIXED_PROB:
        return sm_json_get_num(&L->j, conn, path, "p", SM_JSON_REQUIRED, &probability, &pr->p) < 0
                   ? -1
                   : 0;
    case SM_CONN_FIXED_FAN_IN: {
        uint32_t avail = self ? c->n_src - 1 : c->n_src;
        sm_json_at(p, "%s.k", path);
        if (!(v = sm_json_req(&L->j, conn, path, "k")) ||
            sm_json_u32(&L->j, v, p, 0, UINT32_MAX, &pr->k) < 0)
            return -1;
        if (pr->k > avail)
            return sm_json_fail(
                &L->j, SM_ERANGE, p, v,
                "must be at most %u, the number of distinct sources \"%s\" offers each target%s",
                avail, c->src_name, self ? " (self-connections excluded)" : "");
        return 0;
    }
    case SM_CONN_LIST:
        return s_list(L, c, conn, path);
    case SM_CONN_MATRIX:
        return s_matrix(L, c, conn, path);
    case SM_CONN_CONV2D:
        return s_conv2d(L, c, conn, path);
    case SM_CONN_DISTANCE:
        return s_distance(L, c, conn, path);
    case SM_CONN_ALL_TO_ALL:
    default:
        return 0;
    }
}

/* ------------------------------------------------- fixed-point projections */

static const char *const s_fixed_keys[] = {"weight_exp", "num_weight_bits", "sign_mode",
                                           "num_message_bits", NULL};

/* A projection into a loihi_lif population is one Lava Dense: its format
 * (docs/arithmetic.md), each value in the range core/loihi.h accepts. */
static int s_fixed_format(s_ld_t *L, const cJSON *jp, const char *path, sm_proj_t *pr,
                          const sm_pop_t *tp)
{
    char p[SM_JSON_PATH];
    if (!sm_pop_is_loihi(tp)) {
        for (const char *const *k = s_fixed_keys; *k; k++)
            if (sm_json_get(jp, *k, 0))
                return sm_json_fail(&L->j, SM_EINVAL, sm_json_at(p, "%s.%s", path, *k), NULL,
                                    "only for projections into loihi_lif populations (a Lava "
                                    "Dense); \"%s\" runs %s",
                                    tp->name, sm_model_kind_name(tp->models[0].kind));
        return 0;
    }
    if (sm_json_get(jp, "port", 0))
        return sm_json_fail(&L->j, SM_EINVAL, sm_json_at(p, "%s.port", path), NULL,
                            "a loihi_lif population has one input (a Lava LIF's a_in): the sign "
                            "is in the weights");
    static const char *const signs[] = {"MIXED", "EXCITATORY", "INHIBITORY", NULL};
    static const sm_loihi_sign_t sm[] = {SM_LOIHI_SIGN_MIXED, SM_LOIHI_SIGN_EXCITATORY,
                                         SM_LOIHI_SIGN_INHIBITORY};
    const cJSON *v;
    double x;
    int si;
    if ((v = sm_json_get(jp, "weight_exp", 0))) {
        if (sm_json_int(&L->j, v, sm_json_at(p, "%s.weight_exp", path), SM_LOIHI_WEIGHT_EXP_MIN,
                        SM_LOIHI_WEIGHT_EXP_MAX, &x) < 0)
            return -1;
        pr->weight_exp = (int32_t)x;
    }
    if (sm_json_get_u32(&L->j, jp, path, "num_weight_bits", SM_JSON_OPTIONAL,
                        SM_LOIHI_WEIGHT_BITS_MIN, SM_LOIHI_WEIGHT_BITS_MAX,
                        &pr->num_weight_bits) < 0 ||
        sm_json_get_u32(&L->j, jp, path, "num_message_bits", SM_JSON_OPTIONAL, 0,
                        SM_LOIHI_MESSAGE_BITS_MAX, &pr->num_message_bits) < 0)
        return -1;
    int rc = sm_json_get_enum(&L->j, jp, path, "sign_mode", SM_JSON_OPTIONAL, signs, &si);
    if (rc < 0)
        return -1;
    if (rc > 0)
        pr->sign_mode = sm[si];
    return 0;
}

/* An integer weight of a Dense: what Lava takes (it clips to 8 bits itself). */
static int s_fixed_w(s_ld_t *L, double w, const char *path)
{
    if (w != floor(w))
        return sm_json_fail(&L->j, SM_EINVAL, path, NULL,
                            "a projection into a loihi_lif population (a fixed-point Dense) "
                            "takes integer weights, got %.9g", w);
    if (fabs(w) > 16777216.0)
        return sm_json_fail(&L->j, SM_ERANGE, path, NULL,
                            "must be within +-2^24 (Lava clips to 8 bits anyway), got %.9g", w);
    return 0;
}

/* Every weight of a fixed-point projection, named by its path. */
static int s_fixed_weights(s_ld_t *L, const sm_proj_t *pr, const char *path, const cJSON *jc)
{
    char p[SM_JSON_PATH];
    const bool inline_rows = jc && !sm_json_get(jc, "file", 0);
    switch (pr->conn) {
    case SM_CONN_MATRIX: {
        const uint32_t ns = L->net->pops[pr->src_pop].size, nd = L->net->pops[pr->dst_pop].size;
        for (uint32_t t = 0; t < nd; t++)
            for (uint32_t i = 0; i < ns; i++) {
                if (inline_rows)
                    sm_json_at(p, "%s.connectivity.weights[%u][%u]", path, t, i);
                else
                    sm_json_at(p, "%s.connectivity.file: row %u, column %u", path, t + 1, i + 1);
                if (s_fixed_w(L, pr->matrix[(size_t)t * ns + i], p) < 0)
                    return -1;
            }
        return 0;
    }
    case SM_CONN_LIST:
        for (uint32_t k = 0; k < pr->n_list; k++) {
            if (inline_rows)
                sm_json_at(p, "%s.connectivity.connections[%u]", path, k);
            else
                sm_json_at(p, "%s.connectivity.file: connection %u", path, k + 1);
            if (s_fixed_w(L, pr->l_weight[k], p) < 0)
                return -1;
        }
        return 0;
    case SM_CONN_CONV2D: {
        const sm_conv2d_t *c = &pr->conv;
        size_t n = (size_t)c->out_c * (c->in_c / c->groups) * c->k_h * c->k_w;
        for (size_t k = 0; k < n; k++) {
            size_t kw = k % c->k_w, kh = k / c->k_w % c->k_h;
            size_t ic = k / c->k_w / c->k_h % (c->in_c / c->groups);
            size_t oc = k / c->k_w / c->k_h / (c->in_c / c->groups);
            sm_json_at(p, "%s.connectivity.kernel[%zu][%zu][%zu][%zu]", path, oc, ic, kh, kw);
            if (s_fixed_w(L, c->kernel[k], p) < 0)
                return -1;
        }
        return 0;
    }
    default:
        sm_json_at(p, "%s.weight", path);
        if (pr->weight.kind != SM_DIST_CONST)
            return sm_json_fail(&L->j, SM_EINVAL, p, NULL,
                                "a projection into a loihi_lif population (a fixed-point Dense) "
                                "takes integer weights: a constant, a list, a matrix or a kernel");
        return s_fixed_w(L, pr->weight.a, p);
    }
}

static int s_projection(s_ld_t *L, const cJSON *jp, uint32_t j)
{
    static const char *const keys[] = {"source", "target", "port", "connectivity",
                                       "weight", "delay", "seed", "weight_exp",
                                       "num_weight_bits", "sign_mode", "num_message_bits", NULL};
    char path[SM_JSON_PATH], p[SM_JSON_PATH];
    const cJSON *v;
    sm_proj_t pr;
    memset(&pr, 0, sizeof pr);
    sm_json_at(path, "projections[%u]", j);
    if (sm_json_keys(&L->j, jp, path, keys, NULL, NULL) < 0)
        return -1;

    sm_json_at(p, "%s.source", path);
    if (!(v = sm_json_req(&L->j, jp, path, "source")) || s_pop_ref(L, v, p, &pr.src_pop) < 0)
        return -1;
    sm_json_at(p, "%s.target", path);
    if (!(v = sm_json_req(&L->j, jp, path, "target")) || s_pop_ref(L, v, p, &pr.dst_pop) < 0)
        return -1;
    const sm_pop_t *sp = &L->net->pops[pr.src_pop], *tp = &L->net->pops[pr.dst_pop];
    if (tp->kind != SM_POP_NEURONS)
        return sm_json_fail(&L->j, SM_EINVAL, p, NULL,
                            "\"%s\" is a spike source and cannot receive synapses", tp->name);

    if (s_fixed_format(L, jp, path, &pr, tp) < 0)
        return -1;

    static const char *const ports[] = {"exc", "inh", NULL};
    int port = 0;
    if (sm_json_get_enum(&L->j, jp, path, "port", SM_JSON_OPTIONAL, ports, &port) < 0)
        return -1;
    pr.port = port ? SM_PORT_INH : SM_PORT_EXC;

    pr.seed = L->net->seed;
    sm_json_at(p, "%s.seed", path);
    if ((v = sm_json_get(jp, "seed", 0)) && sm_json_u64(&L->j, v, p, 0, UINT64_MAX, &pr.seed) < 0)
        return -1;

    /* Weight and delay first: list rows without them take these. */
    const cJSON *jc = sm_json_get(jp, "connectivity", 0);
    const char *ckind = cJSON_IsObject(jc) && cJSON_IsString(sm_json_get(jc, "kind", 0))
                            ? sm_json_get(jc, "kind", 0)->valuestring
                            : "";
    const bool is_list = !strcmp(ckind, "list"), is_matrix = !strcmp(ckind, "matrix");
    const bool is_conv = !strcmp(ckind, "conv2d");
    s_conn_t c = {.pr = &pr, .n_src = sp->size, .n_dst = tp->size,
                  .src_name = sp->name, .dst_name = tp->name, .d = 1};
    const cJSON *jw = sm_json_get(jp, "weight", 0), *jd = sm_json_get(jp, "delay", 0);
    sm_json_at(p, "%s.weight", path);
    if (is_matrix && jw)
        return sm_json_fail(&L->j, SM_EPARSE, p, NULL,
                            "a matrix projection takes its weights from the matrix");
    if (is_conv && jw)
        return sm_json_fail(&L->j, SM_EPARSE, p, NULL,
                            "a conv2d projection takes its weights from the kernel");
    if (!jw && !is_matrix && !is_list && !is_conv)
        return sm_json_fail(&L->j, SM_EPARSE, p, NULL, "missing");
    if (jw && s_weight(L, jw, p, &pr.weight) < 0)
        return -1;
    if (is_list && jw && pr.weight.kind != SM_DIST_CONST)
        return sm_json_fail(&L->j, SM_EPARSE, p, jw,
                            "a list projection takes a constant default weight");
    c.have_w = jw != NULL;
    c.w = (float)pr.weight.a;

    sm_json_at(p, "%s.delay", path);
    pr.delay.kind = SM_DIST_CONST;
    pr.delay.a = 1;
    if (jd && s_delay(L, jd, p, &pr.delay) < 0)
        return -1;
    if ((is_list || is_matrix) && pr.delay.kind != SM_DIST_CONST)
        return sm_json_fail(&L->j, SM_EPARSE, p, jd, "a %s projection takes a constant delay",
                            is_list ? "list" : "matrix");
    c.d = (uint32_t)pr.delay.a;
    pr.matrix_delay = is_matrix ? c.d : 0;

    sm_json_at(p, "%s.connectivity", path);
    if (!jc) {
        sm_json_fail(&L->j, SM_EPARSE, p, NULL, "missing");
        goto fail;
    }
    if (s_connectivity(L, &c, jc, p) < 0)
        goto fail;
    if (sm_pop_is_loihi(tp) && s_fixed_weights(L, &pr, path, jc) < 0)
        goto fail;
    if (sm_net_add_proj(L->net, &pr) < 0) {
        s_nomem(L, path);
        goto fail;
    }
    return 0;
fail:
    free(pr.l_src);
    free(pr.l_dst);
    free(pr.l_weight);
    free(pr.l_delay);
    free(pr.matrix);
    free(pr.conv.kernel);
    return -1;
}

/* ------------------------------------------------------ currents, record */

static int s_currents(s_ld_t *L, const cJSON *arr)
{
    static const char *const keys[] = {"target", "amplitude", NULL};
    sm_net_t *net = L->net;
    if (!cJSON_IsArray(arr))
        return sm_json_fail(&L->j, SM_EPARSE, "currents", arr, "must be a list");
    int n = cJSON_GetArraySize(arr);
    if (n == 0)
        return 0;
    net->currents = calloc((size_t)n, sizeof *net->currents);
    if (!net->currents)
        return s_nomem(L, "currents");
    uint32_t i = 0;
    for (const cJSON *jc = arr->child; jc; jc = jc->next, i++) {
        char path[SM_JSON_PATH], p[SM_JSON_PATH];
        const cJSON *v;
        sm_current_t *cur = &net->currents[i];
        sm_json_at(path, "currents[%u]", i);
        if (sm_json_keys(&L->j, jc, path, keys, NULL, NULL) < 0)
            return -1;
        sm_json_at(p, "%s.target", path);
        if (!(v = sm_json_req(&L->j, jc, path, "target")) || s_pop_ref(L, v, p, &cur->pop) < 0)
            return -1;
        if (net->pops[cur->pop].kind != SM_POP_NEURONS)
            return sm_json_fail(&L->j, SM_EINVAL, p, NULL,
                                "\"%s\" is a spike source and has no membrane to inject into",
                                net->pops[cur->pop].name);
        sm_json_at(p, "%s.amplitude", path);
        if (!(v = sm_json_req(&L->j, jc, path, "amplitude")) ||
            sm_json_float(&L->j, v, p, &cur->amplitude) < 0)
            return -1;
        net->n_currents = i + 1;
    }
    return 0;
}

/* One entry of record.traces: {"population": P} (every neuron of P),
 * with "index": i or [i, ...], or with "range": [first, end). Counts its
 * neurons in *n and, when out is given, writes them there. */
static int s_trace_entry(s_ld_t *L, const cJSON *e, const char *path, uint32_t *pi,
                         sm_probe_t *out, uint32_t *n)
{
    static const char *const tkeys[] = {"population", "index", "range", NULL};
    sm_net_t *net = L->net;
    char p[SM_JSON_PATH];
    const cJSON *v;
    if (sm_json_keys(&L->j, e, path, tkeys, NULL, NULL) < 0)
        return -1;
    sm_json_at(p, "%s.population", path);
    if (!(v = sm_json_req(&L->j, e, path, "population")) || s_pop_ref(L, v, p, pi) < 0)
        return -1;
    const sm_pop_t *pop = &net->pops[*pi];
    if (pop->kind != SM_POP_NEURONS)
        return sm_json_fail(&L->j, SM_EINVAL, p, NULL,
                            "\"%s\" is a spike source and has no state to trace", pop->name);
    const cJSON *idx = sm_json_get(e, "index", 0), *rg = sm_json_get(e, "range", 0);
    if (idx && rg)
        return sm_json_fail(&L->j, SM_EINVAL, path, NULL, "give \"index\" or \"range\", not both");
    uint32_t first = 0, end = pop->size;
    if (rg) {
        sm_json_at(p, "%s.range", path);
        if (!cJSON_IsArray(rg) || cJSON_GetArraySize(rg) != 2)
            return sm_json_fail(&L->j, SM_EPARSE, p, rg, "must be [first, end)");
        char q[SM_JSON_PATH];
        sm_json_at(q, "%s[0]", p);
        if (sm_json_u32(&L->j, rg->child, q, 0, pop->size - 1, &first) < 0)
            return -1;
        sm_json_at(q, "%s[1]", p);
        if (sm_json_u32(&L->j, rg->child->next, q, first + 1, pop->size, &end) < 0)
            return -1;
    }
    if (!idx) {
        *n = end - first;
        for (uint32_t k = 0; out && k < *n; k++)
            out[k] = (sm_probe_t){.pop = *pi, .index = first + k};
        return 0;
    }
    sm_json_at(p, "%s.index", path);
    const int list = cJSON_IsArray(idx);
    if (list && !idx->child)
        return sm_json_fail(&L->j, SM_EPARSE, p, idx, "must list at least one neuron");
    *n = 0;
    for (const cJSON *x = list ? idx->child : idx; x; x = list ? x->next : NULL) {
        char q[SM_JSON_PATH];
        uint32_t k;
        if (list)
            sm_json_at(q, "%s[%u]", p, *n);
        else
            snprintf(q, sizeof q, "%s", p);
        if (sm_json_u32(&L->j, x, q, 0, UINT32_MAX, &k) < 0)
            return -1;
        if (k >= pop->size)
            return sm_json_fail(&L->j, SM_ERANGE, q, x, "must be a neuron index in [0, %u) of \"%s\"",
                                pop->size, pop->name);
        if (out)
            out[*n] = (sm_probe_t){.pop = *pi, .index = k};
        (*n)++;
    }
    return 0;
}

static int s_record(s_ld_t *L, const cJSON *rec, const cJSON *pops)
{
    static const char *const keys[] = {"spikes", "traces", "every", NULL};
    sm_net_t *net = L->net;
    if (sm_json_keys(&L->j, rec, "record", keys, NULL, NULL) < 0)
        return -1;
    const cJSON *sp = sm_json_get(rec, "spikes", 0);
    if (sp) {
        bool all = false;
        if (cJSON_IsBool(sp)) {
            all = cJSON_IsTrue(sp);
        } else if (!cJSON_IsArray(sp)) {
            return sm_json_fail(&L->j, SM_EPARSE, "record.spikes", sp,
                                "must be a list of population names, or true/false");
        }
        bool *listed = calloc(net->n_pops, sizeof *listed);
        if (!listed)
            return s_nomem(L, "record.spikes");
        uint32_t i = 0;
        for (const cJSON *e = cJSON_IsArray(sp) ? sp->child : NULL; e; e = e->next, i++) {
            char p[SM_JSON_PATH];
            uint32_t pi;
            sm_json_at(p, "record.spikes[%u]", i);
            if (s_pop_ref(L, e, p, &pi) < 0) {
                free(listed);
                return -1;
            }
            listed[pi] = true;
        }
        /* A population's own "record" has the last word. */
        i = 0;
        for (const cJSON *jp = pops->child; jp; jp = jp->next, i++) {
            const cJSON *own = sm_json_get(jp, "record", 0);
            if (!own || !sm_json_get(own, "spikes", 0))
                net->pops[i].record_spikes = all || listed[i];
        }
        free(listed);
    }
    const cJSON *ev = sm_json_get(rec, "every", 0);
    net->trace_every = 1;
    if (ev && sm_json_u32(&L->j, ev, "record.every", 1, UINT32_MAX, &net->trace_every) < 0)
        return -1;
    const cJSON *tr = sm_json_get(rec, "traces", 0);
    if (!tr)
        return 0;
    if (!cJSON_IsArray(tr))
        return sm_json_fail(&L->j, SM_EPARSE, "record.traces", tr,
                            "must be a list of {\"population\": name} with \"index\" (a neuron "
                            "or a list of them) or \"range\" [first, end), or neither (all)");
    /* First the count, so that nothing is allocated for a list too long. */
    uint64_t total = 0;
    uint32_t i = 0;
    for (const cJSON *e = tr->child; e; e = e->next, i++) {
        char path[SM_JSON_PATH];
        uint32_t pi, n;
        sm_json_at(path, "record.traces[%u]", i);
        if (s_trace_entry(L, e, path, &pi, NULL, &n) < 0)
            return -1;
        total += n;
    }
    if (total == 0)
        return 0;
    if (total > net->n_neurons)
        return sm_json_fail(&L->j, SM_ETOOBIG, "record.traces", NULL,
                            "%llu traced neurons, more than the network's %u: a neuron is listed "
                            "more than once", (unsigned long long)total, net->n_neurons);
    net->probes = calloc((size_t)total, sizeof *net->probes);
    if (!net->probes)
        return s_nomem(L, "record.traces");
    i = 0;
    for (const cJSON *e = tr->child; e; e = e->next, i++) {
        char path[SM_JSON_PATH];
        uint32_t pi, n;
        sm_json_at(path, "record.traces[%u]", i);
        if (s_trace_entry(L, e, path, &pi, &net->probes[net->n_probes], &n) < 0)
            return -1;
        net->n_probes += n;
    }
    return 0;
}

/* ------------------------------------------------------------------ entry */

static int s_load(s_ld_t *L, const cJSON *doc)
{
    static const char *const keys[] = {"simulation", "populations", "projections",
                                       "currents", "record", "description", NULL};
    const cJSON *v;
    if (sm_json_keys(&L->j, doc, "", keys, NULL, NULL) < 0)
        return -1;
    if (s_simulation(L, sm_json_get(doc, "simulation", 0)) < 0)
        return -1;

    const cJSON *pops = sm_json_get(doc, "populations", 0);
    if (!pops)
        return sm_json_fail(&L->j, SM_EPARSE, "populations", NULL, "missing");
    if (!cJSON_IsArray(pops) || !pops->child)
        return sm_json_fail(&L->j, SM_EPARSE, "populations", pops, "must be a non-empty list");
    uint32_t i = 0;
    for (const cJSON *jp = pops->child; jp; jp = jp->next, i++)
        if (s_population(L, jp, i) < 0)
            return -1;

    if ((v = sm_json_get(doc, "projections", 0))) {
        if (!cJSON_IsArray(v))
            return sm_json_fail(&L->j, SM_EPARSE, "projections", v, "must be a list");
        i = 0;
        for (const cJSON *jp = v->child; jp; jp = jp->next, i++)
            if (s_projection(L, jp, i) < 0)
                return -1;
    }
    if ((v = sm_json_get(doc, "currents", 0)) && s_currents(L, v) < 0)
        return -1;
    if ((v = sm_json_get(doc, "record", 0)) && s_record(L, v, pops) < 0)
        return -1;
    if (sm_net_finish(L->net, L->err) < 0)
        return -1;
    if (sm_net_check(L->net, L->err) < 0) {
        sm_error_prefix(L->err, "%s: ", L->name);
        return -1;
    }
    return 0;
}

sm_net_t *sm_net_from_json(const struct cJSON *doc, const char *name,
                           const char *base_dir, sm_error_t *err)
{
    if (!name)
        name = "network";
    sm_net_t *net = sm_net_new();
    if (!net) {
        sm_fail(err, SM_ENOMEM, "%s: out of memory", name);
        return NULL;
    }
    size_t ln = strlen(name);
    net->path = malloc(ln + 1);
    if (!net->path) {
        sm_net_destroy(&net);
        sm_fail(err, SM_ENOMEM, "%s: out of memory", name);
        return NULL;
    }
    memcpy(net->path, name, ln + 1);
    sm_error_t local;
    s_ld_t L = {.name = name, .base_dir = base_dir, .err = err ? err : &local, .net = net};
    L.j = (sm_json_t){name, L.err};
    sm_error_clear(L.err);
    if (s_load(&L, doc) < 0) {
        sm_net_destroy(&net);
        return NULL;
    }
    return net;
}

sm_net_t *sm_net_load(const char *path, sm_error_t *err)
{
    cJSON *doc = sm_json_read(path, SM_JSON_MAX_BYTES, err);
    if (!doc)
        return NULL;

    char *dir = NULL;
    const char *slash = strrchr(path, '/');
    if (slash) {
        size_t n = (size_t)(slash - path);
        dir = malloc(n + 2);
        if (!dir) {
            cJSON_Delete(doc);
            sm_fail(err, SM_ENOMEM, "%s: out of memory", path);
            return NULL;
        }
        if (n == 0)
            n = 1; /* "/net.json": the root itself */
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    sm_net_t *net = sm_net_from_json(doc, path, dir, err);
    free(dir);
    cJSON_Delete(doc);
    return net;
}
