#!/usr/bin/env bash
# Sets up (idempotently) everything the tests need and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --for-tests
source scripts/lib.sh
step "cargo test (unit, integration and end-to-end tests)"
cargo test --locked -- --test-threads=2
