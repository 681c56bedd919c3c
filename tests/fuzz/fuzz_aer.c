/* Fuzz target: AER batches (proto/codec): byte mutants of a packed window
 * batch through sm_batch_unpack; every accepted entry must be in range. */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "codec.h"

enum { N_GIDS = 1000, N_CORES = 16, WINDOW = 4 };

/* The batch every input is unpacked into, kept from one input to the next
 * as a shard keeps its own: a refused input must leave it empty whatever it
 * held before. */
static sm_batch_t s_out;
static bool s_out_ready;

static sm_batch_t *out_batch(void)
{
    if (!s_out_ready) {
        sm_batch_init(&s_out);
        s_out_ready = true;
    }
    return &s_out;
}

int sm_fuzz_aer(const uint8_t *data, size_t size)
{
    fz_stats_t *st = fz_stats();
    sm_batch_t *out = out_batch();
    const uint8_t *buf = data;
    size_t n = size;
    sm_error_t err;
    sm_error_clear(&err);
    if (sm_batch_unpack(out, buf, n, N_GIDS, N_CORES, WINDOW, &err) < 0) {
        fz_refused(st, "aer", &err, NULL, buf, n);
        if (out->n != 0)
            fz_bad(st, "aer", buf, n, "refused, but the batch is not left empty");
        return 0;
    }
    st->accepted++;
    if (out->kind != SM_BATCH_SAME_TICK && out->kind != SM_BATCH_WINDOW &&
        out->kind != SM_BATCH_ACK)
        fz_bad(st, "aer", buf, n, "accepted kind %u", out->kind);
    else if (out->kind == SM_BATCH_ACK && out->n != 0)
        fz_bad(st, "aer", buf, n, "accepted a credit (ACK) that carries entries");
    for (uint32_t k = 0; k < out->n; k++)
        if (out->src_gid[k] >= N_GIDS || out->dst_core[k] >= N_CORES ||
            out->dtick[k] >= WINDOW || out->count[k] == 0) {
            fz_bad(st, "aer", buf, n, "accepted entry %u out of range", k);
            break;
        }
    return 0;
}

#ifndef SM_LIBFUZZER

TestSuite(fuzz, .timeout = 300);

Test(fuzz, aer_batches)
{
    fz_stats_t st = {0};
    sm_batch_t b;
    sm_batch_init(&b);
    b.kind = SM_BATCH_WINDOW;
    b.src_shard = 1;
    b.tick = 40;
    sm_rng_t r0 = sm_rng_stream(0xae5, 0, 0);
    for (uint32_t i = 0; i < 60; i++)
        cr_assert_eq(sm_batch_push(&b, sm_rng_below(&r0, N_GIDS), sm_rng_below(&r0, N_CORES),
                                   sm_rng_below(&r0, WINDOW), 1 + (i % 7 == 0)),
                     0);
    size_t len = sm_batch_size(&b);
    uint8_t *orig = malloc(len), *buf = malloc(len + 64);
    cr_assert_eq(sm_batch_pack(&b, orig), len);
    fz_keep_seed("aer", orig, len);
    sm_error_t err;
    cr_assert_eq(sm_batch_unpack(out_batch(), orig, len, N_GIDS, N_CORES, WINDOW, &err), 0,
                 "%s", err.msg);
    fz_count_into(&st);
    for (uint32_t i = 0; i < fz_n(4000); i++) {
        sm_rng_t r = sm_rng_stream(fz_seed(0xae5), 1, i);
        memcpy(buf, orig, len);
        size_t n = len;
        uint32_t edits = 1 + sm_rng_below(&r, 3);
        for (uint32_t e = 0; e < edits; e++)
            n = mutate_bytes(&r, buf, n, len + 64, false);
        sm_fuzz_aer(buf, n);
    }
    fz_count_into(NULL);
    fz_report("aer", &st, 200, 1000);
    free(orig);
    free(buf);
    sm_batch_fini(&b);
    sm_batch_fini(&s_out);
    s_out_ready = false;
}

#endif
