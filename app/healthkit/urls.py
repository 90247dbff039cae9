from django.urls import path

from healthkit.apis import ImportCreateApi, ImportDetailApi, SampleListApi

# The contract's paths, without a trailing slash.
urlpatterns = [
    path("imports", ImportCreateApi.as_view(), name="import-create"),
    path("imports/<uuid:batch_id>", ImportDetailApi.as_view(), name="import-detail"),
    path("samples", SampleListApi.as_view(), name="sample-list"),
]
