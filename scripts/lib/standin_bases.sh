# shellcheck shell=bash
# Stand-in base images for an offline build: the Dockerfile's bases, named exactly as it names
# them, made from Debian's archive and PyPI instead of pulled from a registry. Sourced by
# scripts/build-image after bootstrap.sh and buildah_toolchain.sh.
#
#   python:<X.Y.Z>-slim-<suite>  = debootstrap <suite> minbase + Debian's pythonX.Y (its own patch
#                                  release, NOT X.Y.Z) + ca-certificates, netbase, tzdata (as the
#                                  official image) + pip, setuptools, wheel from PyPI wheels in
#                                  /usr/local (so the Dockerfile's `pip uninstall` removes them, as
#                                  in the official image) + /usr/local/bin/python{,3,X.Y} symlinks
#   ghcr.io/astral-sh/uv:<V>     = /uv and /uvx from the uv <V> wheel on PyPI (the same binaries)

STANDIN_DIR=$HEALTHKIT_CACHE/standins
# Bump when the recipe below changes: cached stand-ins of another revision are rebuilt.
STANDIN_REVISION=1
# The packaging tools the official python images carry (setuptools as docker-library/python's
# 3.11 Dockerfile pins it); the Dockerfile uninstalls all three from the runtime stage.
STANDIN_PYTHON_TOOLS=(pip==24.0 setuptools==70.1.0 wheel==0.45.1)
STANDIN_PATH=/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
STANDIN_LABEL=org.healthkit-fargate.standin

# What a buildah-built image does not prove; printed with every result of the offline build.
# $1: the stand-in python's real version.
standin_fidelity() {
  echo "stand-in base images (made locally, not pulled): python:<tag> is Debian's python $1, not the tag's CPython build in /usr/local; the uv image holds the PyPI wheel's uv binary. The image's id and size differ from a registry build's; the release workflow's docker build is the one that ships."
}

# The FROM images of the Dockerfile that are not its own stages, one per line.
dockerfile_bases() {
  awk 'toupper($1) == "FROM" { stage[NR] = $2; if (toupper($3) == "AS") alias[$4] = 1 }
       END { for (n in stage) if (!(stage[n] in alias)) print stage[n] }' "$1" | sort -u
}

# Fully qualified name of a Docker Hub short name (python:tag -> docker.io/library/python:tag).
qualified_name() {
  case $1 in
    */*.*/* | *.*/*) echo "$1" ;;
    */*) echo "docker.io/$1" ;;
    *) echo "docker.io/library/$1" ;;
  esac
}

# A cache key for a stand-in: its name, the recipe revision and the tools' versions.
standin_key() {
  printf '%s\n' "$@" "$STANDIN_REVISION" "${STANDIN_PYTHON_TOOLS[@]}" | sha256sum | cut -c1-16
}

# The root of python:<X.Y.Z>-slim-<suite> as a tarball in STANDIN_DIR; prints its path.
standin_python_tarball() {
  local tag=$1 key
  key=$(standin_key "python:$tag")
  local tarball=$STANDIN_DIR/python-$tag-$key.tar
  if [ ! -s "$tarball" ]; then with_cache_lock standin-python _standin_python_tarball_create "$tag" "$tarball" >&2; fi
  echo "$tarball"
}

_standin_python_tarball_create() {
  local tag=$1 tarball=$2
  if [ -s "$tarball" ]; then return 0; fi
  local minor suite
  minor=$(sed -nE 's/^([0-9]+\.[0-9]+)\.[0-9]+-slim-[a-z]+$/\1/p' <<<"$tag")
  suite=${tag##*-slim-}
  if [ -z "$minor" ]; then
    echo "error: no stand-in for python:$tag (only python:X.Y.Z-slim-<suite> tags)" >&2
    return 1
  fi
  echo "making the stand-in python:$tag (Debian $suite, python$minor; ~1 min)" >&2
  local root=${tarball%.tar}.root
  if [ -e "$root" ]; then assert_nothing_mounted_below "$root" && rm -rf "$root"; fi
  rootfs_create_atomically "$root" "$suite" "python$minor" ca-certificates netbase tzdata
  _standin_python_tools_install "$root" "$minor"
  ln -sf "/usr/bin/python$minor" "$root/usr/local/bin/python$minor"
  ln -sf "python$minor" "$root/usr/local/bin/python3"
  ln -sf python3 "$root/usr/local/bin/python"
  chroot "$root" "python$minor" -c 'import platform; print(platform.python_version())' >"$tarball.version"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/tmp/*
  tar -C "$root" --numeric-owner --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' \
    -cf "$tarball.partial" .
  mv "$tarball.partial" "$tarball"
  rm -rf "$root"
}

# pip, setuptools and wheel from their PyPI wheels into <root>/usr/local, as the official image
# has them (Debian's python3-pip would live under /usr/lib, where pip cannot uninstall itself).
_standin_python_tools_install() {
  local root=$1 minor=$2 spec
  mkdir -p "$root/tmp/wheels"
  for spec in "${STANDIN_PYTHON_TOOLS[@]}"; do
    python3 "$SCRIPTS_LIB/pypi_wheel.py" "${spec%%==*}" "${spec##*==}" py3-none-any "$STANDIN_DIR/wheels" >/dev/null
    cp "$STANDIN_DIR/wheels/${spec%%==*}-${spec##*==}-py3-none-any.whl" "$root/tmp/wheels/"
  done
  rm -f "$root/usr/lib/python$minor/EXTERNALLY-MANAGED"  # the official image has no such marker
  local pip_wheel=${STANDIN_PYTHON_TOOLS[0]/==/-}-py3-none-any.whl  # pip runs from its own wheel
  chroot "$root" /bin/sh -c "cd /tmp/wheels && python$minor $pip_wheel/pip install --quiet --no-index \
    --no-cache-dir --no-compile --disable-pip-version-check --root-user-action=ignore ./*.whl"
  rm -rf "$root/tmp/wheels"
}

# /uv and /uvx of uv <version> from its PyPI wheel, in a directory; prints the directory.
standin_uv_binaries() {
  local version=$1 dir=$STANDIN_DIR/uv-$1
  if [ ! -x "$dir/uvx" ]; then with_cache_lock standin-uv _standin_uv_binaries_create "$version" "$dir" >&2; fi
  echo "$dir"
}

_standin_uv_binaries_create() {
  local version=$1 dir=$2 wheel
  if [ -x "$dir/uvx" ]; then return 0; fi
  if [ "$(uname -m)" != x86_64 ]; then echo "error: the stand-in uv is x86_64 only" >&2; return 1; fi
  wheel=$(python3 "$SCRIPTS_LIB/pypi_wheel.py" uv "$version" manylinux_2_17_x86_64 "$STANDIN_DIR/wheels")
  rm -rf "$dir.partial" && mkdir -p "$dir.partial"
  python3 - "$wheel" "$dir.partial" "uv-$version.data/scripts" <<'EOF'
import os, sys, zipfile
wheel, dest, scripts = sys.argv[1:]
with zipfile.ZipFile(wheel) as archive:
    for name in ("uv", "uvx"):
        target = os.path.join(dest, name)
        with open(target, "wb") as out:
            out.write(archive.read(f"{scripts}/{name}"))
        os.chmod(target, 0o755)
EOF
  mv "$dir.partial" "$dir"
}

# True when the image NAME in the toolchain's storage is the stand-in of key KEY.
_standin_image_current() {
  local label
  label=$(toolchain_buildah inspect --type image --format "{{index .ImageAnnotations \"$STANDIN_LABEL\"}}{{index .OCIv1.Config.Labels \"$STANDIN_LABEL\"}}" "$1" 2>/dev/null) || return 1
  [ "$label" = "$2" ]
}

# Commit a stand-in image NAME of key KEY from a working container the caller filled.
_standin_commit() {
  local container=$1 name=$2 key=$3
  toolchain_buildah config --label "$STANDIN_LABEL=$key" "$container"
  toolchain_buildah commit --quiet --rm "$container" "$name" >/dev/null
}

# The stand-in python:<tag> image in the toolchain's storage.
standin_python_image() {
  local name=$1 tag=${1##*:} key tarball container
  key=$(standin_key "python:$tag")
  if _standin_image_current "$name" "$key"; then return 0; fi
  tarball=$(standin_python_tarball "$tag")
  container=$(toolchain_buildah from scratch)
  (cd "$STANDIN_DIR" && toolchain_buildah add --quiet "$container" "$tarball" / >/dev/null)
  toolchain_buildah config --env "PATH=$STANDIN_PATH" --env LANG=C.UTF-8 \
    --env "PYTHON_VERSION=$(cat "$tarball.version")" --cmd '["python3"]' "$container"
  _standin_commit "$container" "$name" "$key"
}

# The stand-in ghcr.io/astral-sh/uv:<version> image in the toolchain's storage.
standin_uv_image() {
  local name=$1 version=${1##*:} key dir container
  key=$(standin_key "uv:$version")
  if _standin_image_current "$name" "$key"; then return 0; fi
  dir=$(standin_uv_binaries "$version")
  container=$(toolchain_buildah from scratch)
  (cd "$dir" && toolchain_buildah copy --quiet "$container" uv uvx / >/dev/null)
  toolchain_buildah config --entrypoint '["/uv"]' "$container"
  _standin_commit "$container" "$name" "$key"
}

# Every base of the Dockerfile as a stand-in in the toolchain's storage (fails naming a base it
# cannot stand in for).
standin_images_ensure() {
  local base name
  for base in $(dockerfile_bases "$1"); do
    name=$(qualified_name "$base")
    case $name in
      *@sha256:*)
        echo "error: $base is pinned by digest; a stand-in cannot have it (build with Docker)" >&2
        return 1 ;;
      docker.io/library/python:*) standin_python_image "$name" ;;
      ghcr.io/astral-sh/uv:*) standin_uv_image "$name" ;;
      *) echo "error: no stand-in for the base image $base (build with Docker)" >&2; return 1 ;;
    esac
  done
}

# The toolchain and the stand-ins' files, made in parallel where missing (a cold run's minutes are
# debootstrap's: two roots at once).
offline_inputs_ensure() {
  ensure_debootstrap
  local pids=() base pid failed=0
  toolchain_ensure &
  pids+=($!)
  for base in $(dockerfile_bases "$1"); do
    case $(qualified_name "$base") in
      docker.io/library/python:*) standin_python_tarball "${base##*:}" >/dev/null & pids+=($!) ;;
      ghcr.io/astral-sh/uv:*) standin_uv_binaries "${base##*:}" >/dev/null & pids+=($!) ;;
    esac
  done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  return "$failed"
}
