#!/usr/bin/env bash
# Stops the emulator started by start.sh (by the PID it recorded) and removes its run directory.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
state="${BIGQUERY_EMULATOR_STATE:-$repo/.build/bigquery-emulator}"

if [[ ! -f "$state/pid" ]]; then
    echo "bigquery-emulator: not running (no $state/pid)" >&2
    exit 0
fi
pid="$(cat "$state/pid")"
if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 40); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.25
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "bigquery-emulator: pid $pid ignored TERM; sending KILL" >&2
        kill -9 "$pid" 2>/dev/null || true
    fi
    echo "bigquery-emulator: stopped pid $pid" >&2
fi
rm -rf "$state"
