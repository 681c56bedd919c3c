/* ticks: DIR/ticks.csv, the per-tick series every run records
 * (sm_result_t.tick_cnt): its counts, and on a chip each tick priced as the
 * run is (sm_energy_tick). Columns in docs/outputs.md. */
#ifndef SM_TICKS_H
#define SM_TICKS_H

#include <stddef.h>
#include <stdio.h>

#include "chip.h"
#include "energy.h"
#include "sm_error.h"

/* The columns after "tick": SM_TICKS_COUNTS counts of every run (spikes,
 * synaptic events, neuron updates, active and inactive updates, packets,
 * hops), then a chip run's SM_TICKS_CHIP figures (joules by category and in
 * all, the busiest core's and the chip's time in ns). */
#define SM_TICKS_COUNTS 7u
#define SM_TICKS_CHIP 8u

/* Columns of a run with (chip != 0) or without a chip, and column i's name
 * in ticks.csv (NULL past the last). */
uint32_t sm_ticks_n_columns(int chip);
const char *sm_ticks_column(uint32_t i);

/* Tick t's values, sm_ticks_n_columns(chip != NULL) of them, into v: the
 * counts exactly (below 2^53), then with chip and e (the energy report of
 * the same run) its figures. */
void sm_ticks_row(const sm_chip_t *chip, const sm_energy_t *e, const sm_result_t *res,
                  uint32_t t, double *v);

/* Bytes ticks.csv of res takes (for the output limit, before anything is
 * written): exactly, less a chip's figures counted at their widest. */
double sm_ticks_csv_bytes(const sm_result_t *res, int chip);

/* Refuses (SM_EINVAL, naming DIR/ticks.csv) a result without the series
 * ticks.csv needs: the counts, and with a chip the busiest cores' times. */
int sm_ticks_check(const sm_chip_t *chip, const sm_energy_t *e, const sm_result_t *res,
                   const char *dir, sm_error_t *err);

/* ticks.csv's text into f (after sm_ticks_check); -1 if a write failed. */
int sm_ticks_csv(FILE *f, const sm_chip_t *chip, const sm_energy_t *e, const sm_result_t *res);

/* Writes DIR/ticks.csv atomically; chip and e NULL for a run without a
 * chip (the counts only). res must hold the per-tick series, with a chip its
 * busiest cores' times too. */
int sm_ticks_write(const sm_chip_t *chip, const sm_energy_t *e, const sm_result_t *res,
                   const char *dir, sm_error_t *err);

#endif
