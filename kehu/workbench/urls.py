from django.urls import path

from . import views

app_name = "workbench"
urlpatterns = [
    path("", views.home, name="home"),
    path("workbench/approve/<int:pk>/", views.approve_plan, name="approve_plan"),
    path("workbench/messages/", views.message_list, name="messages"),
    path("workbench/messages/delivery/", views.delivery_preference, name="delivery_preference"),
    path("workbench/messages/read-all/", views.message_read_all, name="messages_read_all"),
    path("workbench/messages/<int:pk>/", views.message_open, name="message_open"),
    path("workbench/pick/customers/", views.pick_customers, name="pick_customers"),
    path("workbench/shortcuts/", views.shortcuts, name="shortcuts"),
    path("workbench/export/<str:kind>.xlsx", views.case_export, name="case_export"),
    path("workbench/export/selected/<str:list_name>.xlsx", views.export_selected, name="export_selected"),
    path("workbench/batch/customers/owner/", views.batch_customer_owner, name="batch_customer_owner"),
    path("workbench/batch/followups/close/", views.batch_followup_close, name="batch_followup_close"),
    path("workbench/batch/plans/owner/", views.batch_plan_owner, name="batch_plan_owner"),
    path("workbench/batch/followups/reassign/", views.batch_followup_reassign, name="batch_followup_reassign"),
    path("workbench/batch/<str:kind>/assign/", views.batch_case_assign, name="batch_case_assign"),
    path("workbench/filters/", views.saved_filter_save, name="saved_filter_save"),
    path("workbench/filters/<int:pk>/delete/", views.saved_filter_delete, name="saved_filter_delete"),
    path("workbench/export/engagement/<str:kind>.xlsx", views.engagement_export, name="engagement_export"),
]
