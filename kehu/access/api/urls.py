from rest_framework.routers import SimpleRouter

from .views import AccessLogViewSet, AccessRequestViewSet

router = SimpleRouter()
router.register("access-requests", AccessRequestViewSet, basename="access-request")
router.register("access-log", AccessLogViewSet, basename="access-log")
urlpatterns = router.urls
