"""Sortable engagement lists (issue 11): the interaction, follow-up and contact-plan lists sort by their
columns both ways, the sort lives in the URL, and the next-page link (keyset on key and id) walks the
whole sorted list without repeating or skipping a row, also across rows that share the key."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from kehu.engagement import selectors
from kehu.engagement import services as engagement
from kehu.engagement.choices import FollowUpStatus, FollowUpType
from kehu.engagement.models import ContactPlan, FollowUp, Interaction

pytestmark = pytest.mark.django_db

NEXT = re.compile(r'href="([^"]*)" data-testid="next-page"')
# ASCII names: the same order under SQLite's and PostgreSQL's collations
NAMES = ["Delta 机械", "Alpha 机械", "Echo 机械", "Bravo 机械", "Charlie 机械"]


@pytest.fixture
def data(users: Any, make_customer: Any) -> dict[str, Any]:
    """Five customers of sales and sales2 with plans, follow-ups and interactions whose keys tie."""
    today = timezone.localdate()
    now = timezone.now().replace(microsecond=0)
    customers = []
    for i, name in enumerate(NAMES):
        owner = "sales" if i % 2 == 0 else "sales2"
        customer = make_customer(name, owner=owner, grade="B" if i < 2 else "C")
        customers.append(customer)
        for j in range(2):
            followup = engagement.followup_plan(
                customer=customer, type=FollowUpType.SPECIAL, due_on=today + dt.timedelta(days=j), source_id=f"{i}{j}"
            )
            FollowUp.objects.filter(pk=followup.pk).update(
                assignee=users[owner], status=FollowUpStatus.DONE if (i + j) % 3 == 0 else FollowUpStatus.PLANNED
            )
            engagement.interaction_log(
                actor=users[owner],
                customer=customer,
                channel="phone",
                content=f"第{i}{j}次",
                occurred_at=now - dt.timedelta(hours=(i + j) % 3),  # ties across customers
            )
    for i, customer in enumerate(customers):  # after the interactions, which replan
        owner = "sales" if i % 2 == 0 else "sales2"
        ContactPlan.objects.filter(customer=customer).update(
            assignee=users[owner],
            next_due_on=None if i == 4 else today - dt.timedelta(days=i % 2),  # ties, and one without a date
            last_contact_on=None if i in (1, 3) else today - dt.timedelta(days=10 + i),
        )
    return {"customers": customers}


MODELS: dict[str, Any] = {"interactions": Interaction, "followups": FollowUp, "plans": ContactPlan}
LISTS = [
    ("engagement:interactions", "rows", "interactions", {}),
    ("engagement:followups", "rows", "followups", {"status": ""}),
    ("engagement:plans", "plans", "plans", {"scope": "team", "due": "all"}),
]


def _walk(client: Any, url: str, params: dict[str, str], key: str) -> list[int]:
    """Every row id of a list, page after page, by following the page's own next-page link."""
    response = client.get(url, params)
    ids: list[int] = []
    for _ in range(50):
        assert response.status_code == 200
        ids += [row.pk for row in response.context[key]]
        found = NEXT.search(response.content.decode())
        if not found:
            return ids
        response = client.get(url + html.unescape(found.group(1)))
    raise AssertionError("the list never ends")


@pytest.mark.parametrize(("url_name", "key", "list_name", "params"), LISTS)
def test_every_sort_pages_through_the_whole_list_without_duplicate_or_gap(
    client: Any, users: Any, data: Any, monkeypatch: Any, url_name: str, key: str, list_name: str, params: Any
) -> None:
    monkeypatch.setattr("kehu.engagement.views.PAGE_SIZE", 2)  # page boundaries fall inside runs of equal keys
    client.force_login(users["admin"])
    sorts, _default = selectors.SORTS[list_name]
    url = reverse(url_name)
    for name, sort in sorts.items():
        ids = _walk(client, url, {**params, "sort": name}, key)
        assert len(ids) == len(set(ids)), f"{name}: a row repeats"
        everything = MODELS[list_name].objects.unscoped("test: the rows the manager sees").filter(pk__in=ids)
        assert len(ids) == {"interactions": 10, "followups": 10, "plans": 5}[list_name], f"{name}: a row is missing"
        in_order = [row.pk for row in everything.order_by(*sort.order_by())]
        assert ids == in_order, f"{name}: pages out of order"


def _order(client: Any, url_name: str, key: str, params: dict[str, str]) -> list[Any]:
    response = client.get(reverse(url_name), params)
    assert response.status_code == 200
    return list(response.context[key])


def test_each_list_sorts_by_customer_both_ways_and_keeps_the_sort_in_its_links(
    client: Any, users: Any, data: Any
) -> None:
    client.force_login(users["admin"])
    alphabetical = sorted(NAMES)
    for url_name, key, _list, params in LISTS:
        up = [row.customer.name for row in _order(client, url_name, key, {**params, "sort": "customer"})]
        down = [row.customer.name for row in _order(client, url_name, key, {**params, "sort": "-customer"})]
        assert list(dict.fromkeys(up)) == alphabetical
        assert list(dict.fromkeys(down)) == alphabetical[::-1]
        body = client.get(reverse(url_name), {**params, "sort": "customer"}).content.decode()
        assert 'data-testid="sort-customer"' in body and "sort=-customer" in body  # a second click reverses
        assert 'aria-sort="ascending"' in body


def test_dates_people_and_states_sort_both_ways(client: Any, users: Any, data: Any) -> None:
    client.force_login(users["admin"])
    team = {"scope": "team", "due": "all"}
    due = [p.next_due_on for p in _order(client, "engagement:plans", "plans", {**team, "sort": "next_due_on"})]
    assert due[-1] is None and due[:-1] == sorted(due[:-1])  # no date comes last
    due = [p.next_due_on for p in _order(client, "engagement:plans", "plans", {**team, "sort": "-next_due_on"})]
    assert due[-1] is None and due[:-1] == sorted(due[:-1], reverse=True)
    grades = [p.customer.grade for p in _order(client, "engagement:plans", "plans", {**team, "sort": "-grade"})]
    assert grades == ["C", "C", "C", "B", "B"]
    followups = _order(client, "engagement:followups", "rows", {"status": "", "sort": "-due_on"})
    assert [f.due_on for f in followups] == sorted((f.due_on for f in followups), reverse=True)
    states = [f.status for f in _order(client, "engagement:followups", "rows", {"status": "", "sort": "status"})]
    assert states == sorted(states)
    people = [
        f.assignee_id for f in _order(client, "engagement:followups", "rows", {"status": "", "sort": "-assignee"})
    ]
    assert people == sorted(people, reverse=True)
    times = [i.occurred_at for i in _order(client, "engagement:interactions", "rows", {"sort": "occurred_at"})]
    assert times == sorted(times)
    actors = [i.actor_id for i in _order(client, "engagement:interactions", "rows", {"sort": "actor"})]
    assert actors == sorted(actors)


def test_a_bad_sort_or_cursor_is_the_default_list_never_an_error(client: Any, users: Any, data: Any) -> None:
    client.force_login(users["admin"])
    default = [i.pk for i in _order(client, "engagement:interactions", "rows", {})]
    assert [i.pk for i in _order(client, "engagement:interactions", "rows", {"sort": "password"})] == default
    for after in ("=not-a-date|3", "x|y", "|", "=" + "9" * 30 + "|1", "|" + "9" * 30, "1" * 40):
        response = client.get(reverse("engagement:interactions"), {"sort": "occurred_at", "after": after})
        assert response.status_code == 200
        response = client.get(reverse("engagement:plans"), {"sort": "last_contact_on", "after": after})
        assert response.status_code == 200


def test_sorted_lists_keep_their_query_counts(
    client: Any, users: Any, data: Any, django_assert_max_num_queries: Any
) -> None:
    client.force_login(users["admin"])
    client.get(reverse("engagement:followups"))  # warm the session
    for url_name, _key, _list, params in LISTS:
        for sort in ("customer", "-customer"):
            with django_assert_max_num_queries(8):  # the follow-up list's pin (test_lists.py)
                client.get(reverse(url_name), {**params, "sort": sort})


def test_a_user_without_the_rows_sorts_nothing(client: Any, users: Any, data: Any) -> None:
    client.force_login(users["tech"])  # technical support sees none of these customers' contact work
    for url_name, key, _list, params in LISTS:
        assert _order(client, url_name, key, {**params, "sort": "-customer"}) == []
    assert Interaction.objects.count() == 10
