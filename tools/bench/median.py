"""Medians of the runs recorded by run.sh.
usage: median.py RESULTS.tsv [SET NAME]   one job's median, or the whole table
       median.py --field "MB/s" APPEND.txt  median of the `append:` lines' pages/s and MB/s"""
import re, statistics, sys


def med(xs):
    return statistics.median_low(sorted(xs))


if sys.argv[1] == "--field":
    lines = [l for l in open(sys.argv[3]) if l.startswith("append:")]
    pages = [float(re.search(r"([\d.]+) pages/s", l).group(1)) for l in lines]
    mbs = [float(re.search(r"([\d.]+) MB/s", l).group(1)) for l in lines]
    print(f"append median of {len(lines)}: {med(pages):.1f} pages/s, {med(mbs):.1f} MB/s "
          f"[MB/s min {min(mbs):.1f}, max {max(mbs):.1f}]")
    sys.exit()

runs = {}
for line in open(sys.argv[1]):
    s, name, rows, nbytes, wall, cpu, rss, load = line.rstrip("\n").split("\t")
    runs.setdefault((s, name), []).append((float(wall), float(cpu), int(rss), float(load), int(rows), int(nbytes)))
keys = [(sys.argv[2], sys.argv[3])] if len(sys.argv) > 3 else list(runs)
if len(sys.argv) <= 3:
    print("set\tjob\truns\twall s median [min-max]\trows/s\traw MB/s\tCPU s\tpeak RSS MB\tload")
for k in keys:
    r = runs[k]
    walls = sorted(x[0] for x in r)
    w = med(walls)
    rows, nbytes = r[0][4], r[0][5]
    print(f"{k[0]}\t{k[1]}\t{len(r)}\t{w:.2f} [{walls[0]:.2f}-{walls[-1]:.2f}]\t{rows / w:,.0f}\t"
          f"{nbytes / 1e6 / w:,.0f}\t{med([x[1] for x in r]):.2f}\t{med([x[2] for x in r]) / 1024:.0f}\t"
          f"{min(x[3] for x in r):.1f}-{max(x[3] for x in r):.1f}")
