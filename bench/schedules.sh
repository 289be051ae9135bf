#!/usr/bin/env bash
# Kept schedules, measured where production runs: PostgreSQL over TLS
# (sslmode=require), release build, oha.
#
# - Reading a festival week's schedule (504 positions, filled by 300
#   artists) with its assignments and their artists, `schedule(id)`, at 50
#   connections; side by side with PostGraphile 4.14.1 reading the same
#   rows (schedule, slots, assignments, artists) over the same TLS.
# - Re-planning it, `replanSchedule(id)`, at 1 connection: nothing has
#   changed, so each re-plan reads the schedule and its artists, plans
#   with the fewest changes, finds nothing to write and rolls back; side
#   by side with `planning` over the same slots and artists (the same
#   planner work, nothing kept).
#
# Usage: bench/schedules.sh [seconds per run, default 10] [rounds, default 2]
# Needs oha (cargo install oha), python3, npm and a PostgreSQL server on
# 127.0.0.1:5432 with TLS on.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-10}"
ROUNDS="${2:-2}"
source bench/common.sh

fresh_postgres
[ -n "$PG_URL" ] || { echo "no PostgreSQL on 127.0.0.1:5432" >&2; exit 1; }
tls="postgres://postgres@127.0.0.1:5432/$PG_DB?sslmode=require"
npm install --silent --no-audit --no-fund --prefix "$WORK/peer" postgraphile@4.14.1 >/dev/null

start_server "$tls"
python3 bench/seed.py "$BASE" 300 7 >/dev/null
created=$(curl -s "$BASE/graphql" -H 'content-type: application/json' -d "$(python3 bench/schedule_request.py create)")
id=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["data"]["createSchedule"]["id"])' "$created")
echo "schedule $id: $(python3 -c 'import json, sys; s = json.loads(sys.argv[1])["data"]["createSchedule"]["stats"]; print(s["filled"], "of", s["positions"], "positions filled")' "$created")"
stop_server
settle_postgres

READ="{\"query\":\"{ schedule(id: \\\"$id\\\") { name version assignments { id slotKey status artist { name } } } }\"}"
PEER_READ="{\"query\":\"{ scheduleById(id: \\\"$id\\\") { name version scheduleSlotsByScheduleId { nodes { key scheduleAssignmentsBySlotId { nodes { id status artistByArtistId { name } } } } } } }\"}"
REPLAN="{\"query\":\"mutation { replanSchedule(id: \\\"$id\\\") { __typename ... on ScheduleChange { kept added { id } removed { id } } } }\"}"
PLANNING=$(python3 bench/schedule_request.py planning)

echo "PostgreSQL over TLS, ${DURATION}s a run, $ROUNDS rounds"
for round in $(seq 1 "$ROUNDS"); do
  echo "-- round $round"
  CONNECTIONS=50
  start_server "$tls"
  warm_up "$READ"
  report "coulisses" "schedule(id) c=50" "$READ"
  stop_server
  start_postgraphile "$tls&uselibpqcompat=true"
  base="$BASE"
  BASE="http://127.0.0.1:$PEER_PORT"
  warm_up "$PEER_READ"
  report "postgraphile" "scheduleById(id) c=50" "$PEER_READ"
  BASE="$base"
  stop_postgraphile
  CONNECTIONS=1
  start_server "$tls"
  oha --no-tui -c 1 -n 5 -m POST -H 'content-type: application/json' -d "$REPLAN" "$BASE/graphql" >/dev/null
  report "coulisses" "replanSchedule c=1" "$REPLAN"
  report "coulisses" "planning (same) c=1" "$PLANNING"
  stop_server
done
