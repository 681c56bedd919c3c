#!/usr/bin/env bash
# Throughput of one large network spread four ways: 1 thread, 2 threads, 2
# worker processes over ipc, 2 worker processes over tcp on loopback.
# 200k lif neurons with 100 recurrent synapses each (20M synapses) plus a
# Poisson drive, ~1 Hz, 1000 ticks. Prints median [min-max] of the run's wall
# time (set-up excluded) over REPEAT runs, synaptic events per second, the
# ratio to 1 thread, and the time spent waiting on other shards per tick;
# writes dist.json. Results are also checked to be identical across the four.
# usage: tools/bench/dist.sh [BUILD_DIR] [REPEAT]
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${1:-build-bench}/spikemesh
R=${2:-3}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
python3 - "$T/net.json" <<'PY'
import json, sys
net = {"simulation": {"dt": 1.0, "ticks": 1000, "seed": 1},
       "populations": [
         {"name": "drive", "size": 20000, "source": {"kind": "poisson", "rate_hz": 10.0}},
         {"name": "net", "size": 200000, "model": "lif",
          "params": {"beta": 0.95, "threshold": 1.0, "reset_mechanism": "zero"}}],
       "projections": [
         {"source": "drive", "target": "net", "connectivity": {"kind": "fixed_fan_in", "k": 10},
          "weight": 0.12, "delay": 1},
         {"source": "net", "target": "net", "connectivity": {"kind": "fixed_fan_in", "k": 100},
          "weight": {"uniform": [-0.02, 0.06]}, "delay": {"uniform": [1, 8]}}],
       "record": {"spikes": ["net"]}}
json.dump(net, open(sys.argv[1], "w"))
PY
modes=("--threads 1" "--threads 2" "--workers 2" "--workers 2 --transport tcp")
names=("1 thread" "2 threads" "2 workers ipc" "2 workers tcp")
for i in "${!modes[@]}"; do
  for r in $(seq "$R"); do
    "$B" run "$T/net.json" ${modes[$i]} --out "$T/o-$i-$r" --quiet
  done
done
python3 - "$T" "$R" "${names[@]}" <<'PY'
import json, statistics, sys, filecmp
T, R, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
rows, base = [], None
for i, name in enumerate(names):
    st = [json.load(open("%s/o-%d-%d/stats.json" % (T, i, r + 1))) for r in range(R)]
    walls = [s["wall_seconds"] for s in st]
    ev = st[0]["totals"]["synaptic_events"]
    med = statistics.median(walls)
    waits = [s["sync_wait_seconds_per_tick"] * 1e6 for s in st]
    same = filecmp.cmp("%s/o-0-1/spikes.csv" % T, "%s/o-%d-1/spikes.csv" % (T, i), shallow=False)
    if base is None:
        base = med
    rows.append({"mode": name, "wall_median_s": med, "wall_min_s": min(walls), "wall_max_s": max(walls),
                 "synaptic_events": ev, "events_per_s": ev / med, "speedup_vs_1_thread": base / med,
                 "sync_wait_us_per_tick": statistics.median(waits), "spikes_identical": same})
print("%-15s %24s %12s %8s %14s %6s" % ("mode", "wall s median [min-max]", "events/s", "x 1 thr", "wait us/tick", "same"))
for r in rows:
    print("%-15s %8.2f [%5.2f-%5.2f]     %12.3g %8.2f %14.1f %6s" % (r["mode"], r["wall_median_s"], r["wall_min_s"],
          r["wall_max_s"], r["events_per_s"], r["speedup_vs_1_thread"], r["sync_wait_us_per_tick"], r["spikes_identical"]))
json.dump(rows, open("dist.json.tmp", "w"), indent=1)
PY
mv dist.json.tmp dist.json
