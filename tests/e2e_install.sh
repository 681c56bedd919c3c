#!/usr/bin/env bash
# `cmake --install` into a temporary prefix, then the C example
# (tools/examples/c/run_feedforward.c) built against what was installed with
# `pkg-config --cflags --libs spikemesh`, shared and static: both must run
# the feedforward example on loihi and give the installed command's spikes.
# usage: e2e_install.sh SPIKEMESH SOURCE_DIR [GOLDEN_DIR]
# (SM_TOOLS_DIR names the build folder; SM_SANITIZED=1 when it was built with
# ASan + UBSan, whose runtime the example then links too.)
set -u
SRC=$2
BUILD=${SM_TOOLS_DIR:?SM_TOOLS_DIR must name the build folder}
CC=${CC:-cc}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

P=$T/prefix
if ! cmake --install "$BUILD" --prefix "$P" > "$T/install.txt" 2>&1; then
  cat "$T/install.txt"
  echo "FAIL cmake --install"
  exit 1
fi
ok "cmake --install --prefix"
pc=$(find "$P" -name spikemesh.pc)
check "installed spikemesh.pc" "[ -n '$pc' ]"
export PKG_CONFIG_PATH=$(dirname "$pc")
LIBDIR=$(pkg-config --variable=libdir spikemesh)
check "installed the command" "[ -x '$P/bin/spikemesh' ]"
check "installed the header" "[ -f '$P/include/spikemesh.h' ]"
check "installed the shared library" "[ -f '$LIBDIR/libspikemesh.so' ] && [ -f '$LIBDIR/libspikemesh.so.0' ]"
check "installed the static library" "[ -f '$LIBDIR/libspikemesh.a' ]"
check "pkg-config's version is the command's" \
  "[ \"spikemesh \$(pkg-config --modversion spikemesh)\" = \"\$('$P/bin/spikemesh' --version)\" ]"
check "the shared library exports spikemesh_* only" \
  "[ -z \"\$(nm -D --defined-only '$LIBDIR/libspikemesh.so' | awk '{print \$3}' | grep -v '^spikemesh_')\" ]"

san=""
[ "${SM_SANITIZED:-0}" = 1 ] && san="-fsanitize=address,undefined"
# The public header stands alone, in strict C99 and in C++.
printf '#include <spikemesh.h>\nint main(void) { return spikemesh_strerror(0) == 0; }\n' > "$T/hdr.c"
check "spikemesh.h compiles alone (C99, -Wall -Wextra -Wpedantic -Werror)" \
  "$CC -std=c99 -Wall -Wextra -Wpedantic -Werror -c '$T/hdr.c' -o '$T/hdr.o' \$(pkg-config --cflags spikemesh)"
if command -v c++ > /dev/null; then
  cp "$T/hdr.c" "$T/hdr.cc"
  check "spikemesh.h compiles as C++" \
    "c++ -Wall -Wextra -Werror -c '$T/hdr.cc' -o '$T/hdrxx.o' \$(pkg-config --cflags spikemesh)"
fi

EXAMPLE=$SRC/tools/examples/c/run_feedforward.c
NET=$SRC/tools/examples/feedforward.json
"$P/bin/spikemesh" run "$NET" --chip loihi --threads 1 --out "$T/cli" --quiet
check "installed command runs feedforward on loihi" "[ -s '$T/cli/spikes.csv' ]"

# Shared: what the docs say, verbatim but for the sanitizers.
if $CC -std=c11 -Wall -Wextra -Wpedantic -Werror $san "$EXAMPLE" \
     $(pkg-config --cflags --libs spikemesh) -o "$T/ex_shared" 2> "$T/cc.txt"; then
  ok "example builds with pkg-config --cflags --libs spikemesh"
else
  cat "$T/cc.txt"
  bad "example builds with pkg-config --cflags --libs spikemesh"
fi
LD_LIBRARY_PATH=$LIBDIR "$T/ex_shared" "$NET" loihi "$T/shared.csv" > "$T/shared.txt" 2>&1
check "shared example exits 0" "[ $? -eq 0 ]"
check "shared example prints the energy" "grep -q 'energy.total' '$T/shared.txt'"
check "shared example: spikes identical to the command's spikes.csv" \
  "cmp -s '$T/shared.csv' '$T/cli/spikes.csv'"
check "shared example links libspikemesh.so" \
  "LD_LIBRARY_PATH='$LIBDIR' ldd '$T/ex_shared' | grep -q 'libspikemesh.so.0 => $LIBDIR'"

# Static: the archive, then the private dependencies that pkg-config --static lists.
static_libs=$(pkg-config --static --libs spikemesh | sed 's/ -lspikemesh / /')
if $CC -std=c11 $san "$EXAMPLE" $(pkg-config --cflags spikemesh) "$LIBDIR/libspikemesh.a" \
     $static_libs -o "$T/ex_static" 2> "$T/cc.txt"; then
  ok "example builds against libspikemesh.a with pkg-config --static"
else
  cat "$T/cc.txt"
  bad "example builds against libspikemesh.a with pkg-config --static"
fi
check "static example needs no libspikemesh.so" "! ldd '$T/ex_static' | grep -q libspikemesh"
"$T/ex_static" "$NET" loihi "$T/static.csv" > "$T/static.txt" 2>&1
check "static example: same output as the shared one" \
  "cmp -s '$T/static.csv' '$T/cli/spikes.csv' && cmp -s '$T/static.txt' '$T/shared.txt'"

# Errors come back as the library's message.
LD_LIBRARY_PATH=$LIBDIR "$T/ex_shared" "$T/missing.json" > /dev/null 2> "$T/err.txt"
rc=$?
check "example on a missing file exits 1 and names the file" \
  "[ $rc -eq 1 ] && grep -qF '$T/missing.json' '$T/err.txt'"
LD_LIBRARY_PATH=$LIBDIR "$T/ex_shared" "$NET" nosuchchip > /dev/null 2> "$T/err.txt"
check "example on an unknown chip names it" "grep -q nosuchchip '$T/err.txt'"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
