#!/usr/bin/env bash
# Set everything up and run eOffice on the embedded default (SQLite, in-process
# jobs, files under instance/) at http://127.0.0.1:5000 with the demo agency.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh
export EOFFICE_DATA_DIR="${EOFFICE_DATA_DIR:-$ROOT/instance}"
mkdir -p "$EOFFICE_DATA_DIR"
.venv/bin/flask --app wsgi db upgrade
.venv/bin/flask --app wsgi demo
echo
echo "eOffice chạy tại http://127.0.0.1:${PORT:-5000} (dữ liệu DEMO, chỉ để thử nghiệm). Ctrl+C để dừng."
exec .venv/bin/flask --app wsgi run --host 127.0.0.1 --port "${PORT:-5000}"
