#!/usr/bin/env bash
# Where the CPU goes: runs bench/load.sh's two reads on one engine and
# prints, beside req/s and p99, the CPU the service and PostgreSQL used
# per request (/proc, over the run). Compare builds with BIN=path, in
# alternation, in one sitting: this machine's speed drifts by the hour.
#
# Usage: [SSLMODE=require] bench/cpu.sh [seconds per run, default 10] [postgres|sqlite]
# (SSLMODE: how the service reaches PostgreSQL; disable by default.)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-10}"
ENGINE="${2:-postgres}"
CONNECTIONS=50
source bench/common.sh

if [ "$ENGINE" = postgres ]; then
  fresh_postgres
  [ -n "$PG_URL" ] || { echo "no PostgreSQL on 127.0.0.1:5432" >&2; exit 1; }
  start_server "${PG_URL/sslmode=disable/sslmode=${SSLMODE:-disable}}"
else
  start_server "sqlite://$WORK/bench.db?mode=rwc"
fi
id=$(python3 bench/seed.py "$BASE" 1000 10)
settle_postgres
warm_up "$LIST_READ"

for which in list one; do
  if [ "$which" = list ]; then body="$LIST_READ"; label="artists(first: 50)"; else body=$(artist_read "$id"); label="artist(id)"; fi
  python3 bench/proc_cpu.py snapshot >"$WORK/before.json"
  figures=$(measure "$body")
  python3 bench/proc_cpu.py snapshot >"$WORK/after.json"
  read -r rate _ _ p99 <<<"$figures"
  requests=$(python3 -c 'import json, sys; print(sum(json.load(open(sys.argv[1]))["statusCodeDistribution"].values()))' "$WORK/oha.json")
  printf '%-17s %-20s %6s req/s  p99 %6s ms  %s\n' "$ENGINE${SSLMODE:+ $SSLMODE}" "$label" "$rate" "$p99" \
    "$(python3 bench/proc_cpu.py per-request "$WORK/before.json" "$WORK/after.json" "$requests")"
done
stop_server
