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

/* base is "host:port0" (shard k on port0 + k) or "host" (any free port). */
static int s_tcp(char *buf, size_t n, const char *run_id, uint32_t shard, const char *base)
{
    (void)run_id;
    char host[256] = "127.0.0.1";
    const char *colon = base ? strrchr(base, ':') : NULL;
    size_t hl = base ? (colon ? (size_t)(colon - base) : strlen(base)) : 0;
    if (hl >= sizeof host)
        return -1;
    if (base) {
        memcpy(host, base, hl);
        host[hl] = '\0';
    }
    int w = colon ? snprintf(buf, n, "tcp://%s:%lu", host, strtoul(colon + 1, NULL, 10) + shard)
                  : snprintf(buf, n, "tcp://%s:*", host);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

const sm_transport_t sm_transport_inproc = {.scheme = "inproc", .endpoint = s_inproc};
const sm_transport_t sm_transport_ipc = {.scheme = "ipc", .endpoint = s_ipc};
const sm_transport_t sm_transport_tcp = {.scheme = "tcp", .endpoint = s_tcp};
