/* spikemesh map: places a network on a chip and reports how it fits. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "budget.h"
#include "chip.h"
#include "cost.h"
#include "commands.h"
#include "mapper.h"
#include "net.h"
#include "netfile.h"
#include "mapfile.h"
#include "nir_compile.h"

static void s_help(FILE *f)
{
    fprintf(f, "usage: spikemesh map NET.json --chip NAME|FILE [--strategy sequential|random|metis]\n"
               "                     [--seed N] [--out mapping.json]\n"
               "       spikemesh map MODEL.nir --nir-flavor NAME|--nir-conventions SIDE.json ...\n\n"
               "Places every neuron of the network (spike sources included) on a core of the\n"
               "chip within its per-core limits and prints the use of each limit, the edge cut\n"
               "and the expected packets and hops per tick (model neurons assumed to fire at\n"
               "%g Hz). The default strategy, metis, cuts the neuron graph with METIS and places\n"
               "the parts to shorten busy routes. --out saves the mapping for `spikemesh run\n"
               "--mapping`. Exit status 2 with the reason if the network does not fit, or if\n"
               "the mapper's graph or the run would need more memory than allowed:\n%s",
            SM_MAP_DEFAULT_RATE_HZ, sm_limits_usage(0));
}

int sm_cmd_map(int argc, char **argv)
{
    if (sm_wants_help(argc, argv)) {
        s_help(stdout);
        return 0;
    }
    const char *netpath = NULL, *chipname = NULL, *strategy = "metis", *out = NULL;
    const char *nir_flavor = NULL, *nir_conv = NULL;
    uint64_t seed = 1;
    sm_limits_t lim;
    sm_limits_default(&lim);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const int valued = !strcmp(a, "--chip") || !strcmp(a, "--strategy") ||
                           !strcmp(a, "--seed") || !strcmp(a, "--out") ||
                           !strcmp(a, "--nir-flavor") || !strcmp(a, "--nir-conventions");
        if (valued && i + 1 >= argc) {
            fprintf(stderr, "spikemesh map: %s needs a value\n", a);
            return 2;
        }
        if (valued && !strncmp(argv[i + 1], "--", 2)) {
            fprintf(stderr, "spikemesh map: %s needs a value, got the option '%s'\n", a,
                    argv[i + 1]);
            return 2;
        }
        int lr = sm_limits_option(&lim, "map", a, i + 1 < argc ? argv[i + 1] : NULL);
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
        } else if (!strcmp(a, "--seed")) {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(argv[++i], &end, 10);
            if (errno || *end || argv[i][0] == '-' || !argv[i][0]) {
                fprintf(stderr, "spikemesh map: --seed: must be a whole number >= 0, got '%s'\n",
                        argv[i]);
                return 2;
            }
            seed = v;
        } else if (a[0] == '-') {
            fprintf(stderr, "spikemesh map: unknown option '%s'\n\n", a);
            s_help(stderr);
            return 2;
        } else if (!netpath) {
            netpath = a;
        } else {
            fprintf(stderr, "spikemesh map: one network file only, got '%s' too\n", a);
            return 2;
        }
    }
    if (!netpath || !chipname) {
        fprintf(stderr, "spikemesh map: %s\n\n", !netpath ? "no network file" : "--chip is required");
        s_help(stderr);
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
        sm_net_destroy(&net);
        sm_chip_destroy(&chip);
        return 2;
    }
    sm_map_report_t rep;
    int rc = 0;
    sm_mapping_t *m = sm_map(net, chip, strategy, seed, &rep, &err);
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
    sm_mapping_destroy(&m);
    if (nn)
        sm_nir_net_destroy(&nn);
    else
        sm_net_destroy(&net);
    sm_chip_destroy(&chip);
    return rc;
}
