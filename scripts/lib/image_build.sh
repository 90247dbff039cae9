# shellcheck shell=bash
# Building the Dockerfile with one of two engines, and reporting the result. Sourced by
# scripts/build-image after bootstrap.sh, buildah_toolchain.sh and standin_bases.sh.
#   docker:  `docker buildx build` (BuildKit, the real bases pulled from their registries)
#   buildah: the offline path: buildah from the toolchain, the bases stood in (standin_bases.sh)
# Each sets BUILT_ID, BUILT_SIZE (as the engine prints it), BUILT_ENGINE and BUILT_BASES.
# shellcheck disable=SC2034  # the BUILT_* results are read by scripts/build-image

# A Docker engine answers (not just a docker client on PATH).
docker_engine_answers() {
  command -v docker >/dev/null && timeout 10 docker info >/dev/null 2>&1
}

# The image's name: one tag per checkout, so checkouts building at once never retag each other.
image_name() {
  local slug
  slug=$(basename "$PWD" | tr '[:upper:]' '[:lower:]' | tr -c 'a-z0-9_.\n-' '-')
  echo "localhost/healthkit-fargate:${slug:0:60}-$(pwd -P | sha256sum | cut -c1-8)"
}

build_with_docker() {
  local name=$1 iidfile
  iidfile=$(mktemp)
  if docker buildx version >/dev/null 2>&1; then
    docker buildx build --load --platform linux/amd64 --iidfile "$iidfile" -t "$name" . >&2
  else
    DOCKER_BUILDKIT=1 docker build --platform linux/amd64 --iidfile "$iidfile" -t "$name" . >&2
  fi
  BUILT_ID=$(cat "$iidfile") && rm -f "$iidfile"
  BUILT_SIZE=$(docker image inspect --format '{{.Size}}' "$BUILT_ID" | awk '{printf "%.0f MB", $1 / 1e6}')
  BUILT_ENGINE="docker $(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?') (BuildKit)"
  BUILT_BASES="the Dockerfile's base images, pulled from their registries"
}

# Trust for a TLS-intercepting proxy (CAs in /usr/local/share/ca-certificates), for the builder
# stage's `uv sync` only: the machine's CA bundle and a uv.toml saying `system-certs = true`,
# bind-mounted read-only into RUN steps. Prints buildah's -v arguments, one per line; nothing when
# no such CA exists.
builder_trust_volumes() {
  compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null || return 0
  local dir=$TOOLCHAIN_ROOT/etc/healthkit-build-trust
  mkdir -p "$dir"
  cp /etc/ssl/certs/ca-certificates.crt "$dir/ca-certificates.crt.partial"
  mv "$dir/ca-certificates.crt.partial" "$dir/ca-certificates.crt"
  echo 'system-certs = true' >"$dir/uv.toml"
  echo "-v=/etc/healthkit-build-trust/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro"
  echo "-v=/etc/healthkit-build-trust/uv.toml:/etc/uv/uv.toml:ro"
}

# buildah leaves a working container behind for each `RUN --mount=from=<stage>` (the uv stage):
# remove them (builds hold the build lock, so none is in use).
_remove_leftover_mount_containers() {
  local leftovers
  mapfile -t leftovers < <(toolchain_buildah containers --format '{{.ContainerName}}' | grep -E '^uv-working-container(-[0-9]+)?$' || true)
  if [ "${#leftovers[@]}" -gt 0 ]; then toolchain_buildah rm "${leftovers[@]}" >/dev/null; fi
}

# The offline build. Where TLS is intercepted, two passes keep the proxy's trust out of the image:
# pass 1 builds only the builder stage with the trust mounted (a RUN step's -v mount points stay
# in its layer, and buildah's layer cache ignores -v); pass 2 builds the whole Dockerfile without
# it, reusing pass 1's builder layers, so no stage that ships ever ran with the mounts.
# One offline build at a time in the shared image storage (its own lock: a build takes the
# cache's lock itself when it makes a stand-in).
build_with_buildah() {
  mkdir -p "$HEALTHKIT_CACHE"
  exec 8>"$HEALTHKIT_CACHE/.build.lock"
  flock 8
  _build_with_buildah "$@"
  exec 8>&-
}

_build_with_buildah() {
  local name=$1 trust iidfile=/var/tmp/build-image-$$.iid  # a path inside the toolchain root
  standin_images_ensure Dockerfile
  local build=(build --pull=never --layers --isolation chroot --network host)
  mapfile -t trust < <(builder_trust_volumes)
  if [ "${#trust[@]}" -gt 0 ]; then
    echo "builder stage with the machine's CA bundle (TLS is intercepted here)" >&2
    toolchain_buildah "${build[@]}" --target builder "${trust[@]}" . >&2
  fi
  toolchain_buildah "${build[@]}" --iidfile "$iidfile" -t "$name" . >&2
  _remove_leftover_mount_containers
  BUILT_ID=$(cat "$TOOLCHAIN_ROOT$iidfile") && rm -f "$TOOLCHAIN_ROOT$iidfile"
  BUILT_SIZE=$(toolchain_buildah images --format '{{.Size}}' "$BUILT_ID")
  BUILT_ENGINE="$(toolchain_buildah --version | cut -d' ' -f1-3) (offline, chroot isolation)"
  BUILT_BASES=$(standin_fidelity "$(toolchain_buildah inspect --type image \
    --format '{{range .OCIv1.Config.Env}}{{println .}}{{end}}' "$BUILT_ID" | sed -n 's/^PYTHON_VERSION=//p')")
}

# The result as one JSON object (what tests and the rehearsal read).
built_json() {
  python3 - "$@" <<'EOF'
import json, sys
keys = ("engine", "name", "id", "size", "bases", "seconds")
print(json.dumps(dict(zip(keys, sys.argv[1:]))))
EOF
}
