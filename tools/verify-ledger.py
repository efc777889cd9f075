#!/usr/bin/env python3
"""Check a claude-ledger ledger's hash chain from ledger/FORMAT.md alone (Python stdlib only).

Usage: tools/verify-ledger.py DIR/ledger.sqlite [--bodies]

Recomputes every event's chain hash from its header and content hash. With --bodies, also
decompresses every stored body with the `lz4` command and checks its SHA-256.
Exit 0 when everything matches, 1 otherwise, printing each bad event.
"""
import hashlib
import sqlite3
import subprocess
import sys

FIELDS = ["seq", "event_id", "stream", "fetch_id", "page_index", "is_last", "window_start",
          "window_end", "method", "path", "query", "status", "request_id", "fetched_at", "raw_length"]


def netstring(value):
    if value is None:
        return b"-,"
    data = str(value).encode("utf-8")
    return str(len(data)).encode("ascii") + b":" + data + b","


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    db = sqlite3.connect("file:" + argv[1] + "?mode=ro", uri=True)
    check_bodies = "--bodies" in argv
    previous = bytes(32)
    expected_seq = 1
    bad = 0
    count = 0
    rows = db.execute("SELECT " + ", ".join(FIELDS) + ", content_hash, chain_hash FROM events ORDER BY seq")
    for row in rows:
        count += 1
        header = b"claude-ledger/event/v1" + b"".join(netstring(v) for v in row[:len(FIELDS)])
        content_hash, chain_hash = row[len(FIELDS)], row[len(FIELDS) + 1]
        computed = hashlib.sha256(previous + header + content_hash).digest()
        problems = []
        if row[0] != expected_seq:
            problems.append("sequence gap before it")
        if computed != chain_hash:
            problems.append("chain hash mismatch")
        if check_bodies:
            blob = db.execute("SELECT body FROM blobs WHERE content_hash = ?", (content_hash,)).fetchone()
            if blob is None:
                problems.append("body missing")
            else:
                raw = subprocess.run(["lz4", "-d", "-c"], input=blob[0], capture_output=True)
                if raw.returncode != 0 or hashlib.sha256(raw.stdout).digest() != content_hash:
                    problems.append("body does not match its SHA-256")
        if problems:
            bad += 1
            print("event %s (seq %d): %s" % (row[1], row[0], "; ".join(problems)))
        previous = chain_hash
        expected_seq = row[0] + 1
    if bad:
        print("FAILED: %d of %d events" % (bad, count))
        return 1
    print("verified %d events; head chain %s" % (count, previous.hex()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
