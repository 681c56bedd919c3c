/* options: what the commands' option parsing shares, so that one mistake
 * reads the same in every command, on one line of stderr:
 *
 *   spikemesh run: --out needs a value
 *   spikemesh run: --out needs a value, got the option '--quiet'
 *   spikemesh run: --ticks: expected a whole number >= 1, got '-5'
 *   spikemesh run: unknown option '--tiks' (did you mean "--ticks"?); see
 *     'spikemesh run --help'
 *
 * Each returns what it parsed or -1 / NULL once it has printed the message;
 * the command then exits with status 2. */
#ifndef SM_OPTIONS_H
#define SM_OPTIONS_H

#include <stdint.h>

#include "budget.h"

/* The value after option `opt`: `next` (argv[i + 1], NULL at the end), or
 * NULL with a message if there is none or it is an option itself. */
const char *sm_opt_value(const char *cmd, const char *opt, const char *next);

/* A whole number in [min, max] from v (NULL: no value), or -1. `hint`, if
 * not NULL, follows the message ("leave it out for one thread per CPU"). */
int sm_opt_uint(const char *cmd, const char *opt, const char *v, uint32_t min, uint32_t max,
                const char *hint, uint32_t *out);

/* The same for 64-bit values from 0 up. */
int sm_opt_u64(const char *cmd, const char *opt, const char *v, uint64_t *out);

/* A number of seconds > 0, or -1. */
int sm_opt_seconds(const char *cmd, const char *opt, const char *v, double *out);

/* The common start of an option loop at argv[i]: *v receives the value of
 * an option in `valued` (checked by sm_opt_value) or the next argument, and
 * a limit option (--max-memory, ...) is parsed into lim. Returns -1 after a
 * message, 1 if argv[i] was a limit option (its value used: skip it), else
 * 0. */
int sm_opt_begin(const char *cmd, int argc, char **argv, int i, const char *const *valued,
                 sm_limits_t *lim, const char **v);

/* Reports argument `arg`, an option `cmd` does not know, suggesting the
 * nearest of `known` (NULL-terminated), and returns 2 (the exit status). */
int sm_opt_unknown(const char *cmd, const char *arg, const char *const *known);

/* 1 if `a` is one of the NULL-terminated `names`. */
int sm_opt_is(const char *a, const char *const *names);

#endif
