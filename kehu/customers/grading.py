"""Customer grading (SPEC M2): a score from data-driven weights, proposals cut at target shares, regrade.

The score is 0..100: each factor is scaled to 0..1 and weighted by the GradingPolicy in force.
Proposals only propose; a person confirms each change through `customer_regrade` with a reason.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.db import transaction
from django.db.models import Count, DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.core import events
from kehu.core.exceptions import DomainError

from .choices import Grade, IndustryStanding, Priority
from .models import Customer, GradeChange, GradingPolicy, Transaction

STANDING_SCORE: dict[str, float] = {
    IndustryStanding.LEADER: 1.0,
    IndustryStanding.INFLUENTIAL: 0.8,
    IndustryStanding.MEDIUM: 0.5,
    IndustryStanding.SMALL: 0.3,
    IndustryStanding.OTHER: 0.2,
}


def current_policy() -> GradingPolicy:
    policy = GradingPolicy.objects.order_by("-id").first()
    return policy or GradingPolicy.objects.create()


def _log_scale(value: float, full: float) -> float:
    """0 at 0, 1 at `full` and above, logarithmic in between (capital and staff span orders of magnitude)."""
    if value <= 0:
        return 0.0
    return min(math.log10(1 + value) / math.log10(1 + full), 1.0)


def score(
    *,
    policy: GradingPolicy,
    region: str,
    industry_standing: str,
    registered_capital: Decimal | None,
    staff: int,
    deal_probability: int,
    sales_12m: Decimal,
) -> Decimal:
    key_regions = policy.key_regions.split()
    region_part = 1.0 if any(k and k in region for k in key_regions) else 0.3
    strength = (
        STANDING_SCORE.get(industry_standing, 0.2)
        + _log_scale(float(registered_capital or 0), 1e8)
        + _log_scale(float(staff), 2000)
    ) / 3
    probability = min(max(deal_probability, 0), 100) / 100
    sales = min(float(sales_12m or 0) / float(policy.sales_full_score or 1), 1.0)
    weights = (policy.weight_region, policy.weight_strength, policy.weight_probability, policy.weight_sales)
    total = sum(weights) or 1
    value = (
        (weights[0] * region_part + weights[1] * strength + weights[2] * probability + weights[3] * sales) * 100 / total
    )
    return Decimal(str(round(value, 2)))


@dataclass
class Proposal:
    customer_id: int
    name: str
    archive_no: str
    score: Decimal
    grade: str
    priority: str
    proposed_grade: str
    proposed_priority: str

    @property
    def changes(self) -> bool:
        return (self.grade, self.priority) != (self.proposed_grade, self.proposed_priority)


def _with_sales(queryset: QuerySet[Customer]) -> Any:
    since = timezone.localdate() - dt.timedelta(days=365)
    sales = (
        Transaction.objects.filter(customer=OuterRef("pk"), occurred_on__gte=since)
        .values("customer")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return queryset.annotate(
        sales_12m=Coalesce(
            Subquery(sales), Value(Decimal("0")), output_field=DecimalField(max_digits=16, decimal_places=2)
        )
    )


def target_shares() -> dict[str, int]:
    return cast(dict[str, int], settings.KEHU["GRADE_TARGET_SHARES"])


def proposed_priority(grade: str, current: str) -> str:
    if grade == Grade.A:
        return Priority.CORE
    return Priority.NORMAL if current == Priority.CORE else current


def grade_proposals(customers: QuerySet[Customer], *, policy: GradingPolicy | None = None) -> list[Proposal]:
    """Rank the active customers by score and cut at the target shares (A 20 %, B 40 %, C 40 %)."""
    policy = policy or current_policy()
    rows: Any = _with_sales(customers.filter(is_archived=False)).values_list(
        "id",
        "name",
        "archive_no",
        "grade",
        "priority",
        "region",
        "industry_standing",
        "registered_capital",
        "staff_chinese",
        "staff_foreign",
        "deal_probability",
        "sales_12m",
    )
    scored = []
    for pk, name, no, grade, priority, region, standing, capital, chinese, foreign, probability, sales in rows:
        value = score(
            policy=policy,
            region=region,
            industry_standing=standing,
            registered_capital=capital,
            staff=(chinese or 0) + (foreign or 0),
            deal_probability=probability,
            sales_12m=sales,
        )
        scored.append((value, pk, name, no, grade, priority))
    scored.sort(key=lambda row: (-row[0], row[1]))
    shares = target_shares()
    count = len(scored)
    a_cut = round(count * shares["A"] / 100)
    b_cut = a_cut + round(count * shares["B"] / 100)
    proposals = []
    for index, (value, pk, name, no, grade, priority) in enumerate(scored):
        new_grade = Grade.A if index < a_cut else Grade.B if index < b_cut else Grade.C
        proposals.append(
            Proposal(pk, name, no, value, grade, priority, str(new_grade), str(proposed_priority(new_grade, priority)))
        )
    return proposals


def grade_distribution(customers: QuerySet[Customer]) -> dict[str, int]:
    counts = {g.value: 0 for g in Grade}
    for row in customers.filter(is_archived=False).values("grade").annotate(n=Count("id")):
        counts[row["grade"]] = row["n"]
    return counts


@transaction.atomic
def customer_regrade(*, actor: Any, customer: Customer, grade: str, priority: str, reason: str) -> GradeChange:
    errors: dict[str, list[str]] = {}
    if grade not in Grade.values:
        errors["grade"] = [_("等级无效。")]
    if priority not in Priority.values:
        errors["priority"] = [_("优先级无效。")]
    if not (reason or "").strip():
        errors["reason"] = [_("请填写调整原因。")]
    if errors:
        raise DomainError(_("输入有误，请检查标出的字段。"), field_errors=errors)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    change = GradeChange.objects.create(
        customer=customer,
        old_grade=customer.grade,
        new_grade=grade,
        old_priority=customer.priority,
        new_priority=priority,
        reason=reason.strip()[:300],
        actor=actor,
    )
    customer.grade, customer.priority = grade, priority
    customer._history_user = actor  # type: ignore[attr-defined]
    customer.save(update_fields=["grade", "priority", "updated_at"])
    events.publish(
        "customer_regraded",
        customer_id=customer.pk,
        old_grade=change.old_grade,
        new_grade=grade,
        old_priority=change.old_priority,
        new_priority=priority,
        actor_id=actor.pk,
    )
    return change
