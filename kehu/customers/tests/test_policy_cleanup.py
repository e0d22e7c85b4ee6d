"""Clean-up on schedule (客户关系管理与维护措施 四.客户信息管理 3)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from huey.api import PeriodicTask

from kehu.customers import services, tasks
from kehu.customers.models import Customer

pytestmark = pytest.mark.django_db


def test_long_without_business_is_flagged_by_the_schedule_into_the_review_list(client, users, make_customer):
    """信息管理3: "对长期未与公司有业务往来或已无效的客户信息进行清理，提高数据库的质量" — flagged by the
    nightly schedule, not only when a manager remembers to press the button, and reviewed by a person."""
    assert isinstance(tasks.nightly_stale_flagging.task_class(), PeriodicTask)
    idle = make_customer("三年无业务客户")
    busy = make_customer("近期有交易客户")
    Customer.objects.filter(pk__in=[idle.pk, busy.pk]).update(created_at=timezone.now() - dt.timedelta(days=1000))
    services.transaction_create(actor=users["mkt"], customer=busy, occurred_on=timezone.localdate(), amount="10")
    assert tasks.nightly_stale_flagging.call_local() == 1
    assert tasks.nightly_stale_flagging.call_local() == 0  # run twice: flagged once
    client.force_login(users["sales_mgr"])
    review = client.get(reverse("customers:list"), {"archived": "review"}).content.decode()
    assert "三年无业务客户" in review and "近期有交易客户" not in review
    idle.refresh_from_db()
    assert idle.needs_review and not idle.is_archived  # reviewed by a person, never deleted
