from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("settings/tokens/", views.api_tokens, name="tokens"),
    path("settings/tokens/<int:pk>/revoke/", views.api_token_revoke, name="token_revoke"),
]
