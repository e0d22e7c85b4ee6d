"""The contact engine (SPEC M2 policies, M3, M4, M9 care, M10 boards).

Every row that belongs to a customer has a `customer` FK, so it is scoped through
`Model.objects.restrict(user, action)` (access_scope below) and follows a customer merge.
ContactPlan is one-to-one with the customer (a merge leaves it with the archived one).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kehu.access import roles
from kehu.access.scoping import EVERYTHING, RestrictedManager, Scope
from kehu.core.models import TimeStampedModel, VersionedModel
from kehu.customers.choices import Channel

from .choices import (
    BoardPeriod,
    BoardState,
    CareAction,
    CareKind,
    CareStatus,
    FollowUpStatus,
    FollowUpType,
    JobStatus,
    PolicyScope,
    ReminderKind,
    Responsible,
)

User = settings.AUTH_USER_MODEL


def _assigned_to(user: Any, action: str) -> Q:
    """The person a plan, visit or care item is assigned to works on it whatever the archive rule:
    a customer-service visit after an A-grade complaint is customer service's job (回访制度)."""
    return Q(assignee=user)


def _birthday_rows() -> Q:
    return Q(kind=CareKind.BIRTHDAY)


def _board_owner_chain(user: Any, action: str) -> Q:
    """A board card is its owner's, and their managers' (roles.managed_users_q), and admins'."""
    if roles.is_admin(user):
        return EVERYTHING
    return Q(owner=user) | roles.managed_users_q(user, prefix="owner__")


def _anyone(user: Any, action: str) -> Q:
    return EVERYTHING


class MaintenancePolicy(VersionedModel):
    """One row of the SPEC M2 table: contact frequency for a grade or a priority. Editable data."""

    scope = models.CharField(_("适用范围"), max_length=16, choices=PolicyScope.choices)
    key = models.CharField(_("等级/优先级"), max_length=16)
    phone_every_days = models.PositiveSmallIntegerField(_("电话联络周期（天）"), null=True, blank=True)
    visit_every_months = models.PositiveSmallIntegerField(_("拜访周期（月）"), null=True, blank=True)
    visit_whom = models.CharField(_("拜访人员"), max_length=200, blank=True)
    responsible = models.CharField(_("负责人"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("维护策略")
        verbose_name_plural = _("维护策略")
        ordering = ["scope", "key"]
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="engagement_policy_scope_key")]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} {self.key_label}"

    @property
    def key_label(self) -> str:
        from kehu.customers.choices import Grade, Priority

        choices = Grade if self.scope == PolicyScope.GRADE else Priority
        return str(dict(choices.choices).get(self.key, self.key))


class ReplanJob(TimeStampedModel):
    """A background re-plan of every contact plan a policy governs, with progress."""

    policy = models.ForeignKey(MaintenancePolicy, null=True, blank=True, on_delete=models.SET_NULL)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("状态"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    total = models.PositiveIntegerField(_("总数"), default=0)
    processed = models.PositiveIntegerField(_("已处理"), default=0)
    message = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("重新排期任务")
        verbose_name_plural = _("重新排期任务")

    def __str__(self) -> str:
        return f"{self.pk} {self.status} {self.processed}/{self.total}"

    @property
    def progress(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return int(100 * self.processed / self.total) if self.total else 0


class ContactPlan(models.Model):
    """联络计划: the customer's next due phone contact and visit under its policy."""

    customer = models.OneToOneField(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.CASCADE, related_name="contact_plan"
    )
    # indexed by (assignee, next_due_on) and (assignee, id) in Meta (ADR 0006, redundant indexes)
    assignee = models.ForeignKey(
        User, verbose_name=_("负责人"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    phone_every_days = models.PositiveSmallIntegerField(_("电话联络周期（天）"), null=True, blank=True)
    visit_every_months = models.PositiveSmallIntegerField(_("拜访周期（月）"), null=True, blank=True)
    visit_whom = models.CharField(_("拜访人员"), max_length=200, blank=True)
    anchor_on = models.DateField(_("计划起始日"))
    last_phone_on = models.DateField(_("上次电话联络"), null=True, blank=True)
    last_visit_on = models.DateField(_("上次拜访"), null=True, blank=True)
    last_contact_on = models.DateField(_("上次沟通时间"), null=True, blank=True)
    next_phone_on = models.DateField(_("下次电话联络"), null=True, blank=True)
    next_visit_on = models.DateField(_("下次拜访"), null=True, blank=True)
    next_due_on = models.DateField(_("下次沟通计划"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()
    access_scope = Scope(customer="customer", needs={"view": "view", "edit": "view"}, also=_assigned_to)

    class Meta:
        verbose_name = _("联络计划")
        verbose_name_plural = _("联络计划")
        indexes = [
            models.Index(fields=["assignee", "next_due_on"]),
            models.Index(fields=["next_due_on", "id"]),
            # the plan list's sorts (issue 11): keyset on (key, id), read both ways
            models.Index(fields=["last_contact_on", "id"]),
            models.Index(fields=["assignee", "id"]),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.next_due_on}"


class Interaction(TimeStampedModel):
    """沟通记录: one logged contact."""

    customer = models.ForeignKey(  # indexed by (customer, -occurred_at) in Meta
        "customers.Customer",
        verbose_name=_("客户"),
        on_delete=models.CASCADE,
        related_name="interactions",
        db_index=False,
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("联系人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    channel = models.CharField(_("沟通方式"), max_length=16, choices=Channel.choices)
    occurred_at = models.DateTimeField(_("沟通时间"))
    people = models.CharField(_("参与人员"), max_length=300, blank=True)
    subject = models.CharField(_("主题"), max_length=200, blank=True)
    content = models.TextField(_("沟通内容"))
    outcome = models.TextField(_("结果"), blank=True)
    next_steps = models.TextField(_("后续事项"), blank=True)
    actor = models.ForeignKey(  # indexed by (actor, id) in Meta
        User, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    search_text = models.TextField(editable=False, default="")

    objects = RestrictedManager()
    access_scope = Scope(customer="customer", needs={"view": "view", "edit": "edit", "export": "export"})

    class Meta:
        verbose_name = _("沟通记录")
        verbose_name_plural = _("沟通记录")
        indexes = [
            models.Index(fields=["customer", "-occurred_at"]),
            models.Index(fields=["channel", "-id"]),
            # the interaction list's sorts (issue 11): keyset on (key, id), read both ways (also
            # newest first for one actor: (actor, -id) was the same index backwards, dropped)
            models.Index(fields=["occurred_at", "id"]),
            models.Index(fields=["actor", "id"]),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.channel} {self.occurred_at:%Y-%m-%d}"


class Questionnaire(models.Model):
    """The questions asked in a follow-up visit of one type (editable by admins)."""

    type = models.CharField(_("回访类型"), max_length=24, choices=FollowUpType.choices, unique=True)
    questions = models.JSONField(_("问题"), default=list)

    class Meta:
        verbose_name = _("回访问卷")
        verbose_name_plural = _("回访问卷")

    def __str__(self) -> str:
        return self.get_type_display()


class FollowUp(TimeStampedModel, VersionedModel):
    """回访: planned from an event or a clock, assigned, done with answers and a score."""

    # customer, assignee, done_by and served_by are indexed by the composites in Meta that start with them
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        on_delete=models.CASCADE,
        related_name="followups",
        db_index=False,
    )
    type = models.CharField(_("回访类型"), max_length=24, choices=FollowUpType.choices)
    # Generic reference to what caused it (transaction, complaint, ticket, demand, clock ...): no import of its app.
    source_type = models.CharField(_("来源类型"), max_length=24, blank=True)
    source_id = models.CharField(_("来源编号"), max_length=40, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    responsible = models.CharField(_("责任部门"), max_length=24, choices=Responsible.choices)
    assignee = models.ForeignKey(
        User, verbose_name=_("回访人"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    due_on = models.DateField(_("截止日期"))
    status = models.CharField(_("状态"), max_length=16, choices=FollowUpStatus.choices, default=FollowUpStatus.PLANNED)
    done_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    on_time = models.BooleanField(_("按时完成"), null=True, blank=True)
    channel = models.CharField(_("回访方式"), max_length=16, choices=Channel.choices, blank=True)
    answers = models.JSONField(_("问卷答复"), default=dict, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("满意度（1-5）"), null=True, blank=True)
    actions = models.TextField(_("后续行动"), blank=True)
    action_department = models.CharField(_("转交部门"), max_length=32, blank=True)
    # 回访制度细则 二.2 "收集客户对公司客服服务质量的评价，如服务态度、响应速度、解决问题的能力等" and
    # 投诉处理方案 八.2 "作为对客户服务部工作的评价依据": whose service is rated, on each dimension.
    served_by = models.ForeignKey(
        User,
        verbose_name=_("服务人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    attitude = models.PositiveSmallIntegerField(_("服务态度（1-5）"), null=True, blank=True)
    speed = models.PositiveSmallIntegerField(_("响应速度（1-5）"), null=True, blank=True)
    ability = models.PositiveSmallIntegerField(_("解决能力（1-5）"), null=True, blank=True)

    objects = RestrictedManager()
    access_scope = Scope(customer="customer", needs={"view": "view", "edit": "view"}, also=_assigned_to)

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        constraints = [
            models.UniqueConstraint(
                fields=["type", "source_type", "source_id"],
                condition=~models.Q(source_id=""),
                name="engagement_followup_once_per_source",
            )
        ]
        indexes = [
            models.Index(fields=["assignee", "status", "due_on"]),
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["customer", "-due_on"]),
            models.Index(fields=["type", "status"]),
            models.Index(fields=["done_by", "due_on"]),
            models.Index(fields=["served_by", "due_on"]),
            # the follow-up list's sorts (issue 11): keyset on (key, id), read both ways
            models.Index(fields=["due_on", "id"]),
            models.Index(fields=["assignee", "id"]),
            models.Index(fields=["status", "id"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.customer_id} {self.due_on}"


class FollowUpAction(TimeStampedModel):
    """A follow-up action routed to a department (回访制度细则 二.1 "将客户反馈的有价值信息及时传递给相关部门";
    回访制度细则 一.3 有效性原则 "及时采取有效措施进行处理和改进"): a task with an owner and a due date."""

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        DONE = "done", _("已完成")

    followup = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="action_tasks")
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.CASCADE, related_name="followup_actions"
    )
    description = models.TextField(_("后续行动"))
    department = models.CharField(_("负责部门"), max_length=32)
    owner = models.ForeignKey(
        User, verbose_name=_("负责人"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    due_on = models.DateField(_("完成期限"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_note = models.TextField(_("处理结果"), blank=True)

    objects = RestrictedManager()
    # The owner works on it whatever the archive rule (like an assigned visit).
    access_scope = Scope(
        customer="customer", needs={"view": "view", "edit": "view"}, also=lambda user, action: Q(owner=user)
    )

    class Meta:
        verbose_name = _("回访后续任务")
        verbose_name_plural = _("回访后续任务")
        indexes = [
            models.Index(fields=["owner", "status", "due_on"]),
            models.Index(fields=["department", "status", "due_on"]),
            models.Index(fields=["status", "due_on"]),
        ]

    def __str__(self) -> str:
        return self.description[:40]


class CareItem(TimeStampedModel):
    """客户关怀: a greeting or gift planned N days before an occasion, and what was sent."""

    customer = models.ForeignKey(  # indexed by (customer, -occasion_on) in Meta
        "customers.Customer",
        verbose_name=_("客户"),
        on_delete=models.CASCADE,
        related_name="care_items",
        db_index=False,
    )
    contact = models.ForeignKey(
        "customers.Contact", verbose_name=_("联系人"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=CareKind.choices)
    occasion = models.CharField(_("场合"), max_length=60)
    occasion_on = models.DateField(_("日期"))
    plan_on = models.DateField(_("计划日期"))
    action = models.CharField(_("方式"), max_length=16, choices=CareAction.choices, default=CareAction.GREETING)
    assignee = models.ForeignKey(  # indexed by (assignee, status, plan_on) in Meta
        User, verbose_name=_("负责人"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    status = models.CharField(_("状态"), max_length=16, choices=CareStatus.choices, default=CareStatus.PLANNED)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    sent_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    record = models.CharField(_("发送内容"), max_length=300, blank=True)
    # Gifts (by grade, as CareRule says) need approval before they are bought and sent.
    gift = models.CharField(_("礼品"), max_length=120, blank=True)
    budget = models.DecimalField(_("预算（元）"), max_digits=10, decimal_places=2, null=True, blank=True)
    approved_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    # customer:contact:kind:occasion:date, so a sweep run twice plans nothing twice.
    key = models.CharField(max_length=120, unique=True, editable=False)

    objects = RestrictedManager()
    # A birthday item carries a key person's birth date: it needs view_sensitive (SPEC M12).
    access_scope = Scope(
        customer="customer",
        needs={"view": "view", "edit": "view"},
        sensitive_rows=_birthday_rows,
        also=lambda user, action: _assigned_to(user, action) & ~_birthday_rows(),
    )

    class Meta:
        verbose_name = _("关怀事项")
        verbose_name_plural = _("关怀事项")
        indexes = [
            models.Index(fields=["assignee", "status", "plan_on"]),
            models.Index(fields=["status", "plan_on"]),
            models.Index(fields=["customer", "-occasion_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.occasion} {self.customer_id} {self.occasion_on}"


class CareRule(models.Model):
    """The care policy as data: for an occasion kind (and optionally one occasion, e.g. 春节) and a
    grade ("" = every grade), a greeting or a gift with its budget, sent `lead_days` ahead."""

    kind = models.CharField(_("类型"), max_length=16, choices=CareKind.choices)
    occasion = models.CharField(_("场合"), max_length=60, blank=True, help_text=_("留空表示该类型的全部场合"))
    grade = models.CharField(_("客户等级"), max_length=1, blank=True, help_text=_("留空表示全部等级"))
    action = models.CharField(_("方式"), max_length=16, choices=CareAction.choices, default=CareAction.GREETING)
    gift = models.CharField(_("礼品"), max_length=120, blank=True)
    budget = models.DecimalField(_("预算（元）"), max_digits=10, decimal_places=2, null=True, blank=True)
    lead_days = models.PositiveSmallIntegerField(_("提前天数"), default=1)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("关怀规则")
        verbose_name_plural = _("关怀规则")
        ordering = ["kind", "occasion", "grade", "action"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occasion or '*'} {self.grade or '*'} {self.get_action_display()}"


class BoardItem(TimeStampedModel, VersionedModel):
    """A card of the customer-service work board (看板): the week's or month's focus."""

    owner = models.ForeignKey(
        User, verbose_name=_("负责人"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    period = models.CharField(_("看板"), max_length=8, choices=BoardPeriod.choices, default=BoardPeriod.WEEK)
    title = models.CharField(_("标题"), max_length=200)
    note = models.TextField(_("说明"), blank=True)
    planned_on = models.DateField(_("日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=8, choices=BoardState.choices, default=BoardState.TODO)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="board_items",
    )
    followup = models.ForeignKey(FollowUp, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Link to another app's record (complaint, ticket ...) without importing it.
    link_type = models.CharField(max_length=24, blank=True)
    link_id = models.CharField(max_length=40, blank=True)

    objects = RestrictedManager()
    access_scope = Scope(
        customer="customer",
        needs={"view": "view", "edit": "view"},
        unowned=_anyone,
        within=_board_owner_chain,
        also=lambda user, action: Q(owner=user),  # one's own cards, whatever they link to
    )

    class Meta:
        verbose_name = _("看板事项")
        verbose_name_plural = _("看板事项")
        indexes = [models.Index(fields=["owner", "period", "planned_on"]), models.Index(fields=["planned_on", "id"])]

    def __str__(self) -> str:
        return self.title


class Reminder(models.Model):
    """One reminder sent for one item and due date: the unique key makes a second sweep send nothing."""

    item_type = models.CharField(max_length=16)
    item_id = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=8, choices=ReminderKind.choices)
    due_on = models.DateField()
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("提醒记录")
        verbose_name_plural = _("提醒记录")
        constraints = [
            models.UniqueConstraint(fields=["item_type", "item_id", "kind", "due_on"], name="engagement_reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.item_type}:{self.item_id} {self.kind} {self.due_on}"
