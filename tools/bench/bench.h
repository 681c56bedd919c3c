/* bench: the benchmark suite behind `spikemesh bench`, and the workload
 * builders it uses (kept public so that the tests can check them).
 *
 * Workloads (docs/benchmarks.md):
 *   limit     raw scatter-add of CSR rows into a float array: the ceiling;
 *   cuba      tools/examples/cuba.json on one thread, with Brian2 beside it;
 *   scaling   recurrent cuba_lif networks of 4k .. 1M neurons, 100 synapses each;
 *   activity  a feed-forward 100k x 100 network driven at 0.1% .. 50% activity,
 *             event engine against dense engine;
 *   loihi     the activity network with loihi_lif neurons and fixed-point
 *             Dense synapses (Loihi's integers) at 0.1% / 1% / 10% activity,
 *             event engine against dense engine in CPU time: the run loop in
 *             process, and at 1% whole `spikemesh run` processes too;
 *   build     constructing and mapping 1M neurons / 100M synapses;
 *   nir       a batch of 100 samples of the NIR paper's N-MNIST CNN (Sinabs),
 *             60 ticks each, on one thread: samples per second in process and
 *             as a whole `spikemesh run`, and the compiled layers' memory.
 * Every measured workload runs in its own forked child so that its peak RSS is
 * its own. */
#ifndef SM_BENCH_H
#define SM_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "net.h"
#include "sm_error.h"

/* ---- the limit kernel ---------------------------------------------------- */

/* A synapse exactly as the engine stores it: 8 bytes. */
typedef struct {
    uint32_t tgt;
    float w;
} sm_bench_syn_t;

/* CSR rows: row r holds syn[off[r] .. off[r + 1]), targets in [0, n_tgt). */
typedef struct {
    uint32_t n_rows, n_tgt;
    uint64_t *off;
    sm_bench_syn_t *syn;
} sm_bench_csr_t;

/* Fills c with n_rows rows of per_row synapses to uniformly random targets
 * in [0, n_tgt) and weights in [0, 1). Returns 0 or -1 (out of memory). */
int sm_bench_csr_init(sm_bench_csr_t *c, uint32_t n_rows, uint32_t per_row, uint32_t n_tgt,
                      uint64_t seed);
void sm_bench_csr_fini(sm_bench_csr_t *c);

/* Streams rows[0 .. n) and adds each synapse's weight to state[target]:
 * nothing else. Returns the number of synapses processed. */
uint64_t sm_bench_limit_kernel(const sm_bench_csr_t *c, const uint32_t *rows, size_t n,
                               float *state);

/* Synaptic events per second of the kernel on N rows of per_row synapses to
 * N targets, spiking rows drawn at random, timed for at least min_seconds. */
double sm_bench_limit(const sm_bench_csr_t *c, double min_seconds, uint64_t seed);

/* ---- workload networks --------------------------------------------------- */

/* Synapses per neuron in the scaling and build networks: 10 from an external
 * Poisson population (N/10 sources) plus 90 recurrent (72 exc, 18 inh). */
#define SM_BENCH_K_EXT 10u
#define SM_BENCH_K_EXC 72u
#define SM_BENCH_K_INH 18u
#define SM_BENCH_K (SM_BENCH_K_EXT + SM_BENCH_K_EXC + SM_BENCH_K_INH)

/* The scaling network: n cuba_lif neurons (EXACT style, dt 1 ms) plus n/10
 * Poisson sources, SM_BENCH_K synapses per neuron, firing at a few Hz.
 * Caller owns the result. */
sm_net_t *sm_bench_scaling_net(uint32_t n, uint32_t ticks, uint64_t seed, sm_error_t *err);

/* The activity network: n_src Poisson sources at rate_hz feeding n cuba_lif
 * neurons through fixed_fan_in k, no recurrence; dt 1 ms. */
sm_net_t *sm_bench_activity_net(uint32_t n, uint32_t n_src, uint32_t k, double rate_hz,
                                uint32_t ticks, uint64_t seed, sm_error_t *err);

/* The same with loihi_lif neurons behind integer weights of 60 in Lava's
 * Dense format: du 1024 and dv 123 (lava-dl's default current_decay 0.25
 * and voltage_decay 0.03), vth 400 (a few inputs close together make a
 * spike). */
sm_net_t *sm_bench_loihi_net(uint32_t n, uint32_t n_src, uint32_t k, double rate_hz,
                             uint32_t ticks, uint64_t seed, sm_error_t *err);
/* Its network file, as text into text[cap]; -1 if it does not fit. */
int sm_bench_loihi_text(char *text, size_t cap, uint32_t n, uint32_t n_src, uint32_t k,
                        double rate_hz, uint32_t ticks, uint64_t seed);

/* The loihi network as a user runs it: its file through `exe run FILE
 * --threads 1 --engine event|dense --quiet` in a temporary folder. Fills
 * *whole_cpu (user + system CPU of the whole process, from wait4: parsing,
 * building, the run, the outputs, exit) and *loop_cpu (the run loop alone:
 * run_cpu_seconds of its stats.json). */
int sm_bench_loihi_process(const char *exe, uint32_t n, uint32_t n_src, uint32_t k,
                           double rate_hz, uint32_t ticks, uint64_t seed, int dense,
                           double *whole_cpu, double *loop_cpu, sm_error_t *err);

/* The source rate at which a neuron with k Poisson inputs receives at least
 * one spike in a tick of dt_ms with probability frac. */
double sm_bench_rate_for_activity(double frac, uint32_t k, double dt_ms);

/* ---- NIR batches ---------------------------------------------------------- */

/* A batch of samples of a NIR graph, 60 ticks each, Bernoulli(p) inputs. */
typedef struct {
    uint32_t samples, ticks;
    double load_s;                /* read, compile, build the engine            */
    double run_s;                 /* the samples, one after another             */
    double whole_s, whole_user_s; /* a whole `spikemesh run` process            */
    double whole_hwm_kb;
    uint64_t spikes, synaptic_events;
    uint64_t conv_weights, conv_synapses;    /* conv2d projections, as compiled */
    uint64_t stored_weights, synapses;       /* every projection                */
    uint64_t node_synapses;       /* the connection nodes expanded one by one   */
    uint64_t table_entries, fan_entries;     /* the synapse table (256 a core)  */
    uint64_t table_struct_synapses;          /* synapses behind its sentinels   */
} sm_bench_nir_t;

/* In this process: load, compile and build once, then every sample on one
 * thread, dense engine. */
int sm_bench_nir_inproc(const char *nir, const char *side, uint32_t samples, double p,
                        uint64_t seed, sm_bench_nir_t *out, sm_error_t *err);
/* The same input as a .npy file, through `exe run` as a user runs it (one
 * thread, the output layer's spikes recorded); fills the whole_* fields. */
int sm_bench_nir_process(const char *exe, const char *nir, const char *side, uint32_t samples,
                         double p, uint64_t seed, sm_bench_nir_t *out, sm_error_t *err);

/* ---- the suite ----------------------------------------------------------- */

typedef struct {
    int quick;              /* smaller sizes, shorter runs                          */
    uint32_t repeat;        /* repeats per measurement, >= 1 (default 3)            */
    const char *only;       /* NULL, or one workload name                           */
    const char *json_path;  /* NULL, or where to write the results (atomically)     */
} sm_bench_opts_t;

/* Runs the suite, prints the table on stdout, writes the JSON. Returns 0, 1
 * if a workload failed, 2 on bad options. */
int sm_bench_run(const sm_bench_opts_t *o);

/* True if name is a workload name. */
int sm_bench_is_workload(const char *name);

#endif
