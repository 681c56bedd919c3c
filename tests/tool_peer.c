/* A misbehaving peer, for tests: sends garbage to a socket, or a handshake
 * from a different build.
 *   tool_peer garbage ENDPOINT push|dealer COUNT
 *   tool_peer badhello ENDPOINT     (prints the coordinator's answer)     */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "codec.h"
#include "ctlmsg.h"
#include "rng.h"

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    void *ctx = zmq_ctx_new();
    int linger = 1000;
    if (!strcmp(argv[1], "garbage") && argc == 5) {
        void *s = zmq_socket(ctx, !strcmp(argv[3], "push") ? ZMQ_PUSH : ZMQ_DEALER);
        zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
        if (zmq_connect(s, argv[2]))
            return 1;
        sm_rng_t r = sm_rng_stream(7, 7, 7);
        int n = atoi(argv[4]);
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
        zmq_ctx_term(ctx);
        printf("sent %d garbage messages to %s\n", n, argv[2]);
        return 0;
    }
    if (!strcmp(argv[1], "badhello")) {
        void *s = zmq_socket(ctx, ZMQ_DEALER);
        zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
        if (zmq_connect(s, argv[2]))
            return 1;
        sm_ctl_t m;
        sm_ctl_init(&m, SM_CTL_HELLO);
        m.build = "spikemesh 0.0.0-other/model 1/wire 1";
        uint8_t *hello, buf[256];
        size_t len;
        if (sm_ctl_pack(&m, &hello, &len))
            return 1;
        zmq_send(s, hello, len, 0);
        free(hello);
        zmq_pollitem_t it = {.socket = s, .events = ZMQ_POLLIN};
        int rc = 1;
        if (zmq_poll(&it, 1, 5000) > 0) {
            int n = zmq_recv(s, buf, sizeof buf, 0);
            sm_error_t err;
            sm_ctl_t *a = n > 0 && (size_t)n <= sizeof buf ? sm_ctl_unpack(buf, (size_t)n, &err) : NULL;
            if (a) {
                printf("answer: kind %d: %s\n", (int)a->kind, a->text ? a->text : "");
                rc = a->kind == SM_CTL_ERROR ? 0 : 1;
                sm_ctl_destroy(&a);
            }
        } else {
            printf("no answer\n");
        }
        zmq_close(s);
        zmq_ctx_term(ctx);
        return rc;
    }
    return 2;
}
