#include "engine.h"

#include <stdlib.h>

/* Placeholder until the event engine lands: fails loudly. */
sm_result_t *sm_engine_run(const sm_net_t *net, const sm_run_opts_t *opts, sm_error_t *err)
{
    (void)net;
    (void)opts;
    sm_fail(err, SM_EUNSUPPORTED, "the engine is not built yet");
    return NULL;
}

void sm_result_destroy(sm_result_t **r_p)
{
    if (!r_p || !*r_p)
        return;
    free(*r_p);
    *r_p = NULL;
}
