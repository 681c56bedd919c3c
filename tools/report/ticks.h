/* ticks: DIR/ticks.csv of a run on a chip, the per-tick series the engine
 * recorded (sm_result_t.tick_cnt) priced tick by tick (sm_energy_tick).
 * Columns in docs/outputs.md. */
#ifndef SM_TICKS_H
#define SM_TICKS_H

#include <stddef.h>

#include "chip.h"
#include "energy.h"
#include "sm_error.h"

/* Bytes ticks.csv takes at most for a run of `ticks` ticks (for the output
 * limit, before anything is written). */
size_t sm_ticks_csv_bytes(uint32_t ticks);

/* Writes DIR/ticks.csv atomically; res must hold the per-tick series, e the
 * energy report of the same run. */
int sm_ticks_write(const sm_chip_t *chip, const sm_energy_t *e, const sm_result_t *res,
                   const char *dir, sm_error_t *err);

#endif
