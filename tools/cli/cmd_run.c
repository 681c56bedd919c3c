/* spikemesh run: load a network, run it, write its outputs and a summary. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "budget.h"
#include "chip.h"
#include "cost.h"
#include "commands.h"
#include "dist.h"
#include "energy.h"
#include "engine.h"
#include "net.h"
#include "output.h"
#include "report.h"
#include "ticks.h"
#include "netfile.h"
#include "mapper.h"
#include "options.h"
#include "progress_bar.h"
#include "run_nir.h"
#include "record_opts.h"
#include "run_setup.h"
#include "quantise.h"

static void s_usage(FILE *f)
{
    fprintf(f,
            "usage: spikemesh run NET.json [options]\n\n"
            "Runs a network file and writes DIR/spikes.csv, DIR/traces.csv, DIR/stats.json and\n"
            "DIR/ticks.csv (the per-tick series), atomically, then prints a summary.\n\n"
            "options:\n"
            "  --ticks N              run N ticks (default: the file's simulation.ticks)\n"
            "  --threads N            worker threads (default: one per 2M synapses, at\n"
            "                         most one per CPU)\n"
            "  --engine event|dense   event-driven (default) or the dense reference\n"
            "  --out DIR              output directory (default: out)\n"
            "  --neurons-per-core N   without --chip or --mapping: neurons per core (256)\n"
            "  --mesh WxH             without --chip or --mapping: mesh size (default: just\n"
            "                         big enough)\n"
            "  --chip NAME|FILE       emulate this chip (see 'spikemesh chips'): its grid, its\n"
            "                         limits, its arithmetic (a fixed-point chip such as loihi\n"
            "                         runs the network quantised, with a report of what was\n"
            "                         lost), and an energy and timing report\n"
            "  --mapping FILE         place neurons as in FILE (from 'spikemesh map --out')\n"
            "  --strategy S           with --chip and no --mapping: metis (default: never\n"
            "                         worse than sequential on the chip's cost), sequential\n"
            "                         or random\n"
            "  --seed N               with --chip and no --mapping: seed of the mapping (1)\n"
            "  --workers N            spread the run over N worker processes (ipc), each\n"
            "                         hosting a rectangle of the core grid\n"
            "  --listen tcp://A:P     with --workers N: wait for N workers started on any\n"
            "                         machine with 'spikemesh worker --connect tcp://A:P'\n"
            "  --transport ipc|tcp    links between local workers (default ipc)\n"
            "  --curve KEYFILE        authenticate and encrypt (see 'spikemesh keygen')\n"
            "  --heartbeat-timeout S  declare a silent worker dead after S seconds (3); workers\n"
            "                         leave a silent coordinator after the same time\n"
            "  --join-timeout S       wait S seconds for workers to join and build (60)\n"
            "  --record-v SPEC        trace these neurons instead of the file's record.traces\n"
            "                         (repeatable): all, none, POP, POP:I or POP:A-B\n"
            "  --record-every N       a trace row every N ticks (record.every; default 1)\n"
            "  --verbose              log the distributed set-up\n"
            "  --quiet                no summary\n"
            "%s"
            "\nBefore building, the network's memory is estimated (docs/outputs.md#limits);\n"
            "a network or an output beyond a limit is refused with exit status 2.\n"
            "SANA-FE files: 'spikemesh run NET.yaml --chip ARCH.yaml --help'.\n",
            sm_limits_usage(1));
    sm_nir_run_usage(f);
}

/* Options that take a value: the next argument is that value, and an
 * option name there ("--out --quiet") is a mistake, not a directory. */
static const char *const s_valued[] = {
    "--ticks", "--threads", "--neurons-per-core", "--mesh", "--engine", "--out", "--chip",
    "--mapping", "--strategy", "--workers", "--listen", "--transport", "--curve",
    "--heartbeat-timeout", "--join-timeout", "--seed", "--nir-conventions", "--nir-flavor",
    "--input", "--labels", "--nir-output", "--record-v", "--record-spikes", "--record-every", NULL};
static const char *const s_flags[] = {"--verbose", "--quiet", "--help", NULL};

/* Every option, for the did-you-mean of an unknown one. */
static void s_known(const char **out, size_t cap)
{
    size_t n = 0;
    for (const char *const *l = s_valued; *l && n + 1 < cap; l++)
        out[n++] = *l;
    for (const char *const *l = s_flags; *l && n + 1 < cap; l++)
        out[n++] = *l;
    for (const char *const *l = sm_limits_options(1); *l && n + 1 < cap; l++)
        out[n++] = *l;
    out[n] = NULL;
}

/* A failed run leaves what it found in DIR untouched, but says so: the files
 * there are not this run's. */
static void s_mark_incomplete(const char *dir, const char *net, const char *why)
{
    struct stat st;
    if (stat(dir, &st) || !S_ISDIR(st.st_mode))
        return;
    char path[4200], text[2048];
    snprintf(path, sizeof path, "%s/INCOMPLETE", dir);
    snprintf(text, sizeof text, "The last run of %s into this directory failed: %s\n"
             "Files here are from an earlier run, or missing.\n", net, why);
    sm_write_file(path, text, NULL);
}

int sm_cmd_run(int argc, char **argv)
{
    if (sm_run_is_sanafe(argc, argv))
        return sm_cmd_run_sanafe(argc, argv);
    if (sm_wants_help(argc, argv)) {
        s_usage(stdout);
        return 0;
    }
    const char *net_path = NULL, *out_dir = "out";
    sm_run_opts_t o;
    sm_run_opts_default(&o);
    int quiet = 0;
    const char *chip_name = NULL, *mapping_path = NULL, *strategy = NULL;
    uint32_t map_seed = 1;
    sm_dist_opts_t dist;
    sm_dist_opts_default(&dist);
    sm_nir_run_opts_t nir;
    sm_nir_run_opts_default(&nir);
    sm_record_opts_t rec = {.n = 0};
    bool engine_given = false;
    sm_limits_t lim;
    sm_limits_default(&lim);
    int seed_given = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        int lr = sm_opt_begin("run", argc, argv, i, s_valued, &lim, &v);
        int k;
        if (lr < 0)
            return 2;
        if (lr > 0) {
            i++;
            continue;
        }
        if (!strcmp(a, "--ticks")) {
            if (sm_opt_uint("run", a, v, 1, UINT32_MAX, NULL, &o.ticks))
                return 2;
            i++;
        } else if (!strcmp(a, "--threads")) {
            if (sm_opt_uint("run", a, v, 1, UINT32_MAX,
                            "leave it out for the default", &o.threads))
                return 2;
            i++;
        } else if (!strcmp(a, "--neurons-per-core")) {
            if (sm_opt_uint("run", a, v, 1, UINT32_MAX, NULL, &o.neurons_per_core))
                return 2;
            i++;
        } else if (!strcmp(a, "--mesh")) {
            unsigned w, h;
            char tail;
            if (sscanf(v, "%ux%u%c", &w, &h, &tail) != 2 || !w || !h || v[0] == '-') {
                fprintf(stderr, "spikemesh run: --mesh: expected WxH, e.g. 4x4, got '%s'\n", v);
                return 2;
            }
            o.mesh_w = w;
            o.mesh_h = h;
            i++;
        } else if (!strcmp(a, "--engine")) {
            if (strcmp(v, "event") && strcmp(v, "dense")) {
                fprintf(stderr, "spikemesh run: --engine: expected event or dense, got '%s'\n", v);
                return 2;
            }
            o.dense = !strcmp(v, "dense");
            engine_given = true;
            i++;
        } else if (!strcmp(a, "--out")) {
            out_dir = v;
            i++;
        } else if (!strcmp(a, "--chip")) {
            chip_name = v;
            i++;
        } else if (!strcmp(a, "--mapping")) {
            mapping_path = v;
            i++;
        } else if (!strcmp(a, "--strategy")) {
            if (strcmp(v, "metis") && strcmp(v, "sequential") && strcmp(v, "random")) {
                fprintf(stderr, "spikemesh run: --strategy: expected metis, sequential or "
                                "random, got '%s'\n", v);
                return 2;
            }
            strategy = v;
            i++;
        } else if (!strcmp(a, "--workers")) {
            if (sm_opt_uint("run", a, v, 1, UINT32_MAX, NULL, &dist.workers))
                return 2;
            i++;
        } else if (!strcmp(a, "--listen")) {
            if (strncmp(v, "tcp://", 6)) {
                fprintf(stderr, "spikemesh run: --listen: expected tcp://ADDR:PORT, got '%s'\n", v);
                return 2;
            }
            dist.listen = v;
            i++;
        } else if (!strcmp(a, "--transport")) {
            if (strcmp(v, "ipc") && strcmp(v, "tcp")) {
                fprintf(stderr, "spikemesh run: --transport: expected ipc or tcp, got '%s'\n", v);
                return 2;
            }
            dist.transport = v;
            i++;
        } else if (!strcmp(a, "--curve")) {
            dist.curve_file = v;
            i++;
        } else if (!strcmp(a, "--heartbeat-timeout") || !strcmp(a, "--join-timeout")) {
            if (sm_opt_seconds("run", a, v,
                               a[2] == 'h' ? &dist.heartbeat_timeout : &dist.join_timeout))
                return 2;
            i++;
        } else if (!strcmp(a, "--verbose")) {
            dist.verbose = 1;
        } else if (!strcmp(a, "--seed")) {
            if (sm_opt_uint("run", a, v, 0, UINT32_MAX, NULL, &map_seed))
                return 2;
            seed_given = 1;
            i++;
        } else if (!strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (!strcmp(a, "--record-v")) {
            if (rec.n == SM_RECORD_MAX_SPECS) {
                fprintf(stderr, "spikemesh run: --record-v: at most %d of them\n",
                        SM_RECORD_MAX_SPECS);
                return 2;
            }
            rec.spec[rec.n++] = v;
            i++;
        } else if (!strcmp(a, "--record-every")) {
            if (sm_opt_uint("run", a, v, 1, UINT32_MAX, NULL, &rec.every))
                return 2;
            i++;
        } else if (a[0] == '-' && (k = sm_nir_run_option(&nir, a, v)) != 0) {
            if (k < 0)
                return 2;
            i += k - 1;
        } else if (a[0] == '-') {
            const char *known[64];
            s_known(known, 64);
            return sm_opt_unknown("run", a, known);
        } else if (net_path) {
            fprintf(stderr, "spikemesh run: one network file at a time ('%s', '%s')\n", net_path, a);
            return 2;
        } else {
            net_path = a;
        }
    }
    sm_error_t err;
    sm_error_clear(&err);
    if (sm_run_conflicts(chip_name, mapping_path, strategy, seed_given, o.mesh_w,
                         o.neurons_per_core, &err)) {
        fprintf(stderr, "spikemesh run: %s\n", err.msg);
        return 2;
    }
    if (!net_path) {
        fprintf(stderr, "spikemesh run: no network file; see 'spikemesh run --help'\n");
        return 2;
    }
    if (dist.listen && !dist.workers) {
        fprintf(stderr, "spikemesh run: --listen needs --workers N\n");
        return 2;
    }
    struct stat ost;
    if (stat(out_dir, &ost) == 0 && !S_ISDIR(ost.st_mode)) {
        fprintf(stderr, "spikemesh run: --out %s: exists and is not a directory\n", out_dir);
        return 2;
    }
    if (sm_nir_run_wanted(&nir, net_path)) {
        /* A graph traces every layer or none. */
        for (uint32_t k = 0; k < rec.n; k++) {
            if (sm_nir_run_option(&nir, "--record-v", rec.spec[k]) < 0)
                return 2;
        }
        if (rec.every) {
            fprintf(stderr, "spikemesh run: --record-every: not for NIR graphs\n");
            return 2;
        }
        sm_nir_run_ctx_t rc = {out_dir, &o, engine_given, quiet, chip_name, mapping_path,
                               strategy, map_seed, &dist, &lim};
        o.progress = isatty(2);
        return sm_nir_run(&nir, net_path, &rc);
    }
    /* each phase's line is cleared when it ends, before any message */
    sm_cli_progress_t bar;
    sm_cli_progress_init(&bar, isatty(2));
    char phase[80];
    snprintf(phase, sizeof phase, "loading %s", net_path);
    sm_cli_progress_phase(&bar, phase);
    sm_net_t *net = sm_net_load(net_path, &err);
    sm_cli_progress_end(&bar);
    if (!net || sm_record_apply(&rec, net, &err)) {
        fprintf(stderr, "spikemesh run: %s\n", err.msg);
        sm_net_destroy(&net);
        return 2;
    }
    o.progress = isatty(2);
    o.on_progress = &bar.hook;
    sm_chip_t *chip = NULL;
    sm_mapping_t *map = NULL;
    if (chip_name && !(chip = sm_chip_load(chip_name, &err))) {
        fprintf(stderr, "spikemesh run: %s\n", err.msg);
        sm_net_destroy(&net);
        return 2;
    }
    /* The cost check, before anything large is built: the mapper's graph
     * too when this run maps. */
    sm_cost_t cost;
    /* Workers on other machines each hold their share of the engine (this
     * machine's memory stands in for theirs). */
    if (sm_limits_check_run(net, o.ticks, chip ? chip->limits.neurons : o.neurons_per_core,
                            chip && !mapping_path, dist.listen ? dist.workers : 1, 1, out_dir,
                            &lim, &cost, &err)) {
        fprintf(stderr, "spikemesh run: %s: %s\n", net_path, err.msg);
        sm_chip_destroy(&chip);
        sm_net_destroy(&net);
        return 2;
    }
    sm_map_report_t map_rep;
    /* A fixed-point chip computes in its integers: the float network as its
     * toolchain would quantise it. */
    sm_qreport_t qrep;
    memset(&qrep, 0, sizeof qrep);
    const int quantised = chip && chip->arith == SM_ARITH_FIXED;
    if (quantised && sm_quantise(net, chip, &qrep, &err)) {
        sm_cli_progress_end(&bar);
        fprintf(stderr, "spikemesh run: %s\n", err.msg);
        sm_chip_destroy(&chip);
        sm_net_destroy(&net);
        return 2;
    }
    int placed = sm_run_place(net, chip, mapping_path, strategy, map_seed, &bar.hook, &map_rep,
                              &map, &err);
    sm_cli_progress_end(&bar);
    if (placed) {
        fprintf(stderr, "spikemesh run: %s\n", err.msg);
        sm_qreport_fini(&qrep);
        sm_chip_destroy(&chip);
        sm_net_destroy(&net);
        return 2;
    }
    o.mapping = map;
    /* Every run records its per-tick series (ticks.csv); a chip run also
     * its busiest core, priced with the chip's latencies. */
    double tick_ns[4];
    if (chip) {
        sm_energy_tick_ns(chip, tick_ns);
        o.tick_ns = tick_ns;
    }
    sm_result_t *r = dist.workers ? sm_dist_run(net, &o, &dist, &err) : sm_engine_run(net, &o, &err);
    sm_cli_progress_end(&bar);
    if (!r) {
        s_mark_incomplete(out_dir, net_path, err.msg);
        fprintf(stderr, "spikemesh run: %s: %s\n", net_path, err.msg);
        sm_qreport_fini(&qrep);
        sm_mapping_destroy(&map);
        sm_chip_destroy(&chip);
        sm_net_destroy(&net);
        return err.code == SM_ENOMEM || err.code == SM_EIO ? 1 : 2;
    }
    int rc = 0;
    char path[4200];
    cJSON *stats = sm_report_stats(net, r, o.dense);
    if (quantised)
        sm_qreport_to_json(net, &qrep, stats);
    sm_energy_t energy;
    int have_energy = 0;
    if (chip) {
        if (sm_energy_compute(chip, r, &energy, &err)) {
            fprintf(stderr, "spikemesh run: energy report: %s\n", err.msg);
            rc = 1;
        } else {
            have_energy = 1;
            sm_energy_to_json(&energy, stats);
            if (energy.warning[0])
                fprintf(stderr, "spikemesh run: WARNING: %s\n", energy.warning);
        }
        sm_map_report_to_json(&map_rep, stats);
    }
    /* What the files would hold, before a byte is written: a MultiSpike
     * count of n is n rows of spikes.csv. */
    if (!rc && (sm_limits_check_spikes(net, r, &lim, &err) ||
                sm_limits_check_output(sm_report_spikes_bytes(net, r) + cost.traces_csv_bytes +
                                           sm_report_stats_bytes(net, r) +
                                           sm_ticks_csv_bytes(r, have_energy),
                                       "spikes.csv, traces.csv, stats.json and ticks.csv", out_dir, &lim,
                                       &err))) {
        fprintf(stderr, "spikemesh run: %s: %s\n", net_path, err.msg);
        s_mark_incomplete(out_dir, net_path, err.msg);
        rc = 2;
    }
    if (!rc && sm_mkdirs(out_dir, &err))
        rc = 1;
    if (!rc && sm_report_write_run(net, r, stats, have_energy ? chip : NULL,
                                   have_energy ? &energy : NULL, out_dir, &err))
        rc = 1;
    if (rc == 1) {
        fprintf(stderr, "spikemesh run: %s\n", err.msg);
        s_mark_incomplete(out_dir, net_path, err.msg);
    } else if (!rc) {
        snprintf(path, sizeof path, "%s/INCOMPLETE", out_dir);
        unlink(path);
    }
    if (!rc && !quiet) {
        sm_report_summary(stdout, net, r, o.dense);
        if (quantised)
            sm_qreport_print(stdout, net, &qrep);
        if (have_energy)
            sm_energy_print(stdout, &energy);
        printf("  wrote %s/spikes.csv, traces.csv, stats.json, ticks.csv\n", out_dir);
    }
    cJSON_Delete(stats);
    sm_qreport_fini(&qrep);
    if (have_energy)
        sm_energy_fini(&energy);
    sm_result_destroy(&r);
    sm_mapping_destroy(&map);
    sm_chip_destroy(&chip);
    sm_net_destroy(&net);
    return rc;
}
