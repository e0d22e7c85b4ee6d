"""Every table keeps an index for each column a page, a duplicate check or a cascade looks up, and
no index that another one already covers: each costs every insert and update (issue 16;
kehu/core/redundant_indexes.py and the migrations that use it)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection

pytestmark = pytest.mark.django_db

# Kehu's own tables, history tables included. Django's automatic many-to-many tables (user groups,
# article tags) are left out: their (a)-index next to the unique (a, b) is Django's to make.
ALL_TABLES = sorted(
    model._meta.db_table
    for model in apps.get_models()
    if model.__module__.startswith("kehu.") and not model._meta.auto_created
)
# The tables that grow with the archive (a million customers: millions of contacts, transactions,
# plans, care items, history and access-log rows): here no LIKE copy is left either.
TABLES = [
    "customers_customer",
    "customers_contact",
    "customers_transaction",
    "customers_historicalcustomer",
    "customers_historicaltransaction",
    "engagement_contactplan",
    "engagement_careitem",
    "engagement_followup",
    "engagement_interaction",
    "access_accesslog",
]
# (table, column): looked up by equality (list filters, a customer's rows, cascades, duplicate checks)
LOOKED_UP = [
    ("customers_customer", "owner_id"),
    ("customers_customer", "name_key"),
    ("customers_customer", "phone_digits"),
    ("customers_contact", "customer_id"),
    ("customers_contact", "mobile_digits"),
    ("customers_contact", "personal_phone_index"),
    ("customers_transaction", "customer_id"),
    ("engagement_contactplan", "assignee_id"),
    ("engagement_careitem", "customer_id"),
    ("engagement_careitem", "assignee_id"),
    ("engagement_followup", "customer_id"),
    ("engagement_followup", "assignee_id"),
    ("engagement_interaction", "customer_id"),
    ("engagement_interaction", "actor_id"),
    ("access_accesslog", "user_id"),
    ("access_accesslog", "customer_id"),
]


def _indexes(table: str) -> dict[str, dict]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return {
        name: spec
        for name, spec in found.items()
        if (spec["index"] or spec["unique"] or spec["primary_key"]) and spec["columns"]
    }


def _partial(table: str) -> set[str]:
    """Indexes with a WHERE clause: they hold some rows only, so they cover nothing (Django's
    introspection does not say which they are)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "JOIN pg_class t ON t.oid = i.indrelid "
                "WHERE t.relname = %s AND t.relnamespace = current_schema()::regnamespace AND i.indpred IS NOT NULL",
                [table],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql LIKE '%% WHERE %%'",
                [table],
            )
        return {name for (name,) in cursor.fetchall()}


def _pattern_copies(table: str) -> set[str]:
    """PostgreSQL's varchar_pattern_ops copies ("..._like") of indexed CharFields, for LIKE 'prefix%'
    only: another operator class, so neither covered by nor covering a plain index. SQLite has none."""
    if connection.vendor != "postgresql":
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = %s AND indexdef LIKE '%%varchar_pattern_ops%%'",
            [table],
        )
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.parametrize(("table", "column"), LOOKED_UP)
def test_every_looked_up_column_leads_an_index(table, column):
    partial = _partial(table)
    assert any(spec["columns"][0] == column for name, spec in _indexes(table).items() if name not in partial)


@pytest.mark.parametrize("table", ALL_TABLES)
def test_no_index_is_covered_by_another(table):
    """A plain btree index whose columns begin another index's columns only costs writes (a unique
    one stays: it is a rule, not a lookup; a partial one covers only its own rows)."""
    skipped = _pattern_copies(table)
    indexes = {name: spec for name, spec in _indexes(table).items() if name not in skipped}
    partial = _partial(table)
    plain = {n: s for n, s in indexes.items() if not (s["unique"] or s["primary_key"]) and s.get("type") != "gin"}
    covered = []
    for name, spec in plain.items():
        columns = spec["columns"]
        for other, other_spec in indexes.items():
            if other == name or other in partial or other_spec.get("type") == "gin" or other_spec.get("definition"):
                continue
            longer = other_spec["columns"]
            if longer[: len(columns)] == columns and (len(longer) > len(columns) or other < name):
                covered.append((name, other))
    assert covered == []


def test_no_prefix_pattern_index_is_left_where_nothing_searches_by_prefix():
    pattern_indexes = sorted(name for table in TABLES for name in _pattern_copies(table))
    # archive_no keeps its own: demo seeding counts its rows by prefix
    expected = ["customers_customer_archive_no_d5c72059_like"] if connection.vendor == "postgresql" else []
    assert pattern_indexes == expected


def test_partial_indexes_are_told_apart():
    """The import's pending-row index holds the staged rows only; the check above must not count it
    as covering anything, on either database."""
    search = connection.vendor == "postgresql"  # the GIN search indexes skip staged rows (migration 0012)
    assert _partial("customers_customer") == {"customers_pending_import"} | (
        {"customers_customer_search_vec_gin"} if search else set()
    )
    assert _partial("customers_contact") == {"contacts_pending_import"} | (
        {"customers_contact_search_vec_gin"} if search else set()
    )
