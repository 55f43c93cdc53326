#!/usr/bin/env bash
# Set up eOffice on a fresh Debian machine (Python 3.11, root): system
# packages that are missing (apt-get), the virtual environment .venv/ with the
# pinned Python dependencies, the vendored pdf.js viewer and the compiled
# translations. Idempotent and quick when everything is already there.
#
# Usage: scripts/setup.sh [--with-tests]   (--with-tests adds Chromium and test tools)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
log() { printf '[setup] %s\n' "$*"; }

WITH_TESTS=0
if [[ "${1:-}" == "--with-tests" ]]; then WITH_TESTS=1; fi

# --- system packages -----------------------------------------------------------
# Liberation Serif: Times New Roman metrics with Vietnamese glyphs (DOMAIN §2.17);
# LibreOffice converts DOCX drafts; SoftHSM2/OpenSC hold PKCS#11 keys; poppler
# renders pages (pdftoppm) and checks signatures independently (pdfsig).
# Tesseract with Vietnamese data, Ghostscript, pngquant and unpaper: OCR of scans
# through OCRmyPDF (STACK.md §5). postgresql-client: pg_dump / pg_restore for
# `flask preservation backup|restore` on PostgreSQL.
APT_PACKAGES=(fonts-liberation2 fonts-dejavu-core libreoffice-writer-nogui softhsm2 opensc
              poppler-utils tesseract-ocr tesseract-ocr-vie ghostscript pngquant unpaper)
if [[ $WITH_TESTS -eq 1 ]]; then APT_PACKAGES+=(chromium libnss3-tools); fi
if ! command -v npm >/dev/null 2>&1; then APT_PACKAGES+=(npm); fi
if ! command -v pg_dump >/dev/null 2>&1; then APT_PACKAGES+=(postgresql-client); fi
if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then APT_PACKAGES+=(python3-venv); fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    if [[ "$(id -u)" -ne 0 ]]; then
        echo "[setup] missing system packages: ${missing[*]} (run as root or install them)" >&2
        exit 1
    fi
    log "installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- Python ------------------------------------------------------------------------
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
if [[ ! -x .venv/bin/python ]]; then
    log "creating .venv with $($PYTHON --version)"
    "$PYTHON" -m venv .venv
fi
extras=""
stamp=".venv/.installed"
if [[ $WITH_TESTS -eq 1 ]]; then extras="[test]"; stamp=".venv/.installed-tests"; fi
want="$(sha256sum pyproject.toml | cut -c1-64)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    log "installing Python dependencies (pinned in pyproject.toml)"
    .venv/bin/python -m pip install -q --upgrade pip >/dev/null
    .venv/bin/python -m pip install -q -e ".${extras}"
    echo "$want" > "$stamp"
fi

# --- front-end assets and translations -----------------------------------------
bash scripts/install_pdfjs.sh
bash scripts/install_bpmnjs.sh
.venv/bin/pybabel compile -d translations >/dev/null
log "ready"
