/* bench_workloads: the limit kernel and the networks of the benchmark suite.
 *
 * The networks are written as network-file JSON and loaded with the ordinary
 * loader, so that a workload is exactly what a user could write (and the
 * loader's checks apply to it). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "json.h"
#include "netfile.h"
#include "rng.h"

/* ---- the limit kernel ---------------------------------------------------- */

int sm_bench_csr_init(sm_bench_csr_t *c, uint32_t n_rows, uint32_t per_row, uint32_t n_tgt,
                      uint64_t seed)
{
    memset(c, 0, sizeof *c);
    size_t n_syn = (size_t)n_rows * per_row;
    c->off = malloc(((size_t)n_rows + 1) * sizeof *c->off);
    c->syn = malloc((n_syn ? n_syn : 1) * sizeof *c->syn);
    if (!c->off || !c->syn || !n_tgt) {
        sm_bench_csr_fini(c);
        return -1;
    }
    c->n_rows = n_rows;
    c->n_tgt = n_tgt;
    for (uint32_t r = 0; r <= n_rows; r++)
        c->off[r] = (uint64_t)r * per_row;
    for (uint32_t r = 0; r < n_rows; r++) {
        sm_rng_t g = sm_rng_stream(seed, 1, r);
        sm_bench_syn_t *s = c->syn + c->off[r];
        for (uint32_t j = 0; j < per_row; j++) {
            s[j].tgt = sm_rng_below(&g, n_tgt);
            s[j].w = (float)sm_rng_uniform(&g);
        }
    }
    return 0;
}

void sm_bench_csr_fini(sm_bench_csr_t *c)
{
    free(c->off);
    free(c->syn);
    memset(c, 0, sizeof *c);
}

uint64_t sm_bench_limit_kernel(const sm_bench_csr_t *c, const uint32_t *rows, size_t n,
                               float *state)
{
    uint64_t events = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t a = c->off[rows[i]], b = c->off[rows[i] + 1];
        const sm_bench_syn_t *s = c->syn + a;
        uint64_t len = b - a;
        for (uint64_t j = 0; j < len; j++)
            state[s[j].tgt] += s[j].w;
        events += len;
    }
    return events;
}

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#define S_LIMIT_BATCH 4096u

double sm_bench_limit(const sm_bench_csr_t *c, double min_seconds, uint64_t seed)
{
    float *state = calloc(c->n_tgt ? c->n_tgt : 1, sizeof *state);
    uint32_t *rows = malloc(S_LIMIT_BATCH * sizeof *rows);
    if (!state || !rows || !c->n_rows) {
        free(state);
        free(rows);
        return 0.0;
    }
    /* Spiking rows in random order, as spikes come; the draws are made before
     * the clock starts so that only the scatter is timed. Each batch is
     * shifted by a random offset so that batches do not repeat. */
    sm_rng_t g = sm_rng_stream(seed, 2, 0);
    for (uint32_t i = 0; i < S_LIMIT_BATCH; i++)
        rows[i] = sm_rng_below(&g, c->n_rows);
    sm_bench_limit_kernel(c, rows, S_LIMIT_BATCH < c->n_rows ? S_LIMIT_BATCH : c->n_rows,
                          state); /* warm-up */
    uint64_t events = 0;
    double t0 = s_now(), t;
    uint32_t shift = 0;
    do {
        for (uint32_t i = 0; i < S_LIMIT_BATCH; i++) {
            uint32_t r = rows[i] + shift;
            rows[i] = r >= c->n_rows ? r - c->n_rows : r;
        }
        events += sm_bench_limit_kernel(c, rows, S_LIMIT_BATCH, state);
        shift = sm_rng_below(&g, c->n_rows);
        t = s_now() - t0;
    } while (t < min_seconds);
    /* Keep the sums observable. */
    volatile float sink = 0.0f;
    for (uint32_t i = 0; i < c->n_tgt; i += 97)
        sink += state[i];
    (void)sink;
    free(state);
    free(rows);
    return t > 0.0 ? (double)events / t : 0.0;
}

/* ---- workload networks --------------------------------------------------- */

/* The neuron: Brette 2007 CUBA constants (tau_m 20, tau_syn 5 / 10 ms,
 * threshold -50, reset -60, refractory 5 ms) but resting at -65 mV, below
 * threshold, so that the neurons fire from their input alone. */
#define S_NEURON                                                                                   \
    "\"model\": \"cuba_lif\", \"params\": {\"tau_m\": 20.0, \"tau_syn_E\": 5.0, "                 \
    "\"tau_syn_I\": 10.0, \"v_rest\": -65.0, \"v_reset\": -60.0, \"v_thresh\": -50.0, "           \
    "\"tau_refrac\": 5.0}"

/* The model population comes first in both networks: on the sequential
 * mapping its neurons then fill whole cores, so per-core counters split
 * model neurons from sources. */
static sm_net_t *s_from_text(const char *text, const char *name, sm_error_t *err)
{
    cJSON *doc = sm_json_parse(text, strlen(text), name, err);
    if (!doc)
        return NULL;
    sm_net_t *net = sm_net_from_json(doc, name, ".", err);
    cJSON_Delete(doc);
    return net;
}

/* Scaling: rates of ~5 Hz come from the external drive (10 inputs at 20 Hz,
 * each an 11 mV current jump, which lifts the mean membrane ~11 mV of the
 * 15 mV to threshold: fluctuation-driven firing), and the recurrent synapses
 * are weak and balanced (72 x 0.25 mV against 18 x -1.0 mV), so the rate
 * hardly depends on n. */
sm_net_t *sm_bench_scaling_net(uint32_t n, uint32_t ticks, uint64_t seed, sm_error_t *err)
{
    uint32_t n_ext = n / 10 ? n / 10 : 1;
    char text[4096];
    int len = snprintf(
        text, sizeof text,
        "{\"simulation\": {\"dt\": 1.0, \"ticks\": %u, \"seed\": %llu},"
        " \"populations\": ["
        "  {\"name\": \"net\", \"size\": %u, " S_NEURON ","
        "   \"initial\": {\"v\": {\"uniform\": [-65.0, -50.0]}}, \"record\": {\"spikes\": false}},"
        "  {\"name\": \"ext\", \"size\": %u, \"source\": {\"kind\": \"poisson\", \"rate_hz\": 20.0},"
        "   \"record\": {\"spikes\": false}}],"
        " \"projections\": ["
        "  {\"source\": \"ext\", \"target\": \"net\", \"port\": \"exc\","
        "   \"connectivity\": {\"kind\": \"fixed_fan_in\", \"k\": %u}, \"weight\": 11.0, \"delay\": 1},"
        "  {\"source\": \"net\", \"target\": \"net\", \"port\": \"exc\","
        "   \"connectivity\": {\"kind\": \"fixed_fan_in\", \"k\": %u, \"allow_self\": false},"
        "   \"weight\": 0.25, \"delay\": 1},"
        "  {\"source\": \"net\", \"target\": \"net\", \"port\": \"inh\","
        "   \"connectivity\": {\"kind\": \"fixed_fan_in\", \"k\": %u, \"allow_self\": false},"
        "   \"weight\": -1.0, \"delay\": 1}]}",
        ticks, (unsigned long long)seed, n, n_ext, SM_BENCH_K_EXT, SM_BENCH_K_EXC,
        SM_BENCH_K_INH);
    if (len < 0 || (size_t)len >= sizeof text) {
        sm_fail(err, SM_EINVAL, "scaling network: description too long");
        return NULL;
    }
    return s_from_text(text, "bench:scaling", err);
}

sm_net_t *sm_bench_activity_net(uint32_t n, uint32_t n_src, uint32_t k, double rate_hz,
                                uint32_t ticks, uint64_t seed, sm_error_t *err)
{
    char text[4096];
    /* Weights small enough that the neurons stay below threshold: the
     * activity is then exactly the input's, whatever the engine. */
    int len = snprintf(
        text, sizeof text,
        "{\"simulation\": {\"dt\": 1.0, \"ticks\": %u, \"seed\": %llu},"
        " \"populations\": ["
        "  {\"name\": \"out\", \"size\": %u, " S_NEURON ", \"record\": {\"spikes\": false}},"
        "  {\"name\": \"in\", \"size\": %u, \"source\": {\"kind\": \"poisson\", \"rate_hz\": %.17g},"
        "   \"record\": {\"spikes\": false}}],"
        " \"projections\": ["
        "  {\"source\": \"in\", \"target\": \"out\", \"port\": \"exc\","
        "   \"connectivity\": {\"kind\": \"fixed_fan_in\", \"k\": %u}, \"weight\": 0.1, \"delay\": 1}]}",
        ticks, (unsigned long long)seed, n, n_src, rate_hz, k);
    if (len < 0 || (size_t)len >= sizeof text) {
        sm_fail(err, SM_EINVAL, "activity network: description too long");
        return NULL;
    }
    return s_from_text(text, "bench:activity", err);
}

int sm_bench_loihi_text(char *text, size_t cap, uint32_t n, uint32_t n_src, uint32_t k,
                        double rate_hz, uint32_t ticks, uint64_t seed)
{
    int len = snprintf(
        text, cap,
        "{\"simulation\": {\"dt\": 1.0, \"ticks\": %u, \"seed\": %llu},"
        " \"populations\": ["
        "  {\"name\": \"out\", \"size\": %u, \"model\": \"loihi_lif\","
        "   \"params\": {\"du\": 1024, \"dv\": 123, \"vth\": 400}, \"record\": {\"spikes\": false}},"
        "  {\"name\": \"in\", \"size\": %u, \"source\": {\"kind\": \"poisson\", \"rate_hz\": %.17g},"
        "   \"record\": {\"spikes\": false}}],"
        " \"projections\": ["
        "  {\"source\": \"in\", \"target\": \"out\", \"connectivity\": {\"kind\": \"fixed_fan_in\","
        "   \"k\": %u}, \"weight\": 60, \"weight_exp\": 0, \"num_weight_bits\": 8, \"delay\": 1}]}\n",
        ticks, (unsigned long long)seed, n, n_src, rate_hz, k);
    return len < 0 || (size_t)len >= cap ? -1 : 0;
}

sm_net_t *sm_bench_loihi_net(uint32_t n, uint32_t n_src, uint32_t k, double rate_hz,
                             uint32_t ticks, uint64_t seed, sm_error_t *err)
{
    char text[4096];
    if (sm_bench_loihi_text(text, sizeof text, n, n_src, k, rate_hz, ticks, seed)) {
        sm_fail(err, SM_EINVAL, "loihi network: description too long");
        return NULL;
    }
    return s_from_text(text, "bench:loihi", err);
}

double sm_bench_rate_for_activity(double frac, uint32_t k, double dt_ms)
{
    if (!(frac > 0.0) || !k || !(dt_ms > 0.0))
        return 0.0;
    if (frac >= 1.0)
        return 1000.0 / dt_ms;
    /* P(no input) = (1 - p)^k = 1 - frac, p the per-tick spike probability. */
    double p = -expm1(log1p(-frac) / (double)k);
    return p * 1000.0 / dt_ms;
}
