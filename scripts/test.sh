#!/usr/bin/env bash
# Sets up (idempotently) everything the tests need and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --for-tests
source scripts/lib.sh
step "cargo test (unit, integration and end-to-end tests)"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
cargo test --locked -- --test-threads=2 2>&1 | tee "$log" || status=$?
# One closing line over all test binaries.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed;?$/) p += $(i-1); if ($(i) ~ /^failed;?$/) f += $(i-1) } }
     END { printf "\nall tests: %d passed, %d failed\n", p, f }' "$log"
# The Debian package of the binary just tested, installed into a throwaway copy of this machine
# and driven from outside (the release package is `scripts/package.sh`).
step "Debian package: build, install, serve, remove (scripts/package-check.sh)"
deb="$(scripts/package.sh --profile dev | tail -1)"
scripts/package-check.sh "$deb" models || status=1
exit "$status"
