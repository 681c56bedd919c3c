/* spikemesh chips: lists the built-in chip profiles with their main figures. */
#include <stdio.h>
#include <string.h>

#include "chip.h"
#include "commands.h"
#include "options.h"

static void s_help(FILE *f)
{
    fprintf(f, "usage: spikemesh chips [NAME|FILE]\n\n"
               "Lists the built-in chips (loihi, truenorth, spinnaker) with their core grid,\n"
               "per-core limits, energy and timing figures and sources. With a name or a\n"
               "chip JSON file, shows that one chip (checking the file).\n");
}

int sm_cmd_chips(int argc, char **argv)
{
    if (sm_wants_help(argc, argv)) {
        s_help(stdout);
        return 0;
    }
    if (argc > 1 && argv[1][0] == '-' && argv[1][1] == '-')
        return sm_opt_unknown("chips", argv[1], (const char *const[]){"--help", NULL});
    if (argc > 2) {
        fprintf(stderr, "spikemesh chips: one chip at a time, got '%s' too\n", argv[2]);
        return 2;
    }
    if (argc == 2) {
        sm_error_t err;
        sm_error_clear(&err);
        sm_chip_t *c = sm_chip_load(argv[1], &err);
        if (!c) {
            fprintf(stderr, "spikemesh chips: %s\n", err.msg);
            return 2;
        }
        sm_chip_print(stdout, c);
        sm_chip_destroy(&c);
        return 0;
    }
    printf("%-10s %9s %6s %8s %9s %7s %8s %9s %9s %8s %6s\n", "chip", "grid", "cores",
           "neur/core", "syn/core", "axons", "syn pJ", "upd pJ", "hop pJ", "pkt pJ", "tick");
    for (uint32_t i = 0; i < sm_chip_n_builtins(); i++) {
        const sm_chip_t *c = sm_chip_builtin_at(i);
        char grid[32], upd[32], hop[32], tick[32];
        snprintf(grid, sizeof grid, "%ux%u", c->width, c->height);
        snprintf(upd, sizeof upd, "%g/%g", c->energy.update_active, c->energy.update_inactive);
        snprintf(hop, sizeof hop, "%g/%g", c->energy.hop_ew, c->energy.hop_ns);
        if (c->timing.tick > 0)
            snprintf(tick, sizeof tick, "%gms", c->timing.tick / 1e6);
        else
            snprintf(tick, sizeof tick, "none");
        printf("%-10s %9s %6u %8u %9llu %7u %8g %9s %9s %8g %6s\n", c->name, grid,
               sm_chip_cores(c), c->limits.neurons, (unsigned long long)c->limits.synapses,
               c->limits.axons, c->energy.syn_op, upd, hop,
               c->energy.packet_send + c->energy.packet_recv, tick);
    }
    printf("\n(0 = not limited / not priced by the source)\n\n");
    for (uint32_t i = 0; i < sm_chip_n_builtins(); i++) {
        sm_chip_print(stdout, sm_chip_builtin_at(i));
        printf("\n");
    }
    return 0;
}
