/* ticks: the per-tick series of a chip run as DIR/ticks.csv. */
#include "ticks.h"

#include <inttypes.h>
#include <stdio.h>

#include "output.h"

/* 7 integers of at most 20 digits, 8 numbers of %.9g (at most 16 chars),
 * their commas and the newline. */
#define S_ROW_MAX (7 * 21 + 8 * 17 + 1)

static const char *const s_header =
    "tick,spikes,synaptic_events,active_updates,inactive_updates,packets,hops,"
    "energy_synaptic_j,energy_neuron_update_j,energy_spike_j,energy_routing_j,energy_static_j,"
    "energy_total_j,busiest_core_ns,chip_ns\n";

size_t sm_ticks_csv_bytes(uint32_t ticks)
{
    return 256 + (size_t)ticks * S_ROW_MAX;
}

static int s_rows(FILE *f, const sm_chip_t *chip, const sm_energy_t *e, const sm_result_t *res)
{
    if (fputs(s_header, f) < 0)
        return -1;
    uint64_t models = res->ticks ? res->totals.dense_updates / res->ticks : 0;
    for (uint32_t t = 0; t < res->ticks; t++) {
        const uint64_t *row = &res->tick_cnt[(size_t)t * SM_TICK_N];
        double j[SM_ENERGY_N], ns, total = 0.0;
        sm_energy_tick(chip, e, res, t, j, &ns);
        for (int k = 0; k < SM_ENERGY_N; k++)
            total += j[k];
        uint64_t act = row[SM_TICK_ACTIVE], idle = models > act ? models - act : 0;
        if (fprintf(f,
                    "%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
                    ",%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g\n",
                    t, row[SM_TICK_SPIKES], row[SM_TICK_SYNAPTIC], act, idle,
                    row[SM_TICK_PACKETS], row[SM_TICK_HOPS], j[SM_ENERGY_SYNAPTIC],
                    j[SM_ENERGY_UPDATE], j[SM_ENERGY_SPIKE], j[SM_ENERGY_ROUTING],
                    j[SM_ENERGY_STATIC], total, res->tick_busy_ns[t], ns) < 0)
            return -1;
    }
    return 0;
}

int sm_ticks_write(const sm_chip_t *chip, const sm_energy_t *e, const sm_result_t *res,
                   const char *dir, sm_error_t *err)
{
    if (!res->tick_cnt)
        return sm_fail(err, SM_EINVAL, "%s/ticks.csv: the run recorded no per-tick series", dir);
    char path[SM_OUT_PATH];
    snprintf(path, sizeof path, "%s/ticks.csv", dir);
    sm_out_t o;
    if (sm_out_open(&o, path, err))
        return -1;
    if (s_rows(o.f, chip, e, res)) {
        sm_out_abort(&o);
        return sm_fail(err, SM_EIO, "%s: write failed", path);
    }
    return sm_out_commit(&o, err);
}
