"""Contact plans follow the maintenance policy of the customer's grade and priority (SPEC M2, M3)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kehu.core.exceptions import DomainError
from kehu.customers import grading
from kehu.customers.choices import Channel
from kehu.engagement import services
from kehu.engagement.choices import JobStatus, PolicyScope
from kehu.engagement.models import ContactPlan, Interaction, MaintenancePolicy

pytestmark = pytest.mark.django_db

LAST = dt.date(2026, 3, 2)


def _with_last_contacts(customer):
    plan = ContactPlan.objects.get(customer=customer)
    plan.last_phone_on = plan.last_visit_on = LAST
    plan.save()
    return services.plan_refresh(customer_id=customer.pk)


def test_grade_a_to_c_replans_phone_from_weekly_to_two_weeks_and_visit_from_two_to_four_months(
    make_customer, users, django_capture_on_commit_callbacks
):
    customer = make_customer(grade="A", priority="normal")
    plan = _with_last_contacts(customer)
    assert (plan.next_phone_on, plan.next_visit_on) == (dt.date(2026, 3, 9), dt.date(2026, 5, 2))

    with django_capture_on_commit_callbacks(execute=True):
        grading.customer_regrade(
            actor=users["mkt_mgr"], customer=customer, grade="C", priority="normal", reason="规模缩小"
        )

    plan.refresh_from_db()
    assert plan.phone_every_days == 14 and plan.visit_every_months == 4
    assert (plan.next_phone_on, plan.next_visit_on) == (dt.date(2026, 3, 16), dt.date(2026, 7, 2))


def test_core_priority_never_loosens_the_grade_frequency_but_potential_c_customers_are_called_every_two_weeks(
    make_customer,
):
    assert make_customer("甲", grade="A", priority="core").contact_plan.phone_every_days == 7
    assert make_customer("乙", grade="C", priority="potential").contact_plan.phone_every_days == 14


def test_a_logged_phone_call_resets_the_phone_clock_and_a_visit_resets_both(make_customer, users):
    customer = make_customer(grade="B")
    _with_last_contacts(customer)
    call = timezone.make_aware(dt.datetime(2026, 3, 20, 10, 0))
    services.interaction_log(
        actor=users["sales"], customer=customer, channel=Channel.PHONE, content="介绍新品", occurred_at=call
    )
    plan = ContactPlan.objects.get(customer=customer)
    assert plan.last_contact_on == dt.date(2026, 3, 20)
    assert plan.next_phone_on == dt.date(2026, 3, 27)
    assert plan.next_visit_on == dt.date(2026, 6, 2)  # a call does not replace a visit

    visit = timezone.make_aware(dt.datetime(2026, 3, 25, 15, 0))
    services.interaction_log(
        actor=users["sales"], customer=customer, channel=Channel.VISIT, content="上门拜访", occurred_at=visit
    )
    plan.refresh_from_db()
    assert (plan.next_phone_on, plan.next_visit_on) == (dt.date(2026, 4, 1), dt.date(2026, 6, 25))


def test_policy_change_replans_every_governed_customer_in_batches_with_progress(
    make_customer, users, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "REPLAN_BATCH", 2)
    customers = [make_customer(f"客户{i}", grade="C") for i in range(5)]
    other = make_customer("B类客户", grade="B")
    policy = MaintenancePolicy.objects.get(scope=PolicyScope.GRADE, key="C")
    seen: list[int] = []
    original = services._replan_batch
    monkeypatch.setattr(services, "_replan_batch", lambda rows, p: (seen.append(len(rows)), original(rows, p)))
    with django_capture_on_commit_callbacks(execute=True):
        job = services.policy_update(
            actor=users["admin"], policy=policy, version=policy.version, phone_every_days=10, visit_every_months=4
        )
    job.refresh_from_db()
    assert (job.status, job.processed, job.total, job.progress) == (JobStatus.DONE, 5, 5, 100)
    assert seen == [2, 2, 1]  # keyset batches: memory bounded by the batch size
    assert set(ContactPlan.objects.filter(customer__in=customers).values_list("phone_every_days", flat=True)) == {10}
    assert ContactPlan.objects.get(customer=other).phone_every_days == 7


def test_only_admins_change_policies_and_a_stale_version_is_refused(users):
    policy = MaintenancePolicy.objects.get(scope=PolicyScope.GRADE, key="A")
    with pytest.raises(DomainError):
        services.policy_update(
            actor=users["mkt_mgr"], policy=policy, version=policy.version, phone_every_days=3, visit_every_months=1
        )
    services.policy_update(actor=users["admin"], policy=policy, version=1, phone_every_days=5, visit_every_months=2)
    with pytest.raises(DomainError):
        services.policy_update(actor=users["admin"], policy=policy, version=1, phone_every_days=3, visit_every_months=2)
    policy.refresh_from_db()
    assert policy.phone_every_days == 5


def test_sales_cannot_log_a_contact_on_another_owners_a_grade_customer(make_customer, users):
    customer = make_customer("机密A类客户", owner="sales2", grade="A")
    before = ContactPlan.objects.get(customer=customer).next_due_on
    with pytest.raises(DomainError):
        services.interaction_log(actor=users["sales"], customer=customer, channel=Channel.PHONE, content="试探")
    assert not Interaction.objects.exists()
    assert ContactPlan.objects.get(customer=customer).next_due_on == before


def test_fill_missing_plans_new_customers_once(make_customer):
    customer = make_customer("新客户")
    ContactPlan.objects.filter(customer=customer).delete()
    assert services.plans_fill_missing() == 1
    assert services.plans_fill_missing() == 0
    assert ContactPlan.objects.get(customer=customer).phone_every_days == 14


def test_fill_missing_walks_past_planned_customers_and_leaves_their_plans(make_customer, monkeypatch):
    """Batches of one: the planned first customer neither stops the walk nor gets re-planned."""
    first, second, third = (make_customer(f"客户{n}") for n in range(3))
    ContactPlan.objects.filter(customer=first).update(next_due_on=None, phone_every_days=99)
    ContactPlan.objects.filter(customer__in=[second, third]).delete()
    monkeypatch.setattr(services, "REPLAN_BATCH", 1)
    assert services.plans_fill_missing() == 2
    assert ContactPlan.objects.get(customer=first).phone_every_days == 99  # untouched
    assert ContactPlan.objects.filter(customer__in=[second, third], phone_every_days=14).count() == 2


def test_a_new_customer_is_planned_as_soon_as_it_is_created(users, django_capture_on_commit_callbacks):
    from kehu.customers.services import customer_create

    with django_capture_on_commit_callbacks(execute=True):
        customer = customer_create(actor=users["sales"], name="刚建档有限公司", grade="A")
    plan = ContactPlan.objects.get(customer=customer)
    assert plan.phone_every_days == 7 and plan.next_phone_on is not None


def test_a_replan_gives_the_dates_of_planning_schedule_for_every_kind_of_plan(make_customer):
    """On PostgreSQL the re-plan updates each batch in one statement: it must agree with schedule()."""
    from kehu.engagement import planning

    cases = [
        ("A", dt.date(2026, 1, 31), None),  # month end: + months clamps to the shorter month
        ("B", None, dt.date(2025, 12, 31)),
        ("C", dt.date(2026, 2, 28), dt.date(2026, 2, 28)),
        ("A", None, None),  # never contacted: the clock starts at the plan's start
    ]
    made = []
    for i, (grade, last_phone, last_visit) in enumerate(cases):
        customer = make_customer(f"重排{i}有限公司", grade=grade)
        ContactPlan.objects.filter(customer=customer).update(
            last_phone_on=last_phone, last_visit_on=last_visit, anchor_on=dt.date(2025, 11, 30)
        )
        made.append(customer)
    job = services.replan_run(services.ReplanJob.objects.create(total=len(made)).pk)
    assert job.status == JobStatus.DONE
    policies = planning.policies_by_key()
    for customer in made:
        plan = ContactPlan.objects.get(customer=customer)
        terms = planning.terms_for(policies, customer.grade, customer.priority)
        expected = planning.schedule(
            terms, anchor_on=plan.anchor_on, last_phone_on=plan.last_phone_on, last_visit_on=plan.last_visit_on
        )
        assert (plan.phone_every_days, plan.visit_every_months) == (terms.phone_every_days, terms.visit_every_months)
        assert (plan.next_phone_on, plan.next_visit_on, plan.next_due_on) == (
            expected.next_phone_on,
            expected.next_visit_on,
            expected.next_due_on,
        )
        assert plan.assignee_id == customer.owner_id
