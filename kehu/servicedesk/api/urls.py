from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("complaints", views.ComplaintViewSet, basename="complaint")
router.register("tickets", views.TicketViewSet, basename="ticket")
router.register("demands", views.DemandViewSet, basename="demand")
router.register("consultations", views.ConsultationViewSet, basename="consultation")
urlpatterns = [path("servicedesk/stats/", views.StatsView.as_view(), name="servicedesk-stats"), *router.urls]
