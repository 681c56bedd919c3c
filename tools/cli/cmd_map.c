/* spikemesh map: places a network on a chip and reports how it fits. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "budget.h"
#include "chip.h"
#include "cost.h"
#include "commands.h"
#include "mapper.h"
#include "net.h"
#include "netfile.h"
#include "mapfile.h"
#include "nir_compile.h"
#include "options.h"
#include "progress_bar.h"
#include "runrates.h"

static void s_help(FILE *f)
{
    fprintf(f, "usage: spikemesh map NET.json --chip NAME|FILE [--strategy sequential|random|metis]\n"
               "                     [--seed N] [--rates-from RUN_DIR] [--out mapping.json]\n"
               "       spikemesh map MODEL.nir --nir-flavor NAME|--nir-conventions SIDE.json ...\n\n"
               "Places every neuron of the network (spike sources included) on a core of the\n"
               "chip within its per-core limits and prints the use of each limit, the edge cut\n"
               "and the expected packets, hops and energy per tick (model neurons assumed to\n"
               "fire at %g Hz, or at the rates a run measured: --rates-from RUN_DIR, the --out\n"
               "directory of a `spikemesh run` of this network). The default strategy, metis,\n"
               "cuts the neuron graph with METIS, places the parts to shorten busy routes and\n"
               "keeps that only where it is no worse than sequential filling on the chip's\n"
               "energy and hops (the report shows both). --out saves the mapping for\n"
               "`spikemesh run --mapping`. Exit status 2 with the reason if the network does\n"
               "not fit, or if the mapper's graph or the run would need more memory than\n"
               "allowed:\n%s",
            SM_MAP_DEFAULT_RATE_HZ, sm_limits_usage(0));
}

static const char *const s_valued[] = {"--chip",       "--strategy",      "--seed",
                                       "--out",        "--rates-from",    "--nir-flavor",
                                       "--nir-conventions", NULL};

int sm_cmd_map(int argc, char **argv)
{
    if (sm_wants_help(argc, argv)) {
        s_help(stdout);
        return 0;
    }
    const char *netpath = NULL, *chipname = NULL, *strategy = "metis", *out = NULL;
    const char *nir_flavor = NULL, *nir_conv = NULL;
    const char *rates_dir = NULL;
    uint64_t seed = 1;
    sm_limits_t lim;
    sm_limits_default(&lim);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        int lr = sm_opt_begin("map", argc, argv, i, s_valued, &lim, &v);
        if (lr < 0)
            return 2;
        if (lr > 0) {
            i++;
            continue;
        }
        if (!strcmp(a, "--chip")) {
            chipname = argv[++i];
        } else if (!strcmp(a, "--nir-flavor")) {
            nir_flavor = argv[++i];
        } else if (!strcmp(a, "--nir-conventions")) {
            nir_conv = argv[++i];
        } else if (!strcmp(a, "--strategy")) {
            strategy = argv[++i];
        } else if (!strcmp(a, "--out")) {
            out = argv[++i];
        } else if (!strcmp(a, "--rates-from")) {
            rates_dir = argv[++i];
        } else if (!strcmp(a, "--seed")) {
            if (sm_opt_u64("map", a, argv[++i], &seed))
                return 2;
        } else if (a[0] == '-') {
            const char *known[16];
            size_t n = 0;
            for (const char *const *l = s_valued; *l; l++)
                known[n++] = *l;
            for (const char *const *l = sm_limits_options(0); *l; l++)
                known[n++] = *l;
            known[n++] = "--help";
            known[n] = NULL;
            return sm_opt_unknown("map", a, known);
        } else if (!netpath) {
            netpath = a;
        } else {
            fprintf(stderr, "spikemesh map: one network file only, got '%s' too\n", a);
            return 2;
        }
    }
    if (!netpath || !chipname) {
        fprintf(stderr, "spikemesh map: %s; see 'spikemesh map --help'\n",
                !netpath ? "no network file" : "--chip is required");
        return 2;
    }
    if (strcmp(strategy, "sequential") && strcmp(strategy, "random") && strcmp(strategy, "metis")) {
        fprintf(stderr, "spikemesh map: --strategy: must be sequential, random or metis, got '%s'\n",
                strategy);
        return 2;
    }
    struct stat ost;
    if (out && stat(out, &ost) == 0 && S_ISDIR(ost.st_mode)) {
        fprintf(stderr, "spikemesh map: --out %s: is a directory, not a mapping file\n", out);
        return 2;
    }
    if (rates_dir && (stat(rates_dir, &ost) != 0 || !S_ISDIR(ost.st_mode))) {
        fprintf(stderr, "spikemesh map: --rates-from %s: not a directory (the --out directory "
                        "of a run)\n", rates_dir);
        return 2;
    }
    sm_error_t err;
    sm_error_clear(&err);
    sm_chip_t *chip = sm_chip_load(chipname, &err);
    if (!chip) {
        fprintf(stderr, "spikemesh map: %s\n", err.msg);
        return 2;
    }
    /* A NIR graph is mapped as the network it compiles to. */
    size_t pl = strlen(netpath);
    bool nir = nir_flavor || nir_conv || (pl > 4 && !strcmp(netpath + pl - 4, ".nir"));
    sm_nir_net_t *nn = nir ? sm_nir_net_load(netpath, nir_conv, nir_flavor, &err) : NULL;
    sm_net_t *net = nir ? (nn ? nn->net : NULL) : sm_net_load(netpath, &err);
    int rc = 0;
    sm_mapping_t *m = NULL; /* before the first goto: done frees it */
    if (!net) {
        fprintf(stderr, "spikemesh map: %s\n", err.msg);
        sm_chip_destroy(&chip);
        return 2;
    }
    /* The estimate `run` makes too: the graph the mapper builds, and the run
     * the mapping is for. */
    sm_cost_t cost;
    sm_cost_estimate(net, 0, chip->limits.neurons, &cost);
    if (sm_limits_check_cost(&cost, 1, &lim, &err)) {
        fprintf(stderr, "spikemesh map: %s: %s\n", netpath, err.msg);
        rc = 2;
        goto done;
    }
    sm_map_report_t rep;
    double *rates = NULL;
    char rates_from[160];
    sm_map_opts_t mo = {.strategy = strategy, .seed = seed};
    if (rates_dir) {
        uint32_t unmeasured = 0;
        if (!(rates = sm_rates_from_run(net, rates_dir, &unmeasured, &err))) {
            fprintf(stderr, "spikemesh map: --rates-from: %s\n", err.msg);
            rc = err.code == SM_ENOMEM ? 1 : 2;
            goto done;
        }
        if (unmeasured)
            snprintf(rates_from, sizeof rates_from, "%s (%u neurons not recorded: assumed)",
                     rates_dir, unmeasured);
        else
            snprintf(rates_from, sizeof rates_from, "%s", rates_dir);
        mo.rates = rates;
        mo.rates_from = rates_from;
    }
    sm_cli_progress_t prog;
    sm_cli_progress_init(&prog, isatty(2));
    mo.progress = &prog.hook;
    m = sm_map_with(net, chip, &mo, &rep, &err);
    sm_cli_progress_end(&prog);
    free(rates);
    if (!m) {
        fprintf(stderr, "spikemesh map: %s: %s\n", netpath, err.msg);
        rc = err.code == SM_ENOMEM ? 1 : 2;
    } else {
        sm_map_report_print(stdout, &rep);
        if (out) {
            if (sm_mapping_save(m, net, chip->name, strategy, seed, out, &err) < 0) {
                fprintf(stderr, "spikemesh map: %s\n", err.msg);
                rc = 1;
            } else {
                printf("  mapping written to %s\n", out);
            }
        }
    }
done:
    sm_mapping_destroy(&m);
    if (nn)
        sm_nir_net_destroy(&nn);
    else
        sm_net_destroy(&net);
    sm_chip_destroy(&chip);
    return rc;
}
