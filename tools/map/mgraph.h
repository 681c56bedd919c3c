/* mgraph: the neuron graph of a network, for the mapping strategies. */
#ifndef SM_MGRAPH_H
#define SM_MGRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "net.h"
#include "sm_error.h"

/* Expected spikes per tick of a model neuron, whose rate is only known by
 * running. */
#define SM_MAP_DEFAULT_RATE_HZ 10.0

/* The neuron graph the strategies work on: directed, unique (source,target)
 * pairs with their synapse counts, plus the unique sources of every target. */
typedef struct {
    uint32_t n;
    uint64_t n_syn;
    size_t *out_off;          /* n + 1 */
    uint32_t *out_dst;
    uint32_t *out_w;          /* synapses from source to that target           */
    size_t *in_off;           /* n + 1 */
    uint32_t *in_src;         /* distinct sources of each target               */
    uint64_t *syn_in;         /* synapses into each neuron                     */
    double *rate;             /* expected spikes per tick                      */
    uint32_t *pop_of;
} sm_mgraph_t;

/* Builds the graph of net's synapses with expected rates; 0 or -1 with err. */
int sm_mgraph_build(const sm_net_t *net, sm_mgraph_t *g, sm_error_t *err);
void sm_mgraph_free(sm_mgraph_t *g);

#endif
