/* spikemesh.h: the spikemesh engine for programs that embed it.
 *
 * Load a network, give its spike sources their spike trains if you like,
 * choose a chip, threads and ticks, run, and read the run back as plain
 * arrays: spikes, membrane traces, counters per core and in total, links,
 * and the chip's energy report. The command line `spikemesh run` does the
 * same steps with the same code, so both give the same spikes.
 *
 * Handles are opaque. Each is made by one call (_load, _new, spikemesh_run)
 * and freed by its _destroy(&p), which accepts NULL and nulls the pointer.
 * Pointers returned by getters belong to the handle and stay valid until it
 * is destroyed (spikemesh_result_* arrays) or changed (spikemesh_net_*).
 * There is no global state: distinct handles may be used from distinct
 * threads; one handle must not be used by two threads at once.
 *
 * Errors: a call that can fail returns 0 or -1 (or a handle or NULL) and,
 * if err is not NULL, fills it with a code (SPIKEMESH_E...) and a message
 * naming the file, the field and the value at fault: the messages the
 * command line prints.
 *
 * Build against the installed library with
 *     cc prog.c $(pkg-config --cflags --libs spikemesh)
 * (add --static for libspikemesh.a). docs/embedding.md has an example. */
#ifndef SPIKEMESH_H
#define SPIKEMESH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped when a call changes meaning or goes away; new calls only add. */
#define SPIKEMESH_API_VERSION 1

/* ---- errors ------------------------------------------------------------- */

/* The codes of the engine's error convention, with the same values. */
enum {
    SPIKEMESH_OK = 0,
    SPIKEMESH_ENOMEM,       /* out of memory                                */
    SPIKEMESH_EINVAL,       /* invalid argument or parameter                */
    SPIKEMESH_EIO,          /* file or socket I/O                           */
    SPIKEMESH_EPARSE,       /* malformed input file                         */
    SPIKEMESH_ERANGE,       /* value out of range                           */
    SPIKEMESH_EUNSUPPORTED, /* model, format or feature not supported       */
    SPIKEMESH_EPROTO,       /* malformed or unexpected message              */
    SPIKEMESH_ETIMEDOUT,    /* a peer stopped answering                     */
    SPIKEMESH_EPEER,        /* a peer reported an error or died             */
    SPIKEMESH_ETOOBIG,      /* the network does not fit the chip            */
    SPIKEMESH_ECYCLE,       /* a cycle of delay-0 projections               */
    SPIKEMESH_EMISMATCH     /* results differ from a reference              */
};

#define SPIKEMESH_ERROR_MAX 1024

typedef struct {
    int code;                      /* SPIKEMESH_OK after success            */
    char msg[SPIKEMESH_ERROR_MAX]; /* "" after success                      */
} spikemesh_error_t;

/* "invalid argument" for SPIKEMESH_EINVAL, ...; never NULL. */
const char *spikemesh_strerror(int code);

/* The library's version ("0.1.0") and the SPIKEMESH_API_VERSION it was
 * built with, for callers that bind at run time (the Python package). */
const char *spikemesh_version(void);
int spikemesh_api_version(void);

/* ---- networks ------------------------------------------------------------ */

typedef struct spikemesh_net spikemesh_net_t;

/* Loads a network file (docs/network-format.md). A name ending in ".nir" is
 * handed to spikemesh_net_load_nir with no flavor and no conventions, which
 * fails naming what to give. Caller owns the result. */
spikemesh_net_t *spikemesh_net_load(const char *path, spikemesh_error_t *err);

/* Loads a NIR graph (docs/nir.md) exported by a library: the conventions
 * the file does not say come from a conventions file (the nir_side_info
 * schema; NULL: none) or, if that is NULL, from the defaults of `flavor`
 * ("snntorch", "norse" or "sinabs"; NULL: the conventions file's); one of
 * the two must be given, and both must agree. The graph is compiled as
 * `spikemesh run MODEL.nir` compiles it: each neuron node a population
 * named by its node name (a layer), the Input node a spike source. It runs
 * once its input is set (spikemesh_net_set_batch). Caller owns the result. */
spikemesh_net_t *spikemesh_net_load_nir(const char *path, const char *flavor,
                                        const char *conventions, spikemesh_error_t *err);

void spikemesh_net_destroy(spikemesh_net_t **net_p);

/* The file the network came from. */
const char *spikemesh_net_path(const spikemesh_net_t *net);
uint32_t spikemesh_net_n_neurons(const spikemesh_net_t *net);
uint32_t spikemesh_net_ticks(const spikemesh_net_t *net);    /* simulation.ticks */
double spikemesh_net_dt_ms(const spikemesh_net_t *net);

/* Populations, in file order: p in [0, n_pops). Neurons have global ids
 * (gids): population p owns [first, first + size). The kind is "neurons",
 * "spike_times" or "poisson"; out-of-range p gives NULL or 0. */
uint32_t spikemesh_net_n_pops(const spikemesh_net_t *net);
const char *spikemesh_net_pop_name(const spikemesh_net_t *net, uint32_t p);
const char *spikemesh_net_pop_kind(const spikemesh_net_t *net, uint32_t p);
uint32_t spikemesh_net_pop_size(const spikemesh_net_t *net, uint32_t p);
uint32_t spikemesh_net_pop_first(const spikemesh_net_t *net, uint32_t p);
/* Index of the population named `name`, or -1. */
int spikemesh_net_find_pop(const spikemesh_net_t *net, const char *name);

/* Traced neurons (the file's record.traces), in trace order: probe i is
 * neuron `index` of population `pop`. Returns 0, or -1 if i is out of range. */
uint32_t spikemesh_net_n_probes(const spikemesh_net_t *net);
int spikemesh_net_probe(const spikemesh_net_t *net, uint32_t i, uint32_t *pop, uint32_t *index);

/* Replaces the spike trains of spike-source population `pop` (a spike_times
 * or a poisson source; a poisson source becomes a spike_times one) with the
 * n (neuron, tick) pairs at `pairs` (2 * n values, neuron first; any
 * order). Neurons are indices within the population; a neuron may not be
 * given the same tick twice. n = 0 silences the population. On failure the
 * network is unchanged. (A NIR graph's input is a tensor:
 * spikemesh_net_set_batch.) */
int spikemesh_net_set_input(spikemesh_net_t *net, const char *pop, const uint32_t *pairs,
                            size_t n, spikemesh_error_t *err);

/* ---- NIR graphs ------------------------------------------------------------ */

/* The flavor a NIR graph was compiled under ("snntorch", "norse",
 * "sinabs"), or NULL for a network file. */
const char *spikemesh_net_nir_flavor(const spikemesh_net_t *net);
/* The layers (neuron nodes) in topological order, l in [0, n_layers): the
 * population layer l became, and whether it can spike (0 for I, LI and
 * CubaLI). Returns the population's index, or -1 if l is out of range (and
 * always for a network file, which has no layers). */
uint32_t spikemesh_net_nir_n_layers(const spikemesh_net_t *net);
int spikemesh_net_nir_layer(const spikemesh_net_t *net, uint32_t l, int *spikes);
/* The population of the layer the (first) Output node records, and that of
 * the Input node's spike source; -1 if none (or a network file). */
int spikemesh_net_nir_output(const spikemesh_net_t *net);
int spikemesh_net_nir_input(const spikemesh_net_t *net);

/* Gives a NIR graph's Input node a spike tensor: `ndim` dimensions of
 * `shape`, [T, B, features...] or [T, features...] (B = 1), features as the
 * Input node's shape or its size; elements of numpy's type `dtype`
 * ("bool", "uint8", "int8", "int16", "int32", "int64", "float32",
 * "float64"), in C order and the host's byte order, whole non-negative
 * spike counts (a count k adds k times the weight). The data are copied.
 * A run then runs the B samples one after another, each from the initial
 * state, for T ticks each (spikemesh_opts_set_ticks: another number; steps
 * past T are silent). On failure the network is unchanged. */
int spikemesh_net_set_batch(spikemesh_net_t *net, const void *data, const char *dtype,
                            uint32_t ndim, const uint64_t *shape, spikemesh_error_t *err);
/* Samples of the batch set (0 before one is; 1 for a network file). */
uint64_t spikemesh_net_n_samples(const spikemesh_net_t *net);

/* Traces every neuron of every layer (all != 0: the probes become the
 * layers in order, each in C order, as `--record-v all`) or none (0).
 * Fails with SPIKEMESH_EINVAL on a network file, whose record.traces says
 * which neurons are traced. */
int spikemesh_net_record_v(spikemesh_net_t *net, int all, spikemesh_error_t *err);

/* ---- run options ---------------------------------------------------------- */

typedef struct spikemesh_opts spikemesh_opts_t;

/* Options of `spikemesh run`'s defaults: the network's ticks, one thread per
 * CPU, the event engine, no chip. NULL when out of memory. */
spikemesh_opts_t *spikemesh_opts_new(void);
void spikemesh_opts_destroy(spikemesh_opts_t **opts_p);

/* Each setter is the command-line option of the same name; a string is
 * copied, NULL restores the default. Chips, mapping files and strategies are
 * read and checked by spikemesh_run, which reports them. As on the command
 * line, spikemesh_run refuses (SPIKEMESH_EINVAL) options that only mean
 * something together: a strategy or a seed without a chip, or with a
 * mapping file (which places the neurons already); a mesh or neurons per
 * core with a chip or a mapping file (which bring their own grid). */
int spikemesh_opts_set_chip(spikemesh_opts_t *o, const char *name_or_file,
                            spikemesh_error_t *err);                 /* --chip        */
int spikemesh_opts_set_mapping(spikemesh_opts_t *o, const char *path,
                               spikemesh_error_t *err);              /* --mapping     */
int spikemesh_opts_set_strategy(spikemesh_opts_t *o, const char *strategy,
                                spikemesh_error_t *err);             /* --strategy    */
void spikemesh_opts_set_seed(spikemesh_opts_t *o, uint64_t seed);   /* --seed        */
void spikemesh_opts_set_threads(spikemesh_opts_t *o, uint32_t n);   /* --threads; 0: one per CPU */
void spikemesh_opts_set_ticks(spikemesh_opts_t *o, uint32_t n);     /* --ticks; 0: the network's */
/* --engine: "event" or "dense" (the reference). As on the command line, a
 * NIR graph runs on the dense engine unless an engine is set: it steps every
 * neuron every tick as the libraries do, so membranes come out bit for bit. */
int spikemesh_opts_set_engine(spikemesh_opts_t *o, const char *engine, spikemesh_error_t *err);
/* Without a chip: the default mapping's grid (0 x 0: just big enough) and
 * neurons per core (0: 256). */
void spikemesh_opts_set_mesh(spikemesh_opts_t *o, uint32_t width, uint32_t height);
void spikemesh_opts_set_neurons_per_core(spikemesh_opts_t *o, uint32_t n);

/* ---- runs ------------------------------------------------------------------- */

typedef struct spikemesh_result spikemesh_result_t;

/* Runs the network (opts NULL: the defaults) and prices it on the chip if
 * one is set. The network is not changed and may be run again. A NIR graph
 * runs each sample of its batch in turn: the result holds them end to end
 * (sample b's ticks are b * sample_ticks ..), its counters and energy are
 * the whole batch's, and stats.json has the "nir" section of `spikemesh
 * run` (the output layer's prediction per sample among it). Caller owns the
 * result. */
spikemesh_result_t *spikemesh_run(const spikemesh_net_t *net, const spikemesh_opts_t *opts,
                                  spikemesh_error_t *err);
void spikemesh_result_destroy(spikemesh_result_t **r_p);

/* Ticks of the whole run: samples x sample_ticks. */
uint32_t spikemesh_result_ticks(const spikemesh_result_t *r);
uint64_t spikemesh_result_samples(const spikemesh_result_t *r);     /* 1 but for a NIR batch */
uint32_t spikemesh_result_sample_ticks(const spikemesh_result_t *r);
double spikemesh_result_dt_ms(const spikemesh_result_t *r);
uint32_t spikemesh_result_threads(const spikemesh_result_t *r);
double spikemesh_result_wall_seconds(const spikemesh_result_t *r);

/* Spikes: n rows of three values (tick, gid, count), sorted by tick then
 * gid; a count above 1 is a MultiSpike (spikes.csv writes count rows). */
size_t spikemesh_result_n_spikes(const spikemesh_result_t *r);
const uint32_t *spikemesh_result_spikes(const spikemesh_result_t *r);

/* Traces: ticks x n_probes x 3 floats (v, syn_exc, syn_inh after each tick),
 * the probes of spikemesh_net_probe; NULL when nothing is traced. */
uint32_t spikemesh_result_n_probes(const spikemesh_result_t *r);
const float *spikemesh_result_traces(const spikemesh_result_t *r);

/* Counters, in a fixed order: spikemesh_counter_name(i) is counter i's name
 * in stats.json's per-core entries (docs/outputs.md). */
uint32_t spikemesh_n_counters(void);
const char *spikemesh_counter_name(uint32_t i);
/* The run's totals: n_counters values. */
void spikemesh_result_totals(const spikemesh_result_t *r, uint64_t *counters);

/* The core grid, cores in id order (y * width + x). Fills, for every core,
 * 3 values (x, y, neurons placed) into `cores` and n_counters values into
 * `counters`; either may be NULL. */
uint32_t spikemesh_result_width(const spikemesh_result_t *r);
uint32_t spikemesh_result_height(const spikemesh_result_t *r);
void spikemesh_result_cores(const spikemesh_result_t *r, uint32_t *cores, uint64_t *counters);

/* Directed links that carried packets: 4 values each (from x, from y, to x,
 * to y) into `ends`, and their packets; either may be NULL. */
uint32_t spikemesh_result_n_links(const spikemesh_result_t *r);
void spikemesh_result_links(const spikemesh_result_t *r, uint32_t *ends, uint64_t *packets);

/* The per-tick series every run records (ticks.csv, docs/outputs.md): n
 * columns, named as ticks.csv's after "tick" (spikes, synaptic_events,
 * neuron_updates, active_updates, inactive_updates, packets, hops; on a chip
 * also energy_*_j by category and in all, busiest_core_ns, chip_ns).
 * spikemesh_result_tick_series fills ticks x n values, tick by tick (counts
 * are whole numbers); -1 if the run recorded none. */
uint32_t spikemesh_result_n_tick_series(const spikemesh_result_t *r);
const char *spikemesh_result_tick_series_name(const spikemesh_result_t *r, uint32_t i);
int spikemesh_result_tick_series(const spikemesh_result_t *r, double *values);

/* ---- energy (runs on a chip) ------------------------------------------------ */

/* The chip the run was priced on, or NULL when it had none. */
const char *spikemesh_result_chip(const spikemesh_result_t *r);

/* The energy report's figures, by name: i from 0 until NULL (at once
 * without a chip). Names are stats.json's "energy" keys (joules by category,
 * "total", hops, timing) and "chip_seconds_per_tick", "cores_used",
 * "chips_used", "compute_ns_per_tick". */
const char *spikemesh_result_energy_item(const spikemesh_result_t *r, uint32_t i,
                                         double *value);

/* Energy categories ("synaptic", "neuron_update", "spike", "routing",
 * "static"), and per core (id order) the joules of each category into
 * `joules` (n_cores x n_categories) and the busy time over the run in ns
 * into `busy_ns` (either may be NULL). Returns -1 without a chip. */
uint32_t spikemesh_energy_n_categories(void);
const char *spikemesh_energy_category(uint32_t i);
int spikemesh_result_core_energy(const spikemesh_result_t *r, double *joules, double *busy_ns);

/* The run's stats.json document (docs/outputs.md), energy included: a
 * string the caller frees with spikemesh_free. */
char *spikemesh_result_stats_json(const spikemesh_result_t *r, spikemesh_error_t *err);
void spikemesh_free(void *p);

#ifdef __cplusplus
}
#endif

#endif
