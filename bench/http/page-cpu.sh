#!/usr/bin/env bash
# The booking page with the month calendar open, for A/B pairs on a shared machine: seed bookings, warm the page, then
# GET it at a steady rate and report the load tool's latency (median/p95/p99 from the planned send time), the app's own
# CPU per page (/proc ticks over every request of the run) and, on PostgreSQL, the statements the page's database ran
# per request (pg_stat_database transactions of bench_page; every statement outside a transaction is one).
# Usage: bench/http/page-cpu.sh [sqlite|postgres]
#   SEED=3000 (bookings seeded first), WARM=20 (seconds of wrk on the page before measuring: JIT tiering), RPS=200, SECONDS_=15, APPDIR=<build output to run> (default: the Release build),
#   PAGE_PATH (default the month calendar of bench/http's page, visitor in America/New_York),
#   PAGE_TRACE=1: a 10 s dotnet-trace of the run, to PAGE_TRACE_OUT or /tmp/page.nettrace;
#   PERF=1: a 10 s `perf record -g` of the app's CPU during the run (perf map enabled), to PERF_OUT or /tmp/page.perf.data
#   (read it with `perf report -i <file> --no-children --sort symbol`; JIT frames resolve from /tmp/perf-<pid>.map).
#   SERVER_TIME=1: the server's own time per request (ASP.NET Core's http.server.request.duration, from the request's
#   start in the hosting layer to its end), read with dotnet-counters each second of the run: the highest of the
#   per-second p95s bounds the run's p95 from above (no second had more than 5 % of its requests slower). Only the seconds
#   the load tool counts are taken (it leaves out its first 3 s, when its own JIT and connection set-up share these two
#   cores with the server); those start-up seconds are printed apart, not hidden.
# PostgreSQL: psql's variables (PGHOST, PGPORT, PGUSER) reach a server where a database named bench_page is made afresh.
set -euo pipefail
cd "$(dirname "$0")/../.."
db=${1:-sqlite}
port=${PORT:-5193}
key=bench-key
rps=${RPS:-200}
secs=${SECONDS_:-15}
path=${PAGE_PATH:-/book/bench?service=cut&tz=America/New_York}
work=$(mktemp -d)
export Bookwell__SeedDemo=false Bookwell__BootstrapApiKey=$key \
       Bookwell__RateLimits__SlotsPerMinute=0 Bookwell__RateLimits__BookingsPerMinute=0 \
       Logging__LogLevel__Default=Warning ASPNETCORE_ENVIRONMENT=Production
if [ "$db" = postgres ]; then
  psql -d postgres -q -c "DROP DATABASE IF EXISTS bench_page WITH (FORCE)" -c "CREATE DATABASE bench_page" >/dev/null
  export Bookwell__Database=postgres \
    ConnectionStrings__Bookwell="Host=${PGHOST:-127.0.0.1};Port=${PGPORT:-5432};Username=${PGUSER:-postgres};${PGPASSWORD:+Password=$PGPASSWORD;}Database=bench_page;Maximum Pool Size=100"
else
  export Bookwell__Database=sqlite ConnectionStrings__Bookwell="Data Source=$work/bench.db"
fi
[ "${PERF:-0}" = 1 ] && export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
dotnet "${APPDIR:-src/Bookwell/bin/Release/net10.0}/Bookwell.dll" --urls "http://127.0.0.1:$port" > "$work/app.log" 2>&1 &
app=$!
trap 'kill $app 2>/dev/null; rm -rf "$work"' EXIT
until curl -sf "http://127.0.0.1:$port/openapi/v1.json" >/dev/null; do sleep 0.2; done
load() { dotnet bench/Bookwell.Load/bin/Release/net10.0/Bookwell.Load.dll "$1" "http://127.0.0.1:$port" $key "${@:2}"; }
base="http://127.0.0.1:$port"
trace_tool=$(command -v dotnet-trace || echo "$HOME/.dotnet/tools/dotnet-trace")
xacts() { psql -d postgres -Atq -c "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = 'bench_page'"; }
echo "## $db ($(uptime | sed 's/.*load/load/'))"
load setup >/dev/null
load book "${SEED:-3000}" 16 >/dev/null
echo "  page bytes: $(curl -s -o /dev/null -w '%{size_download}' "$base$path")"
# Warm: JIT, tiering, the catalog and the busy index.
wrk -t1 -c4 -d${WARM:-20}s "$base$path" >/dev/null
if [ "${PAGE_TRACE:-0}" = 1 ]; then
  (sleep 4; "$trace_tool" collect --process-id $app --duration 00:00:10 -o "${PAGE_TRACE_OUT:-/tmp/page.nettrace}" >/dev/null 2>&1) &
  tracer=$!
fi
if [ "${PERF:-0}" = 1 ]; then
  (sleep 4; perf record -F 499 -g -p $app -o "${PERF_OUT:-/tmp/page.perf.data}" -- sleep 10 >/dev/null 2>&1) &
  perfer=$!
fi
if [ "${SERVER_TIME:-0}" = 1 ]; then
  counters_tool=$(command -v dotnet-counters || echo "$HOME/.dotnet/tools/dotnet-counters")
  "$counters_tool" collect --process-id $app --counters "Microsoft.AspNetCore.Hosting[http.server.request.duration]" \
    --refresh-interval 1 --format csv -o "$work/counters.csv" --duration 00:00:00:$(printf '%02d' $((secs + 8))) >/dev/null 2>&1 &
  counter=$!
  sleep 1
fi
if [ "$db" = postgres ]; then sleep 1; x0=$(xacts); fi
before=$(awk '{ print $14 + $15 }' /proc/$app/stat)
launched=$(date +%T)
load rate "$path" "$rps" "$secs" 10 | sed 's/^/  /'
after=$(awk '{ print $14 + $15 }' /proc/$app/stat)
n=$((rps * (secs + 3)))
echo "  app CPU per page: $(awk -v a="$before" -v b="$after" -v n="$n" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f", (b - a) * 1000 / hz / n }') ms over $n requests"
if [ "$db" = postgres ]; then sleep 1; x1=$(xacts); echo "  database statements per page: $(awk -v a="$x0" -v b="$x1" -v n="$n" 'BEGIN { printf "%.2f", (b - a) / n }')"; fi
if [ "${SERVER_TIME:-0}" = 1 ]; then
  wait $counter || true
  # Rows: timestamp, provider, "http.server.request.duration[s] (...;Percentile=95)", kind, value in seconds. A row covers
  # the second before its timestamp; the load tool counts from 3.1 s after its launch, so rows stamped 5 s or more after
  # the launch (whole seconds, local time like the tool's) are counted, the earlier ones are its start-up.
  awk -F, -v launched="$launched" 'function sod(t,  p) { split(t, p, ":"); return p[1] * 3600 + p[2] * 60 + p[3] }
    BEGIN { from = sod(launched) + 5 }
    /Percentile=(50|95|99)/ && $NF+0 > 0 { match($0, /Percentile=[0-9]+/); q = substr($0, RSTART + 11, RLENGTH - 11);
      split($1, stamp, " "); t = sod(stamp[2]); if (t < from - 43200) t += 86400;
      v = $NF * 1000; if (t < from) { if (q == 95) early = early sprintf(" %.2f", v); next }
      n[q]++; if (v > max[q]) max[q] = v; all[q, n[q]] = v }
    END { if (early != "") printf "  server p95 in the load tool'"'"'s start-up seconds (not counted):%s ms\n", early; for (q = 50; q <= 99; q += (q == 50 ? 45 : 4)) { if (!n[q]) continue; m = n[q]; for (i = 1; i <= m; i++) s[i] = all[q, i];
        for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (s[j] < s[i]) { t = s[i]; s[i] = s[j]; s[j] = t }
        printf "  server p%d per second: median %.2f ms, highest %.2f ms (%d seconds)\n", q, s[int((m + 1) / 2)], max[q], m } }' "$work/counters.csv"
fi
if [ "${PAGE_TRACE:-0}" = 1 ]; then wait $tracer || true; fi
if [ "${PERF:-0}" = 1 ]; then wait $perfer || true; fi
