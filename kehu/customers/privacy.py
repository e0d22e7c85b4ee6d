"""PIPL duties of the archive's key people: consent and its withdrawal (Art. 15, 28–29), a person's
copy of their data (Art. 45), erasure (Art. 47), and the retention review (Art. 19). Every step is
logged. They live with the contacts (the access app returns conditions and keeps the log; it does
not reach into the archive).

Erasure and withdrawal also scrub the contact's simple_history rows: the history keeps the
fact (who, when, a new row with the cleared values) but no longer the personal values.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.access import personal, roles, scoping
from kehu.access.audit import log_access
from kehu.access.choices import ConsentMethod, LegalBasis, LogAction
from kehu.access.conf import setting
from kehu.access.models import AccessLog, PersonalDataConsent, RetentionReview
from kehu.core.exceptions import DomainError, InvalidTransition
from kehu.core.exports import XlsxExport

from .models import Contact, Customer, Transaction

# The sensitive fields are the contact's declared personal fields (access.personal); identity
# fields go as well on erasure.
SENSITIVE_FIELDS = tuple(personal.personal_fields(Contact))
IDENTITY_FIELDS = ("name", "mobile", "direct_line", "email")
SKIPPED_IN_EXPORT = {"search_text", "personal_phone_index", "version"}


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _may_handle(actor: Any, contact: Any) -> bool:
    return "view_sensitive" in scoping.customer_rights(actor, contact.customer_id, ("view_sensitive",))


def _lock_contact(contact: Any) -> Any:
    locked: Any = Contact.objects.unscoped("the caller checked the right on this contact")
    return locked.select_for_update().select_related("customer").get(pk=contact.pk)


def _clear_contact(
    contact: Any, *, actor: Any, fields: tuple[str, ...], reason: str, placeholder_name: str = ""
) -> None:
    """Clear `fields` on the contact and in every history row of it; leave one new history row.

    The version is bumped so that a form someone still has open cannot write the old values back.
    """
    from .services import contact_search_document, customer_search_document

    blank = {name: "" for name in fields}
    if placeholder_name:
        blank["name"] = placeholder_name
    type(contact).history.model.objects.filter(id=contact.pk).update(**blank)
    for name, value in blank.items():
        setattr(contact, name, value)
    if "personal_phone" in fields:
        contact.personal_phone_index = ""
    if "mobile" in fields:
        contact.mobile_digits = ""
    if "birth_date" in fields:
        contact.birthday_is_lunar = False
    contact.search_text = contact_search_document(contact)
    contact.version += 1
    contact._history_user = actor
    contact._change_reason = reason
    contact.save()
    customer = contact.customer
    type(customer).objects.filter(pk=customer.pk).update(search_text=customer_search_document(customer))


@transaction.atomic
def consent_record(
    *, actor: Any, contact: Any, legal_basis: str, given_on: datetime.date, method: str
) -> PersonalDataConsent:
    _require(_may_handle(actor, contact), _("您无权登记该联系人的个人信息处理依据。"))
    errors: dict[str, list[str]] = {}
    if legal_basis not in LegalBasis.values:
        errors["legal_basis"] = [_("请选择法律依据。")]
    if method not in ConsentMethod.values:
        errors["method"] = [_("请选择方式。")]
    if given_on is None or given_on > timezone.localdate():
        errors["given_on"] = [_("日期不能晚于今天。")]
    if errors:
        raise DomainError(_("未保存，请检查输入。"), field_errors=errors)
    return PersonalDataConsent.objects.create(
        contact=contact, legal_basis=legal_basis, given_on=given_on, method=method, recorded_by=actor
    )


@transaction.atomic
def consent_withdraw(*, actor: Any, consent: PersonalDataConsent, request: Any = None) -> PersonalDataConsent:
    """The person withdrew consent: the sensitive fields go, the record of the withdrawal stays."""
    consent = (
        PersonalDataConsent.objects.unscoped("locked; the right is checked below")
        .select_for_update()
        .get(pk=consent.pk)
    )
    contact = _lock_contact(consent.contact)
    _require(_may_handle(actor, contact), _("您无权处理该联系人的个人信息。"))
    if consent.withdrawn_at is not None:
        raise InvalidTransition(_("该同意已撤回。"))
    consent.withdrawn_at = timezone.now()
    consent.withdrawn_by = actor
    consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
    _clear_contact(contact, actor=actor, fields=SENSITIVE_FIELDS, reason="consent withdrawn")
    log_access(
        user=actor,
        action=LogAction.CONSENT_WITHDRAW,
        customer=contact.customer,
        request=request,
        object_type="contact",
        object_id=contact.pk,
        detail={"consent": consent.pk, "cleared": list(SENSITIVE_FIELDS)},
    )
    return consent


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value)


def _row(obj: Any, skip: set[str] = SKIPPED_IN_EXPORT) -> dict[str, Any]:
    return {f.attname: _plain(getattr(obj, f.attname)) for f in obj._meta.concrete_fields if f.attname not in skip}


def person_export(*, actor: Any, contact: Any, request: Any = None) -> dict[str, Any]:
    """Everything held about one person: the contact, its history, consents, records of other apps
    that point at it, and the access log entries about it. Logged as person_export."""
    _require(
        roles.is_admin(actor) or _may_handle(actor, contact),
        _("您无权导出该联系人的个人信息。"),
    )
    related: dict[str, list[dict[str, Any]]] = {}
    history_model = type(contact).history.model
    for rel in contact._meta.related_objects:
        if rel.one_to_many and rel.related_model is not history_model:
            manager: Any = rel.related_model._default_manager
            if hasattr(manager, "unscoped"):
                manager = manager.unscoped("everything held about this person, for the person")
            rows = [_row(obj) for obj in manager.filter(**{rel.field.name: contact})]
            if rows:
                related[rel.related_model._meta.label] = rows
    history = [
        {**_row(h, SKIPPED_IN_EXPORT | {"history_change_reason"}), "history_change_reason": h.history_change_reason}
        for h in history_model.objects.filter(id=contact.pk).order_by("history_date")
    ]
    accesses = [
        _row(entry)
        for entry in AccessLog.objects.unscoped("the person's own access entries")
        .filter(object_type="contact", object_id=str(contact.pk))
        .order_by("id")
    ]
    data = {
        "exported_at": timezone.now().isoformat(),
        "exported_by": actor.username,
        "customer": {"id": contact.customer_id, "name": contact.customer.name},
        "contact": _row(contact),
        "history": history,
        "related": related,
        "access_log": accesses,
    }
    log_access(
        user=actor,
        action=LogAction.PERSON_EXPORT,
        customer=contact.customer,
        request=request,
        object_type="contact",
        object_id=contact.pk,
        rows=1 + len(history) + sum(len(v) for v in related.values()),
    )
    return data


def person_export_xlsx(data: dict[str, Any]) -> XlsxExport:
    """The same content as person_export, one sheet per section."""
    export = XlsxExport()
    sheet = export.sheet("contact", header=["field", "value"])
    for key, value in data["contact"].items():
        sheet.append([key, "" if value is None else str(value)])
    sections: dict[str, list[dict[str, Any]]] = {"history": data["history"], "access_log": data["access_log"]}
    sections.update(data["related"])
    for title, rows in sections.items():
        table = export.sheet(title)
        if not rows:
            continue
        columns = list(rows[0])
        table.header(columns)
        for row in rows:
            table.append(["" if row.get(c) is None else str(row.get(c)) for c in columns])
    return export


@transaction.atomic
def person_erase(*, actor: Any, contact: Any, reason: str, request: Any = None) -> Any:
    """Anonymise a person on request: the contact row, its business links (interactions,
    transactions of the customer) stay; name, phones, e-mail and the sensitive fields are gone,
    also from the history. Admins only."""
    _require(roles.is_admin(actor), _("只有管理员可以删除个人信息。"))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            _("请填写删除依据。"), field_errors={"reason": [_("请填写删除依据（如个人请求的日期与编号）。")]}
        )
    contact = _lock_contact(contact)
    placeholder = _("已删除的联系人 #%(id)s") % {"id": contact.pk}
    _clear_contact(
        contact,
        actor=actor,
        fields=IDENTITY_FIELDS + SENSITIVE_FIELDS,
        reason="erased on request",
        placeholder_name=placeholder,
    )
    log_access(
        user=actor,
        action=LogAction.PERSON_ERASE,
        customer=contact.customer,
        request=request,
        object_type="contact",
        object_id=contact.pk,
        detail={"reason": reason[:300], "cleared": list(IDENTITY_FIELDS + SENSITIVE_FIELDS)},
    )
    return contact


@transaction.atomic
def retention_flag(*, actor: Any = None, today: datetime.date | None = None) -> int:
    """Open a review for every active customer with no transaction for RETENTION_YEARS years
    (and created before then). Nothing is deleted or archived here."""
    today = today or timezone.localdate()
    years = int(setting("RETENTION_YEARS"))
    try:
        cutoff = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        cutoff = today.replace(year=today.year - years, day=28)
    recent_business = Transaction.objects.filter(customer=OuterRef("pk"), occurred_on__gte=cutoff)
    open_review = RetentionReview.objects.filter(customer=OuterRef("pk"), status=RetentionReview.Status.OPEN)
    stale = (
        Customer.objects.filter(is_archived=False, created_at__date__lt=cutoff)
        .filter(~Exists(recent_business), ~Exists(open_review))
        .annotate(last_business=Max("transactions__occurred_on"))
        .values_list("pk", "last_business")
    )
    reviews = [RetentionReview(customer_id=pk, last_business_on=last) for pk, last in stale.iterator(chunk_size=2000)]
    RetentionReview.objects.bulk_create(reviews, batch_size=1000)
    AccessLog.objects.create(
        user=actor,
        action=LogAction.RETENTION_FLAG,
        rows=len(reviews),
        detail={"cutoff": cutoff.isoformat(), "years": years},
    )
    return len(reviews)


@transaction.atomic
def retention_decide(*, actor: Any, review: RetentionReview, archive: bool) -> RetentionReview:
    """A human decides: keep the customer active, or archive it (is_archived, never deleted)."""
    _require(roles.is_admin(actor), _("只有管理员可以处理保存期限审核。"))
    review = (
        RetentionReview.objects.restrict(actor, "edit").select_for_update().select_related("customer").get(pk=review.pk)
    )
    if review.status != RetentionReview.Status.OPEN:
        raise InvalidTransition(_("该审核已处理。"))
    review.status = RetentionReview.Status.ARCHIVED if archive else RetentionReview.Status.KEPT
    review.decided_by = actor
    review.decided_at = timezone.now()
    review.save(update_fields=["status", "decided_by", "decided_at"])
    if archive:
        customer = (
            Customer.objects.unscoped("an admin's retention decision").select_for_update().get(pk=review.customer_id)
        )
        customer.is_archived = True
        customer.version += 1
        customer._history_user = actor  # type: ignore[attr-defined]
        customer._change_reason = "retention review: archived"  # type: ignore[attr-defined]
        customer.save()
    return review
