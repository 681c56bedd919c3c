/* golden_lava: Lava's bit-accurate reference cases (format in
 * tests/data/lava/README.md): integer LIF populations fed straight into
 * a_in, and RingBuffer -> Dense -> LIF [-> Dense -> LIF ...] networks with
 * optional recurrent Dense, binary or graded input.
 *
 * A case is run through the engine, not through core/loihi.c alone:
 * sm_lava_net builds the network a user would write (loihi_lif populations,
 * matrix projections carrying the Dense kwargs as given, spike-time sources,
 * graded ones for payloads, a probe on every LIF neuron) and sm_lava_check
 * compares the run's spikes, u and v with Lava's, exactly. */
#ifndef SM_GOLDEN_LAVA_H
#define SM_GOLDEN_LAVA_H

#include <stdbool.h>
#include <stdint.h>

#include "loihi.h"
#include "net.h"
#include "result.h"
#include "sm_error.h"

struct cJSON;

/* rows x cols integers, row-major; v NULL when absent. */
typedef struct {
    uint32_t rows, cols;
    int32_t *v;
} sm_imat_t;

static inline int32_t sm_imat_at(const sm_imat_t *m, uint32_t r, uint32_t c)
{
    return m->v[(size_t)r * m->cols + c];
}

/* LIF(...) kwargs: per neuron, since bias_mant, bias_exp, u and v may be. */
typedef struct {
    sm_loihi_lif_params_t *p;
    int32_t *u0, *v0;
} sm_lava_lif_t;

/* Dense(...) kwargs as passed (0 / AUTO where absent: Lava's defaults). */
typedef struct {
    bool present;
    sm_imat_t w;                 /* out x in, before clipping */
    int32_t weight_exp;
    uint32_t num_weight_bits, num_message_bits;
    sm_loihi_sign_t sign;
} sm_lava_dense_t;

typedef struct {
    uint32_t size;
    sm_lava_lif_t lif;
    sm_lava_dense_t dense, rec;
    sm_imat_t spk, u, v;         /* expected, steps x size */
} sm_lava_layer_t;

typedef enum { SM_LAVA_POPULATION = 0, SM_LAVA_NETWORK } sm_lava_kind_t;

typedef struct {
    char *file, *name;           /* owned */
    sm_lava_kind_t kind;
    uint32_t steps;
    /* population: one layer without Dense, input straight into a_in */
    /* network: inputs sources, n_layers layers */
    uint32_t inputs, n_layers;
    sm_lava_layer_t *layers;
    sm_imat_t input;             /* steps x inputs: a_in, 0/1 spikes or payloads */
    bool graded;                 /* network input is input_payload */
} sm_lava_case_t;

/* True if doc is a Lava case (its "class" names a lava.proc process). */
bool sm_lava_is_case(const struct cJSON *doc);

/* Loads one case, checking every field (file and JSON path in messages).
 * Caller owns the result. */
sm_lava_case_t *sm_lava_load(const char *path, sm_error_t *err);
void sm_lava_destroy(sm_lava_case_t **c_p);

/* The engine network of a case, finished. Population: sources "pos" and
 * "neg" carry a_in's positive and negative parts as graded payloads, with
 * delay 0 into the LIF (Lava's RingBuffer writes a_in directly). Network:
 * source "input", layers "layer0" ...; each Dense a matrix projection with
 * delay 1 (Lava's Dense adds one step). Probes on every LIF neuron, in layer
 * order. */
sm_net_t *sm_lava_net(const sm_lava_case_t *c, sm_error_t *err);

/* Compares a run of sm_lava_net(c) with Lava: spikes, u and v of every
 * neuron at every step, exactly. Returns the number of mismatches (first
 * described in first, cap bytes) and counts the values compared. */
uint64_t sm_lava_check(const sm_lava_case_t *c, const sm_net_t *net, const sm_result_t *r,
                       uint64_t *compared, char *first, size_t cap);

#endif
