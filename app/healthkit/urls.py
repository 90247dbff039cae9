from django.urls import path

from healthkit.apis import ImportCreateApi, ImportDetailApi, SampleListApi
from healthkit.export_apis import ExportCompleteApi, ExportCreateApi, ExportDetailApi
from healthkit.healthautoexport.api import HealthAutoExportApi
from healthkit.sync_apis import ChangesApi

# The contract's paths, without a trailing slash.
urlpatterns = [
    path("imports", ImportCreateApi.as_view(), name="import-create"),
    path("imports/health-auto-export", HealthAutoExportApi.as_view(), name="import-health-auto-export"),
    path("imports/<uuid:batch_id>", ImportDetailApi.as_view(), name="import-detail"),
    path("exports", ExportCreateApi.as_view(), name="export-create"),
    path("exports/<uuid:export_id>", ExportDetailApi.as_view(), name="export-detail"),
    path("exports/<uuid:export_id>/complete", ExportCompleteApi.as_view(), name="export-complete"),
    path("samples", SampleListApi.as_view(), name="sample-list"),
    path("changes", ChangesApi.as_view(), name="change-list"),
]
