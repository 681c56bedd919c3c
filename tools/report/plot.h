/* plot: the figures `spikemesh plot` draws from a finished run directory.
 *
 * sm_plot_run_load reads what the run left (stats.json, spikes.csv, and
 * traces.csv and ticks.csv when present) and applies the options: a time
 * window and a population subset. Each sm_plot_* function then builds one
 * SVG document from the loaded run:
 *   raster  spikes (ms x neuron, a colour per population) over a panel of
 *           population rates in Hz (plot_raster.c)
 *   traces  membrane potential and synaptic currents, a panel per probe
 *           (plot_traces.c)
 *   ticks   the per-tick series (plot_series.c)
 *   cores   one counter per core over the grid, chips outlined
 *           (plot_cores.c)
 *   links   packets per directed mesh link (plot_links.c)
 *   energy  energy by category on a log scale (plot_energy.c)
 * A function with nothing to draw (no probes, no chip) returns 0 with the
 * document left empty and *skip set to the reason. */
#ifndef SM_PLOT_H
#define SM_PLOT_H

#include <stddef.h>
#include <stdint.h>

#include "chip.h"
#include "sm_error.h"
#include "svg.h"

struct cJSON;

typedef enum {
    SM_PLOT_EVENTS,  /* synaptic events per core (default) */
    SM_PLOT_UPDATES, /* neuron updates                     */
    SM_PLOT_SPIKES,  /* spikes generated                   */
    SM_PLOT_ENERGY   /* joules (runs with a chip)          */
} sm_plot_counter_t;

typedef struct {
    double from_ms;            /* time window start                          */
    double to_ms;              /* window end; < 0: the end of the run        */
    const char *pops;          /* comma-separated subset; NULL: all          */
    sm_plot_counter_t counter; /* of the core heatmap                        */
    double bin_ms;             /* rate bin; 0: about 1/150 of the window     */
    const char *chip;          /* chip for the boundaries; NULL: the run's   */
} sm_plot_opts_t;

typedef struct {
    char name[64];
    uint32_t size;       /* neurons                                         */
    uint32_t colour;     /* colour index: the position in stats.json, so a
                            population keeps its colour in any subset       */
    uint32_t row;        /* first raster row, among the shown populations   */
    int recorded;        /* its spikes are in spikes.csv                    */
    int shown;           /* in the subset                                   */
    uint64_t spikes;     /* spikes in the window                            */
} sm_plot_pop_t;

typedef struct {
    uint32_t tick, pop, index;
} sm_plot_spike_t;

typedef struct {
    uint32_t pop, index;
    float *val;          /* ticks x 3: v, syn_exc, syn_inh                  */
    uint8_t *seen;       /* ticks: a row was read                           */
} sm_plot_probe_t;

/* ticks.csv: a tick column and any number of numeric series. */
typedef struct {
    char **names;        /* n_cols series names                              */
    size_t n_cols, n_rows;
    double *vals;        /* n_rows x (1 + n_cols): tick first                */
} sm_plot_series_t;

typedef struct {
    struct cJSON *stats;
    uint32_t ticks;      /* length of the run                               */
    double dt_ms;
    uint32_t mesh_w, mesh_h;
    sm_plot_pop_t *pops;
    uint32_t n_pops;
    uint32_t *order;     /* shown populations, in the order asked           */
    uint32_t n_shown, rows;
    int all_shown;       /* no subset asked                                 */
    sm_plot_spike_t *spikes; /* in the window, of shown populations         */
    size_t n_spikes;
    sm_plot_probe_t *probes; /* of shown populations                        */
    uint32_t n_probes;
    uint32_t n_probes_all;   /* in traces.csv, of shown populations          */
    int has_traces;      /* traces.csv was there                            */
    sm_plot_series_t series;
    int has_series;      /* ticks.csv was there                             */
    sm_chip_t *chip;     /* its grid cut into chips; NULL: unknown          */
    char chip_note[160]; /* why chip is NULL, "" if nothing to say          */
    uint32_t t0, t1;     /* the window in ticks: [t0, t1)                   */
    double from_ms, to_ms;
} sm_plot_run_t;

/* Loads DIR's run. Returns 0, or -1 with err naming the file and line. */
int sm_plot_run_load(sm_plot_run_t *run, const char *dir, const sm_plot_opts_t *o,
                     sm_error_t *err);
void sm_plot_run_fini(sm_plot_run_t *run);
/* The number field k of stats object o (0 if absent). */
double sm_plot_num(const struct cJSON *o, const char *k);
/* Duration of the run in ms. */
double sm_plot_duration(const sm_plot_run_t *run);

int sm_plot_raster(const sm_plot_run_t *run, const sm_plot_opts_t *o, sm_svg_t *out,
                   const char **skip, sm_error_t *err);
int sm_plot_traces(const sm_plot_run_t *run, const sm_plot_opts_t *o, sm_svg_t *out,
                   const char **skip, sm_error_t *err);
int sm_plot_ticks_series(const sm_plot_run_t *run, const sm_plot_opts_t *o, sm_svg_t *out,
                         const char **skip, sm_error_t *err);
int sm_plot_cores(const sm_plot_run_t *run, const sm_plot_opts_t *o, sm_svg_t *out,
                  const char **skip, sm_error_t *err);
int sm_plot_links(const sm_plot_run_t *run, const sm_plot_opts_t *o, sm_svg_t *out,
                  const char **skip, sm_error_t *err);
int sm_plot_energy(const sm_plot_run_t *run, const sm_plot_opts_t *o, sm_svg_t *out,
                   const char **skip, sm_error_t *err);

#endif
