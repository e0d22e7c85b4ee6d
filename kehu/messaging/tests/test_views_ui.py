"""The staff pages of messaging: the delivery log of every outbound message and a customer's
contact preferences with a staff-recorded opt-out (read through restrict(), written through
consent_record, the rules of the API)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kehu.customers import services as customer_services
from kehu.messaging.models import ConsentRecord, Delivery
from kehu.messaging.services import consent_record, delivery_attempt, message_send

pytestmark = pytest.mark.django_db


@pytest.fixture
def b_and_a(users):  # type: ignore[no-untyped-def]
    """A B-grade customer (marketing, cs may open it) and an A-grade one (only managers and up)."""
    made = {}
    for grade in ("B", "A"):
        customer = customer_services.customer_create(
            actor=users["mkt_mgr"], owner=users["sales2"], name=f"{grade}级测试有限公司", grade=grade
        )
        contact = customer_services.contact_create(
            actor=users["mkt_mgr"], customer=customer, name=f"{grade}联系人", email=f"{grade.lower()}@demo.example"
        )
        made[grade] = (customer, contact)
    return made


def queue(users, contact, **extra):  # type: ignore[no-untyped-def]
    fields = {"actor": users["mkt_mgr"], "channel": "email", "to": contact.email, "body": "您好", "topic": "news"}
    return message_send(contact=contact, **{**fields, **extra})


def test_the_delivery_log_filters_and_is_scoped(client, users, b_and_a, clock):
    (_b, b_contact), (_a, a_contact) = b_and_a["B"], b_and_a["A"]
    sent = delivery_attempt(queue(users, b_contact, subject="已发出的").pk, now=clock.at)
    assert sent.status == "sent"
    queue(users, b_contact, channel="sms", to="13800000000", subject="排队的")
    queue(users, a_contact, subject="A级的")
    client.force_login(users["mkt"])
    page = client.get(reverse("messaging:deliveries")).content.decode()
    assert page.count('data-testid="delivery-row"') == 2  # mkt (staff) may not open the A-grade archive
    assert "A级测试有限公司" not in page
    only_sms = client.get(reverse("messaging:deliveries"), {"channel": "sms"}).content.decode()
    assert only_sms.count('data-testid="delivery-row"') == 1 and "13800000000" in only_sms
    only_sent = client.get(reverse("messaging:deliveries"), {"status": "sent"}).content.decode()
    assert only_sent.count('data-testid="delivery-row"') == 1 and "b@demo.example" in only_sent
    client.force_login(users["mkt_mgr"])
    assert client.get(reverse("messaging:deliveries")).content.decode().count('data-testid="delivery-row"') == 3
    client.force_login(users["tech"])  # tech may open neither archive
    assert 'data-testid="delivery-row"' not in client.get(reverse("messaging:deliveries")).content.decode()


def test_bad_filters_are_a_400(client, users):
    client.force_login(users["mkt"])
    for query in ({"channel": "pigeon"}, {"status": "lost"}, {"before": "x"}, {"before": str(2**70)}):
        response = client.get(reverse("messaging:deliveries"), query)
        assert response.status_code == 400, query
        assert 'data-testid="bad-input"' in response.content.decode()


def test_the_delivery_log_pages_by_keyset(client, users, b_and_a, django_assert_max_num_queries):
    _b, contact = b_and_a["B"]
    for i in range(60):
        queue(users, contact, subject=f"第{i}条")
    client.force_login(users["mkt"])
    client.get(reverse("messaging:deliveries"))
    with django_assert_max_num_queries(5):
        first = client.get(reverse("messaging:deliveries"))
    html = first.content.decode()
    assert html.count('data-testid="delivery-row"') == 50 and "before=" in html
    last_shown = Delivery.objects.unscoped("test").order_by("-id")[49].pk
    second = client.get(reverse("messaging:deliveries"), {"before": last_shown}).content.decode()
    assert second.count('data-testid="delivery-row"') == 10


def test_consents_page_shows_state_and_evidence(client, users, b_and_a, django_assert_max_num_queries):
    customer, contact = b_and_a["B"]
    consent_record(
        actor=users["mkt"],
        contact=contact,
        topic="events",
        granted=True,
        explicit=True,
        evidence_channel="纸质表格",
        evidence_text="同意接收活动邀请",
    )
    client.force_login(users["cs"])  # cs may open B archives (read-only)
    client.get(reverse("messaging:consents", args=[customer.pk]))
    with django_assert_max_num_queries(9):
        page = client.get(reverse("messaging:consents", args=[customer.pk])).content.decode()
    assert "同意接收活动邀请" in page and "纸质表格" in page and "明确同意" in page
    assert 'data-testid="opt-out-form"' not in page  # cs may not edit the archive


def test_marketing_records_an_opt_out(client, users, b_and_a):
    customer, contact = b_and_a["B"]
    client.force_login(users["mkt"])
    response = client.post(
        reverse("messaging:consent-opt-out", args=[customer.pk]),
        {"contact": contact.pk, "topic": "promotions", "evidence_channel": "电话", "evidence_text": "不要再发促销"},
    )
    assert response.status_code == 302
    record = ConsentRecord.objects.unscoped("test").get()
    assert (record.contact, record.topic, record.granted, record.recorded_by) == (
        contact,
        "promotions",
        False,
        users["mkt"],
    )
    page = client.get(reverse("messaging:consents", args=[customer.pk])).content.decode()
    assert "已退订" in page and "不要再发促销" in page
    bad = client.post(reverse("messaging:consent-opt-out", args=[customer.pk]), {"contact": contact.pk, "topic": "x"})
    assert bad.status_code == 400 and ConsentRecord.objects.unscoped("test").count() == 1


@pytest.mark.parametrize("name", ["cs", "tech", "sales"])
def test_others_cannot_record_an_opt_out(client, users, b_and_a, name):
    customer, contact = b_and_a["B"]
    client.force_login(users[name])
    response = client.post(
        reverse("messaging:consent-opt-out", args=[customer.pk]),
        {"contact": contact.pk, "topic": "all", "evidence_channel": "电话"},
    )
    assert response.status_code == 404
    assert not ConsentRecord.objects.unscoped("test").exists()
    if name != "cs":  # tech and sales (not the owner's team) may not open the archive at all
        assert client.get(reverse("messaging:consents", args=[customer.pk])).status_code == 404


def test_an_a_grade_customer_is_hidden_from_marketing_staff(client, users, b_and_a):
    customer, _contact = b_and_a["A"]
    client.force_login(users["mkt"])
    assert client.get(reverse("messaging:consents", args=[customer.pk])).status_code == 404
    client.force_login(users["mkt_mgr"])
    assert client.get(reverse("messaging:consents", args=[customer.pk])).status_code == 200
