/* nir_node: the NIR node types, their fields, and the shape rules. Pure: no
 * HDF5 here, nodes arrive with their datasets already read. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nir_int.h"

static const char *const s_type_names[SM_NIR_NTYPES] = {
    [SM_NIR_INPUT] = "Input",         [SM_NIR_OUTPUT] = "Output",
    [SM_NIR_AFFINE] = "Affine",       [SM_NIR_LINEAR] = "Linear",
    [SM_NIR_SCALE] = "Scale",         [SM_NIR_CONV1D] = "Conv1d",
    [SM_NIR_CONV2D] = "Conv2d",       [SM_NIR_SUMPOOL2D] = "SumPool2d",
    [SM_NIR_AVGPOOL2D] = "AvgPool2d", [SM_NIR_FLATTEN] = "Flatten",
    [SM_NIR_DELAY] = "Delay",         [SM_NIR_THRESHOLD] = "Threshold",
    [SM_NIR_I] = "I",                 [SM_NIR_IF] = "IF",
    [SM_NIR_LI] = "LI",               [SM_NIR_LIF] = "LIF",
    [SM_NIR_CUBALI] = "CubaLI",       [SM_NIR_CUBALIF] = "CubaLIF",
    [SM_NIR_GRAPH] = "NIRGraph",
};

const char *sm_nir_type_name(sm_nir_type_t t)
{
    return t < SM_NIR_NTYPES ? s_type_names[t] : "?";
}

sm_nir_type_t sm_nir_type_from_name(const char *name)
{
    for (int t = 0; t < SM_NIR_NTYPES; t++)
        if (!strcmp(s_type_names[t], name))
            return (sm_nir_type_t)t;
    return SM_NIR_NTYPES;
}

bool sm_nir_is_neuron(sm_nir_type_t t)
{
    return t == SM_NIR_I || t == SM_NIR_IF || t == SM_NIR_LI || t == SM_NIR_LIF ||
           t == SM_NIR_CUBALI || t == SM_NIR_CUBALIF;
}

bool sm_nir_spikes(sm_nir_type_t t)
{
    return t == SM_NIR_IF || t == SM_NIR_LIF || t == SM_NIR_CUBALIF;
}

const char *sm_nir_dtype_name(sm_nir_dtype_t d)
{
    switch (d) {
    case SM_NIR_F32: return "float32";
    case SM_NIR_F64: return "float64";
    case SM_NIR_I64: return "int64";
    case SM_NIR_STR: return "string";
    }
    return "?";
}

int64_t sm_nir_shape_size(const sm_nir_shape_t *s)
{
    int64_t n = 1;
    for (uint32_t i = 0; i < s->ndim; i++)
        n *= s->dim[i];
    return n;
}

char *sm_nir_shape_str(const sm_nir_shape_t *s, char *buf, size_t cap)
{
    size_t at = 0;
    at += (size_t)snprintf(buf, cap, "[");
    for (uint32_t i = 0; i < s->ndim && at < cap; i++)
        at += (size_t)snprintf(buf + at, cap - at, "%s%lld", i ? "," : "", (long long)s->dim[i]);
    if (at < cap)
        snprintf(buf + at, cap - at, "]");
    return buf;
}

const sm_nir_array_t *sm_nir_field(const sm_nir_node_t *n, const char *name)
{
    for (uint32_t i = 0; i < n->n_fields; i++)
        if (!strcmp(n->fields[i].name, name))
            return &n->fields[i].a;
    return NULL;
}

void sm_nir_range(const sm_nir_array_t *a, double *lo, double *hi)
{
    double l = 0, h = 0;
    if (a->v && a->n) {
        l = h = a->v[0];
        for (size_t i = 1; i < a->n; i++) {
            if (a->v[i] < l)
                l = a->v[i];
            if (a->v[i] > h)
                h = a->v[i];
        }
    }
    *lo = l;
    *hi = h;
}

/* ------------------------------------------------------------ field specs */

typedef enum {
    S_FLOAT,  /* parameter array, any shape; integer data accepted            */
    S_POS,    /* as S_FLOAT, every value > 0 (time constants)                 */
    S_NONNEG, /* as S_FLOAT, every value >= 0 (delays)                        */
    S_SHAPE,  /* integer vector of sizes >= 1 (a scalar is one size)          */
    S_INT,    /* one integer                                                  */
    S_PAIR,   /* one integer, or one per spatial dim                          */
    S_PAD     /* as S_PAIR, or the string "same" / "valid"                    */
} s_kind_t;

typedef struct {
    const char *name;
    s_kind_t kind;
    bool required;
    double dflt;       /* filled as a scalar when absent and not required  */
    bool has_dflt;
} s_fspec_t;

#define S_REQ(n, k) {n, k, true, 0, false}
#define S_OPT(n, k) {n, k, false, 0, false}
#define S_DEF(n, k, d) {n, k, false, d, true}
#define S_END {NULL, S_FLOAT, false, 0, false}

static const s_fspec_t s_io[] = {S_REQ("shape", S_SHAPE), S_END};
static const s_fspec_t s_affine[] = {S_REQ("weight", S_FLOAT), S_REQ("bias", S_FLOAT), S_END};
static const s_fspec_t s_linear[] = {S_REQ("weight", S_FLOAT), S_END};
static const s_fspec_t s_scale[] = {S_REQ("scale", S_FLOAT), S_END};
static const s_fspec_t s_conv[] = {
    S_REQ("weight", S_FLOAT), S_REQ("bias", S_FLOAT), S_REQ("stride", S_PAIR),
    S_REQ("padding", S_PAD), S_REQ("dilation", S_PAIR), S_REQ("groups", S_INT),
    S_OPT("input_shape", S_PAIR), S_END};
static const s_fspec_t s_pool[] = {S_REQ("kernel_size", S_PAIR), S_REQ("stride", S_PAIR),
                                   S_REQ("padding", S_PAIR), S_END};
static const s_fspec_t s_flat[] = {S_OPT("input_type", S_SHAPE),
                                      S_DEF("start_dim", S_INT, 1),
                                      S_DEF("end_dim", S_INT, -1), S_END};
static const s_fspec_t s_delay[] = {S_REQ("delay", S_NONNEG), S_END};
static const s_fspec_t s_thr[] = {S_REQ("threshold", S_FLOAT), S_END};
static const s_fspec_t s_i[] = {S_REQ("r", S_FLOAT), S_END};
static const s_fspec_t s_if[] = {S_REQ("r", S_FLOAT), S_REQ("v_threshold", S_FLOAT),
                                 S_DEF("v_reset", S_FLOAT, 0), S_END};
static const s_fspec_t s_li[] = {S_REQ("tau", S_POS), S_REQ("r", S_FLOAT),
                                 S_REQ("v_leak", S_FLOAT), S_END};
static const s_fspec_t s_lif[] = {S_REQ("tau", S_POS), S_REQ("r", S_FLOAT),
                                  S_REQ("v_leak", S_FLOAT), S_REQ("v_threshold", S_FLOAT),
                                  S_DEF("v_reset", S_FLOAT, 0), S_END};
static const s_fspec_t s_cubali[] = {S_REQ("tau_syn", S_POS), S_REQ("tau_mem", S_POS),
                                     S_REQ("r", S_FLOAT), S_REQ("v_leak", S_FLOAT),
                                     S_DEF("w_in", S_FLOAT, 1), S_END};
static const s_fspec_t s_cubalif[] = {S_REQ("tau_syn", S_POS), S_REQ("tau_mem", S_POS),
                                      S_REQ("r", S_FLOAT), S_REQ("v_leak", S_FLOAT),
                                      S_DEF("w_in", S_FLOAT, 1),
                                      S_REQ("v_threshold", S_FLOAT),
                                      S_DEF("v_reset", S_FLOAT, 0), S_END};
static const s_fspec_t s_none[] = {S_END};

static const s_fspec_t *s_spec(sm_nir_type_t t)
{
    switch (t) {
    case SM_NIR_INPUT:
    case SM_NIR_OUTPUT: return s_io;
    case SM_NIR_AFFINE: return s_affine;
    case SM_NIR_LINEAR: return s_linear;
    case SM_NIR_SCALE: return s_scale;
    case SM_NIR_CONV1D:
    case SM_NIR_CONV2D: return s_conv;
    case SM_NIR_SUMPOOL2D:
    case SM_NIR_AVGPOOL2D: return s_pool;
    case SM_NIR_FLATTEN: return s_flat;
    case SM_NIR_DELAY: return s_delay;
    case SM_NIR_THRESHOLD: return s_thr;
    case SM_NIR_I: return s_i;
    case SM_NIR_IF: return s_if;
    case SM_NIR_LI: return s_li;
    case SM_NIR_LIF: return s_lif;
    case SM_NIR_CUBALI: return s_cubali;
    case SM_NIR_CUBALIF: return s_cubalif;
    case SM_NIR_GRAPH:
    case SM_NIR_NTYPES: break;
    }
    return s_none;
}

/* "tau, r, v_leak" for messages. */
static void s_required_list(const s_fspec_t *sp, char *buf, size_t cap)
{
    size_t at = 0;
    buf[0] = '\0';
    for (; sp->name && at < cap; sp++)
        if (sp->required)
            at += (size_t)snprintf(buf + at, cap - at, "%s%s", at ? ", " : "", sp->name);
}

int sm_nir_node_fail(sm_error_t *err, const sm_nir_node_t *n, const char *field, sm_err_t code,
                     const char *fmt, ...)
{
    char what[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (field)
        return sm_fail(err, code, "node '%s' (%s): field '%s': %s", n->name,
                       sm_nir_type_name(n->type), field, what);
    return sm_fail(err, code, "node '%s' (%s): %s", n->name, sm_nir_type_name(n->type), what);
}

static int s_add_default(sm_nir_node_t *n, const char *name, double v, sm_error_t *err)
{
    sm_nir_field_t *f = realloc(n->fields, (n->n_fields + 1) * sizeof *f);
    if (!f)
        return sm_fail(err, SM_ENOMEM, "out of memory");
    n->fields = f;
    sm_nir_field_t *nf = &f[n->n_fields];
    memset(nf, 0, sizeof *nf);
    nf->name = strdup(name);
    nf->a.v = malloc(sizeof *nf->a.v);
    if (!nf->name || !nf->a.v) {
        free(nf->name);
        free(nf->a.v);
        return sm_fail(err, SM_ENOMEM, "out of memory");
    }
    nf->a.v[0] = v;
    nf->a.n = 1;
    nf->a.dtype = SM_NIR_F32;
    nf->a.filled = true;
    nf->used = true;
    n->n_fields++;
    return 0;
}

static bool s_is_num(const sm_nir_array_t *a)
{
    return a->dtype != SM_NIR_STR;
}

static bool s_is_int(const sm_nir_array_t *a, size_t *bad)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->v[i] != floor(a->v[i])) {
            *bad = i;
            return false;
        }
    return true;
}

/* Index string "[3]" or "[1,2,0]" of element i of a shape (C order). */
static void s_index(const sm_nir_shape_t *s, size_t i, char *buf, size_t cap)
{
    int64_t idx[SM_NIR_MAXDIM];
    for (int d = (int)s->ndim - 1; d >= 0; d--) {
        idx[d] = s->dim[d] ? (int64_t)(i % (size_t)s->dim[d]) : 0;
        i = s->dim[d] ? i / (size_t)s->dim[d] : 0;
    }
    sm_nir_shape_t t = *s;
    for (uint32_t d = 0; d < s->ndim; d++)
        t.dim[d] = idx[d];
    if (s->ndim == 0)
        snprintf(buf, cap, "(scalar)");
    else
        sm_nir_shape_str(&t, buf, cap);
}

static int s_check_field(sm_nir_node_t *n, const s_fspec_t *sp, const sm_nir_array_t *a,
                         uint32_t nd, sm_error_t *err)
{
    const char *f = sp->name;
    char ix[96];
    if (sp->kind == S_PAD && a->dtype == SM_NIR_STR) {
        if (strcmp(a->s, "same") && strcmp(a->s, "valid"))
            return sm_nir_node_fail(err, n, f, SM_EPARSE, "must be an integer, a pair, \"same\" or "
                         "\"valid\", got \"%s\"", a->s);
        return 0;
    }
    if (!s_is_num(a))
        return sm_nir_node_fail(err, n, f, SM_EPARSE, "expected numbers, got a string (\"%s\")",
                     a->s ? a->s : "");
    for (size_t i = 0; i < a->n; i++)
        if (!isfinite(a->v[i])) {
            s_index(&a->shape, i, ix, sizeof ix);
            return sm_nir_node_fail(err, n, f, SM_ERANGE, "%s at index %s (values must be finite)",
                         isnan(a->v[i]) ? "NaN" : "infinity", ix);
        }
    if (a->n == 0)
        return sm_nir_node_fail(err, n, f, SM_EPARSE, "empty array %s",
                     sm_nir_shape_str(&a->shape, ix, sizeof ix));
    size_t bad = 0;
    switch (sp->kind) {
    case S_FLOAT:
        return 0;
    case S_POS:
    case S_NONNEG:
        for (size_t i = 0; i < a->n; i++)
            if (sp->kind == S_POS ? !(a->v[i] > 0) : !(a->v[i] >= 0)) {
                s_index(&a->shape, i, ix, sizeof ix);
                return sm_nir_node_fail(err, n, f, SM_ERANGE, "must be %s, got %.9g at index %s",
                             sp->kind == S_POS ? "> 0" : ">= 0", a->v[i], ix);
            }
        return 0;
    case S_SHAPE:
        if (a->shape.ndim > 1)
            return sm_nir_node_fail(err, n, f, SM_EPARSE, "expected a vector of sizes, got shape %s",
                         sm_nir_shape_str(&a->shape, ix, sizeof ix));
        if (!s_is_int(a, &bad))
            return sm_nir_node_fail(err, n, f, SM_EPARSE, "sizes must be integers, got %.9g", a->v[bad]);
        if (a->n > SM_NIR_MAXDIM)
            return sm_nir_node_fail(err, n, f, SM_EUNSUPPORTED, "%zu dimensions (at most %d)", a->n,
                         SM_NIR_MAXDIM);
        for (size_t i = 0; i < a->n; i++)
            if (a->v[i] < 1 || a->v[i] > 1e9)
                return sm_nir_node_fail(err, n, f, SM_ERANGE, "size %zu must be in [1, 1e9], got %.9g",
                             i, a->v[i]);
        return 0;
    case S_INT:
        if (a->n != 1)
            return sm_nir_node_fail(err, n, f, SM_EPARSE, "expected one integer, got shape %s",
                         sm_nir_shape_str(&a->shape, ix, sizeof ix));
        if (!s_is_int(a, &bad) || fabs(a->v[0]) > 1e9)
            return sm_nir_node_fail(err, n, f, SM_EPARSE, "expected an integer, got %.9g", a->v[0]);
        return 0;
    case S_PAIR:
    case S_PAD:
        if (a->shape.ndim > 1 || (a->n != 1 && a->n != nd))
            return sm_nir_node_fail(err, n, f, SM_EPARSE, "expected one integer%s, got shape %s",
                         nd == 2 ? " or a pair" : "",
                         sm_nir_shape_str(&a->shape, ix, sizeof ix));
        if (!s_is_int(a, &bad))
            return sm_nir_node_fail(err, n, f, SM_EPARSE, "expected integers, got %.9g", a->v[bad]);
        for (size_t i = 0; i < a->n; i++)
            if (fabs(a->v[i]) > 1e9)
                return sm_nir_node_fail(err, n, f, SM_ERANGE, "%.9g is out of range", a->v[i]);
        return 0;
    }
    return 0;
}

static void s_pair(const sm_nir_array_t *a, int64_t out[2])
{
    out[0] = (int64_t)a->v[0];
    out[1] = (int64_t)(a->n > 1 ? a->v[1] : a->v[0]);
}

/* Decodes Conv and pool geometry from the checked fields. */
static int s_geometry(sm_nir_node_t *n, sm_error_t *err)
{
    sm_nir_geom_t *g = &n->geom;
    memset(g, 0, sizeof *g);
    bool conv = n->type == SM_NIR_CONV1D || n->type == SM_NIR_CONV2D;
    g->nd = n->type == SM_NIR_CONV1D ? 1 : 2;
    const char *strides = "stride";
    s_pair(sm_nir_field(n, strides), g->stride);
    for (uint32_t d = 0; d < g->nd; d++)
        if (g->stride[d] < 1)
            return sm_nir_node_fail(err, n, "stride", SM_ERANGE, "must be >= 1, got %lld",
                         (long long)g->stride[d]);
    if (g->nd == 1)
        g->stride[1] = 1;
    if (!conv) {
        s_pair(sm_nir_field(n, "kernel_size"), g->kernel);
        s_pair(sm_nir_field(n, "padding"), g->pad_lo);
        for (uint32_t d = 0; d < 2; d++) {
            g->pad_hi[d] = g->pad_lo[d];
            g->dilation[d] = 1;
            if (g->kernel[d] < 1)
                return sm_nir_node_fail(err, n, "kernel_size", SM_ERANGE, "must be >= 1, got %lld",
                             (long long)g->kernel[d]);
            if (g->pad_lo[d] < 0)
                return sm_nir_node_fail(err, n, "padding", SM_ERANGE, "must be >= 0, got %lld",
                             (long long)g->pad_lo[d]);
        }
        g->groups = 1;
        return 0;
    }
    const sm_nir_array_t *w = sm_nir_field(n, "weight");
    char sb[96];
    if (w->shape.ndim != g->nd + 2)
        return sm_nir_node_fail(err, n, "weight", SM_EPARSE, "expected %u dimensions (Cout, Cin/groups, %s), "
                     "got shape %s", g->nd + 2, g->nd == 1 ? "k" : "kh, kw",
                     sm_nir_shape_str(&w->shape, sb, sizeof sb));
    g->c_out = w->shape.dim[0];
    g->c_in_per_group = w->shape.dim[1];
    g->kernel[0] = w->shape.dim[2];
    g->kernel[1] = g->nd == 2 ? w->shape.dim[3] : 1;
    s_pair(sm_nir_field(n, "dilation"), g->dilation);
    if (g->nd == 1)
        g->dilation[1] = 1;
    for (uint32_t d = 0; d < g->nd; d++)
        if (g->dilation[d] < 1)
            return sm_nir_node_fail(err, n, "dilation", SM_ERANGE, "must be >= 1, got %lld",
                         (long long)g->dilation[d]);
    g->groups = (int64_t)sm_nir_field(n, "groups")->v[0];
    if (g->groups < 1 || g->c_out % g->groups)
        return sm_nir_node_fail(err, n, "groups", SM_ERANGE, "must be >= 1 and divide the %lld output "
                     "channels, got %lld", (long long)g->c_out, (long long)g->groups);
    const sm_nir_array_t *b = sm_nir_field(n, "bias");
    if (b->n != 1 && (int64_t)b->n != g->c_out)
        return sm_nir_node_fail(err, n, "bias", SM_EPARSE, "expected %lld values (one per output channel), "
                     "got shape %s", (long long)g->c_out,
                     sm_nir_shape_str(&b->shape, sb, sizeof sb));
    const sm_nir_array_t *p = sm_nir_field(n, "padding");
    if (p->dtype == SM_NIR_STR) {
        bool same = !strcmp(p->s, "same");
        for (uint32_t d = 0; d < g->nd; d++) {
            if (same && g->stride[d] != 1)
                return sm_nir_node_fail(err, n, "padding", SM_EUNSUPPORTED, "\"same\" needs stride 1 "
                             "(as in torch), got stride %lld", (long long)g->stride[d]);
            /* torch puts the odd pixel of "same" padding at the end. */
            int64_t total = same ? g->dilation[d] * (g->kernel[d] - 1) : 0;
            g->pad_lo[d] = total / 2;
            g->pad_hi[d] = total - total / 2;
        }
    } else {
        s_pair(p, g->pad_lo);
        for (uint32_t d = 0; d < g->nd; d++) {
            if (g->pad_lo[d] < 0)
                return sm_nir_node_fail(err, n, "padding", SM_ERANGE, "must be >= 0, got %lld",
                             (long long)g->pad_lo[d]);
            g->pad_hi[d] = g->pad_lo[d];
        }
    }
    if (g->nd == 1)
        g->pad_lo[1] = g->pad_hi[1] = 0;
    const sm_nir_array_t *is = sm_nir_field(n, "input_shape");
    if (is) {
        s_pair(is, g->input_shape);
        if (g->nd == 1)
            g->input_shape[1] = 1;
        for (uint32_t d = 0; d < g->nd; d++)
            if (g->input_shape[d] < 1)
                return sm_nir_node_fail(err, n, "input_shape", SM_ERANGE, "must be >= 1, got %lld",
                             (long long)g->input_shape[d]);
        g->has_input_shape = true;
    }
    return 0;
}

int sm_nir_param_shape(const sm_nir_node_t *n, sm_nir_shape_t *shape, bool *have,
                       sm_error_t *err)
{
    const s_fspec_t *sp = s_spec(n->type);
    const char *first = NULL;
    *have = false;
    memset(shape, 0, sizeof *shape);
    for (; sp->name; sp++) {
        const sm_nir_array_t *a = sm_nir_field(n, sp->name);
        if (!a || a->n <= 1)
            continue;
        if (!*have) {
            *shape = a->shape;
            *have = true;
            first = sp->name;
            continue;
        }
        bool same = a->shape.ndim == shape->ndim;
        for (uint32_t d = 0; same && d < shape->ndim; d++)
            same = a->shape.dim[d] == shape->dim[d];
        if (!same) {
            char s1[96], s2[96];
            return sm_nir_node_fail(err, n, sp->name, SM_EPARSE, "shape %s differs from %s's %s (parameters "
                         "of a layer have equal shapes, or one element)",
                         sm_nir_shape_str(&a->shape, s1, sizeof s1), first,
                         sm_nir_shape_str(shape, s2, sizeof s2));
        }
    }
    return 0;
}

int sm_nir_node_check(sm_nir_node_t *n, sm_error_t *err)
{
    const s_fspec_t *spec = s_spec(n->type);
    uint32_t nd = n->type == SM_NIR_CONV1D ? 1 : 2;
    for (const s_fspec_t *sp = spec; sp->name; sp++) {
        sm_nir_array_t *a = NULL;
        for (uint32_t i = 0; i < n->n_fields; i++)
            if (!strcmp(n->fields[i].name, sp->name)) {
                a = &n->fields[i].a;
                n->fields[i].used = true;
            }
        if (!a) {
            if (sp->has_dflt) {
                if (s_add_default(n, sp->name, sp->dflt, err) < 0)
                    return -1;
                continue;
            }
            if (!sp->required)
                continue;
            char list[200];
            s_required_list(spec, list, sizeof list);
            return sm_nir_node_fail(err, n, NULL, SM_EPARSE, "missing field '%s' (%s needs %s)", sp->name,
                         sm_nir_type_name(n->type), list);
        }
        if (s_check_field(n, sp, a, nd, err) < 0)
            return -1;
    }
    switch (n->type) {
    case SM_NIR_AFFINE:
    case SM_NIR_LINEAR: {
        const sm_nir_array_t *w = sm_nir_field(n, "weight");
        char sb[96];
        if (w->shape.ndim != 2)
            return sm_nir_node_fail(err, n, "weight", w->shape.ndim > 2 ? SM_EUNSUPPORTED : SM_EPARSE,
                         "expected a matrix (out, in), got shape %s",
                         sm_nir_shape_str(&w->shape, sb, sizeof sb));
        const sm_nir_array_t *b = sm_nir_field(n, "bias");
        if (b && b->n != 1 && (int64_t)b->n != w->shape.dim[0])
            return sm_nir_node_fail(err, n, "bias", SM_EPARSE, "expected %lld values (one per output), "
                         "got shape %s", (long long)w->shape.dim[0],
                         sm_nir_shape_str(&b->shape, sb, sizeof sb));
        return 0;
    }
    case SM_NIR_CONV1D:
    case SM_NIR_CONV2D:
    case SM_NIR_SUMPOOL2D:
    case SM_NIR_AVGPOOL2D:
        return s_geometry(n, err);
    case SM_NIR_FLATTEN:
        n->start_dim = (int64_t)sm_nir_field(n, "start_dim")->v[0];
        n->end_dim = (int64_t)sm_nir_field(n, "end_dim")->v[0];
        return 0;
    default: {
        sm_nir_shape_t ps;
        bool have;
        return sm_nir_is_neuron(n->type) || n->type == SM_NIR_DELAY ||
                       n->type == SM_NIR_THRESHOLD || n->type == SM_NIR_SCALE
                   ? sm_nir_param_shape(n, &ps, &have, err)
                   : 0;
    }
    }
}
