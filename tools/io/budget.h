/* budget: how much a command may ask of this machine, and the checks that
 * hold a network's estimated cost (core/cost.h) and a run's outputs to it.
 *
 * Defaults: the memory the kernel reports available (MemAvailable in
 * /proc/meminfo, else free pages from sysconf); the free space of the output
 * directory's file system; SM_DEFAULT_MAX_SPIKES_PER_TICK spikes per neuron
 * and tick (a sinabs MultiSpike count above is refused, never clipped). The
 * options --max-memory, --max-output and --max-spikes-per-tick replace them.
 * A refusal is exit status 2 with the estimate in the message. */
#ifndef SM_BUDGET_H
#define SM_BUDGET_H

#include <stdint.h>

#include "cost.h"
#include "net.h"
#include "result.h"
#include "sm_error.h"

#define SM_DEFAULT_MAX_SPIKES_PER_TICK 65536u
/* sinabs MultiSpike counts saturate here (core/model_sinabs.c): a count
 * this large is never a true one, and is refused at any limit. */
#define SM_SATURATED_SPIKES 4294967040u

typedef struct {
    double max_memory;             /* bytes; 0: what the machine has available   */
    double max_output;             /* bytes; 0: the output file system's space   */
    uint32_t max_spikes_per_tick;  /* per neuron                                  */
} sm_limits_t;

void sm_limits_default(sm_limits_t *l);

/* If opt is one of the limit options, parses value into l and returns 1 (0:
 * not a limit option, -1: a bad value, reported on stderr as "CMD: ..."). */
int sm_limits_option(sm_limits_t *l, const char *cmd, const char *opt, const char *value);

/* The names of the limit options (NULL-terminated); with_output: run's
 * output limit too. For a command's list of the options it knows. */
const char *const *sm_limits_options(int with_output);

/* The usage lines of the limit options; with_output: run's output limits
 * too. */
const char *sm_limits_usage(int with_output);

/* Bytes of memory available to a new allocation here, and where the figure
 * comes from ("MemAvailable", ...); 0 if unknown. */
double sm_mem_available(const char **source);

/* Refuses (SM_ETOOBIG) a network whose estimated cost c exceeds the limits:
 * memory for building and running it (and, with map, for the mapper's graph
 * too) and the generator steps. The message gives the estimate. */
int sm_limits_check_cost(const sm_cost_t *c, int map, const sm_limits_t *l, sm_error_t *err);

/* The checks of a run before anything is built, as `spikemesh run` makes
 * them for network files and NIR graphs alike: the estimated cost of net
 * over `ticks` ticks (0: its own) at `neurons_per_core` (0: the default)
 * into *cost, held to the memory limit (with map, the mapper's graph too;
 * share > 1 workers on other machines each hold that share of the engine,
 * and the per-tick series three times: the worker's, its message, the
 * merged one; a batch of `copies` > 1 samples keeps copies + 1 series),
 * and traces.csv `copies` times over (the samples of a batch) to the
 * output limit of out_dir. */
int sm_limits_check_run(const sm_net_t *net, uint32_t ticks, uint32_t neurons_per_core, int map,
                        uint32_t share, double copies, const char *out_dir, const sm_limits_t *l,
                        sm_cost_t *cost, sm_error_t *err);

/* Bytes free to this user on the file system that holds dir (or would: its
 * nearest existing parent); 0 if unknown. */
double sm_disk_free(const char *dir);

/* Refuses (SM_ETOOBIG) outputs of `bytes` bytes into dir beyond the output
 * limit; what names them ("traces.csv"). */
int sm_limits_check_output(double bytes, const char *what, const char *dir, const sm_limits_t *l,
                           sm_error_t *err);

/* Refuses (SM_ETOOBIG) a result with more spikes from one neuron in one tick
 * than the limit allows, naming the population, neuron, tick and count. */
int sm_limits_check_spikes(const sm_net_t *net, const sm_result_t *r, const sm_limits_t *l,
                           sm_error_t *err);

#endif
