/* runrates: the spike rates a finished run measured, for mapping the same
 * network again with them instead of an assumed rate. */
#ifndef SM_RUNRATES_H
#define SM_RUNRATES_H

#include <stdint.h>

#include "net.h"
#include "sm_error.h"

/* Reads DIR/stats.json (ticks, populations) and DIR/spikes.csv of a run of
 * `net` and returns each neuron's spikes per tick (net->n_neurons entries;
 * caller owns, free). A population whose spikes the run did not record gets
 * NaN (not measured); *n_unmeasured (may be NULL) counts those neurons. The
 * run must be of this network: the populations' names and sizes must match,
 * and every row of spikes.csv must name one of its neurons. */
double *sm_rates_from_run(const sm_net_t *net, const char *dir, uint32_t *n_unmeasured,
                          sm_error_t *err);

#endif
