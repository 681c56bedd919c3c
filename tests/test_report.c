/* Plots of a run (tools/report): `spikemesh plot DIR` on a recorded run
 * writes one valid SVG per view, leaves no temporary file, and skips the
 * energy view with a note when the run has no energy figures. */
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

Test(plot, writes_valid_svgs_from_a_run_directory)
{
    char dir[256];
    t_mkdtemp(dir, sizeof dir, "plot");
    cr_assert_eq(t_sh("cp '%s/spikes.csv' '%s/stats.json' '%s/'", FIXTURE, FIXTURE, dir), 0);
    cr_assert_eq(t_run_bin("plot '%s' >/dev/null", dir), 0);
    char path[512];
    struct {
        const char *file, *elem;
        size_t count;
    } want[] = {{"raster.svg", "<circle", 159},     /* spikes in the fixture */
                {"cores.svg", "class=\"core\"", 12}, /* 4 x 3 grid             */
                {"links.svg", "class=\"link\"", 11},
                {"energy.svg", "class=\"bar\"", 5}};
    cr_expect_eq(t_count_temp_files(dir), 0, "temporary file left in %s", dir);
    for (size_t i = 0; i < 4; i++) {
        t_join(path, sizeof path, dir, want[i].file);
        char *t = t_read_or_null(path, NULL);
        cr_assert_not_null(t, "%s missing", path);
        cr_expect(strstr(t, "<svg") != NULL && strstr(t, "</svg>") != NULL, "%s", path);
        cr_expect_eq(s_count(t, want[i].elem), want[i].count, "%s: %zu %s", want[i].file,
                     s_count(t, want[i].elem), want[i].elem);
        cr_expect_eq(s_count(t, "<svg"), 1);
        free(t);
        remove(path);
    }
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
