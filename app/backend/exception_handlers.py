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


def _encodable(value):
    """Strings that can be written as UTF-8: a lone surrogate a client sent is echoed as `\\udXXX`."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {_encodable(key): _encodable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_encodable(item) for item in value]
    return value


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response({"errors": _encodable(exc.errors)}, status=exc.status)
    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException):
        response.data = {"errors": _encodable(_flatten(exc.detail))}
    return response
