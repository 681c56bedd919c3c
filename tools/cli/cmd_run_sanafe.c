/* spikemesh run NET.yaml --chip ARCH.yaml: SANA-FE's chip and network files
 * run as SANA-FE runs them (tools/sanafe), with its figures in
 * DIR/sanafe.json, DIR/ticks.csv and DIR/spikes.csv. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "commands.h"
#include "sfrun_job.h"
#include "sfrun_out.h"
#include "sm_sha256.h"

static void s_usage(FILE *f)
{
    fprintf(f,
            "usage: spikemesh run NET.yaml [--chip ARCH.yaml] --ticks N [options]\n\n"
            "Runs a SANA-FE network (SNN YAML, or the netlist format) on a SANA-FE architecture\n"
            "as SANA-FE 2.2.1 runs it, and writes DIR/sanafe.json (SANA-FE's figures, per step\n"
            "and in total, in the sanafe-acceptance/1 schema), DIR/ticks.csv and DIR/spikes.csv.\n"
            "Without --chip the network file must carry its own architecture: section.\n\n"
            "options:\n"
            "  --chip ARCH.yaml         the architecture\n"
            "  --ticks N                run N time-steps (required)\n"
            "  --timing detailed|simple SANA-FE's timing model (default detailed, as SANA-FE)\n"
            "  --out DIR                output directory (default: out)\n"
            "  --name NAME              the run's name in sanafe.json (default: the network's)\n"
            "  --quiet                  no summary\n");
}

int sm_run_is_sanafe(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (sm_sfrun_is_sanafe_path(argv[i]))
            return 1;
    return 0;
}

static char *s_command(int argc, char **argv)
{
    size_t n = 16;
    for (int i = 0; i < argc; i++)
        n += strlen(argv[i]) + 1;
    char *s = malloc(n);
    if (!s)
        return NULL;
    strcpy(s, "spikemesh");
    for (int i = 0; i < argc; i++) {
        strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

static void s_summary(const sm_sfrun_job_t *job, const sm_sfrun_stats_t *st, const sm_sfrun_result_t *r)
{
    sm_sfrun_totals_t t;
    sm_sfrun_totals(r, &t);
    char hex[65];
    sm_sha256_hex(r->digest, hex);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("SANA-FE run: %s on %s%s, %u steps, %s timing\n", st->net_name, st->arch_name,
           st->own_arch ? " (from the network file)" : "", r->steps,
           job->timing == SM_SFRUN_SIMPLE ? "simple" : "detailed");
    printf("  %llu neurons, %llu synapses, %llu axons; %u of %u cores, %u of %u tiles in use\n",
           (unsigned long long)st->neurons, (unsigned long long)st->synapses,
           (unsigned long long)st->axons, st->cores_used, st->n_cores, st->tiles_used, st->n_tiles);
    printf("  fired %llu, updated %llu, synaptic events %llu, packets %llu, hops %llu\n",
           (unsigned long long)t.fired, (unsigned long long)t.updated,
           (unsigned long long)t.synaptic_events, (unsigned long long)t.packets,
           (unsigned long long)t.hops);
    printf("  energy %.6e J: synapse %.6e, dendrite %.6e, soma %.6e, network %.6e\n", t.e_total,
           t.e_synapse, t.e_dendrite, t.e_soma, t.e_network);
    printf("  chip time %.6e s (%.6e s per step), average power %.6e W\n", t.sim_time,
           r->steps ? t.sim_time / r->steps : 0.0, t.sim_time > 0 ? t.e_total / t.sim_time : 0.0);
    printf("  logged spikes %llu, digest %s\n", (unsigned long long)r->logged_total, hex);
    printf("  read %.3f s, prepared %.3f s, ran %.3f s, wrote %.3f s; peak memory %.1f MiB\n",
           st->t_read, st->t_prepare, st->t_run, st->t_write, (double)ru.ru_maxrss / 1024.0);
    if (job->out_dir)
        printf("  wrote %s/sanafe.json, ticks.csv, spikes.csv\n", job->out_dir);
}

int sm_cmd_run_sanafe(int argc, char **argv)
{
    if (sm_wants_help(argc, argv)) {
        s_usage(stdout);
        return 0;
    }
    sm_sfrun_job_t job = {0};
    job.out_dir = "out";
    job.timing = SM_SFRUN_DETAILED;
    int quiet = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--quiet")) {
            quiet = 1;
            continue;
        }
        if (!strcmp(a, "--chip") || !strcmp(a, "--ticks") || !strcmp(a, "--timing") ||
            !strcmp(a, "--out") || !strcmp(a, "--name")) {
            if (!v) {
                fprintf(stderr, "spikemesh run: %s needs a value\n", a);
                return 2;
            }
            i++;
            if (!strcmp(a, "--chip")) {
                job.arch = v;
            } else if (!strcmp(a, "--out")) {
                job.out_dir = v;
            } else if (!strcmp(a, "--name")) {
                job.name = v;
            } else if (!strcmp(a, "--timing")) {
                if (!strcmp(v, "simple"))
                    job.timing = SM_SFRUN_SIMPLE;
                else if (!strcmp(v, "detailed"))
                    job.timing = SM_SFRUN_DETAILED;
                else {
                    fprintf(stderr, "spikemesh run: --timing: expected detailed or simple, got '%s'\n", v);
                    return 2;
                }
            } else {
                char *end;
                errno = 0;
                unsigned long n = strtoul(v, &end, 10);
                if (!*v || *end || errno || v[0] == '-' || n == 0 || n > 100000000ul) {
                    fprintf(stderr, "spikemesh run: --ticks: expected a number of steps from 1 to "
                                    "100000000, got '%s'\n", v);
                    return 2;
                }
                job.steps = (uint32_t)n;
            }
        } else if (a[0] == '-') {
            fprintf(stderr, "spikemesh run: '%s' is not an option of SANA-FE runs (see "
                            "'spikemesh run NET.yaml --help')\n", a);
            return 2;
        } else if (job.net) {
            fprintf(stderr, "spikemesh run: one network file at a time ('%s', '%s')\n", job.net, a);
            return 2;
        } else {
            job.net = a;
        }
    }
    if (!job.net) {
        s_usage(stderr);
        return 2;
    }
    if (!sm_sfrun_is_sanafe_path(job.net)) {
        fprintf(stderr, "spikemesh run: %s: a SANA-FE architecture needs a SANA-FE network file "
                        "(.yaml or .net); spikemesh networks run on spikemesh chips\n", job.net);
        return 2;
    }
    if (!job.steps) {
        fprintf(stderr, "spikemesh run: %s: give the number of steps with --ticks N (SANA-FE files "
                        "do not hold one)\n", job.net);
        return 2;
    }
    char *cmd = s_command(argc, argv);
    job.command = cmd;
    sm_error_t err;
    sm_error_clear(&err);
    sm_sfrun_result_t res;
    sm_sfrun_stats_t st;
    int rc = 0;
    if (sm_sfrun_job(&job, quiet ? NULL : stderr, &res, NULL, &st, &err)) {
        fprintf(stderr, "spikemesh run: %s\n", err.msg);
        rc = err.code == SM_ENOMEM || st.writing ? 1 : 2;
    } else {
        if (!quiet)
            s_summary(&job, &st, &res);
        sm_sfrun_result_fini(&res);
    }
    free(cmd);
    return rc;
}
