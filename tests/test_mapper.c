/* Mapper: every strategy within every limit, precise failures, traffic-aware
 * placement against sequential, mapping files. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chip.h"
#include "helpers.h"
#include "mapper.h"
#include "mapper_int.h"
#include "net.h"
#include "netfile.h"
#include "mapfile.h"
#include "runrates.h"

static sm_net_t *s_net(const char *text)
{
    return t_net_json(text, "test.json", ".");
}

static sm_chip_t *s_chip(const char *text)
{
    sm_error_t err;
    sm_error_clear(&err);
    sm_chip_t *c = sm_chip_from_string(text, "test-chip", &err);
    cr_assert_not_null(c, "%s", err.msg);
    return c;
}

/* An independent count of every per-core quantity, straight from the
 * synapse generator, so the test does not trust the mapper's own check. */
typedef struct {
    const sm_mapping_t *m;
    uint32_t sfirst, dfirst;
    uint64_t *syn;
    uint8_t *axon;            /* [core][gid]  */
    uint8_t *fan;             /* [core][core] */
    uint32_t n, cores;
} s_cnt_t;

static int s_count(void *ctx, uint32_t src, uint32_t dst, float w, uint32_t d)
{
    (void)w;
    (void)d;
    s_cnt_t *c = ctx;
    uint32_t s = c->sfirst + src, t = c->dfirst + dst;
    uint32_t cs = c->m->core_of[s], ct = c->m->core_of[t];
    c->syn[ct]++;
    c->axon[(size_t)ct * c->n + s] = 1;
    c->fan[(size_t)cs * c->cores + ct] = 1;
    return 0;
}

static void s_check_limits(const sm_net_t *net, const sm_chip_t *chip, const sm_mapping_t *m)
{
    uint32_t cores = sm_chip_cores(chip), n = net->n_neurons;
    cr_assert_eq(m->n_gids, n);
    cr_assert_eq(m->width, chip->width);
    s_cnt_t c = {m, 0, 0, calloc(cores, 8), calloc((size_t)cores * n, 1),
                 calloc((size_t)cores * cores, 1), n, cores};
    cr_assert(c.syn && c.axon && c.fan);
    uint32_t *neur = calloc(cores, sizeof *neur);
    for (uint32_t v = 0; v < n; v++) {
        cr_assert_lt(m->core_of[v], cores);
        neur[m->core_of[v]]++;
    }
    for (uint32_t j = 0; j < net->n_projs; j++) {
        c.sfirst = net->pops[net->projs[j].src_pop].first;
        c.dfirst = net->pops[net->projs[j].dst_pop].first;
        sm_proj_generate(net, &net->projs[j], s_count, &c);
    }
    for (uint32_t k = 0; k < cores; k++) {
        cr_expect_leq(neur[k], chip->limits.neurons, "core %u neurons", k);
        if (chip->limits.synapses)
            cr_expect_leq(c.syn[k], chip->limits.synapses, "core %u synapses", k);
        uint32_t ax = 0, fo = 0;
        for (uint32_t v = 0; v < n; v++)
            ax += c.axon[(size_t)k * n + v];
        for (uint32_t q = 0; q < cores; q++)
            fo += c.fan[(size_t)k * cores + q];
        if (chip->limits.axons)
            cr_expect_leq(ax, chip->limits.axons, "core %u axons", k);
        if (chip->limits.fanout)
            cr_expect_leq(fo, chip->limits.fanout, "core %u fan-out", k);
    }
    free(neur);
    free(c.syn);
    free(c.axon);
    free(c.fan);
}

static const char *s_small_chip =
    "{\"name\": \"small\", \"mesh\": {\"width\": 8, \"height\": 8},"
    " \"limits\": {\"neurons\": 64, \"synapses\": 900, \"axons\": 90, \"fanout\": 40},"
    " \"energy_pj\": {\"hop_east_west\": 1, \"hop_north_south\": 1}}";

static const char *s_nets[] = {
    /* feed-forward, random connectivity */
    "{\"simulation\": {\"ticks\": 10, \"seed\": 3}, \"populations\": ["
    " {\"name\": \"in\", \"size\": 120, \"source\": {\"kind\": \"poisson\", \"rate_hz\": 30}},"
    " {\"name\": \"h\", \"size\": 200, \"model\": \"lif\", \"params\": {\"beta\": 0.9}},"
    " {\"name\": \"out\", \"size\": 40, \"model\": \"lif\", \"params\": {\"beta\": 0.9}}],"
    " \"projections\": ["
    " {\"source\": \"in\", \"target\": \"h\", \"connectivity\": {\"kind\": \"fixed_fan_in\", \"k\": 8},"
    "  \"weight\": 0.3, \"delay\": 1},"
    " {\"source\": \"h\", \"target\": \"out\", \"connectivity\": {\"kind\": \"fixed_fan_in\", \"k\": 10},"
    "  \"weight\": 0.2, \"delay\": 1}]}",
    /* recurrent, dense-ish: the axon and synapse limits bite */
    "{\"simulation\": {\"ticks\": 10, \"seed\": 5}, \"populations\": ["
    " {\"name\": \"a\", \"size\": 300, \"model\": \"lif\", \"params\": {\"beta\": 0.9}},"
    " {\"name\": \"b\", \"size\": 100, \"source\": {\"kind\": \"poisson\", \"rate_hz\": 5}}],"
    " \"projections\": ["
    " {\"source\": \"a\", \"target\": \"a\", \"connectivity\": {\"kind\": \"fixed_probability\", \"p\": 0.03},"
    "  \"weight\": 0.1, \"delay\": 1},"
    " {\"source\": \"b\", \"target\": \"a\", \"connectivity\": {\"kind\": \"fixed_fan_in\", \"k\": 4},"
    "  \"weight\": 0.1, \"delay\": 1}]}",
};

Test(mapper, every_strategy_respects_every_limit)
{
    sm_chip_t *chip = s_chip(s_small_chip);
    static const char *const strategies[] = {"sequential", "random", "metis"};
    for (size_t i = 0; i < sizeof s_nets / sizeof s_nets[0]; i++) {
        sm_net_t *net = s_net(s_nets[i]);
        for (size_t s = 0; s < 3; s++) {
            sm_error_t err;
            sm_error_clear(&err);
            sm_map_report_t rep;
            sm_mapping_t *m = sm_map(net, chip, strategies[s], 7, &rep, &err);
            if (!m && !strcmp(strategies[s], "random")) {
                /* scattering neurons at random may spread a core's targets
                 * over more cores than its fan-out allows: that must be said */
                cr_expect_eq(err.code, SM_ETOOBIG);
                cr_expect(strstr(err.msg, "fan-out") != NULL, "%s", err.msg);
                continue;
            }
            cr_assert_not_null(m, "net %zu, %s: %s", i, strategies[s], err.msg);
            s_check_limits(net, chip, m);
            cr_expect_leq(rep.neurons.max, chip->limits.neurons);
            cr_expect_leq(rep.axons.max, chip->limits.axons);
            cr_expect_geq(rep.cores_used, (net->n_neurons + 63) / 64);
            /* deterministic for a seed */
            sm_mapping_t *m2 = sm_map(net, chip, strategies[s], 7, NULL, &err);
            cr_assert_not_null(m2);
            cr_expect_eq(memcmp(m->core_of, m2->core_of, m->n_gids * sizeof *m->core_of), 0,
                         "%s is not deterministic", strategies[s]);
            sm_mapping_destroy(&m);
            sm_mapping_destroy(&m2);
        }
        sm_net_destroy(&net);
    }
    sm_chip_destroy(&chip);
}

Test(mapper, sheet_on_builtins_within_limits)
{
    sm_error_t err;
    sm_error_clear(&err);
    sm_net_t *net = sm_net_load(T_EXAMPLES_DIR "/sheet.json", &err);
    cr_assert_not_null(net, "%s", err.msg);
    const char *chips[] = {"loihi", "truenorth"};
    static const char *const strategies[] = {"sequential", "random", "metis"};
    for (int c = 0; c < 2; c++) {
        sm_chip_t *chip = sm_chip_load(chips[c], &err);
        for (int s = 0; s < 3; s++) {
            sm_map_report_t rep;
            sm_mapping_t *m = sm_map(net, chip, strategies[s], 1, &rep, &err);
            cr_assert_not_null(m, "%s/%s: %s", chips[c], strategies[s], err.msg);
            cr_expect_leq(rep.neurons.max, chip->limits.neurons);
            cr_expect_leq(rep.synapses.max, chip->limits.synapses);
            cr_expect_leq(rep.axons.max, chip->limits.axons);
            cr_expect_leq(rep.fanout.max, chip->limits.fanout);
            cr_expect_eq(sm_map_check(net, chip, m, NULL, &err), 0, "%s", err.msg);
            sm_mapping_destroy(&m);
        }
        sm_chip_destroy(&chip);
    }
    sm_net_destroy(&net);
}

Test(mapper, metis_cuts_hop_weighted_traffic_on_the_sheet)
{
    sm_error_t err;
    sm_error_clear(&err);
    sm_net_t *net = sm_net_load(T_EXAMPLES_DIR "/sheet.json", &err);
    cr_assert_not_null(net, "%s", err.msg);
    const char *chips[] = {"loihi", "truenorth"};
    for (int c = 0; c < 2; c++) {
        sm_chip_t *chip = sm_chip_load(chips[c], &err);
        sm_map_report_t seq, met;
        sm_mapping_t *a = sm_map(net, chip, "sequential", 1, &seq, &err);
        sm_mapping_t *b = sm_map(net, chip, "metis", 1, &met, &err);
        cr_assert(a && b, "%s", err.msg);
        double cut = 1.0 - met.hops_per_tick / seq.hops_per_tick;
        cr_log_info("%s: hops/tick sequential %.2f, metis %.2f: %.1f%% less", chips[c],
                    seq.hops_per_tick, met.hops_per_tick, 100 * cut);
        cr_expect_geq(cut, 0.30, "%s: metis cuts only %.1f%% of the hop traffic", chips[c],
                      100 * cut);
        cr_expect_lt(met.edge_cut, seq.edge_cut);
        sm_mapping_destroy(&a);
        sm_mapping_destroy(&b);
        sm_chip_destroy(&chip);
    }
    sm_net_destroy(&net);
}

Test(mapper, too_big_names_population_limit_overflow_and_fewest_cores)
{
    sm_net_t *net = s_net("{\"simulation\": {\"ticks\": 10}, \"populations\": ["
                          " {\"name\": \"small\", \"size\": 1000, \"model\": \"lif\", \"params\": {\"beta\": 0.9}},"
                          " {\"name\": \"huge\", \"size\": 140000, \"model\": \"lif\", \"params\": {\"beta\": 0.9}}],"
                          " \"projections\": []}");
    sm_error_t err;
    sm_error_clear(&err);
    sm_chip_t *chip = sm_chip_load("loihi", &err);
    sm_mapping_t *m = sm_map(net, chip, "metis", 1, NULL, &err);
    cr_assert_null(m);
    cr_expect_eq(err.code, SM_ETOOBIG);
    cr_expect(strstr(err.msg, "'huge'") != NULL, "no population: %s", err.msg);
    cr_expect(strstr(err.msg, "neurons per core") != NULL, "no limit: %s", err.msg);
    /* 141000 neurons, 128 x 1024 = 131072 on the chip: 9928 over */
    cr_expect(strstr(err.msg, "9928") != NULL, "no overflow: %s", err.msg);
    cr_expect(strstr(err.msg, "fewest cores that would fit it: 138") != NULL,
              "no fewest cores: %s", err.msg);
    sm_net_destroy(&net);

    /* one neuron whose fan-in exceeds a core's synapse memory */
    net = s_net("{\"simulation\": {\"ticks\": 10}, \"populations\": ["
                " {\"name\": \"src\", \"size\": 1000, \"source\": {\"kind\": \"poisson\", \"rate_hz\": 1}},"
                " {\"name\": \"sink\", \"size\": 2, \"model\": \"lif\", \"params\": {\"beta\": 0.9}}],"
                " \"projections\": [{\"source\": \"src\", \"target\": \"sink\","
                " \"connectivity\": {\"kind\": \"all_to_all\"}, \"weight\": 0.1, \"delay\": 1}]}");
    sm_chip_t *small = s_chip(s_small_chip);
    sm_error_clear(&err);
    m = sm_map(net, small, "sequential", 1, NULL, &err);
    cr_assert_null(m);
    cr_expect_eq(err.code, SM_ETOOBIG);
    cr_expect(strstr(err.msg, "'sink'") && strstr(err.msg, "1000") && strstr(err.msg, "synapse"),
              "%s", err.msg);
    sm_net_destroy(&net);
    sm_chip_destroy(&small);
    sm_chip_destroy(&chip);
}

Test(mapper, mapping_files_round_trip_and_are_checked)
{
    sm_net_t *net = s_net(s_nets[0]);
    sm_chip_t *chip = s_chip(s_small_chip);
    sm_error_t err;
    sm_error_clear(&err);
    sm_mapping_t *m = sm_map(net, chip, "metis", 3, NULL, &err);
    cr_assert_not_null(m, "%s", err.msg);
    char dir[256], path[512];
    t_mkdtemp(dir, sizeof dir, "map");
    t_join(path, sizeof path, dir, "m.json");
    cr_assert_eq(sm_mapping_save(m, net, chip->name, "metis", 3, path, &err), 0, "%s", err.msg);
    cr_expect_eq(t_count_temp_files(dir), 0, "temporary file left behind");
    sm_mapping_t *l = sm_mapping_load(path, net, &err);
    cr_assert_not_null(l, "%s", err.msg);
    cr_expect_eq(l->width, m->width);
    cr_expect_eq(l->n_gids, m->n_gids);
    cr_expect_eq(memcmp(l->core_of, m->core_of, m->n_gids * sizeof *m->core_of), 0);
    cr_expect_eq(sm_map_check(net, chip, l, NULL, &err), 0, "%s", err.msg);
    sm_mapping_destroy(&l);

    /* wrong network: gid count differs */
    sm_net_t *other = s_net(s_nets[1]);
    l = sm_mapping_load(path, other, &err);
    cr_expect_null(l);
    cr_expect(strstr(err.msg, "n_gids") != NULL, "%s", err.msg);
    sm_net_destroy(&other);

    /* a core out of range */
    FILE *f = fopen(path, "w");
    fprintf(f, "{\"format\": \"spikemesh-mapping\", \"version\": 1, \"width\": 2, \"height\": 2,"
               " \"n_gids\": %u, \"cores\": [", net->n_neurons);
    for (uint32_t v = 0; v < net->n_neurons; v++)
        fprintf(f, "%s%u", v ? "," : "", v == 5 ? 4u : 0u);
    fprintf(f, "]}");
    fclose(f);
    sm_error_clear(&err);
    l = sm_mapping_load(path, net, &err);
    cr_expect_null(l);
    cr_expect(strstr(err.msg, "cores[5]") && strstr(err.msg, "4"), "%s", err.msg);

    /* an over-full core is refused by the check, naming core and limit */
    sm_mapping_t *bad = sm_map(net, chip, "sequential", 1, NULL, &err);
    for (uint32_t v = 0; v < bad->n_gids; v++)
        bad->core_of[v] = 0;
    sm_error_clear(&err);
    cr_expect_eq(sm_map_check(net, chip, bad, NULL, &err), -1);
    cr_expect(strstr(err.msg, "core (0,0)") && strstr(err.msg, "neurons per core"), "%s",
              err.msg);
    sm_mapping_destroy(&bad);
    cr_expect_eq(t_rmtree(dir), 0);
    sm_mapping_destroy(&m);
    sm_net_destroy(&net);
    sm_chip_destroy(&chip);
}

/* ---- the default against sequential, repairs, static power, rates ------- */

Test(mapper, default_is_never_worse_than_sequential_by_the_chips_cost)
{
    static const char *const nets[] = {"sheet", "cuba", "feedforward"};
    static const char *const chips[] = {"loihi", "truenorth", "spinnaker"};
    for (int n = 0; n < 3; n++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s.json", T_EXAMPLES_DIR, nets[n]);
        sm_error_t err;
        sm_error_clear(&err);
        sm_net_t *net = sm_net_load(path, &err);
        cr_assert_not_null(net, "%s", err.msg);
        for (int c = 0; c < 3; c++) {
            sm_chip_t *chip = sm_chip_load(chips[c], &err);
            sm_map_report_t seq, def;
            sm_mapping_t *a = sm_map(net, chip, "sequential", 1, &seq, &err);
            sm_mapping_t *b = sm_map(net, chip, NULL, 1, &def, &err);
            cr_assert(a && b, "%s on %s: %s", nets[n], chips[c], err.msg);
            cr_expect_leq(def.energy_pj_per_tick, seq.energy_pj_per_tick * (1 + 1e-9),
                          "%s on %s: %g pJ against sequential's %g", nets[n], chips[c],
                          def.energy_pj_per_tick, seq.energy_pj_per_tick);
            cr_expect_leq(def.hops_per_tick, seq.hops_per_tick * (1 + 1e-9),
                          "%s on %s: %g hops against sequential's %g", nets[n], chips[c],
                          def.hops_per_tick, seq.hops_per_tick);
            /* the report names all three candidates and the one kept */
            cr_expect_eq(def.n_candidates, 3, "%s on %s", nets[n], chips[c]);
            cr_expect_lt(def.kept, def.n_candidates);
            cr_expect_eq(def.energy_pj_per_tick, def.candidates[def.kept].energy_pj_per_tick);
            cr_expect_str_eq(def.candidates[def.n_candidates - 1].name, "sequential");
            cr_expect_eq(def.candidates[def.n_candidates - 1].hops_per_tick, seq.hops_per_tick);
            sm_mapping_destroy(&a);
            sm_mapping_destroy(&b);
            sm_chip_destroy(&chip);
        }
        sm_net_destroy(&net);
    }
}

/* Neurons per part of a part_of over k parts: the smallest. */
static uint32_t s_smallest_part(const uint32_t *part_of, uint32_t n, uint32_t k)
{
    uint32_t *cnt = calloc(k, sizeof *cnt), min = UINT32_MAX;
    for (uint32_t v = 0; v < n; v++)
        cnt[part_of[v]]++;
    for (uint32_t p = 0; p < k; p++)
        if (cnt[p] < min)
            min = cnt[p];
    free(cnt);
    return min;
}

Test(mapper, tidy_leaves_no_single_neuron_part)
{
    /* a chain of 1100 neurons, limit 1024 per core */
    sm_net_t *net = s_net("{\"simulation\": {\"ticks\": 10}, \"populations\": ["
                          " {\"name\": \"a\", \"size\": 1100, \"model\": \"lif\", \"params\": {\"beta\": 0.9}}],"
                          " \"projections\": [{\"source\": \"a\", \"target\": \"a\","
                          " \"connectivity\": {\"kind\": \"one_to_one\"}, \"weight\": 0.1, \"delay\": 1}]}");
    sm_mgraph_t g;
    sm_error_t err;
    sm_error_clear(&err);
    cr_assert_eq(sm_mgraph_build(net, &g, &err), 0, "%s", err.msg);
    sm_chip_limits_t lim = {.neurons = 1024};
    uint32_t *part_of = malloc(g.n * sizeof *part_of);
    /* a cut one neuron over the limit: filling in order would leave a core
     * of one neuron; the repair hands it to the part with room */
    for (uint32_t v = 0; v < g.n; v++)
        part_of[v] = v < 1025 ? 0 : 1;
    uint32_t k = sm_map_tidy(&g, &lim, part_of, 2);
    cr_expect_eq(k, 2);
    cr_expect_gt(s_smallest_part(part_of, g.n, k), 1);
    /* three parts with nowhere to spill: cut evenly, not 1024 + 1 */
    lim.neurons = 400;
    for (uint32_t v = 0; v < g.n; v++)
        part_of[v] = v < 401 ? 0 : v < 801 ? 1 : 2;
    k = sm_map_tidy(&g, &lim, part_of, 3);
    cr_expect_eq(k, 3, "1100 neurons in cores of 400: %u parts", k);
    cr_expect_gt(s_smallest_part(part_of, g.n, k), 1);
    /* tiny leftovers merge with a part that has room */
    lim.neurons = 1024;
    for (uint32_t v = 0; v < g.n; v++)
        part_of[v] = v < 1000 ? 0 : v < 1003 ? 1 : v < 1005 ? 2 : 3;
    k = sm_map_tidy(&g, &lim, part_of, 4);
    cr_expect_eq(k, 2, "parts of 1000, 3, 2 and 95 neurons: %u parts after merging", k);
    free(part_of);
    sm_mgraph_free(&g);
    sm_net_destroy(&net);
}

Test(mapper, default_mapping_leaves_no_near_empty_core)
{
    sm_error_t err;
    sm_error_clear(&err);
    sm_net_t *net = sm_net_load(T_EXAMPLES_DIR "/cuba.json", &err);
    cr_assert_not_null(net, "%s", err.msg);
    sm_chip_t *chip = sm_chip_load("loihi", &err);
    sm_map_report_t rep;
    sm_mapping_t *m = sm_map(net, chip, "metis", 1, &rep, &err);
    cr_assert_not_null(m, "%s", err.msg);
    /* 4000 neurons in cores of 1024 */
    cr_expect_eq(rep.cores_used, 4, "%u cores", rep.cores_used);
    uint32_t *cnt = calloc(sm_chip_cores(chip), sizeof *cnt);
    for (uint32_t v = 0; v < m->n_gids; v++)
        cnt[m->core_of[v]]++;
    for (uint32_t c = 0; c < sm_chip_cores(chip); c++)
        cr_expect(cnt[c] == 0 || cnt[c] > 1024 / 8, "core %u holds %u neurons", c, cnt[c]);
    free(cnt);
    sm_mapping_destroy(&m);
    sm_chip_destroy(&chip);
    sm_net_destroy(&net);
}

Test(mapper, static_chip_power_keeps_parts_on_few_chips)
{
    sm_error_t err;
    sm_error_clear(&err);
    sm_net_t *net = sm_net_load(T_EXAMPLES_DIR "/feedforward.json", &err);
    cr_assert_not_null(net, "%s", err.msg);
    sm_chip_t *chip = sm_chip_load("spinnaker", &err);
    sm_map_report_t rep;
    sm_mapping_t *m = sm_map(net, chip, NULL, 1, &rep, &err);
    cr_assert_not_null(m, "%s", err.msg);
    /* 410 neurons, 2 cores of 256: one chip of 18 cores holds them */
    cr_expect_eq(rep.chips_used, 1, "%u chips", rep.chips_used);
    cr_expect_gt(rep.static_pj_per_tick, 0);
    for (uint32_t i = 0; i < rep.n_candidates; i++)
        cr_expect_eq(rep.candidates[i].chips_used, 1, "%s: %u chips", rep.candidates[i].name,
                     rep.candidates[i].chips_used);
    sm_mapping_destroy(&m);
    sm_chip_destroy(&chip);
    sm_net_destroy(&net);
}

Test(mapper, measured_rates_replace_the_assumed_ones)
{
    sm_error_t err;
    sm_error_clear(&err);
    sm_net_t *net = sm_net_load(T_EXAMPLES_DIR "/feedforward.json", &err);
    cr_assert_not_null(net, "%s", err.msg);
    sm_chip_t *chip = sm_chip_load("truenorth", &err);
    double *rates = malloc(net->n_neurons * sizeof *rates);
    for (uint32_t v = 0; v < net->n_neurons; v++)
        rates[v] = v < 100 ? NAN : 0.5; /* inputs keep their rate */
    sm_map_report_t a, b;
    sm_mapping_t *m1 = sm_map(net, chip, "sequential", 1, &a, &err);
    const sm_map_opts_t o = {.strategy = "sequential", .seed = 1, .rates = rates,
                             .rates_from = "a run"};
    sm_mapping_t *m2 = sm_map_with(net, chip, &o, &b, &err);
    cr_assert(m1 && m2, "%s", err.msg);
    /* 100 Poisson inputs at 20 Hz (their own rate, kept), 310 neurons at 0.5 a tick */
    cr_expect_float_eq(b.spikes_per_tick, 100 * 0.02 + 310 * 0.5, 1e-9, "%g", b.spikes_per_tick);
    cr_expect_float_eq(a.spikes_per_tick, 100 * 0.02 + 310 * 0.01, 1e-9, "%g", a.spikes_per_tick);
    cr_expect_str_eq(b.rates, "a run");
    free(rates);
    sm_mapping_destroy(&m1);
    sm_mapping_destroy(&m2);
    sm_chip_destroy(&chip);
    sm_net_destroy(&net);
}

Test(mapper, rates_from_a_run_directory)
{
    sm_error_t err;
    sm_error_clear(&err);
    sm_net_t *net = sm_net_load(T_EXAMPLES_DIR "/feedforward.json", &err);
    cr_assert_not_null(net, "%s", err.msg);
    char dir[256], path[512];
    t_mkdtemp(dir, sizeof dir, "rates");
    t_join(path, sizeof path, dir, "stats.json");
    FILE *f = fopen(path, "w");
    fprintf(f, "{\"ticks\": 4, \"populations\": [{\"name\": \"input\", \"size\": 100},"
               " {\"name\": \"hidden1\", \"size\": 200}, {\"name\": \"hidden2\", \"size\": 100,"
               " \"recorded\": false}, {\"name\": \"readout\", \"size\": 10}]}");
    fclose(f);
    t_join(path, sizeof path, dir, "spikes.csv");
    f = fopen(path, "w");
    fprintf(f, "tick,population,index\n0,input,3\n1,input,3\n2,hidden1,7\n3,readout,9\n");
    fclose(f);
    uint32_t unmeasured = 0;
    double *r = sm_rates_from_run(net, dir, &unmeasured, &err);
    cr_assert_not_null(r, "%s", err.msg);
    cr_expect_float_eq(r[3], 0.5, 1e-12);
    cr_expect_float_eq(r[100 + 7], 0.25, 1e-12);
    cr_expect_float_eq(r[409], 0.25, 1e-12);
    cr_expect_eq(r[0], 0.0);
    cr_expect(isnan(r[300]), "an unrecorded population is not measured");
    cr_expect_eq(unmeasured, 100);
    free(r);
    /* a row naming no neuron of the network, and another network's run */
    f = fopen(path, "w");
    fprintf(f, "tick,population,index\n0,input,100\n");
    fclose(f);
    cr_expect_null(sm_rates_from_run(net, dir, NULL, &err));
    cr_expect(strstr(err.msg, "spikes.csv:2") != NULL, "%s", err.msg);
    t_join(path, sizeof path, dir, "stats.json");
    f = fopen(path, "w");
    fprintf(f, "{\"ticks\": 4, \"populations\": [{\"name\": \"input\", \"size\": 100}]}");
    fclose(f);
    cr_expect_null(sm_rates_from_run(net, dir, NULL, &err));
    cr_expect(strstr(err.msg, "not a run of this network") != NULL, "%s", err.msg);
    cr_expect_eq(t_rmtree(dir), 0);
    sm_net_destroy(&net);
}

Test(mapper, one_neuron_over_the_fanout_limit_fits_no_number_of_cores)
{
    sm_net_t *net = s_net("{\"simulation\": {\"ticks\": 10}, \"populations\": ["
                          " {\"name\": \"hub\", \"size\": 1, \"source\": {\"kind\": \"poisson\", \"rate_hz\": 5}},"
                          " {\"name\": \"many\", \"size\": 100, \"model\": \"lif\", \"params\": {\"beta\": 0.9}}],"
                          " \"projections\": [{\"source\": \"hub\", \"target\": \"many\","
                          " \"connectivity\": {\"kind\": \"all_to_all\"}, \"weight\": 0.1, \"delay\": 1}]}");
    sm_chip_t *chip = s_chip("{\"name\": \"narrow\", \"mesh\": {\"width\": 8, \"height\": 8},"
                             " \"limits\": {\"neurons\": 10, \"fanout\": 4}}");
    sm_error_t err;
    sm_error_clear(&err);
    sm_mapping_t *m = sm_map(net, chip, NULL, 1, NULL, &err);
    cr_assert_null(m);
    cr_expect_eq(err.code, SM_ETOOBIG);
    cr_expect(strstr(err.msg, "'hub'") && strstr(err.msg, "fan-out") &&
              strstr(err.msg, "no number of cores can hold it"), "%s", err.msg);
    cr_expect(strstr(err.msg, "fewest") == NULL, "%s", err.msg);
    sm_chip_destroy(&chip);
    sm_net_destroy(&net);
}

Test(mapper, fewest_cores_only_when_it_is_the_fewest)
{
    /* every neuron hears 60 distinct sources and a core takes 90 axons: one
     * neuron a core, far more cores than the neuron count asks for */
    sm_net_t *net = s_net("{\"simulation\": {\"ticks\": 10, \"seed\": 1}, \"populations\": ["
                          " {\"name\": \"src\", \"size\": 600, \"source\": {\"kind\": \"poisson\", \"rate_hz\": 5}},"
                          " {\"name\": \"dst\", \"size\": 200, \"model\": \"lif\", \"params\": {\"beta\": 0.9}}],"
                          " \"projections\": [{\"source\": \"src\", \"target\": \"dst\","
                          " \"connectivity\": {\"kind\": \"fixed_fan_in\", \"k\": 60}, \"weight\": 0.1, \"delay\": 1}]}");
    sm_chip_t *chip = s_chip("{\"name\": \"few\", \"mesh\": {\"width\": 4, \"height\": 4},"
                             " \"limits\": {\"neurons\": 64, \"axons\": 90}}");
    sm_error_t err;
    sm_error_clear(&err);
    sm_mapping_t *m = sm_map(net, chip, NULL, 1, NULL, &err);
    cr_assert_null(m);
    cr_expect_eq(err.code, SM_ETOOBIG);
    cr_expect(strstr(err.msg, "fewest") == NULL, "not proven the fewest: %s", err.msg);
    cr_expect(strstr(err.msg, "filled in gid order it would fit") != NULL, "%s", err.msg);
    sm_chip_destroy(&chip);
    sm_net_destroy(&net);
}
