# shellcheck shell=bash
# Shared by the load scripts: a release server on a fresh database, and oha.
# Source it; set DURATION and CONNECTIONS first.
PORT="${PORT:-18181}"
BASE="http://127.0.0.1:$PORT"
# BIN=path/to/coulisses measures that binary instead (a build to compare).
BIN="${BIN:-target/release/coulisses}"
WORK=$(mktemp -d)
SERVER_PID=""
PG_DB=""
PG_URL=""
# Databases made beside PG_DB (beside_postgres), dropped with it.
BESIDE_DBS=""

# A script that drives the load itself sets NEEDS_OHA=0.
if [ "${NEEDS_OHA:-1}" = 1 ]; then
  command -v oha >/dev/null || { echo "oha missing: cargo install oha" >&2; exit 1; }
fi
[ "$BIN" = target/release/coulisses ] && cargo build --release --quiet

# Every step runs, whatever fails, so the database goes and WORK too.
cleanup() {
  set +e
  if [ -n "${PEER_PID:-}" ]; then kill "$PEER_PID" 2>/dev/null; fi
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; fi
  for db in $PG_DB $BESIDE_DBS; do
    psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

start_server() {
  # Another server on the port would answer /health for ours.
  if curl -s -o /dev/null "$BASE/health"; then
    echo "port $PORT is taken: stop what listens there, or set PORT" >&2; exit 1
  fi
  RUST_LOG=warn "$BIN" serve --bind "127.0.0.1:$PORT" --database-url "$1" >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    curl -sf "$BASE/health" >/dev/null && return 0
    sleep 0.1
  done
  echo "server did not start:" >&2; cat "$WORK/server.log" >&2; exit 1
}

stop_server() {
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
}

# Creates a fresh PostgreSQL database, named in PG_DB, its URL in PG_URL;
# leaves both empty when no server answers. Call it directly, not in a
# subshell: cleanup drops the database PG_DB names.
fresh_postgres() {
  PG_DB=""
  PG_URL=""
  pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || return 0
  PG_DB="coulisses_bench_$$_$RANDOM"
  psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $PG_DB" >/dev/null
  # Loopback: TLS (libpq's default sslmode=prefer) would only add cost.
  PG_URL="postgres://postgres@127.0.0.1:5432/$PG_DB?sslmode=disable"
}

# beside_postgres NAME: creates the database ${PG_DB}_NAME beside PG_DB,
# dropped with it at the end. Call it directly, not in a subshell.
beside_postgres() {
  psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE ${PG_DB}_$1" >/dev/null
  BESIDE_DBS="$BESIDE_DBS ${PG_DB}_$1"
}

# settle_postgres [DATABASE]: after the bulk load, what autovacuum does
# soon after on a live database: the planner's statistics, and the
# visibility map that lets index-only scans skip the table. DATABASE
# defaults to PG_DB; a no-op outside PostgreSQL.
settle_postgres() {
  local db="${1:-$PG_DB}"
  [ -z "$db" ] || psql -q -h 127.0.0.1 -U postgres -d "$db" -c "VACUUM ANALYZE" >/dev/null
}

drop_postgres() {
  [ -n "$PG_DB" ] && psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null
  PG_DB=""
}

# The reads bench/load.sh measures: a page of 50 artists with their
# availabilities' times, and one artist (by its id) with the same.
# shellcheck disable=SC2034 # used by the scripts that source this file
LIST_READ='{"query":"{ artists(first: 50) { nodes { name availabilities { startsAt endsAt } } } }"}'
artist_read() {
  echo "{\"query\":\"{ artist(id: \\\"$1\\\") { name availabilities { startsAt endsAt } } }\"}"
}

# measure BODY: prints "<req/s> <p50 ms> <p95 ms> <p99 ms>"; fails on any
# non-200 answer or any GraphQL error in a sampled response.
measure() {
  local answer
  answer=$(curl -s "$BASE/graphql" -H 'content-type: application/json' -d "$1")
  case "$answer" in *'"errors"'*) echo "the request fails: $answer" >&2; exit 1 ;; esac
  oha --no-tui --output-format json -c "$CONNECTIONS" -z "${DURATION}s" \
    -m POST -H 'content-type: application/json' -d "$1" "$BASE/graphql" >"$WORK/oha.json"
  python3 - "$WORK/oha.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
codes = r.get("statusCodeDistribution", {})
bad = {c: n for c, n in codes.items() if c != "200"}
if bad:
    sys.exit(f"non-200 responses: {bad}")
p = r["latencyPercentiles"]
print(f'{r["summary"]["requestsPerSec"]:.0f} {p["p50"]*1000:.2f} {p["p95"]*1000:.2f} {p["p99"]*1000:.2f}')
PY
}

warm_up() {
  oha --no-tui -c "$CONNECTIONS" -n 2000 -m POST -H 'content-type: application/json' -d "$1" "$BASE/graphql" >/dev/null
}

# report ENGINE LABEL BODY: measures BODY and prints one line; with
# REPORT_LINES set, also appends "ENGINE<TAB>LABEL<TAB>req/s<TAB>p99" to
# that file (for summary.py). A failed measurement ends the script (a
# command substitution inside the arguments would not).
report() {
  local figures
  figures=$(measure "$3")
  # "req/s p50 p95 p99", split on purpose.
  # shellcheck disable=SC2086
  printf '%-9s %-24s %8s req/s  p50 %6s ms  p95 %6s ms  p99 %6s ms\n' "$1" "$2" $figures
  if [ -n "${REPORT_LINES:-}" ]; then
    local rate p99
    read -r rate _ _ p99 <<<"$figures"
    printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$rate" "$p99" >>"$REPORT_LINES"
  fi
}

# Calls `run ENGINE DATABASE_URL` on a fresh SQLite file, then on a fresh
# PostgreSQL database when a server answers.
on_each_engine() {
  run sqlite "sqlite://$WORK/bench.db?mode=rwc"
  fresh_postgres
  if [ -n "$PG_URL" ]; then run postgres "$PG_URL"; drop_postgres; else echo "postgres: skipped, no server on 127.0.0.1:5432"; fi
}

# PostGraphile, the peer: start_postgraphile URL starts it (installed in
# WORK/peer) on PEER_PORT over the database at URL, with the planner
# setting Coulisses gives its own sessions (src/db), so that both read the
# availabilities by index, and waits until it answers. peer_reads ID sets
# PEER_LIST and PEER_ONE, bench/load.sh's two reads in its schema.
PEER_PORT="${PEER_PORT:-18191}"
PEER_PID=""
start_postgraphile() {
  "$WORK/peer/node_modules/.bin/postgraphile" \
    --connection "$1&options=-c%20random_page_cost%3D1.1" --port "$PEER_PORT" \
    --disable-query-log --no-setof-functions-contain-nulls >"$WORK/peer.log" 2>&1 &
  PEER_PID=$!
  for _ in $(seq 1 100); do
    kill -0 "$PEER_PID" 2>/dev/null || { echo "PostGraphile stopped:" >&2; cat "$WORK/peer.log" >&2; exit 1; }
    curl -sf "http://127.0.0.1:$PEER_PORT/graphql" -H 'content-type: application/json' \
      -d '{"query":"{ __typename }"}' >/dev/null && return 0
    sleep 0.2
  done
  echo "PostGraphile did not answer:" >&2; cat "$WORK/peer.log" >&2; exit 1
}

stop_postgraphile() {
  kill "$PEER_PID" 2>/dev/null || true; wait "$PEER_PID" 2>/dev/null || true; PEER_PID=""
}

peer_reads() {
  # shellcheck disable=SC2034 # used by the scripts that source this file
  PEER_LIST='{"query":"{ allArtists(first: 50, orderBy: NAME_KEY_ASC) { nodes { name availabilitiesByArtistId(orderBy: STARTS_AT_ASC) { nodes { startsAt endsAt } } } } }"}'
  # shellcheck disable=SC2034
  PEER_ONE="{\"query\":\"{ artistById(id: \\\"$1\\\") { name availabilitiesByArtistId(orderBy: STARTS_AT_ASC) { nodes { startsAt endsAt } } } }\"}"
}
