#!/usr/bin/env bash
# The benchmark suite in one command: builds spikemesh (Release) into
# build-bench if needed, then runs `spikemesh bench "$@" --json bench.json`.
# Usage: tools/bench/run.sh [--quick] [--repeat N] [--only NAME]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${SM_BENCH_BUILD:-$root/build-bench}"
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" -j "$(nproc)" --target spikemesh >/dev/null
has_json=0
for a in "$@"; do [ "$a" = "--json" ] && has_json=1; done
if [ "$has_json" = 1 ]; then
  exec "$build/spikemesh" bench "$@"
fi
exec "$build/spikemesh" bench "$@" --json "${SM_BENCH_JSON:-bench.json}"
