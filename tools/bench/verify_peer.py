"""The verify peer: the body work of `claude-ledger verify` and nothing else. Reads every stored
body of a ledger, LZ4-frame-decompresses it and SHA-256-hashes the result against its content
hash, on THREADS threads (lz4 and hashlib release the GIL), and prints raw MB/s.
usage: verify_peer.py LEDGER.sqlite [THREADS]   (needs the `lz4` wheel)"""
import hashlib, queue, sqlite3, sys, threading, time

import lz4.frame

path = sys.argv[1]
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
started = time.monotonic()
work = queue.Queue(maxsize=8)
totals = [0] * threads
bad = [0] * threads


def worker(w):
    while (batch := work.get()) is not None:
        for content_hash, body in batch:
            raw = lz4.frame.decompress(body)
            totals[w] += len(raw)
            if hashlib.sha256(raw).digest() != content_hash:
                bad[w] += 1


pool = [threading.Thread(target=worker, args=(w,)) for w in range(threads)]
for t in pool:
    t.start()
con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
cursor = con.execute("SELECT content_hash, body FROM blobs")
while batch := cursor.fetchmany(16):
    work.put(batch)
for _ in pool:
    work.put(None)
for t in pool:
    t.join()
wall = time.monotonic() - started
raw = sum(totals)
print(f"verify-peer: {raw / 1e6:.1f} MB raw in {wall:.2f} s = {raw / 1e6 / wall:.0f} MB/s ({threads} threads, {sum(bad)} bad)")
sys.exit(1 if sum(bad) else 0)
