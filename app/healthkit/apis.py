"""HTTP API (thin views): parse, call a service or a selector, shape the answer."""

from functools import partial
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
from healthkit.idempotency import HEADER as IDEMPOTENCY_HEADER
from healthkit.idempotency import idempotency_key_parse, request_fingerprint
from healthkit.jsonbody import content_type_check, json_body_decode
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
from healthkit.services.import_requests import import_request_submit
from healthkit.validation import import_document_parse


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
            409: OpenApiResponse(ErrorsSerializer, description="a request with this Idempotency-Key is in flight"),
            413: ErrorsSerializer,
            415: ErrorsSerializer,
            422: OpenApiResponse(ErrorsSerializer, description="this Idempotency-Key was used with another body"),
        },
    )
    def post(self, request: Request) -> Response:
        content_type_check(request.META.get("CONTENT_TYPE"))
        key = idempotency_key_parse(request.headers.get(IDEMPOTENCY_HEADER))
        document = json_body_decode(_body(request))
        batch, created = import_request_submit(
            owner=request.user,
            samples_parse=partial(import_document_parse, document),
            idempotency_key=key,
            request_fingerprint=request_fingerprint(document) if key else "",
        )
        code = status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK
        return Response(_created_data(request, batch), status=code)


class ImportDetailApi(APIView):
    @extend_schema(operation_id="imports_retrieve", responses={200: ImportStatusSerializer, 404: ErrorsSerializer})
    def get(self, request: Request, batch_id: UUID) -> Response:
        batch = import_batch_get(user=request.user, batch_id=batch_id)
        if batch is None:
            raise NotFound()
        for name, count in import_batch_chunk_states(batch=batch).items():
            setattr(batch, name, count)
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
        filters = SampleFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        samples = sample_list(user=request.user, **filters.validated_data)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(samples, request, view=self)
        return paginator.get_paginated_response(SampleOutSerializer(page, many=True).data)
