#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks to build and test claude-ledger. Idempotent.
set -euo pipefail
need=()
# python3-venv: the SDK fidelity and FOCUS validator checks; util-linux: setpriv and unshare for the
# safety tests; chromium: the headless browser the `report html` test renders the page with.
for pkg in liblz4-dev libsqlite3-dev lz4 sqlite3 python3-venv util-linux chromium; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
