from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("", include("kehu.workbench.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("kehu.accounts.urls")),
    path("customers/", include("kehu.customers.urls")),
    path("access/", include("kehu.access.urls")),
    path("engagement/", include("kehu.engagement.urls")),
    path("service/", include("kehu.servicedesk.urls")),
    path("analytics/", include("kehu.analytics.urls")),
    path("feedback/", include("kehu.feedback.urls")),
    path("f/", include("kehu.feedback.public_urls")),
    path("conversations/", include("kehu.conversations.urls")),
    path("kb/", include("kehu.knowledge.urls")),
    path("", include("kehu.conversations.public_urls")),
    path("", include("kehu.knowledge.public_urls")),
    path("exports/", include("kehu.core.export_urls")),
    path("admin/", admin.site.urls),
    path("m/", include("kehu.messaging.urls")),
    path("l/", include("kehu.loyalty.urls")),
    path("api/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
if settings.KEHU_BENCH_REFS:  # bare reference views for `make bench` (kehu/core/benchrefs.py), never in production
    urlpatterns += [path("_bench/", include("kehu.core.benchrefs"))]
