/* Fuzz target: golden cases (tools/io/golden): structural and byte
 * mutants of a few cases of every library and kind through sm_golden_load;
 * accepted population cases are run, both ways. */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golden.h"

static const char *golden_invariants(const sm_golden_t *g)
{
    if (!g->name || !g->cls || g->steps < 1)
        return "no name, class or steps";
    const sm_gmat_t *m[] = {&g->input, &g->spk, &g->mem, &g->syn, &g->syn_exc, &g->syn_inh};
    if (g->kind == SM_GOLDEN_POPULATION) {
        if (g->neurons < 1 || !g->input.v || !g->mem.v)
            return "population case without neurons, input or mem";
        for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
            if (m[i]->v && (m[i]->rows != g->steps || m[i]->cols != g->neurons))
                return "population matrix of the wrong shape";
        return NULL;
    }
    if (g->n_layers < 1 || !g->layers || !g->input_spikes.v ||
        g->input_spikes.rows != g->steps || g->input_spikes.cols != g->inputs)
        return "network case without layers or inputs";
    uint32_t prev = g->inputs;
    for (uint32_t k = 0; k < g->n_layers; k++) {
        const sm_glayer_t *l = &g->layers[k];
        if (l->size < 1 || !l->weight.v || l->weight.rows != l->size || l->weight.cols != prev ||
            !l->spk.v || l->spk.rows != g->steps || l->spk.cols != l->size || !l->mem.v ||
            l->mem.rows != g->steps || l->mem.cols != l->size)
            return "layer of the wrong shape";
        if (l->rec == SM_REC_MATRIX && (!l->rec_weight.v || l->rec_weight.rows != l->size ||
                                        l->rec_weight.cols != l->size))
            return "recurrent matrix of the wrong shape";
        if (l->rec == SM_REC_DIAG && !l->rec_v)
            return "recurrent diagonal missing";
        prev = l->size;
    }
    return NULL;
}

static void golden_try(fz_stats_t *st, const char *file, const char *text, size_t len)
{
    t_write(file, text, len);
    sm_error_t err;
    sm_error_clear(&err);
    sm_golden_t *g = sm_golden_load(file, &err);
    if (!g) {
        fz_refused(st, "golden", &err, file, text, len);
        return;
    }
    st->accepted++;
    check_strict(st, "golden", text, len);
    const char *why = golden_invariants(g);
    if (why) {
        fz_bad(st, "golden", text, len, "accepted, but %s", why);
    } else if (g->kind == SM_GOLDEN_POPULATION && (uint64_t)g->steps * g->neurons <= 100000) {
        /* Run it: parameters the model refuses must be refused, not run. */
        sm_gcheck_t chk;
        sm_gevent_t ev;
        memset(&ev, 0, sizeof ev);
        sm_gcheck_init(&chk);
        sm_error_clear(&err);
        if (sm_golden_run_population(g, false, &chk, &ev, &err) == 0) {
            sm_gcheck_init(&chk);
            sm_golden_run_population(g, true, &chk, &ev, &err);
        } else if (!err.msg[0]) {
            fz_bad(st, "golden", text, len, "run refused without a message");
        }
    }
    sm_golden_destroy(&g);
}

int sm_fuzz_golden(const uint8_t *data, size_t size)
{
    char file[256];
    tmp_path(file, sizeof file, "case.json");
    golden_try(fz_stats(), file, (const char *)data, size);
    return 0;
}

#ifndef SM_LIBFUZZER

TestSuite(fuzz, .init = tmp_setup, .fini = tmp_teardown, .timeout = 300);

static const char *const s_golden[] = {
    "snn_leaky_subtract_const.json", "sinabs_iaf_exact_threshold.json",
    "norse_lifcell_default_const.json", "snn_synaptic_subtract_pulses.json",
    "snn_net_rleaky_one_to_one.json", "snn_net_ff2_dyadic.json",
};

Test(fuzz, golden_cases)
{
    fz_stats_t st = {0};
    fz_count_into(&st);
    for (size_t k = 0; k < sizeof s_golden / sizeof s_golden[0]; k++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", T_GOLDEN_DIR, s_golden[k]);
        size_t len;
        char *orig = t_read(path, &len);
        fz_keep_seed("golden", orig, len);
        cJSON *base = cJSON_Parse(orig);
        cr_assert(base, "%s does not parse", path);
        for (uint32_t i = 0; i < fz_n(250); i++) {
            sm_rng_t r = sm_rng_stream(fz_seed(0x601d + k), 1, i);
            cJSON *doc = cJSON_Duplicate(base, 1);
            uint32_t edits = 1 + sm_rng_below(&r, 2);
            for (uint32_t e = 0; e < edits; e++)
                mutate_tree(&r, doc);
            char *text = cJSON_PrintUnformatted(doc);
            if (text)
                sm_fuzz_golden((const uint8_t *)text, strlen(text));
            cJSON_free(text);
            cJSON_Delete(doc);
        }
        size_t cap = len + 256;
        char *buf = malloc(cap);
        for (uint32_t i = 0; i < fz_n(150); i++) {
            sm_rng_t r = sm_rng_stream(fz_seed(0x601d + k), 2, i);
            memcpy(buf, orig, len);
            size_t n = len;
            uint32_t edits = 1 + sm_rng_below(&r, 3);
            for (uint32_t e = 0; e < edits; e++)
                n = mutate_bytes(&r, (uint8_t *)buf, n, cap, true);
            sm_fuzz_golden((const uint8_t *)buf, n);
        }
        free(buf);
        cJSON_Delete(base);
        free(orig);
    }
    fz_count_into(NULL);
    fz_report("golden", &st, 20, 500);
}

/* ------------------------------------------- regressions found by fuzzing */

Test(fuzz, regression_nul_in_golden_case)
{
    /* cJSON reads a NUL as the end of the text: a golden case with a NUL
     * after the object used to load as if the bytes were not there. */
    sm_error_t err;
    char path[256];
    tmp_path(path, sizeof path, "nul.json");
    char gpath[512];
    snprintf(gpath, sizeof gpath, "%s/%s", T_GOLDEN_DIR, s_golden[0]);
    size_t len;
    char *text = t_read(gpath, &len);
    char *more = malloc(len + 16);
    memcpy(more, text, len);
    memcpy(more + len, "\0junk", 5);
    t_write(path, more, len + 5);
    sm_golden_t *g = sm_golden_load(path, &err);
    cr_expect_null(g, "a golden case with a NUL byte was read up to it");
    cr_expect(strstr(err.msg, path) && strstr(err.msg, "NUL byte"), "%s", err.msg);
    sm_golden_destroy(&g);
    free(more);
    free(text);
}

#endif
