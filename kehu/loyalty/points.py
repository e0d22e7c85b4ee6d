"""The points ledger: earn by rule on purchases, redeem, expire oldest first, reverse on a refund.

Every change locks the customer's balance row (SELECT ... FOR UPDATE; SQLite serialises writers
with BEGIN IMMEDIATE), checks, appends a ledger line and moves the balance in the same
transaction: concurrent redemptions queue on the lock and the balance never goes below zero (a
CHECK constraint backs that up). Earn lines are lots; redemptions and expiry use the oldest first.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.core.exceptions import DomainError
from kehu.customers.models import Transaction

from .choices import PointsKind
from .models import PointsAccount, PointsEntry


class InsufficientPoints(DomainError):
    """More points asked than the balance holds: nothing changed (HTTP 409)."""


def points_conf(name: str, default: Any) -> Any:
    from django.conf import settings

    return getattr(settings, "KEHU_LOYALTY", {}).get(name, default)


def may_earn(user: Any) -> bool:
    """Granting points by hand is marketing's (any level) and its managers'; redeeming needs only
    the customer's `view` (the counter serving the customer redeems)."""
    from kehu.access import roles

    return bool(roles.is_marketing_manager_or_above(user) or roles.in_department(user, "marketing"))


def _locked_account(customer_id: int) -> PointsAccount:
    manager = PointsAccount.objects.unscoped("a points write locks the customer's balance row")
    try:
        with transaction.atomic():
            manager.get_or_create(customer_id=customer_id)
    except IntegrityError:  # created by a concurrent first write: use it
        pass
    return manager.select_for_update().get(customer_id=customer_id)


def _validate(points: Any, reason: str) -> int:
    errors: dict[str, list[str]] = {}
    if not isinstance(points, int) or isinstance(points, bool) or not 0 < points <= 10_000_000:
        errors["points"] = [_("积分须为 1 到 10000000 之间的整数。")]
    if not (reason or "").strip():
        errors["reason"] = [_("请填写说明。")]
    if errors:
        raise DomainError(_("输入有误，请检查标出的字段。"), field_errors=errors)
    return int(points)


@transaction.atomic
def points_earn(
    *,
    actor: Any,
    customer: Any,
    points: int,
    reason: str,
    source: str = "",
    expires_on: dt.date | None = None,
) -> PointsEntry:
    points = _validate(points, reason)
    account = _locked_account(customer.pk)
    if expires_on is None:
        expires_on = timezone.localdate() + dt.timedelta(days=int(points_conf("VALID_DAYS", 730)))
    entry = PointsEntry.objects.create(
        account=account,
        customer_id=customer.pk,
        kind=PointsKind.EARN,
        points=points,
        remaining=points,
        expires_on=expires_on,
        reason=reason.strip()[:200],
        source=source[:60],
        actor=actor if getattr(actor, "pk", None) else None,
    )
    account.balance += points
    account.save(update_fields=["balance"])
    return entry


def _consume(account: PointsAccount, points: int) -> None:
    """Take `points` out of the oldest lots (earliest expiry first)."""
    lots = (
        PointsEntry.objects.unscoped("lots of the locked account")
        .filter(account=account, kind=PointsKind.EARN, remaining__gt=0)
        .order_by("expires_on", "id")
    )
    left = points
    for lot in lots:
        take = min(lot.remaining, left)
        lot.remaining -= take
        lot.save(update_fields=["remaining"])
        left -= take
        if not left:
            break


@transaction.atomic
def points_redeem(*, actor: Any, customer: Any, points: int, reason: str) -> PointsEntry:
    points = _validate(points, reason)
    account = _locked_account(customer.pk)
    if points > account.balance:
        raise InsufficientPoints(
            _("积分不足：余额 %(balance)s，需要 %(points)s。") % {"balance": account.balance, "points": points}
        )
    _consume(account, points)
    entry = PointsEntry.objects.create(
        account=account,
        customer_id=customer.pk,
        kind=PointsKind.REDEEM,
        points=-points,
        reason=reason.strip()[:200],
        actor=actor if getattr(actor, "pk", None) else None,
    )
    account.balance -= points
    account.save(update_fields=["balance"])
    return entry


def points_expire(*, today: dt.date | None = None) -> int:
    """Lots whose expiry day has passed lose what is left of them; returns the points expired."""
    today = today or timezone.localdate()
    expired = 0
    account_ids = (
        PointsEntry.objects.unscoped("the nightly expiry run")
        .filter(kind=PointsKind.EARN, remaining__gt=0, expires_on__lt=today)
        .values_list("account_id", flat=True)
        .distinct()
    )
    for account_id in list(account_ids):
        with transaction.atomic():
            account = PointsAccount.objects.unscoped("expiry").select_for_update().get(pk=account_id)
            lots = PointsEntry.objects.unscoped("expiry").filter(
                account=account, kind=PointsKind.EARN, remaining__gt=0, expires_on__lt=today
            )
            for lot in lots.order_by("expires_on", "id"):
                amount = min(lot.remaining, account.balance)
                PointsEntry.objects.create(
                    account=account,
                    customer_id=account.customer_id,
                    kind=PointsKind.EXPIRE,
                    points=-amount,
                    reason=_("积分过期（%(on)s 获得）") % {"on": timezone.localdate(lot.created_at).isoformat()},
                    source=f"lot:{lot.pk}",
                )
                lot.remaining = 0
                lot.save(update_fields=["remaining"])
                account.balance -= amount
                expired += amount
            account.save(update_fields=["balance"])
    return expired


def points_for_amount(amount: Decimal) -> int:
    """The earning rule: POINTS_PER_YUAN points per yuan, whole points (default 1 per 10 yuan)."""
    rate = Decimal(str(points_conf("POINTS_PER_YUAN", "0.1")))
    return int((amount * rate).to_integral_value(rounding="ROUND_FLOOR"))


def points_earn_for_transaction(*, transaction_id: int) -> PointsEntry | None:
    """A purchase earns points once (the source key makes a repeated event a no-op)."""
    record = (
        Transaction.objects.unscoped("a purchase event").select_related("customer").filter(pk=transaction_id).first()
    )
    if record is None or record.amount <= 0:
        return None
    source = f"transaction:{transaction_id}"
    if PointsEntry.objects.unscoped("idempotency").filter(source=source, kind=PointsKind.EARN).exists():
        return None
    points = points_for_amount(record.amount)
    if points <= 0:
        return None
    return points_earn(
        actor=None,
        customer=record.customer,
        points=points,
        reason=_("消费 %(amount)s 元") % {"amount": record.amount},
        source=source,
    )


@transaction.atomic
def points_reverse_for_transaction(*, transaction_id: int, actor: Any = None) -> PointsEntry | None:
    """A refund takes back the points its purchase earned (as far as the balance still holds them)."""
    lot = (
        PointsEntry.objects.unscoped("a refund finds its purchase's points")
        .filter(source=f"transaction:{transaction_id}", kind=PointsKind.EARN)
        .first()
    )
    if lot is None:
        return None
    if PointsEntry.objects.unscoped("idempotency").filter(source=f"refund:{transaction_id}").exists():
        return None
    account = _locked_account(lot.customer_id)
    amount = min(lot.points, account.balance)
    from_lot = min(lot.remaining, amount)
    lot.remaining -= from_lot
    lot.save(update_fields=["remaining"])
    if amount > from_lot:  # part of the lot was already spent: take the rest from other lots
        _consume(account, amount - from_lot)
    entry = PointsEntry.objects.create(
        account=account,
        customer_id=lot.customer_id,
        kind=PointsKind.REVERSE,
        points=-amount,
        reason=_("退款冲回（交易 %(id)s）") % {"id": transaction_id},
        source=f"refund:{transaction_id}",
        actor=actor if getattr(actor, "pk", None) else None,
    )
    account.balance -= amount
    account.save(update_fields=["balance"])
    return entry
