"""Django's own error answers (400, 403, 404, 500) in the API's JSON error shape, never HTML.

Wired in backend/urls.py (`handler400` ...). They answer what Django answers before or
outside a DRF view: an unknown path or a malformed id in one (`/api/v1/imports/not-a-uuid`),
a disallowed Host, an exception no handler caught.
"""

from django.http import HttpRequest, JsonResponse

NOT_FOUND = "not found"
BAD_REQUEST = "bad request"
FORBIDDEN = "forbidden"
SERVER_ERROR = "internal server error"


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"errors": [{"message": message}]}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _error(BAD_REQUEST, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _error(FORBIDDEN, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _error(NOT_FOUND, 404)


def server_error(request: HttpRequest) -> JsonResponse:
    return _error(SERVER_ERROR, 500)
