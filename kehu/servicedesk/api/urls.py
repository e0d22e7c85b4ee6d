from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("complaints", views.ComplaintViewSet, basename="complaint")
router.register("tickets", views.TicketViewSet, basename="ticket")
router.register("demands", views.DemandViewSet, basename="demand")
urlpatterns = router.urls
