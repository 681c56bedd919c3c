#include <math.h>
#include <stdlib.h>

#include "mapping.h"

sm_mapping_t *sm_mapping_new(uint32_t w, uint32_t h, uint32_t n, sm_error_t *err)
{
    sm_mapping_t *m = calloc(1, sizeof *m);
    if (m)
        m->core_of = malloc((n ? n : 1) * sizeof *m->core_of);
    if (!m || !m->core_of) {
        free(m);
        sm_fail(err, SM_ENOMEM, "mapping of %u neurons: out of memory", n);
        return NULL;
    }
    m->width = w;
    m->height = h;
    m->n_gids = n;
    return m;
}

sm_mapping_t *sm_mapping_sequential(const sm_net_t *net, uint32_t w, uint32_t h,
                                    uint32_t per_core, sm_error_t *err)
{
    if (!per_core)
        per_core = 256;
    uint64_t need = ((uint64_t)net->n_neurons + per_core - 1) / per_core;
    if (need == 0)
        need = 1;
    if (!w || !h) {
        w = (uint32_t)ceil(sqrt((double)need));
        h = (uint32_t)((need + w - 1) / w);
    } else if ((uint64_t)w * h < need) {
        sm_fail(err, SM_ETOOBIG,
                "%u neurons need %llu cores of %u neurons, but the mesh is %u x %u = %u cores",
                net->n_neurons, (unsigned long long)need, per_core, w, h, w * h);
        return NULL;
    }
    sm_mapping_t *m = sm_mapping_new(w, h, net->n_neurons, err);
    if (!m)
        return NULL;
    for (uint32_t g = 0; g < net->n_neurons; g++)
        m->core_of[g] = g / per_core;
    return m;
}

void sm_mapping_destroy(sm_mapping_t **m_p)
{
    if (!m_p || !*m_p)
        return;
    free((*m_p)->core_of);
    free(*m_p);
    *m_p = NULL;
}
