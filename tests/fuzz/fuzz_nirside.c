/* Fuzz target: NIR conventions files (tools/io/nir_side.h): structural and
 * byte mutants of the .side.json files of tests/data/nir through
 * sm_nir_side_from_string and, for the same text as a file,
 * sm_nir_side_load, which must agree. An
 * accepted file must be one JSON value with no key given twice, and hold
 * only values and keys its flavor allows; it is then checked against a graph. */
#include "fuzz.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nir_int.h"
#include "nir_side.h"

/* The keys of a node entry per flavor, as SM_NIR_SIDE_* bits. */
static uint32_t s_allowed(sm_nir_flavor_t f)
{
    switch (f) {
    case SM_NIR_FLAVOR_SNNTORCH: return SM_NIR_SIDE_RESET | SM_NIR_SIDE_DELAY;
    case SM_NIR_FLAVOR_NORSE: return SM_NIR_SIDE_RESET;
    default: return SM_NIR_SIDE_SPIKE_FN | SM_NIR_SIDE_RESET | SM_NIR_SIDE_MIN_V | SM_NIR_SIDE_NORM;
    }
}

static const char *side_invariants(const sm_nir_side_t *s, const cJSON *doc)
{
    if (s->flavor >= SM_NIR_NFLAVORS)
        return "an unknown flavor";
    if (!isfinite(s->dt) || !(s->dt > 0))
        return "a dt that is not a finite number > 0";
    if (!s->dt_given && s->dt != sm_nir_side_default_dt(s->flavor))
        return "a dt not given but not the flavor's default";
    const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(doc, "nodes");
    if ((uint32_t)cJSON_GetArraySize(nodes) != s->n_nodes)
        return "not one entry per key of \"nodes\"";
    for (uint32_t i = 0; i < s->n_nodes; i++) {
        const sm_nir_side_node_t *n = &s->nodes[i];
        if (!n->node)
            return "a node entry without a name";
        for (uint32_t j = 0; j < i; j++)
            if (!strcmp(s->nodes[j].node, n->node))
                return "two entries for one node";
        if (n->given & ~s_allowed(s->flavor))
            return "a convention of another flavor";
        if (n->conv.reset > SM_NIR_RESET_NONE || n->conv.spike_fn > SM_NIR_SPIKE_SINGLE)
            return "a convention out of its set";
        if (s->flavor == SM_NIR_FLAVOR_NORSE && n->conv.reset == SM_NIR_RESET_NONE)
            return "norse without a reset";
        if (n->conv.has_min_v && !isfinite(n->conv.min_v))
            return "a min_v_mem that is not finite";
        sm_nir_conv_t c = sm_nir_side_conv(s, n->node);
        if (memcmp(&c, &n->conv, sizeof c))
            return "sm_nir_side_conv does not give a node its entry";
    }
    return NULL;
}

/* A graph to check accepted conventions against, read once and in process
 * (a sound file: no reader process, whose 10 s limit a loaded machine can
 * reach under libFuzzer). */
static sm_nir_graph_t *s_graph(void)
{
    static sm_nir_graph_t *g;
    if (!g) {
        sm_error_t err;
        g = sm_nir_file_read(T_DATA_DIR "/nir/snn_ff2_leaky_subtract.nir", &err);
        t_require(g, "%s", err.msg);
        for (uint32_t i = 0; i < g->n_nodes; i++)
            t_require(sm_nir_node_check(&g->nodes[i], &err) == 0, "%s", err.msg);
        t_require(sm_nir_flatten(g, &err) == 0 && sm_nir_analyse(g, &err) == 0, "%s", err.msg);
    }
    return g;
}

static void side_try(fz_stats_t *st, const char *text, size_t len, const uint8_t *raw,
                     size_t raw_len)
{
    static const char *name = "fuzzed.side.json";
    sm_error_t err;
    sm_error_clear(&err);
    sm_nir_side_t *s = sm_nir_side_from_string(text, name, &err);
    /* The same bytes as a file: the loader must take them the same way (and
     * refuse a NUL byte, which from_string cannot see). */
    char file[256];
    tmp_path(file, sizeof file, "side.json");
    t_write(file, raw, raw_len);
    sm_error_t ferr;
    sm_error_clear(&ferr);
    sm_nir_side_t *fs = sm_nir_side_load(file, &ferr);
    if (fs && (!s || len != raw_len))
        fz_bad(st, "nirside", raw, raw_len, "the file was accepted, the same text was not");
    else if (!fs && s && len == raw_len)
        fz_bad(st, "nirside", raw, raw_len, "the text was accepted, the same file was not: %s",
               ferr.msg);
    else if (!fs && !strstr(ferr.msg, file))
        fz_bad(st, "nirside", raw, raw_len, "the file's refusal does not name it: %s", ferr.msg);
    sm_nir_side_destroy(&fs);
    if (!s) {
        fz_refused(st, "nirside", &err, name, raw, raw_len);
        return;
    }
    st->accepted++;
    check_strict(st, "nirside", text, len);
    char *copy = malloc(len + 1);
    t_require(copy, "out of memory");
    memcpy(copy, text, len);
    cJSON *doc = strict_parse(copy, len);
    const char *why = NULL;
    if (doc && json_dup_key(doc))
        why = "a key given twice";
    else if (doc)
        why = side_invariants(s, doc);
    if (why) {
        fz_bad(st, "nirside", raw, raw_len, "accepted, but %s", why);
    } else {
        const sm_nir_graph_t *g = s_graph();
        sm_error_clear(&err);
        if (sm_nir_side_check(s, g, &err) < 0 && !err.msg[0])
            fz_bad(st, "nirside", raw, raw_len, "refused against a graph without a message");
    }
    cJSON_Delete(doc);
    free(copy);
    sm_nir_side_destroy(&s);
}

/* The input is the text as sm_nir_side_from_string gets it: up to the first
 * NUL; the file gets every byte. */
int sm_fuzz_nirside(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t len = nul ? (size_t)(nul - data) : size;
    char *text = malloc(len + 1);
    t_require(text, "out of memory for %zu bytes", len);
    if (len)
        memcpy(text, data, len);
    text[len] = '\0';
    side_try(fz_stats(), text, len, data, size);
    free(text);
    return 0;
}

#ifndef SM_LIBFUZZER

TestSuite(fuzz, .init = tmp_setup, .fini = tmp_teardown, .timeout = 300);

static int s_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

Test(fuzz, nir_conventions)
{
    DIR *d = opendir(T_DATA_DIR "/nir");
    cr_assert(d);
    char *names[64];
    size_t nn = 0;
    struct dirent *de;
    while ((de = readdir(d)) && nn < 64) {
        size_t l = strlen(de->d_name);
        if (l > 10 && !strcmp(de->d_name + l - 10, ".side.json"))
            names[nn++] = strdup(de->d_name);
    }
    closedir(d);
    cr_assert_geq(nn, 8);
    qsort(names, nn, sizeof *names, s_cmp_str);
    fz_stats_t st = {0};
    fz_count_into(&st);
    for (size_t k = 0; k < nn; k++) {
        char path[512];
        snprintf(path, sizeof path, "%s/nir/%s", T_DATA_DIR, names[k]);
        size_t len;
        char *orig = t_read(path, &len);
        fz_keep_seed("nirside", orig, len);
        cJSON *base = cJSON_Parse(orig);
        cr_assert(base, "%s", path);
        for (uint32_t i = 0; i < fz_n(300); i++) {
            sm_rng_t r = sm_rng_stream(fz_seed(0x51de + k), 1, i);
            cJSON *doc = cJSON_Duplicate(base, 1);
            uint32_t edits = 1 + sm_rng_below(&r, 3);
            for (uint32_t e = 0; e < edits; e++)
                mutate_tree(&r, doc);
            char *text = cJSON_PrintUnformatted(doc);
            if (text)
                sm_fuzz_nirside((const uint8_t *)text, strlen(text));
            cJSON_free(text);
            cJSON_Delete(doc);
        }
        size_t cap = len + 256;
        char *buf = malloc(cap + 1);
        for (uint32_t i = 0; i < fz_n(200); i++) {
            sm_rng_t r = sm_rng_stream(fz_seed(0x51de + k), 2, i);
            memcpy(buf, orig, len);
            size_t n = len;
            uint32_t edits = 1 + sm_rng_below(&r, 3);
            for (uint32_t e = 0; e < edits; e++)
                n = mutate_bytes(&r, (uint8_t *)buf, n, cap, true);
            sm_fuzz_nirside((const uint8_t *)buf, n);
        }
        free(buf);
        cJSON_Delete(base);
        free(orig);
        free(names[k]);
    }
    fz_count_into(NULL);
    fz_report("nirside", &st, 200, 1000);
}

#endif
