/* Fuzz target: network files (tools/io/netfile). Structural mutants of the
 * examples and tests/data/full.json go through sm_net_from_json; byte
 * mutants through the strict parse, and those that do not parse through
 * sm_net_load, which must name the file and the position. */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "netfile.h"

/* Loads one parsed mutant; the outcome goes into st. */
static void net_try_doc(fz_stats_t *st, const cJSON *doc, const char *dir, const char *text,
                        size_t len)
{
    static const char *name = "fuzzed-net.json";
    if (too_big(doc)) {
        st->skipped++;
        return;
    }
    sm_error_t err;
    sm_error_clear(&err);
    sm_net_t *net = sm_net_from_json(doc, name, dir, &err);
    if (!net) {
        fz_refused(st, "net", &err, name, text, len);
        return;
    }
    st->accepted++;
    const char *why = net_invariants(net, true);
    if (why)
        fz_bad(st, "net", text, len, "accepted, but %s", why);
    sm_net_destroy(&net);
}

/* What sm_fuzz_net reads beside its input: the folder the file's relative
 * paths resolve against (each source's own in the Criterion test). */
static const char *s_dir = T_DATA_DIR;

/* One byte mutant: parsed ones go through sm_net_from_json, the others
 * through sm_net_load, which must report the file and the position. */
static void net_try_bytes(fz_stats_t *st, const char *dir, char *buf, size_t n)
{
    char file[256];
    tmp_path(file, sizeof file, "mutant.json");
    buf[n] = '\0';
    cJSON *doc = strict_parse(buf, n);
    if (doc) {
        net_try_doc(st, doc, dir, buf, n);
        cJSON_Delete(doc);
        return;
    }
    cJSON_Delete(doc);
    t_write(file, buf, n);
    sm_error_t err;
    sm_error_clear(&err);
    sm_net_t *net = sm_net_load(file, &err);
    if (!net) {
        fz_refused(st, "net", &err, file, buf, n);
        return;
    }
    /* A file cJSON refuses may still load only if the loader reads the
     * same document, e.g. up to a NUL: that would be a silent misread. */
    st->accepted++;
    fz_bad(st, "net", buf, n, "a file that is not valid JSON was accepted");
    sm_net_destroy(&net);
}

int sm_fuzz_net(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    t_require(buf, "out of memory for %zu bytes", size);
    if (size)
        memcpy(buf, data, size);
    net_try_bytes(fz_stats(), s_dir, buf, size);
    free(buf);
    return 0;
}

#ifndef SM_LIBFUZZER

typedef struct {
    const char *path, *dir;
} fz_src_t;

static const fz_src_t s_nets[] = {
    {T_EXAMPLES_DIR "/synfire.json", T_EXAMPLES_DIR},
    {T_EXAMPLES_DIR "/feedforward.json", T_EXAMPLES_DIR},
    {T_EXAMPLES_DIR "/cuba.json", T_EXAMPLES_DIR},
    {T_DATA_DIR "/full.json", T_DATA_DIR},
    {T_DATA_DIR "/structured.json", T_DATA_DIR},
};

static void fuzz_net_file(const fz_src_t *src, uint64_t seed, uint32_t n_tree, uint32_t n_bytes,
                          fz_stats_t *st)
{
    size_t len;
    char *orig = t_read(src->path, &len);
    fz_keep_seed("net", orig, len);
    cJSON *base = cJSON_Parse(orig);
    cr_assert(base, "%s does not parse", src->path);
    {
        sm_error_t err;
        sm_net_t *net = sm_net_from_json(base, src->path, src->dir, &err);
        cr_assert(net, "%s", err.msg);
        const char *why = net_invariants(net, true);
        cr_assert(!why, "%s: %s", src->path, why);
        sm_net_destroy(&net);
    }
    /* Structural mutants: 1 to 3 edits of the parsed tree. */
    for (uint32_t i = 0; i < fz_n(n_tree); i++) {
        sm_rng_t r = sm_rng_stream(fz_seed(seed), 1, i);
        cJSON *doc = cJSON_Duplicate(base, 1);
        uint32_t edits = 1 + sm_rng_below(&r, 3);
        for (uint32_t e = 0; e < edits; e++)
            mutate_tree(&r, doc);
        char *text = cJSON_PrintUnformatted(doc);
        net_try_doc(st, doc, src->dir, text, text ? strlen(text) : 0);
        cJSON_free(text);
        cJSON_Delete(doc);
    }
    /* Byte mutants: sm_fuzz_net on each. */
    size_t cap = len + 256;
    char *buf = malloc(cap + 1);
    s_dir = src->dir;
    fz_count_into(st);
    for (uint32_t i = 0; i < fz_n(n_bytes); i++) {
        sm_rng_t r = sm_rng_stream(fz_seed(seed), 2, i);
        memcpy(buf, orig, len);
        size_t n = len;
        uint32_t edits = 1 + sm_rng_below(&r, 3);
        for (uint32_t e = 0; e < edits; e++)
            n = mutate_bytes(&r, (uint8_t *)buf, n, cap, true);
        sm_fuzz_net((const uint8_t *)buf, n);
    }
    fz_count_into(NULL);
    s_dir = T_DATA_DIR;
    free(buf);
    cJSON_Delete(base);
    free(orig);
}

TestSuite(fuzz, .init = tmp_setup, .fini = tmp_teardown, .timeout = 300);

Test(fuzz, network_files)
{
    fz_stats_t st = {0};
    for (size_t k = 0; k < sizeof s_nets / sizeof s_nets[0]; k++)
        fuzz_net_file(&s_nets[k], 0x5eed0000u + k, 700, 500, &st);
    /* Both paths are exercised: most mutants are refused, some survive. */
    fz_report("net", &st, 100, 3000);
}

/* ------------------------------------------- regressions found by fuzzing */

/* A network text, loaded from memory; returns the error message ("" if it
 * loaded). */
static const char *net_text_error(const char *text, sm_error_t *err)
{
    sm_net_t *net = t_net_json_try(text, "reg.json", T_DATA_DIR, err);
    if (net) {
        sm_net_destroy(&net);
        return "";
    }
    return err->msg;
}

#define REG_NET(pops, projs, extra)                                                     \
    "{\"simulation\": {\"ticks\": 10}, \"populations\": [" pops "], \"projections\": [" \
    projs "]" extra "}"
#define REG_POPS                                                                        \
    "{\"name\": \"a\", \"size\": 2, \"source\": {\"kind\": \"poisson\", \"rate_hz\": 10}}," \
    "{\"name\": \"b\", \"size\": 2, \"model\": \"lif\", \"params\": {\"beta\": 0.9}}"

Test(fuzz, regression_float_range)
{
    /* Weights, initial values and currents are float32: a value beyond its
     * range used to load as +inf. */
    static const char *const bad[] = {
        REG_NET(REG_POPS, "{\"source\": \"a\", \"target\": \"b\", \"connectivity\": {\"kind\": "
                          "\"all_to_all\"}, \"weight\": 1e39}", ""),
        REG_NET(REG_POPS, "{\"source\": \"a\", \"target\": \"b\", \"connectivity\": {\"kind\": "
                          "\"all_to_all\"}, \"weight\": {\"uniform\": [0.02, 1e39]}}", ""),
        REG_NET(REG_POPS, "{\"source\": \"a\", \"target\": \"b\", \"connectivity\": {\"kind\": "
                          "\"all_to_all\"}, \"weight\": {\"normal\": [0, 1e37]}}", ""),
        REG_NET(REG_POPS, "{\"source\": \"a\", \"target\": \"b\", \"connectivity\": {\"kind\": "
                          "\"list\", \"connections\": [[0, 1, -1e300]]}}", ""),
        REG_NET(REG_POPS, "{\"source\": \"a\", \"target\": \"b\", \"connectivity\": {\"kind\": "
                          "\"matrix\", \"weights\": [[1, 0], [0, 1e39]]}}", ""),
        REG_NET(REG_POPS, "", ", \"currents\": [{\"target\": \"b\", \"amplitude\": 1e308}]"),
        REG_NET("{\"name\": \"b\", \"size\": 2, \"model\": \"lif\", \"params\": {\"beta\": 0.9}, "
                "\"initial\": {\"v\": [0, 1e39]}}", "", ""),
        REG_NET("{\"name\": \"b\", \"size\": 2, \"model\": \"lif\", \"params\": {\"beta\": 0.9}, "
                "\"initial\": {\"v\": {\"normal\": [0, 1e300]}}}", "", ""),
    };
    sm_error_t err;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *msg = net_text_error(bad[i], &err);
        cr_expect(strstr(msg, "reg.json: ") && strstr(msg, "float32"), "case %zu: \"%s\"", i, msg);
    }
    /* The largest float is still a weight. */
    cr_expect_str_empty(net_text_error(
        REG_NET(REG_POPS, "{\"source\": \"a\", \"target\": \"b\", \"connectivity\": {\"kind\": "
                          "\"all_to_all\"}, \"weight\": {\"uniform\": [-3.4e38, 3.4e38]}}", ""),
        &err));
    /* A matrix file with an out-of-range weight names the file and line. */
    char csv[256], net[256];
    tmp_path(csv, sizeof csv, "w.csv");
    tmp_path(net, sizeof net, "m.json");
    t_write(csv, "1,0\n0,1e39\n", 11);
    const char *t = REG_NET(REG_POPS, "{\"source\": \"a\", \"target\": \"b\", \"connectivity\": "
                                      "{\"kind\": \"matrix\", \"file\": \"w.csv\"}}", "");
    t_write(net, t, strlen(t));
    sm_net_t *n = sm_net_load(net, &err);
    cr_expect_null(n);
    cr_expect(strstr(err.msg, "w.csv:2: field 2: weight must be a number within float32"), "%s",
              err.msg);
    sm_net_destroy(&n);
}

Test(fuzz, regression_nul_in_network_file)
{
    /* cJSON reads a NUL as blank space: such a file used to load as if the
     * byte were not there. */
    sm_error_t err;
    char path[256];
    tmp_path(path, sizeof path, "nul.json");
    size_t len;
    char *text = t_read(T_EXAMPLES_DIR "/feedforward.json", &len);
    char *nl = strchr(text, '\n');
    cr_assert(nl);
    *nl = '\0'; /* a NUL where the first line ends */
    t_write(path, text, len);
    sm_net_t *net = sm_net_load(path, &err);
    cr_expect_null(net);
    cr_expect(strstr(err.msg, path) && strstr(err.msg, ":1:") && strstr(err.msg, "NUL byte"),
              "%s", err.msg);
    sm_net_destroy(&net);
    free(text);
}

#endif
