/* coord: the coordinator of a distributed run. It carries only control —
 * setup, start, heartbeats, results and errors — never spikes. */
#define _GNU_SOURCE
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "ctl.h"
#include "dist.h"
#include "engine_int.h"
#include "netmsg.h"
#include "part.h"

typedef struct {
    uint8_t ident[256];
    size_t ident_len;
    int joined, ready, connected, done;
    double last_seen;
    uint32_t tick;
    char *endpoint;
    uint8_t *result;
    size_t result_len;
    pid_t pid;
} s_peer_t;

typedef struct {
    const sm_dist_opts_t *o;
    void *zctx, *sock;
    s_peer_t *peers;
    uint32_t n;
    char refused[512];
} s_coord_t;

void sm_dist_opts_default(sm_dist_opts_t *d)
{
    memset(d, 0, sizeof *d);
    d->heartbeat_timeout = 3.0;
    d->join_timeout = 60.0;
}

static void s_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int s_peer_of(s_coord_t *c, const uint8_t *ident, size_t len)
{
    for (uint32_t i = 0; i < c->n; i++)
        if (c->peers[i].joined && c->peers[i].ident_len == len && !memcmp(c->peers[i].ident, ident, len))
            return (int)i;
    return -1;
}

static void s_send(s_coord_t *c, uint32_t i, sm_ctl_t *m)
{
    sm_ctl_send(c->sock, c->peers[i].ident, c->peers[i].ident_len, m);
}

static void s_broadcast(s_coord_t *c, sm_ctl_kind_t kind, const char *text)
{
    sm_ctl_t m;
    sm_ctl_init(&m, kind);
    m.text = (char *)text;
    for (uint32_t i = 0; i < c->n; i++)
        if (c->peers[i].joined)
            s_send(c, i, &m);
}

static pid_t s_spawn(const char *exe, const char *connect, const char *curve)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    /* A worker must not outlive its coordinator. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(1);
    if (curve)
        execl(exe, exe, "worker", "--connect", connect, "--curve", curve, (char *)NULL);
    else
        execl(exe, exe, "worker", "--connect", connect, (char *)NULL);
    _exit(127);
}

/* Looks for dead children; names the first one that died. */
static int s_check_children(s_coord_t *c, sm_error_t *err)
{
    for (uint32_t i = 0; i < c->n; i++) {
        s_peer_t *p = &c->peers[i];
        if (p->pid <= 0)
            continue;
        int st;
        pid_t r = waitpid(p->pid, &st, WNOHANG);
        if (r != p->pid)
            continue;
        p->pid = 0;
        if (p->done)
            continue;
        char how[64];
        if (WIFSIGNALED(st))
            snprintf(how, sizeof how, "killed by signal %d", WTERMSIG(st));
        else
            snprintf(how, sizeof how, "exited with status %d", WEXITSTATUS(st));
        return sm_fail(err, SM_EPEER, "worker %u (pid %ld) died at tick %u: %s", i,
                       (long)r, p->tick, how);
    }
    return 0;
}

/* Handles one control message; returns -1 when the run must stop. */
static int s_handle(s_coord_t *c, sm_error_t *err)
{
    uint8_t ident[256];
    size_t ilen = 0;
    sm_error_t e2;
    sm_ctl_t *m = sm_ctl_recv(c->sock, 1, ident, &ilen, 100, &e2);
    if (!m) {
        if (e2.code == SM_EPROTO)
            fprintf(stderr, "spikemesh: coordinator: rejected a control message: %s\n", e2.msg);
        return 0;
    }
    int i = s_peer_of(c, ident, ilen);
    int rc = 0;
    if (m->kind == SM_CTL_HELLO) {
        const char *build = m->build ? m->build : "(none)";
        if (strcmp(build, sm_build_id())) {
            snprintf(c->refused, sizeof c->refused, "refused a worker built as '%s' (this is '%s')",
                     build, sm_build_id());
            fprintf(stderr, "spikemesh: coordinator: %s\n", c->refused);
            sm_ctl_t r;
            sm_ctl_init(&r, SM_CTL_ERROR);
            r.text = c->refused;
            sm_ctl_send(c->sock, ident, ilen, &r);
        } else if (i < 0) {
            /* A worker we started takes the slot of its pid, so that a death
             * is blamed on the right worker; others take the free slots. */
            int k = -1;
            for (uint32_t j = 0; j < c->n && k < 0; j++)
                if (!c->peers[j].joined && c->peers[j].pid > 0 && m->has_pid &&
                    (uint32_t)c->peers[j].pid == m->pid)
                    k = (int)j;
            for (uint32_t j = 0; j < c->n && k < 0; j++)
                if (!c->peers[j].joined && c->peers[j].pid <= 0)
                    k = (int)j;
            if (k < 0) {
                fprintf(stderr, "spikemesh: coordinator: a worker joined that was not expected; ignored\n");
            } else {
                s_peer_t *p = &c->peers[k];
                p->joined = 1;
                memcpy(p->ident, ident, ilen);
                p->ident_len = ilen;
                p->last_seen = sm_now();
            }
        }
    } else if (i < 0) {
        fprintf(stderr, "spikemesh: coordinator: ignored a message from an unknown peer\n");
    } else {
        s_peer_t *p = &c->peers[i];
        p->last_seen = sm_now();
        if (m->has_tick)
            p->tick = m->tick;
        switch (m->kind) {
        case SM_CTL_READY:
            if (m->text && !p->endpoint) {
                p->endpoint = strdup(m->text);
                p->ready = 1;
            }
            break;
        case SM_CTL_CONNECTED:
            p->connected = 1;
            break;
        case SM_CTL_HEARTBEAT:
            break;
        case SM_CTL_RESULT:
            if (m->has_result && !p->result) {
                p->result = malloc(m->result.len + 1);
                if (p->result) {
                    memcpy(p->result, m->result.data, m->result.len);
                    p->result_len = m->result.len;
                    p->done = 1;
                }
            }
            break;
        case SM_CTL_ERROR:
            sm_fail(err, SM_EPEER, "worker %d failed at tick %u: %s", i, p->tick,
                    m->text ? m->text : "no reason given");
            rc = -1;
            break;
        default:
            fprintf(stderr, "spikemesh: coordinator: ignored an unexpected message from worker %d\n", i);
        }
    }
    sm_ctl_destroy(&m);
    return rc;
}

/* Waits until every worker has `flag` set, or fails. */
static int s_wait_all(s_coord_t *c, size_t flag_offset, double timeout, int watch_beats,
                      const char *what, sm_error_t *err)
{
    double end = sm_now() + timeout, beat = 0.0;
    for (;;) {
        if (sm_now() - beat >= 1.0) {
            /* Keepalives: workers waiting on others know we are alive. */
            beat = sm_now();
            s_broadcast(c, SM_CTL_HEARTBEAT, NULL);
        }
        uint32_t have = 0;
        for (uint32_t i = 0; i < c->n; i++)
            have += *(int *)((char *)&c->peers[i] + flag_offset) != 0;
        if (have == c->n)
            return 0;
        if (s_handle(c, err) || s_check_children(c, err))
            return -1;
        double now = sm_now();
        if (watch_beats)
            for (uint32_t i = 0; i < c->n; i++) {
                s_peer_t *p = &c->peers[i];
                if (!p->done && now - p->last_seen > c->o->heartbeat_timeout)
                    return sm_fail(err, SM_ETIMEDOUT,
                                   "worker %u stopped answering at tick %u (silent for %.1f s)", i,
                                   p->tick, now - p->last_seen);
            }
        if (now > end)
            return sm_fail(err, SM_ETIMEDOUT, "%u of %u workers %s within %.0f s%s%s", have, c->n,
                           what, timeout, c->refused[0] ? "; " : "", c->refused);
    }
}

#define S_FLAG(f) offsetof(s_peer_t, f)

sm_result_t *sm_dist_run(const sm_net_t *net, const sm_run_opts_t *opts, const sm_dist_opts_t *d,
                         sm_error_t *err)
{
    s_coord_t c = {.o = d, .n = d->workers};
    sm_result_t *r = NULL;
    sm_mapping_t *own = NULL;
    uint8_t *spec = NULL;
    size_t spec_len = 0;
    sm_zap_t *zap = NULL;
    char pub[41] = "", sec[41] = "";
    if (d->workers < 1)
        return sm_fail(err, SM_EINVAL, "--workers: must be at least 1"), NULL;
    const sm_mapping_t *map = opts->mapping;
    if (!map && !(map = own = sm_mapping_sequential(net, opts->mesh_w, opts->mesh_h,
                                                    opts->neurons_per_core, err)))
        return NULL;
    uint32_t lines = map->width > map->height ? map->width : map->height;
    if (d->workers > lines) {
        sm_fail(err, SM_EINVAL,
                "--workers %u: the %u x %u mesh has only %u rows or columns to share out (use --mesh or --neurons-per-core)",
                d->workers, map->width, map->height, lines);
        sm_mapping_destroy(&own);
        return NULL;
    }
    uint32_t ticks = opts->ticks ? opts->ticks : net->ticks;
    if (d->curve_file && sm_curve_load(d->curve_file, pub, sec, err))
        goto out;
    if (sm_netmsg_pack(net, ticks, opts->dense, map, &spec, &spec_len, err))
        goto out;
    c.peers = calloc(c.n, sizeof *c.peers);
    c.zctx = zmq_ctx_new();
    c.sock = zmq_socket(c.zctx, ZMQ_ROUTER);
    if (!c.peers || !c.sock) {
        sm_fail(err, SM_ENOMEM, "out of memory");
        goto out;
    }
    if (pub[0]) {
        if (!(zap = sm_zap_start(c.zctx, pub, err)))
            goto out;
        sm_curve_server(c.sock, sec);
    }
    char ep[512];
    if (d->listen)
        snprintf(ep, sizeof ep, "%s", d->listen);
    else
        snprintf(ep, sizeof ep, "ipc:///tmp/spikemesh-%ld-ctl", (long)getpid());
    if (zmq_bind(c.sock, ep)) {
        sm_fail(err, SM_EIO, "--listen %s: cannot listen: %s", ep, zmq_strerror(zmq_errno()));
        goto out;
    }
    if (d->verbose)
        fprintf(stderr, "spikemesh: coordinator listening at %s for %u workers\n", ep, c.n);
    if (!d->listen) {
        char exe[4096];
        const char *path = d->worker_exe;
        if (!path) {
            ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
            if (n <= 0) {
                sm_fail(err, SM_EIO, "cannot find this program to start workers");
                goto out;
            }
            exe[n] = '\0';
            path = exe;
        }
        for (uint32_t i = 0; i < c.n; i++)
            if ((c.peers[i].pid = s_spawn(path, ep, d->curve_file)) < 0) {
                c.peers[i].pid = 0;
                sm_fail(err, SM_EIO, "cannot start worker %u", i);
                goto out;
            }
    }
    if (s_wait_all(&c, S_FLAG(joined), d->join_timeout, 0, "joined", err))
        goto out;
    uint64_t fp = sm_fingerprint(spec, spec_len);
    for (uint32_t i = 0; i < c.n; i++) {
        sm_ctl_t m;
        sm_ctl_init(&m, SM_CTL_SETUP);
        m.has_worker = m.has_n_workers = m.has_net = m.has_fingerprint = 1;
        m.worker = i;
        m.n_workers = c.n;
        m.net.data = spec;
        m.net.len = spec_len;
        m.fingerprint = fp;
        m.text = (char *)(d->listen || (d->transport && !strcmp(d->transport, "tcp")) ? "tcp" : "ipc");
        s_send(&c, i, &m);
    }
    if (s_wait_all(&c, S_FLAG(ready), d->join_timeout, 0, "were ready", err))
        goto out;
    char **eps = calloc(c.n, sizeof *eps);
    if (!eps) {
        sm_fail(err, SM_ENOMEM, "out of memory");
        goto out;
    }
    for (uint32_t i = 0; i < c.n; i++) {
        eps[i] = c.peers[i].endpoint;
        if (d->verbose)
            fprintf(stderr, "spikemesh: worker %u listening at %s\n", i, eps[i]);
    }
    sm_ctl_t peers;
    sm_ctl_init(&peers, SM_CTL_PEERS);
    peers.n_endpoints = c.n;
    peers.endpoints = eps;
    for (uint32_t i = 0; i < c.n; i++)
        s_send(&c, i, &peers);
    free(eps);
    if (s_wait_all(&c, S_FLAG(connected), d->join_timeout, 0, "connected", err))
        goto out;
    double t0 = sm_now();
    for (uint32_t i = 0; i < c.n; i++)
        c.peers[i].last_seen = t0;
    s_broadcast(&c, SM_CTL_START, NULL);
    if (s_wait_all(&c, S_FLAG(done), 1e9, 1, "finished", err))
        goto out;
    double wall = sm_now() - t0;
    if (!(r = sm_result_alloc(ticks, net->dt_ms, net->n_probes, map->width, map->height))) {
        sm_fail(err, SM_ENOMEM, "out of memory for results");
        goto out;
    }
    for (uint32_t i = 0; i < c.n; i++)
        if (sm_part_merge(r, c.peers[i].result, c.peers[i].result_len, net->n_neurons, err)) {
            sm_error_prefix(err, "worker %u: ", i);
            sm_result_destroy(&r);
            goto out;
        }
    if (sm_result_finish(r, err)) {
        sm_result_destroy(&r);
        goto out;
    }
    r->wall_seconds = wall;
    r->threads = 1;
    r->workers = c.n;
    s_broadcast(&c, SM_CTL_DONE, NULL);
out:
    if (!r && c.sock)
        s_broadcast(&c, SM_CTL_ABORT, err->msg);
    /* Give workers a moment to leave on their own, then make sure. */
    if (c.peers) {
        for (int wait = 0; wait < 40; wait++) {
            int alive = 0;
            for (uint32_t i = 0; i < c.n; i++)
                if (c.peers[i].pid > 0) {
                    if (waitpid(c.peers[i].pid, NULL, WNOHANG) == c.peers[i].pid)
                        c.peers[i].pid = 0;
                    else
                        alive = 1;
                }
            if (!alive)
                break;
            s_sleep_ms(50);
        }
        for (uint32_t i = 0; i < c.n; i++)
            if (c.peers[i].pid > 0) {
                kill(c.peers[i].pid, SIGKILL);
                waitpid(c.peers[i].pid, NULL, 0);
            }
        for (uint32_t i = 0; i < c.n; i++) {
            free(c.peers[i].endpoint);
            free(c.peers[i].result);
        }
    }
    if (c.sock) {
        int linger = 500;
        zmq_setsockopt(c.sock, ZMQ_LINGER, &linger, sizeof linger);
        zmq_close(c.sock);
    }
    sm_zap_stop(&zap);
    if (c.zctx)
        zmq_ctx_term(c.zctx);
    free(c.peers);
    free(spec);
    sm_mapping_destroy(&own);
    return r;
}
