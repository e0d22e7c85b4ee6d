"""The period summary ("cube") of the composition and loyalty pages, written by the worker.

Periods (SummaryPeriod): each of the last 24 calendar months, the last 8 quarters, the current and
the last calendar year, and the pages' default range (the twelve months ending with the current
one). For each period, one refresh writes:
- CompositionCell: per dimension (grade, product, region, industry standing, owner) and a total,
  per customer grade and owner: net amount, net quantity, sales, customers. The customer dimensions
  come from ONE grouped query by (grade, region, industry standing, owner): a customer has exactly
  one such tuple, so the distinct customers of a group are the sum over its tuples. Products have
  their own grouped query by (product, grade, owner) (a customer may buy two products; each product
  row counts its own distinct buyers). Grade and owner are the only two things the access rules
  condition on (policy.rule_scope), so a limited viewer's figures are the sum of the rows their
  rules select (ADR 0023);
- per segment (the customers of a set of grades, of every owner or of one: `selectors.segment_key`), the
  Pareto figures (CompositionSegment) and the 20 customers with the largest net sales
  (CompositionTop), from one pass over the period's per-customer totals, largest first;
- LoyaltyCell: customers, repeat buyers, customers of three years or more and members, per grade
  and per region, per customer grade and owner, from one grouped query by (grade, region, owner).
Every figure is computed by the selectors' own definitions (`selectors._sums`, the Pareto rank of
`selectors.pareto_of`, `loyalty.customer_figures`) over every customer: the summary equals the live
answer of any viewer, limited or not (tested).

GradeFlow (grade migration between two snapshot months) is built by the nightly job, right after
the month's snapshot: for each pair of consecutive snapshot months and each month against the
latest one, per the customers' grade and owner now; and by the periodic refresh after customers
moved between grades or owners (`flows_touch`, GradeFlowBuild).

Freshness. The transaction_created handler raises the `version` of the periods containing the new
transaction's month (`periods_touch`), in the same transaction that rewrites its SalesMonth row.
`refresh_dirty` (every five minutes on the worker) rebuilds the periods whose version is above the
version their rows were built from: many transactions within five minutes cost one rebuild. A new
customer marks every period (`periods_touch_all`: the loyalty cells count every customer per grade);
a regraded, imported or reassigned customer also raises every period's `moved_version` (the rows'
keys moved; the loyalty rows count the customer in every period). A limited viewer reads a period
only when its rows were built after the last move (selectors.cube_for): a customer who left their
scope is never in their sums, beyond the few seconds the event takes to reach the worker. The
nightly job rebuilds every period (`rebuild_all`), catching what no event announces: a new region
or industry standing, a membership, edits made outside the services. A refresh notes the time, then reads the versions,
then the figures: a change committed after the versions were read raised them again, so its period
stays dirty and no change is lost (at worst a period is rebuilt once more).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from itertools import combinations
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, F, Sum, Value, When
from django.utils import timezone

from kehu.customers.choices import Grade

from . import params, selectors
from .models import (
    CompositionCell,
    CompositionSegment,
    CompositionTop,
    GradeFlow,
    GradeFlowBuild,
    GradeSnapshot,
    LoyaltyCell,
    SalesMonth,
    SummaryPeriod,
)

log = logging.getLogger(__name__)

MONTHS, QUARTERS = 24, 8
CENT = Decimal("0.01")
# The customer dimensions of CompositionCell and their field on SalesMonth (through the customer).
CUSTOMER_DIMENSIONS = {by: field for by, field in selectors.DIMENSIONS.items() if by != "product"}
# pg_advisory_lock key: "KehuCube" as a 64-bit integer; one refresher at a time (PostgreSQL).
LOCK_KEY = int.from_bytes(b"KehuCube", "big") - (1 << 63)


# --- which periods ---------------------------------------------------------------------------------


def _add_months(first: dt.date, months: int) -> dt.date:
    index = first.year * 12 + first.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _last_day(first: dt.date, months: int) -> dt.date:
    return _add_months(first, months) - dt.timedelta(days=1)


def period_set(today: dt.date) -> dict[tuple[dt.date, dt.date], str]:
    """(start, end) -> kind of every period precomputed on `today`; a range that is two kinds at once
    (in December the default range is the current year) is one period."""
    first = today.replace(day=1)
    kind = SummaryPeriod.Kind
    periods: dict[tuple[dt.date, dt.date], str] = {}
    for i in range(MONTHS):
        start = _add_months(first, -i)
        periods.setdefault((start, _last_day(start, 1)), kind.MONTH)
    quarter = first.replace(month=3 * ((first.month - 1) // 3) + 1)
    for i in range(QUARTERS):
        start = _add_months(quarter, -3 * i)
        periods.setdefault((start, _last_day(start, 3)), kind.QUARTER)
    for year in (today.year, today.year - 1):
        periods.setdefault((dt.date(year, 1, 1), dt.date(year, 12, 31)), kind.YEAR)
    periods.setdefault(params.default_range(today), kind.ROLLING)
    return periods


def _rows_of(period_start: dt.date, period_end: dt.date) -> dict[str, Any]:
    return {"period_start": period_start, "period_end": period_end}


def periods_sync(*, today: dt.date | None = None) -> int:
    """Create the periods of `today` that are missing (dirty: built_version 0 < version 1) and drop
    those that fell out of the window with their rows. Returns the number created."""
    wanted = period_set(today or timezone.localdate())
    existing = set(SummaryPeriod.objects.values_list("period_start", "period_end"))
    for start, end in existing - set(wanted):
        with transaction.atomic():
            CompositionCell.objects.filter(**_rows_of(start, end)).delete()
            CompositionSegment.objects.filter(**_rows_of(start, end)).delete()
            CompositionTop.objects.unscoped("summary job: a period out of the window").filter(
                **_rows_of(start, end)
            ).delete()
            LoyaltyCell.objects.filter(**_rows_of(start, end)).delete()
            SummaryPeriod.objects.filter(**_rows_of(start, end)).delete()
    missing = [
        SummaryPeriod(period_start=start, period_end=end, kind=kind)
        for (start, end), kind in wanted.items()
        if (start, end) not in existing
    ]
    SummaryPeriod.objects.bulk_create(missing, ignore_conflicts=True)  # a concurrent sync made them
    return len(missing)


def periods_touch(day: dt.date) -> int:
    """A transaction on `day` changed: raise the version of every period containing it (the
    handler calls this in its own transaction). Returns the periods marked."""
    return SummaryPeriod.objects.filter(period_start__lte=day, period_end__gte=day).update(version=F("version") + 1)


def periods_touch_all(*, moved: bool) -> int:
    """Every period changed: a customer was created (moved=False), or imported, regraded or given a
    new owner (moved: customers may have changed grade or owner, the keys of the summary rows; the
    loyalty rows count every customer whatever it bought, so no period is spared). Returns the
    periods marked (one UPDATE of a few dozen rows; many events before the next refresh still cost
    one rebuild of each period)."""
    changes: dict[str, Any] = {"version": F("version") + 1}
    if moved:
        changes["moved_version"] = F("moved_version") + 1
    return SummaryPeriod.objects.update(**changes)


# --- one period's figures --------------------------------------------------------------------------


def _sales(start: dt.date, end: dt.date) -> Any:
    return SalesMonth.objects.unscoped("summary job: every customer's sales of the period").filter(
        month__gte=start, month__lte=end
    )


def _sums() -> dict[str, Any]:
    return {**selectors._sums(True), "deals": Sum("deals")}


def _composition_cells(start: dt.date, end: dt.date, at: dt.datetime) -> list[CompositionCell]:
    groups: dict[tuple[str, Any, str, int | None], list[Any]] = defaultdict(lambda: [Decimal(0), 0, 0, 0])

    def add(by: str, key: Any, row: dict[str, Any]) -> None:
        acc = groups[(by, key, row["customer__grade"], row["customer__owner"])]
        acc[0] += row["amount"]
        acc[1] += row["quantity"]
        acc[2] += row["deals"] or 0
        acc[3] += row["customers"]

    fine = _sales(start, end).values(*CUSTOMER_DIMENSIONS.values()).annotate(**_sums()).order_by()
    for row in fine:  # one row per (grade, region, industry standing, owner) that sold
        add(CompositionCell.By.TOTAL, "", row)
        for by, field in CUSTOMER_DIMENSIONS.items():
            add(by, row[field], row)
    by_product = _sales(start, end).values("product", "customer__grade", "customer__owner").annotate(**_sums())
    for row in by_product.order_by():
        add(CompositionCell.By.PRODUCT, row["product"], row)
    return [
        CompositionCell(
            **_rows_of(start, end),
            by=by,
            key="" if key is None else str(key),
            grade=grade,
            owner_id=owner,
            amount=Decimal(acc[0]).quantize(CENT),
            quantity=acc[1],
            deals=acc[2],
            customers=acc[3],
            refreshed_at=at,
        )
        for (by, key, grade, owner), acc in groups.items()
    ]


# --- segments: Pareto and top customers --------------------------------------------------------------


def _grade_segments() -> dict[str, list[str]]:
    """grade -> the keys of every set of grades that contains it (selectors.segment_key: a viewer's
    rules that give whole grades, or their own customers of some grades, read one segment)."""
    grades = sorted(Grade.values)
    sets = [frozenset(c) for size in range(1, len(grades) + 1) for c in combinations(grades, size)]
    return {grade: [selectors.segment_key(s) for s in sets if grade in s] for grade in grades}


def _segments_of(grade: str, owner: int | None, containing: dict[str, list[str]]) -> list[str]:
    keys = containing.get(grade, [])
    return keys if owner is None else [*keys, *(f"{key}@{owner}" for key in keys)]


def _per_customer(start: dt.date, end: dt.date) -> Any:
    """Each customer's net sales of the period with their grade and owner (the segment keys)."""
    sums = selectors._sums(True)
    return (
        _sales(start, end)
        .values("customer_id")
        .annotate(
            segment_grade=F("customer__grade"),
            segment_owner=F("customer__owner"),
            amount=sums["amount"],
            quantity=sums["quantity"],
            deals=Sum("deals"),
        )
        .order_by()
    )


def _positive_counts(start: dt.date, end: dt.date) -> dict[str, int]:
    """Customers with net sales > 0 per segment: one grouped query by (grade, owner), added up."""
    sql, sql_params = _per_customer(start, end).filter(amount__gt=0).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT segment_grade, segment_owner, COUNT(*) FROM ({sql}) AS per_customer GROUP BY 1, 2",
            sql_params,
        )
        rows = cursor.fetchall()
    containing = _grade_segments()
    counts: dict[str, int] = defaultdict(int)
    for grade, owner, customers in rows:
        for key in _segments_of(grade, owner, containing):
            counts[key] += customers
    return counts


def _segments(start: dt.date, end: dt.date, at: dt.datetime) -> tuple[list[CompositionSegment], list[CompositionTop]]:
    """Every segment's Pareto figures and top customers in one pass over the per-customer totals,
    largest first (ties by customer id: the order of selectors.pareto_of and top_customers_of).
    Memory stays flat in the customers: a segment keeps its counters and at most 20 rows."""
    counts = _positive_counts(start, end)
    containing = _grade_segments()
    keys_of: dict[tuple[str, int | None], list[str]] = {}
    tops: dict[str, list[dict[str, Any]]] = defaultdict(list)
    ranks: dict[str, int] = defaultdict(int)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    top_amounts: dict[str, Decimal] = defaultdict(Decimal)
    ordered = _per_customer(start, end).order_by("-amount", "customer_id")
    for row in ordered.iterator(chunk_size=5000):
        grade, owner, amount = row["segment_grade"], row["segment_owner"], row["amount"]
        keys = keys_of.get((grade, owner))
        if keys is None:
            keys = keys_of[(grade, owner)] = _segments_of(grade, owner, containing)
        for key in keys:
            top = tops[key]
            if len(top) < selectors.TOP_PRECOMPUTED:
                top.append(row)
            if amount > 0:
                rank = ranks[key] = ranks[key] + 1
                totals[key] += amount
                if 5 * rank <= counts[key] + 4:  # rank <= ceil(20 %)
                    top_amounts[key] += amount
    segments = [
        CompositionSegment(
            **_rows_of(start, end),
            segment=key,
            customers=customers,
            top_amount=top_amounts[key].quantize(CENT),
            total_amount=totals[key].quantize(CENT),
            refreshed_at=at,
        )
        for key, customers in counts.items()
        if customers
    ]
    top_rows = [
        CompositionTop(
            **_rows_of(start, end),
            segment=key,
            rank=rank,
            customer_id=row["customer_id"],
            amount=Decimal(row["amount"]).quantize(CENT),
            quantity=row["quantity"],
            deals=row["deals"] or 0,
            refreshed_at=at,
        )
        for key, rows in tops.items()
        for rank, row in enumerate(rows, start=1)
    ]
    return segments, top_rows


def _loyalty_cells(start: dt.date, end: dt.date, at: dt.datetime) -> list[LoyaltyCell]:
    from kehu.customers.models import Customer

    from .loyalty import CUSTOMER_FIELDS, SEGMENTS, customer_figures

    cells: dict[tuple[str, str, str, int | None], dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(CUSTOMER_FIELDS, 0)
    )
    every = Customer.objects.unscoped("summary job: every customer, counted per segment")
    for row in customer_figures(every, (*SEGMENTS, "owner"), since=start, until=end):
        for by in SEGMENTS:
            cell = cells[(by, row[by] or "", row["grade"], row["owner"])]
            for name in CUSTOMER_FIELDS:
                cell[name] += row[name]
    return [
        LoyaltyCell(**_rows_of(start, end), by=by, key=key, grade=grade, owner_id=owner, refreshed_at=at, **figures)
        for (by, key, grade, owner), figures in cells.items()
    ]


def period_refresh(period_id: int, *, force: bool = False) -> bool:
    """Rebuild one period's rows when they are older than its version (or always, with force).
    The figures are read outside the write transaction; the rows are replaced in one short
    transaction that locks the period row, and never by figures older than those already there.
    Returns whether rows were written."""
    at = timezone.now()  # before the versions: every commit before `at` is in the figures below
    period = SummaryPeriod.objects.filter(pk=period_id).first()
    if period is None or (not force and period.built_version >= period.version):
        return False
    version, moved_version = period.version, period.moved_version
    start, end = period.period_start, period.period_end
    cells = _composition_cells(start, end, at)
    segments, top = _segments(start, end, at)
    loyalty = _loyalty_cells(start, end, at)
    with transaction.atomic():
        locked = SummaryPeriod.objects.select_for_update().filter(pk=period_id).first()
        if locked is None or locked.built_version > version:  # dropped, or a newer build is there
            return False
        CompositionCell.objects.filter(**_rows_of(start, end)).delete()
        CompositionCell.objects.bulk_create(cells, batch_size=1000)
        CompositionSegment.objects.filter(**_rows_of(start, end)).delete()
        CompositionSegment.objects.bulk_create(segments, batch_size=1000)
        CompositionTop.objects.unscoped("summary job").filter(**_rows_of(start, end)).delete()
        CompositionTop.objects.bulk_create(top, batch_size=1000)
        LoyaltyCell.objects.filter(**_rows_of(start, end)).delete()
        LoyaltyCell.objects.bulk_create(loyalty, batch_size=1000)
        SummaryPeriod.objects.filter(pk=period_id).update(
            built_version=version, moved_built_version=moved_version, refreshed_at=at
        )
    return True


# --- grade migration -------------------------------------------------------------------------------


FLOW_KEYS = ("customer__grade", "customer__owner")  # the rows' keys: the customers' grade and owner now


def flows_state() -> GradeFlowBuild:
    state = GradeFlowBuild.objects.order_by("pk").first()
    return state if state is not None else GradeFlowBuild.objects.create()


def flows_touch() -> None:
    """Customers moved between grades or owners: the GradeFlow rows are keyed by both, so they are
    marked for the next refresh (limited viewers read live until then)."""
    if not GradeFlowBuild.objects.update(moved_version=F("moved_version") + 1):
        flows_state()  # the first row starts unbuilt (built 0 < moved 1): marked too


def grade_flows_rebuild() -> int:
    """Replace every GradeFlow row from the snapshots: each pair of consecutive snapshot months
    (the page's default: the latest two) and each month against the latest one, per the customers'
    grade and owner now. The moves are read before the customers: a move committed meanwhile
    leaves the rows marked. Returns rows."""
    version = flows_state().moved_version
    months = selectors.snapshot_months(None)  # newest first
    pairs = {(older, newer) for older, newer in zip(months[1:], months, strict=False)}
    pairs |= {(month, months[0]) for month in months[1:]}
    at = timezone.now()
    every = GradeSnapshot.objects.unscoped("summary job: every customer's snapshot")
    rows = [
        GradeFlow(
            start_month=start,
            end_month=end,
            grade=flow["grade"],
            to_grade=flow["to_grade"],
            customer_grade=flow["customer__grade"],
            owner_id=flow["customer__owner"],
            customers=flow["customers"],
            refreshed_at=at,
        )
        for start, end in sorted(pairs)
        for flow in selectors.grade_flows_of(every, start, end, FLOW_KEYS)
    ]
    with transaction.atomic():
        GradeFlow.objects.all().delete()
        GradeFlow.objects.bulk_create(rows, batch_size=1000)
        GradeFlowBuild.objects.filter(built_version__lt=version).update(built_version=version, refreshed_at=at)
    return len(rows)


# --- the jobs --------------------------------------------------------------------------------------


@contextmanager
def _one_refresher(*, wait: bool) -> Iterator[bool]:
    """On PostgreSQL, one refresher at a time across workers: the nightly rebuild waits for a
    running refresh; a periodic refresh that finds one running skips its turn. (SQLite: one
    worker writes at a time anyway.) The version check makes overlapping refreshes correct; the
    lock only saves doing the same work twice."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)" if wait else "SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
        held = True if wait else bool(cursor.fetchone()[0])
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def _in_refresh_order(periods: Any, today: dt.date | None) -> list[int]:
    """The periods' ids, the pages' default range first (what every viewer opens; after a customer
    moved, limited viewers read live, seconds a page at 1M customers, until it is rebuilt), then the
    most recent first."""
    start, end = params.default_range(today or timezone.localdate())
    first = Case(When(period_start=start, period_end=end, then=Value(0)), default=Value(1))
    return list(periods.order_by(first, "-period_end", "-period_start").values_list("pk", flat=True))


def refresh_dirty(*, today: dt.date | None = None) -> int:
    """The periodic task's work: the periods of today exist, and those a transaction touched since
    their last build are rebuilt (most recent first); the grade migration rows too when customers
    moved since theirs. Returns the periods rebuilt."""
    with _one_refresher(wait=False) as held:
        if not held:
            return 0
        periods_sync(today=today)
        dirty = _in_refresh_order(SummaryPeriod.objects.filter(version__gt=F("built_version")), today)
        done = sum(period_refresh(pk) for pk in dirty)
        if GradeFlowBuild.objects.filter(built_version__lt=F("moved_version")).exists():
            grade_flows_rebuild()
        return done


def rebuild_all(*, today: dt.date | None = None) -> int:
    """The nightly job: every period rebuilt (catching what no event announced) and the grade
    migration pairs. Returns the periods rebuilt."""
    with _one_refresher(wait=True):
        periods_sync(today=today)
        done = sum(period_refresh(pk, force=True) for pk in _in_refresh_order(SummaryPeriod.objects.all(), today))
        grade_flows_rebuild()
    return done
