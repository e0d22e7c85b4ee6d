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

Measured at 100k demo customers on PostgreSQL (2-core machine): ADR 0006, "Translated labels and
redundant indexes".
How the indexes are dropped, and why not by AlterField: kehu/core/redundant_indexes.py.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from kehu.core.redundant_indexes import drop_redundant_indexes

COVERED_FIELDS = [  # next to (owner, id), (customer, id), (customer, -occurred_on)
    ("customers", "customer", "owner"),
    ("customers", "contact", "customer"),
    ("customers", "transaction", "customer"),
]
PATTERN_COPIES = [
    ("customers", "customer", "name"),
    ("customers", "customer", "name_key"),
    ("customers", "customer", "phone_digits"),
    ("customers", "contact", "mobile_digits"),
    ("customers", "contact", "personal_phone_index"),
    ("customers", "transaction", "number"),
    ("customers", "historicalcustomer", "archive_no"),  # history rows are read by customer and time
    ("customers", "historicalcustomer", "name"),
    ("customers", "historicaltransaction", "number"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0012_search_index_skips_pending_imports"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                drop_redundant_indexes(covered_fields=COVERED_FIELDS, pattern_copies=PATTERN_COPIES)
            ],
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
