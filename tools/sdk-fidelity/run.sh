#!/usr/bin/env bash
# Checks the simulator's wire format against the official `anthropic` Python SDK: creates a
# virtual environment with anthropic==2.15.0 from PyPI, starts the built admin-simulator on
# 127.0.0.1, and runs fidelity.py, which pages through the analytics endpoints and
# /v1/organizations/me with strict response validation. Exits non-zero on any mismatch.
#
#   tools/sdk-fidelity/run.sh [path/to/admin-simulator]
#
# Environment: SDK_FIDELITY_VENV (default ${TMPDIR:-/tmp}/claude-ledger-sdk-fidelity-venv, reused
# between runs), PYTHON (default python3; needs the venv module, Debian: python3-venv).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SIMULATOR="${1:-$ROOT/.build/debug/admin-simulator}"
VENV="${SDK_FIDELITY_VENV:-${TMPDIR:-/tmp}/claude-ledger-sdk-fidelity-venv}"
PYTHON="${PYTHON:-python3}"
SDK_VERSION="2.15.0"

if [[ ! -x "$SIMULATOR" ]]; then
    echo "error: no admin-simulator at $SIMULATOR: run 'swift build --product admin-simulator' first" >&2
    exit 2
fi
if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c "import anthropic, sys; sys.exit(anthropic.__version__ != '$SDK_VERSION')" 2>/dev/null; then
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "anthropic==$SDK_VERSION"
fi

WORK="$(mktemp -d)"
SIM_PID=""
cleanup() {
    if [[ -n "$SIM_PID" ]]; then kill "$SIM_PID" 2>/dev/null || true; wait "$SIM_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# A key of the run's own, so nothing depends on the built-in default.
export SIMULATOR_ADMIN_KEY="sk-ant-admin01-fidelity-$$"
"$SIMULATOR" --port 0 --today 2026-12-02 --days 90 --seed 4242 --organization-name "Fidelity Check Org" \
    > "$WORK/sim.out" 2> "$WORK/sim.err" &
SIM_PID=$!
URL=""
for _ in $(seq 1 100); do
    URL="$(sed -n 's/^listening on \(http:\/\/127\.0\.0\.1:[0-9]*\).*/\1/p' "$WORK/sim.out")"
    [[ -n "$URL" ]] && break
    kill -0 "$SIM_PID" 2>/dev/null || { echo "error: admin-simulator exited: $(cat "$WORK/sim.err")" >&2; exit 2; }
    sleep 0.1
done
[[ -n "$URL" ]] || { echo "error: admin-simulator did not report its port within 10 s" >&2; exit 2; }

"$VENV/bin/python" "$HERE/fidelity.py" "$URL"
