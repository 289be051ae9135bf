#!/usr/bin/env python3
"""Compare the planner's filled positions with OR-Tools CP-SAT.

Reads the JSON written by `cargo run --release --example export_instance --
<family>` (stdin or a file argument), solves "maximize filled positions" under
the same hard rules with CP-SAT (60 s, 2 workers by default), and prints
planner filled vs CP-SAT filled and their ratio.

    pip install ortools
    cargo run --release --example export_instance -- offset-450 > /tmp/o450.json
    python3 bench/cpsat_compare.py /tmp/o450.json
"""

import argparse
import json
import sys

from ortools.sat.python import cp_model


def merge(ranges):
    """Sorted union of [start, end) ranges, joining touching ones."""
    merged = []
    for s, e in sorted((s, e) for s, e in ranges if s < e):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return merged


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instance", nargs="?", help="JSON file (default: stdin)")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with open(args.instance) if args.instance else sys.stdin as f:
        data = json.load(f)

    rest = max(0, data["rules"]["min_rest_seconds"])
    cap = data["rules"]["max_slots_per_artist"]
    slots = [s for s in data["slots"] if s["start"] < s["end"] and s["positions"] > 0]

    model = cp_model.CpModel()
    x = {}
    per_slot = {i: [] for i in range(len(slots))}
    for a, artist in enumerate(data["artists"]):
        skills = set(artist["skills"])
        avail = merge(artist["availability"])
        mine = []
        for i, s in enumerate(slots):
            if not set(s["required_skills"]) <= skills:
                continue
            if not any(r[0] <= s["start"] and s["end"] <= r[1] for r in avail):
                continue
            x[a, i] = model.NewBoolVar(f"x_{a}_{i}")
            per_slot[i].append(x[a, i])
            mine.append(i)
        # Conflicts form an interval graph on [start, end + rest): its
        # maximal cliques are the slots containing some slot's start.
        seen = set()
        for j in mine:
            t = slots[j]["start"]
            clique = tuple(
                i for i in mine if slots[i]["start"] <= t < slots[i]["end"] + rest
            )
            if len(clique) > 1 and clique not in seen:
                seen.add(clique)
                model.AddAtMostOne(x[a, i] for i in clique)
        if cap is not None and len(mine) > cap:
            model.Add(sum(x[a, i] for i in mine) <= cap)
    for i, s in enumerate(slots):
        if per_slot[i]:
            model.Add(sum(per_slot[i]) <= s["positions"])
    model.Maximize(sum(x.values()))

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = args.time_limit
    solver.parameters.num_workers = args.workers
    status = solver.Solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        print(f"CP-SAT found no solution ({solver.StatusName(status)})")
        return 1

    planner = data["planner"]
    cpsat = int(round(solver.ObjectiveValue()))
    bound = int(solver.BestObjectiveBound())
    print(f"family:            {data['family']}")
    print(f"model:             {len(x)} assignment variables, {len(model.Proto().constraints)} constraints")
    print(f"positions:         {planner['positions']}")
    print(f"planner filled:    {planner['filled']} (its upper bound {planner['filled_upper_bound']})")
    print(f"CP-SAT filled:     {cpsat} ({solver.StatusName(status)}, bound {bound}, {solver.WallTime():.1f} s)")
    print(f"ratio:             {planner['filled'] / cpsat:.4f}" if cpsat else "ratio: n/a")
    return 0


if __name__ == "__main__":
    sys.exit(main())
