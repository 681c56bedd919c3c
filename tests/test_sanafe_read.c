/* Reading SANA-FE's chip and network files (tools/io/sanafe_*.c): the files of
 * tests/data/sanafe against figures counted from them independently (groups,
 * neurons, edges, synapses, mapping, unit prices, a checksum of every synapse)
 * and against SANA-FE's own step-1 neuron updates; a small chip and network
 * made wrong in every way the readers refuse, each refusal naming file, line
 * and key; truncated files never crashing; the netlist format. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rng.h"
#include "sanafe_arch.h"
#include "sanafe_bind.h"
#include "sanafe_snn.h"
#include "sm_yaml.h"

#define DATA SM_SOURCE_DIR "/tests/data/sanafe/"

static char s_dir[64];

static void s_mkdir(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/sm_sanafe_XXXXXX");
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
    static char path[2][128];
    static int k;
    char *p = path[k++ & 1];
    snprintf(p, 128, "%s/%s", s_dir, name);
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
    size_t n = strlen(text) - strlen(from) + strlen(to);
    char *r = malloc(n + 1);
    size_t pre = (size_t)(at - text);
    memcpy(r, text, pre);
    strcpy(r + pre, to);
    strcat(r, at + strlen(from));
    return r;
}

/* ---- the files of the acceptance set ---- */

Test(sanafe_arch, mesh4)
{
    sm_error_t err;
    sm_sanafe_arch_t *a = sm_sanafe_arch_load(DATA "mesh4.yaml", &err);
    cr_assert_not_null(a, "%s", err.msg);
    cr_assert_str_eq(a->name, "mesh4_test_chip");
    cr_assert(a->width == 4 && a->height == 4 && a->link_buffer_size == 2);
    cr_assert(a->n_tiles == 16 && a->n_cores == 32 && a->max_cores_per_tile == 2);
    cr_assert_eq(a->n_ctypes, 2, "one core type per tile entry");
    cr_assert_eq(a->sync_model, SM_SF_SYNC_TABLE);
    cr_assert_eq(a->n_sync, 5);
    cr_assert_eq(sm_sanafe_sync_latency(a, 0), 0.25e-6, "below every key: the first entry");
    cr_assert_eq(sm_sanafe_sync_latency(a, 4), 0.5e-6);
    cr_assert_eq(sm_sanafe_sync_latency(a, 5), 0.8e-6);
    cr_assert_eq(sm_sanafe_sync_latency(a, 99), 1.5e-6);
    /* tile id -> x = id / height, y = id % height */
    cr_assert(a->tiles[6].x == 1 && a->tiles[6].y == 2);
    cr_assert(a->tiles[13].x == 3 && a->tiles[13].y == 1);
    cr_assert_eq(a->tiles[3].energy_north_hop, 5.0e-12);
    cr_assert_eq(a->tiles[3].latency_west_hop, 3.5e-9);
    cr_assert_eq(a->tiles[8].energy_east_hop, 6.0e-12);
    cr_assert_eq(a->tiles[15].latency_south_hop, 4.0e-9);
    cr_assert_eq(a->tiles[9].first_core, 18);
    cr_assert_eq(a->cores[19].tile, 9);
    cr_assert_eq(a->cores[19].offset, 1);
    char name[64];
    cr_assert_str_eq(sm_sanafe_core_name(a, 19, name, sizeof name), "ecore[1]");
    for (uint32_t c = 0; c < a->n_cores; c++) {
        const sm_sanafe_ctype_t *t = sm_sanafe_core_type(a, c);
        cr_assert_eq(t->n_units, 3 + 1 + 2 + 64);
        cr_assert(t->n_in == 1 && t->n_out == 1);
        cr_assert_eq(t->max_neurons, 256);
        cr_assert_eq(t->buffer_position, SM_SF_BUFFER_SOMA);
        cr_assert_eq(t->buffer_inside_unit, 0);
    }
    const sm_sanafe_ctype_t *w = sm_sanafe_core_type(a, 0), *e = sm_sanafe_core_type(a, 31);
    /* creation order: synapse units, dendrite, soma, each in file order */
    cr_assert_str_eq(a->units[w->first_unit + 0].name, "syn_dense");
    cr_assert_str_eq(a->units[w->first_unit + 2].name, "syn_conv");
    cr_assert_str_eq(a->units[w->first_unit + 3].name, "dend_acc");
    cr_assert_str_eq(a->units[w->first_unit + 4].name, "lif_a");
    cr_assert_str_eq(a->units[w->first_unit + 6].name, "in_port[0]");
    cr_assert_str_eq(a->units[w->first_unit + 69].name, "in_port[63]");
    const sm_sanafe_unit_t *u = sm_sanafe_core_unit(a, 0, 1);
    cr_assert(u->role == SM_SF_ROLE_SYNAPSE && u->model == SM_SF_CURRENT_BASED);
    cr_assert(u->energy_process_spike == 28.0e-12 && u->latency_process_spike == 3.3e-9);
    u = sm_sanafe_core_unit(a, 0, 3);
    cr_assert(u->model == SM_SF_ACCUMULATOR && u->update_every_timestep);
    cr_assert(u->energy_update == 1.5e-12 && u->latency_update == 0.5e-9);
    u = sm_sanafe_core_unit(a, 0, 4);
    cr_assert(u->model == SM_SF_LIF && u->has_energy && u->has_latency);
    cr_assert(u->energy_access_neuron == 40.0e-12 && u->latency_access_neuron == 4.5e-9);
    cr_assert(u->energy_update_neuron == 18.0e-12 && u->latency_update_neuron == 2.9e-9);
    cr_assert(u->energy_spike_out == 55.0e-12 && u->latency_spike_out == 20.0e-9);
    u = sm_sanafe_core_unit(a, 31, 4);
    cr_assert(u->energy_access_neuron == 44.0e-12 && u->latency_spike_out == 24.0e-9);
    cr_assert_eq(sm_sanafe_core_unit(a, 31, 40)->model, SM_SF_INPUT);
    cr_assert_eq(a->axons[w->first_in].energy, 12.0e-12);
    cr_assert_eq(a->axons[w->first_out].latency, 4.0e-9);
    cr_assert_eq(a->axons[e->first_in].latency, 11.0e-9);
    cr_assert_eq(a->axons[e->first_out].energy, 95.0e-12);
    cr_assert_eq(sm_sanafe_find_unit(a, 0, SM_SF_ROLE_SOMA, NULL), 4, "the first soma unit");
    cr_assert_eq(sm_sanafe_find_unit(a, 0, SM_SF_ROLE_SOMA, "in_port[7]"), 13);
    cr_assert_eq(sm_sanafe_find_unit(a, 0, SM_SF_ROLE_SOMA, "syn_dense"), -1, "wrong role");
    sm_sanafe_arch_destroy(&a);
    cr_assert_null(a);
}

/* What each file holds, counted independently of spikemesh; the checksum is
 * the sum over synapses of weight x (pre + 1) x (post + 1), neurons numbered
 * group after group in file order, synapses in SANA-FE's creation order. */
static const struct {
    const char *file;
    uint32_t groups, neurons, edges, maps;
    uint64_t synapses;
    double checksum;
    int32_t step1_updated; /* SANA-FE's per_step.updated[0], -1: not on mesh4 */
} s_nets[] = {
    {"convnet.mesh4.yaml", 4, 2470, 3, 11, 62088, 427412903588.0, 237},
    {"dynamics.mesh4.yaml", 6, 196, 10, 6, 964, 3945160.0, 67},
    {"rrnet.mesh4.yaml", 2, 2000, 4, 20, 40000, -45716654738.0, 228},
    {"ffdense.loihi.yaml", 4, 224, 3, 5, 11776, 32195572.0, -1},
};

Test(sanafe_snn, counts_and_checksums)
{
    for (size_t i = 0; i < sizeof s_nets / sizeof s_nets[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, DATA "%s", s_nets[i].file);
        sm_error_t err;
        sm_sanafe_snn_t *s = sm_sanafe_snn_load(path, &err);
        cr_assert_not_null(s, "%s", err.msg);
        cr_assert_eq(s->n_groups, s_nets[i].groups, "%s", s_nets[i].file);
        cr_assert_eq(s->n_neurons, s_nets[i].neurons, "%s", s_nets[i].file);
        cr_assert_eq(s->n_edges, s_nets[i].edges, "%s", s_nets[i].file);
        cr_assert_eq(s->n_maps, s_nets[i].maps, "%s", s_nets[i].file);
        cr_assert_eq(s->n_synapses, s_nets[i].synapses, "%s", s_nets[i].file);
        cr_assert_null(s->arch);
        sm_sanafe_syn_t syn;
        cr_assert_eq(sm_sanafe_synapses(s, &syn, &err), 0, "%s", err.msg);
        cr_assert_eq(syn.n, s_nets[i].synapses);
        double sum = 0;
        for (uint32_t e = 0; e < s->n_edges; e++)
            for (uint64_t k = syn.edge_first[e]; k < syn.edge_first[e + 1]; k++)
                sum += s->weights[s->edges[e].weight + syn.aidx[k]] * (double)(syn.pre[k] + 1) *
                       (double)(syn.post[k] + 1);
        cr_assert_eq(sum, s_nets[i].checksum, "%s: %.17g", s_nets[i].file, sum);
        sm_sanafe_synapses_fini(&syn);
        sm_sanafe_snn_destroy(&s);
    }
}

/* SANA-FE counts a neuron as updated in step 1 when it is a LIF neuron with
 * a bias, force_update or an initial potential, or an input neuron that fires
 * at t = 1. Applied to what was read and bound, this must give SANA-FE's own
 * step-1 figure. */
static uint32_t s_step1_updates(const sm_sanafe_arch_t *a, const sm_sanafe_snn_t *s,
                                const sm_sanafe_bound_t *b)
{
    uint32_t n = 0;
    for (uint32_t id = 0; id < s->n_neurons; id++) {
        const sm_sanafe_nconf_t *c = &s->confs[s->nconf[id]];
        const sm_sanafe_unit_t *u = sm_sanafe_core_unit(a, b->core[id], b->soma[id]);
        if (u->model == SM_SF_LIF) {
            sm_sanafe_lif_t p;
            sm_sanafe_lif_params(c, &p);
            n += p.bias != 0 || p.force_update || p.potential != 0;
        } else {
            sm_sanafe_input_t in;
            sm_sanafe_input_params(s, c, &in);
            int fire = in.has_spikes && in.n_spikes && in.spikes[0];
            if (in.rate > 0 && 1 % (long)(1.0 / in.rate) == 0)
                fire = 1;
            n += fire;
        }
    }
    return n;
}

Test(sanafe_bind, mesh4_nets)
{
    sm_error_t err;
    sm_sanafe_arch_t *a = sm_sanafe_arch_load(DATA "mesh4.yaml", &err);
    cr_assert_not_null(a, "%s", err.msg);
    for (size_t i = 0; i < sizeof s_nets / sizeof s_nets[0]; i++) {
        if (s_nets[i].step1_updated < 0)
            continue;
        char path[512];
        snprintf(path, sizeof path, DATA "%s", s_nets[i].file);
        sm_sanafe_snn_t *s = sm_sanafe_snn_load(path, &err);
        cr_assert_not_null(s, "%s", err.msg);
        sm_sanafe_bound_t *b = sm_sanafe_bind(a, s, &err);
        cr_assert_not_null(b, "%s: %s", s_nets[i].file, err.msg);
        cr_assert_eq(s_step1_updates(a, s, b), (uint32_t)s_nets[i].step1_updated, "%s",
                     s_nets[i].file);
        /* every neuron sits once, cores in id order, each in mapping order */
        cr_assert_eq(b->core_first[a->n_cores], s->n_neurons);
        uint64_t syn = 0;
        for (uint32_t c = 0; c < a->n_cores; c++) {
            for (uint32_t k = b->core_first[c]; k < b->core_first[c + 1]; k++) {
                uint32_t id = b->order[k];
                cr_assert_eq(b->core[id], c);
                cr_assert_eq(b->slot[id], k - b->core_first[c]);
                if (k > b->core_first[c]) {
                    uint32_t prev = b->order[k - 1];
                    cr_assert(s->mapped[prev] < s->mapped[id] ||
                                  (s->mapped[prev] == s->mapped[id] && prev < id),
                              "mapping order");
                }
            }
            syn += b->core_synapses[c];
        }
        cr_assert_eq(syn, s->n_synapses);
        sm_sanafe_bound_destroy(&b);
        sm_sanafe_snn_destroy(&s);
    }
    /* convnet: 11 cores on 6 tiles; the sync table's key 5 */
    sm_sanafe_snn_t *s = sm_sanafe_snn_load(DATA "convnet.mesh4.yaml", &err);
    sm_sanafe_bound_t *b = sm_sanafe_bind(a, s, &err);
    cr_assert_not_null(b, "%s", err.msg);
    cr_assert(b->cores_used == 11 && b->tiles_used == 6);
    cr_assert_eq(b->sync_latency, 0.8e-6);
    uint32_t c = a->tiles[5].first_core; /* conv1.0..255: {core: 5.0} */
    cr_assert_eq(b->core_first[c + 1] - b->core_first[c], 256);
    uint32_t pix = s->groups[sm_sanafe_group_of(s, 0)].n;
    cr_assert_eq(pix, 504);
    cr_assert_str_eq(sm_sanafe_core_unit(a, c, b->synapse[s->groups[1].first])->name, "syn_conv");
    cr_assert_str_eq(sm_sanafe_core_unit(a, c, b->soma[s->groups[1].first])->name, "lif_a");
    cr_assert_eq(b->in_degree[s->groups[1].first], 2 * 3 * 3);
    sm_sanafe_bound_destroy(&b);
    sm_sanafe_snn_destroy(&s);
    sm_sanafe_arch_destroy(&a);
}

Test(sanafe_snn, neuron_settings)
{
    sm_error_t err;
    sm_sanafe_snn_t *s = sm_sanafe_snn_load(DATA "ffdense.loihi.yaml", &err);
    cr_assert_not_null(s, "%s", err.msg);
    const sm_sanafe_group_t *in = &s->groups[0];
    cr_assert_str_eq(in->name, "in");
    cr_assert_eq(in->n, 48);
    sm_sanafe_input_t p;
    sm_sanafe_input_params(s, &s->confs[s->nconf[in->first]], &p);
    cr_assert(p.has_spikes && p.n_spikes == 120 && !p.has_rate);
    cr_assert(p.spikes[6] == 0 && p.spikes[7] == 1 && p.spikes[8] == 1 && p.spikes[9] == 0);
    const sm_sanafe_nconf_t *c5 = &s->confs[s->nconf[in->first + 5]];
    sm_sanafe_input_params(s, c5, &p);
    cr_assert(p.has_rate && p.rate == 0.25 && !p.has_spikes);
    cr_assert_str_eq(sm_sanafe_name(s, c5->soma_hw), "loihi_inputs[5]");
    cr_assert_eq(c5->log_spikes, 1, "from the group");
    /* groups in SANA-FE's name order */
    cr_assert_str_eq(s->groups[s->by_name[0]].name, "h1");
    cr_assert_str_eq(s->groups[s->by_name[2]].name, "in");
    sm_sanafe_lif_t l;
    const sm_sanafe_group_t *h1 = &s->groups[1];
    sm_sanafe_lif_params(&s->confs[s->nconf[h1->first + 3]], &l);
    cr_assert(l.threshold == 24 && l.reset == 0 && l.leak_decay == 0.75 && l.bias == 0);
    cr_assert(l.reset_mode == SM_SF_RESET_HARD && l.reverse_reset_mode == SM_SF_RESET_NONE);
    cr_assert_eq(s->confs[s->nconf[h1->first]].log_potential, 1);
    cr_assert_eq(s->confs[s->nconf[h1->first + 1]].log_potential, -1);
    sm_sanafe_snn_destroy(&s);

    s = sm_sanafe_snn_load(DATA "dynamics.mesh4.yaml", &err);
    cr_assert_not_null(s, "%s", err.msg);
    uint32_t g = 0;
    while (strcmp(s->groups[g].name, "g_refr"))
        g++;
    sm_sanafe_lif_params(&s->confs[s->nconf[s->groups[g].first + 4]], &l);
    cr_assert(l.refractory_delay == 5 && l.bias == 2 && l.reset == -6 && l.threshold == 18);
    cr_assert(l.leak_decay == 0.85 && l.reset_mode == SM_SF_RESET_HARD);
    while (strcmp(s->groups[g].name, "g_rev"))
        g++;
    sm_sanafe_lif_params(&s->confs[s->nconf[s->groups[g].first + 1]], &l);
    cr_assert(l.reverse_reset_mode == SM_SF_RESET_HARD && l.reverse_reset == -3);
    cr_assert(l.reverse_threshold == -15 && l.bias == 1 && l.leak_decay == 0.875);
    sm_sanafe_lif_params(&s->confs[s->nconf[s->groups[g].first]], &l);
    cr_assert_eq(l.reverse_reset_mode, SM_SF_RESET_SATURATE);
    sm_sanafe_snn_destroy(&s);
}

/* ---- a small chip and network, and everything wrong with them ---- */

static const char *s_arch =
    "architecture:\n"                                                         /* 1 */
    "  name: tiny\n"                                                          /* 2 */
    "  attributes: {width: 2, height: 1, link_buffer_size: 2}\n"              /* 3 */
    "  tile:\n"                                                               /* 4 */
    "    - name: t[0..1]\n"                                                   /* 5 */
    "      attributes: {energy_north_hop: 1.0e-12, latency_north_hop: 1.0e-9, energy_east_hop: "
    "2.0e-12, latency_east_hop: 2.0e-9, energy_south_hop: 3.0e-12, latency_south_hop: 3.0e-9, "
    "energy_west_hop: 4.0e-12, latency_west_hop: 4.0e-9}\n"                   /* 6 */
    "      core:\n"                                                           /* 7 */
    "        - name: c[0..1]\n"                                               /* 8 */
    "          attributes: {buffer_position: soma, max_neurons_supported: 4}\n" /* 9 */
    "          axon_in: [{name: ain, attributes: {energy_message_in: 1.0e-12, latency_message_in: "
    "1.0e-9}}]\n"                                                             /* 10 */
    "          synapse: [{name: syn, attributes: {model: current_based, energy_process_spike: "
    "2.0e-12, latency_process_spike: 1.0e-9}}]\n"                             /* 11 */
    "          dendrite: [{name: den, attributes: {model: accumulator, energy_update: 0, "
    "latency_update: 0}}]\n"                                                  /* 12 */
    "          soma:\n"                                                       /* 13 */
    "            - name: lif\n"                                               /* 14 */
    "              attributes: {model: leaky_integrate_fire, energy_access_neuron: 1.0e-12, "
    "latency_access_neuron: 1.0e-9, energy_update_neuron: 1.0e-12, latency_update_neuron: 1.0e-9, "
    "energy_spike_out: 1.0e-12, latency_spike_out: 1.0e-9}\n"                 /* 15 */
    "            - name: in[0..3]\n"                                          /* 16 */
    "              attributes: {model: input, energy_access_neuron: 0, latency_access_neuron: 0, "
    "energy_update_neuron: 0, latency_update_neuron: 0, energy_spike_out: 0, latency_spike_out: "
    "0}\n"                                                                    /* 17 */
    "          axon_out: [{name: aout, attributes: {energy_message_out: 3.0e-12, "
    "latency_message_out: 1.0e-9}}]\n";                                       /* 18 */

static const char *s_net =
    "network:\n"                                                 /* 1 */
    "  name: tiny\n"                                             /* 2 */
    "  groups:\n"                                                /* 3 */
    "    - name: a\n"                                            /* 4 */
    "      attributes: {threshold: 1}\n"                         /* 5 */
    "      neurons: [0..2]\n"                                    /* 6 */
    "    - name: b\n"                                            /* 7 */
    "      neurons:\n"                                           /* 8 */
    "        - 0: {bias: 0.5}\n"                                 /* 9 */
    "        - 1: [soma: {threshold: 2}, log_potential: true]\n" /* 10 */
    "  edges:\n"                                                 /* 11 */
    "    - a -> b: {type: dense, weight: [1, 2, 3, 4, 5, 6]}\n"  /* 12 */
    "    - a.0 -> b.1: [weight: -1]\n"                           /* 13 */
    "mappings:\n"                                                /* 14 */
    "  - a: {core: 0.0}\n"                                       /* 15 */
    "  - b.0..1: [core: 1.1]\n";                                 /* 16 */

/* Loads arch and net text (either may be NULL for the base) and places the
 * net; returns 0 if all went through, else the error in *err. */
static int s_try(const char *arch, const char *net, sm_error_t *err)
{
    sm_error_clear(err);
    const char *ap = s_write("tiny_arch.yaml", arch ? arch : s_arch);
    sm_sanafe_arch_t *a = sm_sanafe_arch_load(ap, err);
    if (!a)
        return -1;
    const char *np = s_write("tiny_net.yaml", net ? net : s_net);
    sm_sanafe_snn_t *s = sm_sanafe_snn_load(np, err);
    sm_sanafe_bound_t *b = s ? sm_sanafe_bind(a, s, err) : NULL;
    int rc = b ? 0 : -1;
    sm_sanafe_bound_destroy(&b);
    sm_sanafe_snn_destroy(&s);
    sm_sanafe_arch_destroy(&a);
    return rc;
}

static void s_arch_refused(const char *from, const char *to, const char *want)
{
    char *t = s_edit(s_arch, from, to);
    sm_error_t err;
    cr_assert_eq(s_try(t, NULL, &err), -1, "accepted: %s -> %s", from, to);
    cr_assert(err.msg[0] == '/' && strstr(err.msg, want), "'%s' -> '%s': message '%s' lacks '%s'",
              from, to, err.msg, want);
    free(t);
}

static void s_net_refused(const char *from, const char *to, const char *want)
{
    char *t = s_edit(s_net, from, to);
    sm_error_t err;
    cr_assert_eq(s_try(NULL, t, &err), -1, "accepted: %s -> %s", from, to);
    cr_assert(strstr(err.msg, want), "'%s' -> '%s': message '%s' lacks '%s'", from, to, err.msg, want);
    free(t);
}

Test(sanafe_tiny, reads_and_places, .init = s_mkdir, .fini = s_rmdir)
{
    sm_error_t err;
    sm_sanafe_arch_t *a = sm_sanafe_arch_load(s_write("a.yaml", s_arch), &err);
    cr_assert_not_null(a, "%s", err.msg);
    sm_sanafe_snn_t *s = sm_sanafe_snn_load(s_write("n.yaml", s_net), &err);
    cr_assert_not_null(s, "%s", err.msg);
    cr_assert(s->n_groups == 2 && s->n_neurons == 5 && s->n_edges == 2 && s->n_synapses == 7);
    sm_sanafe_lif_t l;
    sm_sanafe_lif_params(&s->confs[s->nconf[1]], &l);
    cr_assert_eq(l.threshold, 1, "a: the group's threshold");
    sm_sanafe_lif_params(&s->confs[s->nconf[3]], &l);
    cr_assert(l.threshold == 0 && l.bias == 0.5, "b.0: its own bias, no threshold");
    const sm_sanafe_nconf_t *c = &s->confs[s->nconf[4]];
    sm_sanafe_lif_params(c, &l);
    cr_assert_eq(l.threshold, 2, "b.1: soma: reaches the soma");
    cr_assert(!(c->to_dendrite & (1u << SM_SFA_THRESHOLD)), "soma: does not reach the dendrite");
    cr_assert_eq(c->log_potential, 1);
    sm_sanafe_syn_t syn;
    cr_assert_eq(sm_sanafe_synapses(s, &syn, &err), 0);
    /* dense: source-major, weight index src * N_dst + dst; then the single edge */
    static const uint32_t pre[7] = {0, 0, 1, 1, 2, 2, 0}, post[7] = {3, 4, 3, 4, 3, 4, 4};
    static const double w[7] = {1, 2, 3, 4, 5, 6, -1};
    for (int k = 0; k < 7; k++) {
        uint32_t e = k < 6 ? 0 : 1;
        cr_assert(syn.pre[k] == pre[k] && syn.post[k] == post[k], "synapse %d", k);
        cr_assert_eq(s->weights[s->edges[e].weight + syn.aidx[k]], w[k], "synapse %d", k);
    }
    sm_sanafe_synapses_fini(&syn);
    sm_sanafe_bound_t *b = sm_sanafe_bind(a, s, &err);
    cr_assert_not_null(b, "%s", err.msg);
    cr_assert(b->core[0] == 0 && b->core[2] == 0 && b->core[3] == 3 && b->core[4] == 3);
    cr_assert(b->slot[3] == 0 && b->slot[4] == 1);
    cr_assert(b->in_degree[3] == 3 && b->in_degree[4] == 4 && b->in_degree[0] == 0);
    cr_assert(b->synapse[0] == UINT32_MAX && b->synapse[4] == 0);
    cr_assert(b->tiles_used == 2 && b->cores_used == 2);
    cr_assert_eq(b->unit_use[b->unit_first[3] + 0], 7, "7 synapses on the synapse unit of 1.1");
    cr_assert_eq(b->unit_use[b->unit_first[0] + 2], 3, "3 neurons on lif of 0.0");
    cr_assert_eq(b->n_warnings, 0);
    sm_sanafe_bound_destroy(&b);
    sm_sanafe_snn_destroy(&s);
    sm_sanafe_arch_destroy(&a);
}

Test(sanafe_tiny, arch_refusals, .init = s_mkdir, .fini = s_rmdir)
{
    s_arch_refused("energy_process_spike", "energy_proces_spike",
                   "tiny_arch.yaml:11: 'energy_proces_spike': unknown key in synapse unit attributes");
    s_arch_refused("model: current_based", "model: current_base", "tiny_arch.yaml:11: model: must be one of");
    s_arch_refused("model: accumulator", "model: input",
                   "tiny_arch.yaml:12: model: input is a soma model, not a dendrite one");
    s_arch_refused("dendrite: [", "dendrites: [", "tiny_arch.yaml:12: 'dendrites': unknown key in a core");
    s_arch_refused("          axon_in: [{name: ain, attributes: {energy_message_in: 1.0e-12, "
                   "latency_message_in: 1.0e-9}}]\n",
                   "", "tiny_arch.yaml:8: axon_in: required in every core");
    s_arch_refused("energy_spike_out: 1.0e-12, ", "",
                   "tiny_arch.yaml:15: energy_spike_out: required once any of the unit's energy figures");
    s_arch_refused("max_neurons_supported: 4", "max_neurons_supported: 0",
                   "tiny_arch.yaml:9: max_neurons_supported: must be > 0, got 0");
    s_arch_refused("buffer_position: soma", "buffer_position: sideways",
                   "tiny_arch.yaml:9: buffer_position: must be dendrite, soma or axon_out, got 'sideways'");
    s_arch_refused("width: 2,", "width: 2.5,", "tiny_arch.yaml:3: width: must be an integer, got '2.5'");
    s_arch_refused("t[0..1]", "t[0..2]", "3 tiles do not fit a 2 x 1 mesh");
    s_arch_refused("t[0..1]", "t[0..x]", "tiny_arch.yaml:5: name: a range must read NAME[FIRST..LAST]");
    s_arch_refused("{model: input,", "{model: input, plugin: x.so,",
                   "tiny_arch.yaml:17: plugin: plug-in models are not supported");
    s_arch_refused("{model: input,", "{model: input, noise: n.txt,",
                   "tiny_arch.yaml:17: noise: only a leaky_integrate_fire unit takes a noise stream");
    s_arch_refused("{model: leaky_integrate_fire,", "{model: leaky_integrate_fire, noise_bits: 40,",
                   "noise_bits: must be 0..30, got 40");
    s_arch_refused("{model: leaky_integrate_fire,", "{model: leaky_integrate_fire, noise: '',",
                   "noise: a file name is required");
    s_arch_refused("link_buffer_size: 2}", "link_buffer_size: 2, sync_model: table}",
                   "tiny_arch.yaml:3: latency_sync: required with sync_model: table");
    s_arch_refused("link_buffer_size: 2}", "link_buffer_size: 2, topology: torus}",
                   "topology: must be mesh");
    s_arch_refused("latency_message_in: 1.0e-9}}]", "latency_message_in: 1.0e-9}]",
                   "tiny_arch.yaml:10:");
    s_arch_refused("- name: in[0..3]", "- name: lif", "unit lif: defined twice in one core (lines 14 and 16)");
    s_arch_refused("architecture:", "architecture: &x\n  y: *x\nz:", "alias *x");
    s_arch_refused("  name: tiny\n", "  name: tiny\n  name: again\n", "tiny_arch.yaml:3: 'name': duplicate key");
    s_arch_refused("architecture:", "chip:", "unknown key in the top level");
}

/* One map of neuron attributes is read as SANA-FE reads it, in three passes
 * whatever the order of its keys (yaml_snn.cpp:332-392): shared, then
 * dendrite:, then soma:, each replacing what came before. */
Test(sanafe_tiny, attribute_passes, .init = s_mkdir, .fini = s_rmdir)
{
    const char *forms[][2] = {
        {"{soma: {bias: 1}, bias: 0.5}", "soma 1"},
        {"{bias: 0.5, soma: {bias: 1}}", "soma 1"},
        {"{soma: {bias: 1}, dendrite: {bias: 3}}", "soma 1"},
        {"{dendrite: {bias: 3}, bias: 0.5}", "dendrite 3"},
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        char *t = s_edit(s_net, "{bias: 0.5}", forms[i][0]);
        sm_error_t err;
        sm_sanafe_snn_t *s = sm_sanafe_snn_load(s_write("tiny_net.yaml", t), &err);
        cr_assert_not_null(s, "%s: %s", forms[i][0], err.msg);
        const sm_sanafe_nconf_t *c = &s->confs[s->nconf[s->groups[1].first]];
        uint32_t bit = 1u << SM_SFA_BIAS;
        int soma = forms[i][1][0] == 's';
        cr_assert(c->set & bit);
        cr_assert_eq(!!(c->to_soma & bit), soma, "%s", forms[i][0]);
        cr_assert_eq(!!(c->to_dendrite & bit), !soma, "%s", forms[i][0]);
        cr_assert_eq(c->v[SM_SFA_BIAS], soma ? 1.0 : 3.0, "%s", forms[i][0]);
        sm_sanafe_lif_t l;
        sm_sanafe_lif_params(c, &l);
        cr_assert_eq(l.bias, soma ? 1.0 : 0.0, "%s: the soma keeps its default unless soma: sets it",
                     forms[i][0]);
        sm_sanafe_snn_destroy(&s);
        free(t);
    }
}

Test(sanafe_tiny, net_refusals, .init = s_mkdir, .fini = s_rmdir)
{
    s_net_refused("threshold: 1", "treshold: 1", "tiny_net.yaml:5: 'treshold': unknown neuron attribute");
    s_net_refused("b.0..1", "b.0..0", "tiny_net.yaml:7: neuron b.1 is not mapped");
    s_net_refused("a -> b:", "a -> c:", "tiny_net.yaml:12: edge a -> c: no group named 'c'");
    s_net_refused("a.0 -> b.1:", "a.0 -> b.7:", "tiny_net.yaml:13: edge a.0 -> b.7: neuron 7 out of range");
    s_net_refused("a.0 -> b.1:", "a.0 -> b:", "on both ends");
    s_net_refused("[core: 1.1]", "[core: 0.0]",
                  "tiny_net.yaml:16: core: core 0.0 (c[0]) would hold more than its "
                  "max_neurons_supported = 4 neurons (");
    s_net_refused("- 1: [soma", "- 0: [soma", "tiny_net.yaml:10: neuron b.0: given twice (first at line 9)");
    s_net_refused("- 1: [soma", "- 2: [soma", "tiny_net.yaml:10: neuron id 2: out of range");
    s_net_refused("- 1: [soma", "- x: [soma", "tiny_net.yaml:10: neuron id: must be N or FIRST..LAST");
    s_net_refused("b.0..1:", "a.0..1:", "tiny_net.yaml:16: mapping a.0..1: neuron a.0 mapped twice (first at line 15)");
    s_net_refused("core: 1.1", "core: 2.1", "tiny_net.yaml:16: core: tile 2 does not exist");
    s_net_refused("core: 1.1", "core: 1.2", "tiny_net.yaml:16: core: core 1.2 does not exist");
    s_net_refused("core: 1.1", "core: 11", "tiny_net.yaml:16: core: must read TILE.CORE, got '11'");
    s_net_refused("[core: 1.1]", "[soma: lif]", "tiny_net.yaml:16: mapping b.0..1: core: required");
    s_net_refused("[core: 1.1]", "[core: 1.1, soma: nope]",
                  "tiny_net.yaml:16: soma: core 1.1 (c[1]) has no soma unit named 'nope'");
    s_net_refused("[core: 1.1]", "[core: 1.1, sooma: lif]", "tiny_net.yaml:16: 'sooma': unknown mapping key");
    s_net_refused("[1, 2, 3, 4, 5, 6]", "[1, 2, 3]",
                  "tiny_net.yaml:12: weight: must have 6 entries (3 source x 2 target neurons), got 3");
    s_net_refused("[weight: -1]", "[weight: x]", "tiny_net.yaml:13: weight: must be a number, got 'x'");
    s_net_refused("[weight: -1]", "[weight: -1, w: 1]", "tiny_net.yaml:13: 'w': given twice for one edge");
    s_net_refused("[weight: -1]", "[weight: -1, wieght: 2]", "tiny_net.yaml:13: 'wieght': unknown edge attribute");
    s_net_refused("[weight: -1]", "[delay: 1]", "tiny_net.yaml:13: edge a.0 -> b.1: weight: required");
    s_net_refused("[weight: -1]", "[weight: -1, dendrite: {delay: 1}]",
                  "tiny_net.yaml:13: dendrite: SANA-FE 2.2.1 never applies a single edge's dendrite:");
    s_net_refused("{type: dense, ", "{", "tiny_net.yaml:12: edge a -> b: type: required");
    s_net_refused("type: dense", "type: dence", "tiny_net.yaml:12: type: must be conv2d, dense or sparse");
    s_net_refused("{type: dense, weight: [1, 2, 3, 4, 5, 6]}",
                  "{type: sparse, source_target_pairs: [[0, 0], [3, 1]], weight: [1, 2]}",
                  "tiny_net.yaml:12: source_target_pairs: source 3 out of range: group a has 3 neurons");
    s_net_refused("{type: dense, weight: [1, 2, 3, 4, 5, 6]}",
                  "{type: sparse, source_target_pairs: [[0, 0], [1, 1]], weight: [1]}",
                  "weight: must have 2 entries");
    s_net_refused("{type: dense, weight: [1, 2, 3, 4, 5, 6]}",
                  "{type: conv2d, input_width: 2, input_height: 2, input_channels: 1, kernel_width: 1, "
                  "kernel_height: 1, kernel_count: 1, stride_width: 1, stride_height: 1, weight: [1]}",
                  "tiny_net.yaml:12: conv2d: source group a has 3 neurons, the input is 1 x 2 x 2 = 4");
    s_net_refused("{type: dense, weight: [1, 2, 3, 4, 5, 6]}",
                  "{type: conv2d, input_width: 3, input_height: 1, input_channels: 1, kernel_width: 2, "
                  "kernel_height: 1, kernel_count: 1, stride_width: 1, weight: [1, 1]}",
                  "stride_height: required for a conv2d edge");
    s_net_refused("{bias: 0.5}", "{bias: 0.5, refractory_delay: 2.0}",
                  "tiny_net.yaml:9: refractory_delay: must be an integer, got '2.0'");
    s_net_refused("{bias: 0.5}", "{reset_mode: sideways}",
                  "tiny_net.yaml:9: reset_mode: must be none, soft, hard or saturate, got 'sideways'");
    s_net_refused("{bias: 0.5}", "{rate: 2}", "tiny_net.yaml:9: rate: must be in [0, 1], got '2'");
    s_net_refused("{bias: 0.5}", "[bias: 0.5, {soma: {bias: 1}}]", "tiny_net.yaml:9: bias: given twice");
    s_net_refused("{bias: 0.5}", "[bias: 0.5, bias: 1]", "tiny_net.yaml:9: bias: given twice");
    s_net_refused("{bias: 0.5}", "{synapse: {weight: 1}}", "tiny_net.yaml:9: synapse: a neuron's synapse: section");
    s_net_refused("{bias: 0.5}", "{soma: {soma_hw_name: lif}}",
                  "tiny_net.yaml:9: soma_hw_name: not allowed inside a soma: or dendrite: section");
    s_net_refused("{bias: 0.5}", "{spikes: [1, 0.5]}", "tiny_net.yaml:9: spikes: must be true or false, got '0.5'");
    s_net_refused("{bias: 0.5}", "", "tiny_net.yaml:9: neuron attributes: must be a map or a list");
    s_net_refused("name: b", "name: a", "tiny_net.yaml:7: name: group 'a' defined twice (first at line 4)");
    s_net_refused("name: b", "name: b.x", "tiny_net.yaml:7: name: must not hold '.'");
    s_net_refused("mappings:", "mapping:", "tiny_net.yaml:14: 'mapping': unknown key in the top level");
    s_net_refused("- a: {core: 0.0}", "- a: {core: 0.0}\n    b: {core: 0.1}", "one GROUP.N: {core: TILE.CORE} per entry");
    s_net_refused("[0..2]", "[0..2, &x 3]\n      more: *x", "alias *x");
    s_net_refused("[0..2]", "[0..2", "tiny_net.yaml:");
}

Test(sanafe_tiny, placement_refusals, .init = s_mkdir, .fini = s_rmdir)
{
    sm_error_t err;
    /* LIF and accumulator units hold 1,024 neurons even when the core would
     * take more (the dendrite unit comes first in unit order) */
    char *a = s_edit(s_arch, "max_neurons_supported: 4", "max_neurons_supported: 2048");
    char *n = s_edit(s_net, "[0..2]", "[0..1099]");
    char *n2 = s_edit(n, "[1, 2, 3, 4, 5, 6]", "[1, 2]");
    char *n3 = s_edit(n2, "{type: dense, weight: [1, 2]}", "{type: sparse, source_target_pairs: [[0, 0]], weight: [1]}");
    cr_assert_eq(s_try(a, n3, &err), -1);
    cr_assert(strstr(err.msg, "tiny_arch.yaml:12: unit den on core 0.0 (c[0]): 1100 neurons, over the 1024"),
              "%s", err.msg);
    free(a);
    free(n);
    free(n2);
    free(n3);
    /* a unit in use without prices */
    a = s_edit(s_arch, "model: current_based, energy_process_spike: 2.0e-12, latency_process_spike: 1.0e-9",
               "model: current_based");
    cr_assert_eq(s_try(a, NULL, &err), -1);
    cr_assert(strstr(err.msg, "tiny_arch.yaml:11: unit syn (used on core 1.1 (c[1])) gives no energy figures"),
              "%s", err.msg);
    free(a);
    /* ... but a unit nobody uses may go without */
    a = s_edit(s_arch, "{model: input, energy_access_neuron: 0, latency_access_neuron: 0, "
                       "energy_update_neuron: 0, latency_update_neuron: 0, energy_spike_out: 0, "
                       "latency_spike_out: 0}",
               "{model: input}");
    cr_assert_eq(s_try(a, NULL, &err), 0, "%s", err.msg);
    free(a);
    /* models spikemesh does not run */
    a = s_edit(s_arch, "model: leaky_integrate_fire", "model: truenorth");
    cr_assert_eq(s_try(a, NULL, &err), -1);
    cr_assert(strstr(err.msg, "tiny_arch.yaml:14: model: truenorth (unit lif, used on core 0.0 (c[0])) is not supported"),
              "%s", err.msg);
    free(a);
    /* delays past accumulator_with_delay's five steps */
    a = s_edit(s_arch, "model: accumulator,", "model: accumulator_with_delay,");
    n = s_edit(s_net, "[weight: -1]", "[weight: -1, delay: 6]");
    cr_assert_eq(s_try(a, n, &err), -1);
    cr_assert(strstr(err.msg, "tiny_net.yaml:13: delay: 6 is over the 5 steps"), "%s", err.msg);
    free(n);
    n = s_edit(s_net, "[weight: -1]", "[weight: -1, delay: 5]");
    cr_assert_eq(s_try(a, n, &err), 0, "%s", err.msg);
    free(n);
    free(a);
}

Test(sanafe_tiny, matched_defects, .init = s_mkdir, .fini = s_rmdir)
{
    sm_error_t err;
    /* a hyperedge's sub-maps are dropped, as SANA-FE drops them, with a warning */
    char *n = s_edit(s_net, "weight: [1, 2, 3, 4, 5, 6]}",
                     "weight: [1, 2, 3, 4, 5, 6], dendrite: {delay: [1, 1, 1, 1, 1, 1]}}");
    sm_sanafe_snn_t *s = sm_sanafe_snn_load(s_write("n.yaml", n), &err);
    cr_assert_not_null(s, "%s", err.msg);
    cr_assert_eq(s->n_warnings, 1);
    cr_assert(strstr(s->warnings[0], "n.yaml:12: edge a -> b: dendrite: dropped"), "%s", s->warnings[0]);
    cr_assert_eq(s->edges[0].delay, UINT32_MAX);
    sm_sanafe_snn_destroy(&s);
    free(n);
    /* an attribute the soma model does not take is ignored, noted once */
    n = s_edit(s_net, "[core: 1.1]", "[core: 1.1, soma: 'in[2]']");
    sm_sanafe_arch_t *a = sm_sanafe_arch_load(s_write("a.yaml", s_arch), &err);
    s = sm_sanafe_snn_load(s_write("n.yaml", n), &err);
    sm_sanafe_bound_t *b = sm_sanafe_bind(a, s, &err);
    cr_assert_not_null(b, "%s", err.msg);
    cr_assert_eq(b->n_warnings, 3);
    cr_assert(strstr(b->warnings[0], "n.yaml:9: bias: ignored by soma unit in[2] (model input)"), "%s",
              b->warnings[0]);
    cr_assert(strstr(b->warnings[1], "an input neuron with incoming synapses"), "%s", b->warnings[1]);
    cr_assert(strstr(b->warnings[2], "threshold: ignored by soma unit in[2]"), "%s", b->warnings[2]);
    sm_sanafe_bound_destroy(&b);
    sm_sanafe_snn_destroy(&s);
    sm_sanafe_arch_destroy(&a);
    free(n);
}

Test(sanafe_tiny, one_file, .init = s_mkdir, .fini = s_rmdir)
{
    size_t n = strlen(s_arch) + strlen(s_net) + 1;
    char *both = malloc(n);
    snprintf(both, n, "%s%s", s_net, s_arch);
    sm_error_t err;
    sm_sanafe_snn_t *s = sm_sanafe_snn_load(s_write("both.yaml", both), &err);
    cr_assert_not_null(s, "%s", err.msg);
    cr_assert_not_null(s->arch);
    cr_assert_eq(s->arch->n_cores, 4);
    sm_sanafe_bound_t *b = sm_sanafe_bind(s->arch, s, &err);
    cr_assert_not_null(b, "%s", err.msg);
    sm_sanafe_bound_destroy(&b);
    sm_sanafe_snn_destroy(&s);
    sm_sanafe_arch_t *a = sm_sanafe_arch_load(s_write("both.yaml", both), &err);
    cr_assert_not_null(a, "an architecture file may carry a network too: %s", err.msg);
    sm_sanafe_arch_destroy(&a);
    free(both);
}

/* ---- the netlist ---- */

static const char *s_netlist = "# a netlist\n"                                 /* 1 */
                               "g 3 threshold=1.0 log_spikes=1 soma_hw_name=lif\n" /* 2 */
                               "g 2 threshold=2.0 log_v=1\n"                   /* 3 */
                               "\n"                                            /* 4 */
                               "n 0.0 bias=1.0 connections_out=1\n"            /* 5 */
                               "n 1.0 { bias: 0.25 }\n"                        /* 6 */
                               "n 1.1 [bias: 1.0, refractory_delay: 2]\n"      /* 7 */
                               "e 0.0->1.0 weight=-1.0\n"                      /* 8 */
                               "e 0.1->1.1 weight=2 delay=0\n"                 /* 9 */
                               "& 0.0@0.0\n"                                   /* 10 */
                               "& 0.1@0.0\n"                                   /* 11 */
                               "& 0.2@0.1\n"                                   /* 12 */
                               "& 1.0@1.0\n"                                   /* 13 */
                               "& 1.1@1.0\n";                                  /* 14 */

static void s_netlist_refused(const char *from, const char *to, const char *want)
{
    char *t = s_edit(s_netlist, from, to);
    sm_error_t err;
    sm_sanafe_snn_t *s = sm_sanafe_snn_load(s_write("x.net", t), &err);
    cr_assert_null(s, "accepted: %s -> %s", from, to);
    cr_assert(strstr(err.msg, want), "'%s' -> '%s': message '%s' lacks '%s'", from, to, err.msg, want);
    free(t);
}

Test(sanafe_netlist, reads, .init = s_mkdir, .fini = s_rmdir)
{
    sm_error_t err;
    sm_sanafe_snn_t *s = sm_sanafe_snn_load(s_write("x.net", s_netlist), &err);
    cr_assert_not_null(s, "%s", err.msg);
    cr_assert(s->netlist && s->n_groups == 2 && s->n_neurons == 5 && s->n_edges == 2 && s->n_maps == 5);
    cr_assert_str_eq(s->groups[1].name, "1");
    sm_sanafe_lif_t l;
    sm_sanafe_lif_params(&s->confs[s->nconf[0]], &l);
    cr_assert(l.threshold == 1.0 && l.bias == 1.0);
    sm_sanafe_lif_params(&s->confs[s->nconf[3]], &l);
    cr_assert(l.threshold == 2.0 && l.bias == 0.25);
    sm_sanafe_lif_params(&s->confs[s->nconf[4]], &l);
    cr_assert(l.bias == 1.0 && l.refractory_delay == 2);
    cr_assert_str_eq(sm_sanafe_name(s, s->confs[s->nconf[2]].soma_hw), "lif");
    cr_assert_eq(s->confs[s->nconf[3]].log_potential, 1);
    cr_assert_eq(s->weights[s->edges[0].weight], -1.0);
    cr_assert_eq(s->delays[s->edges[1].delay], 0);
    sm_sanafe_arch_t *a = sm_sanafe_arch_load(s_write("a.yaml", s_arch), &err);
    sm_sanafe_bound_t *b = sm_sanafe_bind(a, s, &err);
    cr_assert_not_null(b, "%s", err.msg);
    cr_assert(b->core[2] == 1 && b->core[3] == 2);
    sm_sanafe_bound_destroy(&b);
    sm_sanafe_arch_destroy(&a);
    sm_sanafe_snn_destroy(&s);
    s_netlist_refused("g 2 ", "x 2 ", "x.net:3: x: an entry starts with g, n, e or &");
    s_netlist_refused("bias=1.0 connections_out=1", "bias", "x.net:5: bias: an attribute must read key=value");
    s_netlist_refused("n 1.0 {", "n 7.0 {", "x.net:6: 7.0: no such group");
    s_netlist_refused("n 1.1 [", "n 1.5 [", "x.net:7: 1.5: neuron out of range");
    s_netlist_refused("n 1.1 [bias: 1.0,", "n 1.0 [bias: 1.0,", "x.net:7: 1.0: neuron given twice (first at line 6)");
    s_netlist_refused("refractory_delay: 2", "refractory_delay: 2.5", "x.net:7: refractory_delay: must be an integer");
    s_netlist_refused("{ bias: 0.25 }", "{ bias: 0.25 ", "x.net:6:");
    s_netlist_refused("bias=1.0 connections_out=1", "soma_hw_name=lif", "x.net:5: soma_hw_name: SANA-FE refuses it here");
    s_netlist_refused("weight=-1.0", "wait=-1.0", "x.net:8: 'wait': unknown edge attribute");
    s_netlist_refused("e 0.0->1.0 weight=-1.0", "e 0.0->1.0", "x.net:8: 0.0->1.0: weight= required");
    s_netlist_refused("& 1.1@1.0", "& 1.0@1.0", "x.net:14: 1.0@1.0: neuron mapped twice (first at line 13)");
    s_netlist_refused("& 1.1@1.0", "& 1.1@1.0 soma=lif", "x.net:14: &: must read & GROUP.N@TILE.CORE");
    s_netlist_refused("& 1.1@1.0", "& 1.1@10", "x.net:14: 1.1@10: the core must read TILE.CORE");
    s_netlist_refused("threshold=2.0", "treshold=2.0", "x.net:3: 'treshold': unknown neuron attribute");
}

/* ---- truncated files ---- */

static void s_cut_all(const char *path, int is_arch, const sm_sanafe_arch_t *chip, size_t step)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    static char buf[1 << 17];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    cr_assert_lt(n, sizeof buf);
    for (size_t len = 0; len <= n; len += (len < 700 ? 1 : step)) {
        sm_error_t err;
        sm_error_clear(&err);
        sm_yaml_t *d = sm_yaml_parse("cut.yaml", buf, len, NULL, &err);
        if (!d) {
            cr_assert(!strncmp(err.msg, "cut.yaml", 8), "length %zu: %s", len, err.msg);
            continue;
        }
        uint32_t root = sm_yaml_root(d);
        if (is_arch) {
            sm_sanafe_arch_t *a = sm_sanafe_arch_read(d, sm_yaml_get(d, root, "architecture"), &err);
            if (!a)
                cr_assert(!strncmp(err.msg, "cut.yaml", 8), "length %zu: %s", len, err.msg);
            sm_sanafe_arch_destroy(&a);
        } else {
            sm_sanafe_snn_t *s = sm_sanafe_snn_read(d, &err);
            if (!s) {
                cr_assert(!strncmp(err.msg, "cut.yaml", 8), "length %zu: %s", len, err.msg);
            } else {
                sm_sanafe_bound_t *b = sm_sanafe_bind(chip, s, &err);
                if (!b)
                    cr_assert(!strncmp(err.msg, "cut.yaml", 8), "length %zu: %s", len, err.msg);
                sm_sanafe_bound_destroy(&b);
                sm_sanafe_snn_destroy(&s);
            }
        }
        sm_yaml_destroy(&d);
    }
}

Test(sanafe_cut, truncations)
{
    sm_error_t err;
    sm_sanafe_arch_t *a = sm_sanafe_arch_load(DATA "mesh4.yaml", &err);
    cr_assert_not_null(a, "%s", err.msg);
    s_cut_all(DATA "mesh4.yaml", 1, NULL, 7);
    s_cut_all(DATA "dynamics.mesh4.yaml", 0, a, 211);
    s_cut_all(DATA "convnet.mesh4.yaml", 0, a, 257);
    sm_sanafe_arch_destroy(&a);
}

/* Random edits of the small chip and network (bytes changed, dropped,
 * repeated; lines swapped by the edits' newlines): read and placed, each
 * either accepted or refused with a message that names the file. */
static void s_mutate(sm_rng_t *rng, const char *base, char *out, size_t cap, size_t *len)
{
    static const char alphabet[] = "ab.:,-[]{}0123456789 \n'&*#_";
    size_t n = strlen(base);
    memcpy(out, base, n);
    int edits = 1 + (int)sm_rng_below(rng, 4);
    for (int e = 0; e < edits && n > 2; e++) {
        size_t at = sm_rng_below(rng, (uint32_t)n);
        switch (sm_rng_below(rng, 3)) {
        case 0:
            out[at] = alphabet[sm_rng_below(rng, sizeof alphabet - 1)];
            break;
        case 1: {
            size_t k = 1 + sm_rng_below(rng, 8);
            if (at + k > n)
                k = n - at;
            memmove(out + at, out + at + k, n - at - k);
            n -= k;
            break;
        }
        default: {
            size_t k = 1 + sm_rng_below(rng, 8);
            if (at + k > n)
                k = n - at;
            if (n + k >= cap)
                break;
            memmove(out + at + k, out + at, n - at);
            n += k;
            break;
        }
        }
    }
    *len = n;
}

Test(sanafe_cut, mutations)
{
    sm_error_t err;
    sm_yaml_t *ad = sm_yaml_parse("tiny_arch.yaml", s_arch, strlen(s_arch), NULL, &err);
    cr_assert_not_null(ad, "%s", err.msg);
    sm_sanafe_arch_t *a = sm_sanafe_arch_read(ad, sm_yaml_get(ad, sm_yaml_root(ad), "architecture"), &err);
    cr_assert_not_null(a, "%s", err.msg);
    sm_yaml_destroy(&ad);
    sm_rng_t rng = sm_rng_stream(2024, 9, 0);
    static char buf[8192];
    int rounds = getenv("SM_SANITIZED") ? 1500 : 4000, accepted = 0;
    for (int i = 0; i < rounds; i++) {
        int net = i % 2;
        size_t len;
        s_mutate(&rng, net ? s_net : s_arch, buf, sizeof buf, &len);
        const char *name = net ? "m_net.yaml" : "m_arch.yaml";
        sm_error_clear(&err);
        sm_yaml_t *d = sm_yaml_parse(name, buf, len, NULL, &err);
        int ok = 0;
        if (d && net) {
            sm_sanafe_snn_t *s = sm_sanafe_snn_read(d, &err);
            sm_sanafe_bound_t *b = s ? sm_sanafe_bind(a, s, &err) : NULL;
            ok = b != NULL;
            sm_sanafe_bound_destroy(&b);
            sm_sanafe_snn_destroy(&s);
        } else if (d) {
            sm_sanafe_arch_t *x = sm_sanafe_arch_read(d, sm_yaml_get(d, sm_yaml_root(d), "architecture"), &err);
            ok = x != NULL;
            sm_sanafe_arch_destroy(&x);
        }
        sm_yaml_destroy(&d);
        accepted += ok;
        if (!ok)
            cr_assert(strstr(err.msg, name) || strstr(err.msg, "tiny_arch.yaml"), "round %d: '%s'", i,
                      err.msg);
    }
    cr_assert_gt(accepted, 0, "some edits (in a comment-free file, a changed digit) still read");
    sm_sanafe_arch_destroy(&a);
}

/* ---- the command ---- */

static int s_run(const char *args, char *out, size_t size)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s sanafe %s 2>&1", SM_BIN, args);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t n = fread(out, 1, size - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(sanafe_cli, info, .init = s_mkdir, .fini = s_rmdir)
{
    static char out[1 << 16];
    cr_assert_eq(s_run("info " DATA "mesh4.yaml " DATA "convnet.mesh4.yaml", out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "architecture mesh4_test_chip"), "%s", out);
    cr_assert(strstr(out, "4 groups, 2470 neurons, 3 edges, 62088 synapses"), "%s", out);
    cr_assert(strstr(out, "edges: dense 1 (4200 synapses) conv2d 2 (57888 synapses)"), "%s", out);
    cr_assert(strstr(out, "mapping: 11 of 32 cores and 6 of 16 tiles in use; sync latency 0.8 us"), "%s", out);
    cr_assert(strstr(out, "group pix          504 x leaky_integrate_fire (unit lif_a)"), "%s", out);
    cr_assert(strstr(out, "peak memory"), "%s", out);
    char args[512];
    char *bad = s_edit(s_net, "a -> b:", "a -> c:");
    snprintf(args, sizeof args, "info %s %s", s_write("a.yaml", s_arch), s_write("n.yaml", bad));
    free(bad);
    cr_assert_eq(s_run(args, out, sizeof out), 2, "%s", out);
    cr_assert(strstr(out, "n.yaml:12: edge a -> c: no group named 'c'"), "%s", out);
    cr_assert_eq(s_run("info", out, sizeof out), 2);
    cr_assert_eq(s_run("info --help", out, sizeof out), 0);
    cr_assert_eq(s_run("frob", out, sizeof out), 2);
}
