/* spikemesh bench: the benchmark suite (tools/bench.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "commands.h"

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
            /* end stays at v when strtoul is not called (a sign, no value),
             * so that the test below always reads a string. */
            char *end = (char *)v;
            errno = 0;
            unsigned long n = v && *v != '-' ? strtoul(v, &end, 10) : 0;
            if (!v || !*v || *end || errno || n < 1 || n > 32) {
                fprintf(stderr, "spikemesh bench: --repeat: expected an integer in [1, 32], got "
                                "'%s'\n", v ? v : "");
                return 2;
            }
            o.repeat = (uint32_t)n;
            i++;
        } else if (!strcmp(a, "--only")) {
            if (!v || !sm_bench_is_workload(v)) {
                fprintf(stderr, "spikemesh bench: --only: expected limit, cuba, scaling, activity, "
                                "build or nir, got '%s'\n", v ? v : "");
                return 2;
            }
            o.only = v;
            i++;
        } else if (!strcmp(a, "--json")) {
            if (!v) {
                fprintf(stderr, "spikemesh bench: --json needs a file name\n");
                return 2;
            }
            o.json_path = v;
            i++;
        } else {
            fprintf(stderr, "spikemesh bench: unknown argument '%s'\n", a);
            s_usage(stderr);
            return 2;
        }
    }
    return sm_bench_run(&o);
}
