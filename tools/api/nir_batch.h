/* nir_batch: a compiled NIR graph (nir_compile.h) run sample after sample,
 * each from the initial state (batch inference), and what the batch leaves:
 * one result with every sample's counters and spikes end to end, the output
 * layer's prediction per sample, and stats.json's "nir" section. Shared by
 * `spikemesh run MODEL.nir` (tools/cli/run_nir.c) and the embedding library
 * (spikemesh_run.c), so both run a graph the same way. */
#ifndef SM_NIR_BATCH_H
#define SM_NIR_BATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "dist.h"
#include "engine.h"
#include "nir_compile.h"
#include "result.h"
#include "sm_error.h"

struct cJSON;

typedef struct {
    /* Keep every sample's traces in the whole run's result (samples end to
     * end, as its spikes); else it has no probes. */
    bool keep_traces;
    /* Spread each sample over worker processes; NULL or no workers: in this
     * process, the engine built once and run again per sample. */
    const sm_dist_opts_t *dist;
    /* Called after each sample with that sample's own result (ticks from
     * 0); a non-zero return stops the batch (err filled). May be NULL. */
    int (*on_sample)(void *ctx, const sm_result_t *r, uint64_t b, sm_error_t *err);
    void *ctx;
} sm_nir_batch_opts_t;

typedef struct {
    sm_result_t *all;     /* sample b's ticks are b * ticks ..; finished      */
    uint64_t samples;
    uint32_t ticks;       /* per sample                                        */
    uint32_t *pred;       /* per sample: argmax of the output layer's spike
                             counts (ties to the lowest index); NULL without a
                             spiking output layer                              */
    double seconds;       /* the samples' wall time                            */
} sm_nir_batch_t;

/* Runs every sample of `in` for nn->net->ticks ticks each, with opts (its
 * mapping placed already). On failure *out holds nothing and err names the
 * sample of a batch. */
int sm_nir_batch_run(sm_nir_net_t *nn, const sm_nir_input_t *in, const sm_run_opts_t *opts,
                     const sm_nir_batch_opts_t *bo, sm_nir_batch_t *out, sm_error_t *err);
void sm_nir_batch_fini(sm_nir_batch_t *b);

/* Adds stats.json's "nir" section to doc: the file, flavor, dt, samples and
 * their speed, the output layer, the compiled projections with the weights
 * they store, the predictions, and with labels (one class per sample, may
 * be NULL) the accuracy and the confusion matrix. */
int sm_nir_batch_stats(const sm_nir_net_t *nn, const sm_nir_batch_t *b, const char *model,
                       const int64_t *labels, struct cJSON *doc);

#endif
