#!/usr/bin/env bash
# End-to-end: the default mapping is never worse than sequential in real
# chip runs (tools/bench/mapping_guard.sh, shortened), and `map
# --rates-from` maps with the rates a run measured.
# usage: bash tests/e2e_mapping_guard.sh SPIKEMESH_BIN SOURCE_DIR [GOLDEN_DIR]
set -u
BIN=${1:?spikemesh binary}
SRC=${2:?source dir}
pass=0
fail=0
tmp=$(mktemp -d -t sm_e2e_guard.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

check() { # name, then a command that must succeed
    local name=$1
    shift
    if "$@" >"$tmp/out" 2>"$tmp/err"; then
        pass=$((pass + 1))
        echo "ok   $name"
    else
        fail=$((fail + 1))
        echo "FAIL $name"
        sed 's/^/     /' "$tmp/out" "$tmp/err" | head -30
    fi
}

check "default no worse than sequential: hops and energy of 9 runs" \
    bash "$SRC/tools/bench/mapping_guard.sh" "$BIN" --ticks 100

rates_from_a_run() {
    "$BIN" run "$SRC/tools/examples/feedforward.json" --ticks 200 --out "$tmp/ff" --quiet || return 1
    "$BIN" map "$SRC/tools/examples/feedforward.json" --chip truenorth >"$tmp/assumed" || return 1
    "$BIN" map "$SRC/tools/examples/feedforward.json" --chip truenorth --rates-from "$tmp/ff" \
        >"$tmp/measured" || return 1
    grep -q "model neurons assumed at 10 Hz" "$tmp/assumed" &&
        grep -q "rates measured in $tmp/ff" "$tmp/measured" &&
        ! cmp -s "$tmp/assumed" "$tmp/measured"
}
check "map --rates-from RUN_DIR uses the measured rates" rates_from_a_run

rates_from_another_network() {
    "$BIN" run "$SRC/tools/examples/synfire.json" --ticks 20 --out "$tmp/syn" --quiet || return 1
    "$BIN" map "$SRC/tools/examples/feedforward.json" --chip loihi --rates-from "$tmp/syn" \
        2>"$tmp/e" >/dev/null
    [ $? -eq 2 ] && grep -q "not a run of this network" "$tmp/e"
}
check "map --rates-from a run of another network is refused" rates_from_another_network

stats_report_both() {
    "$BIN" run "$SRC/tools/examples/sheet.json" --chip loihi --ticks 20 --out "$tmp/sh" --quiet || return 1
    python3 - "$tmp/sh/stats.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))["mapping"]
names = [c["name"] for c in m["candidates"]]
assert m["strategy"] == "metis" and m["kept"] in names, m
assert "sequential" in names and len(names) == 3, names
seq = m["candidates"][names.index("sequential")]
kept = m["candidates"][names.index(m["kept"])]
assert kept["energy_pj_per_tick"] <= seq["energy_pj_per_tick"] * (1 + 1e-9)
assert kept["hops_per_tick"] <= seq["hops_per_tick"] * (1 + 1e-9)
PY
}
check "stats.json of a chip run reports both estimates" stats_report_both

map_reports_both() {
    "$BIN" map "$SRC/tools/examples/cuba.json" --chip loihi >"$tmp/o" || return 1
    grep -q "weighed on the chip's cost" "$tmp/o" && grep -q "^    sequential  .*cores" "$tmp/o" &&
        grep -q "<- kept" "$tmp/o"
}
check "map reports both estimates and the one kept" map_reports_both

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
