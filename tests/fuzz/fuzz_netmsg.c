/* Fuzz target: network messages (proto/netmsg), which carry a network and
 * its mapping to a worker: byte mutants of packed messages through
 * sm_netmsg_unpack; an accepted one must hold what a network file loader
 * promises, and a mapping that fits it. */
#include "fuzz.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mapping.h"
#include "netmsg.h"

int sm_fuzz_netmsg(const uint8_t *data, size_t size)
{
    fz_stats_t *st = fz_stats();
    const uint8_t *buf = data;
    size_t n = size;
    sm_error_t err;
    sm_net_t *back = NULL;
    sm_mapping_t *bm = NULL;
    uint32_t ticks = 0;
    int dense = 0;
    sm_error_clear(&err);
    if (sm_netmsg_unpack(buf, n, &back, &ticks, &dense, &bm, &err) < 0) {
        fz_refused(st, "netspec", &err, NULL, buf, n);
        if (back || bm)
            fz_bad(st, "netspec", buf, n, "refused, but left a network or mapping behind");
        return 0;
    }
    st->accepted++;
    const char *why = net_invariants(back, back->n_neurons <= FUZZ_MAX_POP);
    if (why)
        fz_bad(st, "netspec", buf, n, "accepted, but %s", why);
    else if (!bm || bm->n_gids != back->n_neurons || !bm->width || !bm->height)
        fz_bad(st, "netspec", buf, n, "accepted, but the mapping does not fit the network");
    else
        for (uint32_t g = 0; g < bm->n_gids; g++)
            if (bm->core_of[g] >= bm->width * bm->height) {
                fz_bad(st, "netspec", buf, n, "accepted a gid off the grid");
                break;
            }
    sm_net_destroy(&back);
    sm_mapping_destroy(&bm);
    return 0;
}

#ifndef SM_LIBFUZZER

TestSuite(fuzz, .timeout = 300);

static void netspec_fuzz(const char *path, uint64_t seed, uint32_t iters, fz_stats_t *st)
{
    sm_net_t *net = t_load_net(path);
    sm_error_t err;
    sm_mapping_t *map = sm_mapping_sequential(net, 0, 0, 64, &err);
    cr_assert(map, "%s", err.msg);
    uint8_t *orig;
    size_t len;
    cr_assert_eq(sm_netmsg_pack(net, 77, 0, map, &orig, &len, &err), 0, "%s", err.msg);
    fz_keep_seed("netmsg", orig, len);
    {
        sm_net_t *back;
        sm_mapping_t *bm;
        uint32_t ticks;
        int dense;
        cr_assert_eq(sm_netmsg_unpack(orig, len, &back, &ticks, &dense, &bm, &err), 0, "%s",
                     err.msg);
        const char *why = net_invariants(back, true);
        cr_assert(!why, "%s round trip: %s", path, why);
        sm_net_destroy(&back);
        sm_mapping_destroy(&bm);
    }
    uint8_t *buf = malloc(len + 64);
    fz_count_into(st);
    for (uint32_t i = 0; i < fz_n(iters); i++) {
        sm_rng_t r = sm_rng_stream(fz_seed(seed), 1, i);
        memcpy(buf, orig, len);
        size_t n = len;
        uint32_t edits = 1 + sm_rng_below(&r, 3);
        for (uint32_t e = 0; e < edits; e++)
            n = mutate_bytes(&r, buf, n, len + 64, false);
        sm_fuzz_netmsg(buf, n);
    }
    fz_count_into(NULL);
    free(buf);
    free(orig);
    sm_mapping_destroy(&map);
    sm_net_destroy(&net);
}

Test(fuzz, network_messages)
{
    fz_stats_t st = {0};
    netspec_fuzz(T_DATA_DIR "/full.json", 0x9e7, 2500, &st);
    netspec_fuzz(T_EXAMPLES_DIR "/feedforward.json", 0x9e8, 1500, &st);
    netspec_fuzz(T_DATA_DIR "/structured.json", 0x9e9, 1500, &st);
    fz_report("netspec", &st, 100, 1000);
}

/* ------------------------------------------- regressions found by fuzzing */

/* Packs net (after `edit` changed it) and expects the message refused. */
static void netspec_expect_refused(void (*edit)(sm_net_t *), const char *what)
{
    sm_net_t *net = t_load_net(T_DATA_DIR "/full.json");
    sm_error_t err;
    sm_mapping_t *map = sm_mapping_sequential(net, 0, 0, 64, &err);
    cr_assert(map, "%s", err.msg);
    edit(net);
    uint8_t *buf;
    size_t len;
    cr_assert_eq(sm_netmsg_pack(net, 10, 0, map, &buf, &len, &err), 0, "%s", err.msg);
    sm_net_t *back = NULL;
    sm_mapping_t *bm = NULL;
    uint32_t ticks;
    int dense;
    sm_error_clear(&err);
    int rc = sm_netmsg_unpack(buf, len, &back, &ticks, &dense, &bm, &err);
    cr_expect_eq(rc, -1, "%s: accepted", what);
    cr_expect(rc == 0 || strstr(err.msg, "network message: "), "%s: %s", what, err.msg);
    sm_net_destroy(&back);
    sm_mapping_destroy(&bm);
    free(buf);
    sm_mapping_destroy(&map);
    sm_net_destroy(&net);
}

static sm_proj_t *find_proj(sm_net_t *net, sm_conn_kind_t kind)
{
    for (uint32_t j = 0; j < net->n_projs; j++)
        if (net->projs[j].conn == kind)
            return &net->projs[j];
    cr_assert_fail("no projection of kind %d", (int)kind);
    return NULL;
}

static sm_pop_t *find_pop(sm_net_t *net, const char *name)
{
    int i = sm_net_find_pop(net, name);
    cr_assert_geq(i, 0, "no population %s", name);
    return &net->pops[i];
}

static void ed_model_flag(sm_net_t *net)
{
    /* A bool byte of 2: loading it is undefined behaviour. */
    memset(&find_pop(net, "exc")->models[0].reset_delay, 2, 1);
}
static void ed_closed_nc(sm_net_t *net)
{
    find_pop(net, "exc")->models[0].closed.nc = 7; /* indexes arrays of 2 */
}
static void ed_stage(sm_net_t *net)
{
    find_pop(net, "out")->stage = 0; /* exc -> out has delay 0 */
}
static void ed_fan_in(sm_net_t *net)
{
    find_proj(net, SM_CONN_FIXED_FAN_IN)->k = 1000;
}
static void ed_spike_order(sm_net_t *net)
{
    sm_pop_t *cue = find_pop(net, "cue");
    uint32_t t = cue->st_ticks[0];
    cue->st_ticks[0] = cue->st_ticks[1];
    cue->st_ticks[1] = t;
}
static void ed_weight(sm_net_t *net)
{
    find_proj(net, SM_CONN_ALL_TO_ALL)->weight.a = INFINITY;
}
static void ed_bounds(sm_net_t *net)
{
    sm_proj_t *pr = find_proj(net, SM_CONN_FIXED_FAN_IN);
    pr->weight.lo = 5; /* normal(0.1, 0.02) never lands in [5, 6]: endless redraws */
    pr->weight.hi = 6;
}
static void ed_rate(sm_net_t *net)
{
    find_pop(net, "noise")->rate_hz = NAN;
}
static void ed_dt(sm_net_t *net)
{
    net->dt_ms = -1;
}

Test(fuzz, regression_network_messages)
{
    /* Fields of a network message that were taken without a check. */
    netspec_expect_refused(ed_model_flag, "model flag byte 2");
    netspec_expect_refused(ed_closed_nc, "closed-form table count 7");
    netspec_expect_refused(ed_stage, "stage that breaks the delay-0 order");
    netspec_expect_refused(ed_fan_in, "fixed_fan_in k beyond the source");
    netspec_expect_refused(ed_spike_order, "unsorted spike ticks");
    netspec_expect_refused(ed_weight, "infinite weight");
    netspec_expect_refused(ed_bounds, "normal bounds holding no mass");
    netspec_expect_refused(ed_rate, "NaN Poisson rate");
    netspec_expect_refused(ed_dt, "negative dt");
}

#endif
