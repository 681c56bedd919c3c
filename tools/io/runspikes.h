/* runspikes: the spikes a finished run wrote, read back from its directory
 * (stats.json and spikes.csv), for comparing two runs of one network
 * (spikemesh compare). A NIR batch's samples run end to end: spike times
 * are sample * ticks_per_sample + tick. */
#ifndef SM_RUNSPIKES_H
#define SM_RUNSPIKES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net.h"
#include "sm_error.h"

struct cJSON;

typedef struct {
    char name[SM_NAME_MAX];
    uint32_t size;
    bool recorded;           /* spikes.csv holds its spikes                    */
} sm_runpop_t;

typedef struct {
    uint64_t t;              /* sample * ticks_per_sample + tick               */
    uint32_t pop;            /* index into pops                                */
    uint32_t index;          /* neuron within the population                   */
} sm_runspike_t;

typedef struct {
    uint32_t ticks;          /* stats.json's: every sample's, end to end       */
    uint32_t ticks_per_sample;
    uint64_t samples;        /* 1 for a JSON network                           */
    double dt_ms;
    sm_runpop_t *pops;
    uint32_t n_pops;
    sm_runspike_t *spikes;   /* sorted by population, time, index; a count of
                                k is k equal entries (k rows of spikes.csv)    */
    size_t n_spikes;
    uint32_t *predictions;   /* NIR: per sample, or NULL                       */
    bool labelled;           /* NIR with --labels: accuracy below              */
    uint64_t correct;
    double accuracy;
    struct cJSON *stats;     /* the whole stats.json, for what callers copy    */
} sm_runspikes_t;

/* Reads DIR/stats.json and DIR/spikes.csv. Every row must name a
 * population of stats.json and a neuron in it. Caller owns the result. */
sm_runspikes_t *sm_runspikes_read(const char *dir, sm_error_t *err);
void sm_runspikes_destroy(sm_runspikes_t **rs_p);

#endif
