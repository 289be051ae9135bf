#!/usr/bin/env python3
"""Compare the planner's filled positions and time with OR-Tools CP-SAT.

Reads the JSON files written by `cargo run --release --example
export_instance -- <family>` (or stdin), solves "maximize filled positions"
under the same hard rules with CP-SAT (60 s, 2 workers by default), and
prints one table: per instance, the planner's fill, bound and median time
(measured by the example, release build) beside CP-SAT's fill, bound, status
and time. For a re-planned instance (`export_instance -- <family> <seed>
replan`: a previous planning and one refusal) CP-SAT maximizes the fill,
then the previous assignments kept, and both sides report their changes. CP-SAT's time is its wall time to the end of the search: to its
proof of optimality, or the time limit.

    pip install ortools
    for f in small small-rest medium medium-rest offset-450; do
      cargo run --release --example export_instance -- $f > /tmp/$f.json
    done
    python3 bench/cpsat_compare.py /tmp/{small,small-rest,medium,medium-rest,offset-450}.json
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
    parser.add_argument("instances", nargs="*", help="JSON files (default: stdin)")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    rows = []
    for path in args.instances or [None]:
        with open(path) if path else sys.stdin as f:
            rows.append(compare(json.load(f), args))
    header = ("family", "positions", "planner", "bound", "changes", "planner ms",
              "CP-SAT", "CP-SAT bound", "changes", "status", "CP-SAT s")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
    return 0


def compare(data, args):
    """One table row: the planner's figures from the export, CP-SAT's."""
    rest = max(0, data["rules"]["min_rest_seconds"])
    cap = data["rules"]["max_slots_per_artist"]
    kept_slots = [i for i, s in enumerate(data["slots"]) if s["start"] < s["end"] and s["positions"] > 0]
    slots = [data["slots"][i] for i in kept_slots]
    position = {original: i for i, original in enumerate(kept_slots)}
    decisions = data.get("decisions", {})
    refused = {(position[s], a) for s, a in decisions.get("refused", []) if s in position}
    previous_all = decisions.get("previous", [])
    previous = {(position[s], a) for s, a in previous_all if s in position}

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
            if (i, a) in refused:
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
    # Filling first: a position outweighs keeping every previous assignment.
    weight = len(previous) + 1
    kept = [x[a, i] for (i, a) in previous if (a, i) in x]
    model.Maximize(weight * sum(x.values()) + sum(kept))

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = args.time_limit
    solver.parameters.num_workers = args.workers
    status = solver.Solve(model)
    planner = data["planner"]
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    filled = sum(solver.Value(v) for v in x.values()) if found else None
    changes = len(previous_all) - sum(solver.Value(v) for v in kept) if found else None
    return (
        data["family"],
        planner["positions"],
        planner["filled"],
        planner["filled_upper_bound"],
        planner.get("changes", 0),
        f"{planner['median_ms']:.1f}",
        filled if found else "none",
        int(solver.BestObjectiveBound()) // weight,
        changes if found else "none",
        solver.StatusName(status),
        f"{solver.WallTime():.2f}",
    )


if __name__ == "__main__":
    sys.exit(main())
