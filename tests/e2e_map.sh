#!/usr/bin/env bash
# End-to-end: spikemesh chips / map on the command line.
# usage: bash tests/e2e_map.sh SPIKEMESH_BIN SOURCE_DIR [GOLDEN_DIR]
set -u
BIN=${1:?spikemesh binary}
SRC=${2:?source dir}
pass=0
fail=0
tmp=$(mktemp -d /tmp/sm_e2e_map.XXXXXX)
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
        sed 's/^/     /' "$tmp/out" "$tmp/err" | head -20
    fi
}

chips_lists_builtins() {
    local out
    out=$("$BIN" chips) || return 1
    for c in loihi truenorth spinnaker; do grep -q "^$c " <<<"$out" || return 1; done
    grep -q "23.6" <<<"$out"
}
check "chips lists loihi, truenorth, spinnaker" chips_lists_builtins
check "chips --help" bash -c "'$BIN' chips --help | grep -q usage"
check "map --help" bash -c "'$BIN' map --help | grep -q -- --strategy"
check "plot --help" bash -c "'$BIN' plot --help | grep -q raster.svg"

map_fits() { # chip
    local n
    n=$(basename "$1" .json)
    "$BIN" map "$SRC/tools/examples/sheet.json" --chip "$1" --out "$tmp/$n.json" >"$tmp/$n.txt" || return 1
    grep -q "cores used" "$tmp/$n.txt" && grep -q "edge cut" "$tmp/$n.txt" &&
        grep -q '"format": "spikemesh-mapping"' "$tmp/$n.json" && [ ! -e "$tmp/$n.json.tmp" ]
}
check "map sheet.json --chip loihi" map_fits loihi
check "map sheet.json --chip truenorth" map_fits truenorth
check "map sheet.json --chip FILE (user chip)" map_fits "$SRC/tools/chip/profiles/mini_board.json"

metis_beats_sequential() { # chip: metis hops/tick at most 70% of sequential
    local s m
    s=$("$BIN" map "$SRC/tools/examples/sheet.json" --chip "$1" --strategy sequential | sed -n 's/.* packets, \([0-9.]*\) hops.*/\1/p')
    m=$("$BIN" map "$SRC/tools/examples/sheet.json" --chip "$1" --strategy metis | sed -n 's/.* packets, \([0-9.]*\) hops.*/\1/p')
    echo "sequential $s metis $m"
    awk -v s="$s" -v m="$m" 'BEGIN { exit !(s > 0 && m <= 0.7 * s) }'
}
check "metis cuts hop traffic >= 30% on loihi" metis_beats_sequential loihi
check "metis cuts hop traffic >= 30% on truenorth" metis_beats_sequential truenorth

too_big() {
    cat >"$tmp/big.json" <<'JSON'
{"simulation": {"ticks": 10},
 "populations": [{"name": "huge", "size": 200000, "model": "lif", "params": {"beta": 0.9}}],
 "projections": []}
JSON
    "$BIN" map "$tmp/big.json" --chip loihi >"$tmp/o" 2>"$tmp/e"
    local rc=$?
    cat "$tmp/e"
    [ "$rc" -eq 2 ] && grep -q "'huge'" "$tmp/e" && grep -q "neurons per core" "$tmp/e" &&
        grep -q "fewest cores that would fit it: 196" "$tmp/e"
}
check "too-big network exits 2 with the reason" too_big

bad_usage() {
    "$BIN" map "$SRC/tools/examples/sheet.json" >/dev/null 2>&1
    [ $? -eq 2 ] || return 1
    "$BIN" map "$SRC/tools/examples/sheet.json" --chip loihi --strategy best >/dev/null 2>&1
    [ $? -eq 2 ] || return 1
    "$BIN" map "$SRC/tools/examples/sheet.json" --chip nosuchchip >/dev/null 2>&1
    [ $? -eq 2 ]
}
check "bad usage exits 2" bad_usage

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
