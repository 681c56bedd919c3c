/* sm_yaml (tools/io/sm_yaml.c) and SANA-FE's scalar rules (sanafe_scalar.c):
 * the tree and its lines, the refusals (duplicate keys, aliases, tags, several
 * documents, limits), syntax errors with FILE:LINE, truncated and random
 * input never crashing, and the int -> double -> bool -> string typing. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "sanafe_scalar.h"
#include "sm_yaml.h"

static sm_yaml_t *s_parse(const char *text, sm_error_t *err)
{
    sm_error_clear(err);
    return sm_yaml_parse("t.yaml", text, strlen(text), NULL, err);
}

static void s_refused(const char *text, const char *want)
{
    sm_error_t err;
    sm_yaml_t *d = s_parse(text, &err);
    cr_assert_null(d, "accepted: %s", text);
    cr_assert(strstr(err.msg, want), "message '%s' lacks '%s'", err.msg, want);
}

Test(yaml, tree_and_lines)
{
    const char *t = "a: 1\n"
                    "b:\n"
                    "  - x\n"
                    "  - 'y z'\n"
                    "  - {k: v, n: ~}\n"
                    "c: [1, 2.5, true]\n"
                    "e:\n";
    sm_error_t err;
    sm_yaml_t *d = s_parse(t, &err);
    cr_assert_not_null(d, "%s", err.msg);
    uint32_t r = sm_yaml_root(d);
    cr_assert_eq(sm_yaml_kind(d, r), SM_YAML_MAP);
    cr_assert_eq(sm_yaml_size(d, r), 4);
    cr_assert(sm_yaml_is(d, sm_yaml_get(d, r, "a"), "1"));
    uint32_t b = sm_yaml_get(d, r, "b");
    cr_assert_eq(sm_yaml_kind(d, b), SM_YAML_SEQ);
    cr_assert_eq(sm_yaml_size(d, b), 3);
    cr_assert_eq(sm_yaml_line(d, b), 3);
    uint32_t x = sm_yaml_first(d, b), y = sm_yaml_next(d, x), m = sm_yaml_next(d, y);
    cr_assert(sm_yaml_is(d, x, "x") && !sm_yaml_quoted(d, x));
    cr_assert(sm_yaml_is(d, y, "y z") && sm_yaml_quoted(d, y));
    cr_assert_eq(sm_yaml_line(d, y), 4);
    cr_assert_eq(sm_yaml_col(d, y), 5);
    cr_assert_eq(sm_yaml_kind(d, m), SM_YAML_MAP);
    cr_assert(sm_yaml_is_null(d, sm_yaml_get(d, m, "n")));
    cr_assert_eq(sm_yaml_next(d, m), 0);
    cr_assert_eq(sm_yaml_size(d, sm_yaml_get(d, r, "c")), 3);
    cr_assert(sm_yaml_is_null(d, sm_yaml_get(d, r, "e")));
    cr_assert_eq(sm_yaml_get(d, r, "zz"), 0);
    cr_assert_eq(sm_yaml_get(d, b, "x"), 0, "a list has no keys");
    cr_assert_eq(sm_yaml_line(d, sm_yaml_key(d, r, "c")), 6);
    char buf[64];
    cr_assert_str_eq(sm_yaml_show(d, y, buf, sizeof buf), "'y z'");
    cr_assert_str_eq(sm_yaml_show(d, b, buf, sizeof buf), "a list");
    sm_yaml_fail(d, y, &err, SM_EPARSE, "k: bad");
    cr_assert_str_eq(err.msg, "t.yaml:4: k: bad");
    sm_yaml_destroy(&d);
    cr_assert_null(d);
    sm_yaml_destroy(&d);
}

Test(yaml, duplicate_keys)
{
    s_refused("a: 1\nb: 2\na: 3\n", "t.yaml:3: 'a': duplicate key (first at line 1)");
    /* a large map goes through the sorted check */
    char big[4096];
    size_t o = 0;
    for (int i = 0; i < 40; i++)
        o += (size_t)snprintf(big + o, sizeof big - o, "k%d: %d\n", i, i);
    snprintf(big + o, sizeof big - o, "k17: again\n");
    s_refused(big, "t.yaml:41: 'k17': duplicate key (first at line 18)");
    s_refused("{x: 1, y: [1, {z: 1, z: 2}]}", "duplicate key");
    sm_error_t err;
    sm_yaml_t *d = s_parse("a: {x: 1}\nb: {x: 1}\n", &err);
    cr_assert_not_null(d, "the same key in two maps is fine: %s", err.msg);
    sm_yaml_destroy(&d);
}

Test(yaml, refusals)
{
    s_refused("a: &x 1\nb: *x\n", "t.yaml:2:4: alias *x: aliases (and merge keys) are not supported");
    s_refused("base: &b {x: 1}\nd:\n  <<: *b\n", "alias *b");
    s_refused("a: !!str 1\n", "tags are not supported");
    s_refused("a: !custom x\n", "tags are not supported");
    s_refused("a: 1\n---\nb: 2\n", "a second YAML document");
    s_refused("", "empty YAML document");
    s_refused("# only a comment\n", "empty YAML document");
    s_refused("? [a, b]\n: 1\n", "a map key must be a plain value");
    s_refused("{[1]: 2}", "a map key must be a plain value");
    s_refused("a: [1, 2\nb: 3\n", "t.yaml:");
    s_refused("a:\n  b: 1\n c: 2\n", "t.yaml:3:");
    s_refused("a: \"unterminated\n", "YAML syntax error");
    sm_error_t err;
    sm_yaml_t *d = s_parse("a: &anchor 1\nb: 2\n", &err);
    cr_assert_not_null(d, "an anchor alone changes nothing: %s", err.msg);
    cr_assert(sm_yaml_is(d, sm_yaml_get(d, sm_yaml_root(d), "a"), "1"));
    sm_yaml_destroy(&d);
}

Test(yaml, limits)
{
    sm_yaml_limits_t lim = sm_yaml_default_limits();
    sm_error_t err;
    char deep[400];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    deep[200] = '\0';
    lim.max_depth = 64;
    cr_assert_null(sm_yaml_parse("t", deep, strlen(deep), &lim, &err));
    cr_assert(strstr(err.msg, "nested deeper than 64 levels"), "%s", err.msg);
    lim.max_depth = 200;
    sm_yaml_t *d = sm_yaml_parse("t", deep, strlen(deep), &lim, &err);
    cr_assert_not_null(d, "%s", err.msg);
    sm_yaml_destroy(&d);
    lim = sm_yaml_default_limits();
    lim.max_nodes = 10;
    const char *many = "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]";
    cr_assert_null(sm_yaml_parse("t", many, strlen(many), &lim, &err));
    cr_assert(strstr(err.msg, "more than 10 YAML nodes"), "%s", err.msg);
    lim = sm_yaml_default_limits();
    lim.max_bytes = 8;
    cr_assert_null(sm_yaml_parse("t", many, strlen(many), &lim, &err));
    cr_assert(strstr(err.msg, "over the limit"), "%s", err.msg);
    cr_assert_null(sm_yaml_load("/nonexistent/x.yaml", NULL, &err));
    cr_assert(strstr(err.msg, "/nonexistent/x.yaml"), "%s", err.msg);
}

Test(yaml, first_line_offset)
{
    sm_error_t err;
    const char *t = "{a: 1,\n b: [}";
    cr_assert_null(sm_yaml_parse_at("n.net", t, strlen(t), 40, NULL, &err));
    cr_assert(!strncmp(err.msg, "n.net:41:", 9), "%s", err.msg);
    sm_yaml_t *d = sm_yaml_parse_at("n.net", "{a: 1}", 6, 7, NULL, &err);
    cr_assert_not_null(d);
    cr_assert_eq(sm_yaml_line(d, sm_yaml_get(d, sm_yaml_root(d), "a")), 7);
    sm_yaml_destroy(&d);
}

/* Every prefix of a document parses or fails cleanly; so does noise. */
Test(yaml, truncations_and_noise)
{
    const char *t = "architecture:\n  name: x\n  attributes: {width: 2, height: 1}\n"
                    "  tile:\n    - name: t[0..1]\n      core: [{name: c, attributes: {a: 'q''s'}},\n"
                    "             {name: \"d\\u00e9\", list: [1, -2.5e-3, true, ~]}]\n"
                    "  anchors: &a [x]\n";
    size_t n = strlen(t);
    for (size_t len = 0; len <= n; len++) {
        sm_error_t err;
        sm_error_clear(&err);
        sm_yaml_t *d = sm_yaml_parse("cut.yaml", t, len, NULL, &err);
        if (!d)
            cr_assert(err.msg[0], "no message at length %zu", len);
        sm_yaml_destroy(&d);
    }
    sm_rng_t rng = sm_rng_stream(7, 0, 0);
    char buf[256];
    static const char alphabet[] = "ab:- []{},'\"&*!#|>\n\t?%@`~0.\\\xc3\xa9\xff";
    for (int i = 0; i < 3000; i++) {
        size_t len = sm_rng_below(&rng, sizeof buf);
        for (size_t j = 0; j < len; j++)
            buf[j] = alphabet[sm_rng_below(&rng, sizeof alphabet - 1)];
        sm_error_t err;
        sm_yaml_t *d = sm_yaml_parse("noise.yaml", buf, len, NULL, &err);
        if (!d)
            cr_assert(err.msg[0]);
        sm_yaml_destroy(&d);
    }
}

Test(scalar, typing)
{
    sm_sfv_t v;
    cr_assert_eq(sm_sfv_classify("5", 1, &v), SM_SFV_INT);
    cr_assert_eq(v.i, 5);
    cr_assert_eq(sm_sfv_classify("-3", 2, &v), SM_SFV_INT);
    cr_assert_eq(v.i, -3);
    cr_assert_eq(sm_sfv_classify("0x1F", 4, &v), SM_SFV_INT);
    cr_assert_eq(v.i, 31);
    cr_assert_eq(sm_sfv_classify("2147483647", 10, &v), SM_SFV_INT);
    cr_assert_eq(sm_sfv_classify("3000000000", 10, &v), SM_SFV_DOUBLE, "int overflow reads as double");
    cr_assert_eq(v.d, 3e9);
    cr_assert_eq(sm_sfv_classify("1.5", 3, &v), SM_SFV_DOUBLE);
    cr_assert_eq(sm_sfv_classify("1e-12", 5, &v), SM_SFV_DOUBLE);
    cr_assert_eq(v.d, 1e-12);
    cr_assert_eq(sm_sfv_classify("0.99975585937", 13, &v), SM_SFV_DOUBLE);
    cr_assert_eq(v.d, 0.99975585937);
    cr_assert_eq(sm_sfv_classify(".5", 2, &v), SM_SFV_DOUBLE);
    cr_assert_eq(sm_sfv_classify("-inf", 4, &v), SM_SFV_DOUBLE);
    cr_assert_eq(sm_sfv_classify("nan", 3, NULL), SM_SFV_STRING);
    cr_assert_eq(sm_sfv_classify("1e", 2, NULL), SM_SFV_STRING);
    cr_assert_eq(sm_sfv_classify("true", 4, &v), SM_SFV_BOOL);
    cr_assert_eq(v.b, 1);
    cr_assert_eq(sm_sfv_classify("FALSE", 5, &v), SM_SFV_BOOL);
    cr_assert_eq(v.b, 0);
    cr_assert_eq(sm_sfv_classify("yes", 3, NULL), SM_SFV_STRING);
    cr_assert_eq(sm_sfv_classify("tRue", 4, NULL), SM_SFV_STRING);
    cr_assert_eq(sm_sfv_classify("", 0, NULL), SM_SFV_STRING);
    cr_assert_eq(sm_sfv_classify("0.0", 3, NULL), SM_SFV_DOUBLE);
}

Test(scalar, typed_fields)
{
    sm_error_t err;
    sm_yaml_t *d = s_parse("i: 3\nf: 2.0\nb: 1\ns: 'x'\nq: '7'\nl: [1]\n", &err);
    cr_assert_not_null(d);
    uint32_t r = sm_yaml_root(d);
    int32_t i;
    double x;
    int b;
    const char *s;
    cr_assert_eq(sm_sf_req_int(d, r, "i", &i, &err), 0);
    cr_assert_eq(i, 3);
    cr_assert_eq(sm_sf_req_int(d, r, "f", &i, &err), -1, "2.0 is a double to SANA-FE");
    cr_assert_str_eq(err.msg, "t.yaml:2: f: must be an integer, got '2.0'");
    cr_assert_eq(sm_sf_req_double(d, r, "i", &x, &err), 0);
    cr_assert_eq(x, 3.0);
    cr_assert_eq(sm_sf_req_int(d, r, "q", &i, &err), 0, "quotes do not change SANA-FE's typing");
    cr_assert_eq(sm_sf_opt_bool(d, r, "b", &b, &err), 0);
    cr_assert_eq(b, 1);
    cr_assert_eq(sm_sf_opt_bool(d, r, "s", &b, &err), -1);
    cr_assert_eq(sm_sf_req_string(d, r, "s", &s, &err), 0);
    cr_assert_str_eq(s, "x");
    cr_assert_eq(sm_sf_req_string(d, r, "l", &s, &err), -1);
    cr_assert(strstr(err.msg, "l: must be a name, got a list"), "%s", err.msg);
    cr_assert_eq(sm_sf_req_int(d, r, "missing", &i, &err), -1);
    cr_assert_str_eq(err.msg, "t.yaml:1: missing: required, missing");
    cr_assert_eq(sm_sf_keys(d, r, "test", (const char *const[]){"i", "f", "b", "s", "q", NULL}, &err), -1);
    cr_assert(strstr(err.msg, "t.yaml:6: 'l': unknown key in test"), "%s", err.msg);
    sm_yaml_destroy(&d);
}

Test(scalar, ranges)
{
    uint64_t a, z;
    size_t base;
    cr_assert_eq(sm_sf_parse_range("0..15", 5, &a, &z, &base), 1);
    cr_assert(a == 0 && z == 15 && base == 5);
    cr_assert_eq(sm_sf_parse_range("core[2..7]", 10, &a, &z, &base), 1);
    cr_assert(a == 2 && z == 7 && base == 4);
    cr_assert_eq(sm_sf_parse_range("core", 4, &a, &z, &base), 0);
    cr_assert_eq(sm_sf_parse_range("x[3..1]", 7, &a, &z, &base), -1, "first > last");
    cr_assert_eq(sm_sf_parse_range("x[a..1]", 7, &a, &z, &base), -1);
    cr_assert_eq(sm_sf_parse_range("x[1..2", 6, &a, &z, &base), -1);
    cr_assert_eq(sm_sf_parse_range("1..-2", 5, &a, &z, &base), -1);
    cr_assert_eq(sm_sf_parse_index("0042", 4, &a), 0);
    cr_assert_eq(a, 42);
    cr_assert_eq(sm_sf_parse_index("+4", 2, &a), -1);
    cr_assert_eq(sm_sf_parse_index("", 0, &a), -1);
}
