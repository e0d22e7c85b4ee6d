import pytest

from kehu.core import search
from kehu.customers.selectors import customer_list_for
from kehu.customers.services import contact_create, customer_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def tianxun(users):
    customer = customer_create(
        actor=users["sales"], name="天讯科技有限公司", phone="021-5566 7788", email="info@tianxun-tech.cn"
    )
    contact_create(actor=users["admin"], customer=customer, name="张伟", mobile="138-0013-8000")
    customer_create(actor=users["sales"], name="华夏物流集团", phone="010-12345678")
    return customer


@pytest.mark.parametrize(
    "query",
    [
        "科技",
        "讯科",
        "txkj",
        "TXKJ",
        "tianxun",
        "kejiyou",
        "0013",
        "13800138000",
        "张伟",
        "zw",
        "tianxun-tech",
        "５５６６",
    ],
)
def test_query_finds_the_customer(users, tianxun, query):
    names = list(customer_list_for(users["sales"], q=query).values_list("name", flat=True))
    assert names == ["天讯科技有限公司"]


@pytest.mark.parametrize("query", ["天科", "物联", "zzz", "9999"])
def test_query_that_is_no_fragment_finds_nothing(users, tianxun, query):
    assert not customer_list_for(users["sales"], q=query).exists()


def test_search_follows_an_edit_of_the_search_column(users, tianxun):
    from kehu.customers.models import Customer

    Customer.objects.filter(pk=tianxun.pk).update(search_text=search.build_document(texts=["新名称"]))
    assert not customer_list_for(users["sales"], q="科技").exists()
    assert customer_list_for(users["sales"], q="名称").get() == tianxun


def test_query_terms_split_chinese_into_bigrams():
    assert search.query_terms("某某科技") == [("某某", False), ("某科", False), ("科技", False)]
    assert search.query_terms("TXKJ 138") == [("txkj", True), ("138", True)]


def test_a_table_rebuild_that_dropped_the_sqlite_triggers_is_repaired_after_migrate(users, tianxun):
    """SQLite rebuilds a table to add a NOT NULL column and drops its triggers: post_migrate repairs them."""
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "sqlite":
        assert search.repair_sqlite_search_triggers() == []  # PostgreSQL's GIN index has no triggers to lose
        return
    with connection.cursor() as cursor:
        for suffix in search.TRIGGER_SUFFIXES:
            cursor.execute(f"DROP TRIGGER customers_customer_fts{suffix}")
    renamed = customer_create(actor=users["sales"], name="新建的博源机械有限公司")
    assert not customer_list_for(users["sales"], q="博源").exists()  # the index no longer follows the table
    call_command("migrate", verbosity=0)  # nothing to migrate, but post_migrate still runs
    assert list(customer_list_for(users["sales"], q="博源")) == [renamed]
    assert search.repair_sqlite_search_triggers() == []  # idempotent: nothing left to repair


def test_analyze_gives_the_planner_statistics_of_the_search_table(users, tianxun):
    """seed_demo ends with ANALYZE: without statistics a frequent search term is planned as a rare one."""
    from django.db import connection

    from kehu.core.maintenance import analyze_database, optimize_database

    analyze_database()
    optimize_database()  # SQLite's nightly PRAGMA optimize; nothing on PostgreSQL
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'customers_customer'")
        else:
            cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = 'customers_customer'")
        assert cursor.fetchone()[0] > 0


def test_a_digit_query_asks_for_one_exact_four_digit_token_and_a_prefix():
    assert search.query_terms("0013") == [("0013", False)]
    assert search.query_terms("00138") == [("0013", False), ("00138", True)]
    assert search.query_terms("001") == [("001", True)]


def test_documents_hold_every_four_digit_gram_of_a_phone():
    tokens = set(search.build_document(phones=["138-0013-8000"]).split())
    digits = "13800138000"
    assert {digits[i : i + 4] for i in range(len(digits) - 3)} <= tokens


def test_the_migration_helper_adds_grams_to_an_old_document_and_nothing_else():
    old = "0138000 138000 3800138000 38000 800 8000 abc 天讯"
    assert set(search.add_digit_grams(old).split()) == set(old.split()) | {"0138", "1380", "3800"}
    assert search.add_digit_grams(search.add_digit_grams(old)) == search.add_digit_grams(old)


@pytest.mark.parametrize("query", ["0138", "3800", "80013", "00138"])
def test_middle_fragments_of_a_mobile_find_the_customer(users, tianxun, query):
    assert list(customer_list_for(users["sales"], q=query).values_list("name", flat=True)) == ["天讯科技有限公司"]


@pytest.mark.postgres_only
def test_postgresql_keeps_the_search_vector_stored_with_a_large_statistics_sample(users, tianxun):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, a.attstattarget FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "WHERE c.relname IN ('customers_customer', 'customers_contact') AND a.attname = 'search_vector'"
        )
        assert dict(cursor.fetchall()) == {"customers_customer": 1000, "customers_contact": 1000}
        cursor.execute("SELECT search_vector::text FROM customers_customer WHERE id = %s", [tianxun.pk])
        assert "'0013'" in cursor.fetchone()[0]  # follows search_text, written by the database


def test_estimated_count_is_close_to_the_real_count(users, tianxun):
    from kehu.core.counts import estimated_count
    from kehu.core.maintenance import analyze_database
    from kehu.customers.models import Customer

    analyze_database()
    customers = Customer.objects.unscoped("test")
    assert abs(estimated_count(customers) - customers.count()) <= 1
    assert 0 <= estimated_count(customers.filter(name__startswith="天讯")) <= customers.count()


def test_a_number_fragment_keeps_every_other_condition_of_the_list(users, tianxun):
    """A digits-only query is answered from the ids of its fragment first (PostgreSQL: a stable
    plan at any size); the list's other conditions, its scope and rows of an unfinished import
    still apply."""
    from kehu.customers.models import Customer

    other = customer_create(actor=users["admin"], name="另一家公司", phone="021-0013 9999")
    assert set(customer_list_for(users["admin"], q="0013").values_list("pk", flat=True)) == {tianxun.pk, other.pk}
    assert list(customer_list_for(users["admin"], q="0013", owner=users["sales"]).values_list("pk", flat=True)) == [
        tianxun.pk
    ]
    assert list(customer_list_for(users["admin"], q="00139999").values_list("pk", flat=True)) == [other.pk]
    Customer._base_manager.filter(pk=other.pk).update(import_pending=1)
    assert list(customer_list_for(users["admin"], q="0013").values_list("pk", flat=True)) == [tianxun.pk]
