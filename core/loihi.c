/* loihi: Lava's bit-accurate LIF and Dense (see loihi.h and
 * tests/data/lava/README.md, section 3).
 *
 * Lava truncates the decays toward zero (sign * (|p| >> 12)), which is C's
 * int64 division, but floors the bias and weight exponents and the weight
 * truncation (numpy's arithmetic shifts), which s_floor_pow2 does without
 * shifting a negative number. */
#include "loihi.h"

#include <math.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#endif

#define S_DECAY_UNITY 4096
#define S_ACT_SHIFT 64 /* 2^6: input and threshold are MSB-aligned by 6 bits */

/* floor(x / 2^k) for 0 <= k <= 62. */
static int64_t s_floor_pow2(int64_t x, int k)
{
    const int64_t d = (int64_t)1 << k;
    int64_t q = x / d;
    if (x % d != 0 && x < 0)
        q--;
    return q;
}

static int s_check(sm_error_t *err, const char *field, int64_t value, int64_t lo, int64_t hi)
{
    if (value < lo || value > hi)
        return sm_fail(err, SM_ERANGE, "loihi: %s must be in [%lld, %lld], got %lld", field,
                       (long long)lo, (long long)hi, (long long)value);
    return 0;
}

int sm_loihi_bias(int32_t bias_mant, int32_t bias_exp, int32_t *out, sm_error_t *err)
{
    if (s_check(err, "bias_mant", bias_mant, SM_LOIHI_BIAS_MANT_MIN, SM_LOIHI_BIAS_MANT_MAX) ||
        s_check(err, "bias_exp", bias_exp, SM_LOIHI_BIAS_EXP_MIN, SM_LOIHI_BIAS_EXP_MAX))
        return -1;
    /* |B| <= 4096 * 2^7 = 2^19: fits easily. */
    *out = bias_exp >= 0 ? (int32_t)((int64_t)bias_mant * ((int64_t)1 << bias_exp))
                         : (int32_t)s_floor_pow2(bias_mant, -bias_exp);
    return 0;
}

int sm_loihi_lif_setup(sm_loihi_lif_t *p, const sm_loihi_lif_params_t *in, sm_error_t *err)
{
    int32_t bias;
    if (s_check(err, "du", in->du, 0, SM_LOIHI_DU_MAX) ||
        s_check(err, "dv", in->dv, 0, SM_LOIHI_DU_MAX) ||
        s_check(err, "vth", in->vth, 0, SM_LOIHI_VTH_MAX) ||
        sm_loihi_bias(in->bias_mant, in->bias_exp, &bias, err))
        return -1;
    p->ku = S_DECAY_UNITY - (in->du + 1);
    p->kv = S_DECAY_UNITY - in->dv;
    p->theta = in->vth * S_ACT_SHIFT;
    p->bias = bias;
    return 0;
}

int sm_loihi_state_check(const sm_loihi_state_t *s, sm_error_t *err)
{
    if (s_check(err, "u", s->u, -SM_LOIHI_U_MAX + 1, SM_LOIHI_U_MAX) ||
        s_check(err, "v", s->v, -SM_LOIHI_V_MAX, SM_LOIHI_V_MAX))
        return -1;
    return 0;
}

/* With u = 0 and dv = 0 (Kv = 4096) the decay of v is exact and u stays 0,
 * so v moves linearly, v' = clip(v + B), and with B > 0 and a threshold below
 * saturation it fires periodically. This is the one input-free phase that
 * can last millions of steps (B = -1 walks v to -(2^23 - 1) one unit at a
 * time), so it is done in closed form. Requires v <= theta, which holds after
 * any step. Returns the spikes in k steps. */
static uint32_t s_integrate(const sm_loihi_lif_t *p, sm_loihi_state_t *s, uint32_t k)
{
    const int64_t B = p->bias, v = s->v, th = p->theta;
    if (B <= 0) {
        const int64_t w = v + (int64_t)k * B;
        s->v = (int32_t)(w < -SM_LOIHI_V_MAX ? -SM_LOIHI_V_MAX : w);
        return 0;
    }
    if (th >= SM_LOIHI_V_MAX) {
        const int64_t w = v + (int64_t)k * B;
        s->v = (int32_t)(w > SM_LOIHI_V_MAX ? SM_LOIHI_V_MAX : w);
        return 0;
    }
    /* First spike at step j1, then one every P steps from v = 0; below the
     * threshold v never reaches saturation, so the clip never acts. */
    const int64_t j1 = (th - v) / B + 1, P = th / B + 1;
    if ((int64_t)k < j1) {
        s->v = (int32_t)(v + (int64_t)k * B);
        return 0;
    }
    const int64_t r = (int64_t)k - j1;
    s->v = (int32_t)((r % P) * B);
    return (uint32_t)(1 + r / P);
}

static int s_quiet(const sm_loihi_lif_t *p, const sm_loihi_state_t *s, int bound);

/* One input-free step from a u in (-2^23, 2^23]: |u * Ku / 4096| < |u|
 * (Ku < 4096), so u shrinks strictly toward 0 and never wraps. */
static inline int s_step0(const sm_loihi_lif_t *p, int32_t *u, int32_t *v)
{
    *u = (int32_t)((int64_t)*u * p->ku / S_DECAY_UNITY);
    *v = sm_loihi_volt(p, *v, *u);
    if (*v > p->theta) {
        *v = 0;
        return 1;
    }
    return 0;
}

/* Without bias the input-free state decays to (0, 0) and stays: with
 * gamma = max(alpha, beta) < 1, |u_n| <= beta^n |u| and
 * |v_n| <= alpha^n |v| + sum_m alpha^(n-m) |u_m| <= (|v| + n |u|) gamma^n
 * (truncation toward zero and the symmetric clip only shrink magnitudes, a
 * reset too). True if that bound is below 1/2 at step k, tested without a
 * logarithm: -log2(gamma) >= (1 - gamma) log2(e), and |v| + k |u| < 2^bits. */
static int s_zero_at(const sm_loihi_lif_t *p, int32_t u, int32_t v, uint32_t k)
{
    if (p->bias != 0 || p->kv == S_DECAY_UNITY)
        return 0;
    const uint64_t au = u < 0 ? -(int64_t)u : u, av = v < 0 ? -(int64_t)v : v;
    const uint64_t m = av + (uint64_t)k * au + 1;
    const int bits = 64 - __builtin_clzll(m);
    const int32_t top = p->kv > p->ku ? p->kv : p->ku;
    /* decay = k (4096 - top) / 4096 log2(e) > bits + 1, in integers with
     * 94548 / 2^16 just below log2(e): true only where the doubles would
     * say so too (a false answer steps, exactly, instead of jumping). The
     * product stays below 2^61 for any k < 2^32. */
    return (uint64_t)k * (uint64_t)(S_DECAY_UNITY - top) * 94548u >
           ((uint64_t)bits + 1) * ((uint64_t)S_DECAY_UNITY << 16);
}

uint32_t sm_loihi_advance(const sm_loihi_lif_t *p, sm_loihi_state_t *s, uint32_t k)
{
    uint32_t spikes = 0;
    /* Only an input beyond SM_LOIHI_A_MAX leaves u out of range: step it as
     * it comes until it is back. */
    while (k > 0 && (s->u <= -SM_LOIHI_U_MAX || s->u > SM_LOIHI_U_MAX)) {
        spikes += (uint32_t)sm_loihi_step(p, s, 0);
        k--;
    }
    int32_t u = s->u, v = s->v;
    /* Long enough to reach (0, 0), and no spike on the way (s_quiet): done. */
    if ((u != 0 || v != 0) && v <= p->theta && s_zero_at(p, u, v, k) && s_quiet(p, s, 1)) {
        s->u = s->v = 0;
        return spikes;
    }
    /* While u lives it changes at every step: nothing settles. */
    for (; k > 0 && u != 0; k--)
        spikes += (uint32_t)s_step0(p, &u, &v);
    /* Without bias, from v <= theta, v shrinks toward 0 keeping its sign and
     * cannot fire: its magnitude alone, where truncation is a shift. */
    if (p->bias == 0 && v <= p->theta && p->kv < S_DECAY_UNITY) {
        const int neg = v < 0;
        uint64_t m = neg ? (uint64_t)-(int64_t)v : (uint64_t)v;
        for (; k > 0 && m != 0; k--)
            m = (m * (uint64_t)p->kv) >> 12;
        v = neg ? -(int32_t)m : (int32_t)m;
        k = 0;
    }
    /* Then v alone, u = 0 for good. */
    while (k > 0) {
        if (p->kv == S_DECAY_UNITY && v <= p->theta) {
            s->u = 0;
            s->v = v;
            return spikes + s_integrate(p, s, k);
        }
        const int32_t old = v;
        const int spk = s_step0(p, &u, &v);
        spikes += (uint32_t)spk;
        k--;
        if (v == old) {
            /* Input-free steps depend on the state alone: every later step
             * repeats this one, including its spike (u = 0, v = 0, B > theta). */
            if (spk)
                spikes += k;
            break;
        }
    }
    s->u = u;
    s->v = v;
    return spikes;
}

/* ---- many neurons at once ------------------------------------------------ */

/* A lane of sm_loihi_advance_many takes a neuron whose input-free run is the
 * plain pair of decays: no bias, u and v of one sign (or zero), u in range, v
 * at or below theta, which is below saturation. Then truncation toward zero
 * is a shift of the magnitudes, which keep their sign. The magnitude of v is
 * at most |v| + |u| Ku / (4096 - Ku) for ever (the loose bound of s_vsup);
 * the lane needs that below 2^31 (its words are 32-bit values with exact
 * 64-bit products), and for a negative v at or below theta, so that it can
 * neither clip nor pass the threshold the lanes watch for. A positive v
 * that passes theta would fire: that lane is redone by sm_loihi_advance, as
 * is a run long enough to reach (0, 0), which sm_loihi_advance jumps. */
static int s_lane_ok(const sm_loihi_lif_t *p, const sm_loihi_state_t *s, uint32_t k)
{
    if (p->bias != 0 || p->theta >= SM_LOIHI_V_MAX || s->v > p->theta ||
        s->u <= -SM_LOIHI_U_MAX || s->u > SM_LOIHI_U_MAX || (s->u < 0 && s->v > 0) ||
        (s->u > 0 && s->v < 0))
        return 0;
    const int neg = s->u < 0 || s->v < 0;
    const uint64_t au = s->u < 0 ? -(int64_t)s->u : s->u, av = s->v < 0 ? -(int64_t)s->v : s->v;
    /* The bound times 4096 - Ku, to compare without a division. */
    const uint64_t D = (uint64_t)(S_DECAY_UNITY - p->ku), top = av * D + au * (uint64_t)p->ku;
    if (top >= (((uint64_t)1 << 31) * D) || (neg && top > (uint64_t)p->theta * D))
        return 0;
    return !s_zero_at(p, s->u, s->v, k);
}

/* Independent chains, stepped side by side: one neuron's step is a serial
 * multiply-shift-add (about 5 cycles) that leaves the multiplier idle most of
 * the time; eight or sixteen neurons at once keep it busy. Each lane is a
 * 64-bit word holding a magnitude below 2^31, so that the 32 x 32 -> 64-bit
 * vector multiply (SSE2: two lanes; AVX2, where the processor has it: four)
 * steps several lanes at once; a lane also records whether v passed theta.
 * An idle lane holds (0, 0), which stays (0, 0). */
#define S_LANES 16
/* Runs this short are not worth a lane (and the narrow lanes need one
 * whole block, S_BLOCK, at least). */
#define S_LANE_MIN 8u

typedef struct {
    uint64_t mu[S_LANES], mv[S_LANES], over[S_LANES];
} s_lanes_t;

#if defined(__SSE2__)
#define S_STEP2(u, v, o)                                                                           \
    do {                                                                                           \
        u = _mm_srli_epi64(_mm_mul_epu32(u, ku), 12);                                              \
        v = _mm_add_epi64(_mm_srli_epi64(_mm_mul_epu32(v, kv), 12), u);                           \
        o = _mm_or_si128(o, _mm_cmpgt_epi32(v, th));                                               \
    } while (0)
#define S_LD(a, i) _mm_loadu_si128((const __m128i *)&(a)[i])
#define S_ST(a, i, x) _mm_storeu_si128((__m128i *)&(a)[i], x)

/* Lanes j0 .. j0 + 7. */
static void s_lanes_run8(s_lanes_t *L, const sm_loihi_lif_t *p, uint32_t run, int j0)
{
    const __m128i ku = _mm_set1_epi64x(p->ku), kv = _mm_set1_epi64x(p->kv);
    const __m128i th = _mm_set1_epi64x(p->theta);
    __m128i u0 = S_LD(L->mu, j0), u1 = S_LD(L->mu, j0 + 2), u2 = S_LD(L->mu, j0 + 4),
            u3 = S_LD(L->mu, j0 + 6);
    __m128i v0 = S_LD(L->mv, j0), v1 = S_LD(L->mv, j0 + 2), v2 = S_LD(L->mv, j0 + 4),
            v3 = S_LD(L->mv, j0 + 6);
    __m128i o0 = S_LD(L->over, j0), o1 = S_LD(L->over, j0 + 2), o2 = S_LD(L->over, j0 + 4),
            o3 = S_LD(L->over, j0 + 6);
    for (uint32_t t = 0; t < run; t++) {
        S_STEP2(u0, v0, o0);
        S_STEP2(u1, v1, o1);
        S_STEP2(u2, v2, o2);
        S_STEP2(u3, v3, o3);
    }
    S_ST(L->mu, j0, u0), S_ST(L->mu, j0 + 2, u1), S_ST(L->mu, j0 + 4, u2), S_ST(L->mu, j0 + 6, u3);
    S_ST(L->mv, j0, v0), S_ST(L->mv, j0 + 2, v1), S_ST(L->mv, j0 + 4, v2), S_ST(L->mv, j0 + 6, v3);
    S_ST(L->over, j0, o0), S_ST(L->over, j0 + 2, o1), S_ST(L->over, j0 + 4, o2),
        S_ST(L->over, j0 + 6, o3);
}

#if defined(__GNUC__) && defined(__x86_64__)
#define S_AVX2 1
#define S_STEP4(u, v, o)                                                                           \
    do {                                                                                           \
        u = _mm256_srli_epi64(_mm256_mul_epu32(u, ku), 12);                                        \
        v = _mm256_add_epi64(_mm256_srli_epi64(_mm256_mul_epu32(v, kv), 12), u);                  \
        o = _mm256_or_si256(o, _mm256_cmpgt_epi32(v, th));                                         \
    } while (0)
#define S_LD4(a, i) _mm256_loadu_si256((const __m256i *)&(a)[i])
#define S_ST4(a, i, x) _mm256_storeu_si256((__m256i *)&(a)[i], x)

/* All sixteen lanes, four to a word. */
__attribute__((target("avx2"))) static void s_lanes_run16(s_lanes_t *L, const sm_loihi_lif_t *p,
                                                          uint32_t run)
{
    const __m256i ku = _mm256_set1_epi64x(p->ku), kv = _mm256_set1_epi64x(p->kv);
    const __m256i th = _mm256_set1_epi64x(p->theta);
    __m256i u0 = S_LD4(L->mu, 0), u1 = S_LD4(L->mu, 4), u2 = S_LD4(L->mu, 8),
            u3 = S_LD4(L->mu, 12);
    __m256i v0 = S_LD4(L->mv, 0), v1 = S_LD4(L->mv, 4), v2 = S_LD4(L->mv, 8),
            v3 = S_LD4(L->mv, 12);
    __m256i o0 = S_LD4(L->over, 0), o1 = S_LD4(L->over, 4), o2 = S_LD4(L->over, 8),
            o3 = S_LD4(L->over, 12);
    for (uint32_t t = 0; t < run; t++) {
        S_STEP4(u0, v0, o0);
        S_STEP4(u1, v1, o1);
        S_STEP4(u2, v2, o2);
        S_STEP4(u3, v3, o3);
    }
    S_ST4(L->mu, 0, u0), S_ST4(L->mu, 4, u1), S_ST4(L->mu, 8, u2), S_ST4(L->mu, 12, u3);
    S_ST4(L->mv, 0, v0), S_ST4(L->mv, 4, v1), S_ST4(L->mv, 8, v2), S_ST4(L->mv, 12, v3);
    S_ST4(L->over, 0, o0), S_ST4(L->over, 4, o1), S_ST4(L->over, 8, o2), S_ST4(L->over, 12, o3);
}
#endif

/* The first nl lanes (the others idle), run steps. */
static void s_lanes_run(s_lanes_t *L, const sm_loihi_lif_t *p, uint32_t run, uint32_t nl)
{
#if S_AVX2
    if (nl > 8 && __builtin_cpu_supports("avx2")) {
        s_lanes_run16(L, p, run);
        return;
    }
#endif
    s_lanes_run8(L, p, run, 0);
    if (nl > 8)
        s_lanes_run8(L, p, run, 8);
}
#else
static void s_lanes_run(s_lanes_t *L, const sm_loihi_lif_t *p, uint32_t run, uint32_t nl)
{
    const uint64_t ku = (uint64_t)p->ku, kv = (uint64_t)p->kv, th = (uint64_t)p->theta;
    for (uint32_t t = 0; t < run; t++)
        for (uint32_t j = 0; j < nl; j++) {
            L->mu[j] = (L->mu[j] * ku) >> 12;
            L->mv[j] = ((L->mv[j] * kv) >> 12) + L->mu[j];
            L->over[j] |= L->mv[j] > th;
        }
}
#endif

/* Neurons scheduled at a time. */
#define S_CHUNK 256u
/* Runs longer than this go through sm_loihi_advance, so that a lane's end
 * (the steps since the chunk began) stays well inside 32 bits. */
#define S_LANE_MAX (1u << 24)

/* State q as the magnitudes a lane holds. */
static inline void s_mag(const sm_loihi_state_t *q, uint64_t *mu, uint64_t *mv)
{
    const int neg = q->u < 0 || q->v < 0;
    *mu = (uint64_t)(neg ? -(int64_t)q->u : q->u);
    *mv = (uint64_t)(neg ? -(int64_t)q->v : q->v);
}

/* Lane magnitudes back into q, which still holds the state they came from
 * (and so the sign); or, if v went past theta on the way, q is redone by
 * the exact path. */
static inline void s_lane_back(const sm_loihi_lif_t *p, sm_loihi_state_t *q, uint32_t k,
                               uint64_t mu, uint64_t mv, uint64_t over)
{
    if (over) {
        (void)sm_loihi_advance(p, q, k);
        return;
    }
    const int neg = q->u < 0 || q->v < 0;
    q->u = neg ? -(int32_t)mu : (int32_t)mu;
    q->v = neg ? -(int32_t)mv : (int32_t)mv;
}

/* The m neurons ord[0..m) of s through the 64-bit lanes, in that order: a
 * lane that frees up takes the next one. */
static void s_wide_run(const sm_loihi_lif_t *p, sm_loihi_state_t *s, const uint32_t *k,
                       const uint32_t *ord, uint32_t m)
{
    s_lanes_t L;
    /* end[j]: the step of the chunk at which lane j's neuron is done. */
    uint32_t end[S_LANES], who[S_LANES];
    /* An idle lane: (0, 0) stays (0, 0). */
    memset(&L, 0, sizeof L);
    uint32_t nl = 0, next = 0, now = 0;
    for (; nl < S_LANES && next < m; nl++) {
        const uint32_t i = ord[next++];
        s_mag(&s[i], &L.mu[nl], &L.mv[nl]);
        end[nl] = k[i];
        who[nl] = i;
    }
    while (nl) {
        uint32_t t = end[0];
        for (uint32_t j = 1; j < nl; j++)
            t = end[j] < t ? end[j] : t;
        s_lanes_run(&L, p, t - now, nl);
        now = t;
        /* The lanes done hand their slot to the next neuron, or, when none
         * is left, to the last lane. */
        for (uint32_t j = 0; j < nl;) {
            if (end[j] != now) {
                j++;
                continue;
            }
            s_lane_back(p, &s[who[j]], k[who[j]], L.mu[j], L.mv[j], L.over[j]);
            if (next < m) {
                const uint32_t i = ord[next++];
                s_mag(&s[i], &L.mu[j], &L.mv[j]);
                L.over[j] = 0;
                end[j] = now + k[i];
                who[j] = i;
                j++;
                continue;
            }
            nl--;
            L.mu[j] = L.mu[nl];
            L.mv[j] = L.mv[nl];
            L.over[j] = L.over[nl];
            end[j] = end[nl];
            who[j] = who[nl];
            L.mu[nl] = L.mv[nl] = L.over[nl] = 0;
        }
    }
}

#if S_AVX2
/* Narrow lanes: with theta below 2^20, a positive lane with u below 2^20
 * has products below 2^32 for as long as v stays at or below theta (and u
 * only shrinks); past theta its words may wrap, but it is redone anyway. A
 * negative lane whose bound (s_lane_ok) is at most theta stays there. So
 * 32-bit words do, eight to an AVX2 register: twice the lanes per
 * instruction of the 64-bit ones. */
#define S_NARROW ((int32_t)1 << 20)

static int s_narrow_ok(const sm_loihi_lif_t *p, const sm_loihi_state_t *s, uint32_t k)
{
    if (p->bias != 0 || p->theta >= S_NARROW || k < S_LANE_MIN || k > S_LANE_MAX)
        return 0;
    if (s->u >= 0 && s->v >= 0) {
        if (s->v > p->theta || s->u >= S_NARROW)
            return 0;
    } else if (s->u <= 0 && s->v <= 0) {
        const uint64_t au = (uint64_t)-(int64_t)s->u, av = (uint64_t)-(int64_t)s->v;
        const uint64_t D = (uint64_t)(S_DECAY_UNITY - p->ku);
        if (av * D + au * (uint64_t)p->ku > (uint64_t)p->theta * D)
            return 0;
    } else {
        return 0;
    }
    return !s_zero_at(p, s->u, s->v, k);
}

/* Steps between the lanes' checks for a neuron done. */
#define S_BLOCK 8
_Static_assert(S_LANE_MIN >= S_BLOCK, "a narrow lane runs one block at least");

/* One step of the lanes with steps left, whose count c runs from -k up to
 * 0 (its sign bit, which the blends read, says whether the lane steps);
 * the others keep their words. A lane whose v passes theta stops there,
 * with that v to tell. */
#define S_STEP8(u, v, c)                                                                           \
    do {                                                                                           \
        const __m256i u_ = _mm256_srli_epi32(_mm256_mullo_epi32(u, ku), 12);                       \
        const __m256i v_ =                                                                         \
            _mm256_add_epi32(_mm256_srli_epi32(_mm256_mullo_epi32(v, kv), 12), u_);                \
        const __m256 s_ = _mm256_castsi256_ps(c);                                                  \
        u = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(u), _mm256_castsi256_ps(u_), s_)); \
        v = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(v), _mm256_castsi256_ps(v_), s_)); \
        c = _mm256_andnot_si256(_mm256_cmpgt_epi32(v, th),                                         \
                                _mm256_sub_epi32(c, _mm256_srai_epi32(c, 31)));                    \
    } while (0)

/* The same step for lanes that all step: no count, no blend; v past theta
 * is only recorded (o), the lane goes on (its words may wrap: it is redone). */
#define S_PLAIN8(u, v, o)                                                                          \
    do {                                                                                           \
        u = _mm256_srli_epi32(_mm256_mullo_epi32(u, ku), 12);                                      \
        v = _mm256_add_epi32(_mm256_srli_epi32(_mm256_mullo_epi32(v, kv), 12), u);                 \
        o = _mm256_or_si256(o, _mm256_cmpgt_epi32(v, th));                                         \
    } while (0)

/* The m neurons ord[0..m) of s through sixteen narrow lanes. First each
 * takes its k mod S_BLOCK steps, sixteen at a time, each lane counting
 * them and frozen after its last (S_STEP8); what is left of every run is
 * then whole blocks, so that in the lanes proper all busy lanes step
 * (S_PLAIN8) and a lane can only be done at the end of a block: no run
 * ends early for the sake of one lane, and a lane done waits for nothing
 * before the next neuron, which is blended in without going through
 * memory. */
__attribute__((target("avx2"))) static void s_narrow_run(const sm_loihi_lif_t *p,
                                                         sm_loihi_state_t *s, const uint32_t *k,
                                                         const uint32_t *ord, uint32_t m)
{
    /* -1 at 16: loads at 16 - j and 24 - j mask lane j in the low and high
     * word of eight lanes. */
    static const int32_t one_lane[32] = {[16] = -1};
    const __m256i ku = _mm256_set1_epi32(p->ku), kv = _mm256_set1_epi32(p->kv);
    const __m256i th = _mm256_set1_epi32(p->theta);
    _Alignas(32) int32_t U[S_LANES], V[S_LANES], C[S_LANES];
    /* The magnitudes after the first k mod S_BLOCK steps, by place in ord. */
    uint32_t mu[S_CHUNK], mv[S_CHUNK];
    for (uint32_t g = 0; g < m; g += S_LANES) {
        for (uint32_t j = 0; j < S_LANES; j++) {
            uint64_t a = 0, b = 0;
            C[j] = 0;
            if (g + j < m) {
                s_mag(&s[ord[g + j]], &a, &b);
                C[j] = -(int32_t)(k[ord[g + j]] % S_BLOCK);
            }
            U[j] = (int32_t)a;
            V[j] = (int32_t)b;
        }
        __m256i u0 = _mm256_load_si256((const __m256i *)&U[0]);
        __m256i u1 = _mm256_load_si256((const __m256i *)&U[8]);
        __m256i v0 = _mm256_load_si256((const __m256i *)&V[0]);
        __m256i v1 = _mm256_load_si256((const __m256i *)&V[8]);
        __m256i c0 = _mm256_load_si256((const __m256i *)&C[0]);
        __m256i c1 = _mm256_load_si256((const __m256i *)&C[8]);
        for (int r = 1; r < S_BLOCK; r++) {
            S_STEP8(u0, v0, c0);
            S_STEP8(u1, v1, c1);
        }
        _mm256_store_si256((__m256i *)&U[0], u0);
        _mm256_store_si256((__m256i *)&U[8], u1);
        _mm256_store_si256((__m256i *)&V[0], v0);
        _mm256_store_si256((__m256i *)&V[8], v1);
        for (uint32_t j = 0; j < S_LANES && g + j < m; j++) {
            mu[g + j] = (uint32_t)U[j];
            mv[g + j] = (uint32_t)V[j];
        }
    }
    __m256i u0 = _mm256_setzero_si256(), u1 = u0, v0 = u0, v1 = u0, o0 = u0, o1 = u0, c0 = u0,
            c1 = u0;
    uint32_t who[S_LANES], next = 0, busy = 0;
    /* Lane j takes the next neuron; one past theta already is redone. */
#define S_PUT(j)                                                                                   \
    do {                                                                                           \
        const uint32_t x_ = next++, i_ = ord[x_];                                                  \
        if ((int32_t)mv[x_] > p->theta) {                                                          \
            (void)sm_loihi_advance(p, &s[i_], k[i_]);                                              \
        } else {                                                                                   \
            const __m256i lo_ = _mm256_loadu_si256((const __m256i *)&one_lane[16 - (j)]);         \
            const __m256i hi_ = _mm256_loadu_si256((const __m256i *)&one_lane[24 - (j)]);         \
            const __m256i bu_ = _mm256_set1_epi32((int32_t)mu[x_]);                                \
            const __m256i bv_ = _mm256_set1_epi32((int32_t)mv[x_]);                                \
            const __m256i bc_ = _mm256_set1_epi32(-(int32_t)(k[i_] / S_BLOCK));                    \
            u0 = _mm256_blendv_epi8(u0, bu_, lo_);                                                 \
            u1 = _mm256_blendv_epi8(u1, bu_, hi_);                                                 \
            v0 = _mm256_blendv_epi8(v0, bv_, lo_);                                                 \
            v1 = _mm256_blendv_epi8(v1, bv_, hi_);                                                 \
            o0 = _mm256_andnot_si256(lo_, o0);                                                     \
            o1 = _mm256_andnot_si256(hi_, o1);                                                     \
            c0 = _mm256_blendv_epi8(c0, bc_, lo_);                                                 \
            c1 = _mm256_blendv_epi8(c1, bc_, hi_);                                                 \
            who[j] = i_;                                                                           \
            busy |= 1u << (j);                                                                     \
        }                                                                                          \
    } while (0)
    for (uint32_t j = 0; j < S_LANES; j++)
        while (!(busy & (1u << j)) && next < m)
            S_PUT(j);
    const __m256i z = _mm256_setzero_si256();
    while (busy) {
        uint32_t done;
        do {
            for (int r = 0; r < S_BLOCK; r++) {
                S_PLAIN8(u0, v0, o0);
                S_PLAIN8(u1, v1, o1);
            }
            c0 = _mm256_sub_epi32(c0, _mm256_srai_epi32(c0, 31));
            c1 = _mm256_sub_epi32(c1, _mm256_srai_epi32(c1, 31));
            done = ((uint32_t)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(c0, z))) |
                    (uint32_t)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(c1, z)))
                        << 8) &
                   busy;
        } while (!done);
        _mm256_store_si256((__m256i *)&U[0], u0);
        _mm256_store_si256((__m256i *)&U[8], u1);
        _mm256_store_si256((__m256i *)&V[0], v0);
        _mm256_store_si256((__m256i *)&V[8], v1);
        _mm256_store_si256((__m256i *)&C[0], o0);
        _mm256_store_si256((__m256i *)&C[8], o1);
        /* The lanes done give back their neuron and take the next one, or
         * fall idle: a count of 0 stays 0, and an idle lane's words are
         * never read. */
        for (uint32_t d = done; d; d &= d - 1) {
            const uint32_t j = (uint32_t)__builtin_ctz(d);
            s_lane_back(p, &s[who[j]], k[who[j]], (uint32_t)U[j], (uint32_t)V[j], C[j]);
            busy &= ~(1u << j);
            while (!(busy & (1u << j)) && next < m)
                S_PUT(j);
        }
    }
#undef S_PUT
}
#endif

static void s_advance_chunk(const sm_loihi_lif_t *p, sm_loihi_state_t *s, const uint32_t *k,
                            uint32_t n, int narrow)
{
    /* The neurons for the narrow lanes, then those for the wide ones, each
     * longest runs first (a counting sort on k / 16, up to 256 steps): a
     * lane that frees up takes the next one, and the short runs left for
     * the end keep the lanes full until then. */
    uint32_t ord[S_CHUNK], cnt[33] = {0};
    uint8_t key[S_CHUNK];
    (void)narrow;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t c = 0;
#if S_AVX2
        if (!narrow || !s_narrow_ok(p, &s[i], k[i]))
#endif
        {
            if (k[i] < S_LANE_MIN || k[i] > S_LANE_MAX || !s_lane_ok(p, &s[i], k[i])) {
                (void)sm_loihi_advance(p, &s[i], k[i]);
                key[i] = 32;
                continue;
            }
            c = 16;
        }
        key[i] = (uint8_t)(c + 15 - (k[i] < 256 ? k[i] >> 4 : 15));
        cnt[key[i] + 1]++;
    }
    for (int b = 1; b < 33; b++)
        cnt[b] += cnt[b - 1];
    const uint32_t m_narrow = cnt[16], m = cnt[32];
    for (uint32_t i = 0; i < n; i++)
        if (key[i] < 32)
            ord[cnt[key[i]]++] = i;
#if S_AVX2
    if (m_narrow)
        s_narrow_run(p, s, k, ord, m_narrow);
#endif
    if (m > m_narrow)
        s_wide_run(p, s, k, ord + m_narrow, m - m_narrow);
}

void sm_loihi_advance_many(const sm_loihi_lif_t *p, sm_loihi_state_t *s, const uint32_t *k,
                           uint32_t n)
{
#if S_AVX2
    const int narrow = __builtin_cpu_supports("avx2");
#else
    const int narrow = 0;
#endif
    for (uint32_t a = 0; a < n; a += S_CHUNK)
        s_advance_chunk(p, s + a, k + a, n - a < S_CHUNK ? n - a : S_CHUNK, narrow);
}

/* A bound on v for all input-free steps to come, from the current state.
 * With alpha = Kv/4096 in (0, 1] and beta = Ku/4096 in [0, 1), u keeps its
 * sign and shrinks, max(u_m, 0) <= beta^m U with U = max(u, 0) (truncation
 * toward zero), and since trunc(v alpha) <= alpha max(v, 0), W = max(v, 0)
 * obeys W_(n+1) <= alpha W_n + max(u_(n+1), 0) + max(B, 0) (the clip at
 * +2^23 only lowers v). So
 *     W_n <= g(n) + max(B, 0) / (1 - alpha),
 *     g(n) = alpha^n W_0 + U sum_(m=1..n) alpha^(n-m) beta^m,
 * the bias term infinite when B > 0 and dv = 0. g is c1 alpha^n + c2 beta^n
 * (n alpha^n when alpha = beta), whose derivative vanishes once at most: its
 * supremum over real n >= 0 is g(0) or g at that point. A looser bound
 * without alpha's decay is returned when it is already below theta, or when
 * dv = 0. Needs u in (-2^23, 2^23]; the caller leaves a margin for the
 * rounding of doubles. */
static double s_vsup(const sm_loihi_lif_t *p, const sm_loihi_state_t *s, double theta)
{
    const double w0 = s->v > 0 ? s->v : 0, u0 = s->u > 0 ? s->u : 0;
    const double a = p->kv / (double)S_DECAY_UNITY, b = p->ku / (double)S_DECAY_UNITY;
    double sup = w0;
    if (p->bias > 0) {
        if (p->kv == S_DECAY_UNITY)
            return INFINITY;
        sup += (double)p->bias / (1.0 - a);
    }
    if (u0 == 0 || p->ku == 0)
        return sup;
    /* sum_m beta^m = beta / (1 - beta) bounds g without alpha's decay: when
     * that is enough, no logarithm is needed. */
    const double loose = sup + u0 * p->ku / (double)(S_DECAY_UNITY - p->ku);
    if (p->kv == S_DECAY_UNITY || loose < theta)
        return loose;
    const double la = log(a), lb = log(b);
    double g = w0, n;
    if (p->kv == p->ku) {
        n = -1.0 / la - w0 / u0;
        if (n > 0)
            g = exp(n * la) * (w0 + u0 * n);
    } else {
        const double c2 = -u0 * b / (a - b), c1 = w0 - c2;
        const double r = -(c2 * lb) / (c1 * la);
        n = log(r) / (la - lb);
        if (r > 0 && n > 0 && isfinite(n))
            g = c1 * exp(n * la) + c2 * exp(n * lb);
    }
    return sup + (g > w0 ? g : w0);
}

/* True when, with no input, v can never again exceed theta: the threshold is
 * at or above v's saturation (then not even input can make it fire), or
 * nothing pushes v up (u <= 0, B <= 0: v' <= max(v, 0) <= theta, and both
 * conditions persist), or u has died out and v is at or above its fixed point
 * (f(v) <= v; f is monotone, so v only falls from there), or (if `bound`)
 * the bound of s_vsup stays below the threshold (with a margin far above
 * double rounding). A u at or below -2^23, which only an input beyond
 * SM_LOIHI_A_MAX leaves, may still wrap to a positive one: not quiet. */
static int s_quiet(const sm_loihi_lif_t *p, const sm_loihi_state_t *s, int bound)
{
    if (p->theta >= SM_LOIHI_V_MAX)
        return 1;
    if (s->v > p->theta || s->u <= -SM_LOIHI_U_MAX || s->u > SM_LOIHI_U_MAX)
        return 0;
    if (s->u <= 0 && p->bias <= 0)
        return 1;
    if (s->u == 0 && sm_loihi_volt(p, s->v, 0) <= s->v)
        return 1;
    if (!bound)
        return 0;
    const double th = ((double)p->theta - 1.0) / (1.0 + 1e-9);
    return s_vsup(p, s, th) <= th;
}

/* Steps of next_spike's fast path before the general search takes over. */
#define S_FAST_STEPS 16u

uint32_t sm_loihi_next_spike(const sm_loihi_lif_t *p, const sm_loihi_state_t *s)
{
    sm_loihi_state_t t = *s;
    uint32_t d = 1;
    /* The common case after excitatory input: no bias, u > 0, 0 <= v <= theta
     * below saturation. Truncation is then a shift and nothing clips before
     * v passes theta. If v cannot pass theta even with the loose bound of
     * s_vsup (its integer part: v takes integer values), never; else step
     * until the spike, or until u has died (v then only decays: never), or
     * S_FAST_STEPS steps, after which the general search goes on. */
    if (p->bias == 0 && p->theta < SM_LOIHI_V_MAX && t.u > 0 && t.u <= SM_LOIHI_U_MAX &&
        t.v >= 0 && t.v <= p->theta) {
        const uint64_t ku = (uint64_t)p->ku, kv = (uint64_t)p->kv, th = (uint64_t)p->theta;
        uint64_t u = (uint64_t)t.u, v = (uint64_t)t.v;
        const uint64_t D = S_DECAY_UNITY - ku;
        if (v * D + u * ku <= th * D)
            return SM_LOIHI_NEVER;
        /* The loose bound never grows along the way (v' <= v + u' and
         * u' <= u Ku / 4096), so once it is 2 below theta the search below
         * would find s_quiet true at its first step, in doubles, margin and
         * all: never, without the steps and the logarithms. */
        const uint64_t th2 = th >= 2 ? (th - 2) * D : 0;
        for (; d < S_FAST_STEPS; d++) {
            u = (u * ku) >> 12;
            v = ((v * kv) >> 12) + u;
            if (v > th)
                return d;
            if (u == 0 || v * D + u * ku <= th2)
                return SM_LOIHI_NEVER;
        }
        t.u = (int32_t)u;
        t.v = (int32_t)v;
    }
    for (; d < SM_LOIHI_HORIZON; d++) {
        /* The bound costs a few logarithms: at the start, then now and then
         * as the state decays. */
        if (s_quiet(p, &t, d == 1 || (d & 15) == 0))
            return SM_LOIHI_NEVER;
        if (t.u == 0 && p->kv == S_DECAY_UNITY && t.v <= p->theta) {
            /* Not quiet, so B > 0 and theta < 2^23 - 1: see s_integrate. The
             * answer stays exact past the horizon (at most 2^24 steps). */
            return d - 1 + (uint32_t)((p->theta - t.v) / p->bias + 1);
        }
        if (sm_loihi_step(p, &t, 0))
            return d;
    }
    return SM_LOIHI_HORIZON;
}

sm_loihi_sign_t sm_loihi_sign_of(const int32_t *w, size_t n)
{
    int32_t lo = 0, hi = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || w[i] < lo)
            lo = w[i];
        if (i == 0 || w[i] > hi)
            hi = w[i];
    }
    if (lo >= 0)
        return SM_LOIHI_SIGN_EXCITATORY;
    if (hi <= 0)
        return SM_LOIHI_SIGN_INHIBITORY;
    return SM_LOIHI_SIGN_MIXED;
}

int sm_loihi_dense_setup(sm_loihi_dense_t *d, int32_t num_weight_bits, int32_t weight_exp,
                         sm_loihi_sign_t sign, const int32_t *w, size_t n, sm_error_t *err)
{
    if (s_check(err, "num_weight_bits", num_weight_bits, SM_LOIHI_WEIGHT_BITS_MIN,
                SM_LOIHI_WEIGHT_BITS_MAX) ||
        s_check(err, "weight_exp", weight_exp, SM_LOIHI_WEIGHT_EXP_MIN, SM_LOIHI_WEIGHT_EXP_MAX))
        return -1;
    if (sign != SM_LOIHI_SIGN_AUTO && sign != SM_LOIHI_SIGN_MIXED &&
        sign != SM_LOIHI_SIGN_EXCITATORY && sign != SM_LOIHI_SIGN_INHIBITORY)
        return sm_fail(err, SM_EINVAL,
                       "loihi: sign_mode must be MIXED, EXCITATORY or INHIBITORY, got %d",
                       (int)sign);
    if (sign == SM_LOIHI_SIGN_AUTO)
        sign = sm_loihi_sign_of(w, n);
    d->sign = sign;
    d->num_weight_bits = num_weight_bits;
    d->weight_exp = weight_exp;
    d->trunc_bits = 8 - num_weight_bits + (sign == SM_LOIHI_SIGN_MIXED);
    return 0;
}

int32_t sm_loihi_dense_weight(const sm_loihi_dense_t *d, int32_t w)
{
    /* Lava clips and truncates the magnitude for INHIBITORY: negate, work on
     * [0, 255] like EXCITATORY, negate back. */
    const int neg = d->sign == SM_LOIHI_SIGN_INHIBITORY;
    const int32_t lo = d->sign == SM_LOIHI_SIGN_MIXED ? -256 : 0;
    int64_t x = neg ? -(int64_t)w : w;
    if (x < lo)
        x = lo;
    else if (x > 255)
        x = 255;
    x = s_floor_pow2(x, d->trunc_bits) * ((int64_t)1 << d->trunc_bits);
    return (int32_t)(neg ? -x : x);
}

int64_t sm_loihi_dense_scale(int64_t acc, int32_t weight_exp)
{
    if (weight_exp == 0)
        return acc;
    if (weight_exp > 0)
        return acc * ((int64_t)1 << weight_exp);
    return s_floor_pow2(acc, -weight_exp);
}

const char *sm_loihi_sign_name(sm_loihi_sign_t s)
{
    switch (s) {
    case SM_LOIHI_SIGN_AUTO: return "AUTO";
    case SM_LOIHI_SIGN_MIXED: return "MIXED";
    case SM_LOIHI_SIGN_EXCITATORY: return "EXCITATORY";
    case SM_LOIHI_SIGN_INHIBITORY: return "INHIBITORY";
    }
    return "?";
}
