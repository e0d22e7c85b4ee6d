"""The closed loop across apps: a signed-off complaint plans a visit in the contact engine, and the
visit done there meets the complaint's follow-up deadline (events both ways, ADR 0003)."""

from __future__ import annotations

import pytest

from kehu.engagement import services as engagement
from kehu.engagement.choices import FollowUpType
from kehu.engagement.models import FollowUp
from kehu.servicedesk.models import SlaTimer

pytestmark = pytest.mark.django_db


def test_a_visit_done_in_the_contact_engine_meets_the_complaint_follow_up(
    users, complaint, walk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        complaint = walk(complaint, until="close")  # signed off: waiting for the visit
    timer = SlaTimer.objects.get(complaint=complaint, kind="follow_up")
    assert timer.stopped_at is None
    visit = FollowUp.objects.get(type=FollowUpType.AFTER_COMPLAINT, source_type="complaint")
    assert visit.source_id == str(complaint.pk) and visit.assignee == users["cs"]

    with django_capture_on_commit_callbacks(execute=True):
        engagement.followup_complete(
            actor=users["cs"], followup=visit, version=visit.version, channel="phone", satisfaction=4
        )
    timer.refresh_from_db()
    assert timer.stopped_at is not None and timer.breached_at is None
    last = complaint.timeline.order_by("-id").first()
    assert last.action == "回访已完成（联络与回访）" and "4/5" in last.note
    complaint.refresh_from_db()
    assert complaint.state == "signed_off"  # closing the complaint stays customer service's act

    # Delivered twice, the event changes nothing more.
    from kehu.servicedesk.handlers import on_followup_completed

    on_followup_completed(source_type="complaint", source_id=str(complaint.pk), actor_id=users["cs"].pk)
    assert complaint.timeline.filter(action="回访已完成（联络与回访）").count() == 1
