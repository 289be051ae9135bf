#!/usr/bin/env bash
# What writes cost: the time bench/seed.py takes to load the load test's
# data set through the API (1,000 createArtist, each with 10
# availabilities, one request at a time), on each engine. Compare builds
# with BIN=path, in alternation, in one sitting.
#
# Usage: bench/seed_time.sh
# Needs python3; the PostgreSQL half runs when a server answers on
# 127.0.0.1:5432 (user postgres, trust auth).
set -euo pipefail
cd "$(dirname "$0")/.."
# Read by common.sh, which also serves the oha scripts.
# shellcheck disable=SC2034
DURATION=1 CONNECTIONS=1
source bench/common.sh

run() {
  start_server "$2"
  local started ended
  started=$(date +%s.%N)
  python3 bench/seed.py "$BASE" 1000 10 >/dev/null
  ended=$(date +%s.%N)
  python3 -c "import sys; print(f'{sys.argv[1]:<9} 1,000 artists x 10 availabilities: {float(sys.argv[3]) - float(sys.argv[2]):.2f} s')" "$1" "$started" "$ended"
  stop_server
}

on_each_engine
