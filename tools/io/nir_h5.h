/* nir_h5: the few libhdf5 calls the NIR reader needs, each turning the
 * library's failures into an sm_error_t (messages say what failed and, when
 * libhdf5 gives one, its innermost reason; callers put the file, node and
 * field in front). nir_file.c (graphs) and nir_data.c (data files) use it,
 * in the reader process. */
#ifndef SM_NIR_H5_H
#define SM_NIR_H5_H

#include "h5_load.h"

#include "nir.h"

/* libhdf5 prints its error stack on every failed call unless told not to.
 * The handler is process-wide, so it is switched off only while the reader
 * runs and restored afterwards. */
typedef struct {
    H5E_auto2_t fn;
    void *data;
} sm_nir_h5_quiet_t;

void sm_nir_h5_quiet_begin(sm_nir_h5_quiet_t *q);
void sm_nir_h5_quiet_end(const sm_nir_h5_quiet_t *q);

/* Opens a file read-only; refuses files that are missing, not HDF5, or
 * truncated. */
hid_t sm_nir_h5_open(const char *path, sm_error_t *err);

typedef enum { SM_NIR_H5_OTHER = 0, SM_NIR_H5_GROUP, SM_NIR_H5_DATASET } sm_nir_h5_kind_t;

/* The members of a group, in name order: names (caller frees each and the
 * array) and kinds. Soft and external links are refused: a NIR file has
 * none, and an external link would make the reader open another file. */
int sm_nir_h5_list(hid_t grp, char ***names, sm_nir_h5_kind_t **kinds, uint32_t *n,
                   sm_error_t *err);

/* The kind of member `name` of grp, or SM_NIR_H5_OTHER if absent. */
sm_nir_h5_kind_t sm_nir_h5_kind(hid_t grp, const char *name);

/* Reads dataset `name` of grp: numbers into a->v (float32, float64 and
 * integers of any width), one string into a->s. */
int sm_nir_h5_read(hid_t grp, const char *name, sm_nir_array_t *a, sm_error_t *err);

/* Reads a dataset of strings (any shape); *strs holds *n strings (caller
 * frees each and the array), shape the dataset's shape. */
int sm_nir_h5_read_strings(hid_t grp, const char *name, char ***strs, size_t *n,
                           sm_nir_shape_t *shape, sm_error_t *err);

#endif
