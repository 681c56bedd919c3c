#!/usr/bin/env bash
# Mapping guard: the default mapping strategy against sequential placement,
# measured by real chip runs (hops and energy from stats.json), on the sheet,
# CUBA and feed-forward examples on loihi, truenorth and spinnaker. The
# default must never do worse on either figure, and both mappings must give
# the same spikes (a mapping moves neurons, never changes what they do).
# usage: tools/bench/mapping_guard.sh [BUILD_DIR|BINARY] [--ticks N]
#   BUILD_DIR defaults to build (its spikemesh is run), or the spikemesh
#   binary itself; --ticks N shortens every run (the ctest version does).
# Exit status 1 if any pair is worse under the default or spikes differ.
set -euo pipefail
B=build
TICKS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --ticks) TICKS=(--ticks "$2"); shift 2 ;;
    *) B=$1; shift ;;
  esac
done
[ -d "$B" ] && B=$B/spikemesh
B=$(cd "$(dirname "$B")" && pwd)/$(basename "$B")
cd "$(dirname "$0")/../.."
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
printf "%-12s %-10s %12s %12s %14s %14s  %s\n" network chip "hops seq" "hops default" \
  "energy seq J" "energy def J" verdict
bad=0
for net in sheet cuba feedforward; do
  for chip in loihi truenorth spinnaker; do
    "$B" run tools/examples/$net.json --chip $chip --strategy sequential --threads 1 \
      ${TICKS[@]+"${TICKS[@]}"} --out "$T/$net-$chip-seq" --quiet
    "$B" run tools/examples/$net.json --chip $chip --threads 1 \
      ${TICKS[@]+"${TICKS[@]}"} --out "$T/$net-$chip-def" --quiet
    same=$(cmp -s "$T/$net-$chip-seq/spikes.csv" "$T/$net-$chip-def/spikes.csv" && echo 1 || echo 0)
    python3 - "$T/$net-$chip-seq/stats.json" "$T/$net-$chip-def/stats.json" "$net" "$chip" \
      "$same" <<'PY' || bad=1
import json, sys
s, d = (json.load(open(p)) for p in sys.argv[1:3])
hs, hd = s["totals"]["hops"], d["totals"]["hops"]
es, ed = s["energy"]["total"], d["energy"]["total"]
verdict = []
if hd > hs:
    verdict.append("MORE HOPS")
# energy sums floating point in a mapping-dependent order: a relative 1e-12
# is rounding, not a worse mapping
if ed > es * (1 + 1e-12):
    verdict.append("MORE ENERGY")
if sys.argv[5] != "1":
    verdict.append("SPIKES DIFFER")
print("%-12s %-10s %12d %12d %14.6e %14.6e  %s" % (sys.argv[3], sys.argv[4], hs, hd, es, ed,
      ", ".join(verdict) or "ok"))
sys.exit(1 if verdict else 0)
PY
  done
done
exit $bad
