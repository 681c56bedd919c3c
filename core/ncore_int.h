/* ncore_int: what the delivery files of a neuron core share (ncore_deliver.c,
 * ncore_struct.c). Not for use outside core/ncore*.c. */
#ifndef SM_NCORE_INT_H
#define SM_NCORE_INT_H

#include "ncore.h"

/* Marks local l of c as having input at `slot`, once per slot. */
static inline int sm_core_touch(sm_core_t *c, uint32_t slot, uint32_t l, sm_u32vec_t *active)
{
    /* A swept core's neurons are all stepped every tick: nothing to list,
     * and its input planes are cleared whole (sm_core_clear_all). */
    if (c->swept)
        return 0;
    if (c->inl) {
        /* The mark lives in the cell the input was just added to. */
        sm_cell_t *x = &c->cell[l];
        const uint8_t bit = (uint8_t)(1u << slot);
        if (!(x->mark & bit)) {
            x->mark |= bit;
            if (!c->touched[slot].n)
                SM_VEC_PUSH(active[slot], c->id, return -1);
            SM_VEC_PUSH(c->touched[slot], l, return -1);
        }
        return 0;
    }
    uint64_t *w = &c->bits[(size_t)slot * c->words + (l >> 6)];
    uint64_t bit = 1ULL << (l & 63);
    if (!(*w & bit)) {
        *w |= bit;
        if (!c->touched[slot].n)
            SM_VEC_PUSH(active[slot], c->id, return -1);
        SM_VEC_PUSH(c->touched[slot], l, return -1);
        /* Its update comes later this tick or soon after: start the fetch
         * of its cell (which may straddle two lines) and of its input on the
         * other port, which the update reads too. */
        __builtin_prefetch(&c->cell[l], 1);
        __builtin_prefetch((const char *)&c->cell[l] + sizeof c->cell[l] - 1, 1);
        __builtin_prefetch(&sm_core_in(c, slot, 1)[l], 0);
    }
    return 0;
}

/* A structured entry s (syntab.h) of source gid src on core c: the source's
 * taps or column onto c's targets, adding w * cnt to their input at slot.
 * Returns the synapses applied (those of nonzero weight), or -1. */
int64_t sm_core_struct(const sm_core_ctx_t *cx, sm_core_t *c, uint32_t src, const sm_syn_t *s,
                       uint32_t slot, float cnt, sm_u32vec_t *active);

/* The same onto every core of st at once (sm_stwhole_t), each core counting
 * its own synaptic events. */
int sm_core_struct_whole(const sm_core_ctx_t *cx, const sm_synstruct_t *st,
                         const sm_strows_t *rows, uint32_t src, uint32_t slot, float cnt,
                         sm_u32vec_t *active);

#endif
