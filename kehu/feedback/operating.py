"""Indicator scores from operating data (0–100), each with the figure it came from as its basis.

The evaluator may always overrule a figure by entering a score; the figure then stays only if they
keep it as the basis. Reads other apps' tables (like analytics) and writes nothing there. The window
is the last 12 months. Scales (documented in ADR 0009-surveys):
- survey: average 1–5 rating of the customer's answers, ×20;
- complaints: 100 − 10 per general, 20 per serious, 30 per urgent complaint (floor 0);
- sla: 100 − 15 per breached deadline (floor 0);
- contact: follow-up visits done on time / visits due, ×100;
- demands: demands done / demands raised, ×100 (none raised: 100);
- payment: 100 − 25 per transaction marked as a breach (违约) (floor 0).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import IndicatorSource, QuestionKind

WINDOW_DAYS = 365
WHY = "an indicator figure of a customer the evaluator may edit"


@dataclass(frozen=True)
class Figure:
    score: Decimal
    basis: str


def _clamp(value: float) -> Decimal:
    return Decimal(str(round(max(0.0, min(100.0, value)), 2)))


def _survey(customer: Any, since: dt.datetime) -> Figure:
    from .models import SurveyAnswer

    row = (
        SurveyAnswer.objects.unscoped(WHY)
        .filter(customer=customer, question__kind=QuestionKind.RATING, response__submitted_at__gte=since)
        .aggregate(avg=Avg("number"), n=Count("id"))
    )
    if not row["n"]:
        return Figure(Decimal("60"), _("近12个月无满意度调查答卷，按 60 分计"))
    avg = float(row["avg"])
    return Figure(_clamp(avg * 20), _("近12个月满意度平均 %(avg).2f/5（%(n)s 个评分）") % {"avg": avg, "n": row["n"]})


def _complaints(customer: Any, since: dt.datetime) -> Figure:
    from kehu.servicedesk.choices import ComplaintNature
    from kehu.servicedesk.models import Complaint

    counts = (
        Complaint.objects.unscoped(WHY)
        .filter(customer=customer, received_at__gte=since)
        .aggregate(
            urgent=Count("id", filter=Q(nature=ComplaintNature.URGENT)),
            serious=Count("id", filter=Q(nature=ComplaintNature.SERIOUS)),
            total=Count("id"),
        )
    )
    general = counts["total"] - counts["urgent"] - counts["serious"]
    score = 100 - 10 * general - 20 * counts["serious"] - 30 * counts["urgent"]
    return Figure(
        _clamp(score),
        _("近12个月投诉 %(total)s 次（紧急 %(u)s、严重 %(s)s、一般 %(g)s）")
        % {"total": counts["total"], "u": counts["urgent"], "s": counts["serious"], "g": general},
    )


def _sla(customer: Any, since: dt.datetime) -> Figure:
    from kehu.servicedesk.models import SlaTimer

    breached = (
        SlaTimer.objects.unscoped(WHY)
        .filter(breached_at__gte=since)
        .filter(Q(complaint__customer=customer) | Q(ticket__customer=customer) | Q(demand__customer=customer))
        .count()
    )
    return Figure(_clamp(100 - 15 * breached), _("近12个月超时 %(n)s 次") % {"n": breached})


def _contact(customer: Any, since: dt.datetime) -> Figure:
    from kehu.engagement.choices import FollowUpStatus
    from kehu.engagement.models import FollowUp

    today = timezone.localdate()
    row = (
        FollowUp.objects.unscoped(WHY)
        .filter(customer=customer, due_on__gte=since.date(), due_on__lte=today)
        .exclude(status=FollowUpStatus.CANCELLED)
        .aggregate(due=Count("id"), on_time=Count("id", filter=Q(status=FollowUpStatus.DONE, on_time=True)))
    )
    if not row["due"]:
        return Figure(Decimal("100"), _("近12个月无到期回访"))
    return Figure(
        _clamp(100 * row["on_time"] / row["due"]),
        _("近12个月按时完成回访 %(done)s/%(due)s") % {"done": row["on_time"], "due": row["due"]},
    )


def _demands(customer: Any, since: dt.datetime) -> Figure:
    from kehu.servicedesk.choices import DemandState
    from kehu.servicedesk.models import Demand

    row = (
        Demand.objects.unscoped(WHY)
        .filter(customer=customer, raised_at__gte=since.date())
        .aggregate(total=Count("id"), done=Count("id", filter=Q(state=DemandState.DONE)))
    )
    if not row["total"]:
        return Figure(Decimal("100"), _("近12个月未提出需求"))
    return Figure(
        _clamp(100 * row["done"] / row["total"]),
        _("近12个月需求完成 %(done)s/%(total)s") % {"done": row["done"], "total": row["total"]},
    )


def _payment(customer: Any, since: dt.datetime) -> Figure:
    from kehu.customers.models import Transaction

    row = (
        Transaction.objects.unscoped(WHY)
        .filter(customer=customer, occurred_on__gte=since.date())
        .aggregate(total=Count("id"), breach=Count("id", filter=Q(breach=True)))
    )
    return Figure(
        _clamp(100 - 25 * row["breach"]),
        _("近12个月交易 %(total)s 笔，违约 %(breach)s 笔") % {"total": row["total"], "breach": row["breach"]},
    )


SOURCES = {
    IndicatorSource.SURVEY: _survey,
    IndicatorSource.COMPLAINTS: _complaints,
    IndicatorSource.SLA: _sla,
    IndicatorSource.CONTACT: _contact,
    IndicatorSource.DEMANDS: _demands,
    IndicatorSource.PAYMENT: _payment,
}


def figure(source: str, customer: Any) -> Figure:
    since = timezone.now() - dt.timedelta(days=WINDOW_DAYS)
    return SOURCES[IndicatorSource(source)](customer, since)
