from django.urls import path

from . import views

app_name = "engagement"
urlpatterns = [
    path("", views.board, name="board"),
    path("board/month/", views.board_month, name="board_month"),
    path("board/items/", views.board_item_create, name="board_item_create"),
    path("board/items/<int:pk>/move/", views.board_item_move, name="board_item_move"),
    path("plans/", views.plan_list, name="plans"),
    path("overview/", views.overview, name="overview"),
    path("overview/export/", views.overview_export, name="overview_export"),
    path("interactions/", views.interaction_list, name="interactions"),
    path("interactions/new/", views.interaction_new, name="interaction_new"),
    path("customers/<int:pk>/timeline/", views.timeline, name="timeline"),
    path("followups/", views.followup_list, name="followups"),
    path("followups/report/", views.followup_report, name="followup_report"),
    path("followups/actions/", views.followup_actions, name="followup_actions"),
    path("followups/<int:pk>/", views.followup_detail, name="followup"),
    path("care/", views.care_list, name="care"),
    path("care/<int:pk>/record/", views.care_record, name="care_record"),
    path("policies/", views.policy_list, name="policies"),
    path("policies/<int:pk>/", views.policy_edit, name="policy_edit"),
    path("jobs/<int:pk>/", views.job_progress, name="job"),
    path("calendar/", views.calendar_page, name="calendar"),
]
