/* energy: what a finished run would cost on a chip, in joules and in time.
 *
 * Counts come from the run (sm_result_t: per-core counters and per-link
 * packets); prices come from the chip's profile (sm_chip_t). Categories:
 *   synaptic       synaptic_events x synaptic op
 *   neuron_update  active_updates x active + (dense_updates - active_updates)
 *                  x inactive: active by the chip rule (nonzero input or a
 *                  spike in the tick, counted alike by both engines), every
 *                  other neuron-tick idle (a time-stepped chip updates it too)
 *   spike          spikes x spike generated
 *   routing        packets_out x send + events_received x receive + link
 *                  traversals x hop energy of their direction (east-west,
 *                  north-south, or between chips)
 *   static         (used cores x core power + used chips x chip power) x
 *                  emulated chip time
 * Time per tick = the busiest core's busy time (synaptic ops, updates and
 * spikes times their latencies) averaged per tick, plus router latency (mean
 * hops per packet plus the hottest link's packets per tick, times hop
 * latency), plus the barrier.
 * Real-time factor = network time / chip time: dt over the chip's time per
 * tick, whatever the chip; a fixed-tick chip whose tick is not the network's
 * dt is warned about (`warning`), never silently rescaled. */
#ifndef SM_ENERGY_H
#define SM_ENERGY_H

#include <stdint.h>
#include <stdio.h>

#include "chip.h"
#include "engine.h"

enum {
    SM_ENERGY_SYNAPTIC = 0,
    SM_ENERGY_UPDATE,
    SM_ENERGY_SPIKE,
    SM_ENERGY_ROUTING,
    SM_ENERGY_STATIC,
    SM_ENERGY_N
};

extern const char *const sm_energy_category[SM_ENERGY_N];

typedef struct {
    uint32_t x, y;
    double joules[SM_ENERGY_N];
    double total;
    double busy_ns;           /* over the whole run                          */
} sm_energy_core_t;

typedef struct {
    uint32_t x0, y0, x1, y1;
    double per_tick;
} sm_energy_link_t;

#define SM_ENERGY_HOT 5

typedef struct {
    char chip[SM_CHIP_NAME_MAX];
    uint32_t ticks;
    double dt_ms;
    double joules[SM_ENERGY_N];
    double total_joules;
    uint64_t hops_ew, hops_ns, hops_chip;   /* from the per-link counts      */
    uint32_t cores_used, chips_used;
    double busy_ns_per_tick;  /* busiest core                                 */
    double router_ns_per_tick;
    double barrier_ns;
    double compute_ns_per_tick;   /* busy + router + barrier                  */
    double chip_seconds_per_tick; /* fixed tick: max(tick, compute), else compute */
    double realtime_factor;   /* network time / chip time: dt / chip seconds per tick */
    double tick_load;         /* fixed tick: compute / tick (> 1: it overruns); else 0 */
    int fixed_tick;
    /* A fixed-tick chip given a network of another dt: every network tick
     * is priced as one chip tick. Empty when they agree. */
    char warning[320];
    double link_max_per_tick, link_mean_per_tick;
    uint32_t n_hot_links, n_hot_cores;
    sm_energy_link_t hot_links[SM_ENERGY_HOT];
    uint32_t hot_cores[SM_ENERGY_HOT];      /* indices into cores, by energy   */
    sm_energy_core_t *cores;  /* width x height, core id order; owned         */
    uint32_t n_cores;
    /* what sm_energy_tick needs of the whole run */
    double hop_pj_mean;       /* hop energy over the run's hops (pJ)          */
    double hop_ns_mean;       /* hop latency over the run's hops (ns)         */
    double hop_ns_max;        /* the slower of the two on-chip hop latencies  */
    double static_w;          /* used cores' and chips' static power          */
    double models;            /* neurons with a model: dense updates per tick */
} sm_energy_t;

/* The latencies (ns) a run on chip prices each tick's busiest core with
 * (sm_run_opts_t.tick_ns): a synaptic event, an active and an idle neuron
 * update, a spike. */
void sm_energy_tick_ns(const sm_chip_t *chip, double ns[4]);

/* One tick of the run's per-tick series (res->tick_cnt) priced as the run
 * is: joules by category, and the chip time of the tick (ns), its busiest
 * core + router (the tick's hops per packet x the run's mean hop latency,
 * plus the hottest link's share) + barrier, at least the tick on a fixed-
 * tick chip (the busiest core 0 if the run recorded none). Routing prices
 * the tick's hops at the run's mean hop energy.
 * Needs e from sm_energy_compute of the same run. */
void sm_energy_tick(const sm_chip_t *chip, const sm_energy_t *e, const sm_result_t *res,
                    uint32_t tick, double joules[SM_ENERGY_N], double *chip_ns);

/* Fills `out` (call sm_energy_fini after). Fails with SM_EINVAL if the
 * result's grid does not match the chip's. */
int sm_energy_compute(const sm_chip_t *chip, const sm_result_t *res, sm_energy_t *out,
                      sm_error_t *err);
void sm_energy_fini(sm_energy_t *e);

/* A short human summary. */
void sm_energy_print(FILE *f, const sm_energy_t *e);

/* Adds to a stats.json object: totals.energy_joules (inside "totals",
 * created if absent), "energy" {chip, by category, total, timing, hottest
 * links and cores, per-core list} and "chip_seconds_per_tick". */
struct cJSON;
int sm_energy_to_json(const sm_energy_t *e, struct cJSON *stats);

#endif
