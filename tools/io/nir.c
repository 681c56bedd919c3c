/* nir: reading a .nir file into a checked graph.
 *
 * libhdf5 (1.10) trusts the file's internal offsets and lengths: some
 * corrupt files make it read out of bounds. So the file is read in a child
 * process (nir_file.c), which sends the graph back through a pipe
 * (nir_wire.c); a child that dies or hangs is a corrupt file, reported as
 * such, never a crash of the caller. Every check of the content is done
 * here, in the caller, on the graph that came back. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nir_int.h"

/* A reader still busy after 10 s plus 1 s per MB of file is stuck: some
 * corrupt files send libhdf5 round a loop for ever (real graphs read at
 * well over 100 MB/s). */
static long s_timeout_ms(const char *path)
{
    struct stat st;
    long mb = stat(path, &st) == 0 ? (long)(st.st_size >> 20) : 0;
    return 10000 + 1000 * mb;
}

enum { S_OK = 0, S_FAILED = 1 };

static void s_write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

/* The reader process: status byte, then fn's bytes or the error. */
static void s_child(const char *path, sm_nir_child_fn fn, void *arg, int fd)
{
    /* libhdf5 and the sanitizers may print on their way down; the parent
     * reports the failure itself. */
    int dn = open("/dev/null", O_WRONLY);
    if (dn >= 0) {
        dup2(dn, STDERR_FILENO);
        dup2(dn, STDOUT_FILENO);
        close(dn);
    }
    sm_error_t err;
    sm_error_clear(&err);
    sm_nir_buf_t b = {0};
    uint8_t st = S_OK;
    sm_nir_buf_put(&b, &st, 1);
    if (fn(path, arg, &b, &err)) {
        b.len = 0;
        b.oom = false;
        st = S_FAILED;
        uint32_t code = (uint32_t)err.code, len = (uint32_t)strlen(err.msg);
        sm_nir_buf_put(&b, &st, 1);
        sm_nir_buf_put(&b, &code, sizeof code);
        sm_nir_buf_put(&b, &len, sizeof len);
        sm_nir_buf_put(&b, err.msg, len);
    }
    if (b.oom) {
        static const char msg[] = "out of memory reading the file";
        uint8_t head[9] = {S_FAILED};
        uint32_t code = SM_ENOMEM, len = sizeof msg - 1;
        memcpy(head + 1, &code, 4);
        memcpy(head + 5, &len, 4);
        s_write_all(fd, head, sizeof head);
        s_write_all(fd, (const uint8_t *)msg, len);
    } else {
        s_write_all(fd, b.p, b.len);
    }
    close(fd);
    _exit(0);
}

static long s_ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Reads the child's whole output; 0, or -1 on timeout / out of memory. */
static int s_slurp(int fd, long timeout_ms, sm_nir_buf_t *b, bool *timed_out)
{
    long deadline = s_ms_now() + timeout_ms;
    uint8_t chunk[65536];
    *timed_out = false;
    for (;;) {
        long left = deadline - s_ms_now();
        if (left <= 0) {
            *timed_out = true;
            return -1;
        }
        struct pollfd pf = {fd, POLLIN, 0};
        int pr = poll(&pf, 1, (int)(left > 1000000 ? 1000000 : left));
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr == 0)
            continue;
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return 0;
        sm_nir_buf_put(b, chunk, (size_t)r);
        if (b->oom)
            return -1;
    }
}

/* The child's answer: its bytes (after the status) into out, or its error. */
static int s_decode(const char *path, sm_nir_buf_t *b, int status, sm_nir_buf_t *out,
                    sm_error_t *err)
{
    if (b->len >= 9 && b->p[0] == S_FAILED) {
        uint32_t code, len;
        memcpy(&code, b->p + 1, 4);
        memcpy(&len, b->p + 5, 4);
        if (len <= b->len - 9)
            return sm_fail(err, code <= SM_EMISMATCH ? (sm_err_t)code : SM_EPARSE, "%.*s",
                           (int)len, (const char *)b->p + 9);
    }
    bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (b->len >= 1 && b->p[0] == S_OK && clean) {
        memmove(b->p, b->p + 1, b->len - 1);
        b->len--;
        *out = *b;
        memset(b, 0, sizeof *b);
        return 0;
    }
    if (WIFSIGNALED(status))
        return sm_fail(err, SM_EPARSE, "%s: corrupt HDF5 file: libhdf5 crashed reading it (signal "
                       "%d in the reader process)", path, WTERMSIG(status));
    return sm_fail(err, SM_EPARSE, "%s: corrupt HDF5 file: libhdf5 failed reading it (the reader "
                   "process stopped with status %d)", path,
                   WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

int sm_nir_isolated(const char *path, sm_nir_child_fn fn, void *arg, sm_nir_buf_t *out,
                    sm_error_t *err)
{
    memset(out, 0, sizeof *out);
    int fds[2] = {-1, -1};
    pid_t pid = pipe(fds) < 0 ? -1 : fork();
    if (pid < 0) {
        /* No isolation to be had: read here. */
        if (fds[0] >= 0) {
            close(fds[0]);
            close(fds[1]);
        }
        int rc = fn(path, arg, out, err);
        if (!rc && out->oom)
            rc = sm_fail(err, SM_ENOMEM, "%s: out of memory reading the file", path);
        return rc;
    }
    if (pid == 0) {
        close(fds[0]);
        s_child(path, fn, arg, fds[1]);
    }
    close(fds[1]);
    sm_nir_buf_t b = {0};
    bool timed_out;
    long timeout = s_timeout_ms(path);
    int rd = s_slurp(fds[0], timeout, &b, &timed_out);
    close(fds[0]);
    if (rd < 0)
        kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    int rc;
    if (rd < 0)
        rc = timed_out ? sm_fail(err, SM_ETIMEDOUT, "%s: corrupt HDF5 file: libhdf5 was still "
                                 "reading it after %ld s", path, timeout / 1000)
                       : sm_fail(err, SM_ENOMEM, "%s: out of memory reading the file", path);
    else
        rc = s_decode(path, &b, status, out, err);
    free(b.p);
    return rc;
}

static int s_graph_child(const char *path, void *arg, sm_nir_buf_t *out, sm_error_t *err)
{
    (void)arg;
    sm_nir_graph_t *g = sm_nir_file_read(path, err);
    if (!g)
        return -1;
    sm_nir_wire_put(out, g);
    sm_nir_graph_destroy(&g);
    return 0;
}

static sm_nir_graph_t *s_read_isolated(const char *path, sm_error_t *err)
{
    sm_nir_buf_t b;
    if (sm_nir_isolated(path, s_graph_child, NULL, &b, err))
        return NULL;
    sm_nir_graph_t *g = sm_nir_wire_get(b.p, b.len, err);
    if (!g)
        sm_error_prefix(err, "%s: ", path);
    free(b.p);
    return g;
}

/* Checks every node's fields, nested graphs included. */
static int s_check(sm_nir_graph_t *g, const char *path, sm_error_t *err)
{
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        sm_nir_node_t *n = &g->nodes[i];
        if (n->type == SM_NIR_GRAPH) {
            if (s_check(n->sub, path, err) < 0)
                return -1;
            continue;
        }
        if (sm_nir_node_check(n, err) < 0) {
            sm_error_prefix(err, "%s: ", path);
            return -1;
        }
    }
    return 0;
}

sm_nir_graph_t *sm_nir_read(const char *path, sm_error_t *err)
{
    sm_nir_graph_t *g = s_read_isolated(path, err);
    if (g && s_check(g, path, err) < 0)
        sm_nir_graph_destroy(&g);
    return g;
}

sm_nir_graph_t *sm_nir_load(const char *path, sm_error_t *err)
{
    sm_nir_graph_t *g = sm_nir_read(path, err);
    if (!g)
        return NULL;
    if (sm_nir_flatten(g, err) < 0 || sm_nir_analyse(g, err) < 0) {
        sm_error_prefix(err, "%s: ", path);
        sm_nir_graph_destroy(&g);
    }
    return g;
}
