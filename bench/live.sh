#!/usr/bin/env bash
# Live updates, measured where production runs: PostgreSQL over TLS
# (sslmode=require), release build. The demo festival's Saturday schedule
# (a kept schedule, seeded) gets SUBSCRIBERS idle subscribers on one
# service process, each on its own WebSocket connection; then CHANGES
# renames, one at a time. Reported (examples/live_subscribers.rs): the
# service's memory per subscriber, and the delay from sending a change to
# the last subscriber's event (median, p99), beside the mutation's own
# time measured in the same run. Three times: subscribers selecting the
# version and status only; every assignment with its artist's name; and
# the same with what the schedule is worth today (each assignment's
# problems, the empty positions, the figures).
#
# Usage: bench/live.sh [subscribers, default 1000] [changes, default 100]
# Needs a PostgreSQL server on 127.0.0.1:5432 with TLS on.
set -euo pipefail
cd "$(dirname "$0")/.."
SUBSCRIBERS="${1:-1000}"
CHANGES="${2:-100}"
NEEDS_OHA=0
source bench/common.sh
cargo build --release --quiet --example live_subscribers
# Each subscriber is one socket on each side.
ulimit -n "$(( SUBSCRIBERS * 2 + 1024 ))"

fresh_postgres
[ -n "$PG_URL" ] || { echo "no PostgreSQL on 127.0.0.1:5432" >&2; exit 1; }
tls="postgres://postgres@127.0.0.1:5432/$PG_DB?sslmode=require"
"$BIN" seed --demo --database-url "$tls" >/dev/null
schedule="de305c00-0000-8000-8000-000000000001"

for selection in light full judged; do
  echo "-- $SUBSCRIBERS subscribers selecting: $selection"
  start_server "$tls"
  target/release/examples/live_subscribers "$BASE" "$SERVER_PID" "$schedule" \
    "$SUBSCRIBERS" "$CHANGES" "$selection"
  stop_server
done
