#!/usr/bin/env bash
# The "what bounds it" measurements of BENCHMARKS.md: perf profiles of rebuild, page reads and
# append, the cost of each index the rebuild creates, and peak memory of the index sort with
# temp_store MEMORY vs FILE.
#
# usage: tools/bench/profile.sh LEDGER_DIR [OUT_DIR]
#   LEDGER_DIR  a ledger made by `ledger-bench make-usage-ledger` (S: --rows 1000000)
#   OUT_DIR     where profiles and scratch files go (default: a new mktemp -d, kept)
# Needs `perf` (kernel.perf_event_paranoid <= 2 is enough for one's own processes) and a
# release build of ledger-bench.
set -eu   # no pipefail: `perf report | head` ends with SIGPIPE by design
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$ROOT/.build/release/ledger-bench
LEDGER=$1
OUT=${2:-$(mktemp -d /tmp/ledger-profile.XXXXXX)}
mkdir -p "$OUT"
echo "profiles in $OUT (load average: $(cut -d' ' -f1-3 /proc/loadavg))"

echo "== rebuild"
perf record -q -F 499 -g -o "$OUT/rebuild.data" -- "$BIN" rebuild --dir "$LEDGER" --out "$OUT/projections.sqlite" 2>/dev/null | grep median
python3 "$ROOT/tools/bench/perf_summary.py" "$OUT/rebuild.data"

echo "== read-pages (blob read + LZ4 + SHA-256 per page), by library"
perf record -q -F 999 -g -o "$OUT/read.data" -- "$BIN" read-pages --dir "$LEDGER" --threads 1 --runs 1 | grep median
perf report -i "$OUT/read.data" --no-children --sort dso --stdio -g none 2>/dev/null | grep -E '^\s+[0-9.]+%' | head -6
perf report -i "$OUT/read.data" --no-children --sort sym --stdio -g none 2>/dev/null | grep -E '^\s+[0-9.]+%' | head -8

echo "== append 300 MB (page generation is in the profile, not in the figure)"
rm -rf "$OUT/append"
perf record -q -F 999 -g -o "$OUT/append.data" -- "$BIN" append --dir "$OUT/append" --megabytes 300 | grep append
perf report -i "$OUT/append.data" --no-children --sort dso --stdio -g none 2>/dev/null | grep -E '^\s+[0-9.]+%' | head -8
rm -rf "$OUT/append"

echo "== each index of the rebuild, timed on a copy of the projected rows"
schema=$(sqlite3 "$OUT/projections.sqlite" "SELECT sql FROM sqlite_master WHERE name = 'claude_usage_keys'")
indexes=$(sqlite3 "$OUT/projections.sqlite" "SELECT sql || ';' FROM sqlite_master WHERE tbl_name = 'claude_usage_keys' AND type = 'index' AND sql IS NOT NULL")
for store in MEMORY FILE; do
    rm -f "$OUT/copy.sqlite"
    echo "-- temp_store = $store: INSERT ... SELECT, then each CREATE INDEX (.timer), then peak RSS"
    /usr/bin/time -f "   peak RSS %M KiB, %U s user, %S s sys" sqlite3 "$OUT/copy.sqlite" <<SQL
PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -65536; PRAGMA temp_store = $store;
ATTACH '$OUT/projections.sqlite' AS p;
$schema;
.timer on
BEGIN;
INSERT INTO main.claude_usage_keys SELECT * FROM p.claude_usage_keys;
$indexes
COMMIT;
SQL
done
rm -f "$OUT/copy.sqlite"
