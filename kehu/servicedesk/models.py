"""Complaints (SPEC M5), problem tickets (M6), demands (M7), their timelines, SLA timers and mail."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.access import roles
from kehu.access.scoping import EVERYTHING, RestrictedManager, Scope
from kehu.accounts.choices import Department
from kehu.core.models import TimeStampedModel, VersionedModel

from .choices import (
    ComplaintCategory,
    ComplaintNature,
    ComplaintState,
    ConsultationState,
    ConsultationTopic,
    DemandState,
    DemandType,
    HandlingType,
    IntakeChannel,
    MailDirection,
    TicketState,
    TimerKind,
    Urgency,
)

USER = settings.AUTH_USER_MODEL
MONEY: dict[str, Any] = {
    "max_digits": 14,
    "decimal_places": 2,
    "default": Decimal("0"),
    "validators": [MinValueValidator(Decimal("0"))],  # amounts are never negative
}


def _service_desk_q(department_field: str, person_fields: tuple[str, ...], *, tech_support: bool = False) -> Any:
    """Who works on a case whatever the archive rule says (客户投诉处理方案 三.1, 五.1–2): customer
    service (every case of every grade), the department the case is routed to, and the people on it."""

    def who(user: Any, action: str) -> Q:
        if roles.is_service_desk(user) or (tech_support and roles.is_tech_support(user)):
            return EVERYTHING
        q = Q(pk__in=[])
        dept = roles.department(user)
        if dept:
            q |= Q(**{department_field: dept})
        for person in person_fields:
            q |= Q(**{person: user})
        return q

    return who


CASE_NEEDS = {"view": "view", "edit": "view", "export": "export"}


def _task_group_q(user: Any) -> Q:
    """The members of a complex problem's task group (SOP "复杂问题需成立专项小组") work on it."""
    if not roles.is_active(user):
        return Q(pk__in=[])
    return Q(pk__in=TicketMember.objects.filter(user=user).values("ticket_id"))


def _through_cases(kinds: tuple[str, ...] = ("complaint", "ticket", "demand", "consultation"), prefix: str = "") -> Any:
    """Timeline entries, timers and mail belong to a complaint, a ticket or a demand: visible with it."""

    def who(user: Any, action: str) -> Q:
        models_by_kind: dict[str, Any] = {
            "complaint": Complaint,
            "ticket": Ticket,
            "demand": Demand,
            "consultation": Consultation,
        }
        q = Q(pk__in=[])
        for kind in kinds:
            q |= Q(**{f"{prefix}{kind}__in": models_by_kind[kind].objects.restrict(user, "view").values("pk")})
        return q

    return who


class Complaint(TimeStampedModel, VersionedModel):
    """客户投诉记录单 + 客户投诉处理单: one row carries the whole loop."""

    number = models.CharField(_("受理编号"), max_length=32, unique=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("投诉客户"),
        on_delete=models.PROTECT,
        related_name="complaints",
        db_index=False,
    )
    contact_name = models.CharField(_("联系人"), max_length=80, blank=True)
    contact_phone = models.CharField(_("客户联系方式"), max_length=120, blank=True)
    business_address = models.CharField(_("营业地址"), max_length=300, blank=True)
    channel = models.CharField(_("投诉方式"), max_length=16, choices=IntakeChannel.choices)
    received_at = models.DateTimeField(_("受理日期"), default=timezone.now)
    receiver = models.ForeignKey(
        USER,
        verbose_name=_("受理人员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    category = models.CharField(
        _("投诉内容分类"), max_length=16, choices=ComplaintCategory.choices, default=ComplaintCategory.OTHER
    )
    reason = models.TextField(_("投诉理由（事件经过）"))
    request = models.TextField(_("投诉要求"), blank=True)
    product = models.CharField(_("品名"), max_length=120, blank=True)
    quantity = models.PositiveIntegerField(_("数量"), default=0)
    # 客户投诉统计表 "品名 数量 单位": the unit the quantity is counted in (台, 件, 套 ...).
    unit = models.CharField(_("单位"), max_length=16, blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=ComplaintState.choices, default=ComplaintState.RECEIVED)
    # analysis
    responsible = models.BooleanField(_("我方责任"), null=True, blank=True)
    explanation = models.TextField(_("向客户的解释"), blank=True)
    customer_agreed = models.BooleanField(_("客户认同解释"), default=False)
    nature = models.CharField(_("投诉性质"), max_length=16, choices=ComplaintNature.choices, blank=True)
    deadline = models.DateField(_("处理期限"), null=True, blank=True)
    deadline_told = models.BooleanField(_("已告知客户期限"), default=False)
    # routing
    main_cause = models.TextField(_("主要原因"), blank=True)
    responsible_department = models.CharField(_("责任部门"), max_length=32, choices=Department.choices, blank=True)
    sheet_no = models.CharField(_("处理单编号"), max_length=32, blank=True)
    # plan
    plan = models.TextField(_("处理方案"), blank=True)
    plan_by = models.ForeignKey(
        USER, verbose_name=_("方案拟定人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    plan_approved_by = models.ForeignKey(
        USER, verbose_name=_("方案审批人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    plan_approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    # execution and result
    result = models.TextField(_("投诉处理结果"), blank=True)
    handling_type = models.CharField(_("处理方式"), max_length=16, choices=HandlingType.choices, blank=True)
    compensation_amount = models.DecimalField(_("赔偿金额"), **MONEY)
    return_amount = models.DecimalField(_("退货金额"), **MONEY)
    discount_amount = models.DecimalField(_("折价金额"), **MONEY)
    other_amount = models.DecimalField(_("其他金额"), **MONEY)
    loss_amount = models.DecimalField(_("损失金额"), **MONEY)
    executed_at = models.DateTimeField(_("处理日期"), null=True, blank=True)
    customer_told = models.BooleanField(_("已告知客户结果"), default=False)
    # sign-off (客户投诉处理单)
    receiver_opinion = models.TextField(_("受理人员意见"), blank=True)
    manager_opinion = models.TextField(_("部门经理意见"), blank=True)
    customer_opinion = models.TextField(_("客户意见"), blank=True)
    signed_by = models.CharField(_("客户签字人"), max_length=80, blank=True)
    signed_at = models.DateTimeField(_("签字时间"), null=True, blank=True)
    # follow-up and close
    follow_up_due = models.DateField(_("回访期限"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("满意度（1-5）"), null=True, blank=True)
    follow_up_note = models.TextField(_("回访记录"), blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)

    objects = RestrictedManager()
    access_scope = Scope(
        customer="customer",
        needs=CASE_NEEDS,
        also=_service_desk_q("responsible_department", ("receiver", "plan_by")),
    )

    class Meta:
        verbose_name = _("客户投诉")
        verbose_name_plural = _("客户投诉")
        indexes = [
            models.Index(fields=["state", "id"]),
            models.Index(fields=["customer", "id"]),
            models.Index(fields=["receiver", "id"]),
            models.Index(fields=["responsible_department", "id"]),
            models.Index(fields=["channel", "id"]),
            models.Index(fields=["category", "id"]),
            models.Index(fields=["received_at"]),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def total_amount(self) -> Decimal:
        return self.compensation_amount + self.return_amount + self.discount_amount + self.other_amount


class Ticket(TimeStampedModel, VersionedModel):
    """问题跟踪表."""

    number = models.CharField(_("问题编号"), max_length=32, unique=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户名称"),
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
    )
    contact_name = models.CharField(_("联系人"), max_length=80, blank=True)
    channel = models.CharField(_("来源渠道"), max_length=16, choices=IntakeChannel.choices, default=IntakeChannel.PHONE)
    title = models.CharField(_("问题标题"), max_length=200)
    description = models.TextField(_("问题描述"))
    urgency = models.CharField(_("紧急程度"), max_length=8, choices=Urgency.choices, default=Urgency.MEDIUM)
    is_complex = models.BooleanField(_("复杂问题（需专项小组）"), default=False)
    reported_at = models.DateTimeField(_("反馈时间"), default=timezone.now)
    department = models.CharField(
        _("责任部门"), max_length=32, choices=Department.choices, default=Department.TECH_SUPPORT
    )
    owner = models.ForeignKey(
        USER,
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    state = models.CharField(_("状态"), max_length=16, choices=TicketState.choices, default=TicketState.NEW)
    impact_scope = models.TextField(_("影响范围"), blank=True)
    responded_at = models.DateTimeField(_("响应时间"), null=True, blank=True)
    analysis_result = models.TextField(_("分析结果"), blank=True)
    analysed_at = models.DateTimeField(_("分析报告时间"), null=True, blank=True)
    solution = models.TextField(_("解决方案"), blank=True)
    planned_completion = models.DateTimeField(_("计划完成时间"), null=True, blank=True)
    plan_confirmed_by = models.CharField(_("方案确认人（客户）"), max_length=80, blank=True)
    plan_confirmed_at = models.DateTimeField(_("方案确认时间"), null=True, blank=True)
    last_progress_at = models.DateTimeField(_("最近进度同步"), null=True, blank=True)
    actual_completion = models.DateTimeField(_("实际完成时间"), null=True, blank=True)
    closing_process = models.TextField(_("处理过程"), blank=True)
    closing_result = models.TextField(_("处理结果"), blank=True)
    prevention = models.TextField(_("预防措施"), blank=True)
    closing_confirmed_by = models.CharField(_("关闭确认人（客户）"), max_length=80, blank=True)
    follow_up_due = models.DateField(_("回访期限"), null=True, blank=True)
    followed_up_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    root_cause = models.TextField(_("根本原因"), blank=True)
    review_actions = models.TextField(_("改进措施"), blank=True)
    reviewed_at = models.DateTimeField(_("复盘时间"), null=True, blank=True)

    objects = RestrictedManager()
    # Technical support works on every problem ticket (SPEC M6), as customer service does; a complex
    # problem's task group works on it too.
    access_scope = Scope(
        customer="customer",
        needs=CASE_NEEDS,
        also=lambda user, action: (
            _service_desk_q("department", ("owner",), tech_support=True)(user, action) | _task_group_q(user)
        ),
    )

    class Meta:
        verbose_name = _("问题跟踪")
        verbose_name_plural = _("问题跟踪")
        indexes = [
            models.Index(fields=["state", "id"]),
            models.Index(fields=["customer", "id"]),
            models.Index(fields=["owner", "id"]),
            models.Index(fields=["department", "id"]),
            models.Index(fields=["urgency", "id"]),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state not in (TicketState.CLOSED, TicketState.REVIEWED)


class Demand(TimeStampedModel, VersionedModel):
    """客户需求跟踪表."""

    number = models.CharField(_("需求编号"), max_length=32, unique=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户名称"),
        on_delete=models.PROTECT,
        related_name="demands",
        db_index=False,
    )
    description = models.TextField(_("需求描述"))
    raised_at = models.DateField(_("提出时间"), default=timezone.localdate)
    type = models.CharField(_("需求类型"), max_length=16, choices=DemandType.choices, default=DemandType.FEATURE)
    department = models.CharField(_("责任部门"), max_length=32, choices=Department.choices, default=Department.RND)
    owner = models.ForeignKey(
        USER,
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    state = models.CharField(_("进度"), max_length=16, choices=DemandState.choices, default=DemandState.RESEARCHING)
    planned_completion = models.DateField(_("计划完成时间"), null=True, blank=True)
    customer_feedback = models.TextField(_("客户反馈"), blank=True)
    progress_note = models.TextField(_("进度说明"), blank=True)
    # SOP 需求挖掘与跟进 "定期向客户反馈进度": every N days while open; the PROGRESS timer reminds.
    progress_every_days = models.PositiveSmallIntegerField(
        _("进度反馈周期（天）"), default=7, validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    last_progress_at = models.DateTimeField(_("最近进度反馈"), null=True, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = RestrictedManager()
    access_scope = Scope(customer="customer", needs=CASE_NEEDS, also=_service_desk_q("department", ("owner",)))

    class Meta:
        verbose_name = _("客户需求")
        verbose_name_plural = _("客户需求")
        indexes = [
            models.Index(fields=["state", "id"]),
            models.Index(fields=["customer", "id"]),
            models.Index(fields=["owner", "id"]),
            models.Index(fields=["department", "id"]),
            models.Index(fields=["type", "id"]),
        ]

    def __str__(self) -> str:
        return self.number


class Consultation(TimeStampedModel, VersionedModel):
    """客户咨询: 咨询 → 记录 → 处理 → 跟踪 → 回访 (软件行业客户关系维护制度 第四章 3 "客户服务流程应包括
    客户咨询、问题记录、问题处理、反馈跟踪、客户回访等环节。每个环节均需指定责任人")."""

    number = models.CharField(_("咨询编号"), max_length=32, unique=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户名称"),
        on_delete=models.PROTECT,
        related_name="consultations",
        db_index=False,
    )
    contact_name = models.CharField(_("联系人"), max_length=80, blank=True)
    contact_phone = models.CharField(_("联系方式"), max_length=120, blank=True)
    channel = models.CharField(_("咨询方式"), max_length=16, choices=IntakeChannel.choices, default=IntakeChannel.PHONE)
    received_at = models.DateTimeField(_("咨询时间"), default=timezone.now)
    receiver = models.ForeignKey(
        USER,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    type = models.CharField(
        _("咨询类型"), max_length=16, choices=ConsultationTopic.choices, default=ConsultationTopic.PRODUCT
    )
    description = models.TextField(_("咨询内容"))
    department = models.CharField(
        _("责任部门"), max_length=32, choices=Department.choices, default=Department.CUSTOMER_SERVICE
    )
    owner = models.ForeignKey(
        USER,
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    state = models.CharField(
        _("状态"), max_length=16, choices=ConsultationState.choices, default=ConsultationState.RECORDED
    )
    answer = models.TextField(_("处理结果（答复）"), blank=True)
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    tracking_note = models.TextField(_("跟踪事项"), blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)

    objects = RestrictedManager()
    access_scope = Scope(
        customer="customer", needs=CASE_NEEDS, also=_service_desk_q("department", ("receiver", "owner"))
    )

    class Meta:
        verbose_name = _("客户咨询")
        verbose_name_plural = _("客户咨询")
        indexes = [
            models.Index(fields=["state", "id"]),
            models.Index(fields=["customer", "id"]),
            models.Index(fields=["owner", "id"]),
            models.Index(fields=["receiver", "id"]),
            models.Index(fields=["department", "id"]),
            models.Index(fields=["type", "id"]),
        ]

    def __str__(self) -> str:
        return self.number


class TicketMember(models.Model):
    """专项小组: the people (from several departments) working a complex problem (SOP 问题分析与定位)."""

    class Role(models.TextChoices):
        LEAD = "lead", _("组长")
        MEMBER = "member", _("组员")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="task_group", db_index=False)
    user = models.ForeignKey(USER, verbose_name=_("成员"), on_delete=models.PROTECT, related_name="+", db_index=False)
    department = models.CharField(_("部门"), max_length=32, choices=Department.choices, blank=True)
    role = models.CharField(_("角色"), max_length=8, choices=Role.choices, default=Role.MEMBER)
    added_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager()
    access_scope = Scope(
        customer="ticket__customer", needs={"view": "view"}, also=lambda u, a: _through_cases(("ticket",))(u, a)
    )

    class Meta:
        verbose_name = _("专项小组成员")
        verbose_name_plural = _("专项小组成员")
        constraints = [models.UniqueConstraint(fields=["ticket", "user"], name="servicedesk_member_once")]
        indexes = [models.Index(fields=["user", "ticket"])]

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.user_id}"


class TicketMilestone(models.Model):
    """A major point of a confirmed plan (修复完成、测试通过): reached, and told to the customer."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("节点"), max_length=200)
    planned_at = models.DateTimeField(_("计划时间"), null=True, blank=True)
    reached_at = models.DateTimeField(_("达成时间"), null=True, blank=True)
    told_customer_at = models.DateTimeField(_("告知客户时间"), null=True, blank=True)
    told_note = models.TextField(_("告知内容"), blank=True)
    reached_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedManager()
    access_scope = Scope(
        customer="ticket__customer", needs={"view": "view"}, also=lambda u, a: _through_cases(("ticket",))(u, a)
    )

    class Meta:
        verbose_name = _("方案节点")
        verbose_name_plural = _("方案节点")
        ordering = ["ticket", "planned_at", "id"]

    def __str__(self) -> str:
        return self.title


class TimelineEntry(models.Model):
    """Every transition and action on a record: who, when, from, to, note."""

    complaint = models.ForeignKey(Complaint, null=True, blank=True, on_delete=models.CASCADE, related_name="timeline")
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="timeline")
    demand = models.ForeignKey(Demand, null=True, blank=True, on_delete=models.CASCADE, related_name="timeline")
    consultation = models.ForeignKey(
        "Consultation", null=True, blank=True, on_delete=models.CASCADE, related_name="timeline"
    )
    actor = models.ForeignKey(USER, verbose_name=_("操作人"), null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"), default=timezone.now)
    action = models.CharField(_("操作"), max_length=40)
    from_state = models.CharField(_("原状态"), max_length=16, blank=True)
    to_state = models.CharField(_("新状态"), max_length=16, blank=True)
    note = models.TextField(_("说明"), blank=True)

    objects = RestrictedManager()
    access_scope = Scope(customer="", needs={"view": None}, also=_through_cases())

    class Meta:
        verbose_name = _("处理记录")
        verbose_name_plural = _("处理记录")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.action} {self.from_state}->{self.to_state}"


class SlaTarget(models.Model):
    """Per-urgency targets of problem tickets (editable data; defaults from SPEC M6)."""

    urgency = models.CharField(_("紧急程度"), max_length=8, choices=Urgency.choices, unique=True)
    response_minutes = models.PositiveIntegerField(_("响应时限（分钟）"))
    # At most 24 hours for every urgency (SOP 复杂问题 "24小时内形成《问题分析报告》").
    analysis_hours = models.PositiveIntegerField(
        _("复杂问题分析报告时限（小时）"), default=24, validators=[MinValueValidator(1), MaxValueValidator(24)]
    )
    progress_hours = models.PositiveIntegerField(_("进度同步间隔（小时）"), default=24)
    follow_up_working_days = models.PositiveIntegerField(_("关闭后回访（工作日）"), default=3)
    warn_percent = models.PositiveSmallIntegerField(_("预警点（时限已用百分比）"), default=80)

    class Meta:
        verbose_name = _("问题时限标准")
        verbose_name_plural = _("问题时限标准")

    def __str__(self) -> str:
        return str(self.get_urgency_display())


class SlaTimer(models.Model):
    """One deadline of one record; warned before, breached and escalated after, stopped when met."""

    complaint = models.ForeignKey(Complaint, null=True, blank=True, on_delete=models.CASCADE, related_name="timers")
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="timers")
    demand = models.ForeignKey(Demand, null=True, blank=True, on_delete=models.CASCADE, related_name="timers")
    consultation = models.ForeignKey(
        "Consultation", null=True, blank=True, on_delete=models.CASCADE, related_name="timers"
    )
    kind = models.CharField(_("时限"), max_length=16, choices=TimerKind.choices)
    owner = models.ForeignKey(
        USER, verbose_name=_("负责人"), null=True, blank=True, on_delete=models.SET_NULL, db_index=False
    )
    department = models.CharField(_("部门"), max_length=32, choices=Department.choices, blank=True)
    started_at = models.DateTimeField(_("开始"))
    due_at = models.DateTimeField(_("到期"))
    warn_at = models.DateTimeField(_("预警时间"))
    warned_at = models.DateTimeField(_("已预警"), null=True, blank=True)
    breached_at = models.DateTimeField(_("已超时"), null=True, blank=True)
    escalated_to = models.ForeignKey(
        USER, verbose_name=_("升级给"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    paused_at = models.DateTimeField(_("暂停于"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("完成于"), null=True, blank=True)

    objects = RestrictedManager()
    access_scope = Scope(customer="", needs={"view": None}, also=_through_cases())

    class Meta:
        verbose_name = _("时限")
        verbose_name_plural = _("时限")
        indexes = [
            models.Index(fields=["stopped_at", "breached_at", "due_at"]),
            models.Index(fields=["stopped_at", "warned_at", "warn_at"]),
            models.Index(fields=["department", "started_at"]),
            models.Index(fields=["owner", "started_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.due_at:%Y-%m-%d %H:%M}"

    def status(self, now=None) -> str:  # type: ignore[no-untyped-def]
        now = now or timezone.now()
        if self.stopped_at:
            return "late" if self.breached_at or self.stopped_at > self.due_at else "met"
        if self.breached_at or now >= self.due_at:
            return "breached"
        if now >= self.warn_at:
            return "warning"
        return "running"


class MailMessage(models.Model):
    """A mail received by the intake or sent as a reply; threaded by Message-ID."""

    complaint = models.ForeignKey(Complaint, null=True, blank=True, on_delete=models.CASCADE, related_name="mails")
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="mails")
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    direction = models.CharField(_("方向"), max_length=4, choices=MailDirection.choices)
    message_id = models.CharField(_("Message-ID"), max_length=300, db_index=True)
    in_reply_to = models.CharField(max_length=300, blank=True)
    references = models.TextField(blank=True)
    from_addr = models.CharField(_("发件人"), max_length=300, db_index=True)
    to_addrs = models.TextField(_("收件人"), blank=True)
    subject = models.CharField(_("主题"), max_length=300, blank=True)
    body = models.TextField(_("正文"), blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    sent_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    dismissed = models.BooleanField(_("已忽略"), default=False)

    objects = RestrictedManager()
    # Mail on a case is seen with the case; mail of a customer with the archive; unmatched mail
    # (no customer, no case) by the service desk, which assigns or dismisses it.
    access_scope = Scope(
        customer="customer",
        needs={"view": "view"},
        also=lambda user, action: (
            _through_cases(("complaint", "ticket"))(user, action)
            | (
                Q(customer__isnull=True, complaint__isnull=True, ticket__isnull=True)
                if roles.is_service_desk(user)
                else Q(pk__in=[])
            )
        ),
    )

    class Meta:
        verbose_name = _("邮件")
        verbose_name_plural = _("邮件")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["customer", "complaint", "ticket", "dismissed", "id"], name="sd_mail_unmatched")
        ]

    def __str__(self) -> str:
        return self.subject


class MailAttachment(models.Model):
    message = models.ForeignKey(MailMessage, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to="servicedesk/mail/%Y/%m/")
    filename = models.CharField(_("文件名"), max_length=255)
    content_type = models.CharField(max_length=120, blank=True)
    size = models.PositiveIntegerField(default=0)

    objects = RestrictedManager()
    access_scope = Scope(
        customer="",
        needs={"view": None},
        also=lambda user, action: Q(message__in=MailMessage.objects.restrict(user, "view").values("pk")),
    )

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.filename
