#!/usr/bin/env python3
"""Writes tools/examples/sheet.json and its connection lists (sheet/*.csv).

A 64 x 64 sheet of LIF neurons, cut into 16 tiles of 16 x 16 (one population
per tile), each neuron exciting the neighbours within a radius of 2 (12 of
them, a disc). Each tile is driven one-to-one by its own Poisson tile. The 32
populations are listed in a shuffled order, so that filling cores in file
order (the sequential mapping) scatters neighbouring tiles over the chip,
while a traffic-aware mapping can keep them together.

Deterministic: the same script always writes the same files.
"""
import json
import os
import random

SIDE = 64          # sheet is SIDE x SIDE neurons
TILE = 16          # tiles are TILE x TILE
RADIUS = 2         # neighbours within this Euclidean distance
WEIGHT = 0.08
RATE_HZ = 20.0
TICKS = 500

here = os.path.dirname(os.path.abspath(__file__))
outdir = os.path.join(here, "sheet")
os.makedirs(outdir, exist_ok=True)
T = SIDE // TILE


def tile_name(tx, ty):
    return "t%d_%d" % (tx, ty)


offsets = [(dx, dy) for dy in range(-RADIUS, RADIUS + 1) for dx in range(-RADIUS, RADIUS + 1)
           if (dx, dy) != (0, 0) and dx * dx + dy * dy <= RADIUS * RADIUS]

# connections grouped by (source tile, target tile), indices within tiles
lists = {}
for y in range(SIDE):
    for x in range(SIDE):
        for dx, dy in offsets:
            u, v = x + dx, y + dy
            if not (0 <= u < SIDE and 0 <= v < SIDE):
                continue
            src = (x // TILE, y // TILE, (y % TILE) * TILE + x % TILE)
            dst = (u // TILE, v // TILE, (v % TILE) * TILE + u % TILE)
            lists.setdefault((src[:2], dst[:2]), []).append((src[2], dst[2]))

for old in os.listdir(outdir):
    if old.endswith(".csv"):
        os.remove(os.path.join(outdir, old))

projections = []
for (s, d), rows in sorted(lists.items()):
    fname = "%s__%s.csv" % (tile_name(*s), tile_name(*d))
    with open(os.path.join(outdir, fname), "w") as f:
        f.write("src,dst\n")
        for a, b in sorted(rows):
            f.write("%d,%d\n" % (a, b))
    projections.append({"source": tile_name(*s), "target": tile_name(*d),
                        "connectivity": {"kind": "list", "file": "sheet/" + fname},
                        "weight": WEIGHT, "delay": 1})

pops = []
for ty in range(T):
    for tx in range(T):
        pops.append({"name": tile_name(tx, ty), "size": TILE * TILE, "model": "lif",
                     "params": {"beta": 0.9, "threshold": 1.0, "reset_mechanism": "subtract"}})
        pops.append({"name": "in_" + tile_name(tx, ty), "size": TILE * TILE,
                     "source": {"kind": "poisson", "rate_hz": RATE_HZ}})
        projections.append({"source": "in_" + tile_name(tx, ty), "target": tile_name(tx, ty),
                            "connectivity": {"kind": "one_to_one"}, "weight": 0.6, "delay": 1})
random.Random(7).shuffle(pops)

net = {"simulation": {"dt": 1.0, "ticks": TICKS, "seed": 11},
       "populations": pops, "projections": projections}
with open(os.path.join(here, "sheet.json"), "w") as f:
    f.write("{\n  \"simulation\": %s,\n  \"populations\": [\n" % json.dumps(net["simulation"]))
    f.write(",\n".join("    " + json.dumps(p) for p in pops))
    f.write("\n  ],\n  \"projections\": [\n")
    f.write(",\n".join("    " + json.dumps(p) for p in projections))
    f.write("\n  ]\n}\n")
print("wrote sheet.json: %d populations, %d projections, %d sheet synapses"
      % (len(pops), len(projections), sum(len(r) for r in lists.values())))
