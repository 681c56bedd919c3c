/* nir_chain: the projections of a NIR graph. Every path from a source or
 * layer node to a layer node through connection nodes only is a chain; each
 * chain becomes one projection (a node with several incoming edges is the
 * sum of its inputs, so the chains into a layer add up to what the graph
 * computes). How a chain is compiled:
 *   - Flatten and ports are dropped, Scale nodes with one value and the
 *     sizes' identity fold into a gain, Delay nodes add whole ticks (one
 *     value, or one per neuron next to the source or the target), and each
 *     edge that closes a cycle adds one tick;
 *   - no node left: one to one;
 *   - only windows (Conv, pools): one conv2d connector with the composed
 *     kernel, when composing is exact (sm_nirc_win_compose);
 *   - anything else: every source neuron pushed through the chain, giving a
 *     matrix (a dense node in the chain, above SM_NIR_SPARSE_DENSITY) or a
 *     list.
 * Biases (Affine, Conv) are pushed through the nodes after them into a
 * current per target neuron. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nir_compile_int.h"
#include "syntab.h"

#define S_MAX_CHAIN 64       /* connection nodes on one path            */
#define S_MAX_CHAINS 100000  /* paths into the layers of one graph      */
/* A matrix projection stores n_src x n_dst floats: beyond this, a list. */
#define S_MAX_MATRIX (1u << 26)
#define SM_MAX_DELAY_TICKS SM_MAX_DELAY

sm_nirc_kind_t sm_nirc_kind(const sm_nir_node_t *n)
{
    if (n->port || n->type == SM_NIR_FLATTEN)
        return SM_NIRC_THROUGH;
    switch (n->type) {
    case SM_NIR_INPUT: return SM_NIRC_SOURCE;
    case SM_NIR_OUTPUT: return SM_NIRC_OUTPUT;
    case SM_NIR_AFFINE:
    case SM_NIR_LINEAR:
    case SM_NIR_SCALE:
    case SM_NIR_CONV1D:
    case SM_NIR_CONV2D:
    case SM_NIR_SUMPOOL2D:
    case SM_NIR_AVGPOOL2D:
    case SM_NIR_DELAY: return SM_NIRC_OP;
    default: return SM_NIRC_LAYER;
    }
}

typedef struct {
    sm_nir_net_t *nn;
    const sm_nir_graph_t *g;
    const uint32_t *pop_of;
    double **bias;
    sm_error_t *err;
    uint32_t path[S_MAX_CHAIN];     /* nodes from the layer backwards          */
    uint32_t n_path;
    uint32_t chains;
} s_ctx_t;

static const char *s_name(const s_ctx_t *c, uint32_t v)
{
    return c->g->nodes[v].name;
}

/* "a -> b -> c" for the message of a chain: source, then the nodes, then
 * the layer. */
static void s_via(const s_ctx_t *c, uint32_t src, char *buf, size_t cap)
{
    size_t at = (size_t)snprintf(buf, cap, "%s", s_name(c, src));
    for (uint32_t k = c->n_path; k-- > 0 && at < cap;)
        at += (size_t)snprintf(buf + at, cap - at, " -> %s", s_name(c, c->path[k]));
}

/* ---- delays -------------------------------------------------------------- */

/* Ticks of element i of a Delay node: whole multiples of dt. */
static int s_ticks(const s_ctx_t *c, const sm_nir_node_t *n, size_t i, uint32_t *out)
{
    double d = sm_nir_at(sm_nir_field(n, "delay"), i), t = d / c->nn->dt, k = floor(t + 0.5);
    if (!(fabs(t - k) <= 1e-6 * fmax(1.0, fabs(t))) || k > SM_MAX_DELAY_TICKS)
        return sm_fail(c->err, SM_EUNSUPPORTED, "node '%s' (Delay): field 'delay': %.9g is %.9g "
                       "steps of dt = %g: delays must be whole steps, at most %u (index [%zu])",
                       n->name, d, t, c->nn->dt, SM_MAX_DELAY_TICKS, i);
    *out = (uint32_t)k;
    return 0;
}

static bool s_uniform(const sm_nir_array_t *a)
{
    for (size_t i = 1; i < a->n; i++)
        if (a->v[i] != a->v[0])
            return false;
    return true;
}

/* The chain's ops, gain and delays, from the nodes between src and dst. */
typedef struct {
    uint32_t src, dst;              /* graph nodes                          */
    sm_nirc_op_t ops[S_MAX_CHAIN];
    uint32_t n_ops;
    bool has_dense, all_win;
    double gain;
    uint32_t delay;                 /* uniform ticks                        */
    const sm_nir_node_t *d_src, *d_dst; /* per-neuron Delay next to either end */
    char via[256];
} s_chain_t;

static void s_chain_fini(s_chain_t *ch)
{
    for (uint32_t k = 0; k < ch->n_ops; k++)
        sm_nirc_op_fini(&ch->ops[k]);
    ch->n_ops = 0;
}

static int s_delay_refused(const s_ctx_t *c, const s_chain_t *ch, const sm_nir_node_t *n)
{
    return sm_fail(c->err, SM_EUNSUPPORTED, "node '%s' (Delay): field 'delay': one delay per "
                   "neuron is supported next to a layer only, not between the connection nodes "
                   "of %s", n->name, ch->via);
}

static int s_chain_build(s_ctx_t *c, uint32_t src, uint32_t rec, s_chain_t *ch)
{
    memset(ch, 0, sizeof *ch);
    ch->src = src;
    ch->dst = c->path[0];
    ch->gain = 1.0;
    ch->delay = rec;
    ch->all_win = true;
    s_via(c, src, ch->via, sizeof ch->via);
    /* path[n_path - 1] is next to the source, path[1] next to the layer. */
    for (uint32_t k = c->n_path; k-- > 1;) {
        const sm_nir_node_t *n = &c->g->nodes[c->path[k]];
        if (sm_nirc_kind(n) == SM_NIRC_THROUGH)
            continue;
        if (n->type == SM_NIR_DELAY) {
            uint32_t t;
            if (s_uniform(sm_nir_field(n, "delay"))) {
                if (s_ticks(c, n, 0, &t))
                    return -1;
                ch->delay += t;
                continue;
            }
            /* One delay per neuron: next to the source (nothing before it
             * changes the values), or next to the target (checked as the
             * nodes after it come). */
            if (ch->n_ops == 0 && !ch->d_src)
                ch->d_src = n;
            else if (!ch->d_dst)
                ch->d_dst = n;
            else
                return s_delay_refused(c, ch, n);
            continue;
        }
        if (ch->d_dst && !(n->type == SM_NIR_SCALE && s_uniform(sm_nir_field(n, "scale"))))
            return s_delay_refused(c, ch, ch->d_dst);
        if (n->type == SM_NIR_SCALE && s_uniform(sm_nir_field(n, "scale"))) {
            ch->gain *= sm_nir_field(n, "scale")->v[0];
            continue;
        }
        if (ch->n_ops == S_MAX_CHAIN)
            return sm_fail(c->err, SM_EUNSUPPORTED, "%s: more than %u connection nodes in a row",
                           ch->via, S_MAX_CHAIN);
        sm_nirc_op_t *op = &ch->ops[ch->n_ops];
        int rc = sm_nirc_op_of(n, op);
        if (rc < 0)
            return sm_fail(c->err, SM_ENOMEM, "node '%s': out of memory", n->name);
        if (rc > 0)
            continue;
        ch->n_ops++;
        ch->has_dense |= op->kind == SM_NIRC_DENSE;
        ch->all_win &= op->kind == SM_NIRC_WIN;
    }
    if (ch->delay > SM_MAX_DELAY_TICKS)
        return sm_fail(c->err, SM_EUNSUPPORTED, "%s: a delay of %u steps, more than %u", ch->via,
                       ch->delay, SM_MAX_DELAY_TICKS);
    return 0;
}

/* ---- projections ----------------------------------------------------------- */

static int s_add_proj(s_ctx_t *c, s_chain_t *ch, sm_proj_t *pr, const char *how, uint64_t stored,
                      uint64_t synapses)
{
    pr->src_pop = c->pop_of[ch->src];
    pr->dst_pop = c->pop_of[ch->dst];
    pr->port = SM_PORT_EXC;
    pr->allow_self = true;
    sm_nir_net_t *nn = c->nn;
    if (pr->conn == SM_CONN_CONV2D) {
        sm_error_t e2;
        if (sm_proj_check(nn->net, pr, &e2))
            return sm_fail(c->err, SM_EINVAL, "%s: the composed convolution does not fit: %s",
                           ch->via, e2.msg);
    }
    int k = sm_net_add_proj(nn->net, pr);
    sm_nir_proj_t *np = realloc(nn->projs, (nn->n_projs + 1) * sizeof *np);
    if (k < 0 || !np) {
        if (np)
            nn->projs = np;
        return sm_fail(c->err, SM_ENOMEM, "%s: out of memory", ch->via);
    }
    nn->projs = np;
    sm_nir_proj_t *p = &nn->projs[nn->n_projs++];
    memset(p, 0, sizeof *p);
    p->proj = (uint32_t)k;
    snprintf(p->via, sizeof p->via, "%s", ch->via);
    p->how = how;
    p->stored = stored;
    p->synapses = synapses;
    return 0;
}

static int s_oom(s_ctx_t *c, const s_chain_t *ch)
{
    return sm_fail(c->err, SM_ENOMEM, "%s: out of memory", ch->via);
}

/* Only windows: one conv2d connector, or 1 if they do not compose. */
static int s_conv(s_ctx_t *c, s_chain_t *ch)
{
    sm_nirc_win_t cur = ch->ops[0].win, next;
    bool owned = false;
    for (uint32_t k = 1; k < ch->n_ops; k++) {
        int rc = sm_nirc_win_compose(&cur, &ch->ops[k].win, &next);
        if (rc) {
            if (owned)
                sm_nirc_win_fini(&cur);
            return rc < 0 ? s_oom(c, ch) : 1;
        }
        if (owned)
            sm_nirc_win_fini(&cur);
        cur = next;
        owned = true;
    }
    sm_proj_t pr = {0};
    pr.conn = SM_CONN_CONV2D;
    pr.delay.kind = SM_DIST_CONST;
    pr.delay.a = ch->delay;
    sm_conv2d_t *cv = &pr.conv;
    cv->in_c = cur.in_c;
    cv->in_h = cur.in_h;
    cv->in_w = cur.in_w;
    cv->out_c = cur.out_c;
    cv->out_h = cur.out_h;
    cv->out_w = cur.out_w;
    cv->k_h = cur.kh;
    cv->k_w = cur.kw;
    cv->stride_h = cur.sh;
    cv->stride_w = cur.sw;
    cv->dil_h = cur.dh;
    cv->dil_w = cur.dw;
    cv->pad_top = cur.pt;
    cv->pad_bottom = cur.pb;
    cv->pad_left = cur.pl;
    cv->pad_right = cur.pr;
    cv->groups = cur.groups;
    size_t nk = (size_t)cur.out_c * (cur.in_c / cur.groups) * cur.kh * cur.kw;
    cv->kernel = malloc((nk ? nk : 1) * sizeof *cv->kernel);
    if (!cv->kernel) {
        if (owned)
            sm_nirc_win_fini(&cur);
        return s_oom(c, ch);
    }
    for (size_t i = 0; i < nk; i++)
        cv->kernel[i] = (float)(ch->gain * cur.k[i]);
    if (owned)
        sm_nirc_win_fini(&cur);
    /* The synapses it expands to: in-bounds taps of nonzero weights. */
    uint64_t syn = 0;
    uint32_t ipg = cv->in_c / cv->groups;
    for (uint32_t o = 0; o < cv->out_c; o++)
        for (uint32_t i = 0; i < ipg; i++)
            for (uint32_t ky = 0; ky < cv->k_h; ky++)
                for (uint32_t kx = 0; kx < cv->k_w; kx++) {
                    if (cv->kernel[((o * ipg + i) * cv->k_h + ky) * cv->k_w + kx] == 0.0f)
                        continue;
                    uint64_t rows = 0, cols = 0;
                    for (uint32_t y = 0; y < cv->out_h; y++) {
                        int64_t r = (int64_t)y * cv->stride_h - cv->pad_top + (int64_t)ky * cv->dil_h;
                        rows += r >= 0 && r < cv->in_h;
                    }
                    for (uint32_t x = 0; x < cv->out_w; x++) {
                        int64_t q = (int64_t)x * cv->stride_w - cv->pad_left + (int64_t)kx * cv->dil_w;
                        cols += q >= 0 && q < cv->in_w;
                    }
                    syn += rows * cols;
                }
    const char *how = ch->n_ops > 1 ? "conv2d (composed)" : "conv2d";
    if (s_add_proj(c, ch, &pr, how, nk, syn)) {
        free(cv->kernel);
        return -1;
    }
    return 0;
}

/* Grows a list by one synapse. */
static int s_list_push(sm_proj_t *pr, uint32_t *cap, uint32_t s, uint32_t d, float w, uint32_t dl)
{
    if (pr->n_list == *cap) {
        uint32_t nc = *cap ? *cap * 2 : 1024;
        uint32_t *a = realloc(pr->l_src, nc * sizeof *a);
        if (!a)
            return -1;
        pr->l_src = a;
        if (!(a = realloc(pr->l_dst, nc * sizeof *a)))
            return -1;
        pr->l_dst = a;
        if (!(a = realloc(pr->l_delay, nc * sizeof *a)))
            return -1;
        pr->l_delay = a;
        float *f = realloc(pr->l_weight, nc * sizeof *f);
        if (!f)
            return -1;
        pr->l_weight = f;
        *cap = nc;
    }
    pr->l_src[pr->n_list] = s;
    pr->l_dst[pr->n_list] = d;
    pr->l_weight[pr->n_list] = w;
    pr->l_delay[pr->n_list++] = dl;
    return 0;
}

static void s_proj_free(sm_proj_t *pr)
{
    free(pr->l_src);
    free(pr->l_dst);
    free(pr->l_delay);
    free(pr->l_weight);
    free(pr->matrix);
}

/* Every source neuron pushed through the chain: a list of synapses, or a
 * matrix when the chain has a dense node and most pairs have a weight. */
static int s_expand(s_ctx_t *c, s_chain_t *ch)
{
    const sm_net_t *net = c->nn->net;
    uint32_t n_src = net->pops[c->pop_of[ch->src]].size, n_dst = net->pops[c->pop_of[ch->dst]].size;
    sm_nirc_vec_t v[2];
    if (sm_nirc_vec_init(&v[0], n_src))
        return s_oom(c, ch);
    /* The ping-pong vectors change size along the chain. */
    sm_nirc_vec_t *stage = calloc(ch->n_ops + 1, sizeof *stage);
    sm_proj_t pr = {0};
    uint32_t cap = 0;
    int rc = -1;
    if (!stage) {
        sm_nirc_vec_fini(&v[0]);
        return s_oom(c, ch);
    }
    stage[0] = v[0];
    for (uint32_t k = 0; k < ch->n_ops; k++)
        if (sm_nirc_vec_init(&stage[k + 1], ch->ops[k].out))
            goto oom;
    pr.conn = SM_CONN_LIST;
    for (uint32_t s = 0; s < n_src; s++) {
        sm_nirc_vec_clear(&stage[0]);
        if (sm_nirc_vec_add(&stage[0], s, ch->gain))
            goto oom;
        sm_nirc_vec_seal(&stage[0]);
        for (uint32_t k = 0; k < ch->n_ops; k++)
            if (sm_nirc_apply(&ch->ops[k], &stage[k], &stage[k + 1]))
                goto oom;
        const sm_nirc_vec_t *col = &stage[ch->n_ops];
        for (uint32_t j = 0; j < col->n; j++) {
            uint32_t d = col->idx[j], dl = ch->delay, t;
            float w = (float)col->val[j];
            if (w == 0.0f)
                continue;
            if (ch->d_src) {
                if (s_ticks(c, ch->d_src, s, &t))
                    goto out;
                dl += t;
            }
            if (ch->d_dst) {
                if (s_ticks(c, ch->d_dst, d, &t))
                    goto out;
                dl += t;
            }
            if (dl > SM_MAX_DELAY_TICKS) {
                sm_fail(c->err, SM_EUNSUPPORTED, "%s: a delay of %u steps, more than %u", ch->via,
                        dl, SM_MAX_DELAY_TICKS);
                goto out;
            }
            if (s_list_push(&pr, &cap, s, d, w, dl))
                goto oom;
        }
    }
    uint64_t pairs = (uint64_t)n_src * n_dst;
    const char *how = ch->n_ops == 0 ? "one to one" : "list";
    uint64_t stored = pr.n_list;
    if (ch->has_dense && !ch->d_src && !ch->d_dst && pairs <= S_MAX_MATRIX &&
        (double)pr.n_list > SM_NIR_SPARSE_DENSITY * (double)pairs) {
        pr.matrix = calloc(pairs ? pairs : 1, sizeof *pr.matrix);
        if (!pr.matrix)
            goto oom;
        for (uint32_t i = 0; i < pr.n_list; i++)
            pr.matrix[(size_t)pr.l_dst[i] * n_src + pr.l_src[i]] = pr.l_weight[i];
        free(pr.l_src);
        free(pr.l_dst);
        free(pr.l_delay);
        free(pr.l_weight);
        pr.l_src = pr.l_dst = pr.l_delay = NULL;
        pr.l_weight = NULL;
        pr.conn = SM_CONN_MATRIX;
        pr.matrix_delay = ch->delay;
        pr.delay.a = ch->delay;
        stored = pairs;
        how = ch->n_ops > 1 ? "matrix (composed)" : "matrix";
    } else if (ch->n_ops > 1) {
        how = "list (composed)";
    }
    uint64_t syn = pr.conn == SM_CONN_LIST ? pr.n_list : stored;
    if (pr.conn == SM_CONN_MATRIX) {
        syn = 0;
        for (uint64_t i = 0; i < pairs; i++)
            syn += pr.matrix[i] != 0.0f;
    }
    if (pr.conn == SM_CONN_LIST && pr.n_list == 0) {
        rc = 0; /* every weight zero: no projection */
        goto out;
    }
    if (s_add_proj(c, ch, &pr, how, stored, syn))
        goto out;
    memset(&pr, 0, sizeof pr);
    rc = 0;
    goto out;
oom:
    s_oom(c, ch);
out:
    s_proj_free(&pr);
    for (uint32_t k = 0; k <= ch->n_ops; k++)
        sm_nirc_vec_fini(&stage[k]);
    free(stage);
    return rc;
}

static int s_one_to_one(s_ctx_t *c, s_chain_t *ch)
{
    if (ch->gain == 0.0)
        return 0;
    const sm_net_t *net = c->nn->net;
    uint32_t n = net->pops[c->pop_of[ch->src]].size;
    sm_proj_t pr = {0};
    pr.conn = SM_CONN_ONE_TO_ONE;
    pr.weight.kind = SM_DIST_CONST;
    pr.weight.a = (float)ch->gain;
    pr.delay.kind = SM_DIST_CONST;
    pr.delay.a = ch->delay;
    return s_add_proj(c, ch, &pr, "one to one", 1, n);
}

static int s_compile_chain(s_ctx_t *c, uint32_t src, uint32_t rec)
{
    const sm_nir_node_t *sn = &c->g->nodes[src];
    s_chain_t *ch = malloc(sizeof *ch);
    if (!ch)
        return sm_fail(c->err, SM_ENOMEM, "out of memory");
    int rc = -1;
    if (s_chain_build(c, src, rec, ch))
        goto out;
    if (sm_nirc_kind(sn) == SM_NIRC_LAYER && sn->type != SM_NIR_THRESHOLD &&
        !sm_nir_spikes(sn->type)) {
        sm_fail(c->err, SM_EUNSUPPORTED, "%s: node '%s' (%s) sends no spikes (its output is its "
                "membrane), which a spike network cannot carry to '%s'", ch->via, sn->name,
                sm_nir_type_name(sn->type), s_name(c, ch->dst));
        goto out;
    }
    const sm_net_t *net = c->nn->net;
    uint32_t n_src = net->pops[c->pop_of[src]].size, n_dst = net->pops[c->pop_of[ch->dst]].size;
    if (ch->n_ops == 0 && !ch->d_src && !ch->d_dst && n_src == n_dst) {
        rc = s_one_to_one(c, ch);
    } else if (ch->n_ops > 0 && ch->all_win && !ch->d_src && !ch->d_dst) {
        rc = s_conv(c, ch);
        if (rc > 0)
            rc = s_expand(c, ch);
    } else {
        rc = s_expand(c, ch);
    }
out:
    s_chain_fini(ch);
    free(ch);
    return rc;
}

/* ---- walking the graph --------------------------------------------------- */

/* Every path into path[n_path - 1] from a source or layer, backwards. */
static int s_walk(s_ctx_t *c, uint32_t rec)
{
    const sm_nir_graph_t *g = c->g;
    uint32_t v = c->path[c->n_path - 1];
    /* Edges in file order: the file's order is arbitrary, but fixed. */
    for (uint32_t e = 0; e < g->n_edges; e++) {
        if (g->edges[e].dst != v)
            continue;
        uint32_t u = g->edges[e].src, r = rec + g->edges[e].recurrent;
        sm_nirc_kind_t k = sm_nirc_kind(&g->nodes[u]);
        if (k == SM_NIRC_SOURCE || k == SM_NIRC_LAYER) {
            if (++c->chains > S_MAX_CHAINS)
                return sm_fail(c->err, SM_ETOOBIG, "more than %u paths between layers",
                               S_MAX_CHAINS);
            if (s_compile_chain(c, u, r))
                return -1;
            continue;
        }
        if (k == SM_NIRC_OUTPUT)
            return sm_fail(c->err, SM_EUNSUPPORTED, "node '%s' (Output): an Output feeds '%s'; "
                           "outputs end a graph", s_name(c, u), s_name(c, v));
        if (c->n_path == S_MAX_CHAIN)
            return sm_fail(c->err, SM_EUNSUPPORTED, "node '%s': more than %u connection nodes "
                           "in a row", s_name(c, u), S_MAX_CHAIN);
        c->path[c->n_path++] = u;
        int rc = s_walk(c, r);
        c->n_path--;
        if (rc)
            return -1;
    }
    return 0;
}

/* ---- biases -------------------------------------------------------------- */

/* Pushes the vector at c->path's last node forward to every layer. */
static int s_bias_walk(s_ctx_t *c, const sm_nirc_vec_t *x)
{
    const sm_nir_graph_t *g = c->g;
    uint32_t v = c->path[c->n_path - 1];
    for (uint32_t e = 0; e < g->n_edges; e++) {
        if (g->edges[e].src != v)
            continue;
        uint32_t u = g->edges[e].dst;
        const sm_nir_node_t *n = &g->nodes[u];
        sm_nirc_kind_t k = sm_nirc_kind(n);
        if (k == SM_NIRC_OUTPUT || k == SM_NIRC_SOURCE)
            continue;
        if (k == SM_NIRC_LAYER) {
            uint32_t p = c->pop_of[u], size = c->nn->net->pops[p].size;
            if (!c->bias[p] && !(c->bias[p] = calloc(size ? size : 1, sizeof **c->bias)))
                return sm_fail(c->err, SM_ENOMEM, "out of memory");
            for (uint32_t j = 0; j < x->n; j++)
                c->bias[p][x->idx[j]] += x->val[j];
            continue;
        }
        if (c->n_path == S_MAX_CHAIN)
            return sm_fail(c->err, SM_EUNSUPPORTED, "node '%s': more than %u connection nodes "
                           "in a row", n->name, S_MAX_CHAIN);
        sm_nirc_op_t op;
        int rc = sm_nirc_op_of(n, &op);
        if (rc < 0)
            return sm_fail(c->err, SM_ENOMEM, "out of memory");
        sm_nirc_vec_t y;
        if (rc == 0 && sm_nirc_vec_init(&y, op.out)) {
            sm_nirc_op_fini(&op);
            return sm_fail(c->err, SM_ENOMEM, "out of memory");
        }
        if (rc == 0 && sm_nirc_apply(&op, x, &y)) {
            sm_nirc_vec_fini(&y);
            sm_nirc_op_fini(&op);
            return sm_fail(c->err, SM_ENOMEM, "out of memory");
        }
        c->path[c->n_path++] = u;
        int r2 = s_bias_walk(c, rc == 0 ? &y : x);
        c->n_path--;
        if (rc == 0)
            sm_nirc_vec_fini(&y);
        sm_nirc_op_fini(&op);
        if (r2)
            return -1;
    }
    return 0;
}

/* The bias of node n as a vector over its outputs (per channel for a
 * Conv), or n == 0 if it has none or it is all zero. */
static int s_bias_of(const sm_nir_node_t *n, sm_nirc_vec_t *x)
{
    const sm_nir_array_t *b = sm_nir_field(n, "bias");
    if (!b || (n->type != SM_NIR_AFFINE && n->type != SM_NIR_CONV1D && n->type != SM_NIR_CONV2D))
        return 1;
    uint32_t size = (uint32_t)sm_nir_shape_size(&n->out_shape);
    uint32_t ch = n->type == SM_NIR_AFFINE ? 1 : size / (uint32_t)n->out_shape.dim[0];
    bool any = false;
    for (size_t i = 0; i < b->n; i++)
        any |= b->v[i] != 0.0;
    if (!any)
        return 1;
    if (sm_nirc_vec_init(x, size))
        return -1;
    for (uint32_t i = 0; i < size; i++)
        if (sm_nirc_vec_add(x, i, sm_nir_at(b, i / ch))) {
            sm_nirc_vec_fini(x);
            return -1;
        }
    sm_nirc_vec_seal(x);
    return 0;
}

bool sm_nir_self_recurrent(const sm_nir_graph_t *g, uint32_t node)
{
    /* Forward through connection nodes only, back to the node. */
    uint32_t *stack = malloc((g->n_nodes + 1) * sizeof *stack);
    uint8_t *seen = calloc(g->n_nodes + 1, 1);
    bool found = false;
    uint32_t sp = 0;
    if (!stack || !seen)
        goto out;
    stack[sp++] = node;
    while (sp && !found) {
        uint32_t v = stack[--sp];
        for (uint32_t e = 0; e < g->n_edges && !found; e++) {
            if (g->edges[e].src != v)
                continue;
            uint32_t u = g->edges[e].dst;
            sm_nirc_kind_t k = sm_nirc_kind(&g->nodes[u]);
            if (u == node)
                found = true;
            else if ((k == SM_NIRC_OP || k == SM_NIRC_THROUGH) && !seen[u]) {
                seen[u] = 1;
                stack[sp++] = u;
            }
        }
    }
out:
    free(stack);
    free(seen);
    return found;
}

int sm_nir_chains(sm_nir_net_t *nn, const uint32_t *pop_of, double **bias, sm_error_t *err)
{
    s_ctx_t c = {.nn = nn, .g = nn->graph, .pop_of = pop_of, .bias = bias, .err = err};
    const sm_nir_graph_t *g = nn->graph;
    for (uint32_t k = 0; k < g->n_nodes; k++) {
        uint32_t v = g->order[k];
        if (sm_nirc_kind(&g->nodes[v]) != SM_NIRC_LAYER)
            continue;
        c.path[0] = v;
        c.n_path = 1;
        if (s_walk(&c, 0))
            return -1;
    }
    for (uint32_t k = 0; k < g->n_nodes; k++) {
        uint32_t v = g->order[k];
        sm_nirc_vec_t x;
        int rc = s_bias_of(&g->nodes[v], &x);
        if (rc < 0)
            return sm_fail(err, SM_ENOMEM, "out of memory");
        if (rc > 0)
            continue;
        c.path[0] = v;
        c.n_path = 1;
        rc = s_bias_walk(&c, &x);
        sm_nirc_vec_fini(&x);
        if (rc)
            return -1;
    }
    return 0;
}
