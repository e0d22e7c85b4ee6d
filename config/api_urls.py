"""One place that mounts every app's API under /api/."""

from django.urls import include, path

from kehu.accounts.api.views import ObtainTokenView

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("", include("kehu.customers.api.urls")),
    path("", include("kehu.access.api.urls")),
    path("", include("kehu.engagement.api.urls")),
    path("", include("kehu.servicedesk.api.urls")),
    path("", include("kehu.conversations.api.urls")),
    path("", include("kehu.knowledge.api.urls")),
]
