/* nir_target: what each NIR node becomes under each flavor (the mapping of
 * the shared NIR README, "How each library maps to and from NIR"). The same
 * NIR type means different discrete dynamics depending on who wrote the
 * file, so neuron nodes are looked up per flavor; connection nodes are the
 * same arithmetic for all. */
#include "nir_side.h"

#include <math.h>
#include <stddef.h>

typedef struct {
    sm_nir_type_t type;
    sm_nir_role_t role;
    const char *model, *style, *library, *note;
} s_row_t;

#define S_POP SM_NIR_ROLE_POPULATION
#define S_NO SM_NIR_ROLE_REFUSED

static const s_row_t s_snntorch[] = {
    {SM_NIR_LIF, S_POP, "lif", "snntorch", "snntorch.Leaky",
     "beta = float32(1 - dt/tau) with dt = 1e-4 as the dataset's precision has it; v_leak must "
     "be 0; r = tau/dt only cancels dt/tau; reset_mechanism and reset_delay from the conventions"},
    {SM_NIR_CUBALIF, S_POP, "cuba_lif", "snntorch", "snntorch.Synaptic",
     "alpha = 1 - dt/tau_syn, beta = 1 - dt/tau_mem (dt = 1e-4); r and w_in only cancel dt/tau; "
     "the current is updated first and feeds the membrane"},
    {SM_NIR_IF, S_NO, NULL, NULL, NULL,
     "snnTorch exports no IF node (its importer reads IF as Leaky(beta=0.9)); use another flavor"},
    {SM_NIR_LI, S_NO, NULL, NULL, NULL, "snnTorch exports no LI node"},
    {SM_NIR_CUBALI, S_NO, NULL, NULL, NULL, "snnTorch exports no CubaLI node"},
};

static const s_row_t s_norse[] = {
    {SM_NIR_LIF, S_POP, "lif", "norse", "norse.LIFBoxCell",
     "tau_mem_inv = float32(1/tau), r must be 1; v_reset honoured (norse's importer drops it); "
     "dt from the conventions (norse's default 1e-3 is often not the model's)"},
    {SM_NIR_LI, S_POP, "li", "norse", "norse.LIBoxCell",
     "tau_mem_inv = float32(1/tau), r must be 1; no synaptic current; its output is v"},
    {SM_NIR_CUBALIF, S_POP, "cuba_lif", "norse", "norse.LIFCell",
     "tau_syn_inv = 1/tau_syn, tau_mem_inv = 1/tau_mem; r and w_in must be 1; the current jumps "
     "by the input"},
    {SM_NIR_CUBALI, S_POP, "li", "norse", "norse.LICell",
     "tau_syn_inv = 1/tau_syn, tau_mem_inv = 1/tau_mem; r and w_in must be 1"},
    {SM_NIR_IF, S_POP, "iaf", "norse", "norse.IAFCell",
     "v = v + x, then threshold (v > v_threshold) and reset to v_reset; r must be 1"},
};

static const s_row_t s_sinabs[] = {
    {SM_NIR_IF, S_POP, "iaf", "sinabs", "sinabs.IAFSqueeze",
     "fires at v >= v_threshold; spike_fn, reset_fn and min_v_mem from the conventions "
     "(defaults MultiSpike, MembraneSubtract, no floor)"},
    {SM_NIR_LIF, S_POP, "lif", "sinabs", "sinabs.LIFSqueeze",
     "alpha = float32(exp(-1/tau)), tau in steps; norm_input from the conventions"},
    {SM_NIR_LI, S_POP, "li", "sinabs", "sinabs.ExpLeakSqueeze",
     "alpha = float32(exp(-1/tau)), tau in steps; its output is v"},
    {SM_NIR_CUBALIF, S_NO, NULL, NULL, NULL,
     "Sinabs exports no CubaLIF node (nor imports one); use another flavor"},
    {SM_NIR_CUBALI, S_NO, NULL, NULL, NULL, "Sinabs exports no CubaLI node"},
};

/* The same in every flavor. */
static const s_row_t s_common[] = {
    {SM_NIR_INPUT, SM_NIR_ROLE_SOURCE, "spike_source", NULL, NULL,
     "a spike source named by the node, indices in C order"},
    {SM_NIR_OUTPUT, SM_NIR_ROLE_PROBE, "probe", NULL, NULL, NULL},
    {SM_NIR_CONV2D, SM_NIR_ROLE_PROJECTION, "conv2d", NULL, "torch.nn.Conv2d",
     "structured projection: the kernel stored once, targets computed from indices; bias as "
     "a per-channel current"},
    {SM_NIR_CONV1D, SM_NIR_ROLE_PROJECTION, "conv2d", NULL, "torch.nn.Conv1d",
     "structured projection as a conv2d of height 1"},
    {SM_NIR_SUMPOOL2D, SM_NIR_ROLE_PROJECTION, "conv2d", NULL, "sinabs.SumPool2d",
     "a conv2d of weight 1 per window tap, channel to channel, composed with the window "
     "before or after it when that is exact (torch computes it as avg_pool x k^2: exact for "
     "2x2 windows of counts)"},
    {SM_NIR_AVGPOOL2D, SM_NIR_ROLE_PROJECTION, "conv2d", NULL, "torch.nn.AvgPool2d",
     "a conv2d of weight 1/(kh*kw) per window tap (padding counted), composed with the "
     "window or dense map next to it"},
    {SM_NIR_SCALE, SM_NIR_ROLE_PROJECTION, "one_to_one", NULL, NULL,
     "folded into the weights of its chain (one value), or one synapse per neuron"},
    {SM_NIR_DELAY, SM_NIR_ROLE_PROJECTION, "one_to_one", NULL, NULL,
     "round(delay / dt) whole ticks added to its chain's delay (one value, or one per "
     "neuron next to a layer)"},
    {SM_NIR_FLATTEN, SM_NIR_ROLE_RESHAPE, "reshape", NULL, "torch.nn.Flatten",
     "no work: C-order indices are the same before and after"},
    {SM_NIR_THRESHOLD, S_POP, "lif", "snntorch", NULL,
     "stateless z = [x > threshold]: a LIF with beta 0 and no reset"},
    {SM_NIR_I, S_POP, "li", "sinabs", NULL,
     "v = v + x each step (r must be 1), never spikes: an ExpLeak with no leak; its output "
     "is v"},
};

static sm_nir_target_t s_from(const s_row_t *r)
{
    sm_nir_target_t t = {r->role, r->model, r->style, r->library, r->note};
    return t;
}

sm_nir_target_t sm_nir_target(const sm_nir_node_t *n, sm_nir_flavor_t f)
{
    if (n->port)
        return (sm_nir_target_t){SM_NIR_ROLE_PASS, "pass", NULL, NULL,
                                 "port of an inlined graph: passes its input on"};
    if (n->type == SM_NIR_AFFINE || n->type == SM_NIR_LINEAR) {
        uint64_t nz = sm_nir_expanded_synapses(n), all = sm_nir_stored_weights(n);
        bool sparse = all && (double)nz <= SM_NIR_SPARSE_DENSITY * (double)all;
        return (sm_nir_target_t){SM_NIR_ROLE_PROJECTION, sparse ? "sparse" : "dense", NULL,
                                 "torch.nn.Linear",
                                 n->type == SM_NIR_AFFINE
                                     ? "weights W[out, in]; bias as a constant current per target"
                                     : "weights W[out, in]"};
    }
    for (size_t i = 0; i < sizeof s_common / sizeof s_common[0]; i++)
        if (s_common[i].type == n->type) {
            sm_nir_target_t t = s_from(&s_common[i]);
            if (n->type == SM_NIR_I || n->type == SM_NIR_THRESHOLD)
                t.style = t.style ? t.style : sm_nir_flavor_name(f);
            return t;
        }
    const s_row_t *rows = f == SM_NIR_FLAVOR_SNNTORCH ? s_snntorch
                          : f == SM_NIR_FLAVOR_NORSE  ? s_norse
                                                      : s_sinabs;
    size_t nr = f == SM_NIR_FLAVOR_SNNTORCH ? sizeof s_snntorch / sizeof s_snntorch[0]
                : f == SM_NIR_FLAVOR_NORSE  ? sizeof s_norse / sizeof s_norse[0]
                                            : sizeof s_sinabs / sizeof s_sinabs[0];
    for (size_t i = 0; i < nr; i++)
        if (rows[i].type == n->type)
            return s_from(&rows[i]);
    return (sm_nir_target_t){SM_NIR_ROLE_REFUSED, NULL, NULL, NULL,
                             "not a node that maps onto the network (nested graphs are inlined "
                             "first)"};
}

float sm_nir_snntorch_decay(const sm_nir_array_t *tau, size_t i, double dt)
{
    /* The exporter divided in the dataset's precision: float32 tensors with
     * dt = 1e-4f, RLeaky/RSynaptic's float64 ones with dt = 1e-4. */
    double d = tau->dtype == SM_NIR_F32 ? (double)(float)dt : dt;
    return (float)(1.0 - d / sm_nir_at(tau, i));
}

float sm_nir_norse_inv(const sm_nir_array_t *tau, size_t i)
{
    return (float)(1.0 / sm_nir_at(tau, i));
}

float sm_nir_sinabs_decay(const sm_nir_array_t *tau, size_t i)
{
    return (float)exp(-1.0 / sm_nir_at(tau, i));
}
