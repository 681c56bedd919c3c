/* npy: NumPy .npy files (format versions 1.0, 2.0 and 3.0), as spike tensor
 * inputs: shape [T, B, features...] or [T, features...].
 *
 * Element types: bool, uint8, int8, int16, int32, int64, float32, float64,
 * little-endian (or byte-order free for one-byte types), C order. Big-endian
 * data, Fortran order, other types, a header that is not the dict numpy
 * writes, and a data size that does not match the shape are refused with the
 * file and what is wrong; so are NaN and infinite floats (a spike tensor
 * holds counts). The data stay in the file's element type (a 100-sample
 * N-MNIST batch is 14 MB as uint8, 111 MB as double); sm_npy_at() reads one
 * element as a double. */
#ifndef SM_NPY_H
#define SM_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "sm_error.h"

#define SM_NPY_MAXDIM 16

typedef enum {
    SM_NPY_BOOL = 0,
    SM_NPY_U8,
    SM_NPY_I8,
    SM_NPY_I16,
    SM_NPY_I32,
    SM_NPY_I64,
    SM_NPY_F32,
    SM_NPY_F64
} sm_npy_dtype_t;

typedef struct {
    sm_npy_dtype_t dtype;
    uint32_t version;             /* 1, 2 or 3 (the format's major version) */
    uint32_t ndim;
    uint64_t shape[SM_NPY_MAXDIM];
    uint64_t n;                   /* elements                                 */
    size_t itemsize;
    void *data;                   /* n * itemsize bytes, little-endian, C order */
} sm_npy_t;

/* Reads a whole .npy file. Caller owns the result. */
sm_npy_t *sm_npy_load(const char *path, sm_error_t *err);
/* Parses a .npy image in memory; `name` is used in messages. */
sm_npy_t *sm_npy_parse(const void *buf, size_t len, const char *name, sm_error_t *err);
/* An array in memory: element type by numpy's name ("bool", "uint8", "int8",
 * "int16", "int32", "int64", "float32", "float64"), `ndim` dimensions of
 * `shape`, data in C order and the host's byte order; copied (as
 * little-endian) and checked as a file's. `name` is used in messages. */
sm_npy_t *sm_npy_from(const char *dtype, uint32_t ndim, const uint64_t *shape, const void *data,
                      const char *name, sm_error_t *err);
void sm_npy_destroy(sm_npy_t **a_p);

/* Element i (C order) as a double (int64 beyond 2^53 rounds). */
double sm_npy_at(const sm_npy_t *a, uint64_t i);

const char *sm_npy_dtype_name(sm_npy_dtype_t d);

#endif
