/* nir_compile_int: what the files of the NIR compiler share (nir_compile.c
 * builds the network, nir_models.c the neuron models of a layer,
 * nir_chain.c the projections of the connection nodes, nir_linop.c the
 * linear maps of those nodes). Not for use outside tools/io/nir_*.c. */
#ifndef SM_NIR_COMPILE_INT_H
#define SM_NIR_COMPILE_INT_H

#include "nir_compile.h"

/* What a node is to the compiler. */
typedef enum {
    SM_NIRC_SOURCE = 0,   /* Input: a spike source                           */
    SM_NIRC_LAYER,        /* a population                                    */
    SM_NIRC_OP,           /* a linear map between populations                */
    SM_NIRC_THROUGH,      /* Flatten, ports of inlined graphs: no work       */
    SM_NIRC_OUTPUT        /* the graph's Output: records its input           */
} sm_nirc_kind_t;

sm_nirc_kind_t sm_nirc_kind(const sm_nir_node_t *n);

/* The models of layer node n under the side file: one per neuron, or one
 * for all when they are all the same, prepared. `bias` (one per neuron, or
 * NULL) is the constant current the connection nodes before it bring.
 * `self_rec`: the node feeds itself through connection nodes only (snnTorch
 * RLeaky and RSynaptic export so). Fills pop->models and pop->n_models. */
int sm_nir_layer_models(const sm_nir_node_t *n, const sm_nir_side_t *side, bool self_rec,
                        const double *bias, sm_pop_t *pop, sm_error_t *err);

/* ---- linear maps of connection nodes (nir_linop.c) ---------------------- */

/* A sparse vector being pushed through a chain: indices with values, and a
 * dense scratch of the size of the space it lives in. */
typedef struct {
    uint32_t n, cap;
    uint32_t *idx;
    double *val;
    double *acc;         /* scratch, size `size`                             */
    uint8_t *mark;
    uint32_t size;
} sm_nirc_vec_t;

int sm_nirc_vec_init(sm_nirc_vec_t *v, uint32_t size);
void sm_nirc_vec_fini(sm_nirc_vec_t *v);

/* A window op (Conv or pool) in conv2d terms: channels, a kernel
 * [c_out][c_in / groups][kh][kw] (doubles), stride, padding, dilation, the
 * input and output sizes (1-D nodes: height 1). */
typedef struct {
    uint32_t in_c, in_h, in_w, out_c, out_h, out_w;
    uint32_t kh, kw, sh, sw, dh, dw;
    uint32_t pt, pb, pl, pr;
    uint32_t groups;
    double *k;
} sm_nirc_win_t;

/* The window form of a Conv or pool node (the kernel scaled by `gain`). */
int sm_nirc_win_of(const sm_nir_node_t *n, double gain, sm_nirc_win_t *w);
void sm_nirc_win_fini(sm_nirc_win_t *w);
/* b after a, as one window, when that is exactly the same map (the
 * positions b reads in a's padding must read only a's padding, and the
 * composed output size must be b's). Returns 0 with *out set, 1 if they do
 * not compose, -1 out of memory. */
int sm_nirc_win_compose(const sm_nirc_win_t *a, const sm_nirc_win_t *b, sm_nirc_win_t *out);

/* One linear map of a chain, ready to apply. */
typedef enum { SM_NIRC_DENSE = 0, SM_NIRC_WIN, SM_NIRC_SCALE } sm_nirc_opkind_t;

typedef struct {
    sm_nirc_opkind_t kind;
    uint32_t in, out;            /* sizes                                     */
    const sm_nir_array_t *w;     /* DENSE: weight (out, in); SCALE: scale      */
    sm_nirc_win_t win;           /* WIN                                       */
} sm_nirc_op_t;

/* The op of connection node n (Affine/Linear without their bias, Conv
 * without bias, pools, Scale); 1 for nodes that are the identity (Delay,
 * Flatten, ports). */
int sm_nirc_op_of(const sm_nir_node_t *n, sm_nirc_op_t *op);
void sm_nirc_op_fini(sm_nirc_op_t *op);
/* out = op(in); out must have been initialised to op's output size. */
int sm_nirc_apply(const sm_nirc_op_t *op, const sm_nirc_vec_t *in, sm_nirc_vec_t *out);
/* Empties v (its scratch stays clean). */
void sm_nirc_vec_clear(sm_nirc_vec_t *v);
/* Adds x at index i. */
int sm_nirc_vec_add(sm_nirc_vec_t *v, uint32_t i, double x);
/* Turns the scratch into (idx, val), dropping zeros, indices ascending. */
void sm_nirc_vec_seal(sm_nirc_vec_t *v);

/* ---- projections (nir_chain.c) ------------------------------------------- */

/* Adds the projections of every chain of connection nodes that ends at a
 * layer, and sums the biases they bring into bias[pop] (one array per
 * population, allocated as needed). */
int sm_nir_chains(sm_nir_net_t *nn, const uint32_t *pop_of, double **bias, sm_error_t *err);

/* Does layer node `node` feed itself through connection nodes only? */
bool sm_nir_self_recurrent(const sm_nir_graph_t *g, uint32_t node);

#endif
