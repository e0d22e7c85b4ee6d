"""Drop twelve btree indexes (three on SQLite) that no query needs: every write of a customer, a
contact or a transaction (and of their history) maintained them (issue 16).

- The foreign keys customer.owner, contact.customer and transaction.customer each had an index of
  their own next to a composite that starts with the same column: (owner, id), (customer, id),
  (customer, -occurred_on). The composite answers `owner_id = x` (and the cascade's
  `customer_id = x`) as well, so the single-column one goes and the field says db_index=False.
- PostgreSQL gives every indexed CharField a second, `varchar_pattern_ops` index ("..._like") for
  LIKE 'prefix%'. Nothing filters name, name_key, phone_digits, mobile_digits,
  personal_phone_index or transaction number by prefix (equality and IN use the plain index; the
  name search is the GIN index), so those six go, and the history tables' three with them.
  customers_customer.archive_no keeps its own: the demo counts its rows by prefix. Django's state
  has no notion of these, so only the database is touched; a later AlterField of such a column
  drops "..._like" with IF EXISTS and may build it again.

Measured at 100k demo customers on PostgreSQL (2-core machine): see ADR 0006, "Redundant indexes".
The foreign keys' indexes go with SeparateDatabaseAndState and DROP INDEX rather than AlterField,
because SQLite rebuilds the whole table for an AlterField, which drops its full-text triggers.
"""

from django.conf import settings
import django.db.models.deletion
from django.db import migrations, models

PATTERN_INDEXED = {  # table: columns whose "..._like" index goes (PostgreSQL only)
    "customers_customer": ("name", "name_key", "phone_digits"),
    "customers_contact": ("mobile_digits", "personal_phone_index"),
    "customers_transaction": ("number",),
    "customers_historicalcustomer": ("archive_no", "name"),  # history rows are read by customer and time
    "customers_historicaltransaction": ("number",),
}
COVERED_FOREIGN_KEYS = (("customer", "owner"), ("contact", "customer"), ("transaction", "customer"))


def _drop_index(schema_editor, table: str, column: str, suffix: str = "") -> None:
    name = schema_editor._create_index_name(table, [column], suffix=suffix)  # the name Django gave it
    schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def _drop(apps, schema_editor):
    for model_name, field_name in COVERED_FOREIGN_KEYS:
        model = apps.get_model("customers", model_name)
        _drop_index(schema_editor, model._meta.db_table, model._meta.get_field(field_name).column)
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, columns in PATTERN_INDEXED.items():
        for column in columns:
            _drop_index(schema_editor, table, column, suffix="_like")


def _create(schema_editor, statement) -> None:
    schema_editor.execute(str(statement).replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))


def _restore(apps, schema_editor):
    for model_name, field_name in COVERED_FOREIGN_KEYS:
        model = apps.get_model("customers", model_name)  # the state before: db_index=True
        _create(schema_editor, schema_editor._create_index_sql(model, fields=[model._meta.get_field(field_name)]))
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, columns in PATTERN_INDEXED.items():
        model = next(m for m in apps.get_app_config("customers").get_models() if m._meta.db_table == table)
        for column in columns:
            field = next(f for f in model._meta.local_fields if f.column == column)
            _create(schema_editor, schema_editor._create_like_index_sql(model, field))


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0012_search_index_skips_pending_imports"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(_drop, _restore)],
            state_operations=[
                migrations.AlterField(
                    model_name="contact",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="contacts",
                        to="customers.customer",
                        verbose_name="客户",
                    ),
                ),
                migrations.AlterField(
                    model_name="customer",
                    name="owner",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="owned_customers",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="负责人",
                    ),
                ),
                migrations.AlterField(
                    model_name="transaction",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="transactions",
                        to="customers.customer",
                        verbose_name="客户",
                    ),
                ),
            ],
        )
    ]
