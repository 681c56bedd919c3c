/* nir_compile: a NIR graph onto a network (sm_net_t), through the same core
 * API as the JSON network files, so that everything that runs a network
 * (engines, mapping, chips, energy, workers) runs a NIR graph unchanged.
 *
 *   - every neuron node (I, IF, LI, LIF, CubaLI, CubaLIF, Threshold) becomes
 *     a population named by its node name, on the house model and update
 *     style that reproduce the exporting library (sm_nir_target), with the
 *     conventions of the side file (reset mechanism and delay, spike and
 *     reset functions, membrane floor, dt);
 *   - the Input node becomes a spike source named by its node name (its
 *     spike times are set per sample, sm_nir_net_set_input);
 *   - the connection nodes between two populations (any chain of Affine,
 *     Linear, Conv1d, Conv2d, SumPool2d, AvgPool2d, Scale, Flatten, Delay)
 *     become one projection per chain, compiled, not expanded where the
 *     structure allows: windows (conv and pooling, and chains of them, such
 *     as a pooling before a convolution) a conv2d connector whose kernel is
 *     the composed one; anything with a dense map a matrix projection (or a
 *     list at or below SM_NIR_SPARSE_DENSITY nonzero); the rest an explicit
 *     list. Scale is folded into the weights, Flatten costs nothing, Delay
 *     adds whole ticks of dt;
 *   - biases (Affine, Conv) become a constant current per target neuron,
 *     carried through the connection nodes that follow them;
 *   - forward edges have delay 0 (the libraries run a step's layers in
 *     order); an edge that closes a cycle adds one tick (the previous
 *     step's output).
 * docs/nir.md has the rules and every refusal. */
#ifndef SM_NIR_COMPILE_H
#define SM_NIR_COMPILE_H

#include <stdbool.h>
#include <stdint.h>

#include "net.h"
#include "nir.h"
#include "nir_side.h"
#include "npy.h"
#include "sm_error.h"

/* One population made from a neuron node. */
typedef struct {
    uint32_t node;          /* index into the graph's nodes                     */
    uint32_t pop;           /* index into net->pops                             */
    bool spikes;            /* the node can spike (not I, LI, CubaLI)           */
} sm_nir_layer_t;

/* One projection made from a chain of connection nodes. */
typedef struct {
    uint32_t proj;          /* index into net->projs                            */
    char via[256];          /* the connection nodes, "0 -> 1" style, or "(edge)" */
    const char *how;        /* "conv2d", "conv2d (composed)", "matrix", "list", ...*/
    uint64_t stored;        /* weights the projection stores                    */
    uint64_t synapses;      /* synapses it expands to                           */
} sm_nir_proj_t;

typedef struct {
    sm_net_t *net;
    const sm_nir_graph_t *graph;  /* not owned                                  */
    sm_nir_flavor_t flavor;
    double dt;                    /* the side file's, in the library's units    */
    uint32_t input_pop;           /* the (first) Input node's spike source       */
    uint32_t input_node;
    uint32_t n_inputs;            /* Input nodes                                 */
    sm_nir_layer_t *layers;       /* neuron nodes, in topological order          */
    uint32_t n_layers;
    sm_nir_proj_t *projs;
    uint32_t n_projs;
    int32_t output_layer;         /* index into layers the (first) Output
                                     node records, or -1                         */
    sm_nir_graph_t *own_graph;    /* sm_nir_net_load: the graph and the
                                     conventions it owns, freed with it          */
    sm_nir_side_t *own_side;
} sm_nir_net_t;

/* Compiles an analysed graph under a flavor and conventions (checked
 * against the graph first). The network has no probes and an input with no
 * spikes yet. Caller owns the result; the graph must outlive it. */
sm_nir_net_t *sm_nir_compile(const sm_nir_graph_t *g, const sm_nir_side_t *side,
                             sm_error_t *err);
void sm_nir_net_destroy(sm_nir_net_t **nn_p);

/* Reads a .nir file and compiles it under a conventions file or, if that is
 * NULL, a flavor's defaults (one of the two must be given; both must agree).
 * The result owns the graph and the conventions. */
sm_nir_net_t *sm_nir_net_load(const char *path, const char *conventions, const char *flavor,
                              sm_error_t *err);

/* A spike tensor for the Input node: shape [T, B, features...] or [T,
 * features...] (B = 1), features matching the Input's shape (or its size).
 * Entries are spike counts: 0/1, or whole counts > 1 (Sinabs sends
 * MultiSpike counts; a count k adds k times the weight, as the libraries'
 * matrix products do). */
typedef struct {
    const sm_npy_t *a;
    uint64_t T, B;
    uint64_t features;
    bool batched;                 /* the file had a batch axis                   */
} sm_nir_input_t;

/* Checks a tensor against the compiled network's Input node; `name` is used
 * in messages. */
int sm_nir_input_check(const sm_nir_net_t *nn, const sm_npy_t *a, const char *name,
                       sm_nir_input_t *in, sm_error_t *err);

/* Sets the spike source to sample b of the tensor, over its first `ticks`
 * steps (steps past T are silent). */
int sm_nir_net_set_input(sm_nir_net_t *nn, const sm_nir_input_t *in, uint64_t b, uint32_t ticks,
                         sm_error_t *err);

/* Traces every neuron of every population made from a neuron node (the
 * layers, in order, each in C order). */
int sm_nir_net_probe_all(sm_nir_net_t *nn, sm_error_t *err);

#endif
