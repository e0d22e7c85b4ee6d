from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("survey-templates", views.SurveyTemplateViewSet, basename="survey-template")
router.register("survey-waves", views.WaveViewSet, basename="survey-wave")
router.register("survey-invitations", views.InvitationViewSet, basename="survey-invitation")
router.register("evaluation-templates", views.EvaluationTemplateViewSet, basename="evaluation-template")
router.register("evaluations", views.EvaluationViewSet, basename="evaluation")

urlpatterns = router.urls
