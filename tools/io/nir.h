/* nir: NIR graphs (Neuromorphic Intermediate Representation, the HDF5 files
 * that snnTorch, Norse and Sinabs export) read into memory.
 *
 * A graph holds nodes and edges as the file has them, every dataset of a
 * node kept as a typed n-d array (values in double: exact for float32, float64
 * and int64 up to 2^53; the stored type is kept, because recovering a
 * library's float32 constants depends on it, see docs/nir.md). A node that is
 * itself a NIRGraph holds its own graph (`sub`).
 *
 * sm_nir_load() is the usual entry: it reads, checks every node's fields
 * (presence, dtype, shape, finite values, ranges), inlines nested graphs,
 * resolves the edges, orders the nodes topologically (the edges that close a
 * cycle are marked recurrent: they carry the previous tick's output), refuses
 * cycles with no neuron on them, and infers every node's input and output
 * shape. Every failure is an sm_error_t naming the file, the node and the
 * field. libhdf5 runs in a child process (it can crash or hang on corrupt
 * files; the caller then gets an error) with its error printing silenced.
 * docs/nir.md has the node table, the rules and the messages. */
#ifndef SM_NIR_H
#define SM_NIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sm_error.h"

#define SM_NIR_MAXDIM 8

typedef enum {
    SM_NIR_INPUT = 0,
    SM_NIR_OUTPUT,
    SM_NIR_AFFINE,
    SM_NIR_LINEAR,
    SM_NIR_SCALE,
    SM_NIR_CONV1D,
    SM_NIR_CONV2D,
    SM_NIR_SUMPOOL2D,
    SM_NIR_AVGPOOL2D,
    SM_NIR_FLATTEN,
    SM_NIR_DELAY,
    SM_NIR_THRESHOLD,
    SM_NIR_I,
    SM_NIR_IF,
    SM_NIR_LI,
    SM_NIR_LIF,
    SM_NIR_CUBALI,
    SM_NIR_CUBALIF,
    SM_NIR_GRAPH,
    SM_NIR_NTYPES
} sm_nir_type_t;

/* The type of a dataset as stored in the file. */
typedef enum { SM_NIR_F32 = 0, SM_NIR_F64, SM_NIR_I64, SM_NIR_STR } sm_nir_dtype_t;

typedef struct {
    uint32_t ndim;                 /* 0: a scalar                              */
    int64_t dim[SM_NIR_MAXDIM];
} sm_nir_shape_t;

/* An n-d array in C order. `v` holds every value as a double (float32 and
 * int64 data converted exactly); `s` is set instead for string data. */
typedef struct {
    sm_nir_dtype_t dtype;
    sm_nir_shape_t shape;
    size_t n;                      /* number of elements (1 for a scalar)     */
    double *v;
    char *s;                       /* SM_NIR_STR: the (first) string           */
    bool filled;                   /* absent from the file, filled by default  */
    bool compressed;               /* stored with the deflate filter           */
} sm_nir_array_t;

typedef struct {
    char *name;
    sm_nir_array_t a;
    bool used;                     /* the node type knows this field           */
} sm_nir_field_t;

struct sm_nir_graph;

/* Convolution and pooling geometry, decoded from the integer fields (1-D
 * nodes use index 0 only). pad_lo/pad_hi differ only for padding "same"
 * with an even window. */
typedef struct {
    uint32_t nd;                   /* spatial dims: 1 (Conv1d) or 2            */
    int64_t kernel[2];
    int64_t stride[2];
    int64_t pad_lo[2], pad_hi[2];
    int64_t dilation[2];
    int64_t groups;
    int64_t c_out, c_in_per_group; /* Conv only                                */
    bool has_input_shape;          /* Conv: input_shape field present          */
    int64_t input_shape[2];
} sm_nir_geom_t;

typedef struct sm_nir_node {
    char *name;                    /* flat graphs: "outer.inner" when inlined  */
    sm_nir_type_t type;
    uint32_t n_fields;
    sm_nir_field_t *fields;        /* every dataset of the node, in file order */
    sm_nir_geom_t geom;            /* Conv*, *Pool2d                           */
    int64_t start_dim, end_dim;    /* Flatten, normalised to >= 0              */
    struct sm_nir_graph *sub;      /* SM_NIR_GRAPH, before sm_nir_flatten      */
    uint32_t depth;                /* nesting level it came from (0: top)      */
    bool port;                     /* an Input/Output of an inlined sub-graph  */
    /* Filled by sm_nir_analyse: */
    sm_nir_shape_t in_shape, out_shape;
    uint32_t topo;                 /* position in the topological order        */
} sm_nir_node_t;

typedef struct {
    char *src_name, *dst_name;     /* as written in the file                   */
    uint32_t src, dst;             /* node indices (after resolution)          */
    bool recurrent;                /* closes a cycle: previous tick's output   */
} sm_nir_edge_t;

typedef struct sm_nir_graph {
    char *path;                    /* file, for messages (top graph only)      */
    char *version;                 /* the file's /version, or NULL             */
    uint32_t n_nodes;
    sm_nir_node_t *nodes;
    uint32_t n_edges;
    sm_nir_edge_t *edges;
    uint32_t *order;               /* node indices in topological order        */
    bool flat, analysed;
} sm_nir_graph_t;

/* Reads, checks, inlines, orders and shapes a .nir file (see above). Caller
 * owns the result. */
sm_nir_graph_t *sm_nir_load(const char *path, sm_error_t *err);

/* The steps of sm_nir_load, for callers that want the nested graph as read.
 * sm_nir_read checks every node's fields but leaves edges unresolved. */
sm_nir_graph_t *sm_nir_read(const char *path, sm_error_t *err);
/* Inlines nested graphs in place: node "g" of type NIRGraph is replaced by
 * its nodes named "g.<name>"; an edge to "g" (or "g.<input>") goes to its
 * Input node (it must have one, or the edge names it), an edge from "g" to
 * its Output node. The sub-graph's Input/Output nodes stay as pass-through
 * nodes (port = true). */
int sm_nir_flatten(sm_nir_graph_t *g, sm_error_t *err);
/* Resolves edges, orders, checks cycles and infers shapes of a flat graph. */
int sm_nir_analyse(sm_nir_graph_t *g, sm_error_t *err);

void sm_nir_graph_destroy(sm_nir_graph_t **g_p);

/* Node index by name, or -1. */
int32_t sm_nir_find(const sm_nir_graph_t *g, const char *name);

/* A field of a node by dataset name, or NULL if neither in the file nor
 * filled by default. */
const sm_nir_array_t *sm_nir_field(const sm_nir_node_t *n, const char *name);

/* Element i of a parameter, broadcasting a one-element array. */
static inline double sm_nir_at(const sm_nir_array_t *a, size_t i)
{
    return a->n == 1 ? a->v[0] : a->v[i];
}

/* Min and max of a numeric array (NaN-free by construction). */
void sm_nir_range(const sm_nir_array_t *a, double *lo, double *hi);

/* Number of elements of a shape (1 for a scalar). */
int64_t sm_nir_shape_size(const sm_nir_shape_t *s);
/* "[2,34,34]" into buf (cap >= 2); returns buf. */
char *sm_nir_shape_str(const sm_nir_shape_t *s, char *buf, size_t cap);

const char *sm_nir_type_name(sm_nir_type_t t);
/* SM_NIR_NTYPES when the name is not a NIR node type. */
sm_nir_type_t sm_nir_type_from_name(const char *name);
/* I, IF, LI, LIF, CubaLI, CubaLIF: nodes with state that become populations. */
bool sm_nir_is_neuron(sm_nir_type_t t);
/* The neuron types that can spike (all of the above but I, LI, CubaLI). */
bool sm_nir_spikes(sm_nir_type_t t);
const char *sm_nir_dtype_name(sm_nir_dtype_t d);

/* Synapses a node would have if expanded one by one (Affine/Linear: nonzero
 * weights; Conv: in-bounds kernel taps over every output; pools: window
 * taps; Scale/Delay: one per neuron), and the weights it stores. 0 for
 * nodes that are not connections. Needs an analysed graph. */
uint64_t sm_nir_expanded_synapses(const sm_nir_node_t *n);
uint64_t sm_nir_stored_weights(const sm_nir_node_t *n);

#endif
