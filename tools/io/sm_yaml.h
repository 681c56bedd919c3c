/* sm_yaml: a small strict YAML reader over libyaml.
 *
 * A document is read whole into a tree of nodes kept in one array, each with
 * its line and column, so that every later error can say FILE:LINE. Nodes are
 * numbered from 1; 0 means "no node". A map's children run key, value, key,
 * value, ... along the sibling chain.
 *
 * Strict on purpose (the chip and network files are inputs from outside):
 * - one document per file; scalar keys only; duplicate keys are refused;
 * - aliases (and so merge keys, which need them) are refused: SANA-FE never
 *   resolves them either (its rapidyaml tree is not resolved), so a file that
 *   uses them does not mean to SANA-FE what it seems to. Anchors on their own
 *   change nothing and are accepted;
 * - tags are refused;
 * - size limits bound the input bytes, the number of nodes and the nesting
 *   depth, so that a hostile file cannot exhaust memory or the stack. */
#ifndef SM_YAML_H
#define SM_YAML_H

#include <stddef.h>
#include <stdint.h>

#include "sm_error.h"

typedef struct sm_yaml sm_yaml_t;

typedef enum { SM_YAML_NONE = 0, SM_YAML_SCALAR, SM_YAML_SEQ, SM_YAML_MAP } sm_yaml_kind_t;

typedef struct {
    uint64_t max_bytes; /* input size */
    uint32_t max_nodes; /* scalars + sequences + maps */
    uint32_t max_depth; /* nested sequences and maps */
} sm_yaml_limits_t;

/* 1 GiB, 2^25 nodes (about 0.8 GiB of tree at most), depth 64. */
sm_yaml_limits_t sm_yaml_default_limits(void);

/* Reads and parses a file. lim may be NULL (defaults). Caller owns the result. */
sm_yaml_t *sm_yaml_load(const char *path, const sm_yaml_limits_t *lim, sm_error_t *err);

/* Parses text[0..len) (need not be NUL-terminated); name is used in messages. */
sm_yaml_t *sm_yaml_parse(const char *name, const char *text, size_t len,
                         const sm_yaml_limits_t *lim, sm_error_t *err);

/* The same for text that starts at line first_line of a larger file (an
 * attribute list embedded in a netlist line), so that messages name the
 * file's own line. */
sm_yaml_t *sm_yaml_parse_at(const char *name, const char *text, size_t len, uint32_t first_line,
                            const sm_yaml_limits_t *lim, sm_error_t *err);

void sm_yaml_destroy(sm_yaml_t **doc);

/* The file name given at load (for messages). */
const char *sm_yaml_name(const sm_yaml_t *doc);
uint32_t sm_yaml_root(const sm_yaml_t *doc);
uint32_t sm_yaml_count(const sm_yaml_t *doc); /* nodes in the tree */

sm_yaml_kind_t sm_yaml_kind(const sm_yaml_t *doc, uint32_t n);
uint32_t sm_yaml_line(const sm_yaml_t *doc, uint32_t n); /* 1-based */
uint32_t sm_yaml_col(const sm_yaml_t *doc, uint32_t n);  /* 1-based */

/* Scalars: the text (NUL-terminated; may hold NULs from escapes, see len),
 * its byte length, whether it was quoted. "" for non-scalars. */
const char *sm_yaml_str(const sm_yaml_t *doc, uint32_t n);
size_t sm_yaml_len(const sm_yaml_t *doc, uint32_t n);
int sm_yaml_quoted(const sm_yaml_t *doc, uint32_t n);
/* A plain empty, "~" or "null" scalar. */
int sm_yaml_is_null(const sm_yaml_t *doc, uint32_t n);
/* A scalar whose text is exactly s. */
int sm_yaml_is(const sm_yaml_t *doc, uint32_t n, const char *s);

/* Items of a sequence, pairs of a map. */
uint32_t sm_yaml_size(const sm_yaml_t *doc, uint32_t n);
/* First child (first item, or first key) and the next sibling. For a map:
 * for (k = sm_yaml_first(d, m); k; k = sm_yaml_next(d, sm_yaml_next(d, k)))
 * and the value of key k is sm_yaml_next(d, k). */
uint32_t sm_yaml_first(const sm_yaml_t *doc, uint32_t n);
uint32_t sm_yaml_next(const sm_yaml_t *doc, uint32_t n);

/* The value under key in a map; 0 if n is not a map or has no such key. */
uint32_t sm_yaml_get(const sm_yaml_t *doc, uint32_t map, const char *key);
/* The key node itself (for its line), 0 if absent. */
uint32_t sm_yaml_key(const sm_yaml_t *doc, uint32_t map, const char *key);

/* A short printable form of a node for messages: 'text' (cut and escaped),
 * "a list" or "a map". Returns buf. */
const char *sm_yaml_show(const sm_yaml_t *doc, uint32_t n, char *buf, size_t size);

/* sm_fail with "FILE:LINE: " in front (LINE of node n; none if n is 0). */
int sm_yaml_fail(const sm_yaml_t *doc, uint32_t n, sm_error_t *err, sm_err_t code,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
