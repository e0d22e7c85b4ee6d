"""Every channel really sends: to a real SMTP server, to local HTTP servers that play the SMS
provider, the robots and WeCom; each delivery is logged with its outcome."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import urllib.parse
from email import message_from_bytes, policy

import pytest
from pypdf import PdfReader

from kehu.access.models import Notification
from kehu.core.exceptions import DomainError
from kehu.engagement.models import Interaction
from kehu.messaging.models import Delivery, Robot
from kehu.messaging.services import delivery_attempt, message_send

pytestmark = pytest.mark.django_db


def send(capture, **kwargs):  # type: ignore[no-untyped-def]
    with capture(execute=True):
        delivery = message_send(**kwargs)
    delivery.refresh_from_db()
    return delivery


def test_a_service_mail_arrives_at_the_smtp_server_and_lands_on_the_timeline(
    smtp_server, clock, customer_with_contact, users, django_capture_on_commit_callbacks
):
    customer, contact = customer_with_contact
    delivery = send(
        django_capture_on_commit_callbacks,
        actor=users["cs"],
        channel="email",
        to=contact.email,
        subject="您的投诉已受理",
        body="您好，您的投诉 TS-2026-000001 已受理。",
        topic="service",
        contact=contact,
        related="complaint:1",
    )
    assert delivery.status == "sent" and delivery.attempts == 1
    assert len(smtp_server.messages) == 1
    envelope = smtp_server.messages[0]
    assert envelope.rcpt_tos == ["wang@yuanjing.example"]
    parsed = message_from_bytes(envelope.content, policy=policy.default)
    assert parsed["Subject"] == "您的投诉已受理"
    assert "TS-2026-000001" in parsed.get_body().get_content()
    assert parsed["List-Unsubscribe"] is None  # a service message is no marketing
    interaction = Interaction.objects.unscoped("test").get(customer=customer)
    assert interaction.channel == "email" and interaction.subject == "您的投诉已受理"
    assert interaction.actor == users["cs"]


def test_a_marketing_mail_carries_a_working_unsubscribe_link(
    smtp_server, clock, customer_with_contact, users, django_capture_on_commit_callbacks
):
    _customer, contact = customer_with_contact
    delivery = send(
        django_capture_on_commit_callbacks,
        actor=users["mkt_mgr"],
        channel="email",
        to=contact.email,
        subject="新品发布",
        body="新品上市。退订请点击 {unsubscribe_url}",
        topic="news",
        contact=contact,
    )
    assert delivery.status == "sent"
    parsed = message_from_bytes(smtp_server.messages[0].content, policy=policy.default)
    text = parsed.get_body().get_content()
    assert "{unsubscribe_url}" not in text and "/m/u/" in text
    assert parsed["List-Unsubscribe"].startswith("<http") and parsed["List-Unsubscribe-Post"]


def test_a_refused_address_fails_and_an_unreachable_server_is_retried(
    settings, clock, customer_with_contact, users, django_capture_on_commit_callbacks
):
    from .conftest import free_port

    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2},
        }
    }
    _customer, contact = customer_with_contact
    delivery = send(
        django_capture_on_commit_callbacks,
        actor=None,
        channel="email",
        to=contact.email,
        subject="通知",
        body="正文",
        topic="service",
        contact=contact,
    )
    assert delivery.status == "retrying" and delivery.attempts == 1 and delivery.reason
    assert delivery.next_attempt_at == clock.at + dt.timedelta(minutes=1)
    # Not due yet: nothing happens; due and still down: the next backoff step.
    assert delivery_attempt(delivery.pk, now=clock.at) is None
    clock.advance(minutes=1)
    again = delivery_attempt(delivery.pk, now=clock.at)
    assert again is not None and again.status == "retrying" and again.attempts == 2
    for minutes in (5, 30, 120):
        clock.advance(minutes=minutes)
        again = delivery_attempt(delivery.pk, now=clock.at)
    assert again is not None and again.status == "failed" and again.attempts == 5


def test_bad_input_is_refused_and_nothing_is_stored(users):
    for kwargs in (
        {"channel": "fax", "to": "x", "topic": "service"},
        {"channel": "email", "to": "not-an-address", "topic": "service"},
        {"channel": "sms", "to": "12", "topic": "service"},
        {"channel": "email", "to": "a@b.example", "topic": "gossip"},
        {"channel": "wecom_robot", "to": "nobody", "topic": "internal"},
    ):
        with pytest.raises(DomainError):
            message_send(actor=users["cs"], subject="s", body="b", **kwargs)
    assert Delivery.objects.unscoped("test").count() == 0


def test_sms_goes_to_the_provider_signed_with_the_template_of_its_topic(
    sms_provider, clock, customer_with_contact, users, django_capture_on_commit_callbacks
):
    customer, contact = customer_with_contact
    delivery = send(
        django_capture_on_commit_callbacks,
        actor=users["cs"],
        channel="sms",
        to="138-0013-8000",
        body="您的维修工单已完成。",
        topic="service",
        contact=contact,
    )
    assert delivery.status == "sent" and delivery.provider_ref == "B-1" and delivery.to == "13800138000"
    request = sms_provider.posts[0]
    assert request["path"] == "/sms/send"
    assert request["json"]["template_id"] == "SMS_100" and request["json"]["phone"] == "13800138000"
    assert request["json"]["params"]["content"] == "您的维修工单已完成。"
    headers = {k.lower(): v for k, v in request["headers"].items()}
    body = json.dumps(request["json"], ensure_ascii=False, sort_keys=True)
    expected = hmac.new(b"sms-secret", f"{headers['x-timestamp']}\n{body}".encode(), hashlib.sha256).hexdigest()
    assert headers["x-signature"] == expected and headers["x-access-key"] == "AK1"
    assert Interaction.objects.unscoped("test").get(customer=customer).channel == "sms"


def test_a_provider_refusal_fails_with_its_reason(
    sms_provider, clock, customer_with_contact, users, django_capture_on_commit_callbacks
):
    _customer, contact = customer_with_contact
    sms_provider.answer = {"code": "isv.MOBILE_NUMBER_ILLEGAL", "message": "号码无效"}
    delivery = send(
        django_capture_on_commit_callbacks,
        actor=users["cs"],
        channel="sms",
        to="13800138000",
        body="x",
        topic="service",
        contact=contact,
    )
    assert delivery.status == "failed" and "MOBILE_NUMBER_ILLEGAL" in delivery.reason


def test_a_dingtalk_robot_request_is_signed_with_timestamp_and_hmac(
    provider, clock, users, django_capture_on_commit_callbacks
):
    Robot.objects.create(
        key="cs-group",
        name="客服群",
        kind="dingtalk",
        webhook_url=provider.url + "/robot/send?access_token=T",
        secret="SECabc",
    )
    delivery = send(
        django_capture_on_commit_callbacks,
        actor=users["cs"],
        channel="dingtalk_robot",
        to="cs-group",
        subject="新投诉",
        body="TS-2026-000001 待处理",
        topic="internal",
    )
    assert delivery.status == "sent"
    request = provider.posts[0]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(request["path"]).query)
    timestamp = query["timestamp"][0]
    expected = base64.b64encode(hmac.new(b"SECabc", f"{timestamp}\nSECabc".encode(), hashlib.sha256).digest()).decode()
    assert query["sign"][0] == expected and query["access_token"] == ["T"]
    assert request["json"] == {"msgtype": "text", "text": {"content": "新投诉\nTS-2026-000001 待处理"}}


def test_a_wecom_robot_takes_20_messages_a_minute_and_the_21st_waits(
    provider, clock, users, django_capture_on_commit_callbacks
):
    Robot.objects.create(
        key="sales-group", name="销售群", kind="wecom", webhook_url=provider.url + "/cgi-bin/webhook/send?key=K"
    )
    deliveries = [
        send(
            django_capture_on_commit_callbacks,
            actor=users["cs"],
            channel="wecom_robot",
            to="sales-group",
            body=f"消息 {n}",
            topic="internal",
        )
        for n in range(21)
    ]
    assert [d.status for d in deliveries].count("sent") == 20
    last = deliveries[-1]
    assert last.status == "queued" and last.next_attempt_at == clock.at + dt.timedelta(minutes=1)
    assert len(provider.posts) == 20
    assert provider.posts[0]["json"] == {"msgtype": "text", "text": {"content": "消息 0"}}
    clock.advance(seconds=30)
    assert delivery_attempt(last.pk, now=clock.at) is None  # still waiting its turn
    clock.advance(seconds=30)
    assert delivery_attempt(last.pk, now=clock.at).status == "sent"
    assert provider.posts[-1]["json"]["text"]["content"] == "消息 20"


def test_a_wecom_application_message_gets_a_token_then_sends(
    provider, settings, clock, users, django_capture_on_commit_callbacks
):
    settings.KEHU_MESSAGING = {
        **settings.KEHU_MESSAGING,
        "WECOM_APP": {"API_BASE": provider.url, "CORP_ID": "ww1", "SECRET": "S", "AGENT_ID": 1000002},
    }
    delivery = send(
        django_capture_on_commit_callbacks,
        actor=users["cs"],
        channel="wecom_app",
        to="LiMing",
        body="今日回访 3 项",
        topic="internal",
    )
    assert delivery.status == "sent" and delivery.provider_ref == "M-1"
    token, message = provider.requests
    assert token["path"].startswith("/cgi-bin/gettoken?corpid=ww1")
    assert message["path"] == "/cgi-bin/message/send?access_token=TOKEN-1"
    assert message["json"] == {
        "touser": "LiMing",
        "msgtype": "text",
        "agentid": 1000002,
        "text": {"content": "今日回访 3 项"},
    }


def test_in_app_messages_are_notifications(users, clock, django_capture_on_commit_callbacks):
    delivery = send(
        django_capture_on_commit_callbacks,
        actor=None,
        channel="in_app",
        to=users["sales"],
        subject="回访提醒",
        body="明天有 2 项回访",
        topic="internal",
    )
    assert delivery.status == "sent"
    assert Notification.objects.get(user=users["sales"]).message == "回访提醒"


def test_a_letter_is_a_printable_pdf(clock, customer_with_contact, users, django_capture_on_commit_callbacks, settings):
    from django.core.files.storage import default_storage

    _customer, contact = customer_with_contact
    delivery = send(
        django_capture_on_commit_callbacks,
        actor=users["sales"],
        channel="letter",
        to="杭州市西湖区文三路 100 号 王芳 收",
        subject="新春贺信",
        body="值此新春佳节，恭祝贵公司事业兴旺。",
        topic="care",
        contact=contact,
    )
    assert delivery.status == "sent" and delivery.document.endswith(".pdf")
    with default_storage.open(delivery.document) as pdf:
        text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "新春贺信" in text and "恭祝贵公司事业兴旺" in text
