#!/usr/bin/env bash
# Reproduces every figure in BENCHMARKS.md: builds ledger-bench in release mode, creates the
# Python peers' virtualenvs, generates the data sets under a scratch directory, runs each job
# RUNS times as a whole process under /usr/bin/time and prints the medians.
#
# usage: tools/bench/run.sh [RUNS] [SECTIONS]
#   RUNS      runs per job (default 3); the table shows the median.
#   SECTIONS  comma-separated subset of: machine,ledger,rebuild,sync,report,client (default: all).
#             rebuild: per data set, a ledger with every stream, our rebuild, verify, the
#             verify peer and the usage-table peers; sync: one new day on a one-month and on a
#             one-year ledger; report: each report grouping over a year of 5M usage rows.
# Ends with tools/bench/goals.py: one line per goal of issue 12, exit 1 when one is missed.
# environment:
#   BENCH_WORK     scratch directory (default: a new mktemp -d; deleted at the end unless KEEP=1)
#   LEDGER_MB      raw MB appended for the ledger benchmark (default 1100)
#   SETS           rebuild data sets as NAME:ROWS:DAYS (default "S:1000000:365 L:5000000:365")
#   DAY_ROWS       usage rows of the day the daily-sync jobs add (default 13700, L's rows per day)
#   SKIP_BUILD=1   use the existing .build/release/ledger-bench
#   BACKFILL_RUNS  runs of the one-year backfill with 200 ms latency (default 1; each takes minutes)
set -euo pipefail

RUNS=${1:-3}
SECTIONS=${2:-machine,ledger,rebuild,sync,report,client}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BENCH=$ROOT/tools/bench
BIN=${BIN:-$ROOT/.build/release/ledger-bench}
CLI=${CLI:-$ROOT/.build/release/claude-ledger}
VENV=$ROOT/.venv-bench
WORK=${BENCH_WORK:-$(mktemp -d /tmp/ledger-bench.XXXXXX)}
LEDGER_MB=${LEDGER_MB:-1100}
SETS=${SETS:-"S:1000000:365 L:5000000:365"}
DAY_ROWS=${DAY_ROWS:-13700}
BACKFILL_RUNS=${BACKFILL_RUNS:-1}
mkdir -p "$WORK"
RESULTS=$WORK/results.tsv
: > "$RESULTS"

has() { [[ ",$SECTIONS," == *",$1,"* ]]; }
log() { printf '\n== %s  (load average: %s)\n' "$*" "$(cut -d' ' -f1-3 /proc/loadavg)"; }
cleanup() { if [[ "${KEEP:-0}" != 1 && -z "${BENCH_WORK:-}" ]]; then rm -rf "$WORK"; fi; }
trap cleanup EXIT

# check_fingerprint WHO FILE: the peer's claude_usage_keys must hold exactly our rows.
check_fingerprint() {
    local theirs
    theirs=$(python3 "$BENCH/fingerprint.py" "$2")
    if [[ "fingerprint of our claude_usage_keys: $theirs" != "$(cat "$WORK/fp-ours")" ]]; then
        echo "FAILED: $1 built other rows than our rebuild: $theirs"; exit 1
    fi
    echo "$1: same fingerprint as ours"
}

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
    (cd "$ROOT" && swift build -c release --product ledger-bench && swift build -c release --product claude-ledger)
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

# make_set NAME ROWS DAYS: a ledger with every stream (usage from make-usage-ledger, the rest
# synced from the in-process simulator), its usage pages exported for the peers.
make_set() {
    local L=$WORK/ledger-$1 P=$WORK/pages-$1
    if [[ ! -f $L/ledger.sqlite ]]; then
        log "$1: building a ledger of $2 usage rows over $3 days plus every other stream, exporting its usage pages"
        "$BIN" make-usage-ledger --dir "$L" --rows "$2" --days "$3"
        "$BIN" add-streams --dir "$L" --days "$3"
        "$BIN" export-pages --dir "$L" --out "$P"
    fi
}

if has rebuild; then
    if [[ ! -x $VENV/duck/bin/python ]]; then
        log "creating $VENV/duck (duckdb 2.0.1) and $VENV/duck155 (duckdb 1.5.5 + sqlite_scanner)"
        python3 -m venv "$VENV/duck" && "$VENV/duck/bin/pip" install -q duckdb==2.0.1
        python3 -m venv "$VENV/duck155" && "$VENV/duck155/bin/pip" install -q duckdb==1.5.5 duckdb-extension-sqlite-scanner==1.5.5
    fi
    if [[ ! -x $VENV/verify/bin/python ]]; then
        python3 -m venv "$VENV/verify" && "$VENV/verify/bin/pip" install -q lz4
    fi
    for spec in $SETS; do
        IFS=: read -r set rows days <<< "$spec"
        L=$WORK/ledger-$set
        P=$WORK/pages-$set
        make_set "$set" "$rows" "$days"
        bytes=$(cat "$P"/*.json | wc -c)
        ledger_bytes=$(sqlite3 "$L/ledger.sqlite" "SELECT sum(raw_length) FROM blobs")
        log "$set: $rows usage rows, $bytes raw usage bytes in $(ls "$P" | wc -l) pages; $ledger_bytes raw bytes in the ledger"
        timed rebuild "$set" "$rows" "$bytes" -- "$BIN" rebuild --dir "$L" --out "$WORK/out/projections.sqlite"
        grep median "$WORK/job.out"
        timed verify "$set" "$rows" "$ledger_bytes" -- "$CLI" verify --data-dir "$L"
        timed verify-peer-2threads "$set" "$rows" "$ledger_bytes" -- "$VENV/verify/bin/python" "$BENCH/verify_peer.py" "$L/ledger.sqlite" 2
        timed read-pages-2threads "$set" "$rows" "$bytes" -- "$BIN" read-pages --dir "$L" --threads 2 --runs 1
        # SQLite insert floor: copy the projected rows into an empty table of the same schema
        # (no JSON, no binding from Swift).
        "$BIN" rebuild --dir "$L" --out "$WORK/proj-$set.sqlite" > /dev/null
        echo "fingerprint of our claude_usage_keys: $(python3 "$BENCH/fingerprint.py" "$WORK/proj-$set.sqlite")" | tee "$WORK/fp-ours"
        schema=$(sqlite3 "$WORK/proj-$set.sqlite" "SELECT sql FROM sqlite_master WHERE tbl_name = 'claude_usage_keys' AND type = 'table'")
        pragmas="PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -65536;"
        timed sqlite-insert-floor "$set" "$rows" "$bytes" -- sqlite3 "$WORK/out/copy.sqlite" \
            "$pragmas ATTACH '$WORK/proj-$set.sqlite' AS p; $schema; BEGIN; INSERT INTO main.claude_usage_keys SELECT * FROM p.claude_usage_keys; COMMIT;"
        rm -f "$WORK/proj-$set.sqlite"
        # Peers on the same pages (BENCHMARKS.md); each output must hold the same rows as ours.
        cd "$BENCH"
        timed duck-t2-mem "$set" "$rows" "$bytes" -- "$VENV/duck/bin/python" duck_build.py "$P" 2 :memory:
        timed duck155-direct-to-sqlite "$set" "$rows" "$bytes" -- "$VENV/duck155/bin/python" duck_to_sqlite.py "$P" "$WORK/out/d2s.sqlite"
        check_fingerprint "DuckDB->SQLite" "$WORK/out/d2s.sqlite"
        timed py-stdlib-sqlite "$set" "$rows" "$bytes" -- python3 py_stdlib.py "$P" "$WORK/out/py.sqlite"
        check_fingerprint "Python" "$WORK/out/py.sqlite"
        cd "$ROOT"
    done
fi

if has sync; then
    # One new day on a one-month and on a one-year ledger with the same rows per day; each run
    # starts from a fresh copy of the ledger and its projections (the copy is not timed).
    year_rows=$(( DAY_ROWS * 365 ))
    month_rows=$(( DAY_ROWS * 31 ))
    for spec in "month:$month_rows:31" "year:$year_rows:365"; do
        IFS=: read -r name rows days <<< "$spec"
        make_set "sync-$name" "$rows" "$days"
        L=$WORK/ledger-sync-$name
        [[ -f $L/projections.sqlite ]] || "$BIN" rebuild --dir "$L" > /dev/null
        log "daily sync on the one-$name ledger ($rows usage rows): append one day of $DAY_ROWS rows, update"
        for ((i = 1; i <= RUNS; i++)); do
            # The copy's dirty pages are written out first (`sync`, not timed): otherwise the
            # update's commit would flush the whole freshly copied file and time the copy.
            rm -rf "$WORK/daily" && cp -r "$L" "$WORK/daily" && sync
            RUNS=1 timed "daily-sync-$name" sync "$DAY_ROWS" 0 -- "$BIN" daily-sync --dir "$WORK/daily" --rows "$DAY_ROWS"
            grep daily-sync "$WORK/job.out"
        done
        rm -rf "$WORK/daily"
    done
fi

if has report; then
    # Each report grouping over a year of 5M usage rows (the L set), as whole processes.
    spec=$(tr ' ' '\n' <<< "$SETS" | tail -1)
    IFS=: read -r set rows days <<< "$spec"
    make_set "$set" "$rows" "$days"
    L=$WORK/ledger-$set
    # Always rebuilt: a file kept from a run of another projection version would be refused.
    "$BIN" rebuild --dir "$L" > /dev/null
    log "$set: report groupings over $rows usage rows (usage: whole months from projection_usage_by_month)"
    for job in "usage day" "usage workspace" "usage model" "usage api-key" "usage actor" "costs day" "costs workspace" \
               "costs model" "costs description" "costs api-key" "claude-code day" "claude-code actor"; do
        read -r kind by <<< "$job"
        timed "report-$kind-by-$by" "$set" "$rows" 0 -- "$CLI" report "$kind" --by "$by" --data-dir "$L"
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
    log "goals (issue 12)"
    python3 "$BENCH/goals.py" "$RESULTS"
fi
