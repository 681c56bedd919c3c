/* nir_linop: the linear maps of NIR connection nodes (Affine/Linear weights,
 * Conv and pooling windows, Scale), applied to sparse vectors, and windows
 * composed into one. The compiler pushes each source neuron through a chain
 * with them to get the chain's synapses, and a bias through the nodes after
 * it to get the current it brings. Sums are in double, rounded to float32
 * once, when a synapse is made. */
#include <stdlib.h>
#include <string.h>

#include "nir_compile_int.h"

/* ---- sparse vectors ------------------------------------------------------ */

int sm_nirc_vec_init(sm_nirc_vec_t *v, uint32_t size)
{
    memset(v, 0, sizeof *v);
    v->size = size;
    v->acc = calloc(size ? size : 1, sizeof *v->acc);
    v->mark = calloc(size ? size : 1, 1);
    v->cap = 16;
    v->idx = malloc(v->cap * sizeof *v->idx);
    v->val = malloc(v->cap * sizeof *v->val);
    if (!v->acc || !v->mark || !v->idx || !v->val) {
        sm_nirc_vec_fini(v);
        return -1;
    }
    return 0;
}

void sm_nirc_vec_fini(sm_nirc_vec_t *v)
{
    free(v->idx);
    free(v->val);
    free(v->acc);
    free(v->mark);
    memset(v, 0, sizeof *v);
}

void sm_nirc_vec_clear(sm_nirc_vec_t *v)
{
    for (uint32_t k = 0; k < v->n; k++) {
        v->mark[v->idx[k]] = 0;
        v->acc[v->idx[k]] = 0.0;
    }
    v->n = 0;
}

int sm_nirc_vec_add(sm_nirc_vec_t *v, uint32_t i, double x)
{
    if (!v->mark[i]) {
        if (v->n == v->cap) {
            uint32_t nc = v->cap * 2;
            uint32_t *ni = realloc(v->idx, nc * sizeof *ni);
            if (!ni)
                return -1;
            v->idx = ni;
            double *nv = realloc(v->val, nc * sizeof *nv);
            if (!nv)
                return -1;
            v->val = nv;
            v->cap = nc;
        }
        v->mark[i] = 1;
        v->idx[v->n++] = i;
    }
    v->acc[i] += x;
    return 0;
}

static int s_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

void sm_nirc_vec_seal(sm_nirc_vec_t *v)
{
    qsort(v->idx, v->n, sizeof *v->idx, s_cmp_u32);
    uint32_t w = 0;
    for (uint32_t k = 0; k < v->n; k++) {
        uint32_t i = v->idx[k];
        double x = v->acc[i];
        v->acc[i] = 0.0;
        v->mark[i] = 0;
        if (x != 0.0) {
            v->idx[w] = i;
            v->val[w++] = x;
        }
    }
    v->n = w;
}

/* ---- windows ------------------------------------------------------------- */

void sm_nirc_win_fini(sm_nirc_win_t *w)
{
    free(w->k);
    w->k = NULL;
}

static uint32_t s_u32(int64_t x)
{
    return x < 0 ? 0 : (uint32_t)x;
}

int sm_nirc_win_of(const sm_nir_node_t *n, double gain, sm_nirc_win_t *w)
{
    const sm_nir_geom_t *g = &n->geom;
    memset(w, 0, sizeof *w);
    bool conv = n->type == SM_NIR_CONV1D || n->type == SM_NIR_CONV2D;
    w->in_c = s_u32(n->in_shape.dim[0]);
    w->out_c = s_u32(n->out_shape.dim[0]);
    /* One spatial axis is the width, with a height of 1. */
    int a = g->nd == 2 ? 0 : -1, b = g->nd == 2 ? 1 : 0;
    w->in_h = a < 0 ? 1 : s_u32(n->in_shape.dim[1]);
    w->in_w = s_u32(n->in_shape.dim[1 + (g->nd == 2)]);
    w->out_h = a < 0 ? 1 : s_u32(n->out_shape.dim[1]);
    w->out_w = s_u32(n->out_shape.dim[1 + (g->nd == 2)]);
    w->kh = a < 0 ? 1 : s_u32(g->kernel[a]);
    w->sh = a < 0 ? 1 : s_u32(g->stride[a]);
    w->dh = a < 0 ? 1 : s_u32(g->dilation[a]);
    w->pt = a < 0 ? 0 : s_u32(g->pad_lo[a]);
    w->pb = a < 0 ? 0 : s_u32(g->pad_hi[a]);
    w->kw = s_u32(g->kernel[b]);
    w->sw = s_u32(g->stride[b]);
    w->dw = s_u32(g->dilation[b]);
    w->pl = s_u32(g->pad_lo[b]);
    w->pr = s_u32(g->pad_hi[b]);
    if (!w->dh)
        w->dh = 1;
    if (!w->dw)
        w->dw = 1;
    w->groups = conv ? (uint32_t)g->groups : w->in_c;
    size_t taps = (size_t)w->kh * w->kw;
    size_t nk = (size_t)w->out_c * (w->in_c / (w->groups ? w->groups : 1)) * taps;
    w->k = malloc((nk ? nk : 1) * sizeof *w->k);
    if (!w->k)
        return -1;
    if (conv) {
        const sm_nir_array_t *wt = sm_nir_field(n, "weight");
        for (size_t i = 0; i < nk; i++)
            w->k[i] = gain * wt->v[i];
    } else {
        /* Pools: weight 1 per tap (Sum), 1/(kh*kw) (Avg, padding counted as
         * torch's count_include_pad does by default), channel to channel. */
        double x = n->type == SM_NIR_AVGPOOL2D ? gain / (double)taps : gain;
        for (size_t i = 0; i < nk; i++)
            w->k[i] = x;
    }
    return 0;
}

/* Per axis: the composed window of a (size in -> mid, kernel ka, stride sa,
 * padding pa, dilation da) then b (mid -> out), or false when b reads a
 * padding position of a whose taps reach real inputs (the two would then
 * differ) or the sizes do not come out the same. */
typedef struct {
    uint32_t in, mid, out;
    uint32_t ka, sa, pa, pa_hi, da;
    uint32_t kb, sb, pb, db;
    uint32_t K, S, P, P_hi;
} s_axis_t;

static bool s_axis(s_axis_t *x)
{
    for (uint32_t y = 0; y < x->out; y++)
        for (uint32_t kb = 0; kb < x->kb; kb++) {
            int64_t j = (int64_t)y * x->sb - x->pb + (int64_t)kb * x->db;
            if (j >= 0 && j < x->mid)
                continue;
            for (uint32_t ka = 0; ka < x->ka; ka++) {
                int64_t r = j * x->sa - x->pa + (int64_t)ka * x->da;
                if (r >= 0 && r < x->in)
                    return false;
            }
        }
    x->K = (x->kb - 1) * x->db * x->sa + (x->ka - 1) * x->da + 1;
    x->S = x->sa * x->sb;
    x->P = x->pb * x->sa + x->pa;
    int64_t need = (int64_t)(x->out - 1) * x->S + x->K - x->in - x->P;
    x->P_hi = need > 0 ? (uint32_t)need : 0;
    return sm_conv_out_size(x->in, x->P, x->P_hi, 1, x->K, x->S) == x->out;
}

/* Kernel tap (o, i, y, x) of window w: groups index the input channels. */
static inline double s_tap(const sm_nirc_win_t *w, uint32_t o, uint32_t i, uint32_t y, uint32_t x)
{
    return w->k[(((size_t)o * (w->in_c / w->groups) + i) * w->kh + y) * w->kw + x];
}

/* Channel to channel only (a pool, a depthwise conv). */
static bool s_diagonal(const sm_nirc_win_t *w)
{
    return w->groups == w->in_c && w->in_c == w->out_c;
}

int sm_nirc_win_compose(const sm_nirc_win_t *a, const sm_nirc_win_t *b, sm_nirc_win_t *out)
{
    s_axis_t ah = {a->in_h, a->out_h, b->out_h, a->kh, a->sh, a->pt, a->pb, a->dh,
                   b->kh, b->sh, b->pt, b->dh, 0, 0, 0, 0};
    s_axis_t aw = {a->in_w, a->out_w, b->out_w, a->kw, a->sw, a->pl, a->pr, a->dw,
                   b->kw, b->sw, b->pl, b->dw, 0, 0, 0, 0};
    if (a->out_c != b->in_c || a->out_h != b->in_h || a->out_w != b->in_w || !s_axis(&ah) ||
        !s_axis(&aw))
        return 1;
    memset(out, 0, sizeof *out);
    out->in_c = a->in_c;
    out->in_h = a->in_h;
    out->in_w = a->in_w;
    out->out_c = b->out_c;
    out->out_h = b->out_h;
    out->out_w = b->out_w;
    out->kh = ah.K;
    out->kw = aw.K;
    out->sh = ah.S;
    out->sw = aw.S;
    out->dh = out->dw = 1;
    out->pt = ah.P;
    out->pb = ah.P_hi;
    out->pl = aw.P;
    out->pr = aw.P_hi;
    /* Channels: a diagonal window keeps the other's groups; two mixing
     * windows compose into a full one. */
    bool da = s_diagonal(a), db = s_diagonal(b);
    out->groups = da ? b->groups : db ? a->groups : 1;
    uint32_t cin_pg = out->in_c / out->groups;
    size_t nk = (size_t)out->out_c * cin_pg * out->kh * out->kw;
    out->k = calloc(nk ? nk : 1, sizeof *out->k);
    if (!out->k)
        return -1;
    uint32_t b_ipg = b->in_c / b->groups, b_opg = b->out_c / b->groups;
    uint32_t a_ipg = a->in_c / a->groups, a_opg = a->out_c / a->groups;
    for (uint32_t o = 0; o < b->out_c; o++) {
        uint32_t gb = o / b_opg;
        for (uint32_t mi = 0; mi < b_ipg; mi++) {
            uint32_t m = gb * b_ipg + mi; /* a's output channel */
            uint32_t ga = m / a_opg;
            for (uint32_t ii = 0; ii < a_ipg; ii++) {
                uint32_t i = ga * a_ipg + ii; /* input channel */
                uint32_t og = o / (out->out_c / out->groups);
                uint32_t ci = i - og * cin_pg; /* within the composed group */
                if (i < og * cin_pg || ci >= cin_pg)
                    continue; /* cannot happen: the groups line up */
                for (uint32_t kby = 0; kby < b->kh; kby++)
                    for (uint32_t kbx = 0; kbx < b->kw; kbx++) {
                        double wb = s_tap(b, o, mi, kby, kbx);
                        if (wb == 0.0)
                            continue;
                        for (uint32_t kay = 0; kay < a->kh; kay++)
                            for (uint32_t kax = 0; kax < a->kw; kax++) {
                                double wa = s_tap(a, m, ii, kay, kax);
                                uint32_t uy = kby * b->dh * a->sh + kay * a->dh;
                                uint32_t ux = kbx * b->dw * a->sw + kax * a->dw;
                                out->k[(((size_t)o * cin_pg + ci) * out->kh + uy) * out->kw + ux] +=
                                    wb * wa;
                            }
                    }
            }
        }
    }
    return 0;
}

/* ---- ops ----------------------------------------------------------------- */

int sm_nirc_op_of(const sm_nir_node_t *n, sm_nirc_op_t *op)
{
    memset(op, 0, sizeof *op);
    op->in = (uint32_t)sm_nir_shape_size(&n->in_shape);
    op->out = (uint32_t)sm_nir_shape_size(&n->out_shape);
    switch (n->type) {
    case SM_NIR_AFFINE:
    case SM_NIR_LINEAR:
        op->kind = SM_NIRC_DENSE;
        op->w = sm_nir_field(n, "weight");
        return 0;
    case SM_NIR_SCALE:
        op->kind = SM_NIRC_SCALE;
        op->w = sm_nir_field(n, "scale");
        return 0;
    case SM_NIR_CONV1D:
    case SM_NIR_CONV2D:
    case SM_NIR_SUMPOOL2D:
    case SM_NIR_AVGPOOL2D:
        op->kind = SM_NIRC_WIN;
        return sm_nirc_win_of(n, 1.0, &op->win);
    default:
        return 1;
    }
}

void sm_nirc_op_fini(sm_nirc_op_t *op)
{
    sm_nirc_win_fini(&op->win);
}

/* The window's contributions of input neuron `src` with value x. */
static int s_win_push(const sm_nirc_win_t *w, uint32_t src, double x, sm_nirc_vec_t *out)
{
    uint32_t hw = w->in_h * w->in_w;
    uint32_t c = src / hw, y = (src / w->in_w) % w->in_h, xx = src % w->in_w;
    uint32_t ipg = w->in_c / w->groups, opg = w->out_c / w->groups;
    uint32_t g = c / ipg, ci = c % ipg;
    for (uint32_t o = g * opg; o < (g + 1) * opg; o++)
        for (uint32_t ky = 0; ky < w->kh; ky++) {
            int64_t ny = (int64_t)y + w->pt - (int64_t)ky * w->dh;
            if (ny < 0 || ny % w->sh)
                continue;
            int64_t oy = ny / w->sh;
            if (oy >= w->out_h)
                continue;
            for (uint32_t kx = 0; kx < w->kw; kx++) {
                int64_t nx = (int64_t)xx + w->pl - (int64_t)kx * w->dw;
                if (nx < 0 || nx % w->sw)
                    continue;
                int64_t ox = nx / w->sw;
                if (ox >= w->out_w)
                    continue;
                double k = s_tap(w, o, ci, ky, kx);
                if (k != 0.0 &&
                    sm_nirc_vec_add(out, (uint32_t)((o * w->out_h + oy) * w->out_w + ox), k * x))
                    return -1;
            }
        }
    return 0;
}

int sm_nirc_apply(const sm_nirc_op_t *op, const sm_nirc_vec_t *in, sm_nirc_vec_t *out)
{
    sm_nirc_vec_clear(out);
    for (uint32_t k = 0; k < in->n; k++) {
        uint32_t i = in->idx[k];
        double x = in->val[k];
        switch (op->kind) {
        case SM_NIRC_DENSE:
            for (uint32_t o = 0; o < op->out; o++) {
                double w = op->w->v[(size_t)o * op->in + i];
                if (w != 0.0 && sm_nirc_vec_add(out, o, w * x))
                    return -1;
            }
            break;
        case SM_NIRC_SCALE:
            if (sm_nirc_vec_add(out, i, sm_nir_at(op->w, i) * x))
                return -1;
            break;
        case SM_NIRC_WIN:
            if (s_win_push(&op->win, i, x, out))
                return -1;
            break;
        }
    }
    sm_nirc_vec_seal(out);
    return 0;
}
