#!/usr/bin/env bash
# Starts a local BigQuery emulator (local-bigquery 0.4.0) on 127.0.0.1 for the export tests.
#
# Usage (CI):
#   tools/bigquery-emulator/start.sh > .build/bigquery-emulator.env   # fails (non-zero) if it cannot start
#   . .build/bigquery-emulator.env                                    # BIGQUERY_EMULATOR_URL, _PROJECT, _PID
#   BIGQUERY_EMULATOR_REQUIRED=1 swift test --filter ExportTests      # REQUIRED: fail, not skip, without it
#   tools/bigquery-emulator/stop.sh
# Interactively, `eval "$(tools/bigquery-emulator/start.sh)"` does the first two steps (but an
# eval of a failed start's empty output succeeds, hence the two-step form for CI).
#
# Why these pieces (see the emulator evaluation in the team's reference notes):
# - local-bigquery is the only local emulator that keeps the client's jobId, accepts multipart
#   loads and renders NUMERIC like BigQuery. It needs Python >= 3.13.
# - Offline, only DuckDB 1.5.5 extension wheels exist, so DuckDB is pinned to 1.5.5 (pip warns
#   about the package's declared duckdb>=2.0.0; that warning is expected) and the extensions
#   are copied where DuckDB looks for them ($HOME/.duckdb/extensions/...), with HOME pointed
#   at a private directory.
# - --host 127.0.0.1 is mandatory (the default binds 0.0.0.0, gRPC included); --data-dir is
#   mandatory (the default is /data) and is fresh on every start.
#
# Environment (all optional):
#   BIGQUERY_EMULATOR_PORT   REST port (default: a free port chosen at start)
#   BIGQUERY_EMULATOR_VENV   virtualenv to install into (default: <repo>/.venv-bigquery-emulator)
#   BIGQUERY_EMULATOR_STATE  run directory: pid, log, data (default: <repo>/.build/bigquery-emulator)
#   BIGQUERY_EMULATOR_PYTHON Python >= 3.13 to create the venv with (default: pyenv's 3.13.0)
#
# Prints shell assignments on stdout; everything else goes to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="${BIGQUERY_EMULATOR_VENV:-$repo/.venv-bigquery-emulator}"
state="${BIGQUERY_EMULATOR_STATE:-$repo/.build/bigquery-emulator}"
project="test-project"
duckdb_version="1.5.5"

log() { echo "bigquery-emulator: $*" >&2; }

if [[ -f "$state/pid" ]] && kill -0 "$(cat "$state/pid")" 2>/dev/null; then
    log "already running (pid $(cat "$state/pid")); run stop.sh first"
    exit 1
fi

# 1. Install into the venv unless it is already complete.
if [[ ! -x "$venv/bin/local-bigquery" || ! -f "$venv/.installed" ]]; then
    python="${BIGQUERY_EMULATOR_PYTHON:-}"
    if [[ -z "$python" ]]; then
        if command -v pyenv >/dev/null 2>&1 && PYENV_VERSION=3.13.0 python3.13 --version >/dev/null 2>&1; then
            python="python3.13"
            export PYENV_VERSION=3.13.0
        elif command -v python3.13 >/dev/null 2>&1; then
            python="python3.13"
        else
            log "needs Python >= 3.13 (set BIGQUERY_EMULATOR_PYTHON)"
            exit 2
        fi
    fi
    log "installing local-bigquery 0.4.0 into $venv"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    unset PYENV_VERSION
    "$venv/bin/pip" install -q local-bigquery==0.4.0 >&2
    # Expected: a resolver warning that local-bigquery wants duckdb>=2.0.0.
    "$venv/bin/pip" install -q "duckdb==$duckdb_version" "duckdb-extension-ducklake==$duckdb_version" \
        "duckdb-extension-icu==$duckdb_version" "duckdb-extension-spatial==$duckdb_version" 2>&1 \
        | grep -v -e "dependency resolver does not currently" -e 'dependency conflicts' -e 'duckdb>=2' >&2 || true
    log "pinned duckdb $duckdb_version (local-bigquery declares duckdb>=2.0.0; expected)"
    "$venv/bin/python" -c "import duckdb, sys; sys.exit(0 if duckdb.__version__ == '$duckdb_version' else 1)" \
        || { log "duckdb $duckdb_version did not install"; exit 2; }
    touch "$venv/.installed"
fi

# 2. A fresh run directory: private HOME with the DuckDB extensions, empty data dir.
case "$(uname -m)" in
    x86_64|amd64) platform="linux_amd64" ;;
    aarch64|arm64) platform="linux_arm64" ;;
    *) log "unsupported machine $(uname -m)"; exit 2 ;;
esac
rm -rf "$state"
mkdir -p "$state/data" "$state/home/.duckdb/extensions/v$duckdb_version/$platform"
site="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
for e in ducklake icu spatial; do
    src="$site/duckdb_extension_$e/extensions/v$duckdb_version/$e.duckdb_extension"
    [[ -f "$src" ]] || src="$(find "$site/duckdb_extension_$e" -name "$e.duckdb_extension" | head -1)"
    cp "$src" "$state/home/.duckdb/extensions/v$duckdb_version/$platform/"
done

free_port() {
    "$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
port="${BIGQUERY_EMULATOR_PORT:-$(free_port)}"
grpc_port="$(free_port)"
url="http://127.0.0.1:$port"

# 3. Start it. exec makes $! the server's own PID, so stop.sh ends exactly that process.
(
    cd "$state"
    HOME="$state/home" exec "$venv/bin/local-bigquery" serve --host 127.0.0.1 --port "$port" \
        --grpc-port "$grpc_port" --data-dir "$state/data" --project "$project" \
        > "$state/emulator.log" 2>&1
) &
pid=$!
echo "$pid" > "$state/pid"
echo "$url" > "$state/url"

# 4. Wait until it answers a query (no health endpoint; the first query initialises DuckDB).
for _ in $(seq 1 240); do
    if ! kill -0 "$pid" 2>/dev/null; then
        log "exited during start-up; log follows"
        cat "$state/emulator.log" >&2
        rm -f "$state/pid"
        exit 3
    fi
    if curl -s -f -m 2 -o /dev/null -X POST -H 'Content-Type: application/json' \
        "$url/bigquery/v2/projects/$project/queries" -d '{"query":"SELECT 1","useLegacySql":false}'; then
        log "ready at $url (pid $pid, log $state/emulator.log)"
        echo "export BIGQUERY_EMULATOR_URL=$url"
        echo "export BIGQUERY_EMULATOR_PROJECT=$project"
        echo "export BIGQUERY_EMULATOR_PID=$pid"
        exit 0
    fi
    sleep 0.25
done
log "did not answer within 60 s; stopping it"
kill "$pid" 2>/dev/null || true
rm -f "$state/pid"
exit 3
