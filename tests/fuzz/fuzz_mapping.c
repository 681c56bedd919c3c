/* Fuzz target: mapping files (tools/io/mapfile): structural and byte
 * mutants of a saved mapping of tests/data/full.json through
 * sm_mapping_load; an accepted mapping must fit the network and its grid. */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "chip.h"
#include "mapfile.h"
#include "mapper.h"

static void mapping_try(fz_stats_t *st, const sm_net_t *net, const char *file, const char *text,
                        size_t len)
{
    t_write(file, text, len);
    sm_error_t err;
    sm_error_clear(&err);
    sm_mapping_t *m = sm_mapping_load(file, net, &err);
    if (!m) {
        fz_refused(st, "mapping", &err, file, text, len);
        return;
    }
    st->accepted++;
    check_strict(st, "mapping", text, len);
    if (!m->width || !m->height || (uint64_t)m->width * m->height > (1u << 24) ||
        m->n_gids != net->n_neurons || !m->core_of) {
        fz_bad(st, "mapping", text, len, "accepted, but the grid or gid count is wrong");
    } else {
        for (uint32_t g = 0; g < m->n_gids; g++)
            if (m->core_of[g] >= m->width * m->height) {
                fz_bad(st, "mapping", text, len, "accepted, but gid %u is off the grid", g);
                break;
            }
    }
    sm_mapping_destroy(&m);
}

/* The network mappings are read against: the Criterion test's, or (a
 * libFuzzer run) tests/data/full.json, loaded on first use. */
static sm_net_t *s_net;

int sm_fuzz_mapping(const uint8_t *data, size_t size)
{
    if (!s_net)
        s_net = t_load_net(T_DATA_DIR "/full.json");
    char file[256];
    tmp_path(file, sizeof file, "mutant-mapping.json");
    mapping_try(fz_stats(), s_net, file, (const char *)data, size);
    return 0;
}

#ifndef SM_LIBFUZZER

TestSuite(fuzz, .init = tmp_setup, .fini = tmp_teardown, .timeout = 300);

Test(fuzz, mapping_files)
{
    fz_stats_t st = {0};
    sm_net_t *net = t_load_net(T_DATA_DIR "/full.json");
    sm_error_t err;
    sm_chip_t *chip = sm_chip_load(T_DATA_DIR "/tiny_chip.json", &err);
    cr_assert(chip, "%s", err.msg);
    sm_mapping_t *map = sm_map(net, chip, "random", 3, NULL, &err);
    cr_assert(map, "%s", err.msg);
    char saved[256];
    tmp_path(saved, sizeof saved, "mapping.json");
    cr_assert_eq(sm_mapping_save(map, net, chip->name, "random", 3, saved, &err), 0, "%s",
                 err.msg);
    size_t len;
    char *orig = t_read(saved, &len);
    fz_keep_seed("mapping", orig, len);
    cJSON *base = cJSON_Parse(orig);
    cr_assert(base);
    s_net = net;
    fz_count_into(&st);
    for (uint32_t i = 0; i < fz_n(1200); i++) {
        sm_rng_t r = sm_rng_stream(fz_seed(0x3a9), 1, i);
        cJSON *doc = cJSON_Duplicate(base, 1);
        uint32_t edits = 1 + sm_rng_below(&r, 2);
        for (uint32_t e = 0; e < edits; e++)
            mutate_tree(&r, doc);
        char *text = cJSON_PrintUnformatted(doc);
        if (text)
            sm_fuzz_mapping((const uint8_t *)text, strlen(text));
        cJSON_free(text);
        cJSON_Delete(doc);
    }
    size_t cap = len + 256;
    char *buf = malloc(cap);
    for (uint32_t i = 0; i < fz_n(800); i++) {
        sm_rng_t r = sm_rng_stream(fz_seed(0x3a9), 2, i);
        memcpy(buf, orig, len);
        size_t n = len;
        uint32_t edits = 1 + sm_rng_below(&r, 3);
        for (uint32_t e = 0; e < edits; e++)
            n = mutate_bytes(&r, (uint8_t *)buf, n, cap, true);
        sm_fuzz_mapping((const uint8_t *)buf, n);
    }
    free(buf);
    fz_count_into(NULL);
    s_net = NULL;
    fz_report("mapping", &st, 100, 800);
    cJSON_Delete(base);
    free(orig);
    sm_mapping_destroy(&map);
    sm_chip_destroy(&chip);
    sm_net_destroy(&net);
}

/* ------------------------------------------- regressions found by fuzzing */

Test(fuzz, regression_mapping_trailing_text_and_nul)
{
    /* cJSON reads a NUL as the end of the text, and cJSON_Parse ignores text
     * after the object: such mappings used to load as if the bytes were not
     * there. */
    sm_error_t err;
    char path[256];
    tmp_path(path, sizeof path, "nul.json");
    size_t len;
    sm_net_t *net = t_load_net(T_EXAMPLES_DIR "/feedforward.json");
    sm_mapping_t *map = sm_mapping_sequential(net, 0, 0, 64, &err);
    cr_assert(map, "%s", err.msg);
    char saved[256];
    tmp_path(saved, sizeof saved, "map.json");
    cr_assert_eq(sm_mapping_save(map, net, NULL, NULL, 0, saved, &err), 0, "%s", err.msg);
    char *text = t_read(saved, &len);
    sm_mapping_t *back = sm_mapping_load(saved, net, &err);
    cr_expect_not_null(back, "%s", err.msg);
    sm_mapping_destroy(&back);
    char *more = malloc(len + 16);
    memcpy(more, text, len);
    memcpy(more + len, " {}", 3);
    t_write(path, more, len + 3);
    back = sm_mapping_load(path, net, &err);
    cr_expect_null(back, "text after the mapping object was ignored");
    cr_expect(strstr(err.msg, path), "%s", err.msg);
    sm_mapping_destroy(&back);
    more[len] = '\0';
    t_write(path, more, len + 3);
    back = sm_mapping_load(path, net, &err);
    cr_expect_null(back, "a mapping file with a NUL byte was read up to it");
    sm_mapping_destroy(&back);
    free(more);
    free(text);
    sm_mapping_destroy(&map);
    sm_net_destroy(&net);
}

#endif
