/* spikemesh sanafe: SANA-FE's chip and network files.
 *   sanafe info ARCH.yaml [NET.yaml]   what was read, and how the net sits on the chip */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "commands.h"
#include "options.h"
#include "sanafe_arch.h"
#include "sanafe_bind.h"
#include "sanafe_snn.h"
#include "sm_yaml.h"

static void s_help(FILE *f)
{
    fprintf(f, "usage: spikemesh sanafe info ARCH.yaml [NET.yaml|NET.net] [--all-cores]\n"
               "       spikemesh sanafe check EXPECTED.json [RESULT.json] [options] (see --help)\n\n"
               "Reads a SANA-FE architecture file and, if given, a SANA-FE network file\n"
               "(SNN YAML or the older netlist), checks the network's mapping onto the chip and\n"
               "prints what was read: tiles, cores, units and their prices; groups, edges and\n"
               "synapses; neurons and synapses per core; and the time and memory it took.\n"
               "A single file may hold architecture:, network: and mappings: together.\n"
               "--all-cores lists every core, not only the cores in use.\n");
}

static double s_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static long s_peak_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* ---- the chip ---- */

static void s_print_unit(FILE *f, const sm_sanafe_unit_t *u, uint32_t n)
{
    const char *role = u->role == SM_SF_ROLE_SYNAPSE    ? "synapse"
                       : u->role == SM_SF_ROLE_DENDRITE ? "dendrite"
                                                        : "soma";
    char name[96];
    if (n > 1) {
        const char *br = strrchr(u->name, '[');
        snprintf(name, sizeof name, "%.*s[..] x%u", br ? (int)(br - u->name) : (int)strlen(u->name),
                 u->name, n);
    } else {
        snprintf(name, sizeof name, "%s", u->name);
    }
    fprintf(f, "    %-8s %-24s %-22s", role, name, sm_sf_model_name(u->model));
    if (!u->has_energy && !u->has_latency) {
        fprintf(f, " (no prices)\n");
        return;
    }
    if (u->role == SM_SF_ROLE_SYNAPSE)
        fprintf(f, " spike %g pJ %g ns", u->energy_process_spike * 1e12, u->latency_process_spike * 1e9);
    else if (u->role == SM_SF_ROLE_DENDRITE)
        fprintf(f, " update %g pJ %g ns", u->energy_update * 1e12, u->latency_update * 1e9);
    else
        fprintf(f, " access %g pJ %g ns, update %g pJ %g ns, spike out %g pJ %g ns",
                u->energy_access_neuron * 1e12, u->latency_access_neuron * 1e9,
                u->energy_update_neuron * 1e12, u->latency_update_neuron * 1e9,
                u->energy_spike_out * 1e12, u->latency_spike_out * 1e9);
    if (!u->has_energy || !u->has_latency)
        fprintf(f, " (%s missing)", u->has_energy ? "latency" : "energy");
    if (u->update_every_timestep)
        fprintf(f, ", update_every_timestep");
    if (u->noise)
        fprintf(f, ", noise %s (%d bits)", u->noise, u->noise_bits);
    fprintf(f, "\n");
}

static void s_print_arch(FILE *f, const sm_sanafe_arch_t *a)
{
    fprintf(f, "architecture %s (%s:%u)\n", a->name, a->file, a->line);
    fprintf(f, "  mesh %u x %u tiles, link_buffer_size %u, sync %s:", a->width, a->height,
            a->link_buffer_size, a->sync_model == SM_SF_SYNC_TABLE ? "table" : "fixed");
    for (uint32_t i = 0; i < a->n_sync; i++)
        fprintf(f, " %llu: %g us", (unsigned long long)a->sync_keys[i], a->sync_latency[i] * 1e6);
    fprintf(f, "\n  %u tiles, %u cores (at most %u per tile), %u core types, %u unit records\n",
            a->n_tiles, a->n_cores, a->max_cores_per_tile, a->n_ctypes, a->n_units);
    /* Tiles made by one YAML entry share their figures: one line per entry. */
    for (uint32_t t = 0; t < a->n_tiles;) {
        uint32_t e = t;
        while (e + 1 < a->n_tiles && a->tiles[e + 1].line == a->tiles[t].line)
            e++;
        const sm_sanafe_tile_t *x = &a->tiles[t];
        fprintf(f, "  tiles %u..%u (line %u): hops N/E/S/W %g/%g/%g/%g pJ, %g/%g/%g/%g ns; %u cores "
                   "each\n",
                t, e, x->line, x->energy_north_hop * 1e12, x->energy_east_hop * 1e12,
                x->energy_south_hop * 1e12, x->energy_west_hop * 1e12, x->latency_north_hop * 1e9,
                x->latency_east_hop * 1e9, x->latency_south_hop * 1e9, x->latency_west_hop * 1e9,
                x->n_cores);
        t = e + 1;
    }
    static const char *const buf[] = {"dendrite", "soma", "axon_out"};
    for (uint32_t i = 0; i < a->n_ctypes; i++) {
        const sm_sanafe_ctype_t *t = &a->ctypes[i];
        uint32_t n = 0;
        for (uint32_t c = 0; c < a->n_cores; c++)
            n += a->cores[c].type == i;
        fprintf(f, "  core type %s (line %u): %u cores, max_neurons_supported %u, buffer before %s%s\n",
                t->name, t->line, n, t->max_neurons, buf[t->buffer_position],
                t->buffer_inside_unit ? " (inside the unit)" : "");
        for (uint32_t j = 0; j < t->n_in; j++) {
            const sm_sanafe_axon_t *x = &a->axons[t->first_in + j];
            fprintf(f, "    axon_in  %-24s message in %g pJ %g ns\n", x->name, x->energy * 1e12,
                    x->latency * 1e9);
        }
        for (uint32_t j = 0; j < t->n_units;) {
            uint32_t k = j;
            while (k + 1 < t->n_units && a->units[t->first_unit + k + 1].line == a->units[t->first_unit + j].line)
                k++;
            s_print_unit(f, &a->units[t->first_unit + j], k - j + 1);
            j = k + 1;
        }
        for (uint32_t j = 0; j < t->n_out; j++) {
            const sm_sanafe_axon_t *x = &a->axons[t->first_out + j];
            fprintf(f, "    axon_out %-24s message out %g pJ %g ns\n", x->name, x->energy * 1e12,
                    x->latency * 1e9);
        }
    }
}

/* ---- the network ---- */

static void s_print_snn(FILE *f, const sm_sanafe_snn_t *s)
{
    fprintf(f, "network %s (%s%s): %u groups, %u neurons, %u edges, %llu synapses, %u mapping "
               "entries, %u neuron settings records\n",
            s->name[0] ? s->name : "(unnamed)", s->file, s->netlist ? ", netlist" : "", s->n_groups,
            s->n_neurons, s->n_edges, (unsigned long long)s->n_synapses, s->n_maps, s->n_confs);
    fprintf(f, "  %-12s %8s %8s %-20s %-22s %s\n", "group", "neurons", "first", "soma_hw_name",
            "synapse_hw_name", "(groups in SANA-FE's name order)");
    for (uint32_t i = 0; i < s->n_groups; i++) {
        const sm_sanafe_group_t *g = &s->groups[s->by_name[i]];
        const sm_sanafe_nconf_t *c = &s->confs[g->conf];
        fprintf(f, "  %-12s %8u %8u %-20s %-22s line %u\n", g->name, g->n, g->first,
                c->soma_hw ? sm_sanafe_name(s, c->soma_hw) : "-",
                c->synapse_hw ? sm_sanafe_name(s, c->synapse_hw) : "-", g->line);
    }
    uint32_t count[4] = {0};
    uint64_t syn[4] = {0};
    for (uint32_t i = 0; i < s->n_edges; i++) {
        count[s->edges[i].kind]++;
        syn[s->edges[i].kind] += s->edges[i].n_syn;
    }
    fprintf(f, "  edges:");
    for (int k = 0; k < 4; k++)
        if (count[k])
            fprintf(f, " %s %u (%llu synapses)", sm_sanafe_edge_kind((sm_sfe_kind_t)k), count[k],
                    (unsigned long long)syn[k]);
    fprintf(f, "\n");
    uint32_t shown = 0;
    for (uint32_t i = 0; i < s->n_edges; i++) {
        const sm_sanafe_edge_t *e = &s->edges[i];
        if (e->kind == SM_SFE_SINGLE)
            continue;
        if (++shown > 40) {
            fprintf(f, "    ...\n");
            break;
        }
        fprintf(f, "    line %-6u %-7s %s -> %s: %llu synapses", e->line, sm_sanafe_edge_kind(e->kind),
                s->groups[e->src_group].name, s->groups[e->dst_group].name,
                (unsigned long long)e->n_syn);
        if (e->kind == SM_SFE_CONV2D) {
            const sm_sanafe_conv_t *c = &e->conv;
            fprintf(f, " (in %dx%dx%d, kernel %dx%d x%d, stride %dx%d, out %dx%d)", c->input_channels,
                    c->input_height, c->input_width, c->kernel_height, c->kernel_width,
                    c->kernel_count, c->stride_height, c->stride_width, c->output_height,
                    c->output_width);
        }
        if (e->delay != UINT32_MAX)
            fprintf(f, ", delays up to %d", e->max_delay);
        fprintf(f, "\n");
    }
}

static void s_print_bound(FILE *f, const sm_sanafe_arch_t *a, const sm_sanafe_snn_t *s,
                          const sm_sanafe_bound_t *b, int all)
{
    fprintf(f, "mapping: %u of %u cores and %u of %u tiles in use; sync latency %g us per step\n",
            b->cores_used, a->n_cores, b->tiles_used, a->n_tiles, b->sync_latency * 1e6);
    /* The models the groups run on, known once each neuron has its soma unit. */
    for (uint32_t i = 0; i < s->n_groups; i++) {
        const sm_sanafe_group_t *g = &s->groups[s->by_name[i]];
        uint32_t per[SM_SF_MODEL_COUNT] = {0};
        const char *unit[SM_SF_MODEL_COUNT] = {0};
        int mixed[SM_SF_MODEL_COUNT] = {0};
        for (uint32_t k = 0; k < g->n; k++) {
            const sm_sanafe_unit_t *u = sm_sanafe_core_unit(a, b->core[g->first + k], b->soma[g->first + k]);
            if (!per[u->model]++)
                unit[u->model] = u->name;
            else if (strcmp(unit[u->model], u->name))
                mixed[u->model] = 1;
        }
        fprintf(f, "  group %-12s", g->name);
        for (int m = 0; m < SM_SF_MODEL_COUNT; m++)
            if (per[m])
                fprintf(f, " %u x %s (unit %s%s)", per[m], sm_sf_model_name((sm_sf_model_t)m), unit[m],
                        mixed[m] ? " and others" : "");
        fprintf(f, "\n");
    }
    fprintf(f, "  %-7s %-20s %8s %10s  %s\n", "core", "name", "neurons", "synapses",
            "units in use (neurons; synapses for synapse units)");
    for (uint32_t c = 0; c < a->n_cores; c++) {
        uint32_t n = b->core_first[c + 1] - b->core_first[c];
        if (!n && !all)
            continue;
        char name[96], addr[32];
        snprintf(addr, sizeof addr, "%u.%u", a->cores[c].tile, a->cores[c].offset);
        fprintf(f, "  %-7s %-20s %8u %10llu ", addr, sm_sanafe_core_name(a, c, name, sizeof name), n,
                (unsigned long long)b->core_synapses[c]);
        const sm_sanafe_ctype_t *t = sm_sanafe_core_type(a, c);
        int listed = 0;
        for (uint32_t u = 0; u < t->n_units; u++) {
            uint32_t use = b->unit_use[b->unit_first[c] + u];
            if (!use)
                continue;
            if (++listed > 4) {
                fprintf(f, " ...");
                break;
            }
            fprintf(f, " %s %u", a->units[t->first_unit + u].name, use);
        }
        if (n) {
            uint32_t first = b->order[b->core_first[c]];
            uint32_t g = sm_sanafe_group_of(s, first);
            fprintf(f, "  [first %s.%u]", s->groups[g].name, first - s->groups[g].first);
        }
        fprintf(f, "\n");
    }
}

static int s_info(int argc, char **argv)
{
    const char *files[2] = {NULL, NULL};
    int nfiles = 0, all = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--all-cores")) {
            all = 1;
        } else if (argv[i][0] == '-') {
            static const char *const known[] = {"--all-cores", "--help", NULL};
            return sm_opt_unknown("sanafe info", argv[i], known);
        } else if (nfiles == 2) {
            fprintf(stderr, "spikemesh sanafe info: an architecture and a network file at most, "
                            "got '%s' too\n", argv[i]);
            return 2;
        } else
            files[nfiles++] = argv[i];
    }
    if (!nfiles) {
        s_help(stderr);
        return 2;
    }
    sm_error_t err;
    sm_error_clear(&err);
    sm_sanafe_arch_t *arch = NULL;
    sm_sanafe_snn_t *snn = NULL;
    sm_sanafe_bound_t *bound = NULL;
    sm_sanafe_syn_t syn = {0};
    int rc = 2;
    double t0 = s_now(), t_arch = 0, t_net = 0, t_bind = 0, t_syn = 0;
    if (nfiles == 1) {
        /* One file: an architecture, or a network that carries its own. */
        sm_yaml_t *doc = sm_yaml_load(files[0], NULL, &err);
        if (doc && sm_yaml_get(doc, sm_yaml_root(doc), "network")) {
            snn = sm_sanafe_snn_read(doc, &err);
            if (snn && !snn->arch)
                sm_fail(&err, SM_EINVAL, "%s: has no architecture: section; give ARCH.yaml first",
                        files[0]);
            else if (snn)
                arch = snn->arch;
            t_net = s_now() - t0;
        } else if (doc) {
            arch = sm_sanafe_arch_read(doc, sm_yaml_get(doc, sm_yaml_root(doc), "architecture"), &err);
            if (!sm_yaml_get(doc, sm_yaml_root(doc), "architecture"))
                sm_fail(&err, SM_EPARSE, "%s: no architecture: section", files[0]);
            t_arch = s_now() - t0;
        }
        sm_yaml_destroy(&doc);
        if (!arch)
            goto out;
    } else {
        if (!(arch = sm_sanafe_arch_load(files[0], &err)))
            goto out;
        t_arch = s_now() - t0;
        double t1 = s_now();
        if (!(snn = sm_sanafe_snn_load(files[1], &err)))
            goto out;
        t_net = s_now() - t1;
    }
    s_print_arch(stdout, arch);
    if (snn) {
        if (nfiles == 2 && snn->arch)
            printf("note: %s carries its own architecture: (%s); %s is used instead\n", snn->file,
                   snn->arch->name, files[0]);
        s_print_snn(stdout, snn);
        double t1 = s_now();
        if (!(bound = sm_sanafe_bind(arch, snn, &err)))
            goto out;
        t_bind = s_now() - t1;
        t1 = s_now();
        if (sm_sanafe_synapses(snn, &syn, &err))
            goto out;
        t_syn = s_now() - t1;
        s_print_bound(stdout, arch, snn, bound, all);
        for (uint32_t i = 0; i < snn->n_warnings; i++)
            printf("warning: %s\n", snn->warnings[i]);
        for (uint32_t i = 0; i < bound->n_warnings; i++)
            printf("warning: %s\n", bound->warnings[i]);
    }
    printf("read: architecture %.1f ms, network %.1f ms, placing %.1f ms, synapse expansion %.1f ms "
           "(%llu synapses, %.1f MiB); total %.1f ms, peak memory %.1f MiB\n",
           t_arch * 1e3, t_net * 1e3, t_bind * 1e3, t_syn * 1e3, (unsigned long long)syn.n,
           (double)syn.n * 12.0 / (1 << 20), (s_now() - t0) * 1e3, (double)s_peak_kib() / 1024.0);
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "spikemesh sanafe info: %s\n", err.msg);
    sm_sanafe_synapses_fini(&syn);
    sm_sanafe_bound_destroy(&bound);
    if (snn && arch == snn->arch)
        arch = NULL;
    sm_sanafe_snn_destroy(&snn);
    sm_sanafe_arch_destroy(&arch);
    return rc;
}

int sm_cmd_sanafe(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        s_help(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "info")) {
        if (sm_wants_help(argc - 1, argv + 1)) {
            s_help(stdout);
            return 0;
        }
        return s_info(argc - 1, argv + 1);
    }
    if (!strcmp(argv[1], "check"))
        return sm_cmd_sanafe_check(argc - 1, argv + 1);
    fprintf(stderr, "spikemesh sanafe: unknown subcommand '%s'\n\n", argv[1]);
    s_help(stderr);
    return 2;
}
