/* spikemesh worker and spikemesh keygen. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "options.h"
#include "dist.h"

static void s_usage(FILE *f)
{
    fprintf(f, "usage: spikemesh worker --connect tcp://HOST:PORT [--bind ADDR] [--curve KEYFILE]\n"
               "                        [--timeout SECONDS] [--verbose]\n\n"
               "Joins a coordinator started with 'spikemesh run NET.json --listen tcp://ADDR:PORT\n"
               "--workers N'. The coordinator sends the network and the mapping; the worker\n"
               "hosts one rectangle of the core grid and trades spikes with the other workers\n"
               "directly. --bind sets the address its data socket listens on (default\n"
               "127.0.0.1: loopback only; give this machine's address to run across machines).\n"
               "--curve: the cluster key from 'spikemesh keygen' (encrypts and authenticates).\n");
}

int sm_cmd_worker(int argc, char **argv)
{
    if (sm_wants_help(argc, argv)) {
        s_usage(stdout);
        return 0;
    }
    sm_worker_opts_t o = {.bind_host = "127.0.0.1", .timeout = 30};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        static const char *const valued[] = {"--connect", "--bind", "--curve", "--timeout", NULL};
        if (!strcmp(a, "--verbose")) {
            o.verbose = 1;
            continue;
        }
        if (!sm_opt_is(a, valued)) {
            static const char *const known[] = {"--connect", "--bind", "--curve", "--timeout",
                                                "--verbose", "--help", NULL};
            return sm_opt_unknown("worker", a, known);
        }
        if (!(v = sm_opt_value("worker", a, v)))
            return 2;
        if (!strcmp(a, "--connect"))
            o.connect = v;
        else if (!strcmp(a, "--bind"))
            o.bind_host = v;
        else if (!strcmp(a, "--curve"))
            o.curve_file = v;
        else if (sm_opt_seconds("worker", a, v, &o.timeout))
            return 2;
        i++;
    }
    if (!o.connect) {
        fprintf(stderr, "spikemesh worker: --connect tcp://HOST:PORT is required; see "
                        "'spikemesh worker --help'\n");
        return 2;
    }
    sm_error_t err;
    sm_error_clear(&err);
    if (sm_worker_main(&o, &err)) {
        fprintf(stderr, "spikemesh worker: %s\n", err.msg);
        return 1;
    }
    return 0;
}

int sm_cmd_keygen(int argc, char **argv)
{
    int help = sm_wants_help(argc, argv);
    if (!help && argc == 2 && argv[1][0] == '-')
        return sm_opt_unknown("keygen", argv[1], (const char *const[]){"--help", NULL});
    if (argc != 2 || help) {
        fprintf(help ? stdout : stderr,
                "usage: spikemesh keygen KEYFILE\n\n"
                "Writes a new CURVE keypair for a cluster (mode 0600). Give the same file to the\n"
                "coordinator and to every worker with --curve; peers without it are refused.\n"
                "An existing KEYFILE is never replaced (exit status 2).\n");
        return help ? 0 : 2;
    }
    sm_error_t err;
    if (sm_keygen(argv[1], &err)) {
        fprintf(stderr, "spikemesh keygen: %s\n", err.msg);
        return err.code == SM_EINVAL ? 2 : 1; /* an existing file: a usage error */
    }
    printf("wrote %s\n", argv[1]);
    return 0;
}
