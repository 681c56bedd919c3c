/* sm_mt19937: std::mt19937 and libstdc++'s generate_canonical<double, 53>. */
#include "sm_mt19937.h"

#include <math.h>

void sm_mt19937_seed(sm_mt19937_t *g, uint32_t seed)
{
    g->mt[0] = seed;
    for (uint32_t k = 1; k < 624; k++)
        g->mt[k] = 1812433253u * (g->mt[k - 1] ^ (g->mt[k - 1] >> 30)) + k;
    g->i = 624;
}

uint32_t sm_mt19937_next(sm_mt19937_t *g)
{
    if (g->i >= 624) {
        for (uint32_t k = 0; k < 624; k++) {
            uint32_t y = (g->mt[k] & 0x80000000u) | (g->mt[(k + 1) % 624] & 0x7fffffffu);
            g->mt[k] = g->mt[(k + 397) % 624] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
        }
        g->i = 0;
    }
    uint32_t y = g->mt[g->i++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

double sm_mt19937_canonical(sm_mt19937_t *g)
{
    double sum = 0.0, scale = 1.0;
    for (int k = 0; k < 2; k++) {
        sum += (double)sm_mt19937_next(g) * scale;
        scale *= 4294967296.0;
    }
    double r = sum / scale;
    return r >= 1.0 ? nextafter(1.0, 0.0) : r;
}
