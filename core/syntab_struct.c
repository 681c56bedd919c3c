/* syntab_struct: structured projections (syntab.h): a conv2d projection's
 * kernel or a matrix projection's weights kept as they are, with what
 * delivery needs to find a source's targets on a core quickly: the target
 * population's neurons per core, each target's core and local, and for a
 * conv the taps per input row and column. */
#include <stdlib.h>
#include <string.h>

#include "conv_taps.h"
#include "syntab_int.h"

static int s_u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

bool sm_synstruct_eligible(const sm_net_t *net, const sm_proj_t *pr, const uint32_t *local_of)
{
    bool conv = pr->conn == SM_CONN_CONV2D && pr->min_delay == pr->max_delay;
    bool mat = pr->conn == SM_CONN_MATRIX;
    /* A loihi_lif target takes fixed-point weights and clamps counts per
     * synapse; the structured kernels do neither, so such a projection is
     * expanded. */
    if (!(conv || mat) || pr->min_delay > SM_MAX_DELAY ||
        net->pops[pr->dst_pop].kind != SM_POP_NEURONS || pr->fixed || pr->clamp ||
        sm_pop_is_loihi(&net->pops[pr->dst_pop]))
        return false;
    const sm_pop_t *d = &net->pops[pr->dst_pop];
    for (uint32_t i = 0; i < d->size; i++)
        if (local_of[d->first + i] >= SM_SYN_STRUCT)
            return false;
    return true;
}

/* The target population's neurons per core: a contiguous run of indices at
 * consecutive locals, or a span to look up one by one; and a direct lookup
 * by core for meshes of up to 2^20 cores. */
static int s_segs(sm_synstruct_t *st)
{
    uint64_t *k = malloc(((size_t)st->dst_size + 1) * sizeof *k);
    if (!k)
        return -1;
    for (uint32_t i = 0; i < st->dst_size; i++)
        k[i] = (uint64_t)st->tgt_core[i] << 32 | i;
    qsort(k, st->dst_size, sizeof *k, s_u64_cmp);
    uint32_t n = 0;
    for (uint32_t i = 0; i < st->dst_size; i++)
        n += i == 0 || (k[i] >> 32) != (k[i - 1] >> 32);
    st->seg = calloc(n ? n : 1, sizeof *st->seg);
    if (!st->seg) {
        free(k);
        return -1;
    }
    for (uint32_t i = 0; i < st->dst_size; i++) {
        uint32_t core = (uint32_t)(k[i] >> 32), idx = (uint32_t)k[i], l = st->tgt_local[idx];
        sm_stseg_t *g = st->n_seg ? &st->seg[st->n_seg - 1] : NULL;
        if (!g || g->core != core) {
            g = &st->seg[st->n_seg++];
            *g = (sm_stseg_t){core, idx, idx + 1, l, 1, 0, 0};
            continue;
        }
        if (idx != g->hi || l != g->l0 + (g->hi - g->lo))
            g->contig = 0;
        g->hi = idx + 1;
    }
    free(k);
    uint32_t top = 0;
    for (uint32_t i = 0; i < st->n_seg; i++)
        top = st->seg[i].core + 1 > top ? st->seg[i].core + 1 : top;
    if (top <= (1u << 20)) {
        st->seg_of = malloc((size_t)(top ? top : 1) * sizeof *st->seg_of);
        if (!st->seg_of)
            return -1;
        for (uint32_t i = 0; i < top; i++)
            st->seg_of[i] = UINT32_MAX;
        for (uint32_t i = 0; i < st->n_seg; i++)
            st->seg_of[st->seg[i].core] = i;
        st->n_seg_of = top;
    }
    return 0;
}

/* Per input position along one axis, the taps that reach an output. */
static int s_axis(sm_staxis_t *a, uint32_t in, uint32_t out, uint32_t k, uint32_t stride,
                  uint32_t pad, uint32_t dil)
{
    uint64_t n = 0;
    a->off = calloc((size_t)in + 1, sizeof *a->off);
    if (!a->off)
        return -1;
    for (int pass = 0; pass < 2; pass++) {
        n = 0;
        for (uint32_t p = 0; p < in; p++) {
            if (pass)
                a->off[p] = (uint32_t)n;
            for (uint32_t j = 0; j < k; j++) {
                int64_t q = (int64_t)p + pad - (int64_t)j * dil;
                if (q < 0 || q % stride || q / stride >= out)
                    continue;
                if (pass) {
                    a->k[n] = (uint16_t)j;
                    a->o[n] = (uint32_t)(q / stride);
                }
                n++;
            }
        }
        if (n > UINT32_MAX)
            return -1;
        if (!pass) {
            a->k = malloc((size_t)(n ? n : 1) * sizeof *a->k);
            a->o = malloc((size_t)(n ? n : 1) * sizeof *a->o);
            if (!a->k || !a->o)
                return -1;
        }
    }
    a->off[in] = (uint32_t)n;
    return 0;
}

static int s_conv(sm_synstruct_t *st)
{
    const sm_conv2d_t *c = &st->pr->conv;
    if (c->k_h > UINT16_MAX || c->k_w > UINT16_MAX ||
        s_axis(&st->rows, c->in_h, c->out_h, c->k_h, c->stride_h, c->pad_top, c->dil_h) ||
        s_axis(&st->cols, c->in_w, c->out_w, c->k_w, c->stride_w, c->pad_left, c->dil_w))
        return -1;
    uint32_t ohw = c->out_h * c->out_w;
    for (uint32_t i = 0; i < st->n_seg; i++) {
        st->seg[i].oc_lo = st->seg[i].lo / ohw;
        st->seg[i].oc_hi = (st->seg[i].hi - 1) / ohw + 1;
    }
    uint32_t rows = c->out_c * c->out_h, ow = c->out_w;
    st->row_core = malloc(((size_t)rows + 1) * sizeof *st->row_core);
    st->row_l0 = malloc(((size_t)rows + 1) * sizeof *st->row_l0);
    if (!st->row_core || !st->row_l0)
        return -1;
    for (uint32_t r = 0; r < rows; r++) {
        uint32_t i0 = r * ow, core = st->tgt_core[i0], l0 = st->tgt_local[i0];
        for (uint32_t x = 1; x < ow && core != UINT32_MAX; x++)
            if (st->tgt_core[i0 + x] != core || st->tgt_local[i0 + x] != l0 + x)
                core = UINT32_MAX;
        st->row_core[r] = core;
        st->row_l0[r] = l0;
    }
    size_t nk = (size_t)c->out_c * (c->in_c / c->groups) * c->k_h * c->k_w;
    for (size_t i = 0; i < nk && !st->has_zero; i++)
        st->has_zero = c->kernel[i] == 0.0f;
    /* Where each source sits, so that a delivery divides by nothing but
     * the plane size. */
    if (c->in_h <= UINT16_MAX && c->in_w <= UINT16_MAX) {
        st->src_pos = malloc((size_t)(st->src_size ? st->src_size : 1) * sizeof *st->src_pos);
        if (!st->src_pos)
            return -1;
        for (uint32_t i = 0; i < st->src_size; i++)
            st->src_pos[i] = ((i / c->in_w) % c->in_h) << 16 | (i % c->in_w);
    }
    return 0;
}

/* A matrix kept by source: a column per source, contiguous. */
static int s_matrix(sm_synstruct_t *st)
{
    size_t n = (size_t)st->src_size * st->dst_size;
    st->mt = malloc((n ? n : 1) * sizeof *st->mt);
    if (!st->mt)
        return -1;
    const float *m = st->pr->matrix;
    for (uint32_t t = 0; t < st->dst_size; t++)
        for (uint32_t s = 0; s < st->src_size; s++) {
            float w = m[(size_t)t * st->src_size + s];
            st->mt[(size_t)s * st->dst_size + t] = w;
            st->has_zero |= w == 0.0f;
        }
    return 0;
}

int sm_synstruct_init(sm_synstruct_t *st, const sm_net_t *net, const sm_proj_t *pr,
                      const uint32_t *core_of, const uint32_t *local_of)
{
    memset(st, 0, sizeof *st);
    st->kind = pr->conn == SM_CONN_CONV2D ? SM_ST_CONV : SM_ST_MATRIX;
    st->pr = pr;
    st->src_first = net->pops[pr->src_pop].first;
    st->src_size = net->pops[pr->src_pop].size;
    st->dst_first = net->pops[pr->dst_pop].first;
    st->dst_size = net->pops[pr->dst_pop].size;
    st->port = pr->port == SM_PORT_INH ? 1u : 0u;
    st->delay = pr->min_delay;
    st->sole = 1;
    for (uint32_t j = 0; j < net->n_projs; j++)
        if (&net->projs[j] != pr && net->projs[j].src_pop == pr->src_pop &&
            net->projs[j].dst_pop == pr->dst_pop)
            st->sole = 0;
    st->tgt_core = malloc(((size_t)st->dst_size + 1) * sizeof *st->tgt_core);
    st->tgt_local = malloc(((size_t)st->dst_size + 1) * sizeof *st->tgt_local);
    if (!st->tgt_core || !st->tgt_local)
        return -1;
    for (uint32_t i = 0; i < st->dst_size; i++) {
        st->tgt_core[i] = core_of[st->dst_first + i];
        st->tgt_local[i] = local_of[st->dst_first + i];
    }
    if (s_segs(st))
        return -1;
    return st->kind == SM_ST_CONV ? s_conv(st) : s_matrix(st);
}

void sm_synstruct_fini(sm_synstruct_t *st)
{
    free(st->tgt_core);
    free(st->tgt_local);
    free(st->row_core);
    free(st->row_l0);
    free(st->seg);
    free(st->seg_of);
    free(st->src_pos);
    free(st->rows.off);
    free(st->rows.k);
    free(st->rows.o);
    free(st->cols.off);
    free(st->cols.k);
    free(st->cols.o);
    free(st->mt);
    memset(st, 0, sizeof *st);
}

const sm_stseg_t *sm_synstruct_seg_search(const sm_synstruct_t *st, uint32_t core)
{
    uint32_t lo = 0, hi = st->n_seg;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (st->seg[mid].core < core)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < st->n_seg && st->seg[lo].core == core ? &st->seg[lo] : NULL;
}

void sm_stcores_fini(sm_stcores_t *sc)
{
    free(sc->e);
    memset(sc, 0, sizeof *sc);
}

static int s_core_cmp(const void *a, const void *b)
{
    uint64_t x = ((const sm_stcore_t *)a)->key, y = ((const sm_stcore_t *)b)->key;
    return (x > y) - (x < y);
}

/* One more target gid g on its core; consecutive repeats merge. */
static int s_reach(sm_stcores_t *sc, uint32_t *n, uint32_t core, uint32_t g)
{
    if (*n && (sc->e[*n - 1].key >> 32) == core) {
        sc->e[*n - 1].taps++;
        return 0;
    }
    if (*n == sc->cap) {
        uint32_t nc = sc->cap ? sc->cap * 2 : 256;
        sm_stcore_t *x = realloc(sc->e, (size_t)nc * sizeof *x);
        if (!x)
            return -1;
        sc->e = x;
        sc->cap = nc;
    }
    sc->e[(*n)++] = (sm_stcore_t){(uint64_t)core << 32 | g, 1};
    return 0;
}

int64_t sm_synstruct_cores(const sm_synstruct_t *st, uint32_t s, sm_stcores_t *sc)
{
    uint32_t n = 0;
    if (st->kind == SM_ST_MATRIX) {
        const float *col = st->mt + (size_t)s * st->dst_size;
        for (uint32_t t = 0; t < st->dst_size; t++)
            if (col[t] != 0.0f && s_reach(sc, &n, st->tgt_core[t], st->dst_first + t))
                return -1;
    } else {
        const sm_conv2d_t *c = &st->pr->conv;
        sm_conv_src_t it;
        sm_conv_src(c, s, &it);
        const sm_staxis_t *R = &st->rows, *C = &st->cols;
        for (uint32_t oc = it.oc0; oc < it.oc1; oc++) {
            const float *k = it.k + (size_t)oc * it.k_oc;
            for (uint32_t r = R->off[it.y]; r < R->off[it.y + 1]; r++)
                for (uint32_t q = C->off[it.x]; q < C->off[it.x + 1]; q++) {
                    if (k[(size_t)R->k[r] * c->k_w + C->k[q]] == 0.0f)
                        continue;
                    uint32_t t = (oc * c->out_h + R->o[r]) * c->out_w + C->o[q];
                    if (s_reach(sc, &n, st->tgt_core[t], st->dst_first + t))
                        return -1;
                }
        }
    }
    /* Cores come unsorted only when the mapping scatters the targets: sort
     * by (core, gid) and merge by core. */
    bool sorted = true;
    for (uint32_t i = 1; i < n && sorted; i++)
        sorted = (sc->e[i].key >> 32) > (sc->e[i - 1].key >> 32);
    if (!sorted) {
        qsort(sc->e, n, sizeof *sc->e, s_core_cmp);
        uint32_t w = 1;
        for (uint32_t i = 1; i < n; i++) {
            if ((sc->e[i].key >> 32) == (sc->e[w - 1].key >> 32)) {
                sc->e[w - 1].taps += sc->e[i].taps;
                continue;
            }
            sc->e[w++] = sc->e[i];
        }
        n = w;
    }
    return n;
}
