#include "transport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int s_inproc(char *buf, size_t n, const char *run_id, uint32_t shard, const char *base)
{
    (void)base;
    int w = snprintf(buf, n, "inproc://spikemesh-%s-%u", run_id, shard);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

static int s_ipc(char *buf, size_t n, const char *run_id, uint32_t shard, const char *base)
{
    int w = snprintf(buf, n, "ipc://%s/spikemesh-%s-%u", base ? base : "/tmp", run_id, shard);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

/* base is "host:port0"; shard k listens on port0 + k. */
static int s_tcp(char *buf, size_t n, const char *run_id, uint32_t shard, const char *base)
{
    (void)run_id;
    char host[256] = "127.0.0.1";
    unsigned port0 = 47000;
    if (base) {
        const char *colon = strrchr(base, ':');
        if (!colon || (size_t)(colon - base) >= sizeof host)
            return -1;
        memcpy(host, base, (size_t)(colon - base));
        host[colon - base] = '\0';
        port0 = (unsigned)strtoul(colon + 1, NULL, 10);
    }
    int w = snprintf(buf, n, "tcp://%s:%u", host, port0 + shard);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

const sm_transport_t sm_transport_inproc = {.scheme = "inproc", .endpoint = s_inproc};
const sm_transport_t sm_transport_ipc = {.scheme = "ipc", .endpoint = s_ipc};
const sm_transport_t sm_transport_tcp = {.scheme = "tcp", .endpoint = s_tcp};
