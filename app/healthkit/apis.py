"""HTTP API (thin views): parse, call a service or a selector, shape the answer."""

from functools import partial
from uuid import UUID

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from healthkit.idempotency import HEADER as IDEMPOTENCY_HEADER
from healthkit.idempotency import idempotency_key_parse, request_fingerprint
from healthkit.jsonbody import request_document
from healthkit.selectors import import_batch_chunk_states, import_batch_errors, import_batch_get, sample_list
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
from healthkit.validation import import_document_parse


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
            409: OpenApiResponse(ErrorsSerializer, description="a request with this Idempotency-Key is in flight"),
            413: ErrorsSerializer,
            415: ErrorsSerializer,
            422: OpenApiResponse(ErrorsSerializer, description="this Idempotency-Key was used with another body"),
        },
    )
    def post(self, request: Request) -> Response:
        key = idempotency_key_parse(request.headers.get(IDEMPOTENCY_HEADER))
        on_invalid = on_invalid_param(request)
        document = request_document(request)
        return import_response(
            request,
            partial(import_document_parse, document, on_invalid=on_invalid),
            idempotency_key=key,
            fingerprint=request_fingerprint({"body": document, "on_invalid": on_invalid}) if key else "",
        )

    @extend_schema(operation_id="imports_list", parameters=[ImportListFilterSerializer], responses={200: ImportPageSerializer})
    def get(self, request: Request) -> Response:
        return import_list_response(request)


class ImportDetailApi(APIView):
    @extend_schema(operation_id="imports_retrieve", responses={200: ImportStatusSerializer, 404: ErrorsSerializer})
    def get(self, request: Request, batch_id: UUID) -> Response:
        batch = import_batch_get(user=request.user, batch_id=batch_id)
        if batch is None:
            raise NotFound()
        return Response(batch_status_data(batch))


def batch_status_data(batch) -> dict:
    """A batch's status answer: counts, chunk states (waiting, running, stalled) and chunk errors."""
    for name, count in import_batch_chunk_states(batch=batch).items():
        setattr(batch, name, count)
    return ImportStatusSerializer(batch).data | {"errors": import_batch_errors(batch=batch)}


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
