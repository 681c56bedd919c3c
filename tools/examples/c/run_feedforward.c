/* run_feedforward: a program that embeds spikemesh through its installed
 * library. It runs a network file (tools/examples/feedforward.json, say) on
 * a chip and prints what the run cost; with a third argument it also writes
 * the spikes as spikes.csv has them.
 *
 * Build and run against an installed spikemesh:
 *     cc run_feedforward.c $(pkg-config --cflags --libs spikemesh) -o run_feedforward
 *     ./run_feedforward tools/examples/feedforward.json loihi spikes.csv */
#include <inttypes.h>
#include <stdio.h>

#include <spikemesh.h>

static int s_fail(const char *what, const spikemesh_error_t *err)
{
    fprintf(stderr, "run_feedforward: %s: %s (%s)\n", what, err->msg,
            spikemesh_strerror(err->code));
    return 1;
}

/* The population holding gid: the last one starting at or before it. */
static uint32_t s_pop_of(const spikemesh_net_t *net, uint32_t gid)
{
    uint32_t p = 0;
    while (p + 1 < spikemesh_net_n_pops(net) && spikemesh_net_pop_first(net, p + 1) <= gid)
        p++;
    return p;
}

/* One row per spike, as spikes.csv: a count of n is n rows. */
static int s_write_spikes(const char *path, const spikemesh_net_t *net,
                          const spikemesh_result_t *res)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        return -1;
    }
    fputs("tick,population,index\n", f);
    const uint32_t *s = spikemesh_result_spikes(res); /* tick, gid, count */
    for (size_t i = 0; i < spikemesh_result_n_spikes(res); i++, s += 3) {
        uint32_t p = s_pop_of(net, s[1]);
        for (uint32_t k = 0; k < s[2]; k++)
            fprintf(f, "%" PRIu32 ",%s,%" PRIu32 "\n", s[0], spikemesh_net_pop_name(net, p),
                    s[1] - spikemesh_net_pop_first(net, p));
    }
    return fclose(f) ? -1 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: run_feedforward NET.json [CHIP [SPIKES.csv]]\n");
        return 2;
    }
    const char *chip = argc > 2 ? argv[2] : "loihi";
    spikemesh_error_t err;
    spikemesh_net_t *net = spikemesh_net_load(argv[1], &err);
    if (!net)
        return s_fail("load", &err);
    spikemesh_opts_t *opts = spikemesh_opts_new();
    spikemesh_result_t *res = NULL;
    int rc = 1;
    if (!opts || spikemesh_opts_set_chip(opts, chip, &err)) {
        rc = opts ? s_fail("options", &err) : 1;
        goto out;
    }
    spikemesh_opts_set_threads(opts, 1);
    if (!(res = spikemesh_run(net, opts, &err))) {
        rc = s_fail("run", &err);
        goto out;
    }
    uint64_t totals[64];
    uint32_t n_counters = spikemesh_n_counters();
    if (n_counters > 64)
        n_counters = 64;
    spikemesh_result_totals(res, totals);
    printf("spikemesh %s: %s, %" PRIu32 " ticks on %s (%" PRIu32 " x %" PRIu32 " cores)\n",
           spikemesh_version(), spikemesh_net_path(net), spikemesh_result_ticks(res),
           spikemesh_result_chip(res), spikemesh_result_width(res),
           spikemesh_result_height(res));
    for (uint32_t i = 0; i < n_counters; i++)
        printf("  %-22s %" PRIu64 "\n", spikemesh_counter_name(i), totals[i]);
    double v;
    const char *name;
    for (uint32_t i = 0; (name = spikemesh_result_energy_item(res, i, &v)); i++)
        printf("  energy.%-21s %.6g\n", name, v);
    rc = argc > 3 && s_write_spikes(argv[3], net, res) ? 1 : 0;
out:
    spikemesh_result_destroy(&res);
    spikemesh_opts_destroy(&opts);
    spikemesh_net_destroy(&net);
    return rc;
}
