"""HTTP API (thin views): parse, call a service or a selector, shape the answer."""

from uuid import UUID

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from healthkit import errors
from healthkit.errors import ApplicationError
from healthkit.selectors import (
    import_batch_by_idempotency_key,
    import_batch_errors,
    import_batch_get,
    sample_list,
)
from healthkit.serializers import (
    ErrorsSerializer,
    ImportCreatedSerializer,
    ImportRequestSerializer,
    ImportStatusSerializer,
    SampleFilterSerializer,
    SampleOutSerializer,
    SamplePageSerializer,
)
from healthkit.sync_apis import (
    ImportListFilterSerializer,
    ImportPageSerializer,
    import_list_response,
    import_response,
    on_invalid_param,
    sample_filters,
)
from healthkit.validation import import_body_parse

IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_IDEMPOTENCY_KEY_LENGTH = 255


def _idempotency_key(request: Request) -> str | None:
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    if not (0 < len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH and key.isascii() and key.isprintable()):
        raise ApplicationError(
            errors.IDEMPOTENCY_KEY_INVALID,
            errors=[{"field": IDEMPOTENCY_HEADER, "message": errors.IDEMPOTENCY_KEY_INVALID}],
        )
    return key


def _body(request: Request) -> bytes:
    try:
        return request.body
    except RequestDataTooBig:
        message = errors.BODY_TOO_LARGE.format(limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        raise ApplicationError(message, errors=[{"field": "body", "message": message}], status=413) from None


def _created_data(request: Request, batch) -> dict:
    return ImportCreatedSerializer(batch, context={"request": request}).data


class ImportCreateApi(APIView):
    @extend_schema(
        operation_id="imports_create",
        request=ImportRequestSerializer,
        parameters=[OpenApiParameter(IDEMPOTENCY_HEADER, str, OpenApiParameter.HEADER, required=False)],
        responses={
            202: ImportCreatedSerializer,
            200: OpenApiResponse(
                ImportCreatedSerializer, description="the batch first created with this Idempotency-Key"
            ),
            400: ErrorsSerializer,
            413: ErrorsSerializer,
        },
    )
    def post(self, request: Request) -> Response:
        key = _idempotency_key(request)
        if key is not None:
            existing = import_batch_by_idempotency_key(user=request.user, idempotency_key=key)
            if existing is not None:
                return Response(_created_data(request, existing), status=status.HTTP_200_OK)
        parsed = import_body_parse(body=_body(request), on_invalid=on_invalid_param(request))
        return import_response(request, parsed, idempotency_key=key)

    @extend_schema(operation_id="imports_list", parameters=[ImportListFilterSerializer], responses={200: ImportPageSerializer})
    def get(self, request: Request) -> Response:
        return import_list_response(request)


class ImportDetailApi(APIView):
    @extend_schema(operation_id="imports_retrieve", responses={200: ImportStatusSerializer, 404: ErrorsSerializer})
    def get(self, request: Request, batch_id: UUID) -> Response:
        batch = import_batch_get(user=request.user, batch_id=batch_id)
        if batch is None:
            raise NotFound()
        data = ImportStatusSerializer(batch).data | {"errors": import_batch_errors(batch=batch)}
        return Response(data)


class SamplePagination(CursorPagination):
    ordering = ("-start_at", "-id")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class SampleListApi(APIView):
    pagination_class = SamplePagination

    @extend_schema(
        operation_id="samples_list",
        parameters=[
            SampleFilterSerializer,
            OpenApiParameter("cursor", str, description="from a page's `next`/`previous`"),
            OpenApiParameter("page_size", int, description="100 by default, at most 1000"),
        ],
        responses={200: SamplePageSerializer, 400: ErrorsSerializer},
    )
    def get(self, request: Request) -> Response:
        samples = sample_list(user=request.user, **sample_filters(request))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(samples, request, view=self)
        return paginator.get_paginated_response(SampleOutSerializer(page, many=True).data)
