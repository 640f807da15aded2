#!/usr/bin/env bash
# The Windows stage of the test suite: cross-builds hubdeps.exe with MinGW-w64
# (cmake/toolchains/mingw-w64.cmake, warnings as errors) and runs the end-to-end
# tests listed in tests/wine/selection.txt against it under Wine, with the local
# test Hub. Skips, saying why, where MinGW-w64 or Wine is missing or Wine cannot
# start a program (scripts/install-deps.sh wine installs both).
# Usage: scripts/test-wine.sh [build-dir]   (default: build-win)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build-win}"
# Absolute: Wine refuses a relative WINEPREFIX, and the tests run from tests/e2e.
mkdir -p "$build" && build="$(cd "$build" && pwd)"

wine="$(command -v wine64 || true)"
[ -z "$wine" ] && [ -x /usr/lib/wine/wine64 ] && wine=/usr/lib/wine/wine64  # Debian's wine64 without the wine package
if ! command -v x86_64-w64-mingw32-g++-posix >/dev/null || [ -z "$wine" ]; then
  echo "== Windows (Wine): SKIPPED: needs g++-mingw-w64-x86-64-posix and wine64 (scripts/install-deps.sh wine) =="
  exit 0
fi

echo "== Windows: cross-build hubdeps.exe (MinGW-w64, -Werror) =="
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHUBDEPS_WERROR=ON \
      -DCMAKE_TOOLCHAIN_FILE="$here/cmake/toolchains/mingw-w64.cmake"
cmake --build "$build" --target hubdeps
exe="$build/tool/hubdeps.exe"
# The TLS tests' tool that puts the test Hub's certificate into the prefix's Root store (Wine has no certutil).
x86_64-w64-mingw32-gcc-posix -O2 -Wall -Wextra -Werror -o "$build/add_root_cert.exe" \
  "$here/tests/wine/add_root_cert.c" -lcrypt32

# A Wine prefix of this build's own; the first start creates it (about 8 s).
export WINEPREFIX="$build/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
wineserver="$(dirname "$wine")/wineserver"
command -v wineserver >/dev/null && wineserver="$(command -v wineserver)"
if ! version="$("$wine" "$exe" --version 2>&1)"; then
  echo "== Windows (Wine): SKIPPED: Wine cannot run programs here: $version =="
  exit 0
fi
echo "under Wine: $version"
# One Wine server for all the tests (each start of the helper then takes a fraction of a second).
"$wineserver" -p || true  # already running for this prefix: fine
trap '"$wineserver" -k || true' EXIT

echo "== Windows: end-to-end tests under Wine (tests/wine/selection.txt) =="
mapfile -t tests < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$here/tests/wine/selection.txt" | awk '{print $1}')
cd "$here/tests/e2e"
run_tests() {
  HUBDEPS_BIN="$here/tests/wine/hubdeps-under-wine" HUBDEPS_WINE_EXE="$exe" HUBDEPS_WINE="$wine" \
    HUBDEPS_WINE_ADD_ROOT_CERT="$build/add_root_cert.exe" \
    PYTHONPATH="$here/tests/wine" PYTHONDONTWRITEBYTECODE=1 python3 -m unittest "$@"
}
# Two shards at once, of whole modules: the stage runs beside the sanitizer stage and then alone, and one
# process of tests leaves a core idle. fetch and push in one, the rest (with every test that changes the
# prefix's certificate store) in the other.
first=() second=()
for test in "${tests[@]}"; do
  case "$test" in
    test_fetch* | test_push*) first+=("$test") ;;
    *) second+=("$test") ;;
  esac
done
run_tests "${first[@]}" > "$build/wine-tests-1.log" 2>&1 &
first_pid=$!
status=0
run_tests "${second[@]}" > "$build/wine-tests-2.log" 2>&1 || status=$?
wait "$first_pid" || status=$?
cat "$build/wine-tests-1.log" "$build/wine-tests-2.log"
exit "$status"
