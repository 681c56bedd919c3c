/* sm_mt19937: the 32-bit Mersenne Twister (Matsumoto and Nishimura 1998, as
 * C++'s std::mt19937 defines it) and the uniform double in [0, 1) that
 * libstdc++'s std::uniform_real_distribution<double> draws from it (two
 * 32-bit words, low word first: generate_canonical<double, 53>). SANA-FE's
 * poisson input draws that way. */
#ifndef SM_MT19937_H
#define SM_MT19937_H

#include <stdint.h>

typedef struct {
    uint32_t mt[624];
    uint32_t i;
} sm_mt19937_t;

void sm_mt19937_seed(sm_mt19937_t *g, uint32_t seed);
uint32_t sm_mt19937_next(sm_mt19937_t *g);
double sm_mt19937_canonical(sm_mt19937_t *g);

#endif
