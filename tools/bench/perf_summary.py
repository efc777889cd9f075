"""Summarises a `perf record -g` profile of `ledger-bench rebuild`: self time grouped by what it
is (SQLite, JSON decode, SHA-256, ...), then samples per thread and phase (the decode pipeline
versus the main thread's serial tail after the last insert, where the indexes are built).
usage: perf_summary.py PERF.DATA"""
import collections, re, subprocess, sys

data = sys.argv[1]
flat = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "dso,sym", "--stdio", "-g", "none"],
                      capture_output=True, text=True).stdout
cats = collections.Counter()
for line in flat.splitlines():
    m = re.match(r"\s+([\d.]+)%\s+(\S+)\s+\[(.)\]\s+(.*)", line)
    if not m:
        continue
    p, dso, kind, sym = float(m[1]), m[2], m[3], m[4]
    if "sqlite" in dso: c = "SQLite (libsqlite3)"
    elif "sha256" in sym.lower(): c = "SHA-256"
    elif "LZ4" in sym or "lz4" in dso: c = "LZ4"
    elif re.search("JSONScanner|PageDecoder", sym): c = "JSON decode (JSONScanner, PageDecoder)"
    elif re.search("computeDigests|Canonical", sym): c = "row digests (canonical encoding)"
    elif re.search("Fingerprint", sym): c = "fingerprint"
    elif kind == "k": c = "kernel"
    elif re.search("mem(move|cpy|set|cmp)", sym): c = "libc mem*"
    elif re.search("malloc|free|_int_|unlink_chunk|consolidate", sym): c = "malloc/free"
    elif re.search("swift_|swift::", sym): c = "Swift runtime"
    else: c = "other: " + dso
    cats[c] += p
print("self time by kind")
for c, p in cats.most_common():
    print(f"  {p:6.2f} %  {c}")

script = subprocess.run(["perf", "script", "-i", data, "-F", "tid,time,ip,sym,dso", "-G"],
                        capture_output=True, text=True).stdout
rows = []
for line in script.splitlines():
    m = re.match(r"\s*(\d+)\s+([\d.]+):\s+\S+\s+(.*)", line)
    if m:
        rows.append((int(m[1]), float(m[2]), m[3]))
t0 = min(r[1] for r in rows)
threads = collections.Counter(r[0] for r in rows)
main = threads.most_common(1)[0][0]
# The tail starts when the decode workers stop: at their 99th-percentile sample time (a worker
# thread can take a stray sample later, e.g. while the pool winds down).
workers = [t for t, n in threads.items() if t != main and n > len(rows) // 50]
worker_times = sorted(r[1] for r in rows if r[0] in workers)
end_of_pipeline = worker_times[int(0.99 * (len(worker_times) - 1))] if worker_times else t0
pipe_main = sum(1 for r in rows if r[0] == main and r[1] <= end_of_pipeline)
pipe_workers = sum(1 for r in rows if r[0] in workers and r[1] <= end_of_pipeline)
tail = sum(1 for r in rows if r[0] == main and r[1] > end_of_pipeline)
stray = sum(1 for r in rows if r[0] in workers and r[1] > end_of_pipeline)
total = len(rows)
print(f"\nsamples {total}, span {max(r[1] for r in rows) - t0:.1f} s, pipeline ends at {end_of_pipeline - t0:.1f} s")
print(f"  pipeline, decode workers {workers}: {pipe_workers} ({100 * pipe_workers / total:.0f} %)")
print(f"  pipeline, main thread {main}: {pipe_main} ({100 * pipe_main / total:.0f} %)")
print(f"  tail, main thread alone: {tail} ({100 * tail / total:.0f} %); worker samples after the cut: {stray}")
tail_syms = collections.Counter(re.sub(r"\+0x[0-9a-f]+", "", r[2])[:80] for r in rows if r[0] == main and r[1] > end_of_pipeline)
for s, n in tail_syms.most_common(6):
    print(f"    {n:5d} {s}")
