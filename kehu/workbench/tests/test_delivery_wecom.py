"""Workflow messages as WeCom application messages for those who asked (issue 11): the same task as
the e-mail, through messaging's WeCom channel (gettoken, then message/send to the user's own member
id), played by messaging's local HTTP server (FakeProvider), imported rather than copied."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from kehu.access.services.requests import notify
from kehu.messaging.tests.conftest import FakeProvider, provider  # noqa: F401  (provider: a fixture)
from kehu.servicedesk import services as desk
from kehu.workbench.delivery import send_for
from kehu.workbench.models import DeliveryPreference

pytestmark = pytest.mark.django_db


@pytest.fixture
def wecom(provider: FakeProvider, settings: Any) -> FakeProvider:  # noqa: F811
    settings.KEHU_MESSAGING = {
        **settings.KEHU_MESSAGING,
        "PUBLIC_URL": "https://kehu.example",
        "WECOM_APP": {"API_BASE": provider.url, "CORP_ID": "ww1", "SECRET": "S", "AGENT_ID": 1000002},
    }
    return provider


def test_a_user_who_asked_gets_the_message_in_wecom_and_others_do_not(
    users: Any, make_customer: Any, client: Any, wecom: FakeProvider, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(users["tech"])
    page = client.get(reverse("workbench:messages")).content.decode()
    assert 'data-testid="delivery-wecom"' in page and 'data-testid="delivery-wecom-userid"' in page
    response = client.post(
        reverse("workbench:delivery_preference"), {"delivery": "1", "wecom": "on", "wecom_userid": "ZhangWei"}
    )
    assert response.status_code == 302
    preference = DeliveryPreference.objects.get(user=users["tech"])
    assert preference.wecom and preference.wecom_userid == "ZhangWei" and not preference.email
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for owner in ("tech", "sales2"):  # sales2 keeps messages in the app only
            demand = desk.demand_create(actor=users["cs"], customer=make_customer(f"{owner}机械"), description="需求")
            desk.transition("demand", actor=users["cs"], record=demand, name="assign", data={"owner": users[owner]})
    sends = [r for r in wecom.posts if r["path"].startswith("/cgi-bin/message/send")]
    assert len(sends) == 1
    assert sends[0]["path"] == "/cgi-bin/message/send?access_token=TOKEN-1"
    body = sends[0]["json"]
    assert body["touser"] == "ZhangWei" and body["agentid"] == 1000002 and body["msgtype"] == "text"
    assert "已指派给您" in body["text"]["content"]
    assert "https://kehu.example/service/demands/" in body["text"]["content"]
    assert "企业微信" in body["text"]["content"]  # says why it came
    assert next(r for r in wecom.requests if r["method"] == "GET")["path"].startswith("/cgi-bin/gettoken?corpid=ww1")
    assert mail.outbox == []  # WeCom only: no mail


def test_email_and_wecom_together_one_task_both_channels(
    users: Any, wecom: FakeProvider, django_capture_on_commit_callbacks: Any
) -> None:
    DeliveryPreference.objects.create(user=users["cs"], email=True, wecom=True, wecom_userid="LiuYang")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=users["cs"], message="方案已批准", url="/service/complaints/1/")
    assert [m.to for m in mail.outbox] == [["cs@kehu.example"]]
    assert [r["json"]["touser"] for r in wecom.posts] == ["LiuYang"]


def test_a_wecom_refusal_is_logged_and_does_not_stop_the_mail(
    users: Any, wecom: FakeProvider, django_capture_on_commit_callbacks: Any
) -> None:
    DeliveryPreference.objects.create(user=users["cs"], email=True, wecom=True, wecom_userid="Nobody")
    wecom.answer = {"errcode": 40003, "errmsg": "invalid userid"}  # a permanent refusal
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        note = notify(user=users["cs"], message="方案已退回")
    assert len(mail.outbox) == 1
    assert send_for(note.pk) == 1  # the mail again; WeCom refused, logged, not raised


def test_a_passing_wecom_failure_is_raised_for_a_retry_when_nothing_went_out(users: Any, wecom: FakeProvider) -> None:
    from kehu.messaging.channels import SendError

    DeliveryPreference.objects.create(user=users["cs"], wecom=True, wecom_userid="LiuYang")
    note = notify(user=users["cs"], message="稍后重试")
    wecom.answer = {"errcode": 45009, "errmsg": "api freq out of limit"}
    with pytest.raises(SendError):
        send_for(note.pk)
    DeliveryPreference.objects.filter(user=users["cs"]).update(wecom=False)
    assert send_for(note.pk) == 0  # opted out since: nothing to send


def test_bad_wecom_preferences_are_400s_and_change_nothing(users: Any, client: Any, settings: Any) -> None:
    client.force_login(users["cs"])
    url = reverse("workbench:delivery_preference")
    settings.KEHU_MESSAGING = {**settings.KEHU_MESSAGING, "WECOM_APP": {"CORP_ID": ""}}
    assert 'disabled data-testid="delivery-wecom"' in client.get(reverse("workbench:messages")).content.decode()
    assert client.post(url, {"delivery": "1", "wecom": "on", "wecom_userid": "LiuYang"}).status_code == 400
    settings.KEHU_MESSAGING = {**settings.KEHU_MESSAGING, "WECOM_APP": {"CORP_ID": "ww1", "API_BASE": "http://x"}}
    assert client.post(url, {"delivery": "1", "wecom": "on"}).status_code == 400  # no member id
    for bad in ("刘洋", "a b", "x" * 65, "<script>"):
        response = client.post(url, {"delivery": "1", "wecom": "on", "wecom_userid": bad})
        assert response.status_code == 400
    assert not DeliveryPreference.objects.filter(user=users["cs"]).exists()


def test_saving_while_wecom_is_not_configured_keeps_the_member_id(users: Any, client: Any, settings: Any) -> None:
    DeliveryPreference.objects.create(user=users["cs"], wecom=True, wecom_userid="LiuYang")
    settings.KEHU_MESSAGING = {**settings.KEHU_MESSAGING, "WECOM_APP": {"CORP_ID": ""}}
    client.force_login(users["cs"])
    page = client.get(reverse("workbench:messages")).content.decode()
    assert 'data-testid="delivery-wecom-userid"' not in page
    assert client.post(reverse("workbench:delivery_preference"), {"delivery": "1", "email": "on"}).status_code == 302
    preference = DeliveryPreference.objects.get(user=users["cs"])
    assert preference.email and not preference.wecom and preference.wecom_userid == "LiuYang"
