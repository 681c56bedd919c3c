#!/usr/bin/env bash
# Distributed runs: byte-identical results across threads, ipc workers and
# tcp workers; a killed or hung worker is detected; garbage and foreign
# builds are refused; CURVE keeps unauthenticated peers out.
# usage: e2e_dist.sh SPIKEMESH SOURCE_DIR [GOLDEN_DIR]  (SM_TOOLS_DIR: tool_peer)
set -u
BIN=$1
SRC=$2
PEER=${SM_TOOLS_DIR:-$(dirname "$BIN")}/tool_peer
EX=$SRC/tools/examples
T=$(mktemp -d)
PIDS=""
cleanup() { for p in $PIDS; do kill -9 "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
strip() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); [d.pop(k) for k in ('wall_seconds','sync_wait_seconds_per_tick')]; print(json.dumps(d, sort_keys=True))" "$1"; }
same() { cmp -s "$1/spikes.csv" "$2/spikes.csv" && cmp -s "$1/traces.csv" "$2/traces.csv" && [ "$(strip "$1/stats.json")" = "$(strip "$2/stats.json")" ]; }
port() { python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"; }
no_workers_left() { ! pgrep -f "spikemesh worker --connect $1" > /dev/null; }

for ex in synfire feedforward cuba sheet conv; do
  ticks=""
  [ $ex = cuba ] && ticks="--ticks 3000"
  "$BIN" run "$EX/$ex.json" $ticks --threads 1 --neurons-per-core 64 --out "$T/$ex-t1" --quiet
  "$BIN" run "$EX/$ex.json" $ticks --threads 2 --neurons-per-core 64 --out "$T/$ex-t2" --quiet
  check "$ex: 2 threads = 1 thread" "same $T/$ex-t1 $T/$ex-t2"
  "$BIN" run "$EX/$ex.json" $ticks --workers 2 --neurons-per-core 64 --out "$T/$ex-ipc" --quiet
  check "$ex: 2 workers over ipc = 1 thread" "same $T/$ex-t1 $T/$ex-ipc"
  "$BIN" run "$EX/$ex.json" $ticks --workers 3 --transport tcp --neurons-per-core 64 --out "$T/$ex-tcp" --quiet
  check "$ex: 3 workers over tcp = 1 thread" "same $T/$ex-t1 $T/$ex-tcp"
done

# A network quantised for a fixed-point chip travels as loihi_lif and Dense.
printf '{"base": "loihi", "name": "loihi4", "limits": {"neurons": 40}, "precision": {"weight_bits": 4}}\n' > "$T/loihi4.json"
"$BIN" run "$EX/feedforward.json" --chip "$T/loihi4.json" --threads 1 --out "$T/ffq-t1" --quiet
"$BIN" run "$EX/feedforward.json" --chip "$T/loihi4.json" --workers 2 --out "$T/ffq-ipc" --quiet
check "feedforward on a 4-bit loihi: 2 workers = 1 thread" "same $T/ffq-t1 $T/ffq-ipc"

# Coordinator and workers started separately, over tcp on loopback.
P=$(port)
"$BIN" run "$EX/feedforward.json" --listen tcp://127.0.0.1:$P --workers 2 --neurons-per-core 64 --out "$T/ff-listen" --quiet &
C=$!
"$BIN" worker --connect tcp://127.0.0.1:$P & W1=$!
"$BIN" worker --connect tcp://127.0.0.1:$P & W2=$!
PIDS="$C $W1 $W2"
wait $C; rc=$?; wait $W1; r1=$?; wait $W2; r2=$?
check "--listen with 2 joining workers: all exit 0" "[ $rc -eq 0 ] && [ $r1 -eq 0 ] && [ $r2 -eq 0 ]"
check "--listen with 2 joining workers = 1 thread" "same $T/feedforward-t1 $T/ff-listen"

# A worker killed mid-run: detected, named with its tick, no hang, no leftovers.
mkdir -p "$T/killed"
start=$(date +%s)
"$BIN" run "$EX/cuba.json" --ticks 400000 --workers 2 --out "$T/killed" --quiet 2> "$T/killed.err" &
C=$!
PIDS="$C"
sleep 1
pkill -9 -f "spikemesh worker --connect ipc:///tmp/spikemesh-$C-ctl" -n
wait $C; rc=$?
took=$(( $(date +%s) - start ))
check "killed worker: run fails" "[ $rc -ne 0 ]"
check "killed worker: error names the worker and the tick" "grep -q 'worker [0-9] (pid [0-9]*) died at tick [0-9]*' $T/killed.err"
check "killed worker: detected within seconds ($took s)" "[ $took -le 15 ]"
check "killed worker: output marked incomplete" "[ -f $T/killed/INCOMPLETE ] && [ ! -f $T/killed/spikes.csv ]"
sleep 0.5
check "killed worker: no worker processes left" "no_workers_left ipc:///tmp/spikemesh-$C-ctl"

# A worker that hangs (stopped, not dead): heartbeats catch it.
start=$(date +%s)
"$BIN" run "$EX/cuba.json" --ticks 400000 --workers 2 --heartbeat-timeout 2 --out "$T/hung" --quiet 2> "$T/hung.err" &
C=$!
PIDS="$C"
sleep 1
pkill -STOP -f "spikemesh worker --connect ipc:///tmp/spikemesh-$C-ctl" -n
wait $C; rc=$?
took=$(( $(date +%s) - start ))
check "hung worker: run fails, naming it" "[ $rc -ne 0 ] && grep -q 'stopped answering at tick' $T/hung.err"
check "hung worker: detected within seconds ($took s)" "[ $took -le 15 ]"
sleep 0.5
check "hung worker: no worker processes left" "no_workers_left ipc:///tmp/spikemesh-$C-ctl"

# Garbage to every socket: logged and dropped, the run still gives the right answer.
P=$(port)
# Long enough that the workers are still reading when the garbage arrives.
"$BIN" run "$EX/cuba.json" --ticks 30000 --threads 1 --neurons-per-core 64 --out "$T/cuba-long" --quiet
"$BIN" run "$EX/cuba.json" --ticks 30000 --listen tcp://127.0.0.1:$P --workers 2 --neurons-per-core 64 --verbose --out "$T/garbage" --quiet 2> "$T/garbage.err" &
C=$!
"$BIN" worker --connect tcp://127.0.0.1:$P 2> "$T/w1.err" & W1=$!
"$BIN" worker --connect tcp://127.0.0.1:$P 2> "$T/w2.err" & W2=$!
PIDS="$C $W1 $W2"
"$PEER" garbage tcp://127.0.0.1:$P dealer 50 > /dev/null
for i in $(seq 50); do grep -q "worker 1 listening" "$T/garbage.err" && break; sleep 0.1; done
for ep in $(grep -o 'worker [0-9] listening at tcp://[0-9.:]*' "$T/garbage.err" | awk '{print $5}'); do
  "$PEER" garbage "$ep" push 50 > /dev/null
done
wait $C; rc=$?; wait $W1 $W2
check "garbage: run still succeeds" "[ $rc -eq 0 ]"
check "garbage: result unchanged" "same $T/cuba-long $T/garbage"
check "garbage: control socket logged the rejects" "grep -q 'rejected a control message' $T/garbage.err"
check "garbage: data sockets logged the rejects" "cat $T/w1.err $T/w2.err | grep -q 'rejected a message'"

# A worker of another build is refused at the handshake.
P=$(port)
"$BIN" run "$EX/feedforward.json" --listen tcp://127.0.0.1:$P --workers 1 --join-timeout 3 --out "$T/badhello" --quiet 2> "$T/badhello.err" &
C=$!
PIDS="$C"
"$PEER" badhello tcp://127.0.0.1:$P > "$T/answer.txt"
check "foreign build: refused with a reason" "grep -q 'refused a worker built as' $T/answer.txt"
wait $C; rc=$?
check "foreign build: coordinator gives up with the reason" "[ $rc -ne 0 ] && grep -q 'refused a worker built as' $T/badhello.err"

# CURVE: the key holders run; a peer without the key is refused.
"$BIN" keygen "$T/cluster.key" > /dev/null
P=$(port)
"$BIN" run "$EX/feedforward.json" --listen tcp://127.0.0.1:$P --workers 2 --curve "$T/cluster.key" --neurons-per-core 64 --out "$T/curve" --quiet &
C=$!
"$BIN" worker --connect tcp://127.0.0.1:$P --curve "$T/cluster.key" & W1=$!
"$BIN" worker --connect tcp://127.0.0.1:$P --curve "$T/cluster.key" & W2=$!
PIDS="$C $W1 $W2"
wait $C; rc=$?; wait $W1 $W2
check "curve: authenticated workers run, same result" "[ $rc -eq 0 ] && same $T/feedforward-t1 $T/curve"
P=$(port)
"$BIN" run "$EX/feedforward.json" --listen tcp://127.0.0.1:$P --workers 1 --curve "$T/cluster.key" --join-timeout 4 --out "$T/nokey" --quiet 2> "$T/nokey.err" &
C=$!
PIDS="$C"
"$BIN" worker --connect tcp://127.0.0.1:$P --timeout 2 2> "$T/plain.err"
check "curve: a worker without the key is refused" "[ $? -ne 0 ] && grep -q 'CURVE' $T/plain.err"
"$PEER" badhello tcp://127.0.0.1:$P > "$T/answer2.txt"
check "curve: a plain peer gets no answer at all" "grep -q 'no answer' $T/answer2.txt"
wait $C
check "curve: the coordinator never let it join" "[ $? -ne 0 ] && grep -q '0 of 1 workers joined' $T/nokey.err"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
