/* nir_int: what the files of the NIR reader share (nir.c reads the HDF5
 * file, nir_node.c knows the node types, nir_graph.c the graph). Not for
 * use outside tools/io/nir*.c. */
#ifndef SM_NIR_INT_H
#define SM_NIR_INT_H

#include "nir.h"

/* Checks the fields of a node just read (type and fields set): presence,
 * dtype, shape, finite values and ranges; fills defaults (v_reset, w_in,
 * Flatten dims) and decodes the geometry of Conv and pool nodes. Messages
 * start with "node 'NAME' (TYPE): ". */
int sm_nir_node_check(sm_nir_node_t *n, sm_error_t *err);

/* Records "node 'NAME' (TYPE): field 'F': what" (field may be NULL) and
 * returns -1. */
int sm_nir_node_fail(sm_error_t *err, const sm_nir_node_t *n, const char *field, sm_err_t code,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The layer shape of an elementwise node (neurons, Delay, Threshold,
 * Scale): that of its parameters with more than one element, which must all
 * agree (one-element ones broadcast). *have is false if all have one. */
int sm_nir_param_shape(const sm_nir_node_t *n, sm_nir_shape_t *shape, bool *have,
                       sm_error_t *err);

/* Infers the node's input and output shapes from the shape arriving on its
 * edges (NULL if no edge arrives) and checks that they fit. */
int sm_nir_node_infer(sm_nir_node_t *n, const sm_nir_shape_t *in, sm_error_t *err);

/* Frees what a node owns (its sub-graph too). */
void sm_nir_node_fini(sm_nir_node_t *n);

void sm_nir_array_fini(sm_nir_array_t *a);

/* nir_file.c: walks a .nir file's groups with libhdf5 into a graph whose
 * fields are as read, unchecked. Only the reader process calls it. */
sm_nir_graph_t *sm_nir_file_read(const char *path, sm_error_t *err);

/* nir_wire.c: a graph as read, in bytes, from the reader process to its
 * parent. The encoder appends to a growing buffer (oom set if it could
 * not grow); the decoder checks every length against the bytes it has. */
typedef struct {
    uint8_t *p;
    size_t len, cap;
    bool oom;
} sm_nir_buf_t;

void sm_nir_buf_put(sm_nir_buf_t *b, const void *data, size_t n);

/* What a reader process does: reads path and appends its answer to out;
 * 0, or -1 with err filled. */
typedef int (*sm_nir_child_fn)(const char *path, void *arg, sm_nir_buf_t *out, sm_error_t *err);

/* Runs fn in a child process (nir.c: libhdf5 can crash or hang on corrupt
 * files, and its error printing is off there) and hands back the bytes it
 * appended (out->p, caller frees); a child that fails, crashes or hangs is
 * an error naming the file. */
int sm_nir_isolated(const char *path, sm_nir_child_fn fn, void *arg, sm_nir_buf_t *out,
                    sm_error_t *err);
void sm_nir_wire_put(sm_nir_buf_t *b, const sm_nir_graph_t *g);
sm_nir_graph_t *sm_nir_wire_get(const uint8_t *p, size_t len, sm_error_t *err);

#endif
