#!/bin/sh
# Makes sure the Debian packages the tests need are installed. As root on Debian it installs
# what is missing; otherwise it prints the exact command and fails.
#
#   sh tools/scripts/system-packages.sh             # the tests' packages
#   sh tools/scripts/system-packages.sh container   # podman, for deploy/container/build.sh
#
# command-it-provides:debian-package (strace: the ceremony test that watches what a contribution writes;
# softhsm2-util: SoftHSM 2, the PKCS#11 token the HSM-held keys are tested with; podman: builds the
# image, without its recommended packages: no container runs here, so none of the runtime's helpers
# is needed, and the image build worked with Debian 12's podman 4.3 alone)
set -eu
case "${1:-tests}" in
  tests) REQUIRED="promtool:prometheus amtool:prometheus-alertmanager chromium:chromium strace:strace softhsm2-util:softhsm2" ;;
  # A group of its own: test-all.sh installs it in the background job that builds the image,
  # beside phase 1, so a fresh machine's podman install (about 20 s) is not on the tests' path.
  container) REQUIRED="podman:podman" ;;
  *) echo "usage: system-packages.sh [tests|container]" >&2; exit 2 ;;
esac

missing=""
for pair in $REQUIRED; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing="$missing ${pair#*:}"
done
[ -z "$missing" ] && exit 0

echo "test:all: system packages missing:$missing"
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  # Package lists may be absent on a fresh machine; refresh them only if the install needs it.
  apt-get install -y -q --no-install-recommends $missing >/dev/null 2>&1 || {
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends $missing >/dev/null
  }
  echo "test:all: installed$missing"
else
  echo "test:all: install them first:  sudo apt-get install -y --no-install-recommends$missing" >&2
  exit 1
fi
