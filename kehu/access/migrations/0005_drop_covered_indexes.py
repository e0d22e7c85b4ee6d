"""Drop the foreign-key indexes of the access tables that a composite or unique index starting with
the same column already covers (issue 16; ADR 0006, "Translated labels and redundant indexes"):
each one only cost every insert and update. How, and why not by AlterField:
kehu/core/redundant_indexes.py; kehu/core/tests/test_redundant_indexes.py checks every table.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from kehu.core.redundant_indexes import drop_redundant_indexes


COVERED_FIELDS = [
    ("access", "accessrequest", "customer"),
    ("access", "accessrequest", "requester"),
    ("access", "notification", "user"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0004_drop_redundant_indexes"),
        ("customers", "0014_drop_covered_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[drop_redundant_indexes(covered_fields=COVERED_FIELDS)],
            state_operations=[
                migrations.AlterField(
                    model_name="accessrequest",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="access_requests",
                        to="customers.customer",
                        verbose_name="客户",
                    ),
                ),
                migrations.AlterField(
                    model_name="accessrequest",
                    name="requester",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="access_requests",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="申请人",
                    ),
                ),
                migrations.AlterField(
                    model_name="notification",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notifications",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="用户",
                    ),
                ),
            ],
        ),
    ]
