"""Surveys, relationship evaluations and customers' self-updates (SPEC M8; ADR 0009-surveys).

Templates (survey and evaluation) are versioned: once a version is used it is never edited, an
edit makes the next version, so a past answer or score always reads against what was asked. The
records a customer produced or that judge a customer (invitations, responses, answers,
evaluations, self-updates) are customer-owned and read only through restrict(user, action).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kehu.access import roles
from kehu.access.scoping import NOTHING, RestrictedManager, Scope
from kehu.core.models import TimeStampedModel, VersionedModel

from .choices import (
    Conclusion,
    DeliveryChannel,
    EvaluationStatus,
    IndicatorSource,
    InvitationStatus,
    MeasureStatus,
    Privacy,
    QuestionKind,
    ReviewerRole,
    SelfUpdateStatus,
    WaveStatus,
)

User = settings.AUTH_USER_MODEL


def _confidential_within(user: Any, action: str) -> Q:
    """A confidential wave's answers are customer service's (and only for archives they may view)."""
    if roles.is_customer_service(user):
        return Q()
    return ~Q(wave__privacy=Privacy.CONFIDENTIAL)


def _nobody(user: Any, action: str) -> Q:
    """An anonymous response has no customer: no one reads it as a row, only in aggregates."""
    return NOTHING


def _evaluation_reviewers(user: Any, action: str) -> Q:
    """营销总监, 市场营销部经理 and the departments concerned (their managers) read every evaluation sent
    for review (维护方案 六.1); an improvement measure's owner reads the evaluation it belongs to."""
    if action != "view" or not roles.is_active(user):
        return NOTHING
    q = Q(pk__in=ImprovementMeasure.objects.filter(owner=user).values("evaluation_id"))
    if roles.is_manager(user):
        q |= Q(status__in=[EvaluationStatus.IN_REVIEW, EvaluationStatus.MEASURES, EvaluationStatus.DONE])
    return q


def _through_evaluation(user: Any, action: str) -> Q:
    """A score, review, department feedback or measure is read and written as part of its evaluation."""
    return Q(evaluation__in=Evaluation.objects.restrict(user, "view" if action == "view" else "edit").values("pk"))


def _measure_owner_or_evaluation(user: Any, action: str) -> Q:
    """An improvement measure's owner tracks it to done, whatever else they may see."""
    return Q(owner=user) | _through_evaluation(user, action)


THROUGH_EVALUATION = {"view": None, "edit": None}


class Dimension(models.Model):
    """满意度维度 (产品质量, 服务响应 ...): editable data."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=60, blank=True)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("满意度维度")
        verbose_name_plural = _("满意度维度")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class SurveyTemplate(models.Model):
    """One version of a questionnaire; `code` ties the versions together."""

    code = models.SlugField(_("代码"), max_length=40, db_index=False)  # the unique (code, version) serves it
    version = models.PositiveIntegerField(_("版本"), default=1)
    name = models.CharField(_("名称"), max_length=120)
    intro = models.TextField(_("说明"), blank=True)
    is_current = models.BooleanField(_("当前版本"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("问卷模板")
        verbose_name_plural = _("问卷模板")
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="feedback_survey_template_version")]
        indexes = [models.Index(fields=["is_current", "-id"])]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class SurveyQuestion(models.Model):
    template = models.ForeignKey(SurveyTemplate, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    kind = models.CharField(_("题型"), max_length=16, choices=QuestionKind.choices)
    text = models.CharField(_("题目"), max_length=300)
    text_en = models.CharField(_("英文题目"), max_length=300, blank=True)
    dimension = models.ForeignKey(
        Dimension, verbose_name=_("维度"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    options = models.JSONField(_("选项"), default=list, blank=True)
    required = models.BooleanField(_("必答"), default=True)
    # Conditional question: shown (and required) only when the earlier question's answer is one of show_if_values.
    show_if = models.ForeignKey(
        "self", verbose_name=_("显示条件题"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    show_if_values = models.JSONField(_("显示条件值"), default=list, blank=True)

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = _("问题")
        ordering = ["template", "position", "id"]

    def __str__(self) -> str:
        return self.text

    @property
    def is_scored(self) -> bool:
        return self.kind in (QuestionKind.RATING, QuestionKind.NPS)


class SurveyPolicy(models.Model):
    """How often a grade is surveyed and evaluated per year (A twice, B and C once): data, not code."""

    grade = models.CharField(_("客户等级"), max_length=1, unique=True)
    surveys_per_year = models.PositiveSmallIntegerField(_("每年调查次数"), default=1)
    evaluations_per_year = models.PositiveSmallIntegerField(_("每年评估次数"), default=1)

    class Meta:
        verbose_name = _("调查与评估频次")
        verbose_name_plural = _("调查与评估频次")
        ordering = ["grade"]

    def __str__(self) -> str:
        return f"{self.grade}: {self.surveys_per_year}/{self.evaluations_per_year}"


class SurveyWave(TimeStampedModel):
    """One sending of a template to a set of customers."""

    name = models.CharField(_("名称"), max_length=120)
    template = models.ForeignKey(
        SurveyTemplate, verbose_name=_("问卷"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    privacy = models.CharField(_("隐私模式"), max_length=16, choices=Privacy.choices, default=Privacy.NAMED)
    status = models.CharField(_("状态"), max_length=16, choices=WaveStatus.choices, default=WaveStatus.DRAFT)
    channel = models.CharField(
        _("发送方式"), max_length=16, choices=DeliveryChannel.choices, default=DeliveryChannel.EMAIL
    )
    closes_on = models.DateField(_("截止日期"))
    segment = models.JSONField(_("客户范围"), default=dict, blank=True)
    low_rating = models.PositiveSmallIntegerField(_("低分阈值（1–5）"), default=2)
    low_nps = models.PositiveSmallIntegerField(_("低分阈值（NPS）"), default=6)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    # The site address the links were sent with: the worker's reminders reuse it.
    link_base = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("调查批次")
        verbose_name_plural = _("调查批次")
        indexes = [models.Index(fields=["template", "-id"]), models.Index(fields=["status", "-id"])]

    def __str__(self) -> str:
        return self.name


class SurveyInvitation(models.Model):
    """One customer's invitation: the signed link points here. Single use, expiring."""

    wave = models.ForeignKey(SurveyWave, on_delete=models.CASCADE, related_name="invitations", db_index=False)
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+", db_index=False)
    contact = models.ForeignKey("customers.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    nonce = models.CharField(max_length=32, unique=True)
    status = models.CharField(max_length=16, choices=InvitationStatus.choices, default=InvitationStatus.PENDING)
    expires_at = models.DateTimeField(_("链接过期时间"))
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    reminders = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    # Answers as the customer types them (autosave); emptied when the response is submitted.
    draft = models.JSONField(default=dict, blank=True)

    objects = RestrictedManager()
    access_scope = Scope(customer="customer", needs={"view": "view", "edit": "view"})

    class Meta:
        verbose_name = _("调查邀请")
        verbose_name_plural = _("调查邀请")
        constraints = [models.UniqueConstraint(fields=["wave", "customer"], name="feedback_invitation_once_per_wave")]
        indexes = [
            models.Index(fields=["wave", "status"]),
            models.Index(fields=["wave", "-id"]),
            models.Index(fields=["customer", "-sent_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.wave_id}:{self.customer_id}"


class SurveyResponse(models.Model):
    """A submitted questionnaire. Anonymous waves keep neither the customer nor the invitation."""

    wave = models.ForeignKey(SurveyWave, on_delete=models.CASCADE, related_name="responses", db_index=False)
    invitation = models.OneToOneField(
        SurveyInvitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="response"
    )
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # The customer's grade and region when answering: segments of past waves stay as they were,
    # and anonymous responses can still be counted per segment (never below 5).
    grade = models.CharField(max_length=1, blank=True)
    region = models.CharField(max_length=60, blank=True)
    submitted_at = models.DateTimeField()
    lowest_rating = models.PositiveSmallIntegerField(null=True, blank=True)
    nps = models.PositiveSmallIntegerField(null=True, blank=True)
    followup_requested = models.BooleanField(default=False)

    objects = RestrictedManager()
    access_scope = Scope(customer="customer", needs={"view": "view"}, within=_confidential_within, unowned=_nobody)

    class Meta:
        verbose_name = _("调查答卷")
        verbose_name_plural = _("调查答卷")
        indexes = [
            models.Index(fields=["wave", "grade"]),
            models.Index(fields=["customer", "-submitted_at"]),
            models.Index(fields=["wave", "-id"]),
        ]

    def __str__(self) -> str:
        return f"{self.wave_id}:{self.pk}"


class SurveyAnswer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    wave = models.ForeignKey(SurveyWave, on_delete=models.CASCADE, related_name="+", db_index=False)
    question = models.ForeignKey(SurveyQuestion, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The response's grade again: the report groups and filters answers by grade without a join.
    grade = models.CharField(max_length=1, blank=True)
    number = models.SmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)
    choices = models.JSONField(default=list, blank=True)
    # jieba keywords of a text answer, cut once at submission so that reports only count them.
    keywords = models.JSONField(default=list, blank=True)

    objects = RestrictedManager()
    access_scope = Scope(customer="customer", needs={"view": "view"}, within=_confidential_within, unowned=_nobody)

    class Meta:
        verbose_name = _("答案")
        verbose_name_plural = _("答案")
        # Covering indexes: the report's grouped averages are index-only scans (make bench).
        indexes = [
            models.Index(fields=["wave", "question", "number"]),
            models.Index(fields=["wave", "grade", "question", "number"]),
        ]

    def __str__(self) -> str:
        return f"{self.question_id}={self.number if self.number is not None else self.text[:20]}"


class SurveyKeyword(models.Model):
    """One jieba keyword of one comment: the report's themes are a GROUP BY, not a scan of texts."""

    wave = models.ForeignKey(SurveyWave, on_delete=models.CASCADE, related_name="+", db_index=False)
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="+")
    grade = models.CharField(max_length=1, blank=True)
    keyword = models.CharField(max_length=40)

    objects = RestrictedManager()
    # Read as rows only by who may read the response; the report counts themes unscoped (aggregates).
    access_scope = Scope(
        customer="response__customer", needs={"view": "view"}, within=_confidential_within, unowned=_nobody
    )

    class Meta:
        indexes = [models.Index(fields=["wave", "keyword"]), models.Index(fields=["wave", "grade", "keyword"])]

    def __str__(self) -> str:
        return self.keyword


# --- relationship evaluation (客户关系评估表) ------------------------------------------------------


class EvaluationTemplate(models.Model):
    code = models.SlugField(_("代码"), max_length=40, db_index=False)  # the unique (code, version) serves it
    version = models.PositiveIntegerField(_("版本"), default=1)
    name = models.CharField(_("名称"), max_length=120)
    # final score < terminate_below: 终止; < improve_below: 改进; else 维持.
    improve_below = models.DecimalField(_("低于此分建议改进"), max_digits=5, decimal_places=2, default=75)
    terminate_below = models.DecimalField(_("低于此分建议终止"), max_digits=5, decimal_places=2, default=50)
    is_current = models.BooleanField(_("当前版本"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("评估表模板")
        verbose_name_plural = _("评估表模板")
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="feedback_eval_template_version")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class EvaluationIndicator(models.Model):
    template = models.ForeignKey(EvaluationTemplate, on_delete=models.CASCADE, related_name="indicators")
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    name = models.CharField(_("分析指标"), max_length=120)
    weight = models.DecimalField(_("指标权重（%）"), max_digits=5, decimal_places=2)
    source = models.CharField(
        _("数据来源"), max_length=16, choices=IndicatorSource.choices, default=IndicatorSource.MANUAL
    )

    class Meta:
        verbose_name = _("评估指标")
        verbose_name_plural = _("评估指标")
        ordering = ["template", "position", "id"]

    def __str__(self) -> str:
        return self.name


class Evaluation(TimeStampedModel, VersionedModel):
    """One filled 客户关系评估表. Weights and names are copied into its scores: the template may change."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    template = models.ForeignKey(EvaluationTemplate, on_delete=models.PROTECT, related_name="+")
    evaluated_on = models.DateField(_("评估日期"))
    evaluator = models.ForeignKey(User, verbose_name=_("评估人"), on_delete=models.PROTECT, related_name="+")
    customer_grade = models.CharField(_("客户等级"), max_length=1)
    total = models.DecimalField(_("合计"), max_digits=6, decimal_places=2)
    final_score = models.DecimalField(_("最终得分"), max_digits=6, decimal_places=2)
    conclusion = models.CharField(_("评估结果建议"), max_length=16, choices=Conclusion.choices)
    remarks = models.TextField(_("备注"), blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=EvaluationStatus.choices)

    objects = RestrictedManager()
    access_scope = Scope(customer="customer", needs={"view": "view", "edit": "edit"}, also=_evaluation_reviewers)

    class Meta:
        verbose_name = _("客户关系评估")
        verbose_name_plural = _("客户关系评估")
        indexes = [
            models.Index(fields=["customer", "-evaluated_on"]),
            models.Index(fields=["status", "-id"]),
            models.Index(fields=["conclusion", "-id"]),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.evaluated_on} {self.conclusion}"


class EvaluationScore(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scores")
    indicator = models.ForeignKey(EvaluationIndicator, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("分析指标"), max_length=120)
    weight = models.DecimalField(_("指标权重（%）"), max_digits=5, decimal_places=2)
    score = models.DecimalField(_("指标得分"), max_digits=5, decimal_places=2)
    contribution = models.DecimalField(_("加权得分"), max_digits=6, decimal_places=2)
    basis = models.CharField(_("得分依据"), max_length=300, blank=True)
    remark = models.CharField(_("备注"), max_length=300, blank=True)
    source = models.CharField(max_length=16, choices=IndicatorSource.choices, default=IndicatorSource.MANUAL)

    objects = RestrictedManager()
    access_scope = Scope(customer="evaluation__customer", needs=THROUGH_EVALUATION, also=_through_evaluation)

    class Meta:
        ordering = ["evaluation", "id"]

    def __str__(self) -> str:
        return f"{self.name} {self.score}"


class EvaluationReview(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="reviews", db_index=False)
    role = models.CharField(max_length=16, choices=ReviewerRole.choices)
    reviewer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()
    access_scope = Scope(customer="evaluation__customer", needs=THROUGH_EVALUATION, also=_through_evaluation)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["evaluation", "role"], name="feedback_review_once_per_role")]

    def __str__(self) -> str:
        return f"{self.evaluation_id} {self.role}"


class EvaluationFeedback(models.Model):
    """A department's 反馈意见 on an evaluation (维护方案 六.2)."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="feedback")
    department = models.CharField(max_length=32)
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()
    access_scope = Scope(customer="evaluation__customer", needs=THROUGH_EVALUATION, also=_through_evaluation)

    def __str__(self) -> str:
        return f"{self.evaluation_id} {self.department}"


class ImprovementMeasure(models.Model):
    """客户关系改进措施 drafted by marketing, with an owner and a due date, tracked to done."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="measures")
    text = models.TextField(_("改进措施"))
    owner = models.ForeignKey(
        User, verbose_name=_("负责人"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    due_on = models.DateField(_("完成期限"))
    status = models.CharField(max_length=8, choices=MeasureStatus.choices, default=MeasureStatus.OPEN)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedManager()
    access_scope = Scope(customer="evaluation__customer", needs=THROUGH_EVALUATION, also=_measure_owner_or_evaluation)

    class Meta:
        indexes = [models.Index(fields=["owner", "status", "due_on"])]

    def __str__(self) -> str:
        return self.text[:40]


# --- customer self-update (客户关系管理与维护措施 信息管理3) ---------------------------------------


class SelfUpdateRequest(models.Model):
    """A signed link through which a contact proposes new contact data; staff review before it applies."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+", db_index=False)
    contact = models.ForeignKey("customers.Contact", on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=32, unique=True)
    status = models.CharField(max_length=16, choices=SelfUpdateStatus.choices, default=SelfUpdateStatus.OPEN)
    expires_at = models.DateTimeField()
    proposed = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedManager()
    access_scope = Scope(customer="customer", needs={"view": "view", "edit": "edit"})

    class Meta:
        verbose_name = _("客户自助更新")
        verbose_name_plural = _("客户自助更新")
        indexes = [models.Index(fields=["status", "-id"]), models.Index(fields=["customer", "-id"])]

    def __str__(self) -> str:
        return f"{self.contact_id} {self.status}"
