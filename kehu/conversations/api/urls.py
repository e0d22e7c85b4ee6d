from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("conversations", views.ConversationViewSet, basename="conversation")
router.register("calls", views.CallViewSet, basename="call")
urlpatterns = [
    path("assistant/ask/", views.assistant_ask, name="assistant-ask"),
    path("channel-stats/", views.channel_stats, name="channel-stats"),
    *router.urls,
]
