from django.urls import path

from healthkit.apis import ImportCreateApi, ImportDetailApi, SampleListApi
from healthkit.healthautoexport.api import HealthAutoExportApi
from healthkit.sync_apis import ChangesApi

# The contract's paths, without a trailing slash.
urlpatterns = [
    path("imports", ImportCreateApi.as_view(), name="import-create"),
    path("imports/health-auto-export", HealthAutoExportApi.as_view(), name="import-health-auto-export"),
    path("imports/<uuid:batch_id>", ImportDetailApi.as_view(), name="import-detail"),
    path("samples", SampleListApi.as_view(), name="sample-list"),
    path("changes", ChangesApi.as_view(), name="change-list"),
]
