/* Neuron models: the golden population cases bit for bit through
 * sm_model_step, the same cases and long silent runs through the closed-form
 * path (advance + next_spike), parameter errors and derived constants. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "golden.h"
#include "helpers.h"
#include "model_json.h"
#include "rng.h"
#include "model.h"
#include "model_kern.h"

/* Every population case of the golden folder, sorted. */
static size_t s_cases(char ***out)
{
    DIR *d = opendir(T_GOLDEN_DIR);
    cr_assert_not_null(d, "cannot open %s", T_GOLDEN_DIR);
    char **v = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l <= 5 || strcmp(e->d_name + l - 5, ".json") || !strncmp(e->d_name, "README", 6))
            continue;
        v = realloc(v, (n + 1) * sizeof *v);
        v[n] = malloc(strlen(T_GOLDEN_DIR) + l + 2);
        sprintf(v[n], "%s/%s", T_GOLDEN_DIR, e->d_name);
        n++;
    }
    closedir(d);
    *out = v;
    return n;
}

static void s_free_cases(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

Test(models, golden_population_bit_exact)
{
    char **files;
    size_t n = s_cases(&files), pops = 0;
    cr_assert(n > 0);
    for (size_t i = 0; i < n; i++) {
        sm_error_t err;
        sm_error_clear(&err);
        sm_golden_t *g = sm_golden_load(files[i], &err);
        cr_assert_not_null(g, "%s", err.msg);
        if (g->kind == SM_GOLDEN_POPULATION) {
            pops++;
            sm_gcheck_t chk;
            sm_gcheck_init(&chk);
            cr_assert_eq(sm_golden_run_population(g, false, &chk, NULL, &err), 0, "%s", err.msg);
            cr_expect_eq(chk.mismatches, 0, "%s: %s", g->name, chk.first);
            cr_expect(chk.worst == 0.0, "%s: not bit-exact, worst %g", g->name, chk.worst);
            cr_expect(chk.compared > 0);
        }
        sm_golden_destroy(&g);
    }
    cr_assert(pops >= 20, "only %zu population cases", pops);
    s_free_cases(files, n);
}

Test(models, golden_population_closed_form)
{
    char **files;
    size_t n = s_cases(&files);
    for (size_t i = 0; i < n; i++) {
        sm_error_t err;
        sm_error_clear(&err);
        sm_golden_t *g = sm_golden_load(files[i], &err);
        cr_assert_not_null(g, "%s", err.msg);
        if (g->kind == SM_GOLDEN_POPULATION) {
            sm_gcheck_t chk;
            sm_gcheck_init(&chk);
            sm_gevent_t st;
            cr_assert_eq(sm_golden_run_population(g, true, &chk, &st, &err), 0, "%s", err.msg);
            cr_expect_eq(chk.mismatches, 0, "%s: %s", g->name, chk.first);
            cr_expect_eq(st.steps + st.skipped, (uint64_t)g->steps * g->neurons);
        }
        sm_golden_destroy(&g);
    }
    s_free_cases(files, n);
}

/* ---- closed form against dense stepping on long silent runs --------- */

static void s_model(sm_model_t *m, const char *name, const char *json)
{
    cJSON *p = json ? cJSON_Parse(json) : NULL;
    cr_assert(!json || p, "bad test JSON %s", json);
    sm_error_t err;
    sm_error_clear(&err);
    int rc = sm_model_from_json(m, name, p, "params", &err);
    cJSON_Delete(p);
    cr_assert_eq(rc, 0, "%s %s: %s", name, json, err.msg);
}

typedef struct {
    uint32_t tick;
    float exc, inh;
} s_pulse_t;

static bool s_close(double got, double ref, double tol)
{
    return fabs(got - ref) <= tol * fmax(1.0, fabs(ref));
}

/* Dense steps vs the event path (step on input or when due, else advance).
 * Returns the number of event-path steps; the spike counts must agree.
 * Over thousands of silent ticks the dense float steps are the inexact side:
 * with beta = 1 their rounding adds up (about k ulp/2 after k ticks), and a
 * leaky membrane stalls up to ulp/(2(1-beta)) short of its fixed point (1.2e-5
 * relative for a 20 ms membrane at -65 mV and dt = 0.1 ms). The closed form
 * is the exact solution, so the check allows 3e-5 here; the golden cases
 * above are held to 1e-5. */
static uint64_t s_compare(const sm_model_t *m, uint32_t T, const s_pulse_t *pulses, size_t np,
                          uint64_t *spikes_out)
{
    sm_nstate_t *ref = malloc((size_t)T * sizeof *ref);
    uint32_t *spk = malloc((size_t)T * sizeof *spk);
    sm_nstate_t s;
    sm_model_init_state(m, &s);
    size_t p = 0;
    uint64_t spikes = 0;
    for (uint32_t t = 0; t < T; t++) {
        float e = 0, i = 0;
        if (p < np && pulses[p].tick == t) {
            e = pulses[p].exc;
            i = pulses[p].inh;
            p++;
        }
        spk[t] = sm_model_step(m, &s, e, i);
        spikes += spk[t];
        ref[t] = s;
    }
    sm_model_init_state(m, &s);
    uint64_t steps = 0;
    p = 0;
    uint32_t t = 0;
    while (t < T) {
        bool has = p < np && pulses[p].tick == t;
        uint32_t k = 0;
        if (!has) {
            uint32_t next = (p < np && pulses[p].tick < T) ? pulses[p].tick : T;
            uint32_t d = sm_model_next_spike(m, &s);
            k = next - t;
            if (d != SM_NEVER && d - 1 < k)
                k = d - 1;
        }
        if (k == 0) {
            float e = has ? pulses[p].exc : 0.0f, i = has ? pulses[p].inh : 0.0f;
            p += has;
            uint32_t n = sm_model_step(m, &s, e, i);
            steps++;
            cr_assert_eq(n, spk[t], "%s style %d: spike count at tick %u: %u vs dense %u",
                         sm_model_kind_name(m->kind), m->style, t, n, spk[t]);
            t++;
        } else {
            sm_model_advance(m, &s, k);
            for (uint32_t u = t; u < t + k; u++)
                cr_assert_eq(spk[u], 0, "%s style %d: dense spike at %u skipped (advance %u from %u)",
                             sm_model_kind_name(m->kind), m->style, u, k, t);
            t += k;
        }
        const sm_nstate_t *r = &ref[t - 1];
        cr_assert(s_close(s.v, r->v, 3e-5) && s_close(s.ie, r->ie, 3e-5) &&
                      s_close(s.ii, r->ii, 3e-5) && s.refrac == r->refrac,
                  "%s style %d tick %u: (%.9g %.9g %.9g %u) vs dense (%.9g %.9g %.9g %u)",
                  sm_model_kind_name(m->kind), m->style, t - 1, s.v, s.ie, s.ii, s.refrac, r->v,
                  r->ie, r->ii, r->refrac);
    }
    free(ref);
    free(spk);
    if (spikes_out)
        *spikes_out = spikes;
    return steps;
}

static const s_pulse_t s_some[] = {{10, 0.8f, 0.0f},   {500, 2.0f, 0.0f},  {501, 0.5f, -0.2f},
                                   {2000, -1.5f, 0.0f}, {2600, 3.0f, 0.0f}, {4000, 0.0f, -2.0f}};

static void s_run(const char *name, const char *json, uint32_t T, bool must_fire)
{
    sm_model_t m;
    s_model(&m, name, json);
    uint64_t spikes;
    uint64_t steps = s_compare(&m, T, s_some, sizeof s_some / sizeof s_some[0], &spikes);
    if (must_fire)
        cr_expect(spikes > 3, "%s %s: only %llu spikes", name, json, (unsigned long long)spikes);
    /* Skipping must pay: a handful of steps per spike and per input. */
    cr_expect(steps <= 12 * spikes + 12 * 6 + 40, "%s %s: %llu steps for %llu spikes", name, json,
              (unsigned long long)steps, (unsigned long long)spikes);
}

Test(models, closed_form_snntorch)
{
    s_run("lif", "{\"beta\": 0.9, \"bias\": 0.15}", 6000, true);
    s_run("lif", "{\"beta\": 0.99, \"bias\": 0.0101, \"threshold\": 1.0}", 6000, true);
    s_run("lif", "{\"beta\": 0.95, \"bias\": 0.08, \"reset_mechanism\": \"zero\"}", 6000, true);
    s_run("lif", "{\"beta\": 0.9, \"bias\": 0.15, \"reset_delay\": false}", 6000, true);
    s_run("lif", "{\"beta\": 0.9, \"bias\": -0.01}", 6000, false);
    s_run("lif", "{\"tau_mem\": 20, \"dt\": 1, \"bias\": 0.06}", 6000, true);
    /* beta = 1: the dense rounding never decays, keep the run short. */
    s_run("iaf", "{\"style\": \"snntorch\", \"bias\": 0.003}", 1500, true);
    s_run("cuba_lif", "{\"alpha\": 0.9, \"beta\": 0.8, \"bias\": 0.03}", 6000, true);
    s_run("cuba_lif", "{\"alpha\": 0.9, \"beta\": 0.9, \"bias\": 0.011}", 6000, true);
    s_run("cuba_lif", "{\"alpha\": 0.95, \"beta\": 0.8, \"reset_mechanism\": \"zero\"}", 6000, false);
    s_run("lapicque", "{\"beta\": 0.9, \"bias\": 1.3}", 6000, true);
    s_run("lapicque", "{\"R\": 5, \"C\": 0.01, \"time_step\": 0.001, \"threshold\": 0.4, "
                      "\"bias\": 0.1}", 6000, true);
    s_run("alpha", "{\"alpha\": 0.9, \"beta\": 0.8, \"bias\": 0.4}", 6000, false);
    s_run("alpha", "{\"alpha\": 0.9, \"beta\": 0.8, \"reset_mechanism\": \"subtract\"}", 6000, false);
}

Test(models, closed_form_sinabs)
{
    s_run("iaf", "{\"bias\": 0.0107}", 1500, true);
    s_run("iaf", "{\"bias\": 0.0107, \"spike_fn\": \"SingleSpike\", \"min_v_mem\": -1}", 1500, true);
    s_run("lif", "{\"tau_mem\": 20, \"bias\": 1.2}", 6000, true);
    s_run("lif", "{\"tau_mem\": 10, \"tau_syn\": 5, \"norm_input\": false, \"bias\": 0.02, "
                 "\"min_v_mem\": -0.3, \"reset_fn\": \"MembraneReset\"}", 6000, true);
    s_run("lif", "{\"tau_mem\": 30, \"tau_syn\": 8, \"bias\": 1.5, \"min_v_mem\": -0.1}", 6000, true);
    s_run("iaf", "{\"tau_syn\": 4, \"bias\": -0.001, \"min_v_mem\": -0.5}", 6000, false);
}

Test(models, closed_form_norse)
{
    s_run("cuba_lif", "{\"tau_mem_inv\": 100, \"tau_syn_inv\": 200, \"bias\": 1.2}", 6000, true);
    s_run("cuba_lif", "{\"tau_mem_inv\": 100, \"tau_syn_inv\": 100, \"v_leak\": 0.5, "
                      "\"v_th\": 0.4, \"v_reset\": 0}", 6000, true);
    s_run("cuba_lif", "{\"tau_mem_inv\": 50, \"tau_syn_inv\": 300, \"v_th\": 0.5}", 6000, false);
    s_run("li", "{\"tau_mem_inv\": 40, \"tau_syn_inv\": 150, \"v_leak\": 0.2, \"bias\": 0.1}",
          6000, false);
}

/* Brian2's CUBA neuron: v_leak (-49 mV) above threshold (-50 mV), so it fires
 * on its own; the prediction must not wake it every tick. */
Test(models, closed_form_exact_cuba)
{
    const char *cuba = "{\"tau_m\": 20, \"tau_syn_E\": 5, \"tau_syn_I\": 10, \"dt\": 0.1, "
                       "\"v_rest\": -49, \"v_reset\": -60, \"v_thresh\": -50, "
                       "\"tau_refrac\": 5}";
    sm_model_t m;
    s_model(&m, "cuba_lif", cuba);
    cr_assert_eq(m.style, SM_STYLE_EXACT);
    cr_assert_eq(m.refractory_ticks, 50);
    static const s_pulse_t in[] = {{100, 1.62f, 0}, {3000, 0, -9.0f}, {3001, 1.62f, 0},
                                   {9000, 1.62f, -9.0f}};
    uint64_t spikes;
    uint64_t steps = s_compare(&m, 20000, in, 4, &spikes);
    cr_assert(spikes >= 10, "%llu spikes", (unsigned long long)spikes);
    cr_expect(steps <= 10 * spikes + 30, "%llu steps for %llu spikes", (unsigned long long)steps,
              (unsigned long long)spikes);

    s_run("cuba_lif", "{\"tau_m\": 10, \"tau_syn\": 2, \"dt\": 0.1, \"v_rest\": -65, "
                      "\"v_reset\": -70, \"v_thresh\": -55, \"cm\": 0.25, \"i_offset\": 0.6, "
                      "\"tau_refrac\": 2, \"spike_when\": \">=\"}", 20000, true);
    s_run("cuba_lif", "{\"tau_m\": 20, \"tau_syn_E\": 20, \"tau_syn_I\": 5, \"v_rest\": -65, "
                      "\"v_thresh\": -64.5, \"cm\": 1}", 20000, false);
}

/* The tabulated closed forms (m->closed) against the general ones (the same
 * model with its tables dropped), and next_spike against dense stepping from
 * random states: never late. The form stored by sm_model_prepare, without its
 * tables, gives what the style's form built at every call gives, bit for bit. */
static void s_tables(const char *name, const char *json, float ce, float ci)
{
    sm_model_t m, slow, form;
    s_model(&m, name, json);
    cr_assert_eq(m.closed.ready, SM_CLOSED_READY, "%s %s: no tables", name, json);
    slow = m;
    slow.closed.ready = 0;
    form = m;
    form.closed.ready = SM_CLOSED_FORM;
    uint64_t rs = 12345;
    for (int trial = 0; trial < 400; trial++) {
        rs = rs * 6364136223846793005ull + 1442695040888963407ull;
        double r1 = (double)(rs >> 11) / 9007199254740992.0;
        rs = rs * 6364136223846793005ull + 1442695040888963407ull;
        double r2 = (double)(rs >> 11) / 9007199254740992.0;
        sm_nstate_t s0;
        sm_model_init_state(&m, &s0);
        double th = m.threshold, lo = m.style == SM_STYLE_EXACT ? m.v_reset : -th;
        s0.v = (float)(lo + (th - lo) * r1 * 0.999);
        s0.ie = (float)(ce * r2);
        s0.ii = (float)(ci * (1.0 - r2));
        if (m.kind == SM_MODEL_ALPHA)
            s0.v = 0.0f;
        uint32_t k = 1 + (uint32_t)(trial * 7 % 300);
        sm_nstate_t a = s0, b = s0;
        sm_model_advance(&m, &a, k);
        sm_model_advance(&slow, &b, k);
        sm_nstate_t f = s0;
        sm_model_advance(&form, &f, k);
        cr_assert(!memcmp(&f, &b, sizeof f), "%s %s: advance %u: stored form differs", name,
                  json, k);
        cr_assert(s_close(a.v, b.v, 1e-6) && s_close(a.ie, b.ie, 1e-6) &&
                      s_close(a.ii, b.ii, 1e-6) && a.refrac == b.refrac,
                  "%s %s: advance %u: tables (%.9g %.9g %.9g) vs general (%.9g %.9g %.9g)", name,
                  json, k, a.v, a.ie, a.ii, b.v, b.ie, b.ii);
        /* Never late: no dense spike before the predicted tick. */
        uint32_t d = sm_model_next_spike(&m, &s0);
        uint32_t ds = sm_model_next_spike(&slow, &s0);
        cr_assert_eq(sm_model_next_spike(&form, &s0), ds, "%s %s: stored form differs", name,
                     json);
        cr_assert(d >= 1);
        if (ds == SM_NEVER && d != SM_NEVER)
            cr_assert_geq(d, SM_MODEL_HORIZON - 1, "%s: NEVER became %u", name, d);
        sm_nstate_t t = s0;
        for (uint32_t u = 1; u < 2000 && u < d; u++)
            cr_assert_eq(sm_model_step(&m, &t, 0.0f, 0.0f), 0,
                         "%s %s: spike at %u, predicted no earlier than %u (v0 %.9g)", name, json,
                         u, d, s0.v);
    }
}

Test(models, closed_form_tables)
{
    const char *cuba = "{\"tau_m\": 20, \"tau_syn_E\": 5, \"tau_syn_I\": 10, \"dt\": 0.1, "
                       "\"v_rest\": -49, \"v_reset\": -60, \"v_thresh\": -50, "
                       "\"tau_refrac\": 5}";
    s_tables("cuba_lif", cuba, 3.0f, -9.0f);
    s_tables("cuba_lif", "{\"tau_m\": 20, \"tau_syn_E\": 20, \"tau_syn_I\": 20.000001, "
                         "\"v_rest\": -65, \"v_thresh\": -55, \"i_offset\": 0.5, \"cm\": 1}",
             2.0f, -2.0f);
    s_tables("lif", "{\"beta\": 0.9, \"bias\": 0.15}", 0.0f, 0.0f);
    s_tables("lif", "{\"beta\": 0.95, \"bias\": 0.01}", 0.0f, 0.0f);
    s_tables("cuba_lif", "{\"alpha\": 0.9, \"beta\": 0.8, \"bias\": 0.03}", 0.5f, 0.0f);
    s_tables("cuba_lif", "{\"alpha\": 0.9, \"beta\": 0.9, \"bias\": 0.011}", 0.5f, 0.0f);
    s_tables("lapicque", "{\"beta\": 0.9, \"bias\": 1.3}", 0.0f, 0.0f);
    s_tables("alpha", "{\"alpha\": 0.9, \"beta\": 0.8, \"bias\": 0.4}", 0.5f, -0.5f);
    s_tables("lif", "{\"tau_mem\": 10, \"tau_syn\": 5, \"norm_input\": false, \"bias\": 0.02, "
                    "\"reset_fn\": \"MembraneReset\"}", 0.3f, 0.0f);
    s_tables("iaf", "{\"tau_syn\": 4, \"bias\": 0.001}", 0.3f, 0.0f);
    s_tables("cuba_lif", "{\"tau_mem_inv\": 100, \"tau_syn_inv\": 200, \"bias\": 1.2}", 1.0f,
             0.0f);
    s_tables("cuba_lif", "{\"tau_mem_inv\": 100, \"tau_syn_inv\": 100, \"v_leak\": 0.5, "
                         "\"v_th\": 0.4, \"v_reset\": 0}", 1.0f, 0.0f);
}

/* The exact propagators against their definition, integrated finely. */
Test(models, exact_propagators)
{
    sm_model_t m;
    s_model(&m, "cuba_lif", "{\"tau_m\": 20, \"tau_syn_E\": 5, \"tau_syn_I\": 20, \"dt\": 0.5, "
                            "\"cm\": 0.5, \"v_rest\": 0, \"v_reset\": -1, \"v_thresh\": 100}");
    /* dV/dt = -V/tau_m + I/cm, I = e^{-t/tau_s}: Euler with tiny steps. */
    double taus[2] = {5, 20}, want[2] = {m.p21e, m.p21i};
    for (int j = 0; j < 2; j++) {
        double V = 0, I = 1, h = 1e-6;
        for (int k = 0; k < 500000; k++) {
            V += h * (-V / 20.0 + I / 0.5);
            I -= h * I / taus[j];
        }
        cr_expect(fabs(V - want[j]) < 1e-5, "p21[%d] = %.9g, integrated %.9g", j, want[j], V);
    }
    cr_expect(fabs(m.p20 - 20.0 / 0.5 * (1 - exp(-0.5 / 20))) < 1e-12);
    cr_expect(fabs(m.p22 - exp(-0.5 / 20)) < 1e-15);
}

/* ---- parameter errors --------------------------------------------------- */

static void s_bad(const char *name, const char *json, const char *needle1, const char *needle2)
{
    cJSON *p = cJSON_Parse(json);
    cr_assert_not_null(p);
    sm_model_t m;
    sm_error_t err;
    sm_error_clear(&err);
    int rc = sm_model_from_json(&m, name, p, "populations[0].params", &err);
    cJSON_Delete(p);
    cr_assert_eq(rc, -1, "%s %s accepted", name, json);
    cr_expect(strstr(err.msg, needle1), "'%s' not in '%s'", needle1, err.msg);
    if (needle2)
        cr_expect(strstr(err.msg, needle2), "'%s' not in '%s'", needle2, err.msg);
}

Test(models, param_errors)
{
    s_bad("lif", "{\"beta\": 1.5}", "populations[0].params.beta: must be in [0, 1], got 1.5", NULL);
    s_bad("lif", "{\"beta\": 0.9, \"betta\": 1}", "populations[0].params: unknown key \"betta\"",
          "did you mean \"beta\"");
    s_bad("lif", "{\"beta\": \"x\"}", "populations[0].params.beta", "number");
    s_bad("lif", "{}", "populations[0].params.beta", "missing");
    s_bad("lif", "{\"beta\": 0.9, \"reset_mechanism\": \"hard\"}", "reset_mechanism", "hard");
    s_bad("cuba_lif", "{\"tau_m\": -3}", "populations[0].params.tau_m", "-3");
    s_bad("cuba_lif", "{\"tau_m\": 20, \"v_reset\": -40, \"v_thresh\": -50}", "v_reset", "-40");
    s_bad("cuba_lif", "{\"tau_m\": 20, \"spike_when\": \"<\"}", "spike_when", "<");
    s_bad("cuba_lif", "{\"tau_mem_inv\": 2000}", "tau_mem_inv", "2");
    s_bad("iaf", "{\"spike_threshold\": 0}", "spike_threshold", "got 0");
    s_bad("iaf", "{\"spike_fn\": \"MaxSpike\"}", "spike_fn", "MaxSpike");
    s_bad("lif", "{\"tau_mem\": 10, \"min_v_mem\": 2}", "min_v_mem", "2");
    s_bad("alpha", "{\"alpha\": 0.5, \"beta\": 0.8}", "alpha", "0.5");
    s_bad("lif", "{\"beta\": 0.9, \"style\": \"nengo\"}", "style", "nengo");
    s_bad("lif", "{\"beta\": 0.9, \"style\": \"nengo\"}",
          "\"exact\" (\"nest\", \"pynn\", \"brian2\"), \"norse\" or \"loihi\" (\"lava\")", NULL);
    s_bad("li", "{\"style\": \"snntorch\"}", "style", "snntorch");
    s_bad("izhikevich", "{}", "unknown model", "izhikevich");
}

Test(models, param_styles)
{
    sm_model_t m;
    s_model(&m, "cuba_lif", "{\"tau_m\": 20}");
    cr_expect_eq(m.style, SM_STYLE_EXACT);
    cr_expect_eq(m.v_leak, -65.0f);
    s_model(&m, "cuba_lif", "{\"tau_mem_inv\": 50}");
    cr_expect_eq(m.style, SM_STYLE_NORSE);
    cr_expect_eq(m.am, 0.05f);
    s_model(&m, "cuba_lif", "{\"alpha\": 0.9, \"beta\": 0.8}");
    cr_expect_eq(m.style, SM_STYLE_SNNTORCH);
    s_model(&m, "lif", "{\"tau_mem\": 20}");
    cr_expect_eq(m.style, SM_STYLE_SNNTORCH);
    cr_expect_eq(m.beta, (float)exp(-1.0 / 20.0));
    s_model(&m, "lif", "{\"tau_mem\": 20, \"norm_input\": true}");
    cr_expect_eq(m.style, SM_STYLE_SINABS);
    cr_expect(m.threshold_ge && m.multispike && m.norm_input);
    s_model(&m, "lif", "{\"style\": \"sinabs\", \"tau_mem\": 20}");
    cr_expect_eq(m.style, SM_STYLE_SINABS);
    s_model(&m, "iaf", NULL);
    cr_expect_eq(m.style, SM_STYLE_SINABS);
    s_model(&m, "cuba_lif", "{\"style\": \"nest\"}");
    cr_expect_eq(m.style, SM_STYLE_EXACT);
    s_model(&m, "cuba_lif", "{\"style\": \"brian2\"}");
    cr_expect_eq(m.style, SM_STYLE_EXACT);
    /* v_leak is norse's and exact's; tau_m only exact's. */
    s_model(&m, "cuba_lif", "{\"v_leak\": -60}");
    cr_expect_eq(m.style, SM_STYLE_NORSE);
    s_model(&m, "cuba_lif", "{\"tau_m\": 20, \"v_leak\": -60}");
    cr_expect_eq(m.style, SM_STYLE_EXACT);
    s_model(&m, "li", NULL);
    cr_expect_eq(m.style, SM_STYLE_NORSE);
    for (int st = 0; st < SM_STYLE_COUNT; st++)
        cr_expect_neq(strcmp(sm_model_style_name((sm_style_t)st), "?"), 0);
    /* Brian2 CUBA: without cm, v_inf = v_rest + bias (currents in mV). */
    s_model(&m, "cuba_lif", "{\"tau_m\": 20, \"v_rest\": -60, \"i_offset\": 5, \"dt\": 0.1}");
    cr_expect(fabs(m.p20 - (1 - m.p22)) < 1e-15);

    sm_error_t err;
    sm_error_clear(&err);
    cr_expect_eq(sm_model_from_golden(&m, "snntorch.Izhikevich", NULL, "params", &err), -1);
    cr_expect(strstr(err.msg, "snntorch.Izhikevich"), "%s", err.msg);
}

/* ---- derived constants ------------------------------------------------- */

static void s_expect_derived(const sm_golden_t *g, const char *key, float got)
{
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(g->derived, key);
    cr_assert(cJSON_IsNumber(d), "%s: derived.%s missing", g->name, key);
    float want = (float)d->valuedouble;
    cr_expect(got == want, "%s: %s = %.9g, library %.9g", g->name, key, got, want);
}

Test(models, derived_constants)
{
    char **files;
    size_t n = s_cases(&files), checked = 0;
    for (size_t i = 0; i < n; i++) {
        sm_error_t err;
        sm_error_clear(&err);
        sm_golden_t *g = sm_golden_load(files[i], &err);
        cr_assert_not_null(g, "%s", err.msg);
        if (g->kind != SM_GOLDEN_POPULATION || !g->derived) {
            sm_golden_destroy(&g);
            continue;
        }
        sm_model_t m;
        cr_assert_eq(sm_model_from_golden(&m, g->cls, g->params, "params", &err), 0, "%s", err.msg);
        const char *c = g->cls;
        if (!strcmp(c, "snntorch.Lapicque")) {
            s_expect_derived(g, "inv_RC", m.inv_RC);
            s_expect_derived(g, "decay", m.decay);
            s_expect_derived(g, "R", m.R);
            s_expect_derived(g, "time_step", m.time_step);
            /* C itself is not kept; R*C = 1/inv_RC is what the update uses. */
            const cJSON *C = cJSON_GetObjectItemCaseSensitive(g->derived, "C");
            cr_assert(cJSON_IsNumber(C));
            cr_expect_eq(1.0f / (m.R * (float)C->valuedouble), m.inv_RC);
        } else if (!strcmp(c, "snntorch.Alpha")) {
            s_expect_derived(g, "tau_alpha", m.tau_alpha);
            s_expect_derived(g, "alpha_clamped", m.alpha);
            s_expect_derived(g, "beta_clamped", m.beta);
        } else if (!strncmp(c, "snntorch.", 9)) {
            s_expect_derived(g, "beta_clamped", m.beta);
            s_expect_derived(g, "threshold", m.threshold);
            if (cJSON_GetObjectItemCaseSensitive(g->derived, "alpha_clamped"))
                s_expect_derived(g, "alpha_clamped", m.alpha);
        } else if (!strncmp(c, "norse.", 6)) {
            s_expect_derived(g, "dt_times_tau_mem_inv", m.am);
            s_expect_derived(g, "neg_dt_times_tau_syn_inv", m.as);
        } else if (!strncmp(c, "sinabs.", 7)) {
            s_expect_derived(g, "alpha_mem", m.beta);
            s_expect_derived(g, "spike_threshold", m.threshold);
            if (m.has_syn)
                s_expect_derived(g, "alpha_syn", m.alpha);
            if (m.norm_input)
                s_expect_derived(g, "one_minus_alpha_mem", m.one_minus_beta);
            if (m.has_min_v)
                s_expect_derived(g, "min_v_mem", m.min_v);
        } else {
            cr_assert_fail("%s: unexpected class %s", g->name, c);
        }
        checked++;
        sm_golden_destroy(&g);
    }
    cr_assert(checked >= 20);
    s_free_cases(files, n);
}

/* ---- the margin of a wake-up (sm_model_next_spike_slack) ------------------ */

/* From states reached by random input: with d and the margin of the
 * prediction, feed inputs whose rises (sm_model_rise) add up to less than
 * the margin; the neuron must not spike before step d, or the event engine,
 * which keeps its wake-up then, would miss the spike. */
static uint32_t s_slack_trials(const char *name, const char *json, uint64_t seed)
{
    sm_model_t m;
    s_model(&m, name, json);
    sm_rng_t r = sm_rng_stream(seed, 1, 2);
    uint32_t with_margin = 0;
    for (int trial = 0; trial < 400; trial++) {
        sm_nstate_t s;
        sm_model_init_state(&m, &s);
        for (uint32_t k = sm_rng_below(&r, 300); k > 0; k--)
            (void)sm_model_step(&m, &s, sm_rng_uniform(&r) < 0.1 ? (float)sm_rng_uniform(&r) : 0.0f,
                                sm_rng_uniform(&r) < 0.05 ? -(float)sm_rng_uniform(&r) : 0.0f);
        float slack;
        uint32_t d = sm_model_next_spike_slack(&m, &s, &slack);
        cr_assert(slack >= 0.0f && !isnan(slack), "%s %s: margin %g", name, json, (double)slack);
        if (d == SM_NEVER || slack <= 0.0f)
            continue;
        with_margin++;
        double used = 0.0;
        uint32_t end = d - 1 < 3000 ? d - 1 : 3000;
        for (uint32_t k = 1; k <= end; k++) {
            float xe = 0.0f, xi = 0.0f;
            if (sm_rng_uniform(&r) < 0.3) {
                /* Up to about what is left, sometimes more (then not given). */
                xe = (float)(sm_rng_uniform(&r) * 1.2 * (slack - used) * 10.0);
                xi = sm_rng_uniform(&r) < 0.3 ? -(float)sm_rng_uniform(&r) : 0.0f;
                float rise = sm_model_rise(&m, xe, xi);
                if (!(used + rise < slack))
                    xe = xi = 0.0f;
                else
                    used += rise;
            }
            uint32_t n = sm_model_step(&m, &s, xe, xi);
            cr_assert_eq(n, 0, "%s %s trial %d: spike at step %u of %u, inputs within the margin "
                         "(%g of %g)", name, json, trial, k, d, used, (double)slack);
        }
    }
    return with_margin;
}

Test(models, slack_keeps_wakeups)
{
    static const char *const cases[][2] = {
        {"lif", "{\"beta\": 0.9, \"bias\": 0.15}"},
        {"lif", "{\"beta\": 0.99, \"bias\": 0.0101, \"threshold\": 1.0}"},
        {"cuba_lif", "{\"alpha\": 0.9, \"beta\": 0.8, \"bias\": 0.03}"},
        {"cuba_lif", "{\"alpha\": 0.95, \"beta\": 0.8, \"reset_mechanism\": \"zero\"}"},
        {"lapicque", "{\"beta\": 0.9, \"bias\": 1.3}"},
        {"alpha", "{\"alpha\": 0.9, \"beta\": 0.8, \"bias\": 0.4}"},
        {"iaf", "{\"style\": \"snntorch\", \"bias\": 0.003}"},
        {"lif", "{\"tau_mem\": 20, \"bias\": 1.2}"},
        {"cuba_lif", "{\"tau_mem_inv\": 100, \"tau_syn_inv\": 200, \"bias\": 1.2}"},
        {"cuba_lif", "{\"tau_m\": 20, \"tau_syn_E\": 5, \"tau_syn_I\": 10, \"v_rest\": -49, "
                     "\"v_reset\": -60, \"v_thresh\": -50, \"tau_refrac\": 5, \"dt\": 0.1}"},
    };
    uint32_t total = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        total += s_slack_trials(cases[i][0], cases[i][1], 11 + i);
    /* The margin must be exercised, not only be safe. */
    cr_expect_gt(total, 500, "only %u trials had a margin", total);
}

/* A kernel (model_kern.h) is the general code resolved once: the same
 * state after a catch-up or a step, the same wake-up and slack, the same
 * rise, bit for bit, from states all over the place. */
static void s_kern_check(const char *name, const char *json, bool want_lin)
{
    sm_model_t m;
    s_model(&m, name, json);
    sm_kern_t *k = malloc(sizeof *k);
    cr_assert(k);
    sm_kern_init(k, &m);
    cr_assert_eq(k->lin, want_lin, "%s %s: kernel catch-up %d", name, json, k->lin);
    cr_assert_eq(k->exact, m.style == SM_STYLE_EXACT);
    sm_rng_t r = sm_rng_stream(11, 0, 0);
    const float th = isfinite(m.threshold) ? m.threshold : 1.0f;
    for (int it = 0; it < 4000; it++) {
        sm_nstate_t s;
        sm_model_init_state(&m, &s);
        volatile float vs[3] = {(float)(th + (sm_rng_uniform(&r) - 0.8) * 2.0 * fmax(1.0, fabs(th))),
                                (float)(sm_rng_uniform(&r) - 0.4), (float)(sm_rng_uniform(&r) - 0.6)};
        s.v = vs[0];
        s.ie = vs[1];
        s.ii = vs[2];
        s.refrac = it % 7 == 0 ? (uint32_t)(sm_rng_uniform(&r) * 80) : 0;
        uint32_t n = 1 + (uint32_t)(sm_rng_uniform(&r) * 300);
        sm_nstate_t a = s, b = s;
        if (sm_kern_advance(k, &a, n)) {
            sm_model_advance(&m, &b, n);
            cr_assert(!memcmp(&a, &b, sizeof a), "%s %s: advance %u differs", name, json, n);
        } else {
            cr_assert(!k->lin || n >= SM_MODEL_HORIZON);
        }
        /* Through memory, as the engine's inputs come: GCC 12 at -O2 was
         * seen to feed the unrounded doubles of these two expressions to the
         * inlined kernel step. */
        volatile float vx[2] = {(float)(sm_rng_uniform(&r) - 0.3), (float)(sm_rng_uniform(&r) - 0.7)};
        float xe = vx[0], xi = vx[1];
        a = b = s;
        uint32_t na = sm_kern_step(k, &a, xe, xi), nb = sm_model_step(&m, &b, xe, xi);
        cr_assert_eq(na, nb);
        cr_assert(!memcmp(&a, &b, sizeof a), "%s %s: step differs: (%.9g %.9g %.9g %u) vs (%.9g %.9g %.9g %u) from (%.9g %.9g %.9g %u)", name, json, a.v, a.ie, a.ii, a.refrac, b.v, b.ie, b.ii, b.refrac, s.v, s.ie, s.ii, s.refrac);
        float sa = -1.0f, sb = -2.0f;
        uint32_t da = sm_kern_next_spike_slack(k, &s, &sa), db = sm_model_next_spike_slack(&m, &s, &sb);
        cr_assert_eq(da, db, "%s %s: next spike %u vs %u", name, json, da, db);
        cr_assert(!memcmp(&sa, &sb, sizeof sa), "%s %s: slack %g vs %g", name, json, sa, sb);
        float ra = sm_kern_rise(k, xe, xi), rb = sm_model_rise(&m, xe, xi);
        cr_assert(!memcmp(&ra, &rb, sizeof ra), "%s %s: rise %g vs %g", name, json, ra, rb);
        cr_assert_eq(k->monotone, sm_model_monotone(&m));
    }
    free(k);
}

Test(models, kernel_bit_exact)
{
    s_kern_check("cuba_lif", "{\"tau_m\": 20, \"tau_syn_E\": 5, \"tau_syn_I\": 10, \"dt\": 0.1, "
                             "\"v_rest\": -49, \"v_reset\": -60, \"v_thresh\": -50, "
                             "\"tau_refrac\": 5}", true);
    s_kern_check("cuba_lif", "{\"tau_m\": 10, \"tau_syn_E\": 2, \"tau_syn_I\": 2, \"dt\": 1, "
                             "\"v_rest\": -65, \"v_reset\": -70, \"v_thresh\": -55, "
                             "\"bias\": 0.3}", true);
    s_kern_check("lif", "{\"beta\": 0.9, \"bias\": 0.15}", true);
    s_kern_check("cuba_lif", "{\"alpha\": 0.9, \"beta\": 0.8, \"bias\": 0.03}", false);
    s_kern_check("cuba_lif", "{\"alpha\": 0.9, \"beta\": 0.9}", false);
    s_kern_check("lif", "{\"tau_mem\": 20, \"tau_syn\": 5, \"bias\": 1.2}", false);
    s_kern_check("lif", "{\"tau_mem\": 20, \"bias\": 1.2}", true);
    s_kern_check("cuba_lif", "{\"tau_mem_inv\": 100, \"tau_syn_inv\": 200, \"bias\": 1.2}", false);
    s_kern_check("iaf", "{\"bias\": 0.0107, \"spike_fn\": \"SingleSpike\", \"min_v_mem\": -1}",
                 false);
}
