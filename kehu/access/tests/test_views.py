"""The access pages as users meet them: request, approve, log, security, person, English chrome."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kehu.access.audit import log_access
from kehu.access.models import AccessLog, AccessRequest
from kehu.access.scoping import allows
from kehu.customers.services import contact_create

pytestmark = pytest.mark.django_db


def _client(client, users, username):
    client.force_login(users[username])
    return client


def test_sales_requests_and_cs_lead_approves_through_the_pages(client, users, archive):
    sales_page = _client(client, users, "sales")
    url = reverse("access:home")
    prefilled = sales_page.get(f"{url}?customer={archive['A'].pk}").content.decode()
    assert archive["A"].archive_no in prefilled
    until = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    response = sales_page.post(
        url, {"archive_no": archive["A"].archive_no, "scope": "archive", "purpose": "年度报价", "valid_until": until}
    )
    assert response.status_code == 302
    request = AccessRequest.objects.get()

    lead = _client(client, users, "cs_lead")
    page = lead.get(url).content.decode()
    assert f'data-testid="approve-{request.pk}"' in page and 'data-testid="unread-badge"' in page
    lead.post(reverse("access:decide", args=[request.pk, "approve"]), {"note": ""})
    assert allows(users["sales"], "view", archive["A"])
    lead.post(reverse("access:decide", args=[request.pk, "revoke"]))
    assert not allows(users["sales"], "view", archive["A"])


def test_bad_request_form_shows_field_errors_and_saves_nothing(client, users, archive):
    page = _client(client, users, "sales")
    bad = {"archive_no": "KH-NOPE", "scope": "archive", "purpose": "", "valid_until": "2001-01-01"}
    response = page.post(reverse("access:home"), bad)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="error-purpose"' in html
    assert not AccessRequest.objects.exists()
    response = page.post(
        reverse("access:home"),
        {"archive_no": "KH-NOPE", "scope": "archive", "purpose": "查", "valid_until": timezone.localdate().isoformat()},
    )
    assert 'data-testid="error-archive_no"' in response.content.decode()


def test_sales_cannot_approve_through_the_page(client, users, archive):
    request = AccessRequest.objects.create(
        requester=users["sales"], customer=archive["A"], purpose="x", valid_until=timezone.localdate()
    )
    _client(client, users, "cs").post(reverse("access:decide", args=[request.pk, "approve"]))
    assert AccessRequest.objects.get().status == "pending"


@pytest.mark.parametrize(
    ("name", "allowed"), [("access:log", {"admin"}), ("access:history", {"admin"}), ("access:security", {"admin"})]
)
def test_audit_pages_are_for_admins_and_auditors(client, users, name, allowed):
    for username in ("admin", "sales", "cs_lead", "mkt_dir"):
        client.force_login(users[username])
        status = client.get(reverse(name)).status_code
        assert (status == 200) == (username in allowed), (username, status)
    users["quality"].is_auditor = True
    users["quality"].save()
    client.force_login(users["quality"])
    assert client.get(reverse("access:log")).status_code == 200


def test_access_log_filters_pages_and_exports_xlsx(client, users, archive, django_assert_max_num_queries):
    for _ in range(3):
        log_access(user=users["sales2"], action="view", customer=archive["A"])
    log_access(user=users["sales"], action="search", query="张伟", rows=4)
    admin = _client(client, users, "admin")
    html = admin.get(reverse("access:log"), {"username": "sales", "action": "search"}).content.decode()
    assert "张伟" in html and archive["A"].name not in html
    with django_assert_max_num_queries(8):
        admin.get(reverse("access:log"))
    response = admin.get(reverse("access:log_export"), {"username": "sales2"})
    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    assert sheet.max_row == 4  # header + 3 rows for sales2
    assert AccessLog.objects.filter(action="log_export", user=users["admin"], rows=3).exists()


def test_change_history_shows_who_changed_what_and_masks_personal_values(client, users, archive):
    contact = contact_create(actor=users["admin"], customer=archive["B"], name="孙总", family="秘密家庭信息")
    contact.family = "新的家庭信息"
    contact.position = "总经理"
    contact._history_user = users["sales2"]
    contact.save()
    html = _client(client, users, "admin").get(reverse("access:history"), {"model": "contact"}).content.decode()
    assert "总经理" in html and "周杰" in html
    assert "秘密家庭信息" not in html and "新的家庭信息" not in html


def test_security_page_shows_large_exports_bursts_and_grants(client, users, archive, settings):
    settings.KEHU = {**settings.KEHU, "ALERT_EXPORT_ROWS": 100, "ALERT_EXPORTS_PER_HOUR": 2}
    log_access(user=users["sales"], action="export", rows=4000, query="全部客户")
    for _ in range(3):
        log_access(user=users["sales2"], action="export", rows=10)
    AccessRequest.objects.create(
        requester=users["sales"],
        customer=archive["A"],
        purpose="x",
        valid_until=timezone.localdate(),
        status="approved",
        decided_by=users["cs_lead"],
        decided_at=timezone.now(),
    )
    html = _client(client, users, "admin").get(reverse("access:security")).content.decode()
    large = html.split('data-testid="large-exports"')[1].split("</table>")[0]
    bursts = html.split('data-testid="export-bursts"')[1].split("</table>")[0]
    grants = html.split('data-testid="recent-grants"')[1].split("</table>")[0]
    assert "4000" in large and "sales2" not in large
    assert "sales2" in bursts
    assert archive["A"].name in grants


def test_person_page_needs_the_sensitive_right(client, users, archive):
    contact = contact_create(actor=users["admin"], customer=archive["B"], name="钱总", personal_phone="13900000000")
    assert _client(client, users, "tech").get(reverse("customers:person", args=[contact.pk])).status_code == 404
    page = _client(client, users, "cs")
    assert page.get(reverse("customers:person", args=[contact.pk])).status_code == 200
    response = page.get(reverse("customers:person_export", args=[contact.pk, "json"]))
    assert response.json()["contact"]["personal_phone"] == "13900000000"
    assert page.post(reverse("customers:person_erase", args=[contact.pk]), {"reason": "x"}).status_code == 403


def test_pages_render_in_english(client, users, archive):
    client.force_login(users["admin"])
    client.cookies["django_language"] = "en"
    contact = contact_create(actor=users["admin"], customer=archive["B"], name="钱总")
    expectations = {
        reverse("access:home"): ["Access requests", "Request access to a customer archive", "Notifications"],
        reverse("access:log"): ["Access log", "Export Excel", "Filter"],
        reverse("access:history"): ["Change history"],
        reverse("access:security"): ["Security overview", "Failed logins", "Recent grants"],
        reverse("customers:person", args=[contact.pk]): ["Personal information rights", "Legal basis"],
        reverse("access:otp_setup"): ["Two-factor authentication"],
    }
    for url, phrases in expectations.items():
        html = client.get(url).content.decode()
        for phrase in phrases:
            assert phrase in html, (url, phrase)
        assert "权限与审计" not in html and "有效期至" not in html


def _badge_page(rf, user):
    """Render the nav badge as one page does (a request of its own)."""
    from django.template import Context, Template

    request = rf.get("/")
    request.user = user
    return Template("{% load access_tags %}{% access_unread_badge %}").render(Context({"request": request}))


def test_unread_badge_tag_for_the_nav(rf, users):
    from kehu.access.services import notify

    assert _badge_page(rf, users["sales"]) == ""
    for _ in range(3):
        notify(user=users["sales"], message="测试")
    assert ">3</span>" in _badge_page(rf, users["sales"])


def test_unread_badge_is_a_cached_counter_dropped_on_notify_and_read(rf, users, django_assert_num_queries):
    from kehu.access.services import notifications_mark_read, notify

    notify(user=users["sales"], message="测试")
    assert ">1</span>" in _badge_page(rf, users["sales"])
    with django_assert_num_queries(0):  # every further page: no query for the badge
        assert ">1</span>" in _badge_page(rf, users["sales"])
    notify(user=users["sales"], message="测试")
    assert ">2</span>" in _badge_page(rf, users["sales"])
    notifications_mark_read(actor=users["sales"])
    assert _badge_page(rf, users["sales"]) == ""


def test_a_page_reads_the_unread_count_once_for_the_bell_and_the_nav(client, users, monkeypatch):
    """base.html shows the count in the bell (two layouts) and the nav badge: one cache read."""
    from kehu.access import selectors

    reads = []
    real = selectors.unread_notification_count
    monkeypatch.setattr(selectors, "unread_notification_count", lambda user: reads.append(user.pk) or real(user))
    client.force_login(users["mkt_mgr"])
    html = client.get(reverse("customers:list")).content.decode()
    assert html.count("wb-bell") >= 2 and reads == [users["mkt_mgr"].pk]
