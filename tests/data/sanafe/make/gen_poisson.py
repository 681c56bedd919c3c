# Writes poisson.mesh4.yaml: poisson inputs on mesh4, for spikemesh's tests.
import random, sys
out = sys.argv[1]
R = random.Random(7)
L = []
w = L.append
w("# poisson: inputs firing with probability p each step (SANA-FE's InputModel: one")
w("# mt19937 per input unit, seeded by the unit's instance count over the chip, drawn")
w("# on every update), on several cores and tiles, two of them sharing a unit, one")
w("# with poisson 0 (it still draws), one with a spike train as well; into a small")
w("# LIF layer. Written for spikemesh's tests (not a SANA-FE file).")
w("network:")
w("  name: poisson")
w("  groups:")
w("    - name: src")
w("      attributes: [log_spikes: true]")
w("      neurons:")
ps = [0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.0, 0.25, 0.15, 0.4, 0.6]
for i, p in enumerate(ps):
    extra = ""
    unit = "in_port[%d]" % (i if i != 9 else 8)   # src.8 and src.9 share in_port[8]
    if i == 10:
        extra = ", spikes: [1, 1, 0, 0, 1]"
    w("        - %d: [poisson: %s, soma_hw_name: '%s'%s]" % (i, p, unit, extra))
w("    - name: hid")
w("      attributes: {soma_hw_name: lif_a, synapse_hw_name: syn_dense, threshold: 3, leak_decay: 0.875, log_spikes: true}")
w("      neurons:")
w("        - 0..15")
w("  edges:")
w("    - src -> hid: {type: dense, weight: [%s]}" % ", ".join(str(R.choice([0, 1, 1, 2, -1])) for _ in range(len(ps) * 16)))
w("mappings:")
w("  - src.0..3: {core: 0.0}")
w("  - src.4..7: {core: 5.1}")
w("  - src.8..11: {core: 12.0}")
w("  - hid.0..7: {core: 3.1}")
w("  - hid.8..15: {core: 9.0}")
open(out + "/poisson.mesh4.yaml", "w").write("\n".join(L) + "\n")
