# shellcheck shell=bash
# Interim: `rootfs_debootstrap` until scripts/lib/rootfs.sh (branch freshmachine) lands on main;
# same name and arguments, so switching is deleting this file and sourcing that one.

# rootfs_debootstrap SUITE TARGET_DIR [EXTRA_PACKAGES...]
#   A minbase Debian SUITE root in TARGET_DIR (must not exist or be empty), with EXTRA_PACKAGES.
#   The downloaded .debs are kept as a debootstrap tarball under $HEALTHKIT_CACHE/debootstrap/,
#   so a second root of the same suite and packages needs no download.
rootfs_debootstrap() {
  local suite=$1 target=$2; shift 2
  local mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
  local include=(--variant=minbase)
  if [ "$#" -gt 0 ]; then include+=("--include=$(IFS=,; echo "$*")"); fi
  local key tarball
  key=$(printf '%s\n' "$suite" "$@" | sha256sum | cut -c1-12)
  tarball=${HEALTHKIT_CACHE:-/var/cache/healthkit-fargate}/debootstrap/$suite-$key.tgz
  if [ ! -s "$tarball" ]; then
    mkdir -p "$(dirname "$tarball")" "$target"
    debootstrap "${include[@]}" --make-tarball="$tarball.part" "$suite" "$target" "$mirror" >&2
    mv "$tarball.part" "$tarball"
    rm -rf "$target"
  fi
  debootstrap "${include[@]}" --unpack-tarball="$tarball" "$suite" "$target" "$mirror" >&2
}
