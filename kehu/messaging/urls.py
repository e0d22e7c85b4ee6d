from django.urls import path

from . import staff_views, views

app_name = "messaging"

urlpatterns = [
    path("u/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
    # staff pages
    path("deliveries/", staff_views.delivery_list, name="deliveries"),
    path("customers/<int:pk>/consents/", staff_views.consent_list, name="consents"),
    path("customers/<int:pk>/consents/opt-out/", staff_views.consent_opt_out, name="consent-opt-out"),
]
