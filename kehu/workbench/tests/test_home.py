"""The 工作台: counts per role through restrict(), a pinned number of queries, approving from home."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from kehu.access.models import Notification
from kehu.engagement.models import CareItem, ContactPlan, FollowUp
from kehu.servicedesk.choices import ComplaintState
from kehu.servicedesk.models import Complaint

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _count(html: str, key: str) -> int:
    match = re.search(rf'data-testid="count-{key}">(\d+)<', html)
    assert match, key
    return int(match.group(1))


def _plan(customer: Any, user: Any, due: dt.date) -> ContactPlan:
    ContactPlan.objects.filter(customer=customer).delete()
    return ContactPlan.objects.create(customer=customer, assignee=user, anchor_on=due, next_due_on=due)


def _followup(customer: Any, user: Any, due: dt.date, n: int) -> FollowUp:
    return FollowUp.objects.create(
        customer=customer, type="regular", responsible="sales", assignee=user, due_on=due, source_id=f"t{n}"
    )


def test_home_is_the_root_and_counts_what_the_linked_lists_show(users, make_customer, day):
    sales = users["sales"]
    late, today = make_customer("逾期科技有限公司"), make_customer("今日贸易有限公司")
    _plan(late, sales, day - dt.timedelta(days=3))
    _plan(today, sales, day)
    _followup(late, sales, day - dt.timedelta(days=1), 1)
    _followup(today, sales, day + dt.timedelta(days=5), 2)
    CareItem.objects.create(
        customer=late, kind="festival", occasion="春节", occasion_on=day, plan_on=day, assignee=sales, key="k1"
    )
    client = _client(sales)
    html = client.get("/").content.decode()
    assert 'data-testid="home-title"' in html
    assert _count(html, "plans_overdue") == 1 and _count(html, "plans_today") == 1
    assert _count(html, "followups_overdue") == 1 and _count(html, "followups_open") == 2
    assert _count(html, "care_today") == 1 and _count(html, "care_overdue") == 0
    # each count opens the list it counted
    care_today = client.get("/engagement/care/?due=today").content.decode()
    assert "逾期科技有限公司" in care_today
    assert "逾期科技有限公司" not in client.get("/engagement/care/?due=overdue").content.decode()
    overdue = client.get("/engagement/plans/?due=overdue").content.decode()
    assert "逾期科技有限公司" in overdue and "今日贸易有限公司" not in overdue
    followups = client.get("/engagement/followups/?mine=on&overdue=on").content.decode()
    assert "逾期科技有限公司" in followups and "今日贸易有限公司" not in followups
    assert 'data-testid="approvals"' not in html  # sales approves nothing


def test_someone_elses_work_is_not_counted(users, make_customer, day):
    """A colleague's plans and follow-ups are theirs: sales2 sees none of sales's counts."""
    customer = make_customer()
    _plan(customer, users["sales"], day - dt.timedelta(days=1))
    _followup(customer, users["sales"], day - dt.timedelta(days=1), 1)
    html = _client(users["sales2"]).get("/").content.decode()
    assert _count(html, "plans_overdue") == 0 and _count(html, "followups_overdue") == 0


def test_a_grade_customer_of_another_owner_is_not_counted(users, make_customer, day):
    """Restrict(): an A-grade archive is closed to a sales colleague, so is its contact plan."""
    a_grade = make_customer("甲级重点客户有限公司", owner="sales2", grade="A")
    # Assigned to sales by mistake: the plan's scope still lets the assignee work on it (assignee rule),
    # but a follow-up of the A-grade customer assigned to sales2 is invisible to sales.
    _followup(a_grade, users["sales2"], day - dt.timedelta(days=1), 1)
    html = _client(users["sales"]).get("/").content.decode()
    assert _count(html, "followups_overdue") == 0
    assert "甲级重点客户有限公司" not in html


def test_my_cases_by_sla_state_link_to_the_queue(users, submitted):
    html = _client(users["cs"]).get("/").content.decode()
    assert _count(html, "complaint_open") == 1  # cs received it (receiver)
    assert _count(html, "complaint_at_risk") == 0
    assert "/service/complaints/?queue=mine" in html
    assert f"/service/complaints/?queue=breaching&amp;receiver={users['cs'].pk}" in html
    tech = _client(users["tech"]).get("/").content.decode()
    assert _count(tech, "complaint_open") == 0  # tech is on the case but not its receiver


@pytest.mark.parametrize("username", ["sales", "cs", "cs_lead", "tech", "mkt", "admin"])
def test_home_costs_a_fixed_number_of_queries(
    users, submitted, make_customer, day, username, django_assert_max_num_queries
):
    user = users[username]
    for n in range(5):
        customer = make_customer(f"批量客户{n}有限公司")
        _plan(customer, user, day - dt.timedelta(days=1))
        _followup(customer, user, day - dt.timedelta(days=1), n)
        Notification.objects.create(user=user, message=f"消息 {n}", url="/")
    client = _client(user)
    client.get("/")  # warm the session and the unread counter
    # 12 before issue 11's KPI tiles; they add 5 (analytics.kpis.kpis for the user and this month: the
    # working-day calendar and four grouped counts over the user's own plan dues, visits, complaints, ratings)
    with django_assert_max_num_queries(17):
        response = client.get("/")
    assert response.status_code == 200


def test_supervisor_approves_a_plan_from_home_and_the_handler_is_told(users, submitted):
    lead = _client(users["cs_lead"])
    html = lead.get("/").content.decode()
    assert f'data-testid="approve-{submitted.pk}"' in html
    assert 'data-testid="approvals-count">1<' in html
    response = lead.post(f"/workbench/approve/{submitted.pk}/", {"version": submitted.version})
    assert response.status_code == 302 and response["Location"] == "/"
    submitted.refresh_from_db()
    assert submitted.state == ComplaintState.PLAN_APPROVED
    assert submitted.plan_approved_by == users["cs_lead"]
    told = Notification.objects.filter(user=users["tech"], url=f"/service/complaints/{submitted.pk}/").last()
    assert told is not None and "已由" in told.message and "批准" in told.message
    assert 'data-testid="approvals-count">0<' in lead.get("/").content.decode()


def test_a_stale_approval_changes_nothing(users, submitted):
    response = _client(users["cs_lead"]).post(f"/workbench/approve/{submitted.pk}/", {"version": submitted.version - 1})
    assert response.status_code == 409
    submitted.refresh_from_db()
    assert submitted.state == ComplaintState.PLAN_SUBMITTED


def test_bad_input_is_400_and_changes_nothing(users, submitted):
    response = _client(users["cs_lead"]).post(f"/workbench/approve/{submitted.pk}/", {"version": "abc"})
    assert response.status_code == 400
    assert Complaint.objects.unscoped("test").get(pk=submitted.pk).state == ComplaintState.PLAN_SUBMITTED


@pytest.mark.parametrize("username", ["cs", "tech", "sales"])
def test_only_a_supervisor_approves(users, submitted, username):
    client = _client(users[username])
    assert f'data-testid="approve-{submitted.pk}"' not in client.get("/").content.decode()
    response = client.post(f"/workbench/approve/{submitted.pk}/", {"version": submitted.version})
    assert response.status_code in (403, 404)
    submitted.refresh_from_db()
    assert submitted.state == ComplaintState.PLAN_SUBMITTED


def test_returning_a_plan_tells_the_handler_why(users, submitted):
    from kehu.servicedesk import services

    services.transition(
        "complaint", actor=users["cs_lead"], record=submitted, name="reject_plan", data={"note": "赔偿金额过高"}
    )
    told = Notification.objects.filter(user=users["tech"]).last()
    assert told is not None and "赔偿金额过高" in told.message


def test_anonymous_is_sent_to_login():
    response = Client().get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_after_submitting_the_case_page_says_who_acts_next(users, submitted):
    html = _client(users["tech"]).get(f"/service/complaints/{submitted.pk}/").content.decode()
    assert 'data-testid="no-actions"' in html
    assert "下一步：客服主管「批准方案」" in html


def test_the_service_desk_section_is_for_those_who_work_cases(users, make_customer):
    assert 'data-testid="section-cases"' not in _client(users["sales"]).get("/").content.decode()
    assert 'data-testid="section-cases"' in _client(users["tech"]).get("/").content.decode()
    assert 'data-testid="section-cases"' in _client(users["cs"]).get("/").content.decode()


def test_a_case_past_its_warning_point_is_at_risk_and_the_link_shows_it(users, submitted):
    from django.utils import timezone

    from kehu.servicedesk.models import SlaTimer

    assert SlaTimer.objects.filter(complaint=submitted, stopped_at__isnull=True).update(
        warn_at=timezone.now() - dt.timedelta(hours=1)
    )
    client = _client(users["cs"])
    html = client.get("/").content.decode()
    assert _count(html, "complaint_at_risk") == 1
    listed = client.get(f"/service/complaints/?queue=breaching&receiver={users['cs'].pk}").content.decode()
    assert submitted.number in listed


def test_home_shows_my_kpis_as_the_kpi_page_counts_them(users, make_customer, day):
    from django.utils import timezone

    sales = users["sales"]
    customer = make_customer("绩效机械有限公司")
    month_start = day.replace(day=1)
    done = _followup(customer, sales, day, 1)  # due today and done now: on time, whatever today's date
    FollowUp.objects.filter(pk=done.pk).update(status="done", done_at=timezone.now(), served_by=sales, satisfaction=4)
    _followup(customer, sales, month_start, 2)  # due this month, not done
    client = _client(sales)
    html = client.get("/").content.decode()
    assert 'data-testid="section-kpis"' in html
    assert re.search(r'data-testid="kpi-value-followups">1/2<', html)
    assert re.search(r'data-testid="kpi-value-satisfaction">4.0<', html)
    assert re.search(r'data-testid="kpi-value-complaints">—<', html)
    # the tile opens the KPI page for me and this month, which shows the same figures
    assert f"/analytics/kpis/?period={day:%Y-%m}&amp;user={sales.pk}" in html
    (row,) = client.get(f"/analytics/kpis/?period={day:%Y-%m}&user={sales.pk}").context["rows"]
    assert (row["followups_on_time"], row["followups_due"], row["satisfaction_avg"]) == (1, 2, 4.0)
    # nobody else's figures: another salesperson's home counts only their own
    other = _client(users["sales2"]).get("/").content.decode()
    assert re.search(r'data-testid="kpi-value-followups">—<', other)


def test_home_reads_the_unread_count_once_for_its_messages_card_and_the_bell(users, monkeypatch):
    """The home's "latest messages" card and the header's bell show the same figure: one cache read."""
    from kehu.access import selectors as access_selectors

    Notification.objects.create(user=users["sales"], message="消息", url="/")
    reads = []
    real = access_selectors.unread_notification_count
    monkeypatch.setattr(access_selectors, "unread_notification_count", lambda user: reads.append(user.pk) or real(user))
    html = _client(users["sales"]).get("/").content.decode()
    assert 'data-testid="bell-count">1<' in html and 'ms-1">1</span>' in html
    assert reads == [users["sales"].pk]
