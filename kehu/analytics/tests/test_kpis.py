"""KPIs against a hand count on a fixed month with a public holiday and a make-up working day.

October 2026 on the PRC calendar: 1–7 October National Day (days off), Saturday 10 October a
make-up working day (调休上班), Thursday 8 October the first working day after the holiday."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kehu.analytics import kpis, services
from kehu.analytics.models import GradeSnapshot, PlanDue
from kehu.engagement.models import ContactPlan, FollowUp
from kehu.servicedesk.models import Complaint

from .factories import complaint, customer

pytestmark = pytest.mark.django_db
D = dt.date


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(15, 0)))


@pytest.fixture
def month(users):
    sales, cs = users["sales"], users["cs"]
    c = customer(users["mkt_mgr"], "绩效客户", owner=sales)
    visits = [
        # (due, status, done, satisfaction)           hand count: due? on time?
        (D(2026, 10, 3), "done", D(2026, 10, 8), 4),  # holiday -> deadline 8 Oct: due, on time
        (D(2026, 10, 10), "done", D(2026, 10, 12), 2),  # make-up Saturday is a workday: due, late
        (D(2026, 10, 9), "done", D(2026, 10, 9), 5),  # due, on time
        (D(2026, 10, 20), "planned", None, None),  # due, not done
        (D(2026, 10, 15), "cancelled", None, None),  # not counted
        (D(2026, 9, 30), "done", D(2026, 9, 30), 1),  # other month
        (D(2026, 10, 1), "done", D(2026, 10, 9), None),  # holiday -> deadline 8 Oct: due, late
    ]
    for due, status, done, score in visits:
        FollowUp.objects.create(
            customer=c, type="existing_periodic", responsible="owner", assignee=sales, due_on=due, status=status,
            done_at=at(done) if done else None, done_by=sales if done else None, satisfaction=score,
            served_by=cs if done else None,
        )  # fmt: skip
    for due, done in [
        (D(2026, 10, 4), D(2026, 10, 8)),  # Sunday in the holiday -> 8 Oct: on time
        (D(2026, 10, 10), D(2026, 10, 11)),  # make-up Saturday, done Sunday: late
        (D(2026, 10, 16), D(2026, 10, 14)),  # early: on time
        (D(2026, 10, 30), None),  # open
        (D(2026, 11, 2), D(2026, 11, 2)),  # other month
    ]:
        PlanDue.objects.create(customer=c, assignee=sales, due_on=due, done_on=done)
    for closed, executed, deadline in [
        (D(2026, 10, 12), D(2026, 10, 9), D(2026, 10, 9)),  # on time
        (D(2026, 10, 20), D(2026, 10, 19), D(2026, 10, 16)),  # late
        (D(2026, 10, 22), D(2026, 10, 22), None),  # no promised deadline: not counted on time
        (D(2026, 11, 2), D(2026, 11, 2), D(2026, 11, 5)),  # other month
    ]:
        made = complaint(c, cs, state="closed", days_ago=0)
        Complaint.objects.unscoped("test").filter(pk=made.pk).update(
            closed_at=at(closed),
            executed_at=at(executed),
            deadline=deadline,
            received_at=at(closed) - dt.timedelta(days=5),
        )
    complaint(c, cs, state="received")  # open: not closed in the month
    return c


HAND_COUNT_SALES = {
    "plans_due": 4, "plans_on_time": 2, "followups_due": 5, "followups_on_time": 2,
    "complaints_closed": 0, "complaints_on_time": 0, "satisfaction_avg": None,
}  # fmt: skip
HAND_COUNT_CS = {
    "plans_due": 0, "plans_on_time": 0, "followups_due": 0, "followups_on_time": 0,
    "complaints_closed": 3, "complaints_on_time": 1, "satisfaction_avg": round((4 + 2 + 5) / 3, 2),
}  # fmt: skip


def test_deadlines_move_off_holidays_but_not_off_make_up_days():
    table = kpis.deadlines(D(2026, 10, 1), D(2026, 10, 31))
    assert table[D(2026, 10, 1)] == table[D(2026, 10, 7)] == D(2026, 10, 8)
    assert table[D(2026, 10, 10)] == D(2026, 10, 10)  # 调休上班
    assert table[D(2026, 10, 17)] == D(2026, 10, 19)  # an ordinary weekend


def test_kpis_match_the_hand_count(users, month):
    rows = kpis.kpis(users["admin"], start=D(2026, 10, 1), end=D(2026, 10, 31), persons=[users["sales"], users["cs"]])
    by_name = {r["user"].username: {k: r[k] for k in kpis.FIELDS} for r in rows}
    assert by_name["sales"] == HAND_COUNT_SALES
    assert by_name["cs"] == HAND_COUNT_CS


def test_api_matches_the_hand_count_within_pinned_queries(api_for, users, month, django_assert_max_num_queries):
    client = api_for("admin")
    with django_assert_max_num_queries(10):
        response = client.get(reverse("analytics-kpis"), {"period": "2026-10", "user": users["sales"].pk})
    body = response.json()
    assert response.status_code == 200 and body["period"] == "2026-10"
    assert [r["user"]["username"] for r in body["results"]] == ["sales"]
    assert {k: body["results"][0][k] for k in kpis.FIELDS} == HAND_COUNT_SALES


def test_each_person_sees_their_own_and_managers_their_people(api_for, users, month):
    url = reverse("analytics-kpis")
    own = api_for("sales").get(url, {"period": "2026-10"}).json()["results"]
    assert [r["user"]["username"] for r in own] == ["sales"] and own[0]["followups_due"] == 5
    assert api_for("sales").get(url, {"period": "2026-10", "user": users["sales2"].pk}).status_code == 403
    assert api_for("tech").get(url, {"period": "2026-10", "user": users["sales"].pk}).status_code == 403
    lead = {r["user"]["username"]: r for r in api_for("cs_lead").get(url, {"period": "2026-10"}).json()["results"]}
    assert set(lead) == {"cs_lead", "cs"} and lead["cs"]["complaints_closed"] == 3
    tech = api_for("tech").get(url, {"period": "2026-10"}).json()["results"]
    assert [r["user"]["username"] for r in tech] == ["tech"] and tech[0]["followups_due"] == 0


@pytest.mark.parametrize("query,field", [({"period": "2026-13"}, "period"), ({"period": "10/2026"}, "period"),
                                         ({"user": "abc"}, "user")])  # fmt: skip
def test_bad_input_is_a_400(api_for, users, query, field):
    response = api_for("admin").get(reverse("analytics-kpis"), query)
    assert response.status_code == 400 and field in response.json()


def test_page_shows_the_hand_count(client, users, month):
    client.force_login(users["admin"])
    html = client.get(reverse("analytics:kpis"), {"period": "2026-10"}).content.decode()
    assert "李明" in html and "刘洋" in html and "3.67" in html


def test_plan_dues_are_recorded_and_closed_when_the_plan_moves_on(users):
    c = customer(users["mkt_mgr"], "计划客户", owner=users["sales"])
    ContactPlan.objects.unscoped("test").filter(customer=c).delete()
    plan = ContactPlan.objects.create(
        customer=c, assignee=users["sales"], phone_every_days=7, anchor_on=D(2026, 10, 1), next_due_on=D(2026, 10, 8)
    )
    assert services.plan_dues_record(today=D(2026, 10, 2)) == (1, 0)
    assert services.plan_dues_record(today=D(2026, 10, 3)) == (0, 0)  # once only
    ContactPlan.objects.unscoped("test").filter(pk=plan.pk).update(
        last_contact_on=D(2026, 10, 8), next_due_on=D(2026, 10, 15)
    )
    assert services.plan_dues_record(today=D(2026, 10, 9)) == (1, 1)
    dues = list(PlanDue.objects.unscoped("test").order_by("due_on").values_list("due_on", "done_on"))
    assert dues == [(D(2026, 10, 8), D(2026, 10, 8)), (D(2026, 10, 15), None)]


def test_my_own_plan_figures_skip_the_archive_join_but_not_the_rule(users, month):
    """restrict_own: the rows PlanDue's `also` clause grants (my own dates), a subset of restrict().
    A date assigned to me on a customer I may not otherwise see still counts for me; a date assigned to
    someone else on my own customer is not mine to count; a person without such rows sees none."""
    sales, sales2 = users["sales"], users["sales2"]
    hidden = customer(users["mkt_mgr"], "别人的客户", owner=sales2)
    PlanDue.objects.create(customer=hidden, assignee=sales, due_on=D(2026, 10, 21), done_on=D(2026, 10, 21))
    PlanDue.objects.create(customer=month, assignee=sales2, due_on=D(2026, 10, 22))
    own = set(PlanDue.objects.restrict_own(sales).values_list("pk", flat=True))
    assert own == set(PlanDue.objects.restrict(sales).filter(assignee=sales).values_list("pk", flat=True))
    assert own <= set(PlanDue.objects.restrict(sales).values_list("pk", flat=True))
    assert not PlanDue.objects.restrict_own(users["tech"]).exists()
    # a model whose scope has no `also` clause grants nothing this way, not even to an administrator
    GradeSnapshot.objects.create(customer=month, month=D(2026, 10, 1), grade="B", taken_on=D(2026, 10, 31))
    assert GradeSnapshot.objects.restrict(users["admin"]).exists()
    assert not GradeSnapshot.objects.restrict_own(users["admin"]).exists()
    mine = kpis.kpis(sales, start=D(2026, 10, 1), end=D(2026, 10, 31), persons=[sales])[0]
    assert (mine["plans_due"], mine["plans_on_time"]) == (5, 3)  # the hand count plus the hidden customer's date
    rows = kpis.kpis(users["admin"], start=D(2026, 10, 1), end=D(2026, 10, 31), persons=[sales])
    assert (rows[0]["plans_due"], rows[0]["plans_on_time"]) == (5, 3)  # the same figures as a manager sees
