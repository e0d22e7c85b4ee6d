"""Bulk loads drop a table's secondary indexes and always get them back, even after a crash."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from kehu.core import bulk
from kehu.customers.models import Contact, Customer

pytestmark = pytest.mark.django_db


def _index_names(table: str) -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {name for name, about in constraints.items() if about["index"] or about["primary_key"] or about["unique"]}


@pytest.fixture
def data_dir(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    return tmp_path


def test_indexes_are_dropped_for_the_load_and_built_again(data_dir):
    before = _index_names("customers_customer")
    secondary = {name for name, _sql in bulk._secondary_indexes("customers_customer", using="default")}
    assert secondary and secondary < before  # the primary key and UNIQUE indexes are not secondary

    with bulk.secondary_indexes_dropped([Customer, Contact]) as dropped:
        during = _index_names("customers_customer")
        assert dropped >= len(secondary)
        assert not (secondary & during)
        assert "customers_customer_archive_no_key" in during or connection.vendor == "sqlite"

    assert _index_names("customers_customer") == before
    assert not (data_dir / "bulk-load-dropped-indexes.json").exists()


def test_a_failed_load_still_gets_its_indexes_back(data_dir):
    before = _index_names("customers_contact")
    with pytest.raises(RuntimeError), bulk.secondary_indexes_dropped([Contact]):
        raise RuntimeError("the load broke")
    assert _index_names("customers_contact") == before


def test_a_killed_load_is_repaired_by_the_next_one(data_dir):
    """kill -9 between DROP and rebuild: the definitions are on disk, the next load (or
    restore_dropped_indexes) builds the missing ones."""
    before = _index_names("customers_contact")
    indexes = bulk._secondary_indexes("customers_contact", using="default")
    (data_dir / "bulk-load-dropped-indexes.json").write_text(json.dumps([sql for _name, sql in indexes]))
    with connection.cursor() as cursor:
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    assert _index_names("customers_contact") < before

    assert bulk.restore_dropped_indexes() == len(indexes)
    assert _index_names("customers_contact") == before
    assert bulk.restore_dropped_indexes() == 0  # nothing left to do


def test_insert_new_writes_every_value_and_skips_what_a_unique_constraint_holds(users):
    """insert_new: one INSERT ... SELECT FROM unnest on PostgreSQL, bulk_create elsewhere; either way
    a care item whose key exists is skipped, the rest land with their dates, amounts and NULLs."""
    import datetime as dt
    from decimal import Decimal

    from kehu.customers.services import customer_create
    from kehu.engagement.models import CareItem

    mkt, sales = users["mkt"], users["sales"]
    customer = customer_create(actor=mkt, owner=sales, name="上海天讯科技有限公司")
    CareItem.objects.create(
        customer=customer,
        kind="festival",
        occasion="春节",
        occasion_on=dt.date(2027, 2, 6),
        plan_on=dt.date(2027, 2, 1),
        assignee=sales,
        key="k-existing",
    )

    def item(key: str, **fields):
        values = {"customer": customer, "kind": "festival", "occasion": "中秋", "assignee": sales, "key": key}
        values.update({"occasion_on": dt.date(2027, 9, 15), "plan_on": dt.date(2027, 9, 10), **fields})
        return CareItem(**values)

    bulk.insert_new(
        CareItem,
        [
            item("k-existing", occasion="重复"),
            item("k-gift", action="gift", gift="茶叶", budget=Decimal("300.50")),
            item("k-plain"),
            bulk.Row(  # a bulk.Row (the nightly care plan's): the same as an instance
                {
                    **bulk.Row.blank(CareItem),
                    **{"customer_id": customer.pk, "kind": "festival", "occasion": "中秋", "key": "k-row"},
                    **{"occasion_on": dt.date(2027, 9, 15), "plan_on": dt.date(2027, 9, 10)},
                    **{"assignee_id": sales.pk, "action": "gift", "budget": Decimal("88.80")},
                }
            ),
        ],
    )
    rows = {i.key: i for i in CareItem.objects.unscoped("test").filter(customer=customer)}
    assert set(rows) == {"k-existing", "k-gift", "k-plain", "k-row"}
    row = rows["k-row"]
    assert (row.budget, row.action, row.status, row.contact_id) == (Decimal("88.80"), "gift", "planned", None)
    assert row.created_at is not None and row.plan_on == dt.date(2027, 9, 10)
    assert rows["k-existing"].occasion == "春节"  # the existing row is untouched
    gift = rows["k-gift"]
    assert (gift.gift, gift.budget, gift.occasion_on, gift.plan_on) == (
        "茶叶",
        Decimal("300.50"),
        dt.date(2027, 9, 15),
        dt.date(2027, 9, 10),
    )
    assert rows["k-plain"].budget is None and rows["k-plain"].contact_id is None and rows["k-plain"].sent_at is None
    assert gift.created_at is not None and gift.status == "planned"
    bulk.insert_new(CareItem, [])  # nothing to do, no statement


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_indexes_come_back_built_side_by_side(data_dir, monkeypatch):
    """As seed_demo runs it: no transaction around the load, so on PostgreSQL the rebuild uses one
    connection per builder thread (the GIN search index among them); every index is back."""
    import threading

    threads = set()
    real_build = bulk._build

    def build(statement, **kwargs):
        threads.add(threading.get_ident())
        real_build(statement, **kwargs)

    monkeypatch.setattr(bulk, "_build", build)
    before = _index_names("customers_customer") | _index_names("customers_contact")
    with bulk.secondary_indexes_dropped([Customer, Contact]) as dropped:
        assert dropped
        assert before - _index_names("customers_customer") - _index_names("customers_contact")  # dropped
    assert _index_names("customers_customer") | _index_names("customers_contact") == before
    if connection.vendor == "postgresql":
        assert "customers_customer_search_vec_gin" in before
        assert threads and threading.get_ident() not in threads  # built on the pool's threads


def test_a_row_made_from_a_blank_is_written_as_the_model_instance_would_be():
    """Bulk loads build rows as plain attribute dicts (bulk.Row) instead of model instances: the
    cells written (defaults, dates, decimals, encrypted text) are the same."""
    import datetime as dt
    from decimal import Decimal

    from kehu.core import crypto

    now = dt.datetime(2026, 12, 3, 8, 0, tzinfo=dt.UTC)
    values = {
        "name": "宁波港联物流有限公司",
        "owner_id": 7,
        "founded_on": dt.date(2001, 5, 1),
        "registered_capital": Decimal("5000000.00"),
        "created_at": now,
        "updated_at": now,
    }
    blank = bulk.Row.blank(Customer, created_at=now, updated_at=now)
    assert bulk.copy_rows(Customer, [bulk.Row({**blank, **values})], pre_save=False) == bulk.copy_rows(
        Customer, [Customer(**values)], pre_save=False
    )
    contact = bulk.Row({**bulk.Row.blank(Contact, created_at=now, updated_at=now), "name": "王琳", "hobbies": "书法"})
    [written] = bulk.copy_rows(Contact, [contact], pre_save=False)
    hobbies = written[bulk.column_position(Contact, "hobbies")]
    assert hobbies != "书法" and crypto.decrypt(hobbies) == "书法"  # encrypted, as a save would


def test_a_blank_refuses_a_default_that_must_be_made_per_row():
    from kehu.customers.models import ArchiveUpdate

    with pytest.raises(ValueError, match="learned_at"):
        bulk.Row.blank(ArchiveUpdate, actor_id=1)
