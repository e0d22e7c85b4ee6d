"""Saved filters on the engagement lists (issue 11): the follow-up, contact-plan and interaction lists
show the same "我的筛选" bar as the customer and service-desk lists; a filter keeps only the keys the
list's filter form reads; reopening it shows the filtered rows; it can be deleted; nobody else sees it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from kehu.engagement import services as engagement
from kehu.engagement.choices import FollowUpStatus, FollowUpType
from kehu.engagement.models import ContactPlan, FollowUp
from kehu.workbench.models import SavedFilter

pytestmark = pytest.mark.django_db
SAVE = reverse("workbench:saved_filter_save")


@pytest.fixture
def work(users: Any, make_customer: Any) -> dict[str, Any]:
    """Two customers of sales: one planned and one done follow-up, a phone call and a visit, one plan
    overdue and one due in two months."""
    today = dt.date.today()
    first, second = make_customer("洛阳轴承", owner="sales"), make_customer("新乡电器", owner="sales")
    engagement.interaction_log(actor=users["sales"], customer=first, channel="phone", content="确认到货时间")
    engagement.interaction_log(actor=users["sales"], customer=second, channel="visit", content="上门调试")
    for i, (customer, status) in enumerate([(first, FollowUpStatus.PLANNED), (second, FollowUpStatus.DONE)]):
        followup = engagement.followup_plan(
            customer=customer, type=FollowUpType.SPECIAL, due_on=today, source_id=f"saved{i}"
        )
        FollowUp.objects.filter(pk=followup.pk).update(assignee=users["sales"], status=status)
    ContactPlan.objects.filter(customer=first).update(next_due_on=today - dt.timedelta(days=2))
    ContactPlan.objects.filter(customer=second).update(next_due_on=today + dt.timedelta(days=60))
    return {"first": first, "second": second}


def _names(response: Any, key: str) -> list[str]:
    assert response.status_code == 200
    return sorted(row.customer.name for row in response.context[key])


CASES = [
    # list, URL name, the rows' context key, what the user filtered (with keys the list does not read),
    # what is kept, the rows before and with the filter
    (
        "followups",
        "engagement:followups",
        "rows",
        "status=done&mine=on&sort=due_on&after=7&q=x",
        "status=done&mine=on&sort=due_on",
        ["洛阳轴承"],
        ["新乡电器"],
    ),
    (
        "plans",
        "engagement:plans",
        "plans",
        "scope=mine&due=all&sort=customer&status=x",
        "scope=mine&due=all&sort=customer",
        ["洛阳轴承"],
        ["新乡电器", "洛阳轴承"],
    ),
    (
        "interactions",
        "engagement:interactions",
        "rows",
        "channel=visit&sort=-occurred_at&mine=on",
        "channel=visit&sort=-occurred_at",
        ["新乡电器", "洛阳轴承"],
        ["新乡电器"],
    ),
]


@pytest.mark.parametrize(("list_name", "url_name", "key", "query", "kept", "before", "after"), CASES)
def test_save_reopen_and_delete_a_filter_on_an_engagement_list(
    client: Any,
    users: Any,
    work: Any,
    list_name: str,
    url_name: str,
    key: str,
    query: str,
    kept: str,
    before: list[str],
    after: list[str],
) -> None:
    url = reverse(url_name)
    client.force_login(users["sales"])
    page = client.get(url)
    assert _names(page, key) == before
    body = page.content.decode()
    assert 'data-testid="saved-filters"' in body and f'name="list" value="{list_name}"' in body
    response = client.post(SAVE, {"list": list_name, "name": "我的常用", "query": query})
    assert response.status_code == 302 and response["Location"] == f"{url}?{kept}"
    saved = SavedFilter.objects.get(user=users["sales"], list_name=list_name)
    assert saved.query == kept  # only the keys the list's filter form reads: no cursor, nothing else
    # reopened: the list shows the filter as a link, and the link shows the filtered rows
    body = client.get(url).content.decode()
    assert "我的常用" in body and f'href="{url}?{kept.replace("&", "&amp;")}"' in body
    assert _names(client.get(f"{url}?{saved.query}"), key) == after
    delete = reverse("workbench:saved_filter_delete", args=[saved.pk])
    response = client.post(delete, {"next": f"{url}?{kept}"})
    assert response.status_code == 302 and response["Location"] == f"{url}?{kept}"
    assert not SavedFilter.objects.exists()
    assert "我的常用" not in client.get(url).content.decode()


@pytest.mark.parametrize("list_name", ["followups", "plans", "interactions"])
def test_another_user_never_sees_or_deletes_my_engagement_filters(
    client: Any, users: Any, work: Any, list_name: str
) -> None:
    url = reverse(dict((c[0], c[1]) for c in CASES)[list_name])
    saved = SavedFilter.objects.create(user=users["sales"], list_name=list_name, name="李明的筛选", query="sort=id")
    for other in ("sales2", "cs", "mkt"):
        client.force_login(users[other])
        page = client.get(url)
        assert page.status_code == 200 and "李明的筛选" not in page.content.decode(), other
        assert client.post(reverse("workbench:saved_filter_delete", args=[saved.pk])).status_code == 404
    assert SavedFilter.objects.filter(pk=saved.pk).exists()
    client.force_login(users["sales"])
    assert "李明的筛选" in client.get(url).content.decode()


def test_engagement_lists_with_saved_filters_keep_their_query_counts(
    client: Any, users: Any, work: Any, django_assert_max_num_queries: Any
) -> None:
    for list_name in ("followups", "plans", "interactions"):
        for i in range(3):
            SavedFilter.objects.create(user=users["sales"], list_name=list_name, name=f"筛选{i}", query="sort=id")
    client.force_login(users["sales"])
    client.get(reverse("engagement:followups"))  # warm the session
    # warm: the access rules, the page, the user's filters (one query, however many); the follow-up list
    # adds the rows sales may 改派 and the users of the person select
    for url_name, pin in (("engagement:followups", 5), ("engagement:plans", 3), ("engagement:interactions", 3)):
        with django_assert_max_num_queries(pin):
            page = client.get(reverse(url_name))
        assert page.content.decode().count('data-testid="saved-filter"') == 3
