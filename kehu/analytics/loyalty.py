"""Satisfaction and loyalty per segment (满意度与忠诚度, SPEC M11), by grade or region.

Per segment, over a period of whole months (the monthly sales summary answers the purchases):
- customers: the customers the viewer may view in the segment (current grade / region);
- repeat_buyers: of those, customers with two or more sales in the period (repeat purchase);
- long_standing: customers with us three years or more (tenure);
- members: customers holding a membership tier (kehu.loyalty);
(These four are read from the worker's period summary, cube.py: the rows of the viewer's scope.)
- responses / satisfaction_avg / nps_avg / low: named survey responses submitted in the period,
  grouped by the grade and region the customer had when answering (as feedback stores them), the
  average of 1–5 rating answers, the average 0–10 recommendation, and responses with a rating ≤ 2.
Anonymous responses have no customer and are not readable as rows (feedback's rule), so they are
left out; confidential waves count only for customer service (feedback's access rule applies).
Three grouped queries whatever the number of customers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Avg, Count, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.access import policy
from kehu.customers.choices import Grade

from .selectors import LOOKUP, cube_for, outside_rules

SEGMENTS = ("grade", "region")
FIELDS = ("customers", "repeat_buyers", "long_standing", "members", "responses", "satisfaction_avg", "nps_avg", "low")


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _label(by: str, key: Any) -> str:
    if by == "grade":
        return str(dict(Grade.choices).get(key, key or "—"))
    return str(key) if key else _("（未填）")


def customer_figures(customers: Any, fields: tuple[str, ...], *, since: dt.date, until: dt.date) -> Any:
    """customers, repeat_buyers, long_standing and members of the given customers grouped by `fields`:
    one grouped query, the live one (restricted customers, one segment) and the worker's (every
    customer, by grade and region at once: a customer is in one (grade, region) pair, so each
    segment's counts are the sums of its pairs)."""
    from .models import SalesMonth

    repeat = (
        SalesMonth.objects.unscoped("a subquery of customer ids inside the outer customer query")
        .filter(month__gte=since.replace(day=1), month__lte=until)
        .values("customer_id")
        .annotate(sales=Sum("deals"))
        .filter(sales__gte=2)
        .values("customer_id")
    )
    three_years_ago = timezone.now() - dt.timedelta(days=3 * 365)
    return (
        customers.values(*fields)
        .annotate(
            customers=Count("pk"),
            repeat_buyers=Count("pk", filter=Q(pk__in=repeat)),
            long_standing=Count("pk", filter=Q(created_at__lte=three_years_ago)),
            members=Count("pk", filter=Q(membership__tier__isnull=False) | Q(membership__override_tier__isnull=False)),
        )
        .order_by(*fields)
    )


CUSTOMER_FIELDS = ("customers", "repeat_buyers", "long_standing", "members")


def segment_table(user: Any, *, by: str, since: dt.date, until: dt.date, summary: Any = LOOKUP) -> list[dict[str, Any]]:
    """The segment rows. The customer figures come from the precomputed period when it answers
    (selectors.cube_for: the rows of the viewer's scope, their granted customers outside it counted
    live), instead of a scan of the customers; the survey figures are always read live: they follow
    feedback's own rule (confidential waves) and are few rows of the period."""
    from kehu.customers.models import Customer
    from kehu.feedback.choices import QuestionKind
    from kehu.feedback.models import SurveyAnswer, SurveyResponse

    from .models import LoyaltyCell

    if by not in SEGMENTS:
        raise ValueError(by)
    if summary is LOOKUP:
        summary = cube_for(user, since, until)
    rows: dict[Any, dict[str, Any]] = {}

    def row(key: Any) -> dict[str, Any]:
        key = key or ""
        empty = {"key": key, "label": _label(by, key), **dict.fromkeys(FIELDS, 0)}
        return rows.setdefault(key, {**empty, "satisfaction_avg": None, "nps_avg": None})

    if summary is not None:
        cells = summary.rows(LoyaltyCell.objects).filter(by=by)
        if not summary.scope.every:
            cells = cells.filter(policy.scope_q(summary.scope, user))
        sums = {name: Sum(name) for name in CUSTOMER_FIELDS}
        figures = list(cells.values("key").annotate(**sums).order_by("key"))
        if summary.grants:  # disjoint from the cells: the counts add up
            granted = outside_rules(Customer.objects.restrict(user, "view"), summary.scope, user, through="")
            figures += [
                {"key": r[by], **{k: r[k] for k in CUSTOMER_FIELDS}}
                for r in customer_figures(granted, (by,), since=since, until=until)
            ]
        for cell in figures:
            target = row(cell["key"])
            for name in CUSTOMER_FIELDS:
                target[name] += cell[name]
    else:
        for r in customer_figures(Customer.objects.restrict(user, "view"), (by,), since=since, until=until):
            row(r[by]).update({k: r[k] for k in CUSTOMER_FIELDS})
    period = {"submitted_at__gte": _aware(since), "submitted_at__lt": _aware(until + dt.timedelta(days=1))}
    for r in (
        SurveyResponse.objects.restrict(user, "view")
        .filter(**period)
        .values(by)
        .annotate(responses=Count("pk"), nps_avg=Avg("nps"), low=Count("pk", filter=Q(lowest_rating__lte=2)))
        .order_by(by)
    ):
        row(r[by]).update(
            responses=r["responses"], low=r["low"], nps_avg=round(float(r["nps_avg"]), 1) if r["nps_avg"] else None
        )
    answer_by = "grade" if by == "grade" else "response__region"
    for r in (
        SurveyAnswer.objects.restrict(user, "view")
        .filter(question__kind=QuestionKind.RATING, number__isnull=False)
        .filter(**{f"response__{k}": v for k, v in period.items()})
        .values(answer_by)
        .annotate(avg=Avg("number"))
        .order_by(answer_by)
    ):
        row(r[answer_by])["satisfaction_avg"] = round(float(r["avg"]), 2)
    result = sorted(rows.values(), key=lambda r: (-r["customers"], str(r["key"])))
    for r in result:
        r["repeat_rate"] = round(100 * r["repeat_buyers"] / r["customers"], 1) if r["customers"] else None
    return result


# --- trend per survey wave ------------------------------------------------------------------------

WAVE_LIMIT = 24  # the latest waves of the period; a company runs a few a year
WAVE_FIELDS = ("responses", "satisfaction_avg", "nps_avg", "nps", "promoters", "detractors", "low")


def wave_trend(user: Any, *, since: dt.date, until: dt.date, grade: str = "") -> list[dict[str, Any]]:
    """Satisfaction and NPS per survey wave, oldest first (趋势): one grouped query over the named
    responses the viewer may view, one over their 1–5 rating answers. NPS is the share of promoters
    (9–10) minus detractors (0–6) among the responses that answered it, in points (−100…100).
    `grade` narrows to responses given while the customer had that grade. Anonymous responses are not
    readable as rows (feedback's rule) and are left out, as on the segment table."""
    from kehu.feedback.choices import QuestionKind
    from kehu.feedback.models import SurveyAnswer, SurveyResponse

    period = {"submitted_at__gte": _aware(since), "submitted_at__lt": _aware(until + dt.timedelta(days=1))}
    responses = SurveyResponse.objects.restrict(user, "view").filter(**period)
    if grade:
        responses = responses.filter(grade=grade)
    waves = list(
        responses.values("wave_id", "wave__name")
        .annotate(
            first=Min("submitted_at"),
            responses=Count("pk"),
            nps_answers=Count("nps"),
            nps_avg=Avg("nps"),
            promoters=Count("pk", filter=Q(nps__gte=9)),
            detractors=Count("pk", filter=Q(nps__lte=6)),
            low=Count("pk", filter=Q(lowest_rating__lte=2)),
        )
        .order_by("-first", "-wave_id")[:WAVE_LIMIT]
    )
    waves.reverse()
    answers = SurveyAnswer.objects.restrict(user, "view").filter(
        question__kind=QuestionKind.RATING,
        number__isnull=False,
        wave_id__in=[w["wave_id"] for w in waves],
        **{f"response__{k}": v for k, v in period.items()},
    )
    if grade:
        answers = answers.filter(grade=grade)
    satisfaction = {r["wave_id"]: r["avg"] for r in answers.values("wave_id").annotate(avg=Avg("number")).order_by()}
    result = []
    for w in waves:
        answered = w["nps_answers"]
        result.append(
            {
                "wave_id": w["wave_id"],
                "name": w["wave__name"],
                "first": timezone.localdate(w["first"]),
                "responses": w["responses"],
                "satisfaction_avg": round(float(satisfaction[w["wave_id"]]), 2)
                if w["wave_id"] in satisfaction
                else None,
                "nps_avg": round(float(w["nps_avg"]), 1) if w["nps_avg"] is not None else None,
                "nps": round(100 * (w["promoters"] - w["detractors"]) / answered, 1) if answered else None,
                "promoters": w["promoters"],
                "detractors": w["detractors"],
                "low": w["low"],
            }
        )
    return result
