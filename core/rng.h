/* rng: small counter-based random streams.
 *
 * Every random draw in spikemesh comes from a stream named by integers (seed,
 * projection, neuron, ...), never from shared global state, so that results
 * do not depend on threads, processes or the order of work. */
#ifndef SM_RNG_H
#define SM_RNG_H

#include <math.h>
#include <stdint.h>

typedef struct {
    uint64_t s;
} sm_rng_t;

static inline uint64_t sm_mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A stream keyed by (seed, a, b). */
static inline sm_rng_t sm_rng_stream(uint64_t seed, uint64_t a, uint64_t b)
{
    sm_rng_t r;
    r.s = sm_mix64(sm_mix64(seed ^ sm_mix64(a + 0x632be59bd9b4e019ULL)) ^
                   sm_mix64(b + 0x8cb92ba72f3d8dd7ULL));
    return r;
}

static inline uint64_t sm_rng_next(sm_rng_t *r)
{
    r->s += 0x9e3779b97f4a7c15ULL;
    uint64_t z = r->s;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1), 53 bits. */
static inline double sm_rng_uniform(sm_rng_t *r)
{
    return (double)(sm_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform integer in [0, n). */
static inline uint32_t sm_rng_below(sm_rng_t *r, uint32_t n)
{
    return (uint32_t)(((sm_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Standard normal by Box-Muller (one of the pair; simple and reproducible). */
static inline double sm_rng_normal(sm_rng_t *r)
{
    double u1 = sm_rng_uniform(r);
    double u2 = sm_rng_uniform(r);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* Number of failures before the first success of Bernoulli(p), p in (0, 1]. */
static inline uint64_t sm_rng_geometric(sm_rng_t *r, double p)
{
    if (p >= 1.0)
        return 0;
    double u = sm_rng_uniform(r);
    double g = floor(log1p(-u) / log1p(-p));
    return g > 1e18 ? (uint64_t)1e18 : (uint64_t)g;
}

#endif
