"""One error shape for the whole API: `{"errors": [{"index"?, "field"?, "message"}]}`."""

from healthkit.errors import ApplicationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler


def _flatten(detail, field: str | None = None) -> list[dict]:
    """DRF's nested error details as a flat list of {field, message}."""
    if isinstance(detail, dict):
        return [error for key, value in detail.items() for error in _flatten(value, _join(field, key))]
    if isinstance(detail, list):
        return [error for item in detail for error in _flatten(item, field)]
    error = {"message": str(detail)}
    if field and field != "non_field_errors":
        error["field"] = field
    return [error]


def _join(prefix: str | None, key) -> str:
    return f"{prefix}.{key}" if prefix else str(key)


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response({"errors": exc.errors}, status=exc.status)
    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException):
        response.data = {"errors": _flatten(exc.detail)}
    return response
