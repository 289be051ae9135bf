#!/usr/bin/env bash
# Load test of the API, release build, on SQLite and on PostgreSQL: loads
# 1,000 artists with 10 availabilities each, then measures with oha (50
# connections) the list page and the single artist.
#
# Usage: bench/load.sh [seconds per run, default 15]
# Needs oha (cargo install oha) and python3; the PostgreSQL half runs when a
# server answers on 127.0.0.1:5432 (user postgres, trust auth).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-15}"
CONNECTIONS=50
source bench/common.sh

run() {
  start_server "$2"
  local id one
  id=$(python3 bench/seed.py "$BASE" 1000 10)
  settle_postgres
  one=$(artist_read "$id")
  warm_up "$LIST_READ"
  report "$1" "artists(first: 50)" "$LIST_READ"
  report "$1" "artist(id)" "$one"
  stop_server
}

echo "release build, $CONNECTIONS connections, ${DURATION}s a run, 1,000 artists x 10 availabilities"
on_each_engine
