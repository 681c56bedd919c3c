/* Chip descriptions: built-in profiles, a user file, and refused files. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "chip.h"
#include "helpers.h"

Test(chip, builtins_have_their_published_figures)
{
    sm_error_t err;
    sm_error_clear(&err);
    sm_chip_t *c = sm_chip_load("loihi", &err);
    cr_assert_not_null(c, "%s", err.msg);
    cr_expect_eq(sm_chip_cores(c), 128);
    cr_expect_eq(c->limits.neurons, 1024);
    cr_expect_eq(c->limits.axons, 4096);
    cr_expect_eq(c->limits.fanout, 4096);
    cr_expect_float_eq(c->energy.syn_op, 23.6, 1e-12);
    cr_expect_float_eq(c->timing.syn_op, 3.5, 1e-12);
    cr_expect_float_eq(c->energy.update_active, 81.0, 1e-12);
    cr_expect_float_eq(c->energy.update_inactive, 52.0, 1e-12);
    cr_expect_float_eq(c->energy.spike, 1.7, 1e-12);
    cr_expect_float_eq(c->energy.hop_ew, 3.0, 1e-12);
    cr_expect_float_eq(c->energy.hop_ns, 4.0, 1e-12);
    cr_expect(c->timing.barrier >= 113.0 && c->timing.barrier <= 465.0);
    sm_chip_destroy(&c);
    cr_expect_null(c);

    c = sm_chip_load("truenorth", &err);
    cr_assert_not_null(c, "%s", err.msg);
    cr_expect_eq(c->width, 64);
    cr_expect_eq(c->height, 64);
    cr_expect_eq(c->limits.neurons, 256);
    cr_expect_eq(c->limits.axons, 256);
    cr_expect_float_eq(c->energy.syn_op, 26.0, 1e-12);
    cr_expect_float_eq(c->energy.hop_ew, 2.3, 1e-12);
    cr_expect_float_eq(c->timing.tick, 1e6, 1e-6);
    sm_chip_destroy(&c);

    c = sm_chip_load("spinnaker", &err);
    cr_assert_not_null(c, "%s", err.msg);
    cr_expect_eq(c->chip_w * c->chip_h, 18);
    cr_expect_eq(c->limits.neurons, 256);
    cr_expect_float_eq(c->energy.packet_send, 800.0, 1e-12);
    cr_expect_float_eq(c->energy.static_chip_w, 0.36, 1e-12);
    cr_expect_float_eq(c->energy.static_chip_w + 18 * c->energy.static_core_w, 1.0, 1e-12);
    sm_chip_destroy(&c);
    sm_chip_destroy(&c); /* NULL: no-op */
}

Test(chip, user_file_with_a_board_of_chips)
{
    sm_error_t err;
    sm_error_clear(&err);
    sm_chip_t *c = sm_chip_load(T_CHIPS_DIR "/mini_board.json", &err);
    cr_assert_not_null(c, "%s", err.msg);
    cr_expect_str_eq(c->name, "mini_board");
    cr_expect_eq(c->width, 8);
    cr_expect_eq(c->height, 8);
    cr_expect_eq(c->chips_x, 2);
    cr_expect_float_eq(c->energy.hop_chip, 40.0, 1e-12);
    /* (0,0) -> (7,7): 3+3 hops inside chips, one crossing on each axis */
    uint32_t ew, ns, ch;
    sm_chip_route(c, 0, 63, &ew, &ns, &ch);
    cr_expect_eq(ew, 6);
    cr_expect_eq(ns, 6);
    cr_expect_eq(ch, 2);
    /* sent and received (1 pJ each), then carried */
    cr_expect_float_eq(sm_chip_packet_pj(c, 0, 63), 2 * 1.0 + 6 * 3.0 + 6 * 4.0 + 2 * 40.0,
                       1e-9);
    sm_chip_route(c, 9, 10, &ew, &ns, &ch);
    cr_expect(ew == 1 && ns == 0 && ch == 0);
    sm_chip_destroy(&c);

    /* the same board given as "board" + "chip", starting from a base */
    c = sm_chip_from_string("{\"base\": \"loihi\", \"board\": {\"width\": 32, \"height\": 16},"
                            " \"chip\": {\"width\": 16, \"height\": 8}}",
                            "b.json", &err);
    cr_assert_not_null(c, "%s", err.msg);
    cr_expect_eq(c->chips_x * c->chips_y, 4);
    cr_expect_eq(sm_chip_cores(c), 512);
    cr_expect_eq(c->limits.neurons, 1024);
    cr_expect_str_eq(c->name, "loihi");
    sm_chip_destroy(&c);
}

static void s_refused(const char *text, const char *const *want)
{
    sm_error_t err;
    sm_error_clear(&err);
    sm_chip_t *c = sm_chip_from_string(text, "bad.json", &err);
    cr_assert_null(c, "accepted: %s", text);
    cr_expect_neq(err.code, SM_OK);
    for (; *want; want++)
        cr_expect(strstr(err.msg, *want) != NULL, "message '%s' lacks '%s'", err.msg, *want);
}

Test(chip, bad_files_are_refused_with_file_path_and_value)
{
    s_refused("{\"mesh\": {\"width\": 4, \"height\": 4}, \"limits\": {\"neurons\": 8},"
              " \"energy_pj\": {\"synaptc_op\": 3}}",
              (const char *const[]){"bad.json: energy_pj: unknown key \"synaptc_op\"",
                                    "did you mean \"synaptic_op\"", NULL});
    s_refused("{\"mesh\": {\"width\": 4, \"height\": 4}, \"limits\": {\"neurons\": 8},"
              " \"energy_pj\": {\"synaptic_op\": -3}}",
              (const char *const[]){"bad.json", "energy_pj.synaptic_op", "-3", NULL});
    s_refused("{\"mesh\": {\"width\": 0, \"height\": 4}, \"limits\": {\"neurons\": 8}}",
              (const char *const[]){"bad.json", "mesh.width", "0", NULL});
    s_refused("{\"mesh\": {\"width\": 4, \"height\": 4}, \"limits\": {\"neurons\": 2.5}}",
              (const char *const[]){"limits.neurons", "2.5", NULL});
    s_refused("{\"mesh\": {\"width\": 4, \"height\": 4}}",
              (const char *const[]){"bad.json: limits.neurons: missing", NULL});
    s_refused("{\"limits\": {\"neurons\": 8}}", (const char *const[]){"bad.json: mesh: missing", NULL});
    s_refused("{\"board\": {\"width\": 10, \"height\": 4}, \"chip\": {\"width\": 4, \"height\": 4},"
              " \"limits\": {\"neurons\": 8}}",
              (const char *const[]){"board", "10 x 4", NULL});
    s_refused("{\"mesh\": {\"width\": 4, \"height\": 4}, \"limits\": {\"neurons\": 8},"
              " \"timing_ns\": {\"tick\": \"1ms\"}}",
              (const char *const[]){"timing_ns.tick", "\"1ms\"", NULL});
    s_refused("{\"mesh\": {\"width\": 4, \"height\": 4},\n \"limits\": {\"neurons\": 8,}}",
              (const char *const[]){"bad.json:2", "JSON", NULL});
    s_refused("{\"base\": \"loihi2\"}", (const char *const[]){"base", "loihi2", NULL});

    sm_error_t err;
    sm_error_clear(&err);
    cr_expect_null(sm_chip_load("loihi3", &err));
    cr_expect(strstr(err.msg, "loihi3") && strstr(err.msg, "built-in"), "%s", err.msg);
    sm_error_clear(&err);
    cr_expect_null(sm_chip_load("/nonexistent/chip.json", &err));
    cr_expect(strstr(err.msg, "/nonexistent/chip.json") != NULL, "%s", err.msg);
}

/* issue 14, item 10: a key given twice in a chip file must not be ignored
 * (the JSON kit refuses it, at any depth). */
Test(chip, duplicate_keys_are_refused)
{
    s_refused("{\"mesh\": {\"width\": 4, \"height\": 4}, \"limits\": {\"neurons\": 8},"
              " \"mesh\": {\"width\": 2, \"height\": 2}}",
              (const char *const[]){"bad.json: (top level): key \"mesh\" given twice", NULL});
    s_refused("{\"mesh\": {\"width\": 4, \"height\": 4}, \"limits\": {\"neurons\": 8, \"neurons\": 16}}",
              (const char *const[]){"bad.json: limits: key \"neurons\" given twice", NULL});
}

Test(chip, base_may_name_another_chip_file)
{
    char dir[256], top[512], p[512];
    t_mkdtemp(dir, sizeof dir, "base");
    char sub[512];
    t_join(sub, sizeof sub, dir, "sub");
    cr_assert_eq(mkdir(sub, 0700), 0);
    t_write_in(top, sizeof top, dir, "top.json",
               "{\"name\": \"top\", \"base\": \"sub/mid.json\", \"limits\": {\"neurons\": 100}}");
    t_write_in(p, sizeof p, sub, "mid.json",
               "{\"base\": \"low.json\", \"static_power_w\": {\"chip\": 0.5}}");
    t_write_in(p, sizeof p, sub, "low.json", "{\"base\": \"loihi\", \"energy_pj\": {\"spike\": 9}}");
    sm_error_t err;
    sm_error_clear(&err);
    sm_chip_t *c = sm_chip_load(top, &err);
    cr_assert_not_null(c, "%s", err.msg);
    cr_expect_str_eq(c->name, "top");
    cr_expect_eq(c->limits.neurons, 100);          /* top's own            */
    cr_expect_float_eq(c->energy.static_chip_w, 0.5, 1e-12); /* mid's      */
    cr_expect_float_eq(c->energy.spike, 9.0, 1e-12);         /* low's      */
    cr_expect_eq(c->width, 16);                    /* loihi's, at the bottom */
    cr_expect_float_eq(c->energy.syn_op, 23.6, 1e-12);
    sm_chip_destroy(&c);

    /* a cycle, named with the whole chain */
    t_write_in(p, sizeof p, sub, "low.json", "{\"base\": \"../top.json\"}");
    cr_expect_null(sm_chip_load(top, &err));
    cr_expect(strstr(err.msg, "cycle") && strstr(err.msg, "top.json -> ") &&
              strstr(err.msg, "mid.json -> ") && strstr(err.msg, "low.json -> "),
              "%s", err.msg);
    /* a file naming itself */
    t_write_in(p, sizeof p, sub, "low.json", "{\"base\": \"low.json\"}");
    cr_expect_null(sm_chip_load(top, &err));
    cr_expect(strstr(err.msg, "cycle") != NULL, "%s", err.msg);
    /* a missing base names the file that names it */
    t_write_in(p, sizeof p, sub, "low.json", "{\"base\": \"gone.json\"}");
    cr_expect_null(sm_chip_load(top, &err));
    cr_expect(strstr(err.msg, "low.json: base: ") && strstr(err.msg, "gone.json"), "%s", err.msg);

    /* nine bases below the top: one too deep */
    for (int i = 0; i < 10; i++) {
        char name[32], text[64];
        snprintf(name, sizeof name, "d%d.json", i);
        snprintf(text, sizeof text, "{\"base\": \"d%d.json\"}", i + 1);
        t_write_in(p, sizeof p, dir, name, text);
    }
    t_write_in(p, sizeof p, dir, "d10.json", "{\"base\": \"truenorth\"}");
    t_join(p, sizeof p, dir, "d2.json"); /* eight below: fine */
    c = sm_chip_load(p, &err);
    cr_assert_not_null(c, "%s", err.msg);
    cr_expect_eq(c->width, 64);
    sm_chip_destroy(&c);
    t_join(p, sizeof p, dir, "d1.json");
    cr_expect_null(sm_chip_load(p, &err));
    cr_expect(strstr(err.msg, "more than 8 chip files deep") && strstr(err.msg, "d9.json -> ") &&
              strstr(err.msg, "d10.json"), "%s", err.msg);
    cr_expect_eq(t_rmtree(dir), 0);
}
