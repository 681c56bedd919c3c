/* h5_load: libhdf5, loaded the first time a NIR file is read instead of at
 * every start of the program. Linked, libhdf5 and the libraries it needs
 * (libcurl, its TLS and LDAP stacks, ...) cost every process, whatever it
 * runs, about 6 ms of CPU and 7 MB of memory to map and relocate: most of
 * the start-up of `spikemesh run` on a small network. The reader's files
 * include this header after hdf5.h: each libhdf5 call they make goes to a
 * function of the same signature here that loads the library once (dlopen
 * of the soname the build linked against) and calls it; the three type
 * constants they use are read the same way. Without the library, each call
 * fails as libhdf5 fails (a negative id or status), and sm_h5_load says why. */
#ifndef SM_H5_LOAD_H
#define SM_H5_LOAD_H

#include <hdf5.h>

#include "sm_error.h"

/* Loads libhdf5 once per process; 0, or -1 with err naming the library and
 * the loader's reason. */
int sm_h5_load(sm_error_t *err);

/* The calls: return type, name without "H5", parameters, arguments, what
 * the call returns when libhdf5 cannot be loaded. */
#define SM_H5_CALLS(X)                                                                          \
    X(herr_t, Aclose, (hid_t a), (a), -1)                                                       \
    X(htri_t, Aexists, (hid_t o, const char *n), (o, n), -1)                                    \
    X(hid_t, Aget_space, (hid_t a), (a), H5I_INVALID_HID)                                       \
    X(hid_t, Aget_type, (hid_t a), (a), H5I_INVALID_HID)                                        \
    X(hid_t, Aopen, (hid_t o, const char *n, hid_t p), (o, n, p), H5I_INVALID_HID)              \
    X(herr_t, Aread, (hid_t a, hid_t t, void *b), (a, t, b), -1)                                \
    X(herr_t, Dclose, (hid_t d), (d), -1)                                                       \
    X(hid_t, Dget_create_plist, (hid_t d), (d), H5I_INVALID_HID)                                \
    X(hid_t, Dget_space, (hid_t d), (d), H5I_INVALID_HID)                                       \
    X(hid_t, Dget_type, (hid_t d), (d), H5I_INVALID_HID)                                        \
    X(hid_t, Dopen2, (hid_t l, const char *n, hid_t p), (l, n, p), H5I_INVALID_HID)             \
    X(herr_t, Dread, (hid_t d, hid_t mt, hid_t ms, hid_t fs, hid_t p, void *b),                 \
      (d, mt, ms, fs, p, b), -1)                                                                \
    X(herr_t, Dvlen_reclaim, (hid_t t, hid_t s, hid_t p, void *b), (t, s, p, b), -1)            \
    X(herr_t, Eclear2, (hid_t e), (e), -1)                                                      \
    X(herr_t, Eget_auto2, (hid_t e, H5E_auto2_t *f, void **c), (e, f, c), -1)                   \
    X(herr_t, Eset_auto2, (hid_t e, H5E_auto2_t f, void *c), (e, f, c), -1)                     \
    X(herr_t, Ewalk2, (hid_t e, H5E_direction_t d, H5E_walk2_t f, void *c), (e, d, f, c), -1)   \
    X(herr_t, Fclose, (hid_t f), (f), -1)                                                       \
    X(htri_t, Fis_hdf5, (const char *n), (n), -1)                                               \
    X(hid_t, Fopen, (const char *n, unsigned f, hid_t p), (n, f, p), H5I_INVALID_HID)           \
    X(herr_t, Gclose, (hid_t g), (g), -1)                                                       \
    X(herr_t, Gget_info, (hid_t l, H5G_info_t *i), (l, i), -1)                                  \
    X(hid_t, Gopen2, (hid_t l, const char *n, hid_t p), (l, n, p), H5I_INVALID_HID)             \
    X(H5I_type_t, Iget_type, (hid_t i), (i), H5I_BADID)                                         \
    X(htri_t, Lexists, (hid_t l, const char *n, hid_t p), (l, n, p), -1)                        \
    X(herr_t, Lget_info, (hid_t l, const char *n, H5L_info_t *i, hid_t p), (l, n, i, p), -1)    \
    X(ssize_t, Lget_name_by_idx,                                                                \
      (hid_t l, const char *g, H5_index_t t, H5_iter_order_t o, hsize_t k, char *n, size_t z,   \
       hid_t p),                                                                                \
      (l, g, t, o, k, n, z, p), -1)                                                             \
    X(herr_t, Oclose, (hid_t o), (o), -1)                                                       \
    X(hid_t, Oopen, (hid_t l, const char *n, hid_t p), (l, n, p), H5I_INVALID_HID)              \
    X(herr_t, Pclose, (hid_t p), (p), -1)                                                       \
    X(H5Z_filter_t, Pget_filter2,                                                               \
      (hid_t p, unsigned i, unsigned *f, size_t *n, unsigned v[], size_t z, char m[],           \
       unsigned *c),                                                                            \
      (p, i, f, n, v, z, m, c), H5Z_FILTER_ERROR)                                               \
    X(int, Pget_nfilters, (hid_t p), (p), -1)                                                   \
    X(herr_t, Sclose, (hid_t s), (s), -1)                                                       \
    X(int, Sget_simple_extent_dims, (hid_t s, hsize_t d[], hsize_t m[]), (s, d, m), -1)         \
    X(int, Sget_simple_extent_ndims, (hid_t s), (s), -1)                                        \
    X(hssize_t, Sget_simple_extent_npoints, (hid_t s), (s), -1)                                 \
    X(H5S_class_t, Sget_simple_extent_type, (hid_t s), (s), H5S_NO_CLASS)                       \
    X(herr_t, Tclose, (hid_t t), (t), -1)                                                       \
    X(hid_t, Tcopy, (hid_t t), (t), H5I_INVALID_HID)                                            \
    X(H5T_class_t, Tget_class, (hid_t t), (t), H5T_NO_CLASS)                                    \
    X(H5T_cset_t, Tget_cset, (hid_t t), (t), H5T_CSET_ERROR)                                    \
    X(size_t, Tget_size, (hid_t t), (t), 0)                                                     \
    X(htri_t, Tis_variable_str, (hid_t t), (t), -1)                                             \
    X(herr_t, Tset_cset, (hid_t t, H5T_cset_t c), (t, c), -1)                                   \
    X(herr_t, Tset_size, (hid_t t, size_t z), (t, z), -1)                                       \
    X(herr_t, Tset_strpad, (hid_t t, H5T_str_t s), (t, s), -1)                                  \
    X(herr_t, free_memory, (void *m), (m), -1)

#define SM_H5_DECLARE(ret, name, params, args, fail) ret sm_h5_##name params;
SM_H5_CALLS(SM_H5_DECLARE)
#undef SM_H5_DECLARE

/* libhdf5's type constants, after its H5open (H5I_INVALID_HID without the
 * library). */
typedef enum { SM_H5_C_S1 = 0, SM_H5_NATIVE_DOUBLE, SM_H5_NATIVE_INT64, SM_H5_N_TYPES } sm_h5_type_t;
hid_t sm_h5_type(sm_h5_type_t which);

#define H5Aclose sm_h5_Aclose
#define H5Aexists sm_h5_Aexists
#define H5Aget_space sm_h5_Aget_space
#define H5Aget_type sm_h5_Aget_type
#define H5Aopen sm_h5_Aopen
#define H5Aread sm_h5_Aread
#define H5Dclose sm_h5_Dclose
#define H5Dget_create_plist sm_h5_Dget_create_plist
#define H5Dget_space sm_h5_Dget_space
#define H5Dget_type sm_h5_Dget_type
#define H5Dopen2 sm_h5_Dopen2
#define H5Dread sm_h5_Dread
#define H5Dvlen_reclaim sm_h5_Dvlen_reclaim
#define H5Eclear2 sm_h5_Eclear2
#define H5Eget_auto2 sm_h5_Eget_auto2
#define H5Eset_auto2 sm_h5_Eset_auto2
#define H5Ewalk2 sm_h5_Ewalk2
#define H5Fclose sm_h5_Fclose
#define H5Fis_hdf5 sm_h5_Fis_hdf5
#define H5Fopen sm_h5_Fopen
#define H5Gclose sm_h5_Gclose
#define H5Gget_info sm_h5_Gget_info
#define H5Gopen2 sm_h5_Gopen2
#define H5Iget_type sm_h5_Iget_type
#define H5Lexists sm_h5_Lexists
#define H5Lget_info sm_h5_Lget_info
#define H5Lget_name_by_idx sm_h5_Lget_name_by_idx
#define H5Oclose sm_h5_Oclose
#define H5Oopen sm_h5_Oopen
#define H5Pclose sm_h5_Pclose
#define H5Pget_filter2 sm_h5_Pget_filter2
#define H5Pget_nfilters sm_h5_Pget_nfilters
#define H5Sclose sm_h5_Sclose
#define H5Sget_simple_extent_dims sm_h5_Sget_simple_extent_dims
#define H5Sget_simple_extent_ndims sm_h5_Sget_simple_extent_ndims
#define H5Sget_simple_extent_npoints sm_h5_Sget_simple_extent_npoints
#define H5Sget_simple_extent_type sm_h5_Sget_simple_extent_type
#define H5Tclose sm_h5_Tclose
#define H5Tcopy sm_h5_Tcopy
#define H5Tget_class sm_h5_Tget_class
#define H5Tget_cset sm_h5_Tget_cset
#define H5Tget_size sm_h5_Tget_size
#define H5Tis_variable_str sm_h5_Tis_variable_str
#define H5Tset_cset sm_h5_Tset_cset
#define H5Tset_size sm_h5_Tset_size
#define H5Tset_strpad sm_h5_Tset_strpad
#define H5free_memory sm_h5_free_memory
/* The library checks its version and initialises itself when loaded. */
#undef H5F_ACC_RDONLY
#define H5F_ACC_RDONLY 0x0000u
#undef H5T_C_S1
#define H5T_C_S1 sm_h5_type(SM_H5_C_S1)
#undef H5T_NATIVE_DOUBLE
#define H5T_NATIVE_DOUBLE sm_h5_type(SM_H5_NATIVE_DOUBLE)
#undef H5T_NATIVE_INT64
#define H5T_NATIVE_INT64 sm_h5_type(SM_H5_NATIVE_INT64)

#endif
