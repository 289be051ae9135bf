#!/usr/bin/env python3
"""Prints the body of a request over a festival week of 504 positions
(the 7 days seed.py makes availabilities for; 4 stages, 9 one-hour slots
a day each, 2 positions a slot, every other slot needing a skill), for
the 300 artists seed.py makes:

  schedule_request.py create    createSchedule, keeping that planning
  schedule_request.py planning  the same slots as a `planning` query
"""
import json
import sys
from datetime import datetime, timedelta, timezone

SKILLS = ["sound", "light", "rigging", "stage", "video", "actor", "musician"]
start = datetime(2026, 6, 1, 9, tzinfo=timezone.utc)
slots = []
for day in range(7):
    for stage in range(4):
        for hour in range(9):
            begins = start + timedelta(days=day, hours=hour)
            slots.append({
                "key": f"d{day}-s{stage}-h{hour}",
                "startsAt": begins.isoformat(),
                "endsAt": (begins + timedelta(hours=1)).isoformat(),
                "positions": 2,
                "requiredSkills": [SKILLS[(day + stage + hour) % len(SKILLS)]] if hour % 2 else [],
                "label": f"stage {stage}",
            })
rules = {"minRestMinutes": 0}
if sys.argv[1:] == ["create"]:
    query = """mutation($input: CreateScheduleInput!) { createSchedule(input: $input) { __typename
      ... on Schedule { id stats { filled positions } } } }"""
    variables = {"input": {"name": "Festival week", "slots": slots, "rules": rules}}
elif sys.argv[1:] == ["planning"]:
    query = """query($input: PlanningInput!) { planning(input: $input) { __typename
      ... on Planning { stats { filled positions filledUpperBound } } } }"""
    variables = {"input": {"slots": slots, "rules": rules}}
else:
    sys.exit(__doc__)
print(json.dumps({"query": query, "variables": variables}))
