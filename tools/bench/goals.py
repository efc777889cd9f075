"""Checks issue 12's goals against the runs recorded by run.sh; prints one line per goal and
exits 1 when any goal with measurements is missed (goals whose jobs did not run are skipped).
usage: goals.py RESULTS.tsv"""
import statistics, sys

runs = {}
for line in open(sys.argv[1]):
    s, name, rows, nbytes, wall, cpu, rss, load = line.rstrip("\n").split("\t")
    runs.setdefault((s, name), []).append((float(wall), float(cpu), int(rss), int(rows), int(nbytes)))


def med(key, i):
    return statistics.median_low(sorted(r[i] for r in runs[key]))


def rate(key):  # rows/s (rows = claude_usage_keys rows) by median wall
    return runs[key][0][3] / med(key, 0)


def mbs(key):  # raw MB/s by median wall
    return runs[key][0][4] / 1e6 / med(key, 0)


missed = 0


def goal(ok, text):
    global missed
    missed += 0 if ok else 1
    print(("PASS " if ok else "MISS ") + text)


sets = sorted({s for s, n in runs if n == "rebuild"})
for s in sets:
    r = rate((s, "rebuild"))
    goal(r >= 500_000, f"{s}: rebuild {r:,.0f} usage rows/s >= 500,000")
    if (s, "duck155-direct-to-sqlite") in runs:
        d = rate((s, "duck155-direct-to-sqlite"))
        goal(r >= d, f"{s}: rebuild {r:,.0f} rows/s >= DuckDB->SQLite {d:,.0f} rows/s")
    rss = med((s, "rebuild"), 2) / 1024
    goal(rss <= 100, f"{s}: rebuild peak RSS {rss:.0f} MB <= 100 MB")
    if (s, "verify") in runs:
        v = mbs((s, "verify"))
        goal(v >= 1000, f"{s}: verify {v:,.0f} MB/s >= 1,000 MB/s")
        if (s, "verify-peer-2threads") in runs:
            p = mbs((s, "verify-peer-2threads"))
            goal(v >= 0.8 * p, f"{s}: verify {v:,.0f} MB/s >= 0.8 x peer {p:,.0f} MB/s")
if len(sets) >= 2:
    rss = [med((s, "rebuild"), 2) / 1024 for s in sets]
    goal(max(rss) <= min(rss) + 10, f"rebuild peak RSS flat across sets: {', '.join(f'{x:.0f}' for x in rss)} MB (spread <= 10 MB)")
month, year = ("sync", "daily-sync-month"), ("sync", "daily-sync-year")
if month in runs and year in runs:
    ratio = med(year, 0) / med(month, 0)
    goal(ratio <= 1.5, f"daily sync one-year / one-month ledger: {ratio:.2f} <= 1.5 "
                       f"({med(year, 0):.2f} s / {med(month, 0):.2f} s wall)")
for (s, n) in sorted(runs):
    if n.startswith("report-"):
        w = med((s, n), 0)
        goal(w < 1.0, f"{s}: {n} {w:.2f} s < 1 s")
sys.exit(1 if missed else 0)
