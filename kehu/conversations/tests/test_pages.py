from __future__ import annotations

from typing import Any

from django.test import Client

from kehu.conversations import services


def _client(users: dict[str, Any], username: str) -> Client:
    client = Client()
    client.force_login(users[username])
    return client


def test_inbox_and_detail_pages_with_pinned_query_counts(
    users: dict[str, Any], customer: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(12):
        services.inbound_receive(channel="sms", handle=f"1380000{i:04d}", body=f"问题 {i}")
    services.inbound_receive(channel="sms", handle="021-55550000", body="设备报错")
    client = _client(users, "cs")
    with django_assert_max_num_queries(14):
        page = client.get("/conversations/")
    assert page.status_code == 200 and page.content.decode().count('data-testid="conversation-row"') == 13
    with django_assert_max_num_queries(14):
        partial = client.get("/conversations/?state=active&channel=sms", HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    pk = services.inbound_receive(channel="sms", handle="021-55550000", body="还在吗").conversation_id
    with django_assert_max_num_queries(16):
        detail = client.get(f"/conversations/{pk}/")
    assert "还在吗" in detail.content.decode() and "上海天讯科技有限公司" in detail.content.decode()
    for bad in ("?state=nonsense", "?channel=fax"):
        assert client.get("/conversations/" + bad).status_code == 400


def test_reply_link_convert_and_close_from_the_page(users: dict[str, Any], customer: Any) -> None:
    pk = services.inbound_receive(channel="wecom", handle="visitor-9", body="想了解报价").conversation_id
    client = _client(users, "cs")
    assert client.post(f"/conversations/{pk}/reply/", {"body": "   "}, HTTP_HX_REQUEST="true").status_code == 400
    assert client.post(f"/conversations/{pk}/reply/", {"body": "请问贵公司名称？"}).status_code == 302
    found = client.get(f"/conversations/{pk}/customers/", {"q": "天讯"})
    assert "上海天讯科技有限公司" in found.content.decode()
    assert client.post(f"/conversations/{pk}/link/", {"customer": customer.pk}).status_code == 302
    assert client.post(f"/conversations/{pk}/convert/", {"kind": "consultation"}).status_code == 302
    detail = client.get(f"/conversations/{pk}/").content.decode()
    assert "已结束" in detail and "咨询" in detail
    # someone outside the service desk never sees an unmatched conversation
    other = services.inbound_receive(channel="wecom", handle="stranger", body="你好").conversation_id
    assert _client(users, "sales").get(f"/conversations/{other}/").status_code == 404


def test_calls_page_and_csv_upload(users: dict[str, Any], customer: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = _client(users, "cs")
    csv = b"caller,rang_at,ended_at\n021-55550000,2026-11-30 09:00,2026-11-30 09:00:40\n"
    response = client.post("/conversations/calls/import/", {"file": SimpleUploadedFile("cdr.csv", csv, "text/csv")})
    assert response.status_code == 302
    page = client.get("/conversations/calls/?callback=pending").content.decode()
    assert "上海天讯科技有限公司" in page and "已回拨" in page
    assert client.get("/conversations/calls/?callback=x").status_code == 400
    assert client.get("/conversations/stats/?period=2026-11").status_code == 200
    assert client.get("/conversations/stats/?period=11-2026").status_code == 400


def test_a_human_answer_becomes_a_draft_article_in_one_click(users: dict[str, Any], customer: Any) -> None:
    from kehu.knowledge.models import Article

    pk = services.inbound_receive(channel="sms", handle="021-55550000", body="控制器 E42 报错怎么办").conversation_id
    client = _client(users, "cs")
    assert client.post(f"/conversations/{pk}/to-article/").status_code == 302  # no answer yet: refused
    assert not Article.objects.exists()
    client.post(f"/conversations/{pk}/reply/", {"body": "请把固件升级到 2.3 版，重启后即可。"})
    response = client.post(f"/conversations/{pk}/to-article/")
    article = Article.objects.get()
    assert response["Location"] == f"/kb/{article.pk}/edit/"
    assert article.status == "draft" and article.title == "控制器 E42 报错怎么办" and "固件" in article.body


def test_an_on_site_visit_through_the_api(api_for: Any, customer: Any) -> None:
    response = api_for("cs").post(
        "/api/conversations/",
        {"channel": "on_site", "body": "客户到前台咨询续约", "customer": customer.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["first_response_at"] is not None and response.json()["customer"] == customer.pk
    missing = api_for("cs").post("/api/conversations/", {"channel": "on_site", "body": "无客户"}, format="json")
    assert missing.status_code == 400
