"""The care calendar (SPEC M9): birthdays (solar or lunar), festivals, cooperation anniversaries.

`care_plan(today=...)` plans a greeting (a gift for A-grade customers) `CARE_LEAD_DAYS`
before each occasion in the next `CARE_HORIZON_DAYS`; the unique key makes it idempotent.
Festivals and birthdays are planned for key customers (A grade or core priority) and key people;
anniversaries for every customer with a cooperation start date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from lunardate import LunarDate

from kehu.customers.models import Contact, Customer

from .choices import CareAction, CareKind, CareStatus
from .models import CareItem
from .services import REPLAN_BATCH, conf

# (name, lunar?, month, day)
FESTIVALS = [
    ("元旦", False, 1, 1),
    ("春节", True, 1, 1),
    ("端午节", True, 5, 5),
    ("中秋节", True, 8, 15),
    ("国庆节", False, 10, 1),
]


def festival_label(name: str) -> str:
    labels = {"元旦": _("元旦"), "春节": _("春节"), "端午节": _("端午节"), "中秋节": _("中秋节"), "国庆节": _("国庆节")}
    return labels.get(name, name)


def lunar_to_solar(year: int, month: int, day: int) -> dt.date | None:
    """The solar date of a lunar month/day in lunar year `year`; day 30 falls back to 29 in short months."""
    for d in (day, day - 1):
        try:
            return LunarDate(year, month, d).to_solar_date()
        except ValueError:
            continue
    return None


def occurrences(*, lunar: bool, month: int, day: int, start: dt.date, end: dt.date) -> Iterator[dt.date]:
    """Dates in [start, end] of a yearly occasion given by month/day (lunar or solar)."""
    for year in range(start.year - 1, end.year + 1):
        if lunar:
            date = lunar_to_solar(year, month, day)
        else:
            try:
                date = dt.date(year, month, day)
            except ValueError:  # 29 February
                date = dt.date(year, 2, 28)
        if date is not None and start <= date <= end:
            yield date


def _item(
    *,
    customer_id: int,
    owner_id: int,
    contact_id: int | None,
    kind: str,
    occasion: str,
    on: dt.date,
    gift: bool,
    today: dt.date,
) -> CareItem:
    lead = conf("CARE_LEAD_DAYS", 7)
    return CareItem(
        customer_id=customer_id,
        contact_id=contact_id,
        kind=kind,
        occasion=occasion[:60],
        occasion_on=on,
        plan_on=max(on - dt.timedelta(days=lead), today),
        action=CareAction.GIFT if gift else CareAction.GREETING,
        assignee_id=owner_id,
        key=f"{customer_id}:{contact_id or 0}:{kind}:{occasion}:{on.isoformat()}"[:120],
    )


def _parse_birth(value: str) -> tuple[int, int] | None:
    try:
        parsed = dt.date.fromisoformat((value or "").strip()[:10])
    except ValueError:
        return None
    return parsed.month, parsed.day


def care_plan(*, today: dt.date | None = None) -> int:
    """Plan the care items of the coming horizon; returns how many new ones."""
    today = today or timezone.localdate()
    end = today + dt.timedelta(days=conf("CARE_HORIZON_DAYS", 30))
    before = CareItem.objects.count()
    festivals = [
        (name, d)
        for name, lunar, m, day in FESTIVALS
        for d in occurrences(lunar=lunar, month=m, day=day, start=today, end=end)
    ]
    customers = Customer.objects.filter(is_archived=False).order_by("id")
    last_id = 0
    while True:
        batch = list(
            customers.filter(id__gt=last_id).values_list("id", "owner_id", "grade", "priority", "cooperation_since")[
                :REPLAN_BATCH
            ]
        )
        if not batch:
            break
        last_id = batch[-1][0]
        items: list[CareItem] = []
        for cid, owner_id, grade, priority, since in batch:
            key = grade == "A" or priority == "core"
            if key:
                for name, on in festivals:
                    items.append(
                        _item(
                            customer_id=cid,
                            owner_id=owner_id,
                            contact_id=None,
                            kind=CareKind.FESTIVAL,
                            occasion=name,
                            on=on,
                            gift=grade == "A",
                            today=today,
                        )
                    )
            if since:
                for on in occurrences(lunar=False, month=since.month, day=since.day, start=today, end=end):
                    years = on.year - since.year
                    if years >= 1:
                        items.append(
                            _item(
                                customer_id=cid,
                                owner_id=owner_id,
                                contact_id=None,
                                kind=CareKind.ANNIVERSARY,
                                occasion=_("合作%(n)s周年") % {"n": years},
                                on=on,
                                gift=key,
                                today=today,
                            )
                        )
        CareItem.objects.bulk_create(items, ignore_conflicts=True)
    # Birthdays of key people of key customers: the birth date is encrypted, so it is read in Python.
    people = (
        Contact.objects.filter(customer__is_archived=False)
        .filter(Q(is_key_person=True) | Q(is_senior_leader=True) | Q(is_legal_rep=True))
        .filter(Q(customer__grade="A") | Q(customer__priority="core"))
        .exclude(birth_date="")
        .order_by("id")
    )
    last_id = 0
    while True:
        contacts = list(
            people.filter(id__gt=last_id)
            .select_related("customer")
            .only(
                "id", "name", "birth_date", "birthday_is_lunar", "customer__id", "customer__owner_id", "customer__grade"
            )[:REPLAN_BATCH]
        )
        if not contacts:
            break
        last_id = contacts[-1].pk
        items = []
        for contact in contacts:
            parsed = _parse_birth(contact.birth_date)
            if parsed is None:
                continue
            for on in occurrences(
                lunar=contact.birthday_is_lunar, month=parsed[0], day=parsed[1], start=today, end=end
            ):
                items.append(
                    _item(
                        customer_id=contact.customer.pk,
                        owner_id=contact.customer.owner_id,
                        contact_id=contact.pk,
                        kind=CareKind.BIRTHDAY,
                        occasion=_("%(name)s生日") % {"name": contact.name},
                        on=on,
                        gift=contact.customer.grade == "A",
                        today=today,
                    )
                )
        CareItem.objects.bulk_create(items, ignore_conflicts=True)
    return CareItem.objects.count() - before


def care_item_delivered(*, item_id: int, delivery_id: int) -> None:
    """kehu.messaging sent the greeting of a care item: the item is done (runs after commit, once)."""
    CareItem.objects.unscoped("a delivery event marks its care item").filter(
        pk=item_id, status=CareStatus.PLANNED
    ).update(
        status=CareStatus.SENT, sent_at=timezone.now(), record=_("已发送（发送记录 #%(id)s）") % {"id": delivery_id}
    )
