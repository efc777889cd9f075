#!/usr/bin/env bash
# Regenerates docs/report.png, the README's picture of the demo organization's `report html`
# page: runs the demo into a scratch directory, renders its page with headless Chromium (as the
# browser test does) and shrinks it with ImageMagick. Needs chromium and imagemagick (apt).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
"$ROOT/.build/debug/claude-ledger" demo --data-dir "$WORK/demo" >/dev/null
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --user-data-dir="$WORK/profile" --screenshot="$WORK/page.png" --window-size=1100,2400 \
    "file://$WORK/demo/report.html" 2>/dev/null
convert "$WORK/page.png" -resize 800x -colors 128 -strip "PNG8:$ROOT/docs/report.png"
ls -l "$ROOT/docs/report.png"
