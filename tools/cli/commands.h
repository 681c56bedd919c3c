/* commands: the subcommands of the `spikemesh` command line.
 * Each returns the process exit status: 0 success, 1 failure of the job
 * (a mismatch, a failed check), 2 bad usage or bad input. */
#ifndef SM_COMMANDS_H
#define SM_COMMANDS_H

typedef struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} sm_command_t;

int sm_cmd_conform(int argc, char **argv);
int sm_cmd_run(int argc, char **argv);
int sm_cmd_worker(int argc, char **argv);
int sm_cmd_keygen(int argc, char **argv);
int sm_cmd_map(int argc, char **argv);
int sm_cmd_chips(int argc, char **argv);
int sm_cmd_plot(int argc, char **argv);
int sm_cmd_bench(int argc, char **argv);
int sm_cmd_nir(int argc, char **argv);
int sm_cmd_sanafe(int argc, char **argv);
/* spikemesh run on SANA-FE files (cmd_run_sanafe.c): taken when an argument
 * names a .yaml, .yml or .net file. */
int sm_run_is_sanafe(int argc, char **argv);
int sm_cmd_run_sanafe(int argc, char **argv);
/* spikemesh sanafe check (cmd_sanafe_check.c) */
int sm_cmd_sanafe_check(int argc, char **argv);

/* True if argv holds -h or --help. */
int sm_wants_help(int argc, char **argv);

#endif
