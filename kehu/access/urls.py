from django.urls import path

from . import views

app_name = "access"
urlpatterns = [
    path("", views.home, name="home"),
    path("requests/<int:pk>/<str:decision>/", views.decide, name="decide"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("log/", views.access_log, name="log"),
    path("log/export/", views.access_log_export, name="log_export"),
    path("history/", views.change_history, name="history"),
    path("security/", views.security, name="security"),
    path("security/unlock/", views.unlock_login, name="unlock_login"),
    path("retention/<int:pk>/", views.retention_decide, name="retention_decide"),
    path("people/<int:contact_id>/", views.person, name="person"),
    path(
        "people/<int:contact_id>/consents/<int:consent_id>/withdraw/", views.consent_withdraw, name="consent_withdraw"
    ),
    path("people/<int:contact_id>/export.<str:fmt>", views.person_export, name="person_export"),
    path("people/<int:contact_id>/erase/", views.person_erase, name="person_erase"),
    path("otp/setup/", views.otp_setup, name="otp_setup"),
    path("otp/verify/", views.otp_verify, name="otp_verify"),
]
