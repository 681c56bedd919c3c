#!/usr/bin/env bash
# The command line against the reproducers of issue 14 outside router/: tiny
# files that asked for unbounded work or memory, a MultiSpike count that
# meant 2.6e11 CSV rows, inputs that are not regular files, keygen over an
# existing key, option values that are options, outputs through planted
# symlinks and killed runs. Every process it starts it stops by its pid.
# usage: e2e_robust.sh SPIKEMESH SOURCE_DIR [GOLDEN_DIR]
set -u
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") # absolute: some checks cd elsewhere
SRC=$2
EX=$SRC/tools/examples
T=$(mktemp -d)
PIDS=""
cleanup() {
    for p in $PIDS; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
now_ms() { date +%s%3N; }

# run_t NAME ARGS...: runs the binary, keeps status, stderr and milliseconds.
run_t() {
    local name=$1
    shift
    local t0
    t0=$(now_ms)
    timeout 20 "$BIN" "$@" > "$T/$name.out" 2> "$T/$name.err"
    echo $? > "$T/$name.rc"
    echo $(($(now_ms) - t0)) > "$T/$name.ms"
}
rc() { cat "$T/$1.rc"; }
ms() { cat "$T/$1.ms"; }

# ---- item 3: a cost check before building (run and map alike) ----------
pop() { printf '{"name": "%s", "size": %s, "model": "lif", "params": {"beta": 0.9}}' "$1" "$2"; }
a2a() {
    printf '{"simulation": {"ticks": 100}, "populations": [%s, %s], "projections": [{"source": "a", "target": "b", "connectivity": {"kind": "all_to_all"}, "weight": 0.1}]}\n' \
        "$(pop a "$1")" "$(pop b "$1")"
}
a2a 134217728 > "$T/a2a_2e27.json"
a2a 100000 > "$T/a2a_100k.json"
printf '{"simulation": {"ticks": 10}, "populations": [%s]}\n' "$(pop a 268435456)" > "$T/max.json"
for f in a2a_2e27 a2a_100k max; do
    run_t "run_$f" run "$T/$f.json" --out "$T/out_$f" --quiet --max-memory 16G
    check "$f ($(wc -c < "$T/$f.json") bytes): run refused, exit 2 ($(ms run_$f) ms)" \
        "[ $(rc run_$f) -eq 2 ] && [ $(ms run_$f) -lt 1000 ]"
    check "$f: run names the file and the estimate" \
        "grep -q '$T/$f.json: .*synapses' $T/run_$f.err && grep -qE 'GiB|PiB|TiB|steps' $T/run_$f.err"
    check "$f: run wrote nothing" "[ ! -e $T/out_$f ]"
    run_t "map_$f" map "$T/$f.json" --chip loihi --max-memory 16G
    check "$f: map refused, exit 2 ($(ms map_$f) ms)" "[ $(rc map_$f) -eq 2 ] && [ $(ms map_$f) -lt 1000 ]"
    check "$f: map gives the same synapse estimate" \
        "[ \"\$(grep -o '[0-9.e+]* synapses' $T/run_$f.err)\" = \"\$(grep -o '[0-9.e+]* synapses' $T/map_$f.err)\" ]"
done
sed 's/^/     /' "$T/run_a2a_100k.err"
# map's refusal once freed a mapping declared past its goto: stack garbage,
# so it crashed in about one run of six. Thirty in a row must all exit 2.
crashes=0
for i in $(seq 30); do
    "$BIN" map "$T/a2a_2e27.json" --chip loihi --max-memory 16G > /dev/null 2>&1
    [ $? -eq 2 ] || crashes=$((crashes + 1))
done
check "map refused 30 times: every time exit 2 ($crashes otherwise)" "[ $crashes -eq 0 ]"
run_t ff_small run "$EX/feedforward.json" --out "$T/ff_small" --quiet --max-memory 64k
check "--max-memory below a run's estimate: refused" "[ $(rc ff_small) -eq 2 ] && grep -q 'more than the 64 KiB available (--max-memory)' $T/ff_small.err"
run_t ff_ok run "$EX/feedforward.json" --out "$T/ff_ok" --quiet --max-memory 1G
check "--max-memory above it: runs" "[ $(rc ff_ok) -eq 0 ] && [ -f $T/ff_ok/spikes.csv ]"
run_t badmem run "$EX/feedforward.json" --out "$T/x" --max-memory lots
check "--max-memory lots: refused" "[ $(rc badmem) -eq 2 ] && grep -q 'expected bytes' $T/badmem.err"

# ---- item 4: a MultiSpike count that meant 2.6e11 rows -----------------
cat > "$T/ms.json" <<'EOF'
{"simulation": {"ticks": 60}, "populations": [{"name": "m", "size": 1, "model": "iaf",
 "params": {"spike_threshold": 1e-30, "bias": 1e-20, "spike_fn": "MultiSpike"}}]}
EOF
run_t ms run "$T/ms.json" --out "$T/out_ms" --quiet
check "saturated MultiSpike count: refused, exit 2 ($(ms ms) ms)" "[ $(rc ms) -eq 2 ] && [ $(ms ms) -lt 2000 ]"
check "saturated MultiSpike count: names neuron, tick and rows" \
    "grep -q 'populations\\[0\\] \"m\" neuron 0 fired a saturated count of 4294967040 spikes at tick 0' $T/ms.err && grep -q '2.58e+11 rows' $T/ms.err"
check "saturated MultiSpike count: no DIR made" "[ ! -e $T/out_ms ]"
mkdir -p "$T/out_ms2" && echo old > "$T/out_ms2/spikes.csv"
cat > "$T/ms2.json" <<'EOF'
{"simulation": {"ticks": 5}, "populations": [{"name": "m", "size": 1, "model": "iaf",
 "params": {"spike_threshold": 1, "bias": 1000, "spike_fn": "MultiSpike"}}]}
EOF
run_t ms2 run "$T/ms2.json" --out "$T/out_ms2" --quiet --max-spikes-per-tick 100
check "MultiSpike above --max-spikes-per-tick: refused, DIR marked, old files kept" \
    "[ $(rc ms2) -eq 2 ] && grep -q 'fired 1000 spikes at tick 0, more than --max-spikes-per-tick 100' $T/ms2.err && [ -f $T/out_ms2/INCOMPLETE ] && [ \"\$(cat $T/out_ms2/spikes.csv)\" = old ]"
run_t ms3 run "$T/ms2.json" --out "$T/out_ms2" --quiet
check "within the default limit: 5000 rows" "[ $(rc ms3) -eq 0 ] && [ \$(wc -l < $T/out_ms2/spikes.csv) -eq 5001 ] && [ ! -e $T/out_ms2/INCOMPLETE ]"
run_t out_lim run "$EX/feedforward.json" --out "$T/out_lim" --quiet --max-output 1k
check "outputs beyond --max-output: refused" "[ $(rc out_lim) -eq 2 ] && grep -q 'more than the 1 KiB allowed (--max-output)' $T/out_lim.err"

# ---- item 2: parameters, the same words with --workers ------------------
cat > "$T/taum.json" <<'EOF'
{"simulation": {"ticks": 10, "dt": 0.1}, "populations": [{"name": "a", "size": 2, "model": "cuba_lif",
 "params": {"style": "exact", "tau_m": 1e-4, "i_offset": 1}}]}
EOF
run_t taum_local run "$T/taum.json" --out "$T/o" --quiet
run_t taum_dist run "$T/taum.json" --out "$T/o" --quiet --workers 2
check "tau_m 1e-4 ms at dt 0.1: refused, naming file, field and value" \
    "[ $(rc taum_local) -eq 2 ] && grep -q 'taum.json: populations\\[0\\].params: p21e .*: nan' $T/taum_local.err"
check "the same words with --workers 2" "[ $(rc taum_dist) -eq 2 ] && cmp -s $T/taum_local.err $T/taum_dist.err"

# ---- item 9 / 10: small ones ------------------------------------------
run_t rep bench --repeat -1
check "bench --repeat -1: exit 2, no crash" "[ $(rc rep) -eq 2 ] && grep -q 'expected a whole number in \[1, 32\]' $T/rep.err"
run_t key1 keygen "$T/cluster.key"
cp "$T/cluster.key" "$T/cluster.key.orig"
run_t key2 keygen "$T/cluster.key"
check "keygen over an existing key: refused, key unchanged" \
    "[ $(rc key1) -eq 0 ] && [ $(rc key2) -eq 2 ] && grep -q 'already exists' $T/key2.err && cmp -s $T/cluster.key $T/cluster.key.orig"
check "keygen leaves no temporary" "[ -z \"\$(ls $T | grep 'cluster.key.tmp')\" ]"

mkfifo "$T/fifo.json"
run_t fifo run "$T/fifo.json" --out "$T/o"
check "a FIFO as the network file: refused at once ($(ms fifo) ms)" \
    "[ $(rc fifo) -eq 2 ] && grep -q 'fifo.json: is a FIFO' $T/fifo.err && [ $(ms fifo) -lt 2000 ]"
run_t urandom run /dev/urandom --out "$T/o"
check "/dev/urandom as the network file: refused at once ($(ms urandom) ms)" \
    "[ $(rc urandom) -eq 2 ] && grep -q '/dev/urandom: is a character device' $T/urandom.err && [ $(ms urandom) -lt 1000 ]"
printf '{"simulation": {"ticks": 5}, "populations": [%s, %s], "projections": [{"source": "a", "target": "b", "connectivity": {"kind": "list", "file": "fifo.csv"}}]}\n' \
    "$(pop a 2)" "$(pop b 2)" > "$T/csvfifo.json"
mkfifo "$T/fifo.csv"
run_t csvfifo run "$T/csvfifo.json" --out "$T/o"
check "a FIFO as a connection list: refused at once" "[ $(rc csvfifo) -eq 2 ] && grep -q 'fifo.csv: is a FIFO' $T/csvfifo.err"
run_t chipfifo map "$EX/feedforward.json" --chip "$T/fifo.json"
check "a FIFO as a chip file: refused at once" "[ $(rc chipfifo) -eq 2 ] && grep -q 'is a FIFO' $T/chipfifo.err"
run_t mapfifo run "$EX/feedforward.json" --mapping "$T/fifo.json" --out "$T/o"
check "a FIFO as a mapping file: refused at once" "[ $(rc mapfifo) -eq 2 ] && grep -q 'is a FIFO' $T/mapfifo.err"
run_t keyfifo run "$EX/feedforward.json" --workers 1 --curve "$T/fifo.json" --out "$T/o"
check "a FIFO as a key file: refused at once ($(ms keyfifo) ms)" "[ $(rc keyfifo) -ne 0 ] && grep -q 'not a regular file' $T/keyfifo.err"
sed 's/"chips_x": 2,/"chips_x": 2, "chips_x": 1,/' "$SRC/tools/chip/profiles/mini_board.json" > "$T/dupchip.json"
run_t dupchip map "$EX/feedforward.json" --chip "$T/dupchip.json"
check "a key given twice in a chip file: refused" "[ $(rc dupchip) -eq 2 ] && grep -q 'dupchip.json: (top level): key \"chips_x\" given twice' $T/dupchip.err"

mkdir -p "$T/cwd"
(cd "$T/cwd" && timeout 20 "$BIN" run "$EX/feedforward.json" --out --quiet > /dev/null 2> "$T/outq.err")
check "--out --quiet: refused, no directory '--quiet'" "[ $? -eq 2 ] && [ ! -e $T/cwd/--quiet ] && grep -q \"needs a value, got the option '--quiet'\" $T/outq.err"
echo precious > "$T/afile"
run_t outfile run "$EX/feedforward.json" --out "$T/afile" --quiet
check "--out naming an existing file: refused before running" \
    "[ $(rc outfile) -eq 2 ] && grep -q 'exists and is not a directory' $T/outfile.err && [ \"\$(cat $T/afile)\" = precious ]"
run_t mapdir map "$EX/feedforward.json" --chip loihi --out "$T/cwd"
check "map --out naming a directory: refused" "[ $(rc mapdir) -eq 2 ] && grep -q 'is a directory' $T/mapdir.err"

# ---- item 1: outputs ----------------------------------------------------
# Symlinks planted where the run's temporaries used to go (DIR/NAME.tmp.PID,
# PID known here: the subshell execs the run once they are in place) and at
# a target's own name.
mkdir -p "$T/plant"
echo precious > "$T/victim"
ln -s "$T/victim" "$T/plant/spikes.csv"
(while [ ! -e "$T/plant.go" ]; do sleep 0.01; done
 exec "$BIN" run "$EX/feedforward.json" --out "$T/plant" --quiet > /dev/null 2> "$T/plant.err") &
pid=$!
PIDS="$PIDS $pid"
for f in spikes.csv traces.csv stats.json INCOMPLETE; do ln -s "$T/victim" "$T/plant/$f.tmp.$pid"; done
touch "$T/plant.go"
wait "$pid"
prc=$?
check "planted symlinks: nothing written through them" \
    "[ $prc -eq 0 ] && [ \"\$(cat $T/victim)\" = precious ] && [ ! -L $T/plant/spikes.csv ] && head -1 $T/plant/spikes.csv | grep -qx 'tick,population,index'"

# A run killed while it writes: only its private directory is left, the old
# files stay whole, and the next run removes the directory.
printf '{"simulation": {"ticks": 20000}, "populations": [{"name": "p", "size": 1000, "source": {"kind": "poisson", "rate_hz": 500}}]}\n' > "$T/big.json"
mkdir -p "$T/kill"
echo old > "$T/kill/spikes.csv"
"$BIN" run "$T/big.json" --out "$T/kill" --quiet 2> /dev/null &
pid=$!
PIDS="$PIDS $pid"
for _ in $(seq 1 2000); do
    if ls -a "$T/kill" | grep -q '^\.spikemesh\.tmp\.'; then break; fi
    sleep 0.01
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
left=$(ls -A "$T/kill" | grep -v '^spikes.csv$' | tr '\n' ' ')
check "killed while writing: only the private directory is left ($left)" \
    "[ \"\$(ls -A $T/kill | grep -v '^spikes.csv$' | grep -vc '^\\.spikemesh\\.tmp\\.')\" -eq 0 ] && [ \"\$(cat $T/kill/spikes.csv)\" = old ]"
run_t after_kill run "$EX/feedforward.json" --out "$T/kill" --quiet
check "the next run removes it" "[ $(rc after_kill) -eq 0 ] && ! ls -A $T/kill | grep -q '^\\.spikemesh\\.tmp\\.'"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
