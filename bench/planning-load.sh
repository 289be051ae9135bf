#!/usr/bin/env bash
# The whole `planning` GraphQL request under load, release build: 100
# artists, a week of 5 daily missions (35 slots). Target: p95 under 10 ms.
#
# Usage: bench/planning-load.sh [seconds, default 15] [connections, default 1]
# One connection measures the service time of a request; more measure how
# it queues on this 2-core machine, where oha and PostgreSQL share the cores.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-15}"
CONNECTIONS="${2:-1}"
source bench/common.sh

run() {
  start_server "$2"
  python3 bench/seed.py "$BASE" 100 7 >/dev/null
  settle_postgres
  local body
  body=$(python3 bench/planning_request.py)
  warm_up "$body"
  report "$1" "planning 100 x 35" "$body"
  stop_server
}

echo "release build, $CONNECTIONS connections, ${DURATION}s a run"
on_each_engine
