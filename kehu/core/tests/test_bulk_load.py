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
