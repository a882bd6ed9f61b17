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
status=0

# Type-check and lint the whole repository at once: one TypeScript program over every package
# (tsconfig.all.json) instead of thirteen that each re-check the sources they import, and ESLint
# in two halves, one per core. 110 s of typecheck and 141 s of lint targets became 23 s and 79 s.
# Each package keeps its own `typecheck` and `lint` targets for `nx affected`.
echo "== typecheck and lint"
logged() {
  name=$1; shift
  if "$@" >"$results_dir/$name.log" 2>&1; then echo "ok   $name"; else echo "FAIL $name:"; cat "$results_dir/$name.log"; return 1; fi
}
( failed=0
  logged typecheck npx tsc -p tsconfig.all.json --noEmit || failed=1
  logged lint-apps-tools npx eslint apps circuits tools || failed=1
  exit $failed ) &
first_half=$!
logged lint-libs npx eslint libs || status=1
wait $first_half || status=1

echo "== unit, e2e and simulation tests"
# Every target runs for real (no Nx cache): this command is the definition of "all tests pass".
npx nx run-many -t test test:e2e test:sim --skip-nx-cache --outputStyle=static --parallel=2 || status=1

npx tsx tools/src/test-summary/cli.ts "$results_dir" "$(( $(date +%s) - started ))" || status=1
exit $status
