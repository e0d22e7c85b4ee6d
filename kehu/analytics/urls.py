from django.urls import path

from . import drill, loyalty_views, review_views, views

app_name = "analytics"
urlpatterns = [
    path("composition/", views.composition, name="composition"),
    path("composition/export/", views.composition_export, name="composition-export"),
    path("churn/", views.churn_page, name="churn"),
    path("churn/export/", views.churn_export, name="churn-export"),
    path("churn/run/", views.churn_run_now, name="churn-run"),
    path("churn/backtest/", views.churn_backtest_now, name="churn-backtest"),
    path("churn/actions/", views.churn_action_create, name="churn-action-create"),
    path("churn/actions/<int:pk>/", views.churn_action_update, name="churn-action-update"),
    path("kpis/", views.kpi_page, name="kpis"),
    path("kpis/export/", views.kpi_export, name="kpis-export"),
    path("kpis/records/", drill.kpi_records, name="kpi-records"),
    path("service/", views.service_page, name="service"),
    path("service/export/", views.service_export, name="service-export"),
    path("service/records/", drill.service_records, name="service-records"),
    path("service/timers/", drill.timer_records, name="service-timers"),
    path("review/", review_views.review_page, name="review"),
    path("review/run/", review_views.review_run_now, name="review-run"),
    path("review/actions/", review_views.improvement_create, name="improvement-create"),
    path("review/actions/<int:pk>/", review_views.improvement_update, name="improvement-update"),
    path("loyalty/", loyalty_views.loyalty_page, name="loyalty"),
    path("loyalty/export/", loyalty_views.loyalty_export, name="loyalty-export"),
    path("loyalty/waves/", loyalty_views.wave_trend_page, name="waves"),
    path("loyalty/waves/export/", loyalty_views.wave_trend_export, name="waves-export"),
]
