/* mapper_metis: cutting the neuron graph into core-sized parts with METIS.
 *
 * METIS wants an undirected graph with symmetric integer edge weights and no
 * self loops. The weight of a neuron pair is what cutting it would cost in
 * traffic: the synapses between them, each scaled by how often its source
 * fires relative to the default model rate, so that busy Poisson inputs stay
 * with their targets before quiet neurons do. */
#include "mapper_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef SM_HAVE_METIS
#include <metis.h>

typedef struct {
    uint64_t key;             /* lo << 32 | hi */
    double w;
} s_pair_t;

static int s_pair_cmp(const void *a, const void *b)
{
    uint64_t x = ((const s_pair_t *)a)->key, y = ((const s_pair_t *)b)->key;
    return x < y ? -1 : x > y;
}

uint32_t sm_map_metis_parts(const sm_mgraph_t *g, const sm_chip_t *chip, uint32_t nparts,
                            uint64_t seed, uint32_t *part_of, sm_error_t *err)
{
    uint32_t n = g->n;
    if (n == 0)
        return 1;
    if (nparts <= 1) {
        memset(part_of, 0, n * sizeof *part_of);
        return 1;
    }
    if (n > (uint32_t)INT32_MAX) {
        sm_fail(err, SM_ERANGE, "mapper: %u neurons exceed METIS's 32-bit index", n);
        return 0;
    }
    size_t n_dir = g->out_off[n];
    s_pair_t *pairs = malloc((n_dir ? n_dir : 1) * sizeof *pairs);
    if (!pairs) {
        sm_fail(err, SM_ENOMEM, "mapper: out of memory");
        return 0;
    }
    /* Rates are weighed against the mean rate, clipped to [0.01, 100] so
     * that neither a silent nor a very busy source dominates the cut. */
    double ref = 0;
    uint32_t n_pos = 0;
    for (uint32_t v = 0; v < n; v++)
        if (g->rate[v] > 0) {
            ref += g->rate[v];
            n_pos++;
        }
    ref = n_pos ? ref / n_pos : 1.0;
    size_t np = 0;
    for (uint32_t u = 0; u < n; u++)
        for (size_t e = g->out_off[u]; e < g->out_off[u + 1]; e++) {
            uint32_t v = g->out_dst[e];
            if (v == u)
                continue;
            uint32_t lo = u < v ? u : v, hi = u < v ? v : u;
            double r = g->rate[u] / ref;
            r = r < 0.01 ? 0.01 : (r > 100 ? 100 : r);
            pairs[np].key = ((uint64_t)lo << 32) | hi;
            pairs[np].w = g->out_w[e] * r;
            np++;
        }
    qsort(pairs, np, sizeof *pairs, s_pair_cmp);
    size_t nu = 0;
    for (size_t i = 0; i < np; i++) {
        if (nu > 0 && pairs[nu - 1].key == pairs[i].key)
            pairs[nu - 1].w += pairs[i].w;
        else
            pairs[nu++] = pairs[i];
    }
    idx_t *xadj = calloc((size_t)n + 1, sizeof *xadj);
    idx_t *adj = malloc((nu ? 2 * nu : 1) * sizeof *adj);
    idx_t *adjw = malloc((nu ? 2 * nu : 1) * sizeof *adjw);
    idx_t *vw = malloc((size_t)n * 2 * sizeof *vw);
    idx_t *part = malloc((size_t)n * sizeof *part);
    size_t *fill = malloc(((size_t)n + 1) * sizeof *fill);
    uint32_t result = 0;
    if (!xadj || !adj || !adjw || !vw || !part || !fill) {
        sm_fail(err, SM_ENOMEM, "mapper: out of memory");
        goto out;
    }
    if (2 * nu > (size_t)INT32_MAX) {
        sm_fail(err, SM_ERANGE, "mapper: %zu neuron pairs exceed METIS's 32-bit index", nu);
        goto out;
    }
    for (size_t i = 0; i < nu; i++) {
        xadj[(pairs[i].key >> 32) + 1]++;
        xadj[(uint32_t)pairs[i].key + 1]++;
    }
    for (uint32_t v = 0; v < n; v++)
        xadj[v + 1] += xadj[v];
    for (uint32_t v = 0; v <= n; v++)
        fill[v] = (size_t)xadj[v];
    /* METIS sums edge weights into 32-bit cuts: scale so the total stays far
     * below that, keeping every edge at least 1. */
    double tot = 0;
    for (size_t i = 0; i < nu; i++)
        tot += pairs[i].w;
    double scale = tot * 2 > 1e9 ? 1e9 / (tot * 2) : (tot > 0 ? fmin(100.0, 1e9 / (tot * 2)) : 1);
    for (size_t i = 0; i < nu; i++) {
        uint32_t lo = (uint32_t)(pairs[i].key >> 32), hi = (uint32_t)pairs[i].key;
        double wd = pairs[i].w * scale;
        idx_t w = wd < 1 ? 1 : (idx_t)(wd + 0.5);
        adj[fill[lo]] = (idx_t)hi;
        adjw[fill[lo]++] = w;
        adj[fill[hi]] = (idx_t)lo;
        adjw[fill[hi]++] = w;
    }
    /* Balance on neurons and, if the chip limits them, fan-in synapses. */
    idx_t ncon = chip->limits.synapses ? 2 : 1;
    uint64_t syn_tot = 0;
    for (uint32_t v = 0; v < n; v++)
        syn_tot += g->syn_in[v];
    double sscale = syn_tot > 1000000000ULL ? 1e9 / (double)syn_tot : 1.0;
    for (uint32_t v = 0; v < n; v++) {
        vw[v * ncon] = 1;
        if (ncon == 2)
            vw[v * ncon + 1] = (idx_t)(g->syn_in[v] * sscale + 0.5);
    }
    /* Imbalance allowed: what the per-core limit leaves over the mean part. */
    real_t ub[2];
    double mean_n = (double)n / nparts;
    double ubn = chip->limits.neurons / mean_n;
    ub[0] = (real_t)(ubn < 1.001 ? 1.001 : (ubn > 1.5 ? 1.5 : ubn));
    if (ncon == 2) {
        double mean_s = (double)syn_tot / nparts;
        double ubs = mean_s > 0 ? chip->limits.synapses / mean_s : 1.5;
        ub[1] = (real_t)(ubs < 1.001 ? 1.001 : (ubs > 1.5 ? 1.5 : ubs));
    }
    idx_t opts[METIS_NOPTIONS];
    METIS_SetDefaultOptions(opts);
    opts[METIS_OPTION_SEED] = (idx_t)(seed & 0x7fffffff);
    opts[METIS_OPTION_NUMBERING] = 0;
    idx_t nv = (idx_t)n, k = (idx_t)nparts, cut = 0;
    int rc = METIS_PartGraphKway(&nv, &ncon, xadj, adj, vw, NULL, adjw, &k, NULL, ub, opts,
                                 &cut, part);
    if (rc != METIS_OK) {
        sm_fail(err, SM_EUNSUPPORTED, "mapper: METIS_PartGraphKway failed (%d) for %u parts",
                rc, nparts);
        goto out;
    }
    for (uint32_t v = 0; v < n; v++)
        part_of[v] = (uint32_t)part[v];
    result = nparts;
out:
    free(pairs);
    free(xadj);
    free(adj);
    free(adjw);
    free(vw);
    free(part);
    free(fill);
    return result;
}

#else

uint32_t sm_map_metis_parts(const sm_mgraph_t *g, const sm_chip_t *chip, uint32_t nparts,
                            uint64_t seed, uint32_t *part_of, sm_error_t *err)
{
    (void)g;
    (void)chip;
    (void)nparts;
    (void)seed;
    (void)part_of;
    sm_fail(err, SM_EUNSUPPORTED, "built without METIS");
    return 0;
}

#endif
