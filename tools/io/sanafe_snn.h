/* sanafe_snn: a SANA-FE network file (SNN YAML, or the older netlist) as a
 * plain C description: groups, neuron settings, edges and the mapping.
 *
 * Neurons are numbered globally, group after group in file order
 * (group.first + offset). Each neuron points to one settings record
 * (sm_sanafe_nconf_t): the group's attributes overlaid with those of its
 * neurons: entry, as SANA-FE overlays them (yaml_snn.cpp:332-392). Edges keep
 * their parameters once (a dense edge's weight list, a conv2d kernel); the
 * synapses they make are counted here and expanded on request into compact
 * arrays (sm_sanafe_synapses), in SANA-FE's creation order.
 *
 * What is refused and what is matched of SANA-FE's defects (duplicate neuron
 * entries, hyperedge sub-maps, unknown attributes, ...) is in docs/sanafe.md. */
#ifndef SM_SANAFE_SNN_H
#define SM_SANAFE_SNN_H

#include <stdint.h>
#include <stdio.h>

#include "sanafe_arch.h"
#include "sm_error.h"
#include "sm_yaml.h"

/* Bounds that keep a small hostile file from asking for huge arrays. */
#define SM_SANAFE_MAX_NEURONS (1u << 24)
#define SM_SANAFE_MAX_SYNAPSES ((uint64_t)1 << 28)

/* The neuron attributes SANA-FE's built-in soma models take
 * (models.cpp:374-436, 834-853). */
typedef enum {
    SM_SFA_THRESHOLD,
    SM_SFA_REVERSE_THRESHOLD,
    SM_SFA_RESET,
    SM_SFA_REVERSE_RESET,
    SM_SFA_RESET_MODE,         /* value: sm_sf_reset_t */
    SM_SFA_REVERSE_RESET_MODE, /* value: sm_sf_reset_t */
    SM_SFA_LEAK_DECAY,
    SM_SFA_INPUT_DECAY,
    SM_SFA_BIAS,
    SM_SFA_POTENTIAL,
    SM_SFA_FORCE_UPDATE, /* also spelt force_update_every_timestep; 0 / 1 */
    SM_SFA_REFRACTORY_DELAY,
    SM_SFA_LOG_U,   /* 0 / 1 */
    SM_SFA_SPIKES,  /* value unused: see nconf.spikes_first / spikes_len */
    SM_SFA_RATE,
    SM_SFA_POISSON,
    SM_SFA_COUNT
} sm_sfa_t;

const char *sm_sfa_name(sm_sfa_t a);
/* The soma model that takes attribute a (SM_SF_LIF or SM_SF_INPUT). */
sm_sf_model_t sm_sfa_model(sm_sfa_t a);

typedef enum { SM_SF_RESET_NONE, SM_SF_RESET_SOFT, SM_SF_RESET_HARD, SM_SF_RESET_SATURATE } sm_sf_reset_t;

/* One neuron settings record. An attribute given (bit in set) reaches the
 * soma unit if its bit is in to_soma (shared attributes and soma: sub-maps),
 * the dendrite unit if in to_dendrite (shared and dendrite: sub-maps): a
 * later dendrite: entry for the same key replaces a shared one, so the soma
 * then keeps its default, exactly as in SANA-FE. */
typedef struct {
    uint32_t set, to_soma, to_dendrite;
    double v[SM_SFA_COUNT];
    uint32_t spikes_first, spikes_len; /* into snn->spikes */
    /* Unit names from the attributes (offsets into snn->names; 0 = not given). */
    uint32_t soma_hw, dendrite_hw, synapse_hw;
    int8_t log_spikes, log_potential; /* -1 = not given */
    uint32_t line;                    /* where it was last set */
} sm_sanafe_nconf_t;

typedef struct {
    char *name;
    uint32_t n, first; /* neurons, global id of neuron 0 */
    uint32_t conf;     /* the group attributes (neurons without their own) */
    uint32_t line;
} sm_sanafe_group_t;

typedef enum { SM_SFE_SINGLE, SM_SFE_DENSE, SM_SFE_SPARSE, SM_SFE_CONV2D } sm_sfe_kind_t;

typedef struct {
    int32_t input_width, input_height, input_channels;
    int32_t kernel_width, kernel_height, kernel_count;
    int32_t stride_width, stride_height;
    int32_t output_width, output_height; /* valid convolution, no padding */
} sm_sanafe_conv_t;

/* An edge: weight[] (and delay[] if given) hold n_attr values: 1 for a single
 * edge, src x dst for dense (src * N_dst + dst), kernel_height x kernel_width
 * x input_channels x kernel_count for conv2d ([ky][kx][c_in][c_out]), one per
 * pair for sparse. */
typedef struct {
    sm_sfe_kind_t kind;
    uint32_t src_group, dst_group;
    uint32_t src, dst; /* single: the two neuron offsets */
    sm_sanafe_conv_t conv;
    uint64_t n_syn;
    uint32_t n_attr;
    uint32_t weight; /* offset into snn->weights */
    uint32_t delay;  /* offset into snn->delays, UINT32_MAX if none */
    uint32_t pairs;  /* sparse: offset into snn->pairs (2 per pair) */
    int32_t max_delay; /* largest delay given (0 if none) */
    uint32_t line;
} sm_sanafe_edge_t;

/* A mapping entry: neurons first..last of a group onto a core, with unit
 * names (offsets into snn->names, 0 = not given). */
typedef struct {
    uint32_t group, first, last;
    uint32_t tile, core; /* "tile.core", checked against the chip by sm_sanafe_bind */
    uint32_t synapse_hw, dendrite_hw, soma_hw;
    uint32_t line;
} sm_sanafe_map_t;

typedef struct {
    char *file;
    char *name;
    uint32_t n_groups, n_neurons, n_confs, n_edges, n_maps;
    sm_sanafe_group_t *groups; /* file order */
    uint32_t *by_name;         /* group indices in SANA-FE's std::map order (bytewise names) */
    sm_sanafe_nconf_t *confs;
    uint32_t *nconf;  /* per neuron: settings record */
    uint32_t *mapped; /* per neuron: mapping entry, UINT32_MAX if none */
    sm_sanafe_edge_t *edges;
    sm_sanafe_map_t *maps; /* file order = SANA-FE's mapping order */
    uint64_t n_synapses;
    double *weights;
    int32_t *delays;
    uint32_t *pairs;
    uint8_t *spikes; /* spike trains, 0 / 1 */
    char *names;     /* unit names, NUL-separated; offset 0 is "" */
    uint32_t n_weights, n_delays, n_pairs, n_spikes;
    size_t names_len;
    sm_sanafe_arch_t *arch; /* the file's own architecture: section, or NULL */
    char **warnings;        /* things SANA-FE drops that this reader drops too */
    uint32_t n_warnings;
    int netlist;            /* read from the older netlist format */
} sm_sanafe_snn_t;

/* Reads a network file: SNN YAML, or the netlist format when the file's
 * first entry is a netlist line (g, n, e, &) or it ends in ".net". Caller
 * owns the result. */
sm_sanafe_snn_t *sm_sanafe_snn_load(const char *path, sm_error_t *err);

/* Reads network: and mappings: (and architecture: when present) of a parsed
 * YAML file. */
sm_sanafe_snn_t *sm_sanafe_snn_read(const sm_yaml_t *doc, sm_error_t *err);

void sm_sanafe_snn_destroy(sm_sanafe_snn_t **s);

const char *sm_sanafe_name(const sm_sanafe_snn_t *s, uint32_t off); /* "" for 0 */
const char *sm_sanafe_edge_kind(sm_sfe_kind_t k);
/* The group of global neuron id, by bisection. */
uint32_t sm_sanafe_group_of(const sm_sanafe_snn_t *s, uint32_t neuron);

/* The synapses of all edges, edge by edge in file order and within an edge
 * in SANA-FE's creation order (dense: source-major; sparse: pair order;
 * conv2d: c_out, y_out, x_out, c_in, ky, kx). A stable sort by pre gives the
 * order of each neuron's connections in SANA-FE (edges_out). 12 bytes per
 * synapse. */
typedef struct {
    uint64_t n;
    uint32_t *pre, *post; /* global neuron ids */
    uint32_t *aidx;       /* index into the edge's weight[] / delay[] */
    uint64_t *edge_first; /* n_edges + 1 entries: synapses of edge e */
} sm_sanafe_syn_t;

int sm_sanafe_synapses(const sm_sanafe_snn_t *s, sm_sanafe_syn_t *out, sm_error_t *err);
void sm_sanafe_synapses_fini(sm_sanafe_syn_t *syn);

/* The LIF parameters of a settings record: an attribute that does not reach
 * the soma keeps its default (models.hpp:222-241): threshold 0, reset 0,
 * reset_mode hard, leak_decay 1, input_decay 0, bias 0, refractory_delay 0,
 * reverse_threshold 0, reverse_reset 0, reverse_reset_mode none, potential 0. */
typedef struct {
    double threshold, reverse_threshold, reset, reverse_reset;
    double leak_decay, input_decay, bias, potential;
    sm_sf_reset_t reset_mode, reverse_reset_mode;
    int32_t refractory_delay;
    int force_update, log_u;
} sm_sanafe_lif_t;

void sm_sanafe_lif_params(const sm_sanafe_nconf_t *c, sm_sanafe_lif_t *out);

/* The input-unit settings of a record (models.cpp:834-853): a spike train
 * (spikes NULL if none given), rate and poisson (0 when not given). */
typedef struct {
    const uint8_t *spikes;
    uint32_t n_spikes;
    int has_spikes, has_rate, has_poisson;
    double rate, poisson;
} sm_sanafe_input_t;

void sm_sanafe_input_params(const sm_sanafe_snn_t *s, const sm_sanafe_nconf_t *c,
                            sm_sanafe_input_t *out);

/* ---- netlist (sanafe_netlist.c) ---- */

/* Reads the older netlist format (netlist.cpp): g/n/e/& lines. */
sm_sanafe_snn_t *sm_sanafe_netlist_load(const char *path, sm_error_t *err);

#endif
