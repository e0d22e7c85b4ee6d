"""Customer composition (客户构成分析, SPEC M11): sales amount and quantity by grade, product, region,
industry and owner, Pareto, grade migration and where to focus.

Read-only; every figure starts from the rows the user may view (restrict), and each is one GROUP BY
query, so a click never loops over rows in Python. When the range is one of the periods the worker
precomputes (cube.py), the figures are read from its rows, keyed by the customers' grade and owner:
every row for a viewer who sees every customer, the rows their rules select for anyone else, plus
their granted customers read live (`cube_for`, ADR 0023). The live queries stay the definition the
worker runs, unscoped.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Case, Count, DecimalField, IntegerField, Max, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models import functions as fn
from django.utils.translation import gettext as _

from kehu.access import policy, roles
from kehu.customers.choices import Grade, IndustryStanding, TransactionKind
from kehu.customers.models import Transaction, net_amount

from .models import (
    ChurnRisk,
    CompositionCell,
    CompositionSegment,
    CompositionTop,
    GradeFlow,
    GradeFlowBuild,
    GradeSnapshot,
    SalesMonth,
    SummaryPeriod,
)

# by= of the composition API -> the grouped field of a transaction
DIMENSIONS: dict[str, str] = {
    "grade": "customer__grade",
    "product": "product",
    "region": "customer__region",
    # The archive has no industry code; its industry field is the standing in the industry (行业地位).
    "industry": "customer__industry_standing",
    "owner": "customer__owner",
}
OWNER_NAME = ("customer__owner__last_name", "customer__owner__first_name", "customer__owner__username")
TOP_PRECOMPUTED = 20  # top customers kept per precomputed period


@dataclass(frozen=True)
class Share:
    label: str
    amount: Decimal
    customers: int
    share: float  # of the total amount, 0..1
    quantity: int = 0
    quantity_share: float = 0.0
    key: Any = None


def net_quantity() -> Any:
    """Units as they count: a refund's units come back."""
    from django.db.models import Case, F, When

    return Case(
        When(kind=TransactionKind.REFUND, then=-F("quantity")), default=F("quantity"), output_field=IntegerField()
    )


def whole_months(since: dt.date, until: dt.date) -> bool:
    """Does [since, until] cover whole calendar months? Then the monthly summary answers it exactly."""
    return since.day == 1 and (until + dt.timedelta(days=1)).day == 1


def _sums(summary: bool) -> dict[str, Any]:
    amount: Any = Sum("amount") if summary else Sum(net_amount())
    quantity: Any = Sum("quantity") if summary else Sum(net_quantity())
    return {
        "amount": fn.Coalesce(amount, Value(Decimal(0)), output_field=DecimalField()),
        "quantity": fn.Coalesce(quantity, Value(0), output_field=IntegerField()),
        "customers": Count("customer", distinct=True),
    }


def _deals(summary: bool) -> Any:
    return Sum("deals") if summary else Count("id", filter=Q(kind=TransactionKind.SALE))


def _sales_for(user: Any, since: dt.date, until: dt.date) -> tuple[Any, bool]:
    """The rows the figures are summed from, restricted, and whether they are the monthly summary.

    Whole months (the page's default) read SalesMonth: one row per customer, product and month
    instead of every transaction. A range that cuts a month falls back to the live transactions,
    which the summary cannot split; both carry `customer` and `product`, so DIMENSIONS apply alike."""
    if whole_months(since, until):
        return SalesMonth.objects.restrict(user, "view").filter(month__gte=since, month__lte=until), True
    return Transaction.objects.restrict(user, "view").filter(occurred_on__gte=since, occurred_on__lte=until), False


def _label(by: str, row: dict[str, Any]) -> str:
    key: Any = row.get(DIMENSIONS[by])
    if by in ("grade", "industry"):
        labels: dict[Any, Any] = dict(Grade.choices if by == "grade" else IndustryStanding.choices)
        return str(labels.get(key, key or "—"))
    if by == "owner":
        name = f"{row.get(OWNER_NAME[0]) or ''}{row.get(OWNER_NAME[1]) or ''}"
        return name or str(row.get(OWNER_NAME[2]) or "—")
    return str(key) if key else _("（未填）")


# A summary argument not given: look the period up (views look it up once and pass it to each).
LOOKUP: Any = object()


@dataclass(frozen=True)
class CubeRead:
    """A precomputed period and the part of it one viewer reads: the rows their rules' scope selects
    (every row when that scope is every customer), plus, when they hold grants on customers outside
    it (`grants`), those customers' sales read live. The two parts are disjoint, so they add up."""

    period: SummaryPeriod
    user: Any
    scope: policy.RuleScope
    grants: bool

    @property
    def refreshed_at(self) -> Any:
        return self.period.refreshed_at

    def rows(self, objects: Any) -> Any:
        """The period's rows of a summary manager or queryset."""
        return objects.filter(period_start=self.period.period_start, period_end=self.period.period_end)


def cube_for(user: Any, since: dt.date, until: dt.date) -> CubeRead | None:
    """How the composition figures of [since, until] are read from the summary, or None for the live
    path: a period the worker precomputes and has built; for a limited viewer, one whose rows were
    built after the last customer moved between grades or owners (the rows' keys), so a customer
    who left their scope is not in their sums. Two indexed queries at most (the period; a limited
    viewer's grants)."""
    if not roles.is_active(user):
        return None  # restrict() gives them nothing: the live path says so
    period = SummaryPeriod.objects.filter(period_start=since, period_end=until, refreshed_at__isnull=False).first()
    if period is None:
        return None
    scope = policy.rule_scope(user, "view")
    if scope.every:
        return CubeRead(period, user, scope, grants=False)
    if period.moved_built_version < period.moved_version:
        return None
    return CubeRead(period, user, scope, grants=holds_grants(user))


def holds_grants(user: Any) -> bool:
    """Does the viewer hold an approved grant to view a customer (read live beside the summary)?"""
    return policy.active_grants(user, policy.GRANT_SCOPES["view"]).exists()


def outside_rules(queryset: Any, scope: policy.RuleScope, user: Any, *, through: str = "customer__") -> Any:
    """The rows of a restricted queryset whose customer the viewer's rules do not give them: those
    only a grant shows. They are read live and added to the summary rows of the rules' scope; the
    two sets are disjoint, so sums and distinct customers add up. `through` leads to the customer's
    grade and owner ("" on Customer itself)."""
    inside = policy.scope_q(scope, user, grade=f"{through}grade", owner=f"{through}owner")
    return queryset if inside is policy.NONE else queryset.exclude(inside)


def segment_key(grades: Any, owner_id: int | None = None) -> str:
    """A segment's name: its grades in order ("BC"), and "@" and the owner's id for one owner's
    customers ("BC@17"). The worker precomputes every set of grades, of every owner and of each one."""
    key = "".join(sorted(grades))
    return key if owner_id is None else f"{key}@{owner_id}"


def _segment_of(read: CubeRead, *, with_grants: bool) -> str | None:
    """The one precomputed segment that is exactly the viewer's customers by their rules, or None
    when their rules are a union the segments do not hold (whole grades and their own customers of
    others; the customers of the people they manage) or, unless the caller adds them itself
    (`with_grants`), when they hold grants outside their rules."""
    scope = read.scope
    if scope.every:
        return segment_key(Grade.values)
    if (read.grants and not with_grants) or scope.team_grades or (scope.grades and scope.own_grades):
        return None
    if scope.own_grades:
        return segment_key(scope.own_grades, read.user.pk)
    return segment_key(scope.grades)  # no rule at all: "", a segment without rows (nobody)


def _granted_outside(read: CubeRead, since: dt.date, until: dt.date) -> Any:
    """The monthly sales rows of the customers the viewer holds a grant on outside their rules' scope
    (read live: grants are few and short-lived)."""
    rows = SalesMonth.objects.restrict(read.user, "view").filter(month__gte=since, month__lte=until)
    return outside_rules(rows, read.scope, read.user)


def _live_groups(user: Any, by: str, since: dt.date, until: dt.date, limit: int) -> tuple[list[Any], dict[str, Any]]:
    field = DIMENSIONS[by]
    base, summary = _sales_for(user, since, until)
    fields = (field, *OWNER_NAME) if by == "owner" else (field,)
    rows = list(base.values(*fields).annotate(**_sums(summary)).order_by("-amount", field)[: limit + 1])
    if len(rows) <= limit and by != "product":
        # Every group is here and each customer is in exactly one: the totals are the sums.
        totals = {
            "amount": sum((r["amount"] for r in rows), Decimal(0)),
            "quantity": sum(r["quantity"] for r in rows),
            "customers": sum(r["customers"] for r in rows),
        }
    else:
        totals = base.aggregate(**_sums(summary))
    return rows, totals


FIGURES = ("amount", "quantity", "customers")


def _cube_groups(
    read: CubeRead, by: str, limit: int, since: dt.date, until: dt.date
) -> tuple[list[Any], dict[str, Any]]:
    """The same rows and totals as the live query from the period's cells: the cells of the
    viewer's scope summed per group (the total first, then the groups in the live query's order:
    amount, then the group's value, the owner's id for owner), in one query; the granted customers
    outside the scope added from one live query; the owners' names in one more for owner."""
    field = DIMENSIONS[by]
    cells = read.rows(CompositionCell.objects).filter(by__in=[by, CompositionCell.By.TOTAL])
    if not read.scope.every:
        cells = cells.filter(policy.scope_q(read.scope, read.user))
    grouped = (
        cells.values("by", "key")
        .annotate(
            is_group=Case(When(by=CompositionCell.By.TOTAL, then=Value(0)), default=Value(1)),
            amount=Sum("amount"),
            quantity=Sum("quantity"),
            customers=Sum("customers"),
            owner_order=Max("owner"),  # by=owner: the group's owner (its key); orders like the live query
        )
        .order_by("is_group", "-amount", "owner_order" if by == "owner" else "key")
    )
    found = list(grouped if read.grants else grouped[: limit + 2])
    totals: dict[str, Any] = dict.fromkeys(FIGURES, 0)
    groups: dict[str, dict[str, Any]] = {}
    for cell in found:
        target = totals if cell["by"] == CompositionCell.By.TOTAL else groups.setdefault(cell["key"], {})
        for name in FIGURES:
            target[name] = target.get(name, 0) + cell[name]
    if read.grants:  # disjoint from the cells: the figures add up, customers too
        granted = _granted_outside(read, since, until)
        for row in granted.values(field).annotate(**_sums(True)).order_by():
            target = groups.setdefault("" if row[field] is None else str(row[field]), {})
            for name in FIGURES:
                target[name] = target.get(name, 0) + row[name]
        for name, value in granted.aggregate(**_sums(True)).items():
            totals[name] += value
    rows = [{field: _group_value(by, key), **figures} for key, figures in groups.items()]
    if read.grants:
        rows.sort(key=lambda r: (-r["amount"], _order_value(by, r[field])))
    if by == "owner":
        from kehu.accounts.models import User

        columns = [name.removeprefix("customer__owner__") for name in OWNER_NAME]
        ids = [r[field] for r in rows[: limit + 1] if r[field] is not None]
        names = {u["pk"]: u for u in User.objects.filter(pk__in=ids).values("pk", *columns)}
        for row in rows:
            owner = names.get(row[field], {})
            for name, column in zip(OWNER_NAME, columns, strict=True):
                row[name] = owner.get(column)
    return rows, totals


def _group_value(by: str, key: str) -> Any:
    """A cell's key as the live query's group value (owner: the user's id, None when unowned)."""
    if by == "owner":
        return int(key) if key else None
    return key


def _order_value(by: str, value: Any) -> Any:
    if by == "owner":
        return (value is None, value or 0)
    return value or ""


def composition(
    user: Any, *, by: str, since: dt.date, until: dt.date, limit: int = 20, summary: Any = LOOKUP
) -> dict[str, Any]:
    """Groups of one dimension (largest amount first, at most `limit` and an "others" line) and the
    totals the shares are of. From the precomputed period when it answers (cube_for; `as_of` is then
    its time), else live: one query, two when the groups were cut or overlap (products)."""
    if by not in DIMENSIONS:
        raise ValueError(by)
    if summary is LOOKUP:
        summary = cube_for(user, since, until)
    field = DIMENSIONS[by]
    if summary is not None:
        rows, totals = _cube_groups(summary, by, limit, since, until)
    else:
        rows, totals = _live_groups(user, by, since, until, limit)
    total_amount, total_quantity = totals["amount"] or Decimal(0), totals["quantity"] or 0

    def share(amount: Decimal, quantity: int, customers: int, label: str, key: Any) -> Share:
        return Share(
            label=label,
            amount=amount,
            customers=customers,
            share=float(amount / total_amount) if total_amount else 0.0,
            quantity=quantity,
            quantity_share=quantity / total_quantity if total_quantity else 0.0,
            key=key,
        )

    groups = [share(r["amount"], r["quantity"], r["customers"], _label(by, r), r[field]) for r in rows[:limit]]
    if len(rows) > limit:
        rest_amount = total_amount - sum((g.amount for g in groups), Decimal(0))
        rest_quantity = total_quantity - sum(g.quantity for g in groups)
        groups.append(share(rest_amount, rest_quantity, 0, _("其他"), None))
    return {
        "by": by,
        "rows": groups,
        "total_amount": total_amount,
        "total_quantity": total_quantity,
        "customers": totals["customers"],
        "as_of": summary.refreshed_at if summary is not None else None,
    }


def sales_by_grade(user: Any, *, since: dt.date, until: dt.date) -> list[Share]:
    return composition(user, by="grade", since=since, until=until)["rows"]


def sales_by_region(user: Any, *, since: dt.date, until: dt.date, limit: int = 15) -> list[Share]:
    return composition(user, by="region", since=since, until=until, limit=limit)["rows"]


def sales_by_product(user: Any, *, since: dt.date, until: dt.date, limit: int = 15) -> list[Share]:
    return composition(user, by="product", since=since, until=until, limit=limit)["rows"]


def top_customers_of(base: Any, summary: bool, limit: int, fields: tuple[str, ...] = ("customer_id",)) -> Any:
    """Customers by net sales, largest first (ties by id): the live query, and the worker's."""
    sums = _sums(summary)
    return (
        base.values(*fields)
        .annotate(amount=sums["amount"], quantity=sums["quantity"], deals=_deals(summary))
        .order_by("-amount", "customer_id")[:limit]
    )


TOP_FIELDS = ("customer_id", "customer__name", "customer__grade", "customer__region", "amount", "quantity", "deals")


def top_customers(
    user: Any, *, since: dt.date, until: dt.date, limit: int = 20, summary: Any = LOOKUP
) -> list[dict[str, Any]]:
    """High-value customers: where to focus. From the viewer's precomputed segment (with their
    granted customers merged in, live) when it answers, else one query."""
    if summary is LOOKUP:
        summary = cube_for(user, since, until)
    key = _segment_of(summary, with_grants=True) if summary is not None and limit <= TOP_PRECOMPUTED else None
    if key is not None:
        stored = summary.rows(CompositionTop.objects.restrict(user, "view")).filter(segment=key)
        rows = list(stored.order_by("rank").values(*TOP_FIELDS)[:limit])
        if summary.grants:  # disjoint from the segment: the top of the union is the top of both tops
            granted = top_customers_of(_granted_outside(summary, since, until), True, limit, TOP_FIELDS[:4])
            rows = sorted([*rows, *granted], key=lambda r: (-r["amount"], r["customer_id"]))[:limit]
        return rows
    base, is_summary = _sales_for(user, since, until)
    return list(top_customers_of(base, is_summary, limit, TOP_FIELDS[:4]))


def pareto_of(base: Any, summary: bool) -> tuple[int, Decimal, Decimal]:
    """(customers with net sales > 0, the sales of the top ceil(20 %) of them, the sales of all) in
    ONE query. The grouped queryset is compiled by Django (a restriction is part of its SQL) and
    ranked with window functions around it, which the ORM cannot aggregate over."""
    per_customer = (
        base.values("customer_id")
        .annotate(total=Sum("amount") if summary else Sum(net_amount()))
        .filter(total__gt=0)
        .order_by()
    )
    sql, sql_params = per_customer.query.sql_with_params()
    ranked = (
        "SELECT total, ROW_NUMBER() OVER (ORDER BY total DESC, customer_id) AS rank, COUNT(*) OVER () AS customers "
        f"FROM ({sql}) AS per_customer"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(MAX(customers), 0), COALESCE(SUM(total), 0), "
            "COALESCE(SUM(CASE WHEN 5 * rank <= customers + 4 THEN total ELSE 0 END), 0) "  # rank <= ceil(20 %)
            f"FROM ({ranked}) AS ranked",
            sql_params,
        )
        customers, total, top_amount = cursor.fetchone()
    return int(customers), Decimal(str(total)), Decimal(str(top_amount))


def pareto(user: Any, *, since: dt.date, until: dt.date, summary: Any = LOOKUP) -> dict[str, Any]:
    """Which 20 % of the customers make how much of the sales (二八分析): the figures of the viewer's
    precomputed segment, or one query (a scope no segment is exactly, or grants outside it)."""
    if summary is LOOKUP:
        summary = cube_for(user, since, until)
    key = _segment_of(summary, with_grants=False) if summary is not None else None
    if key is not None:
        stored = summary.rows(CompositionSegment.objects).filter(segment=key)
        customers, total, top_amount = stored.values_list("customers", "total_amount", "top_amount").first() or (
            0,
            Decimal(0),
            Decimal(0),
        )
    else:
        customers, total, top_amount = pareto_of(*_sales_for(user, since, until))
    return {
        "customers": customers,
        "top_customers": math.ceil(customers * 0.2),
        "top_amount": top_amount,
        "total_amount": total,
        "top_share": float(top_amount / total) if total else 0.0,
    }


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def grade_flows_of(snapshots: Any, start: dt.date, end: dt.date, keys: tuple[str, ...] = ()) -> Any:
    """(grade, to_grade, *keys, customers) of the given snapshots from month `start` to month `end`:
    one grouped query (a correlated lookup of the later month); the live query and the worker's
    (which adds the customers' grade and owner as keys)."""
    later = GradeSnapshot.objects.unscoped("correlated to the outer query").filter(
        customer=OuterRef("customer"), month=end
    )
    return (
        snapshots.filter(month=start)
        .annotate(to_grade=Subquery(later.values("grade")[:1]))
        .filter(to_grade__isnull=False)
        .values("grade", "to_grade", *keys)
        .annotate(customers=Count("customer_id"))
        .order_by("grade", "to_grade")
    )


def _stored_flows(user: Any, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """The pair's flows from the worker's rows (GradeFlow): every row for a viewer who sees every
    customer; for anyone else the rows their rules select, only when the rows were built after the
    last customer moved between grades or owners (their keys), plus their granted customers outside
    that scope read live. Empty when there is nothing to read there (the caller then reads live)."""
    if not roles.is_active(user):
        return []
    scope = policy.rule_scope(user, "view")
    stored = GradeFlow.objects.filter(start_month=start, end_month=end)
    if not scope.every:
        state = GradeFlowBuild.objects.order_by("pk").first()
        if state is None or state.built_version < state.moved_version:
            return []
        stored = stored.filter(policy.scope_q(scope, user, grade="customer_grade", owner="owner"))
    rows = [*stored.values("grade", "to_grade").annotate(customers=Sum("customers")).order_by()]
    if not rows:  # the pair is not built (or nothing of it is theirs): live
        return []
    if not scope.every and holds_grants(user):
        rows += grade_flows_of(outside_rules(GradeSnapshot.objects.restrict(user, "view"), scope, user), start, end)
    flows: dict[tuple[str, str], int] = {}
    for row in rows:
        pair = (row["grade"], row["to_grade"])
        flows[pair] = flows.get(pair, 0) + row["customers"]
    return [{"grade": g, "to_grade": t, "customers": n} for (g, t), n in sorted(flows.items())]


def grade_migration(user: Any, *, start: dt.date, end: dt.date) -> dict[str, Any]:
    """How many of the customers the user may view moved between grades from month `start` to month
    `end` (both taken from the nightly snapshots): from the pair the worker built (GradeFlow) when
    there is one for this viewer (_stored_flows); otherwise one grouped query."""
    start, end = month_start(start), month_start(end)
    flows = _stored_flows(user, start, end)
    if not flows:
        flows = [dict(r) for r in grade_flows_of(GradeSnapshot.objects.restrict(user, "view"), start, end)]
    order: dict[Any, int] = {g: i for i, g in enumerate(Grade.values)}
    return {
        "start": start,
        "end": end,
        "flows": flows,
        "up": sum(f["customers"] for f in flows if order.get(f["to_grade"], 9) < order.get(f["grade"], 9)),
        "down": sum(f["customers"] for f in flows if order.get(f["to_grade"], 9) > order.get(f["grade"], 9)),
        "same": sum(f["customers"] for f in flows if f["to_grade"] == f["grade"]),
    }


def snapshot_months(user: Any, limit: int = 24) -> list[dt.date]:
    """The latest months that have snapshots (no customer data), newest first. One query that probes
    the (month, grade) index once per month (a recursive "loose index scan": the next month is the
    largest one below the last), instead of DISTINCT over every customer's rows."""
    table = connection.ops.quote_name(GradeSnapshot._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH RECURSIVE months(month) AS ("
            f"SELECT MAX(month) FROM {table} "
            f"UNION ALL SELECT (SELECT MAX(s.month) FROM {table} s WHERE s.month < months.month) "
            "FROM months WHERE months.month IS NOT NULL"
            ") SELECT month FROM months WHERE month IS NOT NULL LIMIT %s",
            [limit],
        )
        found = [row[0] for row in cursor.fetchall()]
    return [dt.date.fromisoformat(m) if isinstance(m, str) else m for m in found]


def at_risk_count(user: Any, threshold: int) -> int:
    return ChurnRisk.objects.restrict(user, "view").filter(score__gte=threshold).count()


def high_risk_count(user: Any) -> int:
    """Customers at high churn risk the user may view. A viewer who sees every customer reads the
    count the latest finished run recorded (the risk table holds exactly that run's rows), instead
    of counting tens of thousands of index entries at 1M customers; anyone else counts their own."""
    from . import churn
    from .models import ChurnRun

    if policy.sees_every_customer(user, "view"):
        recorded = (
            ChurnRun.objects.filter(status=ChurnRun.Status.DONE)
            .order_by("-id")
            .values_list("high_risk", flat=True)
            .first()
        )
        if recorded is not None:
            return recorded
    return at_risk_count(user, churn.HIGH_RISK)


def focus_cards(
    user: Any, *, comp: dict[str, Any], pareto_data: dict[str, Any], migration: dict[str, Any] | None
) -> list[dict[str, str]]:
    """ "Where to focus" (重点): a few sentences from figures already computed, plus one count."""

    cards: list[dict[str, str]] = []
    if pareto_data["customers"]:
        cards.append(
            {
                "title": _("二八分布"),
                "text": _("前 %(n)s 位客户（20%%）贡献了 %(share)s%% 的销售额，应优先维护。")
                % {"n": pareto_data["top_customers"], "share": round(100 * pareto_data["top_share"])},
                "tone": "primary",
            }
        )
    if comp["rows"] and comp["rows"][0].key is not None:
        top = comp["rows"][0]
        cards.append(
            {
                "title": _("最大的一组"),
                "text": _("%(label)s 占销售额的 %(share)s%%、数量的 %(qshare)s%%。")
                % {"label": top.label, "share": round(100 * top.share), "qshare": round(100 * top.quantity_share)},
                "tone": "info",
            }
        )
    risky = high_risk_count(user)
    cards.append(
        {
            "title": _("流失风险"),
            "text": _("%(n)s 位客户流失风险高，请查看挽留清单。") % {"n": risky},
            "tone": "danger" if risky else "success",
        }
    )
    if migration and migration["down"]:
        cards.append(
            {
                "title": _("等级下降"),
                "text": _("%(start)s 至 %(end)s 有 %(n)s 位客户等级下降。")
                % {"start": f"{migration['start']:%Y-%m}", "end": f"{migration['end']:%Y-%m}", "n": migration["down"]},
                "tone": "warning",
            }
        )
    return cards


def scope_is_limited(user: Any) -> bool:
    """Does the user see fewer than all customers? Read from the access rules (no table scan), by
    the very test restrict() applies (policy.sees_every_customer): a manager-level figure that
    covers only part of the archive is then labelled as such."""
    return not policy.sees_every_customer(user, "view")


# --- churn risk -----------------------------------------------------------------------------------

RISK_PAGE = 50


def churn_list(
    user: Any, *, min_score: int = 0, after: tuple[int, int] | None = None, limit: int = RISK_PAGE
) -> dict[str, Any]:
    """The customers at risk the user may view, highest score first, in keyset pages; each with its
    reasons in the reader's language, the suggested action and the open retention action (2 queries)."""
    from . import churn
    from .models import ChurnAction

    queryset = (
        ChurnRisk.objects.restrict(user, "view")
        .filter(score__gte=min_score)
        .select_related("customer", "customer__owner")
        .order_by("-score", "customer_id")
    )
    if after is not None:
        score, customer_id = after
        queryset = queryset.filter(Q(score__lt=score) | Q(score=score, customer_id__gt=customer_id))
    risks = list(queryset[: limit + 1])
    more = len(risks) > limit
    risks = risks[:limit]
    open_actions: dict[int, Any] = {}
    if risks:
        for action in (
            ChurnAction.objects.restrict(user, "view")
            .filter(
                customer_id__in=[r.customer_id for r in risks],
                status__in=[ChurnAction.Status.OPEN, ChurnAction.Status.DOING],
            )
            .select_related("owner")
            .order_by("customer_id", "-id")
        ):
            open_actions.setdefault(action.customer_id, action)
    items = [
        {
            "risk": r,
            "customer": r.customer,
            "score": r.score,
            "level": churn.level(r.score),
            "reasons": [{**reason, "text": churn.reason_text(reason)} for reason in r.reasons],
            "suggested": churn.action_text(r.action),
            "open_action": open_actions.get(r.customer_id),
        }
        for r in risks
    ]
    last = risks[-1] if risks else None
    return {"items": items, "next": (last.score, last.customer_id) if more and last else None}


def latest_churn_run() -> Any:
    from .models import ChurnRun

    return ChurnRun.objects.order_by("-id").first()


def latest_backtest() -> Any:
    """The latest finished churn-model back-test (company-wide figures, no customer rows)."""
    from .models import BackTest

    return BackTest.objects.exclude(status=BackTest.Status.RUNNING).order_by("-id").first()


def backtest_view(bt: Any) -> dict[str, Any] | None:
    """The back-test's figures as the churn page shows them: a row per scorer, the model's weight
    per rule, and why the scorer in use was chosen."""
    if bt is None:
        return None
    from . import backtest, churn

    labels = {
        "insufficient": _(
            "历史中停止购买的客户太少（训练至少 %(train)s 位，测试流失和未流失各至少 %(test)s 位），继续使用规则。"
        )
        % {"train": backtest.MIN_TRAIN_CHURNED, "test": backtest.MIN_TEST_EACH},
        "model_better": _("模型在测试期的 ROC-AUC 高于规则且前 %(top)s%% 的精确率不低于规则，因此使用模型。")
        % {"top": round(100 * backtest.TOP_SHARE)},
        "rules_better": _(
            "模型在测试期没有胜过规则（ROC-AUC 至少高 %(margin)s 且前 %(top)s%% 精确率不低），继续使用规则。"
        )
        % {"margin": backtest.MARGIN, "top": round(100 * backtest.TOP_SHARE)},
        "failed": _("回测失败，继续使用规则。"),
    }
    names = {"rules": _("规则评分"), "model": _("逻辑回归模型")}
    rows = [{"name": names[key], **bt.metrics[key]} for key in ("rules", "model") if key in bt.metrics]
    coefficients = (
        [(str(churn.RULE_LABELS.get(code, code)), bt.coefficients.get(code, 0.0)) for code in backtest.FEATURES]
        if bt.coefficients
        else []
    )
    return {
        "bt": bt,
        "rows": rows,
        "coefficients": coefficients,
        "why": labels.get(bt.reason, ""),
        "base_rate": round(100 * bt.metrics.get("base_rate", 0), 1) if bt.metrics else None,
    }
