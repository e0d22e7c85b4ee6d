"""Drop the foreign-key indexes of the conversations tables that a composite or unique index starting with
the same column already covers (issue 16; ADR 0006, "Translated labels and redundant indexes"):
each one only cost every insert and update. How, and why not by AlterField:
kehu/core/redundant_indexes.py; kehu/core/tests/test_redundant_indexes.py checks every table.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from kehu.core.redundant_indexes import drop_redundant_indexes


COVERED_FIELDS = [
    ("conversations", "call", "agent"),
    ("conversations", "call", "customer"),
    ("conversations", "conversation", "assignee"),
    ("conversations", "conversation", "customer"),
    ("conversations", "message", "conversation"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0002_default_targets"),
        ("customers", "0014_drop_covered_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[drop_redundant_indexes(covered_fields=COVERED_FIELDS)],
            state_operations=[
                migrations.AlterField(
                    model_name="call",
                    name="agent",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="坐席",
                    ),
                ),
                migrations.AlterField(
                    model_name="call",
                    name="customer",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="customers.customer",
                        verbose_name="客户",
                    ),
                ),
                migrations.AlterField(
                    model_name="conversation",
                    name="assignee",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="处理人",
                    ),
                ),
                migrations.AlterField(
                    model_name="conversation",
                    name="customer",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="customers.customer",
                        verbose_name="客户",
                    ),
                ),
                migrations.AlterField(
                    model_name="message",
                    name="conversation",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="messages",
                        to="conversations.conversation",
                    ),
                ),
            ],
        ),
    ]
