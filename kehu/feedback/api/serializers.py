from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from kehu.access.drf import ScopedRelatedField
from kehu.accounts.models import User

from ..choices import DeliveryChannel, Privacy
from ..models import (
    Evaluation,
    EvaluationIndicator,
    EvaluationTemplate,
    ImprovementMeasure,
    SurveyInvitation,
    SurveyQuestion,
    SurveyTemplate,
    SurveyWave,
)


class QuestionSerializer(serializers.ModelSerializer):
    dimension: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="code", read_only=True)
    is_nps = serializers.SerializerMethodField()

    class Meta:
        model = SurveyQuestion
        fields = [
            "id",
            "position",
            "kind",
            "is_nps",
            "text",
            "text_en",
            "dimension",
            "options",
            "required",
            "show_if",
            "show_if_values",
        ]

    def get_is_nps(self, obj: SurveyQuestion) -> bool:
        return obj.kind == "nps"


class SurveyTemplateSerializer(serializers.ModelSerializer):
    questions = QuestionSerializer(many=True, read_only=True)

    class Meta:
        model = SurveyTemplate
        fields = ["id", "code", "version", "name", "intro", "is_current", "questions"]


class SurveyTemplateWriteSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=40, required=False)
    name = serializers.CharField(max_length=120)
    intro = serializers.CharField(required=False, allow_blank=True, default="")
    questions = serializers.ListField(child=serializers.DictField(), min_length=1, max_length=100)


class WaveSerializer(serializers.ModelSerializer):
    class Meta:
        model = SurveyWave
        fields = [
            "id",
            "name",
            "template",
            "privacy",
            "status",
            "channel",
            "closes_on",
            "segment",
            "low_rating",
            "low_nps",
            "sent_at",
            "created_at",
        ]


class WaveCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    template = serializers.PrimaryKeyRelatedField(queryset=SurveyTemplate.objects.all())
    customers = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**62), required=False, max_length=100000
    )
    segment = serializers.DictField(required=False)
    closes_on = serializers.DateField()
    privacy = serializers.ChoiceField(choices=Privacy.choices, default=Privacy.NAMED)
    channel = serializers.ChoiceField(choices=DeliveryChannel.choices, default=DeliveryChannel.EMAIL)
    low_rating = serializers.IntegerField(min_value=1, max_value=5, default=2)
    low_nps = serializers.IntegerField(min_value=0, max_value=10, default=6)


class InvitationSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = SurveyInvitation
        fields = [
            "id",
            "wave",
            "customer",
            "customer_name",
            "status",
            "sent_at",
            "opened_at",
            "started_at",
            "completed_at",
            "expires_at",
            "reminders",
            "url",
        ]

    def get_url(self, obj: SurveyInvitation) -> str:
        from ..surveys import invitation_path

        request = self.context.get("request")
        path = invitation_path(obj)
        return request.build_absolute_uri(path) if request is not None else path


class IndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = EvaluationIndicator
        fields = ["id", "position", "name", "weight", "source"]


class EvaluationTemplateSerializer(serializers.ModelSerializer):
    indicators = IndicatorSerializer(many=True, read_only=True)

    class Meta:
        model = EvaluationTemplate
        fields = ["id", "code", "version", "name", "improve_below", "terminate_below", "is_current", "indicators"]


class EvaluationTemplateWriteSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=40, required=False)
    name = serializers.CharField(max_length=120, required=False)
    improve_below = serializers.DecimalField(max_digits=5, decimal_places=2, required=False)
    terminate_below = serializers.DecimalField(max_digits=5, decimal_places=2, required=False)
    indicators = serializers.ListField(child=serializers.DictField(), min_length=1, max_length=50)


class EvaluationSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    scores = serializers.SerializerMethodField()
    reviews = serializers.SerializerMethodField()
    feedback = serializers.SerializerMethodField()
    measures = serializers.SerializerMethodField()

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "customer",
            "customer_name",
            "template",
            "evaluated_on",
            "evaluator",
            "customer_grade",
            "total",
            "final_score",
            "conclusion",
            "remarks",
            "status",
            "scores",
            "reviews",
            "feedback",
            "measures",
        ]

    def get_scores(self, obj: Evaluation) -> list[dict[str, Any]]:
        return [
            {
                "indicator": s.indicator_id,
                "name": s.name,
                "weight": str(s.weight),
                "score": str(s.score),
                "contribution": str(s.contribution),
                "basis": s.basis,
                "remark": s.remark,
                "source": s.source,
            }
            for s in obj.scores.all()
        ]

    def get_reviews(self, obj: Evaluation) -> list[dict[str, Any]]:
        return [{"role": r.role, "reviewer": r.reviewer_id, "comment": r.comment} for r in obj.reviews.all()]

    def get_feedback(self, obj: Evaluation) -> list[dict[str, Any]]:
        return [{"department": f.department, "author": f.author_id, "text": f.text} for f in obj.feedback.all()]

    def get_measures(self, obj: Evaluation) -> list[dict[str, Any]]:
        return [
            {"id": m.pk, "text": m.text, "owner": m.owner_id, "due_on": m.due_on.isoformat(), "status": m.status}
            for m in obj.measures.all()
        ]


class EvaluationCreateSerializer(serializers.Serializer):
    customer = serializers.IntegerField(min_value=1, max_value=2**62)
    template = serializers.PrimaryKeyRelatedField(queryset=EvaluationTemplate.objects.all())
    scores = serializers.DictField(required=False, default=dict)
    basis = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=300), required=False, default=dict
    )
    indicator_remarks = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=300), required=False, default=dict
    )
    remarks = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    final_score = serializers.DecimalField(max_digits=6, decimal_places=2, required=False, allow_null=True)


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class FeedbackSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=4000)


class MeasureSerializer(serializers.Serializer):
    text = serializers.CharField(required=False, max_length=4000)
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True), required=False)
    due_on = serializers.DateField(required=False)
    done = ScopedRelatedField(
        queryset=ImprovementMeasure.objects.all(), action="edit", required=False, help_text=_("标记完成的措施编号")
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "done" not in attrs and not all(k in attrs for k in ("text", "owner", "due_on")):
            raise serializers.ValidationError(_("请填写措施、负责人和完成期限，或用 done 标记一项措施完成。"))
        return attrs
