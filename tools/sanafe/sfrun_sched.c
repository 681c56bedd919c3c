/* sfrun_sched: SANA-FE's two timing models of a step (schedule.cpp).
 *
 * simple: the largest of every core's summed generation delays and summed
 * processing delays, plus the sync delay.
 *
 * detailed: a global order of messages. Each core sends its messages in
 * turn; a min-heap on the sent time picks the next one, with ties broken as
 * std::priority_queue breaks them (sfrun_heap.c). A
 * message's network delay and blocking come from the density of in-flight
 * messages along its route and their rolling mean processing delay; the
 * receiving core processes its messages one after another. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sfrun_heap.h"
#include "sfrun_int.h"

#define S_ALLOC(p, n) ((p) = calloc((size_t)(n) ? (size_t)(n) : 1, sizeof *(p)))

/* std::max(a, b): b only when a < b. */
static double s_max(double a, double b)
{
    return a < b ? b : a;
}

int sfr_sched_init(sm_sfrun_t *r, sm_error_t *err)
{
    size_t links = (size_t)r->width * r->height * r->links_per_router;
    r->fifo_words = (r->n_cores + 63) / 64;
    if (!S_ALLOC(r->m_sent, r->cap_msg) || !S_ALLOC(r->m_recv, r->cap_msg) ||
        !S_ALLOC(r->heap, r->n_cores) || !S_ALLOC(r->density, links) || !S_ALLOC(r->busy, r->n_cores) ||
        !S_ALLOC(r->fifo_min, r->n_cores) || !S_ALLOC(r->fifo, r->n_cores) ||
        !S_ALLOC(r->fifo_n, r->n_cores) || !S_ALLOC(r->fifo_head, r->n_cores) ||
        !S_ALLOC(r->fifo_unordered, r->n_cores) || !S_ALLOC(r->fifo_cap, r->n_cores) ||
        !S_ALLOC(r->fifo_bits, r->fifo_words) || !S_ALLOC(r->qpos, r->n_cores))
        return sm_fail(err, SM_ENOMEM, "out of memory preparing the SANA-FE scheduler");
    /* A core holds at most one message per axon into it. */
    uint32_t *in = calloc(r->n_cores ? r->n_cores : 1, sizeof *in);
    if (!in)
        return sm_fail(err, SM_ENOMEM, "out of memory preparing the SANA-FE scheduler");
    for (uint32_t a = 0; a < r->n_axons; a++)
        in[r->ax[a].core]++;
    for (uint32_t c = 0; c < r->n_cores; c++) {
        if (!in[c])
            continue;
        if (!(r->fifo[c] = malloc((size_t)in[c] * sizeof *r->fifo[c]))) {
            free(in);
            return sm_fail(err, SM_ENOMEM, "out of memory preparing the SANA-FE scheduler");
        }
        r->fifo_cap[c] = in[c];
    }
    free(in);
    return 0;
}

double sfr_time_simple(sm_sfrun_t *r)
{
    /* schedule_messages_timestep_simple (schedule.cpp:61-102); busy and
     * fifo_min serve as its two per-core sums */
    double *gen = r->fifo_min, *proc = r->busy;
    memset(gen, 0, (size_t)r->n_cores * sizeof *gen);
    memset(proc, 0, (size_t)r->n_cores * sizeof *proc);
    for (uint32_t c = 0; c < r->n_cores; c++)
        for (uint32_t m = r->core_msg[c]; m < r->core_msg[c + 1]; m++) {
            gen[c] += r->msg_gen[m];
            uint32_t a = r->msg_axon[m];
            if (a != UINT32_MAX)
                proc[r->ax[a].core] += r->ax[a].proc;
        }
    double mg = 0.0, mp = 0.0;
    for (uint32_t c = 0; c < r->n_cores; c++) {
        if (c == 0 || mg < gen[c])
            mg = gen[c];
        if (c == 0 || mp < proc[c])
            mp = proc[c];
    }
    return s_max(mp, mg) + r->sync_latency;
}

static void s_push(sm_sfrun_t *r, uint32_t m)
{
    sfr_heap_push(r->heap, &r->heap_n, r->m_sent[m], m);
}

static uint32_t s_pop(sm_sfrun_t *r)
{
    return sfr_heap_pop(r->heap, &r->heap_n);
}

/* ---- the NoC ---- */

static void s_density(sm_sfrun_t *r, uint32_t a, int entering)
{
    double adjust = 1.0 / (2.0 + (double)r->ax[a].hops);
    if (!entering)
        adjust *= -1.0;
    for (uint32_t i = r->ax[a].route; i < r->ax[a + 1].route; i++)
        r->density[r->route[i]] += adjust;
}

static void s_leave(sm_sfrun_t *r, uint32_t m, double *mean, int64_t *n_in)
{
    uint32_t a = r->msg_axon[m];
    s_density(r, a, 0);
    if (*n_in > 1)
        *mean += (*mean - r->ax[a].proc) / ((double)*n_in - 1.0);
    else
        *mean = 0.0;
    (*n_in)--;
}

/* noc_update_all_tracked_messages: every destination core in order, each
 * of its in-flight messages in arrival order, out once received by t. A
 * core's messages are received in arrival order (each waits for the one
 * before: recv >= the previous one's processed time), so those out by t
 * are a prefix; a core where that does not hold (negative latencies) is
 * scanned whole. */
static void s_sweep(sm_sfrun_t *r, double t, double *mean, int64_t *n_in)
{
    if (!(t >= r->sweep_min)) /* nothing in flight is received by t */
        return;
    double low = INFINITY;
    for (uint32_t w = 0; w < r->fifo_words; w++) {
        uint64_t bits = r->fifo_bits[w];
        while (bits) {
            uint32_t d = w * 64 + (uint32_t)__builtin_ctzll(bits);
            bits &= bits - 1;
            if (!(t >= r->fifo_min[d])) {
                low = fmin(low, r->fifo_min[d]);
                continue;
            }
            uint32_t *q = r->fifo[d], n = r->fifo_n[d], head = r->fifo_head[d];
            if (!r->fifo_unordered[d]) {
                while (head < n && t >= r->m_recv[q[head]])
                    s_leave(r, q[head++], mean, n_in);
                r->fifo_head[d] = head;
                if (head < n)
                    r->fifo_min[d] = r->m_recv[q[head]];
            } else {
                uint32_t kept = head;
                double mn = 0.0;
                for (uint32_t i = head; i < n; i++) {
                    uint32_t m = q[i];
                    if (t >= r->m_recv[m]) {
                        s_leave(r, m, mean, n_in);
                    } else {
                        if (kept == head || r->m_recv[m] < mn)
                            mn = r->m_recv[m];
                        q[kept++] = m;
                    }
                }
                r->fifo_n[d] = n = kept;
                r->fifo_min[d] = mn;
            }
            if (r->fifo_head[d] == n) {
                r->fifo_n[d] = r->fifo_head[d] = 0;
                r->fifo_unordered[d] = 0;
                r->fifo_bits[w] &= ~((uint64_t)1 << (d % 64));
            } else {
                low = fmin(low, r->fifo_min[d]);
            }
        }
    }
    r->sweep_min = low;
}

/* schedule_handle_message (schedule.cpp:296-358); returns the processed
 * time. */
static double s_handle(sm_sfrun_t *r, uint32_t m, double *mean, int64_t *n_in)
{
    uint32_t a = r->msg_axon[m], d = r->ax[a].core, hops = r->ax[a].hops;
    double p = r->ax[a].proc;
    double along = 0.0;
    for (uint32_t i = r->ax[a].route; i < r->ax[a + 1].route; i++)
        along += r->density[r->route[i]];
    double cap = (double)((uint64_t)(hops + 1) * r->buffer_size);
    if (along > cap)
        r->m_sent[m] += (along - cap) * *mean;
    double cong = along * *mean / ((double)hops + 1.0);
    double net = s_max(r->ax[a].hop_lat, cong);
    double earliest = r->m_sent[m] + net;
    r->m_recv[m] = s_max(r->busy[d], earliest);
    r->busy[d] = s_max(r->busy[d] + p, earliest + p);
    double processed = r->busy[d];
    uint32_t n = r->fifo_n[d];
    if (n == r->fifo_head[d])
        r->fifo_min[d] = r->m_recv[m];
    else if (r->m_recv[m] < r->m_recv[r->fifo[d][n - 1]])
        r->fifo_unordered[d] = 1;
    if (r->m_recv[m] < r->fifo_min[d])
        r->fifo_min[d] = r->m_recv[m];
    r->fifo[d][r->fifo_n[d]++] = m;
    r->sweep_min = fmin(r->sweep_min, r->m_recv[m]);
    r->fifo_bits[d / 64] |= (uint64_t)1 << (d % 64);
    s_density(r, a, 1);
    *mean += (p - *mean) / ((double)*n_in + 1.0);
    (*n_in)++;
    return processed;
}

double sfr_time_detailed(sm_sfrun_t *r)
{
    size_t links = (size_t)r->width * r->height * r->links_per_router;
    memset(r->density, 0, links * sizeof *r->density);
    memset(r->busy, 0, (size_t)r->n_cores * sizeof *r->busy);
    for (uint32_t w = 0; w < r->fifo_words; w++) {
        uint64_t bits = r->fifo_bits[w];
        while (bits) {
            uint32_t d = w * 64 + (uint32_t)__builtin_ctzll(bits);
            r->fifo_n[d] = r->fifo_head[d] = 0;
            r->fifo_unordered[d] = 0;
            bits &= bits - 1;
        }
        r->fifo_bits[w] = 0;
    }
    double mean = 0.0, last = 0.0;
    int64_t n_in = 0;
    r->sweep_min = INFINITY;
    r->heap_n = 0;
    for (uint32_t c = 0; c < r->n_cores; c++) {
        r->qpos[c] = r->core_msg[c];
        if (r->qpos[c] < r->core_msg[c + 1]) {
            uint32_t m = r->qpos[c]++;
            r->m_sent[m] = r->msg_gen[m];
            s_push(r, m);
        }
    }
    while (r->heap_n) {
        uint32_t m = s_pop(r);
        last = s_max(last, r->m_sent[m]);
        s_sweep(r, r->m_sent[m], &mean, &n_in);
        if (r->msg_axon[m] != UINT32_MAX)
            last = s_max(last, s_handle(r, m, &mean, &n_in));
        uint32_t c = r->msg_core[m];
        if (r->qpos[c] < r->core_msg[c + 1]) {
            uint32_t next = r->qpos[c]++;
            r->m_sent[next] = r->m_sent[m] + r->msg_gen[next];
            s_push(r, next);
            last = s_max(last, r->m_sent[next]);
        }
    }
    return last + r->sync_latency;
}
