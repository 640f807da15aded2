#!/usr/bin/env bash
# The README demo: builds hubdeps, starts the local test Hub with its demo
# repos, then configures, builds and runs examples/quickstart against it, and
# stops the Hub. Nothing leaves this machine: HF_ENDPOINT is the local Hub.
# Usage: scripts/demo.sh [build-dir]   (default: build)
# Everything the demo writes (Hub data, Hugging Face cache, lockfile, the
# quickstart's build) goes to <build-dir>/demo/.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="$(mkdir -p "${1:-$here/build}" && cd "${1:-$here/build}" && pwd)"
demo="$build/demo"

bash "$here/scripts/install-deps.sh"
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" --target hubdeps

# A fresh Hub each time; the seeded repos are the same on every run.
rm -rf "$demo/hub"
mkdir -p "$demo/hub"
python3 "$here/tests/hub/hubserver.py" --root "$demo/hub/data" --port-file "$demo/hub/ports.json" --seed \
  >"$demo/hub/server.log" 2>&1 &
hub_pid=$!
trap 'kill "$hub_pid" 2>/dev/null || true; wait "$hub_pid" 2>/dev/null || true' EXIT
for _ in $(seq 300); do
  [ -f "$demo/hub/ports.json" ] && break
  kill -0 "$hub_pid" 2>/dev/null || break
  sleep 0.1
done
if [ ! -f "$demo/hub/ports.json" ]; then
  cat "$demo/hub/server.log" >&2
  echo "demo: the local test Hub did not start (log above)" >&2
  exit 1
fi

# The Hub, and a cache of the demo's own so the user's real cache is left alone.
HF_ENDPOINT="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["endpoint"])' "$demo/hub/ports.json")"
export HF_ENDPOINT
export HF_HUB_CACHE="$demo/hf-cache"
unset HF_TOKEN HUGGING_FACE_HUB_TOKEN HF_HUB_OFFLINE
echo "demo: HF_ENDPOINT=$HF_ENDPOINT HF_HUB_CACHE=$HF_HUB_CACHE"

cmake -S "$here/examples/quickstart" -B "$demo/quickstart" -G Ninja \
  -DHUBDEPS_EXECUTABLE="$build/tool/hubdeps" -DHUBDEPS_LOCKFILE="$demo/hubdeps.lock"
cmake --build "$demo/quickstart"
"$demo/quickstart/quickstart"
