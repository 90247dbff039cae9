# shellcheck shell=bash
# The buildah toolchain: a Debian trixie root holding buildah (1.39; bookworm's 1.28 lacks fixes
# the Dockerfile's build needs) and its image storage, cached in $HEALTHKIT_CACHE/toolchain/.
# Nothing is ever mounted on the host: every command runs in a private mount namespace where the
# root's /proc, /sys, /dev and /run are mounted, and which vanishes with the command (see
# notes in docs/image.md). Sourced by scripts/buildah and scripts/build-image (after bootstrap.sh).

HEALTHKIT_CACHE=${HEALTHKIT_CACHE:-/var/cache/healthkit-fargate}
SCRIPTS_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# rootfs_debootstrap SUITE TARGET_DIR [PACKAGES...]: a cached minbase root (scripts/lib/rootfs.sh)
ROOTFS_LIB=$SCRIPTS_LIB/rootfs.sh
TOOLCHAIN_SUITE=trixie
# netavark is named because debootstrap cannot pick a provider for containers-common's virtual
# dependency (container-network-stack); crun is buildah's runtime for `buildah run`.
TOOLCHAIN_PACKAGES=(buildah netavark crun ca-certificates)
TOOLCHAIN_ROOT=$HEALTHKIT_CACHE/toolchain/$TOOLCHAIN_SUITE-buildah

# with_cache_lock NAME COMMAND...: run COMMAND holding the cache's lock NAME (one writer of each
# part of the cache at a time, across checkouts; different parts are made in parallel).
with_cache_lock() {
  local name=$1
  shift
  mkdir -p "$HEALTHKIT_CACHE"
  (
    flock 9
    "$@"
  ) 9>"$HEALTHKIT_CACHE/.$name.lock"
}

# debootstrap (apt) when missing.
ensure_debootstrap() {
  if command -v debootstrap >/dev/null; then return 0; fi
  echo "installing debootstrap (apt)" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
}

# Fail when anything is mounted below DIR (a root is only ever deleted when nothing is).
assert_nothing_mounted_below() {
  if awk '{print $5}' /proc/self/mountinfo | grep -q "^$1\(/\|$\)"; then
    echo "error: $1 has mounts below it; not deleting it" >&2
    return 1
  fi
}

# Make DIR a fresh Debian root of SUITE with PACKAGES..., built aside and renamed into place, so
# DIR exists only complete. debootstrap's own mounts stay inside a private mount namespace.
rootfs_create_atomically() {
  local dir=$1 suite=$2; shift 2
  local partial=$dir.partial
  if [ -e "$partial" ]; then assert_nothing_mounted_below "$partial" && rm -rf "$partial"; fi
  mkdir -p "$(dirname "$dir")"
  # shellcheck disable=SC2016  # expanded by the inner shell
  if ! unshare --mount --propagation private -- bash -euo pipefail -c \
      'source "$1"; shift; rootfs_debootstrap "$@"' rootfs_debootstrap "$ROOTFS_LIB" \
      "$suite" "$partial" "$@" >"$partial.log" 2>&1; then
    tail -n 20 "$partial.log" >&2
    echo "error: debootstrap of $suite into $partial failed (log: $partial.log)" >&2
    return 1
  fi
  rm -f "$partial.log"
  mv "$partial" "$dir"
}

_toolchain_create() {
  if [ -x "$TOOLCHAIN_ROOT/usr/bin/buildah" ]; then return 0; fi  # made while we waited
  echo "installing the buildah toolchain ($TOOLCHAIN_SUITE root in $TOOLCHAIN_ROOT, ~1 min)" >&2
  rootfs_create_atomically "$TOOLCHAIN_ROOT" "$TOOLCHAIN_SUITE" "${TOOLCHAIN_PACKAGES[@]}"
  : >"$TOOLCHAIN_ROOT/etc/resolv.conf"  # a mount point for the host's
}

# The toolchain root, created on first use.
toolchain_ensure() {
  if [ -x "$TOOLCHAIN_ROOT/usr/bin/buildah" ]; then return 0; fi
  ensure_debootstrap
  with_cache_lock toolchain _toolchain_create
}

# Inside a private mount namespace: mount what the root needs, and the directory CWD at the same
# path (a build context).
_toolchain_mount() {
  local root=$1 cwd=$2
  mount --bind "$root" "$root"  # containers/storage remounts the root: it must be a mount point
  mount -t proc proc "$root/proc"
  mount --rbind /sys "$root/sys" && mount --make-rslave "$root/sys"
  mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev"
  mount -t tmpfs -o mode=0755 tmpfs "$root/run"
  mount --bind /etc/resolv.conf "$root/etc/resolv.conf"
  if [ "$cwd" != / ]; then mkdir -p "$root$cwd" && mount --bind "$cwd" "$root$cwd"; fi
  # buildah cannot raise its default limits here (no CAP_SYS_RESOURCE): use the current hard ones.
  printf '[containers]\ndefault_ulimits = ["nproc=%s:%s", "nofile=%s:%s"]\n' \
    "$(ulimit -Hu)" "$(ulimit -Hu)" "$(ulimit -Hn)" "$(ulimit -Hn)" >"$root/run/healthkit-containers.conf"
}

# Run buildah ARGS... in the root (already mounted in this namespace), in directory CWD when the
# root holds it.
_toolchain_exec() {
  local root=$1 cwd=$2
  shift 2
  export CONTAINERS_CONF_OVERRIDE=/run/healthkit-containers.conf BUILDAH_ISOLATION=chroot TMPDIR=/var/tmp
  # shellcheck disable=SC2016  # expanded by the inner shell
  exec chroot "$root" /bin/sh -c 'cd "$1" 2>/dev/null || cd /; shift; exec buildah "$@"' buildah "$cwd" "$@"
}

_toolchain_enter() {
  _toolchain_mount "$1" "$2"
  _toolchain_exec "$@"
}

# A namespace that outlives single commands (a test session, a rehearsal): mounted, it prints
# "ready <pid to enter>" and holds until its standard input closes. Containers started in it share their mounts,
# as `buildah run` in a running container needs (one overlay mount per container).
_toolchain_hold() {
  _toolchain_mount "$1" "$2"
  echo "ready $$"
  cat >/dev/null
}

# TOOLCHAIN_ARGV: the command line that runs buildah ARGS... from the toolchain (one process
# throughout: `exec` it and signals reach buildah). In a fresh private mount namespace, or in the
# held one of process $HEALTHKIT_BUILDAH_NAMESPACE; `--hold` makes such a namespace.
toolchain_argv() {
  local functions
  functions=$(declare -f _toolchain_mount _toolchain_exec _toolchain_enter _toolchain_hold)
  if [ "${1:-}" = --hold ]; then
    TOOLCHAIN_ARGV=(unshare --mount --propagation private -- bash -euo pipefail -c
      "$functions; _toolchain_hold \"\$@\"" buildah "$TOOLCHAIN_ROOT" "$PWD")
  elif [ -n "${HEALTHKIT_BUILDAH_NAMESPACE:-}" ]; then
    TOOLCHAIN_ARGV=(nsenter "--mount=/proc/$HEALTHKIT_BUILDAH_NAMESPACE/ns/mnt" -- bash -euo pipefail -c
      "$functions; _toolchain_exec \"\$@\"" buildah "$TOOLCHAIN_ROOT" "$PWD" "$@")
  else
    TOOLCHAIN_ARGV=(unshare --mount --propagation private -- bash -euo pipefail -c
      "$functions; _toolchain_enter \"\$@\"" buildah "$TOOLCHAIN_ROOT" "$PWD" "$@")
  fi
}

# buildah ARGS... from the toolchain.
toolchain_buildah() {
  toolchain_argv "$@"
  "${TOOLCHAIN_ARGV[@]}"
}
