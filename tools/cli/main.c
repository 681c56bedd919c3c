/* spikemesh: the command line. It only dispatches; the work is in the library. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "json.h"

static const sm_command_t s_commands[] = {
    {"run", sm_cmd_run, "run a network file and write spikes, traces and stats"},
    {"worker", sm_cmd_worker, "join a distributed run as a worker process"},
    {"keygen", sm_cmd_keygen, "make a CURVE key file for distributed runs"},
    {"conform", sm_cmd_conform, "check the neuron models against golden reference traces"},
    {"map", sm_cmd_map, "place a network on a chip's cores and report how it fits"},
    {"chips", sm_cmd_chips, "list the built-in chip profiles"},
    {"plot", sm_cmd_plot, "draw a run's raster, core activity, link loads and energy as SVG"},
    {"bench", sm_cmd_bench, "run the benchmark suite and write its figures as JSON"},
    {"nir", sm_cmd_nir, "show a NIR graph (snnTorch, Norse, Sinabs export) and what it maps to"},
    {"sanafe", sm_cmd_sanafe, "read SANA-FE chip and network files and show what they hold"},
};

static void s_usage(FILE *f)
{
    fprintf(f, "usage: spikemesh [--version] [--help] COMMAND [ARGS]\n\n"
               "spikemesh emulates multi-core neuromorphic chips event by event.\n\n"
               "commands:\n");
    for (size_t i = 0; i < sizeof s_commands / sizeof s_commands[0]; i++)
        fprintf(f, "  %-10s %s\n", s_commands[i].name, s_commands[i].summary);
    fprintf(f, "\n'spikemesh COMMAND --help' describes one command.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        s_usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        s_usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("spikemesh %s\n", SM_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof s_commands / sizeof s_commands[0]; i++)
        if (!strcmp(argv[1], s_commands[i].name))
            return s_commands[i].fn(argc - 1, argv + 1);
    const char *names[sizeof s_commands / sizeof s_commands[0]];
    for (size_t i = 0; i < sizeof s_commands / sizeof s_commands[0]; i++)
        names[i] = s_commands[i].name;
    char hint[96];
    sm_json_suggest(argv[1], names, sizeof names / sizeof names[0], hint, sizeof hint);
    fprintf(stderr, "spikemesh: unknown command '%s'%s; 'spikemesh --help' lists them\n",
            argv[1], hint);
    return 2;
}
