#!/usr/bin/env bash
# A shorter booking figure than run.sh, for A/B pairs on a shared machine: seed, the plain page endpoint, wrk booking on
# distinct slots, the app's own CPU per booking (/proc ticks), and optionally a dotnet-trace of the booking load and the
# booking page at 200 req/s. Usage: bench/http/book-cpu.sh [sqlite|postgres]
#   SEED=3000 (bookings seeded first), ANALYZE=1 (PostgreSQL: statistics gathered after the seed), READS=1 (run.sh's kinds of reads before the bookings, shorter), CLIENTS=<N> (the bookings by N clients in turn, so nearly all by returning clients;
#   default: each by a new client), DUPES=<N> (after every Nth body the one 32 before it again: requests for taken time, answered 409), APPDIR=<build output to run> (default: the Release build), TRACE=1, PAGE=1,
#   PG_AFTER=<SQL run on the migrated PostgreSQL database before the seed>, BENCH_DB=<its name>,
#   PG_CREATE=<options of its CREATE DATABASE, e.g. "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'">,
#   PG_CS=<more of the PostgreSQL connection string, e.g. "Options=-c plan_cache_mode=force_generic_plan">,
#   TRACE_PROFILE=gc-verbose (allocation ticks), TRACE_SECONDS=05 (default 10),
#   PAGE_TRACE=1 (with PAGE=1: a 10 s dotnet-trace of the booking page at 200 req/s, to PAGE_TRACE_OUT or /tmp/page.nettrace).
#   ALLOC=1: the app's managed allocation per booking (dotnet-counters' dotnet.gc.heap.total_allocated, summed from 2 s
#   before the booking load to after it, over the 201s): the same for the same code whatever else the machine runs.
# PostgreSQL: psql's variables (PGHOST, PGPORT, PGUSER) reach a server where a database named bench_cpu (or BENCH_DB) is made afresh.
set -euo pipefail
cd "$(dirname "$0")/../.."
db=${1:-sqlite}
pgdb=${BENCH_DB:-bench_cpu}
port=${PORT:-5191}
key=bench-key
work=$(mktemp -d)
export Bookwell__SeedDemo=false Bookwell__BootstrapApiKey=$key \
       Bookwell__RateLimits__SlotsPerMinute=0 Bookwell__RateLimits__BookingsPerMinute=0 \
       Bookwell__RateLimits__ManagePerMinute=0 \
       Logging__LogLevel__Default=Warning ASPNETCORE_ENVIRONMENT=Production
if [ "$db" = postgres ]; then
  psql -d postgres -q -c "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" -c "CREATE DATABASE $pgdb ${PG_CREATE:-}" >/dev/null
  export Bookwell__Database=postgres \
    ConnectionStrings__Bookwell="Host=${PGHOST:-127.0.0.1};Port=${PGPORT:-5432};Username=${PGUSER:-postgres};${PGPASSWORD:+Password=$PGPASSWORD;}Database=$pgdb;Maximum Pool Size=100${PG_CS:+;$PG_CS}"
else
  export Bookwell__Database=sqlite ConnectionStrings__Bookwell="Data Source=$work/bench.db"
fi
dotnet "${APPDIR:-src/Bookwell/bin/Release/net10.0}/Bookwell.dll" --urls "http://127.0.0.1:$port" > "$work/app.log" 2>&1 &
app=$!
trap 'kill $app 2>/dev/null; [ -n "${APPLOG:-}" ] && cp "$work/app.log" "$APPLOG"; rm -rf "$work"' EXIT
until curl -sf "http://127.0.0.1:$port/openapi/v1.json" >/dev/null; do sleep 0.2; done
# PostgreSQL: PG_AFTER (SQL) runs once the app has migrated the database, before the seed: try a schema change (an index
# dropped, made partial) against the same build.
if [ "$db" = postgres ] && [ -n "${PG_AFTER:-}" ]; then psql -d "$pgdb" -q -v ON_ERROR_STOP=1 -c "$PG_AFTER" >/dev/null; fi
load() { dotnet bench/Bookwell.Load/bin/Release/net10.0/Bookwell.Load.dll "$1" "http://127.0.0.1:$port" $key "${@:2}"; }
base="http://127.0.0.1:$port"
# dotnet-trace is a global tool: on PATH, or where `dotnet tool install -g` puts it.
trace_tool=$(command -v dotnet-trace || echo "$HOME/.dotnet/tools/dotnet-trace")
echo "## $db"
load setup >/dev/null
load book "${SEED:-3000}" 64 | sed 's/^book:/seed (cold process):/; s/^/  /'
load bodies "$work/bodies.txt" 80000 ${CLIENTS:-} >/dev/null
# DUPES=N: after every Nth body, the body 32 before it again: a client asking for time already booked (or being booked by
# another connection at that moment), as from an old page or a double submit; those answer 409.
if [ -n "${DUPES:-}" ]; then
  awk -v n="$DUPES" '{ print; seen[NR] = $0; if (NR % n == 0 && NR > 32) print seen[NR - 32] }' "$work/bodies.txt" > "$work/dupes.txt"
  mv "$work/dupes.txt" "$work/bodies.txt"
fi
# PostgreSQL: ANALYZE=1 gathers statistics after the seed, as autovacuum would a minute later (run.sh books after that):
# the statements planned since run on plans made from them instead of from the young tables.
if [ "${ANALYZE:-0}" = 1 ] && [ "$db" = postgres ]; then psql -d "$pgdb" -q -c "ANALYZE"; echo "  (ANALYZE after the seed)"; fi
if [ "${READS:-0}" = 1 ]; then
  # run.sh's reads before its bookings, in short: /slots for 1 and 30 days and the booking page, as the readers of a live
  # business would have left the process.
  day=$(date -u -d '+11 days' +%F); month_from=$(date -u -d '+1 days' +%F); month_to=$(date -u -d '+30 days' +%F)
  wrk -t2 -c32 -d10s "$base/api/v1/pages/bench/slots?service=cut&from=$day&to=$day&timeZone=America/New_York" >/dev/null
  wrk -t2 -c32 -d10s "$base/api/v1/pages/bench/slots?service=cut&from=$month_from&to=$month_to&timeZone=America/New_York" >/dev/null
  load rate "/book/bench?service=cut&tz=America/New_York" 200 10 10 >/dev/null
  echo "  (reads first: /slots 1 and 30 days, the booking page)"
fi
echo "  page: $(wrk -t2 -c32 -d10s "$base/api/v1/pages/bench" | awk '/Requests\/sec/ {print $2}') req/s"
if [ "${TRACE:-0}" = 1 ]; then
  (sleep 2; "$trace_tool" collect --process-id $app ${TRACE_PROFILE:+--profile $TRACE_PROFILE} --duration 00:00:${TRACE_SECONDS:-10} -o "${TRACE_OUT:-/tmp/book.nettrace}" >/dev/null 2>&1) &
  tracer=$!
fi
if [ "${ALLOC:-0}" = 1 ]; then
  counters_tool=$(command -v dotnet-counters || echo "$HOME/.dotnet/tools/dotnet-counters")
  "$counters_tool" collect --process-id $app --counters "System.Runtime[dotnet.gc.heap.total_allocated]" --refresh-interval 1 \
    --format csv -o "$work/alloc.csv" --duration 00:00:00:14 >/dev/null 2>&1 &
  allocs=$!
  sleep 2
fi
before=$(awk '{ print $14 + $15 }' /proc/$app/stat)
# PostgreSQL: every bench_cpu backend's CPU ticks (server on this machine), before and after the booking load.
backends() { psql -d postgres -Atc "SELECT pid FROM pg_stat_activity WHERE datname = '$pgdb'" 2>/dev/null || true; }
ticks() { for p in "$@"; do awk -v p="$p" '{ print p, $14 + $15 }' "/proc/$p/stat" 2>/dev/null || true; done; }
[ "$db" = postgres ] && ticks $(backends) > "$work/pg.before"
wrk -t2 -c64 -d10s -s bench/http/book.lua "$base/api/v1/admin/bookings" -- "$work/bodies.txt" $key 2 | tail -1 | tee "$work/book.txt" | sed 's/^/  /'
after=$(awk '{ print $14 + $15 }' /proc/$app/stat)
n=$(grep -o '201: [0-9]*' "$work/book.txt" | cut -d' ' -f2)
echo "  app CPU per booking: $(awk -v a="$before" -v b="$after" -v n="$n" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f", (b - a) * 1000 / hz / n }') ms"
if [ "$db" = postgres ]; then
  ticks $(backends) > "$work/pg.after"
  echo "  PostgreSQL backend CPU per booking: $(awk -v n="$n" -v hz="$(getconf CLK_TCK)" 'NR == FNR { b[$1] = $2; next } { t += $2 - ($1 in b ? b[$1] : 0) } END { printf "%.3f", t * 1000 / hz / n }' "$work/pg.before" "$work/pg.after") ms"
fi
if [ "${ALLOC:-0}" = 1 ]; then
  wait $allocs || true
  # Rows: timestamp, provider, "dotnet.gc.heap.total_allocated (By / 1 sec)", kind, bytes in that second.
  echo "  managed allocation per booking: $(awk -F, -v n="$n" '/total_allocated/ { t += $NF } END { printf "%.1f", t / n / 1024 }' "$work/alloc.csv") KB"
fi
if [ "${TRACE:-0}" = 1 ]; then wait $tracer || true; fi
if [ "${PAGE:-0}" = 1 ]; then
  if [ "${PAGE_TRACE:-0}" = 1 ]; then
    (sleep 3; "$trace_tool" collect --process-id $app --duration 00:00:10 -o "${PAGE_TRACE_OUT:-/tmp/page.nettrace}" >/dev/null 2>&1) &
    page_tracer=$!
  fi
  load rate "/book/bench?service=cut&tz=America/New_York" 200 15 10 | sed 's/^/  booking page /'
  if [ "${PAGE_TRACE:-0}" = 1 ]; then wait $page_tracer || true; fi
fi
