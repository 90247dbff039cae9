"""POST /api/v1/imports/health-auto-export: the app's REST automation body as it is."""

from functools import partial

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from healthkit import errors
from healthkit.errors import ApplicationError
from healthkit.healthautoexport.mapping import MappingError, body_samples
from healthkit.jsonbody import request_document
from healthkit.serializers import ErrorsSerializer, ImportCreatedSerializer
from healthkit.sync_apis import import_response, on_invalid_param
from healthkit.storable import body_storage_problems
from healthkit.validation import import_document_parse


class HealthAutoExportApi(APIView):
    @extend_schema(
        operation_id="imports_health_auto_export",
        request={"application/json": dict},
        parameters=[OpenApiParameter("on_invalid", str, description="`reject` (default) or `skip`")],
        responses={202: ImportCreatedSerializer, 400: ErrorsSerializer},
    )
    def post(self, request: Request) -> Response:
        on_invalid = on_invalid_param(request)
        document = request_document(request)
        problems = body_storage_problems(document)
        if problems:
            raise ApplicationError(errors.INVALID_IMPORT, errors=problems)
        try:
            samples = body_samples(document)
        except ValueError as exc:  # MappingError names the field; anything else is the body's
            field, message = (exc.field, exc.message) if isinstance(exc, MappingError) else ("body", str(exc))
            raise ApplicationError(errors.INVALID_IMPORT, errors=[{"field": field, "message": message}]) from None
        return import_response(request, partial(import_document_parse, {"samples": samples}, on_invalid=on_invalid))
