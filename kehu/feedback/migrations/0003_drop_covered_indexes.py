"""Drop the feedback tables' indexes that a composite or unique index starting with the same column
already covers (issue 16; ADR 0006, "Translated labels and redundant indexes"): the foreign keys'
own indexes and the template codes' (the unique (code, version) serves `code = x`), with the codes'
LIKE copies on PostgreSQL. How, and why not by AlterField: kehu/core/redundant_indexes.py;
kehu/core/tests/test_redundant_indexes.py checks every table.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from kehu.core.redundant_indexes import drop_redundant_indexes


COVERED_FIELDS = [
    ("feedback", "evaluation", "customer"),
    ("feedback", "evaluationreview", "evaluation"),
    ("feedback", "evaluationtemplate", "code"),
    ("feedback", "improvementmeasure", "owner"),
    ("feedback", "selfupdaterequest", "customer"),
    ("feedback", "surveyanswer", "wave"),
    ("feedback", "surveyinvitation", "customer"),
    ("feedback", "surveyinvitation", "wave"),
    ("feedback", "surveykeyword", "wave"),
    ("feedback", "surveyresponse", "customer"),
    ("feedback", "surveyresponse", "wave"),
    ("feedback", "surveytemplate", "code"),
    ("feedback", "surveywave", "template"),
]
PATTERN_COPIES = [("feedback", "evaluationtemplate", "code"), ("feedback", "surveytemplate", "code")]


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0014_drop_covered_indexes"),
        ("feedback", "0002_defaults"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[drop_redundant_indexes(covered_fields=COVERED_FIELDS, pattern_copies=PATTERN_COPIES)],
            state_operations=[
                migrations.AlterField(
                    model_name="evaluation",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="customers.customer",
                        verbose_name="客户",
                    ),
                ),
                migrations.AlterField(
                    model_name="evaluationreview",
                    name="evaluation",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reviews",
                        to="feedback.evaluation",
                    ),
                ),
                migrations.AlterField(
                    model_name="evaluationtemplate",
                    name="code",
                    field=models.SlugField(db_index=False, max_length=40, verbose_name="代码"),
                ),
                migrations.AlterField(
                    model_name="improvementmeasure",
                    name="owner",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="负责人",
                    ),
                ),
                migrations.AlterField(
                    model_name="selfupdaterequest",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="customers.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="surveyanswer",
                    name="wave",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="feedback.surveywave",
                    ),
                ),
                migrations.AlterField(
                    model_name="surveyinvitation",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="customers.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="surveyinvitation",
                    name="wave",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="invitations",
                        to="feedback.surveywave",
                    ),
                ),
                migrations.AlterField(
                    model_name="surveykeyword",
                    name="wave",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="feedback.surveywave",
                    ),
                ),
                migrations.AlterField(
                    model_name="surveyresponse",
                    name="customer",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="customers.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="surveyresponse",
                    name="wave",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="responses",
                        to="feedback.surveywave",
                    ),
                ),
                migrations.AlterField(
                    model_name="surveytemplate",
                    name="code",
                    field=models.SlugField(db_index=False, max_length=40, verbose_name="代码"),
                ),
                migrations.AlterField(
                    model_name="surveywave",
                    name="template",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="feedback.surveytemplate",
                        verbose_name="问卷",
                    ),
                ),
            ],
        ),
    ]
