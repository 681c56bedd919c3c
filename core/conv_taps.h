/* conv_taps: the kernel taps of one source neuron of a conv2d projection,
 * from the source's side (sm_proj_generate walks them from the target's).
 * Source (c, y, x) reaches output (o, oy, ox) through tap (ky, kx) when
 * y = oy * stride_h - pad_top + ky * dil_h (columns alike), for every output
 * channel o of c's group; the weight is kernel[o][c % in_g][ky][kx], and a
 * zero weight makes no synapse, as in the expansion. For structured
 * synapses (syntab.h), which apply a source's taps where the expansion
 * would have listed them. */
#ifndef SM_CONV_TAPS_H
#define SM_CONV_TAPS_H

#include <stdint.h>

#include "net.h"

typedef struct {
    const sm_conv2d_t *c;
    uint32_t y, x;               /* the source's row and column               */
    uint32_t oc0, oc1;           /* output channels of its group: [oc0, oc1)  */
    const float *k;              /* kernel + its input channel's offset       */
    uint32_t k_oc;               /* kernel stride between output channels     */
} sm_conv_src_t;

static inline void sm_conv_src(const sm_conv2d_t *c, uint32_t s, sm_conv_src_t *it)
{
    const uint32_t in_g = c->in_c / c->groups, out_g = c->out_c / c->groups;
    const uint32_t hw = c->in_h * c->in_w, ch = s / hw;
    it->c = c;
    it->y = (s / c->in_w) % c->in_h;
    it->x = s % c->in_w;
    it->oc0 = ch / in_g * out_g;
    it->oc1 = it->oc0 + out_g;
    it->k_oc = in_g * c->k_h * c->k_w;
    it->k = c->kernel + (size_t)(ch % in_g) * c->k_h * c->k_w;
}

/* The same for a source whose row and column are known: one division, by
 * the plane size, for its channel. */
static inline void sm_conv_src_at(const sm_conv2d_t *c, uint32_t s, uint32_t y, uint32_t x,
                                  sm_conv_src_t *it)
{
    const uint32_t in_g = c->in_c / c->groups, out_g = c->out_c / c->groups;
    const uint32_t ch = s / (c->in_h * c->in_w);
    it->c = c;
    it->y = y;
    it->x = x;
    it->oc0 = ch / in_g * out_g;
    it->oc1 = it->oc0 + out_g;
    it->k_oc = in_g * c->k_h * c->k_w;
    it->k = c->kernel + (size_t)(ch % in_g) * c->k_h * c->k_w;
}

/* The output row of tap row ky, or -1 when it reaches none. */
static inline int64_t sm_conv_tap_row(const sm_conv_src_t *it, uint32_t ky)
{
    const sm_conv2d_t *c = it->c;
    int64_t n = (int64_t)it->y + c->pad_top - (int64_t)ky * c->dil_h;
    if (n < 0 || n % c->stride_h)
        return -1;
    n /= c->stride_h;
    return n < c->out_h ? n : -1;
}

/* The output column of tap column kx, or -1. */
static inline int64_t sm_conv_tap_col(const sm_conv_src_t *it, uint32_t kx)
{
    const sm_conv2d_t *c = it->c;
    int64_t n = (int64_t)it->x + c->pad_left - (int64_t)kx * c->dil_w;
    if (n < 0 || n % c->stride_w)
        return -1;
    n /= c->stride_w;
    return n < c->out_w ? n : -1;
}

#endif
