/* model_json: neuron models from JSON parameter objects: a network file's
 * populations[].params and a golden trace's constructor kwargs. */
#ifndef SM_MODEL_JSON_H
#define SM_MODEL_JSON_H

#include "model.h"
#include "sm_error.h"

/* Builds a model from a name and a parameter object (cJSON).
 * Parameters may be given in the library's own terms (beta, alpha, tau_mem_inv,
 * ...) or in physical ones (tau_m, tau_syn_E, dt in ms). `path` is the JSON path
 * used in error messages, e.g. "populations[2].params". Unknown keys are
 * refused. Returns 0 or -1 with err filled. */
struct cJSON;
int sm_model_from_json(sm_model_t *m, const char *model_name,
                       const struct cJSON *params, const char *path,
                       sm_error_t *err);

/* Builds a model from a golden-trace class name ("snntorch.Leaky",
 * "norse.LIFCell", "sinabs.IAF", ...) and its constructor kwargs. */
int sm_model_from_golden(sm_model_t *m, const char *cls,
                         const struct cJSON *params, const char *path,
                         sm_error_t *err);

#endif
