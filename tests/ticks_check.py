"""A run directory's ticks.csv against its stats.json (docs/outputs.md): the
columns every run has (and a chip run's), one row per tick in order, and each
count column adding up to its total; on a chip the energy to the total too.
usage: python3 ticks_check.py RUN_DIR...  (exit 1 naming what differs)"""
import csv
import json
import math
import sys

COUNTS = ["spikes", "synaptic_events", "neuron_updates", "active_updates", "inactive_updates",
          "packets", "hops"]
CHIP = ["energy_synaptic_j", "energy_neuron_update_j", "energy_spike_j", "energy_routing_j",
        "energy_static_j", "energy_total_j", "busiest_core_ns", "chip_ns"]
TOTAL = {"spikes": "spikes", "synaptic_events": "synaptic_events",
         "neuron_updates": "neuron_updates", "active_updates": "active_neuron_updates",
         "packets": "packets", "hops": "hops"}


def check(d):
    stats = json.load(open(d + "/stats.json"))
    t = stats["totals"]
    with open(d + "/ticks.csv") as f:
        r = csv.reader(f)
        head = next(r)
        rows = [[int(v) if i <= len(COUNTS) else float(v) for i, v in enumerate(row)] for row in r]
    chip = "energy_joules" in t
    want = ["tick"] + COUNTS + (CHIP if chip else [])
    if head != want:
        return f"header {head}, expected {want}"
    if [row[0] for row in rows] != list(range(stats["ticks"])):
        return f"{len(rows)} rows, not ticks 0 .. {stats['ticks'] - 1} in order"
    col = {name: [row[i] for row in rows] for i, name in enumerate(head)}
    for k, total in TOTAL.items():
        if sum(col[k]) != t[total]:
            return f"{k} adds up to {sum(col[k])}, stats.json totals.{total} is {t[total]}"
    dense = sum(col["active_updates"]) + sum(col["inactive_updates"])
    if dense != t["dense_neuron_updates"]:
        return f"active + inactive updates {dense}, dense_neuron_updates {t['dense_neuron_updates']}"
    if chip:
        e = math.fsum(col["energy_total_j"])
        if not math.isclose(e, t["energy_joules"], rel_tol=1e-6):
            return f"energy_total_j adds up to {e}, totals.energy_joules is {t['energy_joules']}"
    return None


bad = 0
for d in sys.argv[1:]:
    try:
        why = check(d)
    except (OSError, ValueError, KeyError, StopIteration) as e:
        why = f"cannot read the run: {e!r}"
    if why:
        print(f"{d}/ticks.csv: {why}")
        bad = 1
sys.exit(bad)
