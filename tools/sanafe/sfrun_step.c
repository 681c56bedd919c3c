/* sfrun_step: one SANA-FE time-step: every neuron, then every message, then
 * the energy sums, then the timing model (chip.cpp:1056-1110). */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sfrun_int.h"

/* static_cast<int>(double) as x86-64 executes it (cvttsd2si): toward zero,
 * and INT_MIN when out of range or NaN, where C and C++ leave it undefined. */
static double s_trunc64(double v)
{
    double x = v * 64.0;
    int32_t i = (x > -2147483649.0 && x < 2147483648.0) ? (int32_t)x : INT32_MIN;
    return (double)i / 64.0;
}

/* AccumulatorWithDelayModel::update up to step t (models.cpp:99-126): each
 * step passed, the charge due next becomes the charge due now and the line
 * moves on by one. Once nothing is left, further steps change nothing.
 * SANA-FE's forced updates (update_every_timestep, chip.cpp:975-1026) move
 * the line on every step, and drop what it outputs; the next input would
 * have moved it just as far before adding to it, so they change nothing a
 * run shows and the runner leaves them out. */
static void s_dl_advance(sfr_dline_t *d, int64_t t)
{
    while (d->ts < t) {
        d->ts++;
        d->acc = d->nxt[0];
        d->has = (uint8_t)(((d->has & 1u) ? SFR_DL_ACC : 0u) | ((d->has & 0x3fu) >> 1));
        memmove(d->nxt, d->nxt + 1, 5 * sizeof *d->nxt);
        d->nxt[5] = 0.0;
        if (!d->has)
            d->ts = t;
    }
}

/* Charge w due k steps after step t, added to the line once it has moved
 * on to t. */
static void s_dl_add(sfr_dline_t *d, int64_t t, unsigned k, double w)
{
    s_dl_advance(d, t);
    d->nxt[k] = ((d->has >> k) & 1u ? d->nxt[k] : 0.0) + w;
    d->has = (uint8_t)(d->has | 1u << k);
}

/* The dendrite in the neuron pipeline, with the buffer before it or inside
 * it (mapped.cpp:168-188, chip.cpp:710-736): what the soma gets (*cur, and
 * whether it is set). The accumulator restarts from 0 at each step's first
 * update, here this one, so the soma always gets a value: the one input in
 * the buffer (before the dendrite), or 0 (inside it, where the last step's
 * messages were summed and are now reset). A delay line moves on to this
 * step, takes the buffer's input at address 0's delay (before the dendrite),
 * and gives the charge due now. The unit pays one event per neuron. */
static int s_dendrite(sm_sfrun_t *r, uint32_t k, uint8_t pos, int has_in, double *cur)
{
    r->units[r->nr[k].dend].events++;
    uint32_t j = r->dl_of ? r->dl_of[k] : UINT32_MAX;
    int in = pos == SFR_POS_BEFORE_DENDRITE && has_in;
    if (j == UINT32_MAX) {
        *cur = in ? 0.0 + *cur : 0.0;
        return 1;
    }
    sfr_dline_t *d = &r->dl[j];
    s_dl_advance(d, r->step);
    if (in) {
        unsigned sl = d->d0;
        d->nxt[sl] = ((d->has >> sl) & 1u ? d->nxt[sl] : 0.0) + *cur;
        d->has = (uint8_t)(d->has | 1u << sl);
    }
    int set = (d->has & SFR_DL_ACC) != 0;
    *cur = set ? d->acc : 0.0;
    return set;
}

/* LoihiLifModel::update (models.cpp:497-567), in its operation order. */
static int s_lif(sm_sfrun_t *r, uint32_t k, int has_in, double cur)
{
    const sfr_lif_t *p = &r->lif[k];
    double v = r->nr[k].v, u = r->nr[k].u;
    int st = SFR_IDLE;
    if (fabs(v) > 0.0 || has_in || fabs(p->bias) > 0.0 || p->force_update)
        st = SFR_UPDATED;
    if (r->step > 1) { /* no leak on the very first update */
        u *= p->input_decay;
        v *= p->leak_decay;
    }
    v = s_trunc64(v);
    uint32_t nz = r->units[r->nr[k].soma].noise;
    if (nz != UINT32_MAX) { /* loihi_generate_noise (models.cpp:629-651) */
        sfr_noise_t *q = &r->noise[nz];
        int64_t x = q->v[q->at];
        q->at = q->at + 1 == q->n ? 0 : q->at + 1;
        int64_t sign = x & 0x100;
        x &= q->mask;
        if (sign)
            x |= ~q->mask;
        v += (double)x;
    }
    if (r->nr[k].refr <= 0) {
        v += p->bias;
        u += has_in ? cur : 0.0;
        v += u;
        if (v > p->threshold) {
            if (p->reset_mode == SM_SF_RESET_HARD)
                v = p->reset;
            else if (p->reset_mode == SM_SF_RESET_SOFT)
                v -= p->threshold;
            r->nr[k].refr = p->refractory_delay;
            st = SFR_FIRED;
        }
        if (v < p->reverse_threshold) {
            if (p->reverse_reset_mode == SM_SF_RESET_SOFT)
                v -= p->reverse_threshold;
            else if (p->reverse_reset_mode == SM_SF_RESET_HARD)
                v = p->reverse_reset;
            else if (p->reverse_reset_mode == SM_SF_RESET_SATURATE)
                v = p->reverse_threshold;
        }
    }
    r->nr[k].refr = r->nr[k].refr - 1 > 0 ? r->nr[k].refr - 1 : 0;
    r->nr[k].v = v;
    r->nr[k].u = u;
    return st;
}

/* InputModel::update (models.cpp:870-905): the unit's one train and
 * iterator, its generator drawn on every update, then rate. */
static int s_input(sm_sfrun_t *r, uint32_t k, int has_in, double cur, sm_error_t *err)
{
    if (has_in && cur != 0.0) {
        const sm_sanafe_group_t *g = &r->snn->groups[sm_sanafe_group_of(r->snn, r->nid[k])];
        return sm_fail(err, SM_EINVAL,
                       "step %" PRId64 ": input neuron %s.%u received a current of %g; SANA-FE "
                       "stops here too (an input unit cannot take synaptic input)",
                       r->step, g->name, r->goff[k], cur);
    }
    sfr_input_t *in = &r->inputs[r->units[r->nr[k].soma].input];
    int send = 0;
    if (in->at < in->len)
        send = in->train[in->at++] != 0;
    if (in->has_poisson && in->poisson > sm_mt19937_canonical(&in->gen))
        send = 1;
    if (in->rate > 0.0) {
        double q = 1.0 / in->rate;
        if (q < 9.2e18 && r->step % (int64_t)q == 0)
            send = 1;
    }
    return send ? SFR_FIRED : SFR_IDLE;
}

static int s_spike(sm_sfrun_t *r, uint32_t k, sm_error_t *err)
{
    if (r->n_spk == r->cap_spk) {
        uint32_t cap = r->cap_spk ? r->cap_spk * 2 : 1024;
        uint64_t *p = realloc(r->spk, (size_t)cap * sizeof *p);
        if (!p)
            return sm_fail(err, SM_ENOMEM, "out of memory recording spikes");
        r->spk = p;
        r->cap_spk = cap;
    }
    r->spk[r->n_spk++] = (uint64_t)r->grank[k] << 32 | r->goff[k];
    return 0;
}

static int s_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* This step's logged spikes in SANA-FE's trace order (group name, offset),
 * into the digest and spikes.csv. */
static int s_log_spikes(sm_sfrun_t *r, FILE *csv, sm_error_t *err)
{
    if (r->n_spk > 1) /* qsort of NULL is undefined even for 0 elements */
        qsort(r->spk, r->n_spk, sizeof *r->spk, s_cmp_u64);
    char line[512];
    for (uint32_t i = 0; i < r->n_spk; i++) {
        const sm_sanafe_group_t *g = &r->snn->groups[r->snn->by_name[r->spk[i] >> 32]];
        unsigned off = (unsigned)(r->spk[i] & 0xffffffffu);
        int n = snprintf(line, sizeof line, "%" PRId64 ",%s,%u\n", r->step, g->name, off);
        if (n < 0 || (size_t)n >= sizeof line)
            return sm_fail(err, SM_ETOOBIG, "group name too long for the spike digest");
        sm_sha256_add(&r->sha, line, (size_t)n);
        if (csv && fprintf(csv, "%s.%u,%" PRId64 "\n", g->name, off, r->step) < 0)
            return sm_fail(err, SM_EIO, "writing spikes.csv failed");
    }
    r->logged_total += r->n_spk;
    return 0;
}

static int s_neurons(sm_sfrun_t *r, sm_error_t *err)
{
    r->n_msg = 0;
    r->n_spk = 0;
    for (uint32_t c = 0; c < r->n_cores; c++) {
        r->core_msg[c] = r->n_msg;
        uint32_t lo = r->core_first[c], hi = r->core_first[c + 1];
        if (lo == hi)
            continue;
        const sfr_core_t *k = &r->cores[c];
        double gen = 0.0; /* core.next_message_generation_delay */
        for (uint32_t i = lo; i < hi; i++) {
            /* read and clear the soma buffer (chip.cpp:710-736) */
            int has_in = r->nr[i].has_in;
            double cur = r->nr[i].acc;
            r->nr[i].has_in = 0;
            r->nr[i].acc = 0.0;
            double ld = 0.0;
            if (k->pos != SFR_POS_BEFORE_SOMA) {
                has_in = s_dendrite(r, i, k->pos, has_in, &cur);
                ld = 0.0 + r->units[r->nr[i].dend].l_event;
            }
            int st = r->nr[i].kind == SFR_LIF ? s_lif(r, i, has_in, cur) : s_input(r, i, has_in, cur, err);
            if (st < 0)
                return -1;
            /* default soma prices (pipeline.hpp:647-696) */
            sfr_unit_t *y = &r->units[r->nr[i].soma];
            double e = y->e_access, l = y->l_access;
            if (st != SFR_IDLE) {
                e += y->e_update;
                l += y->l_update;
                y->updated++;
            }
            if (st == SFR_FIRED) {
                e += y->e_spike;
                l += y->l_spike;
                y->fired++;
            }
            y->energy += e;
            gen += k->pos == SFR_POS_BEFORE_SOMA ? 0.0 + l : ld + l;
            if (st != SFR_FIRED)
                continue;
            if (r->nr[i].logs && s_spike(r, i, err))
                return -1;
            /* one message per destination core (chip.cpp:802-834) */
            for (uint32_t a = r->axon_first[i]; a < r->axon_first[i + 1]; a++) {
                uint32_t m = r->n_msg++;
                r->msg_axon[m] = a;
                r->msg_core[m] = c;
                r->msg_gen[m] = gen + k->l_out;
                gen = 0.0;
                r->core_out[c]++;
            }
        }
        if (gen != 0.0) { /* processing after the last message: a placeholder */
            uint32_t m = r->n_msg++;
            r->msg_axon[m] = UINT32_MAX;
            r->msg_core[m] = c;
            r->msg_gen[m] = gen;
        }
    }
    r->core_msg[r->n_cores] = r->n_msg;
    return 0;
}

/* An axon into a core whose buffer is not at the soma, or with targets on
 * delay dendrites. For those, with the buffer at the soma, the synapse's weight
 * joins the charge due `delay` updates after the next one, and the soma
 * buffer takes what the dendrite outputs, the charge due now, or nothing
 * when that is unset (chip.cpp:738-764: each synapse overwrites the entry). */
static void s_delayed(sm_sfrun_t *r, const sfr_axon_t *x)
{
    const uint32_t *post = r->syn_post;
    const double *w = r->syn_w;
    uint8_t pos = r->cores[x->core].pos;
    if (pos == SFR_POS_BEFORE_DENDRITE) {
        /* the buffer takes the synapse's output, the last one wins */
        for (uint32_t s = x->syn, e = x[1].syn; s < e; s++) {
            r->nr[post[s]].acc = w[s];
            r->nr[post[s]].has_in = 1;
        }
        return;
    }
    if (pos == SFR_POS_INSIDE_DENDRITE) {
        /* the dendrite takes the input and the buffer is never read: an
         * accumulator's sum is reset before the soma sees it; a delay line
         * keeps it */
        for (uint32_t s = x->syn, e = x[1].syn; s < e; s++) {
            uint32_t j = r->dl_of ? r->dl_of[post[s]] : UINT32_MAX;
            if (j == UINT32_MAX)
                continue;
            s_dl_add(&r->dl[j], r->step, r->syn_dly[s], w[s]);
        }
        return;
    }
    for (uint32_t s = x->syn, e = x[1].syn; s < e; s++) {
        sfr_neuron_t *q = &r->nr[post[s]];
        uint32_t j = r->dl_of ? r->dl_of[post[s]] : UINT32_MAX;
        if (j == UINT32_MAX) {
            q->acc = q->acc + w[s];
            q->has_in = 1;
            continue;
        }
        sfr_dline_t *d = &r->dl[j];
        s_dl_add(d, r->step, r->syn_dly[s], w[s]);
        q->has_in = (d->has & SFR_DL_ACC) != 0;
        q->acc = q->has_in ? d->acc : 0.0;
    }
}

/* Messages in send order, source core by source core: SANA-FE groups them
 * by destination core first, which orders each neuron's inputs the same.
 * Its accumulator restarts from 0 at a step's first input; here the soma's
 * read of the buffer clears it, which comes to the same sums. */
static void s_messages(sm_sfrun_t *r)
{
    for (uint32_t m = 0; m < r->n_msg; m++) {
        uint32_t a = r->msg_axon[m];
        if (a == UINT32_MAX)
            continue;
        const sfr_axon_t *x = &r->ax[a];
        uint32_t d = x->core;
        sfr_hops_t *h = &r->tile_hops[r->cores[d].tile];
        if (x->dir & 1)
            h->e += x->xh;
        else
            h->w += x->xh;
        if (x->dir & 2)
            h->n += x->yh;
        else
            h->s += x->yh;
        h->hops += x->hops;
        r->core_in[d]++;
        const uint32_t *post = r->syn_post;
        const double *w = r->syn_w;
        sfr_neuron_t *nr = r->nr;
        if (x->slow) {
            s_delayed(r, x);
        } else {
            for (uint32_t s = x->syn, e = x[1].syn; s < e; s++) {
                sfr_neuron_t *q = &nr[post[s]];
                q->acc = q->acc + w[s];
                q->has_in = 1;
            }
        }
        for (uint32_t j = x->eu; j < x[1].eu; j++)
            r->units[r->eu_unit[j]].events += r->eu_count[j];
    }
}

/* sim_calculate_ts_energy (chip.cpp:1171-1261): per tile its hops, then per
 * core axon_in, the units in use in creation order, axon_out. */
static int s_energy(sm_sfrun_t *r, uint32_t si, sm_sfrun_result_t *o, sm_error_t *err)
{
    double total = 0.0, esyn = 0.0, eden = 0.0, esom = 0.0, enet = 0.0;
    uint64_t fired = 0, updated = 0, events = 0, packets = 0, hops = 0;
    for (uint32_t t = 0; t < r->n_tiles; t++) {
        const sfr_tile_t *x = &r->tiles[t];
        sfr_hops_t *h = &r->tile_hops[t];
        double hop = (double)h->e * x->e_east;
        hop += (double)h->w * x->e_west;
        hop += (double)h->s * x->e_south;
        hop += (double)h->n * x->e_north;
        enet += hop;
        double tile = hop;
        hops += h->hops;
        for (uint32_t c = x->first_core; c < x->first_core + x->n_cores; c++) {
            if (r->core_first[c + 1] == r->core_first[c])
                continue;
            const sfr_core_t *k = &r->cores[c];
            double in = k->several_in ? 0.0 : (double)r->core_in[c] * k->e_in;
            enet += in;
            double pipe = 0.0;
            for (uint32_t j = k->used_first; j < k->used_end; j++) {
                uint32_t g = r->used[j];
                sfr_unit_t *y = &r->units[g];
                double ue = y->energy;
                if (y->role == SM_SF_ROLE_SOMA) {
                    fired += y->fired;
                    updated += y->updated;
                } else {
                    if (sfr_seqsum(r, r->unit_sum[g], y->events, &ue, err))
                        return -1;
                    if (y->role == SM_SF_ROLE_SYNAPSE)
                        events += y->events;
                }
                pipe += ue;
                if (y->role == SM_SF_ROLE_SYNAPSE)
                    esyn += ue;
                else if (y->role == SM_SF_ROLE_DENDRITE)
                    eden += ue;
                else
                    esom += ue;
                y->energy = 0.0;
                y->events = y->updated = y->fired = 0;
            }
            double out = 0.0;
            if (!k->several_out && sfr_seqsum(r, r->out_sum[c], r->core_out[c], &out, err))
                return -1;
            enet += out;
            packets += r->core_out[c];
            double core = in;
            core += pipe;
            core += out;
            tile += core;
            r->core_in[c] = r->core_out[c] = 0;
        }
        total += tile;
        memset(h, 0, sizeof *h);
    }
    o->fired[si] = fired;
    o->updated[si] = updated;
    o->synaptic_events[si] = events;
    o->packets[si] = packets;
    o->hops[si] = hops;
    o->e_total[si] = total;
    o->e_synapse[si] = esyn;
    o->e_dendrite[si] = eden;
    o->e_soma[si] = esom;
    o->e_network[si] = enet;
    return 0;
}

static int s_alloc_result(sm_sfrun_result_t *o, uint32_t steps, sm_error_t *err)
{
    memset(o, 0, sizeof *o);
    o->steps = steps;
    size_t n = steps ? steps : 1;
    uint64_t **iv[] = {&o->fired, &o->updated, &o->synaptic_events, &o->packets, &o->hops, &o->logged};
    double **dv[] = {&o->sim_time, &o->e_total, &o->e_synapse, &o->e_dendrite, &o->e_soma, &o->e_network};
    for (size_t i = 0; i < sizeof iv / sizeof iv[0]; i++)
        if (!(*iv[i] = calloc(n, sizeof **iv[i])))
            goto oom;
    for (size_t i = 0; i < sizeof dv / sizeof dv[0]; i++)
        if (!(*dv[i] = calloc(n, sizeof **dv[i])))
            goto oom;
    return 0;
oom:
    sm_sfrun_result_fini(o);
    return sm_fail(err, SM_ENOMEM, "out of memory for %u steps of results", steps);
}

void sm_sfrun_result_fini(sm_sfrun_result_t *o)
{
    if (!o)
        return;
    free(o->fired);
    free(o->updated);
    free(o->synaptic_events);
    free(o->packets);
    free(o->hops);
    free(o->logged);
    free(o->sim_time);
    free(o->e_total);
    free(o->e_synapse);
    free(o->e_dendrite);
    free(o->e_soma);
    free(o->e_network);
    memset(o, 0, sizeof *o);
}

int sm_sfrun_run(sm_sfrun_t *r, uint32_t steps, sm_sfrun_timing_t timing, FILE *spikes,
                 sm_sfrun_result_t *o, sm_error_t *err)
{
    if (s_alloc_result(o, steps, err))
        return -1;
    if (spikes && r->step == 0 && fprintf(spikes, "neuron,timestep\n") < 0) {
        sm_sfrun_result_fini(o);
        return sm_fail(err, SM_EIO, "writing spikes.csv failed");
    }
    for (uint32_t si = 0; si < steps; si++) {
        r->step++;
        uint64_t before = r->logged_total;
        if (s_neurons(r, err) || s_log_spikes(r, spikes, err)) {
            sm_sfrun_result_fini(o);
            return -1;
        }
        o->logged[si] = r->logged_total - before;
        s_messages(r);
        if (s_energy(r, si, o, err)) {
            sm_sfrun_result_fini(o);
            return -1;
        }
        o->sim_time[si] = timing == SM_SFRUN_SIMPLE ? sfr_time_simple(r) : sfr_time_detailed(r);
    }
    o->logged_total = r->logged_total;
    sm_sha256_t copy = r->sha; /* a later call continues the digest */
    sm_sha256_end(&copy, o->digest);
    return 0;
}
