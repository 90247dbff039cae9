"""HTTP API of exports (thin views): create (a presigned upload), complete, status.

POST /api/v1/exports                 {"content_type": "application/zip"} -> 201: the presigned POST
POST /api/v1/exports/{id}/complete   -> 202 (reading starts), or 200 (already started: as it is)
GET  /api/v1/exports/{id}            -> the export, and its batch as GET /api/v1/imports/{id} shows it
"""

from uuid import UUID

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from healthkit import errors
from healthkit.errors import ApplicationError
from healthkit.jsonbody import request_document
from healthkit.apis import batch_status_data
from healthkit.selectors import export_get
from healthkit.serializers import ErrorsSerializer
from healthkit.services.exports import export_complete, export_create

#: what an upload may be: the Health app's export.zip, or its export.xml alone
CONTENT_TYPES = ("application/zip", "application/xml", "text/xml")
DEFAULT_CONTENT_TYPE = "application/zip"


def _content_type(document) -> str:
    if not isinstance(document, dict):
        raise ApplicationError(errors.BODY_NOT_OBJECT, errors=[{"field": "body", "message": errors.BODY_NOT_OBJECT}])
    unknown = sorted(set(document) - {"content_type"})
    if unknown:
        raise ApplicationError(errors.EXPORT_REQUEST_INVALID, errors=[{"field": name, "message": errors.FIELD_UNKNOWN} for name in unknown])
    value = document.get("content_type", DEFAULT_CONTENT_TYPE)
    if value not in CONTENT_TYPES:
        message = errors.EXPORT_CONTENT_TYPE.format(allowed=", ".join(CONTENT_TYPES))
        raise ApplicationError(message, errors=[{"field": "content_type", "message": message}])
    return value


def export_data(request: Request, export) -> dict:
    """The export's status answer (the batch's own status inside, chunk states and errors included)."""
    data = {
        "id": str(export.id),
        "status": export.status,
        "status_url": reverse("export-detail", kwargs={"export_id": export.id}, request=request),
        "complete_url": reverse("export-complete", kwargs={"export_id": export.id}, request=request),
        "content_type": export.content_type,
        "max_bytes": export.max_bytes,
        "size_bytes": export.size_bytes,
        "format": export.format or None,
        "elements_read": export.elements_read,
        "samples_read": export.samples_read,
        "samples_rejected": export.samples_rejected,
        "chunks_queued": export.chunks_queued,
        "rejected": export.rejected,
        "error": export.error or None,
        "file_deleted": export.object_deleted_at is not None,
        "created_at": export.created_at,
        "finished_at": export.finished_at,
        "batch": None,
    }
    if export.batch is not None:
        data["batch"] = batch_status_data(export.batch) | {
            "status_url": reverse("import-detail", kwargs={"batch_id": export.batch_id}, request=request)
        }
    return data


_EXPORT = inline_serializer("Export", fields={"id": serializers.UUIDField(), "status": serializers.CharField()})


class ExportCreateApi(APIView):
    @extend_schema(
        operation_id="exports_create",
        request=inline_serializer("ExportCreate", fields={"content_type": serializers.ChoiceField(CONTENT_TYPES, required=False)}),
        responses={201: _EXPORT, 400: ErrorsSerializer, 503: ErrorsSerializer},
    )
    def post(self, request: Request) -> Response:
        content_type = _content_type(request_document(request))
        export, upload = export_create(owner=request.user, content_type=content_type)
        data = export_data(request, export) | {"upload": {"method": "POST", "url": upload.url, "fields": upload.fields}}
        return Response(data, status=status.HTTP_201_CREATED)


def _owned(request: Request, export_id: UUID):
    export = export_get(user=request.user, export_id=export_id)
    if export is None:
        raise NotFound()
    return export


class ExportCompleteApi(APIView):
    @extend_schema(operation_id="exports_complete", request=None, responses={202: _EXPORT, 200: _EXPORT, 404: ErrorsSerializer})
    def post(self, request: Request, export_id: UUID) -> Response:
        export, started = export_complete(export=_owned(request, export_id))
        return Response(export_data(request, export), status=status.HTTP_202_ACCEPTED if started else status.HTTP_200_OK)


class ExportDetailApi(APIView):
    @extend_schema(operation_id="exports_retrieve", responses={200: _EXPORT, 404: ErrorsSerializer})
    def get(self, request: Request, export_id: UUID) -> Response:
        return Response(export_data(request, _owned(request, export_id)))
