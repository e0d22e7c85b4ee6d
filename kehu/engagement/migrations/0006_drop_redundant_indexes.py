"""Drop the engagement tables' redundant indexes (issue 16; ADR 0006, "Translated labels and
redundant indexes"): each foreign key's own index next to a composite in Meta that starts with
the same column, (actor, -id) next to (actor, id) (a btree reads both ways), and the care item
key's LIKE copy on PostgreSQL (the key is only ever compared whole). Contact plans and care items
are a million rows and more at 1M customers, written by every re-plan and care sweep. How, and why
not by AlterField: kehu/core/redundant_indexes.py.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from kehu.core.redundant_indexes import drop_redundant_indexes


COVERED_FIELDS = [
    ("engagement", "careitem", "assignee"),
    ("engagement", "careitem", "customer"),
    ("engagement", "contactplan", "assignee"),
    ("engagement", "followup", "assignee"),
    ("engagement", "followup", "customer"),
    ("engagement", "followup", "done_by"),
    ("engagement", "followup", "served_by"),
    ("engagement", "interaction", "actor"),
    ("engagement", "interaction", "customer"),
]
PATTERN_COPIES = [
    ("engagement", "careitem", "key"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0013_drop_redundant_indexes"),
        ("engagement", "0005_list_sort_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="interaction",
            name="engagement__actor_i_4dc107_idx",
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                drop_redundant_indexes(covered_fields=COVERED_FIELDS, pattern_copies=PATTERN_COPIES)
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="careitem",
                    name="assignee",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="负责人",
                    ),
                ),
                migrations.AlterField(
                    model_name="careitem",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="care_items",
                        to="customers.customer",
                        verbose_name="客户",
                    ),
                ),
                migrations.AlterField(
                    model_name="contactplan",
                    name="assignee",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="负责人",
                    ),
                ),
                migrations.AlterField(
                    model_name="followup",
                    name="assignee",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="回访人",
                    ),
                ),
                migrations.AlterField(
                    model_name="followup",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="followups",
                        to="customers.customer",
                        verbose_name="客户",
                    ),
                ),
                migrations.AlterField(
                    model_name="followup",
                    name="done_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="followup",
                    name="served_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="服务人员",
                    ),
                ),
                migrations.AlterField(
                    model_name="interaction",
                    name="actor",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="记录人",
                    ),
                ),
                migrations.AlterField(
                    model_name="interaction",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="interactions",
                        to="customers.customer",
                        verbose_name="客户",
                    ),
                ),
            ],
        ),
    ]
