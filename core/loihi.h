/* loihi: Loihi's fixed-point LIF neuron and Dense synapse, bit for bit with
 * Lava's PyLifModelBitAcc and PyDenseModelBitAcc (issue 10).
 *
 * Pure integer functions, no dependence on the rest of the engine: the
 * equations are those of tests/data/lava/README.md, section 3, which the Lava
 * cases in tests/data/lava/ pin down exactly. Every intermediate is an exact
 * integer; products are taken in int64 and divisions are C's (truncating
 * toward zero) where Lava truncates, floor divisions where Lava shifts.
 *
 * How the engine is to use it (the integration that follows this file):
 *
 * - Parameters. One sm_loihi_lif_t (16 bytes, built once by
 *   sm_loihi_lif_setup) per population; Lava's bias_mant/bias_exp may differ
 *   per neuron, so a population with per-neuron bias either keeps one
 *   sm_loihi_lif_t per distinct bias (sm_loihi_bias gives B) or is split by
 *   bias. du, dv and vth are shared by a population in Lava.
 *
 * - State. u and v are int32 (u needs 25 bits: its range is (-2^23, 2^23]).
 *   They live in the existing 16-byte sm_nstate_t without growing it: the
 *   integration stores sm_loihi_state_t in its first 8 bytes (memcpy, or a
 *   union of the float members with int32 ones); the other 8 bytes stay
 *   unused by this style. Nothing is ever converted to float: traces of u and
 *   v are these integers (exact as float or double, since |u|, |v| <= 2^23).
 *
 * - Input. A Dense adds exactly one step of delay: spikes sent at step t
 *   reach the target LIF at t + 1 (a(0) = 0). Per step, the effective
 *   weights (sm_loihi_dense_weight, fixed once at load) are summed as
 *   integers per target neuron AND per projection group (one Lava Dense):
 *   weight_exp applies once to that sum (sm_loihi_dense_scale), and a
 *   negative exponent floors, so floor(a/4) + floor(b/4) != floor((a+b)/4)
 *   forbids merging two groups with a negative exponent into one
 *   accumulator (groups with the same exponent >= 0 may share one, since
 *   multiplication distributes). The scaled group sums of a neuron are then
 *   added into its a(t + 1), which goes to sm_loihi_step. Keep |a| <=
 *   SM_LOIHI_A_MAX (Lava's own a_in port is 16 bits): beyond it u can leave
 *   its 25-bit range after the single wrap.
 *
 * - Payloads. An AER event carries a spike count: 1 for a LIF spike, or the
 *   integer payload p of a graded source (Lava num_message_bits > 0), and
 *   contributes W' * p to its group's sum. A binary Dense (num_message_bits
 *   0) counts any non-zero payload as 1.
 *
 * - Skipping silent neurons. sm_loihi_next_spike and sm_loihi_advance follow
 *   the contract of sm_model_next_spike / sm_model_advance (core/model.h),
 *   with one difference: advance is exact (integer-equal to k steps), not
 *   within 1e-5, and costs O(steps until the state settles), not O(1).
 *   next_spike answers the exact step of the next spike, or
 *   SM_LOIHI_HORIZON for "none before that step, ask again then", or
 *   SM_LOIHI_NEVER. */
#ifndef SM_LOIHI_H
#define SM_LOIHI_H

#include <stddef.h>
#include <stdint.h>

#include "sm_error.h"

/* Same values as SM_NEVER and SM_MODEL_HORIZON in model.h. */
#define SM_LOIHI_NEVER UINT32_MAX
#define SM_LOIHI_HORIZON 256u

/* The 24-bit state: u wraps into (-2^23, 2^23], v saturates at +-(2^23 - 1). */
#define SM_LOIHI_U_MAX (1 << 23)
#define SM_LOIHI_V_MAX ((1 << 23) - 1)

/* Largest |a| per step for which one wrap keeps u in (-2^23, 2^23]: the
 * decayed u is at most 2^23 - 2^11 in magnitude, and 64 * 2^18 = 2^24. */
#define SM_LOIHI_A_MAX (1 << 18)

/* Accepted parameter ranges (inclusive). Lava checks none of them.
 * - du, dv: 12-bit unsigned, as documented by PyLifModelBitAcc.
 * - vth: Lava documents 17 bits (nengo-loihi's VTH_MAN_MAX = 2^17 - 1 as
 *   well) but computes 64 * vth without overflow well past that, and one
 *   Lava case uses 140000. We accept any vth that fits the 24-bit state
 *   register like u and v: up to 2^23 - 1 (64 * vth < 2^29 fits int32). A
 *   threshold at or above v's saturation simply never fires.
 * - bias_mant: 13-bit signed, as documented by Lava (nengo-loihi's
 *   BIAS_MAN_MAX = 4095).
 * - bias_exp: Lava documents 0..7 (3 bits unsigned; nengo-loihi's
 *   BIAS_EXP_MAX = 7), and that is the upper bound. Below 0 Lava shifts
 *   right, i.e. floors, and one Lava case tests that; we accept down to -31,
 *   the widest shift of Lava's int32 (below -12 the bias is already 0 or -1).
 * - num_weight_bits: 1..8 (Lava's default is 8; 0 would truncate everything).
 * - weight_exp: -7..7, the range nengo-loihi's SynapseFmt.validate enforces
 *   for Loihi's wgtExp. The Lava cases use -5..+3.
 * - num_message_bits: 0 (binary spikes) .. 24, Loihi 2's widest graded
 *   payload. */
#define SM_LOIHI_DU_MAX 4095
#define SM_LOIHI_VTH_MAX ((1 << 23) - 1)
#define SM_LOIHI_BIAS_MANT_MIN (-4096)
#define SM_LOIHI_BIAS_MANT_MAX 4095
#define SM_LOIHI_BIAS_EXP_MIN (-31)
#define SM_LOIHI_BIAS_EXP_MAX 7
#define SM_LOIHI_WEIGHT_BITS_MIN 1
#define SM_LOIHI_WEIGHT_BITS_MAX 8
#define SM_LOIHI_WEIGHT_EXP_MIN (-7)
#define SM_LOIHI_WEIGHT_EXP_MAX 7
#define SM_LOIHI_MESSAGE_BITS_MAX 24

/* A LIF as passed to Lava's LIF(...): shared du, dv, vth; one neuron's bias.
 * Lava's defaults for absent kwargs: du = dv = 0, bias_mant = bias_exp = 0,
 * vth = SM_LOIHI_VTH_DEFAULT, u = v = 0. */
#define SM_LOIHI_VTH_DEFAULT 10
typedef struct {
    int32_t du, dv, vth;
    int32_t bias_mant, bias_exp;
} sm_loihi_lif_params_t;

/* Derived once by sm_loihi_lif_setup; read-only while running. */
typedef struct {
    int32_t ku;    /* 4095 - du (Lava adds ds_offset 1 to du)  */
    int32_t kv;    /* 4096 - dv (dm_offset 0)                  */
    int32_t theta; /* 64 * vth                                  */
    int32_t bias;  /* B = bias_mant * 2^bias_exp, floored if < 0 */
} sm_loihi_lif_t;

typedef struct {
    int32_t u; /* in (-2^23, 2^23]            */
    int32_t v; /* in [-(2^23 - 1), 2^23 - 1]  */
} sm_loihi_state_t;

/* Checks the ranges above and fills p. On failure returns -1, names the
 * field and the value in err (SM_ERANGE) and leaves p untouched. */
int sm_loihi_lif_setup(sm_loihi_lif_t *p, const sm_loihi_lif_params_t *in, sm_error_t *err);

/* B for one neuron: bias_mant * 2^bias_exp, or floor(bias_mant / 2^-bias_exp)
 * for a negative exponent. Checks both ranges. */
int sm_loihi_bias(int32_t bias_mant, int32_t bias_exp, int32_t *out, sm_error_t *err);

/* Checks an initial state (Lava's u and v kwargs) against the ranges the
 * step keeps: u in (-2^23, 2^23], v in [-(2^23 - 1), 2^23 - 1]. */
int sm_loihi_state_check(const sm_loihi_state_t *s, sm_error_t *err);

/* Section 3.1, steps 3-4: the new v before the threshold, from the new u
 * (the decay truncates toward zero, as C's division does). */
static inline int32_t sm_loihi_volt(const sm_loihi_lif_t *p, int32_t v, int32_t u)
{
    int64_t y = (int64_t)v * p->kv / 4096 + u + p->bias;
    if (y > SM_LOIHI_V_MAX)
        y = SM_LOIHI_V_MAX;
    else if (y < -SM_LOIHI_V_MAX)
        y = -SM_LOIHI_V_MAX;
    return (int32_t)y;
}

/* One step with input a (the integer a_in of Lava, |a| <= SM_LOIHI_A_MAX):
 * section 3.1, steps 1-6. Returns the spike, 0 or 1. Inline, so that a
 * caller's state stays in registers: the engine steps every update. */
static inline int sm_loihi_step(const sm_loihi_lif_t *p, sm_loihi_state_t *s, int32_t a)
{
    /* The input is MSB-aligned by 6 bits, as the threshold is. */
    int64_t x = (int64_t)s->u * p->ku / 4096 + (int64_t)a * 64;
    /* One conditional wrap, as Lava does it: +2^23 stays, -2^23 becomes
     * +2^23, hence the 25 bits. */
    if (x > SM_LOIHI_U_MAX)
        x -= 2 * (int64_t)SM_LOIHI_U_MAX;
    else if (x <= -SM_LOIHI_U_MAX)
        x += 2 * (int64_t)SM_LOIHI_U_MAX;
    const int32_t u = (int32_t)x, v = sm_loihi_volt(p, s->v, u);
    const int spk = v > p->theta;
    s->u = u;
    s->v = spk ? 0 : v;
    return spk;
}

/* k steps with a = 0, integer-equal to k calls of sm_loihi_step. The engine
 * calls it only for k < sm_loihi_next_spike(), but it stays exact across
 * spikes too (it returns how many there were; 0 under that contract).
 * Truncation has no closed form in general, so it steps, but it stops as soon
 * as a step leaves the state unchanged, and it does in closed form the one
 * phase that can last millions of steps: u = 0 under dv = 0, where v moves
 * linearly by B. Every other input-free run settles within about 70000
 * steps: |u| shrinks by a factor 4095/4096 or more, and by 1 at least, so u
 * reaches 0 in ~35000 steps from 2^23 with du = 0; then v moves
 * monotonically to its fixed point, in as many with dv = 1 (a grid of
 * extreme parameters and states gave 68142 steps at most). So it costs
 * O(min(k, steps until the state settles)). */
uint32_t sm_loihi_advance(const sm_loihi_lif_t *p, sm_loihi_state_t *s, uint32_t k);

/* sm_loihi_advance of s[i] by k[i] steps for i < n, with the same results
 * (spikes not counted), faster: neurons whose input-free run is the plain
 * pair of decays (no bias, u and v of one sign) are stepped side by side, so
 * that their serial chains overlap; the others, and any that would spike or
 * clip on the way, go through sm_loihi_advance. */
void sm_loihi_advance_many(const sm_loihi_lif_t *p, sm_loihi_state_t *s, const uint32_t *k,
                           uint32_t n);

/* With a = 0 from now on: the step d >= 1 of the next spike, exact unless it
 * is SM_LOIHI_HORIZON, which means none in steps 1 .. SM_LOIHI_HORIZON - 1
 * (ask again then); SM_LOIHI_NEVER when it is certain that none ever comes.
 * It simulates up to the horizon, stopping early on NEVER, and answers
 * exactly past the horizon where the closed form of advance applies (dv = 0,
 * u = 0: v rises by B per step). */
uint32_t sm_loihi_next_spike(const sm_loihi_lif_t *p, const sm_loihi_state_t *s);

/* Lava's SignMode numbering; AUTO (Lava's "not passed") derives it. */
typedef enum {
    SM_LOIHI_SIGN_AUTO = 0,
    SM_LOIHI_SIGN_MIXED = 1,
    SM_LOIHI_SIGN_EXCITATORY = 2,
    SM_LOIHI_SIGN_INHIBITORY = 3
} sm_loihi_sign_t;

/* A Dense's shared synapse format, from its kwargs and (for AUTO) its
 * weights. Lava's defaults: num_weight_bits SM_LOIHI_WEIGHT_BITS_DEFAULT,
 * weight_exp 0, sign_mode AUTO, num_message_bits 0 (binary spikes). */
#define SM_LOIHI_WEIGHT_BITS_DEFAULT 8
typedef struct {
    sm_loihi_sign_t sign;   /* resolved, never AUTO                     */
    int32_t trunc_bits;     /* 8 - num_weight_bits + [sign == MIXED]    */
    int32_t num_weight_bits;
    int32_t weight_exp;
} sm_loihi_dense_t;

/* Lava's determine_sign_mode on the weights as passed (n of them; n = 0
 * gives EXCITATORY, as all-zero weights do). */
sm_loihi_sign_t sm_loihi_sign_of(const int32_t *w, size_t n);

/* Resolves the format: sign AUTO is derived from w[0..n-1] (the whole
 * matrix as passed); checks num_weight_bits, weight_exp and sign. */
int sm_loihi_dense_setup(sm_loihi_dense_t *d, int32_t num_weight_bits, int32_t weight_exp,
                         sm_loihi_sign_t sign, const int32_t *w, size_t n, sm_error_t *err);

/* The effective weight W' of one weight as passed: clipped to the sign
 * mode's 8-bit range, then trunc_bits low bits dropped (section 3.2, 1-3). */
int32_t sm_loihi_dense_weight(const sm_loihi_dense_t *d, int32_t w);

/* D = acc * 2^e for e > 0, floor(acc / 2^-e) for e <= 0: the exponent applied
 * once to one group's summed activation (section 3.2, step 5). */
int64_t sm_loihi_dense_scale(int64_t acc, int32_t weight_exp);

const char *sm_loihi_sign_name(sm_loihi_sign_t s);

#endif
