"""转移负责人 on the contact-plan list (issue 11, ADR 0021): a plan's assignee is its customer's owner by
design, so the batch transfers the selected plans' customers (the customer list's rule: who may edit the
archive, all or nothing) and the plans follow the new owner (customers publishes customer_owner_changed,
engagement re-plans)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from kehu.customers import services as customer_services
from kehu.customers.models import Customer
from kehu.engagement import services as engagement
from kehu.engagement.models import ContactPlan

pytestmark = pytest.mark.django_db
TRANSFER = reverse("workbench:batch_plan_owner")
TEAM = {"scope": "team", "due": "all"}


def _plans(make_customer: Any, n: int, *, grade: str = "B", owner: str = "sales") -> list[ContactPlan]:
    customers = [make_customer(f"鹤壁{grade}级客户{i}", owner=owner, grade=grade) for i in range(n)]
    plans = [engagement.plan_refresh(customer_id=c.pk) for c in customers]  # what customer_created plans
    return [p for p in plans if p is not None]


def _state() -> dict[str, tuple[str, str]]:
    """customer name -> (its owner, its plan's assignee)"""
    return {
        p.customer.name: (p.customer.owner.username, p.assignee.username)
        for p in ContactPlan.objects.select_related("customer__owner", "assignee")
    }


def test_the_selected_plans_customers_get_the_new_owner_and_the_plans_follow(
    client: Any,
    users: Any,
    make_customer: Any,
    django_capture_on_commit_callbacks: Any,
    django_assert_max_num_queries: Any,
) -> None:
    first, second, _third = _plans(make_customer, 3)
    assert first.assignee == users["sales"]
    client.force_login(users["admin"])  # the system administrator edits every archive; their team is everyone
    client.get(reverse("engagement:plans"), TEAM)  # warm the session
    # access rules, page, saved filters, the customers one may edit (one query), the users of the owner select
    with django_assert_max_num_queries(5):
        page = client.get(reverse("engagement:plans"), TEAM).content.decode()
    assert page.count('data-testid="select-row"') == 3 and 'data-testid="batch-transfer"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            TRANSFER, {"ids": [first.pk, second.pk], "owner": users["sales2"].pk, "next": "/engagement/plans/"}
        )
    assert response.status_code == 302 and response["Location"] == "/engagement/plans/"
    assert _state() == {
        "鹤壁B级客户0": ("sales2", "sales2"),
        "鹤壁B级客户1": ("sales2", "sales2"),
        "鹤壁B级客户2": ("sales", "sales"),
    }
    # the same trace as the customer list's transfer: the archive's history names who did it
    assert Customer.objects.get(pk=first.customer_id).history.latest().history_user == users["admin"]
    body = client.get("/engagement/plans/", TEAM).content.decode()
    assert "已将 2 个客户转给 周杰，其联络计划随之转交。" in body


def test_an_owner_changed_on_the_customer_page_moves_its_plan_too(
    users: Any, make_customer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    (plan,) = _plans(make_customer, 1)
    before = (plan.next_due_on, plan.next_phone_on, plan.next_visit_on)
    customer = Customer.objects.get(pk=plan.customer_id)
    with django_capture_on_commit_callbacks(execute=True):
        customer_services.customer_update(actor=users["mkt"], customer=customer, version=None, owner=users["sales2"])
    plan.refresh_from_db()
    assert plan.assignee == users["sales2"]
    assert (plan.next_due_on, plan.next_phone_on, plan.next_visit_on) == before  # the dates stay
    # a change that leaves the owner alone does not re-plan
    ContactPlan.objects.filter(pk=plan.pk).update(assignee=users["cs"])
    with django_capture_on_commit_callbacks(execute=True):
        customer_services.customer_update(actor=users["mkt"], customer=customer, version=None, region="鹤壁")
    plan.refresh_from_db()
    assert plan.assignee == users["cs"]


def test_without_the_edit_right_no_checkbox_and_a_forged_post_changes_nothing(
    client: Any, users: Any, make_customer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    b_plans = _plans(make_customer, 2)
    (a_plan,) = _plans(make_customer, 1, grade="A")
    before = _state()
    client.force_login(users["sales"])  # the account manager does not edit the archive (marketing does)
    page = client.get(reverse("engagement:plans"), {"scope": "mine", "due": "all"}).content.decode()
    assert "鹤壁B级客户0" in page and 'data-testid="select-row"' not in page
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(TRANSFER, {"ids": [b_plans[0].pk], "owner": users["sales2"].pk})
    assert refused.status_code == 403 and "所选客户中有您无权修改的档案，未做任何修改" in refused.content.decode()
    # marketing staff edit B archives but may not even view A ones: the whole batch is refused
    client.force_login(users["mkt"])
    with django_capture_on_commit_callbacks(execute=True):
        mixed = client.post(TRANSFER, {"ids": [b_plans[0].pk, b_plans[1].pk, a_plan.pk], "owner": users["sales2"].pk})
    assert mixed.status_code == 403 and "未做任何修改" in mixed.content.decode()
    assert _state() == before


def test_bad_plan_transfer_input_is_a_400(client: Any, users: Any, make_customer: Any) -> None:
    (plan,) = _plans(make_customer, 1)
    client.force_login(users["admin"])
    no_owner = client.post(TRANSFER, {"ids": [plan.pk], "owner": "²"})
    assert no_owner.status_code == 400 and "请选择新的负责人" in no_owner.content.decode()
    nothing = client.post(TRANSFER, {"ids": [], "owner": users["sales2"].pk})
    assert nothing.status_code == 400 and "请选择 1 到 200 行" in nothing.content.decode()
    assert _state() == {"鹤壁B级客户0": ("sales", "sales")}
