# Shared install steps for scripts/: every command here installs what it needs itself.

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "error: '$*' needs root (or sudo)" >&2; return 1; fi
}

pg_bindir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}

# PostgreSQL server binaries (initdb, pg_ctl, postgres) from Debian's packages when missing.
ensure_postgresql() {
  if [ -n "$(pg_bindir)" ] && [ -x "$(pg_bindir)/pg_ctl" ]; then return 0; fi
  echo "installing PostgreSQL server binaries (apt)" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
}

# uv (the lock file's installer) from PyPI when missing.
ensure_uv() {
  if command -v uv >/dev/null; then return 0; fi
  echo "installing uv (pip)" >&2
  python3 -m pip install --quiet --user uv 2>/dev/null || python3 -m pip install --quiet uv
  export PATH="$HOME/.local/bin:$PATH"
  command -v uv >/dev/null || { echo "error: uv not on PATH after install" >&2; return 1; }
}

# Node.js and npm (the CI-permissions proof's IAM policy evaluator runs on Node) from Debian's
# packages when missing.
ensure_node() {
  if command -v node >/dev/null && command -v npm >/dev/null; then return 0; fi
  echo "installing Node.js and npm (apt)" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
}

# The IAM policy evaluator's locked npm packages (proof/ci_permissions/evaluator), when missing.
ensure_policy_evaluator() {
  local dir=proof/ci_permissions/evaluator
  if [ -d "$dir/node_modules/@cloud-copilot/iam-simulate" ]; then return 0; fi
  ensure_node
  echo "installing the IAM policy evaluator (npm ci)" >&2
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}
