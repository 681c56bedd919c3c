/* sfrun_out: a SANA-FE run's figures as SANA-FE's acceptance files hold
 * them: sanafe.json in the sanafe-acceptance/1 schema (the schema of the
 * reference runs' expected.json) and ticks.csv, one line per step. */
#ifndef SM_SFRUN_OUT_H
#define SM_SFRUN_OUT_H

#include <cjson/cJSON.h>

#include "sfrun.h"

typedef struct {
    const char *name;       /* the run's name */
    const char *arch, *snn; /* paths as given */
    const char *snn_format; /* "yaml" or "netlist" */
    const char *command;    /* the command line */
    sm_sfrun_timing_t timing;
} sm_sfrun_meta_t;

/* The sanafe.json document. Numbers are written in the fewest digits that
 * read back to the same double. */
cJSON *sm_sfrun_json(const sm_sfrun_meta_t *meta, const sm_sfrun_result_t *res, sm_error_t *err);

/* Writes DIR/sanafe.json and DIR/ticks.csv, each atomically. */
int sm_sfrun_write(const char *dir, const cJSON *json, const sm_sfrun_result_t *res, sm_error_t *err);

/* Run totals: sums over the steps in SANA-FE's order (chip.cpp:462-475). */
typedef struct {
    uint64_t fired, updated, synaptic_events, packets, hops;
    double sim_time, e_total, e_synapse, e_dendrite, e_soma, e_network;
} sm_sfrun_totals_t;

void sm_sfrun_totals(const sm_sfrun_result_t *res, sm_sfrun_totals_t *t);

#endif
