#include "budget.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

void sm_limits_default(sm_limits_t *l)
{
    l->max_memory = 0;
    l->max_output = 0;
    l->max_spikes_per_tick = SM_DEFAULT_MAX_SPIKES_PER_TICK;
}

/* "123", "1.5G", "512MiB", "64k": bytes, binary multiples. */
static int s_bytes(const char *v, double *out)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (end == v || errno || !(x > 0) || v[0] == '-' || v[0] == '+')
        return -1;
    static const char units[] = "kmgtp";
    const char *u = *end ? strchr(units, end[0] | 0x20) : NULL;
    if (*end && !u)
        return -1;
    if (u) {
        x *= pow(1024.0, (double)(u - units + 1));
        end++;
        if (!strcmp(end, "iB") || !strcmp(end, "B"))
            end += strlen(end);
    } else if (!strcmp(end, "B")) {
        end++;
    }
    if (*end || !isfinite(x))
        return -1;
    *out = x;
    return 0;
}

int sm_limits_option(sm_limits_t *l, const char *cmd, const char *opt, const char *value)
{
    const int mem = !strcmp(opt, "--max-memory"), out = !strcmp(opt, "--max-output");
    if (!mem && !out && strcmp(opt, "--max-spikes-per-tick"))
        return 0;
    if (!value || !strncmp(value, "--", 2)) {
        fprintf(stderr, "spikemesh %s: %s needs a value%s%s%s\n", cmd, opt,
                value ? ", got the option '" : "", value ? value : "", value ? "'" : "");
        return -1;
    }
    if (mem || out) {
        double b;
        if (s_bytes(value, &b)) {
            fprintf(stderr, "spikemesh %s: %s: expected bytes > 0 (e.g. 8G, 512M, 1000000), "
                            "got '%s'\n", cmd, opt, value);
            return -1;
        }
        *(mem ? &l->max_memory : &l->max_output) = b;
        return 1;
    }
    char *end;
    errno = 0;
    unsigned long long n = strtoull(value, &end, 10);
    if (!*value || *end || errno || value[0] == '-' || n < 1 || n >= SM_SATURATED_SPIKES) {
        fprintf(stderr, "spikemesh %s: %s: expected an integer in [1, %u], got '%s'\n", cmd, opt,
                SM_SATURATED_SPIKES - 1, value);
        return -1;
    }
    l->max_spikes_per_tick = (uint32_t)n;
    return 1;
}

const char *const *sm_limits_options(int with_output)
{
    static const char *const all[] = {"--max-memory", "--max-spikes-per-tick", "--max-output",
                                      NULL};
    static const char *const no_output[] = {"--max-memory", "--max-spikes-per-tick", NULL};
    return with_output ? all : no_output;
}

const char *sm_limits_usage(int with_output)
{
    return with_output
               ? "  --max-memory BYTES     refuse a network whose estimated memory is larger\n"
                 "                         (default: what the machine has available; 8G, 512M)\n"
                 "  --max-output BYTES     refuse outputs larger than this (default: the free\n"
                 "                         space of DIR's file system)\n"
                 "  --max-spikes-per-tick N  refuse a run in which a neuron fires more than N\n"
                 "                         spikes in one tick (sinabs MultiSpike; default 65536)\n"
               : "  --max-memory BYTES     refuse a network whose estimated memory is larger\n"
                 "                         (default: what the machine has available; 8G, 512M)\n";
}

double sm_mem_available(const char **source)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (f) {
        char line[256];
        unsigned long long kb;
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
                fclose(f);
                if (source)
                    *source = "MemAvailable in /proc/meminfo";
                return (double)kb * 1024.0;
            }
        fclose(f);
    }
#ifdef _SC_AVPHYS_PAGES
    long pages = sysconf(_SC_AVPHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    if (pages > 0 && size > 0) {
        if (source)
            *source = "free physical memory";
        return (double)pages * (double)size;
    }
#endif
    if (source)
        *source = "unknown";
    return 0;
}

/* Time, whatever the memory: the generator steps of one expansion. */
static int s_check_steps(const sm_cost_t *c, sm_error_t *err)
{
    char fig[300];
    if (c->steps > SM_COST_MAX_STEPS) {
        sm_cost_describe(c, 0, fig, sizeof fig);
        return sm_fail(err, SM_ETOOBIG,
                       "expanding its projections takes about %.3g generator steps (for %s), more "
                       "than the %.3g a build may take",
                       c->steps, fig, SM_COST_MAX_STEPS);
    }
    return 0;
}

int sm_limits_check_cost(const sm_cost_t *c, int map, const sm_limits_t *l, sm_error_t *err)
{
    char fig[300], need[32], have[32];
    const char *source = "--max-memory";
    double limit = l->max_memory;
    if (!(limit > 0))
        limit = sm_mem_available(&source);
    if (!(limit > 0))
        return s_check_steps(c, err); /* no memory figure to hold it to */
    const int over_map = map && c->map_bytes > limit;
    if (c->run_bytes > limit || over_map) {
        sm_cost_describe(c, over_map, fig, sizeof fig);
        sm_cost_bytes_text(over_map ? c->map_bytes : c->run_bytes, need, sizeof need);
        sm_cost_bytes_text(limit, have, sizeof have);
        return sm_fail(err, SM_ETOOBIG,
                       "%s needs about %s of memory for %s, more than the %s available (%s); "
                       "--max-memory BYTES sets the limit",
                       over_map ? "mapping it" : "running it", need, fig, have, source);
    }
    return s_check_steps(c, err);
}

int sm_limits_check_run(const sm_net_t *net, uint32_t ticks, uint32_t neurons_per_core, int map,
                        uint32_t share, double copies, const char *out_dir, const sm_limits_t *l,
                        sm_cost_t *cost, sm_error_t *err)
{
    sm_cost_estimate(net, ticks, neurons_per_core, cost);
    sm_cost_t held = *cost;
    /* A batch keeps every sample's series end to end, and one sample's. */
    if (copies > 1)
        held.tick_bytes *= copies + 1;
    if (share > 1) {
        held.syn_bytes /= share;
        held.neuron_bytes /= share;
        /* A worker's series, the message it goes home in, the merged one. */
        held.tick_bytes *= 3;
    }
    held.run_bytes = held.syn_bytes + held.neuron_bytes + held.trace_bytes + held.tick_bytes;
    if (sm_limits_check_cost(&held, map, l, err))
        return -1;
    return sm_limits_check_output(cost->traces_csv_bytes * copies, "traces.csv", out_dir, l, err);
}

double sm_disk_free(const char *dir)
{
    char p[4096];
    snprintf(p, sizeof p, "%s", dir && *dir ? dir : ".");
    for (;;) {
        struct statvfs s;
        if (statvfs(p, &s) == 0)
            return (double)s.f_bavail * (double)(s.f_frsize ? s.f_frsize : s.f_bsize);
        char *slash = strrchr(p, '/');
        if (!slash)
            return statvfs(".", &s) == 0 ? (double)s.f_bavail * (double)s.f_frsize : 0;
        if (slash == p) {
            p[1] = '\0';
            return statvfs(p, &s) == 0 ? (double)s.f_bavail * (double)s.f_frsize : 0;
        }
        *slash = '\0';
    }
}

int sm_limits_check_output(double bytes, const char *what, const char *dir, const sm_limits_t *l,
                           sm_error_t *err)
{
    double limit = l->max_output;
    const char *source = "--max-output";
    if (!(limit > 0)) {
        limit = sm_disk_free(dir);
        source = "free space on its file system";
    }
    if (!(limit > 0) || bytes <= limit)
        return 0;
    char need[32], have[32];
    sm_cost_bytes_text(bytes, need, sizeof need);
    sm_cost_bytes_text(limit, have, sizeof have);
    return sm_fail(err, SM_ETOOBIG,
                   "%s would take about %s in %s, more than the %s allowed (%s); --max-output "
                   "BYTES sets the limit",
                   what, need, dir, have, source);
}

static uint32_t s_pop_of(const sm_net_t *net, uint32_t gid)
{
    uint32_t lo = 0, hi = net->n_pops;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (net->pops[mid].first <= gid)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

int sm_limits_check_spikes(const sm_net_t *net, const sm_result_t *r, const sm_limits_t *l,
                           sm_error_t *err)
{
    for (size_t i = 0; i < r->n_spikes; i++) {
        const sm_spike_t *s = &r->spikes[i];
        if (s->count <= l->max_spikes_per_tick && s->count < SM_SATURATED_SPIKES)
            continue;
        uint32_t p = s_pop_of(net, s->gid);
        const sm_pop_t *pop = &net->pops[p];
        double total = 0;
        for (size_t k = 0; k < r->n_spikes; k++)
            total += r->spikes[k].count;
        if (s->count >= SM_SATURATED_SPIKES)
            return sm_fail(err, SM_ETOOBIG,
                           "populations[%u] \"%s\" neuron %u fired a saturated count of %u spikes "
                           "at tick %u (its membrane overflowed the count); spikes.csv would hold "
                           "%.3g rows",
                           p, pop->name, s->gid - pop->first, s->count, s->tick, total);
        return sm_fail(err, SM_ETOOBIG,
                       "populations[%u] \"%s\" neuron %u fired %u spikes at tick %u, more than "
                       "--max-spikes-per-tick %u; spikes.csv would hold %.3g rows",
                       p, pop->name, s->gid - pop->first, s->count, s->tick,
                       l->max_spikes_per_tick, total);
    }
    return 0;
}
