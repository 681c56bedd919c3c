#!/usr/bin/env bash
# End-to-end: the command line's options. A conflicting, bad or unknown
# option is refused with exit status 2 and one line naming it (with a
# did-you-mean for a near option), in every command; progress is drawn on a
# terminal only.
# usage: bash tests/e2e_cli.sh SPIKEMESH_BIN SOURCE_DIR [GOLDEN_DIR]
set -u
BIN=${1:?spikemesh binary}
SRC=${2:?source dir}
EX=$SRC/tools/examples
pass=0
fail=0
tmp=$(mktemp -d -t sm_e2e_cli.XXXXXX)
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

# refused ARGS... -- PATTERN: exit 2, one line on stderr matching PATTERN,
# nothing on stdout, no output directory.
refused() {
    local args=() pat
    while [ "$1" != "--" ]; do args+=("$1"); shift; done
    pat=$2
    "$BIN" "${args[@]}" >"$tmp/r.out" 2>"$tmp/r.err"
    local rc=$?
    cat "$tmp/r.err"
    [ "$rc" -eq 2 ] && [ "$(wc -l <"$tmp/r.err")" -eq 1 ] && grep -q -- "$pat" "$tmp/r.err" &&
        [ ! -s "$tmp/r.out" ] && [ ! -e "$tmp/o" ]
}

F=$EX/feedforward.json
check "run --mesh with --chip" refused run "$F" --chip loihi --mesh 2x2 --out "$tmp/o" -- "--mesh: not with --chip"
check "run --neurons-per-core with --chip" refused run "$F" --chip loihi --neurons-per-core 8 --out "$tmp/o" -- "--neurons-per-core: not with --chip"
check "run --strategy without --chip" refused run "$F" --strategy sequential --out "$tmp/o" -- "--strategy: needs --chip"
check "run --seed without --chip" refused run "$F" --seed 4 --out "$tmp/o" -- "--seed: needs --chip"
check "run --strategy with --mapping" refused run "$F" --chip loihi --mapping m.json --strategy metis --out "$tmp/o" -- "not with --mapping"
check "run --mesh with --mapping" refused run "$F" --mapping m.json --mesh 2x2 --out "$tmp/o" -- "--mesh: not with --mapping"
check "run --threads 0" refused run "$F" --threads 0 --out "$tmp/o" -- "--threads: expected a whole number >= 1, got '0'"
check "run --ticks -5" refused run "$F" --ticks -5 --out "$tmp/o" -- "--ticks: expected a whole number >= 1, got '-5'"
check "run --ticks without a value" refused run "$F" --out "$tmp/o" --ticks -- "--ticks needs a value"
check "run --out naming a file" refused run "$F" --out "$F" -- "exists and is not a directory"
check "run unknown option, did you mean" refused run "$F" --tiks 5 -- "unknown option '--tiks' (did you mean \"--ticks\"?)"
check "run --strategy unknown" refused run "$F" --chip loihi --strategy best --out "$tmp/o" -- "--strategy: expected metis, sequential or random"
check "map unknown option, did you mean" refused map "$F" --chp loihi -- "unknown option '--chp' (did you mean \"--chip\"?)"
check "map --seed -1" refused map "$F" --chip loihi --seed -1 -- "--seed: expected a whole number >= 0"
check "map --rates-from not a directory" refused map "$F" --chip loihi --rates-from "$F" -- "--rates-from"
check "plot unknown option" refused plot "$tmp" --form 3 -- "(did you mean \"--from\"?)"
check "bench unknown option" refused bench --qick -- "(did you mean \"--quick\"?)"
check "bench --repeat 0" refused bench --repeat 0 -- "--repeat: expected a whole number in \[1, 32\]"
check "worker unknown option" refused worker --conect tcp://127.0.0.1:1 -- "(did you mean \"--connect\"?)"
check "worker --timeout 0" refused worker --connect tcp://127.0.0.1:1 --timeout 0 -- "--timeout: expected seconds > 0"
check "conform unknown option" refused conform --dens x -- "(did you mean \"--dense\"?)"
check "nir info unknown option" refused nir info x.nir --chp loihi -- "(did you mean \"--chip\"?)"
check "sanafe info unknown option" refused sanafe info --all x.yaml -- "unknown option '--all'"
check "chips unknown option" refused chips --lst -- "unknown option '--lst'"
check "keygen option, not a file" refused keygen --force -- "unknown option '--force'"
check "unknown command, did you mean" refused rn "$F" -- "unknown command 'rn' (did you mean \"run\"?)"

quiet_without_terminal() {
    "$BIN" run "$EX/cuba.json" --ticks 3000 --out "$tmp/q" --quiet 2>"$tmp/q.err" &&
        [ ! -s "$tmp/q.err" ]
}
check "no progress when stderr is not a terminal" quiet_without_terminal

bar_on_a_terminal() {
    command -v script >/dev/null || return 0 # util-linux: no pseudo-terminal to test on
    script -qec "'$BIN' run '$EX/cuba.json' --chip loihi --ticks 20000 --out '$tmp/t' --quiet" \
        /dev/null >"$tmp/tty" </dev/null || return 1
    tr '\r' '\n' <"$tmp/tty" >"$tmp/lines"
    grep -q "loading .*cuba.json" "$tmp/lines" && grep -q "mapping: " "$tmp/lines" &&
        grep -q "building synapses" "$tmp/lines" &&
        grep -q "running \[#*  *\] [0-9]*/20000 ticks, .* ticks/s, .* events/s, ETA [0-9?]" "$tmp/lines"
}
check "progress on a terminal: phases, ticks/s, events/s, ETA" bar_on_a_terminal

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
