#include "ctlmsg.h"

#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "control.pb-c.h"

void sm_ctl_init(sm_ctl_t *m, sm_ctl_kind_t kind)
{
    memset(m, 0, sizeof *m);
    m->version = SM_WIRE_VERSION;
    m->kind = kind;
}

int sm_ctl_pack(const sm_ctl_t *m, uint8_t **buf, size_t *len)
{
    Control c;
    control__init(&c);
    c.version = m->version;
    c.kind = (Control__Kind)m->kind;
    c.has_worker = m->has_worker;
    c.worker = m->worker;
    c.has_tick = m->has_tick;
    c.tick = m->tick;
    c.text = m->text;
    c.build = m->build;
    c.n_endpoints = m->n_endpoints;
    c.endpoints = m->endpoints;
    c.has_net = m->has_net;
    c.net.data = m->net.data;
    c.net.len = m->net.len;
    c.has_result = m->has_result;
    c.result.data = m->result.data;
    c.result.len = m->result.len;
    c.has_fingerprint = m->has_fingerprint;
    c.fingerprint = m->fingerprint;
    c.has_n_workers = m->has_n_workers;
    c.n_workers = m->n_workers;
    c.has_pid = m->has_pid;
    c.pid = m->pid;
    c.has_heartbeat_ms = m->has_heartbeat_ms;
    c.heartbeat_ms = m->heartbeat_ms;
    *len = control__get_packed_size(&c);
    *buf = malloc(*len ? *len : 1);
    if (!*buf)
        return -1;
    control__pack(&c, *buf);
    return 0;
}

static char *s_strdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static int s_bytes(sm_bytes_t *b, const ProtobufCBinaryData *d)
{
    b->len = d->len;
    b->data = malloc(d->len ? d->len : 1);
    if (!b->data)
        return -1;
    if (d->len)
        memcpy(b->data, d->data, d->len);
    return 0;
}

/* Deep copy of a decoded message into our own struct. */
static int s_copy(sm_ctl_t *m, const Control *c)
{
    m->version = c->version;
    m->kind = (sm_ctl_kind_t)c->kind;
    m->has_worker = c->has_worker;
    m->worker = c->worker;
    m->has_tick = c->has_tick;
    m->tick = c->tick;
    m->has_fingerprint = c->has_fingerprint;
    m->fingerprint = c->fingerprint;
    m->has_n_workers = c->has_n_workers;
    m->n_workers = c->n_workers;
    m->has_pid = c->has_pid;
    m->pid = c->pid;
    m->has_heartbeat_ms = c->has_heartbeat_ms;
    m->heartbeat_ms = c->heartbeat_ms;
    if ((c->text && !(m->text = s_strdup(c->text))) ||
        (c->build && !(m->build = s_strdup(c->build))))
        return -1;
    if (c->n_endpoints) {
        if (!(m->endpoints = calloc(c->n_endpoints, sizeof *m->endpoints)))
            return -1;
        m->n_endpoints = c->n_endpoints;
        for (size_t i = 0; i < c->n_endpoints; i++)
            if (!(m->endpoints[i] = s_strdup(c->endpoints[i])))
                return -1;
    }
    if ((m->has_net = c->has_net) && s_bytes(&m->net, &c->net))
        return -1;
    if ((m->has_result = c->has_result) && s_bytes(&m->result, &c->result))
        return -1;
    return 0;
}

sm_ctl_t *sm_ctl_unpack(const uint8_t *buf, size_t len, sm_error_t *err)
{
    Control *c = control__unpack(NULL, len, buf);
    if (!c) {
        sm_fail(err, SM_EPROTO, "malformed control message (%zu bytes)", len);
        return NULL;
    }
    if (c->version != SM_WIRE_VERSION) {
        sm_fail(err, SM_EPROTO, "control message of wire version %u, expected %u", c->version,
                SM_WIRE_VERSION);
        control__free_unpacked(c, NULL);
        return NULL;
    }
    if ((int)c->kind < (int)SM_CTL_HELLO || (int)c->kind > (int)SM_CTL_DONE) {
        sm_fail(err, SM_EPROTO, "control message of unknown kind %d", (int)c->kind);
        control__free_unpacked(c, NULL);
        return NULL;
    }
    sm_ctl_t *m = calloc(1, sizeof *m);
    if (!m || s_copy(m, c)) {
        sm_ctl_destroy(&m);
        control__free_unpacked(c, NULL);
        sm_fail(err, SM_ENOMEM, "out of memory for a control message");
        return NULL;
    }
    control__free_unpacked(c, NULL);
    return m;
}

void sm_ctl_destroy(sm_ctl_t **m_p)
{
    if (!m_p || !*m_p)
        return;
    sm_ctl_t *m = *m_p;
    free(m->text);
    free(m->build);
    for (size_t i = 0; i < m->n_endpoints; i++)
        free(m->endpoints[i]);
    free(m->endpoints);
    free(m->net.data);
    free(m->result.data);
    free(m);
    *m_p = NULL;
}
