#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks to build claude-ledger (`tools/setup.sh`), and with
# `--test` also what the test suite runs (`make test`, CI). Idempotent.
#   python3-venv  the SDK fidelity and FOCUS validator checks build virtual environments
#   util-linux    setpriv and unshare for the data-directory safety tests
#   chromium      the headless browser the `report html` test renders the page with
set -euo pipefail
packages=(liblz4-dev libsqlite3-dev lz4 sqlite3)
if [ "${1:-}" = "--test" ]; then
  packages+=(python3-venv util-linux chromium)
fi
need=()
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
