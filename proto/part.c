/* part: one worker's share of a result (spikes, traces, counters, link
 * loads) on the wire. Merging checks every index against the result it goes
 * into before anything is added. */
#include "part.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "control.pb-c.h"

int sm_part_pack(const sm_result_t *r, const uint32_t *probes, uint32_t n_probes,
                 const uint32_t *cores, uint32_t n_cores, uint8_t **buf, size_t *len)
{
    ResultPart p;
    result_part__init(&p);
    size_t ns = r->n_spikes, nl = 0, nc = (size_t)r->width * r->height;
    for (size_t i = 0; i < nc * SM_DIRS; i++)
        nl += r->link_dense[i] > 0;
    uint32_t *st = malloc((ns + 1) * sizeof *st), *sg = malloc((ns + 1) * sizeof *sg),
             *sc = malloc((ns + 1) * sizeof *sc);
    const uint32_t rows = r->trace_rows;
    float *tr = malloc(((size_t)n_probes * rows * 3 + 1) * sizeof *tr);
    uint64_t *cnt = malloc(((size_t)n_cores * SM_N_COUNTERS + 1) * sizeof *cnt);
    uint32_t *neu = malloc(((size_t)n_cores + 1) * sizeof *neu);
    uint32_t *li = malloc((nl + 1) * sizeof *li);
    uint64_t *lp = malloc((nl + 1) * sizeof *lp);
    int rc = -1;
    if (!st || !sg || !sc || !tr || !cnt || !neu || !li || !lp)
        goto done;
    for (size_t i = 0; i < ns; i++) {
        st[i] = r->spikes[i].tick;
        sg[i] = r->spikes[i].gid;
        sc[i] = r->spikes[i].count;
    }
    for (uint32_t k = 0; k < n_probes; k++)
        for (uint32_t t = 0; t < rows; t++)
            memcpy(&tr[((size_t)k * rows + t) * 3],
                   &r->trace[((size_t)t * r->n_probes + probes[k]) * 3], 3 * sizeof(float));
    for (uint32_t k = 0; k < n_cores; k++) {
        sm_counters_to_array(&r->cores[cores[k]].c, &cnt[(size_t)k * SM_N_COUNTERS]);
        neu[k] = r->cores[cores[k]].neurons;
    }
    nl = 0;
    for (size_t i = 0; i < nc * SM_DIRS; i++)
        if (r->link_dense[i]) {
            li[nl] = (uint32_t)i;
            lp[nl++] = r->link_dense[i];
        }
    p.n_spike_tick = p.n_spike_gid = p.n_spike_count = ns;
    p.spike_tick = st;
    p.spike_gid = sg;
    p.spike_count = sc;
    p.n_probe = n_probes;
    p.probe = (uint32_t *)probes;
    p.n_trace = (size_t)n_probes * rows * 3;
    p.trace = tr;
    p.n_core = n_cores;
    p.core = (uint32_t *)cores;
    p.n_counters = (size_t)n_cores * SM_N_COUNTERS;
    p.counters = cnt;
    p.n_neurons = n_cores;
    p.neurons = neu;
    p.n_link_index = p.n_link_packets = nl;
    p.link_index = li;
    p.link_packets = lp;
    p.wall_seconds = r->wall_seconds;
    p.wait_seconds = r->wait_seconds;
    if (r->tick_cnt) {
        p.n_tick_cnt = (size_t)r->ticks * SM_TICK_N;
        p.tick_cnt = r->tick_cnt;
        p.n_tick_busy = r->tick_busy_ns ? r->ticks : 0;
        p.tick_busy = r->tick_busy_ns;
    }
    *len = result_part__get_packed_size(&p);
    *buf = malloc(*len ? *len : 1);
    if (*buf) {
        result_part__pack(&p, *buf);
        rc = 0;
    }
done:
    free(st);
    free(sg);
    free(sc);
    free(tr);
    free(cnt);
    free(neu);
    free(li);
    free(lp);
    return rc;
}

int sm_part_merge(sm_result_t *r, const uint8_t *buf, size_t len, uint32_t n_gids, sm_error_t *err)
{
    ResultPart *p = result_part__unpack(NULL, len, buf);
    if (!p)
        return sm_fail(err, SM_EPROTO, "result: malformed (%zu bytes)", len);
    size_t nc = (size_t)r->width * r->height;
    const char *why = NULL;
    if (p->n_spike_gid != p->n_spike_tick || p->n_spike_count != p->n_spike_tick ||
        p->n_trace != p->n_probe * (size_t)r->trace_rows * 3 || p->n_counters != p->n_core * SM_N_COUNTERS ||
        p->n_neurons != p->n_core || p->n_link_packets != p->n_link_index ||
        (p->n_tick_cnt && p->n_tick_cnt != (size_t)r->ticks * SM_TICK_N) ||
        (p->n_tick_busy && (p->n_tick_busy != r->ticks || !p->n_tick_cnt)))
        why = "field lengths differ";
    for (size_t i = 0; !why && i < p->n_tick_busy; i++)
        if (!(p->tick_busy[i] >= 0) || !isfinite(p->tick_busy[i]))
            why = "per-tick busy time out of range";
    if (!why && p->n_tick_cnt && sm_result_alloc_ticks(r, p->n_tick_busy != 0)) {
        result_part__free_unpacked(p, NULL);
        return sm_fail(err, SM_ENOMEM, "out of memory for the per-tick series");
    }
    for (size_t i = 0; !why && i < p->n_spike_tick; i++)
        if (p->spike_tick[i] >= r->ticks || p->spike_gid[i] >= n_gids || !p->spike_count[i])
            why = "spike out of range";
    for (size_t i = 0; !why && i < p->n_probe; i++)
        if (p->probe[i] >= r->n_probes)
            why = "probe out of range";
    for (size_t i = 0; !why && i < p->n_core; i++)
        if (p->core[i] >= nc)
            why = "core out of range";
    for (size_t i = 0; !why && i < p->n_link_index; i++)
        if (p->link_index[i] >= nc * SM_DIRS)
            why = "link out of range";
    if (why) {
        result_part__free_unpacked(p, NULL);
        return sm_fail(err, SM_EPROTO, "result: %s", why);
    }
    for (size_t i = 0; i < p->n_spike_tick; i++) {
        sm_spike_t s = {p->spike_tick[i], p->spike_gid[i], p->spike_count[i]};
        if (sm_result_add_spikes(r, &s, 1)) {
            result_part__free_unpacked(p, NULL);
            return sm_fail(err, SM_ENOMEM, "out of memory for spikes");
        }
    }
    for (size_t k = 0; k < p->n_probe; k++)
        for (uint32_t t = 0; t < r->trace_rows; t++)
            memcpy(&r->trace[((size_t)t * r->n_probes + p->probe[k]) * 3],
                   &p->trace[(k * r->trace_rows + t) * 3], 3 * sizeof(float));
    for (size_t k = 0; k < p->n_core; k++) {
        sm_counters_t c;
        sm_counters_from_array(&c, &p->counters[k * SM_N_COUNTERS]);
        sm_counters_add(&r->cores[p->core[k]].c, &c);
        r->cores[p->core[k]].neurons = p->neurons[k];
    }
    for (size_t i = 0; i < p->n_link_index; i++)
        r->link_dense[p->link_index[i]] += p->link_packets[i];
    for (size_t k = 0; k < p->n_tick_cnt; k++)
        r->tick_cnt[k] += p->tick_cnt[k];
    for (size_t t = 0; t < p->n_tick_busy; t++)
        if (p->tick_busy[t] > r->tick_busy_ns[t])
            r->tick_busy_ns[t] = p->tick_busy[t];
    r->wait_seconds += p->wait_seconds;
    result_part__free_unpacked(p, NULL);
    return 0;
}
