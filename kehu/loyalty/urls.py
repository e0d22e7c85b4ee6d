from django.urls import path

from . import views

app_name = "loyalty"

urlpatterns = [
    path("rsvp/<str:token>/", views.rsvp_view, name="rsvp"),
]
