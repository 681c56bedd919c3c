/* run_nir: `spikemesh run MODEL.nir ...`, the NIR branch of `spikemesh run`.
 *
 * cmd_run.c hands every option it does not know to sm_nir_run_option, and
 * the whole run to sm_nir_run when the model is a NIR file (or a NIR option
 * was given). The options shared with JSON runs (ticks, engine, threads,
 * out, chip, mapping, strategy, seed, workers, quiet, ...) come parsed, in
 * sm_nir_run_ctx_t. docs/nir.md describes the command. */
#ifndef SM_RUN_NIR_H
#define SM_RUN_NIR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dist.h"
#include "engine.h"

typedef enum { SM_NIR_REC_ALL = 0, SM_NIR_REC_OUTPUT, SM_NIR_REC_NONE } sm_nir_rec_t;

typedef struct {
    const char *conventions;   /* --nir-conventions SIDE.json                   */
    const char *flavor;        /* --nir-flavor NAME                             */
    const char *input;         /* --input X.npy                                 */
    const char *labels;        /* --labels FILE                                 */
    const char *output;        /* --nir-output FILE (check.py's text format)    */
    bool record_v;             /* --record-v all                                */
    sm_nir_rec_t record_spikes;/* --record-spikes all|output|none               */
    bool any;                  /* some NIR option was given                     */
} sm_nir_run_opts_t;

/* What `spikemesh run` parsed for every kind of run. */
typedef struct {
    const char *out_dir;
    sm_run_opts_t *opts;
    bool engine_given;         /* --engine on the command line                  */
    int quiet;
    const char *chip, *mapping, *strategy;
    uint32_t map_seed;
    const sm_dist_opts_t *dist;
} sm_nir_run_ctx_t;

void sm_nir_run_opts_default(sm_nir_run_opts_t *nr);
/* Consumes a NIR option at argv[i] (value v, or NULL): returns how many
 * arguments it took (1 or 2), 0 if it is not one, -1 (after a message) if
 * its value is bad. */
int sm_nir_run_option(sm_nir_run_opts_t *nr, const char *a, const char *v);
/* True if the run is a NIR one: a .nir model or a NIR option. */
bool sm_nir_run_wanted(const sm_nir_run_opts_t *nr, const char *model_path);
/* The whole run; returns the exit status (0, 1 failure, 2 bad input). */
int sm_nir_run(const sm_nir_run_opts_t *nr, const char *model_path, const sm_nir_run_ctx_t *rc);
/* The lines of `spikemesh run --help` about NIR models. */
void sm_nir_run_usage(FILE *f);

#endif
