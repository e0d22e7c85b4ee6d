"""Periodic review (定期审查) on a fixed data set: review day 5 November 2026, period October 2026.

Hand count, step by step:
- archive freshness: four updates; one entered in October 72 h late (fails: > 2 days), one in
  October 24 h late (passes), two late ones outside October (not counted)                    -> 1
- plan adherence: plans due 1 Nov and 1 Oct are overdue, one due 10 Nov is not               -> 2
- complaint loop: open past deadline (received, due 1 Nov; executed, due 4 Nov); closed past
  deadline, open not yet due and open without deadline are fine                               -> 2
- follow-ups overdue: planned due 1 Nov (fails); planned due 5 Nov, done and cancelled fine  -> 1
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kehu.analytics import review
from kehu.analytics.models import ImprovementAction, ReviewFinding, ReviewRun
from kehu.analytics.tasks import monthly_review
from kehu.customers.models import ArchiveUpdate
from kehu.engagement.models import ContactPlan, FollowUp
from kehu.servicedesk.models import Complaint

from .factories import complaint, customer

pytestmark = pytest.mark.django_db
D = dt.date
AS_OF = D(2026, 11, 5)
HAND_COUNT = {"archive_freshness": 1, "plan_adherence": 2, "complaint_loop": 2, "followups_overdue": 1}


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


@pytest.fixture
def fixed(users):
    mgr = users["mkt_mgr"]
    c1 = customer(mgr, "审查一", owner=users["sales"])
    c2 = customer(mgr, "审查二", owner=users["sales2"])
    ca = customer(mgr, "审查甲", grade="A", owner=users["sales"])
    for c, entered, delay in [(c1, D(2026, 10, 10), 72), (c2, D(2026, 10, 12), 24), (c2, D(2026, 9, 30), 100),
                              (ca, D(2026, 11, 2), 100)]:  # fmt: skip
        ArchiveUpdate.objects.create(
            customer=c, actor=users["sales"], learned_at=at(entered) - dt.timedelta(hours=delay),
            entered_at=at(entered), delay_hours=delay,
        )  # fmt: skip
    for c, due in [(c1, D(2026, 11, 1)), (ca, D(2026, 10, 1)), (c2, D(2026, 11, 10))]:
        ContactPlan.objects.update_or_create(
            customer=c, defaults={"assignee": users["sales"], "phone_every_days": 30, "anchor_on": D(2026, 9, 1),
                                  "next_due_on": due},
        )  # fmt: skip
    cases = [(c1, "received", D(2026, 11, 1)), (c2, "executed", D(2026, 11, 4)), (c2, "closed", D(2026, 10, 1)),
             (ca, "received", D(2026, 11, 20)), (c1, "received", None)]  # fmt: skip
    for c, state, deadline in cases:
        made = complaint(c, users["cs"], state=state)
        Complaint.objects.unscoped("test").filter(pk=made.pk).update(deadline=deadline)
    for due, status in [(D(2026, 11, 1), "planned"), (D(2026, 11, 5), "planned"), (D(2026, 10, 1), "done"),
                        (D(2026, 10, 1), "cancelled")]:  # fmt: skip
        FollowUp.objects.create(
            customer=c2, type="existing_periodic", responsible="owner", assignee=users["sales2"], due_on=due,
            status=status, done_at=at(due) if status == "done" else None,
        )  # fmt: skip
    return {"c1": c1, "c2": c2, "ca": ca}


def _counts(run):
    return {f.step: f.count for f in run.findings.all()}


def test_each_step_matches_the_hand_count(users, fixed):
    run = review.review_run(as_of=AS_OF)
    assert (run.period_start, run.period_end, run.status) == (D(2026, 10, 1), D(2026, 10, 31), "done")
    assert _counts(run) == HAND_COUNT
    samples = {f.step: set(f.customer_ids) for f in run.findings.all()}
    assert samples["archive_freshness"] == {fixed["c1"].pk}
    assert samples["plan_adherence"] == {fixed["c1"].pk, fixed["ca"].pk}
    assert samples["complaint_loop"] == {fixed["c1"].pk, fixed["c2"].pk}
    assert samples["followups_overdue"] == {fixed["c2"].pk}


def test_the_monthly_task_records_a_run(users, fixed):
    monthly_review.call_local()
    run = ReviewRun.objects.get()
    assert run.as_of == timezone.localdate() and run.findings.count() == 4


def test_manager_page_shows_the_checklist_within_pinned_queries(client, users, fixed, django_assert_max_num_queries):
    review.review_run(as_of=AS_OF)
    client.force_login(users["mkt_mgr"])
    with django_assert_max_num_queries(14):
        html = client.get(reverse("analytics:review")).content.decode()
    for step, count in HAND_COUNT.items():
        assert f'<tr data-step="{step}">' in html
        assert html.split(f'<tr data-step="{step}">', 1)[1].split("data-count>", 1)[1].startswith(f"{count}<")
    assert "审查甲" in html  # the marketing manager may view the A-grade customer


def test_sample_customers_are_shown_only_where_the_reader_may_view_them(client, users, fixed):
    review.review_run(as_of=AS_OF)
    client.force_login(users["cs_lead"])  # a manager, but A-grade archives are marketing's
    html = client.get(reverse("analytics:review")).content.decode()
    assert 'data-table="findings"' in html
    assert "审查甲" not in html


def test_a_finding_becomes_an_action_tracked_to_done_by_its_owner(client, users, fixed):
    run = review.review_run(as_of=AS_OF)
    finding = run.findings.get(step="complaint_loop")
    client.force_login(users["mkt_mgr"])
    response = client.post(
        reverse("analytics:improvement-create"),
        {"finding": finding.pk, "description": "逾期投诉周会通报", "owner": users["cs"].pk, "due_on": "2026-12-15"},
    )
    assert response.status_code == 302
    action = ImprovementAction.objects.get()
    assert (action.owner, action.due_on, action.status) == (users["cs"], D(2026, 12, 15), "open")
    client.force_login(users["cs"])
    html = client.get(reverse("analytics:review")).content.decode()
    assert "逾期投诉周会通报" in html and 'data-table="findings"' not in html  # owner: the action, no checklist
    client.post(reverse("analytics:improvement-update", args=[action.pk]), {"status": "done", "note": "已通报"})
    action.refresh_from_db()
    assert (action.status, action.note) == ("done", "已通报") and action.done_at is not None


def test_without_the_right_nothing_is_seen_or_changed(client, users, fixed):
    run = review.review_run(as_of=AS_OF)
    finding = run.findings.get(step="plan_adherence")
    action = review.improvement_create(
        actor=users["mkt_mgr"], finding_id=finding.pk, description="补打电话", owner_id=users["sales"].pk,
        due_on=D(2026, 11, 30),
    )  # fmt: skip
    client.force_login(users["sales2"])  # not a manager, not the owner
    html = client.get(reverse("analytics:review")).content.decode()
    assert 'data-table="findings"' not in html and "补打电话" not in html and "审查一" not in html
    created = client.post(
        reverse("analytics:improvement-create"),
        {"finding": finding.pk, "description": "x", "owner": users["sales2"].pk, "due_on": "2026-12-01"},
    )
    assert created.status_code == 400 and ImprovementAction.objects.count() == 1
    updated = client.post(reverse("analytics:improvement-update", args=[action.pk]), {"status": "done"})
    assert updated.status_code == 400
    action.refresh_from_db()
    assert action.status == "open"
    ran = client.post(reverse("analytics:review-run"))
    assert ran.status_code == 302 and ReviewRun.objects.count() == 1


@pytest.mark.parametrize(
    "data,message",
    [
        ({"description": "", "owner": "OWNER", "due_on": "2026-12-01"}, "请填写改进措施"),
        ({"description": "措施", "owner": "", "due_on": "2026-12-01"}, "请选择负责人"),
        ({"description": "措施", "owner": "OWNER", "due_on": "2026-13-01"}, "日期格式"),
        ({"description": "措施", "owner": "OWNER", "due_on": ""}, "请填写完成期限"),
    ],
)
def test_bad_input_is_a_400_with_a_message_and_nothing_created(client, users, fixed, data, message):
    finding = review.review_run(as_of=AS_OF).findings.first()
    client.force_login(users["mkt_mgr"])
    data = {**data, "finding": finding.pk, "owner": users["sales"].pk if data["owner"] == "OWNER" else ""}
    response = client.post(reverse("analytics:improvement-create"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ImprovementAction.objects.exists()


def test_bad_status_is_refused(users, fixed):
    finding = review.review_run(as_of=AS_OF).findings.first()
    action = review.improvement_create(
        actor=users["mkt_mgr"], finding_id=finding.pk, description="措施", owner_id=users["sales"].pk, due_on=AS_OF
    )
    with pytest.raises(review.DomainError):
        review.improvement_update(actor=users["sales"], action_id=action.pk, status="nonsense")


def test_page_in_english(client, users, fixed):
    review.review_run(as_of=AS_OF)
    client.force_login(users["mkt_mgr"])
    client.cookies["django_language"] = "en"
    html = client.get(reverse("analytics:review")).content.decode()
    assert "Periodic review" in html and "Complaint loop" in html


def test_findings_are_one_per_step(users, fixed):
    run = review.review_run(as_of=AS_OF)
    assert sorted(run.findings.values_list("step", flat=True)) == sorted(ReviewFinding.Step.values)
