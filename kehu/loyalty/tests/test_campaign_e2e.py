"""Done-means of issue 14: a campaign to a segment of 1,000 demo customers. Opted-out contacts get
nothing, quiet hours hold, mail arrives at a real SMTP server, SMS at the provider's server and the
robot's summary at the robot's server; the delivery log and the timeline show them; the
unsubscribe and RSVP links work without an account."""

from __future__ import annotations

import datetime as dt
import re
from email import message_from_bytes, policy

import pytest

from kehu.customers.models import Contact, Customer
from kehu.engagement.models import Interaction
from kehu.loyalty.models import CampaignRecipient
from kehu.messaging.models import ConsentRecord, Delivery, Robot
from kehu.messaging.services import deliveries_due, delivery_attempt
from kehu.messaging.tests.conftest import SHANGHAI

pytestmark = pytest.mark.django_db

N = 1000


def seed(users):  # type: ignore[no-untyped-def]
    owner = users["sales"]
    Customer.objects.bulk_create(
        [
            Customer(
                archive_no=f"KH-T{i:05d}",
                name=f"演示客户{i:04d}有限公司",
                owner=owner,
                grade="ABC"[i % 3],
                region="浙江杭州",
            )
            for i in range(N)
        ]
    )
    customers = list(Customer.objects.unscoped("test").order_by("id"))
    contacts = []
    for i, customer in enumerate(customers):
        sms = i % 10 in (0, 5)
        contacts.append(
            Contact(
                customer=customer,
                name=f"联系人{i}",
                is_main_contact=True,
                email=f"c{i}@demo.example",
                mobile=f"1390000{i:04d}",
                mobile_digits=f"1390000{i:04d}",
                preferred_channel="sms" if sms else "email",
            )
        )
    Contact.objects.bulk_create(contacts)
    people = list(Contact.objects.unscoped("test").order_by("customer_id"))
    consents = []
    for i, person in enumerate(people):
        if i % 10 == 0:  # explicit opt-in to event SMS, with the text they saw
            consents.append(
                ConsentRecord(
                    customer_id=person.customer_id,
                    contact=person,
                    topic="events",
                    channel="sms",
                    granted=True,
                    explicit=True,
                    evidence_text="同意接收活动邀请短信",
                    evidence_channel="paper form",
                )
            )
        if i % 10 == 3:
            consents.append(
                ConsentRecord(customer_id=person.customer_id, contact=person, topic="events", granted=False)
            )
        if i % 10 == 7:
            consents.append(ConsentRecord(customer_id=person.customer_id, contact=person, topic="all", granted=False))
    ConsentRecord.objects.bulk_create(consents)
    return customers, people


def test_a_campaign_to_1000_customers(
    users, api_for, client, smtp_server, sms_provider, clock, django_capture_on_commit_callbacks
):
    provider = sms_provider
    _customers, people = seed(users)
    Robot.objects.create(
        key="mkt", name="市场部群", kind="wecom", webhook_url=provider.url + "/cgi-bin/webhook/send?key=M"
    )
    mkt = api_for("mkt_mgr")
    segment = mkt.post("/api/segments/", {"name": "浙江客户", "filters": {"region": ["浙江"]}}, format="json").json()
    assert segment["count"] == N  # counted before use
    template = mkt.post(
        "/api/campaign-templates/",
        {
            "name": "年度客户服务大会邀请",
            "subject": "诚邀{customer_name}参加年度客户服务大会",
            "body": "{contact_name}您好：诚邀您于 {event_at} 在{location}参加年度客户服务大会。回复：{rsvp_url}",
        },
        format="json",
    ).json()
    campaign = mkt.post(
        "/api/campaigns/",
        {
            "name": "2027 年度客户服务大会",
            "kind": "event",
            "segment": segment["id"],
            "channel": "preferred",
            "template": template["id"],
            "holdout_percent": 10,
            "event_at": "2027-01-15T14:00:00+08:00",
            "location": "杭州国际博览中心",
            "notify_robot": "mkt",
        },
        format="json",
    )
    assert campaign.status_code == 201, campaign.content
    cid = campaign.json()["id"]
    refused = mkt.post(f"/api/campaigns/{cid}/send/")
    assert refused.status_code == 409 and Delivery.objects.unscoped("test").count() == 0  # > 200 people: approval
    assert mkt.post(f"/api/campaigns/{cid}/approve/").status_code == 400  # not by its author
    assert api_for("mkt_dir").post(f"/api/campaigns/{cid}/approve/").json()["audience"] == N

    # Sent in the evening: everything waits for the morning (quiet hours 07:00-19:00).
    clock.at = dt.datetime(2026, 12, 1, 20, 30, tzinfo=SHANGHAI)
    with django_capture_on_commit_callbacks(execute=True):
        assert mkt.post(f"/api/campaigns/{cid}/send/").status_code == 202
    recipients = CampaignRecipient.objects.unscoped("test").filter(campaign_id=cid)
    holdout = set(recipients.filter(group="holdout").values_list("customer_id", flat=True))
    assert recipients.count() == N and 60 <= len(holdout) <= 140
    deliveries = Delivery.objects.unscoped("test").filter(related=f"campaign:{cid}", customer__isnull=False)
    assert deliveries.count() == N - len(holdout)
    assert not deliveries.filter(customer_id__in=holdout).exists()  # the hold-out gets nothing
    # Nothing went out; opted-out people were refused at once, the rest wait for the window.
    assert set(deliveries.values_list("status", flat=True)) == {"queued", "suppressed"}
    assert {d.next_attempt_at for d in deliveries.filter(status="queued")} == {
        dt.datetime(2026, 12, 2, 7, 0, tzinfo=SHANGHAI)
    }
    assert smtp_server.messages == [] and len(provider.posts) == 1  # only the robot's internal summary
    assert "1000" not in provider.posts[0]["json"]["text"]["content"]
    assert f"{N - len(holdout)} 位客户" in provider.posts[0]["json"]["text"]["content"]

    # 07:00: the worker's sweep sends what waited.
    clock.at = dt.datetime(2026, 12, 2, 7, 0, tzinfo=SHANGHAI)
    with django_capture_on_commit_callbacks(execute=True):
        while due := deliveries_due(now=clock.at):
            for delivery_id in due:
                delivery_attempt(delivery_id, now=clock.at)

    index = {p.customer_id: i for i, p in enumerate(people)}
    expected_sent, expected_suppressed = set(), set()
    for d in deliveries:
        i = index[d.customer_id]
        if i % 10 in (3, 7) or (i % 10 == 5):  # opted out, do-not-contact, SMS without explicit opt-in
            expected_suppressed.add(d.pk)
        else:
            expected_sent.add(d.pk)
    by_status = {s: set(deliveries.filter(status=s).values_list("id", flat=True)) for s in ("sent", "suppressed")}
    assert by_status["sent"] == expected_sent and by_status["suppressed"] == expected_suppressed

    mailed = {rcpt for m in smtp_server.messages for rcpt in m.rcpt_tos}
    texted = {p["json"]["phone"] for p in provider.posts if "phone" in p["json"]}
    for i, person in enumerate(people):
        if i % 10 in (3, 7) or person.customer_id in holdout:
            assert person.email not in mailed and person.mobile not in texted, i  # opted out: nothing at all
    assert len(mailed) == len([d for d in deliveries if d.channel == "email" and d.pk in expected_sent])
    assert texted and all(index[Contact.objects.unscoped("t").get(mobile=m).customer_id] % 10 == 0 for m in texted)

    # The delivery log (API) and the customer's timeline show them.
    log = mkt.get(f"/api/campaigns/{cid}/deliveries/?page_size=200").json()
    assert len(log["results"]) == 200 and log["next"]
    sent_one = deliveries.filter(status="sent", channel="email").first()
    assert Interaction.objects.unscoped("test").filter(customer_id=sent_one.customer_id, channel="email").count() == 1
    assert Interaction.objects.unscoped("test").filter(subject__startswith="诚邀").count() == len(expected_sent)

    # A mail's unsubscribe and RSVP links work without logging in.
    mail = message_from_bytes(smtp_server.messages[0].content, policy=policy.default)
    text = mail.get_body().get_content()
    assert "杭州国际博览中心" in text and "2027-01-15 14:00" in text
    rsvp = re.search(r"http://localhost:8000(/l/rsvp/\S+)", text).group(1)
    assert client.post(rsvp, {"answer": "yes"}).status_code == 200
    unsubscribe = re.search(r"http://localhost:8000(/m/u/\S+)", text).group(1)
    assert client.post(unsubscribe, {"scope": "all"}).status_code == 200
    came = mkt.post(
        f"/api/campaigns/{cid}/attendance/", {"customers": [sent_one.customer_id], "attended": True}, format="json"
    )
    assert came.json() == {"updated": 1}
    report = mkt.get(f"/api/campaigns/{cid}/report/").json()
    assert report["attended"] == 1
    assert report["rsvp_yes"] == 1 and report["target"] == N - len(holdout) and report["holdout"] == len(holdout)
    assert report["sent"] == len(expected_sent) and report["suppressed"] == len(expected_suppressed)
    assert report["ci_low"] <= report["difference"] <= report["ci_high"]
