/* Fuzz target: SANA-FE architecture files (tools/io/sanafe_arch.h), parsed
 * from memory (sm_yaml_parse, then what sm_sanafe_arch_load does with the
 * document): line, token and byte mutants of tests/data/sanafe/mesh4.yaml and
 * a small chip. A refusal must name the file; an accepted architecture must
 * hold what sanafe_arch.h promises. */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "sanafe_check.h"
#include "sanafe_scalar.h"
#include "sm_yaml.h"

/* sm_sanafe_arch_load on a document in memory. */
static sm_sanafe_arch_t *s_arch(const sm_yaml_t *doc, sm_error_t *err)
{
    uint32_t root = sm_yaml_root(doc);
    if (sm_yaml_kind(doc, root) != SM_YAML_MAP) {
        sm_yaml_fail(doc, root, err, SM_EPARSE, "must be a map with an architecture: section");
        return NULL;
    }
    if (sm_sf_keys(doc, root, "the top level",
                   (const char *const[]){"architecture", "network", "mappings", NULL}, err))
        return NULL;
    uint32_t arch = sm_yaml_get(doc, root, "architecture");
    if (!arch) {
        sm_yaml_fail(doc, root, err, SM_EPARSE, "architecture: required, missing");
        return NULL;
    }
    return sm_sanafe_arch_read(doc, arch, err);
}

int sm_fuzz_sanafe_arch(const uint8_t *data, size_t size)
{
    static const char *name = "fuzzed.arch.yaml";
    fz_stats_t *st = fz_stats();
    /* An exact copy, so that ASan sees a read one past the end. */
    char *buf = malloc(size ? size : 1);
    t_require(buf, "out of memory for %zu bytes", size);
    if (size)
        memcpy(buf, data, size);
    sm_error_t err;
    sm_error_clear(&err);
    sm_yaml_t *doc = sm_yaml_parse(name, buf, size, NULL, &err);
    sm_sanafe_arch_t *a = doc ? s_arch(doc, &err) : NULL;
    if (!a) {
        fz_refused(st, "sanafe_arch", &err, name, buf, size);
    } else {
        st->accepted++;
        const char *why = sf_arch_invariants(a);
        if (why)
            fz_bad(st, "sanafe_arch", buf, size, "accepted, but %s", why);
    }
    sm_sanafe_arch_destroy(&a);
    sm_yaml_destroy(&doc);
    free(buf);
    return 0;
}

#ifndef SM_LIBFUZZER

TestSuite(fuzz, .timeout = 600);

Test(fuzz, sanafe_arch_files)
{
    fz_stats_t st = {0};
    fz_count_into(&st);
    size_t len;
    char *mesh = t_read(T_DATA_DIR "/sanafe/mesh4.yaml", &len);
    const struct {
        const char *text;
        size_t len;
        uint32_t n;
    } seeds[] = {
        {sf_tiny_arch, strlen(sf_tiny_arch), 2500},
        {mesh, len, 600},
    };
    for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k++) {
        fz_keep_seed("sanafe_arch", seeds[k].text, seeds[k].len);
        unsigned before = st.accepted;
        sm_fuzz_sanafe_arch((const uint8_t *)seeds[k].text, seeds[k].len);
        cr_expect_eq(st.accepted, before + 1, "seed %zu refused", k);
        fz_text_mutants(sm_fuzz_sanafe_arch, seeds[k].text, seeds[k].len, fz_seed(0xa5c + k),
                        fz_n(seeds[k].n));
    }
    free(mesh);
    fz_count_into(NULL);
    fz_report("sanafe_arch", &st, 50, 1500);
}

#endif
