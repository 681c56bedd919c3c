/* Chip precision that acts: a fixed-point chip profile, and float networks
 * quantised into loihi_lif and Lava Dense as the chip's toolchain would,
 * with the report of what was lost. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "chip.h"
#include "engine.h"
#include "helpers.h"
#include "quantise.h"

static sm_chip_t *s_chip(const char *text)
{
    sm_error_t err;
    sm_chip_t *c = sm_chip_from_string(text, "chip.json", &err);
    cr_assert_not_null(c, "%s", err.msg);
    return c;
}

Test(quantise, chip_arithmetic_parsed)
{
    sm_error_t err;
    sm_chip_t *c = sm_chip_load("loihi", &err);
    cr_assert_not_null(c);
    cr_expect_eq(c->arith, SM_ARITH_FIXED);
    cr_expect_eq(c->weight_bits, 8);
    sm_chip_destroy(&c);
    c = sm_chip_load("truenorth", &err);
    cr_expect_eq(c->arith, SM_ARITH_FLOAT);
    sm_chip_destroy(&c);
    /* A base keeps its arithmetic; a file may change the widths. */
    c = s_chip("{\"base\": \"loihi\", \"precision\": {\"weight_bits\": 4}}");
    cr_expect(c->arith == SM_ARITH_FIXED && c->weight_bits == 4);
    sm_chip_destroy(&c);
    c = s_chip("{\"base\": \"loihi\", \"precision\": {\"arithmetic\": \"float\"}}");
    cr_expect_eq(c->arith, SM_ARITH_FLOAT);
    sm_chip_destroy(&c);
    const char *bad[][2] = {
        {"{\"base\": \"loihi\", \"precision\": {\"weight_bits\": 9}}", "precision.weight_bits"},
        {"{\"base\": \"loihi\", \"precision\": {\"state_bits\": 16}}", "precision.state_bits"},
        {"{\"base\": \"loihi\", \"precision\": {\"arithmetic\": \"posit\"}}", "\"posit\""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_null(sm_chip_from_string(bad[i][0], "chip.json", &err), "%s", bad[i][0]);
        cr_expect(strstr(err.msg, "chip.json") && strstr(err.msg, bad[i][1]), "%s", err.msg);
    }
}

static sm_net_t *s_ff(void)
{
    char path[1024];
    return t_load_net(t_join(path, sizeof path, T_EXAMPLES_DIR, "feedforward.json"));
}

static sm_result_t *s_run(const sm_net_t *net)
{
    sm_run_opts_t o;
    sm_run_opts_default(&o);
    o.threads = 1;
    sm_error_t err;
    sm_result_t *r = sm_engine_run(net, &o, &err);
    cr_assert_not_null(r, "%s", err.msg);
    return r;
}

static uint64_t s_spikes_of(const sm_net_t *net, const sm_result_t *r, const char *pop)
{
    const sm_pop_t *p = &net->pops[sm_net_find_pop(net, pop)];
    uint64_t n = 0;
    for (size_t i = 0; i < r->n_spikes; i++)
        n += r->spikes[i].gid >= p->first && r->spikes[i].gid < p->first + p->size;
    return n;
}

/* Quantises feedforward.json for a loihi with `bits`-bit weights. */
static sm_net_t *s_quantised(uint32_t bits, sm_qreport_t *rep)
{
    char text[200];
    snprintf(text, sizeof text, "{\"base\": \"loihi\", \"precision\": {\"weight_bits\": %u}}", bits);
    sm_chip_t *chip = s_chip(text);
    sm_net_t *net = s_ff();
    sm_error_t err;
    cr_assert_eq(sm_quantise(net, chip, rep, &err), 0, "%s", err.msg);
    sm_chip_destroy(&chip);
    return net;
}

Test(quantise, feedforward_on_loihi, .timeout = 120)
{
    sm_qreport_t rep;
    sm_net_t *net = s_quantised(8, &rep);
    /* hidden1 and hidden2 (snnTorch Leaky) become loihi_lif; readout (norse
     * LI) stays float, and says why. */
    cr_assert_eq(rep.n_pops, 3);
    cr_expect(rep.pops[0].quantised && rep.pops[1].quantised && !rep.pops[2].quantised);
    cr_expect(strstr(rep.pops[2].note, "kept float"), "%s", rep.pops[2].note);
    const sm_pop_t *h1 = &net->pops[sm_net_find_pop(net, "hidden1")];
    cr_expect(sm_pop_is_loihi(h1));
    /* beta 0.9 -> Kv = 3686 = 4096 - 410 (12 bits); no current: du 4095. */
    cr_expect_eq(rep.pops[0].dv, 410);
    cr_expect_eq(rep.pops[0].du, 4095);
    cr_expect(rep.pops[0].decay_err < 1.0 / 4096);
    cr_expect(strstr(rep.pops[0].note, "subtraction"), "%s", rep.pops[0].note);
    /* hidden2's bias 0.02 as mantissa and exponent, within 0.1%. */
    cr_expect(rep.pops[1].bias_mant != 0 && rep.pops[1].bias_err < 1e-3);
    /* The threshold's mantissa as planned (64 vth a quarter of v's range at
     * most) and the weights of both Dense, integers within 8 bits. */
    cr_expect(rep.pops[0].vth > 16384 && rep.pops[0].vth <= 32768, "vth %d", rep.pops[0].vth);
    cr_assert_eq(rep.n_projs, 2);
    for (uint32_t k = 0; k < rep.n_projs; k++) {
        const sm_qproj_t *q = &rep.projs[k];
        const sm_proj_t *pr = &net->projs[q->proj];
        cr_expect(pr->fixed && pr->weight_exp == q->weight_exp && pr->num_weight_bits == 8);
        cr_expect(q->weights > 1000 && q->clipped == 0);
        cr_expect(q->mean_rel_err < 0.02, "projections[%u]: mean error %g", q->proj,
                  q->mean_rel_err);
        if (pr->conn == SM_CONN_LIST)
            for (uint32_t i = 0; i < pr->n_list; i++)
                cr_assert(pr->l_weight[i] == floorf(pr->l_weight[i]) &&
                          fabsf(pr->l_weight[i]) <= 256.0f);
    }
    /* The mixed-sign projection loses one bit: its steps are even. */
    cr_expect_eq(rep.projs[0].sign, SM_LOIHI_SIGN_MIXED);
    cr_expect_eq(rep.projs[1].sign, SM_LOIHI_SIGN_EXCITATORY);

    /* 4-bit weights: more error, other spikes. */
    sm_qreport_t rep4;
    sm_net_t *net4 = s_quantised(4, &rep4);
    for (uint32_t k = 0; k < 2; k++)
        cr_expect(rep4.projs[k].mean_rel_err > 3.0 * rep.projs[k].mean_rel_err,
                  "projections[%u]: 4 bits %g, 8 bits %g", k, rep4.projs[k].mean_rel_err,
                  rep.projs[k].mean_rel_err);
    cr_expect(rep4.projs[0].zeroed > rep.projs[0].zeroed);
    sm_result_t *r8 = s_run(net), *r4 = s_run(net4);
    int differ = r8->n_spikes != r4->n_spikes;
    for (size_t i = 0; !differ && i < r8->n_spikes; i++)
        differ = r8->spikes[i].tick != r4->spikes[i].tick || r8->spikes[i].gid != r4->spikes[i].gid;
    cr_expect(differ, "4-bit and 8-bit weights gave the same spikes");
    /* Both still run the network: hidden2 fires at a rate near the float one. */
    sm_net_t *fl = s_ff();
    sm_result_t *rf = s_run(fl);
    const double f = (double)s_spikes_of(fl, rf, "hidden2");
    cr_expect(fabs((double)s_spikes_of(net, r8, "hidden2") - f) < 0.1 * f);
    cr_expect(fabs((double)s_spikes_of(net4, r4, "hidden2") - f) < 0.2 * f);
    sm_result_destroy(&rf);
    sm_result_destroy(&r8);
    sm_result_destroy(&r4);
    sm_net_destroy(&fl);
    sm_net_destroy(&net);
    sm_net_destroy(&net4);
    sm_qreport_fini(&rep);
    sm_qreport_fini(&rep4);
}

/* snnTorch Synaptic becomes a loihi_lif with a current; constant currents
 * become its bias; weights that cannot fit at the largest exponent are
 * reported clipped rather than wrapped. */
Test(quantise, synaptic_and_currents)
{
    const char *text =
        "{\"simulation\": {\"ticks\": 100}, \"populations\": ["
        "{\"name\": \"in\", \"size\": 4, \"source\": {\"kind\": \"poisson\", \"rate_hz\": 200}},"
        "{\"name\": \"s\", \"size\": 3, \"model\": \"cuba_lif\", \"params\": {\"alpha\": 0.75, "
        "\"beta\": 0.95, \"threshold\": 2.0, \"reset_mechanism\": \"zero\"}, \"initial\": {\"v\": 1.0}}],"
        "\"projections\": [{\"source\": \"in\", \"target\": \"s\", \"connectivity\": {\"kind\": "
        "\"all_to_all\"}, \"weight\": 0.7}],"
        "\"currents\": [{\"target\": \"s\", \"amplitude\": 0.01}]}";
    sm_net_t *net = t_net_json(text, "syn.json", ".");
    sm_chip_t *chip = s_chip("{\"base\": \"loihi\"}");
    sm_qreport_t rep;
    sm_error_t err;
    cr_assert_eq(sm_quantise(net, chip, &rep, &err), 0, "%s", err.msg);
    const sm_qpop_t *q = &rep.pops[0];
    cr_assert(q->quantised);
    /* alpha 0.75 -> Ku = 3072 = 4095 - 1023; beta 0.95 -> Kv = 3891. */
    cr_expect_eq(q->du, 1023);
    cr_expect_eq(q->dv, 205);
    cr_expect(q->bias_mant != 0, "the current became no bias");
    cr_expect_eq(net->n_currents, 0);
    cr_expect(net->pops[1].v_init[0] > 1e5f, "initial v not scaled: %g", (double)net->pops[1].v_init[0]);
    sm_result_t *r = s_run(net);
    cr_expect(s_spikes_of(net, r, "s") > 0);
    sm_result_destroy(&r);
    sm_qreport_fini(&rep);
    sm_chip_destroy(&chip);
    sm_net_destroy(&net);
}

/* ---- other float styles ------------------------------------------------------ */

/* A network of one neuron of `model` (a JSON object) driven by a source
 * through `weight`, its membrane traced for 80 ticks. */
static sm_net_t *s_one(const char *model, double weight)
{
    char text[2048];
    snprintf(text, sizeof text,
             "{\"simulation\": {\"ticks\": 80}, \"populations\": ["
             "{\"name\": \"in\", \"size\": 2, \"source\": {\"kind\": \"spike_times\", \"times\": "
             "[[2, 3, 10, 11, 12, 30, 31, 32, 33], [5, 20, 21, 50]]}},"
             "{\"name\": \"n\", \"size\": 1, %s}],"
             "\"projections\": [{\"source\": \"in\", \"target\": \"n\", \"connectivity\": "
             "{\"kind\": \"all_to_all\"}, \"weight\": %g, \"delay\": 1}],"
             "\"record\": {\"traces\": [{\"population\": \"n\", \"index\": 0}]}}",
             model, weight);
    return t_net_json(text, "one.json", ".");
}

/* Quantises the one-neuron network of `model` for loihi and checks the
 * chip's membrane (v / S from the reset potential vr) against the float
 * one at every tick, within tol of the threshold th, with no spike in
 * either; returns the report's note. */
static void s_follows(const char *model, double weight, double vr, double th, double tol,
                      char *note, size_t cap)
{
    sm_net_t *fl = s_one(model, weight), *q = s_one(model, weight);
    sm_chip_t *chip = s_chip("{\"base\": \"loihi\"}");
    sm_qreport_t rep;
    sm_error_t err;
    cr_assert_eq(sm_quantise(q, chip, &rep, &err), 0, "%s", err.msg);
    cr_assert(rep.pops[0].quantised, "%s: %s", model, rep.pops[0].note);
    snprintf(note, cap, "%s", rep.pops[0].note);
    sm_result_t *rf = s_run(fl), *rq = s_run(q);
    cr_expect(rf->n_spikes == 13 && rq->n_spikes == 13, "%s: %zu and %zu spikes, the source "
              "has 13", model, rf->n_spikes, rq->n_spikes);
    double worst = 0.0, swing = 0.0;
    for (uint32_t t = 0; t < rf->ticks; t++) {
        const double vf = rf->trace[(size_t)t * 3], vq = rq->trace[(size_t)t * 3] / rep.pops[0].scale + vr;
        worst = fmax(worst, fabs(vf - vq));
        swing = fmax(swing, fabs(vf - rf->trace[0]));
    }
    cr_expect(swing > 0.2 * th, "%s: the input moved v by only %g", model, swing);
    cr_expect(worst < tol * th, "%s: the chip's v is %g from the float one (threshold %g)", model,
              worst, th);
    sm_result_destroy(&rf);
    sm_result_destroy(&rq);
    sm_qreport_fini(&rep);
    sm_chip_destroy(&chip);
    sm_net_destroy(&fl);
    sm_net_destroy(&q);
}

/* Every style with a loihi_lif equivalent follows its float membrane on
 * the chip: gains, current decays, the one-tick lag of NEST's and Alpha's
 * membranes, constant drives and reset potentials as the origin. */
Test(quantise, other_styles_follow_their_float_membrane)
{
    char note[320];
    s_follows("\"model\": \"lapicque\", \"params\": {\"R\": 2, \"C\": 5, \"threshold\": 3}", 0.8, 0.0,
              3.0, 0.01, note, sizeof note);
    s_follows("\"model\": \"alpha\", \"params\": {\"alpha\": 0.9, \"beta\": 0.8, \"threshold\": 8}",
              0.6, 0.0, 8.0, 0.01, note, sizeof note);
    cr_expect(strstr(note, "one tick more") && strstr(note, "clears v"), "%s", note);
    s_follows("\"model\": \"cuba_lif\", \"params\": {\"tau_m\": 20, \"tau_syn\": 5, \"dt\": 1, "
              "\"v_rest\": -65, \"v_reset\": -70, \"v_thresh\": -50, \"tau_refrac\": 2, "
              "\"i_offset\": 0.1}", 8.0, -70.0, 20.0, 0.01, note, sizeof note);
    cr_expect(strstr(note, "refractory") && strstr(note, "reset potential"), "%s", note);
    s_follows("\"model\": \"cuba_lif\", \"params\": {\"tau_mem_inv\": 100, \"tau_syn_inv\": 200, "
              "\"v_leak\": 0.2, \"v_reset\": -0.1, \"v_th\": 3}", 1.0, -0.1, 3.1, 0.01, note,
              sizeof note);
    s_follows("\"model\": \"lif\", \"params\": {\"tau_mem\": 10, \"spike_threshold\": 3, "
              "\"reset_fn\": \"MembraneReset\", \"reset_value\": 0.1, \"spike_fn\": \"SingleSpike\"}",
              3.0, 0.1, 2.9, 0.01, note, sizeof note);
    s_follows("\"model\": \"iaf\", \"params\": {\"spike_threshold\": 9, \"min_v_mem\": -9}", 0.5, 0.0,
              9.0, 0.01, note, sizeof note);
    cr_expect(strstr(note, "MultiSpike") && strstr(note, "min_v_mem"), "%s", note);
}

/* What has no loihi_lif equivalent stays float, and the report says why. */
Test(quantise, kept_float_with_the_reason)
{
    const char *cases[][2] = {
        {"\"model\": \"li\", \"params\": {}", "never spikes"},
        {"\"model\": \"cuba_lif\", \"params\": {\"tau_m\": 20, \"tau_syn_E\": 5, \"tau_syn_I\": 10}",
         "tau_syn_E != tau_syn_I"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        sm_net_t *net = s_one(cases[k][0], 1.0);
        sm_chip_t *chip = s_chip("{\"base\": \"loihi\"}");
        sm_qreport_t rep;
        sm_error_t err;
        cr_assert_eq(sm_quantise(net, chip, &rep, &err), 0, "%s", err.msg);
        cr_expect(!rep.pops[0].quantised);
        cr_expect(strstr(rep.pops[0].note, "kept float") && strstr(rep.pops[0].note, cases[k][1]),
                  "%s", rep.pops[0].note);
        cr_expect(!sm_pop_is_loihi(&net->pops[1]));
        sm_qreport_fini(&rep);
        sm_chip_destroy(&chip);
        sm_net_destroy(&net);
    }
}

/* Spiking on the chip: the NEST neuron and sinabs' MembraneReset (which
 * compares before adding reset_value) fire about as often as in float. */
static void s_fires(const char *m, double w)
{
    sm_net_t *fl = s_one(m, w), *q = s_one(m, w);
    sm_chip_t *chip = s_chip("{\"base\": \"loihi\"}");
    sm_qreport_t rep;
    sm_error_t err;
    cr_assert_eq(sm_quantise(q, chip, &rep, &err), 0, "%s", err.msg);
    sm_result_t *rf = s_run(fl), *rq = s_run(q);
    const uint64_t a = s_spikes_of(fl, rf, "n"), b = s_spikes_of(q, rq, "n");
    cr_expect(a >= 3 && (a > b ? a - b : b - a) <= 1, "%s: float %llu spikes, chip %llu", m,
              (unsigned long long)a, (unsigned long long)b);
    sm_result_destroy(&rf);
    sm_result_destroy(&rq);
    sm_qreport_fini(&rep);
    sm_chip_destroy(&chip);
    sm_net_destroy(&fl);
    sm_net_destroy(&q);
}

Test(quantise, sinabs_membrane_reset_fires_as_in_float)
{
    s_fires("\"model\": \"lif\", \"params\": {\"tau_mem\": 10, \"spike_threshold\": 1.2, "
            "\"reset_fn\": \"MembraneReset\", \"reset_value\": 0.4, \"spike_fn\": \"SingleSpike\"}",
            3.0);
}

Test(quantise, exact_style_fires_as_in_float)
{
    s_fires("\"model\": \"cuba_lif\", \"params\": {\"tau_m\": 20, \"tau_syn\": 5, \"dt\": 1, "
            "\"v_rest\": -65, \"v_reset\": -70, \"v_thresh\": -50, \"tau_refrac\": 0, "
            "\"i_offset\": 25}", 6.0);
}
