/* ncore: a neuron core, the event processor of one tile of the mesh.
 *
 * A core holds a slice of the network's neurons: their state, the input rings
 * that collect synaptic input per arrival tick, and a calendar of the ticks at
 * which each neuron is due to be updated. Between inputs a neuron is left
 * alone: an update catches it up over its silent ticks in closed form, steps
 * it with the tick's input and asks its model when it could next fire.
 *
 * A core knows nothing of threads or messages. Whoever runs it (a shard)
 * decides which neurons to update and when, hands it spikes to deliver and
 * routes the spikes its updates emit. What every core of a run shares is in
 * sm_core_ctx_t.
 *
 * Determinism: inputs are summed in a canonical order, never in arrival
 * order. The events of a window are sorted by (tick, source) before their
 * synapses are applied, delay-0 events by source (sm_evsort_*), so the same
 * network gives the same sums, bit for bit, however it is mapped and run. */
#ifndef SM_NCORE_H
#define SM_NCORE_H

#include <stdint.h>

#include "counters.h"
#include "model.h"
#include "model_kern.h"
#include "net.h"
#include "sm_error.h"
#include "syntab.h"
#include "vec.h"

/* No neuron, no tick. */
#define SM_NONE UINT32_MAX

/* Declares a helper whose only effect is to prefetch. GCC counts such a
 * function as const (a prefetch has no side effect) and drops every call
 * to it that it has not inlined early (one with a loop, say), prefetches
 * and all; inlined always, they stay. */
#define SM_PREFETCHER __attribute__((always_inline)) static inline

/* A spike waiting for its delayed synapses: emitted at te by src, for the
 * core of fan-out entry `fan`, or, for fan = SM_WEV_ROW + s, for every core
 * of its row on shard s (a row event: a source whose synapses on its own
 * shard are all delayed and none structured; one event instead of one per
 * target core there). */
typedef struct {
    uint32_t te, src, fan, count;
} sm_wev_t;

#define SM_WEV_ROW 0xffff0000u
#define SM_WEV_MAX_SHARDS 0xffffu

/* A spike whose delay-0 synapses are applied before the next stage. */
typedef struct {
    uint32_t src, fan, count;
} sm_d0ev_t;

/* One neuron's hot state, in one place so that an update costs one cache
 * line: 64 bytes, aligned. For a spike source (model NULL), `last` holds the
 * next spike tick and st.refrac counts the spikes so far. When the core keeps
 * its input in the cells (sm_core_t.inl: at most two ring slots, no
 * structured projection) `in` holds it, so that a delivery's write brings in
 * the very line its update reads. */
typedef struct {
    sm_nstate_t st;             /* 16: the model's state                          */
    const sm_model_t *model;    /* parameters, shared by the population            */
    uint32_t last;              /* tick + 1 of the last update; 0 = initial state  */
    uint32_t wake;              /* tick at which it is due, or SM_NONE             */
    uint32_t wnext, wprev;      /* calendar links (local indices)                  */
    float slack;                /* margin of the wake-up (sm_model_next_spike_slack) */
    uint16_t pop;
    uint8_t stage;
    uint8_t mark;               /* bit per ring slot: has input there (inl)       */
    float in[2][2];             /* [slot][port]: input, when the core has inl      */
} sm_cell_t;

_Static_assert(sizeof(sm_cell_t) == 64, "a cell is 64 bytes: one cache line");

/* Whether a neuron with a model was updated at tick already (a neuron woken
 * and given input in the same tick is updated once). A source is woken once
 * a tick, by its calendar only. */
static inline int sm_cell_done(const sm_cell_t *x, uint32_t tick)
{
    return x->model && x->last == tick + 1;
}

/* A swept core's neuron states, one array per field (sm_nstate_t's), so
 * that the sweep loads eight neurons' membranes with one instruction. One
 * allocation, at v. The refractory count in a byte: the sweep is bound by
 * the bytes it streams each tick (sm_core_seal sweeps no core whose
 * refractory period is longer). */
#define SM_SWEPT_REFRAC_MAX UINT8_MAX
typedef struct {
    float *v, *ie, *ii;
    uint8_t *refrac;
} sm_soa_t;

/* A neuron core: a slice of neurons, their state, their input rings and the
 * calendar of their wake-ups. The synapses are in the run's sm_syntab_t,
 * segmented per core. */
typedef struct {
    /* A cache line of its own: threads write their own cores' counters
     * and inputs' pointers are read by every delivery. */
    _Alignas(64) uint32_t id;
    uint32_t x, y, shard;
    uint32_t n;
    uint32_t n_model;           /* neurons with a model (not sources)             */
    uint32_t *gid;              /* local -> gid                                  */
    sm_cell_t *cell;            /* 64-byte aligned                               */
    uint8_t own_cell;           /* cell is the core's own block (sm_core_init)   */
    uint32_t *wheel;            /* calendar buckets: head local index or SM_NONE  */
    float *acc;                 /* [ring][port][n]: input per arrival tick and
                                   port (sm_core_in); NULL when inl              */
    uint8_t inl;                /* input in the cells (sm_cell_t.in)             */
    uint64_t *bits;             /* [ring][words]: touched flags                   */
    uint32_t words;
    sm_u32vec_t *touched;       /* [ring]: locals with input at that tick         */
    uint32_t n_sched;           /* neurons in the calendar                        */
    uint8_t swept;              /* every model neuron stepped each tick (sm_core_seal) */
    sm_soa_t ss;                /* swept: the model neurons' state, by local (the
                                   cells' st is unused); else all NULL          */
    uint32_t batched;           /* tick whose inputs were caught up together      */
    uint32_t consumed;          /* inl: touched cells of the tick's slot whose
                                   update took and cleared their input         */
    sm_counters_t cnt;
} sm_core_t;

/* The input of c's neurons on `port` at ring slot `slot`, by local: each
 * port a plane of its own, so that a port's inputs are contiguous. Only for a
 * core without inl (structured projections need the planes). */
static inline float *sm_core_in(const sm_core_t *c, uint32_t slot, uint32_t port)
{
    return c->acc + ((size_t)slot * 2 + port) * c->n;
}

/* The input of neuron l on `port` at ring slot `slot`, wherever c keeps it. */
static inline float *sm_core_acc(const sm_core_t *c, uint32_t slot, uint32_t port, uint32_t l)
{
    return c->inl ? &c->cell[l].in[slot][port] : &sm_core_in(c, slot, port)[l];
}

/* What all cores of a run share; read-only while it runs. */
typedef struct {
    const sm_net_t *net;
    const sm_syntab_t *tab;
    sm_core_t *cores;           /* every core, by id: fan-out entries name them  */
    uint32_t ticks;             /* length of the run                             */
    uint32_t ring, ring_mask;   /* input ring slots (a power of two >= max delay) */
    uint32_t cal;               /* calendar buckets                              */
    int dense;                  /* every neuron every tick: no wake-ups asked    */
    const uint8_t *neg;         /* per gid: 1 for a source whose counts are
                                   signed payloads (sm_pop_signed); NULL: none  */
    sm_kern_t *const *kern;     /* per population: its one model resolved
                                   (model_kern.h), or NULL; NULL: none at all  */
    uint32_t lanes;             /* the sweep's vector width (sm_core_lane_width) */
    const uint32_t *core_shard; /* core -> shard, for row events (a small array
                                   that stays cached, unlike the cores')      */
    const uint32_t *shard_first;/* shard -> its first core, n_shards + 1, when
                                   each shard is a range of core ids; or NULL */
} sm_core_ctx_t;

/* Whether neuron x is stepped every tick by the event engine too: its
 * population's one model fires with no input (sm_kern_t.self_driven), so
 * it is never silent for long and a jump over its silent ticks in closed
 * form would only differ from the dense engine's steps in the last bits.
 * Such neurons are never in the calendar; the shard sweeps them each tick
 * with sm_core_update_dense, as the dense engine sweeps every neuron. */
static inline int sm_core_stepped(const sm_core_ctx_t *cx, const sm_cell_t *x)
{
    const sm_kern_t *k = cx->kern ? cx->kern[x->pop] : NULL;
    return k && k->self_driven && k->m == x->model;
}

/* The kernel of neuron x's model, if its population has one. */
static inline const sm_kern_t *sm_core_kern(const sm_core_ctx_t *cx, const sm_cell_t *x)
{
    const sm_kern_t *k = cx->kern ? cx->kern[x->pop] : NULL;
    return k && k->m == x->model ? k : NULL;
}

/* Sets up core `id` at (x, y) for n neurons, sized by cx; its neurons are
 * then placed with sm_core_place. Its cells are `cells` (max(n, 1) of them,
 * 64-byte aligned, which the caller owns and frees after sm_core_fini), or,
 * if NULL, a block of its own. On failure the core is left for
 * sm_core_fini. */
int sm_core_init(sm_core_t *c, const sm_core_ctx_t *cx, uint32_t id, uint32_t x, uint32_t y,
                 uint32_t n, sm_cell_t *cells, sm_error_t *err);
/* Frees what sm_core_init allocated; a zeroed core is fine. */
void sm_core_fini(sm_core_t *c, const sm_core_ctx_t *cx);

/* Puts neuron i of population p (index pop) at local index l, with model m,
 * or NULL for a spike source. */
void sm_core_place(sm_core_t *c, uint32_t l, uint32_t gid, uint32_t pop, const sm_pop_t *p,
                   uint32_t i, const sm_model_t *m);

/* After the last sm_core_place: a core whose every model neuron is
 * stepped each tick (sm_core_stepped) is swept: its neurons' state moves
 * to ss, one array per field, and its input to planes, so that the tick's
 * sweep reads and writes 24 bytes a neuron instead of a 64-byte cell; delivery
 * then marks nothing on it, and the sweep clears each input it reads (its
 * neurons get no more input for that tick: delay 0 runs downstream, to
 * later stages). Returns -1 if out of memory. */
int sm_core_seal(sm_core_t *c, const sm_core_ctx_t *cx, sm_error_t *err);

/* The state of model neuron l, wherever c keeps it. */
static inline sm_nstate_t sm_core_state(const sm_core_t *c, uint32_t l)
{
    if (!c->swept)
        return c->cell[l].st;
    return (sm_nstate_t){c->ss.v[l], c->ss.ie[l], c->ss.ii[l], (uint32_t)c->ss.refrac[l]};
}

/* Sets the state of model neuron l of a swept core. */
static inline void sm_core_set_state(sm_core_t *c, uint32_t l, const sm_nstate_t *s)
{
    c->ss.v[l] = s->v;
    c->ss.ie[l] = s->ie;
    c->ss.ii[l] = s->ii;
    c->ss.refrac[l] = (uint8_t)s->refrac; /* <= SM_SWEPT_REFRAC_MAX: sm_core_seal */
}

/* Schedules every neuron's first wake-up, before the first tick. */
void sm_core_prepare(const sm_core_ctx_t *cx, sm_core_t *c);

/* Puts every neuron of c back in its initial state (as placed) and clears
 * its input, calendar and counters: the core can run again from tick 0. */
void sm_core_reset(sm_core_t *c, const sm_core_ctx_t *cx);

/* Appends (core id << 32 | local) of each of c's neurons due at tick to due.
 * Returns -1 if it cannot grow. */
int sm_core_due(const sm_core_ctx_t *cx, const sm_core_t *c, uint32_t tick, sm_u64vec_t *due);

/* Before the updates of tick (event engine): catches up together the
 * neurons of cores[0..n) (ids) with input at tick whose model steps its
 * silent ticks (loihi_lif, sm_model_batches), so that their serial chains
 * overlap; their updates then have nothing left to catch up. A core not
 * passed here does the same for itself at its first update of the tick. */
void sm_core_catch_up_inputs(const sm_core_ctx_t *cx, const uint32_t *cores, uint32_t n,
                             uint32_t tick);

/* Updates neuron l at tick: catches it up over its silent ticks, steps it with
 * the tick's input and, if `predict`, asks when it could next fire. A source
 * emits its spikes due at tick. Returns the number of spikes emitted, which
 * the caller routes. */
uint32_t sm_core_update(const sm_core_ctx_t *cx, sm_core_t *c, uint32_t l, uint32_t tick,
                        int predict);

/* The widest vector the sweep may use here: 8 (AVX-512), 4 (AVX2) or 1,
 * at most SPIKEMESH_LANES if that is set (to compare the paths; results
 * are the same on every width). */
uint32_t sm_core_lane_width(void);

/* The tick's sweep (ncore_sweep.c): the model neurons [l0, l1) of c at
 * tick, all of population pop (none a source, none caught up: the dense engine steps every tick,
 * the event engine its self-driven neurons), each stepped with the tick's
 * input as sm_core_update does; the neurons that fired are appended to
 * fired as local << 32 | spike count. Returns -1 if fired cannot grow. */
int sm_core_update_dense(const sm_core_ctx_t *cx, sm_core_t *c, uint32_t pop, uint32_t l0,
                         uint32_t l1, uint32_t tick, sm_u64vec_t *fired);

/* The state of neuron l at the end of tick as a probe records it (v, ie, ii,
 * or what sm_model_trace says): a neuron not updated since is caught up on a
 * copy. Zero for a source. */
void sm_core_probe(const sm_core_t *c, uint32_t l, uint32_t tick, float out[3]);

/* Input delivery (ncore_deliver.c). `active` has one list per ring slot of
 * the cores with input at that slot: a core is appended when its first input
 * for a slot arrives, so that a tick costs nothing for the cores it misses.
 * The dense engine, which updates every neuron anyway, keeps no such lists
 * (sm_core_clear_all). */

/* Adds the delayed synapses of the n window events ev, in that order, to
 * their cores' input rings. Returns -1 if a list cannot grow. */
int sm_core_deliver_window(const sm_core_ctx_t *cx, const sm_wev_t *ev, uint32_t n,
                           sm_u32vec_t *active);
/* Structured projections (syntab.h) that a caller holding all their target
 * cores may deliver whole: at a source's first event, onto every core at
 * once, instead of core by core. `whole` has one flag per projection of
 * cx->tab->st (set only for one that is the sole projection between its
 * populations, so that no other synapse from the source shares a target
 * and the sums keep their order); `last` is scratch of the same size. */
/* A conv's output rows, when each lies on one core at consecutive locals,
 * for the dense engine: where a row's input begins (ring slot 0, the
 * projection's port), the floats from one slot to the next, and its core's
 * synaptic event counter. */
typedef struct {
    float **acc;
    uint32_t *step;
    uint64_t **events;
} sm_strows_t;

typedef struct {
    const uint8_t *whole;
    uint32_t *last;
    const sm_strows_t *rows;    /* per projection, or NULL                      */
} sm_stwhole_t;

/* The rows of structured conv projection st on the cores of cx; r->acc
 * stays NULL when a row is split over cores. -1 out of memory. */
int sm_strows_init(sm_strows_t *r, const sm_core_ctx_t *cx, const sm_synstruct_t *st);
void sm_strows_fini(sm_strows_t *r);

/* Adds the delay-0 synapses of the n events ev, in that order, to their
 * cores' inputs at tick; wh may be NULL. Returns -1 if a list cannot grow. */
int sm_core_deliver_delay0(const sm_core_ctx_t *cx, const sm_d0ev_t *ev, uint32_t n,
                           uint32_t tick, sm_u32vec_t *active, const sm_stwhole_t *wh);

/* Clears c's input at ring slot `slot`, once its tick is done, for reuse. */
void sm_core_clear_slot(sm_core_t *c, uint32_t slot);
/* The same for the dense engine, which marks no input (cx->dense): the
 * whole slot. */
void sm_core_clear_all(sm_core_t *c, uint32_t slot);

/* Sorting events into the canonical order: scratch space, reused. */
#define SM_EVSORT_BITS 11

typedef struct {
    void *buf;
    size_t cap;
    uint32_t hist[1u << SM_EVSORT_BITS];
} sm_evsort_t;

/* Sorts a[0..n) by (tick, source), stably, in O(n); returns the sorted array
 * (a itself or s's buffer, which s owns), or NULL if n > 1 and the buffer
 * cannot grow. */
const sm_wev_t *sm_evsort_window(sm_evsort_t *s, sm_wev_t *a, uint32_t n);
/* The same for delay-0 events, by source. */
const sm_d0ev_t *sm_evsort_delay0(sm_evsort_t *s, sm_d0ev_t *a, uint32_t n);
void sm_evsort_fini(sm_evsort_t *s);

#endif
