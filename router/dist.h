/* dist: one run spread over worker processes, on one machine or several.
 *
 * A coordinator owns only control: it ships each worker the network and the
 * mapping (protobuf, so workers need no files), tells them each other's
 * endpoints, starts them, watches their heartbeats, and gathers their results.
 * Each worker hosts one shard (a rectangle of the core grid) and exchanges
 * spikes with the other workers directly, over ipc or tcp, with the same
 * protocol as threads in one process; so results are byte-identical. */
#ifndef SM_DIST_H
#define SM_DIST_H

#include "engine.h"

typedef struct {
    uint32_t workers;          /* N                                                 */
    const char *listen;        /* tcp://ADDR:PORT to wait for remote workers; NULL:
                                  spawn N local workers                              */
    const char *transport;     /* spawned workers' data links: "ipc" (default), "tcp" */
    const char *curve_file;    /* key file from `spikemesh keygen`, or NULL          */
    const char *worker_exe;    /* program to spawn (default: this one)               */
    double heartbeat_timeout;  /* seconds without news before a worker is dead (3)   */
    double join_timeout;       /* seconds to wait for workers to join and build (60) */
    int verbose;
} sm_dist_opts_t;

typedef struct {
    const char *connect;       /* coordinator endpoint                              */
    const char *bind_host;     /* where the data socket listens (tcp); 127.0.0.1    */
    const char *curve_file;
    double timeout;            /* seconds to wait for the coordinator (30)           */
    int verbose;
} sm_worker_opts_t;

void sm_dist_opts_default(sm_dist_opts_t *d);
sm_result_t *sm_dist_run(const sm_net_t *net, const sm_run_opts_t *opts,
                         const sm_dist_opts_t *d, sm_error_t *err);
int sm_worker_main(const sm_worker_opts_t *o, sm_error_t *err);

/* CURVE keys: one keypair shared by a cluster; a peer without it is refused. */
int sm_keygen(const char *path, sm_error_t *err);
int sm_curve_load(const char *path, char pub[41], char sec[41], sm_error_t *err);

/* "version/model size/wire version": coordinator and workers must agree. */
const char *sm_build_id(void);

#endif
