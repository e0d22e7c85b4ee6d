"""The care calendar (SPEC M9; 客户关系维护方案 四.3(7), 客户关系管理与维护措施 关怀1).

Occasions: the seven statutory holidays (元旦, 春节, 清明节, 劳动节, 端午节, 中秋节, 国庆节) with the
days off of the official notice (chinesecalendar data, or the admin's CalendarDay rows for a year
the package does not know yet), the other lunar festivals (元宵节, 七夕节, 重阳节), birthdays of the
people (solar or lunar), purchase anniversaries (one per purchase) and cooperation anniversaries.

What is done for whom is data (CareRule): a greeting for every grade, gifts by grade with a budget
and an approval. `care_plan(today=...)` plans the items of the coming horizon (idempotent: a unique
key per customer, person, occasion, date and action); `care_send_due(today=...)` queues the
greetings that are due through kehu.messaging (the worker holds them for quiet hours and checks the
person's consent); every greeting sent and every gift handed over lands on the customer's timeline.

A birthday item names the person and the day of the birthday this year, never the birth date
(year of birth) itself; birthday rows need view_sensitive (CareItem.access_scope).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import chinese_calendar
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from lunardate import LunarDate

from kehu.core.bulk import Row, insert_new
from kehu.core.models import CalendarDay
from kehu.customers.models import Contact, Customer, Transaction
from kehu.messaging.letters import GiftRow

from .choices import CareAction, CareKind, CareStatus
from .models import CareItem, CareRule
from .services import REPLAN_BATCH, conf

# The statutory holidays (全国年节及纪念日放假办法): name, how the day is found, month, day.
STATUTORY: list[tuple[str, str, int, int]] = [
    ("元旦", "solar", 1, 1),
    ("春节", "lunar", 1, 1),
    ("清明节", "qingming", 4, 0),
    ("劳动节", "solar", 5, 1),
    ("端午节", "lunar", 5, 5),
    ("中秋节", "lunar", 8, 15),
    ("国庆节", "solar", 10, 1),
]
# Festivals by the lunar calendar that are no days off but are greeted.
LUNAR_FESTIVALS: list[tuple[str, int, int]] = [("元宵节", 1, 15), ("七夕节", 7, 7), ("重阳节", 9, 9)]
# chinesecalendar's names of the statutory holidays.
PACKAGE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
}


def festival_label(name: str) -> str:
    labels = {
        "元旦": _("元旦"),
        "春节": _("春节"),
        "清明节": _("清明节"),
        "劳动节": _("劳动节"),
        "端午节": _("端午节"),
        "中秋节": _("中秋节"),
        "国庆节": _("国庆节"),
        "元宵节": _("元宵节"),
        "七夕节": _("七夕节"),
        "重阳节": _("重阳节"),
    }
    return labels.get(name, name)


def lunar_to_solar(year: int, month: int, day: int) -> dt.date | None:
    """The solar date of a lunar month/day in lunar year `year`; day 30 falls back to 29 in short months."""
    for d in (day, day - 1):
        try:
            return LunarDate(year, month, d).to_solar_date()
        except ValueError:
            continue
    return None


def qingming(year: int) -> dt.date:
    """清明 (the solar term at 15° solar longitude), 4 or 5 April: the usual formula for 2000–2099
    (Y*D + C) - L with D = 0.2422, C = 4.81 and L the leap years passed."""
    y = year % 100
    return dt.date(year, 4, int(y * 0.2422 + 4.81) - y // 4)


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


@dataclass(frozen=True)
class Occasion:
    name: str
    on: dt.date  # the festival day itself
    statutory: bool
    lunar: bool
    off_from: dt.date | None = None  # the days off of the official notice; None: not published yet
    off_until: dt.date | None = None
    source: str = ""  # "notice" (chinesecalendar), "calendar" (admin rows) or "computed"

    @property
    def label(self) -> str:
        return festival_label(self.name)


def _official_days_off(year: int) -> dict[str, tuple[dt.date, dt.date, str]]:
    """Name -> (first, last day off) of the official notice for `year`, from the package's data,
    or from the admin's CalendarDay rows (named days off) for a year the package does not know."""
    found: dict[str, list[dt.date]] = {}
    source = "notice"
    try:
        day = dt.date(year, 1, 1)
        while day.year == year:
            on_holiday, holiday = chinese_calendar.get_holiday_detail(day)
            if on_holiday and holiday is not None and str(holiday) in PACKAGE_NAMES:
                found.setdefault(PACKAGE_NAMES[str(holiday)], []).append(day)
            day += dt.timedelta(days=1)
    except NotImplementedError:
        source = "calendar"
        rows = CalendarDay.objects.filter(date__year=year, is_workday=False).exclude(name="").order_by("date")
        for row in rows:
            name = next((n for n, *_rest in STATUTORY if n.rstrip("节") in row.name and "调休" not in row.name), None)
            if name:
                found.setdefault(name, []).append(row.date)
    return {name: (min(days), max(days), source) for name, days in found.items()}


def festivals_of(year: int) -> list[Occasion]:
    """Every statutory holiday and lunar festival of a (solar) year, in date order."""
    days_off = _official_days_off(year)
    result: list[Occasion] = []
    for name, how, month, day in STATUTORY:
        if how == "lunar":
            on = lunar_to_solar(year, month, day)
        elif how == "qingming":
            on = qingming(year)
        else:
            on = dt.date(year, month, day)
        if on is None:
            continue
        first, last, source = days_off.get(name, (None, None, "computed"))
        result.append(Occasion(name, on, True, how == "lunar", first, last, source))
    for name, month, day in LUNAR_FESTIVALS:
        on = lunar_to_solar(year, month, day)
        if on is not None:
            result.append(Occasion(name, on, False, True, source="computed"))
    return sorted(result, key=lambda o: o.on)


def festivals_between(start: dt.date, end: dt.date) -> list[Occasion]:
    return [o for year in range(start.year, end.year + 1) for o in festivals_of(year) if start <= o.on <= end]


def birthday_on(*, birth: dt.date, lunar: bool, year: int) -> dt.date | None:
    """The solar date of a birthday in `year` (a lunar birthday moves every year)."""
    if lunar:
        return lunar_to_solar(year, birth.month, birth.day)
    try:
        return dt.date(year, birth.month, birth.day)
    except ValueError:
        return dt.date(year, 2, 28)


# --- the policy as data ---------------------------------------------------------------------------------


class Rules:
    """CareRule rows, loaded once per run: what a customer of a grade gets on an occasion."""

    def __init__(self) -> None:
        self.rows = list(CareRule.objects.filter(is_active=True))
        # (kind, occasion, grade, action) -> matching rules: the nightly plan asks the same few
        # questions for every customer (twice per item at 1M customers)
        self._answers: dict[tuple[str, str, str, str], list[CareRule]] = {}

    def _matching(self, kind: str, occasion: str, grade: str, action: str) -> list[CareRule]:
        question = (kind, occasion, grade, action)
        if question not in self._answers:
            rows = [
                r
                for r in self.rows
                if r.kind == kind and r.action == action and r.grade in ("", grade) and r.occasion in ("", occasion)
            ]
            # The most specific rule wins: a named occasion and a named grade before the general ones.
            self._answers[question] = sorted(rows, key=lambda r: (r.occasion == "", r.grade == ""))
        return self._answers[question]

    def greeting(self, kind: str, occasion: str, grade: str) -> CareRule | None:
        rows = self._matching(kind, occasion, grade, CareAction.GREETING)
        return rows[0] if rows else None

    def gift(self, kind: str, occasion: str, grade: str) -> CareRule | None:
        rows = self._matching(kind, occasion, grade, CareAction.GIFT)
        return rows[0] if rows else None


@functools.cache
def _blank_item() -> dict[str, Any]:
    """A new care item's attributes: the plan makes ~1.5 items per customer as bulk.Row dicts, since
    building CareItem instances was a quarter of its time at 100k customers (measured 2026-12-03)."""
    return Row.blank(CareItem)


def _items(
    rules: Rules,
    *,
    customer_id: int,
    owner_id: int,
    grade: str,
    contact_id: int | None,
    kind: str,
    occasion: str,
    rule_occasion: str,
    on: dt.date,
    today: dt.date,
    key_suffix: str = "",
) -> list[Row]:
    items: list[Row] = []
    blank = _blank_item()
    base_key = f"{customer_id}:{contact_id or 0}:{kind}:{occasion}{key_suffix}:{on.isoformat()}"
    for action, rule in (
        (CareAction.GREETING, rules.greeting(kind, rule_occasion, grade)),
        (CareAction.GIFT, rules.gift(kind, rule_occasion, grade)),
    ):
        if rule is None:
            continue
        items.append(
            Row(
                {
                    **blank,
                    "customer_id": customer_id,
                    "contact_id": contact_id,
                    "kind": kind,
                    "occasion": occasion[:60],
                    "occasion_on": on,
                    "plan_on": max(on - dt.timedelta(days=rule.lead_days), today),
                    "action": action,
                    "gift": rule.gift if action == CareAction.GIFT else "",
                    "budget": rule.budget if action == CareAction.GIFT else None,
                    "assignee_id": owner_id,
                    "key": (base_key + (":gift" if action == CareAction.GIFT else ""))[:120],
                }
            )
        )
    return items


def care_plan(*, today: dt.date | None = None) -> int:
    """Plan the care items of the coming horizon for every customer; returns how many new ones."""
    today = today or timezone.localdate()
    end = today + dt.timedelta(days=conf("CARE_HORIZON_DAYS", 30))
    rules = Rules()
    before = CareItem.objects.unscoped("the nightly plan counts its work").count()
    festivals = festivals_between(today, end)
    customers = Customer.objects.unscoped("the nightly care plan covers every customer").filter(is_archived=False)
    last_id = 0
    while True:
        batch = list(
            customers.filter(id__gt=last_id)
            .order_by("id")
            .values_list("id", "owner_id", "grade", "cooperation_since")[:REPLAN_BATCH]
        )
        if not batch:
            break
        last_id = batch[-1][0]
        items: list[Row] = []
        for cid, owner_id, grade, since in batch:
            common: dict[str, Any] = {
                "rules": rules,
                "customer_id": cid,
                "owner_id": owner_id,
                "grade": grade,
                "today": today,
            }
            for festival in festivals:
                items += _items(
                    **common,
                    contact_id=None,
                    kind=CareKind.FESTIVAL,
                    occasion=festival.name,
                    rule_occasion=festival.name,
                    on=festival.on,
                )
            if since:
                for on in occurrences(lunar=False, month=since.month, day=since.day, start=today, end=end):
                    years = on.year - since.year
                    if years >= 1:
                        items += _items(
                            **common,
                            contact_id=None,
                            kind=CareKind.ANNIVERSARY,
                            occasion=_("合作%(n)s周年") % {"n": years},
                            rule_occasion="",
                            on=on,
                        )
        items += _purchase_items(rules, [row[0] for row in batch], today=today, end=end)
        insert_new(CareItem, items)
    _plan_birthdays(rules, today=today, end=end)
    return CareItem.objects.unscoped("the nightly plan counts its work").count() - before


def _purchase_items(rules: Rules, customer_ids: list[int], *, today: dt.date, end: dt.date) -> list[Row]:
    """One anniversary per purchase (关怀1: 购买纪念日), on the day it was bought, a year or more ago."""
    items: list[Row] = []
    # Only purchases whose month and day fall inside the horizon (a 30-day horizon: ~31 pairs).
    days = Q(pk__in=[])
    day = today
    while day <= end:
        days |= Q(occurred_on__month=day.month, occurred_on__day=day.day)
        day += dt.timedelta(days=1)
    purchases = (
        Transaction.objects.unscoped("the nightly care plan reads purchases")
        .filter(days, customer_id__in=customer_ids, occurred_on__lte=today - dt.timedelta(days=300))
        .values_list("id", "occurred_on", "product", "customer_id", "customer__owner_id", "customer__grade")
    )
    for purchase_id, bought, product, customer_id, owner_id, grade in purchases.iterator(chunk_size=2000):
        for on in occurrences(lunar=False, month=bought.month, day=bought.day, start=today, end=end):
            years = on.year - bought.year
            if years < 1:
                continue
            label = _("购买%(product)s %(n)s周年") % {"product": product or "", "n": years}
            items += _items(
                rules,
                customer_id=customer_id,
                owner_id=owner_id,
                grade=grade,
                contact_id=None,
                kind=CareKind.PURCHASE,
                occasion=label,
                rule_occasion="",
                on=on,
                today=today,
                key_suffix=f"#{purchase_id}",
            )
    return items


def _parse_birth(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip()[:10])
    except ValueError:
        return None


def _plan_birthdays(rules: Rules, *, today: dt.date, end: dt.date) -> None:
    """Birthdays of the people who matter (key people, leaders, legal representatives, main contacts)
    of every customer: the birth date is encrypted, so it is read here and never copied."""
    people = (
        Contact.objects.unscoped("the nightly care plan reads birthdays")
        .filter(customer__is_archived=False)
        .filter(Q(is_key_person=True) | Q(is_senior_leader=True) | Q(is_legal_rep=True) | Q(is_main_contact=True))
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
        items: list[Row] = []
        for contact in contacts:
            birth = _parse_birth(contact.birth_date)
            if birth is None:
                continue
            for year in range(today.year, end.year + 1):
                on = birthday_on(birth=birth, lunar=contact.birthday_is_lunar, year=year)
                if on is None or not today <= on <= end:
                    continue
                items += _items(
                    rules,
                    customer_id=contact.customer.pk,
                    owner_id=contact.customer.owner_id,
                    grade=contact.customer.grade,
                    contact_id=contact.pk,
                    kind=CareKind.BIRTHDAY,
                    occasion=_("%(name)s生日") % {"name": contact.name},
                    rule_occasion="",
                    on=on,
                    today=today,
                )
        insert_new(CareItem, items)


# --- sending -------------------------------------------------------------------------------------------


def greeting_text(item: CareItem) -> tuple[str, str]:
    """Subject and body of a greeting (the unsubscribe link is added by messaging)."""
    customer = item.customer
    if item.kind == CareKind.FESTIVAL:
        subject = _("%(occasion)s快乐") % {"occasion": festival_label(item.occasion)}
        body = _("值此%(occasion)s之际，谨向%(customer)s全体同仁致以诚挚的问候，感谢您一直以来的支持与信任！") % {
            "occasion": festival_label(item.occasion),
            "customer": customer.name,
        }
    elif item.kind == CareKind.BIRTHDAY:
        name = item.contact.name if item.contact else customer.name
        subject = _("生日快乐")
        body = _("%(name)s，祝您生日快乐，身体健康，万事如意！") % {"name": name}
    else:
        subject = item.occasion
        body = _("今天是%(occasion)s，感谢%(customer)s一路以来的信任与合作！") % {
            "occasion": item.occasion,
            "customer": customer.name,
        }
    return subject, body


def _recipient(item: CareItem) -> tuple[Any, str, str] | None:
    """(contact, channel, address): the person of the item, else the main contact, else the customer;
    the person's preferred channel where it is one messaging has."""
    candidates: list[Contact] = []
    if item.contact is not None:
        candidates.append(item.contact)
    else:
        candidates += list(item.customer.contacts.order_by("-is_main_contact", "-is_key_person", "id")[:3])
    for contact in candidates:
        if contact.preferred_channel == "sms" and contact.mobile:
            return contact, "sms", contact.mobile
        if contact.email:
            return contact, "email", contact.email
        if contact.mobile:
            return contact, "sms", contact.mobile
    if item.contact is None and item.customer.email:
        return None, "email", item.customer.email
    return None


def care_send_due(*, today: dt.date | None = None, limit: int = 5000) -> int:
    """Queue the greetings that are due (plan_on reached) through kehu.messaging; returns how many.
    Gifts wait for approval and are handed over by people (care_gift_approve, care_item_record)."""
    from kehu.messaging.services import message_send

    today = today or timezone.localdate()
    due = (
        CareItem.objects.unscoped("the care sweep sends what is due")
        .filter(status=CareStatus.PLANNED, action=CareAction.GREETING, plan_on__lte=today, occasion_on__gte=today)
        .select_related("customer", "contact", "assignee")
        .order_by("plan_on", "id")[:limit]
    )
    queued = 0
    for item in due:
        with transaction.atomic():
            # Claimed first: a second sweep (or worker) finds it queued and sends nothing twice.
            if (
                not CareItem.objects.unscoped("claim")
                .filter(pk=item.pk, status=CareStatus.PLANNED)
                .update(status=CareStatus.QUEUED, updated_at=timezone.now())
            ):
                continue
            target = _recipient(item)
            if target is None:
                CareItem.objects.unscoped("no address").filter(pk=item.pk).update(
                    status=CareStatus.SKIPPED, record=_("没有可用的联系方式")
                )
                continue
            contact, channel, address = target
            subject, body = greeting_text(item)
            message_send(
                actor=item.assignee,
                channel=channel,
                to=address,
                subject=subject,
                body=body,
                topic="care",
                contact=contact,
                customer=item.customer,
                related=f"care_item:{item.pk}",
            )
            queued += 1
    return queued


def care_item_delivered(*, item_id: int, delivery_id: int) -> None:
    """kehu.messaging sent the greeting of a care item: the item is done (runs after commit, once)."""
    CareItem.objects.unscoped("a delivery event marks its care item").filter(
        pk=item_id, status__in=[CareStatus.PLANNED, CareStatus.QUEUED]
    ).update(
        status=CareStatus.SENT,
        sent_at=timezone.now(),
        record=_("已发送（发送记录 #%(id)s）") % {"id": delivery_id},
    )


def gift_total(items: list[CareItem]) -> Decimal:
    return sum((i.budget or Decimal("0") for i in items), Decimal("0"))


def gift_rows(items: list[CareItem]) -> list[GiftRow]:
    """The gift list (礼品清单) of the given gift items: to buy, approve and post."""
    return [
        GiftRow(
            customer=item.customer.name,
            contact=item.contact.name if item.contact else "",
            occasion=item.occasion,
            on=item.occasion_on,
            gift=item.gift,
            budget=item.budget,
            address=item.customer.address,
            status=str(item.get_status_display()) + ("" if item.approved_at else _("（待批准）")),
        )
        for item in items
    ]
