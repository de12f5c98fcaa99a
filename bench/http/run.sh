#!/usr/bin/env bash
# HTTP figures for docs/performance.md. Usage: bench/http/run.sh [sqlite|postgres]
# postgres needs BOOKWELL_BENCH_POSTGRES (a connection string to an empty database).
# Optional (issue 16): BENCH_CALENDARS=1 bench/http/run.sh [sqlite|postgres] adds, at the end, /slots with each of the
# 20 staff subscribed to a calendar (served on loopback by Bookwell.Load serve-ics, port PORT+1) beside the same
# run's figure without them, measured just before (about a minute more).
# Needs wrk (Debian package); the app and the load run on this same machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
db=${1:-sqlite}
port=${PORT:-5111}
key=bench-key
work=$(mktemp -d)
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)"; exit 1; }
dotnet build src/Bookwell -c Release -nologo -v quiet >/dev/null
dotnet build bench/Bookwell.Load -c Release -nologo -v quiet >/dev/null
export Bookwell__SeedDemo=false Bookwell__BootstrapApiKey=$key \
       Bookwell__RateLimits__SlotsPerMinute=0 Bookwell__RateLimits__BookingsPerMinute=0 \
       Bookwell__RateLimits__ManagePerMinute=0 \
       Logging__LogLevel__Default=Warning ASPNETCORE_ENVIRONMENT=Production
calendars=${BENCH_CALENDARS:-0}
if [ "$calendars" = 1 ]; then
  # The calendars are served on 127.0.0.1, which busy sources may only use when the operator allows it.
  export Bookwell__Calendars__AllowPrivateAddresses=true
fi
if [ "$db" = postgres ]; then
  export Bookwell__Database=postgres ConnectionStrings__Bookwell="$BOOKWELL_BENCH_POSTGRES"
else
  export Bookwell__Database=sqlite ConnectionStrings__Bookwell="Data Source=$work/bench.db"
fi
dotnet src/Bookwell/bin/Release/net10.0/Bookwell.dll --urls "http://127.0.0.1:$port" > "$work/app.log" 2>&1 &
app=$!
trap 'kill $app 2>/dev/null; rm -rf "$work"' EXIT
until curl -sf "http://127.0.0.1:$port/openapi/v1.json" >/dev/null; do sleep 0.2; done

load_args() { dotnet bench/Bookwell.Load/bin/Release/net10.0/Bookwell.Load.dll "$1" "http://127.0.0.1:$port" $key "${@:2}"; }

echo "## $db"
load_args setup
# Seeding the 10,000 bookings the /slots figures need is also the warm-up: a fresh process spends its first
# few thousand requests in the JIT (docs/performance.md), and a server is measured as it runs for days.
load_args book 10000 64 | sed 's/^book:/seed (cold process):/; s/^/  /'
echo "  (bookings now in the database: 10,000 on 20 staff over 30 days)"
day=$(date -u -d '+11 days' +%F)
month_from=$(date -u -d '+1 days' +%F); month_to=$(date -u -d '+30 days' +%F)
base="http://127.0.0.1:$port"
page="$base/api/v1/pages/bench"
url="$base/api/v1/pages/bench/slots?service=cut&from=$day&to=$day&timeZone=America/New_York"
month="$base/api/v1/pages/bench/slots?service=cut&from=$month_from&to=$month_to&timeZone=America/New_York"
curl -sf "$url" | head -c 200; echo
echo "  30-day answer: $(curl -sf "$month" | wc -c) bytes, $(curl -sf "$month" | grep -o '"start"' | wc -l) slots"
# Each figure beside the plain page endpoint's from the same run: the ratio is what survives a noisy machine.
rps() { wrk -t2 -c32 -d15s --latency "$1" | tee "$work/wrk.txt" | awk '/Requests\/sec/ {print $2}'; }
echo "  max throughput: wrk -t2 -c32 -d15s (page = GET /api/v1/pages/bench, the plain endpoint)"
p=$(rps "$page"); echo "    page:          $p req/s"
d=$(rps "$url"); echo "    slots 1 day:   $d req/s  $(grep -E '99%' "$work/wrk.txt" | xargs)  ratio to page $(awk -v a="$d" -v b="$p" 'BEGIN { printf "%.3f", a / b }')"
m=$(rps "$month"); echo "    slots 30 days: $m req/s  $(grep -E '99%' "$work/wrk.txt" | xargs)  ratio to page $(awk -v a="$m" -v b="$p" 'BEGIN { printf "%.3f", a / b }')"
# Steady rates, evenly spaced (hey -q fires its workers in step, which measures its own bursts).
echo "  slots 1 day at 2,000 req/s: Bookwell.Load rate, 20 connections, 15 s after 3 s not counted"
load_args rate "${url#$base}" 2000 15 20 | sed 's/^/    /'
echo "  slots 30 days at 1,000 req/s: Bookwell.Load rate, 20 connections, 15 s after 3 s not counted"
load_args rate "${month#$base}" 1000 15 20 | sed 's/^/    /'
# The booking page as a client sees it: the service chosen, the month calendar open (horizon 200 days), times
# of the first bookable day listed; server-rendered HTML, so its cost is the month's availability plus Razor.
bookpage="/book/bench?service=cut&tz=America/New_York"
# (read the whole page first: grep -q closing the pipe early would fail curl under pipefail)
grep -q 'class="month' <<<"$(curl -sf "$base$bookpage")" || echo "  (booking page shows no month calendar)"
echo "  booking page, month calendar open, at 200 req/s: Bookwell.Load rate, 10 connections, 15 s after 3 s not counted"
load_args rate "$bookpage" 200 15 10 | sed 's/^/    /'
# Booking creation: wrk with a script that sends each body once, each on its own free slot (days 31-199).
load_args bodies "$work/bodies.txt" 80000 >/dev/null
# The page figure again, just before the bookings: this machine's share of its host swings within a minute, so the
# booking figure's ratio is to the page figure of the same minute (the one above is a couple of minutes older).
pb=$(wrk -t2 -c32 -d5s "$page" | awk '/Requests\/sec/ {print $2}')
echo "  page just before the bookings: $pb req/s (wrk -t2 -c32 -d5s)"
echo "  bookings on distinct slots, 64 connections: wrk -t2 -c64 -d10s -s bench/http/book.lua"
wrk -t2 -c64 -d10s -s bench/http/book.lua "http://127.0.0.1:$port/api/v1/admin/bookings" -- "$work/bodies.txt" $key 2 | tail -1 | tee "$work/book.txt" | sed 's/^/    /'
b=$(grep -o '[0-9]* req/s' "$work/book.txt" | head -1 | cut -d' ' -f1)
echo "    bookings ratio to the page just before: $(awk -v a="$b" -v p="$pb" 'BEGIN { printf "%.3f", a / p }')"
load_args contend 64 | sed 's/^/  /'
if [ "$calendars" = 1 ]; then
  # /slots with 20 staff connected to a calendar against the figure without, both measured now (same database).
  echo "  calendars: 20 staff each subscribed to an .ics feed (a daily hour and a weekly three hours of busy time)"
  d0=$(rps "$url"); echo "    slots 1 day, no calendars:     $d0 req/s  $(grep -E '99%' "$work/wrk.txt" | xargs)"
  m0=$(rps "$month"); echo "    slots 30 days, no calendars:   $m0 req/s  $(grep -E '99%' "$work/wrk.txt" | xargs)"
  ics_port=$((port + 1))
  load_args serve-ics "$ics_port" > "$work/ics.log" 2>&1 &
  ics=$!
  trap 'kill $app $ics 2>/dev/null; rm -rf "$work"' EXIT
  until curl -sf "http://127.0.0.1:$ics_port/s0.ics" >/dev/null; do sleep 0.2; done
  load_args setup "http://127.0.0.1:$ics_port" | sed 's/^/    /'
  curl -sf -X POST -H "Authorization: Bearer $key" "$base/api/v1/admin/calendars/sync" >/dev/null
  status=$(curl -sf -H "Authorization: Bearer $key" "$base/api/v1/admin/calendars")
  echo "    sources read: $(grep -o '"lastSuccessAt":"' <<<"$status" | wc -l) of 20, busy spans: $(grep -o '"busyCount":[0-9]*' <<<"$status" | cut -d: -f2 | awk '{ s += $1 } END { print s + 0 }')"
  d1=$(rps "$url"); echo "    slots 1 day, 20 calendars:     $d1 req/s  $(grep -E '99%' "$work/wrk.txt" | xargs)  ratio to no calendars $(awk -v a="$d1" -v b="$d0" 'BEGIN { printf "%.3f", a / b }')"
  m1=$(rps "$month"); echo "    slots 30 days, 20 calendars:   $m1 req/s  $(grep -E '99%' "$work/wrk.txt" | xargs)  ratio to no calendars $(awk -v a="$m1" -v b="$m0" 'BEGIN { printf "%.3f", a / b }')"
fi
