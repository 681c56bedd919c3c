/* spikemesh plot: the options of the figures of a finished run; the
 * drawing is tools/report/plot_*.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "options.h"
#include "plot.h"

static void s_help(FILE *f)
{
    fprintf(f,
            "usage: spikemesh plot RUN_DIR [options]\n\n"
            "Writes SVG figures into RUN_DIR from its stats.json, spikes.csv, traces.csv\n"
            "and ticks.csv:\n"
            "  raster.svg  spikes (ms x neuron index, a colour per population) over the\n"
            "              population rates in Hz\n"
            "  traces.svg  membrane potential and synaptic currents of each probe\n"
            "              (skipped if nothing was traced)\n"
            "  ticks.svg   the per-tick series of ticks.csv, which every run writes\n"
            "              (spikes per tick for an older run directory without one)\n"
            "  cores.svg   a counter per core over the core grid, chips outlined\n"
            "  links.svg   packets per directed mesh link\n"
            "  energy.svg  energy by category, log scale (only for runs with --chip)\n\n"
            "options:\n"
            "  --from MS         start of the time window (default 0)\n"
            "  --to MS           end of the time window (default: the end of the run)\n"
            "  --pops A,B        only these populations (raster, rates, traces), in this\n"
            "                    order\n"
            "  --counter C       what cores.svg shows: events (synaptic events, default),\n"
            "                    updates (neuron updates), spikes, energy (with a chip)\n"
            "  --bin MS          width of the rate bins (default: about 1/150 of the window)\n"
            "  --chip NAME|FILE  chip whose boundaries cores.svg and links.svg draw\n"
            "                    (default: the run's chip)\n");
}

static int s_ms(const char *opt, const char *v, double *out)
{
    char *end;
    double x = v ? strtod(v, &end) : 0;
    if (!v || end == v || *end || !isfinite(x) || x < 0) {
        fprintf(stderr, "spikemesh plot: %s: needs a number of ms >= 0, got \"%s\"\n", opt,
                v ? v : "");
        return -1;
    }
    *out = x;
    return 0;
}

static int s_counter(const char *v, sm_plot_counter_t *out)
{
    static const char *const names[] = {"events", "updates", "spikes", "energy"};
    for (int i = 0; v && i < 4; i++)
        if (!strcmp(v, names[i])) {
            *out = (sm_plot_counter_t)i;
            return 0;
        }
    fprintf(stderr, "spikemesh plot: --counter: must be events, updates, spikes or energy, got "
                    "\"%s\"\n",
            v ? v : "");
    return -1;
}

/* Options into o; the run directory into *dir. Returns 0 or 2 (usage). */
static int s_parse(int argc, char **argv, sm_plot_opts_t *o, const char **dir)
{
    memset(o, 0, sizeof *o);
    o->to_ms = -1;
    *dir = NULL;
    static const char *const valued[] = {"--from", "--to", "--bin", "--pops", "--chip",
                                         "--counter", NULL};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int bad = 0;
        if (sm_opt_is(a, valued) && !(v = sm_opt_value("plot", a, v)))
            return 2;
        if (!strcmp(a, "--from"))
            bad = s_ms(a, v, &o->from_ms);
        else if (!strcmp(a, "--to"))
            bad = s_ms(a, v, &o->to_ms);
        else if (!strcmp(a, "--bin")) {
            bad = s_ms(a, v, &o->bin_ms);
            if (!bad && o->bin_ms <= 0) {
                fprintf(stderr, "spikemesh plot: --bin: must be > 0 ms\n");
                bad = -1;
            }
        } else if (!strcmp(a, "--pops") || !strcmp(a, "--chip")) {
            if (!*v) {
                fprintf(stderr, "spikemesh plot: %s needs a value\n", a);
                bad = -1;
            } else if (a[2] == 'p') {
                o->pops = v;
            } else {
                o->chip = v;
            }
        } else if (!strcmp(a, "--counter"))
            bad = s_counter(v, &o->counter);
        else if (a[0] == '-') {
            static const char *const known[] = {"--from", "--to", "--bin", "--pops", "--chip",
                                                "--counter", "--help", NULL};
            return sm_opt_unknown("plot", a, known);
        } else if (*dir) {
            fprintf(stderr, "spikemesh plot: one run directory only, got %s and %s\n", *dir, a);
            return 2;
        } else {
            *dir = a;
            continue;
        }
        if (bad)
            return 2;
        i++;
    }
    if (!*dir) {
        s_help(stderr);
        return 2;
    }
    return 0;
}

typedef int (*s_plot_fn)(const sm_plot_run_t *, const sm_plot_opts_t *, sm_svg_t *,
                         const char **, sm_error_t *);

int sm_cmd_plot(int argc, char **argv)
{
    if (sm_wants_help(argc, argv)) {
        s_help(stdout);
        return 0;
    }
    sm_plot_opts_t o;
    const char *dir;
    int rc = s_parse(argc, argv, &o, &dir);
    if (rc)
        return rc;
    sm_error_t err;
    sm_error_clear(&err);
    sm_plot_run_t run;
    if (sm_plot_run_load(&run, dir, &o, &err) < 0) {
        fprintf(stderr, "spikemesh plot: %s\n", err.msg);
        return 2;
    }
    if (run.chip_note[0])
        printf("note: %s\n", run.chip_note);
    static const struct {
        const char *name;
        s_plot_fn fn;
    } plots[] = {{"raster", sm_plot_raster}, {"traces", sm_plot_traces},
                 {"ticks", sm_plot_ticks_series}, {"cores", sm_plot_cores},
                 {"links", sm_plot_links}, {"energy", sm_plot_energy}};
    for (size_t i = 0; i < sizeof plots / sizeof *plots; i++) {
        sm_svg_t svg;
        memset(&svg, 0, sizeof svg);
        const char *skip = NULL;
        char path[4200];
        snprintf(path, sizeof path, "%s/%s.svg", dir, plots[i].name);
        sm_error_clear(&err);
        if (plots[i].fn(&run, &o, &svg, &skip, &err) < 0) {
            fprintf(stderr, "spikemesh plot: %s: %s\n", plots[i].name, err.msg);
            sm_svg_free(&svg);
            rc = 2;
        } else if (skip) {
            printf("note: %s.svg skipped: %s\n", plots[i].name, skip);
            sm_svg_free(&svg);
        } else if (sm_svg_save(&svg, path, &err) < 0) {
            fprintf(stderr, "spikemesh plot: %s\n", err.msg);
            rc = 2;
        } else {
            printf("wrote %s\n", path);
        }
    }
    sm_plot_run_fini(&run);
    return rc;
}
