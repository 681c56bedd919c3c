#include "codec.h"

#include <stdlib.h>
#include <string.h>

#include "aer.pb-c.h"

void sm_batch_init(sm_batch_t *b)
{
    memset(b, 0, sizeof *b);
}

void sm_batch_fini(sm_batch_t *b)
{
    free(b->src_gid);
    free(b->dst_core);
    free(b->dtick);
    free(b->count);
    memset(b, 0, sizeof *b);
}

void sm_batch_clear(sm_batch_t *b)
{
    b->n = 0;
    b->has_count = 0;
}

static int s_grow(sm_batch_t *b, uint32_t need)
{
    if (need <= b->cap)
        return 0;
    uint32_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    uint32_t *a = realloc(b->src_gid, cap * sizeof *a);
    if (!a)
        return -1;
    b->src_gid = a;
    if (!(a = realloc(b->dst_core, cap * sizeof *a)))
        return -1;
    b->dst_core = a;
    if (!(a = realloc(b->dtick, cap * sizeof *a)))
        return -1;
    b->dtick = a;
    if (!(a = realloc(b->count, cap * sizeof *a)))
        return -1;
    b->count = a;
    b->cap = cap;
    return 0;
}

int sm_batch_push(sm_batch_t *b, uint32_t src_gid, uint32_t dst_core,
                  uint32_t dtick, uint32_t count)
{
    if (b->n == b->cap && s_grow(b, b->n + 1))
        return -1;
    b->src_gid[b->n] = src_gid;
    b->dst_core[b->n] = dst_core;
    b->dtick[b->n] = dtick;
    b->count[b->n] = count;
    if (count != 1)
        b->has_count = 1;
    b->n++;
    return 0;
}

static void s_to_msg(const sm_batch_t *b, AerBatch *m)
{
    aer_batch__init(m);
    m->version = SM_WIRE_VERSION;
    m->kind = b->kind;
    m->src_shard = b->src_shard;
    m->tick = b->tick;
    m->stage = b->stage;
    m->n_src_gid = b->n;
    m->src_gid = b->src_gid;
    m->n_dst_core = b->n;
    m->dst_core = b->dst_core;
    m->n_dtick = b->n;
    m->dtick = b->dtick;
    m->n_count = b->has_count ? b->n : 0;
    m->count = b->count;
}

size_t sm_batch_size(const sm_batch_t *b)
{
    AerBatch m;
    s_to_msg(b, &m);
    return aer_batch__get_packed_size(&m);
}

size_t sm_batch_pack(const sm_batch_t *b, uint8_t *buf)
{
    AerBatch m;
    s_to_msg(b, &m);
    return aer_batch__pack(&m, buf);
}

int sm_batch_unpack(sm_batch_t *b, const uint8_t *buf, size_t len,
                    uint32_t n_gids, uint32_t n_cores, uint32_t window,
                    sm_error_t *err)
{
    sm_batch_clear(b);
    AerBatch *m = aer_batch__unpack(NULL, len, buf);
    if (!m)
        return sm_fail(err, SM_EPROTO, "AER batch: malformed message (%zu bytes)", len);
    int rc = -1;
    if (m->version != SM_WIRE_VERSION) {
        sm_fail(err, SM_EPROTO, "AER batch: wire version %u, expected %u", m->version,
                SM_WIRE_VERSION);
        goto done;
    }
    if (m->kind == SM_BATCH_ACK && m->n_src_gid) {
        sm_fail(err, SM_EPROTO, "AER batch: a credit carries %zu entries", m->n_src_gid);
        goto done;
    }
    if (m->kind != SM_BATCH_SAME_TICK && m->kind != SM_BATCH_WINDOW && m->kind != SM_BATCH_ACK) {
        sm_fail(err, SM_EPROTO, "AER batch: unknown kind %u", m->kind);
        goto done;
    }
    size_t n = m->n_src_gid;
    if (m->n_dst_core != n || m->n_dtick != n || (m->n_count && m->n_count != n)) {
        sm_fail(err, SM_EPROTO, "AER batch: field lengths differ (%zu, %zu, %zu, %zu)",
                n, m->n_dst_core, m->n_dtick, m->n_count);
        goto done;
    }
    if (n > UINT32_MAX / 2 || s_grow(b, (uint32_t)n)) {
        sm_fail(err, SM_ENOMEM, "AER batch: %zu entries", n);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (m->src_gid[i] >= n_gids || m->dst_core[i] >= n_cores || m->dtick[i] >= window ||
            (m->n_count && m->count[i] == 0)) {
            sm_fail(err, SM_EPROTO,
                    "AER batch: entry %zu out of range (gid %u of %u, core %u of %u, dtick %u of %u)",
                    i, m->src_gid[i], n_gids, m->dst_core[i], n_cores, m->dtick[i], window);
            goto done;
        }
        b->src_gid[i] = m->src_gid[i];
        b->dst_core[i] = m->dst_core[i];
        b->dtick[i] = m->dtick[i];
        b->count[i] = m->n_count ? m->count[i] : 1;
    }
    b->n = (uint32_t)n;
    b->has_count = m->n_count != 0;
    b->kind = m->kind;
    b->src_shard = m->src_shard;
    b->tick = m->tick;
    b->stage = m->stage;
    rc = 0;
done:
    aer_batch__free_unpacked(m, NULL);
    return rc;
}
