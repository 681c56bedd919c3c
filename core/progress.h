/* progress: how long work tells a caller how far it has got, so that a
 * command line can draw a bar and a library caller can stay silent.
 *
 * The worker calls the hook at the start of each phase (done 0) and now and
 * then inside it, from one thread, a few times a second at most; the hook
 * only draws, it never fails the work. A NULL hook (or fn) means nobody
 * listens. */
#ifndef SM_PROGRESS_H
#define SM_PROGRESS_H

#include <stdint.h>

/* phase: what is being done ("mapping: placing", "running"); done and total
 * in the phase's own unit (ticks, iterations; total 0: unknown); events:
 * synaptic events so far (0 where the phase has none). */
typedef void (*sm_progress_fn)(void *ctx, const char *phase, uint64_t done, uint64_t total,
                               uint64_t events);

typedef struct {
    sm_progress_fn fn;
    void *ctx;
} sm_progress_t;

static inline void sm_progress(const sm_progress_t *p, const char *phase, uint64_t done,
                               uint64_t total, uint64_t events)
{
    if (p && p->fn)
        p->fn(p->ctx, phase, done, total, events);
}

#endif
