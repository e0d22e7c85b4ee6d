"""Reads of the customer archive. Every one starts from the user's scope: Model.objects.restrict(user, action)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.db.models import BooleanField, Count, ExpressionWrapper, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from kehu.access import roles, scoping
from kehu.access.audit import log_access
from kehu.access.compiled import get_restricted
from kehu.accounts.backends import cached_user
from kehu.core import search

from .models import ArchiveUpdate, Contact, Customer, CustomerDocument, DocumentVersion, Transaction
from .services import normalise_name, phone_digits

# Filters a list offers; each is backed by an index (Customer.Meta.indexes).
LIST_FILTERS = ("grade", "priority", "region", "owner", "industry_standing", "is_archived")


def customer_list_for(
    user: Any, *, q: str = "", action: str = "list", with_owner: bool = True, **filters: Any
) -> QuerySet[Customer]:
    """Customers for a list, search or export. With action "list" each row carries `can_view`:
    a row the user may list but not open (an A-grade archive of someone else) shows only its name,
    grade and owner, in the UI and the API alike, and a search matches it on its name only, so that
    a phone or e-mail fragment cannot confirm whose number it is. `with_owner=False`: the owner is
    not joined (a page that names owners by accounts.backends.user_labels)."""
    queryset: Any = Customer.objects.restrict(user, action)
    if with_owner:
        queryset = queryset.select_related("owner")
    if action == "list":
        can_view = scoping.condition(Customer, user, "view")
        queryset = queryset.annotate(can_view=ExpressionWrapper(can_view, output_field=BooleanField()))
    clean = {k: v for k, v in filters.items() if v not in (None, "")}
    if clean:
        queryset = queryset.filter(**clean)
    if q.strip():
        queryset = search.search(queryset, q)
        if action == "list":
            queryset = queryset.filter(Q(can_view=True) | Q(name__icontains=q.strip()))
    return queryset.order_by("-id")


def customer_page(
    queryset: QuerySet[Customer], *, after: int | None, size: int = 50
) -> tuple[list[Customer], int | None]:
    """One keyset page of an `-id` ordered list: rows and the cursor of the next page (None at the end)."""
    if after:
        queryset = queryset.filter(id__lt=after)
    rows = list(queryset[: size + 1])
    if len(rows) > size:
        return rows[:size], rows[size - 1].pk
    return rows, None


def get_customer_for(user: Any, pk: int, *, action: str = "view") -> Customer:
    customer = get_restricted(Customer, user, action, pk)
    if customer is None:
        raise Http404(_("客户不存在或您无权查看。"))
    if customer.owner_id is not None:  # the owner from the users' cache, not a join on every page
        Customer.owner.field.set_cached_value(customer, cached_user(customer.owner_id))
    return customer


def contacts_for(user: Any, *, customer_id: int | None = None) -> QuerySet[Contact]:
    queryset = Contact.objects.restrict(user, "view")
    if customer_id:
        queryset = queryset.filter(customer_id=customer_id)
    return queryset.order_by("-id")


def transactions_for(
    user: Any, *, customer_id: int | None = None, since: dt.date | None = None, until: dt.date | None = None
) -> QuerySet[Transaction]:
    queryset = Transaction.objects.restrict(user, "view").select_related("our_person")
    if customer_id:
        queryset = queryset.filter(customer_id=customer_id)
    if since:
        queryset = queryset.filter(occurred_on__gte=since)
    if until:
        queryset = queryset.filter(occurred_on__lte=until)
    return queryset.order_by("-id")


def documents_of(customer: Customer) -> QuerySet[CustomerDocument]:
    """Filed order (客户档案管理方案 四.1(3)): by matter, then 批复/正件/印件 before 请示/附件/定稿."""
    return (
        customer.documents.select_related("created_by")
        .prefetch_related(Prefetch("versions", queryset=DocumentVersion.objects.select_related("uploaded_by")))
        .order_by("group", "kind_rank", "id")
    )


def document_register(customer: Customer) -> list[dict[str, Any]]:
    """卷内文件目录: the documents in filed order, page numbers running on ("依次编写页号", 四.1(4))."""
    rows: list[dict[str, Any]] = []
    page = 1
    documents = customer.documents.annotate(n_versions=Count("versions")).order_by("group", "kind_rank", "id")
    for seq, document in enumerate(documents, start=1):
        rows.append(
            {
                "seq": seq,
                "id": document.pk,
                "title": document.title,
                "group": document.group,
                "kind": document.kind,
                "kind_label": str(document.get_kind_display()),
                "pages": document.pages,
                "first_page": page,
                "last_page": page + document.pages - 1,
                "versions": document.n_versions,
            }
        )
        page += document.pages
    return rows


def document_version_for(user: Any, pk: int) -> DocumentVersion:
    version = DocumentVersion.objects.restrict(user, "view").select_related("document__customer").filter(pk=pk).first()
    if version is None:
        raise Http404(_("文件不存在或您无权查看。"))
    return version


@dataclass
class Duplicate:
    customer: Customer
    reasons: list[str]


@dataclass
class DuplicateCheck:
    """What a duplicate check may tell the user: the duplicates they may open, by name and number;
    for the others only that one exists (客户档案管理方案 六.3–4: an A-grade archive is not named to
    someone who may not query it; customer service can tell them more)."""

    visible: list[Duplicate]
    hidden: int

    def __bool__(self) -> bool:
        return bool(self.visible or self.hidden)


def possible_duplicates(
    user: Any,
    *,
    name: str = "",
    phone: str = "",
    email: str = "",
    mobiles: list[str] | None = None,
    exclude_pk: int | None = None,
    request: Any = None,
) -> DuplicateCheck:
    """Customers that look like the same company: same normalised name, phone digits, e-mail or
    contact mobile. The probe runs over every customer (a duplicate someone else owns is exactly
    the one to warn about) but answers inside the caller's scope, and the check is logged."""
    found: dict[int, Duplicate] = {}
    everyone: Any = Customer.objects.unscoped("duplicate probe; the answer is filtered by restrict below")

    def add(queryset: QuerySet[Customer], reason: str) -> None:
        for customer in queryset.only("id", "name", "archive_no", "is_archived", "grade", "owner_id")[:10]:
            if customer.pk != exclude_pk:
                found.setdefault(customer.pk, Duplicate(customer, [])).reasons.append(reason)

    key = normalise_name(name)
    if key:
        add(everyone.filter(name_key=key), _("名称相同"))
    digits = phone_digits(phone)
    if len(digits) >= 7:
        add(everyone.filter(phone_digits=digits), _("电话相同"))
    if email.strip():
        add(everyone.filter(email=email.strip().lower()), _("邮箱相同"))
    mobile_digits = [d for d in (phone_digits(m) for m in mobiles or []) if len(d) >= 7]
    if mobile_digits:
        ids = Contact.objects.unscoped("duplicate probe by mobile").filter(mobile_digits__in=mobile_digits)
        add(everyone.filter(pk__in=ids.values("customer_id")), _("联系人手机相同"))
    if not found:
        return DuplicateCheck([], 0)
    viewable = set(Customer.objects.restrict(user, "view").filter(pk__in=list(found)).values_list("pk", flat=True))
    check = DuplicateCheck([d for pk, d in found.items() if pk in viewable], len(found) - len(viewable))
    log_access(
        user=user,
        action="search",
        request=request,
        query="duplicate check",
        rows=len(found),
        detail={"via": "duplicate_check", "shown": sorted(viewable), "hidden": len(found) - len(viewable)},
    )
    return check


@dataclass
class LateStats:
    user: Any
    warnings: int
    breaches: int


def _hours(setting: str) -> int:
    return cast(int, settings.KEHU[setting]) * 24


def late_updates(user: Any) -> QuerySet[ArchiveUpdate]:
    """Archive updates entered later than FRESHNESS_WARNING_DAYS after the information was learned:
    managers see everyone's (of the archives they may open), staff their own."""
    warning_hours = _hours("FRESHNESS_WARNING_DAYS")
    queryset = (
        ArchiveUpdate.objects.restrict(user, "view")
        .filter(delay_hours__gt=warning_hours)
        .select_related("customer", "actor")
    )
    if not roles.is_manager(user):
        queryset = queryset.filter(actor_id=user.pk)
    return queryset.order_by("-id")


def late_update_stats(user: Any) -> list[dict[str, Any]]:
    """Per user: how many updates were late (warning) and very late (breach). Counts per person
    only (no customer data), for managers."""
    if not roles.is_manager(user):
        return []
    warning_hours = _hours("FRESHNESS_WARNING_DAYS")
    breach_hours = _hours("FRESHNESS_BREACH_DAYS")
    rows = (
        ArchiveUpdate.objects.unscoped("counts per person, no customer data")
        .values("actor_id", "actor__username", "actor__last_name", "actor__first_name")
        .annotate(
            total=Count("id"),
            warnings=Count("id", filter=Q(delay_hours__gt=warning_hours, delay_hours__lte=breach_hours)),
            breaches=Count("id", filter=Q(delay_hours__gt=breach_hours)),
        )
        .order_by("-breaches", "-warnings")
    )
    return [dict(row) for row in rows]


def freshness_level(delay_hours: int) -> str:
    if delay_hours > _hours("FRESHNESS_BREACH_DAYS"):
        return "breach"
    if delay_hours > _hours("FRESHNESS_WARNING_DAYS"):
        return "warning"
    return "ok"


def recent_transactions(customer: Customer, *, limit: int = 10) -> list[Transaction]:
    return list(customer.transactions.select_related("our_person").order_by("-occurred_on", "-id")[:limit])


def contacts_by_personal_phone(user: Any, phone: str) -> QuerySet[Contact]:
    """Key people whose private phone is `phone`, found through the blind index (no decryption),
    limited to customers whose personal data the user may read."""
    from kehu.core.crypto import blind_index

    # The same normalisation as contact_create/contact_update use when they write the index.
    index = blind_index(phone_digits(phone))
    if not index:
        return Contact.objects.none()
    return (
        Contact.objects.restrict(user, "view_sensitive").filter(personal_phone_index=index).select_related("customer")
    )


def important_customers_for(user: Any, *, after: int = 0, limit: int = 51) -> list[Customer]:
    """A-grade and core customers the user may open, in keyset pages, with the card's people prefetched."""
    queryset = (
        Customer.objects.restrict(user, "view")
        .filter(Q(grade="A") | Q(priority="core"), is_archived=False, id__gt=after)
        .select_related("owner", "account_manager")
        .prefetch_related(Prefetch("contacts", queryset=Contact.objects.order_by("-is_main_contact", "id")))
        .order_by("id")
    )
    return list(queryset[:limit])
