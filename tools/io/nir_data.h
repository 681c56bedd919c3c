/* nir_data: spike inputs in NIR's own data format (nir.data_ir, as
 * nir.write_data writes it): an HDF5 file whose root is a NIRGraphData
 * (attribute __type__), with per node nodes/<node>/observables/<name>:
 *   TimeGriddedData  dataset `data` [samples, steps, neurons], attribute dt;
 *   EventData        datasets `idx` and `time` [samples, events] (idx -1:
 *                    none), attributes n_neurons and t_max;
 *   ValuedEventData  the same and `value` [samples, events].
 * The Input node's observable (its only one, or the one named "spikes")
 * becomes spike counts per step, as a [steps, samples, neurons] uint8
 * tensor for sm_nir_input_check: gridded data as they are (whole counts);
 * events at step ceil(time / dt) - 1 of round(t_max / dt), as nir's
 * to_time_gridded does (an event at time (k + 1) dt is in step k), one
 * count each (nir's grid is boolean) or their value. dt is the run's (the
 * conventions'). libhdf5 runs in a child process, as for graphs. */
#ifndef SM_NIR_DATA_H
#define SM_NIR_DATA_H

#include <stdbool.h>

#include "npy.h"
#include "sm_error.h"

/* True if the file starts with the HDF5 signature (else take it for .npy). */
bool sm_nir_data_is_hdf5(const char *path);

/* The spikes of node `node`; caller owns the result. */
sm_npy_t *sm_nir_data_load(const char *path, const char *node, double dt, sm_error_t *err);

#endif
