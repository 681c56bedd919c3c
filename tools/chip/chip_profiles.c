/* chip_profiles: the built-in chips and where their figures come from.
 *
 * A figure the cited source does not give is 0 (not limited / not priced),
 * never a guess; docs/chips.md lists every value and
 * its source, and says which choices are ours (grid layouts). */
#include "chip.h"

static const sm_chip_t s_builtins[] = {
    {
        .name = "loihi",
        .source = "Davies et al. 2018, 'Loihi: a neuromorphic manycore processor with on-chip "
                  "learning', IEEE Micro 38(1), Table 1 and text; neuron update latency (6.0 ns "
                  "per neuron and tick, +3.7 ns when active) from SANA-FE's calibrated Loihi "
                  "model (Boyle et al., IEEE TCAD 2025, arch/loihi.yaml). 16x8 core grid is our "
                  "layout for the 128 cores; synapse limit = 128 KiB per core at 8 bits per synapse.",
        /* The paper gives 128 cores on a 2D mesh but no core coordinates; a
         * 16 x 8 grid keeps the 2:1 aspect of the die's core array and its
         * worst-case route (22 hops) within the mesh figures it reports. */
        .chip_w = 16, .chip_h = 8, .chips_x = 1, .chips_y = 1, .width = 16, .height = 8,
        .limits = {.neurons = 1024, .synapses = 131072, .axons = 4096, .fanout = 4096},
        /* Loihi's cores compute in fixed point: 8-bit weights, 24-bit u and
         * v, 12-bit decays (Davies et al. 2018; Lava's bit-accurate models). */
        .weight_bits = 8, .state_bits = 24, .arith = SM_ARITH_FIXED,
        .energy = {.syn_op = 23.6, .update_active = 81.0, .update_inactive = 52.0,
                   .spike = 1.7, .packet_send = 0.0, .packet_recv = 0.0,
                   .hop_ew = 3.0, .hop_ns = 4.0, .hop_chip = 0.0,
                   .static_core_w = 0.0, .static_chip_w = 0.0},
        /* 113 ns is the paper's barrier time for one chip (465 ns for 32).
         * Davies et al. give no neuron update time; SANA-FE's Loihi model,
         * calibrated against the chip, charges every neuron 6.0 ns a step
         * (latency_access_neuron) and an updated one 3.7 ns more
         * (latency_update_neuron). */
        .timing = {.syn_op = 3.5, .update_active = 9.7, .update_inactive = 6.0,
                   .spike = 2.1, .hop_ew = 4.1, .hop_ns = 6.5, .hop_chip = 0.0,
                   .barrier = 113.0, .tick = 0.0},
    },
    {
        .name = "truenorth",
        .source = "Merolla et al. 2014, 'A million spiking-neuron integrated circuit with a "
                  "scalable communication network and interface', Science 345(6197): 64x64 "
                  "cores, 256 neurons x 256 axons per core, 1 ms tick; 26 pJ per synaptic "
                  "event is the chip's total energy over its synaptic events at one operating "
                  "point, so it is priced all-in: no hop, neuron or static energy on top.",
        .chip_w = 64, .chip_h = 64, .chips_x = 1, .chips_y = 1, .width = 64, .height = 64,
        /* Each neuron targets one axon, so a core's 256 neurons reach at most
         * 256 distinct cores; the crossbar holds 256 x 256 synapses. */
        .limits = {.neurons = 256, .synapses = 65536, .axons = 256, .fanout = 256},
        .weight_bits = 9, .state_bits = 20,
        /* All-in: 26 pJ is total energy / synaptic events, so it already
         * holds the neurons, the routing and the leakage of that run;
         * pricing hops or static power as well would count them twice. */
        .energy = {.syn_op = 26.0, .update_active = 0.0, .update_inactive = 0.0,
                   .spike = 0.0, .packet_send = 0.0, .packet_recv = 0.0,
                   .hop_ew = 0.0, .hop_ns = 0.0, .hop_chip = 0.0,
                   .static_core_w = 0.0, .static_chip_w = 0.0},
        .timing = {.syn_op = 0.0, .update_active = 0.0, .update_inactive = 0.0,
                   .spike = 0.0, .hop_ew = 0.0, .hop_ns = 0.0, .hop_chip = 0.0,
                   .barrier = 0.0, .tick = 1.0e6},
    },
    {
        .name = "spinnaker",
        .source = "sPyNNaker energy model (spinn_front_end_common compute_energy_used: "
                  "0.8 nJ per packet, 1 W active / 0.36 W idle chip, after Painkras et al. "
                  "2013, IEEE JSSC 48(8)); 18 cores per chip, 256 neurons per core (sPyNNaker "
                  "default), 1 ms timestep. 6x3 cores per chip and an 8x6 board of 48 chips "
                  "(SpiNN-5) are our layout.",
        /* The 18 cores of a chip share one router, so a hop inside a chip is
         * free; the model prices a packet, not its hops. The active overhead
         * (1 W - 0.36 W) is spread over the 18 cores of a chip. */
        .chip_w = 6, .chip_h = 3, .chips_x = 8, .chips_y = 6, .width = 48, .height = 18,
        .limits = {.neurons = 256, .synapses = 0, .axons = 0, .fanout = 0},
        .weight_bits = 16, .state_bits = 32,
        .energy = {.syn_op = 0.0, .update_active = 0.0, .update_inactive = 0.0,
                   .spike = 0.0, .packet_send = 800.0, .packet_recv = 0.0,
                   .hop_ew = 0.0, .hop_ns = 0.0, .hop_chip = 0.0,
                   .static_core_w = (1.0 - 0.36) / 18.0, .static_chip_w = 0.36},
        .timing = {.syn_op = 0.0, .update_active = 0.0, .update_inactive = 0.0,
                   .spike = 0.0, .hop_ew = 0.0, .hop_ns = 0.0, .hop_chip = 0.0,
                   .barrier = 0.0, .tick = 1.0e6},
    },
};

uint32_t sm_chip_n_builtins(void)
{
    return (uint32_t)(sizeof s_builtins / sizeof s_builtins[0]);
}

const sm_chip_t *sm_chip_builtin_at(uint32_t i)
{
    return i < sm_chip_n_builtins() ? &s_builtins[i] : NULL;
}
