/* report: what a run leaves behind: spikes.csv, traces.csv, stats.json (and
 * ticks.csv, ticks.h), and the short summary printed at the end. */
#ifndef SM_REPORT_H
#define SM_REPORT_H

#include <stdio.h>

#include "chip.h"
#include "energy.h"
#include "engine.h"
#include "net.h"

struct cJSON;

/* Builds the stats.json document (caller owns it). Keys are a stable interface:
 * see docs/outputs.md. */
struct cJSON *sm_report_stats(const sm_net_t *net, const sm_result_t *r, int dense);
void sm_report_spikes(FILE *f, const sm_net_t *net, const sm_result_t *r);
void sm_report_traces(FILE *f, const sm_net_t *net, const sm_result_t *r);
/* Bytes sm_report_spikes would write (exactly), and an upper estimate of
 * stats.json's: checked against the output limit before writing. */
double sm_report_spikes_bytes(const sm_net_t *net, const sm_result_t *r);
double sm_report_stats_bytes(const sm_net_t *net, const sm_result_t *r);
/* Writes DIR/spikes.csv, DIR/traces.csv and DIR/stats.json: all three to
 * temporary files first, renamed into place only once all are complete. */
int sm_report_write_all(const sm_net_t *net, const sm_result_t *r, struct cJSON *stats,
                        const char *dir, sm_error_t *err);
/* The same with DIR/ticks.csv as the fourth file (ticks.h): a run's outputs.
 * chip and e (its energy report) NULL for a run without a chip. */
int sm_report_write_run(const sm_net_t *net, const sm_result_t *r, struct cJSON *stats,
                        const sm_chip_t *chip, const sm_energy_t *e, const char *dir,
                        sm_error_t *err);
void sm_report_summary(FILE *f, const sm_net_t *net, const sm_result_t *r, int dense);
/* Population of gid (binary search over the populations' first gids). */
uint32_t sm_net_pop_of(const sm_net_t *net, uint32_t gid);

#endif
