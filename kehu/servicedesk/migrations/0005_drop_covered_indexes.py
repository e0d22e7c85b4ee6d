"""Drop the foreign-key indexes of the servicedesk tables that a composite or unique index starting with
the same column already covers (issue 16; ADR 0006, "Translated labels and redundant indexes"):
each one only cost every insert and update. How, and why not by AlterField:
kehu/core/redundant_indexes.py; kehu/core/tests/test_redundant_indexes.py checks every table.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from kehu.core.redundant_indexes import drop_redundant_indexes


COVERED_FIELDS = [
    ("servicedesk", "complaint", "customer"),
    ("servicedesk", "complaint", "receiver"),
    ("servicedesk", "consultation", "customer"),
    ("servicedesk", "consultation", "owner"),
    ("servicedesk", "consultation", "receiver"),
    ("servicedesk", "demand", "customer"),
    ("servicedesk", "demand", "owner"),
    ("servicedesk", "mailmessage", "customer"),
    ("servicedesk", "slatimer", "owner"),
    ("servicedesk", "ticket", "customer"),
    ("servicedesk", "ticket", "owner"),
    ("servicedesk", "ticketmember", "ticket"),
    ("servicedesk", "ticketmember", "user"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0014_drop_covered_indexes"),
        ("servicedesk", "0004_merge_0003_amounts_not_negative_0003_policy_fidelity"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[drop_redundant_indexes(covered_fields=COVERED_FIELDS)],
            state_operations=[
                migrations.AlterField(
                    model_name="complaint",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="complaints",
                        to="customers.customer",
                        verbose_name="投诉客户",
                    ),
                ),
                migrations.AlterField(
                    model_name="complaint",
                    name="receiver",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="受理人员",
                    ),
                ),
                migrations.AlterField(
                    model_name="consultation",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="consultations",
                        to="customers.customer",
                        verbose_name="客户名称",
                    ),
                ),
                migrations.AlterField(
                    model_name="consultation",
                    name="owner",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="负责人",
                    ),
                ),
                migrations.AlterField(
                    model_name="consultation",
                    name="receiver",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="记录人",
                    ),
                ),
                migrations.AlterField(
                    model_name="demand",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="demands",
                        to="customers.customer",
                        verbose_name="客户名称",
                    ),
                ),
                migrations.AlterField(
                    model_name="demand",
                    name="owner",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="负责人",
                    ),
                ),
                migrations.AlterField(
                    model_name="mailmessage",
                    name="customer",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="customers.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="slatimer",
                    name="owner",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="负责人",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="tickets",
                        to="customers.customer",
                        verbose_name="客户名称",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="owner",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="负责人",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticketmember",
                    name="ticket",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="task_group",
                        to="servicedesk.ticket",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticketmember",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="成员",
                    ),
                ),
            ],
        ),
    ]
