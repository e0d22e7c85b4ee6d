"""Drop the foreign-key indexes of the customers tables that a composite or unique index starting with
the same column already covers (issue 16; ADR 0006, "Translated labels and redundant indexes"):
each one only cost every insert and update. How, and why not by AlterField:
kehu/core/redundant_indexes.py; kehu/core/tests/test_redundant_indexes.py checks every table.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from kehu.core.redundant_indexes import drop_redundant_indexes


COVERED_FIELDS = [
    ("customers", "annualsales", "customer"),
    ("customers", "archiveupdate", "actor"),
    ("customers", "customerdocument", "customer"),
    ("customers", "documentversion", "document"),
    ("customers", "importjob", "actor"),
    ("customers", "importrow", "job"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0013_drop_redundant_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[drop_redundant_indexes(covered_fields=COVERED_FIELDS)],
            state_operations=[
                migrations.AlterField(
                    model_name="annualsales",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="annual_sales",
                        to="customers.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="archiveupdate",
                    name="actor",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="archive_updates",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="customerdocument",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="documents",
                        to="customers.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="documentversion",
                    name="document",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="versions",
                        to="customers.customerdocument",
                    ),
                ),
                migrations.AlterField(
                    model_name="importjob",
                    name="actor",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="importrow",
                    name="job",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="staged_rows",
                        to="customers.importjob",
                    ),
                ),
            ],
        ),
    ]
