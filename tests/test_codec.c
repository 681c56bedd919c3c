/* The AER wire format: round trip, and rejection of anything malformed. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "rng.h"

Test(codec, round_trip)
{
    sm_batch_t b, c;
    sm_batch_init(&b);
    sm_batch_init(&c);
    b.kind = SM_BATCH_WINDOW;
    b.src_shard = 3;
    b.tick = 1200;
    b.stage = 0;
    for (uint32_t i = 0; i < 1000; i++)
        cr_assert_eq(sm_batch_push(&b, i * 7, i % 16, i % 5, i % 9 ? 1 : 3), 0);
    size_t n = sm_batch_size(&b);
    uint8_t *buf = malloc(n);
    cr_assert_eq(sm_batch_pack(&b, buf), n);
    sm_error_t err;
    cr_assert_eq(sm_batch_unpack(&c, buf, n, 7000, 16, 5, &err), 0, "%s", err.msg);
    cr_assert_eq(c.n, 1000);
    cr_assert_eq(c.kind, SM_BATCH_WINDOW);
    cr_assert_eq(c.src_shard, 3);
    cr_assert_eq(c.tick, 1200);
    for (uint32_t i = 0; i < 1000; i++) {
        cr_assert_eq(c.src_gid[i], i * 7);
        cr_assert_eq(c.dst_core[i], i % 16);
        cr_assert_eq(c.dtick[i], i % 5);
        cr_assert_eq(c.count[i], i % 9 ? 1u : 3u);
    }
    free(buf);
    sm_batch_fini(&b);
    sm_batch_fini(&c);
}

Test(codec, empty_batch_round_trip)
{
    sm_batch_t b, c;
    sm_batch_init(&b);
    sm_batch_init(&c);
    b.kind = SM_BATCH_SAME_TICK;
    b.tick = 5;
    b.stage = 2;
    uint8_t buf[64];
    size_t n = sm_batch_pack(&b, buf);
    sm_error_t err;
    cr_assert_eq(sm_batch_unpack(&c, buf, n, 10, 10, 1, &err), 0, "%s", err.msg);
    cr_assert_eq(c.n, 0);
    cr_assert_eq(c.stage, 2);
    cr_assert_eq(c.kind, SM_BATCH_SAME_TICK);
    sm_batch_fini(&b);
    sm_batch_fini(&c);
}

Test(codec, out_of_range_entries_are_refused)
{
    sm_batch_t b, c;
    sm_batch_init(&b);
    sm_batch_init(&c);
    b.kind = SM_BATCH_WINDOW;
    sm_batch_push(&b, 99, 1, 0, 1);
    uint8_t buf[64];
    size_t n = sm_batch_pack(&b, buf);
    sm_error_t err;
    cr_assert_eq(sm_batch_unpack(&c, buf, n, 50, 4, 1, &err), -1);
    cr_assert(strstr(err.msg, "gid 99 of 50"), "%s", err.msg);
    cr_assert_eq(c.n, 0);
    sm_batch_fini(&b);
    sm_batch_fini(&c);
}

Test(codec, wrong_version_and_kind_are_refused)
{
    /* field 1 (version) = 9, field 2 (kind) = 1, 3, 4, 5 = 0 */
    uint8_t bad_version[] = {0x08, 0x09, 0x10, 0x01, 0x18, 0x00, 0x20, 0x00, 0x28, 0x00};
    uint8_t bad_kind[] = {0x08, 0x01, 0x10, 0x07, 0x18, 0x00, 0x20, 0x00, 0x28, 0x00};
    sm_batch_t c;
    sm_batch_init(&c);
    sm_error_t err;
    cr_assert_eq(sm_batch_unpack(&c, bad_version, sizeof bad_version, 10, 10, 1, &err), -1);
    cr_assert(strstr(err.msg, "version 9"), "%s", err.msg);
    cr_assert_eq(sm_batch_unpack(&c, bad_kind, sizeof bad_kind, 10, 10, 1, &err), -1);
    cr_assert(strstr(err.msg, "unknown kind 7"), "%s", err.msg);
    sm_batch_fini(&c);
}

Test(codec, garbage_and_truncation_never_crash)
{
    sm_batch_t b, c;
    sm_batch_init(&b);
    sm_batch_init(&c);
    b.kind = SM_BATCH_WINDOW;
    for (uint32_t i = 0; i < 50; i++)
        sm_batch_push(&b, i, i % 4, 0, 1);
    uint8_t buf[1024];
    size_t n = sm_batch_pack(&b, buf);
    sm_error_t err;
    /* Every truncation is refused or, if it happens to parse, stays in range. */
    for (size_t cut = 0; cut < n; cut++) {
        int rc = sm_batch_unpack(&c, buf, cut, 50, 4, 1, &err);
        if (rc == 0)
            for (uint32_t i = 0; i < c.n; i++)
                cr_assert(c.src_gid[i] < 50 && c.dst_core[i] < 4);
    }
    sm_rng_t r = sm_rng_stream(1, 2, 3);
    int refused = 0;
    for (int trial = 0; trial < 2000; trial++) {
        uint8_t junk[256];
        size_t len = sm_rng_below(&r, sizeof junk);
        for (size_t i = 0; i < len; i++)
            junk[i] = (uint8_t)sm_rng_next(&r);
        refused += sm_batch_unpack(&c, junk, len, 50, 4, 1, &err) != 0;
    }
    cr_assert_gt(refused, 1900);
    sm_batch_fini(&b);
    sm_batch_fini(&c);
}
