#!/usr/bin/env python3
"""Prints the body of a `planning` request: a week (the 7 days seed.py
makes availabilities for) of 5 daily missions, 2 positions each, some
needing a skill."""
import json
from datetime import datetime, timedelta, timezone

SKILLS = ["sound", "light", "rigging", "stage", "video", "actor", "musician"]
start = datetime(2026, 6, 1, 9, tzinfo=timezone.utc)
slots = []
for day in range(7):
    for mission in range(5):
        begins = start + timedelta(days=day, hours=mission * 2)
        slots.append({
            "key": f"d{day}-m{mission}",
            "startsAt": begins.isoformat(),
            "endsAt": (begins + timedelta(hours=2)).isoformat(),
            "positions": 2,
            "requiredSkills": [SKILLS[(day + mission) % len(SKILLS)]] if mission % 2 else [],
            "label": f"mission {mission}",
        })
query = """query($input: PlanningInput!) { planning(input: $input) { __typename
  ... on Planning { assignments { slotKey artist { name } reasons } unfilled { slotKey reason explanation }
                    stats { filled positions filledUpperBound } } } }"""
print(json.dumps({"query": query, "variables": {"input": {"slots": slots, "rules": {"minRestMinutes": 30}}}}))
