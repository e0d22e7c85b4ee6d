"""Demo data of the contact engine: plans for every customer, overdue work for `sales`, interactions,
follow-ups, care items and board cards. Idempotent, bulk inserts, keyset batches (fast at 100k customers)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from kehu.accounts.models import User
from kehu.core import search
from kehu.customers.models import Customer, Transaction

from .care import care_plan
from .choices import BoardPeriod, FollowUpStatus, FollowUpType, Responsible
from .models import BoardItem, ContactPlan, FollowUp, Interaction
from .services import plans_fill_missing

CONTENTS = [
    ("phone", "电话沟通新品功能", "客户对新版报表功能感兴趣", "下周发送产品资料"),
    ("wechat", "微信发送节日问候", "客户回复感谢", ""),
    ("visit", "上门拜访采购经理", "了解明年采购计划，预算增加约两成", "准备报价方案"),
    ("email", "邮件发送使用技巧", "客户已阅读", ""),
    ("meeting", "季度业务回顾会议", "客户对售后响应速度表示满意", "安排技术培训"),
]


def seed(*, customers: int, stdout: Any) -> None:
    today = timezone.localdate()
    created = plans_fill_missing()
    stdout.write(f"  engagement: {created} contact plans")
    users = {u.username: u for u in User.objects.filter(username__in=["sales", "sales2", "cs", "tech", "cs_lead"])}
    sales = users.get("sales")
    if sales is None:
        return
    rng = random.Random(4)
    own = list(Customer.objects.filter(owner=sales, is_archived=False).order_by("id").values_list("id", flat=True)[:40])
    with transaction.atomic():
        # some overdue and due-this-week contacts for `sales`
        for index, customer_id in enumerate(own[:12]):
            ContactPlan.objects.filter(customer_id=customer_id).update(
                next_due_on=today - dt.timedelta(days=1 + index), next_phone_on=today - dt.timedelta(days=1 + index)
            )
        for index, customer_id in enumerate(own[12:20]):
            ContactPlan.objects.filter(customer_id=customer_id).update(
                next_due_on=today + dt.timedelta(days=index % 5), next_phone_on=today + dt.timedelta(days=index % 5)
            )
    if not Interaction.objects.exists():
        rows = []
        sample = (
            Customer.objects.filter(is_archived=False)
            .order_by("id")
            .values_list("id", "owner_id")[: min(customers, 3000)]
        )
        for customer_id, owner_id in sample:
            channel, subject, outcome, next_steps = rng.choice(CONTENTS)
            when = timezone.now() - dt.timedelta(days=rng.randint(1, 120), hours=rng.randint(0, 8))
            interaction = Interaction(
                customer_id=customer_id,
                channel=channel,
                occurred_at=when,
                subject=subject,
                content=subject,
                outcome=outcome,
                next_steps=next_steps,
                actor_id=owner_id,
            )
            interaction.search_text = search.build_document(texts=[subject, outcome, next_steps])
            rows.append(interaction)
        Interaction.objects.bulk_create(rows, batch_size=1000)
        stdout.write(f"  engagement: {len(rows)} interactions")
    if not FollowUp.objects.exists():
        recent = Transaction.objects.order_by("-id").values_list("id", "customer_id", "customer__owner_id")[:400]
        visits = []
        for index, (tx_id, customer_id, owner_id) in enumerate(recent):
            done = index % 3 == 0
            visits.append(
                FollowUp(
                    customer_id=customer_id,
                    type=FollowUpType.NEW_FIRST,
                    source_type="transaction",
                    source_id=str(tx_id),
                    responsible=Responsible.OWNER,
                    assignee_id=owner_id,
                    due_on=today + dt.timedelta(days=rng.randint(-10, 10)),
                    status=FollowUpStatus.DONE if done else FollowUpStatus.PLANNED,
                    done_at=timezone.now() - dt.timedelta(days=rng.randint(0, 5)) if done else None,
                    on_time=rng.random() < 0.8 if done else None,
                    channel="phone" if done else "",
                    satisfaction=rng.randint(3, 5) if done else None,
                )
            )
        for index, customer_id in enumerate(own[20:26]):
            visits.append(
                FollowUp(
                    customer_id=customer_id,
                    type=FollowUpType.AFTER_COMPLAINT,
                    source_type="demo",
                    source_id=f"c{customer_id}",
                    responsible=Responsible.CUSTOMER_SERVICE,
                    assignee=users.get("cs", sales),
                    due_on=today + dt.timedelta(days=index - 2),
                )
            )
        FollowUp.objects.bulk_create(visits, ignore_conflicts=True)
        stdout.write(f"  engagement: {len(visits)} follow-ups")
    if not BoardItem.objects.exists():
        cards = [
            BoardItem(owner=users.get("cs", sales), title="整理本周投诉回访名单", planned_on=today),
            BoardItem(
                owner=users.get("cs", sales), title="核对重点客户联系人", planned_on=today + dt.timedelta(days=1)
            ),
            BoardItem(owner=sales, title="准备季度客户回顾", planned_on=today),
            BoardItem(owner=sales, title="月度客户满意度分析", planned_on=today, period=BoardPeriod.MONTH),
        ]
        BoardItem.objects.bulk_create(cards)
    stdout.write(f"  engagement: {care_plan(today=today)} care items")
