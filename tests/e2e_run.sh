#!/usr/bin/env bash
# End-to-end runs of `spikemesh run`: outputs, determinism across threads,
# event vs dense, chips and mappings, and refusal of bad options.
# usage: e2e_run.sh SPIKEMESH SOURCE_DIR [GOLDEN_DIR]
set -u
BIN=$1
SRC=$2
EX=$SRC/tools/examples
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
# stats.json without the wall time, which alone may differ between runs
strip() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); [d.pop(k, None) for k in ('wall_seconds', 'sync_wait_seconds_per_tick', 'run_cpu_seconds')]; print(json.dumps(d, sort_keys=True))" "$1"; }

"$BIN" run --help | grep -q "usage: spikemesh run" && ok "run --help" || bad "run --help"
"$BIN" --help | grep -q "conform" && ok "--help lists commands" || bad "--help lists commands"

for ex in synfire feedforward; do
  "$BIN" run "$EX/$ex.json" --threads 1 --out "$T/$ex-1" > "$T/$ex-1.txt" 2>&1
  check "$ex: run exits 0" "[ $? -eq 0 ]"
  check "$ex: summary printed" "grep -q 'neuron updates' $T/$ex-1.txt"
  check "$ex: spikes.csv header" "head -1 $T/$ex-1/spikes.csv | grep -qx 'tick,population,index'"
  check "$ex: spikes.csv sorted by tick" "tail -n +2 $T/$ex-1/spikes.csv | cut -d, -f1 | sort -n -c"
  check "$ex: no temporary files left" "[ -z \"\$(ls $T/$ex-1 | grep tmp)\" ]"
  for th in 2 4; do
    "$BIN" run "$EX/$ex.json" --threads $th --neurons-per-core 32 --out "$T/$ex-$th" --quiet
    "$BIN" run "$EX/$ex.json" --threads 1 --neurons-per-core 32 --out "$T/$ex-1b" --quiet
    check "$ex: spikes identical with $th threads" "cmp -s $T/$ex-1/spikes.csv $T/$ex-$th/spikes.csv"
    check "$ex: traces identical with $th threads" "cmp -s $T/$ex-1/traces.csv $T/$ex-$th/traces.csv"
    check "$ex: stats identical with $th threads" "[ \"\$(strip $T/$ex-1b/stats.json)\" = \"\$(strip $T/$ex-$th/stats.json)\" ]"
  done
  "$BIN" run "$EX/$ex.json" --engine dense --out "$T/$ex-dense" --quiet
  check "$ex: dense engine gives the same spikes" "cmp -s $T/$ex-1/spikes.csv $T/$ex-dense/spikes.csv"
  # the per-tick series, without a chip: written, adding up to stats.json
  check "$ex: ticks.csv written and named in the summary" "[ -s $T/$ex-1/ticks.csv ] && grep -q 'stats.json, ticks.csv' $T/$ex-1.txt"
  check "$ex: ticks.csv adds up to stats.json (event, dense, threads)" "python3 $SRC/tests/ticks_check.py $T/$ex-1 $T/$ex-dense $T/$ex-1b $T/$ex-2 $T/$ex-4"
  check "$ex: ticks.csv identical with 2 and 4 threads" "cmp -s $T/$ex-1b/ticks.csv $T/$ex-2/ticks.csv && cmp -s $T/$ex-1b/ticks.csv $T/$ex-4/ticks.csv"
  check "$ex: ticks.csv of event and dense differ in neuron_updates only" \
      "[ \"\$(cut -d, -f1-3,5- $T/$ex-1/ticks.csv)\" = \"\$(cut -d, -f1-3,5- $T/$ex-dense/ticks.csv)\" ] && ! cmp -s $T/$ex-1/ticks.csv $T/$ex-dense/ticks.csv"
done
"$BIN" plot "$T/feedforward-1" > /dev/null 2>&1
check "plot draws ticks.svg from ticks.csv of a run without a chip" "grep -q 'from ticks.csv' $T/feedforward-1/ticks.svg"
# A long run's series is part of its memory estimate: refused with the figure, never allocated silently.
printf '%s' '{"simulation": {"ticks": 10}, "populations": [{"name": "a", "size": 4, "model": "lif", "params": {"beta": 0.9, "bias": 0.2}}]}' > "$T/tiny.json"
"$BIN" run "$T/tiny.json" --ticks 10000000 --max-memory 100M --out "$T/long" > "$T/long.txt" 2>&1
check "10^7 ticks under --max-memory 100M: refused (exit 2) with the series' estimate" \
    "[ \$? -eq 2 ] && grep -q 'per-tick series 534 MiB' $T/long.txt && [ ! -e $T/long ]"

# Chips: traffic-aware mapping against sequential, same spikes, fewer hops.
for chip in loihi truenorth; do
  for s in sequential metis; do
    "$BIN" run "$EX/sheet.json" --chip $chip --strategy $s --out "$T/sheet-$chip-$s" --quiet
  done
  check "sheet on $chip: identical spikes under both mappings" "cmp -s $T/sheet-$chip-sequential/spikes.csv $T/sheet-$chip-metis/spikes.csv"
  check "sheet on $chip: metis cuts hops by >= 30%" "python3 -c \"import json; a=json.load(open('$T/sheet-$chip-sequential/stats.json'))['totals']['hops']; b=json.load(open('$T/sheet-$chip-metis/stats.json'))['totals']['hops']; print('$chip hops', a, '->', b); exit(0 if b <= 0.7*a else 1)\""
  check "sheet on $chip: energy in stats.json" "python3 -c \"import json; d=json.load(open('$T/sheet-$chip-metis/stats.json')); exit(0 if d['totals']['energy_joules'] > 0 and 'chip_seconds_per_tick' in d else 1)\""
done
# The Loihi energy of a real run, by hand: counts times the published pJ
# (Davies et al. 2018): 23.6 pJ per synaptic op, 81 / 52 pJ per active /
# inactive neuron update, 1.7 pJ per spike, 3.0 / 4.0 pJ per east-west /
# north-south hop.
check "loihi energy = counts x pJ (by hand)" "python3 -c \"
import json, math
d = json.load(open('$T/sheet-loihi-metis/stats.json')); t = d['totals']; e = d['energy']
want = {'synaptic': t['synaptic_events'] * 23.6e-12,
        'neuron_update': t['active_neuron_updates'] * 81e-12 + (t['dense_neuron_updates'] - t['active_neuron_updates']) * 52e-12,
        'spike': t['spikes'] * 1.7e-12,
        'routing': e['hops_east_west'] * 3.0e-12 + e['hops_north_south'] * 4.0e-12}
assert e['hops_east_west'] + e['hops_north_south'] == t['hops']
for k, v in want.items():
    assert math.isclose(e[k], v, rel_tol=1e-9), (k, e[k], v)
assert math.isclose(t['energy_joules'], sum(want.values()) + e['static'], rel_tol=1e-9)
\""
# Pictures of a real run: four SVG files, each a well-formed document with content.
"$BIN" plot "$T/sheet-loihi-metis" > /dev/null
check "plot of a real run writes raster, cores, links, energy SVGs" "python3 -c \"
import xml.etree.ElementTree as ET
for n in ('raster', 'cores', 'links', 'energy'):
    root = ET.parse('$T/sheet-loihi-metis/%s.svg' % n).getroot()
    assert root.tag.endswith('svg') and len(list(root.iter())) > 10, n
\""
"$BIN" map "$EX/sheet.json" --chip loihi --out "$T/map.json" > /dev/null
"$BIN" run "$EX/sheet.json" --chip loihi --mapping "$T/map.json" --out "$T/sheet-file" --quiet
check "run --mapping FILE reproduces the spikes" "cmp -s $T/sheet-loihi-metis/spikes.csv $T/sheet-file/spikes.csv"

# A fixed-point chip computes in its integers: feedforward quantised with 8-bit
# and 4-bit weights, the loss reported in the summary and in stats.json.
printf '{"base": "loihi", "name": "loihi4", "precision": {"weight_bits": 4}}\n' > "$T/loihi4.json"
"$BIN" run "$EX/feedforward.json" --chip loihi --out "$T/ff-q8" > "$T/ff-q8.txt"
"$BIN" run "$EX/feedforward.json" --chip "$T/loihi4.json" --out "$T/ff-q4" > "$T/ff-q4.txt"
check "--chip loihi quantises: summary says so" "grep -q 'arithmetic: loihi, fixed point: 2 of 3 populations as loihi_lif' $T/ff-q8.txt && grep -q 'projections\[0\] input -> hidden1' $T/ff-q8.txt"
check "4-bit weights give other spikes than 8-bit" "! cmp -s $T/ff-q8/spikes.csv $T/ff-q4/spikes.csv"
check "stats.json reports the loss per projection, larger with 4 bits" "python3 -c \"
import json
q8 = json.load(open('$T/ff-q8/stats.json'))['quantisation']
q4 = json.load(open('$T/ff-q4/stats.json'))['quantisation']
assert q8['weight_bits'] == 8 and q4['weight_bits'] == 4
for a, b in zip(q8['projections'], q4['projections']):
    assert b['mean_relative_error'] > a['mean_relative_error'] > 0, (a, b)
    assert {'scale', 'clipped', 'zeroed', 'max_relative_error'} <= set(a)
assert [p['quantised'] for p in q8['populations']] == [True, True, False]
\""

# Bad options and a network too big for the chip: clear error, exit 2, nothing written.
"$BIN" run "$EX/synfire.json" --engine warp --out "$T/x1" 2> "$T/err1"
check "unknown engine refused" "[ $? -eq 2 ] && grep -q 'warp' $T/err1 && [ ! -e $T/x1 ]"
"$BIN" run "$EX/synfire.json" --threads many --out "$T/x2" 2> "$T/err2"
check "bad thread count refused" "[ $? -eq 2 ] && grep -q 'many' $T/err2"
"$BIN" run "$EX/cuba.json" --mesh 2x2 --out "$T/x3" 2> "$T/err3"
check "network too big for the mesh refused" "[ $? -eq 2 ] && grep -q 'cores' $T/err3 && [ ! -e $T/x3 ]"
"$BIN" run "$EX/cuba.json" --chip "$SRC/tests/data/tiny_chip.json" --out "$T/x4" 2> "$T/err4"
check "network too big for the chip refused with the reason" "[ $? -eq 2 ] && grep -q 'exc' $T/err4 && [ ! -e $T/x4 ]"
# An existing good output survives a failed run.
mkdir -p "$T/keep" && cp "$T/synfire-1/spikes.csv" "$T/keep/"
"$BIN" run "$EX/cuba.json" --mesh 1x1 --out "$T/keep" 2>/dev/null
check "a failed run leaves earlier outputs intact" "cmp -s $T/synfire-1/spikes.csv $T/keep/spikes.csv"

# Recording: whole populations, indices and ranges, a sampling interval; the
# traced values are those of a run that traces every tick.
"$BIN" run "$EX/feedforward.json" --record-v all --out "$T/rec-all" --quiet
"$BIN" run "$EX/feedforward.json" --record-v hidden1:2-4 --record-v readout --record-every 100 \
    --out "$T/rec-some" --quiet
check "--record-v/--record-every: the rows of every 100th tick, equal to a full trace's" "python3 -c \"
import csv
full = {(r['tick'], r['population'], r['index']): r for r in csv.DictReader(open('$T/rec-all/traces.csv'))}
rows = list(csv.DictReader(open('$T/rec-some/traces.csv')))
assert len(rows) == 20 * 13, len(rows)
assert {r['tick'] for r in rows} == {str(t) for t in range(0, 2000, 100)}
assert {(r['population'], r['index']) for r in rows} == {('hidden1', str(i)) for i in (2, 3, 4)} | {('readout', str(i)) for i in range(10)}
for r in rows:
    assert full[(r['tick'], r['population'], r['index'])] == r, r
assert len(full) == 2000 * 310
\""
printf '%s' '{"simulation": {"ticks": 50}, "populations": [{"name": "a", "size": 4, "model": "lif", "params": {"beta": 0.9, "bias": 0.2}}], "record": {"traces": [{"population": "a", "range": [1, 3]}, {"population": "a", "index": [0, 3]}], "every": 5}}' > "$T/rec.json"
"$BIN" run "$T/rec.json" --out "$T/rec-file" --quiet --workers 2 --neurons-per-core 2
check "record.traces ranges and lists, record.every, over 2 workers" "[ \$(wc -l < $T/rec-file/traces.csv) -eq 41 ] && awk -F, 'NR > 1 && \$1 % 5 { exit 1 }' $T/rec-file/traces.csv"
"$BIN" run "$EX/feedforward.json" --record-v input --out "$T/x5" 2> "$T/err5"
check "--record-v of a spike source refused" "[ \$? -eq 2 ] && grep -q \"'input' is a spike source\" $T/err5"
"$BIN" run "$EX/feedforward.json" --record-v hidden1:150-250 --out "$T/x6" 2> "$T/err6"
check "--record-v range beyond the population refused" "[ \$? -eq 2 ] && grep -q '0 to 199' $T/err6"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
