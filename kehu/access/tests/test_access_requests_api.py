"""档案查询审批 through the API: request, approve, expiry, revoke; who may decide."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from kehu.access.models import AccessLog, AccessRequest, Notification
from kehu.access.scoping import allows

pytestmark = pytest.mark.django_db


def _until(days: int = 7) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def _request(api_for, archive, username="sales", **extra):
    body = {"customer": archive["A"].pk, "purpose": "准备年度报价", "valid_until": _until(), **extra}
    return api_for(username).post("/api/access-requests/", body, format="json")


def test_sales_gets_a_grade_access_only_after_cs_lead_approves_and_loses_it_on_revoke(users, api_for, archive):
    sales, customer = users["sales"], archive["A"]
    assert not allows(sales, "view", customer)
    created = _request(api_for, archive)
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert not allows(sales, "view", customer)  # pending grants nothing
    assert Notification.objects.filter(user=users["cs_lead"]).exists()

    to_approve = api_for("cs_lead").get("/api/access-requests/?box=to_approve").json()["results"]
    assert [r["id"] for r in to_approve] == [pk]
    approved = api_for("cs_lead").post(f"/api/access-requests/{pk}/approve/", {"note": "同意"}, format="json")
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"
    assert allows(sales, "view", customer)
    assert Notification.objects.filter(user=sales, message__contains="已批准").exists()

    revoked = api_for("cs_lead").post(f"/api/access-requests/{pk}/revoke/", {}, format="json")
    assert revoked.status_code == 200
    assert not allows(sales, "view", customer)


def test_access_ends_by_itself_after_valid_until(users, api_for, archive):
    pk = _request(api_for, archive).json()["id"]
    api_for("cs_lead").post(f"/api/access-requests/{pk}/approve/", {}, format="json")
    assert allows(users["sales"], "view", archive["A"])
    AccessRequest.objects.filter(pk=pk).update(valid_until=timezone.localdate() - datetime.timedelta(days=1))
    assert not allows(users["sales"], "view", archive["A"])
    from kehu.access.services import access_grants_expire

    assert access_grants_expire() == 1
    assert AccessRequest.objects.get(pk=pk).status == "expired"


def test_only_a_cs_supervisor_decides_and_never_their_own_request(users, api_for, archive):
    pk = _request(api_for, archive).json()["id"]
    for username in ("cs", "sales_mgr", "tech"):
        response = api_for(username).post(f"/api/access-requests/{pk}/approve/", {}, format="json")
        assert response.status_code in (403, 404)
    own = _request(api_for, archive, username="cs_lead")
    assert own.status_code == 201, own.content
    response = api_for("cs_lead").post(f"/api/access-requests/{own.json()['id']}/approve/", {}, format="json")
    assert response.status_code == 403
    assert AccessRequest.objects.get(pk=own.json()["id"]).status == "pending"
    assert AccessRequest.objects.get(pk=pk).status == "pending"


def test_reject_then_approve_is_refused(users, api_for, archive):
    pk = _request(api_for, archive).json()["id"]
    assert (
        api_for("cs_lead").post(f"/api/access-requests/{pk}/reject/", {"note": "无必要"}, format="json").status_code
        == 200
    )
    again = api_for("cs_lead").post(f"/api/access-requests/{pk}/approve/", {}, format="json")
    assert again.status_code == 400
    assert not allows(users["sales"], "view", archive["A"])


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"purpose": "  "}, "purpose"),
        ({"valid_until": "2001-01-01"}, "valid_until"),
        ({"valid_until": _until(400)}, "valid_until"),
        ({"customer": 999999}, "customer"),
        ({"valid_until": "明天"}, "valid_until"),
    ],
)
def test_bad_request_gives_field_errors_and_creates_nothing(users, api_for, archive, extra, field):
    response = _request(api_for, archive, **extra)
    assert response.status_code == 400
    assert field in response.json()
    assert not AccessRequest.objects.exists()


def test_no_request_for_what_you_already_may_see(users, api_for, archive):
    response = _request(api_for, archive, "sales2", customer=archive["B"].pk)  # the owner views B
    assert response.status_code == 400
    assert "scope" in response.json()


def test_my_requests_list_only_mine(users, api_for, archive):
    _request(api_for, archive)
    assert api_for("sales2").get("/api/access-requests/").json()["results"] == []
    assert len(api_for("sales").get("/api/access-requests/").json()["results"]) == 1


def test_access_log_api_is_read_only_and_for_admins_and_auditors(users, api_for, archive):
    from kehu.access.audit import log_access

    entry = log_access(user=users["sales2"], action="view", customer=archive["A"])
    assert api_for("sales").get("/api/access-log/").status_code == 403
    admin = api_for("admin")
    listed = admin.get(f"/api/access-log/?user={users['sales2'].pk}&action=view").json()["results"]
    assert [row["id"] for row in listed] == [entry.pk]
    assert admin.get(f"/api/access-log/?customer={archive['B'].pk}").json()["results"] == []
    for method in ("put", "patch", "delete"):
        response = getattr(admin, method)(f"/api/access-log/{entry.pk}/", {"action": "export"}, format="json")
        assert response.status_code == 405
    assert admin.post("/api/access-log/", {"action": "view"}, format="json").status_code == 405
    assert AccessLog.objects.get(pk=entry.pk).action == "view"
    users["tech"].is_auditor = True
    users["tech"].save()
    assert api_for("tech").get("/api/access-log/").status_code == 200


def test_access_log_queryset_refuses_update_and_delete(users, archive):
    from kehu.access.audit import log_access

    entry = log_access(user=users["sales2"], action="view", customer=archive["A"])
    with pytest.raises(PermissionError):
        AccessLog.objects.filter(pk=entry.pk).update(action="export")
    with pytest.raises(PermissionError):
        AccessLog.objects.all().delete()
    with pytest.raises(PermissionError):
        entry.delete()
    assert AccessLog.objects.count() == 1


def test_log_records_the_grant_used(users, api_for, archive):
    from kehu.access.audit import log_access

    pk = _request(api_for, archive).json()["id"]
    api_for("cs_lead").post(f"/api/access-requests/{pk}/approve/", {}, format="json")
    entry = log_access(user=users["sales"], action="view", customer=archive["A"].pk, object_type="customer")
    entry.refresh_from_db()
    assert entry.grant_id == pk
    other = log_access(user=users["sales2"], action="view", customer=archive["A"], object_type="customer")
    other.refresh_from_db()
    assert other.grant_id is None  # the owner reads on the strength of the rules, not a grant
    assert entry.customer_name == archive["A"].name


def test_admin_shows_the_log_but_cannot_change_or_delete_it(client, users, archive):
    from kehu.access.audit import log_access

    entry = log_access(user=users["sales2"], action="view", customer=archive["A"])
    client.force_login(users["admin"])
    assert client.get(f"/admin/access/accesslog/{entry.pk}/change/").status_code == 200  # view-only page
    client.post(f"/admin/access/accesslog/{entry.pk}/delete/", {"post": "yes"})
    client.post(f"/admin/access/accesslog/{entry.pk}/change/", {"action": "export"})
    assert AccessLog.objects.get(pk=entry.pk).action == "view"
    assert client.get("/admin/access/accesslog/add/").status_code == 403
