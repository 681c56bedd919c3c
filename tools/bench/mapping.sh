#!/usr/bin/env bash
# Mapping benchmark: traffic-aware (metis) against sequential placement, on a
# spatially structured sheet and on convolution-like layers, mapped onto the
# loihi and truenorth grids. Hops are the counters of real runs
# (`spikemesh run --chip C --mapping FILE`), not estimates; spikes must be
# identical under both mappings.
# usage: tools/bench/mapping.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${1:-build}/spikemesh
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
printf "%-8s %-10s %14s %14s %8s %10s\n" network chip "hops seq" "hops metis" cut spikes
for net in sheet conv; do
  for chip in loihi truenorth; do
    for s in sequential metis; do
      "$B" map tools/examples/$net.json --chip $chip --strategy $s --out "$T/$net-$chip-$s.json" > /dev/null
      "$B" run tools/examples/$net.json --chip $chip --mapping "$T/$net-$chip-$s.json" --threads 1 \
        --out "$T/$net-$chip-$s" --quiet
    done
    same=$(cmp -s "$T/$net-$chip-sequential/spikes.csv" "$T/$net-$chip-metis/spikes.csv" && echo same || echo DIFFER)
    python3 - "$T/$net-$chip-sequential/stats.json" "$T/$net-$chip-metis/stats.json" "$net" "$chip" "$same" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))["totals"]["hops"]
b = json.load(open(sys.argv[2]))["totals"]["hops"]
print("%-8s %-10s %14d %14d %7.1f%% %10s" % (sys.argv[3], sys.argv[4], a, b, 100.0 * (a - b) / a, sys.argv[5]))
PY
  done
done
