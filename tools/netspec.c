#include "netspec.h"

#include <stdlib.h>
#include <string.h>

#include "control.pb-c.h"

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

int sm_netspec_pack(const sm_net_t *net, uint32_t ticks, int dense, const sm_mapping_t *map,
                    uint8_t **buf, size_t *len, sm_error_t *err)
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
    int rc = -1;
    if (!pops || !popp || !projs || !projp || !dists || !cpop || !camp || !ppop || !pidx) {
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
        } else if (p->kind == SM_POP_SPIKE_TIMES) {
            q->n_st_off = p->size + 1;
            q->st_off = p->st_off;
            q->n_st_ticks = p->st_off[p->size];
            q->st_ticks = p->st_ticks;
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
    return rc;
}

static void *s_dup(const void *src, size_t n, size_t elem)
{
    void *d = malloc(n * elem + 1);
    if (d && n)
        memcpy(d, src, n * elem);
    return d;
}

static int s_dist_from(sm_dist_t *d, const Dist *s)
{
    if (!s || s->kind > SM_DIST_NORMAL)
        return -1;
    d->kind = (sm_dist_kind_t)s->kind;
    d->a = s->a;
    d->b = s->b;
    d->has_bounds = s->has_bounds;
    d->lo = s->lo;
    d->hi = s->hi;
    return 0;
}

int sm_netspec_unpack(const uint8_t *buf, size_t len, sm_net_t **out, uint32_t *ticks,
                      int *dense, sm_mapping_t **map_out, sm_error_t *err)
{
    *out = NULL;
    *map_out = NULL;
    NetSpec *ns = net_spec__unpack(NULL, len, buf);
    if (!ns)
        return sm_fail(err, SM_EPROTO, "network message: malformed (%zu bytes)", len);
    sm_net_t *net = sm_net_new();
    sm_mapping_t *map = calloc(1, sizeof *map);
    const char *why = NULL;
    if (!net || !map) {
        why = "out of memory";
        goto bad;
    }
    net->dt_ms = ns->dt_ms;
    net->ticks = ns->ticks;
    net->seed = ns->seed;
    net->n_stages = ns->n_stages;
    if (ns->path)
        net->path = strdup(ns->path);
    for (size_t i = 0; i < ns->n_pops; i++) {
        const PopSpec *q = ns->pops[i];
        sm_pop_t p;
        memset(&p, 0, sizeof p);
        if (!q->name || strlen(q->name) >= SM_NAME_MAX || q->kind > SM_POP_POISSON || q->size == 0 ||
            q->stage >= 256) {
            why = "bad population";
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
        if (p.kind == SM_POP_NEURONS) {
            if (!q->has_models || (q->n_models != 1 && q->n_models != q->size) ||
                q->models.len != q->n_models * sizeof(sm_model_t) ||
                (q->n_v_init && q->n_v_init != q->size)) {
                why = "bad models";
                goto bad;
            }
            p.n_models = q->n_models;
            p.models = s_dup(q->models.data, q->n_models, sizeof *p.models);
            for (uint32_t k = 0; p.models && k < p.n_models; k++)
                if ((unsigned)p.models[k].kind >= SM_MODEL_COUNT ||
                    (unsigned)p.models[k].style > SM_STYLE_EXACT ||
                    (unsigned)p.models[k].reset > SM_RESET_NONE) {
                    free(p.models);
                    why = "bad model kind";
                    goto bad;
                }
            if (q->n_v_init)
                p.v_init = s_dup(q->v_init, q->n_v_init, sizeof *p.v_init);
            if (!p.models || (q->n_v_init && !p.v_init)) {
                free(p.models);
                free(p.v_init);
                why = "out of memory";
                goto bad;
            }
        } else if (p.kind == SM_POP_SPIKE_TIMES) {
            int ok = q->n_st_off == (size_t)q->size + 1 && q->st_off[0] == 0 &&
                     q->st_off[q->size] == q->n_st_ticks;
            for (uint32_t k = 0; ok && k < q->size; k++)
                ok = q->st_off[k] <= q->st_off[k + 1];
            if (!ok) {
                why = "bad spike times";
                goto bad;
            }
            p.st_off = s_dup(q->st_off, q->n_st_off, sizeof *p.st_off);
            p.st_ticks = s_dup(q->st_ticks, q->n_st_ticks, sizeof *p.st_ticks);
        }
        if (sm_net_add_pop(net, &p) < 0) {
            free(p.models);
            free(p.v_init);
            free(p.st_off);
            free(p.st_ticks);
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
            q->conn > SM_CONN_MATRIX || s_dist_from(&pr.weight, q->weight) ||
            s_dist_from(&pr.delay, q->delay)) {
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
        uint32_t ns_ = net->pops[pr.src_pop].size, nd = net->pops[pr.dst_pop].size;
        if (pr.conn == SM_CONN_LIST) {
            size_t n = q->n_l_src;
            int ok = q->n_l_dst == n && q->n_l_delay == n && q->n_l_weight == n;
            for (size_t k = 0; ok && k < n; k++)
                ok = q->l_src[k] < ns_ && q->l_dst[k] < nd;
            if (!ok) {
                why = "bad connection list";
                goto bad;
            }
            pr.n_list = (uint32_t)n;
            pr.l_src = s_dup(q->l_src, n, sizeof *pr.l_src);
            pr.l_dst = s_dup(q->l_dst, n, sizeof *pr.l_dst);
            pr.l_delay = s_dup(q->l_delay, n, sizeof *pr.l_delay);
            pr.l_weight = s_dup(q->l_weight, n, sizeof *pr.l_weight);
        }
        if (pr.conn == SM_CONN_MATRIX) {
            if (q->n_matrix != (size_t)ns_ * nd) {
                why = "bad weight matrix";
                goto bad;
            }
            pr.matrix = s_dup(q->matrix, q->n_matrix, sizeof *pr.matrix);
        }
        if (pr.conn == SM_CONN_ONE_TO_ONE && ns_ != nd) {
            why = "one_to_one between populations of different sizes";
            goto bad;
        }
        if (sm_net_add_proj(net, &pr) < 0) {
            why = "out of memory";
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
        if (ns->current_pop[i] >= net->n_pops) {
            why = "bad current";
            goto bad;
        }
        net->currents[i].pop = ns->current_pop[i];
        net->currents[i].amplitude = ns->current_amp[i];
    }
    for (uint32_t i = 0; i < net->n_probes; i++) {
        if (ns->probe_pop[i] >= net->n_pops || ns->probe_index[i] >= net->pops[ns->probe_pop[i]].size) {
            why = "bad probe";
            goto bad;
        }
        net->probes[i].pop = ns->probe_pop[i];
        net->probes[i].index = ns->probe_index[i];
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
    *ticks = ns->run_ticks;
    *dense = ns->dense;
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
