from django.urls import path

from . import views

urlpatterns = [
    path("help/", views.help_home, name="help"),
    path("help/<int:pk>/", views.help_article, name="help_article"),
    path("help/files/<int:pk>/", views.attachment, name="kb_attachment"),
]
