/* ncore_struct: delivering structured synapses (syntab.h). A source's conv
 * taps or matrix column are applied where its expanded synapses would have
 * been: the same additions (w * cnt, one per target), so the same sums.
 * The dense engine updates every neuron every tick and clears whole input
 * slots, so it marks nothing; and a row of targets on one core at
 * consecutive locals takes a kernel row's slice as a run of additions. A
 * zero weight, which the expansion skips, adds a zero, which changes no sum
 * (a float sum begun at +0 is never -0), so only the counts skip it. */
#include <stdlib.h>
#include <string.h>

#include "conv_taps.h"
#include "ncore_int.h"

static inline void s_src(const sm_synstruct_t *st, uint32_t si, sm_conv_src_t *it)
{
    const sm_conv2d_t *cv = &st->pr->conv;
    if (st->src_pos)
        sm_conv_src_at(cv, si, st->src_pos[si] >> 16, st->src_pos[si] & 0xFFFFu, it);
    else
        sm_conv_src(cv, si, it);
}

/* Targets [lo, hi) of a matrix column on core c (segment g). */
static int64_t s_column(const sm_core_ctx_t *cx, sm_core_t *c, const sm_synstruct_t *st,
                        const sm_stseg_t *g, const float *col, uint32_t slot, float cnt,
                        sm_u32vec_t *active)
{
    const int mark = !cx->dense;
    int64_t n = 0;
    float *acc = sm_core_in(c, slot, st->port);
    if (g->contig && !mark) {
        float *a = acc + g->l0;
        const float *w = col + g->lo;
        const uint32_t len = g->hi - g->lo;
        for (uint32_t i = 0; i < len; i++)
            a[i] += w[i] * cnt;
        if (!st->has_zero)
            return len;
        for (uint32_t i = 0; i < len; i++)
            n += w[i] != 0.0f;
        return n;
    }
    for (uint32_t i = g->lo; i < g->hi; i++) {
        if (col[i] == 0.0f || st->tgt_core[i] != c->id)
            continue;
        uint32_t l = st->tgt_local[i];
        acc[l] += col[i] * cnt;
        if (mark && sm_core_touch(c, slot, l, active))
            return -1;
        n++;
    }
    return n;
}

int64_t sm_core_struct(const sm_core_ctx_t *cx, sm_core_t *c, uint32_t src, const sm_syn_t *s,
                       uint32_t slot, float cnt, sm_u32vec_t *active)
{
    const sm_syntab_t *t = cx->tab;
    const sm_synstruct_t *st = &t->st[sm_syn_struct_index(s)];
    const sm_stseg_t *g = sm_synstruct_seg(st, c->id);
    if (!g)
        return 0;
    const uint32_t si = src - st->src_first;
    if (st->kind == SM_ST_MATRIX)
        return s_column(cx, c, st, g, st->mt + (size_t)si * st->dst_size, slot, cnt, active);
    const sm_conv2d_t *cv = &st->pr->conv;
    const uint32_t ow = cv->out_w, ohw = cv->out_h * ow;
    const uint32_t lo = g->lo, hi = g->hi, kw = cv->k_w;
    float *acc = sm_core_in(c, slot, st->port);
    const int mark = !cx->dense, zeros = (int)st->has_zero;
    sm_conv_src_t it;
    s_src(st, si, &it);
    const sm_staxis_t *R = &st->rows, *C = &st->cols;
    const uint32_t r0 = R->off[it.y], r1 = R->off[it.y + 1];
    const uint32_t q0 = C->off[it.x], q1 = C->off[it.x + 1];
    const uint16_t *ck = C->k;
    const uint32_t *co = C->o;
    const uint32_t oc0 = g->oc_lo > it.oc0 ? g->oc_lo : it.oc0;
    const uint32_t oc1 = g->oc_hi < it.oc1 ? g->oc_hi : it.oc1;
    int64_t applied = 0;
    for (uint32_t oc = oc0; oc < oc1; oc++) {
        const float *k = it.k + (size_t)oc * it.k_oc;
        const uint32_t base = oc * ohw;
        for (uint32_t r = r0; r < r1; r++) {
            const uint32_t row = base + R->o[r] * ow;
            if (row >= hi || row + ow <= lo)
                continue;
            const float *kr = k + (size_t)R->k[r] * kw;
            if (g->contig && row >= lo && row + ow <= hi && !mark) {
                float *a = acc + (g->l0 + (row - lo));
                for (uint32_t q = q0; q < q1; q++)
                    a[co[q]] += kr[ck[q]] * cnt;
                applied += q1 - q0;
                for (uint32_t q = q0; zeros && q < q1; q++)
                    applied -= kr[ck[q]] == 0.0f;
                continue;
            }
            for (uint32_t q = q0; q < q1; q++) {
                const float w = kr[ck[q]];
                if (w == 0.0f)
                    continue;
                const uint32_t i = row + co[q];
                uint32_t l;
                if (g->contig) {
                    if (i < lo || i >= hi)
                        continue;
                    l = g->l0 + (i - lo);
                } else {
                    if (st->tgt_core[i] != c->id)
                        continue;
                    l = st->tgt_local[i];
                }
                acc[l] += w * cnt;
                if (mark && sm_core_touch(c, slot, l, active))
                    return -1;
                applied++;
            }
        }
    }
    return applied;
}

int sm_strows_init(sm_strows_t *r, const sm_core_ctx_t *cx, const sm_synstruct_t *st)
{
    memset(r, 0, sizeof *r);
    if (st->kind != SM_ST_CONV)
        return 0;
    const sm_conv2d_t *cv = &st->pr->conv;
    uint32_t rows = cv->out_c * cv->out_h;
    r->acc = malloc(((size_t)rows + 1) * sizeof *r->acc);
    r->step = malloc(((size_t)rows + 1) * sizeof *r->step);
    r->events = malloc(((size_t)rows + 1) * sizeof *r->events);
    if (!r->acc || !r->step || !r->events) {
        sm_strows_fini(r);
        return -1;
    }
    for (uint32_t i = 0; i < rows; i++) {
        if (st->row_core[i] == UINT32_MAX) { /* split over cores: tap by tap */
            r->acc[i] = NULL;
            r->step[i] = 0;
            r->events[i] = NULL;
            continue;
        }
        sm_core_t *c = &cx->cores[st->row_core[i]];
        r->acc[i] = sm_core_in(c, 0, st->port) + st->row_l0[i];
        r->step[i] = 2 * c->n;
        r->events[i] = &c->cnt.synaptic_events;
    }
    return 0;
}

void sm_strows_fini(sm_strows_t *r)
{
    free(r->acc);
    free(r->step);
    free(r->events);
    memset(r, 0, sizeof *r);
}

/* The dense engine's whole delivery of a conv whose rows each lie on one
 * core: per row, the kernel row's slice added to a run of inputs. */
static void s_conv_rows(const sm_core_ctx_t *cx, const sm_synstruct_t *st,
                        const sm_strows_t *rows, uint32_t si, uint32_t slot, float cnt)
{
    const sm_conv2d_t *cv = &st->pr->conv;
    const uint32_t oh = cv->out_h, kw = cv->k_w;
    sm_conv_src_t it;
    s_src(st, si, &it);
    const sm_staxis_t *R = &st->rows, *C = &st->cols;
    const uint32_t r0 = R->off[it.y], r1 = R->off[it.y + 1];
    const uint32_t q0 = C->off[it.x], q1 = C->off[it.x + 1];
    const uint16_t *ck = C->k + q0;
    const uint32_t *co = C->o + q0;
    const uint32_t nq = q1 - q0;
    const int zeros = (int)st->has_zero;
    /* Consecutive rows mostly count on one core: add up, then store. */
    uint64_t *ev = NULL, pend = 0;
    for (uint32_t oc = it.oc0; oc < it.oc1; oc++) {
        const float *k = it.k + (size_t)oc * it.k_oc;
        for (uint32_t r = r0; r < r1; r++) {
            const uint32_t orow = oc * oh + R->o[r];
            const float *kr = k + (size_t)R->k[r] * kw;
            if (!rows->acc[orow]) {
                const uint32_t row = orow * cv->out_w;
                for (uint32_t q = 0; q < nq; q++) {
                    const float w = kr[ck[q]];
                    if (w == 0.0f)
                        continue;
                    const uint32_t i = row + co[q];
                    sm_core_t *c = &cx->cores[st->tgt_core[i]];
                    sm_core_in(c, slot, st->port)[st->tgt_local[i]] += w * cnt;
                    c->cnt.synaptic_events++;
                }
                continue;
            }
            float *a = rows->acc[orow] + (size_t)slot * rows->step[orow];
            uint64_t n = nq;
            for (uint32_t q = 0; q < nq; q++)
                a[co[q]] += kr[ck[q]] * cnt;
            for (uint32_t q = 0; zeros && q < nq; q++)
                n -= kr[ck[q]] == 0.0f;
            if (rows->events[orow] != ev) {
                if (ev)
                    *ev += pend;
                ev = rows->events[orow];
                pend = 0;
            }
            pend += n;
        }
    }
    if (ev)
        *ev += pend;
}

int sm_core_struct_whole(const sm_core_ctx_t *cx, const sm_synstruct_t *st,
                         const sm_strows_t *rows, uint32_t src, uint32_t slot, float cnt,
                         sm_u32vec_t *active)
{
    const uint32_t si = src - st->src_first;
    if (rows && rows->acc && cx->dense) {
        s_conv_rows(cx, st, rows, si, slot, cnt);
        return 0;
    }
    if (st->kind == SM_ST_MATRIX) {
        const float *col = st->mt + (size_t)si * st->dst_size;
        for (uint32_t k = 0; k < st->n_seg; k++) {
            sm_core_t *c = &cx->cores[st->seg[k].core];
            int64_t n = s_column(cx, c, st, &st->seg[k], col, slot, cnt, active);
            if (n < 0)
                return -1;
            c->cnt.synaptic_events += (uint64_t)n;
        }
        return 0;
    }
    const sm_conv2d_t *cv = &st->pr->conv;
    const uint32_t port = st->port, ow = cv->out_w, oh = cv->out_h, kw = cv->k_w;
    const int mark = !cx->dense, zeros = (int)st->has_zero;
    sm_conv_src_t it;
    s_src(st, si, &it);
    const sm_staxis_t *R = &st->rows, *C = &st->cols;
    const uint32_t r0 = R->off[it.y], r1 = R->off[it.y + 1];
    const uint32_t q0 = C->off[it.x], q1 = C->off[it.x + 1];
    const uint16_t *ck = C->k;
    const uint32_t *co = C->o;
    for (uint32_t oc = it.oc0; oc < it.oc1; oc++) {
        const float *k = it.k + (size_t)oc * it.k_oc;
        for (uint32_t r = r0; r < r1; r++) {
            const uint32_t orow = oc * oh + R->o[r], row = orow * ow;
            const float *kr = k + (size_t)R->k[r] * kw;
            const uint32_t core = st->row_core[orow];
            if (core != UINT32_MAX && !mark) {
                sm_core_t *c = &cx->cores[core];
                float *a = sm_core_in(c, slot, port) + st->row_l0[orow];
                for (uint32_t q = q0; q < q1; q++)
                    a[co[q]] += kr[ck[q]] * cnt;
                uint64_t n = q1 - q0;
                for (uint32_t q = q0; zeros && q < q1; q++)
                    n -= kr[ck[q]] == 0.0f;
                c->cnt.synaptic_events += n;
                continue;
            }
            for (uint32_t q = q0; q < q1; q++) {
                const float w = kr[ck[q]];
                if (w == 0.0f)
                    continue;
                const uint32_t i = row + co[q], l = st->tgt_local[i];
                sm_core_t *c = &cx->cores[st->tgt_core[i]];
                sm_core_in(c, slot, port)[l] += w * cnt;
                c->cnt.synaptic_events++;
                if (mark && sm_core_touch(c, slot, l, active))
                    return -1;
            }
        }
    }
    return 0;
}
