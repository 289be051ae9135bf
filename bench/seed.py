#!/usr/bin/env python3
"""Loads the load-test data set through the API: N artists with M
availabilities each (one createArtist per artist). Prints one artist id.

Usage: seed.py BASE_URL [ARTISTS] [AVAILABILITIES]
"""
import http.client
import json
import sys
import urllib.parse
from datetime import datetime, timedelta, timezone

SKILLS = ["sound", "light", "rigging", "stage", "video", "actor", "musician"]
# One artist in a thousand also has it: a rare skill, for bench/filters.sh.
RARE_SKILL = "pyrotechnics"


def main():
    base = urllib.parse.urlparse(sys.argv[1])
    artists = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    per_artist = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    conn = http.client.HTTPConnection(base.hostname, base.port)
    mutation = ("mutation($input: CreateArtistInput!) { createArtist(input: $input) "
                "{ __typename ... on Artist { id } ... on UserError { message } } }")
    start = datetime(2026, 6, 1, 8, tzinfo=timezone.utc)
    first_id = None
    for i in range(artists):
        availabilities = [
            {
                "startsAt": (start + timedelta(days=d, hours=i % 5)).isoformat(),
                "endsAt": (start + timedelta(days=d, hours=i % 5 + 8)).isoformat(),
            }
            for d in range(per_artist)
        ]
        body = json.dumps({"query": mutation, "variables": {"input": {
            "name": f"Artist {i:04d}",
            "email": f"artist{i}@example.org",
            "skills": [SKILLS[i % len(SKILLS)], SKILLS[(i * 3 + 1) % len(SKILLS)]]
            + ([RARE_SKILL] if i % 1000 == 0 else []),
            "availabilities": availabilities,
        }}})
        conn.request("POST", "/graphql", body, {"content-type": "application/json"})
        response = json.loads(conn.getresponse().read())
        result = response.get("data", {}).get("createArtist") or {}
        if result.get("__typename") != "Artist":
            sys.exit(f"seeding failed at artist {i}: {response}")
        first_id = first_id or result["id"]
    print(first_id)


if __name__ == "__main__":
    main()
