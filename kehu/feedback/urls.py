from django.urls import path, re_path

from . import eval_views, views

app_name = "feedback"

urlpatterns = [
    path("waves/", views.wave_list, name="waves"),
    path("waves/new/", views.wave_new, name="wave-new"),
    path("waves/<int:pk>/", views.wave_detail, name="wave"),
    path("waves/<int:pk>/send/", views.wave_send, name="wave-send"),
    path("waves/<int:pk>/remind/", views.wave_remind, name="wave-remind"),
    path("waves/<int:pk>/links/", views.wave_links, name="wave-links"),
    re_path(r"^waves/(?P<pk>\d+)/export\.(?P<fmt>xlsx|pdf)$", views.wave_export, name="wave-export"),
    path("evaluations/", eval_views.evaluation_list, name="evaluations"),
    path("evaluations/new/<int:customer_id>/", eval_views.evaluation_new, name="evaluation-new"),
    path("evaluations/<int:pk>/", eval_views.evaluation_detail, name="evaluation"),
    re_path(
        r"^evaluations/(?P<pk>\d+)/(?P<step>review|feedback|measure|done)/$",
        eval_views.evaluation_action,
        name="evaluation-step",
    ),
    path("self-updates/", eval_views.selfupdate_list, name="selfupdates"),
    path("self-updates/new/", eval_views.selfupdate_new, name="selfupdate-new"),
    path("self-updates/<int:pk>/decide/", eval_views.selfupdate_decide, name="selfupdate-decide"),
]
