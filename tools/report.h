/* report: what a run leaves behind: spikes.csv, traces.csv, stats.json, and
 * the short summary printed at the end. */
#ifndef SM_REPORT_H
#define SM_REPORT_H

#include <stdio.h>

#include "engine.h"
#include "net.h"

struct cJSON;

/* Builds the stats.json document (caller owns it). Keys are a stable interface:
 * see README, section Outputs. */
struct cJSON *sm_report_stats(const sm_net_t *net, const sm_result_t *r, int dense);
int sm_report_write_spikes(const sm_net_t *net, const sm_result_t *r, const char *path,
                           sm_error_t *err);
int sm_report_write_traces(const sm_net_t *net, const sm_result_t *r, const char *path,
                           sm_error_t *err);
int sm_report_write_json(struct cJSON *doc, const char *path, sm_error_t *err);
void sm_report_summary(FILE *f, const sm_net_t *net, const sm_result_t *r, int dense);
/* Population of gid (binary search over the populations' first gids). */
uint32_t sm_net_pop_of(const sm_net_t *net, uint32_t gid);

#endif
