"""HTTP API of sync: the import answer (with `rejected`), the imports list, sample filters, the changes feed.

Thin views and helpers; writes in services, reads in selectors. Cursors are opaque to clients.
"""

import base64
import binascii
from collections.abc import Callable

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from healthkit import errors
from healthkit.errors import ApplicationError
from healthkit.selectors import changes_page, import_batch_list
from healthkit.serializers import (
    ErrorsSerializer,
    ImportCreatedSerializer,
    ImportStatusSerializer,
    SampleFilterSerializer,
    SampleOutSerializer,
)
from healthkit.services.import_requests import import_request_submit
from healthkit.validation import ON_INVALID_CHOICES, ImportRequest

#: query parameters GET /api/v1/samples accepts (anything else is a 400)
SAMPLE_QUERY_PARAMETERS = frozenset({"type", "start", "end", "updated_since", "page_size", "cursor"})
CHANGES_QUERY_PARAMETERS = frozenset({"since", "limit"})
CHANGES_DEFAULT_LIMIT = 100
CHANGES_MAX_LIMIT = 1000
_CURSOR_PREFIX = "hkc1:"


def _query_error(name: str, message: str) -> ApplicationError:
    return ApplicationError(message, errors=[{"field": name, "message": message}])


def query_parameters_check(request: Request, allowed: frozenset[str]) -> None:
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise ApplicationError(
            errors.QUERY_PARAMETER_UNKNOWN,
            errors=[{"field": name, "message": errors.QUERY_PARAMETER_UNKNOWN} for name in unknown],
        )


def on_invalid_param(request: Request) -> str:
    """`?on_invalid=` of POST /api/v1/imports: `reject` (all or nothing, the default) or `skip`."""
    query_parameters_check(request, frozenset({"on_invalid"}))
    value = request.query_params.get("on_invalid", "reject")
    if value not in ON_INVALID_CHOICES:
        raise _query_error("on_invalid", errors.ON_INVALID_INVALID)
    return value


def import_response(
    request: Request,
    request_parse: Callable[[], ImportRequest],
    *,
    idempotency_key: str | None = None,
    fingerprint: str = "",
) -> Response:
    """202 with the new batch, or 200 with the one the Idempotency-Key made (healthkit.services.import_requests)."""
    batch, created, rejected = import_request_submit(
        owner=request.user, request_parse=request_parse, idempotency_key=idempotency_key, request_fingerprint=fingerprint
    )
    data = ImportCreatedSerializer(batch, context={"request": request}).data
    if request.query_params.get("on_invalid") == "skip":
        data["rejected"] = rejected
    return Response(data, status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK)


def sample_filters(request: Request) -> dict:
    query_parameters_check(request, SAMPLE_QUERY_PARAMETERS)
    filters = SampleFilterSerializer(data=request.query_params)
    filters.is_valid(raise_exception=True)
    return filters.validated_data


class ImportPagination(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class ImportListFilterSerializer(serializers.Serializer):
    page_size = serializers.IntegerField(required=False, help_text="50 by default, at most 500")
    cursor = serializers.CharField(required=False, help_text="from a page's `next`/`previous`")


class ImportSummarySerializer(ImportStatusSerializer):
    """A batch in the list: its status without the errors and chunk states (one query per page)."""

    errors = None
    chunks_queued = None
    chunks_processing = None
    chunks_stalled = None
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class ImportPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ImportSummarySerializer(many=True)


def import_list_response(request: Request) -> Response:
    query_parameters_check(request, frozenset({"page_size", "cursor"}))
    paginator = ImportPagination()
    page = paginator.paginate_queryset(import_batch_list(user=request.user), request)
    return paginator.get_paginated_response(ImportSummarySerializer(page, many=True).data)


# --- the changes feed ------------------------------------------------------------------------


def cursor_encode(change_id: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{change_id}".encode()).decode().rstrip("=")


def cursor_decode(text: str) -> int:
    """The last change id a cursor stands for; ApplicationError (400) for anything this API did not give."""
    if not text or len(text) > 64 or not all(c.isascii() and (c.isalnum() or c in "-_") for c in text):
        raise _query_error("since", errors.CURSOR_INVALID)
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _query_error("since", errors.CURSOR_INVALID) from None
    number = raw.removeprefix(_CURSOR_PREFIX)
    if not raw.startswith(_CURSOR_PREFIX) or not number.isdigit() or len(number) > 19 or str(int(number)) != number:
        raise _query_error("since", errors.CURSOR_INVALID)
    return int(number)


def _limit(request: Request) -> int:
    raw = request.query_params.get("limit")
    if raw is None:
        return CHANGES_DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= CHANGES_MAX_LIMIT:
        raise _query_error("limit", errors.LIMIT_INVALID.format(limit=CHANGES_MAX_LIMIT))
    return int(raw)


class ChangeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["upsert", "delete"])
    sample_id = serializers.IntegerField()
    uuid = serializers.UUIDField(source="healthkit_uuid", allow_null=True)
    sample = SampleOutSerializer(
        source="data", allow_null=True, help_text="the sample as it is now (the feed holds its latest change); null for deletions"
    )
    batch = serializers.UUIDField(source="import_batch_id", allow_null=True)

    def to_representation(self, instance) -> dict:
        return {
            "kind": instance.kind,
            "sample_id": instance.sample_id,
            "uuid": str(instance.healthkit_uuid).upper() if instance.healthkit_uuid else None,
            "sample": instance.data,
            "batch": str(instance.import_batch_id) if instance.import_batch_id else None,
        }


class ChangesPageSerializer(serializers.Serializer):
    changes = ChangeSerializer(many=True)
    next = serializers.CharField(help_text="pass as `since` to read on; equal to `since` when nothing new")
    has_more = serializers.BooleanField()


class ChangesApi(APIView):
    @extend_schema(
        operation_id="changes_list",
        parameters=[
            OpenApiParameter("since", str, description="a cursor from a previous page's `next`; absent: from the start"),
            OpenApiParameter("limit", int, description=f"{CHANGES_DEFAULT_LIMIT} by default, at most {CHANGES_MAX_LIMIT}"),
        ],
        responses={200: ChangesPageSerializer, 400: ErrorsSerializer},
    )
    def get(self, request: Request) -> Response:
        query_parameters_check(request, CHANGES_QUERY_PARAMETERS)
        since = request.query_params.get("since")
        after = cursor_decode(since) if since is not None else 0
        limit = _limit(request)
        page = changes_page(user=request.user, after_id=after, limit=limit)
        return Response(
            {
                "changes": ChangeSerializer(page.entries, many=True).data,
                "next": cursor_encode(page.last_id),
                "has_more": page.has_more,
            }
        )
