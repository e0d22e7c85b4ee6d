"""One place that mounts every app's API under /api/."""

from django.urls import include, path

from kehu.accounts.api.views import LogoutView, ObtainTokenView, TokenListView, TokenRevokeView

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("auth/logout/", LogoutView.as_view(), name="api-logout"),
    path("auth/tokens/", TokenListView.as_view(), name="api-tokens"),
    path("auth/tokens/<int:pk>/", TokenRevokeView.as_view(), name="api-token-revoke"),
    path("", include("kehu.customers.api.urls")),
    path("", include("kehu.access.api.urls")),
    path("", include("kehu.engagement.api.urls")),
    path("", include("kehu.servicedesk.api.urls")),
    path("", include("kehu.messaging.api.urls")),
    path("", include("kehu.loyalty.api.urls")),
    path("", include("kehu.feedback.api.urls")),
    path("", include("kehu.conversations.api.urls")),
    path("", include("kehu.knowledge.api.urls")),
    path("", include("kehu.analytics.api.urls")),
]
