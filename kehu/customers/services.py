"""Writes to the customer archive. One function per business action, each atomic."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.access import scoping
from kehu.core import events, search
from kehu.core.bulk import Row
from kehu.core.crypto import blind_index
from kehu.core.exceptions import DomainError
from kehu.core.files import remove_quietly, save_verified
from kehu.core.numbering import next_number
from kehu.core.versioning import save_versioned

from .choices import InfoSource
from .models import (
    DOCUMENT_ORDER,
    AnnualSales,
    ArchiveUpdate,
    Contact,
    Customer,
    CustomerDocument,
    DocumentKind,
    DocumentVersion,
    Transaction,
)

# Suffixes people add or leave out for the same company; dropped for duplicate matching only.
_NAME_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团", "公司")


def normalise_name(name: str) -> str:
    text = "".join(unicodedata.normalize("NFKC", name or "").lower().split())
    text = text.replace("(", "").replace(")", "")
    for suffix in _NAME_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    return text


def phone_digits(phone: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", phone or "") if ch.isdigit())


def customer_search_document(customer: Customer | Row, contacts: Sequence[Contact | Row] | None = None) -> str:
    """The search document of a customer and its contacts: model instances, or a bulk load's rows."""
    if contacts is None:
        contacts = list(customer.contacts.all()) if isinstance(customer, Customer) and customer.pk else []
    return search.build_document(
        texts=[customer.name, customer.archive_no, customer.region, customer.address]
        + [c.name for c in contacts]
        + [c.position for c in contacts],
        phones=[customer.phone, customer.fax] + [c.mobile for c in contacts] + [c.direct_line for c in contacts],
        emails=[customer.email] + [c.email for c in contacts],
    )


def contact_search_document(contact: Contact | Row) -> str:
    return search.build_document(
        texts=[contact.name, contact.position], phones=[contact.mobile, contact.direct_line], emails=[contact.email]
    )


def _history(obj: Model, actor: Any) -> None:
    """History row for a write that went through an UPDATE (optimistic lock) rather than save()."""
    obj._history_user = actor  # type: ignore[attr-defined]
    type(obj).history.bulk_history_create([obj], update=True, default_user=actor)  # type: ignore[attr-defined]


def _clean(obj: Model, *, exclude: list[str]) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_unique=False)
    except ValidationError as exc:
        raise DomainError(_("输入有误，请检查标出的字段。"), field_errors=exc.message_dict) from exc


def _record_update(
    *, actor: Any, customer: Customer, learned_at: dt.datetime | None, source: str, summary: str
) -> ArchiveUpdate:
    now = timezone.now()
    learned = learned_at or now
    if learned > now + dt.timedelta(minutes=5):
        raise DomainError(
            _("信息获取时间不能晚于当前时间。"), field_errors={"learned_at": [_("信息获取时间不能晚于当前时间。")]}
        )
    delay = max(int((now - learned).total_seconds() // 3600), 0)
    return ArchiveUpdate.objects.create(
        customer=customer,
        actor=actor,
        learned_at=learned,
        entered_at=now,
        delay_hours=delay,
        source=source,
        summary=summary[:300],
    )


def _normalise_customer(customer: Customer) -> None:
    customer.name = " ".join((customer.name or "").split())
    customer.email = (customer.email or "").strip().lower()
    customer.name_key = normalise_name(customer.name)
    customer.phone_digits = phone_digits(customer.phone)


_COMPUTED = {"name_key", "phone_digits", "search_text"}


def require_right(actor: Any, action: str, customer: Customer) -> None:
    """Every write checks its right itself (not only the view that called it): one query."""
    if action not in scoping.customer_rights(actor, customer.pk, (action,)):
        raise PermissionDenied(_("您无权修改该客户的档案。") if action == "edit" else _("您无权执行此操作。"))


def _check_annual_sales(annual_sales: dict[int, Any] | None) -> dict[int, Any]:
    """客户档案表 "公司近3年销售业绩": one amount per year of the last three, never negative."""
    from decimal import Decimal, InvalidOperation

    this_year = timezone.localdate().year
    cleaned: dict[int, Any] = {}
    errors: list[str] = []
    for year, amount in (annual_sales or {}).items():
        try:
            year = int(year)
            value = Decimal(str(amount))
        except (TypeError, ValueError, InvalidOperation):
            errors.append(_("销售额须为数字：%(year)s") % {"year": year})
            continue
        if not this_year - 3 <= year <= this_year:
            errors.append(
                _("近三年销售额只记 %(first)s 至 %(last)s 年。") % {"first": this_year - 3, "last": this_year}
            )
        elif value < 0 or value >= Decimal("1e14"):
            errors.append(_("%(year)s 年销售额无效。") % {"year": year})
        else:
            cleaned[year] = value
    if errors:
        raise DomainError(_("输入有误，请检查标出的字段。"), field_errors={"annual_sales": errors})
    return cleaned


def _check_account_manager(customer: Customer) -> None:
    """The designated person must be able to open the archive (A 级: 市场营销经理级以上, 六.3)."""
    person = customer.account_manager
    if person is not None and customer.pk and "view" not in scoping.customer_rights(person, customer.pk, ("view",)):
        message = _("%(person)s 无权查看该客户档案，不能担任专属客户经理。") % {"person": person}
        raise DomainError(message, field_errors={"account_manager": [message]})


@transaction.atomic
def customer_create(
    *,
    actor: Any,
    name: str,
    owner: Any = None,
    learned_at: dt.datetime | None = None,
    source: str = "",
    annual_sales: dict[int, Any] | None = None,
    first_contact: dict[str, Any] | None = None,
    **fields: Any,
) -> Customer:
    """Open an archive (anyone who brings a new customer may; keeping it is marketing's, 七.1).
    `first_contact` is the key person entered with it, part of the same act of creation."""
    customer = Customer(name=name, owner=owner or actor, archive_no=next_number("KH"), **fields)
    if source and not customer.info_source:
        customer.info_source = source
    _normalise_customer(customer)
    _clean(customer, exclude=[*_COMPUTED, "score"])
    annual_sales = _check_annual_sales(annual_sales)
    customer.search_text = customer_search_document(customer)
    customer._history_user = actor  # type: ignore[attr-defined]
    customer.save()
    _check_account_manager(customer)
    for year, amount in annual_sales.items():
        AnnualSales.objects.create(customer=customer, year=year, amount=amount)
    if first_contact:
        _contact_add(actor=actor, customer=customer, **first_contact)
    _record_update(actor=actor, customer=customer, learned_at=learned_at, source=source, summary=_("新建档案"))
    events.publish("customer_created", customer_id=customer.pk, actor_id=actor.pk)
    return customer


@transaction.atomic
def customer_update(
    *,
    actor: Any,
    customer: Customer,
    version: int | None,
    learned_at: dt.datetime | None = None,
    source: str = "",
    annual_sales: dict[int, Any] | None = None,
    **fields: Any,
) -> Customer:
    """Change archive fields; `version` is the one the user's form was loaded with (stale -> ConflictError)."""
    require_right(actor, "edit", customer)
    changed = [name for name, value in fields.items() if getattr(customer, name) != value]
    old_owner_id = customer.owner_id
    for name, value in fields.items():
        setattr(customer, name, value)
    _normalise_customer(customer)
    _clean(customer, exclude=[*_COMPUTED, "score", "archive_no"])
    _check_account_manager(customer)
    annual_sales = _check_annual_sales(annual_sales)
    customer.search_text = customer_search_document(customer)
    save_versioned(customer, expected_version=version, fields=[*fields, *_COMPUTED])
    for year, amount in annual_sales.items():
        if customer.annual_sales.filter(year=year).exclude(amount=amount).exists():
            changed.append("annual_sales")
        customer.annual_sales.update_or_create(year=year, defaults={"amount": amount})
    _history(customer, actor)
    labels = [
        str(_("近三年销售额")) if n == "annual_sales" else str(getattr(Customer._meta.get_field(n), "verbose_name", n))
        for n in dict.fromkeys(changed)
    ]
    summary = ", ".join(labels) or _("无字段变化")
    _record_update(actor=actor, customer=customer, learned_at=learned_at, source=source, summary=summary)
    if customer.owner_id != old_owner_id:
        # the customer's 客户经理 is who contacts it (回访制度细则 二.1): engagement moves its contact plan
        events.publish(
            "customer_owner_changed",
            customer_id=customer.pk,
            old_owner_id=old_owner_id,
            new_owner_id=customer.owner_id,
            actor_id=actor.pk,
        )
    return customer


def _refresh_customer_search(customer: Customer) -> None:
    Customer.objects.filter(pk=customer.pk).update(search_text=customer_search_document(customer))


def _prepare_contact(contact: Contact) -> None:
    contact.name = " ".join((contact.name or "").split())
    contact.email = (contact.email or "").strip().lower()
    contact.mobile_digits = phone_digits(contact.mobile)
    contact.personal_phone_index = blind_index(phone_digits(contact.personal_phone))


@transaction.atomic
def contact_create(*, actor: Any, customer: Customer, name: str, **fields: Any) -> Contact:
    require_right(actor, "edit", customer)
    return _contact_add(actor=actor, customer=customer, name=name, **fields)


def _contact_add(*, actor: Any, customer: Customer, name: str, **fields: Any) -> Contact:
    contact = Contact(customer=customer, name=name, **fields)
    _prepare_contact(contact)
    _clean(contact, exclude=["search_text", "personal_phone_index", "mobile_digits", "customer"])
    contact.search_text = contact_search_document(contact)
    contact._history_user = actor  # type: ignore[attr-defined]
    contact.save()
    _refresh_customer_search(customer)
    return contact


@transaction.atomic
def contact_update(*, actor: Any, contact: Contact, version: int | None, **fields: Any) -> Contact:
    require_right(actor, "edit", contact.customer)
    for name, value in fields.items():
        setattr(contact, name, value)
    _prepare_contact(contact)
    _clean(contact, exclude=["search_text", "personal_phone_index", "mobile_digits", "customer"])
    contact.search_text = contact_search_document(contact)
    save_versioned(
        contact,
        expected_version=version,
        fields=[*fields, "search_text", "personal_phone_index", "mobile_digits", "name", "email"],
    )
    _history(contact, actor)
    _refresh_customer_search(contact.customer)
    return contact


@transaction.atomic
def transaction_create(
    *, actor: Any, customer: Customer, occurred_on: dt.date, amount: Any, **fields: Any
) -> Transaction:
    require_right(actor, "edit", customer)
    record = Transaction(customer=customer, occurred_on=occurred_on, amount=amount, **fields)
    record.number = (record.number or "").strip() or next_number("JY")
    if record.our_person_id is None:
        record.our_person = actor
    _clean(record, exclude=["customer"])
    record._history_user = actor  # type: ignore[attr-defined]
    record.save()
    events.publish("transaction_created", transaction_id=record.pk, customer_id=customer.pk, actor_id=actor.pk)
    return record


MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


@transaction.atomic
def document_upload(
    *,
    actor: Any,
    customer: Customer,
    title: str,
    file: UploadedFile,
    kind: str = DocumentKind.ORIGINAL,
    group: str = "",
    pages: int | None = None,
) -> DocumentVersion:
    """File a document; a second upload under the same title becomes its next version, the old one is kept.

    Kind, matter and page count follow 客户档案管理方案 四.1: "确保……每份文件的页数齐全", filed by kind,
    ordered by the three 前后 (DOCUMENT_ORDER)."""
    require_right(actor, "edit", customer)
    title = " ".join((title or "").split())
    kind = kind or DocumentKind.ORIGINAL
    if not title:
        raise DomainError(_("请填写文件名称。"), field_errors={"title": [_("请填写文件名称。")]})
    if kind not in DocumentKind.values:
        raise DomainError(_("文件类别无效。"), field_errors={"kind": [_("文件类别无效。")]})
    if pages is not None and not 1 <= int(pages) <= 100000:
        raise DomainError(_("页数须为正整数。"), field_errors={"pages": [_("页数须为正整数。")]})
    if not file or file.size is None or file.size == 0:
        raise DomainError(_("请选择要上传的文件。"), field_errors={"file": [_("请选择要上传的文件。")]})
    if file.size > MAX_DOCUMENT_BYTES:
        raise DomainError(_("文件不能超过 20 MB。"), field_errors={"file": [_("文件不能超过 20 MB。")]})
    documents: Any = CustomerDocument.objects.unscoped("the edit right was checked above")
    group = " ".join((group or "").split())[:120]
    document, created = documents.select_for_update().get_or_create(
        customer=customer,
        title=title,
        defaults={
            "created_by": actor,
            "kind": kind,
            "kind_rank": DOCUMENT_ORDER[DocumentKind(kind)],
            "group": group,
            "pages": pages or 1,
        },
    )
    if not created:  # a new version may correct the kind, matter and page count
        document.kind, document.kind_rank, document.group = kind, DOCUMENT_ORDER[DocumentKind(kind)], group
        document.pages = pages or document.pages
        document.save(update_fields=["kind", "kind_rank", "group", "pages", "updated_at"])
    number = (document.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = DocumentVersion(
        document=document, number=number, original_name=(file.name or "file")[:255], uploaded_by=actor
    )
    # Written, fsynced and verified before the row exists; a full disk raises StorageError and
    # leaves neither a partial file nor (the transaction rolls back) a row.
    stored = save_verified(version.file, file.name or "file", file)
    version.size, version.sha256 = stored.size, stored.sha256
    try:
        version.save()
    except BaseException:
        remove_quietly(version.file)
        raise
    return version


NEWS_MAX = 2000


@transaction.atomic
def customer_news_record(
    *, actor: Any, customer: Customer, news: str, source: str = "", learned_at: dt.datetime | None = None
) -> Customer:
    """客户档案管理方案 五.3 A类 "专人对其进行资讯收集，如通过专业报刊、公司网站等途径分析客户动态": the
    designated account person (or whoever may edit the archive) adds a dated line to 近期动态, with its
    source and when it was learned (freshness, 七.2)."""
    if not (
        actor.pk == customer.account_manager_id or "edit" in scoping.customer_rights(actor, customer.pk, ("edit",))
    ):
        raise PermissionDenied(_("只有专属客户经理或可编辑档案的人员可以记录客户动态。"))
    news = (news or "").strip()
    if not news:
        raise DomainError(_("请填写客户动态。"), field_errors={"news": [_("请填写客户动态。")]})
    if source and source not in InfoSource.values:
        raise DomainError(_("信息来源无效。"), field_errors={"source": [_("信息来源无效。")]})
    day = timezone.localdate(learned_at) if learned_at else timezone.localdate()
    line = f"{day:%Y-%m-%d} {news[:NEWS_MAX]}"
    customer = (
        Customer.objects.unscoped("re-read under lock; the right was checked above")
        .select_for_update()
        .get(pk=customer.pk)
    )
    customer.recent_developments = "\n".join(filter(None, [line, customer.recent_developments]))
    customer.search_text = customer_search_document(customer)
    save_versioned(customer, expected_version=None, fields=["recent_developments", "search_text"])
    _history(customer, actor)
    _record_update(
        actor=actor, customer=customer, learned_at=learned_at, source=source, summary=_("客户动态：") + news[:200]
    )
    return customer


@transaction.atomic
def customer_archive(*, actor: Any, customer: Customer, note: str) -> Customer:
    """Archive (never delete) a customer; the note says why."""
    require_right(actor, "edit", customer)
    if not note.strip():
        raise DomainError(_("请填写归档原因。"), field_errors={"note": [_("请填写归档原因。")]})
    customer.is_archived = True
    customer.needs_review = False
    customer.archive_note = note.strip()[:300]
    customer._history_user = actor  # type: ignore[attr-defined]
    customer.save(update_fields=["is_archived", "needs_review", "archive_note", "updated_at"])
    return customer


@transaction.atomic
def customers_flag_stale(*, actor: Any, idle_days: int = 730) -> int:
    """Flag for review the active customers with no transaction for `idle_days` (SPEC M1 clean-up)."""
    since = timezone.localdate() - dt.timedelta(days=idle_days)
    recent = Transaction.objects.filter(occurred_on__gte=since).values("customer_id")
    return (
        Customer.objects.filter(is_archived=False, needs_review=False, created_at__date__lt=since)
        .exclude(pk__in=recent)
        .update(needs_review=True)
    )


@transaction.atomic
def customer_merge(*, actor: Any, keep: Customer, merge: Customer) -> Customer:
    """Move everything of `merge` to `keep`, archive `merge` with a note; history on both."""
    require_right(actor, "edit", keep)
    require_right(actor, "edit", merge)
    if keep.pk == merge.pk:
        raise DomainError(_("不能将客户与自身合并。"))
    if merge.is_archived:
        raise DomainError(_("被合并的客户已归档。"))
    Contact.objects.filter(customer=merge).update(customer=keep)
    Transaction.objects.filter(customer=merge).update(customer=keep)
    ArchiveUpdate.objects.filter(customer=merge).update(customer=keep)
    documents: Any = CustomerDocument.objects.unscoped("merge: the actor may edit both archives")
    for document in documents.filter(customer=merge):
        if documents.filter(customer=keep, title=document.title).exists():
            document.title = f"{document.title} ({merge.archive_no})"
        document.customer = keep
        document.save(update_fields=["customer", "title", "updated_at"])
    existing_years = set(keep.annual_sales.values_list("year", flat=True))
    AnnualSales.objects.filter(customer=merge).exclude(year__in=existing_years).update(customer=keep)
    for other_app_model in _customer_foreign_keys():
        other_app_model._default_manager.filter(customer=merge).update(customer=keep)
    customer_archive(
        actor=actor, customer=merge, note=_("已合并到 %(no)s %(name)s") % {"no": keep.archive_no, "name": keep.name}
    )
    _refresh_customer_search(keep)
    _refresh_customer_search(merge)
    keep.refresh_from_db()
    _history(keep, actor)
    ArchiveUpdate.objects.create(customer=keep, actor=actor, summary=_("合并客户 %(no)s") % {"no": merge.archive_no})
    return keep


def _customer_foreign_keys() -> list[type[Model]]:
    """Models of other apps pointing at Customer through a `customer` FK: they follow a merge too."""
    own = {Contact, Transaction, ArchiveUpdate, CustomerDocument, AnnualSales}
    models: list[type[Model]] = []
    for relation in Customer._meta.related_objects:
        model = relation.related_model
        if (
            relation.one_to_many
            and relation.field.name == "customer"
            and model not in own
            and not model._meta.label.startswith("customers.Historical")
            and isinstance(model, type)
        ):
            models.append(model)
    return models


def product_upgrade_delivered(*, actor: Any, product: str, note: str = "") -> int:
    """A major upgrade of `product` is delivered: every active customer who bought it gets a special-situation
    visit (客户回访制度细则 三.2 "公司推出重大产品升级或服务改进……时，及时进行特殊情况回访"), through the
    "major_upgrade" event engagement plans from. Announced by marketing managers and above. Returns how many."""
    from kehu.access import roles

    if not roles.is_marketing_manager_or_above(actor):
        raise PermissionDenied(_("只有市场营销经理及以上可以发布重大升级。"))
    product = " ".join((product or "").split())
    if not product:
        raise DomainError(_("请填写产品名称。"), field_errors={"product": [_("请填写产品名称。")]})
    buyers = (
        Transaction.objects.unscoped("an upgrade reaches every buyer of the product, whoever keeps the archive")
        .filter(product=product, customer__is_archived=False)
        .values_list("customer_id", flat=True)
        .distinct()
        .order_by("customer_id")
    )
    count, last = 0, 0
    text = (note or "").strip()[:250] or _("重大升级：%(product)s") % {"product": product}
    while True:
        batch = list(buyers.filter(customer_id__gt=last)[:1000])
        if not batch:
            return count
        with transaction.atomic():
            for customer_id in batch:
                events.publish("major_upgrade", customer_id=customer_id, actor_id=actor.pk, note=text)
        count += len(batch)
        last = batch[-1]
