/* compare: two runs of one network, spike for spike (spikemesh compare: the
 * network in float against the same network in a chip's arithmetic).
 *
 * Per population: the spike counts and their difference; the spike trains
 * as sets of (tick, neuron) events, a count of k being k events: how many
 * both runs have (shared) and how many only one has, their sum the
 * distance (0: the same trains), normalised by all events of both (1: no
 * event in common); the rates and the mean over neurons of |rate a - rate
 * b|; the first tick at which the trains differ. For NIR batches, the
 * predictions of both, their agreement and, labelled, the accuracy of
 * each. docs/arithmetic.md describes compare.json. */
#ifndef SM_COMPARE_H
#define SM_COMPARE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "runspikes.h"

struct cJSON;

typedef struct {
    uint64_t spikes_a, spikes_b;
    uint64_t shared, only_a, only_b;
    bool diverged;
    uint64_t first_t;        /* the first differing time (sample * T + tick) */
    double rate_a_hz, rate_b_hz;
    double neuron_rate_diff_hz;  /* mean over neurons of |rate a - rate b|  */
} sm_cmp_stats_t;

typedef struct {
    uint32_t pop;            /* index into the runs' pops                      */
    bool recorded;           /* in both runs; else nothing to compare          */
    sm_cmp_stats_t s;
} sm_cmp_pop_t;

typedef struct {
    const sm_runspikes_t *a, *b;
    sm_cmp_pop_t *pops;
    uint32_t n_pops;
    sm_cmp_stats_t total;    /* over the populations recorded in both          */
    bool classified;         /* both runs have predictions                     */
    uint64_t agreeing;       /* samples whose predictions are the same         */
} sm_cmp_t;

/* Compares run b against run a; both must be runs of one network (the same
 * populations, sizes, ticks and samples). cmp keeps pointers to a and b. */
int sm_compare(const sm_runspikes_t *a, const sm_runspikes_t *b, sm_cmp_t *cmp, sm_error_t *err);
void sm_compare_fini(sm_cmp_t *cmp);

/* Adds the stats to JSON object o, a's keys named with `na`, b's with `nb`
 * ("float", "chip"): spikes_float, ..., first_divergence_tick (null if
 * none). */
void sm_compare_stats_to_json(const sm_cmp_t *cmp, const sm_cmp_stats_t *s, const char *na,
                              const char *nb, struct cJSON *o);
/* The populations and the totals as a short table. */
void sm_compare_print(FILE *f, const sm_cmp_t *cmp, const char *na, const char *nb);

#endif
