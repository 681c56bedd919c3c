# Writes dl4.yaml (a 2x2x2 chip with plain and delay dendrites) and
# delays.dl4.yaml (a net exercising accumulator_with_delay) for spikemesh's tests.
import random, sys
out = sys.argv[1]
R = random.Random(20261201)
arch = """# dl4: a 2x2 mesh of tiles, 2 cores each, written for spikemesh's tests (not a
# SANA-FE file). Each core has two synapse units, a plain accumulator and two
# accumulator_with_delay dendrites (one with update_every_timestep), so that
# SANA-FE's delay line, its lookup by synapse-unit address, and forced updates
# are all observable.
architecture:
  name: dl4_test_chip
  attributes:
    width: 2
    height: 2
    link_buffer_size: 3
    sync_model: table
    latency_sync: {1: 0.2e-6, 2: 0.35e-6, 4: 0.6e-6}
  tile:
    - name: dtile[0..3]
      attributes:
        energy_north_hop: 4.0e-12
        latency_north_hop: 6.0e-9
        energy_east_hop: 2.5e-12
        latency_east_hop: 3.5e-9
        energy_south_hop: 3.5e-12
        latency_south_hop: 5.5e-9
        energy_west_hop: 3.0e-12
        latency_west_hop: 4.5e-9
      core:
        - name: dcore[0..1]
          attributes:
            buffer_position: soma
            buffer_inside_unit: false
            max_neurons_supported: 64
          axon_in:
            - name: d_in
              attributes: {energy_message_in: 7.0e-12, latency_message_in: 8.0e-9}
          synapse:
            - name: syn_a
              attributes: {model: current_based, energy_process_spike: 20.0e-12, latency_process_spike: 2.5e-9}
            - name: syn_b
              attributes: {model: current_based, energy_process_spike: 26.0e-12, latency_process_spike: 3.5e-9}
          dendrite:
            - name: acc
              attributes: {model: accumulator, energy_update: 1.0e-12, latency_update: 0.5e-9}
            - name: dly
              attributes: {model: accumulator_with_delay, energy_update: 2.0e-12, latency_update: 1.0e-9}
            - name: dlyf
              attributes: {model: accumulator_with_delay, energy_update: 2.5e-12, latency_update: 1.5e-9,
                           update_every_timestep: true}
          soma:
            - name: lif
              attributes: {model: leaky_integrate_fire, energy_access_neuron: 30.0e-12, latency_access_neuron: 4.0e-9,
                           energy_update_neuron: 15.0e-12, latency_update_neuron: 2.5e-9,
                           energy_spike_out: 45.0e-12, latency_spike_out: 18.0e-9}
            - name: inp[0..7]
              attributes: {model: input, energy_access_neuron: 1.0e-12, latency_access_neuron: 0.25e-9,
                           energy_update_neuron: 2.0e-12, latency_update_neuron: 0.5e-9,
                           energy_spike_out: 3.0e-12, latency_spike_out: 0.75e-9}
          axon_out:
            - name: d_out
              attributes: {energy_message_out: 60.0e-12, latency_message_out: 5.0e-9}
"""
open(out + "/dl4.yaml", "w").write(arch)

T = 70
L = []
w = L.append
w("# delays: accumulator_with_delay on the dl4 chip, written for spikemesh's tests (not a")
w("# SANA-FE file): delays 0..5 on dense, sparse and single edges; edges without a")
w("# delay into a delay dendrite (they look up what another connection stored at the")
w("# same synapse-unit address); two synapse units feeding one delay dendrite; the")
w("# dendrite with and without update_every_timestep; delays into a plain accumulator")
w("# (ignored); spike trains that stop at step 50 so the lines drain.")
w("network:")
w("  name: delays")
w("  groups:")
w("    - name: drv")
w("      attributes: [log_spikes: true]")
w("      neurons:")
for i in range(6):
    tr = [1 if (t < 50 and R.random() < 0.3) else 0 for t in range(T)]
    w("        - %d: [spikes: [%s], soma_hw_name: 'inp[%d]']" % (i, ", ".join(map(str, tr)), i))
w("    - name: a")
w("      attributes: {dendrite_hw_name: dly, threshold: 3, leak_decay: 0.9, log_spikes: true}")
w("      neurons:")
for i in range(10):
    w("        - %d: {synapse_hw_name: %s%s}" % (i, "syn_a" if i < 5 else "syn_b", ", bias: 0.5" if i in (2, 7) else ""))
w("    - name: b")
w("      attributes: {dendrite_hw_name: dlyf, synapse_hw_name: syn_b, threshold: 2.5, leak_decay: 0.875, log_spikes: true}")
w("      neurons:")
w("        - 0..3")
w("        - 4: {bias: 0.25}")
w("        - 5..8: {}")
w("        - 9: {force_update: true}")
w("    - name: c")
w("      attributes: {threshold: 4, leak_decay: 0.95, log_spikes: true}")
w("      neurons:")
w("        - 0..5")
w("  edges:")
wd = [R.randint(-1, 4) for _ in range(6 * 10)]
dd = [R.randint(0, 5) for _ in range(6 * 10)]
w("    - drv -> a: {type: dense, weight: [%s], delay: [%s]}" % (", ".join(map(str, wd)), ", ".join(map(str, dd))))
pairs = sorted({(R.randrange(6), R.randrange(10)) for _ in range(24)})
w("    - drv -> b:")
w("        type: sparse")
w("        source_target_pairs: [%s]" % ", ".join("[%d, %d]" % p for p in pairs))
w("        weight: [%s]" % ", ".join(str(R.choice([1, 2, 3, 1.5, -1])) for _ in pairs))
w("        delay: [%s]" % ", ".join(str(R.randint(0, 5)) for _ in pairs))
w("    - a -> b: {type: dense, weight: [%s]}" % ", ".join(str(R.choice([0, 0, 1, 2, -1])) for _ in range(100)))
pairs2 = sorted({(R.randrange(10), R.randrange(10)) for _ in range(15)})
w("    - b -> a: {type: sparse, source_target_pairs: [%s], weight: [%s]}" % (
    ", ".join("[%d, %d]" % p for p in pairs2), ", ".join(str(R.choice([1, 2, -2])) for _ in pairs2)))
w("    - b -> c: {type: dense, weight: [%s], delay: [%s]}" % (
    ", ".join(str(R.choice([0, 1, 2, 3])) for _ in range(60)), ", ".join(str(R.randint(0, 5)) for _ in range(60))))
w("    - a.3 -> a.7: {weight: 2, delay: 3}")
w("    - b.2 -> a.1: [weight: 1.5]")
w("    - drv.0 -> b.9: {weight: 3, delay: 5}")
w("    - drv.5 -> c.4: {weight: 5, delay: 2}")
w("mappings:")
w("  - drv: {core: 0.0}")
w("  - a: {core: 0.1}")
w("  - b.0..4: {core: 2.1}")
w("  - b.5..9: {core: 3.0}")
w("  - c.0..2: {core: 1.0, dendrite: dly}")
w("  - c.3..5: {core: 1.1}")
open(out + "/delays.dl4.yaml", "w").write("\n".join(L) + "\n")
