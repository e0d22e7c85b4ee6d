from django.urls import path

from . import public_views

app_name = "feedback_public"

urlpatterns = [
    path("s/<str:token>/", public_views.survey, name="survey"),
    path("s/<str:token>/draft/", public_views.survey_autosave, name="survey_autosave"),
    path("u/<str:token>/", public_views.selfupdate_page, name="selfupdate"),
]
