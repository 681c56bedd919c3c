#!/usr/bin/env bash
# End-to-end runs of NIR graphs: the reference cases of snnTorch, Norse and
# Sinabs against the libraries' outputs (tests/nir_check.py, the logic of the
# shared check.py), batches, labels, chips, and refusals.
# usage: e2e_nir.sh SPIKEMESH SOURCE_DIR [GOLDEN_DIR]
set -u
BIN=$1
SRC=$2
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

"$PY" "$SRC/tests/nir_check.py" "$BIN" "$D" > "$T/check.txt" 2>&1
st=$?
cat "$T/check.txt"
check "the 8 reference cases match their libraries" "[ $st -eq 0 ] && grep -qx '8 passed, 0 failed' $T/check.txt"

# Inputs of the cases: one sample, and three samples (0, 1, 0 again).
"$PY" - "$D" "$T" <<'PY'
import sys, numpy as np
d, t = sys.argv[1], sys.argv[2]
for name in ("sinabs_cnn_iaf", "snn_ff2_leaky_subtract", "paper_cnn_sinabs"):
    x = np.load(f"{d}/{name}.expected.npz")["input"]
    np.save(f"{t}/{name}.npy", x)
    y = np.concatenate([x, (x[::-1] if name != "paper_cnn_sinabs" else x[:, :, ::-1]), x], axis=1)
    np.save(f"{t}/{name}.b3.npy", y)
    np.save(f"{t}/{name}.flat.npy", x[:, 0].reshape(x.shape[0], -1).astype(np.float32))
open(f"{t}/labels.txt", "w").write("3\n1\n3\n")
PY

S=sinabs_cnn_iaf
"$BIN" run "$D/$S.nir" --nir-conventions "$D/$S.side.json" --input "$T/$S.npy" --out "$T/one" --quiet
check "one sample: spikes.csv as a JSON run's" "head -1 $T/one/spikes.csv | grep -qx 'tick,population,index'"
"$BIN" run "$D/$S.nir" --nir-conventions "$D/$S.side.json" --input "$T/$S.flat.npy" --out "$T/flat" --quiet
check "[T, features] float input: the same spikes" "cmp -s $T/one/spikes.csv $T/flat/spikes.csv"
"$BIN" run "$D/$S.nir" --nir-conventions "$D/$S.side.json" --input "$T/$S.b3.npy" --labels "$T/labels.txt" \
  --record-v all --out "$T/b3" > "$T/b3.txt" 2>&1
check "batch of 3: exits 0" "[ $? -eq 0 ]"
check "batch of 3: a sample column" "head -1 $T/b3/spikes.csv | grep -qx 'sample,tick,population,index'"
check "batch: sample 0 as the run of sample 0 alone" \
  "[ \"\$(grep '^0,' $T/b3/spikes.csv | cut -d, -f2-)\" = \"\$(tail -n +2 $T/one/spikes.csv)\" ]"
check "batch: sample 2 from the initial state again" \
  "[ \"\$(grep '^2,' $T/b3/spikes.csv | cut -d, -f2-)\" = \"\$(tail -n +2 $T/one/spikes.csv)\" ]"
check "batch: traces carry the sample" "head -1 $T/b3/traces.csv | grep -qx 'sample,tick,population,index,v,syn_exc,syn_inh'"
check "labels: accuracy printed" "grep -q 'accuracy' $T/b3.txt"
check "labels: confusion matrix in stats.json" \
  "$PY -c \"import json,sys; n=json.load(open('$T/b3/stats.json'))['nir']; sys.exit(not (len(n['confusion']) == 10 and n['samples'] == 3 and 0 <= n['accuracy'] <= 1 and sum(map(sum, n['confusion'])) == 3))\""
"$BIN" run "$D/$S.nir" --nir-conventions "$D/$S.side.json" --input "$T/$S.b3.npy" --engine event --threads 2 \
  --out "$T/b3e" --quiet
check "batch: event engine on 2 threads, the same spikes" "cmp -s $T/b3/spikes.csv $T/b3e/spikes.csv"
"$BIN" run "$D/$S.nir" --nir-conventions "$D/$S.side.json" --input "$T/$S.npy" --ticks 20 --out "$T/t20" --quiet
check "--ticks 20: a run of 20 ticks" "$PY -c \"import json,sys; sys.exit(json.load(open('$T/t20/stats.json'))['ticks'] != 20)\""
check "--ticks 20: the first 20 ticks of the full run" \
  "[ \"\$(awk -F, 'NR > 1 && \$1 < 20' $T/one/spikes.csv)\" = \"\$(tail -n +2 $T/t20/spikes.csv)\" ]"
"$BIN" run "$D/$S.nir" --nir-flavor sinabs --input "$T/$S.npy" --out "$T/flavor" --quiet
check "--nir-flavor alone runs" "[ $? -eq 0 ] && [ -s $T/flavor/spikes.csv ]"
"$BIN" run "$D/$S.nir" --nir-conventions "$D/$S.side.json" --input "$T/$S.npy" --record-spikes output \
  --out "$T/outonly" --quiet
check "--record-spikes output: the output layer only" "[ \"\$(tail -n +2 $T/outonly/spikes.csv | cut -d, -f2 | sort -u)\" = 8 ]"

# A chip: mapped under its limits, with energy.
P=paper_cnn_sinabs
"$BIN" run "$D/$P.nir" --nir-conventions "$D/$P.side.json" --input "$T/$P.npy" --chip loihi --out "$T/loihi" \
  > "$T/loihi.txt" 2>&1
check "paper CNN on --chip loihi: exits 0" "[ $? -eq 0 ]"
check "paper CNN on --chip loihi: energy in stats.json" \
  "$PY -c \"import json,sys; d=json.load(open('$T/loihi/stats.json')); sys.exit(not d['totals']['energy_joules'] > 0)\""
check "paper CNN on --chip loihi: computed in Loihi's integers (every layer loihi_lif)" \
  "$PY -c \"import json,sys; q=json.load(open('$T/loihi/stats.json'))['quantisation']; sys.exit(not (len(q['populations']) == 5 and all(p['quantised'] for p in q['populations'])))\""
"$BIN" run "$D/$P.nir" --nir-conventions "$D/$P.side.json" --input "$T/$P.npy" --out "$T/seq" --quiet
check "paper CNN on --chip loihi: other spikes than the float graph's" "! cmp -s $T/loihi/spikes.csv $T/seq/spikes.csv"
printf '{"base": "loihi", "name": "loihi_float", "precision": {"arithmetic": "float"}}\n' > "$T/loihi_float.json"
"$BIN" run "$D/$P.nir" --nir-conventions "$D/$P.side.json" --input "$T/$P.npy" --chip "$T/loihi_float.json" \
  --out "$T/lf" --quiet
check "paper CNN on a float Loihi: the same spikes as on the default mesh" "cmp -s $T/lf/spikes.csv $T/seq/spikes.csv"

"$BIN" map "$D/$P.nir" --nir-conventions "$D/$P.side.json" --chip loihi --out "$T/map.json" > "$T/map.txt" 2>&1
check "spikemesh map MODEL.nir: fits loihi" "[ $? -eq 0 ] && grep -q 'cores used' $T/map.txt"
"$BIN" run "$D/$P.nir" --nir-conventions "$D/$P.side.json" --input "$T/$P.npy" --chip loihi \
  --mapping "$T/map.json" --out "$T/mapped" --quiet
check "run --mapping from spikemesh map: the same spikes" "cmp -s $T/loihi/spikes.csv $T/mapped/spikes.csv"

# A fixed-point chip runs the graph quantised, as it runs a network file.
F=snn_ff2_leaky_subtract
"$BIN" run "$D/$F.nir" --nir-conventions "$D/$F.side.json" --input "$T/$F.npy" --chip loihi --record-v all --out "$T/fq" \
  > "$T/fq.txt" 2>&1
check "snnTorch graph on --chip loihi: exits 0" "[ $? -eq 0 ]"
check "snnTorch graph on --chip loihi: quantised, said in the summary" \
  "grep -q '2 of 2 populations as loihi_lif, 2 projections as 8-bit Dense' $T/fq.txt"
check "snnTorch graph on --chip loihi: stats.json's quantisation" \
  "$PY -c \"import json,sys; q=json.load(open('$T/fq/stats.json'))['quantisation']; sys.exit(not (q['chip'] == 'loihi' and [p['quantised'] for p in q['populations']] == [True, True] and len(q['projections']) == 2))\""
"$BIN" run "$D/$F.nir" --nir-conventions "$D/$F.side.json" --input "$T/$F.npy" --record-v all --out "$T/ffloat" --quiet
check "snnTorch graph on --chip loihi: the chip's membranes, not the float ones" \
  "[ \$(wc -l < $T/fq/traces.csv) -gt 100 ] && ! cmp -s $T/fq/traces.csv $T/ffloat/traces.csv && $PY -c \"import json,sys; sys.exit('quantisation' in json.load(open('$T/ffloat/stats.json')))\""
"$BIN" run "$D/$F.nir" --nir-conventions "$D/$F.side.json" --input "$T/$F.npy" --chip loihi --engine event \
  --threads 2 --out "$T/fqe" --quiet
check "quantised graph: event engine, the dense engine's spikes" "cmp -s $T/fq/spikes.csv $T/fqe/spikes.csv"

# The cost, estimated and held to the limits before anything is built.
"$BIN" run "$D/$F.nir" --nir-conventions "$D/$F.side.json" --input "$T/$F.npy" --max-memory 1000 \
  --out "$T/tiny" > "$T/tiny.txt" 2>&1
check "--max-memory 1000: refused with exit 2" "[ $? -eq 2 ]"
check "--max-memory 1000: the estimate in the message" "grep -q 'running it needs about .* more than the 1000 B' $T/tiny.txt"
check "--max-memory 1000: nothing written" "[ ! -e $T/tiny ]"
"$BIN" run "$D/$S.nir" --nir-conventions "$D/$S.side.json" --input "$T/$S.b3.npy" --record-v all \
  --max-output 100000 --out "$T/big" > "$T/big.txt" 2>&1
check "--max-output: traces.csv of every sample refused before the run" \
  "[ $? -eq 2 ] && grep -q 'traces.csv' $T/big.txt && [ ! -e $T/big ]"

"$BIN" run "$D/$P.nir" --nir-conventions "$D/$P.side.json" --input "$T/$P.npy" --max-spikes-per-tick 1 \
  --out "$T/ms1" > "$T/ms1.txt" 2>&1
check "--max-spikes-per-tick 1: a MultiSpike count of 2 refused with exit 2, naming the neuron" \
  "[ $? -eq 2 ] && grep -q 'neuron [0-9]* fired 2 spikes at tick' $T/ms1.txt && [ ! -e $T/ms1/spikes.csv ]"

"$BIN" run "$D/$S.nir" --nir-conventions "$D/$S.side.json" --input "$T/$S.b3.npy" --workers 2 \
  --neurons-per-core 128 --out "$T/w2" --quiet
check "batch on 2 worker processes: the same spikes" "[ $? -eq 0 ] && cmp -s $T/b3/spikes.csv $T/w2/spikes.csv"

# The per-tick series of every NIR run: a sample's, a batch's samples end to
# end (as their spikes), on a chip with its energy; the same over workers.
check "ticks.csv adds up to stats.json: one sample, a batch, 2 threads, 2 workers, loihi" \
  "python3 $SRC/tests/ticks_check.py $T/one $T/b3 $T/b3e $T/w2 $T/loihi $T/fq"
check "batch: ticks.csv holds every sample's ticks, sample 0's as the run of sample 0 alone" \
  "[ \$(wc -l < $T/b3/ticks.csv) -eq \$((3 * (\$(wc -l < $T/one/ticks.csv) - 1) + 1)) ] && [ \"\$(sed -n 2,\$(wc -l < $T/one/ticks.csv)p $T/b3/ticks.csv | cut -d, -f2-)\" = \"\$(tail -n +2 $T/one/ticks.csv | cut -d, -f2-)\" ]"
check "batch on 2 worker processes (another mapping): the same counts but packets and hops" \
  "[ \"\$(cut -d, -f1-6 $T/b3/ticks.csv)\" = \"\$(cut -d, -f1-6 $T/w2/ticks.csv)\" ]"

# Refusals, with the node and the field.
refused() {  # name, expected message, command...
  local name=$1 want=$2
  shift 2
  "$@" > "$T/ref.txt" 2>&1
  local st=$?
  check "$name: refused (exit 2)" "[ $st -eq 2 ]"
  check "$name: says '$want'" "grep -qF -e \"$want\" $T/ref.txt"
}
refused "IF under snntorch" "node '1' (IF)" "$BIN" run "$D/$S.nir" --nir-flavor snntorch --input "$T/$S.npy" --out "$T/x"
refused "no flavor" "--nir-flavor" "$BIN" run "$D/$S.nir" --input "$T/$S.npy" --out "$T/x"
refused "no input" "--input" "$BIN" run "$D/$S.nir" --nir-flavor sinabs --out "$T/x"
refused "unknown flavor" "unknown NIR flavor" "$BIN" run "$D/$S.nir" --nir-flavor lava --input "$T/$S.npy" --out "$T/x"
refused "input of another shape" "expected [T, B" "$BIN" run "$D/snn_ff2_leaky_subtract.nir" --nir-flavor snntorch \
  --input "$T/$S.npy" --out "$T/x"
echo '{"flavor": "snntorch", "nodes": {"1": {"spike_fn": "MultiSpike"}}}' > "$T/side.json"
refused "conventions of another flavor" "a sinabs convention" "$BIN" run "$D/snn_ff2_leaky_subtract.nir" \
  --nir-conventions "$T/side.json" --input "$T/snn_ff2_leaky_subtract.npy" --out "$T/x"
refused "conventions for another graph" "no node named '4'" "$BIN" run "$D/snn_ff2_leaky_subtract.nir" \
  --nir-conventions "$D/$S.side.json" --input "$T/snn_ff2_leaky_subtract.npy" --out "$T/x"
"$PY" -c "import numpy as np; x=np.load('$T/$S.npy').astype(np.float32); x[3,0,0,0,0]=0.5; np.save('$T/half.npy', x)"
refused "a spike count of 0.5" "whole counts" "$BIN" run "$D/$S.nir" --nir-flavor sinabs --input "$T/half.npy" --out "$T/x"
echo "3" > "$T/badlab.txt"
refused "labels of another batch" "1 labels for 3 samples" "$BIN" run "$D/$S.nir" --nir-flavor sinabs \
  --input "$T/$S.b3.npy" --labels "$T/badlab.txt" --out "$T/x"

# libhdf5 is loaded when a NIR file is first read (tools/io/h5_load.c): a
# library of its soname that holds none of its functions is refused by name,
# and a JSON network runs without it.
SONAME=$(grep -ao 'libhdf5[A-Za-z0-9_]*\.so[.0-9]*' "$BIN" | head -1)
check "the program names the libhdf5 it loads" "[ -n '$SONAME' ]"
mkdir -p "$T/fakeh5"
echo 'int sm_not_hdf5;' > "$T/fakeh5/f.c"
check "a stand-in library builds" "${CC:-cc} -shared -fPIC -o '$T/fakeh5/$SONAME' '$T/fakeh5/f.c'"
refused "a libhdf5 without its functions" "cannot load libhdf5 ($SONAME), which reading NIR files needs: it has no H5" \
  env LD_LIBRARY_PATH="$T/fakeh5" "$BIN" nir info "$D/$S.nir"
check "a JSON network runs without libhdf5" \
  "LD_LIBRARY_PATH='$T/fakeh5' '$BIN' run '$SRC/tools/examples/feedforward.json' --ticks 5 --quiet --out '$T/noh5'"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
