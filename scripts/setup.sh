#!/usr/bin/env bash
# One command from a fresh clone to a working tree: Debian packages, npm packages, a build.
# Safe to run again: every step skips what is already done.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run --silent build
echo "[setup] ready: try 'npx calicoctl version'" >&2
