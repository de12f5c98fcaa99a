#!/usr/bin/env bash
# Runs every test of Bookwell on a fresh Debian machine with the .NET SDK:
# installs Chromium, PostgreSQL, Node.js, Radicale (a CalDAV server), aiosmtpd (an SMTP sink), fonts-droid-fallback and fonts-nanum (CJK and Korean letters in PDFs) where missing, starts a throwaway cluster on loopback, builds once, runs each test
# project, and ends with one line of totals over all of them.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
config=${CONFIGURATION:-Release}
results="$root/.artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/radicale ] || need+=(radicale)
command -v npm >/dev/null || need+=(nodejs npm)
/usr/bin/python3 -c "import aiosmtpd" 2>/dev/null || need+=(python3-aiosmtpd)
# The PDFs' fallback font for Chinese, Japanese and Korean letters (Apache-2.0): the invoice script tests print with it.
[ -f /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf ] || need+=(fonts-droid-fallback)
# Korean (OFL-1.1): Droid Sans Fallback has one Hangul syllable.
[ -f /usr/share/fonts/truetype/nanum/NanumGothic.ttf ] || need+=(fonts-nanum)
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing ${need[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# The browser tests drive the headless shell where there is one (half the CPU of the full browser) and fall back to
# chromium, so a Debian without the package still runs them.
if [ ! -x /usr/bin/chromium-headless-shell ]; then
  echo "== installing chromium-headless-shell"
  { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-headless-shell >/dev/null; } ||
    echo "   not available here: the browser tests use chromium"
fi

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
if [ -z "$(pg_bin)" ] || [ ! -x "$(pg_bin)/initdb" ]; then
  echo "== installing PostgreSQL"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-contrib >/dev/null
fi
PGBIN=$(pg_bin)

echo "== starting a throwaway PostgreSQL cluster"
pgroot=$(mktemp -d /tmp/bookwell-pg.XXXXXX)
port=$(( 20000 + RANDOM % 20000 ))
run_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" -eq 0 ]; then chown postgres "$pgroot"; fi
run_pg "$PGBIN/initdb" -D "$pgroot/data" -A trust -U postgres >/dev/null
run_pg "$PGBIN/pg_ctl" -D "$pgroot/data" -l "$pgroot/log" -w \
  -o "-p $port -k $pgroot -c listen_addresses=127.0.0.1 -c max_connections=600 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
cleanup() { run_pg "$PGBIN/pg_ctl" -D "$pgroot/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$pgroot"; }
trap cleanup EXIT
export BOOKWELL_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Pooling=true;Maximum Pool Size=100"

if [ ! -f tests/Bookwell.BrowserTests/node_modules/axe-core/axe.min.js ]; then
  echo "== installing axe-core (npm)"
  (cd tests/Bookwell.BrowserTests && npm install --no-audit --no-fund --loglevel=error >/dev/null)
fi

echo "== building ($config)"
dotnet build Bookwell.slnx -c "$config" -nologo -v quiet

status=0
# Whitespace only: the style and analyzer rules are already errors in the build above (EnforceCodeStyleInBuild and
# TreatWarningsAsErrors in Directory.Build.props), and checking them again took about a minute and a half.
echo "== dotnet format whitespace --verify-no-changes"
if ! dotnet format whitespace Bookwell.slnx --verify-no-changes --no-restore -v quiet; then
  echo "formatting differs: run 'dotnet format Bookwell.slnx'"
  status=1
fi

# run_tests <project> [trx name] [dotnet test arguments...]
run_tests() {
  local project=$1 name=${2:-$(basename "$1" .csproj)}
  shift; [ $# -gt 0 ] && shift
  dotnet test "$project" -c "$config" --no-build -nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" \
    --results-directory "$results" "$@"
}
# The browser tests wait on Chromium and their own app most of the time, so they run beside the other projects
# (about six minutes less wall time on two cores); their output is printed when they end.
browser=tests/Bookwell.BrowserTests/Bookwell.BrowserTests.csproj
echo "== Bookwell.BrowserTests (in the background; output below when done)"
run_tests "$browser" > "$results/browser.log" 2>&1 &
browser_pid=$!
# Tests in the category "Alone" measure the process's managed heap; they run last, with nothing beside them.
for project in tests/*/*.csproj; do
  if [ "$project" = "$browser" ]; then continue; fi
  echo "== $(basename "$project" .csproj)"
  run_tests "$project" "" --filter "Category!=Alone" || status=1
done
browser_status=0
wait "$browser_pid" || browser_status=$?
echo "== Bookwell.BrowserTests"
cat "$results/browser.log"
[ "$browser_status" -eq 0 ] || status=1
echo "== Bookwell.Tests, measurements that run alone"
# No test matching is an error here: a lost trait would otherwise pass with nothing measured.
run_tests tests/Bookwell.Tests/Bookwell.Tests.csproj Bookwell.Tests.Alone --filter "Category=Alone" \
  -- RunConfiguration.TreatNoTestsAsError=true || status=1

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  passed=$(( passed + $(get passed) ))
  failed=$(( failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted) ))
  skipped=$(( skipped + $(get notExecuted) ))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
# CI reads the last line: it is always "N passed, N failed".
if [ "$skipped" -gt 0 ]; then echo "$skipped skipped (measurements run by hand, see their comments)"; fi
echo "$passed passed, $failed failed"
exit "$status"
