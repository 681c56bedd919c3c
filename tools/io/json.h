/* json: strict JSON input, one kit for every loader (network, chip, golden
 * and mapping files, model parameters).
 *
 * The same mistake gets the same message and the same code everywhere:
 *
 *     FILE: PATH: what is wrong[, got VALUE]
 *
 * e.g. "net.json: populations[0].params.beta: must be in [0, 1], got 1.5".
 * PATH is the JSON path of the value at fault; "" (or NULL) is the document
 * itself, shown as "(top level)". A missing member is named by its own path
 * ("populations[0].size: missing"), an unknown key by its object's
 * ("populations[0]: unknown key "szie" (did you mean "size"?); ..."). Codes:
 *   SM_EPARSE  syntax, NUL byte, trailing text, duplicate key, wrong type,
 *              unknown key, missing key, a string outside its set, an array
 *              of the wrong length, a fraction where an integer belongs;
 *   SM_ERANGE  a number outside its range (also beyond double or float32),
 *              a file larger than its limit. */
#ifndef SM_JSON_H
#define SM_JSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sm_error.h"

#define SM_JSON_PATH 256                     /* bytes of a path buffer       */
#define SM_JSON_MAX_BYTES ((size_t)256 << 20) /* file size limit of loaders   */
#define SM_JSON_MAX_EXACT 9007199254740992.0 /* 2^53: larger integers do not survive a double */

/* Where messages go: `file` starts every message (NULL: the caller puts the
 * file in front with sm_error_prefix). */
typedef struct {
    const char *file;
    sm_error_t *err;
} sm_json_t;

/* ------------------------------------------------------------ documents */

/* Reads and parses a file of at most max_bytes. Refused: a NUL byte, text
 * after the value, a syntax error ("FILE:LINE:COL: ..."), a key given twice
 * in one object, a number beyond the range of a double. Caller owns the
 * result (cJSON_Delete). */
cJSON *sm_json_read(const char *path, size_t max_bytes, sm_error_t *err);

/* The same for text in memory; text[len] must be '\0'. `name` names it in
 * messages. */
cJSON *sm_json_parse(const char *text, size_t len, const char *name, sm_error_t *err);

/* ------------------------------------------------------------- messages */

/* Fills j->err with "FILE: PATH: what[, got VALUE]" (got may be NULL) and
 * returns -1. For the checks a loader makes itself. */
int sm_json_fail(const sm_json_t *j, sm_err_t code, const char *path, const cJSON *got,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Formats a path into buf (SM_JSON_PATH bytes; a longer one is cut) and
 * returns buf. */
char *sm_json_at(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* " (did you mean "x"?)" when one of the n candidates is within two edits
 * of word, else "". */
void sm_json_suggest(const char *word, const char *const *cands, size_t n, char *buf,
                     size_t cap);

/* -------------------------------------------------------------- members */

/* `need` of the keyed accessors: absent is fine (0) or an error; with
 * SM_JSON_NULL a null value counts as absent ("library default"). */
#define SM_JSON_OPTIONAL 0
#define SM_JSON_REQUIRED 1
#define SM_JSON_NULL 2

/* obj's member `key`, or NULL (also when obj is NULL or not an object, and
 * for null when need has SM_JSON_NULL). No message. */
const cJSON *sm_json_get(const cJSON *obj, const char *key, int need);

/* obj's member `key`, or NULL with "PATH.KEY: missing". */
const cJSON *sm_json_req(const sm_json_t *j, const cJSON *obj, const char *path,
                         const char *key);

/* obj must be an object whose keys are each in `known` or `ignored` (both
 * NULL-terminated; ignored may be NULL), each at most once. The message
 * names the key, suggests a near one and lists the allowed ones; `what`, if
 * not NULL, says whose keys they are ("lif (snntorch style)"). */
int sm_json_keys(const sm_json_t *j, const cJSON *obj, const char *path,
                 const char *const *known, const char *const *ignored, const char *what);

/* --------------------------------------------------------------- values */

/* Value checks: v (may be NULL: "got nothing") at `path`; 0 or -1. */

typedef struct {
    double lo, hi;            /* -INFINITY / INFINITY: no bound */
    bool lo_open, hi_open;    /* true: the bound itself is excluded */
} sm_json_range_t;

int sm_json_object(const sm_json_t *j, const cJSON *v, const char *path);
/* An array of min to max elements (max SIZE_MAX: no limit); *n (may be
 * NULL) receives the length. */
int sm_json_array(const sm_json_t *j, const cJSON *v, const char *path, size_t min, size_t max,
                  size_t *n);
/* A finite number, within r when r is not NULL. */
int sm_json_num(const sm_json_t *j, const cJSON *v, const char *path, const sm_json_range_t *r,
                double *out);
/* A number that a float32 holds (|x| <= FLT_MAX). */
int sm_json_float(const sm_json_t *j, const cJSON *v, const char *path, double *out);
/* An integer in [lo, hi] (both within +-2^53, where doubles are exact). */
int sm_json_int(const sm_json_t *j, const cJSON *v, const char *path, double lo, double hi,
                double *out);
int sm_json_u32(const sm_json_t *j, const cJSON *v, const char *path, uint32_t lo, uint32_t hi,
                uint32_t *out);
/* hi above 2^53 is taken as 2^53. */
int sm_json_u64(const sm_json_t *j, const cJSON *v, const char *path, uint64_t lo, uint64_t hi,
                uint64_t *out);
int sm_json_bool(const sm_json_t *j, const cJSON *v, const char *path, bool *out);
int sm_json_str(const sm_json_t *j, const cJSON *v, const char *path, const char **out);
/* A string out of names (NULL-terminated); *out receives its index. */
int sm_json_enum(const sm_json_t *j, const cJSON *v, const char *path, const char *const *names,
                 int *out);

/* The message of a float32 overflow, for checks outside JSON (CSV fields). */
#define SM_JSON_FLOAT_MSG "must be a number within float32 range (|x| <= 3.4e38)"

/* -------------------------------------------------------- keyed values */

/* The value checks above on obj's member `key`, at path "PATH.KEY".
 * Return 1 read, 0 absent (out untouched; an error if need has
 * SM_JSON_REQUIRED), -1 error. */
int sm_json_get_num(const sm_json_t *j, const cJSON *obj, const char *path, const char *key,
                    int need, const sm_json_range_t *r, double *out);
int sm_json_get_u32(const sm_json_t *j, const cJSON *obj, const char *path, const char *key,
                    int need, uint32_t lo, uint32_t hi, uint32_t *out);
int sm_json_get_u64(const sm_json_t *j, const cJSON *obj, const char *path, const char *key,
                    int need, uint64_t lo, uint64_t hi, uint64_t *out);
int sm_json_get_bool(const sm_json_t *j, const cJSON *obj, const char *path, const char *key,
                     int need, bool *out);
int sm_json_get_str(const sm_json_t *j, const cJSON *obj, const char *path, const char *key,
                    int need, const char **out);
int sm_json_get_enum(const sm_json_t *j, const cJSON *obj, const char *path, const char *key,
                     int need, const char *const *names, int *out);
int sm_json_get_object(const sm_json_t *j, const cJSON *obj, const char *path, const char *key,
                       int need, const cJSON **out);
int sm_json_get_array(const sm_json_t *j, const cJSON *obj, const char *path, const char *key,
                      int need, size_t min, size_t max, const cJSON **out);

#endif
