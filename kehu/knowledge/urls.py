from django.urls import path

from . import views

app_name = "knowledge"
urlpatterns = [
    path("", views.article_list, name="list"),
    path("new/", views.article_edit, name="create"),
    path("<int:pk>/", views.article_detail, name="detail"),
    path("<int:pk>/edit/", views.article_edit, name="edit"),
    path("<int:pk>/publish/", views.article_publish, name="publish"),
    path("<int:pk>/feedback/", views.feedback, name="feedback"),
    path("draft-from/<str:kind>/<int:pk>/", views.draft_from, name="draft_from"),
    path("suggest/", views.suggest, name="suggest"),
]
