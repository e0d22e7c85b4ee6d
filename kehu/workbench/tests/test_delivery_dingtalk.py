"""Workflow messages as DingTalk work notifications (钉钉工作通知) for those who asked (issue 11): the same
task as the e-mail and WeCom, through messaging's DingTalk application channel (gettoken with the app key
and secret, then the corp conversation message with agent_id and userid_list), played by messaging's
local HTTP server (FakeProvider), imported rather than copied. Refusals and timeouts are logged, never
with the app secret."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from kehu.access.services.requests import notify
from kehu.messaging.channels import SendError
from kehu.messaging.tests.conftest import FakeProvider, provider  # noqa: F401  (provider: a fixture)
from kehu.servicedesk import services as desk
from kehu.workbench.delivery import send_for
from kehu.workbench.models import DeliveryPreference

pytestmark = pytest.mark.django_db
SECRET = "dt-app-secret-42"
SEND_PATH = "/topapi/message/corpconversation/asyncsend_v2"


def _configure(settings: Any, base: str, **more: Any) -> None:
    settings.KEHU_MESSAGING = {
        **settings.KEHU_MESSAGING,
        "PUBLIC_URL": "https://kehu.example",
        "DINGTALK_APP": {"API_BASE": base, "APP_KEY": "dingkey1", "APP_SECRET": SECRET, "AGENT_ID": 2001},
        **more,
    }


@pytest.fixture
def dingtalk(provider: FakeProvider, settings: Any) -> FakeProvider:  # noqa: F811
    _configure(settings, provider.url)
    return provider


def _secret_logged(caplog: Any) -> bool:
    return any(SECRET in record.getMessage() for record in caplog.records)


def test_a_user_who_asked_gets_the_message_as_a_dingtalk_work_notification(
    users: Any, make_customer: Any, client: Any, dingtalk: FakeProvider, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(users["tech"])
    page = client.get(reverse("workbench:messages")).content.decode()
    assert 'data-testid="delivery-dingtalk"' in page and 'data-testid="delivery-dingtalk-userid"' in page
    response = client.post(
        reverse("workbench:delivery_preference"), {"delivery": "1", "dingtalk": "on", "dingtalk_userid": "zhangwei01"}
    )
    assert response.status_code == 302
    preference = DeliveryPreference.objects.get(user=users["tech"])
    assert preference.dingtalk and preference.dingtalk_userid == "zhangwei01"
    assert not preference.email and not preference.wecom
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for owner in ("tech", "sales2"):  # sales2 keeps messages in the app only
            demand = desk.demand_create(actor=users["cs"], customer=make_customer(f"{owner}机械"), description="需求")
            desk.transition("demand", actor=users["cs"], record=demand, name="assign", data={"owner": users[owner]})
    token = [r for r in dingtalk.requests if r["method"] == "GET"]
    assert len(token) == 1 and token[0]["path"].startswith("/gettoken?appkey=dingkey1&appsecret=")
    sends = dingtalk.posts
    assert len(sends) == 1 and sends[0]["path"] == f"{SEND_PATH}?access_token=TOKEN-1"
    body = sends[0]["json"]
    assert body["agent_id"] == 2001 and body["userid_list"] == "zhangwei01"
    assert body["msg"]["msgtype"] == "text"
    content = body["msg"]["text"]["content"]
    assert "已指派给您" in content and "https://kehu.example/service/demands/" in content
    assert "钉钉" in content  # says why it came
    assert mail.outbox == []  # DingTalk only: no mail


def test_email_wecom_and_dingtalk_together_one_task_every_channel(
    users: Any, dingtalk: FakeProvider, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _configure(
        settings, dingtalk.url, WECOM_APP={"API_BASE": dingtalk.url, "CORP_ID": "ww1", "SECRET": "S", "AGENT_ID": 7}
    )
    DeliveryPreference.objects.create(
        user=users["cs"], email=True, wecom=True, wecom_userid="LiuYang", dingtalk=True, dingtalk_userid="liuyang"
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=users["cs"], message="方案已批准", url="/service/complaints/1/")
    assert [m.to for m in mail.outbox] == [["cs@kehu.example"]]
    assert [r["json"].get("touser") or r["json"].get("userid_list") for r in dingtalk.posts] == ["LiuYang", "liuyang"]


def test_a_dingtalk_refusal_is_logged_without_the_secret_and_does_not_stop_the_mail(
    users: Any, dingtalk: FakeProvider, caplog: Any, django_capture_on_commit_callbacks: Any
) -> None:
    DeliveryPreference.objects.create(user=users["cs"], email=True, dingtalk=True, dingtalk_userid="nobody")
    dingtalk.answer = {"errcode": 33012, "errmsg": "无效的userid"}  # a permanent refusal
    mail.outbox.clear()
    caplog.set_level(logging.WARNING)
    with django_capture_on_commit_callbacks(execute=True):
        note = notify(user=users["cs"], message="方案已退回")
    assert len(mail.outbox) == 1
    assert send_for(note.pk) == 1  # the mail again; DingTalk refused, logged, not raised
    warnings = [r.getMessage() for r in caplog.records if "dingtalk_app" in r.getMessage()]
    assert warnings and "33012" in warnings[0]
    assert not _secret_logged(caplog)


def test_a_busy_dingtalk_is_raised_for_a_retry_when_nothing_went_out(users: Any, dingtalk: FakeProvider) -> None:
    DeliveryPreference.objects.create(user=users["cs"], dingtalk=True, dingtalk_userid="liuyang")
    note = notify(user=users["cs"], message="稍后重试")
    dingtalk.answer = {"errcode": -1, "errmsg": "系统繁忙"}
    with pytest.raises(SendError):
        send_for(note.pk)
    DeliveryPreference.objects.filter(user=users["cs"]).update(dingtalk=False)
    assert send_for(note.pk) == 0  # opted out since: nothing to send


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A server that accepts connections and never answers: the channel must give up after its timeout."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()


def test_a_dingtalk_that_does_not_answer_times_out_is_logged_without_the_secret_and_retried(
    users: Any, settings: Any, silent_server: str, caplog: Any
) -> None:
    _configure(settings, silent_server, HTTP_TIMEOUT=0.5)
    DeliveryPreference.objects.create(user=users["cs"], dingtalk=True, dingtalk_userid="liuyang")
    note = notify(user=users["cs"], message="超时")
    caplog.set_level(logging.WARNING)
    with pytest.raises(SendError) as raised:
        send_for(note.pk)
    assert not raised.value.permanent and SECRET not in raised.value.reason
    assert any("dingtalk_app" in r.getMessage() for r in caplog.records)
    assert not _secret_logged(caplog)


def test_bad_dingtalk_preferences_are_400s_and_change_nothing(users: Any, client: Any, settings: Any) -> None:
    client.force_login(users["cs"])
    url = reverse("workbench:delivery_preference")
    settings.KEHU_MESSAGING = {**settings.KEHU_MESSAGING, "DINGTALK_APP": {"APP_KEY": "", "AGENT_ID": 0}}
    page = client.get(reverse("workbench:messages")).content.decode()
    assert 'disabled data-testid="delivery-dingtalk"' in page and 'data-testid="delivery-dingtalk-userid"' not in page
    refused = client.post(url, {"delivery": "1", "dingtalk": "on", "dingtalk_userid": "liuyang"})
    assert refused.status_code == 400 and "未配置钉钉应用" in refused.content.decode()
    _configure(settings, "http://127.0.0.1:9")
    no_id = client.post(url, {"delivery": "1", "dingtalk": "on"})
    assert no_id.status_code == 400 and "请填写您的钉钉账号" in no_id.content.decode()
    for bad in ("刘洋", "a b", "x" * 65, "<script>"):
        response = client.post(url, {"delivery": "1", "dingtalk": "on", "dingtalk_userid": bad})
        assert response.status_code == 400 and "钉钉账号只能包含" in response.content.decode(), bad
    assert not DeliveryPreference.objects.filter(user=users["cs"]).exists()


def test_saving_while_dingtalk_is_not_configured_keeps_the_user_id(users: Any, client: Any, settings: Any) -> None:
    DeliveryPreference.objects.create(user=users["cs"], dingtalk=True, dingtalk_userid="liuyang")
    settings.KEHU_MESSAGING = {**settings.KEHU_MESSAGING, "DINGTALK_APP": {"APP_KEY": ""}}
    client.force_login(users["cs"])
    assert client.post(reverse("workbench:delivery_preference"), {"delivery": "1", "email": "on"}).status_code == 302
    preference = DeliveryPreference.objects.get(user=users["cs"])
    assert preference.email and not preference.dingtalk and preference.dingtalk_userid == "liuyang"
