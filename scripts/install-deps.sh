#!/usr/bin/env bash
# Installs what HubDeps needs to build and test, from Debian packages. Safe to
# run again: apt-get skips what is already installed.
# Usage: scripts/install-deps.sh [wine]   (wine: only the Windows stage's packages)
set -euo pipefail

packages=(
  build-essential cmake ninja-build git pkg-config
  libcurl4-openssl-dev   # HTTP: the transfer layer
  libssl-dev             # SHA-256 / SHA-1 via OpenSSL EVP
  nlohmann-json3-dev     # JSON: Hub API answers, lockfile, configs
  libcli11-dev           # the command line parser of the helper
  libgtest-dev libgmock-dev  # unit tests
  python3                # the local test Hub and the end-to-end tests
  python3-yaml           # tests parse generated model cards as the Hub would (YAML front matter)
  # what the official Python client (huggingface_hub, run from ../shared/peers) imports, for the cache tests
  python3-httpx python3-fsspec python3-tqdm python3-packaging python3-typing-extensions python3-click
  openssl                # tests make a self-signed certificate for the TLS test
  curl                   # the test Hub's own speed check
  nghttp2-proxy          # nghttpx: HTTP/2 in front of the test Hub (e2e test_http2, bench scenario 9)
  nodejs npm             # interop tests with the official @huggingface/hub client
  clang                  # generated headers are compiled with GCC and Clang; libFuzzer
)

# Optional group `wine`: the Windows stage of scripts/test.sh (scripts/test-wine.sh) cross-builds with
# MinGW-w64 (the posix flavour has std::thread) and runs the helper under Wine.
if [ "${1:-}" = "wine" ]; then
  packages=(g++-mingw-w64-x86-64-posix wine64)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node may come from somewhere other than Debian's package; do not fight it.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))

if ((${#missing[@]})); then
  echo "hubdeps: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
