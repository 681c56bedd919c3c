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

# loihi_lif and its fixed-point Dense projections: integer parameters in range.
lpops='"populations": [
  {"name": "in", "size": 2, "source": {"kind": "spike_times", "times": [[1], [2]]}},
  {"name": "L", "size": 2, "model": "loihi_lif", "params": {"du": 100, "dv": 200, "vth": 50}}]'
lproj() { printf '"projections": [{"source": "in", "target": "L", "connectivity": {"kind": "all_to_all"}, %s}]' "$1"; }
case_ loihi_du "{$sim, \"populations\": [{\"name\": \"L\", \"size\": 2, \"model\": \"loihi_lif\", \"params\": {\"du\": 4096}}]}" \
    'populations[0].params.du' 'got 4096'
case_ loihi_vth25 "{$sim, \"populations\": [{\"name\": \"L\", \"size\": 2, \"model\": \"loihi_lif\", \"params\": {\"vth\": 16777216}}]}" \
    'populations[0].params.vth' 'got 16777216'
case_ loihi_float_param "{$sim, \"populations\": [{\"name\": \"L\", \"size\": 2, \"model\": \"loihi_lif\", \"params\": {\"dv\": 0.5}}]}" \
    'populations[0].params.dv' 'must be an integer'
case_ loihi_weight_exp "{$sim, $lpops, $(lproj '"weight": 10, "weight_exp": 8')}" \
    'projections[0].weight_exp' 'got 8'
case_ loihi_weight_bits "{$sim, $lpops, $(lproj '"weight": 10, "num_weight_bits": 0')}" \
    'projections[0].num_weight_bits' 'got 0'
case_ loihi_float_weight "{$sim, $lpops, $(lproj '"weight": 2.5')}" \
    'projections[0].weight' 'integer weights' '2.5'
case_ loihi_dist_weight "{$sim, $lpops, $(lproj '"weight": {"uniform": [0, 10]}')}" \
    'projections[0].weight' 'integer weights'
case_ loihi_port "{$sim, $lpops, $(lproj '"weight": 3, "port": "inh"')}" \
    'projections[0].port' 'sign is in the weights'
case_ loihi_sign "{$sim, $lpops, $(lproj '"weight": 3, "sign_mode": "NEGATIVE"')}" \
    'projections[0].sign_mode' '"NEGATIVE"'
case_ fixed_into_float "{$sim, $pops, \"projections\": [{\"source\": \"in\", \"target\": \"a\", $a2a, \"weight\": 1, \"weight_exp\": 1}]}" \
    'projections[0].weight_exp' 'loihi_lif'
case_ loihi_init_float "{$sim, \"populations\": [{\"name\": \"L\", \"size\": 2, \"model\": \"loihi_lif\", \"initial\": {\"u\": [0, 0.5]}}]}" \
    'populations[0].initial.u[1]' 'must be an integer'
case_ loihi_payload "{$sim, \"populations\": [{\"name\": \"in\", \"size\": 1, \"source\": {\"kind\": \"spike_times\", \"times\": [[1, 2]], \"payloads\": [[3, 0]]}}]}" \
    'populations[0].source.payloads[0][1]' 'got 0'
case_ loihi_current "{$sim, $lpops, \"currents\": [{\"target\": \"L\", \"amplitude\": 1.0}]}" \
    'currents[0]' 'bias_mant'

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
