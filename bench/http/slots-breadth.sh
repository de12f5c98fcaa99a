#!/usr/bin/env bash
# Issue 15's breadth figure for docs/performance.md: /slots for a visit of several services and for a mobile service with
# travel time, beside plain /slots of the same run, on the issue-2 data set (bench page, 20 staff, 10,000 bookings over 30
# days) plus bench-mobile (20 staff who come to the client, 3,600 visits at addresses spread over 10 km; Bookwell.Load
# `setup ... breadth` and `book-mobile`). The data is seeded once per database (mobile bookings are slow to make: about
# 3 minutes on a loaded machine), then each run starts a fresh process on a fresh copy of it (SQLite: a copy of the file;
# PostgreSQL: CREATE DATABASE ... TEMPLATE); after a warm-up of every URL, each figure is wrk -t2 -c32 over ROUNDS
# slices of SLICE (default 4 × 2 s), the figures' slices interleaved, with the app's own CPU per request (/proc ticks).
#   plain:   GET /api/v1/pages/bench (the plain page endpoint) and /slots?service=cut, 1 day and 30 days (as run.sh)
#   visit:   /slots?services=cut,colour, the same windows (a 30-minute cut, then a 30-minute colour)
#   mobile:  bench-mobile /slots?service=visit&latitude=..&longitude=.., the same windows, each request from another of
#            1,000 places over the area (bench/http/slots-mobile.lua), since a mobile answer depends on the address
# Usage: bench/http/slots-breadth.sh [sqlite|postgres|both]   (RUNS=3; the summary gives each figure's lowest run)
# PostgreSQL: psql's variables (PGHOST, PGPORT, PGUSER) reach a server where a database named bench_breadth is made afresh.
#   PGHOST=127.0.0.1 PGPORT=55432 PGUSER=postgres bench/http/slots-breadth.sh both
set -euo pipefail
cd "$(dirname "$0")/../.."
which=${1:-both}
port=${PORT:-5231}
runs=${RUNS:-3}
# Each figure is ROUNDS slices of SLICE (default 4 × 2 s), interleaved with the other figures' slices.
rounds=${ROUNDS:-4}
slice=${SLICE:-2s}
key=bench-key
# PGDB: the PostgreSQL database name (and <name>_seed), so two checkouts can run this at once.
pgdb=${PGDB:-bench_breadth}
out=$(mktemp -d)
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)"; exit 1; }
if [ "${NO_BUILD:-0}" != 1 ]; then
  dotnet build src/Bookwell -c Release -nologo -v quiet >/dev/null
  dotnet build bench/Bookwell.Load -c Release -nologo -v quiet >/dev/null
fi
export Bookwell__SeedDemo=false Bookwell__BootstrapApiKey=$key \
       Bookwell__RateLimits__SlotsPerMinute=0 Bookwell__RateLimits__BookingsPerMinute=0 \
       Bookwell__RateLimits__ManagePerMinute=0 \
       Logging__LogLevel__Default=Warning ASPNETCORE_ENVIRONMENT=Production
hz=$(getconf CLK_TCK)

pgconn() { echo "Host=${PGHOST:-127.0.0.1};Port=${PGPORT:-5432};Username=${PGUSER:-postgres};${PGPASSWORD:+Password=$PGPASSWORD;}Database=$1;Maximum Pool Size=100"; }
start_app() {
  dotnet "${APPDIR:-src/Bookwell/bin/Release/net10.0}/Bookwell.dll" --urls "http://127.0.0.1:$port" > "$1/app.log" 2>&1 &
  app=$!
  until curl -sf "http://127.0.0.1:$port/openapi/v1.json" >/dev/null; do sleep 0.2; done
}
load() { dotnet bench/Bookwell.Load/bin/Release/net10.0/Bookwell.Load.dll "$1" "http://127.0.0.1:$port" $key "${@:2}"; }

# The data set, once per database: $out/seed.db (SQLite) or the database ${pgdb}_seed (PostgreSQL).
seed() {
  local db=$1
  if [ "$db" = postgres ]; then
    psql -d postgres -q -c "DROP DATABASE IF EXISTS ${pgdb} WITH (FORCE)" -c "DROP DATABASE IF EXISTS ${pgdb}_seed WITH (FORCE)" \
      -c "CREATE DATABASE ${pgdb}_seed" >/dev/null
    export Bookwell__Database=postgres ConnectionStrings__Bookwell="$(pgconn ${pgdb}_seed)"
  else
    rm -f "$out"/seed.db*
    export Bookwell__Database=sqlite ConnectionStrings__Bookwell="Data Source=$out/seed.db"
  fi
  start_app "$out"
  echo "## $db: seeding (load at start: $(cut -d' ' -f1-3 /proc/loadavg))"
  load setup breadth | sed 's/^/  /'
  load book 10000 64 | sed 's/^book:/seed (cold process):/; s/^/  /'
  load book-mobile 64 | sed 's/^/  /'
  kill $app; wait $app 2>/dev/null || true
  if [ "$db" = sqlite ]; then sqlite3 "$out/seed.db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null; fi
}

# One run: a fresh copy of the data and a fresh process; each figure as "name req/s cpu-ms-per-request p99 non-2xx"
# in $out/<db>.<i>.txt.
one() {
  local db=$1 i=$2 work app
  work=$(mktemp -d)
  if [ "$db" = postgres ]; then
    psql -d postgres -q -c "DROP DATABASE IF EXISTS ${pgdb} WITH (FORCE)" -c "CREATE DATABASE ${pgdb} TEMPLATE ${pgdb}_seed" >/dev/null
    export Bookwell__Database=postgres ConnectionStrings__Bookwell="$(pgconn ${pgdb})"
  else
    cp "$out/seed.db" "$work/bench.db"
    export Bookwell__Database=sqlite ConnectionStrings__Bookwell="Data Source=$work/bench.db"
  fi
  start_app "$work"
  local base="http://127.0.0.1:$port"
  echo "## $db run $i (load at start: $(cut -d' ' -f1-3 /proc/loadavg))"
  local day month_from month_to
  day=$(date -u -d '+11 days' +%F)
  month_from=$(date -u -d '+1 days' +%F); month_to=$(date -u -d '+30 days' +%F)
  local tz="timeZone=America/New_York"
  local -A url=(
    [page]="/api/v1/pages/bench"
    [slots1]="/api/v1/pages/bench/slots?service=cut&from=$day&to=$day&$tz"
    [slots30]="/api/v1/pages/bench/slots?service=cut&from=$month_from&to=$month_to&$tz"
    [visit1]="/api/v1/pages/bench/slots?services=cut,colour&from=$day&to=$day&$tz"
    [visit30]="/api/v1/pages/bench/slots?services=cut,colour&from=$month_from&to=$month_to&$tz"
    [mobile1]="/api/v1/pages/bench-mobile/slots?service=visit&from=$day&to=$day&$tz"
    [mobile30]="/api/v1/pages/bench-mobile/slots?service=visit&from=$month_from&to=$month_to&$tz"
  )
  local centre="&latitude=52.0907&longitude=5.1214"
  for name in slots1 slots30 visit1 visit30 mobile1 mobile30; do
    local u="$base${url[$name]}"
    case $name in mobile*) u="$u$centre" ;; esac
    local body
    body=$(curl -sf "$u") || { echo "  $name: request failed: $(curl -s "$u" | head -c 300)"; kill $app; return 1; }
    echo "  $name answer: $(wc -c <<<"$body") bytes, $(grep -o '"start"' <<<"$body" | wc -l) starts (parts included)"
  done
  local -A args
  set -f # the URLs' "?" are no patterns
  for name in page slots1 visit1 mobile1 slots30 visit30 mobile30; do
    args[$name]="$base${url[$name]}"
    case $name in mobile*) args[$name]="-s bench/http/slots-mobile.lua $base -- ${url[$name]}" ;; esac
  done
  # Warm-up: each URL for 3 s, then once more for 1 s, so every path is compiled (and tiered up) before anything is counted.
  for w in 3 1; do
    for name in page slots1 visit1 mobile1 slots30 visit30 mobile30; do
      # shellcheck disable=SC2086
      wrk -t2 -c32 -d${w}s ${args[$name]} >/dev/null
    done
  done
  # The figures, interleaved: ROUNDS rounds of SLICE each per URL, in the same order each round, so a slowdown of the shared
  # machine falls on every figure of a round alike instead of on whichever figure ran then (a ratio of two figures measured
  # a minute apart moved from 0.8 to 0.5 that way). Per figure: requests and the app's CPU ticks summed over its slices;
  # p99 the highest of its slices.
  local -A reqs secs ticks p99 bad top
  for r in $(seq 1 "$rounds"); do
    for name in page slots1 visit1 mobile1 slots30 visit30 mobile30; do
      local before after
      before=$(awk '{ print $14 + $15 }' /proc/$app/stat)
      # shellcheck disable=SC2086
      wrk -t2 -c32 -d"$slice" --latency ${args[$name]} > "$work/wrk.txt"
      after=$(awk '{ print $14 + $15 }' /proc/$app/stat)
      reqs[$name]=$(( ${reqs[$name]:-0} + $(awk '/requests in/ {print $1}' "$work/wrk.txt") ))
      secs[$name]=$(awk -v a="${secs[$name]:-0}" '/requests in/ { sub(/s,$/, "", $4); print a + $4 }' "$work/wrk.txt")
      ticks[$name]=$(( ${ticks[$name]:-0} + after - before ))
      bad[$name]=$(( ${bad[$name]:-0} + $(awk '/Non-2xx/ {print $5}' "$work/wrk.txt" | grep . || echo 0) ))
      p99[$name]=$(awk -v a="${p99[$name]:-0us}" 'function us(t) { if (t ~ /ms$/) return t * 1000; if (t ~ /us$/) return t + 0; if (t ~ /s$/) return t * 1000000; return t }
        $1 == "99%" { print (us($2) > us(a)) ? $2 : a }' "$work/wrk.txt")
      # The slowest request: a stall of the whole server (every connection waiting) shows here, not in p99.
      top[$name]=$(awk -v a="${top[$name]:-0us}" 'function us(t) { if (t ~ /ms$/) return t * 1000; if (t ~ /us$/) return t + 0; if (t ~ /s$/) return t * 1000000; return t }
        $1 == "Latency" { print (us($4) > us(a)) ? $4 : a }' "$work/wrk.txt")
      # Connect, read, write errors and timeouts: a figure with any of them is not a throughput figure.
      if grep -q "Socket errors" "$work/wrk.txt"; then echo "  $name round $r: $(grep 'Socket errors' "$work/wrk.txt" | sed 's/^ *//')"; fi
    done
  done
  for name in page slots1 visit1 mobile1 slots30 visit30 mobile30; do
    printf '%s %s %s %s %s %s\n' "$name" "$(awk -v n="${reqs[$name]}" -v s="${secs[$name]}" 'BEGIN { printf "%.2f", n / s }')" \
      "$(awk -v t="${ticks[$name]}" -v n="${reqs[$name]}" -v hz="$hz" 'BEGIN { printf "%.4f", t * 1000 / hz / n }')" \
      "${p99[$name]}" "${bad[$name]}" "${top[$name]}" >> "$out/$db.$i.txt"
  done
  set +f
  kill $app; wait $app 2>/dev/null || true
  rm -rf "$work"
  awk -v run="$db $i" '
    { rps[$1] = $2; cpu[$1] = $3; p99[$1] = $4; bad[$1] = $5; top[$1] = $6 }
    END {
      printf "  %-9s %10s %14s %9s %9s %9s %s\n", "figure", "req/s", "CPU ms/req", "p99", "max", "ratio", "(ratio: to the page endpoint; visit and mobile: to plain /slots, same window)"
      split("page slots1 visit1 mobile1 slots30 visit30 mobile30", names, " ")
      for (k = 1; k <= 7; k++) {
        n = names[k]; ref = n == "page" ? "" : (n ~ /^slots/ ? "page" : (n ~ /1$/ ? "slots1" : "slots30"))
        printf "  %-9s %10.0f %14.4f %9s %9s %9s%s\n", n, rps[n], cpu[n], p99[n], top[n], ref == "" ? "" : sprintf("%.3f", rps[n] / rps[ref]),
          (bad[n] > 0 ? "  NON-2xx: " bad[n] : "")
      }
    }' "$out/$db.$i.txt"
}

summary() {
  local db=$1
  echo "## $db: $runs runs; per figure: req/s in each run, the lowest, and the ratio (visit, mobile: to plain /slots of the same run and window)"
  for name in page slots1 visit1 mobile1 slots30 visit30 mobile30; do
    local ref
    case $name in page) ref= ;; slots*) ref=page ;; *1) ref=slots1 ;; *) ref=slots30 ;; esac
    for i in $(seq 1 "$runs"); do
      awk -v n="$name" -v r="$ref" -v i="$i" '
        { rps[$1] = $2; cpu[$1] = $3 }
        END { printf "%s %.0f %s %.4f\n", i, rps[n], r == "" ? "-" : sprintf("%.3f", rps[n] / rps[r]), cpu[n] }' "$out/$db.$i.txt"
    done | sort -k2 -n | awk -v n="$name" '
      { line = line sprintf(" | run %s: %s (%s, %.3f ms CPU)", $1, $2, $3, $4); if (NR == 1) { low = $2; lowr = $3; lowrun = $1 } }
      END { printf "  %-9s lowest %6s req/s (run %s, ratio %s)%s\n", n, low, lowrun, lowr, line }'
  done
}

case $which in
  sqlite|postgres) dbs=("$which") ;;
  both) dbs=(sqlite postgres) ;;
  *) echo "usage: $0 [sqlite|postgres|both]"; exit 2 ;;
esac
for db in "${dbs[@]}"; do
  # SQLITE_SEED=<file>: reuse a seed.db an earlier run of this script made (same day: the data is relative to tomorrow).
  # PG_REUSE_SEED=1: keep the database ${PGDB}_seed an earlier run made (same day), as SQLITE_SEED does for SQLite.
  if [ "$db" = sqlite ] && [ -n "${SQLITE_SEED:-}" ]; then cp "$SQLITE_SEED" "$out/seed.db"
  elif [ "$db" = postgres ] && [ "${PG_REUSE_SEED:-0}" = 1 ] && [ "$(psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '${pgdb}_seed'")" = 1 ]; then :
  else seed "$db"; fi
  for i in $(seq 1 "$runs"); do one "$db" "$i"; done
done
for db in "${dbs[@]}"; do summary "$db"; done
echo "(each run's figures: $out)"
