#!/usr/bin/env bash
# Lava's bit-accurate cases through `spikemesh conform`, i.e. through the
# engine: the visible cases (tests/data/lava) on the event and the dense
# engine, random cases from an independent Python model of the equations
# (tests/lava_reference.py), a folder of hidden cases if SM_LAVA_HIDDEN
# names one, and a broken case's message.
# usage: bash tests/e2e_lava.sh <spikemesh binary> <source dir> [<golden dir>]
set -u
bin=$1
src=$2
lava=$src/tests/data/lava
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }

# conform DESCRIPTION MIN_PASSED ARGS...: exit 0, every case passed.
conform() {
    local what=$1 min=$2
    shift 2
    local out rc last n
    out=$("$bin" conform "$@" 2>&1)
    rc=$?
    last=$(printf '%s\n' "$out" | tail -n 1)
    n=$(printf '%s\n' "$last" | sed -n 's/^\([0-9]*\) passed, 0 failed$/\1/p')
    if [ $rc -eq 0 ] && [ -n "$n" ] && [ "$n" -ge "$min" ]; then
        ok "$what: $last"
    else
        ko "$what (exit $rc): $(printf '%s\n' "$out" | grep -v '^PASS' | head -5)"
    fi
}

[ -x "$bin" ] || { echo "no binary at $bin"; exit 1; }

conform "visible Lava cases, event engine" 5 "$lava"
conform "visible Lava cases, dense engine" 5 --dense "$lava"
out=$("$bin" conform "$lava" 2>&1)
printf '%s\n' "$out" | grep -q '^PASS lava_net_2layer  exact: u, v and spikes' &&
    ok "network case compared exactly" || ko "network case line: $out"

if [ -n "${SM_LAVA_HIDDEN:-}" ]; then
    conform "hidden Lava cases ($SM_LAVA_HIDDEN), event engine" 1 "$SM_LAVA_HIDDEN"
    conform "hidden Lava cases, dense engine" 1 --dense "$SM_LAVA_HIDDEN"
fi

if python3 "$src/tests/lava_reference.py" "$tmp/synth" 24 7 2>"$tmp/py.err"; then
    conform "24 random cases of the reference model, event engine" 24 "$tmp/synth"
    conform "24 random cases of the reference model, dense engine" 24 --dense "$tmp/synth"
else
    ko "tests/lava_reference.py: $(cat "$tmp/py.err")"
fi
# Graded payloads of either sign into the network cases (Lava's Dense takes
# any integer payload).
if python3 "$src/tests/lava_reference.py" "$tmp/signed" 12 11 signed 2>"$tmp/py.err" &&
    python3 -c "import glob, json, sys; sys.exit(not sum(x < 0 for f in glob.glob(sys.argv[1] + '/synth_net_*.json') for r in json.load(open(f))['input_payload'] for x in r))" "$tmp/signed"; then
    conform "12 random cases with negative payloads, event engine" 12 "$tmp/signed"
    conform "12 random cases with negative payloads, dense engine" 12 --dense "$tmp/signed"
else
    ko "tests/lava_reference.py signed: $(cat "$tmp/py.err")"
fi

# The cross-check (tests/lava_crosscheck.py, a second independent model of
# the README, stdlib only): it reproduces Lava's visible cases, and its edge
# cases (decays 0/1/4095, vth and bias extremes, u at +-2^23, v saturation,
# every sign mode x num_weight_bits 1..8 at the clipping edges, weight_exp
# -7..7, recurrence, graded payloads, 1000-step runs) pass on both engines.
cc=$src/tests/lava_crosscheck.py
out=$(python3 "$cc" verify "$lava" 2>&1)
printf '%s\n' "$out" | tail -n 1 | grep -qx '5 same, 0 differ' &&
    ok "lava_crosscheck.py reproduces the visible cases" || ko "lava_crosscheck.py verify: $out"
if python3 "$cc" edge "$tmp/edge" >/dev/null 2>"$tmp/py.err"; then
    conform "edge cases of lava_crosscheck.py, event engine" 130 "$tmp/edge"
    conform "edge cases of lava_crosscheck.py, dense engine" 130 --dense "$tmp/edge"
else
    ko "lava_crosscheck.py edge: $(cat "$tmp/py.err")"
fi
# A few of them as network files through `spikemesh run` on 2 threads (3
# neurons a core, so that layers are split between shards): the file
# loader's Dense and the shards give the same integers.
if [ -d "$tmp/edge" ]; then
    nrun=0
    for n in ours_recurrent_negneg ours_3layer_mid_recurrent ours_graded_s8 ours_long_net_4layer \
        ours_u_wrap_du0; do
        nrun=$((nrun + 1))
        out=
        if python3 "$cc" netfile "$tmp/edge/$n.json" "$tmp/$n.net.json" &&
            "$bin" run "$tmp/$n.net.json" --threads 2 --neurons-per-core 3 --out "$tmp/run_$n" \
                >"$tmp/run.log" 2>&1 &&
            out=$(python3 "$cc" checkrun "$tmp/edge/$n.json" "$tmp/run_$n") && [ "$out" = SAME ]; then
            :
        else
            ko "$n through spikemesh run --threads 2: ${out:-$(tail -n 2 "$tmp/run.log")}"
            nrun=-100
        fi
    done
    [ $nrun -gt 0 ] && ok "$nrun edge cases through spikemesh run on 2 threads: u, v and spikes exact"
fi

# Out-of-range and malformed variants: each refused with exit 2, its line
# naming the file, the field and the value (expect.tsv: name, field, value).
if python3 "$cc" bad "$tmp/bad" 2>"$tmp/py.err"; then
    nbad=0
    while IFS=$'\t' read -r name field value; do
        out=$("$bin" conform "$tmp/bad/$name.json" 2>&1)
        rc=$?
        line=$(printf '%s\n' "$out" | head -n 1)
        case "$line" in
        "FAIL $name  $tmp/bad/$name.json: "*"$field"*"$value"*) [ $rc -eq 2 ] || { ko "$name: exit $rc"; nbad=$((nbad + 1)); } ;;
        *) ko "$name (exit $rc): $line"; nbad=$((nbad + 1)) ;;
        esac
    done <"$tmp/bad/expect.tsv"
    [ $nbad -eq 0 ] && ok "$(wc -l <"$tmp/bad/expect.tsv") malformed cases refused (exit 2, file, field, value)"
else
    ko "lava_crosscheck.py bad: $(cat "$tmp/py.err")"
fi

# A case the loader refuses: named, counted as failed, exit 2 (bad input).
python3 - "$lava/lava_lif_nodecay_pulses.json" "$tmp/bad_du.json" "$tmp/no_u.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["params"]["du"] = 5000
json.dump(d, open(sys.argv[2], "w"))
d = json.load(open(sys.argv[1]))
del d["expected"]["u"]
json.dump(d, open(sys.argv[3], "w"))
PY
out=$("$bin" conform "$tmp/bad_du.json" 2>&1)
rc=$?
if [ $rc -eq 2 ] && printf '%s\n' "$out" | grep -q 'FAIL bad_du .*bad_du.json: params.du: .*got 5000' &&
    printf '%s\n' "$out" | grep -qx '0 passed, 1 failed'; then
    ok "du out of range: $(printf '%s\n' "$out" | head -n 1)"
else
    ko "du out of range (exit $rc): $out"
fi
out=$("$bin" conform "$tmp/no_u.json" 2>&1)
printf '%s\n' "$out" | grep -q 'no_u.json: expected.u: missing' &&
    ok "missing field: $(printf '%s\n' "$out" | head -n 1)" || ko "missing field: $out"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
