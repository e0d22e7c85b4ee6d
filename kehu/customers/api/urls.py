from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("transactions", views.TransactionViewSet, basename="transaction")
router.register("customer-imports", views.ImportJobViewSet, basename="customer-import")
router.register("grading-runs", views.GradingRunViewSet, basename="grading-run")

urlpatterns = [
    path("grade-proposals/", views.GradeProposalView.as_view(), name="grade-proposals"),
    path("product-upgrades/", views.ProductUpgradeView.as_view(), name="product-upgrades"),
    *router.urls,
]
