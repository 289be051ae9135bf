#!/usr/bin/env bash
# Latency of filtered list pages, release build, on SQLite and on
# PostgreSQL: loads 20,000 artists with 10 availabilities each, then
# measures with oha, one connection at a time, the median latency of a
# page of 50 (names and availabilities' times) under each filter, with
# and without totalCount. Filters that most artists match and filters
# that few or none match, since the cheaper SQL differs between them;
# ranges every artist covers, that all availabilities of a day meet but
# none covers, in a night between shifts, and after all the data. Each
# filter is sent repeatedly, as a client paging through its results
# sends it: a filter's first request also pays for planning it.
#
# Usage: bench/filters.sh [seconds per query, default 3] [artists, default 20000]
# Needs oha (cargo install oha) and python3; the PostgreSQL half runs when a
# server answers on 127.0.0.1:5432 (user postgres, trust auth).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-3}"
ARTISTS="${2:-20000}"
CONNECTIONS=1
source bench/common.sh

# Each artist has 2 of 7 skills (sound: 2 in 7 artists), one in a
# thousand also pyrotechnics; each is available 8 hours a day from
# 2026-06-01, starting between 08:00 and 12:00, for 10 days.
FILTERS=(
  'skills: ["sound"]'
  'skills: ["sound", "light"]'
  'skills: ["pyrotechnics"]'
  'skills: ["sound", "light", "rigging", "stage"]'
  'availableDuring: { startsAt: "2026-06-04T12:00:00Z", endsAt: "2026-06-04T16:00:00Z" }'
  'availableDuring: { startsAt: "2026-06-04T08:00:00Z", endsAt: "2026-06-04T20:00:00Z" }'
  'availableDuring: { startsAt: "2026-06-04T21:00:00Z", endsAt: "2026-06-05T07:00:00Z" }'
  'availableDuring: { startsAt: "2026-06-30T12:00:00Z", endsAt: "2026-06-30T16:00:00Z" }'
  'search: "artist 1"'
)

body() {
  python3 -c 'import json, sys; print(json.dumps({"query": sys.argv[1]}))' \
    "{ artists(first: 50, filter: { $1 }) { $2 nodes { name availabilities { startsAt endsAt } } } }"
}

run() {
  start_server "$2"
  python3 bench/seed.py "$BASE" "$ARTISTS" 10 >/dev/null
  settle_postgres
  local filter count figures p50
  for filter in "${FILTERS[@]}"; do
    for count in "" totalCount; do
      figures=$(measure "$(body "$filter" "$count")")
      read -r _ p50 _ _ <<<"$figures"
      printf '%-9s %-92s %-10s p50 %6s ms\n' "$1" "$filter" "$count" "$p50"
    done
  done
  stop_server
}

echo "release build, one connection, ${DURATION}s a query, $ARTISTS artists x 10 availabilities"
on_each_engine
