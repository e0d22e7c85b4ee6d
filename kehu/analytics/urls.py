from django.urls import path

from . import views

app_name = "analytics"
urlpatterns = [
    path("composition/", views.composition, name="composition"),
    path("composition/export/", views.composition_export, name="composition-export"),
]
