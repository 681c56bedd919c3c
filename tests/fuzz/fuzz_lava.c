/* Fuzz target: Lava's bit-accurate cases (tools/io/golden_lava.h) as
 * `spikemesh conform` reads them: sm_lava_load on a file, the engine network
 * of an accepted case (sm_lava_net), and for small cases a run event-driven
 * and one dense, compared with the case by sm_lava_check. Mutants: structural
 * and byte edits of tests/data/lava. A refusal must name the file; an accepted
 * case must have the shapes its kind promises, its network what a network
 * file promises, and both runs must differ from Lava's values in exactly the
 * same places (the engine's two ways are bit-identical). */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "golden_lava.h"

/* Cases with more steps x neurons than this are loaded and built, not run. */
#define FUZZ_LAVA_MAX_RUN 50000u

static bool s_mat(const sm_imat_t *m, uint32_t rows, uint32_t cols)
{
    return m->v && m->rows == rows && m->cols == cols;
}

static const char *lava_invariants(const sm_lava_case_t *c)
{
    if (!c->file || !c->name || c->steps < 1 || c->n_layers < 1 || !c->layers)
        return "no file, name, steps or layers";
    if (c->kind == SM_LAVA_POPULATION && c->n_layers != 1)
        return "a population case of more than one layer";
    if (c->kind == SM_LAVA_NETWORK && !s_mat(&c->input, c->steps, c->inputs))
        return "network input of the wrong shape";
    uint32_t prev = c->inputs;
    for (uint32_t k = 0; k < c->n_layers; k++) {
        const sm_lava_layer_t *l = &c->layers[k];
        if (l->size < 1 || !l->lif.p || !l->lif.u0 || !l->lif.v0)
            return "a layer without neurons or LIF parameters";
        if (c->kind == SM_LAVA_POPULATION && !s_mat(&c->input, c->steps, l->size))
            return "population input of the wrong shape";
        if (!s_mat(&l->spk, c->steps, l->size) || !s_mat(&l->u, c->steps, l->size) ||
            !s_mat(&l->v, c->steps, l->size))
            return "expected values of the wrong shape";
        if (c->kind == SM_LAVA_NETWORK && (!l->dense.present || !s_mat(&l->dense.w, l->size, prev)))
            return "a Dense of the wrong shape";
        if (l->rec.present && !s_mat(&l->rec.w, l->size, l->size))
            return "a recurrent Dense of the wrong shape";
        prev = l->size;
    }
    return NULL;
}

static void lava_try(fz_stats_t *st, const char *file, const uint8_t *data, size_t size)
{
    sm_error_t err;
    sm_error_clear(&err);
    sm_lava_case_t *c = sm_lava_load(file, &err);
    if (!c) {
        fz_refused(st, "lava", &err, file, data, size);
        return;
    }
    st->accepted++;
    const char *why = lava_invariants(c);
    if (why) {
        fz_bad(st, "lava", data, size, "accepted, but %s", why);
        sm_lava_destroy(&c);
        return;
    }
    uint64_t cells = (uint64_t)c->inputs;
    for (uint32_t k = 0; k < c->n_layers; k++)
        cells += c->layers[k].size;
    if (cells > FUZZ_MAX_POP) {
        st->skipped++;
        sm_lava_destroy(&c);
        return;
    }
    sm_error_clear(&err);
    sm_net_t *net = sm_lava_net(c, &err);
    if (!net) {
        if (!err.msg[0])
            fz_bad(st, "lava", data, size, "network refused without a message");
    } else if ((why = net_invariants(net, true))) {
        fz_bad(st, "lava", data, size, "its network: %s", why);
    } else if (cells * c->steps <= FUZZ_LAVA_MAX_RUN) {
        uint64_t miss[2] = {0, 0}, compared[2] = {0, 0};
        char first[2][256] = {"", ""};
        bool ran[2] = {false, false};
        for (int dense = 0; dense < 2; dense++) {
            sm_run_opts_t o;
            sm_run_opts_default(&o);
            o.ticks = c->steps;
            o.dense = dense;
            sm_error_clear(&err);
            sm_result_t *r = sm_engine_run(net, &o, &err);
            if (!r) {
                if (!err.msg[0])
                    fz_bad(st, "lava", data, size, "run refused without a message");
                continue;
            }
            ran[dense] = true;
            miss[dense] = sm_lava_check(c, net, r, &compared[dense], first[dense], sizeof first[0]);
            sm_result_destroy(&r);
        }
        if (ran[0] != ran[1])
            fz_bad(st, "lava", data, size, "one way of running refused, the other ran");
        else if (ran[0] && (miss[0] != miss[1] || compared[0] != compared[1] ||
                            strcmp(first[0], first[1])))
            fz_bad(st, "lava", data, size,
                   "event-driven and dense runs differ: %llu mismatches (%s) against %llu (%s)",
                   (unsigned long long)miss[0], first[0], (unsigned long long)miss[1], first[1]);
    }
    sm_net_destroy(&net);
    sm_lava_destroy(&c);
}

int sm_fuzz_lava(const uint8_t *data, size_t size)
{
    char file[256];
    tmp_path(file, sizeof file, "case.json");
    t_write(file, data, size);
    lava_try(fz_stats(), file, data, size);
    return 0;
}

#ifndef SM_LIBFUZZER

TestSuite(fuzz, .init = tmp_setup, .fini = tmp_teardown, .timeout = 900);

static const char *const s_cases[] = {
    "lava_lif_nodecay_pulses.json", "lava_lif_saturation.json", "lava_lif_small_decay_bias.json",
    "lava_lif_large_decay_random.json", "lava_net_2layer.json",
};

Test(fuzz, lava_cases)
{
    fz_stats_t st = {0};
    fz_count_into(&st);
    for (size_t k = 0; k < sizeof s_cases / sizeof s_cases[0]; k++) {
        char path[512];
        snprintf(path, sizeof path, "%s/lava/%s", T_DATA_DIR, s_cases[k]);
        size_t len;
        char *orig = t_read(path, &len);
        fz_keep_seed("lava", orig, len);
        unsigned before = st.accepted;
        lava_try(&st, path, (const uint8_t *)orig, len);
        cr_expect_eq(st.accepted, before + 1, "%s was refused", path);
        cJSON *base = cJSON_Parse(orig);
        cr_assert(base, "%s does not parse", path);
        for (uint32_t i = 0; i < fz_n(150); i++) {
            sm_rng_t r = sm_rng_stream(fz_seed(0x1a7a + k), 1, i);
            cJSON *doc = cJSON_Duplicate(base, 1);
            uint32_t edits = 1 + sm_rng_below(&r, 2);
            for (uint32_t e = 0; e < edits; e++)
                mutate_tree(&r, doc);
            char *text = cJSON_PrintUnformatted(doc);
            if (text)
                sm_fuzz_lava((const uint8_t *)text, strlen(text));
            cJSON_free(text);
            cJSON_Delete(doc);
        }
        size_t cap = len + 256;
        char *buf = malloc(cap);
        for (uint32_t i = 0; i < fz_n(60); i++) {
            sm_rng_t r = sm_rng_stream(fz_seed(0x1a7a + k), 2, i);
            memcpy(buf, orig, len);
            size_t n = len;
            uint32_t edits = 1 + sm_rng_below(&r, 3);
            for (uint32_t e = 0; e < edits; e++)
                n = mutate_bytes(&r, (uint8_t *)buf, n, cap, true);
            sm_fuzz_lava((const uint8_t *)buf, n);
        }
        free(buf);
        cJSON_Delete(base);
        free(orig);
    }
    fz_count_into(NULL);
    fz_report("lava", &st, 50, 500);
}

#endif
