"""Drop the foreign-key indexes of the loyalty tables that a composite or unique index starting with
the same column already covers (issue 16; ADR 0006, "Translated labels and redundant indexes"):
each one only cost every insert and update. How, and why not by AlterField:
kehu/core/redundant_indexes.py; kehu/core/tests/test_redundant_indexes.py checks every table.
"""

import django.db.models.deletion
from django.db import migrations, models

from kehu.core.redundant_indexes import drop_redundant_indexes


COVERED_FIELDS = [
    ("loyalty", "campaignrecipient", "campaign"),
    ("loyalty", "pointsentry", "account"),
    ("loyalty", "referral", "referrer"),
    ("loyalty", "tierchange", "customer"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0014_drop_covered_indexes"),
        ("loyalty", "0003_campaign_return_note"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[drop_redundant_indexes(covered_fields=COVERED_FIELDS)],
            state_operations=[
                migrations.AlterField(
                    model_name="campaignrecipient",
                    name="campaign",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="recipients",
                        to="loyalty.campaign",
                    ),
                ),
                migrations.AlterField(
                    model_name="pointsentry",
                    name="account",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="entries",
                        to="loyalty.pointsaccount",
                    ),
                ),
                migrations.AlterField(
                    model_name="referral",
                    name="referrer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="customers.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="tierchange",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="customers.customer",
                    ),
                ),
            ],
        ),
    ]
