from django.urls import path

from . import views

urlpatterns = [
    path("analytics/composition/", views.CompositionView.as_view(), name="analytics-composition"),
    path("analytics/churn-risk/", views.ChurnRiskView.as_view(), name="analytics-churn-risk"),
    path("analytics/churn-runs/", views.ChurnRunView.as_view(), name="analytics-churn-runs"),
    path("analytics/churn-backtests/", views.ChurnBacktestView.as_view(), name="analytics-churn-backtests"),
    path("analytics/churn-actions/", views.ChurnActionView.as_view(), name="analytics-churn-actions"),
    path("analytics/churn-actions/<int:pk>/", views.ChurnActionDetailView.as_view(), name="analytics-churn-action"),
    path("analytics/kpis/", views.KpiView.as_view(), name="analytics-kpis"),
    path("analytics/service/", views.ServiceView.as_view(), name="analytics-service"),
]
