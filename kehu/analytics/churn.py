"""Explainable churn risk (客户流失预警, 软件行业客户关系维护制度 第五章4).

A customer's score (0–100) is the sum of points of a few rules; each rule that fires becomes a
reason a person can check in the archive. The weights are data: WEIGHTS below are the defaults,
settings.KEHU["CHURN_WEIGHTS"] overrides any of them (each is the most points a rule can give;
they need not add up to 100, the score is capped). Documented in docs/adr/0020.

The computation runs on the worker over every customer in id batches: per batch one grouped
query per signal, never one query per customer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

WEIGHTS: dict[str, int] = {
    "silence": 25,  # no contact for longer than the plan's interval
    "order_frequency": 15,  # fewer orders than the customer's own baseline
    "order_amount": 15,  # less money than the customer's own baseline
    "complaints": 15,  # open complaints (by severity) and recent ones
    "sla_breaches": 10,  # our own missed deadlines on their cases
    "low_scores": 10,  # low survey or visit scores
    "unanswered_demands": 5,  # demands nobody reported progress on
    "overdue_followups": 5,  # visits we owe them
}

# The window a signal looks back over, and the baseline orders are compared with.
RECENT_DAYS = 180
BASELINE_DAYS = 365
COMPLAINT_DAYS = 90
SLA_DAYS = 180
SCORE_DAYS = 365
# A customer without a contact plan: the grade's phone interval (engagement defaults, SPEC M2).
GRADE_INTERVAL_DAYS = {"A": 7, "B": 7, "C": 14}
SEVERITY = {"urgent": 1.0, "serious": 0.7, "general": 0.4, "": 0.4}
# A customer needs some history before "fewer orders than before" means anything.
MIN_BASELINE_ORDERS = 2
AT_RISK = 30  # shown in the at-risk list from this score
HIGH_RISK = 60

# What to do about the biggest reason (the page offers it as the default action).
ACTIONS: dict[str, Any] = {
    "silence": gettext_lazy("安排电话联络或拜访，重新建立联系"),
    "order_frequency": gettext_lazy("了解采购变化，提供方案或优惠"),
    "order_amount": gettext_lazy("了解采购变化，提供方案或优惠"),
    "complaints": gettext_lazy("客服主管跟进未结投诉，结案后回访"),
    "sla_breaches": gettext_lazy("复盘超时原因，向客户说明并道歉"),
    "low_scores": gettext_lazy("安排深度回访，了解不满原因"),
    "unanswered_demands": gettext_lazy("向客户同步需求进度"),
    "overdue_followups": gettext_lazy("完成逾期回访"),
}
REASON_LABELS: dict[str, Any] = {
    "silence": gettext_lazy("已 %(days)s 天未联系（计划每 %(interval)s 天）"),
    "order_frequency": gettext_lazy("近 %(window)s 天订单 %(recent)s 笔，以往同期约 %(expected)s 笔"),
    "order_amount": gettext_lazy("近 %(window)s 天采购额 %(recent)s 元，以往同期约 %(expected)s 元"),
    "complaints": gettext_lazy("未结投诉 %(open)s 起（最严重：%(severity)s），近 90 天投诉 %(recent)s 起"),
    "sla_breaches": gettext_lazy("近 180 天服务超时 %(count)s 次"),
    "low_scores": gettext_lazy("近一年最低评分 %(lowest)s 分（5 分制）"),
    "unanswered_demands": gettext_lazy("%(count)s 项需求未按期反馈进度"),
    "overdue_followups": gettext_lazy("%(count)s 次回访已逾期"),
}
RULE_LABELS: dict[str, Any] = {
    "silence": gettext_lazy("超过联络计划未联系"),
    "order_frequency": gettext_lazy("订单次数低于自身以往水平"),
    "order_amount": gettext_lazy("采购金额低于自身以往水平"),
    "complaints": gettext_lazy("未结及近期投诉（按严重程度）"),
    "sla_breaches": gettext_lazy("服务超时"),
    "low_scores": gettext_lazy("满意度评分低"),
    "unanswered_demands": gettext_lazy("需求未按期反馈进度"),
    "overdue_followups": gettext_lazy("回访逾期"),
}
SEVERITY_LABELS: dict[str, Any] = {
    "urgent": gettext_lazy("紧急"),
    "serious": gettext_lazy("严重"),
    "general": gettext_lazy("一般"),
}


def weights() -> dict[str, int]:
    configured = getattr(settings, "KEHU", {}).get("CHURN_WEIGHTS") or {}
    return {code: int(configured.get(code, default)) for code, default in WEIGHTS.items()}


def reason_text(reason: dict[str, Any]) -> str:
    params = dict(reason.get("params") or {})
    if reason.get("code") == "complaints":
        params["severity"] = str(SEVERITY_LABELS.get(params.get("severity", ""), _("一般")))
    template = REASON_LABELS.get(reason.get("code", ""))
    if template is None:
        return str(reason.get("code", ""))
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):  # a row written by an older rule set
        return str(reason.get("code", ""))


def action_text(code: str) -> str:
    return str(ACTIONS.get(code, ""))


def level(score: int) -> str:
    return "high" if score >= HIGH_RISK else "medium" if score >= AT_RISK else "low"


@dataclass
class Signals:
    """What the batch queries found for one customer."""

    grade: str = "C"
    last_contact: dt.date | None = None
    interval: int | None = None
    recent_orders: int = 0
    baseline_orders: int = 0
    recent_amount: Decimal = Decimal(0)
    baseline_amount: Decimal = Decimal(0)
    open_complaints: list[str] = field(default_factory=list)  # natures
    recent_complaints: int = 0
    breaches: int = 0
    lowest_score: int | None = None
    unanswered_demands: int = 0
    overdue_followups: int = 0


def _ratio_points(weight: int, recent: float, expected: float) -> float:
    """Full points when nothing is left of the baseline, half when it halved, none when steady."""
    if expected <= 0:
        return 0.0
    decline = max(0.0, min(1.0, 1.0 - recent / expected))
    return weight * decline if decline >= 0.25 else 0.0


def score(signals: Signals, today: dt.date, w: dict[str, int]) -> tuple[int, list[dict[str, Any]]]:
    """The score and its reasons, biggest first. Pure: tested without a database."""
    reasons: list[dict[str, Any]] = []

    def add(code: str, points: float, **params: Any) -> None:
        if points > 0:
            reasons.append({"code": code, "points": round(points, 1), "params": params})

    interval = signals.interval or GRADE_INTERVAL_DAYS.get(signals.grade, 14)
    if signals.last_contact is not None:
        silent = (today - signals.last_contact).days
        if silent > interval:
            # Full points at three intervals past the plan (or 90 days, whichever is shorter).
            span = min(3 * interval, 90)
            add("silence", w["silence"] * min(1.0, (silent - interval) / span), days=silent, interval=interval)
    expected_orders = signals.baseline_orders * RECENT_DAYS / BASELINE_DAYS
    if signals.baseline_orders >= MIN_BASELINE_ORDERS:
        add(
            "order_frequency",
            _ratio_points(w["order_frequency"], signals.recent_orders, expected_orders),
            window=RECENT_DAYS,
            recent=signals.recent_orders,
            expected=round(expected_orders, 1),
        )
        expected_amount = float(signals.baseline_amount) * RECENT_DAYS / BASELINE_DAYS
        add(
            "order_amount",
            _ratio_points(w["order_amount"], float(signals.recent_amount), expected_amount),
            window=RECENT_DAYS,
            recent=f"{signals.recent_amount:.0f}",
            expected=f"{expected_amount:.0f}",
        )
    if signals.open_complaints or signals.recent_complaints:
        open_weight = sum(SEVERITY.get(n, 0.4) for n in signals.open_complaints)
        points = w["complaints"] * min(1.0, 0.5 * open_weight + 0.15 * signals.recent_complaints)
        worst = max(signals.open_complaints, key=lambda n: SEVERITY.get(n, 0.4), default="general") or "general"
        add("complaints", points, open=len(signals.open_complaints), severity=worst, recent=signals.recent_complaints)
    if signals.breaches:
        add("sla_breaches", w["sla_breaches"] * min(1.0, signals.breaches / 3), count=signals.breaches)
    if signals.lowest_score is not None and signals.lowest_score <= 3:
        add("low_scores", w["low_scores"] * (4 - signals.lowest_score) / 3, lowest=signals.lowest_score)
    if signals.unanswered_demands:
        add("unanswered_demands", w["unanswered_demands"] * min(1.0, signals.unanswered_demands / 2),
            count=signals.unanswered_demands)  # fmt: skip
    if signals.overdue_followups:
        add("overdue_followups", w["overdue_followups"] * min(1.0, signals.overdue_followups / 2),
            count=signals.overdue_followups)  # fmt: skip
    reasons.sort(key=lambda r: -r["points"])
    total = round(min(100.0, sum(r["points"] for r in reasons)))
    return total, reasons


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def collect(customer_ids: Iterable[int], today: dt.date) -> dict[int, Signals]:
    """The signals of a batch of customers: a fixed number of grouped queries, whatever the batch size.

    Point in time: only what was known at the end of `today` counts (contacts, orders, complaints
    received and still open then, breaches, scores), so the back-test (backtest.py) can compute the
    signals of a past cut-off day without seeing its future. For the nightly run `today` is today
    and the bounds change nothing.

    System work on the worker: every read is `.unscoped(...)`, the summary is scoped when read."""
    from kehu.customers.choices import TransactionKind
    from kehu.customers.models import Customer, Transaction
    from kehu.engagement.choices import FollowUpStatus
    from kehu.engagement.models import ContactPlan, FollowUp, Interaction
    from kehu.feedback.models import SurveyResponse
    from kehu.servicedesk.choices import ComplaintState, DemandState
    from kehu.servicedesk.models import Complaint, Demand, SlaTimer

    why = "churn risk job: every customer, summary read is scoped"
    ids = list(customer_ids)
    end = _aware(today + dt.timedelta(days=1))  # the end of `today`: nothing later is known
    signals = {
        # An archive entered after `today` (history imported later) says nothing about silence then.
        pk: Signals(grade=grade, last_contact=created.date() if created and created.date() <= today else None)
        for pk, grade, created in Customer._base_manager.filter(pk__in=ids).values_list("pk", "grade", "created_at")
    }
    for pk, last, interval in (
        ContactPlan.objects.unscoped(why)
        .filter(customer_id__in=ids)
        .values_list("customer_id", "last_contact_on", "phone_every_days")
    ):
        if pk in signals:
            signals[pk].interval = interval
            if last is not None and last <= today:
                signals[pk].last_contact = max(last, signals[pk].last_contact or last)
    for pk, last in (
        Interaction.objects.unscoped(why)
        .filter(customer_id__in=ids, occurred_at__lt=end)
        .values("customer_id")
        .annotate(last=Max("occurred_at"))
        .values_list("customer_id", "last")
    ):
        day = timezone.localdate(last)
        current = signals[pk].last_contact
        # An interaction is a contact; a creation date is only the start of the silence clock.
        signals[pk].last_contact = day if current is None or day > current else current
    recent_start = today - dt.timedelta(days=RECENT_DAYS)
    baseline_start = recent_start - dt.timedelta(days=BASELINE_DAYS)
    sales = Q(kind=TransactionKind.SALE)
    for row in (
        Transaction.objects.unscoped(why)
        .filter(customer_id__in=ids, occurred_on__gte=baseline_start, occurred_on__lte=today)
        .values("customer_id")
        .annotate(
            recent_orders=Count("id", filter=sales & Q(occurred_on__gte=recent_start)),
            baseline_orders=Count("id", filter=sales & Q(occurred_on__lt=recent_start)),
            recent_amount=Sum("amount", filter=sales & Q(occurred_on__gte=recent_start)),
            baseline_amount=Sum("amount", filter=sales & Q(occurred_on__lt=recent_start)),
        )
    ):
        s = signals[row["customer_id"]]
        s.recent_orders, s.baseline_orders = row["recent_orders"], row["baseline_orders"]
        s.recent_amount = row["recent_amount"] or Decimal(0)
        s.baseline_amount = row["baseline_amount"] or Decimal(0)
    complaint_since = _aware(today - dt.timedelta(days=COMPLAINT_DAYS))
    open_then = ~Q(state=ComplaintState.CLOSED) | Q(closed_at__gte=end)
    for pk, state, closed, nature, received in (
        Complaint.objects.unscoped(why)
        .filter(Q(customer_id__in=ids, received_at__lt=end) & (open_then | Q(received_at__gte=complaint_since)))
        .values_list("customer_id", "state", "closed_at", "nature", "received_at")
    ):
        if state != ComplaintState.CLOSED or (closed is not None and closed >= end):
            signals[pk].open_complaints.append(nature or "")
        if received >= complaint_since:
            signals[pk].recent_complaints += 1
    sla_since = _aware(today - dt.timedelta(days=SLA_DAYS))
    breached = SlaTimer.objects.unscoped(why).filter(breached_at__gte=sla_since, breached_at__lt=end)
    for path in ("complaint", "ticket", "demand", "consultation"):
        for pk, count in (
            breached.filter(**{f"{path}__customer_id__in": ids})
            .values(f"{path}__customer_id")
            .annotate(n=Count("id"))
            .values_list(f"{path}__customer_id", "n")
        ):
            signals[pk].breaches += count
    score_since = _aware(today - dt.timedelta(days=SCORE_DAYS))
    for pk, lowest in (
        FollowUp.objects.unscoped(why)
        .filter(customer_id__in=ids, status=FollowUpStatus.DONE, satisfaction__isnull=False, done_at__gte=score_since)
        .filter(done_at__lt=end)
        .values("customer_id")
        .annotate(low=Min("satisfaction"))
        .values_list("customer_id", "low")
    ):
        signals[pk].lowest_score = lowest
    for pk, lowest in (
        SurveyResponse.objects.unscoped(why)
        .filter(customer_id__in=ids, lowest_rating__isnull=False, submitted_at__gte=score_since)
        .filter(submitted_at__lt=end)
        .values("customer_id")
        .annotate(low=Min("lowest_rating"))
        .values_list("customer_id", "low")
    ):
        known = signals[pk].lowest_score
        signals[pk].lowest_score = lowest if known is None else min(known, lowest)
    now = min(timezone.now(), end)
    for pk, every, last, raised in (
        Demand.objects.unscoped(why)
        .filter(Q(customer_id__in=ids, raised_at__lte=today) & (~Q(state=DemandState.DONE) | Q(done_at__gte=end)))
        .values_list("customer_id", "progress_every_days", "last_progress_at", "raised_at")
    ):
        # Only the latest progress report is stored: one made after `today` is not known then.
        since = last if last is not None and last < end else _aware(raised)
        if (now - since).days > (every or 14):
            signals[pk].unanswered_demands += 1
    for pk, count in (
        FollowUp.objects.unscoped(why)
        .filter(customer_id__in=ids, due_on__lt=today)
        .filter(Q(status=FollowUpStatus.PLANNED) | Q(status=FollowUpStatus.DONE, done_at__gte=end))
        .values("customer_id")
        .annotate(n=Count("id"))
        .values_list("customer_id", "n")
    ):
        signals[pk].overdue_followups = count
    return signals
