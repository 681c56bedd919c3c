#!/usr/bin/env bash
# End-to-end checks of `spikemesh conform`.
# usage: bash tests/e2e_conform.sh <spikemesh binary> <source dir> [<golden dir>]
# (the golden dir defaults to the copy in the source tree, tests/data/golden)
set -u
bin=$1
src=$2
golden=${3:-$src/tests/data/golden}
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }

[ -x "$bin" ] || { echo "no binary at $bin"; exit 1; }
[ -d "$src" ] || { echo "no source folder $src"; exit 1; }

# Every population case, one by one: exit 0 and "1 passed, 0 failed".
n=0
for f in "$golden"/*.json; do
    grep -q '"kind": *"population"' "$f" || continue
    n=$((n + 1))
    out=$("$bin" conform "$f" 2>&1)
    rc=$?
    if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -qx '1 passed, 0 failed'; then
        ok "conform $(basename "$f")"
    else
        ko "conform $(basename "$f") (exit $rc): $out"
    fi
done
[ $n -gt 0 ] && ok "found $n population cases" || ko "no population case in $golden"

# The whole folder, population cases also through the closed-form path.
out=$("$bin" conform --advance "$golden" 2>&1)
rc=$?
last=$(printf '%s\n' "$out" | tail -n 1)
if printf '%s\n' "$last" | grep -Eqx '[0-9]+ passed, [0-9]+ failed'; then
    ok "summary line: $last"
else
    ko "no summary line, last line: $last"
fi
if printf '%s\n' "$out" | grep '^FAIL' | grep -v '^FAIL snn_net_' >/dev/null; then
    ko "population failures: $(printf '%s\n' "$out" | grep '^FAIL' | head -3)"
else
    ok "no population case fails in the folder run"
fi
[ $rc -eq 0 ] && ok "the whole folder passes, network cases included (exit 0)" || ko "folder run exit $rc"

# Network cases through the event engine, the dense engine, and pipelined
# (delay 1 on every projection: layer k at tick t+k against the reference at t).
for mode in "" --dense --pipelined; do
    nets=$(ls "$golden"/snn_net_*.json 2>/dev/null)
    [ -n "$nets" ] || { ko "no network case in $golden"; break; }
    out=$("$bin" conform $mode $nets 2>&1)
    rc=$?
    last=$(printf '%s\n' "$out" | tail -n 1)
    npass=$(printf '%s\n' "$last" | sed -n 's/^\([0-9]*\) passed, 0 failed$/\1/p')
    if [ $rc -eq 0 ] && [ -n "$npass" ] && [ "$npass" -ge 2 ]; then
        ok "network cases ${mode:-(event engine)}: $last"
    else
        ko "network cases ${mode:-(event engine)} (exit $rc): $(printf '%s\n' "$out" | grep -v '^PASS' | head -5)"
    fi
done

# Broken JSON: exit != 0, a message naming the file.
printf '{"format_version": 1, "name": "broken", \n "kind": [1, 2\n' >"$tmp/broken.json"
out=$("$bin" conform "$tmp/broken.json" 2>&1)
rc=$?
if [ $rc -ne 0 ] && printf '%s\n' "$out" | grep -q "broken.json" &&
    printf '%s\n' "$out" | grep -qx '0 passed, 1 failed'; then
    ok "broken JSON refused: $(printf '%s\n' "$out" | head -n 1)"
else
    ko "broken JSON (exit $rc): $out"
fi

# A missing field: named with the file.
first=$(grep -l '"kind": *"population"' "$golden"/*.json | head -n 1)
python3 - "$first" "$tmp/nomem.json" <<'PY' 2>/dev/null || sed 's/"mem"/"mem_missing"/' "$first" >"$tmp/nomem.json"
import json, sys
d = json.load(open(sys.argv[1]))
del d["expected"]["mem"]
json.dump(d, open(sys.argv[2], "w"))
PY
out=$("$bin" conform "$tmp/nomem.json" 2>&1)
rc=$?
if [ $rc -ne 0 ] && printf '%s\n' "$out" | grep -q "nomem.json" &&
    printf '%s\n' "$out" | grep -q "expected.mem"; then
    ok "missing field named: $(printf '%s\n' "$out" | head -n 1)"
else
    ko "missing field (exit $rc): $out"
fi

# A wrong shape: one row short.
python3 - "$first" "$tmp/short.json" <<'PY' 2>/dev/null
import json, sys
d = json.load(open(sys.argv[1]))
d["input"] = d["input"][:-1]
json.dump(d, open(sys.argv[2], "w"))
PY
if [ -f "$tmp/short.json" ]; then
    out=$("$bin" conform "$tmp/short.json" 2>&1)
    rc=$?
    if [ $rc -ne 0 ] && printf '%s\n' "$out" | grep -q "short.json: input: must have"; then
        ok "wrong shape named: $(printf '%s\n' "$out" | head -n 1)"
    else
        ko "wrong shape (exit $rc): $out"
    fi
fi

# Help and usage errors.
if "$bin" conform --help | grep -q "usage: spikemesh conform"; then ok "--help"; else ko "--help"; fi
"$bin" conform >/dev/null 2>&1
[ $? -eq 2 ] && ok "no PATH: exit 2" || ko "no PATH should exit 2"
"$bin" conform --bogus "$golden" >/dev/null 2>&1
[ $? -eq 2 ] && ok "unknown option: exit 2" || ko "unknown option should exit 2"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
