from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from kehu.core import events
from kehu.core.exceptions import DomainError
from kehu.customers import grading, services
from kehu.customers.models import Customer, GradeChange, GradingPolicy, GradingRun

pytestmark = pytest.mark.django_db


def test_score_follows_the_policy_weights():
    policy = GradingPolicy(weight_region=0, weight_strength=0, weight_probability=0, weight_sales=100)
    common = {
        "region": "上海",
        "industry_standing": "leader",
        "registered_capital": None,
        "staff": 0,
        "deal_probability": 90,
    }
    assert grading.score(policy=policy, sales_12m=500_000, **common) == 50
    assert grading.score(policy=policy, sales_12m=5_000_000, **common) == 100
    policy = GradingPolicy(weight_region=100, weight_strength=0, weight_probability=0, weight_sales=0)
    assert grading.score(policy=policy, sales_12m=0, **common) == 100
    assert grading.score(policy=policy, sales_12m=0, **{**common, "region": "西藏"}) == 30


def test_proposals_cut_at_target_shares_by_score(make_customer, users):
    for i in range(10):
        customer = make_customer(f"客户{i}有限公司", deal_probability=10 * i)
        services.transaction_create(
            actor=users["mkt"], customer=customer, occurred_on=dt.date.today(), amount=100_000 * i
        )
    old = make_customer("很久以前有限公司", deal_probability=99)
    services.transaction_create(actor=users["mkt"], customer=old, occurred_on=dt.date(2000, 1, 1), amount=10**7)
    Customer.objects.filter(pk=old.pk).update(is_archived=True, proposed_grade="A")
    run = grading.grading_run(run_id=GradingRun.objects.create().pk, batch_size=3)  # 4 batches
    assert (run.status, run.total, run.processed, run.percent) == ("done", 10, 10, 100)
    assert run.distribution == {"current": {"A": 0, "B": 0, "C": 10}, "proposed": {"A": 2, "B": 4, "C": 4}}
    proposals = grading.grade_proposals(Customer.objects.all(), show_all=True)
    assert [p.name for p in proposals][:2] == ["客户9有限公司", "客户8有限公司"]
    assert [p.proposed_grade for p in proposals] == ["A"] * 2 + ["B"] * 4 + ["C"] * 4
    assert proposals[0].proposed_priority == "core"
    assert Customer.objects.get(pk=old.pk).proposed_grade == ""  # archived: no proposal
    # Only the ones whose grade or priority would change (all are C/normal now): A and B rows.
    assert [p.name for p in grading.grade_proposals(Customer.objects.all())] == [p.name for p in proposals[:6]]


def test_grading_run_can_be_repeated_and_a_failed_run_says_so(make_customer, monkeypatch):
    for i in range(5):
        make_customer(f"客户{i}有限公司", deal_probability=20 * i)
    first = grading.grading_run(run_id=GradingRun.objects.create().pk)
    second = grading.grading_run(run_id=GradingRun.objects.create().pk)
    assert first.distribution == second.distribution
    monkeypatch.setattr(grading, "_score_batch", lambda policy, ids: 1 / 0)
    monkeypatch.setattr(grading, "_score_range_sql", lambda policy, after, upto: 1 / 0)  # PostgreSQL's path
    broken = GradingRun.objects.create()
    with pytest.raises(ZeroDivisionError):
        grading.grading_run(run_id=broken.pk)
    broken.refresh_from_db()
    assert broken.status == "failed" and "ZeroDivisionError" in broken.error
    assert Customer.objects.filter(proposed_grade="").count() == 0  # the previous proposals stay


def test_the_stored_score_is_the_policy_formula_for_every_kind_of_customer(make_customer, users):
    """On PostgreSQL the run scores in one UPDATE per range of ids: it must agree with score()."""
    from decimal import Decimal

    GradingPolicy.objects.create(key_regions="上海 江苏", sales_full_score=Decimal("800000"))
    policy = grading.current_policy()
    cases = [
        {"region": "上海", "industry_standing": "leader", "registered_capital": 5 * 10**7, "deal_probability": 80},
        {"region": "西藏", "industry_standing": "other", "registered_capital": None, "deal_probability": 0},
        {"region": "江苏", "industry_standing": "small", "registered_capital": 10**9, "deal_probability": 100},
        {"region": "", "industry_standing": "medium", "registered_capital": 123456, "deal_probability": 33},
    ]
    made = []
    for i, fields in enumerate(cases):
        customer = make_customer(f"评分{i}有限公司", staff_chinese=7 * i * i * i, staff_foreign=i, **fields)
        services.transaction_create(
            actor=users["mkt"], customer=customer, occurred_on=dt.date.today(), amount=300_000 * i
        )
        services.transaction_create(  # older than twelve months: not counted
            actor=users["mkt"], customer=customer, occurred_on=dt.date.today() - dt.timedelta(days=400), amount=10**6
        )
        made.append((customer, fields, 300_000 * i))
    grading.grading_run(run_id=GradingRun.objects.create().pk)
    for customer, fields, sales in made:
        customer.refresh_from_db()
        expected = grading.score(
            policy=policy,
            staff=customer.staff_chinese + customer.staff_foreign,
            sales_12m=Decimal(sales),
            **fields,
        )
        assert abs(customer.score - expected) <= Decimal("0.01"), (fields, customer.score, expected)


def test_regrade_needs_reason_keeps_history_and_publishes(make_customer, users, django_capture_on_commit_callbacks):
    customer = make_customer()
    with pytest.raises(DomainError) as caught:
        grading.customer_regrade(actor=users["mkt_mgr"], customer=customer, grade="A", priority="core", reason=" ")
    assert "reason" in caught.value.field_errors
    seen: list[dict[str, Any]] = []
    events.subscribe("customer_regraded", lambda **payload: seen.append(payload))
    with django_capture_on_commit_callbacks(execute=True):
        grading.customer_regrade(
            actor=users["mkt_mgr"], customer=customer, grade="A", priority="core", reason="年度评估"
        )
    change = GradeChange.objects.get()
    assert (change.old_grade, change.new_grade, change.old_priority, change.new_priority) == (
        "C",
        "A",
        "normal",
        "core",
    )
    assert change.actor == users["mkt_mgr"] and change.reason == "年度评估"
    assert {
        "customer_id": customer.pk,
        "old_grade": "C",
        "new_grade": "A",
        "old_priority": "normal",
        "new_priority": "core",
        "actor_id": users["mkt_mgr"].pk,
    } in seen


def test_grading_page_and_htmx_confirm_of_many(client, make_customer, users, django_capture_on_commit_callbacks):
    customers = [make_customer(f"客户{i}有限公司") for i in range(5)]
    client.force_login(users["mkt"])
    assert client.get(reverse("customers:grading")).status_code == 403
    client.force_login(users["mkt_mgr"])
    assert b'id="grade-chart-data"' not in client.get(reverse("customers:grading")).content  # nothing scored yet
    with django_capture_on_commit_callbacks(execute=True):  # the run is queued when the request commits
        client.post(reverse("customers:grading_rescore"))
    page = client.get(reverse("customers:grading"))
    assert page.status_code == 200 and b'id="grade-chart-data"' in page.content
    data = {"reason": "季度评估", "customer": [customers[0].pk, customers[1].pk]}
    data |= {f"grade_{customers[0].pk}": "A", f"priority_{customers[0].pk}": "core"}
    data |= {f"grade_{customers[1].pk}": "B", f"priority_{customers[1].pk}": "normal"}
    response = client.post(reverse("customers:grading_confirm"), data, headers={"HX-Request": "true"})
    assert "已调整为 A 类" in response.content.decode()
    assert Customer.objects.get(pk=customers[0].pk).grade == "A"
    assert GradeChange.objects.count() == 2
    missing = client.post(reverse("customers:grading_confirm"), {"customer": [customers[2].pk]})
    assert "请填写调整原因" in missing.content.decode()
    assert GradeChange.objects.count() == 2


def test_grading_page_reads_stored_proposals_in_a_fixed_number_of_queries(
    client, make_customer, users, django_assert_max_num_queries
):
    for i in range(30):
        make_customer(f"客户{i}有限公司", deal_probability=3 * i)
    grading.grading_run(run_id=GradingRun.objects.create().pk)
    client.force_login(users["mkt_mgr"])
    client.get(reverse("customers:grading"))
    # session, user, OTP, latest run, access rules, proposals (one indexed read), badge, session save
    with django_assert_max_num_queries(11):
        page = client.get(reverse("customers:grading"), {"all": "1"})
    assert page.content.decode().count('name="customer"') == 30


def test_grading_runs_through_the_api_for_marketing_only(api_for, make_customer, django_capture_on_commit_callbacks):
    make_customer("甲有限公司")
    assert api_for("mkt").post("/api/grading-runs/").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        started = api_for("mkt_mgr").post("/api/grading-runs/")
    assert started.status_code == 201, started.content
    run = api_for("mkt_mgr").get(f"/api/grading-runs/{started.json()['id']}/").json()
    assert run["status"] == "done" and run["processed"] == 1 and run["percent"] == 100
