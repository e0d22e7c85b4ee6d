"""The archive's tables keep an index for every column a page, a duplicate check or a cascade looks
up, and no index that only costs writes (migration 0013, issue 16)."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

# (table, column): looked up by equality somewhere (list filter by owner, a customer's contacts and
# transactions, the cascade when a customer is deleted, duplicate and import checks)
LOOKED_UP = [
    ("customers_customer", "owner_id"),
    ("customers_customer", "name"),
    ("customers_customer", "name_key"),
    ("customers_customer", "phone_digits"),
    ("customers_contact", "customer_id"),
    ("customers_contact", "mobile_digits"),
    ("customers_contact", "personal_phone_index"),
    ("customers_transaction", "customer_id"),
    ("customers_transaction", "number"),
]


def _indexes(table: str) -> dict[str, dict]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return {name: spec for name, spec in found.items() if spec["index"] or spec["unique"] or spec["primary_key"]}


@pytest.mark.parametrize(("table", "column"), LOOKED_UP)
def test_every_looked_up_column_leads_exactly_one_index(table, column):
    leading = sorted(name for name, spec in _indexes(table).items() if spec["columns"][:1] == [column])
    assert len(leading) == 1, leading  # one is needed; a second one only slows every write


def test_no_prefix_pattern_index_is_left_where_nothing_searches_by_prefix():
    """PostgreSQL adds a varchar_pattern_ops index ("..._like") to every indexed CharField; SQLite has none."""
    pattern_indexes = []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename LIKE 'customers\\_%%' AND indexdef LIKE '%%varchar_pattern_ops%%'"
            )
            pattern_indexes = sorted(name for (name,) in cursor.fetchall())
    # archive_no keeps its own: demo seeding counts its rows by prefix
    expected = ["customers_customer_archive_no_d5c72059_like"] if connection.vendor == "postgresql" else []
    assert pattern_indexes == expected
