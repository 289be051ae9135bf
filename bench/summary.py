#!/usr/bin/env python3
"""Medians of bench/reads.sh's rounds, and the ratios its comparisons ask
for, each the median of the rounds' own ratios (the two sides of a ratio
ran in the same round, minutes apart, so the machine's drift over the
sitting cancels).

Usage: summary.py LINES, a file of "SETTING<TAB>READ<TAB>req/s<TAB>p99"
lines, and "SETTING<TAB>peak RSS<TAB>MiB" lines, in the order they ran.
"""
import statistics
import sys
from collections import defaultdict

rates = defaultdict(list)
p99s = defaultdict(list)
rss = defaultdict(list)
for line in open(sys.argv[1]):
    fields = line.rstrip("\n").split("\t")
    if fields[1] == "peak RSS":
        rss[fields[0]].append(float(fields[2]))
        continue
    setting, read, rate, p99 = fields
    # The peer names its reads its own way; each setting reads the list first.
    kind = "list" if "rtists(first" in read else "one artist"
    rates[(kind, setting)].append(float(rate))
    p99s[(kind, setting)].append(float(p99))

median = statistics.median
rounds = max((len(v) for v in rates.values()), default=0)
print(f"\nmedians of {rounds} rounds")
print(f"{'read':<11} {'setting':<17} {'req/s':>8} {'p99 ms':>8} {'peak RSS':>10}")
for (kind, setting), values in rates.items():
    memory = f"{median(rss[setting]):.1f} MiB" if setting in rss else ""
    print(f"{kind:<11} {setting:<17} {median(values):>8,.0f} {median(p99s[(kind, setting)]):>8.1f} {memory:>10}")

COMPARISONS = [
    ("new-tls", "postgraphile-tls"),
    ("new-tls", "old-tls"),
    ("new-plain", "old-plain"),
    ("new-tls", "new-plain"),
    ("new-sqlite", "old-sqlite"),
    ("new-sqlite", "new-tls"),
]
print("\nratios of req/s (median of each round's ratio)")
for kind in ("list", "one artist"):
    for ours, theirs in COMPARISONS:
        a, b = rates.get((kind, ours)), rates.get((kind, theirs))
        if a and b:
            ratios = [x / y for x, y in zip(a, b)]
            spread = f"({min(ratios):.2f} to {max(ratios):.2f})" if len(ratios) > 1 else ""
            print(f"{kind:<11} {ours} / {theirs}: {median(ratios):.2f} {spread}")
