/* sfrun_int: the run's arrays, shared by building (sfrun_build.c), stepping
 * (sfrun_step.c) and timing (sfrun_sched.c). Internal to tools/sanafe. */
#ifndef SM_SFRUN_INT_H
#define SM_SFRUN_INT_H

#include "sfrun.h"
#include "sfrun_heap.h"
#include "sm_mt19937.h"
#include "sm_sha256.h"

enum { SFR_LIF = 0, SFR_INPUT = 1 };
enum { SFR_IDLE = 0, SFR_UPDATED = 1, SFR_FIRED = 2 };
/* Where a core's time-step buffer sits (arch.hpp:41-48), of those the run
 * supports: before the dendrite (buffer_position: dendrite), inside it
 * (buffer_inside_unit: true), before the soma (soma, the default). */
enum { SFR_POS_BEFORE_DENDRITE = 0, SFR_POS_INSIDE_DENDRITE = 1, SFR_POS_BEFORE_SOMA = 2 };

typedef struct {
    double threshold, reverse_threshold, reset, reverse_reset, leak_decay, input_decay, bias;
    uint8_t reset_mode, reverse_reset_mode, force_update, pad;
    int32_t refractory_delay;
} sfr_lif_t;

/* A synapse, dendrite or soma unit of one core: prices and this step's
 * activity. Synapse and dendrite units pay a constant price per event, so
 * they count events; soma units sum their neurons' energies in neuron order. */
typedef struct {
    uint8_t role, model, used;
    double e_event, l_event;          /* synapse: process spike; dendrite: update */
    double e_access, e_update, e_spike; /* soma */
    double l_access, l_update, l_spike;
    uint64_t events, updated, fired;  /* this step */
    double energy;                    /* soma: this step's sum */
    uint32_t input;                   /* input model: into r->inputs, else UINT32_MAX */
    uint32_t noise;                   /* LIF with a noise stream: into r->noise, else UINT32_MAX */
} sfr_unit_t;

/* A LIF unit's noise stream: the file's lines as SANA-FE reads them (one
 * integer a line, 0 where none parses), taken in turn by every update of
 * any of its neurons, from the top again after the last. */
typedef struct {
    int32_t *v;
    uint32_t n, at;
    int64_t mask;
} sfr_noise_t;

/* An input unit: one spike train and one iterator for all its neurons. */
typedef struct {
    const uint8_t *train;
    uint32_t len, at;
    double rate, poisson;
    int has_poisson;
    uint32_t seed;
    sm_mt19937_t gen;
} sfr_input_t;

/* A neuron's state, what its update and its synaptic input touch. */
typedef struct {
    double v, u;    /* potential, input current (LIF) */
    double acc;     /* the soma buffer: input summed in the last step */
    int32_t refr;   /* refractory counter */
    uint32_t soma;  /* global unit index */
    uint32_t dend;  /* global unit index */
    uint8_t has_in; /* the buffer holds input */
    uint8_t kind, logs;
} sfr_neuron_t;

/* What one message of a neuron to one destination core does. Its synapses,
 * (unit, events) pairs and route links end where the next axon's begin. */
typedef struct {
    uint32_t core;             /* destination */
    uint32_t syn, eu, route;   /* first synapse, pair, link */
    uint32_t hops;             /* |dx| + |dy| */
    uint16_t xh, yh;
    uint8_t dir;               /* 1: east (else west), 2: north (else south) */
    uint8_t slow;              /* a target on a delay dendrite, or a buffer not at the soma */
    double proc;               /* processing delay at the destination */
    double hop_lat;            /* minimum hop latency (source tile's latencies) */
} sfr_axon_t;

/* The state of one neuron on an accumulator_with_delay dendrite
 * (AccumulatorWithDelayModel, models.cpp:99-160): the charge due now and the
 * charges due 1..6 updates later, each possibly unset (std::optional), and
 * the step it was last brought up to. Bits 0-5 of has: nxt[i] set; bit 7:
 * acc set. */
typedef struct {
    int64_t ts;
    double acc;
    double nxt[6];
    uint8_t has;
    uint8_t d0; /* the delay of an input that comes without a synapse address:
                 * what address 0 holds (buffer before the dendrite) */
} sfr_dline_t;

#define SFR_DL_ACC 0x80u

/* This step's hops counted at a destination tile. */
typedef struct {
    uint64_t e, w, n, s, hops;
} sfr_hops_t;

typedef struct {
    uint32_t tile, offset, x, y;
    uint8_t pos; /* SFR_POS_* */
    double e_in, l_in, e_out, l_out;
    int several_in, several_out; /* SANA-FE keeps only the last axon unit's energy */
    uint32_t unit_first;         /* global index of its first unit */
    uint32_t used_first, used_end; /* into used[]: units in use, creation order */
} sfr_core_t;

typedef struct {
    double e_north, e_east, e_south, e_west;
    uint32_t first_core, n_cores;
} sfr_tile_t;

/* The sequential sums 0, e, e + e, ... that a unit paying e per event
 * reaches, grown on demand. */
typedef struct {
    double e;
    double *sum;
    uint64_t n, cap;
} sfr_seqsum_t;

struct sm_sfrun {
    const sm_sanafe_arch_t *arch;
    const sm_sanafe_snn_t *snn;
    uint32_t n_neurons, n_cores, n_tiles, n_units, n_inputs;
    double sync_latency;
    uint32_t width, height, links_per_router, buffer_size;

    /* neurons in run order: core by core, mapping order within a core */
    uint32_t *core_first; /* n_cores + 1 */
    uint32_t *nid;        /* run index -> global neuron id */
    sfr_neuron_t *nr;
    sfr_lif_t *lif;
    uint32_t *grank, *goff; /* group in SANA-FE's name order, offset in group */
    uint32_t *axon_first; /* n_neurons + 1 */

    /* axons: one per (source neuron, destination core), cores ascending */
    uint32_t n_axons;
    sfr_axon_t *ax;     /* n_axons + 1, the last a sentinel */
    uint32_t *eu_unit, *eu_count; /* (unit, events) pairs */
    uint32_t *route;              /* link indices of the routes */
    uint32_t *syn_post; /* run index */
    double *syn_w;
    uint64_t n_syn;

    /* accumulator_with_delay: NULL / 0 when no neuron sits on one */
    uint32_t n_dl;
    sfr_dline_t *dl;   /* in run order */
    uint32_t *dl_of;   /* per run index: into dl, UINT32_MAX if not delayed */
    uint8_t *syn_dly;  /* per synapse: the delay its dendrite looks up */

    sfr_unit_t *units;
    uint32_t *used;     /* per core, the global indices of its units in use */
    sfr_core_t *cores;
    sfr_tile_t *tiles;
    sfr_input_t *inputs;
    sfr_noise_t *noise;
    uint32_t n_noise;
    sfr_seqsum_t *sums;
    uint32_t n_sums;
    uint32_t *unit_sum; /* per unit: its seqsum (synapse / dendrite) */
    uint32_t *out_sum;  /* per core: seqsum of e_out */

    /* this step */
    int64_t step;
    uint32_t n_msg, cap_msg;
    uint32_t *msg_axon;   /* UINT32_MAX: a placeholder (processing, no message) */
    uint32_t *msg_core;   /* source core */
    double *msg_gen;
    uint32_t *core_msg;   /* n_cores + 1: messages of core c */
    uint64_t *core_in, *core_out;
    sfr_hops_t *tile_hops;

    /* detailed timing: heap, NoC state */
    double *m_sent, *m_recv;
    sfr_heap_ent_t *heap; /* std::priority_queue's order */
    uint32_t heap_n;
    double *density, *busy, *fifo_min;
    uint32_t **fifo, *fifo_n, *fifo_head, *fifo_cap; /* in flight: fifo[d][head .. n) */
    uint8_t *fifo_unordered;
    double sweep_min; /* no in-flight message is received before */
    uint64_t *fifo_bits;
    uint32_t fifo_words;
    uint32_t *qpos;

    /* logged spikes of this step, (group rank << 32 | offset) */
    uint64_t *spk;
    uint32_t n_spk, cap_spk;
    sm_sha256_t sha;
    uint64_t logged_total;
};

/* Which neurons sit on accumulator_with_delay dendrites (r->dl, r->dl_of),
 * and, when any do, the delay each synapse gets there: *dly (caller frees;
 * NULL when none), indexed like syn. */
int sfr_delays_build(sm_sfrun_t *r, const sm_sanafe_bound_t *b, const sm_sanafe_syn_t *syn,
                     uint8_t **dly, sm_error_t *err);
/* The noise stream of unit u (its file named in the architecture; a relative
 * name is tried from the current directory, as SANA-FE opens it, then from
 * the architecture file's directory) into r->noise. */
int sfr_noise_load(sm_sfrun_t *r, const sm_sanafe_unit_t *u, uint32_t *out, sm_error_t *err);
int sfr_seqsum(sm_sfrun_t *r, uint32_t s, uint64_t n, double *out, sm_error_t *err);
double sfr_time_simple(sm_sfrun_t *r);
double sfr_time_detailed(sm_sfrun_t *r);
int sfr_sched_init(sm_sfrun_t *r, sm_error_t *err);

#endif
