/* sfrun_job: a whole SANA-FE run from files: read the network (and the
 * chip, unless the network file carries its own), place it, run it, write
 * DIR/sanafe.json, DIR/ticks.csv and DIR/spikes.csv. What `spikemesh run
 * NET.yaml --chip ARCH.yaml` and `spikemesh sanafe check` share. */
#ifndef SM_SFRUN_JOB_H
#define SM_SFRUN_JOB_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "sfrun.h"

typedef struct {
    const char *net;  /* SNN YAML or netlist */
    const char *arch; /* NULL: the network file's own architecture: */
    uint32_t steps;
    sm_sfrun_timing_t timing;
    const char *out_dir; /* NULL: write nothing */
    const char *name;    /* for sanafe.json; NULL: the network's name */
    const char *command; /* for sanafe.json */
} sm_sfrun_job_t;

typedef struct {
    double t_read, t_prepare, t_run, t_write; /* seconds */
    uint64_t neurons, synapses, axons;
    uint32_t cores_used, tiles_used, n_cores, n_tiles;
    char arch_name[128], net_name[128];
    int own_arch; /* the chip came from the network file */
    int writing;  /* a failure came while writing the outputs */
} sm_sfrun_stats_t;

/* Runs job; warnings of the readers go to log (NULL: none). *json (if not
 * NULL) receives the sanafe.json document. */
int sm_sfrun_job(const sm_sfrun_job_t *job, FILE *log, sm_sfrun_result_t *res, cJSON **json,
                 sm_sfrun_stats_t *st, sm_error_t *err);

/* True if a path names a SANA-FE file by its extension (.yaml, .yml, .net). */
int sm_sfrun_is_sanafe_path(const char *path);

#endif
