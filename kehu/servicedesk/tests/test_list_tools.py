"""The case lists people work with (issue 11): a total, saved filters, and 批量指派 on the ticket and
demand lists through each case's own assign step (scope, who may, state, timeline)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from kehu.servicedesk import services
from kehu.servicedesk.models import Demand, Ticket, TimelineEntry
from kehu.workbench.models import SavedFilter

pytestmark = pytest.mark.django_db


def _tickets(users: dict[str, Any], customer: Any, n: int = 3) -> list[Any]:
    return [
        services.ticket_create(actor=users["cs"], customer=customer, title=f"设备报警{i}", description="无法开机")
        for i in range(n)
    ]


def _owners(model: Any) -> dict[str, str | None]:
    return dict(model.objects.values_list("number", "owner__username"))


def test_the_lists_show_an_exact_total_and_the_users_saved_filters(client: Any, users: Any, customer: Any) -> None:
    _tickets(users, customer, 3)
    client.force_login(users["cs"])
    page = client.get(reverse("servicedesk:ticket_list")).content.decode()
    assert "共 3 条" in page and 'data-testid="saved-filters"' in page
    response = client.post(
        reverse("workbench:saved_filter_save"),
        {"list": "tickets", "name": "我的高优先级", "query": "urgency=high&state=new&after=9&x=1"},
    )
    assert response.status_code == 302 and response["Location"] == "/service/tickets/?state=new&urgency=high"
    page = client.get(reverse("servicedesk:ticket_list")).content.decode()
    assert "我的高优先级" in page and "/service/tickets/?state=new&amp;urgency=high" in page
    # nobody else sees it
    client.force_login(users["cs_lead"])
    assert "我的高优先级" not in client.get(reverse("servicedesk:ticket_list")).content.decode()
    for kind in ("complaint", "demand"):
        assert 'data-testid="list-total"' in client.get(reverse(f"servicedesk:{kind}_list")).content.decode()


def test_the_ticket_list_query_count_is_pinned(
    client: Any, users: Any, customer: Any, django_assert_max_num_queries: Any
) -> None:
    _tickets(users, customer, 3)
    SavedFilter.objects.create(user=users["cs"], list_name="tickets", name="新", query="state=new")
    client.force_login(users["cs"])
    client.get(reverse("servicedesk:ticket_list"))  # session, user and badge are cached from here on
    # access rules and the page (customer and owner joined), as before issue 11's tools; they add 3: saved
    # filters, the rows one may assign, the users of the owner select. A page that is not full is its own total.
    with django_assert_max_num_queries(5):
        page = client.get(reverse("servicedesk:ticket_list")).content.decode()
    assert page.count('data-testid="select-row"') == 3


def test_batch_assign_assigns_each_selected_ticket_through_its_assign_step(
    client: Any, users: Any, customer: Any
) -> None:
    one, two, three = _tickets(users, customer)
    client.force_login(users["cs"])
    page = client.get(reverse("servicedesk:ticket_list")).content.decode()
    assert 'data-testid="batch-bar"' in page
    url = reverse("workbench:batch_case_assign", args=["ticket"])
    response = client.post(url, {"ids": [one.pk, two.pk], "owner": users["tech"].pk, "next": "/service/tickets/"})
    assert response.status_code == 302 and response["Location"] == "/service/tickets/"
    assert _owners(Ticket) == {one.number: "tech", two.number: "tech", three.number: None}
    # the same trace as the case page's 指派
    assert TimelineEntry.objects.filter(ticket=one, action="assign", actor=users["cs"]).exists()


def test_a_forged_batch_for_cases_the_user_may_not_change_is_refused_and_changes_nothing(
    client: Any, users: Any, customer: Any, make_customer: Any
) -> None:
    tickets = _tickets(users, customer, 2)
    url = reverse("workbench:batch_case_assign", args=["ticket"])
    for name in ("sales", "mkt"):
        client.force_login(users[name])
        assert 'data-testid="select-row"' not in client.get(reverse("servicedesk:ticket_list")).content.decode()
        response = client.post(url, {"ids": [t.pk for t in tickets], "owner": users[name].pk})
        assert response.status_code in (403, 400), name
    assert set(_owners(Ticket).values()) == {None}


def test_one_case_that_cannot_be_assigned_stops_the_whole_batch(client: Any, users: Any, customer: Any) -> None:
    open_one, closed = (
        services.demand_create(actor=users["cs"], customer=customer, description=f"需求{i}") for i in range(2)
    )
    Demand.objects.filter(pk=closed.pk).update(state="done")
    client.force_login(users["cs"])
    url = reverse("workbench:batch_case_assign", args=["demand"])
    response = client.post(url, {"ids": [open_one.pk, closed.pk], "owner": users["tech"].pk})
    assert response.status_code == 400 and closed.number in response.content.decode()
    assert "未做任何修改" in response.content.decode()
    assert set(_owners(Demand).values()) == {None}


def test_bad_batch_input_is_a_400(client: Any, users: Any, customer: Any) -> None:
    (ticket,) = _tickets(users, customer, 1)
    client.force_login(users["cs"])
    url = reverse("workbench:batch_case_assign", args=["ticket"])
    assert client.post(url, {"ids": [ticket.pk], "owner": "x"}).status_code == 400
    assert client.post(url, {"ids": [], "owner": users["tech"].pk}).status_code == 400
    assert client.post(reverse("workbench:batch_case_assign", args=["complaint"]), {}).status_code == 404


def test_the_sla_report_exports_the_pages_rows_and_the_export_is_logged(client: Any, users: Any, customer: Any) -> None:
    import datetime as dt
    import io

    from django.utils import timezone
    from openpyxl import load_workbook

    from kehu.access.models import AccessLog
    from kehu.servicedesk import sla

    t0 = timezone.now() - dt.timedelta(hours=2)
    services.ticket_create(
        actor=users["cs"], customer=customer, title="a", description="x", urgency="high", reported_at=t0
    )
    sla.sla_sweep()
    client.force_login(users["tech_mgr"])
    today = timezone.localdate()
    period = {"start": str(today - dt.timedelta(days=1)), "end": str(today + dt.timedelta(days=1))}
    assert 'data-testid="export"' in client.get(reverse("servicedesk:sla"), period).content.decode()
    response = client.get(reverse("servicedesk:sla_export"), period)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["按部门", "按负责人"]
    rows = list(book["按部门"].iter_rows(values_only=True))
    assert rows[0][0] == "部门" and rows[1][:4] == ("技术支持部", 1, 0, 1)
    entry = AccessLog.objects.filter(user=users["tech_mgr"], action="export").latest("id")
    assert entry.detail["report"] == "sla"
    # a malformed period is a 400, not a file and not a 500
    assert client.get(reverse("servicedesk:sla_export"), {"start": "x"}).status_code == 400


def test_my_tasks_list_the_plans_waiting_for_my_approval_and_approve_in_one_click(
    client: Any, users: Any, complaint: Any, walk: Any
) -> None:
    from kehu.servicedesk.models import Complaint

    waiting = walk(complaint, until="approve_plan")
    client.force_login(users["cs_lead"])
    page = client.get(reverse("servicedesk:home")).content.decode()
    assert 'data-testid="approvals"' in page and f'data-testid="approve-{waiting.pk}"' in page
    response = client.post(
        reverse("workbench:approve_plan", args=[waiting.pk]),
        {"version": waiting.version, "next": "/service/?queue=mine"},
    )
    assert response.status_code == 302 and response["Location"] == "/service/?queue=mine"
    assert Complaint.objects.get(pk=waiting.pk).state == "plan_approved"
    assert f'data-testid="approve-{waiting.pk}"' not in client.get(reverse("servicedesk:home")).content.decode()
    # staff who do not approve see no approvals card, and cannot approve by a forged POST
    client.force_login(users["cs"])
    assert 'data-testid="approvals"' not in client.get(reverse("servicedesk:home")).content.decode()


def test_a_forged_approval_from_my_tasks_changes_nothing(client: Any, users: Any, complaint: Any, walk: Any) -> None:
    from kehu.servicedesk.models import Complaint

    waiting = walk(complaint, until="approve_plan")
    client.force_login(users["cs"])
    response = client.post(
        reverse("workbench:approve_plan", args=[waiting.pk]),
        {"version": waiting.version, "next": "https://evil.example/"},
    )
    assert response.status_code == 403
    assert Complaint.objects.get(pk=waiting.pk).state == "plan_submitted"
    client.force_login(users["cs_lead"])
    response = client.post(
        reverse("workbench:approve_plan", args=[waiting.pk]),
        {"version": waiting.version, "next": "https://evil.example/"},
    )
    assert response.status_code == 302 and response["Location"] == "/"


def test_a_list_longer_than_a_page_is_counted_exactly_by_a_bounded_count(
    client: Any, users: Any, customer: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _tickets(users, customer, 51)
    client.force_login(users["cs"])
    client.get(reverse("servicedesk:ticket_list"))
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("servicedesk:ticket_list")).content.decode()
    assert "共 51 条" in page and 'data-testid="next-page"' in page
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "LIMIT 1001" in counts[0]  # never an exact COUNT of the whole list


def test_every_case_sort_pages_through_the_list_without_a_repeat_or_a_gap(
    client: Any, users: Any, customer: Any, monkeypatch: Any
) -> None:
    """The cases' sorts go through the lists' one keyset mechanism (workbench.lists); the next_due cursor
    carries a time zone ("+00:00"), which the next-page link must keep (a "+" read back as a space)."""
    import html
    import re

    from django.utils import timezone

    from kehu.servicedesk.models import SlaTimer
    from kehu.servicedesk.selectors import SORTS

    tickets = _tickets(users, customer, n=5)
    due = timezone.now().replace(microsecond=0) + timezone.timedelta(days=2)
    for i, ticket in enumerate(tickets):
        timers = SlaTimer.objects.filter(ticket=ticket, stopped_at__isnull=True)
        if i == 2:
            timers.update(stopped_at=timezone.now())  # no open deadline: comes last
        else:
            timers.update(due_at=due + timezone.timedelta(hours=i // 2))  # pairs share a deadline
    monkeypatch.setattr("kehu.servicedesk.views.PAGE_SIZE", 2)
    client.force_login(users["cs_lead"])
    url = reverse("servicedesk:ticket_list")
    walked: dict[str, list[str]] = {}
    for sort in SORTS:
        response, numbers = client.get(url, {"sort": sort}), walked.setdefault(sort, [])
        for _page in range(10):  # a cursor that reads back wrong repeats a page forever
            assert response.status_code == 200
            numbers += [row.number for row in response.context["rows"]]
            found = re.search(r'href="([^"]*)" data-testid="next-page"', response.content.decode())
            if not found:
                break
            response = client.get(url + html.unescape(found.group(1)))
        else:
            raise AssertionError(f"{sort}: the next-page link never ends")
        assert sorted(numbers) == sorted(t.number for t in tickets), sort  # each once, none missing
    assert walked["id"] == [t.number for t in tickets] and walked["-id"] == walked["id"][::-1]
    assert walked["next_due"] == [tickets[i].number for i in (0, 1, 3, 4, 2)]  # (deadline, id); none last
