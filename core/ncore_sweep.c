/* ncore_sweep: the tick's sweep over runs of neurons stepped every tick.
 *
 * The dense engine steps every neuron this way, the event engine its
 * self-driven ones (sm_core_stepped). On a swept core (sm_core_seal) the
 * states are one array per field and the inputs planes, so a run of the
 * EXACT style's neurons (CUBA's) is stepped eight at a time in AVX-512
 * lanes, or four in AVX2 ones, where the processor has them. Each lane does
 * the very double operations of sm_kern_step_exact in the same order, and
 * each conversion to float rounds as the scalar one does, so the lanes
 * change no bit of any result, only the time the sweep takes
 * (-ffp-contract=off: no fused multiply-add). */
#include <stdlib.h>
#include <string.h>

#include "ncore.h"

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define S_LANES 1
#endif

/* What a sweep adds up for its core. */
typedef struct {
    uint64_t updates, active;
} s_sums_t;

/* Appends the neurons l + j whose bit j is set in mask to fired. */
static inline int s_fired(sm_u64vec_t *fired, uint32_t l, unsigned mask)
{
    for (uint32_t j = 0; mask; j++, mask >>= 1)
        if (mask & 1u)
            SM_VEC_PUSH(*fired, (uint64_t)(l + j) << 32 | 1u, return -1);
    return 0;
}

#if S_LANES
/* Eight neurons at l of swept core c, of kernel k, stepped side by side
 * with their inputs exc[l..], inh[l..], which are cleared. Returns the mask
 * of those that fired (the EXACT style emits one spike a step). */
__attribute__((target("avx512f,avx512vl"))) static unsigned
s_eight(const sm_kern_t *k, const sm_soa_t *ss, uint32_t l, float *exc, float *inh, s_sums_t *sum)
{
    const __m256 v = _mm256_loadu_ps(&ss->v[l]), ie = _mm256_loadu_ps(&ss->ie[l]),
                 ii = _mm256_loadu_ps(&ss->ii[l]);
    const __m256 xe = _mm256_loadu_ps(&exc[l]), xi = _mm256_loadu_ps(&inh[l]);
    const __m256i r = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)&ss->refrac[l]));
    _mm256_storeu_ps(&exc[l], _mm256_setzero_ps());
    _mm256_storeu_ps(&inh[l], _mm256_setzero_ps());
    const __m512d vd = _mm512_cvtps_pd(v), ied = _mm512_cvtps_pd(ie), iid = _mm512_cvtps_pd(ii);
    /* v' = p22 v + p21e ie + p21i ii + cb + cl, in that order. */
    __m512d a = _mm512_mul_pd(_mm512_set1_pd(k->p22), vd);
    a = _mm512_add_pd(a, _mm512_mul_pd(_mm512_set1_pd(k->p21e), ied));
    a = _mm512_add_pd(a, _mm512_mul_pd(_mm512_set1_pd(k->p21i), iid));
    a = _mm512_add_pd(a, _mm512_set1_pd(k->cb));
    a = _mm512_add_pd(a, _mm512_set1_pd(k->cl));
    const __mmask8 held = _mm256_test_epi32_mask(r, r);
    __m256 nv = _mm256_mask_blend_ps(held, _mm512_cvtpd_ps(a), v);
    __m256i nr = _mm256_mask_sub_epi32(r, held, r, _mm256_set1_epi32(1));
    const __m256 nie = _mm512_cvtpd_ps(
        _mm512_add_pd(_mm512_mul_pd(_mm512_set1_pd(k->p11e), ied), _mm512_cvtps_pd(xe)));
    const __m256 nii = _mm512_cvtpd_ps(
        _mm512_add_pd(_mm512_mul_pd(_mm512_set1_pd(k->p11i), iid), _mm512_cvtps_pd(xi)));
    const __m256 th = _mm256_set1_ps(k->threshold);
    const __mmask8 fire =
        k->ge ? _mm256_cmp_ps_mask(nv, th, _CMP_GE_OQ) : _mm256_cmp_ps_mask(nv, th, _CMP_GT_OQ);
    nv = _mm256_mask_blend_ps(fire, nv, _mm256_set1_ps(k->v_reset));
    nr = _mm256_mask_blend_epi32(fire, nr, _mm256_set1_epi32((int)k->refractory_ticks));
    const __m256 z = _mm256_setzero_ps();
    const unsigned act = (unsigned)(_mm256_cmp_ps_mask(xe, z, _CMP_NEQ_UQ) |
                                    _mm256_cmp_ps_mask(xi, z, _CMP_NEQ_UQ) | fire);
    _mm256_storeu_ps(&ss->v[l], nv);
    _mm256_storeu_ps(&ss->ie[l], nie);
    _mm256_storeu_ps(&ss->ii[l], nii);
    _mm_storel_epi64((__m128i *)(void *)&ss->refrac[l], _mm256_cvtepi32_epi8(nr));
    sum->updates += 8;
    sum->active += (uint64_t)__builtin_popcount(act);
    return fire;
}

/* The same, four neurons, AVX2. */
__attribute__((target("avx2"))) static unsigned
s_four(const sm_kern_t *k, const sm_soa_t *ss, uint32_t l, float *exc, float *inh, s_sums_t *sum)
{
    const __m128 v = _mm_loadu_ps(&ss->v[l]), ie = _mm_loadu_ps(&ss->ie[l]),
                 ii = _mm_loadu_ps(&ss->ii[l]);
    const __m128 xe = _mm_loadu_ps(&exc[l]), xi = _mm_loadu_ps(&inh[l]);
    int32_t r4;
    memcpy(&r4, &ss->refrac[l], sizeof r4);
    const __m128i r = _mm_cvtepu8_epi32(_mm_cvtsi32_si128(r4));
    _mm_storeu_ps(&exc[l], _mm_setzero_ps());
    _mm_storeu_ps(&inh[l], _mm_setzero_ps());
    const __m256d vd = _mm256_cvtps_pd(v), ied = _mm256_cvtps_pd(ie), iid = _mm256_cvtps_pd(ii);
    __m256d a = _mm256_mul_pd(_mm256_set1_pd(k->p22), vd);
    a = _mm256_add_pd(a, _mm256_mul_pd(_mm256_set1_pd(k->p21e), ied));
    a = _mm256_add_pd(a, _mm256_mul_pd(_mm256_set1_pd(k->p21i), iid));
    a = _mm256_add_pd(a, _mm256_set1_pd(k->cb));
    a = _mm256_add_pd(a, _mm256_set1_pd(k->cl));
    const __m128i held = _mm_xor_si128(_mm_cmpeq_epi32(r, _mm_setzero_si128()), _mm_set1_epi32(-1));
    __m128 nv = _mm_blendv_ps(_mm256_cvtpd_ps(a), v, _mm_castsi128_ps(held));
    __m128i nr = _mm_add_epi32(r, held); /* refrac - 1 where held */
    const __m128 nie = _mm256_cvtpd_ps(
        _mm256_add_pd(_mm256_mul_pd(_mm256_set1_pd(k->p11e), ied), _mm256_cvtps_pd(xe)));
    const __m128 nii = _mm256_cvtpd_ps(
        _mm256_add_pd(_mm256_mul_pd(_mm256_set1_pd(k->p11i), iid), _mm256_cvtps_pd(xi)));
    const __m128 th = _mm_set1_ps(k->threshold);
    const __m128 fire = k->ge ? _mm_cmp_ps(nv, th, _CMP_GE_OQ) : _mm_cmp_ps(nv, th, _CMP_GT_OQ);
    nv = _mm_blendv_ps(nv, _mm_set1_ps(k->v_reset), fire);
    nr = _mm_castps_si128(_mm_blendv_ps(
        _mm_castsi128_ps(nr), _mm_castsi128_ps(_mm_set1_epi32((int)k->refractory_ticks)), fire));
    const __m128 z = _mm_setzero_ps();
    const __m128 act =
        _mm_or_ps(_mm_or_ps(_mm_cmp_ps(xe, z, _CMP_NEQ_UQ), _mm_cmp_ps(xi, z, _CMP_NEQ_UQ)), fire);
    _mm_storeu_ps(&ss->v[l], nv);
    _mm_storeu_ps(&ss->ie[l], nie);
    _mm_storeu_ps(&ss->ii[l], nii);
    /* Counts are at most SM_SWEPT_REFRAC_MAX: packing saturates nothing. */
    r4 = _mm_cvtsi128_si32(_mm_packus_epi16(_mm_packus_epi32(nr, nr), _mm_setzero_si128()));
    memcpy(&ss->refrac[l], &r4, sizeof r4);
    sum->updates += 4;
    sum->active += (uint64_t)__builtin_popcount((unsigned)_mm_movemask_ps(act));
    return (unsigned)_mm_movemask_ps(fire);
}
#endif

uint32_t sm_core_lane_width(void)
{
    uint32_t w = 1;
#if S_LANES
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl"))
        w = 8;
    else if (__builtin_cpu_supports("avx2"))
        w = 4;
#endif
    const char *cap = getenv("SPIKEMESH_LANES");
    if (cap && *cap) {
        long c = strtol(cap, NULL, 10);
        w = c >= 8 ? w : c >= 4 ? (w < 4 ? w : 4) : 1;
    }
    return w;
}

/* The run [l0, l1) of swept core c: through the lanes where its population
 * has an inlined EXACT kernel, else (and for the tail) one by one. */
static int s_sweep_swept(const sm_core_ctx_t *cx, sm_core_t *c, uint32_t pop, uint32_t l0,
                         uint32_t l1, float *exc, float *inh, sm_u64vec_t *fired, s_sums_t *sum)
{
    /* The population's kernel, without a look at its cells (cold: the
     * sweep does not touch them). */
    const sm_kern_t *k = cx->kern ? cx->kern[pop] : NULL;
    if (k && !(k->exact && k->m->bias == k->bias))
        k = NULL;
    uint32_t l = l0;
#if S_LANES
    const uint32_t w = k ? cx->lanes : 1;
    /* A core's arrays are short streams (CUBA 64k: 250 neurons a core),
     * too short for the hardware to find: fetch a few lines ahead. */
    for (; w == 8 && l + 8 <= l1; l += 8) {
        __builtin_prefetch(&c->ss.v[l + 32], 1);
        __builtin_prefetch(&c->ss.ie[l + 32], 1);
        __builtin_prefetch(&c->ss.ii[l + 32], 1);
        __builtin_prefetch(&exc[l + 32], 1);
        __builtin_prefetch(&inh[l + 32], 1);
        if (s_fired(fired, l, s_eight(k, &c->ss, l, exc, inh, sum)))
            return -1;
    }
    for (; w >= 4 && l + 4 <= l1; l += 4)
        if (s_fired(fired, l, s_four(k, &c->ss, l, exc, inh, sum)))
            return -1;
#endif
    const sm_step_fn step = l < l1 ? sm_model_step_fn(c->cell[l].model) : NULL;
    for (; l < l1; l++) {
        const float xe = exc[l], xi = inh[l];
        exc[l] = inh[l] = 0.0f;
        sm_nstate_t s = sm_core_state(c, l);
        uint32_t n = k ? sm_kern_step_exact(k, &s, xe, xi) : step(c->cell[l].model, &s, xe, xi);
        sm_core_set_state(c, l, &s);
        sum->updates++;
        sum->active += (xe != 0.0f) | (xi != 0.0f) | (n != 0);
        if (n)
            SM_VEC_PUSH(*fired, (uint64_t)l << 32 | n, return -1);
    }
    return 0;
}

int sm_core_update_dense(const sm_core_ctx_t *cx, sm_core_t *c, uint32_t pop, uint32_t l0,
                         uint32_t l1, uint32_t tick, sm_u64vec_t *fired)
{
    const uint32_t slot = tick & cx->ring_mask;
    float *exc = c->inl ? NULL : sm_core_in(c, slot, 0);
    float *inh = c->inl ? NULL : sm_core_in(c, slot, 1);
    s_sums_t sum = {0, 0};
    if (c->swept) {
        if (s_sweep_swept(cx, c, pop, l0, l1, exc, inh, fired, &sum))
            return -1;
    } else {
        const sm_model_t *last = NULL;
        const sm_kern_t *kn = NULL;
        sm_step_fn step = NULL;
        for (uint32_t l = l0; l < l1; l++) {
            sm_cell_t *x = &c->cell[l];
            if (x->last == tick + 1)
                continue;
            if (x->model != last) {
                last = x->model;
                step = sm_model_step_fn(last);
                kn = sm_core_kern(cx, x);
                if (kn && !(kn->exact && last->bias == kn->bias))
                    kn = NULL;
            }
            const float xe = exc ? exc[l] : x->in[slot][0], xi = inh ? inh[l] : x->in[slot][1];
            uint32_t n =
                kn ? sm_kern_step_exact(kn, &x->st, xe, xi) : step(x->model, &x->st, xe, xi);
            x->last = tick + 1;
            sum.updates++;
            sum.active += (xe != 0.0f) | (xi != 0.0f) | (n != 0);
            if (n)
                SM_VEC_PUSH(*fired, (uint64_t)l << 32 | n, return -1);
        }
    }
    c->cnt.neuron_updates += sum.updates;
    c->cnt.active_updates += sum.active;
    return 0;
}
