"""The staff pages of 营销与会员: campaigns, segments, templates, tiers, members, referrals.

What a marketing user sees and does through the pages (the same services as the API), and that
anyone else gets 403/404 and changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from kehu.customers import services as customer_services
from kehu.loyalty import campaigns, points
from kehu.loyalty.models import Campaign, ContentTemplate, Membership, PointsEntry, Referral, Segment, Tier
from kehu.messaging.models import Delivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(users):  # type: ignore[no-untyped-def]
    """Three B-grade customers in 浙江 with a contact each (marketing may open B and C archives)."""
    made = []
    for i in range(3):
        customer = customer_services.customer_create(
            actor=users["mkt"], owner=users["sales"], name=f"杭州测试{i}有限公司", grade="B", region="浙江杭州"
        )
        customer_services.contact_create(
            actor=users["mkt"], customer=customer, name=f"联系人{i}", email=f"p{i}@demo.example", is_main_contact=True
        )
        made.append(customer)
    return made


def login(client, users, name):  # type: ignore[no-untyped-def]
    client.force_login(users[name])
    return client


def make_campaign(users, kind="promotion", **extra):  # type: ignore[no-untyped-def]
    segment = campaigns.segment_save(actor=users["mkt"], name="浙江客户", filters={"region": ["浙江"]})
    template = campaigns.template_save(actor=users["mkt"], name="促销", subject="优惠", body="{contact_name}您好")
    fields = {"name": "年末促销", "kind": kind, "segment": segment, "channel": "email", "template": template}
    return campaigns.campaign_create(actor=users["mkt"], **{**fields, **extra})


PAGES = [
    reverse("loyalty:campaigns"),
    reverse("loyalty:campaign-create"),
    reverse("loyalty:segments"),
    reverse("loyalty:segment-create"),
    reverse("loyalty:templates"),
]


@pytest.mark.parametrize("name", ["mkt", "mkt_mgr"])
def test_the_pages_render_for_marketing(client, users, people, name):
    login(client, users, name)
    campaign = make_campaign(users)
    for url in [
        *PAGES,
        reverse("loyalty:campaign", args=[campaign.pk]),
        reverse("loyalty:segment-edit", args=[campaign.segment_id]),
        reverse("loyalty:tiers"),
        reverse("loyalty:referrals"),
        reverse("messaging:deliveries"),
        reverse("loyalty:member", args=[people[0].pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    home = client.get(reverse("workbench:home")).content.decode()
    assert "营销与会员" in home


@pytest.mark.parametrize("name", ["tech", "cs", "sales"])
def test_others_get_403_and_change_nothing(client, users, people, name):
    campaign = make_campaign(users)
    login(client, users, name)
    for url in [
        *PAGES,
        reverse("loyalty:campaign", args=[campaign.pk]),
        f"{reverse('loyalty:segment-count')}?segment=1",
    ]:
        assert client.get(url).status_code == 403, url
    before = (Campaign.objects.count(), Segment.objects.count(), ContentTemplate.objects.count())
    posts = {
        reverse("loyalty:campaign-create"): {"name": "x", "kind": "news", "segment": campaign.segment_id},
        reverse("loyalty:segment-create"): {"name": "x", "grade": ["A"]},
        reverse("loyalty:templates"): {"name": "x", "body": "y"},
        reverse("loyalty:campaign-approve", args=[campaign.pk]): {},
        reverse("loyalty:campaign-return", args=[campaign.pk]): {"note": "不行"},
        reverse("loyalty:campaign-send", args=[campaign.pk]): {},
        reverse("loyalty:segment-preview"): {"grade": ["B"]},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 403, url
    assert (Campaign.objects.count(), Segment.objects.count(), ContentTemplate.objects.count()) == before
    campaign.refresh_from_db()
    assert campaign.status == "draft" and Delivery.objects.unscoped("test").count() == 0
    assert "营销与会员" not in client.get(reverse("workbench:home")).content.decode()


def test_create_approve_send_and_see_the_delivery_log(
    client, users, people, settings, clock, django_capture_on_commit_callbacks
):
    settings.KEHU_LOYALTY = {**settings.KEHU_LOYALTY, "APPROVAL_ABOVE": 2}  # 3 customers: approval needed
    login(client, users, "mkt")
    response = client.post(
        reverse("loyalty:segment-create"), {"name": "浙江 B 级", "grade": ["B"], "region": "浙江，上海"}
    )
    assert response.status_code == 302
    segment = Segment.objects.get(name="浙江 B 级")
    assert segment.filters == {"grade": ["B"], "region": ["浙江", "上海"]}
    counted = client.get(reverse("loyalty:segment-count"), {"segment": segment.pk}).content.decode()
    assert "3 位客户" in counted and "须经批准" in counted
    assert (
        client.post(
            reverse("loyalty:templates"), {"name": "冬季促销", "subject": "优惠", "body": "{contact_name}您好"}
        ).status_code
        == 302
    )
    template = ContentTemplate.objects.get(name="冬季促销")
    response = client.post(
        reverse("loyalty:campaign-create"),
        {
            "name": "冬季促销通知",
            "kind": "promotion",
            "segment": segment.pk,
            "channel": "email",
            "template": template.pk,
            "holdout_percent": 0,
        },
    )
    campaign = Campaign.objects.get(name="冬季促销通知")
    assert response["Location"] == reverse("loyalty:campaign", args=[campaign.pk])

    # Sending to more than the threshold is refused until a manager (not the author) approves.
    page = client.post(reverse("loyalty:campaign-send", args=[campaign.pk]), follow=True).content.decode()
    assert "须先经批准" in page and Delivery.objects.unscoped("test").count() == 0
    assert 'data-testid="campaign-approve"' not in page  # the author may not approve
    client.post(reverse("loyalty:campaign-approve", args=[campaign.pk]))
    campaign.refresh_from_db()
    assert campaign.status == "draft"
    login(client, users, "mkt_mgr")
    assert (
        'data-testid="campaign-approve"' in client.get(reverse("loyalty:campaign", args=[campaign.pk])).content.decode()
    )
    client.post(reverse("loyalty:campaign-approve", args=[campaign.pk]))
    campaign.refresh_from_db()
    assert campaign.status == "approved" and campaign.approved_by == users["mkt_mgr"] and campaign.audience == 3

    login(client, users, "mkt")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("loyalty:campaign-send", args=[campaign.pk]))
    campaign.refresh_from_db()
    assert campaign.status == "sent"
    assert sorted(m.to[0] for m in mail.outbox) == ["p0@demo.example", "p1@demo.example", "p2@demo.example"]
    page = client.get(reverse("loyalty:campaign", args=[campaign.pk])).content.decode()
    assert page.count('data-testid="delivery-row"') == 3 and page.count("已发送") >= 3
    assert 'data-testid="campaign-report"' in page
    listed = client.get(reverse("loyalty:campaigns")).content.decode()
    assert "冬季促销通知" in listed and "已发送" in listed


def test_a_manager_returns_a_campaign_with_a_note(client, users, people):
    campaign = make_campaign(users)
    login(client, users, "mkt_mgr")
    client.post(reverse("loyalty:campaign-return", args=[campaign.pk]), {"note": "标题请改为年终答谢"})
    campaign.refresh_from_db()
    assert campaign.status == "draft" and campaign.return_note == "标题请改为年终答谢"
    login(client, users, "mkt")
    assert "标题请改为年终答谢" in client.get(reverse("loyalty:campaign", args=[campaign.pk])).content.decode()
    # The author cannot return (nor approve) their own campaign.
    page = client.post(reverse("loyalty:campaign-return", args=[campaign.pk]), {"note": "x"}, follow=True)
    assert "只有市场营销经理及以上" in page.content.decode()


def test_a_bad_form_is_a_400_naming_the_field(client, users, people):
    login(client, users, "mkt")
    segment = campaigns.segment_save(actor=users["mkt"], name="全部", filters={})
    template = campaigns.template_save(actor=users["mkt"], name="t", subject="", body="b")
    response = client.post(
        reverse("loyalty:campaign-create"),
        {
            "name": "大会",
            "kind": "event",
            "segment": segment.pk,
            "channel": "email",
            "template": template.pk,
            "holdout_percent": 0,
        },
    )
    assert response.status_code == 400 and "活动邀请须填写活动时间" in response.content.decode()
    response = client.post(reverse("loyalty:templates"), {"name": "x", "body": "{nope}"})
    assert response.status_code == 400 and "未知的合并字段" in response.content.decode()
    assert client.get(reverse("loyalty:campaigns"), {"before": "9" * 30}).status_code == 400
    assert Campaign.objects.count() == 0


def test_segment_preview_counts_before_saving(client, users, people):
    login(client, users, "mkt")
    answer = client.post(reverse("loyalty:segment-preview"), {"grade": ["B"], "region": "浙江"})
    assert answer.status_code == 200 and "3 位客户" in answer.content.decode()
    assert "0 位客户" in client.post(reverse("loyalty:segment-preview"), {"grade": ["A"]}).content.decode()
    assert Segment.objects.count() == 0


def test_event_rsvp_list_and_attendance(client, users, people, clock, django_capture_on_commit_callbacks):
    campaign = make_campaign(users, kind="event", event_at=dt.datetime(2027, 1, 15, 14, tzinfo=dt.UTC), location="杭州")
    login(client, users, "mkt")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("loyalty:campaign-send", args=[campaign.pk]))
    page = client.get(reverse("loyalty:campaign", args=[campaign.pk])).content.decode()
    assert 'data-testid="rsvp-table"' in page and "杭州测试0有限公司" in page
    client.post(
        reverse("loyalty:campaign-attendance", args=[campaign.pk]), {"customers": [people[0].pk], "attended": "1"}
    )
    recipient = campaign.recipients.get(customer=people[0])
    assert recipient.attended is True
    assert campaigns.campaign_report(campaign).attended == 1


def test_redeem_above_the_balance_shows_a_message_and_changes_nothing(client, users, people):
    customer = people[0]
    login(client, users, "mkt")
    assert (
        client.post(
            reverse("loyalty:points-earn", args=[customer.pk]), {"earn-points": 100, "earn-reason": "答谢"}
        ).status_code
        == 302
    )
    before = list(PointsEntry.objects.unscoped("test").values_list("id", "points", "remaining"))
    response = client.post(
        reverse("loyalty:points-redeem", args=[customer.pk]), {"redeem-points": 500, "redeem-reason": "兑换礼品"}
    )
    html = response.content.decode()
    assert response.status_code == 409 and "积分不足：余额 100，需要 500。" in html
    assert list(PointsEntry.objects.unscoped("test").values_list("id", "points", "remaining")) == before
    assert customer.points_account.balance == 100
    ok = client.post(
        reverse("loyalty:points-redeem", args=[customer.pk]), {"redeem-points": 40, "redeem-reason": "兑换"}
    )
    assert ok.status_code == 302
    page = client.get(reverse("loyalty:member", args=[customer.pk])).content.decode()
    assert 'data-testid="points-balance">60<' in page and page.count('data-testid="ledger-row"') == 2


def test_member_page_rules(client, users, people):
    customer = people[0]
    points.points_earn(actor=users["mkt"], customer=customer, points=50, reason="开户礼")
    # tech may not open a B-grade archive: 404 everywhere, nothing changes.
    login(client, users, "tech")
    assert client.get(reverse("loyalty:member", args=[customer.pk])).status_code == 404
    assert (
        client.post(
            reverse("loyalty:points-redeem", args=[customer.pk]), {"redeem-points": 10, "redeem-reason": "x"}
        ).status_code
        == 404
    )
    # cs may open it and redeem (as the API allows) but not grant points nor change the tier.
    login(client, users, "cs")
    page = client.get(reverse("loyalty:member", args=[customer.pk])).content.decode()
    assert 'data-testid="earn-form"' not in page and 'data-testid="override-form"' not in page
    assert (
        client.post(
            reverse("loyalty:points-earn", args=[customer.pk]), {"earn-points": 10, "earn-reason": "x"}
        ).status_code
        == 403
    )
    until = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    override = {"override-tier": "gold", "override-reason": "战略客户", "override-until": until}
    assert client.post(reverse("loyalty:tier-override", args=[customer.pk]), override).status_code == 403
    assert PointsEntry.objects.unscoped("test").count() == 1 and not Membership.objects.unscoped("test").exists()
    # A marketing manager sets a manual tier with reason and expiry; the page names the approver.
    login(client, users, "mkt_mgr")
    assert client.post(reverse("loyalty:tier-override", args=[customer.pk]), override).status_code == 302
    membership = Membership.objects.unscoped("test").get(customer=customer)
    assert membership.override_tier == Tier.objects.get(code="gold") and membership.override_by == users["mkt_mgr"]
    page = client.get(reverse("loyalty:member", args=[customer.pk])).content.decode()
    assert "金卡会员" in page and "战略客户" in page
    bad = client.post(
        reverse("loyalty:tier-override", args=[customer.pk]), {**override, "override-until": "2001-01-01"}
    )
    assert bad.status_code == 400 and "有效期须在今天之后" in bad.content.decode()


def test_customer_detail_links_the_member_page(client, users, people):
    login(client, users, "mkt")
    page = client.get(reverse("customers:detail", args=[people[0].pk])).content.decode()
    assert reverse("loyalty:member", args=[people[0].pk]) in page


def test_tiers_and_referrals(client, users, people):
    from kehu.loyalty.referrals import referral_code_for

    fresh = customer_services.customer_create(
        actor=users["mkt"], owner=users["sales"], name="宁波新客户有限公司", grade="C"
    )
    code = referral_code_for(people[0])
    Referral.objects.create(referrer=people[0], referee=fresh, code=code.code, created_by=users["mkt"])
    login(client, users, "mkt")
    tiers = client.get(reverse("loyalty:tiers")).content.decode()
    assert "钻石会员" in tiers and "会员折扣：8%" in tiers
    # the member list is on the page once, and not inside the <title> (it was pasted into the title block)
    title = tiers.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<table" not in title and tiers.count('data-testid="member-table"') == 1
    referrals = client.get(reverse("loyalty:referrals")).content.decode()
    assert "宁波新客户有限公司" in referrals and code.code in referrals
    login(client, users, "tech")  # tech may not view the referrer's archive: the row is not shown
    assert "宁波新客户有限公司" not in client.get(reverse("loyalty:referrals")).content.decode()


def test_list_pages_have_pinned_query_counts(client, users, people, django_assert_max_num_queries):
    for i in range(12):
        make_campaign(users, name=f"活动{i}")
        points.points_earn(actor=users["mkt"], customer=people[0], points=10 + i, reason=f"第{i}次")
    login(client, users, "mkt")
    client.get(reverse("loyalty:campaigns"))  # warm the session and the access rules
    for url, most in [
        (reverse("loyalty:campaigns"), 4),
        (reverse("loyalty:segments"), 4),
        (reverse("loyalty:templates"), 3),
        (reverse("loyalty:referrals"), 4),
        (reverse("loyalty:tiers"), 5),
        (reverse("loyalty:member", args=[people[0].pk]), 11),
    ]:
        with django_assert_max_num_queries(most):
            assert client.get(url).status_code == 200, url


def test_the_api_returns_a_campaign_through_the_same_service(api_for, users, people):
    campaign = make_campaign(users)
    url = f"/api/campaigns/{campaign.pk}/return/"
    assert api_for("mkt").post(url, {"note": "自己退回"}, format="json").status_code == 400  # the author
    assert api_for("tech").post(url, {"note": "x"}, format="json").status_code == 403
    assert api_for("mkt_mgr").post(url, {}, format="json").status_code == 400  # a note is required
    answer = api_for("mkt_mgr").post(url, {"note": "请补充活动地点"}, format="json")
    assert answer.status_code == 200 and answer.json()["return_note"] == "请补充活动地点"


def test_editing_a_segment_keeps_every_condition_and_the_list_reads_them(client, users, people):
    filters = {"grade": ["B"], "owner": [str(users["sales"].pk)], "rfm": "never", "tier": ["gold"]}
    segment = campaigns.segment_save(actor=users["mkt"], name="从未购买的 B 级", filters=filters)
    login(client, users, "mkt")
    form = client.get(reverse("loyalty:segment-edit", args=[segment.pk])).content.decode()
    assert 'value="never" selected' in form
    listed = client.get(reverse("loyalty:segments")).content.decode()
    assert "客户等级：B类" in listed and "从未购买" in listed and users["sales"].display_name in listed
    data = {"name": "改名了", "grade": ["B"], "owner": [str(users["sales"].pk)], "rfm": "never", "tier": ["gold"]}
    assert client.post(reverse("loyalty:segment-edit", args=[segment.pk]), data).status_code == 302
    segment.refresh_from_db()
    assert segment.name == "改名了" and segment.filters == filters


def test_the_members_list_is_scoped(client, users, people):
    a_grade = customer_services.customer_create(
        actor=users["mkt_mgr"], owner=users["sales2"], name="A级会员有限公司", grade="A"
    )
    Membership.objects.create(customer=a_grade, tier=Tier.objects.get(code="gold"))
    Membership.objects.create(customer=people[0], tier=Tier.objects.get(code="silver"))
    login(client, users, "mkt")  # marketing staff may not open A-grade archives
    page = client.get(reverse("loyalty:tiers")).content.decode()
    assert "杭州测试0有限公司" in page and "A级会员有限公司" not in page
    login(client, users, "mkt_mgr")
    assert "A级会员有限公司" in client.get(reverse("loyalty:tiers"), {"tier": "gold"}).content.decode()
    assert client.get(reverse("loyalty:tiers"), {"tier": "platinum"}).status_code == 400


def test_the_pages_speak_english(client, users, people):
    campaign = make_campaign(users)
    login(client, users, "mkt")
    client.cookies["django_language"] = "en"
    page = client.get(reverse("loyalty:campaign", args=[campaign.pk])).content.decode()
    assert "Marketing & loyalty" in page and "Approval" in page and "营销活动" not in page
    member = client.get(reverse("loyalty:member", args=[people[0].pk])).content.decode()
    assert "Points balance" in member and "积分余额" not in member


def test_campaign_detail_has_a_pinned_query_count(
    client, users, people, clock, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    campaign = make_campaign(users, kind="event", event_at=dt.datetime(2027, 1, 15, 14, tzinfo=dt.UTC))
    login(client, users, "mkt")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("loyalty:campaign-send", args=[campaign.pk]))
    with django_assert_max_num_queries(15):
        assert client.get(reverse("loyalty:campaign", args=[campaign.pk])).status_code == 200


def test_odd_ids_are_a_400_not_a_500(client, users, people):
    campaign = make_campaign(users, kind="event", event_at=dt.datetime(2027, 1, 15, 14, tzinfo=dt.UTC))
    login(client, users, "mkt")
    for value in ("²", "-1", "9" * 25, "1e3"):
        assert client.get(reverse("loyalty:segment-count"), {"segment": value}).status_code == 400, value
        assert client.get(reverse("loyalty:campaign", args=[campaign.pk]), {"before": value}).status_code == 400
        assert client.get(reverse("loyalty:member", args=[people[0].pk]), {"before": value}).status_code == 400
    answer = client.post(
        reverse("loyalty:campaign-attendance", args=[campaign.pk]), {"customers": ["²", "9" * 30], "attended": "1"}
    )
    assert answer.status_code == 302  # "tick customers of this campaign": nothing ticked, nothing changed


def test_a_returned_campaign_is_edited_then_approved(client, users, people, api_for):
    campaign = make_campaign(users)
    campaigns.campaign_return(actor=users["mkt_mgr"], campaign=campaign, note="请改用短信")
    login(client, users, "mkt")
    form = client.get(reverse("loyalty:campaign-edit", args=[campaign.pk])).content.decode()
    assert "请改用短信" in form and 'value="年末促销"' in form
    data = {
        "name": "年末促销（短信）",
        "kind": "promotion",
        "segment": campaign.segment_id,
        "channel": "sms",
        "template": campaign.template_id,
        "holdout_percent": 10,
    }
    assert client.post(reverse("loyalty:campaign-edit", args=[campaign.pk]), data).status_code == 302
    campaign.refresh_from_db()
    assert (campaign.name, campaign.channel, campaign.holdout_percent) == ("年末促销（短信）", "sms", 10)
    campaigns.campaign_approve(actor=users["mkt_mgr"], campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.return_note == ""
    # Approved: not changed behind the approver's back (page and API alike), and tech is refused.
    refused = client.post(reverse("loyalty:campaign-edit", args=[campaign.pk]), {**data, "name": "偷改"})
    assert refused.status_code == 400 and "只有草稿状态" in refused.content.decode()
    assert api_for("mkt").patch(f"/api/campaigns/{campaign.pk}/", {"name": "偷改"}, format="json").status_code == 409
    assert api_for("tech").patch(f"/api/campaigns/{campaign.pk}/", {"name": "偷改"}, format="json").status_code == 403
    login(client, users, "tech")
    assert client.post(reverse("loyalty:campaign-edit", args=[campaign.pk]), data).status_code == 403
    campaign.refresh_from_db()
    assert campaign.name == "年末促销（短信）"
