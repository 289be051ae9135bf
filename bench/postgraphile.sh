#!/usr/bin/env bash
# The peer of bench/load.sh: PostGraphile 4.14 over the same PostgreSQL
# data set (1,000 artists with 10 availabilities each, loaded through
# Coulisses), the same two reads in PostGraphile's schema, the same oha
# settings. Run it next to bench/load.sh to get ratios from one sitting:
# figures on this shared machine move by up to 2 times between days.
#
# Usage: bench/postgraphile.sh [seconds per run, default 15]
# Needs oha, python3, npm (PostGraphile is installed in a temporary
# directory) and a PostgreSQL server on 127.0.0.1:5432.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-15}"
CONNECTIONS=50
source bench/common.sh
PEER_PORT=18191
PEER_PID=""

fresh_postgres
pg="$PG_URL"
[ -n "$pg" ] || { echo "no PostgreSQL on 127.0.0.1:5432" >&2; exit 1; }
npm install --silent --no-audit --no-fund --prefix "$WORK/peer" postgraphile@4.14 >/dev/null

# Coulisses creates the tables and loads the data, then steps aside.
start_server "$pg"
id=$(python3 bench/seed.py "$BASE" 1000 10)
stop_server
settle_postgres

# The planner setting Coulisses gives its own sessions (src/db.rs), so
# that both read the availabilities by index.
peer_url="$pg&options=-c%20random_page_cost%3D1.1"
"$WORK/peer/node_modules/.bin/postgraphile" --connection "$peer_url" --port "$PEER_PORT" \
  --disable-query-log --no-setof-functions-contain-nulls >"$WORK/peer.log" 2>&1 &
PEER_PID=$!
trap 'kill "$PEER_PID" 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 1 100); do
  kill -0 "$PEER_PID" 2>/dev/null || { echo "PostGraphile stopped:" >&2; cat "$WORK/peer.log" >&2; exit 1; }
  curl -sf "http://127.0.0.1:$PEER_PORT/graphql" -H 'content-type: application/json' \
    -d '{"query":"{ __typename }"}' >/dev/null && break
  sleep 0.2
done

# measure (bench/common.sh) talks to $BASE: point it at the peer.
BASE="http://127.0.0.1:$PEER_PORT"
LIST='{"query":"{ allArtists(first: 50, orderBy: NAME_KEY_ASC) { nodes { name availabilitiesByArtistId(orderBy: STARTS_AT_ASC) { nodes { startsAt endsAt } } } } }"}'
ONE="{\"query\":\"{ artistById(id: \\\"$id\\\") { name availabilitiesByArtistId(orderBy: STARTS_AT_ASC) { nodes { startsAt endsAt } } } }\"}"
echo "PostGraphile 4.14, $CONNECTIONS connections, ${DURATION}s a run, 1,000 artists x 10 availabilities"
warm_up "$LIST"
report postgraphile "allArtists(first: 50)" "$LIST"
report postgraphile "artistById(id)" "$ONE"
