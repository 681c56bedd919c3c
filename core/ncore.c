/* ncore: a core's neurons, their calendar of wake-ups, sources and updates.
 * Input delivery is in ncore_deliver.c. */
#include <stdlib.h>
#include <string.h>

#include "ncore.h"
#include "rng.h"

int sm_core_init(sm_core_t *c, const sm_core_ctx_t *cx, uint32_t id, uint32_t x, uint32_t y,
                 uint32_t n, sm_cell_t *cells, sm_error_t *err)
{
    memset(c, 0, sizeof *c);
    c->id = id;
    c->x = x;
    c->y = y;
    c->n = n;
    if (n > SM_MAX_CORE_NEURONS)
        return sm_fail(err, SM_ETOOBIG, "core (%u, %u) holds %u neurons, more than %u", x, y, n,
                       SM_MAX_CORE_NEURONS);
    size_t m = n ? n : 1;
    c->words = (n + 63) / 64;
    /* Structured projections add into the input planes row by row. */
    c->inl = cx->ring <= 2 && !(cx->tab && cx->tab->n_st);
    c->gid = malloc(m * sizeof *c->gid);
    c->own_cell = !cells;
    c->cell = cells ? cells : aligned_alloc(64, m * sizeof *c->cell);
    c->wheel = malloc(cx->cal * sizeof *c->wheel);
    c->acc = c->inl ? NULL : calloc(m * 2 * cx->ring, sizeof *c->acc);
    c->bits = calloc((size_t)(c->words ? c->words : 1) * cx->ring, sizeof *c->bits);
    c->touched = calloc(cx->ring, sizeof *c->touched);
    if (!c->gid || !c->cell || !c->wheel || (!c->inl && !c->acc) || !c->bits || !c->touched)
        return sm_fail(err, SM_ENOMEM, "out of memory for core (%u, %u)", x, y);
    memset(c->cell, 0, m * sizeof *c->cell);
    for (uint32_t b = 0; b < cx->cal; b++)
        c->wheel[b] = SM_NONE;
    c->batched = SM_NONE;
    return 0;
}

int sm_core_seal(sm_core_t *c, const sm_core_ctx_t *cx, sm_error_t *err)
{
    if (!c->n_model)
        return 0;
    for (uint32_t l = 0; l < c->n; l++) {
        const sm_cell_t *x = &c->cell[l];
        if (x->model && (!sm_core_stepped(cx, x) || x->model->refractory_ticks > SM_SWEPT_REFRAC_MAX ||
                         x->st.refrac > SM_SWEPT_REFRAC_MAX))
            return 0;
    }
    /* Each array a whole number of cache lines: three of floats, then the
     * bytes. */
    const size_t np = ((size_t)c->n + 15) / 16 * 16;
    const size_t bytes = (3 * np * sizeof(float) + np + 63) / 64 * 64;
    float *block = aligned_alloc(64, bytes);
    if (block && c->inl && !(c->acc = calloc((size_t)c->n * 2 * cx->ring, sizeof *c->acc)))
        free(block), block = NULL;
    if (!block)
        return sm_fail(err, SM_ENOMEM, "out of memory for core (%u, %u)", c->x, c->y);
    memset(block, 0, bytes);
    c->ss = (sm_soa_t){block, block + np, block + 2 * np, (uint8_t *)(void *)(block + 3 * np)};
    c->inl = 0;
    c->swept = 1;
    for (uint32_t l = 0; l < c->n; l++)
        if (c->cell[l].model)
            sm_core_set_state(c, l, &c->cell[l].st);
    return 0;
}

void sm_core_fini(sm_core_t *c, const sm_core_ctx_t *cx)
{
    free(c->ss.v);
    free(c->gid);
    if (c->own_cell)
        free(c->cell);
    free(c->wheel);
    free(c->acc);
    free(c->bits);
    if (c->touched)
        for (uint32_t r = 0; r < cx->ring; r++)
            free(c->touched[r].a);
    free(c->touched);
    memset(c, 0, sizeof *c);
}

void sm_core_place(sm_core_t *c, uint32_t l, uint32_t gid, uint32_t pop, const sm_pop_t *p,
                   uint32_t i, const sm_model_t *m)
{
    c->gid[l] = gid;
    sm_cell_t *x = &c->cell[l];
    x->pop = (uint16_t)pop;
    x->stage = (uint8_t)p->stage;
    x->wake = SM_NONE;
    x->wnext = x->wprev = SM_NONE;
    if (m) {
        x->model = m;
        sm_model_init_state(m, &x->st);
        if (p->v_init || p->u_init)
            sm_model_set_initial(m, &x->st, p->v_init ? &p->v_init[i] : NULL,
                                 p->u_init ? &p->u_init[i] : NULL);
        c->n_model++;
    } else {
        x->last = SM_NONE;
    }
}

void sm_core_reset(sm_core_t *c, const sm_core_ctx_t *cx)
{
    for (uint32_t l = 0; l < c->n; l++) {
        sm_cell_t *x = &c->cell[l];
        x->slack = 0.0f;
        x->wake = SM_NONE;
        x->wnext = x->wprev = SM_NONE;
        if (x->model) {
            const sm_pop_t *p = &cx->net->pops[x->pop];
            sm_model_init_state(x->model, &x->st);
            if (p->v_init)
                x->st.v = p->v_init[c->gid[l] - p->first];
            x->last = 0;
        } else {
            x->st = (sm_nstate_t){0.0f, 0.0f, 0.0f, 0};
            x->last = SM_NONE;
        }
    }
    for (uint32_t b = 0; b < cx->cal; b++)
        c->wheel[b] = SM_NONE;
    c->n_sched = 0;
    c->batched = SM_NONE;
    c->consumed = 0;
    if (c->acc)
        memset(c->acc, 0, (size_t)(c->n ? c->n : 1) * 2 * cx->ring * sizeof *c->acc);
    for (uint32_t l = 0; l < c->n; l++) {
        memset(c->cell[l].in, 0, sizeof c->cell[l].in);
        c->cell[l].mark = 0;
        if (c->swept && c->cell[l].model)
            sm_core_set_state(c, l, &c->cell[l].st);
    }
    memset(c->bits, 0, (size_t)(c->words ? c->words : 1) * cx->ring * sizeof *c->bits);
    for (uint32_t r = 0; r < cx->ring; r++)
        c->touched[r].n = 0;
    memset(&c->cnt, 0, sizeof c->cnt);
}

/* ---- calendar: neurons due to wake, in buckets by tick ------------------- */

static void s_unschedule(const sm_core_ctx_t *cx, sm_core_t *c, uint32_t l)
{
    sm_cell_t *x = &c->cell[l];
    if (x->wake == SM_NONE)
        return;
    uint32_t p = x->wprev, nx = x->wnext;
    if (p == SM_NONE)
        c->wheel[x->wake % cx->cal] = nx;
    else
        c->cell[p].wnext = nx;
    if (nx != SM_NONE)
        c->cell[nx].wprev = p;
    x->wake = SM_NONE;
    c->n_sched--;
}

static void s_schedule(const sm_core_ctx_t *cx, sm_core_t *c, uint32_t l, uint32_t now,
                       uint64_t t)
{
    /* Beyond the calendar's horizon, wake early and ask again. */
    if (t < cx->ticks && t - now >= cx->cal)
        t = now + cx->cal - 1;
    sm_cell_t *x = &c->cell[l];
    if (t >= cx->ticks) {
        s_unschedule(cx, c, l);
        return;
    }
    if (x->wake == t)
        return;
    s_unschedule(cx, c, l);
    uint32_t b = (uint32_t)t % cx->cal;
    x->wake = (uint32_t)t;
    x->wprev = SM_NONE;
    x->wnext = c->wheel[b];
    if (c->wheel[b] != SM_NONE)
        c->cell[c->wheel[b]].wprev = l;
    c->wheel[b] = l;
    c->n_sched++;
}

int sm_core_due(const sm_core_ctx_t *cx, const sm_core_t *c, uint32_t tick, sm_u64vec_t *due)
{
    if (!c->n_sched)
        return 0;
    for (uint32_t l = c->wheel[tick % cx->cal]; l != SM_NONE; l = c->cell[l].wnext)
        if (c->cell[l].wake == tick)
            SM_VEC_PUSH(*due, ((uint64_t)c->id << 32) | l, return -1);
    return 0;
}

/* ---- sources ------------------------------------------------------------- */

/* Next spike tick of a source neuron at or after `from`, or SM_NONE. */
static uint32_t s_source_next(const sm_core_ctx_t *cx, const sm_pop_t *p, sm_core_t *c,
                              uint32_t l, uint32_t from)
{
    uint32_t i = c->gid[l] - p->first;
    sm_cell_t *x = &c->cell[l];
    if (p->kind == SM_POP_SPIKE_TIMES) {
        uint32_t k = x->st.refrac;
        uint32_t end = p->st_off[i + 1];
        while (p->st_off[i] + k < end && p->st_ticks[p->st_off[i] + k] < from)
            k++;
        x->st.refrac = k;
        return p->st_off[i] + k < end ? p->st_ticks[p->st_off[i] + k] : SM_NONE;
    }
    /* Poisson: the k-th inter-spike gap comes from its own stream, so the
     * train does not depend on who asks or when. */
    double prob = p->rate_hz * cx->net->dt_ms * 1e-3;
    if (prob <= 0.0 || from >= p->stop_tick)
        return SM_NONE;
    uint32_t k = x->st.refrac;
    sm_rng_t r = sm_rng_stream(p->seed, i, k);
    uint64_t gap = sm_rng_geometric(&r, prob);
    uint64_t base = k == 0 ? (uint64_t)p->start_tick : (uint64_t)from;
    uint64_t t = base + gap;
    return t >= p->stop_tick || t >= cx->ticks ? SM_NONE : (uint32_t)t;
}

void sm_core_prepare(const sm_core_ctx_t *cx, sm_core_t *c)
{
    for (uint32_t l = 0; l < c->n; l++) {
        sm_cell_t *x = &c->cell[l];
        if (!x->model) {
            x->last = s_source_next(cx, &cx->net->pops[x->pop], c, l, 0);
            if (x->last != SM_NONE)
                s_schedule(cx, c, l, 0, x->last);
        } else if (!cx->dense && !sm_core_stepped(cx, x)) {
            uint32_t d = sm_model_next_spike_slack(x->model, &x->st, &x->slack);
            if (d != SM_NEVER)
                s_schedule(cx, c, l, 0, (uint64_t)d - 1);
        }
    }
}

/* ---- neuron updates ------------------------------------------------------- */

/* Brings a state k silent ticks forward. One or two ticks are cheaper to step
 * than to jump, and stepping is what the dense engine does; they cannot
 * spike, or the neuron would have been woken. */
static inline void s_catch_up(const sm_model_t *m, sm_nstate_t *st, uint32_t k)
{
    if (k > 2)
        sm_model_advance(m, st, k);
    else
        for (; k; k--)
            sm_model_step(m, st, 0.0f, 0.0f);
}

/* Neurons gathered to be caught up together: one model's, up to
 * SM_MODEL_BATCH at a time. */
typedef struct {
    const sm_model_t *m, *no; /* the batch's model; the last one that does not batch */
    uint32_t n;
    sm_nstate_t *st[SM_MODEL_BATCH];
    uint32_t k[SM_MODEL_BATCH];
} s_batch_t;

static void s_batch_flush(s_batch_t *b)
{
    if (b->n)
        sm_model_advance_many(b->m, b->st, b->k, b->n);
    b->n = 0;
}

/* The neurons of c with input at tick whose model steps its silent ticks
 * (sm_model_batches: loihi_lif) join the batch; runs of one or two ticks are
 * left to their update, which steps them anyway. */
static void s_batch_core(const sm_core_ctx_t *cx, sm_core_t *c, uint32_t tick, s_batch_t *b)
{
    c->batched = tick;
    const sm_u32vec_t *tv = &c->touched[tick & cx->ring_mask];
    for (uint32_t i = 0; i < tv->n; i++) {
        sm_cell_t *x = &c->cell[tv->a[i]];
        if (!x->model || x->model == b->no || x->last >= tick || tick - x->last <= 2)
            continue;
        if (x->model != b->m || b->n == SM_MODEL_BATCH) {
            s_batch_flush(b);
            if (x->model != b->m && !sm_model_batches(x->model)) {
                b->no = x->model;
                continue;
            }
            b->m = x->model;
        }
        b->st[b->n] = &x->st;
        b->k[b->n++] = tick - x->last;
        x->last = tick;
    }
}

/* The first update of a tick on a core that sm_core_catch_up_inputs did not
 * see catches up its inputs itself. */
static void s_catch_up_core(const sm_core_ctx_t *cx, sm_core_t *c, uint32_t tick)
{
    s_batch_t b;
    b.m = b.no = NULL;
    b.n = 0;
    s_batch_core(cx, c, tick, &b);
    s_batch_flush(&b);
}

void sm_core_catch_up_inputs(const sm_core_ctx_t *cx, const uint32_t *cores, uint32_t n,
                             uint32_t tick)
{
    if (cx->dense)
        return;
    s_batch_t b;
    b.m = b.no = NULL;
    b.n = 0;
    for (uint32_t i = 0; i < n; i++) {
        sm_core_t *c = &cx->cores[cores[i]];
        if (c->batched != tick)
            s_batch_core(cx, c, tick, &b);
    }
    s_batch_flush(&b);
}

/* A source's spikes due at tick, and its next wake-up. */
static uint32_t s_source_fire(const sm_core_ctx_t *cx, sm_core_t *c, uint32_t l, uint32_t tick)
{
    sm_cell_t *x = &c->cell[l];
    const sm_pop_t *p = &cx->net->pops[x->pop];
    uint32_t count = 0;
    if (x->last == tick) {
        if (p->kind == SM_POP_SPIKE_TIMES) {
            uint32_t i = c->gid[l] - p->first;
            while (p->st_off[i] + x->st.refrac < p->st_off[i + 1] &&
                   p->st_ticks[p->st_off[i] + x->st.refrac] == tick) {
                /* A graded source sends its payload as the spike count, a
                 * negative one in two's complement (sm_pop_signed). */
                count += p->st_payload ? (uint32_t)p->st_payload[p->st_off[i] + x->st.refrac] : 1;
                x->st.refrac++;
            }
        } else {
            x->st.refrac++;
            count = 1;
        }
        x->last = s_source_next(cx, p, c, l, tick + 1);
    }
    if (x->last != SM_NONE)
        s_schedule(cx, c, l, tick, x->last);
    else
        s_unschedule(cx, c, l);
    return count;
}

/* in[0] != 0.0f || in[1] != 0.0f, on the bits: a zero of either sign is
 * the only float whose bits other than the sign are all 0 (a NaN is not). */
static inline uint32_t s_nonzero2(const float in[2])
{
    uint32_t a, b;
    memcpy(&a, &in[0], sizeof a);
    memcpy(&b, &in[1], sizeof b);
    return ((a | b) & 0x7fffffffu) != 0;
}

/* sm_core_update of a loihi_lif neuron: the same update through the style's
 * own step and prediction, called directly. The style has no closed form of
 * the kernel's, no margin (its prediction leaves slack 0) and no monotone
 * input (its current wraps), so none of the general path's checks apply. */
static uint32_t s_update_loihi(const sm_core_ctx_t *cx, sm_core_t *c, uint32_t l, uint32_t tick,
                               int predict)
{
    sm_cell_t *x = &c->cell[l];
    const sm_model_t *m = x->model;
    const uint32_t slot = tick & cx->ring_mask;
    const float in[2] = {*sm_core_acc(c, slot, 0, l), *sm_core_acc(c, slot, 1, l)};
    uint32_t k = tick - x->last;
    if (k > 2)
        sm_model_advance(m, &x->st, k);
    else
        for (; k; k--)
            sm_model_loihi_step(m, &x->st, 0.0f, 0.0f);
    const uint32_t n = sm_model_loihi_step(m, &x->st, in[0], in[1]);
    x->last = tick + 1;
    /* Its input is taken: clear it now, in the line the update writes, so
     * that sm_core_clear_slot need not visit the cell again (a neuron's
     * input for its tick is complete when it is updated: delay-0 input
     * goes to later stages). */
    const uint8_t bit = (uint8_t)(1u << slot);
    if (c->inl && (x->mark & bit)) {
        x->in[slot][0] = x->in[slot][1] = 0.0f;
        x->mark &= (uint8_t)~bit;
        c->consumed++;
    }
    c->cnt.neuron_updates++;
    c->cnt.active_updates += s_nonzero2(in) | (n != 0);
    if (predict) {
        sm_loihi_state_t q;
        memcpy(&q, &x->st, sizeof q);
        const uint32_t d = sm_loihi_next_spike(&m->lif, &q);
        x->slack = 0.0f;
        if (d == SM_NEVER)
            s_unschedule(cx, c, l);
        else
            s_schedule(cx, c, l, tick, (uint64_t)tick + d);
    }
    return n;
}

uint32_t sm_core_update(const sm_core_ctx_t *cx, sm_core_t *c, uint32_t l, uint32_t tick,
                        int predict)
{
    sm_cell_t *x = &c->cell[l];
    if (!x->model)
        return s_source_fire(cx, c, l, tick);
    if (c->batched != tick && !cx->dense)
        s_catch_up_core(cx, c, tick);
    if (x->model->style == SM_STYLE_LOIHI)
        return s_update_loihi(cx, c, l, tick, predict);
    const sm_kern_t *kn = sm_core_kern(cx, x);
    const uint32_t slot = tick & cx->ring_mask;
    const float in[2] = {*sm_core_acc(c, slot, 0, l), *sm_core_acc(c, slot, 1, l)};
    uint32_t n;
    if (kn) {
        uint32_t k = tick - x->last;
        if (k > 2) {
            if (!sm_kern_advance(kn, &x->st, k))
                sm_model_advance(x->model, &x->st, k);
        } else {
            for (; k; k--)
                sm_kern_step(kn, &x->st, 0.0f, 0.0f);
        }
        n = sm_kern_step(kn, &x->st, in[0], in[1]);
    } else {
        s_catch_up(x->model, &x->st, tick - x->last);
        n = sm_model_step(x->model, &x->st, in[0], in[1]);
    }
    x->last = tick + 1;
    c->cnt.neuron_updates++;
    /* The chip's rule, not the engine's: a tick is active when input arrived
     * or the neuron fired. A silent tick the event engine skips or catches up
     * is neither, so both engines count the same. */
    c->cnt.active_updates += s_nonzero2(in) | (n != 0);
    /* Most models' response to input is monotone: input that is nowhere
     * positive can only delay the next spike, so a wake-up still ahead stays
     * a valid (early) one, and so does none. Only a neuron due now must ask.
     * (A loihi_lif current wraps: it always asks.) */
    if (predict && in[0] <= 0.0f && in[1] <= 0.0f && (in[0] < 0.0f || in[1] < 0.0f) &&
        x->wake != tick && (kn ? kn->monotone : sm_model_monotone(x->model)))
        predict = 0;
    /* An input that raises the membrane by less than the margin of the
     * wake-up leaves that wake-up safe: no need to ask again. */
    if (predict && n == 0 && x->slack > 0.0f && x->wake != tick) {
        float r = kn ? sm_kern_rise(kn, in[0], in[1]) : sm_model_rise(x->model, in[0], in[1]);
        if (r < x->slack) {
            x->slack -= r;
            predict = 0;
        }
    }
    if (predict) {
        uint32_t d = kn ? sm_kern_next_spike_slack(kn, &x->st, &x->slack)
                        : sm_model_next_spike_slack(x->model, &x->st, &x->slack);
        if (d == SM_NEVER)
            s_unschedule(cx, c, l);
        else
            s_schedule(cx, c, l, tick, (uint64_t)tick + d);
    }
    return n;
}

void sm_core_probe(const sm_core_t *c, uint32_t l, uint32_t tick, float out[3])
{
    const sm_cell_t *x = &c->cell[l];
    if (!x->model) {
        out[0] = out[1] = out[2] = 0.0f;
        return;
    }
    sm_nstate_t s = sm_core_state(c, l);
    if (!c->swept)
        s_catch_up(x->model, &s, tick + 1 - x->last);
    sm_model_trace(x->model, &s, out);
}
