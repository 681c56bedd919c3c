/* sanafe_arch: a SANA-FE architecture file (arch YAML) as a plain C description.
 *
 * The file: architecture: {name, attributes: {width, height, link_buffer_size,
 * sync_model, latency_sync, topology}, tile: [...]}; each tile {name,
 * attributes: hop energies and latencies, core: [...]}; each core {name,
 * attributes: {buffer_position, buffer_inside_unit, max_neurons_supported,
 * log_energy}, axon_in, synapse, dendrite, soma, axon_out}, each section a
 * list of units {name, attributes}. Names may hold a range ("core[0..3]"),
 * which makes that many copies. See docs/sanafe.md for every rule, default
 * and refusal.
 *
 * Cores made from one YAML core entry share one sm_sanafe_ctype_t (its units
 * and axon units), so a 128-core chip with 1,030 units per core holds 1,030
 * unit records, not 131,840. */
#ifndef SM_SANAFE_ARCH_H
#define SM_SANAFE_ARCH_H

#include <stdint.h>

#include "sm_error.h"
#include "sm_yaml.h"

typedef enum {
    SM_SF_ROLE_SYNAPSE = 1,
    SM_SF_ROLE_DENDRITE = 2,
    SM_SF_ROLE_SOMA = 4
} sm_sf_role_t;

/* SANA-FE's built-in models (models.cpp:933-965). */
typedef enum {
    SM_SF_CURRENT_BASED,          /* synapse */
    SM_SF_ACCUMULATOR,            /* dendrite */
    SM_SF_ACCUMULATOR_WITH_DELAY, /* dendrite */
    SM_SF_TAPS,                   /* dendrite */
    SM_SF_INPUT,                  /* soma */
    SM_SF_LIF,                    /* soma: leaky_integrate_fire */
    SM_SF_TRUENORTH,              /* soma */
    SM_SF_MODEL_COUNT
} sm_sf_model_t;

const char *sm_sf_model_name(sm_sf_model_t m);
sm_sf_role_t sm_sf_model_role(sm_sf_model_t m);

/* One synapse, dendrite or soma unit. Prices are J and s per event; which
 * ones apply follows the role. has_energy / has_latency: the file gave them
 * (SANA-FE cannot run a unit that has none: see sm_sanafe_bind). */
typedef struct {
    char *name;
    sm_sf_role_t role;
    sm_sf_model_t model;
    int has_energy, has_latency;
    int update_every_timestep, log_energy, log_latency;
    /* synapse */
    double energy_process_spike, latency_process_spike;
    /* dendrite */
    double energy_update, latency_update;
    /* soma */
    double energy_access_neuron, latency_access_neuron;
    double energy_update_neuron, latency_update_neuron;
    double energy_spike_out, latency_spike_out;
    /* leaky_integrate_fire: a noise stream (models.cpp:351-372, 589-651), the
     * file's name as given (NULL: none), and the bits it keeps (default 7) */
    char *noise;
    int32_t noise_bits;
    uint32_t line;
} sm_sanafe_unit_t;

typedef struct {
    char *name;
    double energy, latency; /* energy_message_in/out, latency_message_in/out */
    uint32_t line;
} sm_sanafe_axon_t;

typedef enum {
    SM_SF_BUFFER_DENDRITE, /* buffer_position: dendrite */
    SM_SF_BUFFER_SOMA,     /* buffer_position: soma */
    SM_SF_BUFFER_AXON_OUT  /* buffer_position: axon_out */
} sm_sf_buffer_t;

/* What the cores of one YAML core entry share. Units are in SANA-FE's
 * creation order (core.cpp:61-95): synapse units, then dendrite, then soma,
 * each in YAML order; "the first unit of a kind" is the default unit. */
typedef struct {
    char *name; /* the entry's name without its range, e.g. "loihi_core" */
    uint32_t first_unit, n_units;
    uint32_t first_in, n_in, first_out, n_out; /* into arch->axons */
    sm_sf_buffer_t buffer_position;
    int buffer_inside_unit, log_energy;
    uint32_t max_neurons;
    uint32_t line;
} sm_sanafe_ctype_t;

typedef struct {
    uint32_t tile, offset; /* tile id, position within the tile */
    uint32_t type;         /* into arch->ctypes */
    uint32_t index;        /* its number in the entry's range (for its name) */
} sm_sanafe_core_t;

typedef struct {
    char *name;
    uint32_t x, y; /* x = id / height, y = id % height (arch.cpp:84-85) */
    double energy_north_hop, latency_north_hop, energy_east_hop, latency_east_hop;
    double energy_south_hop, latency_south_hop, energy_west_hop, latency_west_hop;
    int log_energy;
    uint32_t first_core, n_cores; /* global core ids first_core.. */
    uint32_t line;
} sm_sanafe_tile_t;

typedef enum { SM_SF_SYNC_FIXED, SM_SF_SYNC_TABLE } sm_sf_sync_t;

typedef struct {
    char *file; /* the file it came from */
    char *name;
    uint32_t width, height, link_buffer_size;
    sm_sf_sync_t sync_model;
    uint32_t n_sync; /* sync table, keys ascending (fixed: one entry, key 0) */
    uint64_t *sync_keys;
    double *sync_latency;
    uint32_t n_tiles, n_cores, n_ctypes, n_units, n_axons;
    uint32_t max_cores_per_tile;
    sm_sanafe_tile_t *tiles;
    sm_sanafe_core_t *cores; /* global core id order: tile by tile */
    sm_sanafe_ctype_t *ctypes;
    sm_sanafe_unit_t *units;
    sm_sanafe_axon_t *axons;
    uint32_t line; /* of "architecture:" */
} sm_sanafe_arch_t;

/* Reads an architecture file. Caller owns the result. */
sm_sanafe_arch_t *sm_sanafe_arch_load(const char *path, sm_error_t *err);

/* Reads the architecture: section at node arch (its value) of a parsed file,
 * e.g. an SNN file that carries its own. */
sm_sanafe_arch_t *sm_sanafe_arch_read(const sm_yaml_t *doc, uint32_t arch, sm_error_t *err);

void sm_sanafe_arch_destroy(sm_sanafe_arch_t **a);

/* The units and axon units of global core c. */
const sm_sanafe_ctype_t *sm_sanafe_core_type(const sm_sanafe_arch_t *a, uint32_t c);
const sm_sanafe_unit_t *sm_sanafe_core_unit(const sm_sanafe_arch_t *a, uint32_t c, uint32_t u);

/* "loihi_core[3]" for core c, into buf. */
const char *sm_sanafe_core_name(const sm_sanafe_arch_t *a, uint32_t c, char *buf, size_t size);

/* The unit of core type t named name that implements role, or the first
 * unit of that role when name is NULL or "" (core.cpp:61-95). Returns the
 * index within the type, or -1. */
int32_t sm_sanafe_find_unit(const sm_sanafe_arch_t *a, uint32_t t, sm_sf_role_t role,
                            const char *name);

/* The per-step sync latency for n tiles in use: the entry of the largest key
 * <= n, or the first entry when n is below every key (utils.hpp:28-44). */
double sm_sanafe_sync_latency(const sm_sanafe_arch_t *a, uint32_t tiles_in_use);

#endif
