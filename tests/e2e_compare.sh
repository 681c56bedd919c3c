#!/usr/bin/env bash
# End-to-end runs of `spikemesh compare`: a network in float against the same
# network on a fixed-point chip. compare.json's numbers are recomputed here
# from two separate `spikemesh run`s; 4-bit weights part further from float
# than 8-bit; NIR batches with labels; refusals.
# usage: e2e_compare.sh SPIKEMESH SOURCE_DIR [GOLDEN_DIR]
set -u
BIN=$1
SRC=$2
EX=$SRC/tools/examples
D=$SRC/tests/data/nir
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

# A python3 with numpy (Debian's python3-numpy), the one on PATH first.
PY=
for p in python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c "import numpy" 2>/dev/null; then PY=$p; break; fi
done
if [ -z "$PY" ]; then
  echo "FAIL no python3 with numpy (Debian: apt-get install python3-numpy)"
  exit 1
fi

# What compare.json must say of two run directories, recomputed from their
# spikes.csv and stats.json: counts, shared and one-run-only (tick, neuron)
# events, rates, first differing tick, accuracy and agreement.
cat > "$T/expect.py" <<'PY'
import collections, json, math, sys
fdir, cdir, cmp_path = sys.argv[1:4]
def load(d):
    st = json.load(open(d + "/stats.json"))
    rows = [l.rstrip("\n").split(",") for l in open(d + "/spikes.csv")]
    head, rows = rows[0], rows[1:]
    T = st.get("nir", {}).get("ticks_per_sample", st["ticks"])
    ev = collections.defaultdict(collections.Counter)
    for r in rows:
        if head[0] == "sample":
            b, t, p, i = int(r[0]), int(r[1]), r[2], int(r[3])
        else:
            b, (t, p, i) = 0, (int(r[0]), r[1], int(r[2]))
        ev[p][(b * T + t, i)] += 1
    return st, ev, T
fs, fe, T = load(fdir)
cs, ce, _ = load(cdir)
c = json.load(open(cmp_path))
assert c["ticks"] == fs["ticks"] and c["ticks_per_sample"] == T, (c["ticks"], fs["ticks"])
sec = fs["ticks"] * fs["dt_ms"] * 1e-3
tot = collections.Counter()
first_all = None
for k, pop in enumerate(fs["populations"]):
    name, n = pop["name"], pop["size"]
    e = c["populations"][k]
    assert e["name"] == name and e["size"] == n, (e["name"], name)
    a, b = fe[name], ce[name]
    shared = sum((a & b).values())
    only_f, only_c = sum((a - b).values()), sum((b - a).values())
    nf, nc = sum(a.values()), sum(b.values())
    assert nf == pop["spikes"] and nc == cs["populations"][k]["spikes"], name
    diffs = [t for t, _ in (a - b) + (b - a)]
    first = min(diffs) if diffs else None
    want = {"spikes_float": nf, "spikes_chip": nc, "difference": nc - nf, "shared": shared,
            "only_float": only_f, "only_chip": only_c, "distance": only_f + only_c,
            "first_divergence_tick": None if first is None else first % T}
    for key, v in want.items():
        assert e[key] == v, (name, key, e[key], v)
    per = collections.Counter()
    for (t, i), m in a.items():
        per[i] += m
    for (t, i), m in b.items():
        per[i] -= m
    close = lambda x, y: math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)
    assert close(e["rate_float_hz"], nf / n / sec) and close(e["rate_chip_hz"], nc / n / sec), name
    assert close(e["mean_abs_neuron_rate_difference_hz"], sum(abs(v) for v in per.values()) / n / sec), name
    assert close(e["normalised_distance"], (only_f + only_c) / (nf + nc) if nf + nc else 0), name
    if nf:
        assert close(e["relative_difference"], (nc - nf) / nf), name
    tot.update(spikes_float=nf, spikes_chip=nc, shared=shared, distance=only_f + only_c)
    if first is not None and (first_all is None or first < first_all):
        first_all = first
for key, v in tot.items():
    assert c["totals"][key] == v, ("totals", key, c["totals"][key], v)
assert c["totals"]["first_divergence_tick"] == (None if first_all is None else first_all % T)
nf, nc = fs.get("nir", {}), cs.get("nir", {})
if "predictions" in nf:
    agree = sum(x == y for x, y in zip(nf["predictions"], nc["predictions"]))
    cl = c["classification"]
    assert cl["agreeing"] == agree and cl["samples"] == nf["samples"], (cl, agree)
    if "accuracy" in nf:
        assert cl["accuracy_float"] == nf["accuracy"] and cl["accuracy_chip"] == nc["accuracy"], cl
        assert cl["correct_float"] == nf["correct"] and cl["correct_chip"] == nc["correct"], cl
print("compare.json matches the two runs:", c["totals"]["spikes_float"], "->",
      c["totals"]["spikes_chip"], "spikes, distance", c["totals"]["distance"])
PY

"$BIN" compare --help | grep -q "usage: spikemesh compare" && ok "compare --help" || bad "compare --help"
"$BIN" --help | grep -q "compare" && ok "--help lists compare" || bad "--help lists compare"

# feedforward on loihi (8-bit weights) and on a 4-bit Loihi.
printf '{"base": "loihi", "name": "loihi4", "precision": {"weight_bits": 4}}\n' > "$T/loihi4.json"
"$BIN" compare "$EX/feedforward.json" --chip loihi --out "$T/c8" > "$T/c8.txt" 2>&1
check "feedforward on loihi: exits 0" "[ $? -eq 0 ]"
check "feedforward on loihi: table printed" "grep -q '^  hidden1 ' $T/c8.txt && grep -q '^  all ' $T/c8.txt"
check "feedforward on loihi: compare.json and both runs written" \
  "[ -s $T/c8/compare.json ] && [ -s $T/c8/float/spikes.csv ] && [ -s $T/c8/chip/stats.json ]"
check "no temporary files left" "[ -z \"\$(ls -A $T/c8 | grep tmp)\" ]"
"$BIN" compare "$EX/feedforward.json" --chip "$T/loihi4.json" --out "$T/c4" --threads 1 --quiet > "$T/c4.txt" 2>&1
check "feedforward on loihi4: exits 0, quiet" "[ $? -eq 0 ] && [ ! -s $T/c4.txt ]"

# Two separate runs give what compare reports.
"$BIN" run "$EX/feedforward.json" --out "$T/f" --quiet
"$BIN" run "$EX/feedforward.json" --chip loihi --out "$T/q8" --quiet
"$BIN" run "$EX/feedforward.json" --chip "$T/loihi4.json" --out "$T/q4" --quiet
check "compare's float run is a plain run" "cmp -s $T/f/spikes.csv $T/c8/float/spikes.csv"
check "compare's chip run is a run --chip loihi" "cmp -s $T/q8/spikes.csv $T/c8/chip/spikes.csv"
check "8-bit: compare.json = the numbers of two separate runs" "$PY $T/expect.py $T/f $T/q8 $T/c8/compare.json"
check "4-bit: compare.json = the numbers of two separate runs" "$PY $T/expect.py $T/f $T/q4 $T/c4/compare.json"
check "the recomputation notices a report of other runs" "! $PY $T/expect.py $T/f $T/q4 $T/c8/compare.json > /dev/null 2>&1"
check "4-bit weights differ from 8-bit, and part further from float" "$PY -c \"
import json
c8 = json.load(open('$T/c8/compare.json')); c4 = json.load(open('$T/c4/compare.json'))
assert c8['weight_bits'] == 8 and c4['weight_bits'] == 4
p8 = {p['name']: p for p in c8['populations']}; p4 = {p['name']: p for p in c4['populations']}
assert p8['input']['distance'] == 0 and p8['input']['first_divergence_tick'] is None
assert p8['hidden1']['quantised'] and not p8['readout']['quantised'] and 'kept float' in p8['readout']['note']
for n in ('hidden1', 'hidden2'):
    assert p8[n]['distance'] > 0 and p4[n]['distance'] > 0, n
    assert p4[n]['spikes_chip'] != p8[n]['spikes_chip'], n
    assert p4[n]['spikes_float'] == p8[n]['spikes_float'], n
assert c4['totals']['normalised_distance'] > c8['totals']['normalised_distance'], (c4['totals'], c8['totals'])
assert c8['quantisation']['weight_bits'] == 8 and len(c8['quantisation']['projections']) == 2
\""

# A NIR batch with labels: accuracy of each and their agreement.
"$PY" - "$D" "$T" <<'PY'
import sys, numpy as np
d, t = sys.argv[1], sys.argv[2]
x = np.load(f"{d}/paper_braille_subtract.expected.npz")["input"]
np.save(f"{t}/br4.npy", np.concatenate([x, x[::-1], x[:, :, ::-1], x], axis=1))
open(f"{t}/br4.txt", "w").write("0\n1\n2\n3\n")
PY
P=paper_braille_subtract
NIRARGS=(--nir-conventions "$D/$P.side.json" --input "$T/br4.npy" --labels "$T/br4.txt")
"$BIN" compare "$D/$P.nir" "${NIRARGS[@]}" --chip loihi --out "$T/nc" > "$T/nc.txt" 2>&1
check "NIR batch: exits 0" "[ $? -eq 0 ]"
check "NIR batch: accuracy and agreement printed" "grep -q 'accuracy: float' $T/nc.txt && grep -q 'predictions agree on' $T/nc.txt"
"$BIN" run "$D/$P.nir" "${NIRARGS[@]}" --out "$T/nf" --quiet
"$BIN" run "$D/$P.nir" "${NIRARGS[@]}" --chip loihi --out "$T/nq" --quiet
check "NIR run --chip loihi computes in Loihi's integers" \
  "$PY -c \"import json,sys; q=json.load(open('$T/nq/stats.json'))['quantisation']; sys.exit(not all(p['quantised'] for p in q['populations']))\""
check "NIR batch: compare.json = the numbers of two separate runs" "$PY $T/expect.py $T/nf $T/nq $T/nc/compare.json"
check "NIR batch: the chip parts from float, sample and tick named" "$PY -c \"
import json
c = json.load(open('$T/nc/compare.json'))
assert c['samples'] == 4 and c['totals']['distance'] > 0 and c['totals']['first_divergence_sample'] is not None
assert c['classification']['labelled'] and 0 <= c['classification']['agreement'] <= 1
\""

# Nothing the chip can quantise (a leaky integrator): the runs are the same,
# and compare says so.
cat > "$T/li.json" <<'JSON'
{"simulation": {"ticks": 200},
 "populations": [
  {"name": "in", "size": 4, "source": {"kind": "poisson", "rate_hz": 100, "seed": 3}},
  {"name": "readout", "size": 2, "model": "li", "params": {"tau_mem_inv": 100, "tau_syn_inv": 200}}],
 "projections": [{"source": "in", "target": "readout", "connectivity": {"kind": "all_to_all"}, "weight": 0.5}]}
JSON
"$BIN" compare "$T/li.json" --chip loihi --out "$T/nn" > "$T/nn.txt" 2>&1
check "a leaky integrator on loihi: kept float, no difference" \
  "grep -q 'the two runs compute the same' $T/nn.txt && $PY -c \"import json,sys; c=json.load(open('$T/nn/compare.json')); p=c['populations'][1]; sys.exit(c['totals']['distance'] != 0 or c['totals']['first_divergence_tick'] is not None or p['quantised'] or 'never spikes' not in p['note'])\""
# A norse graph (a LIFBox cell) is quantised: compared, the spikes happen to agree.
N=paper_lif_norse
"$PY" -c "import numpy as np; np.save('$T/norse.npy', np.load('$D/$N.expected.npz')['input'])"
"$BIN" compare "$D/$N.nir" --nir-conventions "$D/$N.side.json" --input "$T/norse.npy" --chip loihi \
  --out "$T/nz" --quiet
check "norse graph on loihi: quantised, compared" \
  "$PY -c \"import json,sys; c=json.load(open('$T/nz/compare.json')); sys.exit(not c['populations'][1]['quantised'])\""

# Refusals: exit 2, a clear line, nothing written.
refused() {  # name, expected message, command...
  local name=$1 want=$2
  shift 2
  "$@" > "$T/ref.txt" 2>&1
  local st=$?
  check "$name: refused (exit 2)" "[ $st -eq 2 ]"
  check "$name: says '$want'" "grep -qF -e \"$want\" $T/ref.txt"
}
refused "a float chip" "computes in float" "$BIN" compare "$EX/feedforward.json" --chip truenorth --out "$T/x1"
check "a float chip: nothing written" "[ ! -e $T/x1 ]"
refused "no chip" "--chip CHIP is required" "$BIN" compare "$EX/feedforward.json" --out "$T/x2"
refused "unknown option" "unknown option '--tiks' (did you mean" "$BIN" compare "$EX/feedforward.json" --chip loihi --tiks 5
refused "bad ticks" "--ticks" "$BIN" compare "$EX/feedforward.json" --chip loihi --ticks -5
refused "unknown chip" "nochip" "$BIN" compare "$EX/feedforward.json" --chip nochip --out "$T/x3"
refused "a bad network" "compare: the float run" "$BIN" compare "$T/loihi4.json" --chip loihi --out "$T/x4"

# A failed comparison keeps what the directory held, and says so.
cp "$T/c8/compare.json" "$T/c8.keep"
"$BIN" compare "$T/loihi4.json" --chip loihi --out "$T/c8" > /dev/null 2>&1
check "a failed comparison: INCOMPLETE, the earlier compare.json intact" \
  "[ -s $T/c8/INCOMPLETE ] && cmp -s $T/c8/compare.json $T/c8.keep"
"$BIN" compare "$EX/feedforward.json" --chip loihi --ticks 50 --out "$T/c8" --quiet
check "the next comparison removes INCOMPLETE" "[ ! -e $T/c8/INCOMPLETE ] && ! cmp -s $T/c8/compare.json $T/c8.keep"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
