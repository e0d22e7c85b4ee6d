"""Drop the foreign-key indexes of the messaging tables that a composite or unique index starting with
the same column already covers (issue 16; ADR 0006, "Translated labels and redundant indexes"):
each one only cost every insert and update. How, and why not by AlterField:
kehu/core/redundant_indexes.py; kehu/core/tests/test_redundant_indexes.py checks every table.
"""

import django.db.models.deletion
from django.db import migrations, models

from kehu.core.redundant_indexes import drop_redundant_indexes


COVERED_FIELDS = [
    ("messaging", "consentrecord", "contact"),
    ("messaging", "consentrecord", "customer"),
    ("messaging", "delivery", "contact"),
    ("messaging", "delivery", "customer"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0014_drop_covered_indexes"),
        ("messaging", "0002_default_topic_rules"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[drop_redundant_indexes(covered_fields=COVERED_FIELDS)],
            state_operations=[
                migrations.AlterField(
                    model_name="consentrecord",
                    name="contact",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="message_consents",
                        to="customers.contact",
                        verbose_name="联系人",
                    ),
                ),
                migrations.AlterField(
                    model_name="consentrecord",
                    name="customer",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="message_consents",
                        to="customers.customer",
                        verbose_name="客户",
                    ),
                ),
                migrations.AlterField(
                    model_name="delivery",
                    name="contact",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="customers.contact",
                        verbose_name="联系人",
                    ),
                ),
                migrations.AlterField(
                    model_name="delivery",
                    name="customer",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deliveries",
                        to="customers.customer",
                        verbose_name="客户",
                    ),
                ),
            ],
        ),
    ]
