/* Checks and size bounds of the structured connectors (conv2d, distance).
 *
 * The network file loader and the network message decoder both end here, so
 * a worker accepts exactly the projections a file may hold. The loader
 * checks each JSON value first, to name its path; these checks restate the
 * rules on the struct, for messages that did not come from a file. */
#include <math.h>
#include <stdio.h>

#include "net.h"

uint64_t sm_conv_out_size(uint64_t in, uint64_t pad_a, uint64_t pad_b, uint64_t dil,
                          uint64_t k, uint64_t stride)
{
    uint64_t span = dil * (k - 1) + 1, padded = in + pad_a + pad_b;
    if (k == 0 || stride == 0 || padded < span)
        return 0;
    return (padded - span) / stride + 1;
}

static uint64_t s_prod3(uint32_t a, uint32_t b, uint32_t c)
{
    /* Each factor < 2^32 and the sizes compared with < 2^29: saturate past
     * 2^40 rather than wrap. */
    uint64_t x = (uint64_t)a * b;
    if (x > (1ull << 40))
        return UINT64_MAX;
    x *= c;
    return x;
}

static int s_conv2d_check(const sm_net_t *net, const sm_proj_t *pr, sm_error_t *err)
{
    const sm_conv2d_t *c = &pr->conv;
    const sm_pop_t *sp = &net->pops[pr->src_pop], *tp = &net->pops[pr->dst_pop];
    const uint32_t steps[] = {c->k_h, c->k_w, c->stride_h, c->stride_w, c->dil_h, c->dil_w};
    const char *const step_names[] = {"kernel height", "kernel width", "stride (rows)",
                                      "stride (columns)", "dilation (rows)",
                                      "dilation (columns)"};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (steps[i] < 1 || steps[i] > SM_CONN_MAX_STEP)
            return sm_fail(err, SM_ERANGE, "%s must be in [1, %u], got %u", step_names[i],
                           SM_CONN_MAX_STEP, steps[i]);
    const uint32_t pads[] = {c->pad_top, c->pad_bottom, c->pad_left, c->pad_right};
    for (size_t i = 0; i < 4; i++)
        if (pads[i] > SM_CONN_MAX_STEP)
            return sm_fail(err, SM_ERANGE, "padding must be in [0, %u], got %u", SM_CONN_MAX_STEP,
                           pads[i]);
    if (!c->in_c || !c->in_h || !c->in_w || !c->out_c || !c->out_h || !c->out_w)
        return sm_fail(err, SM_ERANGE,
                       "shapes must be positive: input (%u, %u, %u), output (%u, %u, %u)",
                       c->in_c, c->in_h, c->in_w, c->out_c, c->out_h, c->out_w);
    uint64_t n_in = s_prod3(c->in_c, c->in_h, c->in_w);
    if (n_in != sp->size)
        return sm_fail(err, SM_EINVAL,
                       "input shape (%u, %u, %u) holds %llu neurons, but source \"%s\" has %u",
                       c->in_c, c->in_h, c->in_w, (unsigned long long)n_in, sp->name, sp->size);
    if (c->groups < 1 || c->in_c % c->groups || c->out_c % c->groups)
        return sm_fail(err, SM_EINVAL,
                       "groups must divide both %u input and %u output channels, got %u",
                       c->in_c, c->out_c, c->groups);
    uint64_t oh = sm_conv_out_size(c->in_h, c->pad_top, c->pad_bottom, c->dil_h, c->k_h,
                                   c->stride_h);
    uint64_t ow = sm_conv_out_size(c->in_w, c->pad_left, c->pad_right, c->dil_w, c->k_w,
                                   c->stride_w);
    if (oh == 0 || ow == 0)
        return sm_fail(err, SM_EINVAL,
                       "the kernel (%u x %u, dilation %u x %u) does not fit the padded input "
                       "(%u x %u, padding %u + %u rows, %u + %u columns)",
                       c->k_h, c->k_w, c->dil_h, c->dil_w, c->in_h, c->in_w, c->pad_top,
                       c->pad_bottom, c->pad_left, c->pad_right);
    if (oh != c->out_h || ow != c->out_w)
        return sm_fail(err, SM_EINVAL,
                       "output size %u x %u does not match the convolution's %llu x %llu "
                       "(= floor((in + padding - dilation * (kernel - 1) - 1) / stride) + 1)",
                       c->out_h, c->out_w, (unsigned long long)oh, (unsigned long long)ow);
    uint64_t n_out = s_prod3(c->out_c, c->out_h, c->out_w);
    if (n_out != tp->size)
        return sm_fail(err, SM_EINVAL,
                       "output shape (%u, %u, %u) holds %llu neurons, but target \"%s\" has %u",
                       c->out_c, c->out_h, c->out_w, (unsigned long long)n_out, tp->name,
                       tp->size);
    return 0;
}

static bool s_coord_ok(double x) { return isfinite(x) && fabs(x) <= SM_CONN_MAX_COORD; }

static int s_grid_check(const sm_grid2d_t *g, const sm_pop_t *p, const char *which,
                        const sm_distance_t *d, sm_error_t *err)
{
    uint64_t n = (uint64_t)g->rows * g->cols;
    if (!g->rows || !g->cols || n != p->size)
        return sm_fail(err, SM_EINVAL, "%s grid %u x %u holds %llu neurons, but \"%s\" has %u",
                       which, g->rows, g->cols, (unsigned long long)n, p->name, p->size);
    if (!s_coord_ok(g->row0) || !s_coord_ok(g->col0))
        return sm_fail(err, SM_ERANGE, "%s grid offset must be finite, |x| <= %g, got (%g, %g)",
                       which, SM_CONN_MAX_COORD, g->row0, g->col0);
    if (!(g->row_step > 0) || !(g->col_step > 0) || !s_coord_ok(g->row_step) ||
        !s_coord_ok(g->col_step))
        return sm_fail(err, SM_ERANGE, "%s grid spacing must be > 0 and <= %g, got (%g, %g)",
                       which, SM_CONN_MAX_COORD, g->row_step, g->col_step);
    if (!d->periodic)
        return 0;
    double last_r = g->row0 + (g->rows - 1) * g->row_step;
    double last_c = g->col0 + (g->cols - 1) * g->col_step;
    if (g->row0 < 0 || g->col0 < 0 || last_r >= d->extent_rows || last_c >= d->extent_cols)
        return sm_fail(err, SM_ERANGE,
                       "%s grid spans rows [%g, %g] and columns [%g, %g]: with periodic "
                       "boundaries it must lie within the extent [0, %g) x [0, %g)",
                       which, g->row0, last_r, g->col0, last_c, d->extent_rows, d->extent_cols);
    return 0;
}

static int s_distance_check(const sm_net_t *net, const sm_proj_t *pr, sm_error_t *err)
{
    const sm_distance_t *d = &pr->dist;
    if (d->periodic && (!(d->extent_rows > 0) || !(d->extent_cols > 0) ||
                        !s_coord_ok(d->extent_rows) || !s_coord_ok(d->extent_cols)))
        return sm_fail(err, SM_ERANGE, "periodic extent must be > 0 and <= %g, got (%g, %g)",
                       SM_CONN_MAX_COORD, d->extent_rows, d->extent_cols);
    if (s_grid_check(&d->src, &net->pops[pr->src_pop], "source", d, err) < 0 ||
        s_grid_check(&d->dst, &net->pops[pr->dst_pop], "target", d, err) < 0)
        return -1;
    if (d->mask == SM_MASK_CIRCLE) {
        if (!(d->radius >= 0) || !s_coord_ok(d->radius))
            return sm_fail(err, SM_ERANGE, "mask radius must be in [0, %g], got %g",
                           SM_CONN_MAX_COORD, d->radius);
    } else if (d->mask == SM_MASK_RECT) {
        const double v[] = {d->row_lo, d->row_hi, d->col_lo, d->col_hi};
        for (size_t i = 0; i < 4; i++)
            if (!s_coord_ok(v[i]))
                return sm_fail(err, SM_ERANGE, "mask bounds must be finite, |x| <= %g, got %g",
                               SM_CONN_MAX_COORD, v[i]);
        if (d->row_lo > d->row_hi || d->col_lo > d->col_hi)
            return sm_fail(err, SM_ERANGE,
                           "mask bounds need lo <= hi, got rows [%g, %g], columns [%g, %g]",
                           d->row_lo, d->row_hi, d->col_lo, d->col_hi);
    } else {
        return sm_fail(err, SM_EINVAL, "unknown mask kind %d", (int)d->mask);
    }
    if (!(pr->p >= 0 && pr->p <= 1))
        return sm_fail(err, SM_ERANGE, "p must be in [0, 1], got %g", pr->p);
    if (!(d->sigma >= 0) || !s_coord_ok(d->sigma))
        return sm_fail(err, SM_ERANGE, "sigma must be in [0, %g], got %g", SM_CONN_MAX_COORD,
                       d->sigma);
    return 0;
}

int sm_proj_check(const sm_net_t *net, const sm_proj_t *pr, sm_error_t *err)
{
    if (pr->conn == SM_CONN_CONV2D)
        return s_conv2d_check(net, pr, err);
    if (pr->conn == SM_CONN_DISTANCE)
        return s_distance_check(net, pr, err);
    return 0;
}

/* Source indices along one axis that a target can reach: the mask's span in
 * steps, one more at each end (generation widens its ranges so), once per
 * periodic image; never more than the axis holds. */
static double s_axis_reach(double lo, double hi, double step, uint32_t n, double extent)
{
    double images = 1;
    if (extent > 0) {
        lo = fmax(lo, -extent / 2);
        hi = fmin(hi, extent / 2);
        images = 3;
    }
    if (lo > hi)
        return 0;
    double k = images * (floor((hi - lo) / step) + 3);
    return k < n ? k : n;
}

double sm_proj_max_synapses(const sm_net_t *net, const sm_proj_t *pr)
{
    const double n_src = net->pops[pr->src_pop].size, n_dst = net->pops[pr->dst_pop].size;
    switch (pr->conn) {
    case SM_CONN_ONE_TO_ONE:
        return fmin(n_src, n_dst);
    case SM_CONN_FIXED_FAN_IN:
        return (double)pr->k * n_dst;
    case SM_CONN_LIST:
        return pr->n_list;
    case SM_CONN_CONV2D: {
        const sm_conv2d_t *c = &pr->conv;
        return n_dst * (double)(c->groups ? c->in_c / c->groups : c->in_c) * c->k_h * c->k_w;
    }
    case SM_CONN_DISTANCE: {
        const sm_distance_t *d = &pr->dist;
        double rl = d->mask == SM_MASK_CIRCLE ? -d->radius : d->row_lo;
        double rh = d->mask == SM_MASK_CIRCLE ? d->radius : d->row_hi;
        double cl = d->mask == SM_MASK_CIRCLE ? -d->radius : d->col_lo;
        double ch = d->mask == SM_MASK_CIRCLE ? d->radius : d->col_hi;
        return n_dst *
               s_axis_reach(rl, rh, d->src.row_step, d->src.rows, d->periodic ? d->extent_rows : 0) *
               s_axis_reach(cl, ch, d->src.col_step, d->src.cols, d->periodic ? d->extent_cols : 0);
    }
    case SM_CONN_ALL_TO_ALL:
    case SM_CONN_FIXED_PROB:
    case SM_CONN_MATRIX:
    default:
        return n_src * n_dst;
    }
}
