/* sfrun_check: sanafe.json against expected.json. */
#include "sfrun_check.h"

#include <math.h>
#include <stdint.h>
#include <stdarg.h>
#include <string.h>

void sm_sfrun_tol_default(sm_sfrun_tol_t *t)
{
    t->energy_rel = 1e-12;
    t->simple_rel = 1e-12;
    t->detailed_total_rel = 1e-3;
    t->detailed_step_rel = 1e-2;
    t->latency_exact = 0;
}

/* The item at a dotted path ("totals.energy.total"), or NULL. */
static const cJSON *s_at(const cJSON *d, const char *path)
{
    char key[64];
    const char *p = path;
    while (d && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n >= sizeof key)
            return NULL;
        memcpy(key, p, n);
        key[n] = 0;
        d = cJSON_GetObjectItemCaseSensitive(d, key);
        p = dot ? dot + 1 : p + n;
    }
    return d;
}

static int s_get(const cJSON *d, const char *which, const char *path, const cJSON **out,
                 int want_array, sm_error_t *err)
{
    const cJSON *x = s_at(d, path);
    if (!x || (want_array ? !cJSON_IsArray(x) : !(cJSON_IsNumber(x) || cJSON_IsString(x))))
        return sm_fail(err, SM_EPARSE, "%s: '%s' missing or not %s", which, path,
                       want_array ? "an array" : "a value");
    *out = x;
    return 0;
}

static double s_rel(double a, double b)
{
    double m = fmax(fabs(a), fabs(b));
    if (a == b)
        return 0.0;
    return m > 0 ? fabs(a - b) / m : INFINITY;
}

typedef struct {
    const cJSON *exp, *got;
    FILE *f;
    sm_error_t *err;
    int failed;
    uint32_t steps;
} s_ctx_t;

static void s_line(s_ctx_t *c, int ok, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void s_line(s_ctx_t *c, int ok, const char *field, const char *fmt, ...)
{
    if (!ok)
        c->failed++;
    if (!c->f)
        return;
    fprintf(c->f, "%-4s %-26s ", ok ? "ok" : "FAIL", field);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(c->f, fmt, ap);
    va_end(ap);
    fputc('\n', c->f);
}

static int s_arrays(s_ctx_t *c, const char *path, const cJSON **e, const cJSON **g)
{
    if (s_get(c->exp, "expected", path, e, 1, c->err) || s_get(c->got, "result", path, g, 1, c->err))
        return -1;
    if ((uint32_t)cJSON_GetArraySize(*e) != c->steps || (uint32_t)cJSON_GetArraySize(*g) != c->steps)
        return sm_fail(c->err, SM_EPARSE, "'%s': %d and %d entries for %u steps", path,
                       cJSON_GetArraySize(*e), cJSON_GetArraySize(*g), c->steps);
    return 0;
}

/* Integers: exact, step by step. */
static int s_exact_steps(s_ctx_t *c, const char *path)
{
    const cJSON *e, *g;
    if (s_arrays(c, path, &e, &g))
        return -1;
    uint32_t bad = 0, first = 0;
    double fe = 0, fg = 0;
    const cJSON *x = e->child, *y = g->child;
    for (uint32_t i = 0; x && y; i++, x = x->next, y = y->next)
        if (x->valuedouble != y->valuedouble) {
            if (!bad++) {
                first = i + 1;
                fe = x->valuedouble;
                fg = y->valuedouble;
            }
        }
    if (bad)
        s_line(c, 0, path, "%u steps differ, first step %u: expected %.17g, got %.17g", bad, first, fe, fg);
    else
        s_line(c, 1, path, "identical (%u steps)", c->steps);
    return 0;
}

static int s_exact(s_ctx_t *c, const char *path)
{
    const cJSON *e, *g;
    if (s_get(c->exp, "expected", path, &e, 0, c->err) || s_get(c->got, "result", path, &g, 0, c->err))
        return -1;
    if (cJSON_IsString(e) || cJSON_IsString(g)) {
        int ok = cJSON_IsString(e) && cJSON_IsString(g) && !strcmp(e->valuestring, g->valuestring);
        s_line(c, ok, path, ok ? "identical" : "expected %s, got %s", e->valuestring ? e->valuestring : "?",
               g->valuestring ? g->valuestring : "?");
        return 0;
    }
    int ok = e->valuedouble == g->valuedouble;
    s_line(c, ok, path, ok ? "identical (%.17g)" : "expected %.17g, got %.17g", e->valuedouble,
           g->valuedouble);
    return 0;
}

/* Floats: the largest relative difference per step, and of the total. */
static int s_rel_steps(s_ctx_t *c, const char *path, const char *total, double step_tol,
                       double total_tol)
{
    const cJSON *e, *g, *te, *tg;
    if (s_arrays(c, path, &e, &g) || s_get(c->exp, "expected", total, &te, 0, c->err) ||
        s_get(c->got, "result", total, &tg, 0, c->err))
        return -1;
    double worst = 0;
    uint32_t at = 0, differ = 0;
    const cJSON *x = e->child, *y = g->child;
    for (uint32_t i = 0; x && y; i++, x = x->next, y = y->next) {
        double r = s_rel(x->valuedouble, y->valuedouble);
        differ += r != 0;
        if (r > worst) {
            worst = r;
            at = i + 1;
        }
    }
    double tr = s_rel(te->valuedouble, tg->valuedouble);
    int ok = worst <= step_tol && tr <= total_tol;
    if (!differ && tr == 0)
        s_line(c, ok, path, "identical (%u steps and the total)", c->steps);
    else
        s_line(c, ok, path,
               "%u steps differ, largest relative difference %.3g (step %u; limit %.3g); total %.3g "
               "(limit %.3g)",
               differ, worst, at, step_tol, tr, total_tol);
    return 0;
}

int sm_sfrun_check(const cJSON *exp, const cJSON *got, const sm_sfrun_tol_t *tol, FILE *f,
                   sm_error_t *err)
{
    s_ctx_t c = {exp, got, f, err, 0, 0};
    const cJSON *se, *sg, *tm;
    if (s_get(exp, "expected", "steps", &se, 0, err) || s_get(got, "result", "steps", &sg, 0, err))
        return -1;
    if (!cJSON_IsNumber(se) || se->valuedouble < 1 || se->valuedouble > 1e9)
        return sm_fail(err, SM_EPARSE, "expected: 'steps' is not a number of steps");
    c.steps = (uint32_t)se->valuedouble;
    if (se->valuedouble != sg->valuedouble) {
        s_line(&c, 0, "steps", "expected %u, got %.17g", c.steps, sg->valuedouble);
        return c.failed;
    }
    s_line(&c, 1, "steps", "%u", c.steps);
    tm = cJSON_GetObjectItemCaseSensitive(exp, "timing_model");
    int simple = cJSON_IsString(tm) && !strcmp(tm->valuestring, "simple");
    const cJSON *tg = cJSON_GetObjectItemCaseSensitive(got, "timing_model");
    if (cJSON_IsString(tm) && cJSON_IsString(tg))
        s_line(&c, !strcmp(tm->valuestring, tg->valuestring), "timing_model", "expected %s, got %s",
               tm->valuestring, tg->valuestring);
    static const char *const counters[] = {"fired", "updated", "synaptic_events", "packets", "hops"};
    char p[96], q[96];
    for (int i = 0; i < 5; i++) {
        snprintf(p, sizeof p, "per_step.%s", counters[i]);
        snprintf(q, sizeof q, "totals.%s", counters[i]);
        if (s_exact_steps(&c, p) || s_exact(&c, q))
            return -1;
    }
    if (s_exact(&c, "spikes.digest_sha256") || s_exact(&c, "spikes.logged_total") ||
        s_exact_steps(&c, "spikes.logged_per_step"))
        return -1;
    static const char *const cats[] = {"total", "synapse", "dendrite", "soma", "network"};
    for (int i = 0; i < 5; i++) {
        snprintf(p, sizeof p, "per_step.energy_%s", cats[i]);
        snprintf(q, sizeof q, "totals.energy.%s", cats[i]);
        if (s_rel_steps(&c, p, q, tol->energy_rel, tol->energy_rel))
            return -1;
    }
    if (simple) {
        if (s_rel_steps(&c, "per_step.sim_time", "totals.sim_time", tol->simple_rel, tol->simple_rel))
            return -1;
    } else if (tol->latency_exact) {
        if (s_rel_steps(&c, "per_step.sim_time", "totals.sim_time", 0.0, 0.0))
            return -1;
    } else if (s_rel_steps(&c, "per_step.sim_time", "totals.sim_time", tol->detailed_step_rel,
                           tol->detailed_total_rel)) {
        return -1;
    }
    return c.failed;
}
