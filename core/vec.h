/* vec: a growable array for the engine's work lists. It grows while a run
 * warms up and is reused after, so a steady run allocates nothing. */
#ifndef SM_VEC_H
#define SM_VEC_H

#include <stdint.h>
#include <stdlib.h>

#define SM_VEC(T) struct { T *a; uint32_t n, cap; }

/* Appends x to v; runs `fail` (a statement) if the array cannot grow. */
#define SM_VEC_PUSH(v, x, fail)                                                 \
    do {                                                                        \
        if ((v).n == (v).cap) {                                                 \
            uint32_t nc_ = (v).cap ? (v).cap * 2 : 64;                          \
            void *na_ = realloc((v).a, (size_t)nc_ * sizeof *(v).a);           \
            if (!na_) { fail; }                                                 \
            (v).a = na_;                                                        \
            (v).cap = nc_;                                                      \
        }                                                                       \
        (v).a[(v).n++] = (x);                                                   \
    } while (0)

typedef SM_VEC(uint32_t) sm_u32vec_t;
typedef SM_VEC(uint64_t) sm_u64vec_t;

#endif
