#!/usr/bin/env bash
# Set everything up and run the whole test suite: architecture contracts, unit,
# integration and functional tests on SQLite and on PostgreSQL, and browser
# tests in headless Chromium. Tests create and drop their own databases.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh --with-tests
bash scripts/ensure-services.sh
echo "[tests] import contracts (domain packages never import Flask or app)"
.venv/bin/lint-imports
echo "[tests] pytest"
exec .venv/bin/python -m pytest -p no:cacheprovider -n 2 "$@"
