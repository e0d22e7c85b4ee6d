"""Referrals: a code per customer, self-referral blocked (same customer, same company, same phone),
the reward only after the referee's first paid order, and a cap per referrer and year."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.core.exceptions import DomainError
from kehu.customers.models import Contact, Customer, Transaction

from .choices import ReferralStatus
from .models import Referral, ReferralCode
from .points import points_conf, points_earn

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


def referral_code_for(customer: Customer) -> ReferralCode:
    code = ReferralCode.objects.unscoped("a customer's own code").filter(customer=customer).first()
    while code is None:
        candidate = "".join(secrets.choice(ALPHABET) for _ in range(8))
        if not ReferralCode.objects.unscoped("uniqueness").filter(code=candidate).exists():
            code = ReferralCode.objects.create(customer=customer, code=candidate)
    return code


def _phones(customer: Customer) -> set[str]:
    numbers = {customer.phone_digits} if customer.phone_digits else set()
    numbers |= set(
        Contact.objects.unscoped("self-referral check")
        .filter(customer=customer)
        .exclude(mobile_digits="")
        .values_list("mobile_digits", flat=True)
    )
    return numbers


@transaction.atomic
def referral_register(*, actor: Any, code: str, referee: Customer) -> Referral:
    owner = ReferralCode.objects.unscoped("a code names its owner").filter(code=(code or "").strip().upper()).first()
    if owner is None:
        raise DomainError(_("推荐码不存在。"), field_errors={"code": [_("推荐码不存在。")]})
    referrer = Customer.objects.unscoped("the referrer of a code").get(pk=owner.customer_id)
    if referrer.pk == referee.pk:
        raise DomainError(_("不能推荐自己。"), field_errors={"code": [_("不能推荐自己。")]})
    if referrer.name_key and referrer.name_key == referee.name_key:
        raise DomainError(
            _("推荐人与被推荐人是同一家公司。"), field_errors={"code": [_("推荐人与被推荐人是同一家公司。")]}
        )
    if _phones(referrer) & _phones(referee):
        raise DomainError(
            _("推荐人与被推荐人使用同一电话。"), field_errors={"code": [_("推荐人与被推荐人使用同一电话。")]}
        )
    if Referral.objects.unscoped("one referral per referee").filter(referee=referee).exists():
        raise DomainError(_("该客户已有推荐人。"), field_errors={"referee": [_("该客户已有推荐人。")]})
    if Transaction.objects.unscoped("a referee must be new").filter(customer=referee, amount__gt=0).exists():
        raise DomainError(
            _("该客户已有订单，不能再登记推荐。"), field_errors={"referee": [_("该客户已有订单，不能再登记推荐。")]}
        )
    return Referral.objects.create(referrer=referrer, referee=referee, code=owner.code, created_by=actor)


def referral_reward_on_first_order(*, customer_id: int) -> Referral | None:
    """The referee's first paid order rewards the referrer once, within the yearly cap."""
    with transaction.atomic():
        referral = (
            Referral.objects.unscoped("the purchase event of a referee")
            .select_for_update()
            .filter(referee_id=customer_id, status=ReferralStatus.PENDING)
            .first()
        )
        if referral is None:
            return None
        if not Transaction.objects.unscoped("first paid order").filter(customer_id=customer_id, amount__gt=0).exists():
            return None
        year_start = timezone.localdate().replace(month=1, day=1)
        rewarded = (
            Referral.objects.unscoped("the yearly cap")
            .filter(referrer_id=referral.referrer_id, status=ReferralStatus.REWARDED)
            .filter(Q(rewarded_at__date__gte=year_start))
            .count()
        )
        if rewarded >= int(points_conf("REFERRAL_CAP_PER_YEAR", 5)):
            referral.status = ReferralStatus.REJECTED
            referral.reason = _("超过本年度推荐奖励上限")
            referral.save(update_fields=["status", "reason"])
            return referral
        points = int(points_conf("REFERRAL_POINTS", 500))
        points_earn(
            actor=None,
            customer=referral.referrer,
            points=points,
            reason=_("推荐奖励（%(name)s 首单）") % {"name": referral.referee.name},
            source=f"referral:{referral.pk}",
        )
        referral.status = ReferralStatus.REWARDED
        referral.points = points
        referral.rewarded_at = timezone.now()
        referral.save(update_fields=["status", "points", "rewarded_at"])
        return referral
