#!/usr/bin/env bash
# Where the CPU goes: runs bench/load.sh's two reads on one engine and
# prints, beside req/s and p99, the CPU the service and PostgreSQL used
# per request (/proc, over the run). Compare builds with BIN=path, in
# alternation, in one sitting: this machine's speed drifts by the hour.
#
# Usage: bench/cpu.sh [seconds per run, default 10] [postgres|sqlite]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-10}"
ENGINE="${2:-postgres}"
CONNECTIONS=50
source bench/common.sh

if [ "$ENGINE" = postgres ]; then
  fresh_postgres
  [ -n "$PG_URL" ] || { echo "no PostgreSQL on 127.0.0.1:5432" >&2; exit 1; }
  start_server "$PG_URL"
else
  start_server "sqlite://$WORK/bench.db?mode=rwc"
fi
id=$(python3 bench/seed.py "$BASE" 1000 10)
settle_postgres
LIST='{"query":"{ artists(first: 50) { nodes { name availabilities { startsAt endsAt } } } }"}'
ONE="{\"query\":\"{ artist(id: \\\"$id\\\") { name availabilities { startsAt endsAt } } }\"}"
warm_up "$LIST"

for which in list one; do
  if [ "$which" = list ]; then body="$LIST"; label="artists(first: 50)"; else body="$ONE"; label="artist(id)"; fi
  python3 bench/proc_cpu.py snapshot >"$WORK/before.json"
  oha --no-tui --output-format json -c "$CONNECTIONS" -z "${DURATION}s" \
    -m POST -H 'content-type: application/json' -d "$body" "$BASE/graphql" >"$WORK/oha.json"
  python3 bench/proc_cpu.py snapshot >"$WORK/after.json"
  read -r requests rate p99 < <(python3 - "$WORK/oha.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
bad = {c: n for c, n in r["statusCodeDistribution"].items() if c != "200"}
if bad:
    sys.exit(f"non-200 responses: {bad}")
print(sum(r["statusCodeDistribution"].values()), round(r["summary"]["requestsPerSec"]),
      f'{r["latencyPercentiles"]["p99"] * 1000:.1f}')
PY
)
  printf '%-9s %-20s %6s req/s  p99 %5s ms  %s\n' "$ENGINE" "$label" "$rate" "$p99" \
    "$(python3 bench/proc_cpu.py per-request "$WORK/before.json" "$WORK/after.json" "$requests")"
done
stop_server
