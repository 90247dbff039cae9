# Debian roots for checks and image builds: debootstrap with a cache, and chroot mounts. Needs root.
#   rootfs_debootstrap SUITE TARGET_DIR [EXTRA_PACKAGES...]   # a minbase root in TARGET_DIR
#   rootfs_debian_sources TARGET_DIR SUITE                     # apt sources with updates and security
#   rootfs_mount TARGET_DIR ... rootfs_unmount TARGET_DIR       # /proc, /sys, /dev for a chroot
#   rootfs_remove DIR                                           # end what runs in it, unmount, delete
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
# they depend on, no recommends) in TARGET_DIR, which must be empty or absent; no apt lists, no
# resolv.conf or hostname (the build machine's). The root is cached as a tarball in
# $HEALTHKIT_CACHE/rootfs keyed by suite, architecture, mirror and packages, rebuilt when older than
# ROOTFS_MAX_AGE_DAYS; the .debs debootstrap fetched stay in $HEALTHKIT_CACHE/rootfs/debs.
# On failure TARGET_DIR is emptied again.
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
  mkdir -p "$target" "$HEALTHKIT_CACHE/rootfs" || return 1
  if [ -n "$(find "$tarball" -mtime -"$ROOTFS_MAX_AGE_DAYS" 2>/dev/null)" ]; then
    tar -C "$target" --numeric-owner -xzpf "$tarball" && return 0
  else
    rootfs_build "$suite" "$arch" "$packages" "$target" "$tarball" && return 0
  fi
  rootfs_unmount "$target" && find "$target" -xdev -mindepth 1 -delete
  return 1
}

rootfs_key() {
  printf '%s\n' "$@" "$DEBIAN_MIRROR" | sha256sum | cut -c1-16
}

# Debootstrap into TARGET_DIR, then cache it (the tarball is written whole or not at all).
rootfs_build() {
  local suite=$1 arch=$2 packages=$3 target=$4 tarball=$5
  local debs="$HEALTHKIT_CACHE/rootfs/debs/$suite-$arch" log="${tarball%.tar.gz}.log"
  command -v debootstrap >/dev/null || apt_install debootstrap || return 1
  # Debian's signing keys (an Ubuntu host has only its own): debootstrap checks the Release file
  [ -e /usr/share/keyrings/debian-archive-keyring.gpg ] || apt_install debian-archive-keyring || return 1
  mkdir -p "$debs" || return 1
  echo "debootstrap $suite (minbase + $packages) from $DEBIAN_MIRROR; log: $log" >&2
  if ! debootstrap --variant=minbase --include="$packages" --cache-dir="$debs" \
      --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
      "$suite" "$target" "$DEBIAN_MIRROR" >"$log" 2>&1; then
    echo "error: debootstrap $suite failed; the end of its log:" >&2
    tail -n 30 "$log" >&2
    return 1
  fi
  rm -rf "$target/var/cache/apt/archives/"*.deb "$target/var/lib/apt/lists/"* \
    "$target/etc/resolv.conf" "$target/etc/hostname" || return 1
  if ! { tar -C "$target" --numeric-owner -czf "$tarball.$$" . && mv "$tarball.$$" "$tarball"; }; then
    rm -f "$tarball.$$"
    return 1
  fi
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
