/* nir_shape: shapes through a NIR graph: what each node type makes of the
 * shape arriving on its edges (conv and pool output sizes, flatten, dense,
 * elementwise layers), and the synapse counts an expansion would have. */
#include <stdio.h>
#include <string.h>

#include "nir_int.h"

static void s_shape_of(sm_nir_shape_t *s, uint32_t nd, const int64_t *dims)
{
    memset(s, 0, sizeof *s);
    s->ndim = nd;
    for (uint32_t i = 0; i < nd; i++)
        s->dim[i] = dims[i];
}

static void s_shape_from_field(sm_nir_shape_t *s, const sm_nir_array_t *a)
{
    memset(s, 0, sizeof *s);
    s->ndim = (uint32_t)a->n;
    for (size_t i = 0; i < a->n; i++)
        s->dim[i] = (int64_t)a->v[i];
}

/* Output length of a window over n positions (torch's floor rule). */
static int64_t s_out_len(int64_t n, int64_t lo, int64_t hi, int64_t dil, int64_t k, int64_t s)
{
    int64_t span = n + lo + hi - dil * (k - 1) - 1;
    return span < 0 ? 0 : span / s + 1;
}

static int s_window(sm_nir_node_t *n, const sm_nir_shape_t *in, sm_error_t *err)
{
    const sm_nir_geom_t *g = &n->geom;
    char sb[96];
    bool conv = n->type == SM_NIR_CONV1D || n->type == SM_NIR_CONV2D;
    sm_nir_shape_t x;
    if (in) {
        x = *in;
        /* A flat vector of the right size is taken in the declared layout. */
        if (conv && x.ndim != g->nd + 1 && g->has_input_shape &&
            sm_nir_shape_size(&x) == g->c_in_per_group * g->groups * g->input_shape[0] *
                                         (g->nd == 2 ? g->input_shape[1] : 1)) {
            int64_t d[3] = {g->c_in_per_group * g->groups, g->input_shape[0], g->input_shape[1]};
            s_shape_of(&x, g->nd + 1, d);
        }
    } else if (conv && g->has_input_shape) {
        int64_t d[3] = {g->c_in_per_group * g->groups, g->input_shape[0], g->input_shape[1]};
        s_shape_of(&x, g->nd + 1, d);
    } else {
        return sm_nir_node_fail(err, n, NULL, SM_EPARSE, "no edge brings it an input, so its input shape "
                     "is unknown%s", conv ? " (and it has no input_shape field)" : "");
    }
    if (x.ndim != g->nd + 1)
        return sm_nir_node_fail(err, n, NULL, SM_EPARSE, "input shape %s: expected %u dimensions (C, %s)",
                     sm_nir_shape_str(&x, sb, sizeof sb), g->nd + 1, g->nd == 1 ? "N" : "H, W");
    if (conv && x.dim[0] != g->c_in_per_group * g->groups)
        return sm_nir_node_fail(err, n, "weight", SM_EPARSE, "input has %lld channels but the kernel takes "
                     "%lld x %lld groups = %lld", (long long)x.dim[0],
                     (long long)g->c_in_per_group, (long long)g->groups,
                     (long long)(g->c_in_per_group * g->groups));
    if (conv && g->has_input_shape &&
        (x.dim[1] != g->input_shape[0] || (g->nd == 2 && x.dim[2] != g->input_shape[1]))) {
        char decl[64];
        if (g->nd == 2)
            snprintf(decl, sizeof decl, "%lld x %lld", (long long)g->input_shape[0],
                     (long long)g->input_shape[1]);
        else
            snprintf(decl, sizeof decl, "%lld", (long long)g->input_shape[0]);
        return sm_nir_node_fail(err, n, "input_shape", SM_EPARSE, "says %s but the input is %s", decl,
                     sm_nir_shape_str(&x, sb, sizeof sb));
    }
    int64_t out[3] = {conv ? g->c_out : x.dim[0], 0, 0};
    for (uint32_t d = 0; d < g->nd; d++) {
        out[1 + d] = s_out_len(x.dim[1 + d], g->pad_lo[d], g->pad_hi[d], g->dilation[d],
                               g->kernel[d], g->stride[d]);
        if (out[1 + d] < 1)
            return sm_nir_node_fail(err, n, NULL, SM_EPARSE, "the window (kernel %lld, dilation %lld, "
                         "padding %lld) does not fit the input %s: the output would be empty",
                         (long long)g->kernel[d], (long long)g->dilation[d],
                         (long long)g->pad_lo[d], sm_nir_shape_str(&x, sb, sizeof sb));
    }
    n->in_shape = x;
    s_shape_of(&n->out_shape, g->nd + 1, out);
    return 0;
}

static int s_flatten(sm_nir_node_t *n, const sm_nir_shape_t *in, sm_error_t *err)
{
    const sm_nir_array_t *it = sm_nir_field(n, "input_type");
    char s1[96], s2[96];
    sm_nir_shape_t x;
    if (it) {
        s_shape_from_field(&x, it);
        if (in && sm_nir_shape_size(in) != sm_nir_shape_size(&x))
            return sm_nir_node_fail(err, n, "input_type", SM_EPARSE, "says %s (%lld values) but the input "
                         "is %s (%lld)", sm_nir_shape_str(&x, s1, sizeof s1),
                         (long long)sm_nir_shape_size(&x), sm_nir_shape_str(in, s2, sizeof s2),
                         (long long)sm_nir_shape_size(in));
    } else if (in) {
        x = *in;
    } else {
        return sm_nir_node_fail(err, n, NULL, SM_EPARSE, "no edge brings it an input and it has no "
                     "input_type field, so its input shape is unknown");
    }
    int64_t nd = x.ndim, s = n->start_dim, e = n->end_dim;
    if (s < 0)
        s += nd;
    if (e < 0)
        e += nd;
    if (nd == 0 || s < 0 || e >= nd || s > e)
        return sm_nir_node_fail(err, n, "start_dim", SM_ERANGE, "start_dim %lld and end_dim %lld do not "
                     "fit the %lld dimensions of %s (batch excluded)", (long long)n->start_dim,
                     (long long)n->end_dim, (long long)nd, sm_nir_shape_str(&x, s1, sizeof s1));
    n->start_dim = s;
    n->end_dim = e;
    sm_nir_shape_t o = {0};
    for (int64_t d = 0; d < s; d++)
        o.dim[o.ndim++] = x.dim[d];
    int64_t p = 1;
    for (int64_t d = s; d <= e; d++)
        p *= x.dim[d];
    o.dim[o.ndim++] = p;
    for (int64_t d = e + 1; d < nd; d++)
        o.dim[o.ndim++] = x.dim[d];
    n->in_shape = x;
    n->out_shape = o;
    return 0;
}

static int s_dense(sm_nir_node_t *n, const sm_nir_shape_t *in, sm_error_t *err)
{
    const sm_nir_array_t *w = sm_nir_field(n, "weight");
    int64_t nout = w->shape.dim[0], nin = w->shape.dim[1];
    char sb[96];
    if (in) {
        int64_t size = sm_nir_shape_size(in);
        bool last = in->ndim > 0 && in->dim[in->ndim - 1] == nin;
        if (size != nin) {
            if (last && in->ndim > 1)
                return sm_nir_node_fail(err, n, "weight", SM_EUNSUPPORTED, "applied along the last of the "
                             "%u dimensions of input %s is not supported (flatten first)",
                             in->ndim, sm_nir_shape_str(in, sb, sizeof sb));
            return sm_nir_node_fail(err, n, "weight", SM_EPARSE, "takes %lld inputs but the input is %s "
                         "(%lld values)", (long long)nin, sm_nir_shape_str(in, sb, sizeof sb),
                         (long long)size);
        }
        n->in_shape = *in;
    } else {
        s_shape_of(&n->in_shape, 1, &nin);
    }
    s_shape_of(&n->out_shape, 1, &nout);
    return 0;
}

static int s_elementwise(sm_nir_node_t *n, const sm_nir_shape_t *in, sm_error_t *err)
{
    sm_nir_shape_t ps;
    bool have;
    if (sm_nir_param_shape(n, &ps, &have, err) < 0)
        return -1;
    char s1[96], s2[96];
    if (in) {
        if (have && sm_nir_shape_size(in) != sm_nir_shape_size(&ps))
            return sm_nir_node_fail(err, n, NULL, SM_EPARSE, "its parameters have shape %s (%lld neurons) "
                         "but its input is %s (%lld values)",
                         sm_nir_shape_str(&ps, s1, sizeof s1), (long long)sm_nir_shape_size(&ps),
                         sm_nir_shape_str(in, s2, sizeof s2), (long long)sm_nir_shape_size(in));
        n->in_shape = *in;
    } else if (have) {
        n->in_shape = ps;
    } else {
        int64_t one = 1;
        s_shape_of(&n->in_shape, 1, &one);
    }
    n->out_shape = n->in_shape;
    return 0;
}

int sm_nir_node_infer(sm_nir_node_t *n, const sm_nir_shape_t *in, sm_error_t *err)
{
    char s1[96], s2[96];
    switch (n->type) {
    case SM_NIR_INPUT:
    case SM_NIR_OUTPUT: {
        sm_nir_shape_t decl;
        s_shape_from_field(&decl, sm_nir_field(n, "shape"));
        if (in && sm_nir_shape_size(in) != sm_nir_shape_size(&decl))
            return sm_nir_node_fail(err, n, "shape", SM_EPARSE, "says %s (%lld values) but %s %s (%lld)",
                         sm_nir_shape_str(&decl, s1, sizeof s1),
                         (long long)sm_nir_shape_size(&decl),
                         n->type == SM_NIR_INPUT ? "the graph brings" : "its input is",
                         sm_nir_shape_str(in, s2, sizeof s2), (long long)sm_nir_shape_size(in));
        n->in_shape = in && n->type == SM_NIR_OUTPUT ? *in : decl;
        n->out_shape = n->in_shape;
        return 0;
    }
    case SM_NIR_AFFINE:
    case SM_NIR_LINEAR: return s_dense(n, in, err);
    case SM_NIR_CONV1D:
    case SM_NIR_CONV2D:
    case SM_NIR_SUMPOOL2D:
    case SM_NIR_AVGPOOL2D: return s_window(n, in, err);
    case SM_NIR_FLATTEN: return s_flatten(n, in, err);
    case SM_NIR_GRAPH:
        return sm_nir_node_fail(err, n, NULL, SM_EINVAL, "nested graph not inlined (sm_nir_flatten)");
    default: return s_elementwise(n, in, err);
    }
}

/* -------------------------------------------------------- synapse counts */

/* Sum over output positions of the kernel taps that land inside the input
 * (padding taps carry no synapse). */
static uint64_t s_taps(int64_t n_in, int64_t n_out, int64_t k, int64_t s, int64_t lo,
                       int64_t dil)
{
    uint64_t sum = 0;
    for (int64_t o = 0; o < n_out; o++)
        for (int64_t i = 0; i < k; i++) {
            int64_t x = o * s - lo + i * dil;
            sum += x >= 0 && x < n_in;
        }
    return sum;
}

uint64_t sm_nir_expanded_synapses(const sm_nir_node_t *n)
{
    const sm_nir_geom_t *g = &n->geom;
    switch (n->type) {
    case SM_NIR_AFFINE:
    case SM_NIR_LINEAR: {
        const sm_nir_array_t *w = sm_nir_field(n, "weight");
        uint64_t nz = 0;
        for (size_t i = 0; i < w->n; i++)
            nz += w->v[i] != 0;
        return nz;
    }
    case SM_NIR_SCALE:
    case SM_NIR_DELAY: return (uint64_t)sm_nir_shape_size(&n->out_shape);
    case SM_NIR_CONV1D:
    case SM_NIR_CONV2D:
    case SM_NIR_SUMPOOL2D:
    case SM_NIR_AVGPOOL2D: {
        if (n->in_shape.ndim != g->nd + 1)
            return 0;
        uint64_t t = s_taps(n->in_shape.dim[1], n->out_shape.dim[1], g->kernel[0], g->stride[0],
                            g->pad_lo[0], g->dilation[0]);
        if (g->nd == 2)
            t *= s_taps(n->in_shape.dim[2], n->out_shape.dim[2], g->kernel[1], g->stride[1],
                        g->pad_lo[1], g->dilation[1]);
        bool conv = n->type == SM_NIR_CONV1D || n->type == SM_NIR_CONV2D;
        return t * (uint64_t)n->out_shape.dim[0] * (uint64_t)(conv ? g->c_in_per_group : 1);
    }
    default: return 0;
    }
}

uint64_t sm_nir_stored_weights(const sm_nir_node_t *n)
{
    switch (n->type) {
    case SM_NIR_AFFINE:
    case SM_NIR_LINEAR:
    case SM_NIR_CONV1D:
    case SM_NIR_CONV2D: return sm_nir_field(n, "weight")->n;
    case SM_NIR_SCALE: return sm_nir_field(n, "scale")->n;
    case SM_NIR_DELAY: return sm_nir_field(n, "delay")->n;
    case SM_NIR_SUMPOOL2D:
    case SM_NIR_AVGPOOL2D: return 1;
    default: return 0;
    }
}
