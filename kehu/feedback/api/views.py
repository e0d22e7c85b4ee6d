"""REST API of surveys and relationship evaluations: the same services and selectors as the UI."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from kehu.access.audit import log_access
from kehu.core.api import int_param
from kehu.customers.models import Customer

from .. import evaluations, report, selectors, surveys
from ..models import Evaluation
from .serializers import (
    CommentSerializer,
    EvaluationCreateSerializer,
    EvaluationSerializer,
    EvaluationTemplateSerializer,
    EvaluationTemplateWriteSerializer,
    FeedbackSerializer,
    InvitationSerializer,
    MeasureSerializer,
    SurveyTemplateSerializer,
    SurveyTemplateWriteSerializer,
    WaveCreateSerializer,
    WaveSerializer,
)


def _base_url(request: Request) -> str:
    return request.build_absolute_uri("/")


class SurveyTemplateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = SurveyTemplateSerializer

    def get_queryset(self) -> Any:
        return selectors.templates_for(self.request.user).prefetch_related("questions__dimension")

    @extend_schema(request=SurveyTemplateWriteSerializer, responses=SurveyTemplateSerializer)
    def create(self, request: Request) -> Response:
        data = SurveyTemplateWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not data.validated_data.get("code"):
            raise ValidationError({"code": [_("请填写代码。")]})
        template = surveys.template_create(actor=request.user, **data.validated_data)
        return Response(SurveyTemplateSerializer(template).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SurveyTemplateWriteSerializer, responses=SurveyTemplateSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Edit the questions: in place until a wave was sent with it, then as the next version."""
        data = SurveyTemplateWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("code", None)
        template = surveys.template_revise(actor=request.user, template=self.get_object(), **values)
        return Response(SurveyTemplateSerializer(template).data)


class WaveViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = WaveSerializer

    def get_queryset(self) -> Any:
        return selectors.waves_for(self.request.user)

    @extend_schema(request=WaveCreateSerializer, responses=WaveSerializer)
    def create(self, request: Request) -> Response:
        data = WaveCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        wave = surveys.wave_create(actor=request.user, **data.validated_data)
        return Response(WaveSerializer(wave).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=WaveSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request: Request, pk: str | None = None) -> Response:
        sent = surveys.wave_send(actor=request.user, wave=self.get_object(), base_url=_base_url(request))
        wave = self.get_object()
        return Response({**WaveSerializer(wave).data, "sent": sent})

    @extend_schema(request=None, responses=WaveSerializer)
    @action(detail=True, methods=["post"])
    def remind(self, request: Request, pk: str | None = None) -> Response:
        reminded = surveys.wave_remind(actor=request.user, wave=self.get_object(), base_url=_base_url(request))
        return Response({"reminded": reminded})

    @extend_schema(
        parameters=[OpenApiParameter("grade", str, many=True), OpenApiParameter("region", str)], responses=dict
    )
    @action(detail=True, methods=["get"])
    def report(self, request: Request, pk: str | None = None) -> Response:
        segment = {
            "grade": request.query_params.getlist("grade"),
            "region": request.query_params.get("region", "")[:60],
        }
        if any(g not in ("A", "B", "C") for g in segment["grade"]):
            raise ValidationError({"grade": [_("可选值：%(choices)s") % {"choices": "A, B, C"}]})
        result = report.wave_report(request.user, self.get_object(), segment=segment)
        return Response(report.report_summary(result))


class InvitationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = InvitationSerializer

    @extend_schema(parameters=[OpenApiParameter("wave", int)])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        return selectors.invitations_for(self.request.user, wave_id=int_param(self.request, "wave"))


class EvaluationTemplateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = EvaluationTemplateSerializer

    def get_queryset(self) -> Any:
        return selectors.evaluation_templates_for(self.request.user)

    @extend_schema(request=EvaluationTemplateWriteSerializer, responses=EvaluationTemplateSerializer)
    def create(self, request: Request) -> Response:
        data = EvaluationTemplateWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if not values.get("code") or not values.get("name"):
            raise ValidationError({"code": [_("请填写代码和名称。")]})
        template = evaluations.evaluation_template_create(actor=request.user, **values)
        return Response(EvaluationTemplateSerializer(template).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EvaluationTemplateWriteSerializer, responses=EvaluationTemplateSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """New weights or thresholds: the next version once used; past evaluations keep theirs."""
        data = EvaluationTemplateWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("code", None)
        values.pop("name", None)
        template = evaluations.evaluation_template_revise(actor=request.user, template=self.get_object(), **values)
        return Response(EvaluationTemplateSerializer(template).data)


class EvaluationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = EvaluationSerializer

    def get_queryset(self) -> Any:
        return selectors.evaluations_for(self.request.user).prefetch_related(
            "scores", "reviews", "feedback", "measures"
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        evaluation = self.get_object()
        log_access(
            user=request.user,
            action="view",
            customer=evaluation.customer,
            request=request,
            object_type="evaluation",
            object_id=evaluation.pk,
            detail={"via": "api"},
        )
        return Response(self.get_serializer(evaluation).data)

    @extend_schema(request=EvaluationCreateSerializer, responses=EvaluationSerializer)
    def create(self, request: Request) -> Response:
        data = EvaluationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        customer = Customer.objects.restrict(request.user, "view").filter(pk=values.pop("customer")).first()
        if customer is None:
            raise Http404(_("客户不存在或您无权查看。"))
        evaluation = evaluations.evaluation_create(
            actor=request.user,
            customer=customer,
            template=values["template"],
            scores=values["scores"],
            basis=values["basis"],
            remarks_by_indicator=values["indicator_remarks"],
            remarks=values["remarks"],
            final_score=values.get("final_score"),
        )
        return Response(self._fresh(evaluation), status=status.HTTP_201_CREATED)

    def _fresh(self, evaluation: Evaluation) -> dict[str, Any]:
        fresh = (
            Evaluation.objects.unscoped("re-read of the evaluation the caller just wrote")
            .prefetch_related("scores", "reviews", "feedback", "measures")
            .get(pk=evaluation.pk)
        )
        return dict(EvaluationSerializer(fresh).data)

    @extend_schema(request=CommentSerializer, responses=EvaluationSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        data = CommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        evaluation = self.get_object()
        evaluations.evaluation_review(actor=request.user, evaluation=evaluation, **data.validated_data)
        return Response(self._fresh(evaluation))

    @extend_schema(request=FeedbackSerializer, responses=EvaluationSerializer)
    @action(detail=True, methods=["post"])
    def feedback(self, request: Request, pk: str | None = None) -> Response:
        data = FeedbackSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        evaluation = self.get_object()
        evaluations.evaluation_feedback(actor=request.user, evaluation=evaluation, **data.validated_data)
        return Response(self._fresh(evaluation))

    @extend_schema(request=MeasureSerializer, responses=EvaluationSerializer)
    @action(detail=True, methods=["post"])
    def measure(self, request: Request, pk: str | None = None) -> Response:
        """Add a measure (text, owner, due_on) or mark one done (done: measure id)."""
        data = MeasureSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        evaluation = self.get_object()
        values = data.validated_data
        if "done" in values:
            if values["done"].evaluation_id != evaluation.pk:
                raise ValidationError({"done": [_("该措施不属于此评估。")]})
            evaluations.measure_done(actor=request.user, measure=values["done"])
        else:
            evaluations.measure_add(
                actor=request.user,
                evaluation=evaluation,
                text=values["text"],
                owner=values["owner"],
                due_on=values["due_on"],
            )
        return Response(self._fresh(evaluation))
