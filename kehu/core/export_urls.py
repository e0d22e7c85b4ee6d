from django.urls import path

from . import export_views

app_name = "exports"

urlpatterns = [
    path("", export_views.export_list, name="list"),
    path("<str:token>/", export_views.export_job, name="job"),
    path("<str:token>/download/", export_views.export_download, name="download"),
]
