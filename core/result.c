/* result: what a run leaves behind, and the steps that finish it. */
#include <stdlib.h>
#include <string.h>

#include "result.h"

static int s_cmp_spike(const void *a, const void *b)
{
    const sm_spike_t *x = a, *y = b;
    if (x->tick != y->tick)
        return x->tick < y->tick ? -1 : 1;
    return (x->gid > y->gid) - (x->gid < y->gid);
}

/* Spikes in tick order already (one shard's, as it emitted them) are
 * sorted tick by tick: the same order, without the copy of the whole array
 * that the C library's sort allocates (4.4 MB at CUBA 64k, on the peak). */
static void s_sort_spikes(sm_spike_t *s, size_t n)
{
    size_t i = 1;
    while (i < n && s[i].tick >= s[i - 1].tick)
        i++;
    if (i < n) {
        qsort(s, n, sizeof *s, s_cmp_spike);
        return;
    }
    for (size_t a = 0; a < n;) {
        size_t b = a + 1;
        while (b < n && s[b].tick == s[a].tick)
            b++;
        if (b - a > 1)
            qsort(s + a, b - a, sizeof *s, s_cmp_spike);
        a = b;
    }
}

int sm_result_sample(sm_result_t *r, uint32_t every)
{
    if (every <= 1)
        return 0;
    uint32_t rows = r->ticks / every + (r->ticks % every != 0);
    float *t = realloc(r->trace, ((size_t)rows * r->n_probes * 3 + 1) * sizeof *t);
    if (!t)
        return -1;
    r->trace = t;
    r->trace_every = every;
    r->trace_rows = rows;
    return 0;
}

sm_result_t *sm_result_alloc(uint32_t ticks, double dt_ms, uint32_t n_probes, uint32_t width,
                             uint32_t height)
{
    sm_result_t *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->ticks = ticks;
    r->dt_ms = dt_ms;
    r->n_probes = n_probes;
    r->trace_every = 1;
    r->trace_rows = ticks;
    r->width = width;
    r->height = height;
    size_t nc = (size_t)width * height;
    r->trace = calloc((size_t)ticks * n_probes * 3 + 1, sizeof *r->trace);
    r->cores = calloc(nc, sizeof *r->cores);
    r->link_dense = calloc(nc * SM_DIRS, sizeof *r->link_dense);
    if (!r->trace || !r->cores || !r->link_dense) {
        sm_result_destroy(&r);
        return NULL;
    }
    for (size_t c = 0; c < nc; c++) {
        r->cores[c].x = (uint32_t)(c % width);
        r->cores[c].y = (uint32_t)(c / width);
    }
    return r;
}

int sm_result_add_spikes(sm_result_t *r, const sm_spike_t *s, size_t n)
{
    if (n == 0) /* a run without spikes: memcpy from or to NULL is undefined, even of 0 bytes */
        return 0;
    if (r->n_spikes + n > r->spikes_cap) {
        size_t cap = r->spikes_cap ? r->spikes_cap : 1024;
        while (cap < r->n_spikes + n)
            cap *= 2;
        sm_spike_t *a = realloc(r->spikes, cap * sizeof *a);
        if (!a)
            return -1;
        r->spikes = a;
        r->spikes_cap = cap;
    }
    memcpy(r->spikes + r->n_spikes, s, n * sizeof *s);
    r->n_spikes += n;
    return 0;
}

int sm_result_finish(sm_result_t *r, sm_error_t *err)
{
    if (r->n_spikes > 1) /* qsort of a NULL array is undefined, even when empty */
        s_sort_spikes(r->spikes, r->n_spikes);
    memset(&r->totals, 0, sizeof r->totals);
    size_t nc = (size_t)r->width * r->height;
    uint32_t nl = 0;
    for (size_t c = 0; c < nc; c++) {
        sm_counters_add(&r->totals, &r->cores[c].c);
        for (int d = 0; d < SM_DIRS; d++)
            nl += r->link_dense[c * SM_DIRS + d] > 0;
    }
    free(r->links);
    r->n_links = 0;
    r->links = malloc((nl ? nl : 1) * sizeof *r->links);
    if (!r->links)
        return sm_fail(err, SM_ENOMEM, "out of memory for statistics");
    static const int dx[SM_DIRS] = {1, -1, 0, 0}, dy[SM_DIRS] = {0, 0, 1, -1};
    for (size_t c = 0; c < nc; c++)
        for (int d = 0; d < SM_DIRS; d++) {
            uint64_t pk = r->link_dense[c * SM_DIRS + d];
            if (!pk)
                continue;
            sm_link_stats_t *L = &r->links[r->n_links++];
            L->from_x = r->cores[c].x;
            L->from_y = r->cores[c].y;
            L->to_x = (uint32_t)((int)r->cores[c].x + dx[d]);
            L->to_y = (uint32_t)((int)r->cores[c].y + dy[d]);
            L->packets = pk;
        }
    return 0;
}

int sm_result_alloc_ticks(sm_result_t *r, int busy)
{
    if (!r->tick_cnt)
        r->tick_cnt = calloc((size_t)r->ticks * SM_TICK_N + 1, sizeof *r->tick_cnt);
    if (busy && !r->tick_busy_ns)
        r->tick_busy_ns = calloc((size_t)r->ticks + 1, sizeof *r->tick_busy_ns);
    if (!r->tick_cnt || (busy && !r->tick_busy_ns)) {
        free(r->tick_cnt);
        free(r->tick_busy_ns);
        r->tick_cnt = NULL;
        r->tick_busy_ns = NULL;
        return -1;
    }
    return 0;
}

void sm_result_destroy(sm_result_t **r_p)
{
    if (!r_p || !*r_p)
        return;
    sm_result_t *r = *r_p;
    free(r->spikes);
    free(r->trace);
    free(r->cores);
    free(r->links);
    free(r->link_dense);
    free(r->tick_cnt);
    free(r->tick_busy_ns);
    free(r);
    *r_p = NULL;
}

const char *const sm_counter_names[SM_N_COUNTERS] = {
#define SM_X_(f, name, doc) name,
    SM_COUNTERS(SM_X_)
#undef SM_X_
};
