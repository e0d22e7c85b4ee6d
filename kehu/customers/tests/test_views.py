from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from kehu.customers import services
from kehu.customers.models import Customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(make_customer, users):  # type: ignore[no-untyped-def]
    customers = []
    for i in range(12):
        customer = make_customer(
            f"{'上海' if i % 2 else '北京'}第{i}科技有限公司",
            region="上海" if i % 2 else "北京",
            grade="ABC"[i % 3],
            owner="mkt" if i < 6 else "sales2",
        )
        services.contact_create(actor=users["admin"], customer=customer, name=f"联系人{i}", mobile=f"1380013{i:04d}")
        customers.append(customer)
    return customers


def test_list_filters_search_and_htmx_partial(client, users, seeded):
    client.force_login(users["mkt"])
    page = client.get(reverse("customers:list"))
    assert page.status_code == 200 and "北京第0科技有限公司" in page.content.decode()
    partial = client.get(reverse("customers:list"), {"grade": "A", "region": "上海"}, headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert "<html" not in body
    assert [c.name for c in seeded if c.grade == "A" and c.region == "上海"] == [
        "上海第3科技有限公司",
        "上海第9科技有限公司",
    ]
    assert "上海第3科技有限公司" in body and "上海第9科技有限公司" in body and "北京第0" not in body
    owner = client.get(reverse("customers:list"), {"owner": users["sales2"].pk}).content.decode()
    assert "第6科技" in owner and "第5科技" not in owner
    for q in ("科技", "第1", "bjd", "shanghaidi", "00130004", "联系人4"):
        found = client.get(reverse("customers:list"), {"q": q}).context["customers"]
        assert found, q
    assert [c.name for c in client.get(reverse("customers:list"), {"q": "联系人4"}).context["customers"]] == [
        "北京第4科技有限公司"
    ]
    bad = client.get(reverse("customers:list"), {"grade": "Z", "owner": "abc"})
    assert bad.status_code == 200 and "Z" in bad.content.decode()


def test_list_keyset_pages_without_count_or_offset(client, users, seeded, django_assert_max_num_queries, monkeypatch):
    monkeypatch.setattr("kehu.customers.views.PAGE_SIZE", 10)
    client.force_login(users["mkt"])
    from kehu.customers import selectors

    seen: list[str] = []
    url: str | None = reverse("customers:list") + "?grade="
    pages = 0
    while url:
        # + total (on PostgreSQL the estimate first, then the bounded count), saved filters, batch bar
        with django_assert_max_num_queries(15) as captured:
            response = client.get(url)
        sql = " ".join(q["sql"].upper() for q in captured.captured_queries)
        assert "OFFSET" not in sql
        # the total (issue 11) counts at most 1,001 rows, never the whole list
        counts = [q["sql"].upper() for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
        assert all("LIMIT 1001" in q for q in counts), counts
        rows = response.context["customers"]
        seen += [c.name for c in rows]
        nxt = response.context["next_after"]
        url = f"{reverse('customers:list')}?grade=&after={nxt}" if nxt else None
        pages += 1
    assert sorted(seen) == sorted(c.name for c in seeded)
    assert pages == 2 and selectors.customer_page(Customer.objects.order_by("-id"), after=None, size=12)[1] is None


def test_list_page_query_count_is_pinned(client, users, seeded, django_assert_num_queries):
    client.force_login(users["mkt"])
    client.get(reverse("customers:list"))  # warm the session
    # access rules, one page of customers (owners joined); the session, the user, the unread badge,
    # the filter selects (owner choices) and the batch bar's new-owner select come from the cache, and a
    # page view no longer saves the session; issue 11: the user's saved filters; the batch bar: which
    # rows marketing may edit
    with django_assert_num_queries(4):
        client.get(reverse("customers:list"))
    with django_assert_num_queries(5):  # a search also writes its access-log row (new filter values:
        # the owner choices are read once for the cached selects), saved filters; no row: no batch bar
        client.get(reverse("customers:list"), {"q": "科技", "grade": "A"})


def test_detail_tabs_query_counts_are_pinned(client, users, seeded, django_assert_max_num_queries):
    customer = seeded[0]
    for number in range(5):
        services.transaction_create(
            actor=users["mkt_mgr"], customer=customer, occurred_on=dt.date(2025, 1, number + 1), amount=10
        )
    client.force_login(users["mkt_mgr"])  # seeded[0] is A-grade: marketing managers and above (六.3)
    # session (4 incl. save), user, OTP device (first request of the session only), access rules,
    # customer, access-log row, edit check, notification badge, then the tab's own queries (people: the
    # sensitive-field check and its access-log row)
    for tab, limit in (("archive", 12), ("people", 13), ("transactions", 12), ("documents", 13), ("history", 15)):
        with django_assert_max_num_queries(limit):
            response = client.get(reverse("customers:detail", args=[customer.pk]), {"tab": tab})
        assert response.status_code == 200, tab


def test_tab_partial_for_htmx(client, users, seeded):
    client.force_login(users["mkt_mgr"])
    response = client.get(
        reverse("customers:detail", args=[seeded[0].pk]), {"tab": "people"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert "<html" not in body and "联系人0" in body


def test_sensitive_fields_masked_without_the_right(client, users, make_customer):
    customer = make_customer(owner="sales2")
    services.contact_create(
        actor=users["mkt"], customer=customer, name="王建国", personal_phone="13912345678", hobbies="高尔夫"
    )
    client.force_login(users["cs"])  # customer service holds view_sensitive on B/C archives
    shown = client.get(reverse("customers:detail", args=[customer.pk]), {"tab": "people"}).content.decode()
    assert "13912345678" in shown and "高尔夫" in shown
    client.force_login(users["mkt"])  # marketing staff keep the archive, without personal data
    masked = client.get(reverse("customers:detail", args=[customer.pk]), {"tab": "people"}).content.decode()
    assert "13912345678" not in masked and "139****5678" in masked and "高尔夫" not in masked


def test_create_form_with_contact_and_duplicate_confirmation(client, users, make_customer):
    make_customer("上海天讯科技有限公司")
    client.force_login(users["mkt"])
    data = {
        "name": "上海天讯科技公司",
        "industry_standing": "medium",
        "nature": "private",
        "deal_probability": 50,
        "contact_name": "李雷",
        "contact_mobile": "13800138000",
    }
    first = client.post(reverse("customers:create"), data)
    assert first.status_code == 200
    assert "可能重复的客户" in first.content.decode() and Customer.objects.count() == 1
    second = client.post(reverse("customers:create"), {**data, "confirm_duplicate": "on"})
    created = Customer.objects.get(name="上海天讯科技公司")
    assert second.url == reverse("customers:detail", args=[created.pk])
    assert created.contacts.get().name == "李雷" and created.owner == users["mkt"]


def test_create_form_shows_field_errors_and_writes_nothing(client, users):
    client.force_login(users["mkt"])
    response = client.post(
        reverse("customers:create"), {"name": "", "email": "bad", "deal_probability": "x", "contact_mobile": "1"}
    )
    body = response.content.decode()
    assert response.status_code == 200 and not Customer.objects.exists()
    for field in ("name", "email", "deal_probability", "contact_name"):
        assert f'data-testid="error-{field}"' in body, field


def test_two_people_editing_second_is_refused_and_keeps_input(client, users, make_customer):
    customer = make_customer(region="上海")
    form = {"name": customer.name, "industry_standing": "other", "nature": "private", "deal_probability": 50}
    client.force_login(users["mkt"])
    saved = client.post(reverse("customers:edit", args=[customer.pk]), {**form, "version": 1, "region": "江苏"})
    assert saved.status_code == 302
    client.force_login(users["mkt_mgr"])  # the marketing manager keeps the archive as well
    refused = client.post(reverse("customers:edit", args=[customer.pk]), {**form, "version": 1, "region": "浙江"})
    body = refused.content.decode()
    assert refused.status_code == 200
    assert "该记录已被他人修改（当前版本 2）" in body and 'value="浙江"' in body and 'data-testid="conflict"' in body
    assert Customer.objects.get(pk=customer.pk).region == "江苏"


def test_history_tab_shows_who_changed_what(client, users, make_customer):
    customer = make_customer(region="上海")
    services.customer_update(actor=users["mkt_mgr"], customer=customer, version=1, region="江苏")
    client.force_login(users["mkt"])
    body = client.get(reverse("customers:detail", args=[customer.pk]), {"tab": "history"}).content.decode()
    assert "王芳" in body and "<td>地区</td><td>上海</td><td>江苏</td>" in body


def test_export_xlsx_uses_filters_and_chinese_headers(client, users, seeded, monkeypatch):
    logged: list[dict[str, Any]] = []
    monkeypatch.setattr("kehu.customers.exports.log_access", lambda **kwargs: logged.append(kwargs))
    client.force_login(users["mkt"])
    response = client.get(reverse("customers:export"), {"region": "上海", "q": "科技"})
    workbook = load_workbook(io.BytesIO(response.getvalue()))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("档案编号", "客户名称", "等级")
    # marketing staff may not open A-grade archives (六.3: managers and above), so they are not exported either
    exportable = [c.name for c in seeded if c.region == "上海" and c.grade != "A"]
    assert "上海第9科技有限公司" not in exportable and len(exportable) == 4
    assert sorted(r[1] for r in rows[1:]) == sorted(exportable)
    assert isinstance(rows[1][11], dt.datetime)  # a real date cell
    assert logged[0]["action"] == "export" and logged[0]["rows"] == 4 and logged[0]["query"] == "科技"


def test_staff_export_is_capped(client, users, seeded, settings):
    settings.KEHU = {**settings.KEHU, "EXPORT_ROW_CAP_STAFF": 3}
    client.force_login(users["mkt"])
    rows = list(load_workbook(io.BytesIO(client.get(reverse("customers:export")).getvalue())).active.iter_rows())
    assert len(rows) == 4
    client.force_login(users["mkt_mgr"])  # a manager (uncapped) who may open every grade
    rows = list(load_workbook(io.BytesIO(client.get(reverse("customers:export")).getvalue())).active.iter_rows())
    assert len(rows) == 13


def test_relationship_card_is_printable(client, users, seeded):
    client.force_login(users["mkt_mgr"])
    body = client.get(reverse("customers:card", args=[seeded[0].pk])).content.decode()
    assert "客户关系卡" in body and "data-print" in body and "联系人0" in body and "card.css" in body


def test_documents_upload_and_permission_checked_download(client, users, make_customer):
    customer = make_customer()
    client.force_login(users["mkt"])
    url = reverse("customers:document_add", args=[customer.pk])
    for content in (b"first", b"second"):
        client.post(url, {"title": "营业执照", "file": SimpleUploadedFile("licence.pdf", content)})
    version = customer.documents.get().versions.get(number=1)
    download = client.get(reverse("customers:document_download", args=[version.pk]))
    assert b"".join(download.streaming_content) == b"first"
    client.force_login(users["tech"])  # another department: no archive view without a grant (六.4)
    assert client.get(reverse("customers:document_download", args=[version.pk])).status_code == 404
    empty = client.post(url, {"title": "", "file": SimpleUploadedFile("x.pdf", b"x")})
    assert empty.status_code == 404


def test_transaction_and_contact_forms_validate(client, users, make_customer):
    customer = make_customer()
    client.force_login(users["mkt"])
    bad = client.post(
        reverse("customers:transaction_add", args=[customer.pk]), {"occurred_on": "昨天", "amount": "很多"}
    )
    assert bad.status_code == 400 and 'data-testid="error-amount"' in bad.content.decode()
    good = client.post(
        reverse("customers:transaction_add", args=[customer.pk]),
        {"occurred_on": "2026-01-02", "amount": "100", "quantity": 1},
    )
    assert good.status_code == 302 and customer.transactions.count() == 1
    bad_contact = client.post(reverse("customers:contact_add", args=[customer.pk]), {"name": "", "email": "x"})
    assert bad_contact.status_code == 400 and 'data-testid="error-name"' in bad_contact.content.decode()


def test_archive_and_merge_from_the_detail_page(client, users, make_customer):
    keep = make_customer("上海天讯科技有限公司")
    merge = make_customer("上海天讯科技公司")
    client.force_login(users["mkt"])
    client.post(reverse("customers:merge", args=[keep.pk]), {"merge_archive_no": merge.archive_no})
    merge.refresh_from_db()
    assert merge.is_archived
    missing = client.post(reverse("customers:merge", args=[keep.pk]), {"merge_archive_no": "KH-0"})
    assert "找不到该档案编号" in missing.content.decode()
    client.post(reverse("customers:archive", args=[keep.pk]), {"note": "停业"})
    keep.refresh_from_db()
    assert keep.is_archived and keep.archive_note == "停业"
    listed = client.get(reverse("customers:list")).context["customers"]
    assert keep not in listed
    assert keep in client.get(reverse("customers:list"), {"archived": "1"}).context["customers"]


def test_late_updates_page(client, users, make_customer):
    from django.utils import timezone

    customer = make_customer()
    services.customer_update(
        actor=users["mkt"], customer=customer, version=None, learned_at=timezone.now() - dt.timedelta(days=3)
    )
    client.force_login(users["mkt_mgr"])
    body = client.get(reverse("customers:late_updates")).content.decode()
    assert "违规" in body and 'data-testid="late-stats"' in body


def test_pages_render_in_english(client, users, seeded):
    client.force_login(users["mkt_mgr"])
    client.cookies["django_language"] = "en"
    customer = seeded[0]
    pages = {
        reverse("customers:list"): ["Customer archive", "Export Excel", "Active customers"],
        reverse("customers:create"): ["New customer", "Basic data", "Save"],
        reverse("customers:detail", args=[customer.pk]): ["Key people", "Company profile", "Relationship with us"],
        reverse("customers:detail", args=[customer.pk]) + "?tab=history": ["Change history"],
        reverse("customers:card", args=[customer.pk]): ["Customer relationship card", "Print"],
        reverse("customers:grading"): ["Grading proposals"],
        reverse("customers:import"): ["Import customers from Excel"],
        reverse("customers:late_updates"): ["Late archive updates"],
    }
    for url, phrases in pages.items():
        body = client.get(url).content.decode()
        for phrase in phrases:
            assert phrase in body, (url, phrase)
    with translation.override("en"):
        assert str(Customer._meta.get_field("registered_capital").verbose_name) == "Registered capital (CNY)"


def test_manager_flags_stale_customers_for_review(client, users, make_customer):
    from django.utils import timezone

    stale = make_customer("旧客户有限公司")
    Customer.objects.filter(pk=stale.pk).update(created_at=timezone.now() - dt.timedelta(days=1000))
    make_customer("新客户有限公司")
    client.force_login(users["mkt"])
    assert client.post(reverse("customers:flag_stale")).status_code == 403
    client.force_login(users["sales_mgr"])
    response = client.post(reverse("customers:flag_stale"), follow=True)
    assert [c.name for c in response.context["customers"]] == ["旧客户有限公司"]
    assert "已标记 1 个" in response.content.decode()


def test_an_edit_without_the_hidden_version_is_refused(client, users, make_customer):
    """Without the version no conflict can be detected: the UI insists on it like the API."""
    customer = make_customer(region="上海")
    form = {"name": customer.name, "industry_standing": "other", "nature": "private", "deal_probability": 50}
    client.force_login(users["mkt"])
    refused = client.post(reverse("customers:edit", args=[customer.pk]), {**form, "region": "江苏"})
    assert refused.status_code in (200, 400) and "缺少版本号" in refused.content.decode()
    assert Customer.objects.get(pk=customer.pk).region == "上海"
    contact = customer.contacts.create(name="李工")
    response = client.post(reverse("customers:contact_edit", args=[customer.pk, contact.pk]), {"name": "王工"})
    assert "缺少版本号" in response.content.decode()
    contact.refresh_from_db()
    assert contact.name == "李工"


def test_list_rows_escape_what_users_typed_and_show_badges_and_checkboxes(client, users, make_customer):
    """The rows are built in Python (customer_rows): names are escaped, badges and the batch
    checkbox appear where the template showed them, the labels in the user's language."""
    hostile = make_customer('<script>alert("x")</script>&公司', region="<b>北京</b>", owner="mkt")
    Customer.objects.filter(pk=hostile.pk).update(is_archived=True, needs_review=True)
    client.force_login(users["mkt_mgr"])
    html = client.get(reverse("customers:list"), {"archived": "all"}).content.decode()
    assert '<script>alert("x")</script>' not in html and "<b>北京</b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;公司" in html and "&lt;b&gt;北京&lt;/b&gt;" in html
    row = html[html.index(f'href="/customers/{hostile.pk}/"') :].split("</tr>")[0]
    assert "已归档" in row and "待清理复核" in row
    assert f'name="ids" value="{hostile.pk}"' in html  # the manager may transfer it
    client.cookies["django_language"] = "en"
    english = client.get(reverse("customers:list"), {"archived": "all"}).content.decode()
    row = english[english.index(f'href="/customers/{hostile.pk}/"') :].split("</tr>")[0]
    assert "Archived" in row and "Flagged for review" in row and "已归档" not in row


def test_owner_names_on_the_list_follow_a_renamed_user(client, users, make_customer):
    """The list names owners from a per-process table of user names (no join): saving a user makes
    the next page read it afresh, in the UI and the API alike."""
    from rest_framework.test import APIClient

    customer = make_customer("宁波港联物流有限公司", owner="sales2")
    client.force_login(users["mkt_mgr"])
    api = APIClient()
    api.force_authenticate(users["mkt_mgr"])
    before = str(users["sales2"])
    assert before in client.get(reverse("customers:list")).content.decode()
    assert api.get("/api/customers/").json()["results"][0]["owner_name"] == before
    users["sales2"].last_name, users["sales2"].first_name = "欧阳", "改名"
    users["sales2"].save()
    html = client.get(reverse("customers:list")).content.decode()
    row = html[html.index(f'href="/customers/{customer.pk}/"') :].split("</tr>")[0]
    assert "欧阳改名" in row and before not in row
    assert api.get("/api/customers/").json()["results"][0]["owner_name"] == "欧阳改名"
