"""Drill-down: each KPI figure and each service count lists exactly the records it counts."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kehu.analytics import service
from kehu.servicedesk.models import Complaint

from .test_kpis import month  # noqa: F401  (the fixed October 2026 with its hand count)

pytestmark = pytest.mark.django_db
KPI_URL, SERVICE_URL = "analytics:kpi-records", "analytics:service-records"


def _rows(html: str) -> int:
    body = html.split('data-table="records"', 1)[1].split("</table>", 1)[0]
    return body.count("<tr><td><a ")  # each record row starts with its customer's link


def test_kpi_figure_lists_the_records_it_counts(client, users, month):  # noqa: F811
    client.force_login(users["admin"])
    sales = users["sales"].pk
    # Hand count (test_kpis): plans on time are the ones due 4 Oct (holiday -> 8 Oct) and 16 Oct.
    html = client.get(reverse(KPI_URL), {"period": "2026-10", "user": sales, "figure": "plans_on_time"}).content
    text = html.decode()
    assert _rows(text) == 2
    assert "2026-10-04" in text and "2026-10-08" in text and "2026-10-16" in text
    assert "2026-10-10" not in text  # the late one is not there
    due = client.get(reverse(KPI_URL), {"period": "2026-10", "user": sales, "figure": "followups_due"})
    assert _rows(due.content.decode()) == 5
    cs = client.get(reverse(KPI_URL), {"period": "2026-10", "user": users["cs"].pk, "figure": "complaints_on_time"})
    assert _rows(cs.content.decode()) == 1


def test_kpi_page_links_each_figure_to_its_records(client, users, month):  # noqa: F811
    client.force_login(users["admin"])
    html = client.get(reverse("analytics:kpis"), {"period": "2026-10"}).content.decode()
    link = f"{reverse(KPI_URL)}?period=2026-10&amp;user={users['sales'].pk}&amp;figure=plans_on_time"
    assert f'href="{link}"' in html


def test_someone_elses_figures_are_refused_and_list_nothing(client, users, month):  # noqa: F811
    for name in ("tech", "sales2"):
        client.force_login(users[name])
        response = client.get(reverse(KPI_URL), {"period": "2026-10", "user": users["sales"].pk, "figure": "plans_due"})
        assert response.status_code == 403
        assert "2026-10-04" not in response.content.decode()


def test_service_count_lists_the_cases_it_counts(client, users, month):  # noqa: F811
    # October 2026 holds four complaints received (each closed five days later); the open one is later.
    admin = users["admin"]
    stats = service.service_stats(admin, start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 31))
    row = stats["complaints"]["by_category"][0]
    assert row["count"] == stats["complaints"]["count"] == 4
    client.force_login(admin)
    page = client.get(reverse("analytics:service"), {"period": "2026-10"}).content.decode()
    assert f"kind=complaints&amp;group=category&amp;key={row['key']}" in page
    query = {"period": "2026-10", "kind": "complaints", "group": "category", "key": row["key"]}
    html = client.get(reverse(SERVICE_URL), query).content.decode()
    assert _rows(html) == 4
    numbers = Complaint.objects.unscoped("test").filter(received_at__month=10).values_list("number", flat=True)
    assert all(number in html for number in numbers)


def test_service_records_of_a_user_without_rights_are_empty(client, users, month):  # noqa: F811
    client.force_login(users["tech"])
    html = client.get(reverse(SERVICE_URL), {"period": "2026-10", "kind": "complaints"}).content.decode()
    assert _rows(html) == 0
    assert "TS" not in html.split('data-table="records"', 1)[1]


@pytest.mark.parametrize(
    "name,query",
    [
        (KPI_URL, {"period": "2026-13", "figure": "plans_due"}),
        (KPI_URL, {"period": "2026-10", "figure": "nonsense"}),
        (SERVICE_URL, {"period": "2026-10", "kind": "nonsense"}),
        (SERVICE_URL, {"period": "2026-10", "kind": "complaints", "group": "owner"}),
    ],
)
def test_bad_parameters_are_a_400(client, users, name, query):
    client.force_login(users["admin"])
    response = client.get(reverse(name), query)
    assert response.status_code == 400
    assert 'class="alert alert-danger"' in response.content.decode()


def test_drill_pages_within_pinned_queries(client, users, month, django_assert_max_num_queries):  # noqa: F811
    client.force_login(users["admin"])
    with django_assert_max_num_queries(12):
        client.get(reverse(KPI_URL), {"period": "2026-10", "user": users["sales"].pk, "figure": "followups_due"})
    with django_assert_max_num_queries(12):
        client.get(reverse(SERVICE_URL), {"period": "2026-10", "kind": "complaints"})


TIMERS_URL = "analytics:service-timers"


@pytest.fixture
def timers(users):
    """October 2026: one met, one late, one never answered (breached) and, this month, one running
    past its warning time (at risk) and one running quietly."""
    from kehu.servicedesk.models import SlaTimer

    from .factories import complaint, customer

    c = customer(users["mkt_mgr"], "时限客户", owner=users["sales"])
    case = complaint(c, users["cs"])
    start = timezone.make_aware(dt.datetime(2026, 10, 9, 10))
    hours = dt.timedelta(hours=1)
    for stopped, breached in [(start + hours, None), (start + 5 * hours, start + 2 * hours), (None, start + 2 * hours)]:
        SlaTimer.objects.create(complaint=case, kind="response", started_at=start, due_at=start + 2 * hours,
                                warn_at=start + hours, stopped_at=stopped, breached_at=breached)  # fmt: skip
    now = timezone.now()
    SlaTimer.objects.create(complaint=case, kind="deadline", started_at=now - hours, due_at=now + 5 * hours,
                            warn_at=now - dt.timedelta(minutes=5))  # fmt: skip
    SlaTimer.objects.create(complaint=case, kind="deadline", started_at=now - hours, due_at=now + 50 * hours,
                            warn_at=now + 40 * hours)  # fmt: skip
    return case


def test_breach_and_at_risk_counts_list_their_timers(client, users, timers):
    client.force_login(users["cs_lead"])
    page = client.get(reverse("analytics:service"), {"period": "2026-10"}).content.decode()
    link = f"{reverse(TIMERS_URL)}?period=2026-10&amp;kind=response&amp;outcome=breached"
    assert f'href="{link}"' in page
    html = client.get(reverse(TIMERS_URL), {"period": "2026-10", "kind": "response", "outcome": "breached"})
    text = html.content.decode()
    assert html.status_code == 200 and _rows(text) == 2 and timers.number in text
    assert "超时完成" in text and "已超时" in text and "时限客户" in text
    assert _rows(client.get(reverse(TIMERS_URL), {"period": "2026-10", "outcome": "met"}).content.decode()) == 1
    this_month = timezone.localdate().strftime("%Y-%m")
    page = client.get(reverse("analytics:service"), {"period": this_month}).content.decode()
    assert "预警中 1 个" in page
    at_risk = client.get(reverse(TIMERS_URL), {"period": this_month, "outcome": "at_risk"}).content.decode()
    assert _rows(at_risk) == 1 and "预警中" in at_risk
    assert _rows(client.get(reverse(TIMERS_URL), {"period": this_month, "outcome": "running"}).content.decode()) == 2


def test_timers_of_cases_a_user_may_not_view_are_not_listed(client, users, timers):
    for name in ("tech", "quality"):
        client.force_login(users[name])
        html = client.get(reverse(TIMERS_URL), {"period": "2026-10", "outcome": "all"}).content.decode()
        assert _rows(html) == 0 and timers.number not in html


@pytest.mark.parametrize("query", [{"period": "2026-10", "kind": "nope"}, {"period": "2026-10", "outcome": "x"},
                                   {"period": "10-2026"}])  # fmt: skip
def test_bad_timer_drill_parameters_are_a_400(client, users, query):
    client.force_login(users["cs_lead"])
    response = client.get(reverse(TIMERS_URL), query)
    assert response.status_code == 400 and 'class="alert alert-danger"' in response.content.decode()


def test_timer_drill_within_pinned_queries(client, users, timers, django_assert_max_num_queries):
    client.force_login(users["cs_lead"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse(TIMERS_URL), {"period": "2026-10", "outcome": "all"})
    assert _rows(response.content.decode()) == 3
