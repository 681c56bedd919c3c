/* ctlmsg: control messages between a coordinator and its workers, as plain
 * structs. The wire form (control.proto) stays inside proto/: the router
 * sends and receives bytes and never sees generated code. */
#ifndef SM_CTLMSG_H
#define SM_CTLMSG_H

#include <stddef.h>
#include <stdint.h>

#include "sm_error.h"

typedef enum {
    SM_CTL_HELLO = 1,     /* worker -> coordinator: version, build, pid        */
    SM_CTL_SETUP = 2,     /* coordinator -> worker: its id, the network         */
    SM_CTL_READY = 3,     /* worker -> coordinator: built, listening at text    */
    SM_CTL_PEERS = 4,     /* coordinator -> worker: every worker's endpoint     */
    SM_CTL_CONNECTED = 5, /* worker -> coordinator                              */
    SM_CTL_START = 6,     /* coordinator -> worker                              */
    SM_CTL_HEARTBEAT = 7, /* either way: alive, at tick                         */
    SM_CTL_RESULT = 8,    /* worker -> coordinator                              */
    SM_CTL_ERROR = 9,     /* either way: text says what                         */
    SM_CTL_ABORT = 10,    /* coordinator -> worker                              */
    SM_CTL_DONE = 11      /* coordinator -> worker: results received, exit      */
} sm_ctl_kind_t;

typedef struct {
    uint8_t *data;
    size_t len;
} sm_bytes_t;

/* A field is present when its has_ flag is set (strings and lists: non-NULL
 * or non-empty). A message built by hand borrows its pointers; one returned
 * by sm_ctl_unpack owns them and is freed with sm_ctl_destroy. */
typedef struct {
    uint32_t version;
    sm_ctl_kind_t kind;
    int has_worker, has_tick, has_net, has_result, has_fingerprint, has_n_workers, has_pid,
        has_heartbeat_ms;
    uint32_t worker, tick, n_workers, pid, heartbeat_ms;
    char *text;
    char *build;
    char **endpoints;
    size_t n_endpoints;
    sm_bytes_t net, result;
    uint64_t fingerprint;
} sm_ctl_t;

/* A message of `kind` at this build's wire version, every field absent. */
void sm_ctl_init(sm_ctl_t *m, sm_ctl_kind_t kind);
/* Packs m; caller frees *buf. Returns 0, or -1 out of memory. */
int sm_ctl_pack(const sm_ctl_t *m, uint8_t **buf, size_t *len);
/* Parses and checks a message (wire version, kind). Caller owns the result
 * (sm_ctl_destroy); NULL with err filled on a malformed message. */
sm_ctl_t *sm_ctl_unpack(const uint8_t *buf, size_t len, sm_error_t *err);
void sm_ctl_destroy(sm_ctl_t **m_p);

#endif
