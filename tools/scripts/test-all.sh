#!/bin/sh
# README line 2: every check and every test, on a fresh clone. Installs npm packages if they are
# not there yet, the Debian packages the tests need (as root), then runs: boundary check,
# metrics-doc freshness, typecheck, lint, unit, e2e and simulation tests of every package, and prints a summary.
set -eu
cd "$(dirname "$0")/../.."
export NX_DAEMON=false NX_TUI=false NX_NO_CLOUD=true FORCE_COLOR=0

[ -x node_modules/.bin/node ] || npm ci --no-audit --no-fund
sh tools/scripts/system-packages.sh

results_dir="$(pwd)/.test-results"
rm -rf "$results_dir" && mkdir -p "$results_dir"
export CONSORTIUM_TEST_RESULTS_DIR="$results_dir"
started=$(date +%s)

echo "== boundaries";        npm run --silent check:boundaries
echo "== docs/metrics.md";   npm run --silent docs:metrics:check
# Every target runs for real (no Nx cache): this command is the definition of "all tests pass".
echo "== typecheck, lint, unit, e2e and simulation tests"
status=0
npx nx run-many -t typecheck lint test test:e2e test:sim --skip-nx-cache --outputStyle=static --parallel=2 || status=$?

npx tsx tools/src/test-summary/cli.ts "$results_dir" "$(( $(date +%s) - started ))" || status=1
exit $status
