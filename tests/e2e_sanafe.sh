#!/usr/bin/env bash
# End-to-end runs of SANA-FE files: every reference run in
# tests/data/sanafe/cases (runs of this project's own chip and networks made
# with SANA-FE itself) reproduced field by field from its expected.json by
# `spikemesh sanafe check`, the written sanafe.json, ticks.csv and
# spikes.csv checked on their own (the spike digest recomputed from
# spikes.csv as the acceptance set defines it), `spikemesh run` on the same
# files and on a file that carries its own architecture, and the refusals.
# SANA-FE's own (GPL) files are not here: tools/bench/sanafe.sh runs those.
# usage: e2e_sanafe.sh SPIKEMESH SOURCE_DIR [GOLDEN_DIR]
set -u
BIN=$1
SRC=$2
D=$SRC/tests/data/sanafe
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
py() { python3 -c "$@"; }

n_cases=0
for exp in "$D"/cases/*/expected.json; do
  name=$(basename "$(dirname "$exp")")
  n_cases=$((n_cases + 1))
  "$BIN" sanafe check "$exp" --set "$D" --out "$T/$name" --latency-exact > "$T/$name.txt" 2>&1
  check "$name: reproduced (counters, digest, energy, latency exact)" "[ $? -eq 0 ]" || sed 's/^/    /' "$T/$name.txt"
  grep FAIL "$T/$name.txt" | sed 's/^/    /'
  "$BIN" sanafe check "$exp" "$T/$name/sanafe.json" --latency-exact --quiet > /dev/null 2>&1
  check "$name: the written sanafe.json reads back identical" "[ $? -eq 0 ]"
  check "$name: sanafe.json has expected.json's keys" "py '
import json, sys
e = json.load(open(sys.argv[1])); g = json.load(open(sys.argv[2]))
for part in (None, \"totals\", \"per_step\", \"spikes\", \"derived\", \"totals_as_printed_by_stock_build\"):
    a = e if part is None else e[part]; b = g if part is None else g[part]
    assert list(a) == list(b), (part, list(a), list(b))
assert e[\"totals_as_printed_by_stock_build\"] == g[\"totals_as_printed_by_stock_build\"]
for k, v in e[\"derived\"].items():
    assert abs(v - g[\"derived\"][k]) <= 1e-12 * abs(v), k
' '$exp' '$T/$name/sanafe.json'"
  check "$name: ticks.csv, one line per step, columns sum to the totals" "py '
import csv, json, sys
g = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2])))
assert len(rows) == g[\"steps\"]
assert [int(r[\"tick\"]) for r in rows] == list(range(1, g[\"steps\"] + 1))
t = g[\"totals\"]
for col, key in ((\"spikes\", \"fired\"), (\"synaptic_events\", \"synaptic_events\"), (\"updates\", \"updated\"), (\"packets\", \"packets\"), (\"hops\", \"hops\")):
    assert sum(int(r[col]) for r in rows) == t[key], col
s = 0.0
for r in rows: s += float(r[\"energy_total_j\"])
assert s == t[\"energy\"][\"total\"]
s = 0.0
for r in rows: s += float(r[\"chip_time_s\"])
assert s == t[\"sim_time\"]
' '$T/$name/sanafe.json' '$T/$name/ticks.csv'"
  check "$name: the spike digest recomputed from spikes.csv" "py '
import hashlib, json, sys
e = json.load(open(sys.argv[1]))
lines = open(sys.argv[2]).read().splitlines()
assert lines[0] == \"neuron,timestep\"
rows = []
for l in lines[1:]:
    n, step = l.split(\",\"); g, i = n.rsplit(\".\", 1)
    rows.append((int(step), g.encode(), int(i)))
rows.sort()
text = \"\".join(\"%d,%s,%d\n\" % (s, g.decode(), i) for s, g, i in rows)
assert len(rows) == e[\"spikes\"][\"logged_total\"]
assert hashlib.sha256(text.encode()).hexdigest() == e[\"spikes\"][\"digest_sha256\"]
' '$exp' '$T/$name/spikes.csv'"
done
check "found the reference runs" "[ $n_cases -ge 6 ]"

# spikemesh run on the same files
"$BIN" run "$D/rrnet.mesh4.yaml" --chip "$D/mesh4.yaml" --ticks 300 --timing simple --out "$T/rr" > "$T/rr.txt" 2>&1
check "run rrnet --timing simple exits 0" "[ $? -eq 0 ]"
check "run prints SANA-FE's counters" "grep -q 'fired 31479, updated 562194, synaptic events 629580, packets 406279, hops 1021969' $T/rr.txt"
"$BIN" sanafe check "$D/cases/rrnet_mesh4_300_simple/expected.json" "$T/rr/sanafe.json" --quiet > /dev/null
check "run rrnet --timing simple matches SANA-FE" "[ $? -eq 0 ]"
"$BIN" run "$D/rrnet.mesh4.yaml" --chip "$D/mesh4.yaml" --ticks 300 --out "$T/rr2" --quiet
"$BIN" sanafe check "$D/cases/rrnet_mesh4_300/expected.json" "$T/rr2/sanafe.json" --latency-exact --quiet > /dev/null
check "run rrnet defaults to detailed timing and matches SANA-FE" "[ $? -eq 0 ]"
check "--quiet prints nothing" "[ -z \"\$(\"$BIN\" run \"$D/rrnet.mesh4.yaml\" --chip \"$D/mesh4.yaml\" --ticks 3 --out \"$T/q\" --quiet 2>&1)\" ]"
check "no temporary files left" "[ -z \"\$(ls $T/rr | grep -v -e '^sanafe.json$' -e '^ticks.csv$' -e '^spikes.csv$')\" ]"

# a network file that carries its own architecture
cat "$D/mesh4.yaml" "$D/dynamics.mesh4.yaml" > "$T/both.yaml"
"$BIN" run "$T/both.yaml" --ticks 250 --out "$T/both" --quiet
check "a file with its own architecture: runs without --chip" "[ $? -eq 0 ]"
"$BIN" sanafe check "$D/cases/dynamics_mesh4_250/expected.json" "$T/both/sanafe.json" --latency-exact --quiet > /dev/null
check "... and matches SANA-FE's run of the two files" "[ $? -eq 0 ]"

# refusals
expect_fail() { # name, status, message, command...
  local name=$1 want=$2 msg=$3
  shift 3
  "$@" > "$T/err.txt" 2>&1
  local st=$?
  if [ $st -eq "$want" ] && grep -q -- "$msg" "$T/err.txt"; then ok "$name"; else bad "$name (status $st: $(head -2 "$T/err.txt"))"; fi
}
expect_fail "no --ticks" 2 "give the number of steps with --ticks N" "$BIN" run "$D/rrnet.mesh4.yaml" --chip "$D/mesh4.yaml"
expect_fail "bad --timing" 2 "expected detailed or simple" "$BIN" run "$D/rrnet.mesh4.yaml" --chip "$D/mesh4.yaml" --ticks 3 --timing fast
expect_fail "an option of our own runs" 2 "'--threads' is not an option of SANA-FE runs" "$BIN" run "$D/rrnet.mesh4.yaml" --chip "$D/mesh4.yaml" --ticks 3 --threads 2
expect_fail "no architecture" 2 "has no architecture: section; give the chip with --chip" "$BIN" run "$D/rrnet.mesh4.yaml" --ticks 3 --out "$T/x"
expect_fail "a missing chip file" 2 "nosuch.yaml" "$BIN" run "$D/rrnet.mesh4.yaml" --chip "$T/nosuch.yaml" --ticks 3 --out "$T/x"
expect_fail "a spikemesh network on a SANA-FE chip" 2 "a SANA-FE architecture needs a SANA-FE network file" "$BIN" run "$SRC/tools/examples/synfire.json" --chip "$D/mesh4.yaml" --ticks 3
printf 'network:\n  name: x\n  groups: [{name: a, neurons: [0]}]\n  edges: []\nmappings:\n  - a: {core: 99.0}\n' > "$T/far.yaml"
expect_fail "a mapping to a missing tile names file and line" 2 "far.yaml:6: core: tile 99 does not exist" "$BIN" run "$T/far.yaml" --chip "$D/mesh4.yaml" --ticks 3 --out "$T/x"
# the checker
py "
import json
d = json.load(open('$D/cases/convnet_mesh4_200/expected.json'))
d['per_step']['packets'][17] += 1
json.dump(d, open('$T/off.json', 'w'))
d = json.load(open('$D/cases/convnet_mesh4_200/expected.json'))
d['arch'] = 'arch/loihi.yaml'
json.dump(d, open('$T/upstream.json', 'w'))
"
expect_fail "check: a packet too many on one step fails" 1 "FAIL per_step.packets .*first step 18" "$BIN" sanafe check "$T/off.json" "$T/$(basename "$(dirname "$D/cases/convnet_mesh4_200/expected.json")")/sanafe.json"
expect_fail "check: SANA-FE's own files need --sanafe" 2 "give --sanafe DIR" "$BIN" sanafe check "$T/upstream.json" --set "$D"
"$BIN" sanafe check --help | grep -q "usage: spikemesh sanafe check" && ok "sanafe check --help" || bad "sanafe check --help"
"$BIN" run "$D/rrnet.mesh4.yaml" --help | grep -q "usage: spikemesh run NET.yaml" && ok "run NET.yaml --help" || bad "run NET.yaml --help"

echo "e2e_sanafe: $pass passed, $fail failed"
[ $fail -eq 0 ]
