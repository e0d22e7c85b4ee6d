"""Writes of access governance: requests and grants, notifications. Every write is atomic,
takes an explicit actor and leaves its trace (decision fields, access log, notification)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.core.exceptions import DomainError, InvalidTransition

from .. import roles, scoping
from ..choices import GrantScope, RequestStatus
from ..models import AccessRequest, Notification
from ..selectors import forget_unread_count

MAX_GRANT_DAYS = 90


def notify(*, user: Any, message: str, url: str = "") -> Notification:
    from ..signals import notified

    forget_unread_count(user.pk)
    note = Notification.objects.create(user=user, message=message[:300], url=url)
    notified.send(sender=Notification, notification=note)
    return note


def _approvers() -> Any:
    return roles.cs_supervisors()


@transaction.atomic
def access_request_create(
    *, actor: Any, customer: Any, purpose: str, valid_until: datetime.date, scope: str = GrantScope.ARCHIVE
) -> AccessRequest:
    errors: dict[str, list[str]] = {}
    purpose = (purpose or "").strip()
    today = timezone.localdate()
    if not purpose:
        errors["purpose"] = [_("请说明查询用途。")]
    if valid_until is None or valid_until < today:
        errors["valid_until"] = [_("有效期不能早于今天。")]
    elif valid_until > today + datetime.timedelta(days=MAX_GRANT_DAYS):
        errors["valid_until"] = [_("有效期最长 %(days)d 天。") % {"days": MAX_GRANT_DAYS}]
    if scope not in GrantScope.values:
        errors["scope"] = [_("无效的范围。")]
    if customer is None or "list" not in scoping.customer_rights(actor, customer.pk, ("list",)):
        errors["customer"] = [_("客户不存在或您无权查看。")]
    if errors:
        raise DomainError(_("申请未提交，请检查输入。"), field_errors=errors)
    if (
        AccessRequest.objects.restrict(actor, "view")
        .filter(requester=actor, customer=customer, status=RequestStatus.PENDING)
        .exists()
    ):
        raise DomainError(_("您已有一份待审批的申请。"), field_errors={"customer": [_("该客户已有您待审批的申请。")]})
    needed = "view_sensitive" if scope == GrantScope.SENSITIVE else "view"
    if needed in scoping.customer_rights(actor, customer.pk, (needed,)):
        raise DomainError(_("您已有该权限，无需申请。"), field_errors={"scope": [_("您已有该权限，无需申请。")]})
    request = AccessRequest.objects.create(
        requester=actor, customer=customer, purpose=purpose, valid_until=valid_until, scope=scope
    )
    url = reverse("access:home")
    for approver in _approvers().exclude(pk=actor.pk):
        notify(
            user=approver,
            message=_("%(user)s 申请查询客户「%(customer)s」档案") % {"user": actor, "customer": customer.name},
            url=url,
        )
    return request


def _locked(request: AccessRequest) -> AccessRequest:
    locked: Any = AccessRequest.objects.unscoped("locked for a decision; the decider is checked by the caller")
    return locked.select_for_update().select_related("customer", "requester").get(pk=request.pk)


@transaction.atomic
def access_request_approve(*, actor: Any, request: AccessRequest, note: str = "") -> AccessRequest:
    return _decide(actor=actor, request=request, note=note, approve=True)


@transaction.atomic
def access_request_reject(*, actor: Any, request: AccessRequest, note: str = "") -> AccessRequest:
    return _decide(actor=actor, request=request, note=note, approve=False)


def _decide(*, actor: Any, request: AccessRequest, note: str, approve: bool) -> AccessRequest:
    if not roles.is_cs_supervisor(actor):
        raise PermissionDenied(_("只有客服主管可以审批档案查询申请。"))
    request = _locked(request)
    if request.requester_id == actor.pk:
        raise PermissionDenied(_("不能审批自己的申请。"))
    if request.status != RequestStatus.PENDING:
        raise InvalidTransition(_("该申请已处理，不能再次审批。"))
    if approve and request.valid_until < timezone.localdate():
        raise InvalidTransition(_("申请的有效期已过，请申请人重新提交。"))
    request.status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = (note or "").strip()[:300]
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    if approve:
        message = _("您对客户「%(customer)s」的档案查询申请已批准，有效期至 %(date)s。") % {
            "customer": request.customer.name,
            "date": request.valid_until.isoformat(),
        }
    else:
        message = _("您对客户「%(customer)s」的档案查询申请被驳回。") % {"customer": request.customer.name}
    notify(user=request.requester, message=message, url=reverse("access:home"))
    notify(user=actor, message=_("您已处理 %(user)s 的档案查询申请。") % {"user": request.requester}, url="")
    return request


@transaction.atomic
def access_request_revoke(*, actor: Any, request: AccessRequest, note: str = "") -> AccessRequest:
    """Approvers revoke a grant; the requester may give up their own grant or withdraw a pending request."""
    request = _locked(request)
    own = request.requester_id == actor.pk
    if not (own or roles.is_cs_supervisor(actor)):
        raise PermissionDenied(_("只有客服主管或申请人本人可以撤销授权。"))
    if request.status not in (RequestStatus.APPROVED, RequestStatus.PENDING):
        raise InvalidTransition(_("只有待审批或已批准的申请可以撤销。"))
    request.status = RequestStatus.REVOKED
    request.revoked_by = actor
    request.revoked_at = timezone.now()
    if note:
        request.decision_note = note.strip()[:300]
    request.save(update_fields=["status", "revoked_by", "revoked_at", "decision_note"])
    if not own:
        notify(
            user=request.requester,
            message=_("您对客户「%(customer)s」的查询授权已被撤销。") % {"customer": request.customer.name},
            url=reverse("access:home"),
        )
    return request


@transaction.atomic
def access_grants_expire() -> int:
    """Mark lapsed grants as expired for display. Access already ended: the policy checks valid_until."""
    return (
        AccessRequest.objects.unscoped("nightly relabelling of lapsed grants")
        .filter(status__in=[RequestStatus.APPROVED, RequestStatus.PENDING], valid_until__lt=timezone.localdate())
        .update(status=RequestStatus.EXPIRED)
    )


@transaction.atomic
def notifications_mark_read(*, actor: Any) -> int:
    forget_unread_count(actor.pk)
    return Notification.objects.filter(user=actor, read_at__isnull=True).update(read_at=timezone.now())
