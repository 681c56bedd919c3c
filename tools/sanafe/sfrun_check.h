/* sfrun_check: a run's sanafe.json against SANA-FE's expected.json
 * (schema sanafe-acceptance/1), field by field: counters, logged spikes and
 * their digest exactly; energies and simple latency to a relative
 * tolerance per step and in total; detailed latency exactly or within a
 * total and a per-step tolerance. */
#ifndef SM_SFRUN_CHECK_H
#define SM_SFRUN_CHECK_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "sm_error.h"

typedef struct {
    double energy_rel;         /* per step and total (1e-12) */
    double simple_rel;         /* simple latency, per step and total (1e-12) */
    double detailed_total_rel; /* detailed latency, total (1e-3) */
    double detailed_step_rel;  /* detailed latency, any step (1e-2) */
    int latency_exact;         /* detailed latency must be identical */
} sm_sfrun_tol_t;

void sm_sfrun_tol_default(sm_sfrun_tol_t *t);

/* Prints one line per field to f (NULL: silent). Returns the number of
 * fields out of tolerance, or -1 (err filled) if a document lacks a field
 * or has the wrong shape. */
int sm_sfrun_check(const cJSON *exp, const cJSON *got, const sm_sfrun_tol_t *tol, FILE *f,
                   sm_error_t *err);

#endif
