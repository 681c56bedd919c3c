/* ticks: the per-tick series of a run as DIR/ticks.csv. */
#include "ticks.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "decimal.h"
#include "output.h"

static const char *const s_cols[SM_TICKS_COUNTS + SM_TICKS_CHIP] = {
    "spikes", "synaptic_events", "neuron_updates", "active_updates", "inactive_updates",
    "packets", "hops",
    "energy_synaptic_j", "energy_neuron_update_j", "energy_spike_j", "energy_routing_j",
    "energy_static_j", "energy_total_j", "busiest_core_ns", "chip_ns"};

/* A chip's figure is %.9g: at most 16 characters ("-1.23456789e-100"). */
#define S_FIG_MAX 16

uint32_t sm_ticks_n_columns(int chip)
{
    return SM_TICKS_COUNTS + (chip ? SM_TICKS_CHIP : 0);
}

const char *sm_ticks_column(uint32_t i)
{
    return i < SM_TICKS_COUNTS + SM_TICKS_CHIP ? s_cols[i] : NULL;
}

/* The counts of tick t in column order. */
static void s_counts(const sm_result_t *res, uint32_t t, uint64_t v[SM_TICKS_COUNTS])
{
    const uint64_t *row = &res->tick_cnt[(size_t)t * SM_TICK_N];
    const uint64_t models = res->ticks ? res->totals.dense_updates / res->ticks : 0;
    const uint64_t act = row[SM_TICK_ACTIVE];
    v[0] = row[SM_TICK_SPIKES];
    v[1] = row[SM_TICK_SYNAPTIC];
    v[2] = row[SM_TICK_UPDATES];
    v[3] = act;
    v[4] = models > act ? models - act : 0;
    v[5] = row[SM_TICK_PACKETS];
    v[6] = row[SM_TICK_HOPS];
}

/* The chip's figures of tick t in column order. */
static void s_chip(const sm_chip_t *chip, const sm_energy_t *e, const sm_result_t *res,
                   uint32_t t, double v[SM_TICKS_CHIP])
{
    double j[SM_ENERGY_N], ns, total = 0.0;
    sm_energy_tick(chip, e, res, t, j, &ns);
    for (int k = 0; k < SM_ENERGY_N; k++)
        total += j[k];
    v[0] = j[SM_ENERGY_SYNAPTIC];
    v[1] = j[SM_ENERGY_UPDATE];
    v[2] = j[SM_ENERGY_SPIKE];
    v[3] = j[SM_ENERGY_ROUTING];
    v[4] = j[SM_ENERGY_STATIC];
    v[5] = total;
    v[6] = res->tick_busy_ns ? res->tick_busy_ns[t] : 0.0;
    v[7] = ns;
}

void sm_ticks_row(const sm_chip_t *chip, const sm_energy_t *e, const sm_result_t *res,
                  uint32_t t, double *v)
{
    uint64_t c[SM_TICKS_COUNTS];
    s_counts(res, t, c);
    for (uint32_t k = 0; k < SM_TICKS_COUNTS; k++)
        v[k] = (double)c[k];
    if (chip && e)
        s_chip(chip, e, res, t, v + SM_TICKS_COUNTS);
}

double sm_ticks_csv_bytes(const sm_result_t *res, int chip)
{
    double bytes = 5; /* "tick" and the newline of the header */
    for (uint32_t i = 0; i < sm_ticks_n_columns(chip); i++)
        bytes += 1 + (double)strlen(s_cols[i]);
    if (!res->tick_cnt)
        return bytes;
    const double per_row = 1 + SM_TICKS_COUNTS + (chip ? SM_TICKS_CHIP * (1.0 + S_FIG_MAX) : 0);
    for (uint32_t t = 0; t < res->ticks; t++) {
        uint64_t c[SM_TICKS_COUNTS];
        s_counts(res, t, c);
        bytes += per_row + sm_dec_digits(t);
        for (uint32_t k = 0; k < SM_TICKS_COUNTS; k++)
            bytes += sm_dec_digits(c[k]);
    }
    return bytes;
}

/* v in decimal at p, after a comma unless first; returns the end. By hand:
 * a row is seven counts, and printf's formatting was most of the cost of
 * writing the file. */
static char *s_put(char *p, uint64_t v, int first)
{
    char d[20];
    const char *s = sm_dec_u64(d + sizeof d, v);
    if (!first)
        *p++ = ',';
    const size_t n = (size_t)(d + sizeof d - s);
    memcpy(p, s, n);
    return p + n;
}

int sm_ticks_csv(FILE *f, const sm_chip_t *chip, const sm_energy_t *e, const sm_result_t *res)
{
    if (fputs("tick", f) < 0)
        return -1;
    for (uint32_t i = 0; i < sm_ticks_n_columns(chip != NULL); i++)
        if (fprintf(f, ",%s", s_cols[i]) < 0)
            return -1;
    if (fputc('\n', f) < 0)
        return -1;
    /* the counts at 21 characters each, the figures at 17, the newline */
    char row[(SM_TICKS_COUNTS + 1) * 21 + SM_TICKS_CHIP * (S_FIG_MAX + 1) + 2];
    for (uint32_t t = 0; t < res->ticks; t++) {
        uint64_t c[SM_TICKS_COUNTS];
        s_counts(res, t, c);
        char *p = s_put(row, t, 1);
        for (uint32_t k = 0; k < SM_TICKS_COUNTS; k++)
            p = s_put(p, c[k], 0);
        if (chip) {
            double v[SM_TICKS_CHIP];
            s_chip(chip, e, res, t, v);
            for (uint32_t k = 0; k < SM_TICKS_CHIP; k++)
                p += snprintf(p, (size_t)(row + sizeof row - p), ",%.9g", v[k]);
        }
        *p++ = '\n';
        if (fwrite(row, 1, (size_t)(p - row), f) != (size_t)(p - row))
            return -1;
    }
    return 0;
}

int sm_ticks_check(const sm_chip_t *chip, const sm_energy_t *e, const sm_result_t *res,
                   const char *dir, sm_error_t *err)
{
    if (!res->tick_cnt)
        return sm_fail(err, SM_EINVAL, "%s/ticks.csv: the run recorded no per-tick series", dir);
    if (chip && (!e || !res->tick_busy_ns))
        return sm_fail(err, SM_EINVAL, "%s/ticks.csv: the run on chip %s recorded no busiest "
                       "core per tick", dir, chip->name);
    return 0;
}

int sm_ticks_write(const sm_chip_t *chip, const sm_energy_t *e, const sm_result_t *res,
                   const char *dir, sm_error_t *err)
{
    if (sm_ticks_check(chip, e, res, dir, err))
        return -1;
    char path[SM_OUT_PATH];
    snprintf(path, sizeof path, "%s/ticks.csv", dir);
    sm_out_t o;
    if (sm_out_open(&o, path, err))
        return -1;
    if (sm_ticks_csv(o.f, chip, e, res)) {
        sm_out_abort(&o);
        return sm_fail(err, SM_EIO, "%s: write failed", path);
    }
    return sm_out_commit(&o, err);
}
