"""Row selection and batch actions (issue 11): transfer the owner of selected customers (who may edit
them: marketing, docs/permissions.md) and close selected follow-ups (their assignee)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from kehu.customers.models import Customer
from kehu.engagement import services as engagement
from kehu.engagement.choices import FollowUpStatus, FollowUpType
from kehu.engagement.models import FollowUp

pytestmark = pytest.mark.django_db
TRANSFER = reverse("workbench:batch_customer_owner")
CLOSE = reverse("workbench:batch_followup_close")


def _owners() -> dict[str, str]:
    return dict(Customer.objects.values_list("name", "owner__username"))


def test_marketing_transfers_exactly_the_selected_customers(client: Any, users: Any, make_customer: Any) -> None:
    one, two, _three = (make_customer(f"郑州机床{i}", owner="sales") for i in range(3))
    client.force_login(users["mkt"])
    page = client.get(reverse("customers:list")).content.decode()
    assert 'data-testid="batch-bar"' in page and page.count('data-testid="select-row"') == 3
    response = client.post(TRANSFER, {"ids": [one.pk, two.pk], "owner": users["sales2"].pk, "next": "/customers/"})
    assert response.status_code == 302 and response["Location"] == "/customers/"
    assert _owners() == {"郑州机床0": "sales2", "郑州机床1": "sales2", "郑州机床2": "sales"}
    # the archive's history says who changed it, as an edit on the customer's page would
    assert one.history.latest().history_user == users["mkt"]


def test_without_the_edit_right_there_is_no_checkbox_and_a_forged_post_changes_nothing(
    client: Any, users: Any, make_customer: Any
) -> None:
    one = make_customer("开封纺织", owner="sales")
    a_grade = make_customer("洛阳重工", owner="sales", grade="A")
    for name in ("sales", "cs", "tech"):
        client.force_login(users[name])
        page = client.get(reverse("customers:list")).content.decode()
        assert 'data-testid="batch-bar"' not in page and 'data-testid="select-row"' not in page, name
        assert client.post(TRANSFER, {"ids": [one.pk], "owner": users[name].pk}).status_code == 403, name
    # marketing staff may edit B and C but not A (A: marketing managers and above): the whole batch is refused
    client.force_login(users["mkt"])
    assert client.post(TRANSFER, {"ids": [one.pk, a_grade.pk], "owner": users["sales2"].pk}).status_code == 403
    assert _owners() == {"开封纺织": "sales", "洛阳重工": "sales"}


def test_bad_batch_input_is_a_400_in_the_users_language(client: Any, users: Any, make_customer: Any) -> None:
    one = make_customer("新乡化工", owner="sales")
    client.force_login(users["mkt"])
    no_owner = client.post(TRANSFER, {"ids": [one.pk], "owner": "abc"})
    assert no_owner.status_code == 400 and "请选择新的负责人" in no_owner.content.decode()
    nothing = client.post(TRANSFER, {"ids": [], "owner": users["sales2"].pk})
    assert nothing.status_code == 400 and "请选择 1 到 200 行" in nothing.content.decode()
    assert _owners() == {"新乡化工": "sales"}


def _planned(users: Any, make_customer: Any, assignee: str, n: int) -> list[FollowUp]:
    made = []
    for i in range(n):
        customer = make_customer(f"{assignee}的客户{i}", owner=assignee)
        followup = engagement.followup_plan(
            customer=customer, type=FollowUpType.SPECIAL, due_on=dt.date.today(), source_id=f"{assignee}{i}"
        )
        FollowUp.objects.filter(pk=followup.pk).update(assignee=users[assignee])
        made.append(followup)
    return made


def _statuses() -> dict[int, str]:
    return dict(FollowUp.objects.values_list("pk", "status"))


def test_the_assignee_closes_exactly_the_selected_follow_ups(
    client: Any, users: Any, make_customer: Any, django_assert_max_num_queries: Any
) -> None:
    first, second, third = _planned(users, make_customer, "sales", 3)
    client.force_login(users["sales"])
    client.get(reverse("engagement:followups"))
    with django_assert_max_num_queries(8):
        page = client.get(reverse("engagement:followups")).content.decode()
    assert page.count('data-testid="select-row"') == 3
    response = client.post(CLOSE, {"ids": [first.pk, third.pk], "reason": "客户已在投诉回访中答复"})
    assert response.status_code == 302
    assert _statuses() == {
        first.pk: FollowUpStatus.CANCELLED,
        second.pk: FollowUpStatus.PLANNED,
        third.pk: FollowUpStatus.CANCELLED,
    }
    assert FollowUp.objects.get(pk=first.pk).note == "客户已在投诉回访中答复"


def test_follow_ups_of_someone_else_are_not_closed(client: Any, users: Any, make_customer: Any) -> None:
    (mine,) = _planned(users, make_customer, "sales", 1)
    (theirs,) = _planned(users, make_customer, "sales2", 1)
    before = _statuses()
    client.force_login(users["sales"])
    page = client.get(reverse("engagement:followups")).content.decode()
    assert page.count('data-testid="select-row"') == 1  # sales2's row (if listed) has no checkbox
    assert client.post(CLOSE, {"ids": [mine.pk, theirs.pk], "reason": "重复"}).status_code == 403
    client.force_login(users["sales_mgr"])  # a manager sees the team's follow-ups but owes none of them
    assert client.post(CLOSE, {"ids": [mine.pk], "reason": "重复"}).status_code == 403
    client.force_login(users["sales"])
    empty_reason = client.post(CLOSE, {"ids": [mine.pk], "reason": "  "})
    assert empty_reason.status_code == 400 and "请填写关闭原因" in empty_reason.content.decode()
    assert _statuses() == before
