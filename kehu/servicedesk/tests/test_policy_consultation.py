"""客户咨询 in the service flow (软件行业客户关系维护制度 第四章 3 客户服务流程)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kehu.core.exceptions import InvalidTransition
from kehu.engagement import services as engagement
from kehu.engagement.choices import FollowUpStatus, FollowUpType
from kehu.engagement.models import FollowUp
from kehu.servicedesk import services
from kehu.servicedesk.models import Consultation

pytestmark = pytest.mark.django_db


def test_a_consultation_goes_record_handle_track_and_ends_with_its_own_visit(
    users, customer, api_for, client, django_capture_on_commit_callbacks
):
    """第四章 3: "客户服务流程应包括客户咨询、问题记录、问题处理、反馈跟踪、客户回访等环节。每个环节均需指定责任人";
    回访制度细则 二.2: 客服部门 "承担日常客户回访工作，包括对客户咨询……处理后的回访"."""
    api = api_for("cs")
    created = api.post(
        "/api/consultations/",
        {
            "customer": customer.pk,
            "description": "新版本是否支持导出 PDF？",
            "type": "product",
            "contact_name": "王经理",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["number"].startswith("ZX-") and body["state"] == "recorded" and body["receiver"] == users["cs"].pk
    pk = body["id"]
    assert api.post(f"/api/consultations/{pk}/close/", {}, format="json").status_code == 400  # not handled yet
    handled = api.post(f"/api/consultations/{pk}/handle/", {"answer": "支持，见用户手册第 5 章"}, format="json")
    assert handled.json()["state"] == "handled" and handled.json()["owner"] == users["cs"].pk
    tracked = api.post(f"/api/consultations/{pk}/track/", {"tracking_note": "一周后确认客户已成功导出"}, format="json")
    assert tracked.json()["state"] == "tracking"
    with django_capture_on_commit_callbacks(execute=True):
        closed = api.post(f"/api/consultations/{pk}/close/", {}, format="json")
    assert closed.json()["state"] == "closed"

    visit = FollowUp.objects.get(type=FollowUpType.AFTER_CONSULTATION)
    assert (visit.source_type, visit.source_id) == ("consultation", str(pk))
    assert visit.assignee.department == "customer_service" and visit.served_by == users["cs"]
    with django_capture_on_commit_callbacks(execute=True):
        engagement.followup_complete(
            actor=visit.assignee, followup=visit, version=visit.version, channel="phone", satisfaction=5, summary="满意"
        )
    consultation = Consultation.objects.get(pk=pk)
    assert consultation.timeline.filter(action="visited").count() == 1  # seen from the consultation too
    assert FollowUp.objects.get(pk=visit.pk).status == FollowUpStatus.DONE
    steps = list(consultation.timeline.values_list("action", flat=True))
    assert steps == ["create", "handle", "track", "close", "visited"]
    with pytest.raises(InvalidTransition):
        services.transition("consultation", actor=users["cs"], record=consultation, name="handle", data={"answer": "x"})

    client.force_login(users["cs"])
    listing = client.get(reverse("servicedesk:consultation_list")).content.decode()
    assert consultation.number in listing
    detail = client.get(reverse("servicedesk:consultation_detail", args=[pk])).content.decode()
    assert "新版本是否支持导出 PDF" in detail and "支持，见用户手册第 5 章" in detail


def test_a_consultation_is_read_only_through_the_users_scope(users, make_customer, api_for):
    """The same restrict/Scope pattern as complaints: an A-grade customer's consultation is not shown to sales staff
    who may not open that archive, but customer service handles every one (投诉处理方案 三.1)."""
    a_grade = make_customer("A级客户", grade="A", owner="sales2")
    consultation = services.consultation_create(actor=users["cs"], customer=a_grade, description="价格咨询")
    assert not Consultation.objects.restrict(users["sales"], "view").filter(pk=consultation.pk).exists()
    assert Consultation.objects.restrict(users["cs"], "view").filter(pk=consultation.pk).exists()
    assert api_for("sales").get(f"/api/consultations/{consultation.pk}/").status_code == 404


def test_customer_service_handles_the_complaints_of_every_grade_through_restrict(users, make_customer):
    """投诉处理方案 三.1: "客户服务部安排专人受理客户的各类投诉" — every complaint, also of an A-grade archive that
    customer service may not open (the "also" rule was an empty Q, which an OR drops)."""
    from kehu.servicedesk.models import Complaint

    a_grade = make_customer("A级客户", grade="A", owner="sales2")
    complaint = services.complaint_create(actor=users["cs"], customer=a_grade, channel="phone", reason="延迟交付")
    assert Complaint.objects.restrict(users["cs"], "view").filter(pk=complaint.pk).exists()
    assert not Complaint.objects.restrict(users["sales"], "view").filter(pk=complaint.pk).exists()
