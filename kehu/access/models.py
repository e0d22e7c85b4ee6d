"""Access governance: rules as data, requests that become grants, the append-only access log,
in-app notifications, consent records and retention reviews (SPEC M12, PIPL)."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kehu.accounts.choices import Department, Level

from . import roles
from .choices import Action, ConsentMethod, GrantScope, LegalBasis, LogAction, Principal, RequestStatus
from .scoping import EVERYTHING, NOTHING, RestrictedManager, RestrictedQuerySet, Scope


class AccessRule(models.Model):
    """One line of the permission matrix: `principal` may do `action` on customers of `grade`.

    The policy ORs the active rules for an action into one queryset filter; the defaults are
    loaded by migration 0002 and documented in docs/permissions.md.
    """

    action = models.CharField(_("操作"), max_length=16, choices=Action.choices)
    grade = models.CharField(_("客户等级"), max_length=1, blank=True, help_text=_("留空表示所有等级"))
    principal = models.CharField(_("适用对象"), max_length=16, choices=Principal.choices)
    department = models.CharField(
        _("部门"),
        max_length=32,
        choices=Department.choices,
        blank=True,
        help_text=_("仅用于角色规则；留空表示任何部门"),
    )
    min_level = models.PositiveSmallIntegerField(_("最低级别"), choices=Level.choices, default=Level.STAFF)
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("访问规则")
        verbose_name_plural = _("访问规则")
        ordering = ["action", "grade", "principal", "department", "min_level"]

    def __str__(self) -> str:
        return f"{self.action}/{self.grade or '*'}/{self.principal}/{self.department or '*'}>={self.min_level}"


def _requests_q(user: Any, action: str) -> models.Q:
    """One's own requests; every request for the customer-service supervisors who decide them (六.4)."""
    return EVERYTHING if roles.is_cs_supervisor(user) else models.Q(requester=user)


def _auditors_q(user: Any, action: str) -> models.Q:
    return EVERYTHING if roles.can_read_audit(user) else NOTHING


def _admins_q(user: Any, action: str) -> models.Q:
    return EVERYTHING if roles.is_admin(user) else NOTHING


class AccessRequest(models.Model):
    """档案查询审批. Once approved it is the grant: valid while approved, not revoked and not past valid_until."""

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="access_requests",
        db_index=False,
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        on_delete=models.CASCADE,
        related_name="access_requests",
        db_index=False,
    )
    scope = models.CharField(_("范围"), max_length=16, choices=GrantScope.choices, default=GrantScope.ARCHIVE)
    purpose = models.TextField(_("用途"))
    valid_until = models.DateField(_("有效期至"))
    status = models.CharField(_("状态"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="access_decisions",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=300, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤销人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="access_revocations",
    )
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    objects = RestrictedManager()
    access_scope = Scope(customer="customer", needs={"view": None, "edit": None}, also=_requests_q)

    class Meta:
        verbose_name = _("档案查询申请")
        verbose_name_plural = _("档案查询申请")
        indexes = [
            # The policy's EXISTS probe: (customer, requester, status, valid_until).
            models.Index(fields=["customer", "requester", "status", "valid_until"]),
            models.Index(fields=["requester", "-id"]),
            models.Index(fields=["status", "-id"]),
        ]

    def __str__(self) -> str:
        return f"{self.requester} → {self.customer} ({self.get_status_display()})"


class AppendOnlyQuerySet(RestrictedQuerySet):
    """The access log is evidence: rows are only ever added."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise PermissionError("the access log is append-only")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise PermissionError("the access log is append-only")


class AccessLog(models.Model):
    user = models.ForeignKey(  # indexed by (user, -id) in Meta: one index less on every logged read
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    action = models.CharField(_("操作"), max_length=24, choices=LogAction.choices)
    # No FK: the log must outlive and never block changes to the archive.
    customer_id = models.BigIntegerField(_("客户 ID"), null=True, blank=True)
    customer_name = models.CharField(_("客户名称"), max_length=200, blank=True)
    object_type = models.CharField(_("对象类型"), max_length=60, blank=True)
    object_id = models.CharField(_("对象 ID"), max_length=64, blank=True)
    query = models.CharField(_("查询"), max_length=500, blank=True)
    rows = models.PositiveIntegerField(_("行数"), null=True, blank=True)
    detail = models.JSONField(_("筛选条件及详情"), default=dict, blank=True)
    grant = models.ForeignKey(
        AccessRequest, verbose_name=_("所用授权"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = AppendOnlyQuerySet.as_manager()
    access_scope = Scope(customer="", needs={"view": None}, also=_auditors_q)

    class Meta:
        verbose_name = _("访问日志")
        verbose_name_plural = _("访问日志")
        indexes = [
            models.Index(fields=["user", "-id"]),
            models.Index(fields=["customer_id", "-id"]),
            models.Index(fields=["action", "-id"]),
            models.Index(fields=["at"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.action} {self.customer_id or ''}"

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:  # type: ignore[override]
        raise PermissionError("the access log is append-only")


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    message = models.CharField(_("消息"), max_length=300)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        indexes = [models.Index(fields=["user", "read_at", "-id"])]

    def __str__(self) -> str:
        return self.message


class PersonalDataConsent(models.Model):
    """The legal basis (PIPL Art. 13, 28–29) for holding a key person's sensitive fields."""

    contact = models.ForeignKey(
        "customers.Contact", verbose_name=_("联系人"), on_delete=models.CASCADE, related_name="consents"
    )
    legal_basis = models.CharField(_("法律依据"), max_length=16, choices=LegalBasis.choices)
    given_on = models.DateField(_("日期"))
    method = models.CharField(_("方式"), max_length=16, choices=ConsentMethod.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤回登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = RestrictedManager()
    access_scope = Scope(
        customer="contact__customer", needs={"view": "view_sensitive", "edit": "view_sensitive"}, also=_admins_q
    )

    class Meta:
        verbose_name = _("个人信息处理依据")
        verbose_name_plural = _("个人信息处理依据")

    def __str__(self) -> str:
        return f"{self.contact_id} {self.get_legal_basis_display()}"


class RetentionReview(models.Model):
    """A customer with no business for RETENTION_YEARS, flagged for a human decision (never deleted silently)."""

    class Status(models.TextChoices):
        OPEN = "open", _("待审核")
        KEPT = "kept", _("继续保留")
        ARCHIVED = "archived", _("已归档")

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.CASCADE, related_name="retention_reviews"
    )
    last_business_on = models.DateField(_("最后业务日期"), null=True, blank=True)
    flagged_at = models.DateTimeField(_("标记时间"), auto_now_add=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("处理人"), null=True, blank=True, on_delete=models.PROTECT
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    objects = RestrictedManager()
    access_scope = Scope(customer="customer", needs={"view": None, "edit": None}, also=_admins_q)

    class Meta:
        verbose_name = _("保存期限审核")
        verbose_name_plural = _("保存期限审核")
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=models.Q(status="open"), name="one_open_retention_review"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.status}"
