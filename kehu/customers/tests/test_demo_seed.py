"""The demo loader writes through the bulk paths (COPY / executemany) and still gives searchable,
decryptable rows, with some customers whose buying really falls away (the analytics back-test)."""

from __future__ import annotations

import datetime as dt
import io

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
    recent, before = today - dt.timedelta(days=150), today - dt.timedelta(days=3 * 365)
    stopped = [pk for pk, no in customers.values_list("pk", "archive_no") if demo._trend(int(no[5:])) == "stopped"]
    declining = [pk for pk, no in customers.values_list("pk", "archive_no") if demo._trend(int(no[5:])) == "declining"]
    steady = [pk for pk, no in customers.values_list("pk", "archive_no") if demo._trend(int(no[5:])) == "steady"]
    assert stopped and declining and steady
    assert _sales(stopped, today - dt.timedelta(days=260)) == 0

    # Per customer and per day, the decliners buy far less in the last months than before; steady ones do not.
    def rate(ids, since, until=None):
        days = ((until or today) - since).days
        return float(_sales(ids, since, until)) / len(ids) / days

    assert rate(declining, recent) < 0.5 * rate(declining, before, recent)
    assert rate(steady, recent) > 0.5 * rate(steady, before, recent)

    demo.seed(customers=120, stdout=io.StringIO())  # idempotent
    assert customers.count() == 120


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
