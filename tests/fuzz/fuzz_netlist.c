/* Fuzz target: SANA-FE netlists (the older g / n / e / & format,
 * tools/io/sanafe_netlist.c) through sm_sanafe_snn_load on a file named
 * *.net (it reads by path only): line, token and byte mutants of a small
 * netlist. A refusal must name the file; an accepted network is checked as
 * the YAML reader's are. */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "sanafe_check.h"

int sm_fuzz_netlist(const uint8_t *data, size_t size)
{
    fz_stats_t *st = fz_stats();
    char file[256];
    tmp_path(file, sizeof file, "fuzzed.net");
    t_write(file, data, size);
    sm_error_t err;
    sm_error_clear(&err);
    sm_sanafe_snn_t *s = sm_sanafe_snn_load(file, &err);
    if (!s) {
        fz_refused(st, "netlist", &err, file, data, size);
    } else {
        st->accepted++;
        if (!s->netlist)
            fz_bad(st, "netlist", data, size, "a .net file read as YAML");
        sf_snn_check(st, "netlist", s, sf_mesh4(), data, size);
    }
    sm_sanafe_snn_destroy(&s);
    return 0;
}

#ifndef SM_LIBFUZZER

TestSuite(fuzz, .init = tmp_setup, .fini = tmp_teardown, .timeout = 600);

Test(fuzz, sanafe_netlists)
{
    fz_stats_t st = {0};
    fz_count_into(&st);
    size_t len = strlen(sf_tiny_netlist);
    fz_keep_seed("netlist", sf_tiny_netlist, len);
    sm_fuzz_netlist((const uint8_t *)sf_tiny_netlist, len);
    cr_expect_eq(st.accepted, 1, "the netlist seed was refused");
    fz_text_mutants(sm_fuzz_netlist, sf_tiny_netlist, len, fz_seed(0x7e7), fz_n(4000));
    fz_count_into(NULL);
    fz_report("netlist", &st, 100, 2000);
}

#endif
