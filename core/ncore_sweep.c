/* ncore_sweep: the tick's sweep over runs of neurons stepped every tick.
 *
 * The dense engine steps every neuron this way, the event engine its
 * self-driven ones (sm_core_stepped). A run of the EXACT style's neurons
 * (CUBA's) is stepped four cells at a time in vector lanes where the
 * processor has AVX2: each lane does the very double operations of
 * sm_kern_step_exact in the same order, and each conversion to float rounds
 * as the scalar one does, so the lanes change no bit of any result, only
 * the time the sweep takes (-ffp-contract=off: no fused multiply-add). */
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

/* One neuron, as sm_core_update steps it with the tick's input; a swept
 * core's state is in sst, and it keeps no update tick. */
static inline uint32_t s_one(const sm_kern_t *kn, sm_step_fn step, sm_core_t *c, uint32_t l,
                             float xe, float xi, uint32_t tick, s_sums_t *sum)
{
    sm_cell_t *x = &c->cell[l];
    sm_nstate_t *st = c->sst ? &c->sst[l] : &x->st;
    uint32_t n = kn ? sm_kern_step_exact(kn, st, xe, xi) : step(x->model, st, xe, xi);
    if (!c->sst)
        x->last = tick + 1;
    sum->updates++;
    sum->active += (xe != 0.0f) | (xi != 0.0f) | (n != 0);
    return n;
}

#if S_LANES
_Static_assert(offsetof(sm_cell_t, st) == 0 && sizeof(sm_nstate_t) == 16,
               "the lanes load a state as four 32-bit words");

/* A kernel's constants in registers, loaded once per run of cells (the
 * cells' stores could alias the kernel, so the compiler would reload them). */
typedef struct {
    __m256d p22, p21e, p21i, cb, cl, p11e, p11i;
    __m128 th, v_reset;
    __m128i refractory;
    int ge;
} s_consts_t;

/* Four states s[0..3] of the kernel's model stepped side by side; xe and
 * xi their inputs. Returns the mask of those that fired (each fires once:
 * the EXACT style emits one spike). */
__attribute__((target("avx2"), always_inline)) static inline unsigned
s_four(const s_consts_t *K, sm_nstate_t *const s[4], __m128 xe, __m128 xi, s_sums_t *sum)
{
    __m128 v = _mm_load_ps((const float *)s[0]), ie = _mm_load_ps((const float *)s[1]),
           ii = _mm_load_ps((const float *)s[2]), rf = _mm_load_ps((const float *)s[3]);
    _MM_TRANSPOSE4_PS(v, ie, ii, rf);
    const __m256d vd = _mm256_cvtps_pd(v), ied = _mm256_cvtps_pd(ie), iid = _mm256_cvtps_pd(ii);
    /* v' = p22 v + p21e ie + p21i ii + cb + cl, in that order. */
    __m256d a = _mm256_mul_pd(K->p22, vd);
    a = _mm256_add_pd(a, _mm256_mul_pd(K->p21e, ied));
    a = _mm256_add_pd(a, _mm256_mul_pd(K->p21i, iid));
    a = _mm256_add_pd(a, K->cb);
    a = _mm256_add_pd(a, K->cl);
    const __m128i r = _mm_castps_si128(rf);
    const __m128i held = _mm_xor_si128(_mm_cmpeq_epi32(r, _mm_setzero_si128()), _mm_set1_epi32(-1));
    __m128 nv = _mm_blendv_ps(_mm256_cvtpd_ps(a), v, _mm_castsi128_ps(held));
    __m128i nr = _mm_add_epi32(r, held); /* refrac - 1 where held */
    const __m128 nie =
        _mm256_cvtpd_ps(_mm256_add_pd(_mm256_mul_pd(K->p11e, ied), _mm256_cvtps_pd(xe)));
    const __m128 nii =
        _mm256_cvtpd_ps(_mm256_add_pd(_mm256_mul_pd(K->p11i, iid), _mm256_cvtps_pd(xi)));
    const __m128 fire = K->ge ? _mm_cmp_ps(nv, K->th, _CMP_GE_OQ) : _mm_cmp_ps(nv, K->th, _CMP_GT_OQ);
    nv = _mm_blendv_ps(nv, K->v_reset, fire);
    nr = _mm_castps_si128(_mm_blendv_ps(_mm_castsi128_ps(nr), _mm_castsi128_ps(K->refractory), fire));
    const __m128 zero = _mm_setzero_ps();
    const __m128 act = _mm_or_ps(_mm_or_ps(_mm_cmp_ps(xe, zero, _CMP_NEQ_UQ),
                                           _mm_cmp_ps(xi, zero, _CMP_NEQ_UQ)), fire);
    __m128 o0 = nv, o1 = nie, o2 = nii, o3 = _mm_castsi128_ps(nr);
    _MM_TRANSPOSE4_PS(o0, o1, o2, o3);
    _mm_store_ps((float *)s[0], o0);
    _mm_store_ps((float *)s[1], o1);
    _mm_store_ps((float *)s[2], o2);
    _mm_store_ps((float *)s[3], o3);
    sum->updates += 4;
    sum->active += (uint64_t)__builtin_popcount((unsigned)_mm_movemask_ps(act));
    return (unsigned)_mm_movemask_ps(fire);
}

/* The cells [l, l + 4) of c can go through s_four: none updated yet at
 * tick (a run is one population's: they share the kernel's model). A swept
 * core's neurons are updated by the sweep only. */
static inline int s_four_ok(const sm_core_t *c, const sm_cell_t *x, uint32_t tick)
{
    return c->swept || ((x[0].last != tick + 1) & (x[1].last != tick + 1) &
                        (x[2].last != tick + 1) & (x[3].last != tick + 1));
}

/* The lanes' run: as many blocks of four from l as fit before l1 and pass
 * s_four_ok; returns where it stopped. */
__attribute__((target("avx2"))) static int s_lanes(const sm_kern_t *kn, sm_core_t *c, uint32_t *lp,
                                                   uint32_t l1, uint32_t slot, uint32_t tick,
                                                   float *exc, float *inh,
                                                   sm_u64vec_t *fired, s_sums_t *sum)
{
    uint32_t l = *lp;
    const s_consts_t K = {.p22 = _mm256_set1_pd(kn->p22),
                          .p21e = _mm256_set1_pd(kn->p21e),
                          .p21i = _mm256_set1_pd(kn->p21i),
                          .cb = _mm256_set1_pd(kn->cb),
                          .cl = _mm256_set1_pd(kn->cl),
                          .p11e = _mm256_set1_pd(kn->p11e),
                          .p11i = _mm256_set1_pd(kn->p11i),
                          .th = _mm_set1_ps(kn->threshold),
                          .v_reset = _mm_set1_ps(kn->v_reset),
                          .refractory = _mm_set1_epi32((int)kn->refractory_ticks),
                          .ge = kn->ge};
    for (; l + 4 <= l1 && s_four_ok(c, &c->cell[l], tick); l += 4) {
        sm_cell_t *x = &c->cell[l];
        __m128 xe, xi;
        if (exc) {
            xe = _mm_loadu_ps(&exc[l]);
            xi = _mm_loadu_ps(&inh[l]);
            if (c->swept) {
                _mm_storeu_ps(&exc[l], _mm_setzero_ps());
                _mm_storeu_ps(&inh[l], _mm_setzero_ps());
            }
        } else {
            const __m128 z = _mm_setzero_ps();
            const __m128 a = _mm_loadh_pi(_mm_loadl_pi(z, (const __m64 *)x[0].in[slot]),
                                          (const __m64 *)x[1].in[slot]);
            const __m128 b = _mm_loadh_pi(_mm_loadl_pi(z, (const __m64 *)x[2].in[slot]),
                                          (const __m64 *)x[3].in[slot]);
            xe = _mm_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
            xi = _mm_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
        }
        unsigned f;
        /* A core's states and planes are short streams (CUBA 64k: 250
         * neurons a core), too short for the hardware to find. */
        if (c->sst) {
            __builtin_prefetch(&c->sst[l + 16], 1);
            __builtin_prefetch(&exc[l + 32], 0);
            __builtin_prefetch(&inh[l + 32], 0);
        }
        if (c->sst) {
            sm_nstate_t *const st[4] = {&c->sst[l], &c->sst[l + 1], &c->sst[l + 2], &c->sst[l + 3]};
            f = s_four(&K, st, xe, xi, sum);
        } else {
            sm_nstate_t *const st[4] = {&x[0].st, &x[1].st, &x[2].st, &x[3].st};
            f = s_four(&K, st, xe, xi, sum);
            for (int j = 0; j < 4; j++)
                x[j].last = tick + 1;
        }
        for (uint32_t j = 0; f; j++, f >>= 1)
            if (f & 1u)
                SM_VEC_PUSH(*fired, (uint64_t)(l + j) << 32 | 1u, *lp = l; return -1);
    }
    *lp = l;
    return 0;
}
#endif

int sm_core_update_dense(const sm_core_ctx_t *cx, sm_core_t *c, uint32_t l0, uint32_t l1,
                         uint32_t tick, sm_u64vec_t *fired)
{
    const uint32_t slot = tick & cx->ring_mask;
    float *exc = c->inl ? NULL : sm_core_in(c, slot, 0);
    float *inh = c->inl ? NULL : sm_core_in(c, slot, 1);
    const sm_model_t *last = NULL;
    const sm_kern_t *kn = NULL;
    sm_step_fn step = NULL;
    s_sums_t sum = {0, 0};
#if S_LANES
    const int lanes = __builtin_cpu_supports("avx2");
#endif
    for (uint32_t l = l0; l < l1;) {
        sm_cell_t *x = &c->cell[l];
        if (!c->swept && x->last == tick + 1) {
            l++;
            continue;
        }
        if (x->model != last) {
            last = x->model;
            step = sm_model_step_fn(last);
            kn = sm_core_kern(cx, x);
            if (kn && !(kn->exact && last->bias == kn->bias))
                kn = NULL;
        }
#if S_LANES
        if (kn && lanes && l + 4 <= l1) {
            uint32_t from = l;
            if (s_lanes(kn, c, &l, l1, slot, tick, exc, inh, fired, &sum))
                return -1;
            if (l != from)
                continue;
        }
#endif
        const float xe = exc ? exc[l] : x->in[slot][0], xi = inh ? inh[l] : x->in[slot][1];
        if (c->swept)
            exc[l] = inh[l] = 0.0f;
        uint32_t n = s_one(kn, step, c, l, xe, xi, tick, &sum);
        if (n)
            SM_VEC_PUSH(*fired, (uint64_t)l << 32 | n, return -1);
        l++;
    }
    c->cnt.neuron_updates += sum.updates;
    c->cnt.active_updates += sum.active;
    return 0;
}
