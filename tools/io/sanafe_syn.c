/* sanafe_syn: the edges of a network expanded into compact synapse arrays, in
 * SANA-FE's creation order (network.cpp:253-605). */
#include <stdlib.h>
#include <string.h>

#include "sanafe_snn.h"

static uint64_t s_conv(const sm_sanafe_conv_t *c, uint32_t sfirst, uint32_t dfirst, uint32_t *pre,
                       uint32_t *post, uint32_t *aidx)
{
    const uint64_t W = (uint64_t)c->input_width, H = (uint64_t)c->input_height;
    const uint64_t ow = (uint64_t)c->output_width, oh = (uint64_t)c->output_height;
    const uint64_t cin = (uint64_t)c->input_channels, kc = (uint64_t)c->kernel_count;
    const uint64_t kw = (uint64_t)c->kernel_width;
    uint64_t n = 0;
    for (uint64_t co = 0; co < kc; co++)
        for (uint64_t yo = 0; yo < oh; yo++)
            for (uint64_t xo = 0; xo < ow; xo++) {
                uint32_t dst = dfirst + (uint32_t)(co * ow * oh + yo * ow + xo);
                for (uint64_t ci = 0; ci < cin; ci++)
                    for (uint64_t ky = 0; ky < (uint64_t)c->kernel_height; ky++) {
                        uint64_t y = yo * (uint64_t)c->stride_height + ky;
                        for (uint64_t kx = 0; kx < kw; kx++) {
                            uint64_t x = xo * (uint64_t)c->stride_width + kx;
                            pre[n] = sfirst + (uint32_t)(ci * W * H + y * W + x);
                            post[n] = dst;
                            aidx[n] = (uint32_t)(ky * kw * cin * kc + kx * cin * kc + ci * kc + co);
                            n++;
                        }
                    }
            }
    return n;
}

int sm_sanafe_synapses(const sm_sanafe_snn_t *s, sm_sanafe_syn_t *o, sm_error_t *err)
{
    memset(o, 0, sizeof *o);
    size_t n = (size_t)s->n_synapses;
    o->pre = malloc((n ? n : 1) * sizeof *o->pre);
    o->post = malloc((n ? n : 1) * sizeof *o->post);
    o->aidx = malloc((n ? n : 1) * sizeof *o->aidx);
    o->edge_first = malloc(((size_t)s->n_edges + 1) * sizeof *o->edge_first);
    if (!o->pre || !o->post || !o->aidx || !o->edge_first) {
        sm_sanafe_synapses_fini(o);
        return sm_fail(err, SM_ENOMEM, "%s: out of memory expanding %llu synapses", s->file,
                       (unsigned long long)s->n_synapses);
    }
    uint64_t at = 0;
    for (uint32_t ei = 0; ei < s->n_edges; ei++) {
        const sm_sanafe_edge_t *e = &s->edges[ei];
        uint32_t sf = s->groups[e->src_group].first, df = s->groups[e->dst_group].first;
        uint32_t nd = s->groups[e->dst_group].n;
        o->edge_first[ei] = at;
        uint32_t *pre = o->pre + at, *post = o->post + at, *aidx = o->aidx + at;
        switch (e->kind) {
        case SM_SFE_SINGLE:
            pre[0] = sf + e->src;
            post[0] = df + e->dst;
            aidx[0] = 0;
            break;
        case SM_SFE_DENSE: {
            uint32_t ns = s->groups[e->src_group].n;
            uint64_t k = 0;
            for (uint32_t i = 0; i < ns; i++)
                for (uint32_t j = 0; j < nd; j++, k++) {
                    pre[k] = sf + i;
                    post[k] = df + j;
                    aidx[k] = (uint32_t)k;
                }
            break;
        }
        case SM_SFE_SPARSE:
            for (uint32_t k = 0; k < e->n_attr; k++) {
                pre[k] = sf + s->pairs[e->pairs + 2 * k];
                post[k] = df + s->pairs[e->pairs + 2 * k + 1];
                aidx[k] = k;
            }
            break;
        case SM_SFE_CONV2D:
            s_conv(&e->conv, sf, df, pre, post, aidx);
            break;
        }
        at += e->n_syn;
    }
    o->edge_first[s->n_edges] = at;
    o->n = at;
    return 0;
}

void sm_sanafe_synapses_fini(sm_sanafe_syn_t *syn)
{
    if (!syn)
        return;
    free(syn->pre);
    free(syn->post);
    free(syn->aidx);
    free(syn->edge_first);
    memset(syn, 0, sizeof *syn);
}
