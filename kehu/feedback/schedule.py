"""Who is due for a survey or an evaluation under the grade policy (SurveyPolicy rows: data)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q

from .models import Evaluation, SurveyInvitation, SurveyPolicy


def _interval_days(per_year: int) -> int:
    return 365 // max(per_year, 1)


def survey_due_condition(now: dt.datetime) -> Q:
    """Customers whose grade's interval passed since their last survey invitation (or never surveyed)."""
    condition = Q(pk__in=[])
    for policy in SurveyPolicy.objects.filter(surveys_per_year__gt=0):
        since = now - dt.timedelta(days=_interval_days(policy.surveys_per_year))
        recent = SurveyInvitation.objects.unscoped("a condition inside the caller's restricted customers").filter(
            customer=OuterRef("pk"), sent_at__gte=since
        )
        condition |= Q(grade=policy.grade) & ~Q(Exists(recent))
    return condition


def evaluation_due_condition(today: dt.date) -> Q:
    condition = Q(pk__in=[])
    for policy in SurveyPolicy.objects.filter(evaluations_per_year__gt=0):
        since = today - dt.timedelta(days=_interval_days(policy.evaluations_per_year))
        recent = Evaluation.objects.unscoped("a condition inside the caller's restricted customers").filter(
            customer=OuterRef("pk"), evaluated_on__gte=since
        )
        condition |= Q(grade=policy.grade) & ~Q(Exists(recent))
    return condition
