#include "netmsg.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "control.pb-c.h"
#include "validate.h"

uint64_t sm_fingerprint(const uint8_t *buf, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ buf[i]) * 0x100000001b3ULL;
    return h;
}

static void s_dist_to(Dist *d, const sm_dist_t *s)
{
    dist__init(d);
    d->kind = s->kind;
    d->a = s->a;
    d->b = s->b;
    d->has_has_bounds = 1;
    d->has_bounds = s->has_bounds;
    d->has_lo = d->has_hi = 1;
    d->lo = s->lo;
    d->hi = s->hi;
}

static void s_conv_to(Conv2dSpec *q, const sm_conv2d_t *c, size_t n_kernel)
{
    conv2d_spec__init(q);
    q->in_c = c->in_c;
    q->in_h = c->in_h;
    q->in_w = c->in_w;
    q->out_c = c->out_c;
    q->out_h = c->out_h;
    q->out_w = c->out_w;
    q->k_h = c->k_h;
    q->k_w = c->k_w;
    q->stride_h = c->stride_h;
    q->stride_w = c->stride_w;
    q->dil_h = c->dil_h;
    q->dil_w = c->dil_w;
    q->pad_top = c->pad_top;
    q->pad_bottom = c->pad_bottom;
    q->pad_left = c->pad_left;
    q->pad_right = c->pad_right;
    q->groups = c->groups;
    q->n_kernel = n_kernel;
    q->kernel = c->kernel;
}

static void s_grid_to(Grid2dSpec *q, const sm_grid2d_t *g)
{
    grid2d_spec__init(q);
    q->rows = g->rows;
    q->cols = g->cols;
    q->row0 = g->row0;
    q->col0 = g->col0;
    q->row_step = g->row_step;
    q->col_step = g->col_step;
}

/* grids: two entries, filled here. */
static void s_distance_to(DistanceSpec *q, Grid2dSpec *grids, const sm_distance_t *d)
{
    distance_spec__init(q);
    s_grid_to(&grids[0], &d->src);
    s_grid_to(&grids[1], &d->dst);
    q->src = &grids[0];
    q->dst = &grids[1];
    q->mask = d->mask;
    q->radius = d->radius;
    q->row_lo = d->row_lo;
    q->row_hi = d->row_hi;
    q->col_lo = d->col_lo;
    q->col_hi = d->col_hi;
    q->periodic = d->periodic;
    q->extent_rows = d->extent_rows;
    q->extent_cols = d->extent_cols;
    q->sigma = d->sigma;
}

/* Weights in a conv2d kernel. */
static size_t s_kernel_len(const sm_conv2d_t *c)
{
    return (size_t)c->out_c * (c->in_c / c->groups) * c->k_h * c->k_w;
}

int sm_netmsg_pack(const sm_net_t *net, uint32_t ticks, int dense, const sm_mapping_t *map,
                    uint8_t **buf, size_t *len, sm_error_t *err)
{
    return sm_netmsg_pack_run(net, ticks, dense, NULL, map, buf, len, err);
}

int sm_netmsg_pack_run(const sm_net_t *net, uint32_t ticks, int dense, const double *tick_ns,
                       const sm_mapping_t *map, uint8_t **buf, size_t *len, sm_error_t *err)
{
    NetSpec ns;
    net_spec__init(&ns);
    PopSpec *pops = calloc(net->n_pops + 1, sizeof *pops);
    PopSpec **popp = calloc(net->n_pops + 1, sizeof *popp);
    ProjSpec *projs = calloc(net->n_projs + 1, sizeof *projs);
    ProjSpec **projp = calloc(net->n_projs + 1, sizeof *projp);
    Dist *dists = calloc(2 * (size_t)net->n_projs + 1, sizeof *dists);
    uint32_t *cpop = calloc(net->n_currents + 1, sizeof *cpop);
    double *camp = calloc(net->n_currents + 1, sizeof *camp);
    uint32_t *ppop = calloc(net->n_probes + 1, sizeof *ppop);
    uint32_t *pidx = calloc(net->n_probes + 1, sizeof *pidx);
    Conv2dSpec *convs = calloc(net->n_projs + 1, sizeof *convs);
    DistanceSpec *dspecs = calloc(net->n_projs + 1, sizeof *dspecs);
    Grid2dSpec *grids = calloc(2 * (size_t)net->n_projs + 1, sizeof *grids);
    FixedSpec *fixes = calloc(net->n_projs + 1, sizeof *fixes);
    int rc = -1;
    if (!pops || !popp || !projs || !projp || !dists || !cpop || !camp || !ppop || !pidx ||
        !convs || !dspecs || !grids || !fixes) {
        sm_fail(err, SM_ENOMEM, "out of memory packing the network");
        goto done;
    }
    for (uint32_t i = 0; i < net->n_pops; i++) {
        const sm_pop_t *p = &net->pops[i];
        PopSpec *q = &pops[i];
        pop_spec__init(q);
        q->name = (char *)p->name;
        q->kind = p->kind;
        q->size = p->size;
        q->first = p->first;
        if (p->kind == SM_POP_NEURONS) {
            q->has_models = 1;
            q->models.len = p->n_models * sizeof *p->models;
            q->models.data = (uint8_t *)p->models;
            q->has_n_models = 1;
            q->n_models = p->n_models;
            if (p->v_init) {
                q->n_v_init = p->size;
                q->v_init = p->v_init;
            }
            if (p->u_init) {
                q->n_u_init = p->size;
                q->u_init = p->u_init;
            }
        } else if (p->kind == SM_POP_SPIKE_TIMES) {
            q->n_st_off = p->size + 1;
            q->st_off = p->st_off;
            q->n_st_ticks = p->st_off[p->size];
            q->st_ticks = p->st_ticks;
            if (p->st_payload) {
                q->n_st_payload = p->st_off[p->size];
                q->st_payload = p->st_payload;
            }
        }
        q->has_rate_hz = q->has_seed = q->has_start_tick = q->has_stop_tick = 1;
        q->rate_hz = p->rate_hz;
        q->seed = p->seed;
        q->start_tick = p->start_tick;
        q->stop_tick = p->stop_tick;
        q->record_spikes = p->record_spikes;
        q->stage = p->stage;
        popp[i] = q;
    }
    for (uint32_t i = 0; i < net->n_projs; i++) {
        const sm_proj_t *s = &net->projs[i];
        ProjSpec *q = &projs[i];
        proj_spec__init(q);
        q->src_pop = s->src_pop;
        q->dst_pop = s->dst_pop;
        q->port = s->port;
        q->conn = s->conn;
        q->has_p = q->has_k = q->has_allow_self = q->has_matrix_delay = 1;
        q->p = s->p;
        q->k = s->k;
        q->allow_self = s->allow_self;
        s_dist_to(&dists[2 * i], &s->weight);
        s_dist_to(&dists[2 * i + 1], &s->delay);
        q->weight = &dists[2 * i];
        q->delay = &dists[2 * i + 1];
        if (s->conn == SM_CONN_LIST) {
            q->n_l_src = q->n_l_dst = q->n_l_delay = q->n_l_weight = s->n_list;
            q->l_src = s->l_src;
            q->l_dst = s->l_dst;
            q->l_delay = s->l_delay;
            q->l_weight = s->l_weight;
        }
        if (s->conn == SM_CONN_MATRIX) {
            q->n_matrix = (size_t)net->pops[s->dst_pop].size * net->pops[s->src_pop].size;
            q->matrix = s->matrix;
        }
        if (s->conn == SM_CONN_CONV2D) {
            s_conv_to(&convs[i], &s->conv, s_kernel_len(&s->conv));
            q->conv2d = &convs[i];
        }
        if (s->conn == SM_CONN_DISTANCE) {
            s_distance_to(&dspecs[i], &grids[2 * i], &s->dist);
            q->distance = &dspecs[i];
        }
        if (s->fixed) {
            FixedSpec *f = &fixes[i];
            fixed_spec__init(f);
            f->weight_exp = s->weight_exp;
            f->num_weight_bits = s->num_weight_bits;
            f->sign_mode = (uint32_t)s->sign_mode;
            f->num_message_bits = s->num_message_bits;
            q->fixed = f;
        }
        q->matrix_delay = s->matrix_delay;
        q->seed = s->seed;
        q->min_delay = s->min_delay;
        q->max_delay = s->max_delay;
        projp[i] = q;
    }
    for (uint32_t i = 0; i < net->n_currents; i++) {
        cpop[i] = net->currents[i].pop;
        camp[i] = net->currents[i].amplitude;
    }
    for (uint32_t i = 0; i < net->n_probes; i++) {
        ppop[i] = net->probes[i].pop;
        pidx[i] = net->probes[i].index;
    }
    ns.n_pops = net->n_pops;
    ns.pops = popp;
    ns.n_projs = net->n_projs;
    ns.projs = projp;
    ns.n_current_pop = ns.n_current_amp = net->n_currents;
    ns.current_pop = cpop;
    ns.current_amp = camp;
    ns.n_probe_pop = ns.n_probe_index = net->n_probes;
    ns.probe_pop = ppop;
    ns.probe_index = pidx;
    ns.has_trace_every = net->trace_every > 1;
    ns.trace_every = net->trace_every;
    ns.n_neurons = net->n_neurons;
    ns.n_stages = net->n_stages;
    ns.dt_ms = net->dt_ms;
    ns.ticks = net->ticks;
    ns.seed = net->seed;
    ns.path = net->path;
    ns.run_ticks = ticks;
    ns.dense = dense != 0;
    ns.width = map->width;
    ns.height = map->height;
    ns.n_core_of = map->n_gids;
    ns.core_of = map->core_of;
    ns.n_tick_ns = tick_ns ? 4 : 0;
    ns.tick_ns = (double *)tick_ns;
    *len = net_spec__get_packed_size(&ns);
    *buf = malloc(*len ? *len : 1);
    if (!*buf) {
        sm_fail(err, SM_ENOMEM, "out of memory packing the network (%zu bytes)", *len);
        goto done;
    }
    net_spec__pack(&ns, *buf);
    rc = 0;
done:
    free(pops);
    free(popp);
    free(projs);
    free(projp);
    free(dists);
    free(cpop);
    free(camp);
    free(ppop);
    free(pidx);
    free(convs);
    free(dspecs);
    free(grids);
    free(fixes);
    return rc;
}

static void *s_dup(const void *src, size_t n, size_t elem)
{
    void *d = malloc(n * elem + 1);
    if (d && n)
        memcpy(d, src, n * elem);
    return d;
}

/* What the network file loader accepts (tools/netfile.c): finite values
 * within float range, lo <= hi, sd >= 0, bounds that hold some of a normal;
 * delays are integers of ticks. */
static int s_dist_from(sm_dist_t *d, const Dist *s, bool delay)
{
    if (!s || s->kind > SM_DIST_NORMAL || !isfinite(s->a) || !isfinite(s->b))
        return -1;
    d->kind = (sm_dist_kind_t)s->kind;
    d->a = s->a;
    d->b = s->b;
    d->has_bounds = s->has_bounds;
    d->lo = s->lo;
    d->hi = s->hi;
    if (delay)
        return d->kind == SM_DIST_NORMAL || d->a < 0 || d->a > UINT32_MAX ||
                       d->a != floor(d->a) ||
                       (d->kind == SM_DIST_UNIFORM &&
                        (d->b < d->a || d->b > UINT32_MAX || d->b != floor(d->b)))
                   ? -1 : 0;
    if (fabs(d->a) > FLT_MAX || fabs(d->b) > FLT_MAX)
        return -1;
    if (d->kind == SM_DIST_UNIFORM)
        return d->a <= d->b ? 0 : -1;
    if (d->kind != SM_DIST_NORMAL)
        return 0;
    if (d->b < 0)
        return -1;
    if (!d->has_bounds)
        return fabs(d->a) + 38.0 * d->b <= FLT_MAX ? 0 : -1;
    if (!isfinite(d->lo) || !isfinite(d->hi) || d->lo > d->hi || fabs(d->lo) > FLT_MAX ||
        fabs(d->hi) > FLT_MAX)
        return -1;
    double mass = d->b == 0 ? (d->a >= d->lo && d->a <= d->hi)
                            : 0.5 * (erfc((d->lo - d->a) / (d->b * sqrt(2.0))) -
                                     erfc((d->hi - d->a) / (d->b * sqrt(2.0))));
    return mass >= 1e-4 ? 0 : -1;
}

/* A parameter block travels as bytes: the one check of a model
 * (core/validate.c) first, which reads its flag bytes and enums before
 * anything loads them; then its closed-form tables are rebuilt here from its
 * parameters, so that a worker never runs on tables its parameters do not
 * stand for (on the same machine they come out bit for bit the same). */
static int s_model_from(sm_model_t *m, sm_error_t *err)
{
    if (sm_model_check(m, err))
        return -1;
    sm_model_prepare(m);
    return sm_model_check(m, err);
}

static void s_grid_from(sm_grid2d_t *g, const Grid2dSpec *q)
{
    g->rows = q->rows;
    g->cols = q->cols;
    g->row0 = q->row0;
    g->col0 = q->col0;
    g->row_step = q->row_step;
    g->col_step = q->col_step;
}

/* A conv2d or distance projection's parameters, checked as the network file
 * loader checks them (sm_proj_check, the synapse bound). Returns why not, or
 * NULL; on success pr owns a copy of the kernel. */
static const char *s_structured_from(const sm_net_t *net, sm_proj_t *pr, const ProjSpec *q)
{
    sm_error_t e;
    if (pr->conn == SM_CONN_CONV2D) {
        const Conv2dSpec *c = q->conv2d;
        if (!c)
            return "conv2d projection without its parameters";
        sm_conv2d_t *v = &pr->conv;
        v->in_c = c->in_c;
        v->in_h = c->in_h;
        v->in_w = c->in_w;
        v->out_c = c->out_c;
        v->out_h = c->out_h;
        v->out_w = c->out_w;
        v->k_h = c->k_h;
        v->k_w = c->k_w;
        v->stride_h = c->stride_h;
        v->stride_w = c->stride_w;
        v->dil_h = c->dil_h;
        v->dil_w = c->dil_w;
        v->pad_top = c->pad_top;
        v->pad_bottom = c->pad_bottom;
        v->pad_left = c->pad_left;
        v->pad_right = c->pad_right;
        v->groups = c->groups;
        /* The kernel's length needs sane sizes: check them first. */
        if (sm_proj_check(net, pr, &e) < 0)
            return "bad conv2d parameters";
        if (c->n_kernel != s_kernel_len(v))
            return "conv2d kernel of the wrong length";
        for (size_t k = 0; k < c->n_kernel; k++)
            if (!isfinite(c->kernel[k]))
                return "conv2d kernel weight not finite";
        if (!(v->kernel = s_dup(c->kernel, c->n_kernel, sizeof *v->kernel)))
            return "out of memory";
    } else if (pr->conn == SM_CONN_DISTANCE) {
        const DistanceSpec *d = q->distance;
        if (!d || !d->src || !d->dst)
            return "distance projection without its parameters";
        sm_distance_t *v = &pr->dist;
        if (d->mask > SM_MASK_RECT)
            return "bad distance mask";
        s_grid_from(&v->src, d->src);
        s_grid_from(&v->dst, d->dst);
        v->mask = (sm_mask_kind_t)d->mask;
        v->radius = d->radius;
        v->row_lo = d->row_lo;
        v->row_hi = d->row_hi;
        v->col_lo = d->col_lo;
        v->col_hi = d->col_hi;
        v->periodic = d->periodic;
        v->extent_rows = d->extent_rows;
        v->extent_cols = d->extent_cols;
        v->sigma = d->sigma;
        if (sm_proj_check(net, pr, &e) < 0)
            return "bad distance parameters";
    } else {
        return NULL;
    }
    if (!(sm_proj_max_synapses(net, pr) <= SM_MAX_PROJ_SYNAPSES)) {
        free(pr->conv.kernel);
        pr->conv.kernel = NULL;
        return "projection too large";
    }
    return NULL;
}

int sm_netmsg_unpack(const uint8_t *buf, size_t len, sm_net_t **out, uint32_t *ticks,
                      int *dense, sm_mapping_t **map_out, sm_error_t *err)
{
    double tick_ns[4];
    int has;
    return sm_netmsg_unpack_run(buf, len, out, ticks, dense, tick_ns, &has, map_out, err);
}

int sm_netmsg_unpack_run(const uint8_t *buf, size_t len, sm_net_t **out, uint32_t *ticks,
                         int *dense, double tick_ns[4], int *has_tick_ns,
                         sm_mapping_t **map_out, sm_error_t *err)
{
    *has_tick_ns = 0;
    *out = NULL;
    *map_out = NULL;
    NetSpec *ns = net_spec__unpack(NULL, len, buf);
    if (!ns)
        return sm_fail(err, SM_EPROTO, "network message: malformed (%zu bytes)", len);
    sm_net_t *net = sm_net_new();
    sm_mapping_t *map = calloc(1, sizeof *map);
    const char *why = NULL;
    sm_error_t e; /* the reason, when it is a checker's message */
    if (!net || !map) {
        why = "out of memory";
        goto bad;
    }
    net->dt_ms = ns->dt_ms;
    net->ticks = ns->ticks;
    net->seed = ns->seed;
    net->n_stages = ns->n_stages;
    if (!(net->dt_ms > 0) || !isfinite(net->dt_ms) || net->ticks == 0 || ns->n_pops == 0) {
        why = "bad simulation settings";
        goto bad;
    }
    int tick_ok = ns->n_tick_ns == 0 || ns->n_tick_ns == 4;
    for (size_t i = 0; tick_ok && i < ns->n_tick_ns; i++)
        tick_ok = ns->tick_ns[i] >= 0 && ns->tick_ns[i] <= 1e15;
    if (!tick_ok) {
        why = "bad per-tick latencies";
        goto bad;
    }
    if (ns->path)
        net->path = strdup(ns->path);
    for (size_t i = 0; i < ns->n_pops; i++) {
        const PopSpec *q = ns->pops[i];
        sm_pop_t p;
        memset(&p, 0, sizeof p);
        if (!q->name || !q->name[0] || strlen(q->name) >= SM_NAME_MAX || q->kind > SM_POP_POISSON ||
            q->size == 0 || q->stage >= 256) {
            why = "bad population";
            goto bad;
        }
        /* Names as the loader accepts them (core/validate.c) and unique. */
        char shown[320], reason[160];
        if (sm_pop_name_check(q->name, reason, sizeof reason)) {
            sm_name_show(q->name, shown, sizeof shown);
            sm_fail(&e, SM_EINVAL, "%s%spopulations[%zu].name: %s, got \"%s\"",
                    net->path ? net->path : "", net->path ? ": " : "", i, reason, shown);
            why = e.msg;
            goto bad;
        }
        if (sm_net_find_pop(net, q->name) >= 0) {
            why = "population name given twice";
            goto bad;
        }
        strcpy(p.name, q->name);
        p.kind = (sm_pop_kind_t)q->kind;
        p.size = q->size;
        p.rate_hz = q->rate_hz;
        p.seed = q->seed;
        p.start_tick = q->start_tick;
        p.stop_tick = q->stop_tick;
        p.record_spikes = q->record_spikes;
        p.stage = q->stage;
        if (p.kind == SM_POP_POISSON &&
            (!isfinite(p.rate_hz) || p.rate_hz < 0 || p.rate_hz * net->dt_ms / 1000.0 > 1.0 ||
             p.stop_tick < p.start_tick)) {
            why = "bad Poisson source";
            goto bad;
        }
        if (p.kind == SM_POP_NEURONS) {
            if (!q->has_models || (q->n_models != 1 && q->n_models != q->size) ||
                q->models.len != q->n_models * sizeof(sm_model_t) ||
                (q->n_v_init && q->n_v_init != q->size) ||
                (q->n_u_init && q->n_u_init != q->size)) {
                why = "bad models";
                goto bad;
            }
            p.n_models = q->n_models;
            p.models = s_dup(q->models.data, q->n_models, sizeof *p.models);
            for (uint32_t k = 0; p.models && k < p.n_models; k++)
                if (s_model_from(&p.models[k], &e)) {
                    free(p.models);
                    if (p.n_models > 1)
                        sm_error_prefix(&e, "populations[%zu].params (neuron %u): ", i, k);
                    else
                        sm_error_prefix(&e, "populations[%zu].params: ", i);
                    if (net->path)
                        sm_error_prefix(&e, "%s: ", net->path);
                    why = e.msg;
                    goto bad;
                }
            for (size_t k = 0; k < q->n_v_init; k++)
                if (!isfinite(q->v_init[k])) {
                    free(p.models);
                    why = "bad initial value";
                    goto bad;
                }
            /* Ranges and integers are checked with the model (sm_net_finish). */
            for (size_t k = 0; k < q->n_u_init; k++)
                if (!isfinite(q->u_init[k])) {
                    free(p.models);
                    why = "bad initial value";
                    goto bad;
                }
            if (q->n_v_init)
                p.v_init = s_dup(q->v_init, q->n_v_init, sizeof *p.v_init);
            if (q->n_u_init)
                p.u_init = s_dup(q->u_init, q->n_u_init, sizeof *p.u_init);
            if (!p.models || (q->n_v_init && !p.v_init) || (q->n_u_init && !p.u_init)) {
                free(p.models);
                free(p.v_init);
                free(p.u_init);
                why = "out of memory";
                goto bad;
            }
        } else if (p.kind == SM_POP_SPIKE_TIMES) {
            int ok = q->n_st_off == (size_t)q->size + 1 && q->st_off[0] == 0 &&
                     q->st_off[q->size] == q->n_st_ticks;
            for (uint32_t k = 0; ok && k < q->size; k++)
                ok = q->st_off[k] <= q->st_off[k + 1];
            /* Each neuron's ticks strictly increasing, as the loader sorts them. */
            for (uint32_t k = 0; ok && k < q->size; k++)
                for (uint32_t j = q->st_off[k] + 1; ok && j < q->st_off[k + 1]; j++)
                    ok = q->st_ticks[j] > q->st_ticks[j - 1];
            /* Payloads as the loader takes them: one per tick, non-zero, at
             * most 2^24 in magnitude. */
            ok = ok && (!q->n_st_payload || q->n_st_payload == q->n_st_ticks);
            for (size_t k = 0; ok && k < q->n_st_payload; k++)
                ok = q->st_payload[k] != 0 && q->st_payload[k] >= -(int32_t)SM_MAX_PAYLOAD &&
                     q->st_payload[k] <= (int32_t)SM_MAX_PAYLOAD;
            if (!ok) {
                why = "bad spike times";
                goto bad;
            }
            p.st_off = s_dup(q->st_off, q->n_st_off, sizeof *p.st_off);
            p.st_ticks = s_dup(q->st_ticks, q->n_st_ticks, sizeof *p.st_ticks);
            if (q->n_st_payload)
                p.st_payload = s_dup(q->st_payload, q->n_st_payload, sizeof *p.st_payload);
            if (!p.st_off || !p.st_ticks || (q->n_st_payload && !p.st_payload)) {
                free(p.st_off);
                free(p.st_ticks);
                free(p.st_payload);
                why = "out of memory";
                goto bad;
            }
        }
        if (sm_net_add_pop(net, &p) < 0) {
            free(p.models);
            free(p.v_init);
            free(p.u_init);
            free(p.st_off);
            free(p.st_ticks);
            free(p.st_payload);
            why = "too many neurons";
            goto bad;
        }
    }
    if (net->n_neurons != ns->n_neurons) {
        why = "population sizes do not add up";
        goto bad;
    }
    for (size_t i = 0; i < ns->n_projs; i++) {
        const ProjSpec *q = ns->projs[i];
        sm_proj_t pr;
        memset(&pr, 0, sizeof pr);
        if (q->src_pop >= net->n_pops || q->dst_pop >= net->n_pops || q->port > 1 ||
            q->conn > SM_CONN_DISTANCE || s_dist_from(&pr.weight, q->weight, false) ||
            s_dist_from(&pr.delay, q->delay, true) || net->pops[q->dst_pop].kind != SM_POP_NEURONS ||
            (q->conn == SM_CONN_FIXED_PROB && !(q->p >= 0 && q->p <= 1)) ||
            (q->conn == SM_CONN_FIXED_FAN_IN && q->k > net->pops[q->src_pop].size)) {
            why = "bad projection";
            goto bad;
        }
        pr.src_pop = q->src_pop;
        pr.dst_pop = q->dst_pop;
        pr.port = (sm_port_t)q->port;
        pr.conn = (sm_conn_kind_t)q->conn;
        pr.p = q->p;
        pr.k = q->k;
        pr.allow_self = q->allow_self;
        pr.matrix_delay = q->matrix_delay;
        pr.seed = q->seed;
        pr.min_delay = q->min_delay;
        pr.max_delay = q->max_delay;
        if (q->fixed) {
            /* The format is checked, and the rest derived, by sm_net_finish. */
            if (q->fixed->sign_mode > SM_LOIHI_SIGN_INHIBITORY ||
                q->fixed->num_weight_bits > SM_LOIHI_WEIGHT_BITS_MAX ||
                q->fixed->weight_exp < SM_LOIHI_WEIGHT_EXP_MIN ||
                q->fixed->weight_exp > SM_LOIHI_WEIGHT_EXP_MAX ||
                q->fixed->num_message_bits > SM_LOIHI_MESSAGE_BITS_MAX ||
                !sm_pop_is_loihi(&net->pops[pr.dst_pop])) {
                why = "bad fixed-point projection";
                goto bad;
            }
            pr.weight_exp = q->fixed->weight_exp;
            pr.num_weight_bits = q->fixed->num_weight_bits;
            pr.sign_mode = (sm_loihi_sign_t)q->fixed->sign_mode;
            pr.num_message_bits = q->fixed->num_message_bits;
        }
        uint32_t ns_ = net->pops[pr.src_pop].size, nd = net->pops[pr.dst_pop].size;
        if ((why = s_structured_from(net, &pr, q)))
            goto bad;
        if (pr.conn == SM_CONN_LIST) {
            size_t n = q->n_l_src;
            int ok = q->n_l_dst == n && q->n_l_delay == n && q->n_l_weight == n;
            for (size_t k = 0; ok && k < n; k++)
                ok = q->l_src[k] < ns_ && q->l_dst[k] < nd && isfinite(q->l_weight[k]);
            if (!ok) {
                why = "bad connection list";
                goto bad;
            }
            pr.n_list = (uint32_t)n;
            pr.l_src = s_dup(q->l_src, n, sizeof *pr.l_src);
            pr.l_dst = s_dup(q->l_dst, n, sizeof *pr.l_dst);
            pr.l_delay = s_dup(q->l_delay, n, sizeof *pr.l_delay);
            pr.l_weight = s_dup(q->l_weight, n, sizeof *pr.l_weight);
            if (!pr.l_src || !pr.l_dst || !pr.l_delay || !pr.l_weight) {
                free(pr.l_src);
                free(pr.l_dst);
                free(pr.l_delay);
                free(pr.l_weight);
                why = "out of memory";
                goto bad;
            }
        }
        if (pr.conn == SM_CONN_MATRIX) {
            int ok = q->n_matrix == (size_t)ns_ * nd;
            for (size_t k = 0; ok && k < q->n_matrix; k++)
                ok = isfinite(q->matrix[k]);
            if (!ok) {
                why = "bad weight matrix";
                goto bad;
            }
            pr.matrix = s_dup(q->matrix, q->n_matrix, sizeof *pr.matrix);
            if (!pr.matrix) {
                why = "out of memory";
                goto bad;
            }
        }
        if ((pr.conn == SM_CONN_ONE_TO_ONE && ns_ != nd) || sm_net_add_proj(net, &pr) < 0) {
            free(pr.l_src);
            free(pr.l_dst);
            free(pr.l_delay);
            free(pr.l_weight);
            free(pr.matrix);
            free(pr.conv.kernel);
            why = pr.conn == SM_CONN_ONE_TO_ONE && ns_ != nd
                      ? "one_to_one between populations of different sizes" : "out of memory";
            goto bad;
        }
    }
    /* Stages and delay bounds follow from the projections: recompute them
     * and refuse a message whose own disagree (or that has a delay-0 cycle). */
    {
        uint32_t *sent = malloc(((size_t)net->n_pops + 2 * (size_t)net->n_projs + 1) * sizeof *sent);
        if (!sent) {
            why = "out of memory";
            goto bad;
        }
        for (uint32_t i = 0; i < net->n_pops; i++)
            sent[i] = net->pops[i].stage;
        for (uint32_t j = 0; j < net->n_projs; j++) {
            sent[net->n_pops + 2 * j] = net->projs[j].min_delay;
            sent[net->n_pops + 2 * j + 1] = net->projs[j].max_delay;
        }
        uint32_t sent_stages = net->n_stages;
        sm_error_t ferr;
        sm_error_clear(&ferr);
        int ok = sm_net_finish(net, &ferr) == 0 && net->n_stages == sent_stages;
        for (uint32_t i = 0; ok && i < net->n_pops; i++)
            ok = sent[i] == net->pops[i].stage;
        for (uint32_t j = 0; ok && j < net->n_projs; j++)
            ok = sent[net->n_pops + 2 * j] == net->projs[j].min_delay &&
                 sent[net->n_pops + 2 * j + 1] == net->projs[j].max_delay;
        free(sent);
        if (!ok) {
            why = ferr.code == SM_OK || ferr.code == SM_ECYCLE
                      ? "stages or delays do not match the projections"
                      : "bad fixed-point projections or loihi_lif populations";
            goto bad;
        }
    }
    if (ns->n_current_pop != ns->n_current_amp || ns->n_probe_pop != ns->n_probe_index) {
        why = "bad currents or probes";
        goto bad;
    }
    net->n_currents = (uint32_t)ns->n_current_pop;
    net->currents = calloc(net->n_currents + 1, sizeof *net->currents);
    net->n_probes = (uint32_t)ns->n_probe_pop;
    net->probes = calloc(net->n_probes + 1, sizeof *net->probes);
    if (!net->currents || !net->probes) {
        why = "out of memory";
        goto bad;
    }
    for (uint32_t i = 0; i < net->n_currents; i++) {
        if (ns->current_pop[i] >= net->n_pops ||
            net->pops[ns->current_pop[i]].kind != SM_POP_NEURONS ||
            sm_pop_is_loihi(&net->pops[ns->current_pop[i]]) ||
            !isfinite(ns->current_amp[i]) || fabs(ns->current_amp[i]) > FLT_MAX) {
            why = "bad current";
            goto bad;
        }
        net->currents[i].pop = ns->current_pop[i];
        net->currents[i].amplitude = ns->current_amp[i];
    }
    for (uint32_t i = 0; i < net->n_probes; i++) {
        if (ns->probe_pop[i] >= net->n_pops || ns->probe_index[i] >= net->pops[ns->probe_pop[i]].size ||
            net->pops[ns->probe_pop[i]].kind != SM_POP_NEURONS) {
            why = "bad probe";
            goto bad;
        }
        net->probes[i].pop = ns->probe_pop[i];
        net->probes[i].index = ns->probe_index[i];
    }
    net->trace_every = ns->has_trace_every ? ns->trace_every : 1;
    if (!net->trace_every) {
        why = "bad trace interval";
        goto bad;
    }
    if (ns->n_core_of != net->n_neurons || !ns->width || !ns->height ||
        (uint64_t)ns->width * ns->height > (1u << 24)) {
        why = "bad mapping";
        goto bad;
    }
    map->width = ns->width;
    map->height = ns->height;
    map->n_gids = net->n_neurons;
    map->core_of = s_dup(ns->core_of, ns->n_core_of, sizeof *map->core_of);
    if (!map->core_of) {
        why = "out of memory";
        goto bad;
    }
    for (uint32_t g = 0; g < net->n_neurons; g++)
        if (map->core_of[g] >= map->width * map->height) {
            why = "mapping outside the mesh";
            goto bad;
        }
    /* The same check the file loader makes, so the same words: "network
     * message: FILE: " and the loader's message. */
    if (sm_net_check(net, &e)) {
        if (net->path)
            sm_error_prefix(&e, "%s: ", net->path);
        why = e.msg;
        goto bad;
    }
    *ticks = ns->run_ticks;
    *dense = ns->dense;
    if (ns->n_tick_ns == 4) {
        for (int i = 0; i < 4; i++)
            tick_ns[i] = ns->tick_ns[i];
        *has_tick_ns = 1;
    }
    net_spec__free_unpacked(ns, NULL);
    *out = net;
    *map_out = map;
    return 0;
bad:
    net_spec__free_unpacked(ns, NULL);
    sm_net_destroy(&net);
    sm_mapping_destroy(&map);
    return sm_fail(err, SM_EPROTO, "network message: %s", why);
}
