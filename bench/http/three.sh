#!/usr/bin/env bash
# Three runs of bench/http/run.sh per database, each on a fresh process and a fresh database, then each figure's
# three values side by side (docs/performance.md reports the lowest, with the same run's page figure as the ratio).
# Usage: bench/http/three.sh [sqlite|postgres|both]. PostgreSQL is reached with psql's own variables (PGHOST, PGPORT,
# PGUSER, PGPASSWORD; that user creates a database named bench_three afresh for each run), e.g.
#   PGHOST=127.0.0.1 PGPORT=55432 PGUSER=postgres bench/http/three.sh both
set -euo pipefail
cd "$(dirname "$0")/../.."
which=${1:-both}
out=$(mktemp -d)
runs() {
  local db=$1
  for i in 1 2 3; do
    if [ "$db" = postgres ]; then
      psql -d postgres -q -c "DROP DATABASE IF EXISTS bench_three WITH (FORCE)" -c "CREATE DATABASE bench_three" >/dev/null
      BOOKWELL_BENCH_POSTGRES="Host=${PGHOST:-127.0.0.1};Port=${PGPORT:-5432};Username=${PGUSER:-postgres};${PGPASSWORD:+Password=$PGPASSWORD;}Database=bench_three;Maximum Pool Size=100" \
        bench/http/run.sh postgres > "$out/$db.$i.txt" 2>&1
    else
      bench/http/run.sh sqlite > "$out/$db.$i.txt" 2>&1
    fi
    echo "$db run $i done"
  done
  echo "## $db: three runs (run 1 | run 2 | run 3)"
  for label in "page:" "slots 1 day:" "slots 30 days:" "seed (cold process):"; do
    printf '  %-22s' "$label"
    for i in 1 2 3; do printf ' | %s' "$(grep -F "$label" "$out/$db.$i.txt" | head -1 | sed "s/.*$label *//" | cut -c1-60)"; done
    echo
  done
  for n in 1 2 3; do
    label=$(sed -n "${n}p" <<<$'slots 1 day at 2,000/s\nslots 30 days at 1,000/s\nbooking page at 200/s')
    printf '  %-22s' "$label"
    for i in 1 2 3; do printf ' | %s' "$(grep 'rate:' "$out/$db.$i.txt" | sed -n "${n}p" | grep -o 'p95 [0-9.]* ms, p99 [0-9.]* ms')"; done
    echo
  done
  printf '  %-22s' "bookings"
  for i in 1 2 3; do printf ' | %s' "$(grep 'book:' "$out/$db.$i.txt" | grep -o '[0-9]* req/s' | head -1)"; done
  echo
  printf '  %-22s' "page just before"
  for i in 1 2 3; do printf ' | %s (ratio %s)' "$(grep -o 'page just before the bookings: [0-9.]*' "$out/$db.$i.txt" | grep -o '[0-9.]*$')" \
    "$(grep -o 'ratio to the page just before: [0-9.]*' "$out/$db.$i.txt" | grep -o '[0-9.]*$')"; done
  echo
}
case $which in
  sqlite) runs sqlite ;;
  postgres) runs postgres ;;
  both) runs sqlite; runs postgres ;;
esac
echo "(full output of each run: $out)"
