# Shared install steps for scripts/: every command here installs what it needs itself.
# shellcheck shell=bash

# The uv that wrote uv.lock (the Dockerfile's uv image is the same version: tests/delivery checks it).
UV_VERSION=0.13.9
# Where ensure_uv installs uv when none is there: its own venv, and a bin/ holding only uv and uvx.
HEALTHKIT_HOME="${XDG_DATA_HOME:-$HOME/.local/share}/healthkit-fargate"
UV_VENV="$HEALTHKIT_HOME/uv-venv"
UV_BIN="$HEALTHKIT_HOME/bin"

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "error: '$*' needs root (or sudo)" >&2; return 1; fi
}

# Debian packages, with the package lists refreshed once per command.
apt_install() {
  if ! command -v apt-get >/dev/null; then
    echo "error: $* missing and no apt-get to install it: install it with your system's packages" >&2
    return 1
  fi
  echo "installing $* (apt)" >&2
  if [ -z "${APT_LISTS_UPDATED:-}" ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
    APT_LISTS_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# The newest /usr/lib/postgresql/<major>/bin, or nothing.
pg_bindir() {
  local dirs=(/usr/lib/postgresql/*/bin)
  if [ -d "${dirs[0]}" ]; then printf '%s\n' "${dirs[@]}" | sort -V | tail -1; fi
}

# PostgreSQL server binaries (initdb, pg_ctl, postgres) from Debian's packages when missing.
ensure_postgresql() {
  if [ -n "$(pg_bindir)" ] && [ -x "$(pg_bindir)/pg_ctl" ]; then return 0; fi
  apt_install postgresql
}

# uv on PATH: one already installed (on PATH, or where uv's own installer and `pip install --user`
# put it), else uv $UV_VERSION installed from PyPI into its own venv. A venv is what PEP 668 systems
# (Debian 12, Ubuntu 24.04) allow, and needs no system pip: python3-venv brings pip into the venv.
ensure_uv() {
  if command -v uv >/dev/null; then return 0; fi
  local dir
  for dir in "$HOME/.local/bin" "$HOME/.cargo/bin"; do
    if [ -x "$dir/uv" ]; then export PATH="$dir:$PATH"; return 0; fi
  done
  mkdir -p "$HEALTHKIT_HOME"
  if command -v flock >/dev/null; then
    # one install at a time (./scripts/test and ./scripts/rehearse may start together)
    (flock 9 && install_uv_venv) 9>"$HEALTHKIT_HOME/.uv-install.lock" || return 1
  else
    install_uv_venv || return 1
  fi
  export PATH="$UV_BIN:$PATH"
}

uv_venv_is_current() {
  [ "$("$UV_VENV/bin/uv" --version 2>/dev/null | cut -d' ' -f2)" = "$UV_VERSION" ]
}

# (Called where `set -e` does not apply, so every step checks its own status.)
# The venv is rebuilt whole unless its uv runs and is the pinned version (so an interrupted install
# or an older pin never stays half-done); bin/ links to it once it works.
install_uv_venv() {
  if ! uv_venv_is_current; then
    echo "installing uv $UV_VERSION from PyPI into its own venv: $UV_VENV" >&2
    rm -rf "$UV_VENV"
    if ! command -v python3 >/dev/null || ! python3 -m venv "$UV_VENV" >/dev/null 2>&1; then
      rm -rf "$UV_VENV"
      apt_install python3-venv && python3 -m venv "$UV_VENV" || return 1
    fi
    "$UV_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION" || return 1
    uv_venv_is_current || { echo "error: uv $UV_VERSION did not install into $UV_VENV" >&2; return 1; }
  fi
  mkdir -p "$UV_BIN" && ln -sf "$UV_VENV/bin/uv" "$UV_VENV/bin/uvx" "$UV_BIN/"
}

# Node.js and npm (the CI-permissions proof's IAM policy evaluator runs on Node) from Debian's
# packages when missing.
ensure_node() {
  if command -v node >/dev/null && command -v npm >/dev/null; then return 0; fi
  apt_install nodejs npm
}

# The IAM policy evaluator's locked npm packages (proof/ci_permissions/evaluator), when missing.
ensure_policy_evaluator() {
  local dir=proof/ci_permissions/evaluator
  if [ -d "$dir/node_modules/@cloud-copilot/iam-simulate" ]; then return 0; fi
  ensure_node
  echo "installing the IAM policy evaluator (npm ci)" >&2
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}
