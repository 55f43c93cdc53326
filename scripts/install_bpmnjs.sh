#!/usr/bin/env bash
# Install a pinned bpmn-js (npm package "bpmn-js", bpmn.io) into
# app/static/vendor/bpmnjs/ so the route diagram of a document is drawn from
# our own static folder (agencies run closed networks: no CDN at runtime).
# Only the runtime files of the NavigatedViewer (view + pan/zoom, no editing)
# are copied; app/static/js/routeviewer.js drives it.
#
# Idempotent: if app/static/vendor/bpmnjs/VERSION already holds the pinned
# version and the runtime files are there, it does nothing.
#
# Usage: scripts/install_bpmnjs.sh            (BPMNJS_VERSION=x.y.z to override)
set -euo pipefail

BPMNJS_VERSION="${BPMNJS_VERSION:-18.31.1}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/app/static/vendor/bpmnjs"
SCRATCH="$ROOT/.cache/npm-bpmnjs"

# source in the npm package -> name in $DEST
RUNTIME_FILES=(
    "dist/bpmn-navigated-viewer.production.min.js:bpmn-navigated-viewer.production.min.js"
    "dist/assets/diagram-js.css:diagram-js.css"
    "dist/assets/bpmn-js.css:bpmn-js.css"
    "LICENSE:LICENSE"
)

log() { printf '[install_bpmnjs] %s\n' "$*"; }

installed=1
[[ -f "$DEST/VERSION" && "$(cat "$DEST/VERSION")" == "$BPMNJS_VERSION" ]] || installed=0
for entry in "${RUNTIME_FILES[@]}"; do
    [[ -f "$DEST/${entry#*:}" ]] || installed=0
done
if [[ $installed -eq 1 ]]; then
    log "bpmn-js $BPMNJS_VERSION already installed in ${DEST#"$ROOT"/}"
    exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
    if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        log "npm not found; installing it with apt-get (running as root)"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq npm
    else
        echo "[install_bpmnjs] ERROR: npm is required but not installed." >&2
        echo "  Install Node.js and npm (e.g. 'sudo apt-get install -y npm')" >&2
        echo "  and run this script again." >&2
        exit 1
    fi
fi

PKG="$SCRATCH/node_modules/bpmn-js"
have_version=""
if [[ -f "$PKG/package.json" ]]; then
    have_version="$(node -p "require('$PKG/package.json').version" 2>/dev/null || true)"
fi
if [[ "$have_version" != "$BPMNJS_VERSION" ]]; then
    log "installing bpmn-js@$BPMNJS_VERSION into ${SCRATCH#"$ROOT"/}"
    mkdir -p "$SCRATCH"
    # --ignore-scripts: bpmn-js needs no install scripts. Its dependencies
    # (diagram-js, bpmn-moddle, ...) are pulled in too but not copied: the
    # dist/ bundle already contains them.
    npm install --no-audit --no-fund --no-save --ignore-scripts \
        --omit=optional --engine-strict=false --loglevel=error \
        --prefix "$SCRATCH" "bpmn-js@$BPMNJS_VERSION"
fi

for entry in "${RUNTIME_FILES[@]}"; do
    if [[ ! -f "$PKG/${entry%%:*}" ]]; then
        echo "[install_bpmnjs] ERROR: $PKG/${entry%%:*} missing from the npm package" >&2
        exit 1
    fi
done

# Runtime files only:
#   bpmn-navigated-viewer.production.min.js  UMD bundle, defines window.BpmnJS
#                     (NavigatedViewer: read-only, mouse pan, wheel zoom, keyboard)
#   diagram-js.css    canvas, markers and overlay styles
#   bpmn-js.css       bpmn.io theme tokens, breadcrumbs, drill-down buttons
#   LICENSE           bpmn.io license: the bpmn.io watermark drawn by the
#                     viewer must stay visible and unchanged
# Not copied: the Modeler and plain Viewer bundles, the development builds,
# the bpmn-font icon font (only the Modeler's palette / context pad use it),
# lib/ sources and tests.
# Copy into a temporary folder first, then swap, so a failed copy never
# leaves a half-installed viewer behind.
mkdir -p "$(dirname "$DEST")"
TMP="$(mktemp -d "$(dirname "$DEST")/.bpmnjs.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
for entry in "${RUNTIME_FILES[@]}"; do
    cp "$PKG/${entry%%:*}" "$TMP/${entry#*:}"
done
printf '%s\n' "$BPMNJS_VERSION" > "$TMP/VERSION"
chmod -R a+rX "$TMP"

rm -rf "$DEST"
mv "$TMP" "$DEST"
trap - EXIT
log "bpmn-js $BPMNJS_VERSION installed in ${DEST#"$ROOT"/}"
