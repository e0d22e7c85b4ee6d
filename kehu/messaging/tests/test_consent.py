"""Consent per contact and topic: nothing goes out without the consent its topic needs, a
withdrawal stops what still waits, quiet hours and caps hold, and the unsubscribe link works
for a person without an account (zh-Hans and English)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from kehu.messaging.models import ConsentRecord, Delivery
from kehu.messaging.services import consent_record, delivery_attempt, message_send, unsubscribe_token

from .conftest import SHANGHAI

pytestmark = pytest.mark.django_db


def queue(users, contact, **kwargs):  # type: ignore[no-untyped-def]
    fields = {
        "actor": users["mkt_mgr"],
        "channel": "email",
        "to": contact.email,
        "subject": "年度客户大会邀请",
        "body": "诚邀您参加。",
        "topic": "events",
        "contact": contact,
    }
    return message_send(**{**fields, **kwargs})


def attempt(delivery, clock):  # type: ignore[no-untyped-def]
    return delivery_attempt(delivery.pk, now=clock.at)


def test_a_topic_opt_out_stops_that_topic_only(clock, customer_with_contact, users, smtp_server):
    _customer, contact = customer_with_contact
    consent_record(actor=users["sales"], contact=contact, topic="promotions", granted=False, evidence_channel="phone")
    promo = attempt(queue(users, contact, topic="promotions"), clock)
    event = attempt(queue(users, contact), clock)
    assert promo.status == "suppressed" and promo.reason == "已退订该主题"
    assert event.status == "sent"
    assert len(smtp_server.messages) == 1


def test_the_global_do_not_contact_stops_marketing_but_not_service_messages(
    clock, customer_with_contact, users, smtp_server
):
    _customer, contact = customer_with_contact
    consent_record(actor=users["sales"], contact=contact, topic="all", granted=False, evidence_channel="phone")
    assert attempt(queue(users, contact, topic="care"), clock).status == "suppressed"
    assert attempt(queue(users, contact, topic="news"), clock).reason == "全局拒绝联系"
    assert attempt(queue(users, contact, topic="service"), clock).status == "sent"


def test_a_global_reconsent_does_not_undo_a_topic_opt_out(clock, customer_with_contact, users, smtp_server):
    _customer, contact = customer_with_contact
    consent_record(actor=users["sales"], contact=contact, topic="promotions", granted=False)
    consent_record(actor=users["sales"], contact=contact, topic="all", granted=True)
    assert attempt(queue(users, contact, topic="promotions"), clock).status == "suppressed"
    assert attempt(queue(users, contact, topic="news"), clock).status == "sent"


def test_marketing_sms_needs_an_explicit_opt_in_with_evidence(clock, customer_with_contact, users, sms_provider):
    _customer, contact = customer_with_contact
    first = attempt(queue(users, contact, channel="sms", to=contact.mobile, topic="promotions"), clock)
    assert first.status == "suppressed" and "明确同意" in first.reason
    assert attempt(queue(users, contact, channel="sms", to=contact.mobile, topic="care"), clock).status == "sent"
    from kehu.core.exceptions import DomainError

    with pytest.raises(DomainError):  # an explicit consent without the text shown is no evidence
        consent_record(actor=users["sales"], contact=contact, topic="promotions", granted=True, explicit=True)
    consent_record(
        actor=users["sales"],
        contact=contact,
        topic="promotions",
        channel="sms",
        granted=True,
        explicit=True,
        evidence_channel="paper form",
        evidence_text="我同意接收促销短信，可随时回复 TD 退订。",
    )
    second = attempt(queue(users, contact, channel="sms", to=contact.mobile, topic="promotions"), clock)
    assert second.status == "sent"
    assert sms_provider.posts[-1]["json"]["template_id"] == "SMS_200"
    assert "/m/u/" in sms_provider.posts[-1]["json"]["params"]["content"]


def test_a_withdrawal_stops_a_message_that_is_still_waiting(clock, customer_with_contact, users, smtp_server):
    _customer, contact = customer_with_contact
    waiting = queue(users, contact)
    consent_record(actor=None, contact=contact, topic="events", granted=False, source="unsubscribe_link")
    assert attempt(waiting, clock).status == "suppressed"
    assert smtp_server.messages == []


def test_quiet_hours_hold_a_message_until_the_window_opens(clock, customer_with_contact, users, smtp_server):
    _customer, contact = customer_with_contact
    clock.at = dt.datetime(2026, 12, 1, 21, 30, tzinfo=SHANGHAI)
    held = attempt(queue(users, contact), clock)
    assert held.status == "queued" and held.next_attempt_at == dt.datetime(2026, 12, 2, 7, 0, tzinfo=SHANGHAI)
    assert "免打扰" in held.reason and smtp_server.messages == []
    clock.at = dt.datetime(2026, 12, 2, 6, 59, tzinfo=SHANGHAI)
    assert attempt(held, clock) is None
    clock.at = dt.datetime(2026, 12, 2, 7, 0, tzinfo=SHANGHAI)
    assert attempt(held, clock).status == "sent"
    # A service message is not held.
    clock.at = dt.datetime(2026, 12, 2, 23, 0, tzinfo=SHANGHAI)
    assert attempt(queue(users, contact, topic="service"), clock).status == "sent"


def test_the_frequency_cap_of_a_topic_holds(clock, customer_with_contact, users, smtp_server):
    _customer, contact = customer_with_contact  # promotions: 2 a week
    results = [attempt(queue(users, contact, topic="promotions"), clock).status for _ in range(3)]
    assert results == ["sent", "sent", "suppressed"]
    clock.advance(days=8)
    assert attempt(queue(users, contact, topic="promotions"), clock).status == "sent"


@pytest.mark.parametrize(
    ("language", "confirm", "done"), [("zh-hans", "确认退订", "已退订"), ("en", "Unsubscribe", "Unsubscribed")]
)
def test_the_unsubscribe_link_works_without_an_account(
    client, clock, customer_with_contact, users, language, confirm, done
):
    _customer, contact = customer_with_contact
    delivery = queue(users, contact)
    url = reverse("messaging:unsubscribe", args=[unsubscribe_token(delivery)])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200 and confirm in page.content.decode()
    assert "wa***@yuanjing.example" in page.content.decode()
    assert not ConsentRecord.objects.unscoped("test").exists()  # a GET (a link scanner) changes nothing
    answer = client.post(url, {"scope": "topic"}, HTTP_ACCEPT_LANGUAGE=language)
    assert answer.status_code == 200 and done in answer.content.decode()
    record = ConsentRecord.objects.unscoped("test").get()
    assert (record.contact, record.topic, record.granted, record.source) == (
        contact,
        "events",
        False,
        "unsubscribe_link",
    )
    assert record.evidence_channel == "email" and record.evidence_text
    later = queue(users, contact)
    assert attempt(later, clock).status == "suppressed"


def test_one_click_unsubscribe_from_everything_and_a_forged_link(client, clock, customer_with_contact, users):
    _customer, contact = customer_with_contact
    delivery = queue(users, contact, topic="news")
    url = reverse("messaging:unsubscribe", args=[unsubscribe_token(delivery)])
    assert client.post(url, {"scope": "all"}).status_code == 200
    assert ConsentRecord.objects.unscoped("test").get().topic == "all"
    forged = client.get(reverse("messaging:unsubscribe", args=[unsubscribe_token(delivery)[:-3] + "xyz"]))
    assert forged.status_code == 404
    assert Delivery.objects.unscoped("test").count() == 1


def test_consents_api_records_evidence_and_is_scoped(api_for, customer_with_contact, users):
    _customer, contact = customer_with_contact
    payload = {
        "contact": contact.pk,
        "topic": "news",
        "channel": "email",
        "granted": True,
        "explicit": True,
        "evidence_channel": "web form",
        "evidence_text": "订阅产品资讯",
    }
    # The owner views the archive but keeping it (consents included) is marketing's: refused, nothing stored.
    refused = api_for("sales").post("/api/consents/", payload, format="json")
    assert refused.status_code == 400 and "contact" in refused.json()
    assert ConsentRecord.objects.unscoped("test").count() == 0
    created = api_for("mkt").post("/api/consents/", payload, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["recorded_by"] == users["mkt"].pk and created.json()["customer"] == contact.customer_id
    listed = api_for("sales").get(f"/api/consents/?contact={contact.pk}").json()["results"]
    assert [r["topic"] for r in listed] == ["news"]
    bad = api_for("mkt").post("/api/consents/", {**payload, "topic": "gossip"}, format="json")
    assert bad.status_code == 400 and "topic" in bad.json()
    assert api_for("sales").get("/api/consents/?contact=x").status_code == 400
    assert ConsentRecord.objects.unscoped("test").count() == 1


def test_api_reads_of_consents_and_deliveries_are_logged(api_for, customer_with_contact, users):
    from kehu.access.models import AccessLog

    _customer, contact = customer_with_contact
    consent_record(actor=users["sales"], contact=contact, topic="news", granted=False)
    queue(users, contact)
    api = api_for("sales")
    assert api.get(f"/api/consents/?contact={contact.pk}").status_code == 200
    assert len(api.get("/api/deliveries/").json()["results"]) == 1
    logged = AccessLog.objects.filter(user=users["sales"], action="api_read")
    assert {row.object_type for row in logged} == {"consents", "deliveries"}
    assert api.get("/api/deliveries/?status=lost").status_code == 400
