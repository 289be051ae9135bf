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

fresh_postgres
pg="$PG_URL"
[ -n "$pg" ] || { echo "no PostgreSQL on 127.0.0.1:5432" >&2; exit 1; }
npm install --silent --no-audit --no-fund --prefix "$WORK/peer" postgraphile@4.14 >/dev/null

# Coulisses creates the tables and loads the data, then steps aside.
start_server "$pg"
id=$(python3 bench/seed.py "$BASE" 1000 10)
stop_server
settle_postgres

start_postgraphile "$pg"

# measure (bench/common.sh) talks to $BASE: point it at the peer.
BASE="http://127.0.0.1:$PEER_PORT"
peer_reads "$id"
echo "PostGraphile 4.14, $CONNECTIONS connections, ${DURATION}s a run, 1,000 artists x 10 availabilities"
warm_up "$PEER_LIST"
report postgraphile "allArtists(first: 50)" "$PEER_LIST"
report postgraphile "artistById(id)" "$PEER_ONE"
