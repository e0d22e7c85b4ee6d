from django.urls import path

from . import views

app_name = "servicedesk"
urlpatterns = [
    path("", views.home, name="home"),
    path("stats/", views.stats_page, name="stats"),
    path("stats/export/", views.stats_export, name="stats_export"),
    path("sla/", views.sla_report, name="sla"),
    path("sla/export/", views.sla_export, name="sla_export"),
    path("mail/unmatched/", views.unmatched, name="unmatched"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("complaints/<int:pk>/record.pdf", views.complaint_pdf, {"form": "record"}, name="complaint_record_pdf"),
    path("complaints/<int:pk>/sheet.pdf", views.complaint_pdf, {"form": "sheet"}, name="complaint_sheet_pdf"),
    path("tickets/<int:pk>/report.pdf", views.ticket_pdf, name="ticket_report_pdf"),
    path("tickets/<int:pk>/plan.pdf", views.ticket_pdf, {"form": "plan"}, name="ticket_plan_pdf"),
    path("tickets/<int:pk>/analysis.pdf", views.ticket_pdf, {"form": "analysis"}, name="ticket_analysis_pdf"),
    path("tickets/<int:pk>/task-group/", views.ticket_member_add, name="ticket_member_add"),
    path("tickets/<int:pk>/milestones/", views.ticket_milestone_add, name="ticket_milestone_add"),
    path(
        "tickets/<int:pk>/milestones/<int:milestone_pk>/reach/",
        views.ticket_milestone_reach,
        name="ticket_milestone_reach",
    ),
    path("tickets/table/", views.tracking_table, {"kind": "ticket"}, name="ticket_tracking"),
    path("demands/table/", views.tracking_table, {"kind": "demand"}, name="demand_tracking"),
]
for kind, plural in (
    ("complaint", "complaints"),
    ("ticket", "tickets"),
    ("demand", "demands"),
    ("consultation", "consultations"),
):
    urlpatterns += [
        path(f"{plural}/", views.record_list, {"kind": kind}, name=f"{kind}_list"),
        path(f"{plural}/new/", views.record_create, {"kind": kind}, name=f"{kind}_create"),
        path(f"{plural}/<int:pk>/", views.record_detail, {"kind": kind}, name=f"{kind}_detail"),
        path(f"{plural}/<int:pk>/reply/", views.record_reply, {"kind": kind}, name=f"{kind}_reply"),
        path(f"{plural}/<int:pk>/do/<str:name>/", views.record_transition, {"kind": kind}, name=f"{kind}_transition"),
    ]
