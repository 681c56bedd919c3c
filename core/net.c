#include "net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

sm_net_t *sm_net_new(void)
{
    sm_net_t *net = calloc(1, sizeof *net);
    if (net)
        net->dt_ms = 1.0;
    return net;
}

static void s_pop_fini(sm_pop_t *p)
{
    free(p->models);
    free(p->v_init);
    free(p->u_init);
    free(p->st_off);
    free(p->st_ticks);
    free(p->st_payload);
}

static void s_proj_fini(sm_proj_t *pr)
{
    free(pr->l_src);
    free(pr->l_dst);
    free(pr->l_delay);
    free(pr->l_weight);
    free(pr->matrix);
    free(pr->conv.kernel);
}

void sm_net_destroy(sm_net_t **net_p)
{
    if (!net_p || !*net_p)
        return;
    sm_net_t *net = *net_p;
    for (uint32_t i = 0; i < net->n_pops; i++)
        s_pop_fini(&net->pops[i]);
    for (uint32_t i = 0; i < net->n_projs; i++)
        s_proj_fini(&net->projs[i]);
    free(net->pops);
    free(net->projs);
    free(net->currents);
    free(net->probes);
    free(net->path);
    free(net);
    *net_p = NULL;
}

/* Capacity grows by doubling from the count alone (4, 8, 16, ...), so the
 * struct needs no capacity field: a count of 0 or a power of two >= 4 is
 * exactly when the array is full. */
static int s_grow(void **arr, uint32_t n, size_t elem)
{
    bool full = n == 0 || (n >= 4 && (n & (n - 1)) == 0);
    if (!full)
        return 0;
    size_t cap = n ? (size_t)n * 2 : 4;
    void *na = realloc(*arr, cap * elem);
    if (!na)
        return -1;
    *arr = na;
    return 0;
}

int sm_net_add_pop(sm_net_t *net, const sm_pop_t *pop)
{
    if (net->n_pops == UINT32_MAX || net->n_neurons > SM_MAX_NEURONS ||
        pop->size > SM_MAX_NEURONS - net->n_neurons)
        return -1;
    if (s_grow((void **)&net->pops, net->n_pops, sizeof *net->pops) < 0)
        return -1;
    sm_pop_t *p = &net->pops[net->n_pops];
    *p = *pop;
    p->first = net->n_neurons;
    net->n_neurons += pop->size;
    return (int)net->n_pops++;
}

int sm_net_add_proj(sm_net_t *net, const sm_proj_t *proj)
{
    if (net->n_projs == UINT32_MAX)
        return -1;
    if (s_grow((void **)&net->projs, net->n_projs, sizeof *net->projs) < 0)
        return -1;
    net->projs[net->n_projs] = *proj;
    return (int)net->n_projs++;
}

int sm_net_find_pop(const sm_net_t *net, const char *name)
{
    for (uint32_t i = 0; i < net->n_pops; i++)
        if (!strcmp(net->pops[i].name, name))
            return (int)i;
    return -1;
}

static uint32_t s_round_delay(double d)
{
    if (!(d > 0))
        return 0;
    if (d >= (double)UINT32_MAX)
        return UINT32_MAX;
    return (uint32_t)(d + 0.5);
}

/* The delay bounds follow from the description alone; an empty list has no
 * synapse and so no delay (reported as 0..0, but it adds no same-tick edge). */
static void s_delay_bounds(sm_proj_t *pr)
{
    if (pr->conn == SM_CONN_LIST) {
        uint32_t lo = UINT32_MAX, hi = 0;
        for (uint32_t i = 0; i < pr->n_list; i++) {
            if (pr->l_delay[i] < lo)
                lo = pr->l_delay[i];
            if (pr->l_delay[i] > hi)
                hi = pr->l_delay[i];
        }
        pr->min_delay = pr->n_list ? lo : 0;
        pr->max_delay = hi;
    } else if (pr->conn == SM_CONN_MATRIX) {
        pr->min_delay = pr->max_delay = pr->matrix_delay;
    } else if (pr->delay.kind == SM_DIST_UNIFORM) {
        pr->min_delay = s_round_delay(pr->delay.a);
        pr->max_delay = s_round_delay(pr->delay.b);
    } else {
        pr->min_delay = pr->max_delay = s_round_delay(pr->delay.a);
    }
}

static int s_same_tick(const sm_proj_t *pr)
{
    return pr->min_delay == 0 && !(pr->conn == SM_CONN_LIST && pr->n_list == 0);
}

static int s_fail_net(const sm_net_t *net, sm_error_t *err, sm_err_t code,
                      const char *msg)
{
    if (net->path)
        return sm_fail(err, code, "%s: %s", net->path, msg);
    return sm_fail(err, code, "%s", msg);
}

/* Names the cycle closed by the edge from `from` back to `to`: walks the DFS
 * parents from `from` up to `to`, then prints them in forward order. */
static void s_cycle_msg(const sm_net_t *net, const uint32_t *parent_proj,
                        uint32_t from, uint32_t to, uint32_t closing_proj,
                        char *msg, size_t cap)
{
    uint32_t n = 1;
    for (uint32_t v = from; v != to; v = net->projs[parent_proj[v]].src_pop)
        n++;
    /* Nodes along the cycle, to .. from, then `to` again. */
    uint32_t *path = malloc((n + 1) * sizeof *path);
    uint32_t *edges = malloc(n * sizeof *edges);
    if (!path || !edges) {
        snprintf(msg, cap, "projections: delay-0 cycle through %s", net->pops[to].name);
        free(path);
        free(edges);
        return;
    }
    uint32_t i = n;
    path[n] = to;
    edges[n - 1] = closing_proj;
    for (uint32_t v = from;;) {
        path[--i] = v;
        if (i == 0)
            break;
        edges[i - 1] = parent_proj[v];
        v = net->projs[parent_proj[v]].src_pop;
    }
    size_t off = (size_t)snprintf(msg, cap, "projections: delay-0 cycle ");
    for (i = 0; i <= n && off < cap; i++)
        off += (size_t)snprintf(msg + off, cap - off, "%s%s", i ? " -> " : "",
                                net->pops[path[i]].name);
    for (i = 0; i < n && off < cap; i++)
        off += (size_t)snprintf(msg + off, cap - off, "%sprojections[%u]",
                                i ? ", " : " (", edges[i]);
    if (off < cap)
        snprintf(msg + off, cap - off, "; %s a delay >= 1)", n > 1 ? "give one of them" : "give it");
    free(path);
    free(edges);
}

int sm_net_finish(sm_net_t *net, sm_error_t *err)
{
    char msg[900];
    uint32_t np = net->n_pops;
    for (uint32_t j = 0; j < net->n_projs; j++) {
        sm_proj_t *pr = &net->projs[j];
        if (pr->src_pop >= np || pr->dst_pop >= np) {
            snprintf(msg, sizeof msg, "projections[%u]: population index out of range", j);
            return s_fail_net(net, err, SM_EINVAL, msg);
        }
        s_delay_bounds(pr);
    }
    if (np == 0) {
        net->n_stages = 0;
        return sm_net_fixed(net, err);
    }

    /* Same-tick edges as CSR by source population, in projection order so
     * that the cycle named is always the same one. */
    uint32_t *off = calloc((size_t)np + 1, sizeof *off);
    uint32_t *edge = malloc(((size_t)net->n_projs + 1) * sizeof *edge);
    uint32_t *color = calloc(np, sizeof *color);  /* 0 new, 1 on stack, 2 done */
    uint32_t *parent = malloc(np * sizeof *parent);
    uint32_t *it = malloc(np * sizeof *it);
    uint32_t *stack = malloc(np * sizeof *stack);
    uint32_t *order = malloc(np * sizeof *order);
    int rc = -1;
    if (!off || !edge || !color || !parent || !it || !stack || !order) {
        s_fail_net(net, err, SM_ENOMEM, "projections: out of memory");
        goto out;
    }
    for (uint32_t j = 0; j < net->n_projs; j++)
        if (s_same_tick(&net->projs[j]))
            off[net->projs[j].src_pop + 1]++;
    for (uint32_t i = 0; i < np; i++)
        off[i + 1] += off[i];
    for (uint32_t i = 0; i < np; i++)
        it[i] = off[i];
    for (uint32_t j = 0; j < net->n_projs; j++)
        if (s_same_tick(&net->projs[j]))
            edge[it[net->projs[j].src_pop]++] = j;

    /* Iterative DFS: a grey target is a back edge, hence a cycle; the
     * post-order reversed is a topological order. */
    uint32_t n_order = 0;
    for (uint32_t root = 0; root < np; root++) {
        if (color[root])
            continue;
        uint32_t sp = 0;
        stack[sp++] = root;
        color[root] = 1;
        it[root] = off[root];
        while (sp) {
            uint32_t v = stack[sp - 1];
            if (it[v] == off[v + 1]) {
                color[v] = 2;
                order[n_order++] = v;
                sp--;
                continue;
            }
            uint32_t j = edge[it[v]++];
            uint32_t w = net->projs[j].dst_pop;
            if (color[w] == 1) {
                s_cycle_msg(net, parent, v, w, j, msg, sizeof msg);
                s_fail_net(net, err, SM_ECYCLE, msg);
                goto out;
            }
            if (color[w] == 0) {
                color[w] = 1;
                parent[w] = j;
                it[w] = off[w];
                stack[sp++] = w;
            }
        }
    }

    /* Longest path: visit in topological order (reverse post-order). */
    for (uint32_t i = 0; i < np; i++)
        net->pops[i].stage = 0;
    uint32_t top = 0;
    for (uint32_t k = np; k-- > 0;) {
        uint32_t v = order[k];
        for (uint32_t e = off[v]; e < off[v + 1]; e++) {
            sm_pop_t *dst = &net->pops[net->projs[edge[e]].dst_pop];
            if (dst->stage < net->pops[v].stage + 1)
                dst->stage = net->pops[v].stage + 1;
        }
        if (net->pops[v].stage > top)
            top = net->pops[v].stage;
    }
    net->n_stages = top + 1;
    rc = sm_net_fixed(net, err);
out:
    free(off);
    free(edge);
    free(color);
    free(parent);
    free(it);
    free(stack);
    free(order);
    return rc;
}
