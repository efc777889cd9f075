#!/usr/bin/env bash
# Reproduces every figure in BENCHMARKS.md: builds ledger-bench in release mode, creates the
# Python peers' virtualenvs, generates the data sets under a scratch directory, runs each job
# RUNS times as a whole process under /usr/bin/time and prints the medians.
#
# usage: tools/bench/run.sh [RUNS] [SECTIONS]
#   RUNS      runs per job (default 3); the table shows the median.
#   SECTIONS  comma-separated subset of: machine,ledger,rebuild,client (default: all).
# environment:
#   BENCH_WORK     scratch directory (default: a new mktemp -d; deleted at the end unless KEEP=1)
#   LEDGER_MB      raw MB appended for the ledger benchmark (default 1100)
#   SETS           rebuild data sets as NAME:ROWS pairs (default "S:1000000 L:5000000")
#   SKIP_BUILD=1   use the existing .build/release/ledger-bench
#   BACKFILL_RUNS  runs of the one-year backfill with 200 ms latency (default 1; each takes minutes)
set -euo pipefail

RUNS=${1:-3}
SECTIONS=${2:-machine,ledger,rebuild,client}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BENCH=$ROOT/tools/bench
BIN=$ROOT/.build/release/ledger-bench
VENV=$ROOT/.venv-bench
WORK=${BENCH_WORK:-$(mktemp -d /tmp/ledger-bench.XXXXXX)}
LEDGER_MB=${LEDGER_MB:-1100}
SETS=${SETS:-"S:1000000 L:5000000"}
BACKFILL_RUNS=${BACKFILL_RUNS:-1}
mkdir -p "$WORK"
RESULTS=$WORK/results.tsv
: > "$RESULTS"

has() { [[ ",$SECTIONS," == *",$1,"* ]]; }
log() { printf '\n== %s  (load average: %s)\n' "$*" "$(cut -d' ' -f1-3 /proc/loadavg)"; }
cleanup() { if [[ "${KEEP:-0}" != 1 && -z "${BENCH_WORK:-}" ]]; then rm -rf "$WORK"; fi; }
trap cleanup EXIT

# timed NAME SET ROWS BYTES -- CMD...: runs CMD $RUNS times under /usr/bin/time, appends one
# line per run to results.tsv (wall s, user+sys s, max RSS KiB) and prints the median.
timed() {
    local name=$1 set=$2 rows=$3 bytes=$4; shift 5
    local i
    for ((i = 1; i <= RUNS; i++)); do
        rm -rf "$WORK/out" && mkdir -p "$WORK/out"
        /usr/bin/time -f '%e %U %S %M' -o "$WORK/time.txt" "$@" > "$WORK/job.out" 2> "$WORK/job.err" || {
            echo "FAILED: $name ($*)"; cat "$WORK/job.err"; exit 1; }
        read -r wall user sys rss < <(tail -1 "$WORK/time.txt")
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$set" "$name" "$rows" "$bytes" "$wall" \
            "$(echo "$user + $sys" | bc)" "$rss" "$(cut -d' ' -f1 /proc/loadavg)" >> "$RESULTS"
    done
    python3 "$BENCH/median.py" "$RESULTS" "$set" "$name"
}

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    log "building ledger-bench (release)"
    (cd "$ROOT" && swift build -c release --product ledger-bench)
fi

if has machine; then
    log "machine"
    echo "nproc: $(nproc)"
    lscpu | grep -E 'Model name|^CPU\(s\)|MHz' || true
    free -m | head -2
    uname -srm
    date -u '+%Y-%m-%dT%H:%M:%SZ'
    sqlite3 --version | cut -d' ' -f1 || true
fi

if has ledger; then
    log "ledger: append ${LEDGER_MB} MB of realistic usage pages, then verify"
    for ((i = 1; i <= RUNS; i++)); do
        rm -rf "$WORK/append"
        "$BIN" append --dir "$WORK/append" --megabytes "$LEDGER_MB" | tee -a "$WORK/append.txt"
    done
    python3 "$BENCH/median.py" --field "MB/s" "$WORK/append.txt"
    "$BIN" verify --dir "$WORK/append" --runs "$RUNS"
    rm -rf "$WORK/append"
fi

if has rebuild; then
    if [[ ! -x $VENV/duck/bin/python ]]; then
        log "creating $VENV/duck (duckdb 2.0.1) and $VENV/duck155 (duckdb 1.5.5 + sqlite_scanner)"
        python3 -m venv "$VENV/duck" && "$VENV/duck/bin/pip" install -q duckdb==2.0.1
        python3 -m venv "$VENV/duck155" && "$VENV/duck155/bin/pip" install -q duckdb==1.5.5 duckdb-extension-sqlite-scanner==1.5.5
    fi
    for pair in $SETS; do
        set=${pair%%:*}
        rows=${pair##*:}
        L=$WORK/ledger-$set
        P=$WORK/pages-$set
        if [[ ! -f $L/ledger.sqlite ]]; then
            log "$set: building a ledger of $rows usage rows, exporting its pages"
            "$BIN" make-usage-ledger --dir "$L" --rows "$rows"
            "$BIN" export-pages --dir "$L" --out "$P"
        fi
        bytes=$(cat "$P"/*.json | wc -c)
        log "$set: $rows rows, $bytes raw bytes, $(ls "$P" | wc -l) pages"
        timed rebuild "$set" "$rows" "$bytes" -- "$BIN" rebuild --dir "$L" --out "$WORK/out/projections.sqlite"
        grep median "$WORK/job.out"
        timed read-pages-1thread "$set" "$rows" "$bytes" -- "$BIN" read-pages --dir "$L" --threads 1 --runs 1
        timed read-pages-2threads "$set" "$rows" "$bytes" -- "$BIN" read-pages --dir "$L" --threads 2 --runs 1
        # SQLite insert floor: copy the projected rows into an empty table of the same schema
        # (no JSON, no binding from Swift), then create the same three indexes.
        "$BIN" rebuild --dir "$L" --out "$WORK/proj-$set.sqlite" > /dev/null
        echo "fingerprint of our claude_usage_keys: $(python3 "$BENCH/fingerprint.py" "$WORK/proj-$set.sqlite")"
        schema=$(sqlite3 "$WORK/proj-$set.sqlite" "SELECT sql FROM sqlite_master WHERE tbl_name = 'claude_usage_keys' AND type = 'table'")
        indexes=$(sqlite3 "$WORK/proj-$set.sqlite" "SELECT group_concat(sql, '; ') FROM sqlite_master WHERE tbl_name = 'claude_usage_keys' AND type = 'index' AND sql IS NOT NULL")
        pragmas="PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -65536;"
        timed sqlite-insert-floor "$set" "$rows" "$bytes" -- sqlite3 "$WORK/out/copy.sqlite" \
            "$pragmas ATTACH '$WORK/proj-$set.sqlite' AS p; $schema; BEGIN; INSERT INTO main.claude_usage_keys SELECT * FROM p.claude_usage_keys; COMMIT;"
        timed sqlite-insert-floor+indexes "$set" "$rows" "$bytes" -- sqlite3 "$WORK/out/copy.sqlite" \
            "$pragmas ATTACH '$WORK/proj-$set.sqlite' AS p; $schema; BEGIN; INSERT INTO main.claude_usage_keys SELECT * FROM p.claude_usage_keys; $indexes; COMMIT;"
        rm -f "$WORK/proj-$set.sqlite"
        # Peers on the same pages (BENCHMARKS.md).
        cd "$BENCH"
        timed duck-t2-mem "$set" "$rows" "$bytes" -- "$VENV/duck/bin/python" duck_build.py "$P" 2 :memory:
        timed duck-t1-mem "$set" "$rows" "$bytes" -- "$VENV/duck/bin/python" duck_build.py "$P" 1 :memory:
        timed duck155-direct-to-sqlite "$set" "$rows" "$bytes" -- "$VENV/duck155/bin/python" duck_to_sqlite.py "$P" "$WORK/out/d2s.sqlite"
        python3 fingerprint.py "$WORK/out/d2s.sqlite"
        timed py-parse-only "$set" "$rows" "$bytes" -- python3 py_stdlib.py "$P" --parse-only
        timed py-stdlib-sqlite "$set" "$rows" "$bytes" -- python3 py_stdlib.py "$P" "$WORK/out/py.sqlite"
        python3 fingerprint.py "$WORK/out/py.sqlite"
        cd "$ROOT"
    done
fi

if has client; then
    log "client: in-process simulator, loopback, no added latency (CPU includes the simulator)"
    for w in 31 1; do
        for c in 1 2; do
            "$BIN" client --rounds "$RUNS" --window-days $w --concurrency $c | tail -2
        done
    done
    log "client: simulator in its own process, so this process's CPU is the client's alone"
    (cd "$ROOT" && swift build -c release --product admin-simulator > /dev/null)
    "$ROOT/.build/release/admin-simulator" --today 2025-10-16 --days 365 --port 0 > "$WORK/sim.out" 2>&1 &
    sim_pid=$!
    sleep 2
    url=$(grep -o 'http://[0-9.:]*' "$WORK/sim.out" | head -1)
    for w in 31 1; do
        "$BIN" client --rounds "$RUNS" --window-days $w --concurrency 1 --base-url "$url" | tail -2
    done
    kill "$sim_pid"
    log "client: one-year backfill (sync --since 365 days back), 200 ms added latency per request"
    for ((i = 1; i <= BACKFILL_RUNS; i++)); do
        rm -rf "$WORK/backfill"
        "$BIN" backfill --dir "$WORK/backfill" --since-days 365 --latency-milliseconds 200
    done
    rm -rf "$WORK/backfill"
fi

if [[ -s $RESULTS ]]; then
    log "summary (median of $RUNS runs per job)"
    python3 "$BENCH/median.py" "$RESULTS"
fi
