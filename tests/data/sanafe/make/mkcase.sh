#!/bin/sh
# mkcase.sh SIM DATA NAME ARCH NET STEPS TIMING: runs SANA-FE's sim on DATA/ARCH and
# DATA/NET from DATA (so that a relative noise file resolves there) and writes
# DATA/cases/NAME/expected.json
set -e
SIM=$(realpath "$1") D=$2 NAME=$3 ARCH=$4 NET=$5 STEPS=$6 TM=$7
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
if [ "$TM" = simple ]; then f="-t simple"; else f=""; fi
(cd "$D" && OMP_NUM_THREADS=1 "$SIM" -s $f -o "$out" "$ARCH" "$NET" "$STEPS" > "$out/log.txt" 2>&1) || { tail -5 "$out/log.txt"; exit 1; }
mkdir -p "$D/cases/$NAME"
python3 "$here/to_expected.py" "$out" "$NAME" "<set>/arch/$ARCH" "<set>/nets/$NET" "$STEPS" "$TM" "$D/cases/$NAME/expected.json"
rm -rf "$out"
