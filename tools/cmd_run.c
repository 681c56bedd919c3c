/* spikemesh run: load a network, run it, write its outputs and a summary. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "engine.h"
#include "net.h"
#include "output.h"
#include "report.h"

static void s_usage(FILE *f)
{
    fprintf(f,
            "usage: spikemesh run NET.json [options]\n\n"
            "Runs a network file and writes DIR/spikes.csv, DIR/traces.csv and DIR/stats.json,\n"
            "each atomically, then prints a summary.\n\n"
            "options:\n"
            "  --ticks N              run N ticks (default: the file's simulation.ticks)\n"
            "  --threads N            worker threads (default: one per CPU)\n"
            "  --engine event|dense   event-driven (default) or the dense reference\n"
            "  --out DIR              output directory (default: out)\n"
            "  --neurons-per-core N   default mapping: neurons per core (default 256)\n"
            "  --mesh WxH             default mapping: mesh size (default: just big enough)\n"
            "  --quiet                no summary\n");
}

/* Parses a whole non-negative integer or fails naming the option. */
static int s_uint(const char *opt, const char *v, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long x = v ? strtoul(v, &end, 10) : 0;
    if (!v || !*v || *end || errno || x > UINT32_MAX || v[0] == '-') {
        fprintf(stderr, "spikemesh run: %s: expected a non-negative integer, got '%s'\n", opt,
                v ? v : "");
        return -1;
    }
    *out = (uint32_t)x;
    return 0;
}

int sm_cmd_run(int argc, char **argv)
{
    if (sm_wants_help(argc, argv)) {
        s_usage(stdout);
        return 0;
    }
    const char *net_path = NULL, *out_dir = "out";
    sm_run_opts_t o;
    sm_run_opts_default(&o);
    int quiet = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--ticks")) {
            if (s_uint(a, v, &o.ticks) || o.ticks == 0) {
                if (o.ticks == 0 && v)
                    fprintf(stderr, "spikemesh run: --ticks: must be at least 1\n");
                return 2;
            }
            i++;
        } else if (!strcmp(a, "--threads")) {
            if (s_uint(a, v, &o.threads))
                return 2;
            i++;
        } else if (!strcmp(a, "--neurons-per-core")) {
            if (s_uint(a, v, &o.neurons_per_core) || o.neurons_per_core == 0) {
                fprintf(stderr, "spikemesh run: --neurons-per-core: must be at least 1\n");
                return 2;
            }
            i++;
        } else if (!strcmp(a, "--mesh")) {
            unsigned w, h;
            char tail;
            if (!v || sscanf(v, "%ux%u%c", &w, &h, &tail) != 2 || !w || !h) {
                fprintf(stderr, "spikemesh run: --mesh: expected WxH, e.g. 4x4, got '%s'\n",
                        v ? v : "");
                return 2;
            }
            o.mesh_w = w;
            o.mesh_h = h;
            i++;
        } else if (!strcmp(a, "--engine")) {
            if (!v || (strcmp(v, "event") && strcmp(v, "dense"))) {
                fprintf(stderr, "spikemesh run: --engine: expected event or dense, got '%s'\n",
                        v ? v : "");
                return 2;
            }
            o.dense = !strcmp(v, "dense");
            i++;
        } else if (!strcmp(a, "--out")) {
            if (!v) {
                fprintf(stderr, "spikemesh run: --out needs a directory\n");
                return 2;
            }
            out_dir = v;
            i++;
        } else if (!strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (a[0] == '-') {
            fprintf(stderr, "spikemesh run: unknown option '%s'\n", a);
            s_usage(stderr);
            return 2;
        } else if (net_path) {
            fprintf(stderr, "spikemesh run: one network file at a time ('%s', '%s')\n", net_path, a);
            return 2;
        } else {
            net_path = a;
        }
    }
    if (!net_path) {
        s_usage(stderr);
        return 2;
    }
    sm_error_t err;
    sm_error_clear(&err);
    sm_net_t *net = sm_net_load(net_path, &err);
    if (!net) {
        fprintf(stderr, "spikemesh run: %s\n", err.msg);
        return 2;
    }
    o.progress = isatty(2);
    sm_result_t *r = sm_engine_run(net, &o, &err);
    if (!r) {
        fprintf(stderr, "spikemesh run: %s: %s\n", net_path, err.msg);
        sm_net_destroy(&net);
        return err.code == SM_ENOMEM || err.code == SM_EIO ? 1 : 2;
    }
    int rc = 0;
    char path[4200];
    cJSON *stats = sm_report_stats(net, r, o.dense);
    if (sm_mkdirs(out_dir, &err))
        rc = 1;
    if (!rc) {
        snprintf(path, sizeof path, "%s/spikes.csv", out_dir);
        rc = sm_report_write_spikes(net, r, path, &err) ? 1 : 0;
    }
    if (!rc) {
        snprintf(path, sizeof path, "%s/traces.csv", out_dir);
        rc = sm_report_write_traces(net, r, path, &err) ? 1 : 0;
    }
    if (!rc) {
        snprintf(path, sizeof path, "%s/stats.json", out_dir);
        rc = sm_report_write_json(stats, path, &err) ? 1 : 0;
    }
    if (rc)
        fprintf(stderr, "spikemesh run: %s\n", err.msg);
    else if (!quiet) {
        sm_report_summary(stdout, net, r, o.dense);
        printf("  wrote %s/spikes.csv, traces.csv, stats.json\n", out_dir);
    }
    cJSON_Delete(stats);
    sm_result_destroy(&r);
    sm_net_destroy(&net);
    return rc;
}
