from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kehu.customers import services as customer_services
from kehu.knowledge import services
from kehu.knowledge.models import Article, UnansweredQuestion


def test_api_creates_drafts_and_only_reviewers_publish(api_for: Any, users: dict[str, Any]) -> None:
    created = api_for("cs").post(
        "/api/kb/articles/", {"title": "如何校准传感器", "body": "先预热十分钟。"}, format="json"
    )
    assert created.status_code == 201 and created.json()["status"] == "draft"
    refused = api_for("cs").post("/api/kb/articles/", {"title": "x", "body": "y", "status": "public"}, format="json")
    assert refused.status_code == 403
    assert Article.objects.count() == 1  # nothing stored
    bad = api_for("cs").post("/api/kb/articles/", {"title": "", "body": "y", "status": "secret"}, format="json")
    assert bad.status_code == 400 and set(bad.json()) >= {"title", "status"}
    pk = created.json()["id"]
    published = api_for("cs_lead").post(f"/api/kb/articles/{pk}/publish/", {"status": "public"}, format="json")
    assert published.status_code == 200 and published.json()["status"] == "public"
    assert (
        api_for("cs_lead")
        .post("/api/kb/articles/", {"title": "t", "body": "b", "status": "internal"}, format="json")
        .status_code
        == 201
    )
    # an edit by a non-reviewer sends a published article back to review
    edited = api_for("cs").patch(f"/api/kb/articles/{pk}/", {"body": "先预热十五分钟。"}, format="json")
    assert edited.json()["status"] == "draft" and edited.json()["version"] == 3
    assert Article.objects.get(pk=pk).versions.count() == 3
    # a body that is not an object is refused with a message and changes nothing
    for body in ([["title", "x"]], [1, 2], "text"):
        refused = api_for("cs").patch(f"/api/kb/articles/{pk}/", body, format="json")
        assert refused.status_code == 400 and "non_field_errors" in refused.json()
    assert Article.objects.get(pk=pk).versions.count() == 3
    # what a salesperson may read: published only
    listed = api_for("sales").get("/api/kb/articles/").json()["results"]
    assert [a["status"] for a in listed] == ["internal"]


def test_one_click_draft_from_a_closed_ticket(api_for: Any, users: dict[str, Any]) -> None:
    from kehu.access.scoping import unguarded
    from kehu.servicedesk import services as desk
    from kehu.servicedesk.models import Ticket

    customer = customer_services.customer_create(
        actor=users["sales2"], owner=users["sales2"], name="天讯科技", grade="B"
    )
    with unguarded():
        ticket = desk.ticket_create(
            actor=users["cs"], customer=customer, title="控制器开机报错 E42", description="开机即报 E42"
        )
    open_draft = api_for("tech").post(
        "/api/kb/articles/draft-from/", {"kind": "ticket", "id": ticket.pk}, format="json"
    )
    assert open_draft.status_code == 400  # not closed yet
    Ticket.objects.filter(pk=ticket.pk).update(state="closed", solution="更新固件到 2.3", root_cause="固件缺陷")
    made = api_for("tech").post("/api/kb/articles/draft-from/", {"kind": "ticket", "id": ticket.pk}, format="json")
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["status"] == "draft" and body["title"] == "控制器开机报错 E42" and "更新固件到 2.3" in body["body"]
    again = api_for("tech").post("/api/kb/articles/draft-from/", {"kind": "ticket", "id": ticket.pk}, format="json")
    assert again.json()["id"] == body["id"]  # one draft per source
    assert (
        api_for("sales")
        .post("/api/kb/articles/draft-from/", {"kind": "ticket", "id": ticket.pk}, format="json")
        .status_code
        == 403
    )


def test_help_page_is_public_and_counts_views_and_helped(users: dict[str, Any], client: Client) -> None:
    public = services.article_create(
        actor=users["cs_lead"], title="退款多久到账", body="3 到 7 个工作日。", status="public"
    )
    internal = services.article_create(actor=users["cs_lead"], title="内部折扣", body="九五折。", status="internal")
    page = client.get("/help/")
    assert (
        page.status_code == 200 and "退款多久到账" in page.content.decode() and "内部折扣" not in page.content.decode()
    )
    assert client.get(f"/help/{internal.pk}/").status_code == 404
    assert client.get(f"/help/{public.pk}/").status_code == 200
    assert "退款多久到账" in client.get("/help/", {"q": "退钱几天到"}).content.decode()
    assert client.post(f"/kb/{public.pk}/feedback/", {"helped": "1"}).status_code == 200
    public.refresh_from_db()
    assert (public.views, public.helped) == (1, 1)


def test_unanswered_questions_become_weekly_drafts(db: Any) -> None:
    for question in ("发票抬头写错了怎么改", "发票抬头错了能重开吗", "能开电子发票吗", "你们周末上班吗"):
        services.unanswered_record(question=question, confidence=0.1, best_article_id=None, conversation_id=None)
    drafts = services.unanswered_group()
    assert all(d.status == "draft" and d.source_kind == "unanswered" for d in drafts)
    assert 2 <= len(drafts) <= 3
    grouped = next(d for d in drafts if "抬头" in d.title)
    assert grouped.questions.count() == 2
    assert services.unanswered_group() == []  # safe to run twice
    assert UnansweredQuestion.objects.filter(draft__isnull=True).count() == 0


@pytest.mark.parametrize("username", ["cs", "tech"])
def test_suggestions_partial_on_case_pages(users: dict[str, Any], username: str, client: Client) -> None:
    services.article_create(actor=users["cs_lead"], title="控制器报错 E42 的处理", body="更新固件。", status="internal")
    client.force_login(users[username])
    response = client.get("/kb/suggest/", {"q": "控制器开机报 E42", "kind": "ticket", "id": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "控制器报错 E42 的处理" in html and "kb-draft-from" in html


def test_attachments_follow_the_article_status(users: dict[str, Any], client: Client) -> None:
    article = services.article_create(actor=users["cs_lead"], title="接线图", body="见附件。", status="internal")
    item = services.article_attach(
        actor=users["cs"], article=article, filename="../接线图.pdf", content=b"%PDF-1.4 test"
    )
    assert item.filename == "接线图.pdf"
    assert client.get(f"/help/files/{item.pk}/").status_code == 404  # internal: not for the public
    client.force_login(users["sales"])
    response = client.get(f"/help/files/{item.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 test"
