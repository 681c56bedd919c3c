/* Fuzz target: chip files (tools/chip): structural and byte mutants of a
 * board profile and tests/data/tiny_chip.json through sm_chip_from_string;
 * an accepted chip must route and cost finite energy. */
#include "fuzz.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chip.h"

static const char *chip_invariants(const sm_chip_t *c)
{
    if (!memchr(c->name, 0, sizeof c->name) || !memchr(c->source, 0, sizeof c->source))
        return "unterminated name or source";
    if (c->chip_w < 1 || c->chip_h < 1 || c->chips_x < 1 || c->chips_y < 1)
        return "empty grid";
    if ((uint64_t)c->chip_w * c->chips_x != c->width ||
        (uint64_t)c->chip_h * c->chips_y != c->height)
        return "board is not chips x chip size";
    if ((uint64_t)c->width * c->height > UINT32_MAX)
        return "more cores than a core id holds";
    if (c->limits.neurons < 1)
        return "no neuron limit";
    const double *e = &c->energy.syn_op, *t = &c->timing.syn_op;
    for (size_t i = 0; i < sizeof c->energy / sizeof(double); i++)
        if (!isfinite(e[i]) || e[i] < 0)
            return "energy figure not finite and >= 0";
    for (size_t i = 0; i < sizeof c->timing / sizeof(double); i++)
        if (!isfinite(t[i]) || t[i] < 0)
            return "timing figure not finite and >= 0";
    return NULL;
}

static void chip_try(fz_stats_t *st, const char *text, size_t len)
{
    static const char *name = "fuzzed-chip.json";
    sm_error_t err;
    sm_error_clear(&err);
    sm_chip_t *c = sm_chip_from_string(text, name, &err);
    if (!c) {
        fz_refused(st, "chip", &err, name, text, len);
        return;
    }
    st->accepted++;
    check_strict(st, "chip", text, len);
    const char *why = chip_invariants(c);
    if (why) {
        fz_bad(st, "chip", text, len, "accepted, but %s", why);
    } else {
        uint32_t n = sm_chip_cores(c), ew, ns, ch;
        sm_chip_route(c, 0, n - 1, &ew, &ns, &ch);
        if ((uint64_t)ew + ns + ch > (uint64_t)c->width + c->height)
            fz_bad(st, "chip", text, len, "route longer than the grid");
        if (!isfinite(sm_chip_packet_pj(c, n - 1, 0)))
            fz_bad(st, "chip", text, len, "route energy not finite");
    }
    sm_chip_destroy(&c);
}

/* The input is the text of a chip file as sm_chip_from_string gets it, a C
 * string: it ends at the first NUL. (A file with a NUL byte is sm_chip_load's
 * to refuse; see regression_chip_trailing_text_and_nul.) */
int sm_fuzz_chip(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t len = nul ? (size_t)(nul - data) : size;
    char *text = malloc(len + 1);
    t_require(text, "out of memory for %zu bytes", len);
    if (len)
        memcpy(text, data, len);
    text[len] = '\0';
    chip_try(fz_stats(), text, len);
    free(text);
    return 0;
}

#ifndef SM_LIBFUZZER

TestSuite(fuzz, .init = tmp_setup, .fini = tmp_teardown, .timeout = 300);

Test(fuzz, chip_files)
{
    static const char *const files[] = {T_CHIPS_DIR "/mini_board.json",
                                        T_DATA_DIR "/tiny_chip.json"};
    fz_stats_t st = {0};
    fz_count_into(&st);
    for (size_t k = 0; k < 2; k++) {
        size_t len;
        char *orig = t_read(files[k], &len);
        fz_keep_seed("chip", orig, len);
        cJSON *base = cJSON_Parse(orig);
        cr_assert(base);
        for (uint32_t i = 0; i < fz_n(1200); i++) {
            sm_rng_t r = sm_rng_stream(fz_seed(0xc41b + k), 1, i);
            cJSON *doc = cJSON_Duplicate(base, 1);
            uint32_t edits = 1 + sm_rng_below(&r, 3);
            for (uint32_t e = 0; e < edits; e++)
                mutate_tree(&r, doc);
            char *text = cJSON_PrintUnformatted(doc);
            if (text)
                sm_fuzz_chip((const uint8_t *)text, strlen(text));
            cJSON_free(text);
            cJSON_Delete(doc);
        }
        size_t cap = len + 256;
        char *buf = malloc(cap + 1);
        for (uint32_t i = 0; i < fz_n(800); i++) {
            sm_rng_t r = sm_rng_stream(fz_seed(0xc41b + k), 2, i);
            memcpy(buf, orig, len);
            size_t n = len;
            uint32_t edits = 1 + sm_rng_below(&r, 3);
            for (uint32_t e = 0; e < edits; e++)
                n = mutate_bytes(&r, (uint8_t *)buf, n, cap, true);
            sm_fuzz_chip((const uint8_t *)buf, n);
        }
        free(buf);
        cJSON_Delete(base);
        free(orig);
    }
    fz_count_into(NULL);
    fz_report("chip", &st, 100, 2000);
}

/* ------------------------------------------- regressions found by fuzzing */

Test(fuzz, regression_chip_trailing_text_and_nul)
{
    /* cJSON reads a NUL as the end of the text, and cJSON_Parse ignores text
     * after the object: such chips used to load as if the bytes were not
     * there. */
    sm_error_t err;
    char path[256];
    tmp_path(path, sizeof path, "nul.json");
    size_t len;
    char *text = t_read(T_DATA_DIR "/tiny_chip.json", &len);
    char *more = malloc(len + 16);
    memcpy(more, text, len);
    memcpy(more + len, "\n{\"x\": 1}", 10);
    sm_chip_t *chip = sm_chip_from_string(more, "trailing.json", &err);
    cr_expect_null(chip, "text after the chip object was ignored");
    cr_expect(strstr(err.msg, "trailing.json"), "%s", err.msg);
    more[len] = '\0';
    chip = sm_chip_from_string(more, "ok.json", &err);
    cr_expect_not_null(chip, "%s", err.msg);
    sm_chip_destroy(&chip);
    more[len] = '\0';
    memcpy(more + len + 1, "junk", 4);
    t_write(path, more, len + 5);
    chip = sm_chip_load(path, &err);
    cr_expect_null(chip, "a chip file with a NUL byte was read up to it");
    cr_expect(strstr(err.msg, path) && strstr(err.msg, "NUL byte"), "%s", err.msg);
    sm_chip_destroy(&chip);
    free(more);
    free(text);
}

Test(fuzz, regression_chip_huge_figure)
{
    /* 1e308 pJ per hop was accepted; route and run energies became inf. */
    size_t len;
    char *text = t_read(T_CHIPS_DIR "/mini_board.json", &len);
    cJSON *doc = cJSON_Parse(text);
    cr_assert(doc);
    cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "energy_pj"),
                                           "hop_east_west", cJSON_CreateNumber(1e308));
    char *bad = cJSON_PrintUnformatted(doc);
    sm_error_t err;
    sm_chip_t *chip = sm_chip_from_string(bad, "huge.json", &err);
    cr_expect_null(chip);
    cr_expect(strstr(err.msg, "huge.json") && strstr(err.msg, "energy_pj.hop_east_west"), "%s",
              err.msg);
    sm_chip_destroy(&chip);
    cJSON_free(bad);
    cJSON_Delete(doc);
    free(text);
}

#endif
