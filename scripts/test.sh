#!/usr/bin/env bash
# The whole test suite: unit tests of the pure cores and the real-kernel, real-etcd, real-BIRD tests.
# Installs what it needs first (scripts/setup.sh), so a fresh clone run as root needs nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mapfile -t files < <(find dist/src dist/test -name '*.test.js' | sort)
if [ ${#files[@]} -eq 0 ]; then echo "no test files found" >&2; exit 1; fi
exec node --test --test-concurrency="${TEST_CONCURRENCY:-2}" --test-timeout="${TEST_TIMEOUT_MS:-600000}" "${files[@]}"
