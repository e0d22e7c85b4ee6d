from django.urls import path, re_path

from . import views

app_name = "feedback"

urlpatterns = [
    path("waves/", views.wave_list, name="waves"),
    path("waves/<int:pk>/", views.wave_detail, name="wave"),
    path("waves/<int:pk>/send/", views.wave_send, name="wave-send"),
    path("waves/<int:pk>/remind/", views.wave_remind, name="wave-remind"),
    path("waves/<int:pk>/links/", views.wave_links, name="wave-links"),
    re_path(r"^waves/(?P<pk>\d+)/export\.(?P<fmt>xlsx|pdf)$", views.wave_export, name="wave-export"),
]
