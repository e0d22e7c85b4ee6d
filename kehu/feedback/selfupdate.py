"""Customers update their own contact data through a signed link (客户关系管理与维护措施 信息管理3:
"通过定期回访、客户自助更新等方式，及时获取客户的最新信息"). Staff review before anything applies,
and it applies through the customers app's own contact_update service (history, search, versions)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.core.exceptions import DomainError, InvalidTransition
from kehu.customers import services as customer_services
from kehu.customers.models import Contact

from . import links
from .choices import SelfUpdateStatus
from .models import SelfUpdateRequest

# Only the fields a contact may state about themselves; personal (sensitive) fields are never offered.
FIELDS = ("name", "position", "mobile", "direct_line", "email")
LINK_DAYS = 14


def selfupdate_path(request: SelfUpdateRequest) -> str:
    from django.urls import reverse

    return reverse("feedback_public:selfupdate", args=[links.make_token("u", request.pk, request.nonce)])


@transaction.atomic
def selfupdate_link_create(*, actor: Any, contact: Contact) -> SelfUpdateRequest:
    if not Contact.objects.restrict(actor, "edit").filter(pk=contact.pk).exists():
        raise DomainError(_("联系人不存在或您无权编辑。"))
    return SelfUpdateRequest.objects.create(
        customer_id=contact.customer_id,
        contact=contact,
        nonce=links.new_nonce(),
        expires_at=timezone.now() + dt.timedelta(days=LINK_DAYS),
        created_by=actor,
    )


class SelfUpdateRefused(DomainError):
    def __init__(self, message: str, *, status: int = 410) -> None:
        super().__init__(message)
        self.status = status


def request_for_token(token: str) -> SelfUpdateRequest:
    parsed = links.read_token(token, "u")
    found = None
    if parsed is not None:
        found = (
            SelfUpdateRequest.objects.unscoped("the contact behind a signed link reads their own request")
            .select_related("contact", "customer")
            .filter(pk=parsed[0], nonce=parsed[1])
            .first()
        )
    if found is None:
        raise SelfUpdateRefused(_("链接无效：请使用收到的完整链接。"), status=404)
    if found.status != SelfUpdateStatus.OPEN:
        raise SelfUpdateRefused(_("您已提交过更新，我们会尽快核对，本次未做任何修改。"))
    if found.expires_at <= timezone.now():
        raise SelfUpdateRefused(_("该链接已过期。如需更新资料，请联系您的客户经理。"))
    return found


def current_values(request: SelfUpdateRequest) -> dict[str, str]:
    return {field: str(getattr(request.contact, field) or "") for field in FIELDS}


@transaction.atomic
def selfupdate_submit(*, request: SelfUpdateRequest, data: Any) -> SelfUpdateRequest:
    locked = (
        SelfUpdateRequest.objects.unscoped("the contact behind a signed link").select_for_update().get(pk=request.pk)
    )
    if locked.status != SelfUpdateStatus.OPEN:
        raise SelfUpdateRefused(_("您已提交过更新，我们会尽快核对，本次未做任何修改。"))
    if not isinstance(data, dict):
        raise DomainError(_("提交的内容格式无效。"))
    current = current_values(request)
    proposed: dict[str, str] = {}
    for field in FIELDS:
        value = str(data.get(field, current[field]) or "").strip()[:120]
        if value != current[field]:
            proposed[field] = value
    if "name" in proposed and not proposed["name"]:
        raise DomainError(_("姓名不能为空。"), field_errors={"name": [_("姓名不能为空。")]})
    if proposed.get("email"):
        try:
            validate_email(proposed["email"])
        except ValidationError as exc:
            raise DomainError(_("电子邮箱格式无效。"), field_errors={"email": [_("电子邮箱格式无效。")]}) from exc
    if not proposed:
        raise DomainError(_("您没有修改任何内容。"))
    locked.proposed = proposed
    locked.status = SelfUpdateStatus.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.save(update_fields=["proposed", "status", "submitted_at"])
    return locked


@transaction.atomic
def selfupdate_review(*, actor: Any, request: SelfUpdateRequest, approve: bool) -> SelfUpdateRequest:
    """A staff member who may edit the customer applies (through contact_update) or rejects it."""
    if not SelfUpdateRequest.objects.restrict(actor, "edit").filter(pk=request.pk).exists():
        raise DomainError(_("记录不存在或您无权编辑。"))
    locked = (
        SelfUpdateRequest.objects.unscoped("re-read under a lock after restrict()")
        .select_for_update()
        .get(pk=request.pk)
    )
    if locked.status != SelfUpdateStatus.SUBMITTED:
        raise InvalidTransition(_("该更新不在待审核状态。"))
    if approve:
        contact = Contact.objects.unscoped("the contact of a request the actor may edit").get(pk=locked.contact_id)
        customer_services.contact_update(actor=actor, contact=contact, version=None, **locked.proposed)
    locked.status = SelfUpdateStatus.APPLIED if approve else SelfUpdateStatus.REJECTED
    locked.reviewed_by = actor
    locked.reviewed_at = timezone.now()
    locked.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    return locked
