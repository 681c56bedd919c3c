/* What the loaders promise of a network they return, checked on every
 * mutant a network decoder (files, messages) accepts. */
#include "fuzz.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model.h"
#include "validate.h"

/* what: message, in a buffer that lives until the next call. */
static const char *s_why(const char *what, const sm_error_t *e)
{
    static char buf[1200];
    snprintf(buf, sizeof buf, "%s: %s", what, e->msg);
    return buf;
}

/* ------------------------------------------------- network invariants */

static bool dist_ok(const sm_dist_t *d, bool is_delay)
{
    if (d->kind > SM_DIST_NORMAL || !isfinite(d->a) || !isfinite(d->b))
        return false;
    if (is_delay) {
        if (d->a < 0 || d->a != floor(d->a) || d->a > UINT32_MAX)
            return false;
        if (d->kind == SM_DIST_UNIFORM &&
            (d->b < d->a || d->b != floor(d->b) || d->b > UINT32_MAX))
            return false;
        return d->kind != SM_DIST_NORMAL;
    }
    if (d->kind == SM_DIST_CONST)
        return fabs(d->a) <= FLT_MAX;
    if (d->kind == SM_DIST_UNIFORM)
        return d->a <= d->b && fabs(d->a) <= FLT_MAX && fabs(d->b) <= FLT_MAX;
    if (d->b < 0 || fabs(d->a) > FLT_MAX)
        return false;
    if (d->has_bounds)
        return isfinite(d->lo) && isfinite(d->hi) && d->lo <= d->hi && fabs(d->lo) <= FLT_MAX &&
               fabs(d->hi) <= FLT_MAX;
    /* Box-Muller as seeded never leaves |z| < 38. */
    return fabs(d->a) + 38.0 * d->b <= FLT_MAX;
}

typedef struct {
    uint32_t n_src, n_dst, lo, hi;
    uint32_t n;
    const char *bad;
} fz_gen_t;

static int gen_cb(void *ctx, uint32_t s, uint32_t t, float w, uint32_t d)
{
    fz_gen_t *g = ctx;
    if (s >= g->n_src || t >= g->n_dst)
        g->bad = "synapse index out of range";
    else if (d < g->lo || d > g->hi)
        g->bad = "synapse delay outside [min_delay, max_delay]";
    else if (!isfinite(w))
        g->bad = "synapse weight not finite";
    return g->bad != NULL || ++g->n >= FUZZ_MAX_SYN;
}

/* Everything the loader promises of a network it returns; NULL if it holds,
 * else what is broken. */
const char *net_invariants(const sm_net_t *net, bool generate)
{
    sm_error_t e;
    if (!net->n_pops || !net->pops)
        return "no populations";
    if (!(net->dt_ms > 0) || !isfinite(net->dt_ms) || net->ticks < 1)
        return "bad dt or ticks";
    if (net->n_stages < 1)
        return "no stages";
    uint64_t sum = 0;
    for (uint32_t i = 0; i < net->n_pops; i++) {
        const sm_pop_t *p = &net->pops[i];
        if (p->first != sum)
            return "population first gid is not the running sum";
        sum += p->size;
        if (p->size < 1 || !memchr(p->name, 0, SM_NAME_MAX) || !p->name[0])
            return "bad population size or name";
        for (uint32_t j = 0; j < i; j++)
            if (!strcmp(net->pops[j].name, p->name))
                return "duplicate population name";
        if (p->stage >= net->n_stages)
            return "population stage >= n_stages";
        switch (p->kind) {
        case SM_POP_NEURONS:
            if (!p->models || (p->n_models != 1 && p->n_models != p->size))
                return "bad models";
            for (uint32_t k = 0; k < p->n_models; k++)
                if (sm_model_check(&p->models[k], &e))
                    return s_why("model block refused by sm_model_check", &e);
            if (p->v_init)
                for (uint32_t k = 0; k < p->size; k++)
                    if (!isfinite(p->v_init[k]))
                        return "initial value not finite";
            break;
        case SM_POP_SPIKE_TIMES:
            if (!p->st_off || !p->st_ticks || p->st_off[0] != 0)
                return "bad spike-time offsets";
            for (uint32_t k = 0; k < p->size; k++) {
                if (p->st_off[k] > p->st_off[k + 1])
                    return "spike-time offsets decrease";
                for (uint32_t j = p->st_off[k] + 1; j < p->st_off[k + 1]; j++)
                    if (p->st_ticks[j] <= p->st_ticks[j - 1])
                        return "spike times not strictly increasing";
            }
            break;
        case SM_POP_POISSON:
            if (!isfinite(p->rate_hz) || p->rate_hz < 0 ||
                p->rate_hz * net->dt_ms / 1000.0 > 1.0 + 1e-12 || p->start_tick > p->stop_tick)
                return "bad Poisson source";
            break;
        default:
            return "bad population kind";
        }
    }
    if (sum != net->n_neurons)
        return "n_neurons is not the sum of the population sizes";
    for (uint32_t j = 0; j < net->n_projs; j++) {
        const sm_proj_t *pr = &net->projs[j];
        if (pr->src_pop >= net->n_pops || pr->dst_pop >= net->n_pops)
            return "projection population out of range";
        const sm_pop_t *sp = &net->pops[pr->src_pop], *tp = &net->pops[pr->dst_pop];
        if (tp->kind != SM_POP_NEURONS)
            return "projection onto a spike source";
        if (pr->port > SM_PORT_INH || pr->conn > SM_CONN_DISTANCE)
            return "bad port or connectivity";
        if (pr->min_delay > pr->max_delay)
            return "min_delay > max_delay";
        bool same_tick = pr->min_delay == 0 && !(pr->conn == SM_CONN_LIST && pr->n_list == 0);
        if (same_tick && tp->stage <= sp->stage)
            return "delay-0 projection does not go to a later stage";
        switch (pr->conn) {
        case SM_CONN_ONE_TO_ONE:
            if (sp->size != tp->size)
                return "one_to_one between different sizes";
            break;
        case SM_CONN_FIXED_PROB:
            if (!(pr->p >= 0 && pr->p <= 1))
                return "p outside [0, 1]";
            break;
        case SM_CONN_FIXED_FAN_IN:
            if (pr->k > sp->size)
                return "k larger than the source";
            break;
        case SM_CONN_LIST:
            if (pr->n_list && (!pr->l_src || !pr->l_dst || !pr->l_weight || !pr->l_delay))
                return "list arrays missing";
            for (uint32_t k = 0; k < pr->n_list; k++)
                if (pr->l_src[k] >= sp->size || pr->l_dst[k] >= tp->size ||
                    !isfinite(pr->l_weight[k]))
                    return "list entry out of range or not finite";
            break;
        case SM_CONN_MATRIX:
            if (!pr->matrix)
                return "matrix missing";
            for (size_t k = 0; k < (size_t)sp->size * tp->size; k++)
                if (!isfinite(pr->matrix[k]))
                    return "matrix weight not finite";
            break;
        default:
            break;
        }
        if (pr->conn != SM_CONN_LIST && pr->conn != SM_CONN_MATRIX &&
            (!dist_ok(&pr->weight, false) || !dist_ok(&pr->delay, true)))
            return "weight or delay distribution out of range";
        if (generate) {
            fz_gen_t g = {sp->size, tp->size, pr->min_delay, pr->max_delay, 0, NULL};
            sm_proj_generate(net, pr, gen_cb, &g);
            if (g.bad)
                return g.bad;
        }
    }
    for (uint32_t i = 0; i < net->n_currents; i++)
        if (net->currents[i].pop >= net->n_pops ||
            net->pops[net->currents[i].pop].kind != SM_POP_NEURONS ||
            !isfinite(net->currents[i].amplitude))
            return "bad current";
    for (uint32_t i = 0; i < net->n_probes; i++)
        if (net->probes[i].pop >= net->n_pops ||
            net->pops[net->probes[i].pop].kind != SM_POP_NEURONS ||
            net->probes[i].index >= net->pops[net->probes[i].pop].size)
            return "bad probe";
    /* The loaders' one parameter check (core/validate.c) holds too. */
    if (sm_net_check(net, &e))
        return s_why("network refused by sm_net_check", &e);
    return NULL;
}

/* True if some population of the document is too large to load here. */
bool too_big(const cJSON *doc)
{
    const cJSON *pops = cJSON_IsObject(doc) ? cJSON_GetObjectItemCaseSensitive(doc, "populations")
                                            : NULL;
    const cJSON *p;
    if (!cJSON_IsArray(pops))
        return false;
    cJSON_ArrayForEach(p, pops) {
        const cJSON *s = cJSON_IsObject(p) ? cJSON_GetObjectItemCaseSensitive(p, "size") : NULL;
        if (cJSON_IsNumber(s) && s->valuedouble > FUZZ_MAX_POP)
            return true;
    }
    return false;
}
