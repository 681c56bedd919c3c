/* Fuzz target: control messages (proto/ctlmsg), the frames a coordinator
 * and its workers exchange: byte mutants of packed messages of every kind
 * through sm_ctl_unpack. An accepted message must be of this wire version,
 * hold what its has_ flags and counts say, and survive a second round trip
 * unchanged (the deep copy out of the generated struct loses nothing). */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "ctlmsg.h"

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static bool same_bytes(const sm_bytes_t *a, const sm_bytes_t *b)
{
    return a->len == b->len && (!a->len || !memcmp(a->data, b->data, a->len));
}

/* NULL if a and b carry the same message, else the first field that differs. */
static const char *ctl_diff(const sm_ctl_t *a, const sm_ctl_t *b)
{
    if (a->version != b->version || a->kind != b->kind)
        return "version or kind";
    if (a->has_worker != b->has_worker || (a->has_worker && a->worker != b->worker))
        return "worker";
    if (a->has_tick != b->has_tick || (a->has_tick && a->tick != b->tick))
        return "tick";
    if (a->has_n_workers != b->has_n_workers || (a->has_n_workers && a->n_workers != b->n_workers))
        return "n_workers";
    if (a->has_pid != b->has_pid || (a->has_pid && a->pid != b->pid))
        return "pid";
    if (a->has_fingerprint != b->has_fingerprint ||
        (a->has_fingerprint && a->fingerprint != b->fingerprint))
        return "fingerprint";
    if (!same_str(a->text, b->text))
        return "text";
    if (!same_str(a->build, b->build))
        return "build";
    if (a->n_endpoints != b->n_endpoints)
        return "endpoint count";
    for (size_t i = 0; i < a->n_endpoints; i++)
        if (!same_str(a->endpoints[i], b->endpoints[i]))
            return "endpoints";
    if (a->has_net != b->has_net || (a->has_net && !same_bytes(&a->net, &b->net)))
        return "net";
    if (a->has_result != b->has_result || (a->has_result && !same_bytes(&a->result, &b->result)))
        return "result";
    return NULL;
}

/* What an accepted message promises; NULL if it holds. */
static const char *ctl_invariants(const sm_ctl_t *m)
{
    if (m->version != SM_WIRE_VERSION)
        return "accepted another wire version";
    if (m->kind < SM_CTL_HELLO || m->kind > SM_CTL_DONE)
        return "accepted an unknown kind";
    if (m->n_endpoints && !m->endpoints)
        return "endpoint count without endpoints";
    for (size_t i = 0; i < m->n_endpoints; i++)
        if (!m->endpoints[i])
            return "a missing endpoint";
    if ((m->has_net && !m->net.data) || (m->has_result && !m->result.data))
        return "bytes flagged present but missing";
    return NULL;
}

int sm_fuzz_ctlmsg(const uint8_t *data, size_t size)
{
    fz_stats_t *st = fz_stats();
    sm_error_t err;
    sm_error_clear(&err);
    sm_ctl_t *m = sm_ctl_unpack(data, size, &err);
    if (!m) {
        fz_refused(st, "ctlmsg", &err, NULL, data, size);
        return 0;
    }
    st->accepted++;
    const char *why = ctl_invariants(m);
    uint8_t *again = NULL;
    size_t len = 0;
    if (why) {
        fz_bad(st, "ctlmsg", data, size, "accepted, but %s", why);
    } else if (sm_ctl_pack(m, &again, &len) < 0) {
        fz_bad(st, "ctlmsg", data, size, "accepted, but does not pack again");
    } else {
        sm_ctl_t *back = sm_ctl_unpack(again, len, &err);
        if (!back)
            fz_bad(st, "ctlmsg", data, size, "packed again, refused: %s", err.msg);
        else if ((why = ctl_diff(m, back)))
            fz_bad(st, "ctlmsg", data, size, "round trip changed the %s", why);
        sm_ctl_destroy(&back);
    }
    free(again);
    sm_ctl_destroy(&m);
    return 0;
}

#ifndef SM_LIBFUZZER

TestSuite(fuzz, .timeout = 300);

/* One valid message of each kind, with the fields that kind carries. */
static size_t base_messages(sm_ctl_t *out, size_t cap)
{
    static char text_ready[] = "tcp://127.0.0.1:5555", text_err[] = "worker 1: out of memory";
    static char build[] = "spikemesh 0.1.0 abcdef", e0[] = "tcp://10.0.0.1:4000",
                e1[] = "ipc:///run/sm-1", e2[] = "tcp://[::1]:4002";
    static char *endpoints[] = {e0, e1, e2};
    static uint8_t net[300], result[120];
    for (size_t i = 0; i < sizeof net; i++)
        net[i] = (uint8_t)(i * 37 + 11);
    for (size_t i = 0; i < sizeof result; i++)
        result[i] = (uint8_t)(i * 13 + 5);
    size_t n = 0;
    for (int k = SM_CTL_HELLO; k <= SM_CTL_DONE && n < cap; k++) {
        sm_ctl_t *m = &out[n++];
        sm_ctl_init(m, (sm_ctl_kind_t)k);
        switch (k) {
        case SM_CTL_HELLO:
            m->build = build;
            m->has_pid = 1;
            m->pid = 4242;
            m->has_fingerprint = 1;
            m->fingerprint = 0x0123456789abcdefULL;
            break;
        case SM_CTL_SETUP:
            m->has_worker = m->has_n_workers = m->has_net = 1;
            m->worker = 1;
            m->n_workers = 3;
            m->net = (sm_bytes_t){net, sizeof net};
            break;
        case SM_CTL_READY:
            m->has_worker = 1;
            m->worker = 2;
            m->text = text_ready;
            break;
        case SM_CTL_PEERS:
            m->endpoints = endpoints;
            m->n_endpoints = 3;
            break;
        case SM_CTL_HEARTBEAT:
            m->has_tick = m->has_worker = 1;
            m->tick = 70000;
            m->worker = 1;
            break;
        case SM_CTL_RESULT:
            m->has_worker = m->has_result = 1;
            m->worker = 0;
            m->result = (sm_bytes_t){result, sizeof result};
            break;
        case SM_CTL_ERROR:
            m->text = text_err;
            break;
        default:
            break;
        }
    }
    return n;
}

Test(fuzz, control_messages)
{
    sm_ctl_t msgs[16];
    size_t n_msgs = base_messages(msgs, 16);
    fz_stats_t st = {0};
    fz_count_into(&st);
    for (size_t k = 0; k < n_msgs; k++) {
        uint8_t *orig;
        size_t len;
        cr_assert_eq(sm_ctl_pack(&msgs[k], &orig, &len), 0);
        fz_keep_seed("ctlmsg", orig, len);
        /* The unmutated message is accepted as it was sent. */
        sm_error_t err;
        sm_ctl_t *back = sm_ctl_unpack(orig, len, &err);
        cr_assert_not_null(back, "kind %d: %s", (int)msgs[k].kind, err.msg);
        const char *why = ctl_diff(&msgs[k], back);
        cr_expect_null(why, "kind %d: round trip changed the %s", (int)msgs[k].kind, why);
        sm_ctl_destroy(&back);
        uint8_t *buf = malloc(len + 64);
        for (uint32_t i = 0; i < fz_n(400); i++) {
            sm_rng_t r = sm_rng_stream(fz_seed(0xc71 + k), 1, i);
            memcpy(buf, orig, len);
            size_t n = len;
            uint32_t edits = 1 + sm_rng_below(&r, 3);
            for (uint32_t e = 0; e < edits; e++)
                n = mutate_bytes(&r, buf, n, len + 64, false);
            sm_fuzz_ctlmsg(buf, n);
        }
        free(buf);
        free(orig);
    }
    fz_count_into(NULL);
    fz_report("ctlmsg", &st, 300, 1000);
}

#endif
