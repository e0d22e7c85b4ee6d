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
