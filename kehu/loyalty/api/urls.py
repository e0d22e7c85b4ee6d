from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("segments", views.SegmentViewSet, basename="segment")
router.register("campaign-templates", views.TemplateViewSet, basename="campaign-template")
router.register("campaigns", views.CampaignViewSet, basename="campaign")
router.register("loyalty/tiers", views.TierViewSet, basename="loyalty-tier")
router.register("referrals", views.ReferralViewSet, basename="referral")

urlpatterns = [
    path("customers/<int:pk>/points/", views.CustomerPointsView.as_view(), name="customer-points"),
    path("points/earn/", views.PointsChangeView.as_view(kind="earn"), name="points-earn"),
    path("points/redeem/", views.PointsChangeView.as_view(kind="redeem"), name="points-redeem"),
    *router.urls,
]
