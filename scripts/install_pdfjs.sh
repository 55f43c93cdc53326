#!/usr/bin/env bash
# Install a pinned Mozilla pdf.js (npm package "pdfjs-dist") into
# app/static/vendor/pdfjs/ so the PDF viewer is served from our own static
# folder (agencies run closed networks: no CDN at runtime).
#
# Idempotent: if app/static/vendor/pdfjs/VERSION already holds the pinned
# version and the runtime files are there, it does nothing.
#
# Usage: scripts/install_pdfjs.sh            (PDFJS_VERSION=x.y.z to override)
set -euo pipefail

PDFJS_VERSION="${PDFJS_VERSION:-6.5.438}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/app/static/vendor/pdfjs"
SCRATCH="$ROOT/.cache/npm-pdfjs"

log() { printf '[install_pdfjs] %s\n' "$*"; }

if [[ -f "$DEST/VERSION" && "$(cat "$DEST/VERSION")" == "$PDFJS_VERSION" \
      && -f "$DEST/pdf.min.mjs" && -f "$DEST/pdf.worker.min.mjs" \
      && -d "$DEST/cmaps" && -d "$DEST/standard_fonts" && -d "$DEST/wasm" \
      && -d "$DEST/iccs" ]]; then
    log "pdfjs-dist $PDFJS_VERSION already installed in ${DEST#"$ROOT"/}"
    exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
    if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        log "npm not found; installing it with apt-get (running as root)"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq npm
    else
        echo "[install_pdfjs] ERROR: npm is required but not installed." >&2
        echo "  Install Node.js and npm (e.g. 'sudo apt-get install -y npm')" >&2
        echo "  and run this script again." >&2
        exit 1
    fi
fi

PKG="$SCRATCH/node_modules/pdfjs-dist"
have_version=""
if [[ -f "$PKG/package.json" ]]; then
    have_version="$(node -p "require('$PKG/package.json').version" 2>/dev/null || true)"
fi
if [[ "$have_version" != "$PDFJS_VERSION" ]]; then
    log "installing pdfjs-dist@$PDFJS_VERSION into ${SCRATCH#"$ROOT"/}"
    mkdir -p "$SCRATCH"
    # --ignore-scripts: pdfjs-dist needs no install scripts; --omit=optional
    # skips the native "canvas" package that only Node.js rendering uses.
    # --engine-strict=false: its "engines" names Node.js for server-side use;
    # we only copy browser files, so an older local node is fine.
    npm install --no-audit --no-fund --no-save --ignore-scripts \
        --omit=optional --engine-strict=false --loglevel=error \
        --prefix "$SCRATCH" "pdfjs-dist@$PDFJS_VERSION"
fi

for f in build/pdf.min.mjs build/pdf.worker.min.mjs cmaps standard_fonts wasm iccs LICENSE; do
    if [[ ! -e "$PKG/$f" ]]; then
        echo "[install_pdfjs] ERROR: $PKG/$f missing from the npm package" >&2
        exit 1
    fi
done

# Runtime files only:
#   pdf.min.mjs, pdf.worker.min.mjs  the library (ESM) and its worker
#   cmaps/            CJK and other predefined CMaps (cMapUrl)
#   standard_fonts/   the 14 standard fonts for PDFs that don't embed them
#   wasm/             JPEG 2000 / JBIG2 decoders (scanned documents) and the
#                     CMYK colour manager; the *_nowasm_fallback.js files are
#                     used when the CSP forbids WebAssembly ('wasm-unsafe-eval')
#   iccs/             CMYK ICC profile used with qcms
# Not copied: source maps, the legacy build, the web/ sample viewer, types,
# the scripting sandbox (quickjs-eval.*: we don't run PDF JavaScript).
# Copy into a temporary folder first, then swap, so a failed copy never
# leaves a half-installed viewer behind.
mkdir -p "$(dirname "$DEST")"
TMP="$(mktemp -d "$(dirname "$DEST")/.pdfjs.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
cp "$PKG/build/pdf.min.mjs" "$PKG/build/pdf.worker.min.mjs" "$PKG/LICENSE" "$TMP/"
cp -R "$PKG/cmaps" "$PKG/standard_fonts" "$PKG/wasm" "$PKG/iccs" "$TMP/"
rm -f "$TMP"/wasm/quickjs-eval.* "$TMP"/wasm/LICENSE_QUICKJS "$TMP"/wasm/LICENSE_PDFJS_QUICKJS
printf '%s\n' "$PDFJS_VERSION" > "$TMP/VERSION"
chmod -R a+rX "$TMP"

rm -rf "$DEST"
mv "$TMP" "$DEST"
trap - EXIT
log "pdfjs-dist $PDFJS_VERSION installed in ${DEST#"$ROOT"/}"
