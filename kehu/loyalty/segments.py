"""Segments: saved filters over the archive turned into one customer queryset.

Filters (all optional, AND-ed; lists are OR-ed within): grade, priority, region, industry_standing,
nature, owner, products (a purchase whose product contains any of the words), tier (tier codes),
rfm (an RFM layer, see RFM_LAYERS). Unknown keys or values are a clear error, never ignored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.core.exceptions import DomainError
from kehu.customers.choices import Grade, IndustryStanding, Nature, Priority
from kehu.customers.models import Customer, Transaction

LIST_FILTERS: dict[str, list[str] | None] = {
    "grade": list(Grade.values),
    "priority": list(Priority.values),
    "industry_standing": list(IndustryStanding.values),
    "nature": list(Nature.values),
    "region": None,  # free text values
    "products": None,
    "tier": None,
    "owner": None,
}
# RFM layers over the last 12 months of purchases (有赞-style): recency, frequency, monetary.
RFM_LAYERS = ("champions", "loyal", "new", "at_risk", "dormant", "never")


def validate_filters(filters: Any) -> dict[str, Any]:
    if not isinstance(filters, dict):
        raise DomainError(_("条件格式不正确。"), field_errors={"filters": [_("条件格式不正确。")]})
    errors: list[str] = []
    clean: dict[str, Any] = {}
    for key, value in filters.items():
        if key == "rfm":
            if value not in RFM_LAYERS:
                errors.append(_("RFM 分层可选值：%(choices)s") % {"choices": ", ".join(RFM_LAYERS)})
            clean[key] = value
            continue
        if key not in LIST_FILTERS:
            errors.append(_("未知条件：%(key)s") % {"key": key})
            continue
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, str | int) and str(v).strip() for v in values):
            errors.append(_("条件 %(key)s 的值不正确。") % {"key": key})
            continue
        allowed = LIST_FILTERS[key]
        if allowed is not None and not set(map(str, values)) <= set(allowed):
            errors.append(_("条件 %(key)s 可选值：%(choices)s") % {"key": key, "choices": ", ".join(allowed)})
            continue
        clean[key] = [str(v).strip() for v in values]
    if errors:
        raise DomainError(_("细分条件有误。"), field_errors={"filters": errors})
    return clean


def _rfm(queryset: QuerySet[Customer], layer: str, today: dt.date) -> QuerySet[Customer]:
    year_ago = today - dt.timedelta(days=365)
    purchases = Transaction.objects.unscoped("a segment condition, under the caller's scope").filter(
        customer=OuterRef("pk")
    )
    recent = purchases.filter(occurred_on__gte=year_ago)
    queryset = queryset.annotate(
        last_on=Subquery(purchases.values("customer").annotate(m=Max("occurred_on")).values("m")[:1]),
        orders_12m=Subquery(recent.values("customer").annotate(c=Count("id")).values("c")[:1]),
        spend_12m=Subquery(recent.values("customer").annotate(s=Sum("amount")).values("s")[:1]),
    )
    quarter_ago = today - dt.timedelta(days=90)
    half_year_ago = today - dt.timedelta(days=180)
    if layer == "never":
        return queryset.filter(last_on__isnull=True)
    if layer == "dormant":
        return queryset.filter(last_on__lt=year_ago)
    if layer == "at_risk":
        return queryset.filter(last_on__lt=half_year_ago, last_on__gte=year_ago)
    if layer == "champions":
        return queryset.filter(last_on__gte=quarter_ago, orders_12m__gte=3)
    if layer == "new":
        first = Subquery(
            purchases.values("customer").annotate(f=Count("id")).values("f")[:1]
        )  # a single purchase so far, within the quarter
        return queryset.annotate(orders_all=first).filter(last_on__gte=quarter_ago, orders_all=1)
    # loyal: bought within half a year, more than once in the year, not a champion
    return queryset.filter(last_on__gte=half_year_ago, orders_12m__gte=2).exclude(
        last_on__gte=quarter_ago, orders_12m__gte=3
    )


def segment_customers(base: QuerySet[Customer], filters: dict[str, Any], *, today: dt.date | None = None) -> Any:
    """The customers of a segment within `base` (the caller's restricted queryset)."""
    filters = validate_filters(filters)
    queryset = base.filter(is_archived=False)
    for key in ("grade", "priority", "industry_standing", "nature"):
        if key in filters:
            queryset = queryset.filter(**{f"{key}__in": filters[key]})
    if "region" in filters:
        region = Q()
        for value in filters["region"]:
            region |= Q(region__startswith=value)
        queryset = queryset.filter(region)
    if "owner" in filters:
        queryset = queryset.filter(owner_id__in=[int(v) for v in filters["owner"] if v.isdigit()])
    if "products" in filters:
        bought = Q()
        for word in filters["products"]:
            bought |= Q(product__icontains=word)
        queryset = queryset.filter(
            Exists(
                Transaction.objects.unscoped("a segment condition, under the caller's scope").filter(
                    bought, customer=OuterRef("pk")
                )
            )
        )
    if "tier" in filters:
        queryset = queryset.filter(membership__tier__code__in=filters["tier"])
    if "rfm" in filters:
        queryset = _rfm(queryset, filters["rfm"], today or timezone.localdate())
    return queryset
