#!/usr/bin/env bash
# The Python package (tools/python) end to end: pip-installed into a fresh
# virtual environment with the build's libspikemesh.so bundled, then the
# five-line script of docs/python.md, its NIR script, and the package's unit
# tests, which check its spikes, traces, counters and energy against the
# command's files.
# usage: e2e_python.sh SPIKEMESH SOURCE_DIR [GOLDEN_DIR]
# SM_TOOLS_DIR names the build folder; SM_PYTHON a python3 to use (default:
# the first of python3 and /usr/bin/python3 with numpy and venv; none: skip,
# exit 77). SM_SANITIZED=1: the library carries ASan + UBSan, preloaded.
set -u
BIN=$1
SRC=$2
BUILD=${SM_TOOLS_DIR:?SM_TOOLS_DIR must name the build folder}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }

PY=""
for p in ${SM_PYTHON:-python3 /usr/bin/python3}; do
  if "$p" -c "import numpy, venv, ensurepip" > /dev/null 2>&1; then
    PY=$p
    break
  fi
done
if [ -z "$PY" ]; then
  echo "SKIP: no python3 with numpy and venv (Debian: apt-get install python3-numpy python3-venv)"
  exit 77
fi
echo "python: $PY ($("$PY" --version 2>&1))"

# A copy of the package, so that building it writes nothing into the tree;
# --system-site-packages lends the venv the system's numpy; --no-index keeps
# pip off the network.
cp -r "$SRC/tools/python" "$T/pkg"
rm -rf "$T/pkg/build" "$T/pkg"/*.egg-info
if ! "$PY" -m venv --system-site-packages "$T/venv" > "$T/venv.txt" 2>&1; then
  cat "$T/venv.txt"
  echo "FAIL python3 -m venv"
  exit 1
fi
VPY=$T/venv/bin/python
if SPIKEMESH_BUILD_DIR=$BUILD "$VPY" -m pip install -v --no-index "$T/pkg" > "$T/pip.txt" 2>&1; then
  ok "pip install ./tools/python (library from SPIKEMESH_BUILD_DIR)"
else
  cat "$T/pip.txt"
  bad "pip install ./tools/python"
  echo "$pass passed, $fail failed"
  exit 1
fi
grep "spikemesh: bundling" "$T/pip.txt"

# What runs in Python from here on finds only the installed package and the
# library bundled in it.
unset SPIKEMESH_LIB SPIKEMESH_BUILD_DIR
export PYTHONPATH=
if [ "${SM_SANITIZED:-0}" = 1 ]; then
  export LD_PRELOAD="$(cc -print-file-name=libasan.so) $(cc -print-file-name=libubsan.so)"
  export ASAN_OPTIONS=detect_leaks=0
fi
where=$(cd "$T" && "$VPY" -c "import spikemesh; print(spikemesh.library_path)")
case "$where" in
  "$T/venv/"*) ok "the package loads the library bundled in it ($where)" ;;
  *) bad "the package loads the library bundled in it (got '$where')" ;;
esac

# The five-line script: the first python block of docs/python.md, run from
# the repository's top as the page says.
awk '/^```python/ {on = 1; next} /^```/ && on {exit} on' "$SRC/docs/python.md" > "$T/five.py"
lines=$(grep -c . "$T/five.py")
if [ "$lines" -ge 1 ] && [ "$lines" -le 5 ]; then
  ok "docs/python.md opens with a script of $lines lines"
else
  bad "docs/python.md opens with a script of at most five lines (got $lines)"
fi
awk '/^```python/ {n++} n == 1 && /^```$/ {m++; if (m == 2) {on = 1; next}} on && /^```/ {exit} on' \
  "$SRC/docs/python.md" > "$T/five.want"
if (cd "$SRC" && "$VPY" "$T/five.py") > "$T/five.txt" 2>&1 && grep -q "J" "$T/five.txt" &&
   cmp -s "$T/five.txt" "$T/five.want"; then
  ok "the five-line script runs feedforward on loihi and prints what the page says: $(cat "$T/five.txt")"
else
  cat "$T/five.txt"
  bad "the five-line script runs feedforward on loihi and prints its energy, as docs/python.md says ($(cat "$T/five.want"))"
fi
# The NIR script of docs/python.md ("## NIR graphs"): at most five lines,
# printing what the page says it prints.
awk '/^## NIR graphs/ {sec = 1} sec && /^```python/ {on = 1; next} on && /^```/ {exit} on' \
  "$SRC/docs/python.md" > "$T/nir.py"
awk '/^## NIR graphs/ {sec = 1} sec && /^```/ {n++; if (n == 3) {on = 1; next}} on && /^```/ {exit} on' \
  "$SRC/docs/python.md" > "$T/nir.want"
lines=$(grep -c . "$T/nir.py")
if [ "$lines" -ge 1 ] && [ "$lines" -le 5 ] && grep -q set_batch "$T/nir.py" && [ -s "$T/nir.want" ]; then
  ok "docs/python.md's NIR script has $lines lines"
else
  bad "docs/python.md's NIR script: at most five lines with its output (got $lines lines)"
fi
if (cd "$SRC" && "$VPY" "$T/nir.py") > "$T/nir.txt" 2>&1 && cmp -s "$T/nir.txt" "$T/nir.want"; then
  ok "the NIR script runs the paper CNN on loihi and prints what the page says: $(cat "$T/nir.txt")"
else
  cat "$T/nir.txt"
  bad "the NIR script prints what docs/python.md says ($(cat "$T/nir.want"))"
fi
"$BIN" run "$SRC/tools/examples/feedforward.json" --chip loihi --out "$T/cli" --quiet
want=$("$PY" -c "import json, sys; print(json.load(open(sys.argv[1]))['energy']['total'])" "$T/cli/stats.json")
got=$(cd "$T" && "$VPY" -c "import spikemesh as sm; print(sm.load('$SRC/tools/examples/feedforward.json').run(chip='loihi').energy['total'])")
if "$PY" -c "import sys; a, b = map(float, sys.argv[1:]); sys.exit(abs(a - b) > 1e-12 * abs(b))" "$got" "$want"; then
  ok "its energy is stats.json's ($got J)"
else
  bad "its energy is stats.json's (python $got, stats.json $want)"
fi

# The unit tests, against the command line's files.
if (cd "$T" && SPIKEMESH_BIN=$BIN SPIKEMESH_SOURCE_DIR=$SRC \
      "$VPY" -m unittest discover -s "$SRC/tools/python/tests" -v) > "$T/unit.txt" 2>&1; then
  ok "python3 -m unittest: $(grep -E '^Ran ' "$T/unit.txt")"
else
  cat "$T/unit.txt"
  bad "python3 -m unittest"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
