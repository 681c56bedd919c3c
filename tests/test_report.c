/* Plots of a run (tools/report): `spikemesh plot DIR` on a recorded run
 * writes one valid SVG per view, leaves no temporary file, and skips the
 * energy view with a note when the run has no energy figures (and the
 * traces when nothing was traced). What the figures look like is
 * test_plot.c's. And ticks.csv: its size known before it is written. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "energy.h"
#include "engine.h"
#include "helpers.h"
#include "run_setup.h"
#include "ticks.h"

#define FIXTURE T_DATA_DIR "/run_fixture"

static size_t s_count(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* Dots of the raster: one "M" move per dot in its class="dots" paths. */
static size_t s_dots(const char *text)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, "class=\"dots\"")); p++) {
        const char *d = strstr(p, " d=\""), *end = d ? strchr(d + 4, '"') : NULL;
        for (const char *c = d; c && c < end; c++)
            n += *c == 'M';
    }
    return n;
}

Test(plot, writes_valid_svgs_from_a_run_directory)
{
    char dir[256];
    t_mkdtemp(dir, sizeof dir, "plot");
    cr_assert_eq(t_sh("cp '%s/spikes.csv' '%s/stats.json' '%s/'", FIXTURE, FIXTURE, dir), 0);
    cr_assert_eq(t_run_bin("plot '%s' >'%s/said'", dir, dir), 0);
    char path[512];
    struct {
        const char *file, *elem;
        size_t count;
    } want[] = {{"raster.svg", NULL, 159},            /* spikes in the fixture */
                {"cores.svg", "class=\"core\"", 12}, /* 4 x 3 grid             */
                {"links.svg", "class=\"link\"", 11},
                {"energy.svg", "class=\"bar\"", 5},
                {"ticks.svg", "<polyline", 1}};
    cr_expect_eq(t_count_temp_files(dir), 0, "temporary file left in %s", dir);
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        t_join(path, sizeof path, dir, want[i].file);
        char *t = t_read_or_null(path, NULL);
        cr_assert_not_null(t, "%s missing", path);
        cr_expect(strstr(t, "<svg") != NULL && strstr(t, "</svg>") != NULL, "%s", path);
        size_t got = want[i].elem ? s_count(t, want[i].elem) : s_dots(t);
        cr_expect_eq(got, want[i].count, "%s: %zu %s", want[i].file, got,
                     want[i].elem ? want[i].elem : "dots");
        cr_expect_eq(s_count(t, "<svg"), 1);
        free(t);
        remove(path);
    }
    /* no traces.csv: traces.svg is skipped with a note */
    t_join(path, sizeof path, dir, "traces.svg");
    cr_expect_null(t_read_or_null(path, NULL), "%s written without traces", path);
    cr_expect_eq(t_sh("grep -q 'traces.svg skipped' '%s/said'", dir), 0);
    /* without "energy", energy.svg is skipped with a note, not an error */
    cr_expect_eq(t_sh("python3 -c \"import json,sys; p=sys.argv[1]; d=json.load(open(p));"
                      " d.pop('energy'); json.dump(d, open(p,'w'))\" '%s/stats.json'",
                      dir),
                 0);
    cr_expect_eq(t_run_bin("plot '%s' | grep -q 'energy.svg skipped'", dir), 0);
    t_join(path, sizeof path, dir, "energy.svg");
    cr_expect_null(t_read_or_null(path, NULL), "%s written without energy figures", path);
    cr_expect_eq(t_count_temp_files(dir), 0, "temporary file left in %s", dir);
    cr_expect_eq(t_rmtree(dir), 0);
}

/* ---- ticks.csv (tools/report/ticks) ------------------------------------ */

static long s_file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

/* The size checked against --max-output before writing is the file's:
 * exactly for the counts, at most for a chip's figures. */
Test(ticks, csv_size_known_before_writing)
{
    sm_error_t err;
    sm_error_clear(&err);
    sm_net_t *net = t_load_net(T_EXAMPLES_DIR "/feedforward.json");
    sm_chip_t *chip = NULL;
    sm_mapping_t *map = NULL;
    char dir[256], path[512];
    t_mkdtemp(dir, sizeof dir, "ticks");
    t_join(path, sizeof path, dir, "ticks.csv");
    for (int on_chip = 0; on_chip < 2; on_chip++) {
        sm_run_opts_t o;
        sm_run_opts_default(&o);
        o.ticks = 300;
        o.threads = 1;
        double ns[4];
        if (on_chip) {
            cr_assert_eq(sm_run_setup(net, "loihi", NULL, NULL, 1, &chip, &map, &err), 0, "%s",
                         err.msg);
            sm_energy_tick_ns(chip, ns);
            o.tick_ns = ns;
            o.mapping = map;
        }
        sm_result_t *r = sm_engine_run(net, &o, &err);
        cr_assert_not_null(r, "%s", err.msg);
        cr_assert_not_null(r->tick_cnt, "every run records the series");
        cr_assert_eq(r->tick_busy_ns != NULL, on_chip, "the busiest core only on a chip");
        sm_energy_t e;
        if (on_chip)
            cr_assert_eq(sm_energy_compute(chip, r, &e, &err), 0, "%s", err.msg);
        /* a chip without the busiest cores' times is refused, naming the file */
        if (!on_chip) {
            sm_chip_t *lo = sm_chip_load("loihi", &err);
            cr_assert_eq(sm_ticks_write(lo, NULL, r, dir, &err), -1);
            cr_assert(strstr(err.msg, "ticks.csv") && strstr(err.msg, "busiest"), "%s", err.msg);
            sm_chip_destroy(&lo);
        }
        cr_assert_eq(sm_ticks_write(on_chip ? chip : NULL, on_chip ? &e : NULL, r, dir, &err), 0,
                     "%s", err.msg);
        double want = sm_ticks_csv_bytes(r, on_chip);
        long got = s_file_size(path);
        if (on_chip)
            cr_expect(got <= want && got > want / 2, "%ld bytes, estimated %g", got, want);
        else
            cr_expect_eq((double)got, want, "%ld bytes, estimated %g", got, want);
        char *text = t_read(path, NULL);
        cr_expect_eq(s_count(text, "\n"), 301, "a header and 300 rows");
        cr_expect_eq(s_count(text, ",") / 301, on_chip ? 15 : 7);
        free(text);
        if (on_chip)
            sm_energy_fini(&e);
        sm_result_destroy(&r);
    }
    sm_mapping_destroy(&map);
    sm_chip_destroy(&chip);
    sm_net_destroy(&net);
    t_rmtree(dir);
}
