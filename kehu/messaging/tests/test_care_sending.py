"""Care greetings really go out: queued by the care sweep, sent by the worker to a real SMTP
server inside the sending window, recorded on the care item and the customer's timeline."""

from __future__ import annotations

import datetime as dt
from email import message_from_bytes, policy

import pytest

from kehu.customers import services as customer_services
from kehu.engagement.care import care_plan, care_send_due
from kehu.engagement.models import CareItem, Interaction
from kehu.messaging.models import Delivery
from kehu.messaging.services import consent_record, delivery_attempt

from .conftest import SHANGHAI

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_customers(users):  # type: ignore[no-untyped-def]
    made = []
    for name, email in (("甲公司", "zhao@jia.example"), ("乙公司", "qian@yi.example")):
        customer = customer_services.customer_create(actor=users["sales"], owner=users["sales"], name=name, grade="C")
        contact = customer_services.contact_create(
            actor=users["mkt"], customer=customer, name="联系人", email=email, is_main_contact=True
        )
        made.append((customer, contact))
    return made


def test_festival_greetings_are_sent_and_land_on_the_timeline(
    two_customers, users, smtp_server, clock, django_capture_on_commit_callbacks
):
    care_plan(today=dt.date(2027, 1, 25))
    (first, _first_contact), (second, second_contact) = two_customers
    consent_record(actor=users["sales"], contact=second_contact, topic="care", granted=False)
    clock.at = dt.datetime(2027, 2, 5, 8, 30, tzinfo=SHANGHAI)
    with django_capture_on_commit_callbacks(execute=True):
        assert care_send_due(today=dt.date(2027, 2, 5)) == 2
    assert care_send_due(today=dt.date(2027, 2, 5)) == 0  # a second sweep sends nothing twice
    assert [m.rcpt_tos for m in smtp_server.messages] == [["zhao@jia.example"]]
    mail = message_from_bytes(smtp_server.messages[0].content, policy=policy.default)
    assert mail["Subject"] == "春节快乐" and "甲公司" in mail.get_body().get_content()
    assert "/m/u/" in mail.get_body().get_content()  # care is marketing: it carries the unsubscribe link
    sent = CareItem.objects.unscoped("test").get(customer=first, occasion="春节", action="greeting")
    assert sent.status == "sent" and "#" in sent.record
    refused = Delivery.objects.unscoped("test").get(customer=second)
    assert refused.status == "suppressed" and refused.related.startswith("care_item:")
    assert Interaction.objects.unscoped("test").filter(customer=first, channel="email").count() == 1
    assert not Interaction.objects.unscoped("test").filter(customer=second).exists()


def test_a_greeting_queued_in_the_evening_waits_for_the_morning(
    two_customers, users, smtp_server, clock, django_capture_on_commit_callbacks
):
    care_plan(today=dt.date(2027, 1, 25))
    clock.at = dt.datetime(2027, 2, 4, 22, 0, tzinfo=SHANGHAI)
    with django_capture_on_commit_callbacks(execute=True):
        care_send_due(today=dt.date(2027, 2, 5))
    held = Delivery.objects.unscoped("test").order_by("id")
    assert {d.status for d in held} == {"queued"} and smtp_server.messages == []
    morning = dt.datetime(2027, 2, 5, 7, 0, tzinfo=SHANGHAI)
    assert {d.next_attempt_at for d in held} == {morning}
    with django_capture_on_commit_callbacks(execute=True):
        for delivery in held:
            delivery_attempt(delivery.pk, now=morning)
    assert len(smtp_server.messages) == 2
