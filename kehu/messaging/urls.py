from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    path("u/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
]
