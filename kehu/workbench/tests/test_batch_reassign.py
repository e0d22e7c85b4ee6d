"""改派 on the follow-up list (issue 11): select rows, pick a person (grouped by department), the follow-ups
move. Only follow-ups the actor may edit (`restrict(user, "edit")`: who may view the customer, and the
visit's assignee) move; a selection with one the actor may not edit, or one already done, changes nothing.
The new assignee and the previous one are told in the app."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from kehu.access.models import Notification
from kehu.engagement import services as engagement
from kehu.engagement.choices import FollowUpStatus, FollowUpType
from kehu.engagement.models import FollowUp

pytestmark = pytest.mark.django_db
REASSIGN = reverse("workbench:batch_followup_reassign")


def _planned(users: Any, make_customer: Any, assignee: str, n: int, *, grade: str = "B") -> list[FollowUp]:
    made = []
    for i in range(n):
        customer = make_customer(f"{assignee}的{grade}级客户{i}", owner="sales", grade=grade)
        followup = engagement.followup_plan(
            customer=customer, type=FollowUpType.SPECIAL, due_on=dt.date.today(), source_id=f"{assignee}{grade}{i}"
        )
        FollowUp.objects.filter(pk=followup.pk).update(assignee=users[assignee])
        made.append(followup)
    return made


def _assignees() -> dict[int, str]:
    return dict(FollowUp.objects.values_list("pk", "assignee__username"))


def _messages(user: Any) -> list[tuple[str, str]]:
    return list(Notification.objects.filter(user=user).order_by("id").values_list("message", "url"))


def test_select_rows_pick_a_person_and_exactly_those_follow_ups_move(
    client: Any, users: Any, make_customer: Any, django_assert_max_num_queries: Any
) -> None:
    first, second, third = _planned(users, make_customer, "sales", 3)
    client.force_login(users["sales"])
    client.get(reverse("engagement:followups"))  # warm the session
    # warm: access rules, page, saved filters, the rows one may edit (one query), the users of the select
    with django_assert_max_num_queries(5):
        page = client.get(reverse("engagement:followups")).content.decode()
    assert page.count('data-testid="select-row"') == 3 and 'data-testid="batch-reassign"' in page
    assert 'data-testid="reassign-owner"' in page and "<optgroup" in page  # people grouped by department
    response = client.post(
        REASSIGN, {"ids": [first.pk, third.pk], "owner": users["sales2"].pk, "next": "/engagement/followups/"}
    )
    assert response.status_code == 302 and response["Location"] == "/engagement/followups/"
    assert _assignees() == {first.pk: "sales2", second.pk: "sales", third.pk: "sales2"}
    assert FollowUp.objects.get(pk=first.pk).version == first.version + 1
    # one message for the batch to the new assignee; the actor, who moved their own visits, gets none
    assert _messages(users["sales2"]) == [("李明 将 2 条回访改派给您。", "/engagement/followups/?mine=on")]
    assert _messages(users["sales"]) == []
    page = client.get("/engagement/followups/").content.decode()
    assert "已将 2 条回访改派给 周杰。" in page


def test_one_follow_up_tells_the_new_and_the_previous_assignee(client: Any, users: Any, make_customer: Any) -> None:
    (visit,) = _planned(users, make_customer, "cs", 1)
    client.force_login(users["cs_lead"])  # customer service views B and C archives: may edit their visits
    assert client.post(REASSIGN, {"ids": [visit.pk], "owner": users["tech"].pk}).status_code == 302
    assert _assignees() == {visit.pk: "tech"}
    today = dt.date.today().isoformat()
    assert _messages(users["tech"]) == [
        (f"陈静 将回访改派给您：cs的B级客户0（特殊时机回访，截止 {today}）", f"/engagement/followups/{visit.pk}/")
    ]
    assert _messages(users["cs"]) == [("陈静 将您的 1 条回访改派给了 张伟。", "/engagement/followups/")]
    client.force_login(users["tech"])  # the new assignee opens it (the assignee may always see their visit)
    assert client.get(f"/engagement/followups/{visit.pk}/").status_code == 200


def test_rows_the_actor_may_not_edit_are_refused_and_nothing_changes(
    client: Any, users: Any, make_customer: Any
) -> None:
    b_grade = _planned(users, make_customer, "sales", 2)
    (a_grade,) = _planned(users, make_customer, "sales", 1, grade="A")
    before = _assignees()
    # technical support may not view these archives and is nobody's assignee here: no checkbox, a forged post is refused
    client.force_login(users["tech"])
    assert 'data-testid="select-row"' not in client.get(reverse("engagement:followups")).content.decode()
    refused = client.post(REASSIGN, {"ids": [b_grade[0].pk], "owner": users["tech"].pk})
    assert refused.status_code == 403 and "所选回访中有您无权改派的，未做任何修改" in refused.content.decode()
    # marketing staff may view B but not A archives: the whole batch is refused, the B rows do not move either
    client.force_login(users["mkt"])
    page = client.get(reverse("engagement:followups")).content.decode()
    assert page.count('data-testid="select-row"') == 2
    mixed = client.post(REASSIGN, {"ids": [b_grade[0].pk, b_grade[1].pk, a_grade.pk], "owner": users["cs"].pk})
    assert mixed.status_code == 403 and "未做任何修改" in mixed.content.decode()
    assert _assignees() == before
    assert not Notification.objects.exists()


def test_a_done_follow_up_in_the_selection_stops_the_batch(client: Any, users: Any, make_customer: Any) -> None:
    planned, done = _planned(users, make_customer, "sales", 2)
    FollowUp.objects.filter(pk=done.pk).update(status=FollowUpStatus.DONE)
    client.force_login(users["sales"])
    page = client.get(reverse("engagement:followups"), {"status": ""}).content.decode()
    assert page.count('data-testid="select-row"') == 1  # the done visit has no checkbox
    response = client.post(REASSIGN, {"ids": [planned.pk, done.pk], "owner": users["sales2"].pk})
    assert response.status_code == 400
    assert "sales的B级客户1：该回访已完成或已取消，不能改派。" in response.content.decode()
    assert _assignees() == {planned.pk: "sales", done.pk: "sales"}
    assert not Notification.objects.exists()


def test_bad_reassign_input_is_a_400_in_the_users_language(client: Any, users: Any, make_customer: Any) -> None:
    (visit,) = _planned(users, make_customer, "sales", 1)
    users["tech_mgr"].is_active = False
    users["tech_mgr"].save(update_fields=["is_active"])
    client.force_login(users["sales"])
    for owner in ("", "abc", "²", users["tech_mgr"].pk):  # nobody, not an id, not a plain digit, inactive
        response = client.post(REASSIGN, {"ids": [visit.pk], "owner": owner})
        assert response.status_code == 400 and "请选择新的回访人" in response.content.decode(), owner
    nothing = client.post(REASSIGN, {"ids": ["x"], "owner": users["sales2"].pk})
    assert nothing.status_code == 400 and "请选择 1 到 200 行" in nothing.content.decode()
    assert client.get(REASSIGN).status_code == 405
    client.cookies["django_language"] = "en"
    english = client.post(REASSIGN, {"ids": [visit.pk], "owner": ""})
    assert english.status_code == 400 and "Please choose the new visitor." in english.content.decode()
    assert _assignees() == {visit.pk: "sales"}
