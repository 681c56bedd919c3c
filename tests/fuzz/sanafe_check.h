/* sanafe_check: what the SANA-FE fuzz targets (fuzz_sanafe_arch.c,
 * fuzz_sanafe_snn.c, fuzz_netlist.c) check of what the readers accept. */
#ifndef SM_FUZZ_SANAFE_CHECK_H
#define SM_FUZZ_SANAFE_CHECK_H

#include "fuzz.h"
#include "sanafe_arch.h"
#include "sanafe_bind.h"
#include "sanafe_snn.h"

/* Networks with more neurons or synapses than these are not placed or
 * expanded here: a 100-byte file may legitimately ask for 2^24 neurons. */
#define FUZZ_SF_MAX_NEURONS 100000u
#define FUZZ_SF_MAX_SYNAPSES 200000u

/* Everything an architecture promises (sanafe_arch.h); NULL if it holds. */
const char *sf_arch_invariants(const sm_sanafe_arch_t *a);
/* Everything a network description promises (sanafe_snn.h); NULL if it
 * holds. */
const char *sf_snn_invariants(const sm_sanafe_snn_t *s);

/* Checks an accepted network, then expands its synapses and places it on
 * its own architecture or on `chip` (each refusal must carry a message);
 * bad outcomes go to fz_bad under `what`. */
void sf_snn_check(fz_stats_t *st, const char *what, const sm_sanafe_snn_t *s,
                  const sm_sanafe_arch_t *chip, const void *buf, size_t len);

/* Small seeds beside tests/data/sanafe: a chip, a network for it (both as
 * in tests/test_sanafe_read.c), and a netlist. */
extern const char sf_tiny_arch[];
extern const char sf_tiny_net[];
extern const char sf_tiny_netlist[];

/* tests/data/sanafe/mesh4.yaml, read once. */
const sm_sanafe_arch_t *sf_mesh4(void);

#endif
