#!/usr/bin/env bash
# End-to-end: a chip's cost is a function of the chip and the network's
# activity, never of the engine or the thread count (docs/chips.md): energy,
# chip time and the per-tick series (ticks.csv) bit for bit between --engine
# event and dense (but for the neuron updates each engine performs, column 4)
# and between --threads 1 and 2, on every built-in chip, for
# networks whose spikes the two engines agree on, CUBA's among them (its
# self-driven neurons are stepped every tick by both). A fixed-tick chip
# given another dt warns.
# usage: e2e_chipcost.sh SPIKEMESH SOURCE_DIR [GOLDEN_DIR]
set -u
BIN=$1
SRC=$2
EX=$SRC/tools/examples
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
check() { if eval "$2"; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; fi; }
# stats.json's cost: energy (every figure), chip time, and the counters it prices
cost() { python3 -c "
import json, sys
d = json.load(open(sys.argv[1])); t = d['totals']
print(json.dumps({'energy': d['energy'], 'chip': d['chip_seconds_per_tick'],
                  'counts': [t[k] for k in ('spikes', 'synaptic_events', 'active_neuron_updates',
                                            'dense_neuron_updates', 'packets', 'hops',
                                            'events_received')]},
                 sort_keys=True))" "$1"; }

for chip in loihi truenorth spinnaker; do
  for net in feedforward synfire sheet; do
    for run in event:1 event:2 dense:1 dense:2; do
      "$BIN" run "$EX/$net.json" --chip $chip --engine ${run%:*} --threads ${run#*:} --ticks 300 \
          --out "$T/$net-$chip-${run%:*}-${run#*:}" --quiet 2>/dev/null
    done
    base=$T/$net-$chip-event-1
    check "$net on $chip: the engines agree on the spikes" "cmp -s $base/spikes.csv $T/$net-$chip-dense-1/spikes.csv"
    for other in event-2 dense-1 dense-2; do
      check "$net on $chip: energy and chip time of event-1 = $other, bit for bit" \
          "[ \"\$(cost $base/stats.json)\" = \"\$(cost $T/$net-$chip-$other/stats.json)\" ]"
      if [ "${other%-*}" = event ]; then
        check "$net on $chip: ticks.csv of event-1 = $other" "cmp -s $base/ticks.csv $T/$net-$chip-$other/ticks.csv"
      else
        # the engines differ in the neuron updates they perform (column 4), only
        check "$net on $chip: ticks.csv of event-1 = $other but for neuron_updates" \
            "[ \"\$(cut -d, -f1-3,5- $base/ticks.csv)\" = \"\$(cut -d, -f1-3,5- $T/$net-$chip-$other/ticks.csv)\" ]"
      fi
    done
  done
done

# over two worker processes: the same cost and the same per-tick series
"$BIN" run "$EX/sheet.json" --chip loihi --ticks 300 --workers 2 --out "$T/sheet-loihi-w2" --quiet 2>/dev/null
check "sheet on loihi: energy and chip time over 2 workers = 1 thread" \
    "[ \"\$(cost $T/sheet-loihi-event-1/stats.json)\" = \"\$(cost $T/sheet-loihi-w2/stats.json)\" ]"
check "sheet on loihi: ticks.csv over 2 workers = 1 thread" "cmp -s $T/sheet-loihi-event-1/ticks.csv $T/sheet-loihi-w2/ticks.csv"

# under another mapping: the counts that do not depend on where neurons sit
"$BIN" run "$EX/sheet.json" --chip loihi --ticks 300 --strategy sequential --out "$T/sheet-loihi-seq" --quiet 2>/dev/null
check "sheet on loihi: per-tick spikes, synaptic events and updates the same under sequential mapping" \
    "[ \"\$(cut -d, -f1-5 $T/sheet-loihi-event-1/ticks.csv)\" = \"\$(cut -d, -f1-5 $T/sheet-loihi-seq/ticks.csv)\" ]"
check "sheet on loihi: sequential mapping takes more hops (the column is the mapping's)" \
    "python3 -c \"import csv; h=lambda d: sum(int(r['hops']) for r in csv.DictReader(open(d + '/ticks.csv'))); exit(0 if h('$T/sheet-loihi-seq') > h('$T/sheet-loihi-event-1') else 1)\""

# ticks.csv adds up to the run's counters, and its energy to the total
check "ticks.csv sums to stats.json (sheet on loihi)" "python3 -c \"
import csv, json, math
d = json.load(open('$T/sheet-loihi-event-1/stats.json')); t = d['totals']
rows = list(csv.DictReader(open('$T/sheet-loihi-event-1/ticks.csv')))
assert len(rows) == 300 and [int(r['tick']) for r in rows] == list(range(300))
s = lambda k: sum(int(r[k]) for r in rows)
assert s('spikes') == t['spikes'] and s('packets') == t['packets'] and s('hops') == t['hops']
assert s('active_updates') == t['active_neuron_updates'] and s('neuron_updates') == t['neuron_updates']
assert s('active_updates') + s('inactive_updates') == t['dense_neuron_updates']
assert s('synaptic_events') == t['synaptic_events']
e = sum(float(r['energy_total_j']) for r in rows)
assert math.isclose(e, t['energy_joules'], rel_tol=1e-6), (e, t['energy_joules'])
assert all(float(r['chip_ns']) >= float(r['busiest_core_ns']) > 0 for r in rows)
\""

# CUBA, the issue's own command (all 10,000 ticks): its neurons rest above
# threshold, so both engines step them every tick (docs/engine.md) and the
# cost is the same bit for bit (before: 23,323 against 23,346 spikes, and
# the energy 0.002% apart on loihi)
for chip in loihi truenorth spinnaker; do
  for en in event dense; do
    "$BIN" run "$EX/cuba.json" --chip $chip --engine $en --out "$T/cuba-$chip-$en" --quiet 2>"$T/cuba-$chip-$en.err"
  done
  # two threads: rows split between the shards (row events for each part)
  "$BIN" run "$EX/cuba.json" --chip $chip --threads 2 --out "$T/cuba-$chip-event2" --quiet 2>/dev/null
  check "cuba on $chip: the engines agree on the spikes" "cmp -s $T/cuba-$chip-event/spikes.csv $T/cuba-$chip-dense/spikes.csv"
  check "cuba on $chip: energy and chip time of event = dense, bit for bit" \
      "[ \"\$(cost $T/cuba-$chip-event/stats.json)\" = \"\$(cost $T/cuba-$chip-dense/stats.json)\" ]"
  check "cuba on $chip: energy, chip time and counts of 2 threads = 1, bit for bit" \
      "[ \"\$(cost $T/cuba-$chip-event/stats.json)\" = \"\$(cost $T/cuba-$chip-event2/stats.json)\" ] && cmp -s $T/cuba-$chip-event/spikes.csv $T/cuba-$chip-event2/spikes.csv"
done
check "cuba on loihi: time per tick includes the neuron updates (> 5 us)" \
    "python3 -c \"import json; d=json.load(open('$T/cuba-loihi-event/stats.json')); exit(0 if d['energy']['busy_ns_per_tick'] > 5000 else 1)\""
check "cuba (dt 0.1 ms) on spinnaker (1 ms tick): warned on stderr" "grep -q \"WARNING: chip 'spinnaker' steps a fixed 1 ms tick but the network's dt is 0.1 ms\" $T/cuba-spinnaker-event.err"
check "cuba on spinnaker: warning and real-time factor 0.1 in stats.json" \
    "python3 -c \"import json; e=json.load(open('$T/cuba-spinnaker-event/stats.json'))['energy']; exit(0 if 'dt is 0.1 ms' in e['warning'] and abs(e['realtime_factor'] - 0.1) < 1e-12 else 1)\""
check "cuba on loihi (no fixed tick): no warning" \
    "python3 -c \"import json; e=json.load(open('$T/cuba-loihi-event/stats.json'))['energy']; exit(0 if 'warning' not in e else 1)\""
check "feedforward (dt 1 ms) on truenorth: no warning, real time" \
    "python3 -c \"import json; e=json.load(open('$T/feedforward-truenorth-event-1/stats.json'))['energy']; exit(0 if 'warning' not in e and e['realtime_factor'] == 1 else 1)\""
"$BIN" plot "$T/sheet-loihi-event-1" > /dev/null 2>&1
check "plot draws ticks.svg from ticks.csv" "grep -q 'from ticks.csv' $T/sheet-loihi-event-1/ticks.svg"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
