/* options: shared option parsing of the commands (see options.h). */
#include "options.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

const char *sm_opt_value(const char *cmd, const char *opt, const char *next)
{
    if (!next) {
        fprintf(stderr, "spikemesh %s: %s needs a value\n", cmd, opt);
        return NULL;
    }
    /* "--out --quiet" is a forgotten value, not a directory named --quiet */
    if (!strncmp(next, "--", 2)) {
        fprintf(stderr, "spikemesh %s: %s needs a value, got the option '%s'\n", cmd, opt, next);
        return NULL;
    }
    return next;
}

/* v as a whole decimal number without sign, or -1. */
static int s_whole(const char *v, unsigned long long *out)
{
    if (!v || !*v || *v < '0' || *v > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno || *end)
        return -1;
    *out = x;
    return 0;
}

int sm_opt_uint(const char *cmd, const char *opt, const char *v, uint32_t min, uint32_t max,
                const char *hint, uint32_t *out)
{
    unsigned long long x;
    if (!v || s_whole(v, &x) || x < min || x > max) {
        if (max == UINT32_MAX)
            fprintf(stderr, "spikemesh %s: %s: expected a whole number >= %u, got '%s'%s%s\n",
                    cmd, opt, min, v ? v : "", hint ? "; " : "", hint ? hint : "");
        else
            fprintf(stderr, "spikemesh %s: %s: expected a whole number in [%u, %u], got '%s'%s%s\n",
                    cmd, opt, min, max, v ? v : "", hint ? "; " : "", hint ? hint : "");
        return -1;
    }
    *out = (uint32_t)x;
    return 0;
}

int sm_opt_u64(const char *cmd, const char *opt, const char *v, uint64_t *out)
{
    unsigned long long x;
    if (!v || s_whole(v, &x)) {
        fprintf(stderr, "spikemesh %s: %s: expected a whole number >= 0, got '%s'\n", cmd, opt,
                v ? v : "");
        return -1;
    }
    *out = x;
    return 0;
}

int sm_opt_seconds(const char *cmd, const char *opt, const char *v, double *out)
{
    char *end = NULL;
    double x = v ? strtod(v, &end) : 0;
    if (!v || end == v || *end || !isfinite(x) || !(x > 0)) {
        fprintf(stderr, "spikemesh %s: %s: expected seconds > 0, got '%s'\n", cmd, opt,
                v ? v : "");
        return -1;
    }
    *out = x;
    return 0;
}

int sm_opt_begin(const char *cmd, int argc, char **argv, int i, const char *const *valued,
                 sm_limits_t *lim, const char **v)
{
    *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (sm_opt_is(argv[i], valued) && !(*v = sm_opt_value(cmd, argv[i], *v)))
        return -1;
    return sm_limits_option(lim, cmd, argv[i], *v);
}

int sm_opt_unknown(const char *cmd, const char *arg, const char *const *known)
{
    size_t n = 0;
    while (known && known[n])
        n++;
    char hint[160] = "";
    if (n)
        sm_json_suggest(arg, known, n, hint, sizeof hint);
    fprintf(stderr, "spikemesh %s: unknown option '%s'%s; see 'spikemesh %s --help'\n", cmd, arg,
            hint, cmd);
    return 2;
}

int sm_opt_is(const char *a, const char *const *names)
{
    for (; names && *names; names++)
        if (!strcmp(a, *names))
            return 1;
    return 0;
}
