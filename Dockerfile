# syntax=docker/dockerfile:1
#
# The one image both ECS services run (api and worker); see docs/runtime-contract.md.
#
#   docker buildx build --platform linux/amd64 -t healthkit:local .
#   ./scripts/build-image     # the same with Docker, or offline with buildah (docs/image.md)
#
# Base images are pinned to exact tags. To pin the Python base by digest as well (recommended for
# releases), resolve the tag once and append the digest to BOTH `FROM python:...` lines:
#   docker buildx imagetools inspect python:3.11.14-slim-bookworm --format '{{json .Manifest.Digest}}'
#   FROM python:3.11.14-slim-bookworm@sha256:<digest> AS builder
# Dependabot (.github/dependabot.yml, ecosystem "docker") then proposes tag+digest bumps.

# uv, pinned to the version that wrote uv.lock. It is only mounted into the builder stage.
FROM ghcr.io/astral-sh/uv:0.13.9 AS uv

# ---------------------------------------------------------------------------------------------
# builder: resolve nothing, install exactly the runtime dependencies locked in uv.lock.
# ---------------------------------------------------------------------------------------------
FROM python:3.11.14-slim-bookworm AS builder

# UV_PROJECT_ENVIRONMENT: the venv lives at /opt/venv (same path in the final stage, so its
#   interpreter symlinks and console-script shebangs stay valid).
# UV_PYTHON / UV_PYTHON_DOWNLOADS: use the base image's interpreter, never download one.
# UV_COMPILE_BYTECODE: ship .pyc files (faster cold start; the runtime user cannot write them).
# UV_LINK_MODE=copy: the cache is a separate mount, hard links would dangle.
ENV UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy

WORKDIR /src

# Only pyproject.toml and uv.lock reach this layer, so it is rebuilt only when dependencies change;
# the uv cache mount keeps downloaded wheels between builds and never lands in a layer. Mount
# targets are absolute (/src = WORKDIR): buildah before 1.29 rejects relative ones.
#   --frozen               install from uv.lock as is (fail rather than re-resolve)
#   --no-default-groups    skip the `infra` and `dev` groups: runtime dependencies only
#   --no-install-project   the project itself is not a package (tool.uv.package = false)
RUN --mount=from=uv,source=/uv,target=/usr/local/bin/uv \
    --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,source=pyproject.toml,target=/src/pyproject.toml \
    --mount=type=bind,source=uv.lock,target=/src/uv.lock \
    uv sync --frozen --no-default-groups --no-install-project

# ---------------------------------------------------------------------------------------------
# runtime: the base image + the venv + the app; no uv, no compiler, no caches.
# ---------------------------------------------------------------------------------------------
FROM python:3.11.14-slim-bookworm AS runtime

LABEL org.opencontainers.image.title="healthkit-fargate" \
      org.opencontainers.image.description="HealthKit import service: Django API (gunicorn) and Celery worker"

# PATH: the venv first, so `python`, `gunicorn` and `celery` are the locked ones.
# DB_SQLITE_PATH: only read in DJANGO_ENV=dev without DB_HOST (trying the image alone); /app is
#   read-only, so that SQLite file lives in the container's /tmp. Deployed stacks run prod.
ENV VIRTUAL_ENV=/opt/venv \
    PATH="/opt/venv/bin:${PATH}" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    REMAP_SIGTERM=SIGQUIT \
    DB_SQLITE_PATH=/tmp/healthkit-dev.sqlite3

# A named entry for the numeric user (some libraries call getpwuid); no home, no shell, no login
# records. The base image's own pip/setuptools/wheel are not needed at run time (the venv holds
# every dependency), so they go too: fewer packages to patch.
RUN groupadd --system --gid 10001 app \
    && useradd --system --no-log-init --uid 10001 --gid 10001 \
        --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin app \
    && python -m pip uninstall --yes --quiet pip setuptools wheel \
    && rm -rf /root/.cache

# Owned by root and read-only for the runtime user: the process cannot modify its own code.
COPY --from=builder /opt/venv /opt/venv

# WORKDIR /app holds the contents of the repository's app/ folder (manage.py, backend/,
# healthkit/, gunicorn.conf.py: gunicorn auto-loads ./gunicorn.conf.py from here).
WORKDIR /app
COPY app/ /app/
# Bytecode for the app, and the admin's CSS and JS collected into /app/staticfiles (STATIC_ROOT),
# which WhiteNoise serves in prod.
RUN python -m compileall -q /app \
    && python manage.py collectstatic --noinput --verbosity 0

USER 10001:10001

EXPOSE 8000

# The api command; the worker task overrides it:
#   celery -A backend worker --queues apple-health-imports --loglevel INFO
#   python manage.py migrate_locked   (the api task's migrate container)
CMD ["gunicorn", "backend.wsgi:application"]
