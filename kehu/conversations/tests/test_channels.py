from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
from django.utils import timezone

from kehu.conversations import adapters, services
from kehu.conversations.models import Call, Conversation, Identity
from kehu.core.exceptions import DomainError
from kehu.knowledge import services as kb


@pytest.fixture
def articles(users: dict[str, Any]) -> Any:
    return kb.article_create(
        actor=users["cs_lead"], title="退款多久到账", body="退款原路返回，3 到 7 个工作日到账。", status="public"
    )


def test_assistant_answers_then_hands_over_after_two_misses(api_for: Any, articles: Any) -> None:
    api = api_for("cs")
    first = api.post("/api/assistant/ask/", {"question": "退钱要几天到账"}, format="json").json()
    assert first["article"] == articles.pk and first["handed_over"] is False and first["confidence"] >= 0.6
    conversation = first["conversation"]
    miss = api.post(
        "/api/assistant/ask/", {"question": "你们老板是谁", "conversation": conversation}, format="json"
    ).json()
    assert miss["article"] is None and miss["handed_over"] is False
    second = api.post(
        "/api/assistant/ask/", {"question": "明天天气如何", "conversation": conversation}, format="json"
    ).json()
    assert second["handed_over"] is True
    c = Conversation.objects.unscoped("test").get(pk=conversation)
    assert c.state == "waiting" and c.waiting_since is not None and c.due_at is not None
    assert c.messages.count() >= 6  # the transcript goes with it


def test_asking_for_a_person_hands_over_at_once(api_for: Any, db: Any) -> None:
    body = api_for("cs").post("/api/assistant/ask/", {"question": "转人工"}, format="json").json()
    assert body["handed_over"] is True
    assert api_for("cs").post("/api/assistant/ask/", {"question": ""}, format="json").status_code == 400


def test_an_agent_answer_stops_the_clock_and_lands_on_the_customer_timeline(
    api_for: Any, users: dict[str, Any], customer: Any
) -> None:
    message = services.inbound_receive(channel="sms", handle="+86 021 5555 0000", body="设备无法开机")
    conversation = message.conversation
    assert conversation.customer_id == customer.pk  # matched by the number
    response = api_for("cs").post(
        f"/api/conversations/{conversation.pk}/reply/", {"body": "我们马上安排工程师。"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["first_response_at"] is not None
    from kehu.engagement.models import Interaction

    assert (
        Interaction.objects.unscoped("test").filter(customer=customer, subject__contains=f"#{conversation.pk}").exists()
    )


def test_a_reply_citing_an_article_that_does_not_exist_is_refused_and_changes_nothing(
    api_for: Any, users: dict[str, Any], customer: Any
) -> None:
    """Found by the fuzzer: article 0 or an unknown id was a 500 (a CHECK constraint)."""
    conversation = services.inbound_receive(channel="sms", handle="+86 021 5555 0000", body="设备无法开机").conversation
    api = api_for("cs")
    for article in (0, -3, 987654321):
        response = api.post(
            f"/api/conversations/{conversation.pk}/reply/", {"body": "见文章", "article": article}, format="json"
        )
        assert response.status_code == 400, (article, response.content)
    assert conversation.messages.count() == 1  # only the customer's message
    with pytest.raises(DomainError, match="引用的知识库文章不存在"):
        services.conversation_reply(actor=users["cs"], conversation=conversation, body="见文章", article_id=987654321)


def test_unmatched_is_for_the_service_desk_and_linking_teaches_the_address(
    api_for: Any, users: dict[str, Any], customer: Any
) -> None:
    message = services.inbound_receive(channel="wecom", handle="wangjingli", body="你好")
    pk = message.conversation_id
    assert api_for("sales").get(f"/api/conversations/{pk}/").status_code == 404
    assert api_for("cs").get("/api/conversations/?unmatched=1").json()["results"][0]["id"] == pk
    assert (
        api_for("cs").post(f"/api/conversations/{pk}/link/", {"customer": customer.pk}, format="json").status_code
        == 200
    )
    assert Identity.objects.unscoped("test").filter(customer=customer).exists()
    services.conversation_close(actor=users["cs"], conversation=Conversation.objects.unscoped("t").get(pk=pk))
    again = services.inbound_receive(channel="wecom", handle="wangjingli", body="还在吗")
    assert again.conversation_id != pk and again.conversation.customer_id == customer.pk


def test_a_conversation_becomes_a_ticket_in_one_action(api_for: Any, customer: Any) -> None:
    message = services.inbound_receive(channel="email", handle="buyer@tianxun.example", body="控制器报错 E42")
    response = api_for("cs").post(
        f"/api/conversations/{message.conversation_id}/convert/", {"kind": "ticket"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["linked_number"].startswith("WT-")
    again = api_for("cs").post(
        f"/api/conversations/{message.conversation_id}/convert/", {"kind": "complaint"}, format="json"
    )
    assert again.status_code == 400


def test_calls_missed_become_callbacks_and_the_callback_stops_the_clock(
    api_for: Any, users: dict[str, Any], customer: Any
) -> None:
    api = api_for("cs")
    now = timezone.now().replace(microsecond=0)
    ring = api.post(
        "/api/calls/",
        {"caller_number": "021-55550000", "rang_at": now.isoformat(), "agent": "cs", "external_id": "cdr-1"},
        format="json",
    )
    assert ring.status_code == 201, ring.content
    assert ring.json()["customer"] == customer.pk
    pop = api_for("cs")
    from django.test import Client

    client = Client()
    client.force_login(users["cs"])
    assert "上海天讯科技有限公司" in client.get("/conversations/screen-pop/").content.decode()
    ended = api.post(
        "/api/calls/",
        {
            "caller_number": "021-55550000",
            "rang_at": now.isoformat(),
            "ended_at": now.isoformat(),
            "external_id": "cdr-1",
        },
        format="json",
    )
    assert ended.json()["callback"] == "pending" and ended.json()["missed"] is True
    assert Call.objects.unscoped("t").count() == 1
    back = api.post(
        "/api/calls/",
        {
            "caller_number": "02155550000",
            "direction": "outbound",
            "rang_at": now.isoformat(),
            "answered_at": now.isoformat(),
            "agent": "cs",
        },
        format="json",
    )
    assert back.status_code == 201
    call = Call.objects.unscoped("t").get(external_id="cdr-1")
    assert call.callback == "done"
    assert call.conversation.first_response_at is not None
    bad = api.post("/api/calls/", {"caller_number": "1", "rang_at": "yesterday"}, format="json")
    assert bad.status_code == 400
    assert (
        pop.post(
            "/api/calls/",
            {
                "caller_number": "021",
                "rang_at": now.isoformat(),
                "answered_at": (now - timezone.timedelta(minutes=1)).isoformat(),
            },
            format="json",
        ).status_code
        == 400
    )
    assert (
        api_for("sales")
        .post("/api/calls/", {"caller_number": "021", "rang_at": now.isoformat()}, format="json")
        .status_code
        == 403
    )


def test_call_csv_import_is_all_or_nothing(api_for: Any, customer: Any) -> None:
    good = (
        "number,direction,rang_at,answered_at,ended_at,agent,id\n"
        "021-55550000,inbound,2026-11-30 10:00:00,2026-11-30 10:01:00,2026-11-30 10:05:00,cs,a1\n"
        "13800000000,inbound,2026-11-30 11:00:00,,2026-11-30 11:00:30,,a2\n"
    )
    assert api_for("cs").post("/api/calls/import/", {"text": good}, format="json").json() == {"imported": 2}
    assert Call.objects.unscoped("t").filter(callback="pending").count() == 1
    bad = "number,rang_at\n021-1,2026-11-30 10:00\n021-2,not a time\n"
    response = api_for("cs").post("/api/calls/import/", {"text": bad}, format="json")
    assert response.status_code == 400 and "第 3 行" in json.dumps(response.json(), ensure_ascii=False)
    assert Call.objects.unscoped("t").count() == 2


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310  (the local live server)
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.django_db(transaction=True)
def test_sms_and_dingtalk_webhooks_check_signatures_over_real_http(live_server: Any, settings: Any) -> None:
    settings.KEHU = {**settings.KEHU, "CHANNELS": {"SMS_SECRET": "s3cret", "DINGTALK_SECRET": "dt-secret"}}
    body = json.dumps({"from": "13800001111", "text": "请问发票怎么开", "id": "sms-1"}).encode()
    ts = str(int(time.time()))
    good = {
        "X-Kehu-Timestamp": ts,
        "X-Kehu-Signature": adapters.sms_sign("s3cret", ts, body),
        "Content-Type": "application/json",
    }
    assert _post(live_server.url + "/hooks/sms/", body, good)[0] == 200
    assert _post(live_server.url + "/hooks/sms/", body, good)[0] == 200  # the gateway retries: stored once
    assert Conversation.objects.unscoped("t").get().messages.count() == 1
    forged = {**good, "X-Kehu-Signature": "0" * 64}
    assert _post(live_server.url + "/hooks/sms/", body, forged)[0] == 403
    stale_ts = str(int(time.time()) - 3600)
    stale = {**good, "X-Kehu-Timestamp": stale_ts, "X-Kehu-Signature": adapters.sms_sign("s3cret", stale_ts, body)}
    assert _post(live_server.url + "/hooks/sms/", body, stale)[0] == 403
    ms = str(int(time.time() * 1000))
    ding = json.dumps(
        {
            "msgtype": "text",
            "text": {"content": " 设备报错 "},
            "senderStaffId": "u1",
            "senderNick": "王经理",
            "msgId": "d1",
        }
    ).encode()
    sign = base64.b64encode(hmac.new(b"dt-secret", f"{ms}\ndt-secret".encode(), hashlib.sha256).digest()).decode()
    assert _post(live_server.url + "/hooks/dingtalk/", ding, {"timestamp": ms, "sign": sign})[0] == 200
    assert _post(live_server.url + "/hooks/dingtalk/", ding, {"timestamp": ms, "sign": "x"})[0] == 403
    assert Conversation.objects.unscoped("t").filter(channel="dingtalk", visitor_name="王经理").exists()


def test_wecom_callback_verifies_decrypts_and_rejects(client: Any, settings: Any, db: Any) -> None:
    aes = base64.b64encode(b"k" * 32).decode().rstrip("=")
    settings.KEHU = {**settings.KEHU, "CHANNELS": {"WECOM_TOKEN": "tok", "WECOM_AES_KEY": aes, "WECOM_CORP_ID": "ww1"}}
    ts, nonce = str(int(time.time())), "n1"
    echo = adapters.wecom_encrypt(b"echo-123", receive_id="ww1")
    sig = adapters.wecom_signature("tok", ts, nonce, echo)
    response = client.get("/hooks/wecom/", {"msg_signature": sig, "timestamp": ts, "nonce": nonce, "echostr": echo})
    assert response.status_code == 200 and response.content == b"echo-123"
    inner = (
        "<xml><FromUserName>zhangsan</FromUserName><MsgType>text</MsgType>"
        "<Content>你好，设备坏了</Content><MsgId>m1</MsgId></xml>"
    )
    encrypted = adapters.wecom_encrypt(inner.encode(), receive_id="ww1")
    outer = f"<xml><ToUserName>ww1</ToUserName><Encrypt>{encrypted}</Encrypt></xml>"
    sig = adapters.wecom_signature("tok", ts, nonce, encrypted)
    url = f"/hooks/wecom/?msg_signature={sig}&timestamp={ts}&nonce={nonce}"
    assert client.post(url, outer, content_type="text/xml").status_code == 200
    assert Conversation.objects.unscoped("t").get(channel="wecom").messages.get().body == "你好，设备坏了"
    assert client.post(url.replace(sig, "0" * 40), outer, content_type="text/xml").status_code == 403
    assert client.post(url, "<!DOCTYPE x><xml/>", content_type="text/xml").status_code == 400
    other = adapters.wecom_encrypt(inner.encode(), receive_id="someone-else")
    sig2 = adapters.wecom_signature("tok", ts, nonce, other)
    assert (
        client.post(
            f"/hooks/wecom/?msg_signature={sig2}&timestamp={ts}&nonce={nonce}",
            f"<xml><Encrypt>{other}</Encrypt></xml>",
            content_type="text/xml",
        ).status_code
        == 403
    )


def test_widget_script_and_embed_page_frame_only_for_configured_sites(client: Any, settings: Any, db: Any) -> None:
    settings.KEHU = {**settings.KEHU, "CHAT_ORIGINS": ["https://www.example.com"]}
    script = client.get("/chat/widget.js", HTTP_ORIGIN="https://www.example.com")
    assert script.status_code == 200 and script["Access-Control-Allow-Origin"] == "https://www.example.com"
    assert "Access-Control-Allow-Origin" not in client.get("/chat/widget.js", HTTP_ORIGIN="https://evil.example")
    embed = client.get("/chat/embed/")
    assert embed.status_code == 200
    assert "frame-ancestors 'self' https://www.example.com" in embed["Content-Security-Policy"]
    assert "X-Frame-Options" not in embed
    assert client.get("/conversations/").status_code == 302  # the agents' side needs a login
