"""Follow-up visits as 客户回访制度细则 draws them: special situations from real events, results by person,
routed actions as tasks, service quality on its dimensions per staff member."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kehu.core.exceptions import DomainError
from kehu.customers import services as customer_services
from kehu.engagement import selectors, services
from kehu.engagement.choices import FollowUpStatus, FollowUpType
from kehu.engagement.models import FollowUp, FollowUpAction
from kehu.servicedesk import services as servicedesk

pytestmark = pytest.mark.django_db


def test_buying_a_product_the_customer_never_bought_plans_a_special_visit(
    users, make_customer, django_capture_on_commit_callbacks
):
    """三.2 特殊情况回访: "当客户购买公司新产品或服务……时，及时进行特殊情况回访" (新产品或服务的试用效果)."""
    customer = make_customer("老客户", grade="B")
    with django_capture_on_commit_callbacks(execute=True):
        customer_services.transaction_create(
            actor=users["mkt"], customer=customer, occurred_on=dt.date(2026, 3, 1), amount="100", product="管理系统"
        )
        customer_services.transaction_create(
            actor=users["mkt"], customer=customer, occurred_on=dt.date(2026, 6, 1), amount="100", product="管理系统"
        )
    assert not FollowUp.objects.filter(type=FollowUpType.SPECIAL).exists()  # a repeat purchase is no occasion
    with django_capture_on_commit_callbacks(execute=True):
        new = customer_services.transaction_create(
            actor=users["mkt"], customer=customer, occurred_on=dt.date(2026, 9, 1), amount="100", product="硬件设备"
        )
    special = FollowUp.objects.get(type=FollowUpType.SPECIAL)
    assert (special.source_type, special.source_id) == ("transaction", str(new.pk)) and "硬件设备" in special.note


def test_a_major_complaint_closed_plans_a_special_visit(users, django_capture_on_commit_callbacks):
    """三.2: "客户有重大投诉或反馈等情况时，及时进行特殊情况回访" — a serious or urgent complaint, once closed."""
    from kehu.servicedesk.tests.conftest import COMPLAINT_STEPS

    customer = customer_services.customer_create(
        actor=users["sales"], owner=users["sales"], name="重大投诉客户", grade="B"
    )
    complaint = servicedesk.complaint_create(actor=users["cs"], customer=customer, channel="phone", reason="批量故障")
    with django_capture_on_commit_callbacks(execute=True):
        for name, actor, data in COMPLAINT_STEPS:  # nature "serious"
            complaint = servicedesk.transition("complaint", actor=users[actor], record=complaint, name=name, data=data)
    special = FollowUp.objects.get(type=FollowUpType.SPECIAL, source_type="complaint")
    assert special.source_id == str(complaint.pk) and special.assignee == users["sales"]
    general = servicedesk.complaint_create(actor=users["cs"], customer=customer, channel="phone", reason="小问题")
    steps = [(n, a, {**d, "nature": "general"} if n == "analyse" else d) for n, a, d in COMPLAINT_STEPS]
    with django_capture_on_commit_callbacks(execute=True):
        for name, actor, data in steps:
            general = servicedesk.transition("complaint", actor=users[actor], record=general, name=name, data=data)
    assert FollowUp.objects.filter(type=FollowUpType.SPECIAL).count() == 1  # a general complaint: no special visit


def test_a_major_upgrade_delivered_plans_a_special_visit_for_its_buyers(
    users, make_customer, api_for, django_capture_on_commit_callbacks
):
    """三.2: "公司推出重大产品升级或服务改进……时，及时进行特殊情况回访" (升级后的功能体验)."""
    buyer = make_customer("买过管理系统", grade="B")
    other = make_customer("没买过", grade="B")
    customer_services.transaction_create(
        actor=users["mkt"], customer=buyer, occurred_on=dt.date(2025, 3, 1), amount="100", product="管理系统"
    )
    customer_services.transaction_create(
        actor=users["mkt"], customer=other, occurred_on=dt.date(2025, 3, 1), amount="100", product="硬件设备"
    )
    api = api_for("sales")
    assert api.post("/api/product-upgrades/", {"product": "管理系统", "note": "V3"}, format="json").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for("mkt_mgr").post(
            "/api/product-upgrades/", {"product": "管理系统", "note": "管理系统 V3 发布"}, format="json"
        )
    assert response.status_code == 202 and response.json()["customers"] == 1
    visit = FollowUp.objects.get(type=FollowUpType.SPECIAL)
    assert visit.customer == buyer and "V3" in visit.note


def test_follow_up_results_by_person_and_quality_by_staff_member(users, make_customer, client, api_for):
    """二.2 客服部门: "收集客户对公司客服服务质量的评价，如服务态度、响应速度、解决问题的能力等";
    投诉处理方案 八.2: "及时将客户回访的意见填写进表格……作为对客户服务部工作的评价依据"."""
    customer = make_customer("回访客户", grade="B")
    today = timezone.localdate()
    done = services.followup_plan(
        customer=customer,
        type=FollowUpType.AFTER_COMPLAINT,
        source_type="complaint",
        source_id="1",
        served_by_id=users["cs"].pk,
    )
    services.followup_plan(
        customer=customer,
        type=FollowUpType.AFTER_COMPLAINT,
        source_type="complaint",
        source_id="2",
        due_on=today - dt.timedelta(days=1),
    )
    services.followup_complete(
        actor=done.assignee,
        followup=done,
        version=done.version,
        channel="phone",
        satisfaction=4,
        attitude=5,
        speed=3,
        ability=4,
    )
    with pytest.raises(DomainError):
        other = FollowUp.objects.get(source_id="2")
        services.followup_complete(
            actor=other.assignee, followup=other, version=other.version, channel="phone", satisfaction=4, speed=9
        )
    since, until = today - dt.timedelta(days=30), today + dt.timedelta(days=30)
    by_person = selectors.followup_results_by_person(users["cs_lead"], since=since, until=until)
    row = next(r for r in by_person if r["assignee_id"] == done.assignee_id)
    assert (row["total"], row["done"], row["overdue_open"]) == (2, 1, 1) and row["completion_rate"] == 50.0
    quality = selectors.service_quality_by_staff(users["cs_lead"], since=since, until=until)
    assert [(q["served_by_id"], q["attitude"], q["speed"], q["ability"]) for q in quality] == [
        (users["cs"].pk, 5, 3, 4)
    ]
    client.force_login(users["cs_lead"])
    page = client.get(reverse("engagement:followup_report"), {"since": since.isoformat(), "until": until.isoformat()})
    body = page.content.decode()
    assert 'data-testid="by-person"' in body and 'data-testid="quality"' in body and "服务态度" in body
    api = api_for("cs_lead").get(
        "/api/followups/stats-by-person/", {"since": since.isoformat(), "until": until.isoformat()}
    )
    assert api.json()["quality"][0]["speed"] == 3


def test_a_follow_up_action_routed_to_a_department_becomes_a_task_with_an_owner_and_a_due_date(
    users, make_customer, client
):
    """二.1: "将客户反馈的有价值信息及时传递给相关部门"; 一.3 有效性原则: "针对客户提出的问题和建议，及时采取有效措施
    进行处理和改进" — a task someone owns, due on a date, tracked to done, not only a notification."""
    customer = make_customer("提建议的客户", grade="B")
    visit = services.followup_plan(
        customer=customer, type=FollowUpType.EXISTING_PERIODIC, source_type="manual", source_id="x1"
    )
    services.followup_complete(
        actor=visit.assignee,
        followup=visit,
        version=visit.version,
        channel="visit",
        satisfaction=3,
        actions="客户希望报表支持按季度汇总",
        action_department="rnd",
    )
    task = FollowUpAction.objects.get()
    assert task.department == "rnd" and task.owner is not None and task.due_on > timezone.localdate()
    assert task.status == FollowUpAction.Status.OPEN
    client.force_login(task.owner)
    listed = client.get(reverse("engagement:followup_actions"), {"mine": "1"}).content.decode()
    assert "客户希望报表支持按季度汇总" in listed
    with pytest.raises(DomainError):
        services.followup_action_complete(actor=users["sales2"], action=task, note="已处理")
    response = client.post(reverse("engagement:followup_actions"), {"action": task.pk, "note": "已排入 V3.1"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == FollowUpAction.Status.DONE and task.done_note == "已排入 V3.1"
    assert FollowUp.objects.get(pk=visit.pk).status == FollowUpStatus.DONE
