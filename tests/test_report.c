/* Plots of a run (tools/report): `spikemesh plot DIR` on a recorded run
 * writes one valid SVG per view, leaves no temporary file, and skips the
 * energy view with a note when the run has no energy figures (and the
 * traces when nothing was traced). What the figures look like is
 * test_plot.c's. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

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
