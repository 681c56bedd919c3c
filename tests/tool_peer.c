/* A misbehaving peer, for tests.
 *   tool_peer garbage ENDPOINT push|dealer COUNT   random short frames
 *   tool_peer badhello ENDPOINT [WAIT_MS]          a handshake from another build;
 *                                                  prints the coordinator's answer,
 *                                                  or "no answer" after WAIT_MS (5000)
 *   tool_peer junk ENDPOINT COUNT MIB              COUNT frames of MIB MiB each
 *   tool_peer setupdie ENDPOINT                    joins as a worker of this build,
 *                                                  beats until SETUP, then dies
 *                                                  without a word
 *   tool_peer proxy PORT TO_PORT                   relays tcp 127.0.0.1:PORT to
 *                                                  127.0.0.1:TO_PORT until killed;
 *                                                  on SIGUSR1 it resets the oldest
 *                                                  connection (RST both ways)      */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "codec.h"
#include "ctlmsg.h"
#include "dist.h"
#include "rng.h"

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int s_send_ctl(void *s, const sm_ctl_t *m)
{
    uint8_t *buf;
    size_t len;
    if (sm_ctl_pack(m, &buf, &len))
        return -1;
    int rc = zmq_send(s, buf, len, 0) < 0 ? -1 : 0;
    free(buf);
    return rc;
}

/* The next control message within ms, or NULL. Multi-frame messages are
 * joined, as the coordinator sends a big one. */
static sm_ctl_t *s_recv_ctl(void *s, int ms)
{
    zmq_pollitem_t it = {.socket = s, .events = ZMQ_POLLIN};
    if (zmq_poll(&it, 1, ms) <= 0)
        return NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    int more = 1;
    while (more) {
        zmq_msg_t part;
        zmq_msg_init(&part);
        if (zmq_msg_recv(&part, s, 0) < 0) {
            zmq_msg_close(&part);
            free(buf);
            return NULL;
        }
        size_t n = zmq_msg_size(&part);
        uint8_t *b = realloc(buf, len + n + 1);
        if (!b) {
            zmq_msg_close(&part);
            free(buf);
            return NULL;
        }
        buf = b;
        memcpy(buf + len, zmq_msg_data(&part), n);
        len += n;
        more = zmq_msg_more(&part);
        zmq_msg_close(&part);
    }
    sm_error_t err;
    sm_ctl_t *m = sm_ctl_unpack(buf, len, &err);
    free(buf);
    return m;
}

static int s_garbage(void *ctx, const char *ep, const char *type, int n)
{
    int linger = 1000;
    void *s = zmq_socket(ctx, !strcmp(type, "push") ? ZMQ_PUSH : ZMQ_DEALER);
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_connect(s, ep))
        return 1;
    sm_rng_t r = sm_rng_stream(7, 7, 7);
    for (int i = 0; i < n; i++) {
        uint8_t buf[300];
        size_t len = sm_rng_below(&r, sizeof buf);
        for (size_t k = 0; k < len; k++)
            buf[k] = (uint8_t)sm_rng_next(&r);
        /* Every third message starts like a real AER batch, then goes wrong. */
        if (i % 3 == 0 && len > 4) {
            buf[0] = 0x08;
            buf[1] = SM_WIRE_VERSION;
        }
        zmq_send(s, buf, len, 0);
    }
    zmq_close(s);
    printf("sent %d garbage messages to %s\n", n, ep);
    return 0;
}

static int s_badhello(void *ctx, const char *ep, int wait_ms)
{
    int linger = 1000;
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_connect(s, ep))
        return 1;
    sm_ctl_t m;
    sm_ctl_init(&m, SM_CTL_HELLO);
    m.build = "spikemesh 0.0.0-other/model 1/wire 1";
    if (s_send_ctl(s, &m))
        return 1;
    int rc = 1;
    sm_ctl_t *a = s_recv_ctl(s, wait_ms);
    /* Keepalives may come first; the answer is what is not one. */
    while (a && a->kind == SM_CTL_HEARTBEAT) {
        sm_ctl_destroy(&a);
        a = s_recv_ctl(s, wait_ms);
    }
    if (a) {
        printf("answer: kind %d: %s\n", (int)a->kind, a->text ? a->text : "");
        rc = a->kind == SM_CTL_ERROR ? 0 : 1;
        sm_ctl_destroy(&a);
    } else {
        printf("no answer\n");
    }
    zmq_close(s);
    return rc;
}

/* Big frames of zeros but for a few bytes: one buffer, untouched pages, so
 * that the sender costs little memory. */
static int s_junk(void *ctx, const char *ep, int n, size_t mib)
{
    size_t len = mib << 20;
    uint8_t *buf = calloc(1, len);
    if (!buf)
        return 1;
    buf[0] = 0x08;
    buf[1] = 0xff;
    int linger = 5000;
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_connect(s, ep))
        return 1;
    for (int i = 0; i < n; i++) {
        zmq_msg_t m;
        /* Borrowed, not copied: the buffer outlives the socket. */
        zmq_msg_init_data(&m, buf, len, NULL, NULL);
        zmq_msg_send(&m, s, 0);
    }
    zmq_close(s);
    zmq_ctx_term(ctx);
    free(buf);
    printf("sent %d frames of %zu MiB to %s\n", n, mib, ep);
    return 0;
}

static int s_setupdie(void *ctx, const char *ep)
{
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
    if (zmq_connect(s, ep))
        return 1;
    sm_ctl_t m;
    sm_ctl_init(&m, SM_CTL_HELLO);
    m.build = (char *)sm_build_id();
    m.has_pid = 1;
    m.pid = (uint32_t)getpid();
    if (s_send_ctl(s, &m))
        return 1;
    double end = s_now() + 20;
    while (s_now() < end) {
        sm_ctl_t beat;
        sm_ctl_init(&beat, SM_CTL_HEARTBEAT);
        s_send_ctl(s, &beat);
        sm_ctl_t *a = s_recv_ctl(s, 250);
        int kind = a ? (int)a->kind : 0;
        sm_ctl_destroy(&a);
        if (kind == SM_CTL_SETUP) {
            printf("got SETUP; dying\n");
            fflush(stdout);
            _exit(0);
        }
        if (kind == SM_CTL_ABORT || kind == SM_CTL_ERROR)
            break;
    }
    printf("no SETUP\n");
    return 1;
}

/* ---- proxy ---------------------------------------------------------------- */

static int s_tcp_listen(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 16))
        return -1;
    return fd;
}

static int s_tcp_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a)) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* Closing with a zero linger sends RST instead of FIN. */
static void s_reset(int fd)
{
    struct linger l = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close(fd);
}

static volatile sig_atomic_t s_resets_asked;

static void s_on_usr1(int sig)
{
    (void)sig;
    s_resets_asked++;
}

static int s_proxy(int port, int to)
{
    int lfd = s_tcp_listen(port);
    if (lfd < 0) {
        perror("proxy: listen");
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    enum { MAXP = 8 };
    int a[MAXP], b[MAXP], np = 0, resets = 0, made = 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("relaying %d to %d\n", port, to);
    for (;;) {
        if (resets < s_resets_asked) {
            resets++;
            if (np > 0) {
                s_reset(a[0]);
                s_reset(b[0]);
                np--;
                memmove(a, a + 1, (size_t)np * sizeof *a);
                memmove(b, b + 1, (size_t)np * sizeof *b);
                printf("reset the oldest connection\n");
            }
        }
        struct pollfd p[1 + 2 * MAXP];
        p[0] = (struct pollfd){.fd = lfd, .events = POLLIN};
        for (int i = 0; i < np; i++) {
            p[1 + 2 * i] = (struct pollfd){.fd = a[i], .events = POLLIN};
            p[2 + 2 * i] = (struct pollfd){.fd = b[i], .events = POLLIN};
        }
        if (poll(p, (nfds_t)(1 + 2 * np), 100) <= 0)
            continue;
        for (int i = 0; i < np; i++) {
            int closed = 0;
            for (int side = 0; side < 2 && !closed; side++) {
                struct pollfd *q = &p[1 + 2 * i + side];
                if (!(q->revents & (POLLIN | POLLHUP | POLLERR)))
                    continue;
                char buf[65536];
                ssize_t n = read(q->fd, buf, sizeof buf);
                int out = side ? a[i] : b[i];
                closed = n <= 0 || write(out, buf, (size_t)n) != n;
            }
            if (closed) {
                close(a[i]);
                close(b[i]);
                /* The table changes: poll again before reading more. */
                np--;
                memmove(a + i, a + i + 1, (size_t)(np - i) * sizeof *a);
                memmove(b + i, b + i + 1, (size_t)(np - i) * sizeof *b);
                break;
            }
        }
        if ((p[0].revents & POLLIN) && np < MAXP) {
            int c = accept(lfd, NULL, NULL);
            int d = c >= 0 ? s_tcp_connect(to) : -1;
            if (d < 0) {
                if (c >= 0)
                    close(c);
            } else {
                a[np] = c;
                b[np++] = d;
                printf("connection %d\n", ++made);
            }
        }
    }
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    if (!strcmp(argv[1], "proxy") && argc == 4) {
        /* First of all: the test may ask for a reset at once. */
        signal(SIGUSR1, s_on_usr1);
        return s_proxy(atoi(argv[2]), atoi(argv[3]));
    }
    void *ctx = zmq_ctx_new();
    int rc = 2;
    if (!strcmp(argv[1], "garbage") && argc == 5)
        rc = s_garbage(ctx, argv[2], argv[3], atoi(argv[4]));
    else if (!strcmp(argv[1], "badhello"))
        rc = s_badhello(ctx, argv[2], argc > 3 ? atoi(argv[3]) : 5000);
    else if (!strcmp(argv[1], "junk") && argc == 5)
        return s_junk(ctx, argv[2], atoi(argv[3]), (size_t)atoi(argv[4]));
    else if (!strcmp(argv[1], "setupdie"))
        rc = s_setupdie(ctx, argv[2]);
    zmq_ctx_term(ctx);
    return rc;
}
