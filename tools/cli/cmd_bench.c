/* spikemesh bench: the benchmark suite (tools/bench.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "commands.h"
#include "options.h"

static void s_usage(FILE *f)
{
    fprintf(f,
            "usage: spikemesh bench [--quick] [--repeat N] [--only NAME] [--json FILE]\n\n"
            "Runs the benchmark suite with fixed seeds, each measurement in its own child\n"
            "process, and prints medians with [min-max] over the repeats.\n\n"
            "workloads:\n"
            "  limit      raw CSR scatter-add: the machine's ceiling in synaptic events/s\n"
            "  cuba       tools/examples/cuba.json on one thread, beside Brian2 if installed\n"
            "  scaling    4k .. 1M recurrent neurons, 100 synapses each (--quick: up to 64k)\n"
            "  activity   event vs dense engine from 0.1%% to 50%% of neurons receiving input\n"
            "  loihi      the same with loihi_lif neurons and fixed-point synapses, 0.1%% to 10%%\n"
            "  build      constructing and mapping 1M neurons / 100M synapses (--quick: 100k)\n"
            "  nir        100 samples of the NIR paper's N-MNIST CNN on one thread, in process\n"
            "             and as a whole 'spikemesh run' (--quick: 20)\n\n"
            "options:\n"
            "  --quick       smaller sizes and shorter runs\n"
            "  --repeat N    repeats per measurement (default 3, at most 32)\n"
            "  --only NAME   run one workload (limit figures it needs are measured too)\n"
            "  --json FILE   write the results as JSON (atomically)\n");
}

int sm_cmd_bench(int argc, char **argv)
{
    if (sm_wants_help(argc, argv)) {
        s_usage(stdout);
        return 0;
    }
    sm_bench_opts_t o = {.repeat = 3};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--quick")) {
            o.quick = 1;
        } else if (!strcmp(a, "--repeat")) {
            if (!(v = sm_opt_value("bench", a, v)) ||
                sm_opt_uint("bench", a, v, 1, 32, NULL, &o.repeat))
                return 2;
            i++;
        } else if (!strcmp(a, "--only")) {
            if (!(v = sm_opt_value("bench", a, v)))
                return 2;
            if (!sm_bench_is_workload(v)) {
                fprintf(stderr, "spikemesh bench: --only: expected limit, cuba, scaling, activity, "
                                "build or nir, got '%s'\n", v);
                return 2;
            }
            o.only = v;
            i++;
        } else if (!strcmp(a, "--json")) {
            if (!(v = sm_opt_value("bench", a, v)))
                return 2;
            o.json_path = v;
            i++;
        } else if (a[0] == '-') {
            static const char *const known[] = {"--quick", "--repeat", "--only", "--json",
                                                "--help", NULL};
            return sm_opt_unknown("bench", a, known);
        } else {
            fprintf(stderr, "spikemesh bench: takes no file, got '%s'; see 'spikemesh bench "
                            "--help'\n", a);
            return 2;
        }
    }
    return sm_bench_run(&o);
}
