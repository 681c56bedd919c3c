#!/usr/bin/env python3
"""Writes tools/examples/conv.json and its connection lists (conv/*.csv).

Convolution-like layers, as a small trained vision network would have them:
a 32 x 32 Poisson input, a 3 x 3 convolution to 4 channels of 30 x 30, and a
3 x 3 convolution over all 4 channels to 4 channels of 28 x 28. One population
per channel, listed in a shuffled order. Each kernel weight is shared across
positions, as in a convolution; kernels are drawn from a fixed seed.

Deterministic: the same script always writes the same files.
"""
import json
import os
import random

IN, K, C1, C2 = 32, 3, 4, 4
RATE_HZ = 30.0
TICKS = 500
rng = random.Random(5)
here = os.path.dirname(os.path.abspath(__file__))
outdir = os.path.join(here, "conv")
os.makedirs(outdir, exist_ok=True)
for old in os.listdir(outdir):
    if old.endswith(".csv"):
        os.remove(os.path.join(outdir, old))

lif = {"beta": 0.9, "threshold": 1.0, "reset_mechanism": "subtract"}
pops = [{"name": "input", "size": IN * IN, "source": {"kind": "poisson", "rate_hz": RATE_HZ}}]
projections = []


def conv(src_name, src_side, dst_name, dst_side, kernel):
    rows = []
    for y in range(dst_side):
        for x in range(dst_side):
            for ky in range(K):
                for kx in range(K):
                    rows.append(((y + ky) * src_side + (x + kx), y * dst_side + x, kernel[ky][kx]))
    fname = "%s__%s.csv" % (src_name, dst_name)
    with open(os.path.join(outdir, fname), "w") as f:
        f.write("src,dst,weight,delay\n")
        for s, d, w in rows:
            f.write("%d,%d,%.4f,1\n" % (s, d, w))
    projections.append({"source": src_name, "target": dst_name,
                        "connectivity": {"kind": "list", "file": "conv/" + fname}})


S1, S2 = IN - K + 1, IN - K + 2 - K
for c in range(C1):
    pops.append({"name": "conv1_c%d" % c, "size": S1 * S1, "model": "lif", "params": lif})
    kernel = [[rng.uniform(0.05, 0.35) for _ in range(K)] for _ in range(K)]
    conv("input", IN, "conv1_c%d" % c, S1, kernel)
for c in range(C2):
    pops.append({"name": "conv2_c%d" % c, "size": S2 * S2, "model": "lif", "params": lif})
    for p in range(C1):
        kernel = [[rng.uniform(-0.05, 0.2) for _ in range(K)] for _ in range(K)]
        conv("conv1_c%d" % p, S1, "conv2_c%d" % c, S2, kernel)
rng.shuffle(pops)
net = {"simulation": {"dt": 1.0, "ticks": TICKS, "seed": 3}, "populations": pops,
       "projections": projections}
with open(os.path.join(here, "conv.json"), "w") as f:
    f.write("{\n  \"simulation\": %s,\n  \"populations\": [\n" % json.dumps(net["simulation"]))
    f.write(",\n".join("    " + json.dumps(p) for p in pops))
    f.write("\n  ],\n  \"projections\": [\n")
    f.write(",\n".join("    " + json.dumps(p) for p in projections))
    f.write("\n  ]\n}\n")
print("wrote conv.json: %d populations, %d projections" % (len(pops), len(projections)))
