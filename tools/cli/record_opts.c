/* record_opts: --record-v and --record-every for network files. */
#include "record_opts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The neurons one spec names: population index and [first, end), or all
 * populations (*pop = UINT32_MAX) or none (*end == *first). */
static int s_spec(const sm_net_t *net, const char *spec, uint32_t *pop, uint32_t *first,
                  uint32_t *end, sm_error_t *err)
{
    *pop = UINT32_MAX;
    *first = *end = 0;
    if (!strcmp(spec, "all")) {
        *end = 1;
        return 0;
    }
    if (!strcmp(spec, "none"))
        return 0;
    const char *colon = strrchr(spec, ':');
    size_t nl = colon ? (size_t)(colon - spec) : strlen(spec);
    for (uint32_t p = 0; p < net->n_pops; p++)
        if (strlen(net->pops[p].name) == nl && !strncmp(net->pops[p].name, spec, nl))
            *pop = p;
    if (*pop == UINT32_MAX)
        return sm_fail(err, SM_EINVAL, "--record-v %s: no population named '%.*s'", spec, (int)nl,
                       spec);
    const sm_pop_t *P = &net->pops[*pop];
    if (P->kind != SM_POP_NEURONS)
        return sm_fail(err, SM_EINVAL, "--record-v %s: '%s' is a spike source and has no state "
                       "to trace", spec, P->name);
    *end = P->size;
    if (!colon)
        return 0;
    char *e1, *e2 = NULL;
    errno = 0;
    unsigned long a = strtoul(colon + 1, &e1, 10), b = a;
    if (*e1 == '-')
        b = strtoul(e1 + 1, &e2, 10);
    const char *tail = e2 ? e2 : e1;
    if (errno || e1 == colon + 1 || *tail || (e2 && e2 == e1 + 1) || colon[1] == '-' ||
        (e2 && e1[1] == '-'))
        return sm_fail(err, SM_EINVAL, "--record-v %s: expected POP, POP:I or POP:A-B", spec);
    if (a >= P->size || b >= P->size || b < a)
        return sm_fail(err, SM_ERANGE, "--record-v %s: neurons of '%s' are 0 to %u, and A <= B",
                       spec, P->name, P->size - 1);
    *first = (uint32_t)a;
    *end = (uint32_t)b + 1;
    return 0;
}

int sm_record_apply(const sm_record_opts_t *ro, sm_net_t *net, sm_error_t *err)
{
    if (ro->every)
        net->trace_every = ro->every;
    if (!ro->n)
        return 0;
    /* Counted first: nothing is allocated for a request too long. */
    uint64_t total = 0;
    for (uint32_t i = 0; i < ro->n; i++) {
        uint32_t pop, a, b;
        if (s_spec(net, ro->spec[i], &pop, &a, &b, err))
            return -1;
        if (pop == UINT32_MAX && b) {
            for (uint32_t p = 0; p < net->n_pops; p++)
                if (net->pops[p].kind == SM_POP_NEURONS)
                    total += net->pops[p].size;
        } else {
            total += b - a;
        }
    }
    if (total > net->n_neurons)
        return sm_fail(err, SM_ETOOBIG, "--record-v: %llu traced neurons, more than the "
                       "network's %u: a neuron is named more than once",
                       (unsigned long long)total, net->n_neurons);
    sm_probe_t *pr = calloc(total + 1, sizeof *pr);
    if (!pr)
        return sm_fail(err, SM_ENOMEM, "--record-v: out of memory for %llu traced neurons",
                       (unsigned long long)total);
    uint32_t n = 0;
    for (uint32_t i = 0; i < ro->n; i++) {
        uint32_t pop, a, b;
        (void)s_spec(net, ro->spec[i], &pop, &a, &b, err);
        for (uint32_t p = 0; p < net->n_pops; p++) {
            if (pop == UINT32_MAX ? !b || net->pops[p].kind != SM_POP_NEURONS : p != pop)
                continue;
            uint32_t lo = pop == UINT32_MAX ? 0 : a, hi = pop == UINT32_MAX ? net->pops[p].size : b;
            for (uint32_t k = lo; k < hi; k++)
                pr[n++] = (sm_probe_t){.pop = p, .index = k};
        }
    }
    free(net->probes);
    net->probes = pr;
    net->n_probes = n;
    return 0;
}
