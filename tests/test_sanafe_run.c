/* Running SANA-FE networks (tools/sanafe): SHA-256, MT19937 and the heap
 * tie order against their references; SANA-FE's model rules on small chips
 * and networks written here (input units shared by their neurons, rate,
 * refractory steps, truncation toward zero, updates, one message per core,
 * hop counts and energy); refusals; and the reference runs of
 * tests/data/sanafe/cases, each driven by its expected.json. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "sanafe_bind.h"
#include "sfrun.h"
#include "sfrun_check.h"
#include "sfrun_heap.h"
#include "sfrun_job.h"
#include "sm_mt19937.h"
#include "sm_sha256.h"

#define DATA SM_SOURCE_DIR "/tests/data/sanafe/"

static char s_dir[64];

static void s_mkdir(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/sm_sfrun_XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir));
}

static void s_rmdir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    cr_assert_eq(system(cmd), 0);
}

static const char *s_write(const char *name, const char *text)
{
    static char path[4][160];
    static int k;
    char *p = path[k++ & 3];
    snprintf(p, 160, "%s/%s", s_dir, name);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    return p;
}

/* text with the first `from` replaced by `to` (caller frees). */
static char *s_edit(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    cr_assert_not_null(at, "'%s' not in the base text", from);
    char *r = malloc(strlen(text) - strlen(from) + strlen(to) + 1);
    memcpy(r, text, (size_t)(at - text));
    strcpy(r + (at - text), to);
    strcat(r, at + strlen(from));
    return r;
}

/* ---- the building blocks against their references ---- */

static void s_sha(const void *data, size_t n, const char *want)
{
    sm_sha256_t s;
    unsigned char d[32];
    char hex[65];
    sm_sha256_init(&s);
    /* in uneven pieces, across block boundaries */
    const unsigned char *p = data;
    for (size_t at = 0, step = 1; at < n; at += step, step = step * 3 % 97 + 1)
        sm_sha256_add(&s, p + at, at + step > n ? n - at : step);
    sm_sha256_end(&s, d);
    sm_sha256_hex(d, hex);
    cr_assert_str_eq(hex, want);
}

Test(sanafe_run, sha256_fips_vectors)
{
    s_sha("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    s_sha("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    s_sha(two, strlen(two), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    char *a = malloc(1000000);
    memset(a, 'a', 1000000);
    s_sha(a, 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
}

Test(sanafe_run, mt19937_as_std)
{
    sm_mt19937_t g;
    sm_mt19937_seed(&g, 5489);
    uint32_t x = 0;
    for (int i = 0; i < 10000; i++)
        x = sm_mt19937_next(&g);
    cr_assert_eq(x, 4123659995u, "the C++ standard's check value of mt19937");
    /* std::uniform_real_distribution<double>(0, 1) on std::mt19937(1), GCC 12's libstdc++ */
    sm_mt19937_seed(&g, 1);
    cr_assert_eq(sm_mt19937_canonical(&g), 0.99718480823026556);
    cr_assert_eq(sm_mt19937_canonical(&g), 0.93255736136816547);
    cr_assert_eq(sm_mt19937_canonical(&g), 0.128124447772306);
    sm_mt19937_seed(&g, 7);
    double u = 0;
    for (int i = 0; i <= 100000; i++)
        u = sm_mt19937_canonical(&g);
    cr_assert_eq(u, 0.81769898813202535);
}

/* 20,000 pushes and pops of keys 0..3 (ties everywhere); the order of the
 * pops, hashed, is that of std::priority_queue<uint32_t, std::vector,
 * greater-by-key> of GCC 12's libstdc++. */
Test(sanafe_run, heap_ties_as_std_priority_queue)
{
    static double key[20000];
    static sfr_heap_ent_t heap[20000];
    uint32_t n = 0, s = 12345, next = 0;
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < 20000; i++) {
        s = s * 1103515245u + 12345u;
        if ((s >> 16) % 3 < 2 || n == 0) {
            s = s * 1103515245u + 12345u;
            key[next] = (double)((s >> 16) % 4);
            sfr_heap_push(heap, &n, key[next], next);
            next++;
        } else {
            h = (h ^ sfr_heap_pop(heap, &n)) * 1099511628211ull;
        }
    }
    while (n)
        h = (h ^ sfr_heap_pop(heap, &n)) * 1099511628211ull;
    cr_assert_eq(next, 13348);
    cr_assert_eq(h, 1007760538494625125ull);
}

/* ---- SANA-FE's rules on a small chip ---- */

/* Two tiles side by side (tile 1 is east of tile 0), two cores each. */
static const char *s_arch =
    "architecture:\n"
    "  name: tiny\n"
    "  attributes: {width: 2, height: 1, link_buffer_size: 1, latency_sync: 1.0e-7}\n"
    "  tile:\n"
    "    - name: t[0..1]\n"
    "      attributes: {energy_north_hop: 1.0e-12, latency_north_hop: 1.0e-9, energy_east_hop: 2.0e-12,\n"
    "                   latency_east_hop: 2.0e-9, energy_south_hop: 3.0e-12, latency_south_hop: 3.0e-9,\n"
    "                   energy_west_hop: 4.0e-12, latency_west_hop: 4.0e-9}\n"
    "      core:\n"
    "        - name: c[0..1]\n"
    "          attributes: {buffer_position: soma, max_neurons_supported: 64}\n"
    "          axon_in: [{name: ai, attributes: {energy_message_in: 1.0e-12, latency_message_in: 1.0e-9}}]\n"
    "          synapse: [{name: s, attributes: {model: current_based, energy_process_spike: 1.0e-12,\n"
    "                                           latency_process_spike: 1.0e-9}}]\n"
    "          dendrite: [{name: d, attributes: {model: accumulator, energy_update: 0.5e-12,\n"
    "                                            latency_update: 0.5e-9}}]\n"
    "          soma:\n"
    "            - name: lif\n"
    "              attributes: {model: leaky_integrate_fire, energy_access_neuron: 1.0e-12,\n"
    "                           latency_access_neuron: 1.0e-9, energy_update_neuron: 2.0e-12,\n"
    "                           latency_update_neuron: 2.0e-9, energy_spike_out: 4.0e-12,\n"
    "                           latency_spike_out: 4.0e-9}\n"
    "            - name: inp\n"
    "              attributes: {model: input, energy_access_neuron: 0.0, latency_access_neuron: 0.0,\n"
    "                           energy_update_neuron: 0.0, latency_update_neuron: 0.0,\n"
    "                           energy_spike_out: 0.0, latency_spike_out: 0.0}\n"
    "          axon_out: [{name: ao, attributes: {energy_message_out: 8.0e-12, latency_message_out: 8.0e-9}}]\n";

typedef struct {
    sm_sanafe_arch_t *arch;
    sm_sanafe_snn_t *snn;
    sm_sfrun_result_t res;
    char spikes[4096];
} s_run_t;

/* Runs net on the tiny chip (or on arch) for steps; spikes holds
 * SANA-FE's spikes.csv lines after the header, ';'-separated. */
static int s_run(s_run_t *r, const char *arch, const char *net, uint32_t steps, sm_sfrun_timing_t tm,
                 sm_error_t *err)
{
    memset(r, 0, sizeof *r);
    s_mkdir();
    const char *ap = s_write("arch.yaml", arch ? arch : s_arch);
    const char *np = s_write("net.yaml", net);
    int rc = -1;
    sm_sanafe_bound_t *b = NULL;
    sm_sanafe_syn_t syn = {0};
    sm_sfrun_t *run = NULL;
    FILE *f = NULL;
    if (!(r->arch = sm_sanafe_arch_load(ap, err)) || !(r->snn = sm_sanafe_snn_load(np, err)) ||
        !(b = sm_sanafe_bind(r->arch, r->snn, err)) || sm_sanafe_synapses(r->snn, &syn, err) ||
        !(run = sm_sfrun_new(r->arch, r->snn, b, &syn, err)))
        goto out;
    f = tmpfile();
    cr_assert_not_null(f);
    if (sm_sfrun_run(run, steps, tm, f, &r->res, err))
        goto out;
    rewind(f);
    char line[256];
    cr_assert_not_null(fgets(line, sizeof line, f));
    cr_assert_str_eq(line, "neuron,timestep\n");
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = ';';
        strncat(r->spikes, line, sizeof r->spikes - strlen(r->spikes) - 1);
    }
    rc = 0;
out:
    if (f)
        fclose(f);
    sm_sfrun_destroy(&run);
    sm_sanafe_synapses_fini(&syn);
    sm_sanafe_bound_destroy(&b);
    s_rmdir();
    return rc;
}

static void s_done(s_run_t *r)
{
    sm_sfrun_result_fini(&r->res);
    sm_sanafe_snn_destroy(&r->snn);
    sm_sanafe_arch_destroy(&r->arch);
}

/* One spike train and one iterator per input unit: neurons sharing a unit
 * take the train of the last one mapped and advance it in turn
 * (models.cpp:834-905). rate fires when step % (long)(1 / rate) == 0. */
Test(sanafe_run, input_units_share_one_train)
{
    const char *net = "network:\n"
                      "  name: share\n"
                      "  groups:\n"
                      "    - name: in\n"
                      "      attributes: {soma_hw_name: inp, log_spikes: true}\n"
                      "      neurons:\n"
                      "        - 0: {spikes: [1, 0, 1, 0]}\n"
                      "        - 1: {spikes: [0, 1, 1, 1]}\n"
                      "        - 2: {rate: 0.3}\n"
                      "  edges: []\n"
                      "mappings:\n"
                      "  - in.1: {core: 0.0}\n"
                      "  - in.0: {core: 0.0}\n"
                      "  - in.2: {core: 0.1}\n";
    s_run_t r;
    sm_error_t err;
    cr_assert_eq(s_run(&r, NULL, net, 10, SM_SFRUN_SIMPLE, &err), 0, "%s", err.msg);
    /* in.0, mapped last, set the train [1,0,1,0]; in.1 updates first */
    cr_assert_str_eq(r.spikes, "in.1,1;in.1,2;in.2,3;in.2,6;in.2,9;");
    cr_assert_eq(r.res.fired[0] + r.res.fired[1], 2);
    cr_assert_eq(r.res.updated[0], 1, "an input neuron counts as updated when it fires");
    cr_assert_eq(r.res.logged_total, 5);
    s_done(&r);
}

/* The LIF rules: refractory skips refractory_delay - 1 steps (0 and 1 alike);
 * truncation to 1/64 toward zero, after the leak and before bias and input;
 * fire when v > threshold strictly; updated when |v| > 0, input, bias or
 * force_update. */
Test(sanafe_run, lif_rules)
{
    const char *net = "network:\n"
                      "  name: lif\n"
                      "  groups:\n"
                      "    - name: r\n"
                      "      attributes: {soma_hw_name: lif, threshold: 1.5, bias: 1, log_spikes: true}\n"
                      "      neurons:\n"
                      "        - 0: {refractory_delay: 0}\n"
                      "        - 1: {refractory_delay: 1}\n"
                      "        - 2: {refractory_delay: 3}\n"
                      "    - name: t\n"
                      "      attributes: {soma_hw_name: lif, log_spikes: true}\n"
                      "      neurons:\n"
                      "        - 0: {potential: 0.1, threshold: 0.09375}\n"
                      "        - 1: {potential: -0.1, bias: 0.19, threshold: 0.09374, reset: -10}\n"
                      "        - 2: {threshold: 1.0}\n"
                      "        - 3: {threshold: 1.0, force_update: true}\n"
                      "  edges: []\n"
                      "mappings:\n"
                      "  - r: {core: 0.0}\n"
                      "  - t: {core: 0.1}\n";
    s_run_t r;
    sm_error_t err;
    cr_assert_eq(s_run(&r, NULL, net, 10, SM_SFRUN_DETAILED, &err), 0, "%s", err.msg);
    /* r.0, r.1 fire every other step; r.2 rests two steps after each spike;
     * t.0: trunc(0.1) = 6/64, not above 6/64; t.1: trunc(-0.1) = -6/64
     * (toward zero), + 0.19 > 0.09374 (floor would give -7/64 + 0.19 below
     * it), then reset far below */
    cr_assert_str_eq(r.spikes, "t.1,1;r.0,2;r.1,2;r.2,2;r.0,4;r.1,4;r.0,6;r.1,6;r.2,6;r.0,8;r.1,8;"
                               "r.0,10;r.1,10;r.2,10;");
    /* updated per step: r.* always (bias), t.0 while |v| > 0, t.1 (bias), t.3 (forced) */
    cr_assert_eq(r.res.updated[0], 3 + 1 + 1 + 1);
    for (int i = 1; i < 10; i++)
        cr_assert_eq(r.res.updated[i], 3 + 1 + 1 + 1, "step %d", i + 1);
    s_done(&r);
}

/* One message per (firing neuron, destination core), the own core
 * included; hops |dx| + |dy| counted at the destination tile, east as
 * dst.x > src.x; the energy in SANA-FE's sum order. */
Test(sanafe_run, messages_hops_energy)
{
    const char *net = "network:\n"
                      "  name: msg\n"
                      "  groups:\n"
                      "    - name: in\n"
                      "      attributes: {soma_hw_name: inp}\n"
                      "      neurons:\n"
                      "        - 0: {spikes: [1]}\n"
                      "    - name: o\n"
                      "      attributes: {soma_hw_name: lif, threshold: 10}\n"
                      "      neurons: [0..2]\n"
                      "  edges:\n"
                      "    - in -> o: {type: dense, weight: [1, 2, 3]}\n"
                      "mappings:\n"
                      "  - in: {core: 0.0}\n"
                      "  - o.0: {core: 0.0}\n"
                      "  - o.1..2: {core: 1.1}\n";
    s_run_t r;
    sm_error_t err;
    cr_assert_eq(s_run(&r, NULL, net, 2, SM_SFRUN_SIMPLE, &err), 0, "%s", err.msg);
    cr_assert_eq(r.res.fired[0], 1);
    cr_assert_eq(r.res.packets[0], 2, "one message to core 0.0, one to core 1.1");
    cr_assert_eq(r.res.hops[0], 1);
    cr_assert_eq(r.res.synaptic_events[0], 3);
    cr_assert_eq(r.res.updated[1], 3, "the input neuron idle; the three targets got input");
    /* step 1, in SANA-FE's order: tile 0 (no hops): core 0.0 with one message
     * in (1 pJ), units s (1 synapse, 1 pJ), d (0.5 pJ), lif (o.0: access
     * 1 pJ), inp (0), two messages out (8 pJ each); tile 1: one east hop
     * (2 pJ), core 1.1 with one message in, 2 synapses, 2 dendrite updates,
     * two idle LIF accesses */
    double pipe0 = 0.0;
    pipe0 += 1.0e-12;
    pipe0 += 0.5e-12;
    pipe0 += 1.0e-12;
    pipe0 += 0.0;
    double core0 = 1.0e-12;
    core0 += pipe0;
    core0 += 8.0e-12 + 8.0e-12;
    double pipe1 = 0.0;
    pipe1 += 1.0e-12 + 1.0e-12;
    pipe1 += 0.5e-12 + 0.5e-12;
    pipe1 += 1.0e-12 + 1.0e-12;
    double core1 = 1.0e-12;
    core1 += pipe1;
    double tile0 = 0.0 + core0, tile1 = 2.0e-12;
    tile1 += core1;
    double tot = 0.0;
    tot += tile0;
    tot += tile1;
    double e_soma = (0.0 + 1.0e-12) + 0.0 + (1.0e-12 + 1.0e-12);
    double e_net = 0.0;
    e_net += 1.0e-12;
    e_net += 8.0e-12 + 8.0e-12;
    e_net += 2.0e-12;
    e_net += 1.0e-12;
    cr_assert_eq(r.res.e_total[0], tot, "total %.17g, expected %.17g", r.res.e_total[0], tot);
    cr_assert_eq(r.res.e_synapse[0], 1.0e-12 + (1.0e-12 + 1.0e-12));
    cr_assert_eq(r.res.e_dendrite[0], 0.5e-12 + (0.5e-12 + 0.5e-12));
    cr_assert_eq(r.res.e_soma[0], e_soma);
    cr_assert_eq(r.res.e_network[0], e_net);
    /* simple: core 0.0 generates (0 + 8 ns) and (0 + 8 ns) after the input's
     * 0 ns and then o.0's 1 ns is a placeholder; core 1.1 processes
     * 1 + 2 x (1 + 0.5) ns */
    double gen0 = 8.0e-9;
    gen0 += 8.0e-9;
    gen0 += 1.0e-9;
    cr_assert_eq(r.res.sim_time[0], gen0 + 1.0e-7);
    s_done(&r);
}

Test(sanafe_run, refusals)
{
    s_run_t r;
    sm_error_t err;
    const char *net = "network:\n"
                      "  name: bad\n"
                      "  groups:\n"
                      "    - name: a\n"
                      "      attributes: {soma_hw_name: inp}\n"
                      "      neurons:\n"
                      "        - 0: {spikes: [1]}\n"
                      "        - 1: {}\n"
                      "  edges:\n"
                      "    - a.0 -> a.1: {weight: 2}\n"
                      "mappings:\n"
                      "  - a: {core: 0.0}\n";
    cr_assert_eq(s_run(&r, NULL, net, 3, SM_SFRUN_DETAILED, &err), -1);
    cr_assert(strstr(err.msg, "input neuron a.1 received a current of 2"), "%s", err.msg);
    cr_assert(strstr(err.msg, "step 2"), "%s", err.msg);
    s_done(&r);
    /* a zero current into an input neuron is accepted, as in SANA-FE */
    char *zero = s_edit(net, "weight: 2", "weight: 0");
    cr_assert_eq(s_run(&r, NULL, zero, 3, SM_SFRUN_DETAILED, &err), 0, "%s", err.msg);
    s_done(&r);
    free(zero);
    const char *ok = "network:\n"
                     "  name: ok\n"
                     "  groups:\n"
                     "    - name: a\n"
                     "      attributes: {soma_hw_name: lif}\n"
                     "      neurons: [0]\n"
                     "  edges: []\n"
                     "mappings:\n"
                     "  - a: {core: 0.0}\n";
    char *arch = s_edit(s_arch, "buffer_position: soma", "buffer_position: axon_out");
    cr_assert_eq(s_run(&r, arch, ok, 3, SM_SFRUN_DETAILED, &err), -1);
    cr_assert(strstr(err.msg, "buffer_position: axon_out (core type c) is not supported"), "%s", err.msg);
    cr_assert(strstr(err.msg, "arch.yaml:10:"), "%s", err.msg);
    s_done(&r);
    free(arch);
    arch = s_edit(s_arch, "buffer_position: soma", "buffer_position: soma, buffer_inside_unit: true");
    cr_assert_eq(s_run(&r, arch, ok, 3, SM_SFRUN_DETAILED, &err), -1);
    cr_assert(strstr(err.msg, "buffer_inside_unit: true with buffer_position: soma"), "%s", err.msg);
    s_done(&r);
    free(arch);
    /* both dendrite positions run */
    arch = s_edit(s_arch, "buffer_position: soma", "buffer_position: dendrite, buffer_inside_unit: true");
    cr_assert_eq(s_run(&r, arch, ok, 3, SM_SFRUN_DETAILED, &err), 0, "%s", err.msg);
    cr_assert_eq(r.res.updated[2], 1, "inside the dendrite the soma gets 0 every step: updated");
    s_done(&r);
    free(arch);
}

Test(sanafe_run, noise_file_missing)
{
    char *arch = s_edit(s_arch, "{model: leaky_integrate_fire,", "{model: leaky_integrate_fire, noise: none.txt,");
    const char *net = "network:\n"
                      "  name: n\n"
                      "  groups:\n"
                      "    - name: a\n"
                      "      neurons: [0]\n"
                      "  edges: []\n"
                      "mappings:\n"
                      "  - a: {core: 0.0}\n";
    s_run_t r;
    sm_error_t err;
    cr_assert_eq(s_run(&r, arch, net, 2, SM_SFRUN_SIMPLE, &err), -1);
    cr_assert(strstr(err.msg, "noise: cannot open 'none.txt' (unit lif)"), "%s", err.msg);
    s_done(&r);
    free(arch);
}

/* accumulator_with_delay as SANA-FE 2.2.1 runs it (models.cpp:99-126): an
 * input joins the charge due `delay` updates after the next, and the soma
 * only sees the charge due at a step when a message reaches the dendrite at
 * that very step; charge that falls due in a step without one is lost. b.0
 * never fires (threshold 100); it counts as updated from the step after its
 * first input on, which shows when the charge arrived. */
static void s_delay_case(const char *a0, const char *a1, const uint64_t want[7])
{
    char *arch = s_edit(s_arch, "latency_update: 0.5e-9}}]",
                        "latency_update: 0.5e-9}},\n"
                        "                     {name: dd, attributes: {model: accumulator_with_delay,\n"
                        "                      energy_update: 0.5e-12, latency_update: 0.5e-9}}]");
    char net[1024];
    snprintf(net, sizeof net,
             "network:\n"
             "  name: delay\n"
             "  groups:\n"
             "    - name: a\n"
             "      attributes: {soma_hw_name: inp}\n"
             "      neurons:\n"
             "        - 0: {spikes: [1, 0, 0, 0, 0, 0, 0]}\n"
             "        - 1: {spikes: [%s]}\n"
             "    - name: b\n"
             "      attributes: {dendrite_hw_name: dd, threshold: 100}\n"
             "      neurons: [0]\n"
             "  edges:\n"
             "    - a.0 -> b.0: {weight: 4%s}\n"
             "    - a.1 -> b.0: {weight: 1}\n"
             "mappings:\n"
             "  - a.0: {core: 0.0}\n"
             "  - a.1: {core: 0.1}\n"
             "  - b: {core: 1.0}\n",
             a1, a0);
    s_run_t r;
    sm_error_t err;
    cr_assert_eq(s_run(&r, arch, net, 7, SM_SFRUN_SIMPLE, &err), 0, "%s", err.msg);
    for (int i = 0; i < 7; i++)
        cr_assert_eq(r.res.updated[i], want[i], "%s / %s: step %d: updated %llu, want %llu", a0, a1,
                     i + 1, (unsigned long long)r.res.updated[i], (unsigned long long)want[i]);
    cr_assert_eq(r.res.e_dendrite[0], 0.5e-12, "a delay dendrite pays per synaptic event");
    s_done(&r);
    free(arch);
}

Test(sanafe_run, accumulator_with_delay)
{
    /* delay 2 from step 1: due at step 4, delivered by a.1's message then,
     * seen by the soma at step 5 (a plain accumulator: step 2) */
    s_delay_case(", delay: 2", "0, 0, 1, 1, 0, 0, 0", (const uint64_t[]){1, 0, 1, 1, 1, 1, 1});
    /* due at step 4, but the next message comes at step 5: lost */
    s_delay_case(", delay: 2", "0, 0, 0, 0, 1, 0, 0", (const uint64_t[]){1, 0, 0, 0, 1, 0, 0});
    /* delay 0 from step 1: due at step 2, delivered by a.1's message */
    s_delay_case("", "0, 1, 0, 0, 0, 0, 0", (const uint64_t[]){1, 1, 1, 1, 1, 1, 1});
    /* delay 0, no message at step 2: lost, although a.1 sends at step 3 */
    s_delay_case(", delay: 0", "0, 0, 1, 0, 0, 0, 0", (const uint64_t[]){1, 0, 1, 0, 0, 0, 0});
}

/* ---- the reference runs, each driven by its expected.json ---- */

static void s_case_on(const char *name, const char *arch, const char *net)
{
    char path[512];
    snprintf(path, sizeof path, DATA "cases/%s/expected.json", name);
    sm_error_t err;
    cJSON *exp = sm_json_read(path, 1 << 24, &err);
    cr_assert_not_null(exp, "%s", err.msg);
    const cJSON *steps = cJSON_GetObjectItemCaseSensitive(exp, "steps");
    const cJSON *tm = cJSON_GetObjectItemCaseSensitive(exp, "timing_model");
    cr_assert(cJSON_IsNumber(steps) && cJSON_IsString(tm));
    char np[512], ap[512];
    snprintf(np, sizeof np, DATA "%s", net);
    snprintf(ap, sizeof ap, DATA "%s", arch);
    sm_sfrun_job_t job = {np, ap, (uint32_t)steps->valuedouble,
                          strcmp(tm->valuestring, "simple") ? SM_SFRUN_DETAILED : SM_SFRUN_SIMPLE,
                          NULL, name, "test"};
    sm_sfrun_result_t res;
    sm_sfrun_stats_t st;
    cJSON *doc = NULL;
    cr_assert_eq(sm_sfrun_job(&job, NULL, &res, &doc, &st, &err), 0, "%s", err.msg);
    char *text = cJSON_PrintUnformatted(doc);
    cJSON *got = cJSON_Parse(text);
    free(text);
    cr_assert_not_null(got);
    sm_sfrun_tol_t tol;
    sm_sfrun_tol_default(&tol);
    tol.latency_exact = 1;
    char *report = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&report, &len);
    int failed = sm_sfrun_check(exp, got, &tol, f, &err);
    fclose(f);
    cr_assert_eq(failed, 0, "%s:\n%s%s", name, report, failed < 0 ? err.msg : "");
    free(report);
    cJSON_Delete(doc);
    cJSON_Delete(got);
    cJSON_Delete(exp);
    sm_sfrun_result_fini(&res);
}

static void s_case(const char *name, const char *net) { s_case_on(name, "mesh4.yaml", net); }

Test(sanafe_run, case_convnet_mesh4_200) { s_case("convnet_mesh4_200", "convnet.mesh4.yaml"); }
Test(sanafe_run, case_convnet_mesh4_200_simple) { s_case("convnet_mesh4_200_simple", "convnet.mesh4.yaml"); }
Test(sanafe_run, case_dynamics_mesh4_250) { s_case("dynamics_mesh4_250", "dynamics.mesh4.yaml"); }
Test(sanafe_run, case_dynamics_mesh4_250_simple) { s_case("dynamics_mesh4_250_simple", "dynamics.mesh4.yaml"); }
Test(sanafe_run, case_rrnet_mesh4_300) { s_case("rrnet_mesh4_300", "rrnet.mesh4.yaml"); }
Test(sanafe_run, case_rrnet_mesh4_300_simple) { s_case("rrnet_mesh4_300_simple", "rrnet.mesh4.yaml"); }
/* accumulator_with_delay (lines, lookup by synapse-unit address, losses) and
 * poisson inputs: runs of a local SANA-FE build on our own files */
Test(sanafe_run, case_delays_dl4_70) { s_case_on("delays_dl4_70", "dl4.yaml", "delays.dl4.yaml"); }
Test(sanafe_run, case_delays_dl4_70_simple) { s_case_on("delays_dl4_70_simple", "dl4.yaml", "delays.dl4.yaml"); }
Test(sanafe_run, case_poisson_mesh4_100) { s_case("poisson_mesh4_100", "poisson.mesh4.yaml"); }
Test(sanafe_run, case_poisson_mesh4_100_simple) { s_case("poisson_mesh4_100_simple", "poisson.mesh4.yaml"); }
/* the time-step buffer before the dendrite (a message's last synapse wins;
 * the dendrite runs, and pays, once per neuron and step) and inside it (an
 * accumulator's inputs are reset before the soma sees them; a delay line
 * keeps them), with delay lines, and two positions on one chip */
Test(sanafe_run, case_delays_dl4dend_70) { s_case_on("delays_dl4dend_70", "dl4.dend.yaml", "delays.dl4.yaml"); }
Test(sanafe_run, case_delays_dl4axons_70) { s_case_on("delays_dl4axons_70", "dl4.axons.yaml", "delays.dl4.yaml"); }
Test(sanafe_run, case_delays_dl4dendin_70) { s_case_on("delays_dl4dendin_70", "dl4.dendin.yaml", "delays.dl4.yaml"); }
Test(sanafe_run, case_dynamics_mesh4mixed_150) { s_case_on("dynamics_mesh4mixed_150", "mesh4.mixed.yaml", "dynamics.mesh4.yaml"); }
Test(sanafe_run, case_dynamics_mesh4mixed_150_simple)
{
    s_case_on("dynamics_mesh4mixed_150_simple", "mesh4.mixed.yaml", "dynamics.mesh4.yaml");
}
/* a noise stream on LIF units: lines that do not parse, wrapping round, 3 bits */
Test(sanafe_run, case_noise_mesh4_120) { s_case_on("noise_mesh4_120", "mesh4.noise.yaml", "dynamics.mesh4.yaml"); }
Test(sanafe_run, case_noise_mesh4_120_simple)
{
    s_case_on("noise_mesh4_120_simple", "mesh4.noise.yaml", "dynamics.mesh4.yaml");
}
/* mapping forms and attribute passes; ffdense moved onto mesh4 */
Test(sanafe_run, case_mapforms_mesh4_150) { s_case("mapforms_mesh4_150", "mapforms.mesh4.yaml"); }
Test(sanafe_run, case_mapforms_mesh4_150_simple) { s_case("mapforms_mesh4_150_simple", "mapforms.mesh4.yaml"); }
Test(sanafe_run, case_ffdense_mesh4_400) { s_case("ffdense_mesh4_400", "ffdense.mesh4.yaml"); }
Test(sanafe_run, case_ffdense_mesh4_400_simple) { s_case("ffdense_mesh4_400_simple", "ffdense.mesh4.yaml"); }

/* The checker itself: a perturbed reference is caught, within tolerance
 * passes. */
Test(sanafe_run, check_catches_differences)
{
    sm_error_t err;
    cJSON *exp = sm_json_read(DATA "cases/dynamics_mesh4_250/expected.json", 1 << 24, &err);
    cr_assert_not_null(exp, "%s", err.msg);
    cJSON *got = cJSON_Duplicate(exp, 1);
    sm_sfrun_tol_t tol;
    sm_sfrun_tol_default(&tol);
    cr_assert_eq(sm_sfrun_check(exp, got, &tol, NULL, &err), 0);
    cJSON *ps = cJSON_GetObjectItemCaseSensitive(got, "per_step");
    cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(ps, "energy_soma"), 7);
    cJSON_SetNumberValue(e, e->valuedouble * (1 + 1e-13));
    cr_assert_eq(sm_sfrun_check(exp, got, &tol, NULL, &err), 0, "1e-13 is within 1e-12");
    cJSON_SetNumberValue(e, e->valuedouble * (1 + 1e-9));
    cr_assert_eq(sm_sfrun_check(exp, got, &tol, NULL, &err), 1);
    cJSON_Delete(got);
    got = cJSON_Duplicate(exp, 1);
    ps = cJSON_GetObjectItemCaseSensitive(got, "per_step");
    cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(ps, "sim_time"), 3);
    cJSON_SetNumberValue(t, t->valuedouble * 1.005);
    cr_assert_eq(sm_sfrun_check(exp, got, &tol, NULL, &err), 0, "0.5%% on one detailed step is within 1%%");
    tol.latency_exact = 1;
    cr_assert_eq(sm_sfrun_check(exp, got, &tol, NULL, &err), 1);
    tol.latency_exact = 0;
    cJSON *h = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(ps, "hops"), 11);
    cJSON_SetNumberValue(h, h->valuedouble + 1);
    cr_assert_eq(sm_sfrun_check(exp, got, &tol, NULL, &err), 1, "a counter off by one on one step");
    cJSON *sp = cJSON_GetObjectItemCaseSensitive(got, "spikes");
    cJSON_ReplaceItemInObject(sp, "digest_sha256", cJSON_CreateString("00"));
    cr_assert_eq(sm_sfrun_check(exp, got, &tol, NULL, &err), 2);
    cJSON_DeleteItemFromObject(ps, "packets");
    cr_assert_eq(sm_sfrun_check(exp, got, &tol, NULL, &err), -1);
    cr_assert(strstr(err.msg, "per_step.packets"), "%s", err.msg);
    cJSON_Delete(got);
    cJSON_Delete(exp);
}
