"""The demo loader writes through the bulk paths (COPY / executemany) and still gives searchable,
decryptable rows, with some customers whose buying really falls away (the analytics back-test)."""

from __future__ import annotations

import datetime as dt
import io
import itertools

import pytest
from django.db.models import Sum
from django.utils import timezone

from kehu.core.search import search
from kehu.customers import demo
from kehu.customers.models import Contact, Customer, Transaction

pytestmark = pytest.mark.django_db


def _sales(customer_ids, since, until=None):
    rows = Transaction.objects.unscoped("test").filter(customer_id__in=customer_ids, occurred_on__gte=since)
    if until:
        rows = rows.filter(occurred_on__lt=until)
    return rows.aggregate(total=Sum("amount"))["total"] or 0


def test_bulk_seed_gives_searchable_rows_and_real_declines(users):
    demo.seed(customers=120, stdout=io.StringIO())
    customers = Customer.objects.unscoped("test")
    assert customers.filter(archive_no__startswith=demo.PREFIX).count() == 120
    assert Contact.objects.unscoped("test").count() >= 120
    first = customers.get(archive_no="DEMO-0000001")
    assert search(customers, first.name[:4]).filter(pk=first.pk).exists()
    contact = first.contacts.order_by("id").first()
    assert search(Contact.objects.unscoped("test"), contact.mobile[3:7]).filter(pk=contact.pk).exists()
    detailed = Contact.objects.unscoped("test").exclude(personal_phone="").first()
    assert detailed is not None and detailed.personal_phone.isdigit()  # encrypted at rest, read back

    today = timezone.localdate()
    # every decliner has been declining for at least DECLINE_DAYS[0] days
    recent, before = today - dt.timedelta(days=demo.DECLINE_DAYS[0]), today - dt.timedelta(days=3 * 365)
    stopped = [pk for pk, no in customers.values_list("pk", "archive_no") if demo._trend(int(no[5:])) == "stopped"]
    declining = [pk for pk, no in customers.values_list("pk", "archive_no") if demo._trend(int(no[5:])) == "declining"]
    steady = [pk for pk, no in customers.values_list("pk", "archive_no") if demo._trend(int(no[5:])) == "steady"]
    assert stopped and declining and steady
    assert _sales(stopped, before) > 0 and _sales(stopped, today - dt.timedelta(days=demo.STOPPED_DAYS[0])) == 0

    # Per customer and per day, the decliners buy far less in the last months than before; steady ones do not.
    def rate(ids, since, until=None):
        days = ((until or today) - since).days
        return float(_sales(ids, since, until)) / len(ids) / days

    assert rate(declining, recent) < 0.5 * rate(declining, before, recent)
    assert rate(steady, recent) > 0.5 * rate(steady, before, recent)

    demo.seed(customers=120, stdout=io.StringIO())  # idempotent
    assert customers.count() == 120


def _gaps(days_ago):
    return [a - b for a, b in itertools.pairwise(days_ago)]


def test_demo_buying_history_holds_a_learnable_signal():
    """A customers buy on their own cadence (three months without an order is unusual), decliners
    buy less often and less from their own start day, stopped ones stop; all seeded by the index."""
    import random

    steady = [i for i in range(1, 4000) if i % 10 < 2 and demo._trend(i) == "steady"]
    declining = [i for i in range(1, 4000) if i % 10 < 2 and demo._trend(i) == "declining"]
    stopped = [i for i in range(1, 4000) if i % 10 < 2 and demo._trend(i) == "stopped"]
    assert steady and declining and stopped
    longest = demo.CADENCE_DAYS["A"][1] * 1.25
    for i in steady:
        days = [d for d, _amount in demo._orders(i, "A", random.Random(i))]
        assert days[0] > demo.HISTORY_DAYS - longest and days[-1] < longest
        assert max(_gaps(days)) <= longest + 1
    # decline starts are spread: some before a year ago (the back-test's training cut-offs)
    slow = [[d for d, _a in demo._orders(i, "A", random.Random(i))] for i in declining]
    # slower than any steady gap (most: a decline that began after the last order does not show yet)
    assert sum(max([*_gaps(days), days[-1]]) > longest + 1 for days in slow) >= 0.7 * len(slow)
    assert any(a - b > longest + 1 and b > 365 for days in slow for a, b in itertools.pairwise(days))
    for i in stopped:
        days = [d for d, _amount in demo._orders(i, "A", random.Random(i))]
        assert days[-1] >= demo.STOPPED_DAYS[0]
    assert demo._orders(7, "A", random.Random(7)) == demo._orders(7, "A", random.Random(7))
    # about as many orders per customer as before the cadence (seeding time)
    count = sum(len(demo._orders(i, demo._grade_for(i)[0], random.Random(i))) for i in range(1, 2001))
    assert 4.0 <= count / 2000 <= 5.2


def test_the_list_page_caches_its_filter_selects_until_a_user_changes(client, users):
    """The selects (with every active user as a possible owner) are rendered once per filter values."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(users["mkt_mgr"])
    first = client.get("/customers/?grade=A").content.decode()
    assert 'value="A" selected' in first
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/customers/?grade=A").content.decode()
    assert again.count("<option") == first.count("<option")
    owners = 'FROM "accounts_user" WHERE "accounts_user"."is_active"'
    assert not [q for q in queries.captured_queries if owners in q["sql"]]
    users["tech"].first_name, users["tech"].last_name = "新", "名字"
    users["tech"].save()
    assert "名字" in client.get("/customers/?grade=A").content.decode()
    assert 'value="B" selected' in client.get("/customers/?grade=B").content.decode()


def test_list_rows_show_translated_grade_and_priority_labels(client, users):
    from kehu.customers.services import customer_create

    customer_create(actor=users["sales"], name="标签测试有限公司", grade="A", priority="core")
    client.force_login(users["sales"])
    html = client.get("/customers/").content.decode()
    assert "A类" in html and "核心客户" in html
    html = client.get("/customers/", headers={"Accept-Language": "en"}).content.decode()
    assert "Grade A" in html and "Core customer" in html
