#!/usr/bin/env bash
# The whole test suite: install dependencies, build warning-free, run CTest,
# then rebuild the helper and the unit tests with ASan+UBSan and run them and
# the end-to-end tests of the helper again, while beside it the Windows
# helper is cross-built and its end-to-end tests run under Wine.
# Usage: scripts/test.sh [build-dir]   (default: build)
#   HUBDEPS_SKIP_SANITIZERS=1 skips the sanitizer stage (a quick local run).
#   HUBDEPS_SKIP_WINE=1 skips the Windows stage (hubdeps.exe cross-built and tested under Wine).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build}"
jobs="$(nproc)"

bash "$here/scripts/install-deps.sh"

echo "== build and test (-Werror) =="
# Debian's python3, whose python3-yaml install-deps.sh just made sure of, runs the test drivers.
python=(-DPython3_EXECUTABLE=/usr/bin/python3)
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHUBDEPS_WERROR=ON "${python[@]}"
cmake --build "$build"
ctest --test-dir "$build" --output-on-failure -j "$jobs" --timeout 900

# The Windows stage runs beside the sanitizer stage: both spend much of their
# time in end-to-end tests that wait on the network, and the suite stays well
# under 20 minutes that way. Its output is shown whole when it ends.
wine_pid=""
if [ "${HUBDEPS_SKIP_WINE:-0}" != "1" ]; then
  # Optional packages: without them (no network, no apt) the stage says it skips.
  bash "$here/scripts/install-deps.sh" wine || echo "hubdeps: could not install MinGW-w64 and Wine"
  wine_log="$build-win.log"
  echo "== Windows stage (MinGW-w64 + Wine) started in the background: $wine_log =="
  bash "$here/scripts/test-wine.sh" "$build-win" > "$wine_log" 2>&1 &
  wine_pid=$!
fi

if [ "${HUBDEPS_SKIP_SANITIZERS:-0}" != "1" ]; then
  echo "== ASan + UBSan =="
  asan="$build-asan"
  cmake -S "$here" -B "$asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DHUBDEPS_WERROR=ON -DHUBDEPS_SANITIZE=ON "${python[@]}"
  cmake --build "$asan" --target hubdeps hubdeps_unit_tests
  "$asan/tests/hubdeps_unit_tests" --gtest_brief=1
  ctest --test-dir "$asan" --output-on-failure -j "$jobs" --timeout 900 -L sanitize
fi

if [ -n "$wine_pid" ]; then
  wine_status=0
  wait "$wine_pid" || wine_status=$?
  cat "$wine_log"
  if [ "$wine_status" -ne 0 ]; then
    echo "== Windows stage FAILED (exit $wine_status) =="
    exit "$wine_status"
  fi
fi
