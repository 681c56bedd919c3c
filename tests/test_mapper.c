/* Mapper: every strategy within every limit, precise failures, traffic-aware
 * placement against sequential, mapping files. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chip.h"
#include "helpers.h"
#include "mapper.h"
#include "net.h"
#include "netfile.h"
#include "mapfile.h"

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
