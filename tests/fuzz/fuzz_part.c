/* Fuzz target: result parts (proto/part), what a worker sends back: byte
 * mutants of a packed part through sm_part_merge; a refused part must merge
 * nothing, an accepted one only spikes in range. */
#include "fuzz.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "part.h"
#include "result.h"

enum { TICKS = 20, PROBES = 3, W = 3, H = 2, GIDS = 50 };

int sm_fuzz_part(const uint8_t *data, size_t size)
{
    fz_stats_t *st = fz_stats();
    const uint8_t *buf = data;
    size_t n = size;
    sm_error_t err;
    sm_result_t *dst = sm_result_alloc(TICKS, 1.0, PROBES, W, H);
    t_require(dst, "out of memory for a result");
    sm_error_clear(&err);
    if (sm_part_merge(dst, buf, n, GIDS, &err) < 0) {
        fz_refused(st, "part", &err, NULL, buf, n);
        if (dst->n_spikes)
            fz_bad(st, "part", buf, n, "refused, but merged spikes first");
    } else {
        st->accepted++;
        for (size_t k = 0; k < dst->n_spikes; k++)
            if (dst->spikes[k].tick >= TICKS || dst->spikes[k].gid >= GIDS ||
                !dst->spikes[k].count) {
                fz_bad(st, "part", buf, n, "accepted spike %zu out of range", k);
                break;
            }
        for (size_t t = 0; dst->tick_busy_ns && t < TICKS; t++)
            if (!(dst->tick_busy_ns[t] >= 0) || !isfinite(dst->tick_busy_ns[t])) {
                fz_bad(st, "part", buf, n, "accepted a busy time of tick %zu out of range", t);
                break;
            }
    }
    sm_result_destroy(&dst);
    return 0;
}

#ifndef SM_LIBFUZZER

TestSuite(fuzz, .timeout = 300);

Test(fuzz, result_parts)
{
    fz_stats_t st = {0};
    sm_result_t *src = sm_result_alloc(TICKS, 1.0, PROBES, W, H);
    cr_assert(src);
    sm_rng_t r0 = sm_rng_stream(0x9a7, 0, 0);
    for (uint32_t i = 0; i < 40; i++) {
        sm_spike_t s = {sm_rng_below(&r0, TICKS), sm_rng_below(&r0, GIDS), 1 + (i % 5 == 0)};
        cr_assert_eq(sm_result_add_spikes(src, &s, 1), 0);
    }
    for (size_t i = 0; i < (size_t)TICKS * PROBES * 3; i++)
        src->trace[i] = (float)i * 0.25f;
    for (uint32_t c = 0; c < W * H; c++) {
        src->cores[c].neurons = 10 + c;
        src->cores[c].c.spikes = c * 3;
        src->cores[c].c.hops = c;
    }
    src->link_dense[1] = 5;
    src->link_dense[7] = 9;
    /* a chip run's per-tick series travels too */
    cr_assert_eq(sm_result_alloc_ticks(src, 1), 0);
    for (size_t i = 0; i < (size_t)TICKS * SM_TICK_N; i++)
        src->tick_cnt[i] = i % 7;
    for (uint32_t t = 0; t < TICKS; t++)
        src->tick_busy_ns[t] = 100.0 + t;
    const uint32_t probes[] = {0, 2}, cores[] = {1, 4, 5};
    uint8_t *orig;
    size_t len;
    cr_assert_eq(sm_part_pack(src, probes, 2, cores, 3, &orig, &len), 0);
    fz_keep_seed("part", orig, len);
    uint8_t *buf = malloc(len + 64);
    fz_count_into(&st);
    for (uint32_t i = 0; i < fz_n(4000); i++) {
        sm_rng_t r = sm_rng_stream(fz_seed(0x9a7), 1, i);
        memcpy(buf, orig, len);
        size_t n = len;
        uint32_t edits = 1 + sm_rng_below(&r, 3);
        for (uint32_t e = 0; e < edits; e++)
            n = mutate_bytes(&r, buf, n, len + 64, false);
        sm_fuzz_part(buf, n);
    }
    fz_count_into(NULL);
    fz_report("part", &st, 200, 1000);
    free(buf);
    free(orig);
    sm_result_destroy(&src);
}

#endif
