/* progress_bar: the command line's view of long work (core/progress.h):
 * one status line on stderr, redrawn in place, naming the phase (loading,
 * mapping, building synapses) and, while a run ticks, a bar with ticks per
 * second, synaptic events per second and the time left. Drawn only on a
 * terminal: each phase as it starts (it may be long and silent), within a
 * phase at most ten times a second once the work has taken half a second;
 * cleared when the work ends. */
#ifndef SM_PROGRESS_BAR_H
#define SM_PROGRESS_BAR_H

#include <stdint.h>

#include "progress.h"

typedef struct {
    sm_progress_t hook;       /* give &bar.hook to the work                     */
    int on;                   /* 0: draw nothing                                */
    int drawn;                /* a line is on the terminal                      */
    double t0;                /* when the work began                            */
    double phase_t0;          /* when the current phase began                   */
    double last;              /* when the line was last drawn                   */
    char phase[64];
} sm_cli_progress_t;

/* on: draw at all (the caller passes isatty(2)). */
void sm_cli_progress_init(sm_cli_progress_t *p, int on);

/* Starts a phase the command runs itself ("loading net.json"). */
void sm_cli_progress_phase(sm_cli_progress_t *p, const char *phase);

/* Clears the line, so that what the command prints next starts clean. */
void sm_cli_progress_end(sm_cli_progress_t *p);

#endif
