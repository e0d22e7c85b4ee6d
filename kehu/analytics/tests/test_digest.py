import datetime as dt

import pytest

from kehu.analytics import digest, services
from kehu.messaging.models import Delivery

from .factories import complaint, contact, customer

pytestmark = pytest.mark.django_db


def test_each_manager_gets_a_digest_of_what_they_may_see(users):
    mgr = users["mkt_mgr"]
    risky = customer(mgr, "流失公司", grade="A", owner=users["sales"])
    contact(risky, mgr, 300)
    complaint(risky, users["cs"], nature="urgent")
    complaint(risky, users["cs"], nature="serious")
    services.churn_run(services.churn_run_start(enqueue=False).pk)
    queued = digest.weekly_digest()
    managers = [u for u in users.values() if u.level >= 20 and u.email]
    assert queued == len(managers) == Delivery.objects.filter(topic="internal").count()
    text_mkt = digest.digest_text(users["mkt_mgr"], today=dt.date.today())
    assert "流失公司" in text_mkt and "已 300 天未联系" in text_mkt
    # the sales manager may not view A-grade archives: the customer is not in their digest
    text_sales = digest.digest_text(users["sales_mgr"], today=dt.date.today())
    assert "流失公司" not in text_sales and "只包含您有权查看" in text_sales


def test_a_manager_digest_also_goes_to_their_group_robots(
    users, robot_server, clock, django_capture_on_commit_callbacks
):
    """Through messaging's robot channel: the DingTalk request is signed, the WeCom one is plain,
    and only the manager configured for a robot has their digest posted there."""
    import urllib.parse

    from kehu.analytics.models import DigestRobot
    from kehu.messaging.models import Robot

    mgr = users["mkt_mgr"]
    risky = customer(mgr, "流失公司", grade="A", owner=users["sales"])
    contact(risky, mgr, 300)
    complaint(risky, users["cs"], nature="urgent")
    services.churn_run(services.churn_run_start(enqueue=False).pk)
    ding = Robot.objects.create(
        key="mkt-ding", name="市场部群", kind="dingtalk", webhook_url=robot_server.url + "/robot/send?access_token=T",
        secret="SECx",
    )  # fmt: skip
    wecom = Robot.objects.create(
        key="sales-wecom", name="销售群", kind="wecom", webhook_url=robot_server.url + "/wecom"
    )
    DigestRobot.objects.create(manager=mgr, robot=ding)
    DigestRobot.objects.create(manager=users["sales_mgr"], robot=wecom)
    DigestRobot.objects.create(manager=users["sales_mgr"], robot=ding, is_active=False)
    DigestRobot.objects.create(manager=users["sales"], robot=ding)  # not a manager: no digest at all
    with django_capture_on_commit_callbacks(execute=True):
        queued = digest.weekly_digest()
    managers = [u for u in users.values() if u.level >= 20 and u.email]
    assert queued == len(managers) + 2
    robot_posts = {urllib.parse.urlsplit(p["path"]).path: p for p in robot_server.posts}
    assert set(robot_posts) == {"/robot/send", "/wecom"}
    ding_post = robot_posts["/robot/send"]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(ding_post["path"]).query)
    assert query["access_token"] == ["T"] and query["sign"] and query["timestamp"]
    assert ding_post["json"]["msgtype"] == "text"
    assert "每周客户与服务简报" in ding_post["json"]["text"]["content"]
    assert "流失公司" in ding_post["json"]["text"]["content"]  # mkt_mgr may see the A-grade customer
    wecom_text = robot_posts["/wecom"]["json"]["text"]["content"]
    assert "流失公司" not in wecom_text and "只包含您有权查看" in wecom_text  # sales_mgr may not
    sent = Delivery.objects.filter(channel__in=["dingtalk_robot", "wecom_robot"])
    assert sorted(d.status for d in sent) == ["sent", "sent"]


def test_a_robot_target_of_the_wrong_kind_is_skipped_not_fatal(users, clock, django_capture_on_commit_callbacks):
    from kehu.analytics.models import DigestRobot
    from kehu.messaging.models import Robot

    gone = Robot.objects.create(key="gone", name="旧群", kind="wecom", webhook_url="http://127.0.0.1:9/x")
    DigestRobot.objects.create(manager=users["mkt_mgr"], robot=gone)
    Robot.objects.filter(pk=gone.pk).update(kind="other")  # no channel for it: messaging refuses it
    with django_capture_on_commit_callbacks(execute=True):
        queued = digest.weekly_digest()
    assert queued == len([u for u in users.values() if u.level >= 20 and u.email])
