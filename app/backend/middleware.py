"""Health endpoints answered before anything else (first in MIDDLEWARE).

/healthz: the process is up, no dependency is touched (the ALB's check).
/readyz: the database and the queue are reachable, else 503 naming the failed check (its
reason is logged, never answered: the endpoint is public; only a category such as
`failed: authentication` is, from backend.readiness.PUBLIC_DETAILS).
Placed before host validation: ALB health checks carry the task's private IP as Host.
"""

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from backend.readiness import CHECK_OK, PUBLIC_DETAILS, readiness_checks

logger = logging.getLogger(__name__)
CHECK_FAILED = "failed"

HEALTHZ_PATH = "/healthz"
READYZ_PATH = "/readyz"


def _healthz() -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _public(passed: bool, detail: str) -> str:
    if passed:
        return CHECK_OK
    return detail if detail in PUBLIC_DETAILS else CHECK_FAILED


def _readyz() -> JsonResponse:
    """Which check failed, not why: the reason (endpoints, error texts) goes to the log only."""
    checks = readiness_checks()
    for name, (passed, detail) in checks.items():
        if not passed:
            logger.warning("readiness check %s %s", name, detail)
    ready = all(passed for passed, _ in checks.values())
    return JsonResponse(
        {
            "status": "ok" if ready else "unavailable",
            "checks": {name: _public(passed, detail) for name, (passed, detail) in checks.items()},
        },
        status=200 if ready else 503,
    )


_ROUTES = {HEALTHZ_PATH: _healthz, READYZ_PATH: _readyz}


def health_check_middleware(get_response: Callable[[HttpRequest], HttpResponse]):
    def middleware(request: HttpRequest) -> HttpResponse:
        route = _ROUTES.get(request.path_info.rstrip("/") or request.path_info)
        if route is not None and request.method in ("GET", "HEAD"):
            return route()
        return get_response(request)

    return middleware
