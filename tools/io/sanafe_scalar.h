/* sanafe_scalar: how SANA-FE reads values out of its YAML files, over sm_yaml.
 *
 * SANA-FE (yaml_common.cpp:229-249) types an attribute scalar by trying int,
 * then double, then bool, then string, whatever its quoting; a field it reads
 * as int must be int-typed (std::get<int>: "2.0" is refused), a double takes
 * an int or a double, a bool takes a bool or an int (non-zero is true), a
 * string takes any scalar's text. The helpers below follow those rules and
 * fail with "FILE:LINE: KEY: must be ..., got VALUE". */
#ifndef SM_SANAFE_SCALAR_H
#define SM_SANAFE_SCALAR_H

#include <stdint.h>

#include "sm_error.h"
#include "sm_yaml.h"

typedef enum { SM_SFV_INT, SM_SFV_DOUBLE, SM_SFV_BOOL, SM_SFV_STRING } sm_sfv_kind_t;

typedef struct {
    sm_sfv_kind_t kind;
    int32_t i; /* SM_SFV_INT */
    double d;  /* SM_SFV_INT (same value) and SM_SFV_DOUBLE */
    int b;     /* SM_SFV_BOOL */
} sm_sfv_t;

/* int: optional sign, decimal digits (or 0x / 0o / 0b digits), in int32 range;
 * double: decimal with optional fraction and exponent, or inf / infinity
 * (nan is refused: no SANA-FE figure means it); bool: true/True/TRUE,
 * false/False/FALSE; anything else is a string. */
sm_sfv_kind_t sm_sfv_classify(const char *s, size_t len, sm_sfv_t *out);

/* Typed reads of node n (key names the field in messages). */
int sm_sf_int(const sm_yaml_t *d, uint32_t n, const char *key, int32_t *out, sm_error_t *err);
int sm_sf_double(const sm_yaml_t *d, uint32_t n, const char *key, double *out, sm_error_t *err);
int sm_sf_bool(const sm_yaml_t *d, uint32_t n, const char *key, int *out, sm_error_t *err);
int sm_sf_string(const sm_yaml_t *d, uint32_t n, const char *key, const char **out,
                 sm_error_t *err);
/* A non-negative decimal integer with digits only (ids, counts). */
int sm_sf_index(const sm_yaml_t *d, uint32_t n, const char *key, uint64_t *out, sm_error_t *err);

/* Required and optional fields of a map. A missing required field fails at
 * the map's line. The optional forms leave *out alone when absent and return
 * 0; *given (may be NULL) says whether it was there. */
int sm_sf_req_int(const sm_yaml_t *d, uint32_t map, const char *key, int32_t *out, sm_error_t *err);
int sm_sf_req_double(const sm_yaml_t *d, uint32_t map, const char *key, double *out,
                     sm_error_t *err);
int sm_sf_req_string(const sm_yaml_t *d, uint32_t map, const char *key, const char **out,
                     sm_error_t *err);
int sm_sf_opt_double(const sm_yaml_t *d, uint32_t map, const char *key, double *out, int *given,
                     sm_error_t *err);
int sm_sf_opt_bool(const sm_yaml_t *d, uint32_t map, const char *key, int *out, sm_error_t *err);

/* Refuses a key of map that is not in allowed (NULL-terminated); context
 * names the section ("core attributes"). */
int sm_sf_keys(const sm_yaml_t *d, uint32_t map, const char *context, const char *const *allowed,
               sm_error_t *err);

/* Digits only: "12" -> 12. Returns 0, or -1 if s is not such a number or it
 * overflows 2^63. */
int sm_sf_parse_index(const char *s, size_t len, uint64_t *out);

/* SANA-FE's ranges (yaml_common.cpp:277-319): "A..B", or "name[A..B]" for
 * unit, core and tile names. Returns 1 for a range (first <= last), 0 if s
 * holds no "..", -1 if it is a malformed range. *base_len (may be NULL)
 * receives the length of the text before '[' (or the whole text for a
 * plain range). */
int sm_sf_parse_range(const char *s, size_t len, uint64_t *first, uint64_t *last,
                      size_t *base_len);

/* Walks an attribute list the way SANA-FE flattens one: a map gives its
 * pairs in order; a sequence gives, in order, the pairs of each of its
 * elements, which must themselves be maps or sequences. fn sees each key
 * node and value node; a non-zero return stops the walk and is returned. */
typedef int (*sm_sf_pair_fn)(const sm_yaml_t *d, uint32_t key, uint32_t val, void *ctx,
                             sm_error_t *err);
int sm_sf_walk(const sm_yaml_t *d, uint32_t n, const char *context, sm_sf_pair_fn fn, void *ctx,
               sm_error_t *err);

#endif
