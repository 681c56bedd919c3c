#!/usr/bin/env bash
# Coverage-guided fuzzing of every decoder of outside input: builds the
# libFuzzer binaries of tests/fuzz/ (libfuzz_<target>) with clang in a build
# folder of their own, writes each target's seed corpus from its Criterion
# suite (SM_FUZZ_SEEDS_ONLY, SM_FUZZ_CORPUS: the valid inputs its mutants start
# from, made from tests/data and tools/examples), runs each target for SECONDS
# and prints executions, coverage (libFuzzer's cov: edges and ft: features),
# corpus size and crashes per target. Exits 1 if any target crashed, leaked,
# timed out or ran out of memory; the input is kept under
# BUILD/fuzz/crashes/<target>/ (replay: BUILD/libfuzz_<target> FILE).
#
# usage: tools/bench/fuzz.sh [SECONDS] [TARGET...]   (default: 60 s, every target)
#   SM_FUZZ_BUILD=dir   build folder (default build-fuzz)
#   SM_FUZZ_JOBS=n      targets run at once (default 1)
#   SM_FUZZ_FLAGS=...   more libFuzzer flags (e.g. -max_len=4096)
# The corpus libFuzzer grows is kept in BUILD/fuzz/corpus/<target>/, so a
# second run goes on from the first; logs are in BUILD/fuzz/logs/.
set -euo pipefail
cd "$(dirname "$0")/../.."

usage() {
  echo "usage: tools/bench/fuzz.sh [SECONDS] [TARGET...]" >&2
  echo "targets: $(ls tests/fuzz/fuzz_*.c | sed 's|.*/fuzz_||; s|\.c$||' | tr '\n' ' ')" >&2
  exit 2
}

SECS=60
if [ $# -gt 0 ]; then
  [[ $1 =~ ^[0-9]+$ ]] && [ "$1" -gt 0 ] || usage
  SECS=$1
  shift
fi
B=${SM_FUZZ_BUILD:-build-fuzz}
JOBS=${SM_FUZZ_JOBS:-1}
[[ $JOBS =~ ^[0-9]+$ ]] && [ "$JOBS" -gt 0 ] || { echo "SM_FUZZ_JOBS must be a number > 0" >&2; exit 2; }
if [ $# -gt 0 ]; then
  TARGETS=("$@")
else
  mapfile -t TARGETS < <(ls tests/fuzz/fuzz_*.c | sed 's|.*/fuzz_||; s|\.c$||')
fi
for t in "${TARGETS[@]}"; do
  [ -f "tests/fuzz/fuzz_$t.c" ] || { echo "no fuzz target '$t'" >&2; usage; }
done
command -v clang > /dev/null || { echo "clang not found (Debian: apt-get install clang libclang-rt-14-dev)" >&2; exit 2; }

W=$B/fuzz
mkdir -p "$W/logs"
echo "== building the libFuzzer binaries in $B (clang, ASan + UBSan)"
CC=clang cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSM_LIBFUZZER=ON > "$W/logs/cmake.log" 2>&1 ||
  { cat "$W/logs/cmake.log" >&2; exit 2; }
build=()
for t in "${TARGETS[@]}"; do build+=(libfuzz_"$t" fuzz_"$t"); done
cmake --build "$B" -j"$(nproc)" --target "${build[@]}" > "$W/logs/build.log" 2>&1 ||
  { tail -40 "$W/logs/build.log" >&2; exit 2; }

echo "== seed corpora"
for t in "${TARGETS[@]}"; do
  rm -rf "$W/seeds/$t"
  mkdir -p "$W/seeds/$t" "$W/corpus/$t" "$W/crashes/$t" "$W/tmp/$t"
  # The suite only writes its seeds; its own verdict is not the point here.
  TMPDIR=$W/tmp/$t SM_FUZZ_SEEDS_ONLY=1 SM_FUZZ_CORPUS=$W/seeds/$t "$B/fuzz_$t" --jobs 1 \
    > "$W/logs/$t.seeds.log" 2>&1 || true
  n=$(find "$W/seeds/$t" -type f | wc -l)
  [ "$n" -gt 0 ] || { echo "fuzz_$t wrote no seeds (see $W/logs/$t.seeds.log)" >&2; exit 2; }
  printf "  %-12s %3d seeds, %s\n" "$t" "$n" "$(du -sh "$W/seeds/$t" | cut -f1)"
done

run_one() {
  local t=$1
  touch "$W/logs/$t.start"
  local rc=0 more=""
  # nir and nirgraph read each input in a forked reader process, where libhdf5 may ask
  # for gigabytes on a corrupt file (the caller reports it); libFuzzer's
  # malloc limit would fire in that child and leave a spurious oom- file.
  # The caller stays under -rss_limit_mb.
  case $t in nir | nirgraph) more="-malloc_limit_mb=65536" ;; esac
  # The outer timeout only guards against a fuzzer that does not stop.
  TMPDIR=$W/tmp/$t timeout -k 10 $((SECS + 300)) "$B/libfuzz_$t" -max_total_time="$SECS" \
    -print_final_stats=1 -timeout=25 -rss_limit_mb=2048 -artifact_prefix="$W/crashes/$t/" \
    $more ${SM_FUZZ_FLAGS:-} "$W/corpus/$t" "$W/seeds/$t" > "$W/logs/$t.log" 2>&1 || rc=$?
  echo "$rc" > "$W/logs/$t.rc"
}

echo "== fuzzing ${#TARGETS[@]} targets, $SECS s each, $JOBS at a time"
for t in "${TARGETS[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
  run_one "$t" &
done
wait

fz_stat() { # fz_stat NAME LOG: a final stat of libFuzzer's, or -
  local v
  v=$(sed -n "s/^stat::$1: *//p" "$2" | tail -1)
  echo "${v:--}"
}

printf "\n%-12s %12s %9s %7s %7s %7s %8s  %s\n" target executions "exec/s" cov ft corpus slowest result
failed=0
for t in "${TARGETS[@]}"; do
  log=$W/logs/$t.log
  rc=$(cat "$W/logs/$t.rc" 2>/dev/null || echo 1)
  last=$(grep -E '^#[0-9]+.* cov: ' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<< "$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<< "$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<< "$last")
  # -quit, not "| head -1": with pipefail, find killed by SIGPIPE (many
  # files) would end the script before the target's line.
  new=$(find "$W/crashes/$t" -type f -newer "$W/logs/$t.start" \
          \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) -print -quit)
  if [ "$rc" = 0 ]; then
    result="ok"
    # A libhdf5 crash in nir's reader process runs libFuzzer's handler there
    # (inherited through fork) and leaves a crash- file, though the caller
    # reported a corrupt file and went on: those are kept apart and counted.
    reader=$(find "$W/crashes/$t" -maxdepth 1 -type f -newer "$W/logs/$t.start" -name 'crash-*')
    if [ -n "$reader" ]; then
      mkdir -p "$W/crashes/$t/reader"
      mv $reader "$W/crashes/$t/reader/"
      result="ok (libhdf5 crashed in the reader process on $(wc -l <<< "$reader") inputs, reported; in $W/crashes/$t/reader/)"
    fi
  else
    failed=1
    why=$(grep -m1 -E '^(==[0-9]+==ERROR|fuzz [a-z_]+:|SUMMARY|.*runtime error)' "$log" | cut -c1-100 || true)
    result="FAILED (exit $rc${new:+, input $new}) ${why:-see $log}"
  fi
  printf "%-12s %12s %9s %7s %7s %7s %7ss  %s\n" "$t" "$(fz_stat number_of_executed_units "$log")" \
    "$(fz_stat average_exec_per_sec "$log")" "${cov:--}" "${ft:--}" "${corp:--}" \
    "$(fz_stat slowest_unit_time_sec "$log")" "$result"
done
exit $failed
