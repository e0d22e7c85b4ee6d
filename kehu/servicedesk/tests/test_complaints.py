"""The complaint loop (SPEC M5) through the services: every step, in order, logged and permissioned."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from kehu.core import events
from kehu.core.exceptions import ConflictError, DomainError, InvalidTransition
from kehu.servicedesk import selectors, services
from kehu.servicedesk.models import Complaint, SlaTimer, TimelineEntry

from .conftest import COMPLAINT_STEPS

pytestmark = pytest.mark.django_db


def test_a_complaint_goes_through_every_step(users, complaint, walk, django_capture_on_commit_callbacks):
    published = []
    events.subscribe("complaint_handled", lambda **kw: published.append(kw))
    with django_capture_on_commit_callbacks(execute=True):
        walk(complaint)
    complaint.refresh_from_db()
    assert complaint.state == "closed"
    assert complaint.number.startswith("TS-")
    assert complaint.sheet_no.startswith("CL-")
    assert complaint.plan_approved_by == users["cs_lead"]
    assert complaint.loss_amount == Decimal("3500.00")
    assert complaint.signed_by == "王经理"
    assert complaint.follow_up_due == complaint.signed_at.astimezone().date() + dt.timedelta(days=7)
    assert complaint.satisfaction == 5
    steps = list(TimelineEntry.objects.filter(complaint=complaint).values_list("action", "from_state", "to_state"))
    assert [s[0] for s in steps] == ["create", *[name for name, _a, _d in COMPLAINT_STEPS]]
    assert steps[-1] == ("close", "signed_off", "closed")
    assert published == [
        {
            "complaint_id": complaint.pk,
            "customer_id": complaint.customer_id,
            "actor_id": users["cs"].pk,
            "handler_id": users["cs"].pk,
        }
    ]
    # the promised deadline and the follow-up were timers, both met
    # the responsible department's manager got the handling sheet copy as a PDF
    copy = next(m for m in mail.outbox if "客户投诉处理单副本" in m.subject)
    assert copy.to == ["tech_mgr@kehu.example"] and copy.attachments[0][2] == "application/pdf"
    timers = {t.kind: t.status() for t in SlaTimer.objects.filter(complaint=complaint)}
    assert timers == {"deadline": "met", "follow_up": "met"}


def test_deadline_is_set_by_nature_in_working_days(users, complaint):
    # Friday 2024-09-27 + 3 working days (serious) = Tuesday 2024-10-08, after National Day
    friday = dt.datetime(2024, 9, 27, 10, tzinfo=dt.UTC)
    data = {"responsible": True, "nature": "serious", "deadline_told": True}
    complaint = services.transition(
        "complaint", actor=users["cs"], record=complaint, name="analyse", data=data, now=friday
    )
    assert complaint.deadline == dt.date(2024, 10, 8)


def test_not_our_responsibility_needs_explanation_and_agreement(users, complaint):
    with pytest.raises(DomainError) as error:
        services.transition(
            "complaint", actor=users["cs"], record=complaint, name="analyse", data={"responsible": False}
        )
    assert set(error.value.field_errors) == {"explanation", "customer_agreed"}
    complaint = services.transition(
        "complaint",
        actor=users["cs"],
        record=Complaint.objects.get(pk=complaint.pk),
        name="analyse",
        data={"responsible": False, "explanation": "系客户操作不当所致，已演示正确操作", "customer_agreed": True},
    )
    assert complaint.state == "closed" and complaint.responsible is False


def test_sign_off_before_approval_is_refused_and_changes_nothing(users, complaint, walk):
    complaint = walk(complaint, until="approve_plan")
    before = Complaint.objects.get(pk=complaint.pk)
    with pytest.raises(InvalidTransition) as error:
        services.transition(
            "complaint",
            actor=users["cs"],
            record=complaint,
            name="sign_off",
            data={"signed_by": "王", "customer_opinion": "好"},
        )
    assert "方案待审批" in error.value.message and "客户签字确认" in error.value.message
    after = Complaint.objects.get(pk=complaint.pk)
    assert (after.state, after.version, after.signed_by) == (before.state, before.version, "")
    assert not TimelineEntry.objects.filter(complaint=complaint, action="sign_off").exists()


def test_only_the_supervisor_approves_the_plan(users, complaint, walk):
    complaint = walk(complaint, until="approve_plan")
    for username in ("cs", "tech"):  # on the case, but not the supervisor
        with pytest.raises(PermissionDenied, match="客服主管"):
            services.transition("complaint", actor=users[username], record=complaint, name="approve_plan", data={})
    with pytest.raises(PermissionDenied):  # not on the case at all
        services.transition("complaint", actor=users["sales"], record=complaint, name="approve_plan", data={})
    assert Complaint.objects.get(pk=complaint.pk).state == "plan_submitted"


def test_the_responsible_department_may_draft_the_plan_but_others_may_not(users, complaint, walk):
    complaint = walk(complaint, until="submit_plan")  # routed to tech_support
    with pytest.raises(PermissionDenied):
        services.transition(
            "complaint", actor=users["quality"], record=complaint, name="submit_plan", data={"plan": "x"}
        )
    complaint = services.transition(
        "complaint", actor=users["tech"], record=complaint, name="submit_plan", data={"plan": "x"}
    )
    assert complaint.state == "plan_submitted"


def test_a_rejected_plan_goes_back_with_a_reason(users, complaint, walk):
    complaint = walk(complaint, until="approve_plan")
    with pytest.raises(DomainError):
        services.transition("complaint", actor=users["cs_lead"], record=complaint, name="reject_plan", data={})
    complaint = services.transition(
        "complaint", actor=users["cs_lead"], record=complaint, name="reject_plan", data={"note": "赔偿金额过高"}
    )
    assert complaint.state == "routed"
    assert TimelineEntry.objects.filter(complaint=complaint, action="reject_plan", note="赔偿金额过高").exists()


def test_a_stale_version_is_a_conflict(users, complaint):
    services.transition(
        "complaint",
        actor=users["cs"],
        record=Complaint.objects.get(pk=complaint.pk),
        name="analyse",
        data={"responsible": True, "nature": "general", "deadline_told": True},
    )
    with pytest.raises(ConflictError):
        # the second agent still has the form it loaded at version 1
        services.transition(
            "complaint",
            actor=users["cs"],
            record=complaint,
            name="analyse",
            data={"responsible": True, "nature": "urgent", "deadline_told": True},
            version=1,
        )
    assert Complaint.objects.get(pk=complaint.pk).nature == "general"


def test_sales_cannot_see_or_touch_a_complaint_of_another_owners_a_grade_customer(users, make_customer):
    a_customer = make_customer("北京华信集团有限公司", grade="A", owner="sales2")
    complaint = services.complaint_create(actor=users["cs"], customer=a_customer, channel="phone", reason="发票错误")
    assert not selectors.scoped(users["sales"], "complaint").exists()
    assert selectors.scoped(users["cs"], "complaint").count() == 1
    with pytest.raises(PermissionDenied):
        services.complaint_create(actor=users["sales"], customer=a_customer, channel="phone", reason="x")
    with pytest.raises(PermissionDenied):
        data = {"responsible": True, "nature": "general", "deadline_told": True}
        services.transition("complaint", actor=users["sales"], record=complaint, name="analyse", data=data)
    assert Complaint.objects.get(pk=complaint.pk).state == "received"
