/* Energy and timing report against a hand calculation. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chip.h"
#include "energy.h"

static sm_result_t *s_result(const sm_chip_t *chip)
{
    sm_result_t *r = calloc(1, sizeof *r);
    r->ticks = 10;
    r->dt_ms = 1.0;
    r->width = chip->width;
    r->height = chip->height;
    r->cores = calloc(chip->width * chip->height, sizeof *r->cores);
    for (uint32_t c = 0; c < chip->width * chip->height; c++) {
        r->cores[c].x = c % chip->width;
        r->cores[c].y = c / chip->width;
    }
    /* core (0,0) and core (1,0) */
    r->cores[0].neurons = 10;
    r->cores[0].c = (sm_counters_t){.spikes = 5, .synaptic_events = 100, .events_received = 7,
                                    .neuron_updates = 55, .active_updates = 40, .dense_updates = 100,
                                    .packets_out = 6,
                                    .hops = 10};
    r->cores[1].neurons = 10;
    r->cores[1].c = (sm_counters_t){.spikes = 2, .synaptic_events = 30, .events_received = 3,
                                    .neuron_updates = 100, .active_updates = 20, .dense_updates = 100,
                                    .packets_out = 2,
                                    .hops = 4};
    sm_counters_add(&r->totals, &r->cores[0].c);
    sm_counters_add(&r->totals, &r->cores[1].c);
    r->n_links = 2;
    r->links = calloc(2, sizeof *r->links);
    r->links[0] = (sm_link_stats_t){0, 0, 1, 0, 10}; /* east-west   */
    r->links[1] = (sm_link_stats_t){1, 0, 1, 1, 4};  /* north-south */
    return r;
}

static void s_free(sm_result_t *r)
{
    free(r->cores);
    free(r->links);
    free(r);
}

Test(energy, loihi_by_hand)
{
    sm_error_t err;
    sm_error_clear(&err);
    sm_chip_t *chip = sm_chip_load("loihi", &err);
    cr_assert_not_null(chip);
    sm_result_t *r = s_result(chip);
    sm_energy_t e;
    cr_assert_eq(sm_energy_compute(chip, r, &e, &err), 0, "%s", err.msg);
    const double pj = 1e-12;
    /* synaptic ops: (100 + 30) x 23.6 pJ */
    cr_expect_float_eq(e.joules[SM_ENERGY_SYNAPTIC], 130 * 23.6 * pj, 1e-20);
    /* updates: 60 active by the chip rule x 81 pJ + (200 - 60) idle x 52
     * pJ; the engine's own update counts (55 and 100) play no part */
    cr_expect_float_eq(e.joules[SM_ENERGY_UPDATE], (60 * 81.0 + 140 * 52.0) * pj, 1e-20);
    /* spikes: 7 x 1.7 pJ */
    cr_expect_float_eq(e.joules[SM_ENERGY_SPIKE], 7 * 1.7 * pj, 1e-20);
    /* routing: 10 east-west hops x 3.0 pJ + 4 north-south x 4.0 pJ */
    cr_expect_float_eq(e.joules[SM_ENERGY_ROUTING], (10 * 3.0 + 4 * 4.0) * pj, 1e-20);
    cr_expect_float_eq(e.joules[SM_ENERGY_STATIC], 0.0, 1e-30);
    cr_expect_float_eq(e.total_joules, 15265.9 * pj, 1e-18);
    cr_expect_eq(e.hops_ew, 10);
    cr_expect_eq(e.hops_ns, 4);
    cr_expect_eq(e.cores_used, 2);
    /* core (0,0) pays its own events and the east-west link it sends on */
    cr_expect_float_eq(e.cores[0].total, (100 * 23.6 + 40 * 81.0 + 60 * 52.0 + 5 * 1.7 + 30.0) * pj,
                       1e-20);
    /* time: busiest core 100 x 3.5 (synaptic ops) + 40 x 9.7 (active
     * updates) + 60 x 6.0 (idle ones) + 5 x 2.1 (spikes) ns over 10 ticks;
     * router: 14 hops over 8 packets x mean hop latency (10 x 4.1 + 4 x
     * 6.5) / 14, plus the hottest link's 1 packet per tick x 6.5 ns;
     * barrier 113 ns */
    cr_expect_float_eq(e.busy_ns_per_tick, 110.85, 1e-9);
    cr_expect_float_eq(e.router_ns_per_tick, 14.0 / 8 * (67.0 / 14) + 6.5, 1e-9);
    cr_expect_float_eq(e.compute_ns_per_tick, 110.85 + 8.375 + 6.5 + 113.0, 1e-9);
    cr_expect_float_eq(e.chip_seconds_per_tick, 238.725e-9, 1e-18);
    cr_expect_float_eq(e.realtime_factor, 1e6 / 238.725, 1e-6);
    cr_expect_float_eq(e.link_max_per_tick, 1.0, 1e-12);
    cr_expect_float_eq(e.link_mean_per_tick, 0.7, 1e-12);
    cr_expect_eq(e.n_hot_links, 2);
    cr_expect_eq(e.hot_links[0].x1, 1);
    cr_expect_eq(e.hot_cores[0], 0);

    cJSON *stats = cJSON_CreateObject();
    cJSON *tot = cJSON_AddObjectToObject(stats, "totals");
    cJSON_AddNumberToObject(tot, "spikes", 7);
    cr_assert_eq(sm_energy_to_json(&e, stats), 0);
    cr_expect_float_eq(cJSON_GetObjectItem(tot, "energy_joules")->valuedouble, e.total_joules,
                       1e-24);
    cr_expect_not_null(cJSON_GetObjectItem(tot, "spikes"));
    cJSON *en = cJSON_GetObjectItem(stats, "energy");
    cr_assert_not_null(en);
    cr_expect_float_eq(cJSON_GetObjectItem(en, "synaptic")->valuedouble, 130 * 23.6 * pj, 1e-20);
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(en, "cores")), 2);
    cr_expect_float_eq(cJSON_GetObjectItem(stats, "chip_seconds_per_tick")->valuedouble,
                       238.725e-9, 1e-18);
    cJSON_Delete(stats);
    sm_energy_fini(&e);
    s_free(r);
    sm_chip_destroy(&chip);
}

Test(energy, fixed_tick_static_power_and_grid_mismatch)
{
    sm_error_t err;
    sm_error_clear(&err);
    sm_chip_t *chip = sm_chip_load("spinnaker", &err);
    sm_result_t *r = s_result(chip);
    sm_energy_t e;
    cr_assert_eq(sm_energy_compute(chip, r, &e, &err), 0, "%s", err.msg);
    /* 1 ms ticks: 10 ticks = 10 ms; two cores on one chip: 0.36 W + 2 x 0.64/18 W */
    cr_expect_float_eq(e.chip_seconds_per_tick, 1e-3, 1e-15);
    cr_expect_float_eq(e.joules[SM_ENERGY_STATIC], (0.36 + 2 * 0.64 / 18) * 0.01, 1e-12);
    /* packets: 8 x 0.8 nJ */
    cr_expect_float_eq(e.joules[SM_ENERGY_ROUTING], 8 * 0.8e-9, 1e-18);
    cr_expect_eq(e.fixed_tick, 1);
    /* dt 1 ms on a 1 ms chip: real time, nothing to warn about */
    cr_expect_float_eq(e.realtime_factor, 1.0, 1e-12);
    cr_expect_eq(e.warning[0], '\0');
    sm_energy_fini(&e);
    /* dt 0.1 ms on a chip that steps 1 ms: priced tick for tick, ten times
     * slower than real time, and said so in the report and in stats.json */
    r->dt_ms = 0.1;
    cr_assert_eq(sm_energy_compute(chip, r, &e, &err), 0, "%s", err.msg);
    cr_expect_float_eq(e.chip_seconds_per_tick, 1e-3, 1e-15);
    cr_expect_float_eq(e.realtime_factor, 0.1, 1e-12);
    cr_expect(strstr(e.warning, "fixed 1 ms tick but the network's dt is 0.1 ms") != NULL, "%s",
              e.warning);
    cJSON *st = cJSON_CreateObject();
    cr_assert_eq(sm_energy_to_json(&e, st), 0);
    const cJSON *w = cJSON_GetObjectItem(cJSON_GetObjectItem(st, "energy"), "warning");
    cr_expect(cJSON_IsString(w) && strstr(w->valuestring, "real-time factor 0.1"));
    cJSON_Delete(st);
    sm_energy_fini(&e);
    s_free(r);

    sm_chip_t *loihi = sm_chip_load("loihi", &err);
    r = s_result(loihi);
    cr_expect_eq(sm_energy_compute(chip, r, &e, &err), -1);
    cr_expect(strstr(err.msg, "16 x 8") != NULL, "%s", err.msg);
    s_free(r);

    /* a link is one hop between neighbouring cores of the grid */
    r = s_result(loihi);
    r->links[1] = (sm_link_stats_t){1, 0, 3, 0, 4};
    cr_expect_eq(sm_energy_compute(loihi, r, &e, &err), -1);
    cr_expect(strstr(err.msg, "(1,0)->(3,0)") != NULL, "%s", err.msg);
    r->links[1] = (sm_link_stats_t){15, 7, 16, 7, 4};
    cr_expect_eq(sm_energy_compute(loihi, r, &e, &err), -1);
    s_free(r);
    sm_chip_destroy(&loihi);
    sm_chip_destroy(&chip);
}
