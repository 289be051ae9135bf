#!/usr/bin/env python3
"""CPU time of the service and of PostgreSQL, from /proc.

  proc_cpu.py snapshot > FILE        every process's CPU ticks, now
  proc_cpu.py per-request A B N      CPU each kind of process used between
                                     snapshots A and B, per request (N
                                     requests), in microseconds

A process that started after A counts from zero; one that ended before B
is not counted (oha, which runs between the two, is not).
"""
import json
import os
import sys

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
KINDS = ("coulisses", "postgres")


def snapshot():
    ticks = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as stat:
                line = stat.read()
        except OSError:
            continue  # ended meanwhile
        name = line[line.index("(") + 1 : line.rindex(")")]
        fields = line[line.rindex(")") + 2 :].split()
        # utime and stime: fields 14 and 15 of proc(5), 12 and 13 here.
        ticks[pid] = (name, int(fields[11]) + int(fields[12]))
    return ticks


def kind(name):
    return next((k for k in KINDS if name.startswith(k)), "other")


def per_request(before, after, requests):
    used = {}
    for pid, (name, ticks) in after.items():
        earlier = before.get(pid, (name, 0))[1]
        used[kind(name)] = used.get(kind(name), 0) + ticks - earlier
    return {k: v / TICKS_PER_SECOND / requests * 1e6 for k, v in sorted(used.items())}


if sys.argv[1] == "snapshot":
    json.dump(snapshot(), sys.stdout)
else:
    with open(sys.argv[2]) as a, open(sys.argv[3]) as b:
        cost = per_request(json.load(a), json.load(b), float(sys.argv[4]))
    print(" ".join(f"{k} {v:.1f} µs" for k, v in cost.items() if k != "other"))
