from django.urls import path

from . import views

app_name = "access"
urlpatterns = [
    path("", views.home, name="home"),
    path("requests/<int:pk>/<str:decision>/", views.decide, name="decide"),
    path("requests/export/<str:box>.xlsx", views.requests_export, name="requests_export"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("log/", views.access_log, name="log"),
    path("log/export/", views.access_log_export, name="log_export"),
    path("history/", views.change_history, name="history"),
    path("security/", views.security, name="security"),
    path("security/unlock/", views.unlock_login, name="unlock_login"),
    path("otp/setup/", views.otp_setup, name="otp_setup"),
    path("otp/verify/", views.otp_verify, name="otp_verify"),
]
