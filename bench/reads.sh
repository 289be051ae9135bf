#!/usr/bin/env bash
# The reads, measured where production runs: PostgreSQL reached over TLS
# (sslmode=require; the server on this host has TLS on), side by side in
# one sitting with PostGraphile 4.14.1 over the same data and the same
# TLS, and with sslmode=disable. With OLD_BIN=path/to/coulisses (a build
# of an earlier commit), that build is measured in alternation with this
# one on every setting. Then SQLite, on a file holding the same data.
#
# 1,000 artists with 10 availabilities each, 50 connections, oha; the two
# reads of bench/load.sh. Each line: req/s, p50, p95, p99, and for the
# service the peak resident memory (VmHWM) of its process after the run.
# At the end, the medians of the rounds and the ratios the comparisons
# ask for (bench/summary.py).
#
# Usage: [OLD_BIN=...] [PARTS="postgres sqlite"] bench/reads.sh [seconds per run, default 10] [rounds, default 2]
# (PARTS=sqlite measures SQLite only.)
# Needs oha (cargo install oha), python3, npm and a PostgreSQL server on
# 127.0.0.1:5432 with TLS on.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-10}"
ROUNDS="${2:-2}"
CONNECTIONS=50
PARTS="${PARTS:-postgres sqlite}"
source bench/common.sh
NEW_BIN="$BIN"
# Every figure, for the medians and ratios at the end (bench/summary.py).
REPORT_LINES="$WORK/report.lines"
: >"$REPORT_LINES"

# service LABEL BIN URL ONE: both reads (ONE: the single artist's), and
# the service's peak memory.
service() {
  BIN="$2" start_server "$3"
  warm_up "$LIST_READ"
  report "$1" "artists(first: 50)" "$LIST_READ"
  report "$1" "artist(id)" "$4"
  local rss
  rss=$(awk '/VmHWM/ { print $2 / 1024 }' "/proc/$SERVER_PID/status")
  printf '%-24s %-24s %s MiB\n' "$1" "peak RSS" "$rss"
  printf '%s\tpeak RSS\t%s\n' "$1" "$rss" >>"$REPORT_LINES"
  stop_server
}

peer() {
  # sslmode as libpq reads it: node-postgres would otherwise check the
  # certificate, as verify-full.
  start_postgraphile "$tls&uselibpqcompat=true"
  local base="$BASE"
  BASE="http://127.0.0.1:$PEER_PORT"
  peer_reads "$id"
  warm_up "$PEER_LIST"
  report "postgraphile-tls" "allArtists(first: 50)" "$PEER_LIST"
  report "postgraphile-tls" "artistById(id)" "$PEER_ONE"
  BASE="$base"
  stop_postgraphile
}

echo "$CONNECTIONS connections, ${DURATION}s a run, 1,000 artists x 10 availabilities, $ROUNDS rounds"
if [[ " $PARTS " == *" postgres "* ]]; then
  fresh_postgres
  [ -n "$PG_URL" ] || { echo "no PostgreSQL on 127.0.0.1:5432" >&2; exit 1; }
  plain="postgres://postgres@127.0.0.1:5432/$PG_DB?sslmode=disable"
  tls="postgres://postgres@127.0.0.1:5432/$PG_DB?sslmode=require"
  npm install --silent --no-audit --no-fund --prefix "$WORK/peer" postgraphile@4.14.1 >/dev/null

  # This build creates the tables and loads the data, then steps aside.
  start_server "$plain"
  id=$(python3 bench/seed.py "$BASE" 1000 10)
  stop_server
  settle_postgres
  ONE=$(artist_read "$id")
  if [ -n "${OLD_BIN:-}" ]; then
    beside_postgres old
    OLD_DB="${PG_DB}_old"
    old_plain="${plain/$PG_DB/$OLD_DB}"
    old_tls="${tls/$PG_DB/$OLD_DB}"
    BIN="$OLD_BIN" start_server "$old_plain"
    old_id=$(python3 bench/seed.py "$BASE" 1000 10)
    stop_server
    settle_postgres "$OLD_DB"
    OLD_ONE=$(artist_read "$old_id")
  fi
  for round in $(seq 1 "$ROUNDS"); do
    echo "-- round $round"
    service "new-tls" "$NEW_BIN" "$tls" "$ONE"
    [ -z "${OLD_BIN:-}" ] || service "old-tls" "$OLD_BIN" "$old_tls" "$OLD_ONE"
    peer
    service "new-plain" "$NEW_BIN" "$plain" "$ONE"
    [ -z "${OLD_BIN:-}" ] || service "old-plain" "$OLD_BIN" "$old_plain" "$OLD_ONE"
  done
fi

# SQLite: the same data set, on a file; old and new in alternation too.
if [[ " $PARTS " == *" sqlite "* ]]; then
  sqlite="sqlite://$WORK/bench.db?mode=rwc"
  BIN="$NEW_BIN" start_server "$sqlite"
  id=$(python3 bench/seed.py "$BASE" 1000 10)
  stop_server
  ONE=$(artist_read "$id")
  if [ -n "${OLD_BIN:-}" ]; then
    old_sqlite="sqlite://$WORK/bench-old.db?mode=rwc"
    BIN="$OLD_BIN" start_server "$old_sqlite"
    old_id=$(python3 bench/seed.py "$BASE" 1000 10)
    stop_server
    OLD_ONE=$(artist_read "$old_id")
  fi
  for round in $(seq 1 "$ROUNDS"); do
    echo "-- SQLite, round $round"
    service "new-sqlite" "$NEW_BIN" "$sqlite" "$ONE"
    [ -z "${OLD_BIN:-}" ] || service "old-sqlite" "$OLD_BIN" "$old_sqlite" "$OLD_ONE"
  done
fi

python3 bench/summary.py "$REPORT_LINES"
