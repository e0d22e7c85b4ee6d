from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("policies", views.PolicyViewSet, basename="policy")
router.register("contact-plans", views.ContactPlanViewSet, basename="contact-plan")
router.register("interactions", views.InteractionViewSet, basename="interaction")
router.register("followups", views.FollowUpViewSet, basename="followup")
router.register("care-items", views.CareItemViewSet, basename="care-item")
router.register("board-items", views.BoardItemViewSet, basename="board-item")

urlpatterns = [
    path("calendar/workdays/", views.WorkdayView.as_view(), name="calendar-workdays"),
    path("calendar/care/", views.CareCalendarView.as_view(), name="calendar-care"),
    *router.urls,
]
