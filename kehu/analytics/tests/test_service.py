import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kehu.servicedesk.models import Complaint, SlaTimer, Ticket

from .factories import complaint, customer

pytestmark = pytest.mark.django_db


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


@pytest.fixture
def october(users):
    c = customer(users["mkt_mgr"], "服务客户", owner=users["sales"])
    made = []
    for category, day, state in [
        ("quality", dt.date(2026, 10, 9), "closed"),
        ("quality", dt.date(2026, 10, 12), "received"),
        ("delivery", dt.date(2026, 10, 20), "received"),
        ("price", dt.date(2026, 9, 30), "received"),  # September
    ]:
        one = complaint(c, users["cs"], state=state)
        Complaint.objects.unscoped("test").filter(pk=one.pk).update(category=category, received_at=at(day))
        made.append(one)
    Ticket.objects.create(number="T1", customer=c, title="宕机", description="服务器宕机", urgency="high",
                          reported_at=at(dt.date(2026, 10, 8)))  # fmt: skip
    start = at(dt.date(2026, 10, 9))
    for stopped, due, breached in [
        (start + dt.timedelta(hours=1), start + dt.timedelta(hours=2), None),  # met
        (start + dt.timedelta(hours=5), start + dt.timedelta(hours=2), start + dt.timedelta(hours=2)),  # late
        (None, start + dt.timedelta(hours=2), start + dt.timedelta(hours=2)),  # never answered
    ]:
        SlaTimer.objects.create(complaint=made[0], kind="response", started_at=start, due_at=due, warn_at=due,
                                stopped_at=stopped, breached_at=breached)  # fmt: skip
    return c


def test_counts_by_category_and_timers_against_target(api_for, october, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = api_for("cs_lead").get(reverse("analytics-service"), {"period": "2026-10"})
    body = response.json()
    assert response.status_code == 200 and body["period"] == "2026-10"
    by_category = {row["key"]: (row["count"], row["closed"]) for row in body["complaints"]["by_category"]}
    assert by_category == {"quality": (2, 1), "delivery": (1, 0)} and body["complaints"]["count"] == 3
    assert body["tickets"]["count"] == 1 and body["tickets"]["by_urgency"][0]["key"] == "high"
    response_timer = next(t for t in body["timers"] if t["kind"] == "response")
    assert (response_timer["count"], response_timer["met"], response_timer["breached"]) == (3, 1, 2)
    assert body["breaches"] == 2 and round(response_timer["met_rate"], 3) == round(1 / 3, 3)


def test_a_user_without_rights_counts_nothing(api_for, october):
    body = api_for("quality").get(reverse("analytics-service"), {"period": "2026-10"}).json()
    assert body["complaints"]["count"] == 0 and body["timers"] == [] and body["scope_limited"] is True


@pytest.mark.parametrize("period", ["2026-13", "2026-1", "abc"])
def test_bad_period_is_a_400(api_for, users, period):
    response = api_for("cs_lead").get(reverse("analytics-service"), {"period": period})
    assert response.status_code == 400 and "period" in response.json()


def test_page_shows_the_figures(client, users, october):
    client.force_login(users["cs_lead"])
    html = client.get(reverse("analytics:service"), {"period": "2026-10"}).content.decode()
    assert "产品质量" in html and "响应时限" in html and "超时 2 次" in html
