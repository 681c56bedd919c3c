/* spikemesh: the embedding API's errors, networks, inputs and run options
 * (spikemesh.h); runs and results are in spikemesh_run.c. */
#include <stdlib.h>
#include <string.h>

#include "netfile.h"
#include "spikemesh_int.h"

/* The public codes are the engine's, value for value. */
#define S_SAME(c) ((int)SPIKEMESH_##c == (int)SM_##c)
_Static_assert(S_SAME(ENOMEM) && S_SAME(EINVAL) && S_SAME(EIO) && S_SAME(EPARSE) &&
                   S_SAME(ERANGE) && S_SAME(EUNSUPPORTED) && S_SAME(EPROTO) &&
                   S_SAME(ETIMEDOUT) && S_SAME(EPEER) && S_SAME(ETOOBIG) && S_SAME(ECYCLE) &&
                   S_SAME(EMISMATCH),
               "spikemesh.h error codes follow sm_error.h");
_Static_assert(SPIKEMESH_ERROR_MAX == sizeof ((sm_error_t *)0)->msg,
               "spikemesh_error_t holds every engine message");

int sm_api_report(spikemesh_error_t *out, const sm_error_t *err, int rc)
{
    if (out) {
        out->code = rc ? (int)err->code : SPIKEMESH_OK;
        if (rc && out->code == SPIKEMESH_OK)
            out->code = SPIKEMESH_EINVAL;
        memcpy(out->msg, rc ? err->msg : "", rc ? sizeof out->msg : 1);
    }
    return rc;
}

const char *spikemesh_strerror(int code)
{
    return sm_strerror((sm_err_t)code);
}

const char *spikemesh_version(void)
{
    return SM_VERSION;
}

int spikemesh_api_version(void)
{
    return SPIKEMESH_API_VERSION;
}

/* ---- networks ------------------------------------------------------------ */

static spikemesh_net_t *s_wrap(sm_net_t *net, sm_error_t *err)
{
    if (!net)
        return NULL;
    spikemesh_net_t *h = calloc(1, sizeof *h);
    if (!h) {
        sm_fail(err, SM_ENOMEM, "%s: out of memory", net->path ? net->path : "network");
        sm_net_destroy(&net);
        return NULL;
    }
    h->net = net;
    return h;
}

static int s_ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), k = strlen(tail);
    return n >= k && !strcmp(s + n - k, tail);
}

spikemesh_net_t *spikemesh_net_load(const char *path, spikemesh_error_t *e)
{
    sm_error_t err;
    sm_error_clear(&err);
    if (!path) {
        sm_fail(&err, SM_EINVAL, "spikemesh_net_load: no file name");
        sm_api_report(e, &err, -1);
        return NULL;
    }
    if (s_ends_with(path, ".nir"))
        return spikemesh_net_load_nir(path, NULL, NULL, e);
    spikemesh_net_t *h = s_wrap(sm_net_load(path, &err), &err);
    sm_api_report(e, &err, h ? 0 : -1);
    return h;
}

spikemesh_net_t *spikemesh_net_load_nir(const char *path, const char *flavor,
                                        const char *conventions, spikemesh_error_t *e)
{
    (void)flavor;
    (void)conventions;
    sm_error_t err;
    sm_error_clear(&err);
    sm_fail(&err, SM_EUNSUPPORTED, "%s: NIR graphs are not supported by this build of spikemesh",
            path ? path : "(no file name)");
    sm_api_report(e, &err, -1);
    return NULL;
}

void spikemesh_net_destroy(spikemesh_net_t **net_p)
{
    if (!net_p || !*net_p)
        return;
    sm_net_destroy(&(*net_p)->net);
    free(*net_p);
    *net_p = NULL;
}

const char *spikemesh_net_path(const spikemesh_net_t *h)
{
    return h->net->path ? h->net->path : "";
}

uint32_t spikemesh_net_n_neurons(const spikemesh_net_t *h)
{
    return h->net->n_neurons;
}

uint32_t spikemesh_net_ticks(const spikemesh_net_t *h)
{
    return h->net->ticks;
}

double spikemesh_net_dt_ms(const spikemesh_net_t *h)
{
    return h->net->dt_ms;
}

uint32_t spikemesh_net_n_pops(const spikemesh_net_t *h)
{
    return h->net->n_pops;
}

static const sm_pop_t *s_pop(const spikemesh_net_t *h, uint32_t p)
{
    return p < h->net->n_pops ? &h->net->pops[p] : NULL;
}

const char *spikemesh_net_pop_name(const spikemesh_net_t *h, uint32_t p)
{
    const sm_pop_t *pop = s_pop(h, p);
    return pop ? pop->name : NULL;
}

const char *spikemesh_net_pop_kind(const spikemesh_net_t *h, uint32_t p)
{
    static const char *const kinds[] = {"neurons", "spike_times", "poisson"};
    const sm_pop_t *pop = s_pop(h, p);
    return pop && (unsigned)pop->kind < 3 ? kinds[pop->kind] : NULL;
}

uint32_t spikemesh_net_pop_size(const spikemesh_net_t *h, uint32_t p)
{
    const sm_pop_t *pop = s_pop(h, p);
    return pop ? pop->size : 0;
}

uint32_t spikemesh_net_pop_first(const spikemesh_net_t *h, uint32_t p)
{
    const sm_pop_t *pop = s_pop(h, p);
    return pop ? pop->first : 0;
}

int spikemesh_net_find_pop(const spikemesh_net_t *h, const char *name)
{
    return name ? sm_net_find_pop(h->net, name) : -1;
}

uint32_t spikemesh_net_n_probes(const spikemesh_net_t *h)
{
    return h->net->n_probes;
}

int spikemesh_net_probe(const spikemesh_net_t *h, uint32_t i, uint32_t *pop, uint32_t *index)
{
    if (i >= h->net->n_probes)
        return -1;
    if (pop)
        *pop = h->net->probes[i].pop;
    if (index)
        *index = h->net->probes[i].index;
    return 0;
}

/* ---- inputs --------------------------------------------------------------- */

static int s_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* The pairs as the loader stores spike times: CSR by neuron, each neuron's
 * ticks sorted, no tick twice. */
static int s_spike_csr(const sm_net_t *net, const sm_pop_t *pop, const uint32_t *pairs,
                       size_t n, uint32_t **off_out, uint32_t **ticks_out, sm_error_t *err)
{
    uint32_t *off = calloc((size_t)pop->size + 1, sizeof *off);
    uint32_t *ticks = malloc((n ? n : 1) * sizeof *ticks);
    if (!off || !ticks) {
        free(off);
        free(ticks);
        return sm_fail(err, SM_ENOMEM, "%s: set_input: %s: out of memory", net->path, pop->name);
    }
    for (size_t i = 0; i < n; i++) {
        if (pairs[2 * i] >= pop->size) {
            free(off);
            free(ticks);
            return sm_fail(err, SM_ERANGE,
                           "%s: set_input: %s: pair %zu: neuron %u out of range (the population "
                           "has %u neurons)",
                           net->path, pop->name, i, pairs[2 * i], pop->size);
        }
        off[pairs[2 * i] + 1]++;
    }
    for (uint32_t i = 0; i < pop->size; i++)
        off[i + 1] += off[i];
    for (size_t i = 0; i < n; i++)
        ticks[off[pairs[2 * i]]++] = pairs[2 * i + 1];
    for (uint32_t i = pop->size; i > 0; i--)
        off[i] = off[i - 1];
    off[0] = 0;
    for (uint32_t i = 0; i < pop->size; i++) {
        qsort(ticks + off[i], off[i + 1] - off[i], sizeof *ticks, s_cmp_u32);
        for (uint32_t j = off[i] + 1; j < off[i + 1]; j++)
            if (ticks[j] == ticks[j - 1]) {
                uint32_t t = ticks[j];
                free(off);
                free(ticks);
                return sm_fail(err, SM_EINVAL, "%s: set_input: %s: neuron %u is given tick %u twice",
                               net->path, pop->name, i, t);
            }
    }
    *off_out = off;
    *ticks_out = ticks;
    return 0;
}

int spikemesh_net_set_input(spikemesh_net_t *h, const char *name, const uint32_t *pairs,
                            size_t n, spikemesh_error_t *e)
{
    sm_error_t err;
    sm_error_clear(&err);
    sm_net_t *net = h->net;
    int p = name ? sm_net_find_pop(net, name) : -1;
    if (p < 0)
        return sm_api_report(e, &err,
                             sm_fail(&err, SM_EINVAL, "%s: set_input: no population named \"%s\"",
                                     net->path, name ? name : "(null)"));
    sm_pop_t *pop = &net->pops[p];
    if (pop->kind == SM_POP_NEURONS)
        return sm_api_report(e, &err,
                             sm_fail(&err, SM_EINVAL,
                                     "%s: set_input: population \"%s\" is made of model neurons; "
                                     "only spike sources (spike_times, poisson) take input",
                                     net->path, pop->name));
    if (n && !pairs)
        return sm_api_report(e, &err,
                             sm_fail(&err, SM_EINVAL, "%s: set_input: %s: %zu pairs but no array",
                                     net->path, pop->name, n));
    if (n > UINT32_MAX)
        return sm_api_report(e, &err,
                             sm_fail(&err, SM_ERANGE,
                                     "%s: set_input: %s: %zu spikes, at most %u per population",
                                     net->path, pop->name, n, UINT32_MAX));
    uint32_t *off = NULL, *ticks = NULL;
    if (s_spike_csr(net, pop, pairs, n, &off, &ticks, &err))
        return sm_api_report(e, &err, -1);
    free(pop->st_off);
    free(pop->st_ticks);
    pop->st_off = off;
    pop->st_ticks = ticks;
    pop->kind = SM_POP_SPIKE_TIMES;
    return sm_api_report(e, &err, 0);
}

/* ---- run options ------------------------------------------------------------ */

spikemesh_opts_t *spikemesh_opts_new(void)
{
    spikemesh_opts_t *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    sm_run_opts_default(&o->run);
    o->seed = 1;
    return o;
}

void spikemesh_opts_destroy(spikemesh_opts_t **opts_p)
{
    if (!opts_p || !*opts_p)
        return;
    spikemesh_opts_t *o = *opts_p;
    free(o->chip);
    free(o->mapping);
    free(o->strategy);
    free(o);
    *opts_p = NULL;
}

static int s_set_str(char **slot, const char *v, const char *what, spikemesh_error_t *e)
{
    sm_error_t err;
    sm_error_clear(&err);
    char *copy = NULL;
    if (v && !(copy = strdup(v)))
        return sm_api_report(e, &err, sm_fail(&err, SM_ENOMEM, "%s: out of memory", what));
    free(*slot);
    *slot = copy;
    return sm_api_report(e, &err, 0);
}

int spikemesh_opts_set_chip(spikemesh_opts_t *o, const char *name_or_file, spikemesh_error_t *e)
{
    return s_set_str(&o->chip, name_or_file, "chip", e);
}

int spikemesh_opts_set_mapping(spikemesh_opts_t *o, const char *path, spikemesh_error_t *e)
{
    return s_set_str(&o->mapping, path, "mapping", e);
}

int spikemesh_opts_set_strategy(spikemesh_opts_t *o, const char *strategy, spikemesh_error_t *e)
{
    return s_set_str(&o->strategy, strategy, "strategy", e);
}

void spikemesh_opts_set_seed(spikemesh_opts_t *o, uint64_t seed)
{
    o->seed = seed;
}

void spikemesh_opts_set_threads(spikemesh_opts_t *o, uint32_t n)
{
    o->run.threads = n;
}

void spikemesh_opts_set_ticks(spikemesh_opts_t *o, uint32_t n)
{
    o->run.ticks = n;
}

int spikemesh_opts_set_engine(spikemesh_opts_t *o, const char *engine, spikemesh_error_t *e)
{
    sm_error_t err;
    sm_error_clear(&err);
    if (engine && strcmp(engine, "event") && strcmp(engine, "dense"))
        return sm_api_report(e, &err,
                             sm_fail(&err, SM_EINVAL, "engine: expected event or dense, got \"%s\"",
                                     engine));
    o->run.dense = engine && !strcmp(engine, "dense");
    return sm_api_report(e, &err, 0);
}

void spikemesh_opts_set_mesh(spikemesh_opts_t *o, uint32_t width, uint32_t height)
{
    o->run.mesh_w = width;
    o->run.mesh_h = height;
}

void spikemesh_opts_set_neurons_per_core(spikemesh_opts_t *o, uint32_t n)
{
    o->run.neurons_per_core = n;
}
