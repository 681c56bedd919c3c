/* validate: the one check of a network's parameters.
 *
 * Every way a network arrives runs it: the file loader (tools/io/netfile.c,
 * after the JSON checks), the network message a worker decodes
 * (proto/netmsg.c) and the fuzz oracle (tests/fuzz/netcheck.c), so that a
 * network is refused with the same words wherever it is checked. A network
 * that passes runs without NaN, infinity or undefined behaviour coming from
 * its parameters:
 *   - every model parameter is a finite float32 (double where the model keeps
 *     one) in the range its update needs (decays in [0, 1], thresholds a
 *     sinabs MultiSpike count can divide by, ...);
 *   - every constant derived from them is finite: the exact-integration
 *     propagators, Lapicque's 1/RC and decay, the closed-form tables
 *     (sm_closed_t: no NaN);
 *   - a population's bias plus its constant currents, summed in float32 as
 *     the engine sums them, is finite, and the membrane's fixed point under
 *     that drive lies within float32;
 *   - every delay is at most SM_MAX_DELAY ticks, judged by the bound of its
 *     distribution (a uniform delay by its upper end), never by the values a
 *     seed happens to draw;
 *   - population names are safe in every output (sm_pop_name_check).
 * Messages name the population or projection, the field and the value, in
 * the JSON path style of the network file ("populations[1].params: ...") but
 * without a file: the caller puts the file (or "network message: ") first. */
#ifndef SM_VALIDATE_H
#define SM_VALIDATE_H

#include <stddef.h>

#include "model.h"
#include "net.h"
#include "sm_error.h"

/* Why `name` cannot name a population, in why (cap bytes), or 0 if it can:
 * 1 to SM_NAME_MAX - 1 bytes of valid UTF-8, without control characters
 * (U+0000..U+001F, U+007F), commas or double quotes, so that it is one plain
 * field of a CSV row and a valid JSON string. */
int sm_pop_name_check(const char *name, char *why, size_t cap);

/* Writes name into buf (cap bytes) for a message: printable ASCII and valid
 * UTF-8 as they are, anything else as \xHH; cut with "..." past 60 bytes. */
void sm_name_show(const char *name, char *buf, size_t cap);

/* Checks one parameter block: its enums and flag bytes (a block may come as
 * bytes), its parameters and its derived constants. The message starts with
 * the field ("threshold: ..."). */
int sm_model_check(const sm_model_t *m, sm_error_t *err);

/* The longest delay projection pr may give a synapse, in ticks: the upper
 * end of its delay distribution (for a list, its longest entry), whatever
 * is drawn. */
double sm_proj_delay_bound(const sm_proj_t *pr);

/* Checks the whole network as described above. */
int sm_net_check(const sm_net_t *net, sm_error_t *err);

#endif
