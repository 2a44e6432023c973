#!/usr/bin/env bash
# Sets up (idempotently) and runs `scpm serve` with the embedded defaults: the built-in city
# simulator, the local store and index, no camera or microphone. Extra arguments go to serve.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/lib.sh
step "scpm serve (Ctrl-C stops it cleanly)"
exec "$SCPM_TARGET/release/scpm" serve "$@"
