"""Health endpoints answered before anything else (first in MIDDLEWARE).

/healthz: the process is up, no dependency is touched (the ALB's check).
/readyz: the database and the queue are reachable, else 503 naming the failed check.
Placed before host validation: ALB health checks carry the task's private IP as Host.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from backend.readiness import readiness_checks

HEALTHZ_PATH = "/healthz"
READYZ_PATH = "/readyz"


def _healthz() -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _readyz() -> JsonResponse:
    checks = readiness_checks()
    ready = all(passed for passed, _ in checks.values())
    return JsonResponse(
        {
            "status": "ok" if ready else "unavailable",
            "checks": {name: detail for name, (_, detail) in checks.items()},
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
