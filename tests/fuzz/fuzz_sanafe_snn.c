/* Fuzz target: SANA-FE network files in YAML (tools/io/sanafe_snn.h),
 * parsed from memory (sm_yaml_parse, sm_sanafe_snn_read): line, token and
 * byte mutants of the networks of tests/data/sanafe and of a small network,
 * with and without an architecture: of its own. A refusal must name the
 * file; an accepted network must hold what sanafe_snn.h promises, expand to
 * its synapses and be placed (on its own chip, else on mesh4.yaml) or
 * refused with a message. */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "sanafe_check.h"
#include "sm_yaml.h"

int sm_fuzz_sanafe_snn(const uint8_t *data, size_t size)
{
    static const char *name = "fuzzed.snn.yaml";
    fz_stats_t *st = fz_stats();
    char *buf = malloc(size ? size : 1);
    t_require(buf, "out of memory for %zu bytes", size);
    if (size)
        memcpy(buf, data, size);
    sm_error_t err;
    sm_error_clear(&err);
    sm_yaml_t *doc = sm_yaml_parse(name, buf, size, NULL, &err);
    sm_sanafe_snn_t *s = doc ? sm_sanafe_snn_read(doc, &err) : NULL;
    sm_yaml_destroy(&doc);
    if (!s) {
        fz_refused(st, "sanafe_snn", &err, name, buf, size);
    } else {
        st->accepted++;
        sf_snn_check(st, "sanafe_snn", s, sf_mesh4(), buf, size);
    }
    sm_sanafe_snn_destroy(&s);
    free(buf);
    return 0;
}

#ifndef SM_LIBFUZZER

TestSuite(fuzz, .timeout = 900);

Test(fuzz, sanafe_snn_files)
{
    fz_stats_t st = {0};
    fz_count_into(&st);
    /* The small network alone, and with the small chip as its own. */
    size_t nl = strlen(sf_tiny_net), al = strlen(sf_tiny_arch);
    char *both = malloc(nl + al + 1);
    memcpy(both, sf_tiny_net, nl);
    memcpy(both + nl, sf_tiny_arch, al + 1);
    struct {
        const char *file;
        char *text;
        size_t len;
        uint32_t n;
    } seeds[] = {
        {NULL, (char *)sf_tiny_net, nl, 2000},
        {NULL, both, nl + al, 1500},
        {"convnet.mesh4.yaml", NULL, 0, 150},
        {"dynamics.mesh4.yaml", NULL, 0, 150},
        {"ffdense.loihi.yaml", NULL, 0, 100},
    };
    for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k++) {
        if (seeds[k].file) {
            char path[512];
            snprintf(path, sizeof path, "%s/sanafe/%s", T_DATA_DIR, seeds[k].file);
            seeds[k].text = t_read(path, &seeds[k].len);
        }
        fz_keep_seed("sanafe_snn", seeds[k].text, seeds[k].len);
        unsigned before = st.accepted;
        sm_fuzz_sanafe_snn((const uint8_t *)seeds[k].text, seeds[k].len);
        cr_expect_eq(st.accepted, before + 1, "seed %zu refused", k);
        fz_text_mutants(sm_fuzz_sanafe_snn, seeds[k].text, seeds[k].len, fz_seed(0x5e1 + k),
                        fz_n(seeds[k].n));
        if (seeds[k].file)
            free(seeds[k].text);
    }
    free(both);
    fz_count_into(NULL);
    fz_report("sanafe_snn", &st, 100, 2000);
}

#endif
