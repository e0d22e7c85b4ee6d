"""Demo customers: realistic Chinese companies, contacts, three years of transactions (regular
buyers on their own cadence, some declining or stopping: see _orders).

Idempotent: demo rows have archive numbers DEMO-0000001...; a second run with the same
--customers adds nothing, a larger number adds the missing ones. Fast: rows are built in
Python (search_text included) and bulk-inserted in batches; history rows are not written
for demo data, and only a fraction of contacts get (slow to encrypt) personal details.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import random
import time
from collections import deque
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db import connections, transaction
from django.utils import timezone

from kehu.accounts.models import User
from kehu.core.bulk import Row, column_position, copy_in, copy_rows, reserve_ids, secondary_indexes_dropped
from kehu.core.crypto import blind_index
from kehu.core.maintenance import analyze_tables

from .choices import Channel, Grade, IndustryStanding, InfoSource, Nature, Priority
from .models import Contact, Customer, Transaction
from .services import contact_search_document, customer_search_document, normalise_name, phone_digits

PREFIX = "DEMO-"
BATCH = 2000
BULK_LOAD_MIN = 50_000  # new customers from which dropping and rebuilding the indexes pays
OWNERS = ("sales", "sales2", "sales_mgr", "mkt_mgr")
REGIONS = {
    "北京": "北京",
    "上海": "上海",
    "广州": "广东",
    "深圳": "广东",
    "杭州": "浙江",
    "宁波": "浙江",
    "南京": "江苏",
    "苏州": "江苏",
    "无锡": "江苏",
    "成都": "四川",
    "重庆": "重庆",
    "武汉": "湖北",
    "西安": "陕西",
    "天津": "天津",
    "青岛": "山东",
    "济南": "山东",
    "长沙": "湖南",
    "郑州": "河南",
    "合肥": "安徽",
    "厦门": "福建",
    "福州": "福建",
    "沈阳": "辽宁",
    "大连": "辽宁",
    "昆明": "云南",
}
WORDS = [
    "天讯",
    "华信",
    "恒通",
    "宏达",
    "金桥",
    "瑞丰",
    "鼎盛",
    "海纳",
    "远航",
    "新锐",
    "博源",
    "嘉禾",
    "正泰",
    "德润",
    "汇智",
    "中联",
    "万通",
    "东方",
    "星辰",
    "宇通",
    "佳和",
    "永康",
    "隆兴",
    "安达",
    "富华",
    "启明",
    "创新",
    "长城",
    "九州",
    "明辉",
    "盛世",
    "锦程",
    "华夏",
    "云帆",
    "志远",
    "信诚",
    "同创",
    "卓越",
    "光明",
    "泰和",
    "众诚",
    "广源",
    "祥瑞",
    "通达",
    "联创",
    "凯瑞",
    "新华",
    "润泽",
    "腾飞",
    "百川",
]
INDUSTRIES = [
    "科技",
    "信息技术",
    "电子",
    "机械",
    "化工",
    "医药",
    "食品",
    "物流",
    "建材",
    "纺织",
    "汽车配件",
    "环保",
    "新能源",
    "电气",
    "精密仪器",
    "生物科技",
    "软件",
    "通信",
    "材料",
    "贸易",
]
SUFFIXES = ("有限公司", "有限公司", "有限公司", "股份有限公司", "集团有限公司")
FAMILY = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕"
    "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞辉建国志宏斌波宁浩亮晨雪琳倩颖丹蕾欣怡佳俊峰"
POSITIONS = (
    "总经理",
    "副总经理",
    "董事长",
    "采购经理",
    "采购主管",
    "技术总监",
    "财务经理",
    "销售总监",
    "项目经理",
    "行政主管",
)
PRODUCTS = ("工业传感器", "控制系统", "数据采集模块", "售后维保服务", "软件授权", "定制开发项目", "检测设备", "备件包")
MAX_AMOUNT_PER_GRADE = {"A": 800_000, "B": 200_000, "C": 50_000}
# Choices.values builds a new list on every call (three times per customer)
NATURES, INFO_SOURCES, CHANNELS = Nature.values, InfoSource.values, Channel.values
STANDINGS = [IndustryStanding.LEADER, IndustryStanding.INFLUENTIAL, IndustryStanding.MEDIUM, IndustryStanding.SMALL]


def _grade_for(index: int) -> tuple[str, str]:
    bucket = index % 10
    if bucket < 2:
        return Grade.A, Priority.CORE
    if bucket < 6:
        return Grade.B, Priority.NORMAL
    return Grade.C, Priority.POTENTIAL if bucket == 9 else Priority.NORMAL


def _person(rng: random.Random) -> str:
    return rng.choice(FAMILY) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**8, 10**9)}"


class _Blank:
    """Blank rows (field defaults, the seed's time stamps) from which each demo row is made as a
    bulk.Row. As model instances (a customer, ~2 contacts, ~4.6 transactions) Model.__init__ was
    about a third of a builder's 1.3 ms per customer; with Rows a builder takes 0.65 ms (measured
    2026-12-03)."""

    def __init__(self, now: dt.datetime) -> None:
        stamps = {"created_at": now, "updated_at": now}
        self.customer = Row.blank(Customer, **stamps)
        self.contact = Row.blank(Contact, **stamps)
        self.transaction = Row.blank(Transaction, **stamps)


def _customer(index: int, owners: list[User], now: dt.datetime, blank: _Blank) -> tuple[Row, list[Row], list[Row]]:
    rng = random.Random(index)
    city = rng.choice(list(REGIONS))
    name = f"{city}{rng.choice(WORDS)}{rng.choice(INDUSTRIES)}{rng.choice(SUFFIXES)}"
    grade, priority = _grade_for(index)
    pinyin_domain = f"c{index:07d}"
    owner_id = owners[index % len(owners)].pk
    customer = Row(
        {
            **blank.customer,
            "archive_no": f"{PREFIX}{index:07d}",
            "name": name,
            "name_key": normalise_name(name) + f"#{index}",  # demo names repeat; keep them out of duplicate matches
            "owner_id": owner_id,
            "grade": grade,
            "priority": priority,
            "region": REGIONS[city],
            "industry_standing": rng.choice(STANDINGS),
            "nature": rng.choice(NATURES),
            "address": f"{city}市{rng.choice(WORDS)}路{rng.randrange(1, 999)}号",
            "phone": f"0{rng.randrange(10, 999)}-{rng.randrange(10**7, 10**8)}",
            "email": f"info@{pinyin_domain}.example.cn",
            "founded_on": dt.date(rng.randrange(1985, 2020), rng.randrange(1, 13), rng.randrange(1, 28)),
            "registered_capital": Decimal(rng.choice((50, 100, 500, 1000, 5000, 20000))) * 10000,
            "staff_chinese": rng.randrange(20, 3000),
            "staff_foreign": rng.randrange(0, 30),
            "cooperation_since": dt.date(rng.randrange(2012, 2025), rng.randrange(1, 13), 1),
            "main_products": "、".join(rng.sample(PRODUCTS, 2)),
            "deal_probability": rng.randrange(10, 95),
            "info_source": rng.choice(INFO_SOURCES),
        }
    )  # the random draws in the order they always had: the demo archive is the same for a given index
    customer.phone_digits = phone_digits(customer.phone)
    contacts = []
    for number in range(rng.choice((1, 2, 2, 3))):
        contact = Row(
            {
                **blank.contact,
                "name": _person(rng),
                "position": POSITIONS[(index + number) % len(POSITIONS)],
                "is_main_contact": number == 0,
                "is_senior_leader": number == 0 and grade == Grade.A,
                "is_key_person": number == 0,
                "mobile": _mobile(rng),
                "email": f"p{number}@{pinyin_domain}.example.cn",
                "preferred_channel": rng.choice(CHANNELS),
            }
        )
        contact.mobile_digits = contact.mobile
        if index % 20 == 0 and number == 0:  # encryption is slow: only some contacts carry personal details
            contact.birth_date = f"{rng.randrange(1960, 1995)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 28):02d}"
            contact.hobbies = rng.choice(("高尔夫", "钓鱼", "书法", "茶道", "登山"))
            contact.personal_phone = _mobile(rng)
            contact.personal_phone_index = blind_index(contact.personal_phone)
        contact.search_text = contact_search_document(contact)
        contacts.append(contact)
    customer.search_text = customer_search_document(customer, contacts)
    transactions = [
        Row(
            {
                **blank.transaction,
                "occurred_on": (now - dt.timedelta(days=days_ago)).date(),
                "product": rng.choice(PRODUCTS),
                "quantity": rng.randrange(1, 50),
                "amount": Decimal(amount),
                "place": city,
                "our_person_id": owner_id,
            }
        )
        for days_ago, amount in _orders(index, grade, rng)
    ]
    return customer, contacts, transactions


# Buying history (the analytics back-test learns from it, so it must hold a real signal):
# - A customers buy on their own regular cadence (every 60–90 days, drawn per customer; each gap
#   ±25 %), so three months without an order is unusual for them; B customers buy two to four times
#   and C customers once or twice in three years, at random dates. Each customer has a typical order
#   size (±40 % per order), so "less money than before" is a change, not chance.
# - One in ten declines: from its own start day (spread over the last ~20 months, so the back-test's
#   training periods contain decline too) it orders three times less often and 60 % less each time.
# - One in twenty stops: it declines for about five months, then buys nothing more (the stop day is
#   spread over the last two years).
# The trend bucket (index // 10) does not follow the grade bucket (index % 10): every grade has
# declines. About 4.6 orders per customer on average, as before (seeding time is bound by the
# search documents, not the orders).
HISTORY_DAYS = 3 * 365
CADENCE_DAYS = {"A": (60, 90)}
OCCASIONAL_ORDERS = {"B": (2, 4), "C": (1, 2)}
DECLINE_DAYS = (60, 600)  # a decliner's start, days ago
DECLINE_SLOWER, DECLINE_SMALLER = 3.0, 0.4
STOPPED_DAYS = (20, 720)  # a stopped customer's last day of buying, days ago
STOPPED_WARNING_DAYS = 150  # its decline before it stops


def _trend(index: int) -> str:
    bucket = (index // 10) % 20
    if bucket in (3, 13):
        return "declining"
    if bucket == 7:
        return "stopped"
    return "steady"


def _orders(index: int, grade: str, rng: random.Random) -> list[tuple[int, int]]:
    """(days ago, amount) of the customer's sales, oldest first. Deterministic: seeded by the index."""
    typical = rng.randrange(5_000, MAX_AMOUNT_PER_GRADE[grade])
    trend = _trend(index)
    slower_from = stop_at = -1  # days ago; -1: never
    if trend == "declining":
        slower_from = rng.randrange(*DECLINE_DAYS)
    elif trend == "stopped":
        stop_at = rng.randrange(*STOPPED_DAYS)
        slower_from = stop_at + STOPPED_WARNING_DAYS
    if grade not in CADENCE_DAYS:  # occasional buyers: no rhythm to fall from, but a stop is a stop
        count = rng.randint(*OCCASIONAL_ORDERS[grade])
        days = sorted((rng.randrange(0, HISTORY_DAYS) for _ in range(count)), reverse=True)
        return [(day, int(typical * rng.uniform(0.6, 1.4))) for day in days if day > stop_at]
    cadence = rng.uniform(*CADENCE_DAYS[grade])
    orders = []
    day = HISTORY_DAYS - rng.uniform(0, cadence)  # days ago; the first order falls somewhere in the first gap
    while day >= 0 and day > stop_at:
        declining = day <= slower_from
        amount = typical * rng.uniform(0.6, 1.4) * (DECLINE_SMALLER if declining else 1.0)
        orders.append((int(day), max(1_000, int(amount))))
        day -= cadence * rng.uniform(0.75, 1.25) * (DECLINE_SLOWER if declining else 1.0)
    return orders


# A built batch: the rows of its customers, contacts and transactions as COPY takes them, made in a
# builder process (pickling plain rows is far cheaper than pickling model instances, and the field
# conversions run there too). Primary keys are left empty for the writer, which reserves them; a
# contact's or transaction's customer column holds its customer's position in the batch.
Built = tuple[list[list[Any]], list[list[Any]], list[list[Any]]]


def _build(args: tuple[int, int, list[User], dt.datetime]) -> Built:
    start, stop, owners, now = args
    blank = _Blank(now)
    customers: list[Row] = []
    contacts: list[Row] = []
    transactions: list[Row] = []
    for position, index in enumerate(range(start, stop)):
        customer, its_contacts, its_transactions = _customer(index, owners, now, blank)
        customers.append(customer)
        for contact in its_contacts:
            contact.customer_id = position
        for record in its_transactions:
            record.customer_id = position
        contacts += its_contacts
        transactions += its_transactions
    return (
        copy_rows(Customer, customers, pre_save=False),
        copy_rows(Contact, contacts, pre_save=False),
        copy_rows(Transaction, transactions, pre_save=False),
    )


def seed(*, customers: int, stdout: Any) -> None:
    owners = list(User.objects.filter(username__in=OWNERS).order_by("username"))
    if not owners:
        stdout.write("  customers: no demo sales users, skipped")
        return
    existing = Customer.objects.filter(archive_no__startswith=PREFIX).count()
    now = timezone.now()
    batches = [
        (start, min(start + BATCH, customers + 1), owners, now) for start in range(existing + 1, customers + 1, BATCH)
    ]
    if not batches:
        stdout.write(f"  customers: {existing} demo customers already there")
        return
    adding = customers - existing
    if adding >= BULK_LOAD_MIN and adding >= existing:
        # A big load into a small archive: build the secondary indexes once at the end instead of
        # maintaining them row by row (kehu.core.bulk.secondary_indexes_dropped). The first grading
        # run rewrites every row, so it runs before the indexes come back, too.
        started = time.monotonic()
        with secondary_indexes_dropped([Customer, Contact, Transaction]) as dropped:
            stdout.write(f"  customers: {dropped} secondary indexes dropped for the load")
            _load(batches, customers, existing, stdout)
            stdout.write(f"  customers: loaded and scored in {time.monotonic() - started:.0f}s; building indexes")
        stdout.write(f"  customers: indexes built, {time.monotonic() - started:.0f}s in all")
    else:
        _load(batches, customers, existing, stdout)
    analyze_tables(*(model._meta.db_table for model in (Customer, Contact, Transaction)))


def _load(batches: list[Any], customers: int, existing: int, stdout: Any) -> None:
    # Building search documents (jieba, pinyin) is the slow part: spread it over the CPUs while this
    # process inserts. Workers never touch the database; connections are closed before forking.
    workers = min(os.cpu_count() or 1, 4)
    if workers > 1 and len(batches) > 1:
        connections.close_all()
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            _insert_all(_bounded_map(pool, batches, ahead=workers * 2), batches, customers, stdout)
    else:
        _insert_all(map(_build, batches), batches, customers, stdout)
    total = Customer.objects.filter(archive_no__startswith=PREFIX).count()
    stdout.write(f"  customers: {total} demo customers ({total - existing} new)")
    # Score them now (in the worker this runs nightly) so that the grading page has proposals.
    from .grading import grading_run
    from .models import GradingRun

    started = time.monotonic()
    run = grading_run(run_id=GradingRun.objects.create().pk)
    stdout.write(f"  customers: {run.processed} scored for grading in {time.monotonic() - started:.1f}s")


def _bounded_map(pool: Any, batches: list[Any], *, ahead: int) -> Iterator[Any]:
    """pool.imap in order, but with at most `ahead` built batches waiting: the builders are faster
    than the inserting process, and imap would hold every built batch in memory (1.8 GB at 100k)."""
    pending: deque[Any] = deque()
    for batch in batches:
        pending.append(pool.apply_async(_build, (batch,)))
        if len(pending) >= ahead:
            yield pending.popleft().get()
    while pending:
        yield pending.popleft().get()


def _insert_all(results: Any, batches: list[Any], customers: int, stdout: Any) -> None:
    """Insert the built batches as they come. Reports the rate, and where the time went: waiting
    for the builders (tokenising is the bound) or writing (the database is)."""
    started = time.monotonic()
    waited = 0.0
    pending = iter(results)
    for _start, stop, _owners, _now in batches:
        before = time.monotonic()
        built = next(pending)
        waited += time.monotonic() - before
        _insert(built)
        elapsed = time.monotonic() - started
        rate = (stop - batches[0][0]) / elapsed if elapsed else 0
        stdout.write(f"  customers: {stop - 1}/{customers} ({rate:,.0f}/s)")
    elapsed = time.monotonic() - started
    stdout.write(f"  customers: written in {elapsed:.1f}s, {waited:.1f}s of it waiting for the builders")


@transaction.atomic
def _insert(built: Built) -> None:
    """Ids reserved (one statement per table), children pointed at them, three COPYs (PostgreSQL) /
    multi-row INSERTs (SQLite)."""
    customer_rows, contact_rows, transaction_rows = built
    customer_ids = _number(Customer, customer_rows)
    for model, rows in ((Contact, contact_rows), (Transaction, transaction_rows)):
        _number(model, rows)
        parent = column_position(model, "customer_id")
        for row in rows:
            row[parent] = customer_ids[row[parent]]
    copy_in(Customer, customer_rows)
    copy_in(Contact, contact_rows)
    copy_in(Transaction, transaction_rows)


def _number(model: type[Customer | Contact | Transaction], rows: list[list[Any]]) -> list[int]:
    position = column_position(model, "id")
    ids = reserve_ids(model, len(rows))
    for row, pk in zip(rows, ids, strict=True):
        row[position] = pk
    return ids
