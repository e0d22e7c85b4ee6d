"""Customer grading (SPEC M2): a score from data-driven weights, proposals cut at target shares, regrade.

The score is 0..100: each factor is scaled to 0..1 and weighted by the GradingPolicy in force.
Proposals only propose; a person confirms each change through `customer_regrade` with a reason.
Scores and proposed grades are computed by a background run (`grading_run`: nightly, or started from
the grading page) and stored on the customer, so the grading page reads them through an index
instead of scoring a million customers per click.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.access import roles
from kehu.core import events
from kehu.core.exceptions import DomainError

from .choices import Grade, IndustryStanding, Priority
from .models import Customer, GradeChange, GradingPolicy, GradingRun, Transaction, net_amount

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
        .annotate(total=Sum(net_amount()))
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


def _score_batch(policy: GradingPolicy, ids: list[int]) -> list[Customer]:
    rows: Any = _with_sales(Customer.objects.filter(pk__in=ids)).values_list(
        "id",
        "region",
        "industry_standing",
        "registered_capital",
        "staff_chinese",
        "staff_foreign",
        "deal_probability",
        "sales_12m",
    )
    return [
        Customer(
            pk=pk,
            score=score(
                policy=policy,
                region=region,
                industry_standing=standing,
                registered_capital=capital,
                staff=(chinese or 0) + (foreign or 0),
                deal_probability=probability,
                sales_12m=sales,
            ),
        )
        for pk, region, standing, capital, chinese, foreign, probability, sales in rows
    ]


def _score_range_sql(policy: GradingPolicy, after_id: int, upto_id: int) -> int:
    """score() for the active customers with after_id < id <= upto_id in one UPDATE (PostgreSQL):
    the same formula in SQL, with the twelve months' sales summed per customer in the same statement.
    At 100k customers the per-row path took 144 s, most of it in bulk_update's CASE per row."""
    regions = [k for k in policy.key_regions.split() if k]
    region_part = (
        "CASE WHEN " + " OR ".join(["strpos(c.region, %s) > 0"] * len(regions)) + " THEN 1.0 ELSE 0.3 END"
        if regions
        else "0.3"
    )
    standing = " ".join(f"WHEN '{key}' THEN {value!r}" for key, value in STANDING_SCORE.items())

    def log_scale(value: str, full: float) -> str:
        return f"(CASE WHEN {value} <= 0 THEN 0.0 ELSE LEAST(log(1.0 + {value}) / log({1.0 + full!r}), 1.0) END)"

    capital = "COALESCE(c.registered_capital, 0)::float8"
    staff = "(COALESCE(c.staff_chinese, 0) + COALESCE(c.staff_foreign, 0))::float8"
    weights = (policy.weight_region, policy.weight_strength, policy.weight_probability, policy.weight_sales)
    total = sum(weights) or 1
    value = (
        f"(%s * {region_part}"
        f" + %s * (COALESCE(CASE c.industry_standing {standing} END, 0.2) + {log_scale(capital, 1e8)}"
        f" + {log_scale(staff, 2000)}) / 3.0"
        " + %s * LEAST(GREATEST(c.deal_probability, 0), 100) / 100.0"
        " + %s * LEAST(COALESCE(t.total, 0)::float8 / %s, 1.0)) * 100.0 / %s"
    )
    sql = (
        f"UPDATE {Customer._meta.db_table} AS target SET score = ROUND(s.value::numeric, 2) FROM ("
        f"SELECT c.id, {value} AS value FROM {Customer._meta.db_table} AS c LEFT JOIN ("
        f"SELECT customer_id, SUM(amount) AS total FROM {Transaction._meta.db_table}"
        " WHERE occurred_on >= %s AND customer_id > %s AND customer_id <= %s GROUP BY customer_id"
        ") AS t ON t.customer_id = c.id WHERE c.id > %s AND c.id <= %s AND NOT c.is_archived"
        # Unchanged scores are not written: every written row is a new version in every index (GIN too).
        ") AS s WHERE target.id = s.id AND target.score IS DISTINCT FROM ROUND(s.value::numeric, 2)"
    )
    since = timezone.localdate() - dt.timedelta(days=365)
    params: list[Any] = [
        weights[0],
        *regions,
        weights[1],
        weights[2],
        weights[3],
        float(policy.sales_full_score or 1),
        total,
        since,
        after_id,
        upto_id,
        after_id,
        upto_id,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    return Customer.objects.filter(pk__gt=after_id, pk__lte=upto_id, is_archived=False).count()


def _rank_at(active: QuerySet[Customer], position: int) -> Q | None:
    """Customers ranked before `position` (0-based) in (-score, id) order, as a condition:
    score above the score at that rank, or equal to it with a smaller-or-equal id."""
    if position <= 0:
        return None
    row = active.order_by("-score", "id").values_list("score", "id")[position - 1 : position].first()
    if row is None:
        return Q(pk__isnull=False)
    cut_score, cut_id = row
    return Q(score__gt=cut_score) | Q(score=cut_score, id__lte=cut_id)


def _proposed_grade_expression(active: QuerySet[Customer], total: int) -> Case:
    shares = target_shares()
    a_cut = round(total * shares["A"] / 100)
    b_cut = a_cut + round(total * shares["B"] / 100)
    whens = [
        When(condition, then=Value(grade))
        for grade, condition in ((Grade.A, _rank_at(active, a_cut)), (Grade.B, _rank_at(active, b_cut)))
        if condition is not None
    ]
    return Case(*whens, default=Value(Grade.C.value), output_field=CharField())


def grading_run(*, run_id: int, batch_size: int = 2000) -> GradingRun:
    """Score every active customer in keyset batches (bounded memory, progress saved per batch),
    then cut the ranking at the target shares into proposed grades with one UPDATE.
    Safe to run twice: it only ever overwrites score and proposed_grade."""
    run = GradingRun.objects.get(pk=run_id)
    policy = current_policy()
    active = Customer.objects.filter(is_archived=False)
    try:
        run.total = active.count()  # once per run, in the background: not a list page
        run.save(update_fields=["total"])
        last_id = 0
        set_based = connection.vendor == "postgresql"
        step = batch_size * 10 if set_based else batch_size
        while True:
            ids = active.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)
            upto = ids[step - 1 : step].first() or ids.order_by("-pk").first()
            if upto is None:
                break
            with transaction.atomic():
                if set_based:
                    run.processed += _score_range_sql(policy, last_id, upto)
                else:
                    batch = list(ids.filter(pk__lte=upto))
                    Customer.objects.bulk_update(_score_batch(policy, batch), ["score"])
                    run.processed += len(batch)
            last_id = upto
            run.save(update_fields=["processed"])
        with transaction.atomic():
            proposed = _proposed_grade_expression(active, run.total)
            # Only rows whose proposal changes are written (each write is a new row version in every index).
            active.exclude(proposed_grade=proposed).update(proposed_grade=proposed)
            Customer.objects.filter(is_archived=True).exclude(proposed_grade="").update(proposed_grade="")
        run.distribution = {
            "current": _counts(active, "grade"),
            "proposed": _counts(active, "proposed_grade"),
        }
        run.status, run.finished_at = GradingRun.Status.DONE, timezone.now()
    except Exception as error:
        run.status, run.finished_at, run.error = GradingRun.Status.FAILED, timezone.now(), repr(error)[:2000]
        run.save(update_fields=["status", "finished_at", "error"])
        raise
    run.save(update_fields=["distribution", "status", "finished_at"])
    return run


def _counts(customers: QuerySet[Customer], field: str) -> dict[str, int]:
    counts = {g.value: 0 for g in Grade}
    for row in customers.values(field).annotate(n=Count("id")):
        if row[field] in counts:
            counts[row[field]] = row["n"]
    return counts


def grading_run_start(*, actor: Any = None) -> GradingRun:
    """Start a scoring run in the background, or return the one already running."""
    from .tasks import grading_run_task

    stale = timezone.now() - dt.timedelta(hours=6)  # a worker killed mid-run must not block the next
    running = GradingRun.objects.filter(status=GradingRun.Status.RUNNING, started_at__gte=stale).first()
    if running:
        return running
    run = GradingRun.objects.create(started_by=actor)
    transaction.on_commit(lambda: grading_run_task.enqueue(run.pk))
    return run


def latest_grading_run() -> GradingRun | None:
    return GradingRun.objects.order_by("-id").first()


def grade_proposals(customers: QuerySet[Customer], *, show_all: bool = False, limit: int = 200) -> list[Proposal]:
    """The stored proposals of the last grading run, best score first. Reads through the
    (-score, id) index and stops after `limit` rows, so the page costs the same at 1M customers."""
    queryset = customers.filter(is_archived=False).exclude(proposed_grade="")
    if not show_all:  # the same test as Proposal.changes, in SQL (see proposed_priority)
        is_core = Q(priority=Priority.CORE)
        to_a = Q(proposed_grade=Grade.A)
        queryset = queryset.filter(~Q(proposed_grade=F("grade")) | (to_a & ~is_core) | (~to_a & is_core))
    rows = queryset.order_by("-score", "id").values_list(
        "id", "name", "archive_no", "score", "grade", "priority", "proposed_grade"
    )[:limit]
    return [
        Proposal(pk, name, no, value, grade, priority, new_grade, str(proposed_priority(new_grade, priority)))
        for pk, name, no, value, grade, priority, new_grade in rows
    ]


def grade_distribution(customers: QuerySet[Customer]) -> dict[str, int]:
    counts = {g.value: 0 for g in Grade}
    for row in customers.filter(is_archived=False).values("grade").annotate(n=Count("id")):
        counts[row["grade"]] = row["n"]
    return counts


@transaction.atomic
def customer_regrade(*, actor: Any, customer: Customer, grade: str, priority: str, reason: str) -> GradeChange:
    """A marketing manager (or above) confirms a grade with a reason (SPEC M2; 档案管理方案 七.3)."""
    if not roles.is_grader(actor):
        raise PermissionDenied(_("只有市场营销经理及以上可以调整等级。"))
    errors: dict[str, list[str]] = {}
    if grade not in Grade.values:
        errors["grade"] = [_("等级无效。")]
    if priority not in Priority.values:
        errors["priority"] = [_("优先级无效。")]
    if not (reason or "").strip():
        errors["reason"] = [_("请填写调整原因。")]
    if errors:
        raise DomainError(_("输入有误，请检查标出的字段。"), field_errors=errors)
    locked = Customer.objects.restrict(actor, "view").select_for_update().filter(pk=customer.pk).first()
    if locked is None:
        raise PermissionDenied(_("客户不存在或您无权查看。"))
    customer = locked
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
