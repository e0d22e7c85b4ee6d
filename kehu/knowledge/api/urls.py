from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("kb/articles", views.ArticleViewSet, basename="kb-article")
urlpatterns = router.urls
