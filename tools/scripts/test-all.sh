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
ready="$results_dir/.artifacts-ready"; unmade="$results_dir/.artifacts-failed"
( if logged test-artifacts npx tsx --conditions=@consortium/source tools/src/test-prep/cli.ts; then touch "$ready"; else touch "$unmade"; exit 1; fi ) &
artifacts=$!
( failed=0
  logged typecheck npx tsc -p tsconfig.all.json --noEmit || failed=1
  logged lint-apps-tools npx eslint apps circuits tools || failed=1
  exit $failed ) &
checks=$!
logged lint-libs npx eslint libs || status=1
wait $checks || status=1

# Phase 2: every test target, for real (no cache: this command is the definition of "all tests
# pass"), two at a time (one per core), from a queue: the longest that can start goes first, and
# those that use the test artifacts start once they are made (tools/src/test-queue; its task
# table holds each suite's measured time). Fixed lanes balanced by hand drifted as suites grew,
# leaving one core idle for minutes at the end (docs/decisions.md, "CI under 20 minutes").
echo "== unit, e2e and simulation tests (two at a time, longest first)"
npx tsx --conditions=@consortium/source tools/src/test-queue/cli.ts --results "$results_dir" --artifacts-ready "$ready" --artifacts-failed "$unmade" --slots 2 || status=1
wait $artifacts || status=1
echo "== container image"
if wait $image; then tail -n 1 "$results_dir/container-image.log"; else status=1; fi

npx tsx tools/src/test-summary/cli.ts "$results_dir" "$(( $(date +%s) - started ))" || status=1
exit $status
