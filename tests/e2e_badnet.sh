#!/bin/bash
# Bad network files through the command line: `spikemesh run BAD.json --out DIR`
# must exit 2, name the file, the JSON path and the value on stderr, and write
# nothing to DIR.
# Usage: e2e_badnet.sh SPIKEMESH_BINARY SOURCE_DIR [GOLDEN_DIR]
set -u
bin=$1
src=$2
tmp=$(mktemp -d /tmp/sm_badnet.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0

sim='"simulation": {"ticks": 20, "seed": 1}'
pops='"populations": [
  {"name": "in", "size": 4, "source": {"kind": "spike_times", "times": [[1], [2], [3], [4]]}},
  {"name": "a", "size": 3, "model": "lif", "params": {"beta": 0.9}},
  {"name": "b", "size": 3, "model": "lif", "params": {"beta": 0.9}}]'
a2a='"connectivity": {"kind": "all_to_all"}'

# case NAME JSON [EXPECTED-SUBSTRING...]
case_() {
    local name=$1 json=$2
    shift 2
    local f="$tmp/$name.json" out="$tmp/out_$name"
    printf '%s\n' "$json" > "$f"
    "$bin" run "$f" --out "$out" > "$tmp/stdout" 2> "$tmp/stderr"
    local rc=$?
    local ok=1
    if [ "$rc" -ne 2 ]; then
        echo "FAIL $name: exit status $rc, expected 2"
        ok=0
    fi
    for want in "$f" "$@"; do
        if ! grep -qF -- "$want" "$tmp/stderr"; then
            echo "FAIL $name: stderr lacks '$want'"
            ok=0
        fi
    done
    if [ -e "$out" ]; then
        echo "FAIL $name: --out $out was created"
        ok=0
    fi
    if [ $ok -eq 1 ]; then
        echo "ok   $name: $(head -c 300 "$tmp/stderr")"
    else
        sed 's/^/     stderr: /' "$tmp/stderr"
        fails=$((fails + 1))
    fi
}

case_ malformed "{$sim, $pops,, }" "malformed JSON" ":4:"
case_ unknown_key "{$sim, $pops, \"projections\": [{\"source\": \"in\", \"target\": \"a\", $a2a, \"wieght\": 1}]}" \
    'projections[0]' 'unknown key "wieght"' 'did you mean "weight"'
case_ p_range "{$sim, $pops, \"projections\": [{\"source\": \"in\", \"target\": \"a\",
    \"connectivity\": {\"kind\": \"fixed_probability\", \"p\": 1.5}, \"weight\": 1}]}" \
    'projections[0].connectivity.p' 'got 1.5'
case_ unknown_model "{$sim, \"populations\": [{\"name\": \"a\", \"size\": 3, \"model\": \"izhikevich\"}]}" \
    'populations[0].model' '"izhikevich"'
case_ size_zero "{$sim, \"populations\": [{\"name\": \"a\", \"size\": 0, \"model\": \"lif\", \"params\": {\"beta\": 0.9}}]}" \
    'populations[0].size' 'got 0'
case_ unknown_pop "{$sim, $pops, \"projections\": [{\"source\": \"in\", \"target\": \"c\", $a2a, \"weight\": 1}]}" \
    'projections[0].target' '"c"'
case_ cycle "{$sim, $pops, \"projections\": [
    {\"source\": \"a\", \"target\": \"b\", $a2a, \"weight\": 1, \"delay\": 0},
    {\"source\": \"b\", \"target\": \"a\", $a2a, \"weight\": 1, \"delay\": 0}]}" \
    'delay-0 cycle a -> b -> a'
case_ negative_delay "{$sim, $pops, \"projections\": [{\"source\": \"in\", \"target\": \"a\", $a2a, \"weight\": 1, \"delay\": -2}]}" \
    'projections[0].delay' 'got -2'
case_ list_index "{$sim, $pops, \"projections\": [{\"source\": \"in\", \"target\": \"a\",
    \"connectivity\": {\"kind\": \"list\", \"connections\": [[0, 0, 1, 1], [9, 0, 1, 1]]}}]}" \
    'projections[0].connectivity.connections[1][0]' 'got 9'
printf 'src,dst,weight,delay\n0,0,1,1\n1,0,one,1\n' > "$tmp/conn.csv"
case_ csv_line "{$sim, $pops, \"projections\": [{\"source\": \"in\", \"target\": \"a\",
    \"connectivity\": {\"kind\": \"list\", \"file\": \"conn.csv\"}}]}" \
    'projections[0].connectivity.file' "$tmp/conn.csv:3:" '"one"'
case_ trace_index "{$sim, $pops, \"record\": {\"traces\": [{\"population\": \"b\", \"index\": 3}]}}" \
    'record.traces[0].index' 'got 3'

# The same command on a good file must succeed, or the checks above prove
# nothing.
good="$tmp/good.json"
printf '%s\n' "{$sim, $pops, \"projections\": [{\"source\": \"in\", \"target\": \"a\", $a2a, \"weight\": 1.5}]}" > "$good"
if "$bin" run "$good" --out "$tmp/out_good" > "$tmp/stdout" 2> "$tmp/stderr"; then
    echo "ok   good file runs"
else
    echo "FAIL good file: exit status $?"
    sed 's/^/     stderr: /' "$tmp/stderr"
    fails=$((fails + 1))
fi

# The complete example of the test data loads through the command line too.
if "$bin" run "$src/tests/data/full.json" --out "$tmp/out_full" > "$tmp/stdout" 2> "$tmp/stderr"; then
    echo "ok   tests/data/full.json runs"
else
    echo "FAIL tests/data/full.json: exit status $?"
    sed 's/^/     stderr: /' "$tmp/stderr"
    fails=$((fails + 1))
fi

if [ $fails -ne 0 ]; then
    echo "$fails case(s) failed"
    exit 1
fi
echo "all bad network files refused"
