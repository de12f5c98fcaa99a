#!/usr/bin/env bash
# A fresh node's first bookings: a fresh database and process, then bookings on distinct slots in slices of 1,000
# (64 clients, the C# load tool), the first slice being the node's first minute. PostgreSQL also prints the statements each
# slice ran most often (pg_stat_statements, when the server loads it and the postgres database has the extension) and how many backends the app opened.
# Usage: bench/http/cold-start.sh [postgres|sqlite]   SLICES=3 (how many slices), APPDIR=<build output to run>
# PostgreSQL: psql's variables (PGHOST, PGPORT, PGUSER) reach a server where a database named bench_cold is made afresh.
set -euo pipefail
cd "$(dirname "$0")/../.."
db=${1:-postgres}
port=${PORT:-5198}
key=bench-key
work=$(mktemp -d)
export Bookwell__SeedDemo=false Bookwell__BootstrapApiKey=$key \
       Bookwell__RateLimits__SlotsPerMinute=0 Bookwell__RateLimits__BookingsPerMinute=0 Bookwell__RateLimits__ManagePerMinute=0 \
       Logging__LogLevel__Default=Warning ASPNETCORE_ENVIRONMENT=Production
if [ "$db" = postgres ]; then
  psql -d postgres -q -c "DROP DATABASE IF EXISTS bench_cold WITH (FORCE)" -c "CREATE DATABASE bench_cold" >/dev/null 2>&1
  export Bookwell__Database=postgres \
    ConnectionStrings__Bookwell="Host=${PGHOST:-127.0.0.1};Port=${PGPORT:-5432};Username=${PGUSER:-postgres};${PGPASSWORD:+Password=$PGPASSWORD;}Database=bench_cold;Maximum Pool Size=100"
else
  export Bookwell__Database=sqlite ConnectionStrings__Bookwell="Data Source=$work/bench.db"
fi
dotnet "${APPDIR:-src/Bookwell/bin/Release/net10.0}/Bookwell.dll" --urls "http://127.0.0.1:$port" > "$work/app.log" 2>&1 &
app=$!
trap 'kill $app 2>/dev/null; rm -rf "$work"' EXIT
until curl -sf "http://127.0.0.1:$port/openapi/v1.json" >/dev/null; do sleep 0.2; done
load() { dotnet bench/Bookwell.Load/bin/Release/net10.0/Bookwell.Load.dll "$1" "http://127.0.0.1:$port" $key "${@:2}"; }
load setup >/dev/null
stats=0
if [ "$db" = postgres ] && psql -d postgres -qAtc "SELECT pg_stat_statements_reset()" >/dev/null 2>&1; then stats=1; fi
echo "## $db"
for i in $(seq 0 $(( ${SLICES:-3} - 1 ))); do
  load book 1000 64 $((i * 1000)) | sed "s/^book:/slice $((i + 1)):/; s/^/  /"
  if [ $stats = 1 ]; then
    psql -d postgres -Atc "SELECT s.calls || ' x ' || left(regexp_replace(s.query, '\s+', ' ', 'g'), 90) FROM pg_stat_statements s
      JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = 'bench_cold' ORDER BY s.calls DESC LIMIT 6" | sed 's/^/    /'
    psql -d postgres -qAtc "SELECT pg_stat_statements_reset()" >/dev/null
  fi
done
if [ "$db" = postgres ]; then
  echo "  backends: $(psql -d bench_cold -Atc "SELECT count(*) FROM pg_stat_activity WHERE datname = 'bench_cold'")"
fi
