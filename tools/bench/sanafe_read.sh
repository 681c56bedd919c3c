#!/usr/bin/env bash
# Reading SANA-FE's own files: every chip/network pair of SANA-FE's arch/ and
# snn/ through `spikemesh sanafe info`, each checked for the counts SANA-FE
# reports, with its wall time and peak memory from /usr/bin/time -v; and
# this project's ffdense net on SANA-FE's loihi.yaml. SANA-FE's files are
# GPL-3.0 and not part of this repository: give the folder that holds them
# (a checkout of github.com/SLAM-Lab/SANA-FE, 8951ab0, or a copy of its arch/
# and snn/). Without it nothing is checked and the script fails.
# usage: tools/bench/sanafe_read.sh SANAFE_DIR [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/../.."
up=${1:-}
B=${2:-build}/spikemesh
if [ -z "$up" ] || [ ! -f "$up/arch/loihi.yaml" ] || [ ! -f "$up/snn/dvs.yaml" ]; then
  echo "sanafe_read: SANA-FE's files not found (need SANAFE_DIR/arch/loihi.yaml and SANAFE_DIR/snn/dvs.yaml);" >&2
  echo "sanafe_read: NOTHING WAS CHECKED. usage: $0 SANAFE_DIR [BUILD_DIR]" >&2
  exit 2
fi
[ -x "$B" ] || { echo "sanafe_read: no $B (build first)" >&2; exit 2; }
if [ -f "$up/PROVENANCE.txt" ]; then
  (cd "$up" && grep -E '^[0-9a-f]{64}  ' PROVENANCE.txt | sha256sum --quiet -c -) ||
    { echo "sanafe_read: files differ from PROVENANCE.txt" >&2; exit 1; }
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
# arch net neurons synapses (SANA-FE's counts for the pair)
run() {
  local arch=$1 net=$2 neurons=$3 synapses=$4 name
  name=$(basename "$net")
  if ! /usr/bin/time -v "$B" sanafe info "$arch" "$net" > "$T/$name.out" 2> "$T/$name.time"; then
    echo "FAIL $name: $(grep -v '^\s' "$T/$name.time" | head -3)"
    fail=1
    return
  fi
  local wall rss got
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$T/$name.time")
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$T/$name.time")
  got=$(grep -E '^network ' "$T/$name.out" | sed -E 's/.*: ([0-9]+) groups, ([0-9]+) neurons, ([0-9]+) edges, ([0-9]+) synapses.*/\2 \4/')
  local ok=ok
  [ "$got" = "$neurons $synapses" ] || { ok="FAIL (read $got)"; fail=1; }
  printf "%-22s %-18s %8s %10s %10s %9.1f  %s\n" "$(basename "$arch")" "$name" "$neurons" "$synapses" \
    "$wall" "$(echo "$rss / 1024" | bc -l)" "$ok"
  grep '^warning' "$T/$name.out" | sed 's/^/    /' || true
}
printf "%-22s %-18s %8s %10s %10s %9s\n" arch network neurons synapses wall "peak MiB"
run "$up/arch/loihi.yaml" "$up/snn/dvs.yaml" 18678 3564441
run "$up/arch/loihi.yaml" "$up/snn/conv.yaml" 26 47
run "$up/arch/example_chip.yaml" "$up/snn/example_snn.yaml" 4 5
run "$up/arch/example_chip.yaml" "$up/snn/input_net.yaml" 6 3
run "$up/arch/example_chip.yaml" "$up/snn/example.net" 6 3
run "$up/arch/loihi.yaml" tests/data/sanafe/ffdense.loihi.yaml 224 11776
grep '^read:' "$T/dvs.yaml.out" | sed 's/^/dvs on loihi: /'
# Reading is to be a small part of the whole run's 2 s and 1 GiB.
rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$T/dvs.yaml.time")
secs=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$T/dvs.yaml.time" | awk -F: '{print $(NF-1)*60 + $NF}')
if [ "$rss" -gt 262144 ] || [ "$(echo "$secs > 0.5" | bc)" = 1 ]; then
  echo "FAIL: reading dvs took ${secs} s and $((rss / 1024)) MiB (limits 0.5 s, 256 MiB)"
  fail=1
fi
exit $fail
