"""REST API: the same services; every transition is POST /api/<collection>/{id}/<transition>/."""

from __future__ import annotations

import pytest

from kehu.servicedesk import services
from kehu.servicedesk.models import Complaint, Demand

from .conftest import COMPLAINT_STEPS

pytestmark = pytest.mark.django_db


def _create(api, customer):
    response = api.post(
        "/api/complaints/",
        {"customer": customer.pk, "channel": "phone", "reason": "设备无法开机", "category": "quality"},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_a_complaint_goes_through_every_step_over_the_api(api_for, customer):
    body = _create(api_for("cs"), customer)
    assert body["state"] == "received" and body["number"].startswith("TS-")
    for name, actor, data in COMPLAINT_STEPS:
        response = api_for(actor).post(f"/api/complaints/{body['id']}/{name}/", data, format="json")
        assert response.status_code == 200, (name, response.content)
        body = response.json()
    assert body["state"] == "closed" and body["version"] == 1 + len(COMPLAINT_STEPS)
    timeline = api_for("cs").get(f"/api/complaints/{body['id']}/timeline/").json()
    assert [e["action"] for e in timeline][-2:] == ["sign_off", "close"]


def test_a_timeline_entry_without_an_actor_has_no_actor_name(api_for, customer, users):
    """Entries the system writes (mail intake) have no actor: null, not the text "None"."""
    body = _create(api_for("cs"), customer)
    complaint = Complaint.objects.get(pk=body["id"])
    services._log(complaint, actor=None, action="mail_in", from_state="received", to_state="received", note="来信")
    timeline = api_for("cs").get(f"/api/complaints/{body['id']}/timeline/").json()
    by_action = {entry["action"]: entry for entry in timeline}
    assert by_action["mail_in"]["actor"] is None and by_action["mail_in"]["actor_name"] is None
    assert by_action["create"]["actor_name"] == str(users["cs"])


def test_out_of_order_is_400_with_a_message_and_changes_nothing(api_for, customer):
    body = _create(api_for("cs"), customer)
    response = api_for("cs").post(
        f"/api/complaints/{body['id']}/sign_off/", {"signed_by": "王", "customer_opinion": "好"}, format="json"
    )
    assert response.status_code == 400
    assert "不能执行「客户签字确认」" in response.json()["detail"]
    assert Complaint.objects.get(pk=body["id"]).version == 1


def test_a_stale_version_is_409(api_for, customer):
    body = _create(api_for("cs"), customer)
    data = {"responsible": True, "nature": "general", "deadline_told": True, "version": 1}
    assert api_for("cs").post(f"/api/complaints/{body['id']}/analyse/", data, format="json").status_code == 200
    conflict = api_for("cs_lead").post(f"/api/complaints/{body['id']}/analyse/", data, format="json")
    assert conflict.status_code == 409 and conflict.json()["code"] == "conflict"


def test_role_checks_are_403_and_invisible_records_404(api_for, customer, make_customer, users):
    body = _create(api_for("cs"), customer)
    data = {"responsible": True, "nature": "general", "deadline_told": True}
    # the complaint is not routed to technical support and tech may not open the archive: not found
    assert api_for("tech").post(f"/api/complaints/{body['id']}/analyse/", data, format="json").status_code == 404
    # customer service may open the case but only customer service analyses it: forbidden
    a_customer = make_customer("北京华信集团有限公司", grade="A")
    hidden = _create(api_for("cs"), a_customer)  # customer service accepts complaints of every grade (三.1)
    sales = api_for("sales")
    assert sales.get(f"/api/complaints/{hidden['id']}/").status_code == 404
    assert sales.post(f"/api/complaints/{hidden['id']}/analyse/", data, format="json").status_code == 404
    assert sales.get("/api/complaints/").json()["results"] == []  # other departments: through a grant only
    refused = sales.post(
        "/api/complaints/", {"customer": a_customer.pk, "channel": "phone", "reason": "x"}, format="json"
    )
    assert refused.status_code == 400
    assert Complaint.objects.get(pk=hidden["id"]).state == "received"


def test_tickets_and_demands(api_for, customer, users):
    ticket = (
        api_for("cs")
        .post(
            "/api/tickets/",
            {"customer": customer.pk, "title": "宕机", "description": "x", "urgency": "high"},
            format="json",
        )
        .json()
    )
    assert [t["kind"] for t in ticket["timers"]] == ["response"]
    response = api_for("tech").post(f"/api/tickets/{ticket['id']}/respond/", {"impact_scope": "全部"}, format="json")
    assert response.json()["state"] == "responded" and response.json()["owner"] == users["tech"].pk
    mine = api_for("tech").get("/api/tickets/", {"queue": "mine"}).json()["results"]
    assert [t["id"] for t in mine] == [ticket["id"]]
    demand = (
        api_for("cs")
        .post(
            "/api/demands/",
            {"customer": customer.pk, "description": "导出 Excel", "type": "feature", "department": "rnd"},
            format="json",
        )
        .json()
    )
    # not routed to quality, and quality may not open the archive: the demand is not there for it
    assert api_for("quality").post(f"/api/demands/{demand['id']}/complete/", {}, format="json").status_code == 404
    done = api_for("cs").post(f"/api/demands/{demand['id']}/complete/", {"progress_note": "已上线"}, format="json")
    assert done.json()["state"] == "done" and Demand.objects.get().done_at is not None


def test_every_transition_is_in_the_openapi_schema(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for path in (
        "/api/complaints/{id}/sign_off/",
        "/api/complaints/{id}/approve_plan/",
        "/api/tickets/{id}/respond/",
        "/api/tickets/{id}/close/",
        "/api/demands/{id}/complete/",
    ):
        assert "post" in paths[path], path
    assert "IntakeChannelEnum" in schema["components"]["schemas"]


def test_list_query_count_is_pinned(api_for, customer, users, django_assert_num_queries):
    from kehu.servicedesk import services

    for _ in range(5):
        services.complaint_create(actor=users["cs"], customer=customer, channel="phone", reason="x")
    api = api_for("cs")
    api.get("/api/complaints/")
    # the rules, one page query (scope, next deadline), timers prefetch; the token and its user come
    # from the cache after their first use
    with django_assert_num_queries(3):
        assert len(api.get("/api/complaints/").json()["results"]) == 5


def test_a_done_demand_asks_for_a_satisfaction_follow_up(users, customer, django_capture_on_commit_callbacks):
    from kehu.core import events
    from kehu.servicedesk import services

    published = []
    events.subscribe("demand_done", lambda **kw: published.append(kw))
    demand = services.demand_create(
        actor=users["cs"], customer=customer, description="定期上门培训", type="service", department="training"
    )
    demand = services.transition("demand", actor=users["cs"], record=demand, name="start_development", data={})
    with django_capture_on_commit_callbacks(execute=True):
        services.transition("demand", actor=users["cs"], record=demand, name="complete", data={})
    assert published == [{"demand_id": demand.pk, "customer_id": customer.pk, "actor_id": users["cs"].pk}]
