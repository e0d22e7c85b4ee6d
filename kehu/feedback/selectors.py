"""Reads, starting from the user's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from kehu.access import roles

from .evaluations import can_evaluate
from .models import Evaluation, EvaluationTemplate, SelfUpdateRequest, SurveyInvitation, SurveyTemplate, SurveyWave
from .surveys import can_manage_surveys


def templates_for(user: Any) -> QuerySet[SurveyTemplate]:
    if not roles.is_active(user):
        return SurveyTemplate.objects.none()
    return SurveyTemplate.objects.all()


def waves_for(user: Any) -> QuerySet[SurveyWave]:
    """Customer service and marketing managers see every wave; others the waves they created."""
    if can_manage_surveys(user):
        return SurveyWave.objects.all()
    if not roles.is_active(user):
        return SurveyWave.objects.none()
    return SurveyWave.objects.filter(created_by=user)


def get_wave_for(user: Any, pk: int) -> SurveyWave:
    wave = waves_for(user).select_related("template").filter(pk=pk).first()
    if wave is None:
        raise Http404(_("调查不存在或您无权查看。"))
    return wave


def invitations_for(user: Any, *, wave_id: int | None = None) -> QuerySet[SurveyInvitation]:
    queryset = SurveyInvitation.objects.restrict(user, "view").filter(wave__in=waves_for(user))
    if wave_id is not None:
        queryset = queryset.filter(wave_id=wave_id)
    return queryset.select_related("customer", "wave", "contact")


def evaluation_templates_for(user: Any) -> QuerySet[EvaluationTemplate]:
    if not roles.is_active(user):
        return EvaluationTemplate.objects.none()
    return EvaluationTemplate.objects.prefetch_related("indicators")


def evaluations_for(user: Any, action: str = "view") -> QuerySet[Evaluation]:
    return Evaluation.objects.restrict(user, action).select_related("customer", "template", "evaluator")


def get_evaluation_for(user: Any, pk: int) -> Evaluation:
    evaluation = evaluations_for(user).filter(pk=pk).first()
    if evaluation is None:
        raise Http404(_("评估不存在或您无权查看。"))
    return evaluation


def selfupdates_for(user: Any) -> QuerySet[SelfUpdateRequest]:
    return SelfUpdateRequest.objects.restrict(user, "view").select_related("customer", "contact")


__all__ = ["can_evaluate", "can_manage_surveys"]
