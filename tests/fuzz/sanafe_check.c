/* sanafe_check: the promises of sanafe_arch.h, sanafe_snn.h and
 * sanafe_bind.h, checked on whatever the fuzzed readers accept. */
#include "sanafe_check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *s_unit(const sm_sanafe_unit_t *u)
{
    if (!u->name)
        return "a unit without a name";
    if (u->model >= SM_SF_MODEL_COUNT || sm_sf_model_role(u->model) != u->role)
        return "a unit whose model is not of its role";
    const double *d[] = {&u->energy_process_spike, &u->latency_process_spike, &u->energy_update,
                         &u->latency_update, &u->energy_access_neuron, &u->latency_access_neuron,
                         &u->energy_update_neuron, &u->latency_update_neuron,
                         &u->energy_spike_out, &u->latency_spike_out};
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
        if (isnan(*d[i]))
            return "a unit figure that is NaN";
    return NULL;
}

const char *sf_arch_invariants(const sm_sanafe_arch_t *a)
{
    if (!a->file || !a->name)
        return "no file or name";
    if (a->width < 1 || a->height < 1 || (uint64_t)a->n_tiles > (uint64_t)a->width * a->height)
        return "tiles that do not fit the mesh";
    if (a->n_sync < 1 || !a->sync_keys || !a->sync_latency)
        return "no sync latency";
    for (uint32_t i = 0; i < a->n_sync; i++) {
        if (isnan(a->sync_latency[i]))
            return "a sync latency that is NaN";
        if (i && a->sync_keys[i - 1] >= a->sync_keys[i])
            return "sync keys not ascending";
    }
    if (a->sync_model == SM_SF_SYNC_FIXED && (a->n_sync != 1 || a->sync_keys[0] != 0))
        return "a fixed sync model with a table";
    uint32_t core = 0, most = 0;
    for (uint32_t t = 0; t < a->n_tiles; t++) {
        const sm_sanafe_tile_t *tl = &a->tiles[t];
        if (!tl->name)
            return "a tile without a name";
        if (tl->first_core != core)
            return "tiles whose cores are not in tile order";
        if (tl->x != t / a->height || tl->y != t % a->height)
            return "a tile off its place on the mesh";
        const double *d[] = {&tl->energy_north_hop, &tl->latency_north_hop, &tl->energy_east_hop,
                             &tl->latency_east_hop, &tl->energy_south_hop, &tl->latency_south_hop,
                             &tl->energy_west_hop, &tl->latency_west_hop};
        for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
            if (isnan(*d[i]))
                return "a hop figure that is NaN";
        core += tl->n_cores;
        if (tl->n_cores > most)
            most = tl->n_cores;
    }
    if (core != a->n_cores || most != a->max_cores_per_tile)
        return "core counts that do not add up";
    for (uint32_t c = 0; c < a->n_cores; c++) {
        const sm_sanafe_core_t *co = &a->cores[c];
        if (co->tile >= a->n_tiles || co->offset >= a->tiles[co->tile].n_cores ||
            a->tiles[co->tile].first_core + co->offset != c)
            return "a core that is not where its tile says";
        if (co->type >= a->n_ctypes)
            return "a core of no type";
    }
    for (uint32_t t = 0; t < a->n_ctypes; t++) {
        const sm_sanafe_ctype_t *ct = &a->ctypes[t];
        if (!ct->name || ct->max_neurons < 1)
            return "a core type without a name or room";
        if ((uint64_t)ct->first_unit + ct->n_units > a->n_units ||
            (uint64_t)ct->first_in + ct->n_in > a->n_axons ||
            (uint64_t)ct->first_out + ct->n_out > a->n_axons)
            return "a core type whose units are not there";
        if (ct->buffer_position > SM_SF_BUFFER_AXON_OUT)
            return "a buffer position out of its set";
    }
    for (uint32_t u = 0; u < a->n_units; u++) {
        const char *why = s_unit(&a->units[u]);
        if (why)
            return why;
    }
    for (uint32_t x = 0; x < a->n_axons; x++)
        if (!a->axons[x].name || isnan(a->axons[x].energy) || isnan(a->axons[x].latency))
            return "an axon unit without a name, or NaN";
    char buf[128];
    for (uint32_t c = 0; c < a->n_cores; c++)
        sm_sanafe_core_name(a, c, buf, sizeof buf);
    for (uint32_t t = 0; t <= a->n_tiles && t < 64; t++)
        if (isnan(sm_sanafe_sync_latency(a, t)))
            return "a sync latency that is NaN";
    return NULL;
}

static const char *s_name_at(const sm_sanafe_snn_t *s, uint32_t off)
{
    return off < s->names_len || off == 0 ? NULL : "a unit name off the name pool";
}

static const char *s_conf(const sm_sanafe_snn_t *s, const sm_sanafe_nconf_t *c)
{
    for (int k = 0; k < SM_SFA_COUNT; k++)
        if ((c->set & (1u << k)) && isnan(c->v[k]))
            return "an attribute that is NaN";
    if ((c->set & (1u << SM_SFA_SPIKES)) &&
        (uint64_t)c->spikes_first + c->spikes_len > s->n_spikes)
        return "a spike train off the pool";
    const char *why;
    if ((why = s_name_at(s, c->soma_hw)) || (why = s_name_at(s, c->dendrite_hw)) ||
        (why = s_name_at(s, c->synapse_hw)))
        return why;
    if (c->log_spikes < -1 || c->log_spikes > 1 || c->log_potential < -1 || c->log_potential > 1)
        return "a log flag out of its set";
    sm_sanafe_lif_t l;
    sm_sanafe_lif_params(c, &l);
    if (l.reset_mode > SM_SF_RESET_SATURATE || l.reverse_reset_mode > SM_SF_RESET_SATURATE)
        return "a reset mode out of its set";
    sm_sanafe_input_t in;
    sm_sanafe_input_params(s, c, &in);
    for (uint32_t i = 0; in.spikes && i < in.n_spikes; i++)
        if (in.spikes[i] > 1)
            return "a spike that is not 0 or 1";
    return NULL;
}

static const char *s_edge(const sm_sanafe_snn_t *s, const sm_sanafe_edge_t *e)
{
    if (e->kind > SM_SFE_CONV2D || e->src_group >= s->n_groups || e->dst_group >= s->n_groups)
        return "an edge between groups that are not there";
    uint32_t ns = s->groups[e->src_group].n, nd = s->groups[e->dst_group].n;
    if ((uint64_t)e->weight + e->n_attr > s->n_weights)
        return "edge weights off the pool";
    if (e->delay != UINT32_MAX && (uint64_t)e->delay + e->n_attr > s->n_delays)
        return "edge delays off the pool";
    for (uint32_t i = 0; i < e->n_attr; i++)
        if (isnan(s->weights[e->weight + i]))
            return "a weight that is NaN";
    switch (e->kind) {
    case SM_SFE_SINGLE:
        if (e->src >= ns || e->dst >= nd || e->n_syn != 1 || e->n_attr != 1)
            return "a single edge off its groups";
        break;
    case SM_SFE_DENSE:
        if (e->n_syn != (uint64_t)ns * nd || e->n_attr != e->n_syn)
            return "a dense edge of the wrong size";
        break;
    case SM_SFE_SPARSE:
        if ((uint64_t)e->pairs + 2 * e->n_syn > s->n_pairs || e->n_attr != e->n_syn)
            return "sparse pairs off the pool";
        for (uint64_t k = 0; k < e->n_syn; k++)
            if (s->pairs[e->pairs + 2 * k] >= ns || s->pairs[e->pairs + 2 * k + 1] >= nd)
                return "a sparse pair off its groups";
        break;
    case SM_SFE_CONV2D: {
        const sm_sanafe_conv_t *c = &e->conv;
        if (c->input_width < 1 || c->input_height < 1 || c->input_channels < 1 ||
            c->kernel_width < 1 || c->kernel_height < 1 || c->kernel_count < 1 ||
            c->stride_width < 1 || c->stride_height < 1 || c->output_width < 1 ||
            c->output_height < 1)
            return "a conv2d edge with a size < 1";
        if ((uint64_t)c->input_width * c->input_height * c->input_channels != ns ||
            (uint64_t)c->output_width * c->output_height * c->kernel_count != nd)
            return "a conv2d edge whose sizes are not its groups'";
        if ((uint64_t)c->kernel_width * c->kernel_height * c->input_channels * c->kernel_count !=
            e->n_attr)
            return "a conv2d kernel of the wrong size";
        break;
    }
    }
    return NULL;
}

static int s_cmp_bytes(const char *a, const char *b)
{
    return strcmp(a, b);
}

const char *sf_snn_invariants(const sm_sanafe_snn_t *s)
{
    if (!s->file || !s->name)
        return "no file or name";
    if (s->n_neurons > SM_SANAFE_MAX_NEURONS || s->n_synapses > SM_SANAFE_MAX_SYNAPSES)
        return "more neurons or synapses than the limits";
    uint32_t first = 0;
    for (uint32_t g = 0; g < s->n_groups; g++) {
        const sm_sanafe_group_t *gr = &s->groups[g];
        if (!gr->name || gr->first != first || gr->conf >= s->n_confs)
            return "a group without a name, out of order or without settings";
        first += gr->n;
    }
    if (first != s->n_neurons)
        return "groups that do not add up to the neurons";
    if (s->n_groups) {
        uint8_t *seen = calloc(s->n_groups, 1);
        const char *why = NULL;
        for (uint32_t i = 0; i < s->n_groups && !why; i++) {
            uint32_t g = s->by_name[i];
            if (g >= s->n_groups || seen[g])
                why = "the group index is not a permutation";
            else if (i && s_cmp_bytes(s->groups[s->by_name[i - 1]].name, s->groups[g].name) >= 0)
                why = "the group index is not in name order";
            else
                seen[g] = 1;
        }
        free(seen);
        if (why)
            return why;
    }
    for (uint32_t i = 0; i < s->n_neurons; i++) {
        if (s->nconf[i] >= s->n_confs)
            return "a neuron without settings";
        if (s->mapped[i] != UINT32_MAX) {
            if (s->mapped[i] >= s->n_maps)
                return "a neuron mapped by an entry that is not there";
            const sm_sanafe_map_t *m = &s->maps[s->mapped[i]];
            uint32_t g = sm_sanafe_group_of(s, i);
            if (m->group != g || i - s->groups[g].first < m->first ||
                i - s->groups[g].first > m->last)
                return "a neuron mapped by an entry that does not cover it";
        }
    }
    for (uint32_t c = 0; c < s->n_confs; c++) {
        const char *why = s_conf(s, &s->confs[c]);
        if (why)
            return why;
    }
    uint64_t syn = 0;
    for (uint32_t e = 0; e < s->n_edges; e++) {
        const char *why = s_edge(s, &s->edges[e]);
        if (why)
            return why;
        syn += s->edges[e].n_syn;
    }
    if (syn != s->n_synapses)
        return "edges that do not add up to the synapses";
    for (uint32_t m = 0; m < s->n_maps; m++) {
        const sm_sanafe_map_t *mp = &s->maps[m];
        if (mp->group >= s->n_groups || mp->first > mp->last || mp->last >= s->groups[mp->group].n)
            return "a mapping entry off its group";
        const char *why;
        if ((why = s_name_at(s, mp->synapse_hw)) || (why = s_name_at(s, mp->dendrite_hw)) ||
            (why = s_name_at(s, mp->soma_hw)))
            return why;
    }
    if (s->names_len && (!s->names || s->names[0] || s->names[s->names_len - 1]))
        return "a name pool that does not start and end with a NUL";
    for (uint32_t w = 0; w < s->n_warnings; w++)
        if (!s->warnings[w])
            return "a warning without its text";
    if (s->arch)
        return sf_arch_invariants(s->arch);
    return NULL;
}

static const char *s_synapses(const sm_sanafe_snn_t *s, const sm_sanafe_syn_t *y)
{
    if (y->n != s->n_synapses || y->edge_first[0] != 0 || y->edge_first[s->n_edges] != y->n)
        return "an expansion of another number of synapses";
    for (uint32_t e = 0; e < s->n_edges; e++) {
        const sm_sanafe_edge_t *ed = &s->edges[e];
        const sm_sanafe_group_t *gs = &s->groups[ed->src_group], *gd = &s->groups[ed->dst_group];
        if (y->edge_first[e + 1] - y->edge_first[e] != ed->n_syn)
            return "an edge expanded to another number of synapses";
        for (uint64_t k = y->edge_first[e]; k < y->edge_first[e + 1]; k++)
            if (y->pre[k] - gs->first >= gs->n || y->post[k] - gd->first >= gd->n ||
                y->aidx[k] >= ed->n_attr)
                return "an expanded synapse off its edge's groups or weights";
    }
    return NULL;
}

static const char *s_bound(const sm_sanafe_arch_t *a, const sm_sanafe_snn_t *s,
                           const sm_sanafe_bound_t *b)
{
    if (b->n_neurons != s->n_neurons || b->n_cores != a->n_cores)
        return "a placement of another size";
    if (b->core_first[0] != 0 || b->core_first[b->n_cores] != b->n_neurons)
        return "cores that do not hold every neuron";
    uint8_t *seen = calloc(s->n_neurons ? s->n_neurons : 1, 1);
    const char *why = NULL;
    for (uint32_t c = 0; c < b->n_cores && !why; c++) {
        if (b->core_first[c] > b->core_first[c + 1])
            why = "core ranges out of order";
        for (uint32_t k = b->core_first[c]; k < b->core_first[c + 1] && !why; k++) {
            uint32_t i = b->order[k];
            if (i >= s->n_neurons || seen[i] || b->core[i] != c)
                why = "the order is not the neurons core by core";
            else
                seen[i] = 1;
        }
    }
    for (uint32_t i = 0; i < s->n_neurons && !why; i++) {
        const sm_sanafe_ctype_t *t = sm_sanafe_core_type(a, b->core[i]);
        if (b->soma[i] >= t->n_units || b->dendrite[i] >= t->n_units ||
            (b->synapse[i] != UINT32_MAX && b->synapse[i] >= t->n_units))
            why = "a neuron on a unit its core lacks";
    }
    free(seen);
    return why;
}

void sf_snn_check(fz_stats_t *st, const char *what, const sm_sanafe_snn_t *s,
                  const sm_sanafe_arch_t *chip, const void *buf, size_t len)
{
    const char *why = sf_snn_invariants(s);
    if (why) {
        fz_bad(st, what, buf, len, "accepted, but %s", why);
        return;
    }
    sm_error_t err;
    if (s->n_synapses <= FUZZ_SF_MAX_SYNAPSES) {
        sm_sanafe_syn_t y = {0};
        sm_error_clear(&err);
        if (sm_sanafe_synapses(s, &y, &err) < 0) {
            if (!err.msg[0])
                fz_bad(st, what, buf, len, "synapse expansion refused without a message");
        } else if ((why = s_synapses(s, &y))) {
            fz_bad(st, what, buf, len, "accepted, but %s", why);
        }
        sm_sanafe_synapses_fini(&y);
    }
    const sm_sanafe_arch_t *a = s->arch ? s->arch : chip;
    if (!a || s->n_neurons > FUZZ_SF_MAX_NEURONS || s->n_synapses > FUZZ_SF_MAX_SYNAPSES)
        return;
    sm_error_clear(&err);
    sm_sanafe_bound_t *b = sm_sanafe_bind(a, s, &err);
    if (!b) {
        if (!err.msg[0])
            fz_bad(st, what, buf, len, "placement refused without a message");
        return;
    }
    if ((why = s_bound(a, s, b)))
        fz_bad(st, what, buf, len, "placed, but %s", why);
    sm_sanafe_bound_destroy(&b);
}

const sm_sanafe_arch_t *sf_mesh4(void)
{
    static sm_sanafe_arch_t *a;
    if (!a) {
        sm_error_t err;
        a = sm_sanafe_arch_load(T_DATA_DIR "/sanafe/mesh4.yaml", &err);
        t_require(a, "%s", err.msg);
    }
    return a;
}

const char sf_tiny_arch[] =
    "architecture:\n"
    "  name: tiny\n"
    "  attributes: {width: 2, height: 1, link_buffer_size: 2, sync_model: table,\n"
    "               latency_sync: {1: 1.0e-7, 2: 2.0e-7}}\n"
    "  tile:\n"
    "    - name: t[0..1]\n"
    "      attributes: {energy_north_hop: 1.0e-12, latency_north_hop: 1.0e-9, energy_east_hop: "
    "2.0e-12, latency_east_hop: 2.0e-9, energy_south_hop: 3.0e-12, latency_south_hop: 3.0e-9, "
    "energy_west_hop: 4.0e-12, latency_west_hop: 4.0e-9}\n"
    "      core:\n"
    "        - name: c[0..1]\n"
    "          attributes: {buffer_position: soma, max_neurons_supported: 4}\n"
    "          axon_in: [{name: ain, attributes: {energy_message_in: 1.0e-12, latency_message_in: "
    "1.0e-9}}]\n"
    "          synapse: [{name: syn, attributes: {model: current_based, energy_process_spike: "
    "2.0e-12, latency_process_spike: 1.0e-9}}]\n"
    "          dendrite: [{name: den, attributes: {model: accumulator, energy_update: 0, "
    "latency_update: 0}}]\n"
    "          soma:\n"
    "            - name: lif\n"
    "              attributes: {model: leaky_integrate_fire, energy_access_neuron: 1.0e-12, "
    "latency_access_neuron: 1.0e-9, energy_update_neuron: 1.0e-12, latency_update_neuron: 1.0e-9, "
    "energy_spike_out: 1.0e-12, latency_spike_out: 1.0e-9}\n"
    "            - name: in[0..3]\n"
    "              attributes: {model: input, energy_access_neuron: 0, latency_access_neuron: 0, "
    "energy_update_neuron: 0, latency_update_neuron: 0, energy_spike_out: 0, latency_spike_out: "
    "0}\n"
    "          axon_out: [{name: aout, attributes: {energy_message_out: 3.0e-12, "
    "latency_message_out: 1.0e-9}}]\n";

const char sf_tiny_net[] =
    "network:\n"
    "  name: tiny\n"
    "  groups:\n"
    "    - name: a\n"
    "      attributes: {threshold: 1, reset_mode: soft, refractory_delay: 1}\n"
    "      neurons: [0..2]\n"
    "    - name: b\n"
    "      neurons:\n"
    "        - 0: {bias: 0.5}\n"
    "        - 1: [soma: {threshold: 2}, log_potential: true]\n"
    "    - name: s\n"
    "      attributes: {soma_hw_name: 'in[0]', spikes: [1, 0, 1]}\n"
    "      neurons: [0..1]\n"
    "  edges:\n"
    "    - a -> b: {type: dense, weight: [1, 2, 3, 4, 5, 6]}\n"
    "    - a.0 -> b.1: [weight: -1, delay: 1]\n"
    "    - s -> a: {type: sparse, weight: [1, 2], source_target_pairs: [[0, 1], [1, 2]]}\n"
    "mappings:\n"
    "  - a: {core: 0.0}\n"
    "  - b.0..1: [core: 1.1]\n"
    "  - s: {core: 0.1}\n";

const char sf_tiny_netlist[] = "# a netlist\n"
                               "g 3 threshold=1.0 log_spikes=1 soma_hw_name=lif\n"
                               "g 2 threshold=2.0 log_v=1\n"
                               "\n"
                               "n 0.0 bias=1.0 connections_out=1\n"
                               "n 1.0 { bias: 0.25 }\n"
                               "n 1.1 [bias: 1.0, refractory_delay: 2]\n"
                               "e 0.0->1.0 weight=-1.0\n"
                               "e 0.1->1.1 weight=2 delay=0\n"
                               "& 0.0@0.0\n"
                               "& 0.1@0.0\n"
                               "& 0.2@0.1\n"
                               "& 1.0@1.0\n"
                               "& 1.1@1.0\n";
