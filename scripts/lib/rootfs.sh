# Debian roots for checks and image builds: debootstrap with a cache, and chroot mounts. Needs root.
#   rootfs_debootstrap SUITE TARGET_DIR [EXTRA_PACKAGES...]   # a minbase root in TARGET_DIR
#   rootfs_debian_sources TARGET_DIR SUITE                     # apt sources with updates and security
#   rootfs_mount TARGET_DIR ... rootfs_unmount TARGET_DIR       # /proc, /sys, /dev for a chroot
#   rootfs_remove DIR                                           # unmount, end what runs in it, delete
# shellcheck shell=bash

# shellcheck source=scripts/lib/bootstrap.sh
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"

HEALTHKIT_CACHE="${HEALTHKIT_CACHE:-/var/cache/healthkit-fargate}"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
DEBIAN_SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
# A cached root older than this is built again (so it follows the suite's point releases).
ROOTFS_MAX_AGE_DAYS="${ROOTFS_MAX_AGE_DAYS:-14}"

# rootfs_debootstrap SUITE TARGET_DIR [EXTRA_PACKAGES...]
# A `debootstrap --variant=minbase` root of SUITE with ca-certificates and EXTRA_PACKAGES (and what
# they depend on, no recommends) in TARGET_DIR, which must be empty or absent. The root is cached
# as a tarball under $HEALTHKIT_CACHE/rootfs, keyed by suite, architecture, mirror and packages; the
# .debs debootstrap fetched are kept in $HEALTHKIT_CACHE/rootfs/debs for the next build.
rootfs_debootstrap() {
  local suite=$1 target=$2
  shift 2
  local packages arch tarball
  packages=$(printf '%s\n' ca-certificates "$@" | sort -u | paste -sd, -)
  arch=$(dpkg --print-architecture)
  tarball="$HEALTHKIT_CACHE/rootfs/$suite-$arch-$(rootfs_key "$suite" "$arch" "$packages").tar.gz"
  if [ -d "$target" ] && [ -n "$(ls -A "$target")" ]; then
    echo "error: rootfs_debootstrap: $target is not empty" >&2
    return 1
  fi
  mkdir -p "$target"
  if [ -z "$(find "$tarball" -mtime -"$ROOTFS_MAX_AGE_DAYS" 2>/dev/null)" ]; then
    rootfs_build "$suite" "$arch" "$packages" "$tarball" || return 1
  fi
  tar -C "$target" --numeric-owner -xzpf "$tarball"
}

rootfs_key() {
  printf '%s\n' "$@" "$DEBIAN_MIRROR" | sha256sum | cut -c1-16
}

# Debootstrap into a scratch directory, then write the tarball whole (a crash leaves no tarball).
rootfs_build() {
  local suite=$1 arch=$2 packages=$3 tarball=$4
  local debs="$HEALTHKIT_CACHE/rootfs/debs/$suite-$arch" scratch
  command -v debootstrap >/dev/null || apt_install debootstrap || return 1
  mkdir -p "$debs" "$(dirname "$tarball")" || return 1
  scratch=$(mktemp -d "$(dirname "$tarball")/.build.XXXXXX") || return 1
  echo "debootstrap $suite ($arch, minbase + $packages) from $DEBIAN_MIRROR" >&2
  if debootstrap --variant=minbase --include="$packages" --cache-dir="$debs" \
      "$suite" "$scratch/root" "$DEBIAN_MIRROR" >"$scratch/debootstrap.log" 2>&1 \
    && rm -rf "$scratch/root/var/cache/apt/archives/"*.deb "$scratch/root/var/lib/apt/lists/"* \
      "$scratch/root/etc/resolv.conf" "$scratch/root/etc/hostname" \
    && tar -C "$scratch/root" --numeric-owner -czf "$scratch/root.tar.gz" . \
    && mv "$scratch/root.tar.gz" "$tarball"; then
    rootfs_remove "$scratch"
    return 0
  fi
  echo "error: debootstrap $suite failed; its log:" >&2
  tail -n 30 "$scratch/debootstrap.log" >&2
  rootfs_remove "$scratch"
  return 1
}

# The suite's main, updates and security sources, as a Debian install writes them.
rootfs_debian_sources() {
  local root=$1 suite=$2
  rm -f "$root/etc/apt/sources.list"
  cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $DEBIAN_MIRROR
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $DEBIAN_SECURITY_MIRROR
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
}

# Mount what a chroot into TARGET_DIR needs. TARGET_DIR becomes a private mount point of its own
# (some tools want / to be one, and nothing mounted under it propagates back to the host); /sys and
# /dev (with /dev/pts and /dev/shm) are the host's, as recursive slave binds. Undo: rootfs_unmount.
rootfs_mount() {
  local root
  root=$(realpath "$1") || return 1
  mount --bind "$root" "$root" && mount --make-private "$root" \
    && mount -t proc proc "$root/proc" \
    && mount --rbind /sys "$root/sys" && mount --make-rslave "$root/sys" \
    && mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev" \
    && { mountpoint -q "$root/dev/pts" || mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts"; } \
    && { mountpoint -q "$root/dev/shm" || mount -t tmpfs -o mode=1777 shm "$root/dev/shm"; }
}

# End whatever still runs inside TARGET_DIR (TERM, then KILL), then unmount everything under it.
# Returns non-zero if a mount is left (the caller must then not delete the directory).
rootfs_unmount() {
  local root mounted
  root=$(realpath "$1")
  rootfs_kill "$root" TERM && sleep 3 && rootfs_kill "$root" KILL
  # deepest first; lazily if busy
  rootfs_mounts_under "$root" | sort -r | while read -r mounted; do
    umount "$mounted" 2>/dev/null || umount -l "$mounted"
  done
  if [ -n "$(rootfs_mounts_under "$root")" ]; then
    echo "error: mounts are left under $root" >&2
    return 1
  fi
}

rootfs_mounts_under() {
  findmnt -rn -o TARGET | awk -v dir="$1" '$0 == dir || index($0, dir "/") == 1'
}

# Delete DIR (a root or a folder holding one): unmount what is under it first, never cross into
# another filesystem.
rootfs_remove() {
  rootfs_unmount "$1" && rm -rf --one-file-system "$1"
}

# Send SIGNAL to every process whose root directory is DIR or under it; true when there was one.
rootfs_kill() {
  local dir=$1 signal=$2 proc root found=1
  for proc in /proc/[0-9]*; do
    root=$(readlink "$proc/root" 2>/dev/null) || continue
    if [ "$root" = "$dir" ] || [ "${root#"$dir"/}" != "$root" ]; then
      kill -s "$signal" "${proc#/proc/}" 2>/dev/null && found=0
    fi
  done
  return "$found"
}
