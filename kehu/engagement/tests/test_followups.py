"""Follow-up visits (SPEC M4) are planned from events, assigned by the rules and measured."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kehu.core import events
from kehu.core.exceptions import DomainError, InvalidTransition
from kehu.customers import services as customer_services
from kehu.customers.choices import Channel
from kehu.engagement import selectors, services
from kehu.engagement.choices import FollowUpStatus, FollowUpType
from kehu.engagement.models import FollowUp, Interaction

pytestmark = pytest.mark.django_db


def _buy(customer, users, day, capture):
    with capture(execute=True):
        return customer_services.transaction_create(
            actor=users["admin"], customer=customer, occurred_on=day, amount=Decimal("12000"), product="ERP"
        )


def test_a_purchase_before_national_day_plans_the_first_visit_on_the_make_up_saturday(
    make_customer, users, django_capture_on_commit_callbacks
):
    customer = make_customer()
    record = _buy(customer, users, dt.date(2025, 9, 30), django_capture_on_commit_callbacks)
    first = FollowUp.objects.get(customer=customer, type=FollowUpType.NEW_FIRST)
    # 10-01..10-08 are holidays; 10-09, 10-10 and the make-up Saturday 10-11 are the three working days.
    assert first.due_on == dt.date(2025, 10, 11)
    assert first.assignee == users["sales"]  # sales does first visits
    assert (first.source_type, first.source_id) == ("transaction", str(record.pk))
    # the first purchase of a new customer also plans the one-month visit
    assert FollowUp.objects.get(customer=customer, type=FollowUpType.NEW_PERIODIC).due_on == dt.date(2025, 10, 30)
    # a second purchase: a first visit for it, no second one-month visit
    _buy(customer, users, dt.date(2025, 11, 3), django_capture_on_commit_callbacks)
    assert FollowUp.objects.filter(customer=customer, type=FollowUpType.NEW_FIRST).count() == 2
    assert FollowUp.objects.filter(customer=customer, type=FollowUpType.NEW_PERIODIC).count() == 1


def test_completing_the_visit_with_a_score_updates_the_completion_rate_report(
    make_customer, users, django_capture_on_commit_callbacks
):
    customer = make_customer()
    _buy(customer, users, dt.date(2025, 9, 30), django_capture_on_commit_callbacks)
    first = FollowUp.objects.get(customer=customer, type=FollowUpType.NEW_FIRST)
    period = {"since": dt.date(2025, 10, 1), "until": dt.date(2025, 10, 31), "today": dt.date(2025, 10, 20)}
    before = selectors.followup_report(users["sales"], **period)
    row = next(r for r in before.rows if r.type == FollowUpType.NEW_FIRST)
    assert (row.total, row.done, row.completion_rate, row.overdue_open) == (1, 0, 0.0, 1)

    done_at = timezone.make_aware(dt.datetime(2025, 10, 10, 9, 30))
    services.followup_complete(
        actor=users["sales"],
        followup=first,
        version=first.version,
        channel=Channel.PHONE,
        satisfaction=5,
        answers={"是否已收到货物并完成安装？": "已安装"},
        actions="客户希望增加培训",
        action_department="training",
        done_at=done_at,
    )
    after = selectors.followup_report(users["sales"], **period)
    row = next(r for r in after.rows if r.type == FollowUpType.NEW_FIRST)
    assert (row.total, row.done, row.completion_rate, row.timeliness, row.satisfaction) == (1, 1, 100.0, 100.0, 5)
    assert after.total.done == 1
    # the visit is a logged contact on the customer's timeline
    assert Interaction.objects.get(customer=customer).content.endswith("已安装")
    with pytest.raises(InvalidTransition):
        services.followup_complete(
            actor=users["sales"], followup=first, version=None, channel=Channel.PHONE, satisfaction=4
        )


def test_a_score_is_required_and_actions_need_a_department(make_customer, users):
    customer = make_customer()
    visit = services.followup_plan(customer=customer, type=FollowUpType.SPECIAL)
    with pytest.raises(DomainError) as error:
        services.followup_complete(
            actor=users["sales"], followup=visit, version=None, channel=Channel.PHONE, satisfaction=None, actions="跟进"
        )
    assert set(error.value.field_errors) == {"satisfaction", "action_department"}
    visit.refresh_from_db()
    assert visit.status == FollowUpStatus.PLANNED


def test_service_desk_events_plan_visits_for_the_right_department_once(
    make_customer, users, django_capture_on_commit_callbacks
):
    customer = make_customer()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):  # delivered twice: planned once
            events.publish("complaint_handled", complaint_id=7, customer_id=customer.pk, actor_id=users["cs"].pk)
            events.publish("problem_closed", ticket_id=9, customer_id=customer.pk, actor_id=users["tech"].pk)
            events.publish("demand_done", demand_id=3, customer_id=customer.pk, actor_id=users["cs"].pk)
    today = timezone.localdate()
    complaint = FollowUp.objects.get(type=FollowUpType.AFTER_COMPLAINT)
    assert (complaint.assignee, complaint.due_on) == (users["cs"], today + dt.timedelta(days=7))
    problem = FollowUp.objects.get(type=FollowUpType.AFTER_PROBLEM)
    assert problem.assignee == users["cs_lead"] and (problem.source_type, problem.source_id) == ("ticket", "9")
    assert FollowUp.objects.get(type=FollowUpType.SATISFACTION).assignee == users["cs"]
    assert FollowUp.objects.count() == 3


def test_half_year_clock_plans_one_deep_visit_per_key_customer(make_customer):
    key = make_customer("重点客户", grade="B", priority="core")
    make_customer("普通客户", grade="C")
    assert services.followups_plan_periodic(today=dt.date(2026, 7, 1)) == 1
    assert services.followups_plan_periodic(today=dt.date(2026, 8, 1)) == 0
    assert FollowUp.objects.get(type=FollowUpType.KEY_DEEP).customer == key


def test_quarter_clock_plans_one_periodic_visit_per_existing_customer(make_customer, users):
    existing = make_customer("老客户", grade="C", cooperation_since=dt.date(2025, 6, 1))
    make_customer("刚合作客户", grade="C", cooperation_since=dt.date(2026, 9, 1))
    make_customer("未合作客户", grade="C")
    assert services.followups_plan_periodic(today=dt.date(2026, 10, 8)) == 1
    assert services.followups_plan_periodic(today=dt.date(2026, 10, 20)) == 0  # same quarter: nothing new
    visit = FollowUp.objects.get(type=FollowUpType.EXISTING_PERIODIC)
    assert (visit.customer, visit.assignee, visit.due_on) == (existing, users["sales"], dt.date(2026, 10, 29))
    # Next quarter, both cooperating customers are due (the newer one has now cooperated for 3 months).
    assert services.followups_plan_periodic(today=dt.date(2027, 1, 4)) == 2


def test_a_user_without_access_sees_no_visit_of_the_customer(make_customer, users):
    secret = make_customer("机密A类客户", owner="sales2", grade="A")
    services.followup_plan(customer=secret, type=FollowUpType.SPECIAL)
    assert selectors.followups_for(users["sales"]).count() == 0
    assert selectors.followups_for(users["sales2"]).count() == 1
