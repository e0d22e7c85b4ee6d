"""Membership tiers by qualifying value over a rolling window (Open Loyalty #74: a manual tier must
be able to go down; here every override has an expiry).

Rule: the qualifying value is the spend and the number of orders of the last WINDOW_DAYS. A
customer who qualifies for a higher tier moves up at once; one who falls below the current tier
keeps it for GRACE_DAYS (below_since marks the start) and is then moved down to what they qualify
for. A manual override (reason, approver, expiry) wins until its expiry day has passed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.access import roles
from kehu.core.exceptions import DomainError
from kehu.customers.models import Customer, Transaction

from .models import Membership, Tier, TierChange
from .points import points_conf


def qualifying(customer_id: int, today: dt.date) -> tuple[Decimal, int]:
    start = today - dt.timedelta(days=int(points_conf("TIER_WINDOW_DAYS", 365)))
    totals = (
        Transaction.objects.unscoped("tier evaluation")
        .filter(customer_id=customer_id, occurred_on__gt=start, occurred_on__lte=today, amount__gt=0)
        .aggregate(spend=Sum("amount"), orders=Count("id"))
    )
    return totals["spend"] or Decimal("0"), int(totals["orders"] or 0)


def qualified_tier(spend: Decimal, orders: int, tiers: list[Tier]) -> Tier | None:
    best = None
    for tier in sorted(tiers, key=lambda t: t.rank):
        if spend >= tier.min_spend and orders >= tier.min_orders:
            best = tier
    return best


def _rank(tier: Tier | None) -> int:
    return tier.rank if tier is not None else 0


def _log(membership: Membership, old: Tier | None, new: Tier | None, reason: str, today: dt.date, actor: Any) -> None:
    TierChange.objects.create(
        customer_id=membership.customer_id,
        old_tier=old,
        new_tier=new,
        reason=reason[:300],
        actor=actor if getattr(actor, "pk", None) else None,
        on=today,
    )


@transaction.atomic
def tier_evaluate(*, customer: Customer, today: dt.date | None = None, tiers: list[Tier] | None = None) -> Membership:
    today = today or timezone.localdate()
    tiers = tiers if tiers is not None else list(Tier.objects.all())
    membership, _created = (
        Membership.objects.unscoped("tier evaluation").select_for_update().get_or_create(customer=customer)
    )
    if membership.override_until is not None and membership.override_until < today:
        _log(membership, membership.override_tier, None, _("人工调整到期"), today, None)
        membership.override_tier = None
        membership.override_reason = ""
        membership.override_by = None
        membership.override_until = None
    spend, orders = qualifying(customer.pk, today)
    target = qualified_tier(spend, orders, tiers)
    current = membership.tier
    grace = int(points_conf("TIER_GRACE_DAYS", 90))
    if _rank(target) >= _rank(current):
        if _rank(target) > _rank(current):
            _log(
                membership,
                current,
                target,
                _("升级：近期消费 %(spend)s 元，%(orders)s 笔") % {"spend": spend, "orders": orders},
                today,
                None,
            )
            membership.tier = target
            membership.since = today
        membership.below_since = None
    elif membership.below_since is None:
        membership.below_since = today  # the grace period starts
    elif (today - membership.below_since).days >= grace:
        _log(
            membership,
            current,
            target,
            _("降级：宽限期 %(days)s 天已过，近期消费 %(spend)s 元") % {"days": grace, "spend": spend},
            today,
            None,
        )
        membership.tier = target
        membership.since = today
        membership.below_since = None
    membership.evaluated_on = today
    membership.save()
    return membership


def effective_tier(membership: Membership, today: dt.date | None = None) -> Tier | None:
    today = today or timezone.localdate()
    if membership.override_tier is not None and membership.override_until and membership.override_until >= today:
        return membership.override_tier
    return membership.tier


@transaction.atomic
def tier_override(
    *, actor: Any, customer: Customer, tier: Tier, reason: str, until: dt.date, today: dt.date | None = None
) -> Membership:
    """A manual tier with a reason, its approver (the actor, a marketing manager) and an expiry."""
    today = today or timezone.localdate()
    if not roles.is_marketing_manager_or_above(actor):
        raise DomainError(_("只有市场营销经理及以上可以调整会员等级。"))
    errors: dict[str, list[str]] = {}
    if not (reason or "").strip():
        errors["reason"] = [_("请填写调整原因。")]
    if until <= today or (until - today).days > 366:
        errors["until"] = [_("有效期须在今天之后、一年之内。")]
    if errors:
        raise DomainError(_("输入有误，请检查标出的字段。"), field_errors=errors)
    membership, _created = Membership.objects.unscoped("override").select_for_update().get_or_create(customer=customer)
    _log(
        membership,
        effective_tier(membership, today),
        tier,
        _("人工调整：%(reason)s") % {"reason": reason},
        today,
        actor,
    )
    membership.override_tier = tier
    membership.override_reason = reason.strip()[:300]
    membership.override_by = actor
    membership.override_until = until
    membership.save()
    return membership


def tiers_evaluate_all(*, today: dt.date | None = None) -> int:
    tiers = list(Tier.objects.all())
    count = 0
    ids = Customer.objects.unscoped("nightly tier evaluation").filter(is_archived=False).values_list("id", flat=True)
    for customer in Customer.objects.unscoped("nightly tier evaluation").filter(pk__in=list(ids)).iterator(2000):
        tier_evaluate(customer=customer, today=today, tiers=tiers)
        count += 1
    return count
