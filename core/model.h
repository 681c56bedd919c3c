/* model: neuron models as small swappable units.
 *
 * A model is a parameter block (sm_model_t, read-only while running) plus a
 * per-neuron state (sm_nstate_t). Each provides three operations:
 *   sm_model_step        one dense tick, exactly as the reference library does it;
 *   sm_model_advance     k ticks with no synaptic input, in O(1) of k;
 *   sm_model_next_spike  the earliest tick at which the neuron could spike with
 *                        no further input, or SM_NEVER.
 * The event-driven engine uses the last two to skip silent neurons.
 *
 * Which library's update a model follows is its style: the same `lif` is
 * snnTorch Leaky in style SNNTORCH and sinabs LIF in style SINABS. The
 * equations are in docs/models.md. */
#ifndef SM_MODEL_H
#define SM_MODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "loihi.h"
#include "sm_error.h"

#define SM_NEVER UINT32_MAX

typedef enum {
    SM_MODEL_IAF = 0,  /* non-leaky integrate-and-fire (sinabs IAF)               */
    SM_MODEL_LIF,      /* leaky I&F (snnTorch Leaky; sinabs LIF)                   */
    SM_MODEL_CUBA_LIF, /* LIF + exp. synaptic current (snnTorch Synaptic, norse
                          LIF, NEST iaf_psc_exp / PyNN IF_curr_exp / Brian2 CUBA) */
    SM_MODEL_LI,       /* norse leaky integrator, never spikes                     */
    SM_MODEL_LAPICQUE, /* snnTorch Lapicque                                        */
    SM_MODEL_ALPHA,    /* snnTorch Alpha                                           */
    SM_MODEL_LOIHI_LIF, /* Loihi's fixed-point LIF (Lava PyLifModelBitAcc)         */
    SM_MODEL_COUNT
} sm_model_kind_t;

/* The update rule actually executed: a (kind, library) pair. */
typedef enum {
    SM_STYLE_SNNTORCH = 0, /* Leaky / Synaptic / Lapicque / Alpha / RLeaky      */
    SM_STYLE_SINABS,       /* IAF / LIF (MultiSpike or SingleSpike)             */
    SM_STYLE_NORSE,        /* LIF / LI: current jump, then explicit Euler        */
    SM_STYLE_EXACT,        /* physical units, exact integration (NEST, Brian2)   */
    SM_STYLE_LOIHI,        /* Loihi's integers, bit for bit with Lava (loihi.h)  */
    SM_STYLE_COUNT
} sm_style_t;

typedef enum { SM_RESET_SUBTRACT = 0, SM_RESET_ZERO, SM_RESET_NONE } sm_reset_t;

/* Ticks the closed forms tabulate (and the horizon of the event engine's
 * calendar): advance and next_spike cost a few table lookups below it. */
#define SM_MODEL_HORIZON 256u
#define SM_CLOSED_FORM 0x464f524du  /* "FORM": sm_closed_t.lin and nc are valid   */
#define SM_CLOSED_READY 0x434c4f53u /* "CLOS": the power tables are valid too      */

/* Powers of one decay base x for k < SM_MODEL_HORIZON, in two levels of 16:
 *   x^k     = pw[k % 16] * pw[16 + k / 16]
 *   x^k - 1 = em[k % 16] * pw[16 + k / 16] + em[16 + k / 16]
 * (em is computed with expm1, so that 1 - x^k keeps its digits). */
typedef struct {
    double pw[32];
    double em[32];
} sm_powtab_t;

/* A style's update with zero synaptic input, as a triangular affine map:
 *     c_j(n+1) = a_j c_j(n) + e_j,   v(n+1) = beta v(n) + sum_j g_j c_j(n) + K.
 * The bias b stays a runtime input; it enters as
 *     K = (((b + kb_in) * kb_mul[0]) * kb_mul[1]) * kb_mul[2] + kb_out,
 *     e_j = b * eb[j],
 * a chain that repeats each style's own double arithmetic bit for bit (an
 * unused step is * 1.0 or + -0.0, which change no value, not even a zero's
 * sign). The flags are bytes, not bool: the model travels as bytes and any
 * value of them must be safe to load. */
typedef struct {
    double beta, a[2], g[2];
    double kb_in, kb_mul[3], kb_out;
    double eb[2];
    uint8_t hold;          /* refractory ticks hold v (sm_nstate_t.refrac)      */
    uint8_t clip;          /* v is kept >= min_v (sinabs min_v_mem)             */
    uint8_t silent;        /* never spikes (norse LI)                           */
} sm_linform_t;

/* Derived by sm_model_prepare() from the parameters (not from bias, which
 * stays a runtime input): the style's form and, for decaying bases, their
 * power tables. Pointer-free, so that the model can be copied and sent as
 * bytes. */
typedef struct {
    uint32_t ready;        /* SM_CLOSED_FORM or SM_CLOSED_READY (else unset)    */
    uint32_t nc;           /* number of currents of lin (0..2)                  */
    sm_linform_t lin;      /* the form; the tables are for its bases            */
    bool b_one;            /* beta == 1                                         */
    bool a_one[2];         /* a_j == 1                                          */
    uint8_t rel[2];        /* a_j vs beta: 0 equal, 1 a_j > beta, 2 a_j < beta  */
    double inv_1mb;        /* 1 / (1 - beta) (0 if beta == 1)                   */
    double inv_lnb;        /* 1 / log(beta) (0 unless 0 < beta < 1)             */
    double inv_1ma[2];     /* 1 / (1 - a_j)                                     */
    double inv_hl[2];      /* 1 / (max(a_j, beta) - min(a_j, beta))             */
    double sglob[2];       /* sup over n >= 1 of S_j(n) (see below)             */
    double sall[2][2];     /* max [0] and min [1] of S_j(n) over 1 <= n < 256   */
    double inv_1mlo[2];    /* 1 / (1 - min(a_j, beta))                          */
    double b255;           /* beta^255                                          */
    sm_powtab_t tb;        /* beta                                              */
    sm_powtab_t ta[2];     /* a_j                                               */
    sm_powtab_t tr[2];     /* min(a_j, beta) / max(a_j, beta)                   */
    /* Max [0] and min [1] of S_j(n) = sum_{m<n} a_j^m beta^(n-1-m), how a
     * current reaches the membrane, over the ticks n of segment i: 16i..16i+15
     * (1..15 for segment 0). */
    double sseg[2][2][16];
    /* The most a unit of input on port p, positive [p][0] or negative [p][1],
     * can raise the membrane at any tick to come (sm_model_rise), valid when rise_known
     * is set. */
    double rise[2][2];
    uint8_t rise_known;    /* rise was measured (else sm_model_rise: INFINITY)  */
} sm_closed_t;

typedef struct {
    sm_model_kind_t kind;
    sm_style_t style;
    sm_reset_t reset;
    bool reset_delay;      /* snnTorch: reset applied one step later (default true)   */
    bool threshold_ge;     /* spike iff v >= th (sinabs, NEST) instead of v > th      */
    bool multispike;       /* sinabs MultiSpike: a step may emit a spike count > 1    */
    bool norm_input;       /* sinabs LIF: input scaled by (1 - alpha_mem)             */
    bool has_syn;          /* sinabs: tau_syn given                                   */
    bool has_min_v;        /* sinabs: min_v_mem given                                 */
    bool zero_all;         /* snnTorch RLeaky: a zero reset discards the new input too
                              (Leaky keeps it; Synaptic, Lapicque, Alpha always discard) */

    float threshold;
    float beta;            /* membrane decay per tick (snnTorch beta, sinabs alpha_mem) */
    float alpha;           /* synaptic decay per tick (snnTorch alpha, sinabs alpha_syn)*/
    float one_minus_beta;  /* sinabs norm_input factor, as the library computes it     */
    float v_reset;         /* value after a zero reset (norse v_reset, NEST V_reset)   */
    float v_leak;          /* resting potential (norse v_leak, NEST E_L)               */
    float reset_value;     /* sinabs MembraneReset.reset_value                         */
    float min_v;           /* sinabs min_v_mem                                         */
    float bias;            /* constant input current added every tick                 */

    /* norse */
    float am;              /* dt * tau_mem_inv                                         */
    float as;              /* -dt * tau_syn_inv                                        */
    /* lapicque */
    float R, inv_RC, time_step, decay;
    /* alpha */
    float tau_alpha;
    /* exact integration (SM_STYLE_EXACT), all per tick of length dt:
     *   v <- p22*v + p21e*ie + p21i*ii + p20*(bias) + (1-p22)*v_leak
     *   ie <- p11e*ie + x_exc;  ii <- p11i*ii + x_inh                        */
    double p22, p21e, p21i, p11e, p11i, p20;
    uint32_t refractory_ticks;
    float dt_ms;           /* tick length, for reports                                 */

    /* loihi_lif (SM_STYLE_LOIHI): Lava's constants, and the exponent each of
     * the two input accumulators is scaled by before the step (one Lava
     * Dense with a negative weight_exp per accumulator, see net.h; set by
     * sm_net_finish). Nothing of this style is float. */
    sm_loihi_lif_t lif;
    int32_t in_exp[2];

    /* Derived, see sm_model_prepare (about 3.3 KB). */
    sm_closed_t closed;
} sm_model_t;

/* Live state of one neuron: 16 bytes. The meaning of v, ie, ii is the value the
 * reference library records (see docs/models.md): for snnTorch mem before this step's
 * delayed reset, for norse and sinabs after the reset. ie holds the synaptic
 * current (alpha: exc), ii the inhibitory one (alpha: inh). The loihi style
 * keeps its integer sm_loihi_state_t (u, v) in the first 8 bytes instead;
 * read any state through sm_model_trace. */
typedef struct {
    float v;
    float ie;
    float ii;
    uint32_t refrac;       /* ticks of refractoriness left (EXACT style)             */
} sm_nstate_t;

/* loihi_lif's step (SM_STYLE_LOIHI), the one sm_model_step makes for that
 * style, inline for the engine's update: each float accumulator holds an
 * exact integer, scaled by its exponent (flooring a negative one, as
 * Lava's Dense does) before the integer step on the (u, v) that the
 * state's first 8 bytes hold. |a| <= 2^24 by the bound sm_net_finish
 * checks; past SM_LOIHI_A_MAX the step still computes what Lava does. */
static inline int64_t sm_model_loihi_scale(float x, int32_t e)
{
    return e ? sm_loihi_dense_scale((int64_t)x, e) : (int64_t)x;
}

static inline uint32_t sm_model_loihi_step(const sm_model_t *m, sm_nstate_t *s, float x_exc,
                                           float x_inh)
{
    const int64_t a = sm_model_loihi_scale(x_exc, m->in_exp[0]) +
                      sm_model_loihi_scale(x_inh, m->in_exp[1]);
    sm_loihi_state_t q;
    memcpy(&q, s, sizeof q);
    const int spk = sm_loihi_step(&m->lif, &q, (int32_t)a);
    memcpy(s, &q, sizeof q);
    return (uint32_t)spk;
}

/* Sets up the EXACT style's propagators from physical constants (ms, nF);
 * the JSON reader (tools/io/model_json.c) calls it. */
int sm_model_exact_setup(sm_model_t *m, double tau_m, double tau_e, double tau_i,
                         double cm, double dt, double tau_refrac, sm_error_t *err);

/* Makes m a loihi_lif (SM_STYLE_LOIHI) with Lava LIF's kwargs p, checked by
 * sm_loihi_lif_setup; in_exp is left 0 (sm_net_finish sets it). */
int sm_model_loihi_setup(sm_model_t *m, const sm_loihi_lif_params_t *p, sm_error_t *err);

/* Fills m->closed from the other parameters: the style's form with zero
 * input, resolved once here instead of at every call, and the tables that
 * make sm_model_advance and sm_model_next_spike cheap. The model readers call
 * it; whoever changes a parameter of a built model other than bias must call
 * it again (bias may change freely: it is read at every call). A model never
 * prepared (closed.ready unset) still works, only slower: its form is then
 * built at every call and the general closed forms replace the tables. */
void sm_model_prepare(sm_model_t *m);

/* The state a neuron starts in (all zero; norse membrane at v_leak, EXACT at
 * v_leak). */
void sm_model_init_state(const sm_model_t *m, sm_nstate_t *s);

/* Sets the initial membrane v and, for styles that have one, the current u
 * (NULL: left as sm_model_init_state made it). Floats, as the network holds
 * them; the loihi style takes them as the integers they are. */
void sm_model_set_initial(const sm_model_t *m, sm_nstate_t *s, const float *v, const float *u);

/* What a trace records of a state: the membrane, the excitatory (or only)
 * current and the inhibitory one; loihi: v, u and 0. */
void sm_model_trace(const sm_model_t *m, const sm_nstate_t *s, float out[3]);

/* One tick with input x_exc and x_inh (already weighted and summed; bias is
 * added inside). Models with one input port use x_exc + x_inh. Returns the
 * number of spikes emitted (0, 1, or a count for sinabs MultiSpike). */
uint32_t sm_model_step(const sm_model_t *m, sm_nstate_t *s, float x_exc,
                       float x_inh);

/* The step of m's style, for callers that step many neurons of one style:
 * fn(m, s, x_exc, x_inh) is sm_model_step(m, s, x_exc, x_inh). */
typedef uint32_t (*sm_step_fn)(const sm_model_t *m, sm_nstate_t *s, float x_exc, float x_inh);
sm_step_fn sm_model_step_fn(const sm_model_t *m);

/* Advances k >= 0 ticks with zero synaptic input (the bias still acts), in
 * O(1) of k. The caller guarantees that no spike occurs in those ticks, i.e.
 * k < sm_model_next_spike(). The result matches k calls of sm_model_step to
 * within 1e-5 (absolute or relative); for the loihi style it is equal, and it
 * costs O(min(k, ticks until the state settles)) (sm_loihi_advance). */
void sm_model_advance(const sm_model_t *m, sm_nstate_t *s, uint32_t k);

/* sm_model_advance of *s[i] by k[i] ticks for i < n, with the same results.
 * Worth calling only where sm_model_batches(m): the loihi style, whose
 * advance steps, interleaves the neurons so that their serial chains overlap
 * (SM_MODEL_BATCH at a time); any other style advances them one by one. */
#define SM_MODEL_BATCH 256u
void sm_model_advance_many(const sm_model_t *m, sm_nstate_t *const *s, const uint32_t *k,
                           uint32_t n);
bool sm_model_batches(const sm_model_t *m);

/* With no further input, the number of ticks d >= 1 such that the neuron
 * cannot spike in steps 1..d-1 from now; step d is the earliest at which it
 * could. It may err early (the engine then steps and asks again), never late.
 * Returns SM_NEVER when it can never spike without input. The search stops
 * refining at SM_MODEL_HORIZON: a neuron that cannot spike before then may get
 * any safe answer >= SM_MODEL_HORIZON, e.g. just that (the engine's calendar
 * wakes it no later than that anyway, and it asks again then). */
uint32_t sm_model_next_spike(const sm_model_t *m, const sm_nstate_t *s);

/* sm_model_next_spike, and in *slack a margin the answer keeps: while the
 * inputs that arrive before step d raise the membrane, at any tick to come,
 * by less than *slack in all (sm_model_rise), d stays a safe answer and need
 * not be asked again. 0 where the search gives no margin. */
uint32_t sm_model_next_spike_slack(const sm_model_t *m, const sm_nstate_t *s, float *slack);

/* The most by which a step's input (x_exc, x_inh) can raise the membrane at
 * any tick to come, against the same step without it: the sup over all ticks
 * of the input's linear response. INFINITY where no such bound is known (the
 * styles with their own prediction, a clipped membrane). */
float sm_model_rise(const sm_model_t *m, float x_exc, float x_inh);

const char *sm_model_kind_name(sm_model_kind_t k);

/* Input to the model is monotone: input that is nowhere positive can only
 * delay its next spike. Not so for the loihi style, whose current wraps. */
bool sm_model_monotone(const sm_model_t *m);

/* The style's own name ("snntorch", "sinabs", "norse", "exact", "loihi"), "?"
 * if s is not a style. */
const char *sm_model_style_name(sm_style_t s);

#endif
