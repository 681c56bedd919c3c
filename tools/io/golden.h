/* golden: golden reference trace files (format in tests/data/golden/README.md) and the
 * checks that run them through the neuron models.
 *
 * The loader validates everything it reads: a missing field, a wrong shape
 * (T x N) or a non-number is refused with a message naming the file and the
 * JSON path. Numbers are the exact float32 values the library used (read as
 * double, cast to float). */
#ifndef SM_GOLDEN_H
#define SM_GOLDEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "sm_error.h"

struct cJSON;

/* A rows x cols matrix, row-major; v is NULL when the field is absent. */
typedef struct {
    uint32_t rows, cols;
    float *v;
} sm_gmat_t;

static inline float sm_gmat_at(const sm_gmat_t *m, uint32_t r, uint32_t c)
{
    return m->v[(size_t)r * m->cols + c];
}

typedef enum { SM_REC_NONE = 0, SM_REC_MATRIX, SM_REC_DIAG } sm_rec_kind_t;

typedef struct {
    uint32_t size;
    sm_gmat_t weight;                /* size x previous size (out x in)       */
    float *bias;                     /* size entries, or NULL                 */
    const char *cls;                 /* neuron class, points into the doc     */
    const struct cJSON *params;      /* neuron kwargs, points into the doc    */
    sm_rec_kind_t rec;
    sm_gmat_t rec_weight;            /* SM_REC_MATRIX: size x size            */
    float *rec_bias;                 /* SM_REC_MATRIX: size entries           */
    float *rec_v;                    /* SM_REC_DIAG: size entries             */
    sm_gmat_t spk, mem, cur;         /* expected, steps x size; cur optional  */
} sm_glayer_t;

typedef enum { SM_GOLDEN_POPULATION = 0, SM_GOLDEN_NETWORK } sm_golden_kind_t;

typedef struct {
    char *file;                      /* as given, for messages; owned         */
    char *name;                      /* owned                                 */
    const char *cls;                 /* points into doc                       */
    sm_golden_kind_t kind;
    struct cJSON *doc;               /* owned                                 */
    const struct cJSON *params;      /* population kwargs (NULL: none)        */
    const struct cJSON *derived;     /* NULL when absent                      */
    uint32_t steps;
    /* population */
    uint32_t neurons;
    sm_gmat_t input, spk, mem, syn, syn_exc, syn_inh; /* steps x neurons      */
    /* network */
    uint32_t inputs, n_layers;
    sm_glayer_t *layers;
    sm_gmat_t input_spikes;          /* steps x inputs                        */
} sm_golden_t;

/* Loads one case. Caller owns the result. */
sm_golden_t *sm_golden_load(const char *path, sm_error_t *err);
void sm_golden_destroy(sm_golden_t **g_p);

/* Comparison against a reference, with the suggested tolerance: spikes
 * exactly, states within |x - ref| <= 1e-5 * max(1, |ref|). */
typedef struct {
    double worst;                    /* max |x - ref| / max(1, |ref|)          */
    uint64_t compared;
    uint64_t mismatches;
    char first[256];                 /* the first mismatch, for the report    */
} sm_gcheck_t;

void sm_gcheck_init(sm_gcheck_t *c);
void sm_gcheck_value(sm_gcheck_t *c, const char *what, uint32_t t, uint32_t n, double got,
                     double ref);
void sm_gcheck_spike(sm_gcheck_t *c, const char *what, uint32_t t, uint32_t n, double got,
                     double ref);

/* Statistics of a closed-form run. */
typedef struct {
    uint64_t steps;                  /* sm_model_step calls                   */
    uint64_t advances;               /* sm_model_advance calls                */
    uint64_t skipped;                /* ticks covered by advances             */
} sm_gevent_t;

/* Runs a population case through the models and compares every tick.
 * event = false: sm_model_step on every tick (must be bit-exact).
 * event = true: step only on ticks with input or when next_spike says the
 * neuron may fire; cover the rest with sm_model_advance, checking the state
 * wherever the run lands and that no reference spike falls in a skipped
 * stretch. Returns 0 (see chk for the verdict) or -1 if the case cannot be
 * run (unsupported class, bad parameters), with err filled. */
int sm_golden_run_population(const sm_golden_t *g, bool event, sm_gcheck_t *chk,
                             sm_gevent_t *stats, sm_error_t *err);

#endif
