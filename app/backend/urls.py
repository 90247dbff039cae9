"""URL routes. /healthz and /readyz are answered earlier, by backend.middleware.

Every error Django answers itself is JSON (backend.error_views). The admin is routed only
when HEALTHKIT_ADMIN_ENABLED is on (dev by default; off in prod: docs/app.md, "Admin").
"""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

urlpatterns = [
    path("api/v1/", include("healthkit.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="openapi-schema"),
]
if settings.HEALTHKIT_ADMIN_ENABLED:
    urlpatterns.append(path("admin/", admin.site.urls))

handler400 = "backend.error_views.bad_request"
handler403 = "backend.error_views.permission_denied"
handler404 = "backend.error_views.page_not_found"
handler500 = "backend.error_views.server_error"
