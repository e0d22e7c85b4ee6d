from django.urls import path

from . import people_views, views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("export/", views.customer_export, name="export"),
    path("flag-stale/", views.customers_flag_stale, name="flag_stale"),
    path("late-updates/", views.late_updates, name="late_updates"),
    path("grading/", views.grading_page, name="grading"),
    path("grading/confirm/", views.grading_confirm, name="grading_confirm"),
    path("grading/rescore/", views.grading_rescore, name="grading_rescore"),
    path("grading/runs/<int:pk>/", views.grading_run_progress, name="grading_run"),
    path("import/", views.import_upload, name="import"),
    path("import/<int:pk>/", views.import_job, name="import_job"),
    path("import/<int:pk>/commit/", views.import_commit, name="import_commit"),
    path("import/<int:pk>/cancel/", views.import_cancel, name="import_cancel"),
    path("import/<int:pk>/fix.xlsx", views.import_fixes, name="import_fixes"),
    path("documents/<int:version_pk>/", views.document_download, name="document_download"),
    # PIPL: one key person's consents, copy of their data, erasure; the retention review.
    path("people/<int:contact_id>/", people_views.person, name="person"),
    path(
        "people/<int:contact_id>/consents/<int:consent_id>/withdraw/",
        people_views.consent_withdraw,
        name="consent_withdraw",
    ),
    path("people/<int:contact_id>/export.<str:fmt>", people_views.person_export, name="person_export"),
    path("people/<int:contact_id>/erase/", people_views.person_erase, name="person_erase"),
    path("retention/<int:pk>/", people_views.retention_decide, name="retention_decide"),
    path("cards/important/", views.important_cards, name="important_cards"),
    path("<int:pk>/documents/register/", views.document_register, name="document_register"),
    path("<int:pk>/news/", views.customer_news, name="news"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/card/", views.customer_card, name="card"),
    path("<int:pk>/regrade/", views.customer_regrade, name="regrade"),
    path("<int:pk>/archive/", views.customer_archive, name="archive"),
    path("<int:pk>/merge/", views.customer_merge, name="merge"),
    path("<int:pk>/contacts/", views.contact_add, name="contact_add"),
    path("<int:pk>/contacts/<int:contact_pk>/", views.contact_edit, name="contact_edit"),
    path("<int:pk>/transactions/", views.transaction_add, name="transaction_add"),
    path("<int:pk>/documents/", views.document_add, name="document_add"),
]
