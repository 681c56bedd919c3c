/* sanafe_build: what the SNN YAML and netlist readers share to fill an
 * sm_sanafe_snn_t (internal to tools/io). Every function returns 0 / -1 and
 * reports through b->err. */
#ifndef SM_SANAFE_BUILD_H
#define SM_SANAFE_BUILD_H

#include "sanafe_snn.h"
#include "sm_yaml.h"

typedef struct {
    sm_sanafe_snn_t *s;
    uint32_t cap_groups, cap_confs, cap_edges, cap_maps, cap_neurons;
    uint32_t cap_weights, cap_delays, cap_pairs, cap_spikes, cap_warnings;
    size_t cap_names;
    sm_error_t *err;
} sm_sfb_t;

/* How an attribute reaches the units (SANA-FE's forward_to_* flags). */
typedef enum { SM_SFB_SHARED, SM_SFB_SOMA_ONLY, SM_SFB_DENDRITE_ONLY } sm_sfb_route_t;

int sm_sfb_init(sm_sfb_t *b, const char *file, sm_error_t *err);
/* Hands over the description (sorts the group index), or destroys it on rc. */
sm_sanafe_snn_t *sm_sfb_finish(sm_sfb_t *b, int rc);

int sm_sfb_name(sm_sfb_t *b, const char *str, uint32_t *off);
int sm_sfb_warn(sm_sfb_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A settings record: a copy of record base (UINT32_MAX: an empty one). */
int sm_sfb_conf(sm_sfb_t *b, uint32_t base, uint32_t line, uint32_t *out);
/* A group of n neurons with settings conf, every neuron's conf left unset
 * (UINT32_MAX) for the reader to fill. name must be a valid group name. */
int sm_sfb_group(sm_sfb_t *b, const char *name, uint32_t n, uint32_t conf, uint32_t line);
/* Refuses names that could never be addressed in edges or mappings. */
int sm_sfb_check_group_name(const char *name, char *why, size_t size);
/* Group by name (needs sm_sfb_index_groups once all groups are in), or -1. */
int32_t sm_sfb_find_group(const sm_sanafe_snn_t *s, const char *name, size_t len);
int sm_sfb_index_groups(sm_sfb_t *b);

/* Space for n values in a pool; *off receives the offset. */
int sm_sfb_weights(sm_sfb_t *b, uint32_t n, uint32_t *off);
int sm_sfb_delays(sm_sfb_t *b, uint32_t n, uint32_t *off);
int sm_sfb_pairs(sm_sfb_t *b, uint32_t n, uint32_t *off);
int sm_sfb_spikes(sm_sfb_t *b, uint32_t n, uint32_t *off);

int sm_sfb_edge(sm_sfb_t *b, const sm_sanafe_edge_t *e);
int sm_sfb_map(sm_sfb_t *b, const sm_sanafe_map_t *m);

/* One neuron attribute (key node k, value node v of doc d) into record conf:
 * the model attributes of sm_sfa_t; anything else is refused. seen holds the
 * keys already set by the same entry (a key twice is refused). */
int sm_sfb_neuron_attr(sm_sfb_t *b, const sm_yaml_t *d, uint32_t k, uint32_t v, uint32_t conf,
                       sm_sfb_route_t route, uint32_t *seen);

#endif
