"""Tiers follow the rule over a rolling window (upgrade at once, downgrade after the grace period),
a manual override expires; referrals: no self-referral, reward after the first paid order, capped."""

from __future__ import annotations

import datetime as dt

import pytest

from kehu.core.exceptions import DomainError
from kehu.customers import services as customer_services
from kehu.customers.models import Transaction
from kehu.loyalty.models import PointsAccount, Referral, Tier, TierChange
from kehu.loyalty.referrals import referral_code_for, referral_register, referral_reward_on_first_order
from kehu.loyalty.tiers import effective_tier, tier_evaluate, tier_override

pytestmark = pytest.mark.django_db
D = dt.date


def buy(customer, users, on, amount):  # type: ignore[no-untyped-def]
    return Transaction.objects.create(customer=customer, occurred_on=on, amount=amount, our_person=users["sales"])


@pytest.fixture
def customer(users):  # type: ignore[no-untyped-def]
    return customer_services.customer_create(actor=users["sales"], owner=users["sales"], name="会员测试有限公司")


def test_tiers_move_up_at_once_and_down_only_after_the_grace_period(customer, users):
    for month in (1, 3, 5, 7):
        buy(customer, users, D(2026, month, 10), 60000)
    membership = tier_evaluate(customer=customer, today=D(2026, 8, 1))
    assert membership.tier.code == "gold"  # 240,000 yuan in 4 orders within 365 days
    buy(customer, users, D(2027, 2, 1), 60000)
    # Later the window holds 180,000 yuan in 3 orders: below gold, the grace period starts.
    membership = tier_evaluate(customer=customer, today=D(2027, 4, 1))
    assert membership.tier.code == "gold" and membership.below_since == D(2027, 4, 1)
    membership = tier_evaluate(customer=customer, today=D(2027, 6, 29))  # 89 days
    assert membership.tier.code == "gold"
    membership = tier_evaluate(customer=customer, today=D(2027, 6, 30))  # 90 days: down to what it earns
    assert membership.tier.code == "silver" and membership.below_since is None
    changes = list(TierChange.objects.unscoped("t").filter(customer=customer).order_by("id"))
    assert [(c.old_tier and c.old_tier.code, c.new_tier.code) for c in changes] == [
        (None, "gold"),
        ("gold", "silver"),
    ]


def test_a_manual_override_needs_a_reason_and_an_approver_and_expires(customer, users):
    diamond = Tier.objects.get(code="diamond")
    with pytest.raises(DomainError):
        tier_override(actor=users["sales"], customer=customer, tier=diamond, reason="战略客户", until=D(2027, 3, 31))
    with pytest.raises(DomainError):
        tier_override(actor=users["mkt_dir"], customer=customer, tier=diamond, reason="", until=D(2027, 3, 31))
    membership = tier_override(
        actor=users["mkt_dir"],
        customer=customer,
        tier=diamond,
        reason="战略客户",
        until=D(2027, 3, 31),
        today=D(2026, 12, 1),
    )
    assert effective_tier(membership, D(2027, 3, 31)).code == "diamond"
    membership = tier_evaluate(customer=customer, today=D(2027, 4, 1))
    assert membership.override_tier is None and effective_tier(membership, D(2027, 4, 1)).code == "member"


def test_the_tiers_api(api_for):
    body = api_for("sales").get("/api/loyalty/tiers/").json()
    assert [t["code"] for t in body] == ["member", "silver", "gold", "diamond"]
    assert body[3]["benefits"]["account_manager"] is True


def test_self_referral_is_blocked(customer, users):
    code = referral_code_for(customer).code
    with pytest.raises(DomainError):
        referral_register(actor=users["sales"], code=code, referee=customer)
    twin = customer_services.customer_create(actor=users["sales"], owner=users["sales"], name="会员测试有限公司")
    with pytest.raises(DomainError):  # the same company under a second archive
        referral_register(actor=users["sales"], code=code, referee=twin)
    customer_services.contact_create(actor=users["mkt"], customer=customer, name="甲", mobile="13911112222")
    other = customer_services.customer_create(actor=users["sales"], owner=users["sales"], name="另一家公司")
    customer_services.contact_create(actor=users["mkt"], customer=other, name="乙", mobile="139-1111-2222")
    with pytest.raises(DomainError):  # the same phone
        referral_register(actor=users["sales"], code=code, referee=other)
    with pytest.raises(DomainError):
        referral_register(actor=users["sales"], code="NOPE", referee=other)


def test_the_reward_comes_after_the_first_paid_order_within_the_cap(
    customer, users, settings, django_capture_on_commit_callbacks
):
    settings.KEHU_LOYALTY = {**settings.KEHU_LOYALTY, "REFERRAL_CAP_PER_YEAR": 1}
    code = referral_code_for(customer).code
    first = customer_services.customer_create(actor=users["sales"], owner=users["sales"], name="新客户一")
    second = customer_services.customer_create(actor=users["sales"], owner=users["sales"], name="新客户二")
    referral_register(actor=users["sales"], code=code, referee=first)
    referral_register(actor=users["sales"], code=code.lower(), referee=second)
    assert referral_reward_on_first_order(customer_id=first.pk) is None  # no order yet
    with django_capture_on_commit_callbacks(execute=True):
        customer_services.transaction_create(
            actor=users["mkt"], customer=first, occurred_on=D(2026, 11, 30), amount="8000"
        )
        customer_services.transaction_create(
            actor=users["mkt"], customer=second, occurred_on=D(2026, 11, 30), amount="9000"
        )
    rewarded = Referral.objects.unscoped("t").get(referee=first)
    capped = Referral.objects.unscoped("t").get(referee=second)
    assert rewarded.status == "rewarded" and rewarded.points == 500
    assert capped.status == "rejected" and "上限" in capped.reason
    assert PointsAccount.objects.unscoped("t").get(customer=customer).balance == 500
    with pytest.raises(DomainError):  # a customer with orders can no longer be registered as referred
        referral_register(actor=users["sales"], code=code, referee=first)
