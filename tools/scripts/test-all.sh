#!/bin/sh
# README line 2: every check and every test, on a fresh clone. Installs npm packages if they are
# not there yet, the Debian packages the tests need (as root), then runs: boundary check,
# metrics-doc and deploy/ freshness, alertmanager.yml, typecheck, lint, unit, e2e and simulation tests of every package,
# the container image (built and checked in the background), and prints a summary.
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
echo "== deploy/ generated"; npm run --silent deploy:check
echo "== alertmanager.yml";  amtool check-config deploy/alertmanager/alertmanager.yml
status=0

# Phase 1. Type-check and lint the whole repository at once: one TypeScript program over every
# package (tsconfig.all.json) instead of thirteen that each re-check the sources they import, and
# ESLint in two halves (110 s of typecheck and 141 s of lint targets became 52 s of wall time).
# Each package keeps its own `typecheck` and `lint` targets for `nx affected`. Beside them from
# the start: the circuits and keys many suites would each make on first use (tools/src/test-prep).
echo "== typecheck, lint, test artifacts"
logged() {
  name=$1; shift
  if "$@" >"$results_dir/$name.log" 2>&1; then echo "ok   $name"; else echo "FAIL $name:"; cat "$results_dir/$name.log"; return 1; fi
}
# The container image, in the background from here to the end: podman (a package group of its
# own, so a fresh machine installs it here, not before phase 1), then deploy/container/build.sh
# (stage, import, build, check by image mount and chroot): 21 to 31 s of CPU, so about 10 to 15 s
# more for the whole run on two busy cores. Beside typecheck and lint rather than the e2e suites,
# whose waits have deadlines. docs/decisions.md, "The container image".
logged container-image sh -c 'sh tools/scripts/system-packages.sh container && sh deploy/container/build.sh' &
image=$!
logged test-artifacts npx tsx --conditions=@consortium/source tools/src/test-prep/cli.ts &
artifacts=$!
( failed=0
  logged typecheck npx tsc -p tsconfig.all.json --noEmit || failed=1
  logged lint-apps-tools npx eslint apps circuits tools || failed=1
  exit $failed ) &
checks=$!
logged lint-libs npx eslint libs || status=1
wait $checks || status=1

# Phase 2: every test target, for real (no Nx cache: this command is the definition of "all
# tests pass"), in two lanes of one task at a time, one per core, balanced by hand on measured
# suite times: Nx orders run-many by the project graph, which put the tools e2e last, alone on a
# core while the other idled (docs/decisions.md). Lane a starts at once (its first suites need
# no test artifacts); lane b once the artifacts are made.
echo "== unit, e2e and simulation tests (two lanes)"
lane_a="@consortium/consensus,@consortium/p2p,@consortium/tools,@consortium/examples,@consortium/node-config,@consortium/settlement"
nx_run() { npx nx run-many --skip-nx-cache --outputStyle=static --parallel=1 "$@"; }
nx_run -t test test:e2e test:sim -p "$lane_a" >"$results_dir/lane-a.log" 2>&1 &
first_lane=$!
wait $artifacts || status=1
nx_run -t test test:e2e test:sim --exclude "$lane_a" || status=1
echo "== lane a ($lane_a)"
wait $first_lane || status=1
cat "$results_dir/lane-a.log"
echo "== container image"
if wait $image; then tail -n 1 "$results_dir/container-image.log"; else status=1; fi

npx tsx tools/src/test-summary/cli.ts "$results_dir" "$(( $(date +%s) - started ))" || status=1
exit $status
