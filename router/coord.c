/* coord: the coordinator of a distributed run. It carries only control —
 * setup, start, heartbeats, results and errors — never spikes.
 *
 * Every joined worker is watched from the moment it joins: it beats every
 * 0.25 s, in the handshake as in the run, and one silent for the heartbeat
 * timeout is declared dead. The coordinator beats as often, to every joined
 * worker, and its beats carry that timeout, which the workers apply to it in
 * turn. A worker keeps one routing id for its life: one that says HELLO again
 * has reconnected, keeps its slot, and is sent again the latest step of the
 * handshake, which it may have missed. */
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
#include "sockdir.h"

#define S_BEAT 0.25

typedef struct {
    uint8_t ident[256];
    size_t ident_len;
    int joined, ready, connected, done;
    int silent;             /* declared dead for its silence                    */
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
    /* The latest step every worker was sent (SETUP, PEERS, START, DONE; 0
     * before SETUP), and what it takes to send it again. */
    sm_ctl_kind_t step;
    const uint8_t *spec;
    size_t spec_len;
    uint64_t fp;
    const char *transport;
    double last_beat;
    char dir[128];          /* the run's own directory of ipc sockets, or ""   */
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

static void s_reply(s_coord_t *c, const uint8_t *ident, size_t ilen, sm_ctl_kind_t kind,
                    const char *text)
{
    sm_ctl_t m;
    sm_ctl_init(&m, kind);
    m.text = (char *)text;
    sm_ctl_send(c->sock, ident, ilen, &m);
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

/* A beat says how long a worker may wait for the next. */
static void s_beat(s_coord_t *c, uint32_t i)
{
    sm_ctl_t m;
    sm_ctl_init(&m, SM_CTL_HEARTBEAT);
    double ms = c->o->heartbeat_timeout * 1000.0;
    m.has_heartbeat_ms = 1;
    m.heartbeat_ms = ms >= (double)UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
    s_send(c, i, &m);
}

/* Sends worker i the latest step of the handshake. */
static void s_send_step(s_coord_t *c, uint32_t i)
{
    sm_ctl_t m;
    sm_ctl_init(&m, c->step);
    char **eps = NULL;
    switch (c->step) {
    case SM_CTL_SETUP:
        m.has_worker = m.has_n_workers = m.has_net = m.has_fingerprint = 1;
        m.worker = i;
        m.n_workers = c->n;
        m.net.data = (uint8_t *)c->spec;
        m.net.len = c->spec_len;
        m.fingerprint = c->fp;
        m.text = (char *)c->transport;
        break;
    case SM_CTL_PEERS:
        if (!(eps = calloc(c->n, sizeof *eps)))
            return; /* the worker is found silent or not ready in time */
        for (uint32_t k = 0; k < c->n; k++)
            eps[k] = c->peers[k].endpoint;
        m.n_endpoints = c->n;
        m.endpoints = eps;
        break;
    case SM_CTL_START:
    case SM_CTL_DONE:
        break;
    default:
        return;
    }
    s_send(c, i, &m);
    free(eps);
}

static void s_step_all(s_coord_t *c, sm_ctl_kind_t step)
{
    c->step = step;
    for (uint32_t i = 0; i < c->n; i++)
        s_send_step(c, i);
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
            s_reply(c, ident, ilen, SM_CTL_ERROR, c->refused);
        } else if (i >= 0) {
            /* It reconnected: what we sent meanwhile may be lost. */
            fprintf(stderr, "spikemesh: coordinator: worker %d reconnected\n", i);
            c->peers[i].last_seen = sm_now();
            s_beat(c, (uint32_t)i);
            s_send_step(c, (uint32_t)i);
        } else {
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
                fprintf(stderr, "spikemesh: coordinator: a worker joined that was not expected; sent away\n");
                s_reply(c, ident, ilen, SM_CTL_ABORT, "this run has all its workers");
            } else {
                s_peer_t *p = &c->peers[k];
                p->joined = 1;
                memcpy(p->ident, ident, ilen);
                p->ident_len = ilen;
                p->last_seen = sm_now();
                s_beat(c, (uint32_t)k);
            }
        }
    } else if (i < 0) {
        /* Perhaps a worker of an earlier run, or one declared dead: it must
         * not wait for us. */
        fprintf(stderr, "spikemesh: coordinator: a message from an unknown peer; sent it away\n");
        s_reply(c, ident, ilen, SM_CTL_ABORT, "not a worker of this run");
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

/* Waits until every worker has `flag` set, or fails: a worker dies, one that
 * joined falls silent, or time runs out. */
static int s_wait_all(s_coord_t *c, size_t flag_offset, double timeout, const char *what,
                      sm_error_t *err)
{
    double end = sm_now() + timeout;
    for (;;) {
        if (sm_now() - c->last_beat >= S_BEAT) {
            /* Workers waiting on others know we are alive. */
            c->last_beat = sm_now();
            for (uint32_t i = 0; i < c->n; i++)
                if (c->peers[i].joined)
                    s_beat(c, i);
        }
        uint32_t have = 0;
        for (uint32_t i = 0; i < c->n; i++)
            have += *(int *)((char *)&c->peers[i] + flag_offset) != 0;
        if (have == c->n)
            return 0;
        if (s_handle(c, err) || s_check_children(c, err))
            return -1;
        double now = sm_now();
        for (uint32_t i = 0; i < c->n; i++) {
            s_peer_t *p = &c->peers[i];
            if (!p->joined || p->done || now - p->last_seen <= c->o->heartbeat_timeout)
                continue;
            p->silent = 1;
            if (c->step >= SM_CTL_START)
                return sm_fail(err, SM_ETIMEDOUT,
                               "worker %u stopped answering at tick %u (silent for %.1f s)", i,
                               p->tick, now - p->last_seen);
            return sm_fail(err, SM_ETIMEDOUT,
                           "worker %u stopped answering during setup (silent for %.1f s)", i,
                           now - p->last_seen);
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
    if (sm_netmsg_pack_run(net, ticks, opts->dense, opts->tick_ns, map, &spec, &spec_len, err))
        goto out;
    c.peers = calloc(c.n, sizeof *c.peers);
    c.zctx = zmq_ctx_new();
    c.sock = c.zctx ? zmq_socket(c.zctx, ZMQ_ROUTER) : NULL;
    if (!c.peers || !c.sock) {
        sm_fail(err, SM_ENOMEM, "out of memory");
        goto out;
    }
    sm_ctl_bound(c.sock, 500);
    /* A worker that reconnects under its routing id takes over from its
     * old connection, if that is not known to be gone yet. */
    int one = 1;
    zmq_setsockopt(c.sock, ZMQ_ROUTER_HANDOVER, &one, sizeof one);
    if (pub[0]) {
        if (!(zap = sm_zap_start(c.zctx, pub, err)))
            goto out;
        sm_curve_server(c.sock, sec);
    }
    char ep[512];
    if (d->listen)
        snprintf(ep, sizeof ep, "%s", d->listen);
    else if (sm_sockdir_make(c.dir, sizeof c.dir, err))
        goto out;
    else
        snprintf(ep, sizeof ep, "ipc://%s/ctl", c.dir);
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
    if (s_wait_all(&c, S_FLAG(joined), d->join_timeout, "joined", err))
        goto out;
    c.spec = spec;
    c.spec_len = spec_len;
    c.fp = sm_fingerprint(spec, spec_len);
    c.transport = d->listen || (d->transport && !strcmp(d->transport, "tcp")) ? "tcp" : "ipc";
    s_step_all(&c, SM_CTL_SETUP);
    if (s_wait_all(&c, S_FLAG(ready), d->join_timeout, "were ready", err))
        goto out;
    if (d->verbose)
        for (uint32_t i = 0; i < c.n; i++)
            fprintf(stderr, "spikemesh: worker %u listening at %s\n", i, c.peers[i].endpoint);
    s_step_all(&c, SM_CTL_PEERS);
    if (s_wait_all(&c, S_FLAG(connected), d->join_timeout, "connected", err))
        goto out;
    if (d->verbose)
        fprintf(stderr, "spikemesh: coordinator: all %u workers connected; starting\n", c.n);
    double t0 = sm_now();
    for (uint32_t i = 0; i < c.n; i++)
        c.peers[i].last_seen = t0;
    s_step_all(&c, SM_CTL_START);
    if (s_wait_all(&c, S_FLAG(done), 1e9, "finished", err))
        goto out;
    double wall = sm_now() - t0;
    /* The workers may go now; merging can take a while, and they would
     * only wait for it in silence. */
    s_step_all(&c, SM_CTL_DONE);
    if (!(r = sm_result_alloc(ticks, net->dt_ms, net->n_probes, map->width, map->height)) ||
        sm_result_sample(r, net->trace_every)) {
        sm_fail(err, SM_ENOMEM, "out of memory for results");
        goto out;
    }
    for (uint32_t i = 0; i < c.n; i++)
        if (sm_part_merge(r, c.peers[i].result, c.peers[i].result_len, net->n_neurons, err)) {
            sm_error_prefix(err, "worker %u: ", i);
            sm_result_destroy(&r);
            goto out;
        }
    if (!r->tick_cnt || (opts->tick_ns && !r->tick_busy_ns)) {
        sm_fail(err, SM_EPROTO, "the workers sent no per-tick series");
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
out:
    if (!r && c.sock && c.step != SM_CTL_DONE)
        s_broadcast(&c, SM_CTL_ABORT, err->msg);
    /* Give workers a moment to leave on their own, then make sure; one
     * found silent will not leave. */
    if (c.peers) {
        for (uint32_t i = 0; i < c.n; i++)
            if (c.peers[i].pid > 0 && c.peers[i].silent)
                kill(c.peers[i].pid, SIGKILL);
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
    if (c.sock)
        zmq_close(c.sock);
    sm_zap_stop(&zap);
    if (c.zctx)
        zmq_ctx_term(c.zctx);
    /* Last: the workers are gone and the socket closed. */
    sm_sockdir_remove(c.dir);
    free(c.peers);
    free(spec);
    sm_mapping_destroy(&own);
    return r;
}
