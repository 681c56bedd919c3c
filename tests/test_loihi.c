/* Loihi fixed point (core/loihi.c) against Lava: the population cases of
 * tests/data/lava step by step and through the skip path (next_spike +
 * advance), the network cases by a small direct simulation of section 3.3,
 * catch-up and prediction against plain stepping on random states, and the
 * parameter ranges. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "loihi.h"
#include "rng.h"

#define LAVA_DIR SM_SOURCE_DIR "/tests/data/lava"

/* ---- JSON access: every number of a case is an exact integer ---- */

static int64_t s_num(const cJSON *x, const char *what)
{
    cr_assert(cJSON_IsNumber(x), "%s: not a number", what);
    const double d = x->valuedouble;
    cr_assert(d == (double)(int64_t)d, "%s: not an integer: %g", what, d);
    return (int64_t)d;
}

static const cJSON *s_get(const cJSON *o, const char *key)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    cr_assert_not_null(x, "missing field %s", key);
    return x;
}

/* o[key], or def when absent. */
static int32_t s_int(const cJSON *o, const char *key, int32_t def)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    return x ? (int32_t)s_num(x, key) : def;
}

/* o[key][i] if it is an array, o[key] if a scalar, def when absent. */
static int32_t s_each(const cJSON *o, const char *key, int i, int32_t def)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!x)
        return def;
    if (cJSON_IsArray(x)) {
        cr_assert(i < cJSON_GetArraySize(x), "%s: too short", key);
        return (int32_t)s_num(cJSON_GetArrayItem(x, i), key);
    }
    return (int32_t)s_num(x, key);
}

static int32_t s_at2(const cJSON *m, int r, int c, const char *what)
{
    const cJSON *row = cJSON_GetArrayItem(m, r);
    cr_assert(cJSON_IsArray(row), "%s: no row %d", what, r);
    const cJSON *x = cJSON_GetArrayItem(row, c);
    cr_assert_not_null(x, "%s: no column %d in row %d", what, c, r);
    return (int32_t)s_num(x, what);
}

static cJSON *s_load(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)n + 1);
    cr_assert(fread(text, 1, (size_t)n, f) == (size_t)n);
    text[n] = '\0';
    fclose(f);
    cJSON *root = cJSON_Parse(text);
    free(text);
    cr_assert_not_null(root, "%s: malformed JSON", path);
    return root;
}

/* Calls fn on every case of the given kind, in name order; returns how many. */
static int s_cases(const char *kind, void (*fn)(const cJSON *root, const char *name))
{
    struct dirent **ents;
    int n = scandir(LAVA_DIR, &ents, NULL, alphasort);
    cr_assert(n >= 0, "cannot read %s", LAVA_DIR);
    int done = 0;
    for (int i = 0; i < n; i++) {
        const char *nm = ents[i]->d_name;
        size_t l = strlen(nm);
        if (l > 5 && !strcmp(nm + l - 5, ".json")) {
            char path[1024];
            snprintf(path, sizeof path, "%s/%s", LAVA_DIR, nm);
            cJSON *root = s_load(path);
            const cJSON *k = s_get(root, "kind");
            cr_assert(cJSON_IsString(k));
            if (!strcmp(k->valuestring, kind)) {
                fn(root, nm);
                done++;
            }
            cJSON_Delete(root);
        }
        free(ents[i]);
    }
    free(ents);
    return done;
}

/* ---- one LIF population as Lava builds it ---- */

typedef struct {
    int n;
    sm_loihi_lif_t *p;     /* per neuron: the bias may differ */
    sm_loihi_state_t *s;
} s_pop_t;

static void s_pop_init(s_pop_t *pop, const cJSON *params, const cJSON *derived, int n,
                       const char *name)
{
    pop->n = n;
    pop->p = calloc((size_t)n, sizeof *pop->p);
    pop->s = calloc((size_t)n, sizeof *pop->s);
    for (int i = 0; i < n; i++) {
        sm_loihi_lif_params_t lp = {
            .du = s_int(params, "du", 0),
            .dv = s_int(params, "dv", 0),
            .vth = s_int(params, "vth", SM_LOIHI_VTH_DEFAULT),
            .bias_mant = s_each(params, "bias_mant", i, 0),
            .bias_exp = s_each(params, "bias_exp", i, 0),
        };
        sm_error_t err;
        sm_error_clear(&err);
        cr_assert(sm_loihi_lif_setup(&pop->p[i], &lp, &err) == 0, "%s: %s", name, err.msg);
        pop->s[i].u = s_each(params, "u", i, 0);
        pop->s[i].v = s_each(params, "v", i, 0);
        cr_assert(sm_loihi_state_check(&pop->s[i], &err) == 0, "%s: %s", name, err.msg);
        /* Our derived constants are Lava's. */
        cr_assert_eq(pop->p[i].ku, s_int(derived, "u_decay_factor", -1), "%s", name);
        cr_assert_eq(pop->p[i].kv, s_int(derived, "v_decay_factor", -1), "%s", name);
        cr_assert_eq(pop->p[i].theta, s_int(derived, "effective_vth", -1), "%s", name);
        cr_assert_eq(pop->p[i].bias, s_each(derived, "effective_bias", i, -1), "%s n%d", name, i);
        cr_assert_eq(pop->s[i].u, s_each(derived, "u_init", i, 0), "%s n%d", name, i);
        cr_assert_eq(pop->s[i].v, s_each(derived, "v_init", i, 0), "%s n%d", name, i);
    }
}

static void s_pop_fini(s_pop_t *pop)
{
    free(pop->p);
    free(pop->s);
}

/* ---- population cases ---- */

static void s_population(const cJSON *root, const char *name)
{
    const int T = s_int(root, "steps", -1), N = s_int(root, "neurons", -1);
    const cJSON *in = s_get(root, "input"), *ex = s_get(root, "expected");
    const cJSON *eu = s_get(ex, "u"), *ev = s_get(ex, "v"), *es = s_get(ex, "spk");
    cr_assert(T > 0 && N > 0 && cJSON_GetArraySize(in) == T);

    /* Dense stepping, every step. */
    s_pop_t pop;
    s_pop_init(&pop, s_get(root, "params"), s_get(root, "derived"), N, name);
    for (int t = 0; t < T; t++)
        for (int i = 0; i < N; i++) {
            int spk = sm_loihi_step(&pop.p[i], &pop.s[i], s_at2(in, t, i, "input"));
            cr_assert_eq(spk, s_at2(es, t, i, "spk"), "%s t%d n%d: spk", name, t, i);
            cr_assert_eq(pop.s[i].u, s_at2(eu, t, i, "u"), "%s t%d n%d: u", name, t, i);
            cr_assert_eq(pop.s[i].v, s_at2(ev, t, i, "v"), "%s t%d n%d: v", name, t, i);
        }
    s_pop_fini(&pop);

    /* The engine's path: over a stretch of zero input, ask for the next spike
     * and jump to just before it (or to the end of the stretch). */
    s_pop_init(&pop, s_get(root, "params"), s_get(root, "derived"), N, name);
    for (int i = 0; i < N; i++) {
        int t = 0;
        while (t < T) {
            int m = 0;
            while (t + m < T && s_at2(in, t + m, i, "input") == 0)
                m++;
            uint32_t d = sm_loihi_next_spike(&pop.p[i], &pop.s[i]);
            cr_assert(d >= 1);
            uint32_t k = d - 1 < (uint32_t)m ? d - 1 : (uint32_t)m;
            if (k == 0) {
                int spk = sm_loihi_step(&pop.p[i], &pop.s[i], s_at2(in, t, i, "input"));
                cr_assert_eq(spk, s_at2(es, t, i, "spk"), "%s t%d n%d: skip spk", name, t, i);
                if (m > 0 && d < SM_LOIHI_HORIZON)
                    cr_assert(spk, "%s t%d n%d: predicted spike missing", name, t, i);
                t++;
            } else {
                cr_assert_eq(sm_loihi_advance(&pop.p[i], &pop.s[i], k), 0);
                for (uint32_t j = 0; j < k; j++)
                    cr_assert_eq(s_at2(es, t + (int)j, i, "spk"), 0,
                                 "%s t%d n%d: spike inside a skipped stretch", name,
                                 t + (int)j, i);
                t += (int)k;
            }
            cr_assert_eq(pop.s[i].u, s_at2(eu, t - 1, i, "u"), "%s t%d n%d: skip u", name, t - 1, i);
            cr_assert_eq(pop.s[i].v, s_at2(ev, t - 1, i, "v"), "%s t%d n%d: skip v", name, t - 1, i);
        }
    }
    s_pop_fini(&pop);
}

Test(loihi, population_cases_bit_exact)
{
    cr_assert(s_cases("population", s_population) >= 4);
}

/* ---- network cases: RingBuffer -> Dense -> LIF [-> Dense -> LIF ...] ---- */

typedef struct {
    int n_out, n_in;
    int graded;             /* num_message_bits > 0: payloads, not 0/1 */
    sm_loihi_dense_t fmt;
    int32_t *w;             /* n_out x n_in, effective */
    int64_t *buf;           /* D(t - 1), what the target sees this step */
} s_dense_t;

static sm_loihi_sign_t s_sign(const char *name)
{
    if (!strcmp(name, "MIXED"))
        return SM_LOIHI_SIGN_MIXED;
    if (!strcmp(name, "EXCITATORY"))
        return SM_LOIHI_SIGN_EXCITATORY;
    if (!strcmp(name, "INHIBITORY"))
        return SM_LOIHI_SIGN_INHIBITORY;
    cr_assert_fail("unknown sign_mode %s", name);
    return SM_LOIHI_SIGN_AUTO;
}

static void s_dense_init(s_dense_t *d, const cJSON *dense, int n_out, int n_in, const char *name)
{
    const cJSON *par = s_get(dense, "params"), *der = s_get(dense, "derived");
    const cJSON *W = s_get(par, "weights");
    cr_assert_eq(cJSON_GetArraySize(W), n_out, "%s: weight rows", name);
    d->n_out = n_out;
    d->n_in = n_in;
    d->graded = s_int(par, "num_message_bits", 0) > 0;
    int32_t *raw = malloc((size_t)n_out * (size_t)n_in * sizeof *raw);
    for (int j = 0; j < n_out; j++) {
        cr_assert_eq(cJSON_GetArraySize(cJSON_GetArrayItem(W, j)), n_in, "%s: weight cols", name);
        for (int i = 0; i < n_in; i++)
            raw[j * n_in + i] = s_at2(W, j, i, "weights");
    }
    const cJSON *sm = cJSON_GetObjectItemCaseSensitive(par, "sign_mode");
    sm_loihi_sign_t sign = sm ? s_sign(sm->valuestring) : SM_LOIHI_SIGN_AUTO;
    sm_error_t err;
    sm_error_clear(&err);
    cr_assert(sm_loihi_dense_setup(&d->fmt, s_int(par, "num_weight_bits", SM_LOIHI_WEIGHT_BITS_DEFAULT),
                                   s_int(par, "weight_exp", 0), sign, raw,
                                   (size_t)n_out * (size_t)n_in, &err) == 0,
              "%s: %s", name, err.msg);
    cr_assert_str_eq(sm_loihi_sign_name(d->fmt.sign), s_get(der, "sign_mode")->valuestring, "%s", name);
    cr_assert_eq(d->fmt.trunc_bits, s_int(der, "num_truncate_bits", -1), "%s", name);
    cr_assert_eq(d->fmt.weight_exp, s_int(der, "weight_exp", -99), "%s", name);
    cr_assert_eq(d->fmt.num_weight_bits, s_int(der, "num_weight_bits", -1), "%s", name);
    const cJSON *we = s_get(der, "weights_effective");
    d->w = malloc((size_t)n_out * (size_t)n_in * sizeof *d->w);
    for (int j = 0; j < n_out; j++)
        for (int i = 0; i < n_in; i++) {
            d->w[j * n_in + i] = sm_loihi_dense_weight(&d->fmt, raw[j * n_in + i]);
            cr_assert_eq(d->w[j * n_in + i], s_at2(we, j, i, "weights_effective"),
                         "%s: W'[%d][%d] of %d", name, j, i, raw[j * n_in + i]);
        }
    free(raw);
    d->buf = calloc((size_t)n_out, sizeof *d->buf);
}

/* D(t) from the source's payloads of step t (section 3.2, steps 4-5). */
static void s_dense_send(s_dense_t *d, const int32_t *src)
{
    for (int j = 0; j < d->n_out; j++) {
        int64_t acc = 0;
        for (int i = 0; i < d->n_in; i++)
            acc += (int64_t)d->w[j * d->n_in + i] * (d->graded ? src[i] : src[i] != 0);
        d->buf[j] = sm_loihi_dense_scale(acc, d->fmt.weight_exp);
    }
}

static void s_dense_fini(s_dense_t *d)
{
    free(d->w);
    free(d->buf);
}

typedef struct {
    s_pop_t pop;
    s_dense_t in, rec;
    int has_rec;
    int32_t *spk;
} s_layer_t;

static void s_network(const cJSON *root, const char *name)
{
    const int T = s_int(root, "steps", -1), n0 = s_int(root, "inputs", -1);
    const cJSON *sizes = s_get(root, "layer_sizes"), *layers = s_get(root, "layers");
    const int L = cJSON_GetArraySize(sizes);
    cr_assert(T > 0 && n0 > 0 && L > 0 && cJSON_GetArraySize(layers) == L);
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(root, "input_spikes");
    if (!src)
        src = s_get(root, "input_payload");
    const cJSON *exl = s_get(s_get(root, "expected"), "layers");

    s_layer_t *ly = calloc((size_t)L, sizeof *ly);
    int prev = n0;
    for (int k = 0; k < L; k++) {
        const int n = (int)s_num(cJSON_GetArrayItem(sizes, k), "layer_sizes");
        const cJSON *lj = cJSON_GetArrayItem(layers, k), *nj = s_get(lj, "neuron");
        s_pop_init(&ly[k].pop, s_get(nj, "params"), s_get(nj, "derived"), n, name);
        s_dense_init(&ly[k].in, s_get(lj, "dense"), n, prev, name);
        const cJSON *rj = cJSON_GetObjectItemCaseSensitive(lj, "recurrent");
        if (rj) {
            ly[k].has_rec = 1;
            s_dense_init(&ly[k].rec, s_get(rj, "dense"), n, n, name);
        }
        ly[k].spk = calloc((size_t)n, sizeof *ly[k].spk);
        prev = n;
    }

    int32_t *x = calloc((size_t)n0, sizeof *x);
    for (int t = 0; t < T; t++) {
        /* Every LIF integrates what its Dense processes computed at t - 1. */
        for (int k = 0; k < L; k++) {
            const cJSON *e = cJSON_GetArrayItem(exl, k);
            for (int j = 0; j < ly[k].pop.n; j++) {
                int64_t a = ly[k].in.buf[j] + (ly[k].has_rec ? ly[k].rec.buf[j] : 0);
                cr_assert_eq(a, s_at2(s_get(e, "a_in"), t, j, "a_in"), "%s t%d L%d n%d: a_in",
                             name, t, k, j);
                cr_assert(a >= -SM_LOIHI_A_MAX && a <= SM_LOIHI_A_MAX);
                ly[k].spk[j] = sm_loihi_step(&ly[k].pop.p[j], &ly[k].pop.s[j], (int32_t)a);
                cr_assert_eq(ly[k].spk[j], s_at2(s_get(e, "spk"), t, j, "spk"),
                             "%s t%d L%d n%d: spk", name, t, k, j);
                cr_assert_eq(ly[k].pop.s[j].u, s_at2(s_get(e, "u"), t, j, "u"),
                             "%s t%d L%d n%d: u", name, t, k, j);
                cr_assert_eq(ly[k].pop.s[j].v, s_at2(s_get(e, "v"), t, j, "v"),
                             "%s t%d L%d n%d: v", name, t, k, j);
            }
        }
        /* ... then every Dense takes its source's output of step t. */
        for (int i = 0; i < n0; i++)
            x[i] = s_at2(src, t, i, "input");
        for (int k = 0; k < L; k++) {
            s_dense_send(&ly[k].in, k ? ly[k - 1].spk : x);
            if (ly[k].has_rec)
                s_dense_send(&ly[k].rec, ly[k].spk);
        }
    }
    free(x);
    for (int k = 0; k < L; k++) {
        s_pop_fini(&ly[k].pop);
        s_dense_fini(&ly[k].in);
        if (ly[k].has_rec)
            s_dense_fini(&ly[k].rec);
        free(ly[k].spk);
    }
    free(ly);
}

Test(loihi, network_cases_bit_exact)
{
    cr_assert(s_cases("network", s_network) >= 1);
}

/* ---- random parameters and states, extremes included ---- */

static int32_t s_pick(sm_rng_t *r, int32_t lo, int32_t hi)
{
    return lo + (int32_t)sm_rng_below(r, (uint32_t)(hi - lo + 1));
}

static int32_t s_decay(sm_rng_t *r)
{
    switch (sm_rng_below(r, 6)) {
    case 0: return 0;
    case 1: return 4095;
    case 2: return s_pick(r, 1, 16);
    case 3: return s_pick(r, 4000, 4094);
    default: return s_pick(r, 0, 4095);
    }
}

static void s_rand_lif(sm_rng_t *r, sm_loihi_lif_t *p)
{
    static const int32_t vths[] = {0, 1, 10, 131071, 140000, SM_LOIHI_VTH_MAX};
    sm_loihi_lif_params_t lp;
    lp.du = s_decay(r);
    lp.dv = s_decay(r);
    lp.vth = sm_rng_below(r, 2) ? vths[sm_rng_below(r, 6)] : s_pick(r, 0, 1 << (sm_rng_below(r, 18)));
    lp.bias_mant = sm_rng_below(r, 3) == 0 ? 0 : sm_rng_below(r, 5) == 0
                   ? (sm_rng_below(r, 2) ? SM_LOIHI_BIAS_MANT_MIN : SM_LOIHI_BIAS_MANT_MAX)
                   : s_pick(r, SM_LOIHI_BIAS_MANT_MIN, SM_LOIHI_BIAS_MANT_MAX);
    lp.bias_exp = sm_rng_below(r, 8) == 0 ? SM_LOIHI_BIAS_EXP_MIN : s_pick(r, -12, SM_LOIHI_BIAS_EXP_MAX);
    sm_error_t err;
    cr_assert(sm_loihi_lif_setup(p, &lp, &err) == 0, "%s", err.msg);
}

static int32_t s_rand_level(sm_rng_t *r, int32_t max)
{
    switch (sm_rng_below(r, 7)) {
    case 0: return max;
    case 1: return -max;
    case 2: return 0;
    case 3: return s_pick(r, -4096, 4096);
    default: return s_pick(r, -max, max);
    }
}

static void s_rand_state(sm_rng_t *r, const sm_loihi_lif_t *p, sm_loihi_state_t *s)
{
    s->u = s_rand_level(r, SM_LOIHI_U_MAX);
    if (s->u == -SM_LOIHI_U_MAX)
        s->u = SM_LOIHI_U_MAX; /* -2^23 is not a u: it wraps to +2^23 */
    s->v = s_rand_level(r, SM_LOIHI_V_MAX);
    /* Half the time v sits just under the threshold, where spikes come soon. */
    if (sm_rng_below(r, 2)) {
        int64_t v = (int64_t)p->theta - s_pick(r, 0, 5000);
        s->v = (int32_t)(v < -SM_LOIHI_V_MAX ? -SM_LOIHI_V_MAX : v > SM_LOIHI_V_MAX ? SM_LOIHI_V_MAX : v);
    }
}

/* k input-free steps, one at a time: the reference. */
static uint32_t s_ref(const sm_loihi_lif_t *p, sm_loihi_state_t *s, uint32_t k)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < k; i++)
        n += (uint32_t)sm_loihi_step(p, s, 0);
    return n;
}

Test(loihi, advance_equals_steps)
{
    sm_rng_t r = sm_rng_stream(10, 1, 0);
    for (int trial = 0; trial < 30000; trial++) {
        sm_loihi_lif_t p;
        sm_loihi_state_t s0, a, b;
        s_rand_lif(&r, &p);
        s_rand_state(&r, &p, &s0);
        uint32_t k = sm_rng_below(&r, 4) == 0 ? sm_rng_below(&r, 20000) : sm_rng_below(&r, 600);
        /* As the engine calls it (no spike crossed) and across spikes. */
        for (int pass = 0; pass < 2; pass++) {
            uint32_t kk = k;
            if (pass == 0) {
                uint32_t d = sm_loihi_next_spike(&p, &s0);
                if (d - 1 < kk)
                    kk = d - 1;
            }
            a = b = s0;
            uint32_t na = sm_loihi_advance(&p, &a, kk), nb = s_ref(&p, &b, kk);
            cr_assert(a.u == b.u && a.v == b.v && na == nb,
                      "trial %d pass %d: ku %d kv %d th %d B %d from (%d, %d), k %u: "
                      "advance (%d, %d, %u spikes), steps (%d, %d, %u)",
                      trial, pass, p.ku, p.kv, p.theta, p.bias, s0.u, s0.v, kk, a.u, a.v, na,
                      b.u, b.v, nb);
            if (pass == 0)
                cr_assert_eq(na, 0);
        }
    }
}

/* Batches of neurons advanced together equal each advanced alone: states
 * drawn to take the lanes (no bias, u and v of one sign, v at or below
 * theta, excitatory or inhibitory), or not, with runs from 0 to 700 steps,
 * across spikes too (sm_loihi_advance_many does not count them). */
Test(loihi, advance_many_equals_steps)
{
    sm_rng_t r = sm_rng_stream(10, 7, 0);
    uint64_t laned = 0;
    for (int trial = 0; trial < 3000; trial++) {
        sm_loihi_lif_t p;
        s_rand_lif(&r, &p);
        if (sm_rng_below(&r, 4))
            p.bias = 0;
        enum { N = 37 };
        sm_loihi_state_t s0[N], a[N], b[N];
        uint32_t k[N];
        for (int i = 0; i < N; i++) {
            s_rand_state(&r, &p, &s0[i]);
            if (sm_rng_below(&r, 4)) {
                /* A state of the lanes: one sign, v at or below theta. */
                int32_t u = s_pick(&r, 0, sm_rng_below(&r, 2) ? 20000 : SM_LOIHI_U_MAX);
                int32_t v = s_pick(&r, 0, p.theta < 60000 ? p.theta : 60000);
                const int neg = sm_rng_below(&r, 3) == 0;
                s0[i].u = neg ? -u : u;
                s0[i].v = neg ? -v : v;
            }
            k[i] = sm_rng_below(&r, 5) == 0 ? sm_rng_below(&r, 8) : sm_rng_below(&r, 700);
            /* Half the time as the engine calls it: no spike on the way. */
            if (sm_rng_below(&r, 2)) {
                uint32_t d = sm_loihi_next_spike(&p, &s0[i]);
                if (d - 1 < k[i])
                    k[i] = d - 1;
            }
            a[i] = b[i] = s0[i];
            (void)s_ref(&p, &b[i], k[i]);
            laned += p.bias == 0 && p.theta < SM_LOIHI_V_MAX && s0[i].v <= p.theta &&
                     (int64_t)s0[i].u * s0[i].v >= 0 && k[i] >= 8;
        }
        sm_loihi_advance_many(&p, a, k, N);
        for (int i = 0; i < N; i++)
            cr_assert(a[i].u == b[i].u && a[i].v == b[i].v,
                      "trial %d neuron %d: ku %d kv %d th %d B %d from (%d, %d), k %u: "
                      "together (%d, %d), alone (%d, %d)",
                      trial, i, p.ku, p.kv, p.theta, p.bias, s0[i].u, s0[i].v, k[i], a[i].u,
                      a[i].v, b[i].u, b[i].v);
    }
    cr_assert_gt(laned, 10000, "only %llu states of the lanes", (unsigned long long)laned);
}

Test(loihi, advance_edges)
{
    sm_loihi_lif_params_t lp = {.du = 0, .dv = 0, .vth = 131071};
    sm_loihi_lif_t p;
    cr_assert(sm_loihi_lif_setup(&p, &lp, NULL) == 0);
    /* u at +2^23 with du = 0 takes tens of thousands of steps to die out. */
    sm_loihi_state_t a = {SM_LOIHI_U_MAX, -SM_LOIHI_V_MAX}, b = a;
    sm_loihi_advance(&p, &a, 100000);
    s_ref(&p, &b, 100000);
    cr_assert(a.u == b.u && a.v == b.v && a.u == 0);
    /* A bias above the threshold fires every step from (0, 0), a state the
     * step leaves unchanged: the early stop still counts every spike. */
    lp = (sm_loihi_lif_params_t){.du = 4095, .dv = 4095, .vth = 0, .bias_mant = 1};
    cr_assert(sm_loihi_lif_setup(&p, &lp, NULL) == 0);
    a = (sm_loihi_state_t){0, 0};
    cr_assert_eq(sm_loihi_advance(&p, &a, 4000000000u), 4000000000u);
    cr_assert(a.u == 0 && a.v == 0);
    cr_assert_eq(sm_loihi_next_spike(&p, &a), 1);
    cr_assert_eq(sm_loihi_advance(&p, &a, 0), 0);
}

/* Steps a neuron that must never fire again until a step changes nothing,
 * and returns how many it took. Under dv = 0 with u = 0, v walks by B per
 * step (up to 2^24 steps), so there the reference takes the end point: the
 * saturation on B's side, or v itself for B = 0. */
static uint32_t s_settle(const sm_loihi_lif_t *p, sm_loihi_state_t *s, const char *why)
{
    for (uint32_t n = 0;; n++) {
        cr_assert(n < 1000000, "%s: not settled within 1e6 steps", why);
        if (s->u == 0 && p->kv == 4096) {
            if (p->bias != 0)
                s->v = p->bias < 0 ? -SM_LOIHI_V_MAX : SM_LOIHI_V_MAX;
            return n;
        }
        sm_loihi_state_t o = *s;
        cr_assert_eq(sm_loihi_step(p, s, 0), 0, "%s: a NEVER neuron fired", why);
        if (o.u == s->u && o.v == s->v)
            return n;
    }
}

/* Far catch-ups of neurons that will never fire stop once settled: 2000 calls
 * of 4e9 steps each would take hours otherwise. */
Test(loihi, advance_far_stops_when_settled, .timeout = 120)
{
    sm_rng_t r = sm_rng_stream(10, 2, 0);
    int calls = 0;
    for (int trial = 0; calls < 2000 && trial < 200000; trial++) {
        sm_loihi_lif_t p;
        sm_loihi_state_t s0, a, b;
        s_rand_lif(&r, &p);
        s_rand_state(&r, &p, &s0);
        if (sm_loihi_next_spike(&p, &s0) != SM_LOIHI_NEVER)
            continue;
        calls++;
        a = b = s0;
        cr_assert_eq(sm_loihi_advance(&p, &a, UINT32_MAX), 0);
        s_settle(&p, &b, "far");
        cr_assert(a.u == b.u && a.v == b.v, "trial %d: (%d, %d) vs (%d, %d)", trial, a.u, a.v, b.u, b.v);
    }
    cr_assert_eq(calls, 2000);
}

/* dv = 0: the closed form of advance and next_spike against plain steps,
 * with small biases of both signs (long walks, periodic firing) and
 * thresholds on both sides of v's saturation. */
Test(loihi, perfect_integrator_closed_form, .timeout = 120)
{
    sm_rng_t r = sm_rng_stream(10, 4, 0);
    static const int32_t vths[] = {0, 1, 3, 100, 131071, SM_LOIHI_VTH_MAX};
    for (int trial = 0; trial < 600; trial++) {
        sm_loihi_lif_params_t lp = {
            .du = sm_rng_below(&r, 2) ? 4095 : s_decay(&r),
            .dv = 0,
            .vth = vths[sm_rng_below(&r, 6)],
            .bias_mant = s_pick(&r, -40, 40),
            .bias_exp = s_pick(&r, -3, 3),
        };
        sm_loihi_lif_t p;
        cr_assert(sm_loihi_lif_setup(&p, &lp, NULL) == 0);
        sm_loihi_state_t s0 = {sm_rng_below(&r, 2) ? 0 : s_pick(&r, -5000, 5000),
                               s_pick(&r, -SM_LOIHI_V_MAX, SM_LOIHI_V_MAX)};
        if (s0.v > p.theta)
            s0.v = p.theta;
        const uint32_t k = sm_rng_below(&r, 300000);
        sm_loihi_state_t a = s0, b = s0;
        uint32_t na = sm_loihi_advance(&p, &a, k), first = 0, nb = 0;
        for (uint32_t n = 1; n <= k; n++)
            if (sm_loihi_step(&p, &b, 0) && !nb++)
                first = n;
        cr_assert(a.u == b.u && a.v == b.v && na == nb,
                  "trial %d: th %d B %d from (%d, %d), k %u: (%d, %d, %u) vs (%d, %d, %u)", trial,
                  p.theta, p.bias, s0.u, s0.v, k, a.u, a.v, na, b.u, b.v, nb);
        const uint32_t d = sm_loihi_next_spike(&p, &s0);
        if (first)
            cr_assert(d == first || (d == SM_LOIHI_HORIZON && first >= d),
                      "trial %d: predicted %u, first spike at %u", trial, d, first);
        else
            cr_assert(d > k || d == SM_LOIHI_HORIZON, "trial %d: predicted %u, no spike in %u steps",
                      trial, d, k);
    }
}

Test(loihi, next_spike_never_late_and_exact, .timeout = 120)
{
    sm_rng_t r = sm_rng_stream(10, 3, 0);
    int exact = 0, never = 0, horizon = 0, far = 0;
    for (int trial = 0; trial < 30000; trial++) {
        sm_loihi_lif_t p;
        sm_loihi_state_t s0, t;
        s_rand_lif(&r, &p);
        s_rand_state(&r, &p, &s0);
        uint32_t d = sm_loihi_next_spike(&p, &s0);
        cr_assert(d >= 1);
        t = s0;
        uint32_t first = 0;
        for (uint32_t n = 1; n < SM_LOIHI_HORIZON && !first; n++)
            if (sm_loihi_step(&p, &t, 0))
                first = n;
        if (d < SM_LOIHI_HORIZON) {
            cr_assert_eq(first, d, "trial %d: predicted %u, first spike at %u", trial, d, first);
            exact++;
        } else if (d == SM_LOIHI_HORIZON) {
            cr_assert_eq(first, 0, "trial %d: spike at %u before the horizon", trial, first);
            horizon++;
        } else if (d == SM_LOIHI_NEVER) {
            cr_assert_eq(first, 0, "trial %d: NEVER but a spike at %u", trial, first);
            s_settle(&p, &t, "next_spike");
            never++;
        } else {
            /* Exact past the horizon: no spike until step d, one at d. */
            cr_assert_eq(first, 0, "trial %d: predicted %u, spike at %u", trial, d, first);
            for (uint32_t n = SM_LOIHI_HORIZON; n < d; n++)
                cr_assert_eq(sm_loihi_step(&p, &t, 0), 0, "trial %d: predicted %u, spike at %u",
                             trial, d, n);
            cr_assert_eq(sm_loihi_step(&p, &t, 0), 1, "trial %d: no spike at %u", trial, d);
            far++;
        }
    }
    /* The draws must exercise every kind of answer. */
    cr_log_info("next_spike answers: exact %d, never %d, horizon %d, exact past it %d", exact,
                never, horizon, far);
    cr_assert(exact > 1000 && never > 1000 && horizon > 100 && far > 10,
              "exact %d never %d horizon %d far %d", exact, never, horizon, far);
}

/* The fast path of next_spike (no bias, u > 0, 0 <= v <= theta): its answer
 * against plain steps, spike or none up to the horizon. */
Test(loihi, next_spike_fast_path_exact)
{
    sm_rng_t r = sm_rng_stream(10, 8, 0);
    int spikes = 0, quiet = 0;
    for (int trial = 0; trial < 20000; trial++) {
        sm_loihi_lif_t p;
        s_rand_lif(&r, &p);
        p.bias = 0;
        if (p.theta >= SM_LOIHI_V_MAX)
            continue;
        sm_loihi_state_t s0 = {s_pick(&r, 1, sm_rng_below(&r, 2) ? 30000 : SM_LOIHI_U_MAX),
                               s_pick(&r, 0, p.theta)}, t = s0;
        const uint32_t d = sm_loihi_next_spike(&p, &s0);
        uint32_t first = 0;
        for (uint32_t n = 1; n < SM_LOIHI_HORIZON && !first; n++)
            if (sm_loihi_step(&p, &t, 0))
                first = n;
        if (d < SM_LOIHI_HORIZON) {
            cr_assert_eq(first, d, "trial %d: ku %d kv %d th %d from (%d, %d): predicted %u, "
                         "first spike at %u", trial, p.ku, p.kv, p.theta, s0.u, s0.v, d, first);
            spikes++;
        } else {
            cr_assert_eq(first, 0, "trial %d: ku %d kv %d th %d from (%d, %d): answer %u, spike "
                         "at %u", trial, p.ku, p.kv, p.theta, s0.u, s0.v, d, first);
            quiet++;
        }
    }
    cr_assert(spikes > 1000 && quiet > 1000, "spikes %d, none %d", spikes, quiet);
}

/* ---- single steps at the edges of section 3.1 ---- */

Test(loihi, step_details)
{
    sm_loihi_lif_t p;
    sm_loihi_lif_params_t lp = {.du = 0, .dv = 0, .vth = 131071};
    cr_assert(sm_loihi_lif_setup(&p, &lp, NULL) == 0);
    cr_assert(p.ku == 4095 && p.kv == 4096 && p.theta == 8388544 && p.bias == 0);
    /* Truncation toward zero: -1 * 4095 / 4096 is 0, not -1. */
    sm_loihi_state_t s = {-1, 0};
    sm_loihi_step(&p, &s, 0);
    cr_assert_eq(s.u, 0);
    s = (sm_loihi_state_t){-4097, 0};
    sm_loihi_step(&p, &s, 0);
    cr_assert_eq(s.u, -4095); /* trunc(-4097 * 4095 / 4096) = -4096 + 1 */
    /* The wrap: exactly +2^23 stays, exactly -2^23 becomes +2^23. */
    s = (sm_loihi_state_t){0, 0};
    sm_loihi_step(&p, &s, 131072);
    cr_assert_eq(s.u, SM_LOIHI_U_MAX);
    s = (sm_loihi_state_t){0, 0};
    sm_loihi_step(&p, &s, -131072);
    cr_assert_eq(s.u, SM_LOIHI_U_MAX);
    s = (sm_loihi_state_t){0, 0};
    sm_loihi_step(&p, &s, 131073);
    cr_assert_eq(s.u, 64 - SM_LOIHI_U_MAX);
    /* Extreme inputs keep u in range. */
    s = (sm_loihi_state_t){SM_LOIHI_U_MAX, 0};
    sm_loihi_step(&p, &s, SM_LOIHI_A_MAX);
    cr_assert(s.u > -SM_LOIHI_U_MAX && s.u <= SM_LOIHI_U_MAX);
    s = (sm_loihi_state_t){-SM_LOIHI_U_MAX + 1, 0};
    sm_loihi_step(&p, &s, -SM_LOIHI_A_MAX);
    cr_assert(s.u > -SM_LOIHI_U_MAX && s.u <= SM_LOIHI_U_MAX);
    /* v saturates and a saturated v fires; the reset leaves u alone. */
    s = (sm_loihi_state_t){SM_LOIHI_U_MAX, SM_LOIHI_V_MAX};
    cr_assert_eq(sm_loihi_step(&p, &s, 0), 1);
    cr_assert(s.v == 0 && s.u == SM_LOIHI_U_MAX - 2048);
    s = (sm_loihi_state_t){-SM_LOIHI_U_MAX + 1, -SM_LOIHI_V_MAX};
    cr_assert_eq(sm_loihi_step(&p, &s, 0), 0);
    cr_assert_eq(s.v, -SM_LOIHI_V_MAX);
    /* Strict threshold, and v uses the new u. */
    lp = (sm_loihi_lif_params_t){.du = 4095, .dv = 0, .vth = 1};
    cr_assert(sm_loihi_lif_setup(&p, &lp, NULL) == 0);
    s = (sm_loihi_state_t){0, 0};
    cr_assert_eq(sm_loihi_step(&p, &s, 1), 0); /* v = 64, not > 64 */
    cr_assert(s.u == 64 && s.v == 64);
    cr_assert_eq(sm_loihi_step(&p, &s, 0), 0); /* du = 4095: u = 0 at once */
    cr_assert(s.u == 0 && s.v == 64);
    cr_assert_eq(sm_loihi_step(&p, &s, 1), 1);
    cr_assert(s.u == 64 && s.v == 0);
}

Test(loihi, bias_scaling)
{
    int32_t b;
    cr_assert(sm_loihi_bias(5, 1, &b, NULL) == 0 && b == 10);
    cr_assert(sm_loihi_bias(-4096, 7, &b, NULL) == 0 && b == -524288);
    cr_assert(sm_loihi_bias(4095, 7, &b, NULL) == 0 && b == 524160);
    /* A negative exponent floors: -5 / 2 is -3, 5 / 2 is 2. */
    cr_assert(sm_loihi_bias(-5, -1, &b, NULL) == 0 && b == -3);
    cr_assert(sm_loihi_bias(5, -1, &b, NULL) == 0 && b == 2);
    cr_assert(sm_loihi_bias(-1, -7, &b, NULL) == 0 && b == -1);
    cr_assert(sm_loihi_bias(4095, -12, &b, NULL) == 0 && b == 0);
    cr_assert(sm_loihi_bias(-4096, -31, &b, NULL) == 0 && b == -1);
}

/* ---- Dense ---- */

static int32_t s_w(sm_loihi_sign_t sign, int bits, int32_t w)
{
    sm_loihi_dense_t d;
    cr_assert(sm_loihi_dense_setup(&d, bits, 0, sign, &w, 1, NULL) == 0);
    return sm_loihi_dense_weight(&d, w);
}

Test(loihi, dense_weights)
{
    const sm_loihi_sign_t M = SM_LOIHI_SIGN_MIXED, E = SM_LOIHI_SIGN_EXCITATORY,
                          I = SM_LOIHI_SIGN_INHIBITORY;
    /* MIXED drops one bit even at 8 bits; two's-complement truncation. */
    cr_assert_eq(s_w(M, 8, 3), 2);
    cr_assert_eq(s_w(M, 8, -3), -4);
    cr_assert_eq(s_w(M, 8, -1), -2);
    cr_assert_eq(s_w(M, 7, 300), 252);
    cr_assert_eq(s_w(M, 8, -300), -256);
    cr_assert_eq(s_w(M, 1, 255), 0);
    cr_assert_eq(s_w(M, 1, -1), -256);
    /* EXCITATORY keeps 8 bits and clips negatives to 0. */
    cr_assert_eq(s_w(E, 8, 255), 255);
    cr_assert_eq(s_w(E, 8, 300), 255);
    cr_assert_eq(s_w(E, 8, -7), 0);
    cr_assert_eq(s_w(E, 5, 15), 8);
    /* INHIBITORY truncates the magnitude, toward zero. */
    cr_assert_eq(s_w(I, 7, -3), -2);
    cr_assert_eq(s_w(I, 8, -300), -255);
    cr_assert_eq(s_w(I, 6, -255), -252);
    cr_assert_eq(s_w(I, 8, 9), 0);
    /* The derived sign mode. */
    int32_t z[3] = {0, 0, 0}, e[3] = {0, 4, 1}, i[3] = {0, -4, -1}, m[3] = {-1, 0, 1};
    cr_assert_eq(sm_loihi_sign_of(z, 3), E);
    cr_assert_eq(sm_loihi_sign_of(e, 3), E);
    cr_assert_eq(sm_loihi_sign_of(i, 3), I);
    cr_assert_eq(sm_loihi_sign_of(m, 3), M);
    cr_assert_eq(sm_loihi_sign_of(NULL, 0), E);
    sm_loihi_dense_t d;
    cr_assert(sm_loihi_dense_setup(&d, 6, -3, SM_LOIHI_SIGN_AUTO, i, 3, NULL) == 0);
    cr_assert(d.sign == I && d.trunc_bits == 2 && d.weight_exp == -3);
    /* An explicit mode wins over the weights. */
    cr_assert(sm_loihi_dense_setup(&d, 8, 0, M, e, 3, NULL) == 0);
    cr_assert(d.sign == M && d.trunc_bits == 1);
}

Test(loihi, dense_scale)
{
    cr_assert_eq(sm_loihi_dense_scale(-5, -2), -2); /* floor, not trunc */
    cr_assert_eq(sm_loihi_dense_scale(5, -2), 1);
    cr_assert_eq(sm_loihi_dense_scale(-4, -2), -1);
    cr_assert_eq(sm_loihi_dense_scale(-1, -7), -1);
    cr_assert_eq(sm_loihi_dense_scale(-7, 0), -7);
    cr_assert_eq(sm_loihi_dense_scale(-7, 3), -56);
    cr_assert_eq(sm_loihi_dense_scale(100, 7), 12800);
}

/* ---- refusals ---- */

static void s_refused(int rc, const sm_error_t *err, const char *field, const char *value)
{
    cr_assert_eq(rc, -1, "%s %s accepted", field, value);
    cr_assert_eq(err->code, SM_ERANGE, "%s: %s", field, err->msg);
    cr_assert(strstr(err->msg, field) && strstr(err->msg, value), "message '%s' lacks %s or %s",
              err->msg, field, value);
}

Test(loihi, refusals)
{
    const sm_loihi_lif_params_t ok = {.du = 100, .dv = 50, .vth = 100};
    sm_loihi_lif_t p, keep;
    sm_loihi_lif_params_t lp;
    sm_error_t err;
    cr_assert(sm_loihi_lif_setup(&p, &ok, &err) == 0);
    keep = p;
    struct {
        const char *field, *value;
        int32_t *slot, bad;
    } cases[] = {
        {"du", "4096", &lp.du, 4096},
        {"du", "-1", &lp.du, -1},
        {"dv", "4096", &lp.dv, 4096},
        {"vth", "16777217", &lp.vth, (1 << 24) + 1}, /* 25 bits */
        {"vth", "8388608", &lp.vth, 1 << 23},
        {"vth", "-1", &lp.vth, -1},
        {"bias_mant", "4096", &lp.bias_mant, 4096},
        {"bias_mant", "-4097", &lp.bias_mant, -4097},
        {"bias_exp", "8", &lp.bias_exp, 8},
        {"bias_exp", "-32", &lp.bias_exp, -32},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lp = ok;
        *cases[i].slot = cases[i].bad;
        sm_error_clear(&err);
        s_refused(sm_loihi_lif_setup(&p, &lp, &err), &err, cases[i].field, cases[i].value);
        cr_assert(!memcmp(&p, &keep, sizeof p), "a refused setup wrote the parameters");
    }
    /* The edges are accepted, Lava's 140000 among them. */
    lp = (sm_loihi_lif_params_t){.du = 4095, .dv = 4095, .vth = SM_LOIHI_VTH_MAX,
                                 .bias_mant = -4096, .bias_exp = -31};
    cr_assert(sm_loihi_lif_setup(&p, &lp, &err) == 0, "%s", err.msg);
    lp = (sm_loihi_lif_params_t){.vth = 140000, .bias_mant = 4095, .bias_exp = 7};
    cr_assert(sm_loihi_lif_setup(&p, &lp, &err) == 0, "%s", err.msg);

    sm_loihi_state_t s = {-SM_LOIHI_U_MAX, 0};
    s_refused(sm_loihi_state_check(&s, &err), &err, "u", "-8388608");
    s = (sm_loihi_state_t){0, SM_LOIHI_V_MAX + 1};
    s_refused(sm_loihi_state_check(&s, &err), &err, "v", "8388608");
    s = (sm_loihi_state_t){SM_LOIHI_U_MAX, -SM_LOIHI_V_MAX};
    cr_assert(sm_loihi_state_check(&s, &err) == 0);

    sm_loihi_dense_t d;
    int32_t w = 1;
    s_refused(sm_loihi_dense_setup(&d, 9, 0, SM_LOIHI_SIGN_AUTO, &w, 1, &err), &err,
              "num_weight_bits", "9");
    s_refused(sm_loihi_dense_setup(&d, 0, 0, SM_LOIHI_SIGN_AUTO, &w, 1, &err), &err,
              "num_weight_bits", "0");
    s_refused(sm_loihi_dense_setup(&d, 8, 8, SM_LOIHI_SIGN_AUTO, &w, 1, &err), &err,
              "weight_exp", "8");
    s_refused(sm_loihi_dense_setup(&d, 8, -8, SM_LOIHI_SIGN_AUTO, &w, 1, &err), &err,
              "weight_exp", "-8");
    cr_assert_eq(sm_loihi_dense_setup(&d, 8, 0, (sm_loihi_sign_t)7, &w, 1, &err), -1);
    cr_assert_eq(err.code, SM_EINVAL);
    cr_assert(strstr(err.msg, "sign_mode"));
    cr_assert(sm_loihi_dense_setup(&d, 1, -7, SM_LOIHI_SIGN_AUTO, &w, 1, &err) == 0);
    cr_assert(sm_loihi_dense_setup(&d, 8, 7, SM_LOIHI_SIGN_AUTO, &w, 1, &err) == 0);
}

/* NEVER right after an input: u and v around the threshold's scale, where
 * the bound of next_spike (the supremum of the untruncated decay) decides.
 * Every NEVER is stepped until the state settles: no spike may come. */
Test(loihi, never_after_input_is_never, .timeout = 300)
{
    sm_rng_t r = sm_rng_stream(10, 7, 0);
    int never = 0;
    for (int trial = 0; trial < 40000; trial++) {
        sm_loihi_lif_params_t lp = {
            .du = s_decay(&r),
            .dv = sm_rng_below(&r, 5) ? s_pick(&r, 1, 4095) : s_decay(&r),
            .vth = s_pick(&r, 0, 2000),
            .bias_mant = sm_rng_below(&r, 2) ? 0 : s_pick(&r, -100, 100),
            .bias_exp = s_pick(&r, -2, 3),
        };
        sm_loihi_lif_t p;
        cr_assert(sm_loihi_lif_setup(&p, &lp, NULL) == 0);
        sm_loihi_state_t s = {s_pick(&r, -p.theta - 1, 2 * p.theta + 64),
                              s_pick(&r, -p.theta - 1, p.theta)};
        if (sm_loihi_next_spike(&p, &s) != SM_LOIHI_NEVER)
            continue;
        never++;
        char why[160];
        snprintf(why, sizeof why, "trial %d: ku %d kv %d th %d B %d from (%d, %d)", trial, p.ku,
                 p.kv, p.theta, p.bias, s.u, s.v);
        s_settle(&p, &s, why);
    }
    cr_assert(never > 10000, "only %d NEVER", never);
}
